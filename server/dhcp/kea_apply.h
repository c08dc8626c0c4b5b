/* kea_apply.h: a rendered configuration into a running Kea, never a
 * restart: config-test, config-set, config-write. */
#ifndef PODBOOT_KEA_APPLY_H
#define PODBOOT_KEA_APPLY_H

#include <stddef.h>

#include <jansson.h>

#include "config.h"
#include "kea_render.h"

/**
 * Send @doc to the Kea at @socket through its control socket:
 * config-test, then config-set, then config-write unless @nowrite.  A
 * configuration Kea refuses at config-test changes nothing in Kea.
 *
 * @v text		receives Kea's last answer on success; on failure the
 *			step, Kea's reason and what now runs, one line
 * @ret rc		0; -PB_ECONFIG when Kea refused a step; -errno,
 *			-EPROTO or -ETIMEDOUT (KEA_CTL_TIMEOUT_MS a reply)
 *			when the socket failed
 */
int kea_apply(const char *socket, json_t *doc, int nowrite, char *text,
	      size_t text_size);

/**
 * Render @cfg's configuration with @o (defaults filled in from @cfg, see
 * kea_opts_default()) and apply it to the Kea at @o->socket, written.
 *
 * @v text		as kea_apply(), or why nothing was rendered
 * @ret rc		0, a kea_opts_default() or kea_render() error (nothing
 *			sent), or a kea_apply() error
 */
int kea_apply_config(const struct config *cfg, struct kea_opts *o,
		     char *text, size_t text_size);

#endif
