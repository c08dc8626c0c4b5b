/* fileio.h: bounded whole-file reads and crash-safe file writes. */
#ifndef PODBOOT_FILEIO_H
#define PODBOOT_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/** Refuse to replace an existing file (fileio_write flag). */
#define FILEIO_EXCL 0x1

/*
 * Temporary files are PATH.tmp.XXXXXX beside PATH, the suffix random and
 * the file created with O_EXCL: nobody can make, or hold open, the inode
 * that data is written into.
 */
#define FILEIO_TMP_SUFFIX ".tmp.XXXXXX"

/**
 * Read a whole file of at most @max bytes.
 *
 * @v path		file to read
 * @v max		size limit; a larger file fails with -PB_ETOOBIG
 * @v buf		receives a malloc'd buffer with a NUL after the data;
 *			the caller frees it
 * @v len		receives the data length (without the NUL)
 * @ret rc		0 or a negative error
 */
int fileio_read(const char *path, size_t max, unsigned char **buf,
		size_t *len);

/**
 * Write a file atomically: a new temporary file beside @path (see
 * FILEIO_TMP_SUFFIX), fsync, rename, fsync of the directory.  A reader
 * sees the old content or the new, never a part; on failure the
 * temporary is removed.
 *
 * @v path		destination
 * @v buf		data
 * @v len		data length
 * @v mode		permission bits of the new file (0600 for secrets)
 * @v flags		FILEIO_EXCL to fail with -EEXIST if @path exists
 *			(checked and created in one step, like O_EXCL)
 * @ret rc		0 or a negative error
 */
int fileio_write(const char *path, const void *buf, size_t len, mode_t mode,
		 int flags);

/** fsync the directory holding @path; 0 or a negative error. */
int fileio_sync_dir(const char *path);

/** Create directory @path (and parents) with @mode; 0 if it exists. */
int fileio_mkdirs(const char *path, mode_t mode);

/** 1 if @path exists (any type), else 0. */
int fileio_exists(const char *path);

/**
 * Join @dir and @name into @out of @size bytes.
 *
 * @ret rc		0, or -PB_ETOOBIG if the result would not fit
 */
int fileio_join(char *out, size_t size, const char *dir, const char *name);

#endif
