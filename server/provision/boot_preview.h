/* boot_preview.h: what a node's next stage2 request would get, shown to
 * an operator: nothing recorded, nothing signed, the node token redacted. */
#ifndef PODBOOT_BOOT_PREVIEW_H
#define PODBOOT_BOOT_PREVIEW_H

#include <stddef.h>

#include "server.h"
#include "store.h"

/* What the kickstart URL shows instead of the node's token. */
#define BOOT_PREVIEW_TOKEN "REDACTED"

#define BOOT_PREVIEW_MAX 8192

/** A node's next stage2, as the console shows it. */
struct boot_preview {
	const char *verdict;	/* "install", "local", "discover",
				 * "unpublished" (installer pending, its
				 * kernel or initrd not published) */
	int marks_booting;	/* the real fetch would record armed ->
				 * booting (this view does not) */
	char script[BOOT_PREVIEW_MAX];	/* "" for "unpublished" */
	size_t len;
	int has_profile;	/* @kernel and @initrd below are valid */
	char profile[64];
	struct store_artifact kernel, initrd;	/* name "" if unpublished */
	char why[512];		/* for "unpublished": which is missing */
};

/**
 * What node @sn would get from its next GET of stage2 over TLS from
 * inside its pod, rendered for @base: lifecycle_boot()'s verdict and the
 * script, with the kickstart token replaced by BOOT_PREVIEW_TOKEN, and
 * the kernel and initrd of its profile.  Changes no state, signs nothing.
 *
 * @ret rc		0, or a template error (the profile's cmdline)
 */
int boot_preview(struct server *srv, struct server_gen *gen,
		 const struct store_node *sn, const char *base,
		 struct boot_preview *out);

#endif
