/* fwimage.h: the checked firmware files podboot serves on its plain
 * listener (GET /boot/fw/POD/FILE), held in memory as checked so that a
 * build changed or tampered with later never reaches a machine; one set
 * per generation whose firmware passed, swapped in whole. */
#ifndef PODBOOT_FWIMAGE_H
#define PODBOOT_FWIMAGE_H

#include <stdatomic.h>
#include <stddef.h>

#include "config.h"
#include "fwbuild.h"

#define FWIMAGE_PREFIX "/boot/fw/"

/* One build's files: the shared build (pod "") or a pod's own. */
struct fwimage {
	char pod[CONFIG_NAME_MAX];
	char hex[FWBUILD_N][65];
	unsigned char *data[FWBUILD_N];
	size_t len[FWBUILD_N];
};

/* The builds of one configuration; reference counted. */
struct fwimages {
	atomic_uint refs;
	size_t n;
	struct fwimage *img;
};

/** A new, empty set with one reference; NULL without memory. */
struct fwimages *fwimages_new(void);

/**
 * Add checked build @fw as pod @pod's (NULL: the shared build): the
 * bytes fwbuild_check() read and checked, taken over (@fw holds none
 * after), never read again.
 *
 * @ret rc		0, -ENOMEM, or -EINVAL for a build not checked (or
 *			taken already), with the reason in @err
 */
int fwimages_add(struct fwimages *set, const char *pod, struct fwbuild *fw,
		 char *err, size_t err_size);

/** Take a reference to @set; NULL is fine. */
struct fwimages *fwimages_get(struct fwimages *set);

/** Drop a reference; the last one frees @set.  NULL is fine. */
void fwimages_put(struct fwimages *set);

/**
 * The build pod @pod's machines get: its own, else the shared one when
 * @cfg names the pod; NULL when neither.
 */
const struct fwimage *fwimages_find(const struct fwimages *set,
				    const struct config *cfg,
				    const char *pod);

/**
 * Split what follows FWIMAGE_PREFIX ("POD/FILE") into @pod and the index
 * of FILE among the build's files.
 *
 * @ret rc		0, or -PB_EBAD_NAME (not a valid pod name, not one
 *			of the files, another '/')
 */
int fwimage_parse(const char *rest, char pod[CONFIG_NAME_MAX], size_t *file);

/**
 * The URL of pod @pod's file @file under @base (plain_base_url):
 * BASE/boot/fw/POD/FILE.
 *
 * @ret rc		0, or -PB_ETOOBIG
 */
int fwimage_url(char *out, size_t size, const char *base, const char *pod,
		const char *file);

#endif
