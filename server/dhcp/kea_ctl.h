/* kea_ctl.h: commands to a running Kea over its unix control socket. */
#ifndef PODBOOT_KEA_CTL_H
#define PODBOOT_KEA_CTL_H

#include <stddef.h>

#include <jansson.h>

#define KEA_CTL_REPLY_MAX (16 * 1024 * 1024)	/* bytes of one reply */
#define KEA_CTL_TIMEOUT_MS 30000		/* for one reply */

/**
 * Send one command to Kea and read its reply.
 *
 * @v socket		path of Kea's control socket
 * @v command		"config-test", "config-set", "config-write", ...
 * @v args		its arguments, or NULL; not consumed
 * @v text		receives Kea's "text" (or what went wrong), one line
 * @ret rc		0 when Kea answered result 0; -PB_ECONFIG when it
 *			answered another result (it refused); -errno when
 *			the socket failed; -EPROTO for a reply that is not
 *			Kea's; -ETIMEDOUT
 */
int kea_ctl_command(const char *socket, const char *command,
		    json_t *args, char *text, size_t text_size);

#endif
