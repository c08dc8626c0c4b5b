/* kea_ctl.c: commands to a running Kea over its unix control socket:
 * one JSON command per connection, one JSON reply, Kea closes. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "error.h"
#include "kea_ctl.h"

/* Connect to the unix socket @path into *@fd.  0 or -errno. */
static int kea_ctl_connect(const char *path, int *fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	*fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return -errno;
	if (connect(*fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = -errno;
		close(*fd);
		*fd = -1;
		return rc;
	}
	return 0;
}

/* Write all of @buf to @fd.  0 or -errno. */
static int kea_ctl_write(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read Kea's reply from @fd until it parses as JSON or Kea closes, at
 * most KEA_CTL_REPLY_MAX bytes, within KEA_CTL_TIMEOUT_MS.  *@out: the
 * reply (the caller json_decref()s it).  0, -EPROTO, -ETIMEDOUT, -E2BIG,
 * -ENOMEM or -errno.
 */
static int kea_ctl_read(int fd, json_t **out)
{
	long long deadline = clock_now_ms() + KEA_CTL_TIMEOUT_MS;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap), *nb;
	ssize_t n;
	int rc = -EPROTO;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len && (*out = json_loadb(buf, len, 0, NULL))) {
			rc = 0;
			break;
		}
		if (len == cap) {
			nb = cap < KEA_CTL_REPLY_MAX ? realloc(buf, cap * 2)
						     : NULL;
			if (!nb) {
				rc = cap < KEA_CTL_REPLY_MAX ? -ENOMEM : -E2BIG;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		if (poll(&p, 1, (int)(deadline - clock_now_ms())) <= 0) {
			rc = -ETIMEDOUT;
			break;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EPROTO;
			break;
		}
		len += (size_t)n;
	}
	free(buf);
	return rc;
}

/*
 * Kea's answer in @reply (an object, or an array of one from the
 * control agent): its result into *@result, its text into @text and its
 * arguments (a new reference, or NULL) into *@args.  0 or -EPROTO.
 */
static int kea_ctl_answer(json_t *reply, int *result, json_t **args,
			  char *text, size_t text_size)
{
	json_t *res, *txt;
	char *p;

	if (json_is_array(reply))
		reply = json_array_get(reply, 0);
	res = json_object_get(reply, "result");
	txt = json_object_get(reply, "text");
	if (!json_is_integer(res))
		return -EPROTO;
	*result = (int)json_integer_value(res);
	snprintf(text, text_size, "%s",
		 json_is_string(txt) ? json_string_value(txt) : "");
	for (p = text; *p; p++)		/* one line */
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (args)
		*args = json_incref(json_object_get(reply, "arguments"));
	return 0;
}

int kea_ctl_call(const char *socket, const char *command, json_t *args,
		 int *result, json_t **answer, char *text, size_t text_size)
{
	json_t *req, *reply = NULL;
	char *body = NULL;
	int fd = -1, rc;

	snprintf(text, text_size, "no answer");
	if (answer)
		*answer = NULL;
	req = json_pack("{s:s,s:O*}", "command", command, "arguments", args);
	if (!req || !(body = json_dumps(req, JSON_COMPACT))) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = kea_ctl_connect(socket, &fd)) != 0 ||
	    (rc = kea_ctl_write(fd, body, strlen(body))) != 0 ||
	    (rc = kea_ctl_read(fd, &reply)) != 0) {
		snprintf(text, text_size, "%s: %s", socket, pb_strerror(rc));
		goto out;
	}
	if ((rc = kea_ctl_answer(reply, result, answer, text, text_size)) != 0)
		snprintf(text, text_size, "%s: a reply without a result",
			 socket);
out:
	if (fd >= 0)
		close(fd);
	json_decref(reply);
	free(body);
	json_decref(req);
	return rc;
}

int kea_ctl_command(const char *socket, const char *command,
		    json_t *args, char *text, size_t text_size)
{
	int result, rc;

	rc = kea_ctl_call(socket, command, args, &result, NULL, text,
			  text_size);
	if (rc == 0 && result != KEA_RESULT_OK)
		rc = -PB_ECONFIG;
	return rc;
}
