/* podset.h: a pod's artifact set: what its machines install from (the
 * kernels and initrds of its profiles) and its configured intent. */
#ifndef PODBOOT_PODSET_H
#define PODBOOT_PODSET_H

#include <stddef.h>

#include "config.h"

#define PODSET_MAX 256			/* names in one pod's set */

/* The names of a pod's set, sorted and each once. */
struct podset {
	char names[PODSET_MAX][129];
	size_t n;
};

/**
 * The artifact names pod @pod needs: the kernel and initrd of its default
 * profile and of the profile of each configured node in it, and the
 * names of its artifacts = [ ... ] list.  Pure: reads @cfg only.
 *
 * @v out		receives the names, sorted, without repeats
 * @ret rc		0, or -PB_ETOOBIG past PODSET_MAX names
 */
int podset_names(const struct config *cfg, const struct config_pod *pod,
		 struct podset *out);

#endif
