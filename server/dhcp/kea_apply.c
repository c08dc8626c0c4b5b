/* kea_apply.c: a rendered configuration into a running Kea through its
 * control socket: config-test, config-set, config-write; never a
 * restart, and a configuration Kea refuses leaves the running one. */
#include <stdio.h>

#include "error.h"
#include "kea_apply.h"
#include "kea_ctl.h"

int kea_apply(const char *socket, json_t *doc, int nowrite, char *text,
	      size_t text_size)
{
	static const char *const steps[] = { "config-test", "config-set",
					     "config-write" };
	/* what a refusal at each step leaves running */
	static const char *const after[] = {
		" (its configuration is unchanged)", "",
		" (the new configuration runs; Kea's file still holds the "
		"old one: give Kea's user write access to it; docs/dhcp.md)" };
	char reply[768];
	size_t i;
	int rc = 0;

	for (i = 0; i < (nowrite ? 2u : 3u); i++) {
		rc = kea_ctl_command(socket, steps[i], i < 2 ? doc : NULL,
				     reply, sizeof(reply));
		if (rc == -PB_ECONFIG) {
			snprintf(text, text_size, "Kea refused %s: %s%s",
				 steps[i], reply, after[i]);
			return rc;
		}
		if (rc != 0) {
			snprintf(text, text_size, "%s: %s", steps[i], reply);
			return rc;
		}
	}
	snprintf(text, text_size, "%s", reply);
	return 0;
}

int kea_apply_config(const struct config *cfg, struct kea_opts *o,
		     char *text, size_t text_size)
{
	json_t *doc = NULL;
	int rc;

	if ((rc = kea_opts_default(cfg, o, text, text_size)) != 0 ||
	    (rc = kea_render(cfg, o, &doc, text, text_size)) != 0)
		goto out;
	rc = kea_apply(o->socket, doc, 0, text, text_size);
out:
	json_decref(doc);
	return rc;
}
