/* fileio.h: bounded whole-file reads and crash-safe file writes. */
#ifndef PODBOOT_FILEIO_H
#define PODBOOT_FILEIO_H

#include <limits.h>
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
 * read(2), again while a signal interrupts it.
 *
 * @ret n		bytes read (at most @len), 0 at the end, or -errno
 */
ssize_t fileio_read_some(int fd, void *buf, size_t len);

/**
 * Write all @len bytes of @buf to @fd, again after short writes and
 * interruptions.
 *
 * @ret rc		0 or -errno
 */
int fileio_write_all(int fd, const void *buf, size_t len);

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

/* Where a staged file is: see struct fileio_staged. */
enum fileio_stage_state {
	FILEIO_IDLE,		/* nothing staged, or all done */
	FILEIO_STAGED,		/* the new file waits at tmp */
	FILEIO_CREATED,		/* the new file is at path; none was */
	FILEIO_SWAPPED,		/* the new file is at path, the old at tmp */
	FILEIO_REPLACED,	/* the new file is at path, the old is gone */
};

/**
 * A file written beside its destination and put in place later, so that
 * several files can be written first and then placed together: if one
 * fails, fileio_undo() restores the others.  Initialise with
 * fileio_staged_init() or fileio_stage(); fileio_undo() and
 * fileio_finish() are safe in any state.
 */
struct fileio_staged {
	char path[PATH_MAX];	/* destination */
	char tmp[PATH_MAX];	/* the new file; once swapped, the old */
	enum fileio_stage_state state;
};

/** Set @st to FILEIO_IDLE: nothing staged. */
void fileio_staged_init(struct fileio_staged *st);

/**
 * Write the data of @path to a new temporary file beside it, mode @mode
 * exactly, fsynced; nothing is at @path yet.
 *
 * @v st		receives the staged file; fileio_undo() it on failure
 *			of anything that follows
 * @v path		destination
 * @v buf		data
 * @v len		data length
 * @v mode		permission bits of the new file (0600 for secrets)
 * @ret rc		0 or a negative error (nothing left behind)
 */
int fileio_stage(struct fileio_staged *st, const char *path, const void *buf,
		 size_t len, mode_t mode);

/**
 * Put a staged file in place and fsync its directory.  Without
 * FILEIO_EXCL an existing file is exchanged with the new one in one step
 * (renameat2(RENAME_EXCHANGE)) and kept at the temporary's name until
 * fileio_finish() or fileio_undo(); where the filesystem cannot exchange,
 * it is replaced for good.  A directory is never replaced.
 *
 * @v st		a staged file
 * @v flags		FILEIO_EXCL to fail with -EEXIST if @path exists
 * @ret rc		0 or a negative error; fileio_undo() takes back
 *			whatever was done
 */
int fileio_place(struct fileio_staged *st, int flags);

/** Keep what fileio_place() did: remove the old file it kept (if any). */
void fileio_finish(struct fileio_staged *st);

/**
 * Take back a staged or placed file: remove the temporary, or the file
 * fileio_place() created, or put back the file it replaced.
 *
 * @ret rc		0, -EOPNOTSUPP if the old file was replaced for good,
 *			or another negative error (@st is left as it was)
 */
int fileio_undo(struct fileio_staged *st);

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
