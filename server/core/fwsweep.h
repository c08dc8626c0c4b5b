/* fwsweep.h: the per-pod directories serve makes under dhcp.tftp_root
 * for pods with a firmware build of their own (TFTP_ROOT/POD/), marked
 * as podboot's when made, and removed once their pod has no build of
 * its own (or is gone): only marked directories, only podboot's files. */
#ifndef PODBOOT_FWSWEEP_H
#define PODBOOT_FWSWEEP_H

#include <stddef.h>

#include "config.h"

/* The file that marks a directory as made by podboot serve. */
#define FWSWEEP_MARK ".podboot"

/**
 * Pod @pod's directory under @root: made and marked (FWSWEEP_MARK) when
 * it does not exist; an existing one is left as it is, marked or not (a
 * directory podboot did not make is never marked, so never removed).
 *
 * @ret rc		0, or a negative error with the reason in @err
 */
int fwsweep_claim(const char *root, const char *pod, char *err,
		  size_t err_size);

/** 1 when @cfg gives pod @name a firmware build of its own. */
int fwsweep_keeps(const struct config *cfg, const char *name);

/** 1 when @name is a file podboot puts in a pod's directory. */
int fwsweep_ours(const char *name);

/*
 * Told of each marked directory fwsweep_run() found stale: @rc 0 when it
 * was removed, -ENOTEMPTY when it holds files podboot did not put there
 * (kept, whole), another negative error when removing failed.
 */
typedef void (*fwsweep_cb)(void *arg, const char *root, const char *pod,
			   int rc);

/**
 * Remove the stale directories under @root: each marked directory whose
 * pod @cfg gives no build of its own.  Only podboot's files in it
 * (fwsweep_ours()) are removed, and only when there is nothing else;
 * then the directory.  Unmarked directories, symbolic links and files
 * are never touched.
 *
 * @v cb		told of each stale directory (may be NULL)
 * @v removed		receives the count removed (may be NULL)
 * @ret rc		0 (also when @root does not exist), or -errno when
 *			@root cannot be read
 */
int fwsweep_run(const char *root, const struct config *cfg, fwsweep_cb cb,
		void *arg, unsigned int *removed);

#endif
