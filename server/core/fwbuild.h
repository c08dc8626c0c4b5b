/* fwbuild.h: a firmware build directory (the output of `make firmware`)
 * checked against its SHA256SUMS, and its first-stage files placed in a
 * TFTP root: which build a pod gets, where its files go. */
#ifndef PODBOOT_FWBUILD_H
#define PODBOOT_FWBUILD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"

/* The files of a build that stock firmware fetches. */
#define FWBUILD_BIOS "undionly.kpxe"	/* legacy PXE, by TFTP */
#define FWBUILD_UEFI "snponly.efi"	/* UEFI PXE, by TFTP */
#define FWBUILD_HTTP "ipxe.efi"		/* UEFI HTTP Boot */
#define FWBUILD_N 3
#define FWBUILD_SUMS "SHA256SUMS"
#define FWBUILD_MAX_SIZE (64u << 20)	/* per file */

/* A checked build: each file's SHA-256 as its SHA256SUMS states it, and
 * the bytes that were checked (owned; fwbuild_free()). */
struct fwbuild {
	char dir[PATH_MAX];
	uint8_t digest[FWBUILD_N][32];
	char hex[FWBUILD_N][65];
	unsigned char *data[FWBUILD_N];
	size_t len[FWBUILD_N];
};

/* A file fwbuild_place() wrote or read at a destination: its identity
 * then and its digest, so that the same file is not read again. */
struct fwbuild_seen {
	char *path;			/* owned */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	uint8_t digest[32];
};

/* What fwbuild_place() saw, kept from one reload to the next by its
 * caller; zero it to start, fwbuild_memo_free() it at the end. */
struct fwbuild_memo {
	size_t n;
	struct fwbuild_seen *seen;
};

/** The name of file @i (0 .. FWBUILD_N-1), or NULL. */
const char *fwbuild_file(size_t i);

/**
 * The firmware build directory of pod @p: its own firmware_dir, else
 * dhcp.firmware_dir of @cfg; "" when neither is set.
 */
const char *fwbuild_dir_of(const struct config *cfg,
			   const struct config_pod *p);

/**
 * The directory under @root where pod @pod's TFTP files go: @root itself
 * for the shared build (@pod NULL), ROOT/POD for a pod with its own.
 * @pod must be a valid name (config_name_valid: no '/', never "." or
 * ".."), so the result stays under @root.
 *
 * @ret rc		0, -PB_EBAD_NAME, or -PB_ETOOBIG
 */
int fwbuild_dest(char *out, size_t size, const char *root, const char *pod);

/**
 * Where file @file of pod @pod goes under @root: ROOT/FILE for the
 * shared build (@pod NULL), ROOT/POD/FILE for a pod with its own.  @pod
 * must be a valid name (config_name_valid: no '/', never "." or "..")
 * and @file one of the build's files, so the result stays under @root.
 *
 * @ret rc		0, -PB_EBAD_NAME, or -PB_ETOOBIG
 */
int fwbuild_path(char *out, size_t size, const char *root, const char *pod,
		 const char *file);

/**
 * Check build directory @dir: each file is listed in its SHA256SUMS and
 * has that digest.  Each file is read once: what was checked is kept in
 * @fw, and that is what is placed and served, whatever the directory
 * holds later.
 *
 * @v fw		receives the digests and the checked bytes (any
 *			earlier content is overwritten: fwbuild_free() it
 *			first); on failure it holds nothing to free
 * @ret rc		0, or a negative error with the reason (naming the
 *			file) in @err
 */
int fwbuild_check(const char *dir, struct fwbuild *fw, char *err,
		  size_t err_size);

/** Free the bytes @fw holds; safe twice, and on a zeroed @fw. */
void fwbuild_free(struct fwbuild *fw);

/**
 * Copy the TFTP files of checked build @fw (its checked bytes) into
 * directory @dest (created if missing), each only when its content there
 * differs, each atomically (a temporary beside it, fsync, rename): a
 * TFTP client reads the old file or the new.  A destination of another
 * size differs; one @memo saw last (same inode, size and times) has the
 * digest it saw then; any other is read once.
 *
 * @v memo		what earlier calls saw, updated (may be NULL: then
 *			each destination of the same size is read)
 * @v copied		receives the number of files written (may be NULL)
 * @ret rc		0, or a negative error with the reason in @err
 */
int fwbuild_place(const struct fwbuild *fw, const char *dest,
		  struct fwbuild_memo *memo, unsigned int *copied, char *err,
		  size_t err_size);

/**
 * Forget what @memo saw at paths that hold no file any more (a pod's
 * directory removed, say), so that it stays as small as what is placed.
 */
void fwbuild_memo_prune(struct fwbuild_memo *memo);

/** Free what @memo holds; it is empty (and usable) after. */
void fwbuild_memo_free(struct fwbuild_memo *memo);

#endif
