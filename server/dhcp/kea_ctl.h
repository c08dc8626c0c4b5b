/* kea_ctl.h: commands to a running Kea over its unix control socket. */
#ifndef PODBOOT_KEA_CTL_H
#define PODBOOT_KEA_CTL_H

#include <stddef.h>

#include <jansson.h>

#define KEA_CTL_REPLY_MAX (16 * 1024 * 1024)	/* bytes of one reply */
#define KEA_CTL_TIMEOUT_MS 30000		/* for one reply */

/* Kea's result codes */
#define KEA_RESULT_OK 0
#define KEA_RESULT_ERROR 1
#define KEA_RESULT_UNSUPPORTED 2	/* no such command (hook not loaded) */
#define KEA_RESULT_EMPTY 3		/* done, nothing found */

/**
 * Send one command to Kea and read its answer, whatever its result.
 *
 * @v socket		path of Kea's control socket
 * @v args		the command's arguments, or NULL; not consumed
 * @v result		receives Kea's result (KEA_RESULT_*)
 * @v answer		receives its "arguments" (NULL if none; the caller
 *			json_decref()s it), or NULL not to keep them
 * @v text		receives Kea's "text" (or what went wrong), one line
 * @ret rc		0 when Kea answered; -errno when the socket failed;
 *			-EPROTO for a reply that is not Kea's; -ETIMEDOUT
 */
int kea_ctl_call(const char *socket, const char *command, json_t *args,
		 int *result, json_t **answer, char *text, size_t text_size);

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
