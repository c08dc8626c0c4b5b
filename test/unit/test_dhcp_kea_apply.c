/* test_dhcp_kea_apply.c: kea_apply() against a stand-in Kea on a unix
 * socket: the steps in order, and what each refusal says (serve and the
 * command share the text: no option of the command in it). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "error.h"
#include "kea_apply.h"
#include "unit.h"

/* The stand-in Kea: answers each command with result 0, except
 * @refuse, answered with result 1. */
struct fake_kea {
	int fd;
	const char *refuse;
	char seen[128];		/* the commands, space-separated */
};

/* Answer one connection of @k; 0, or -1 when it could not. */
static int fake_kea_one(struct fake_kea *k)
{
	char buf[8192], reply[256], *cmd;
	size_t len = 0;
	json_t *req = NULL;
	ssize_t n;
	int c, refused;

	if ((c = accept(k->fd, NULL, NULL)) < 0)
		return -1;
	while (!req && len < sizeof(buf) &&
	       (n = recv(c, buf + len, sizeof(buf) - len, 0)) > 0) {
		len += (size_t)n;
		req = json_loadb(buf, len, 0, NULL);
	}
	cmd = req ? (char *)json_string_value(json_object_get(req,
							      "command")) : NULL;
	refused = cmd && strcmp(cmd, k->refuse) == 0;
	snprintf(reply, sizeof(reply), "{\"result\": %d, \"text\": \"%s\"}",
		 refused ? 1 : 0, refused ? "cannot write kea.json" : "done");
	if (cmd && strlen(k->seen) + strlen(cmd) + 2 < sizeof(k->seen)) {
		strcat(k->seen, cmd);
		strcat(k->seen, " ");
	}
	(void)send(c, reply, strlen(reply), MSG_NOSIGNAL);	/* checked by
								 * the caller */
	json_decref(req);
	close(c);
	return 0;
}

/* The stand-in's thread: three connections at most. */
static void *fake_kea_run(void *arg)
{
	int i;

	for (i = 0; i < 3; i++)
		if (fake_kea_one(arg) != 0)
			break;
	return NULL;
}

/* kea_apply() with a stand-in that refuses @refuse; its text in @text. */
static int apply_refused(const char *refuse, char *seen, size_t seen_size,
			 char *text, size_t text_size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct fake_kea k = { .fd = -1, .refuse = refuse, .seen = "" };
	json_t *doc = json_pack("{s:{}}", "Dhcp4");
	pthread_t t;
	int rc;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/kea-%s.sock",
		 unit_tmpdir(), refuse);
	k.fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(k.fd >= 0);
	CU_ASSERT_FATAL(bind(k.fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CU_ASSERT_FATAL(listen(k.fd, 4) == 0);
	CU_ASSERT_FATAL(pthread_create(&t, NULL, fake_kea_run, &k) == 0);
	rc = kea_apply(sa.sun_path, doc, 0, text, text_size);
	shutdown(k.fd, SHUT_RDWR);
	close(k.fd);
	k.fd = -1;
	pthread_join(t, NULL);
	snprintf(seen, seen_size, "%s", k.seen);
	json_decref(doc);
	return rc;
}

static void test_refusals(void)
{
	char text[1024], seen[128];

	/* refused at config-write: the new one runs, and the fix is named
	 * without the command's --no-write (serve has no such option) */
	CU_ASSERT_EQUAL(apply_refused("config-write", seen, sizeof(seen),
				      text, sizeof(text)), -PB_ECONFIG);
	CU_ASSERT_STRING_EQUAL(seen, "config-test config-set config-write ");
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Kea refused config-write: "
				      "cannot write kea.json"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "the new configuration runs"));
	CU_ASSERT_PTR_NULL(strstr(text, "--no-write"));
	CU_ASSERT_PTR_NULL(strchr(text, '\n'));
	/* refused at config-test: nothing more is sent, nothing changed */
	CU_ASSERT_EQUAL(apply_refused("config-test", seen, sizeof(seen),
				      text, sizeof(text)), -PB_ECONFIG);
	CU_ASSERT_STRING_EQUAL(seen, "config-test ");
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "its configuration is unchanged"));
}

static const CU_TestInfo tests[] = {
	{ "refusals", test_refusals },
	CU_TEST_INFO_NULL,
};

static int suite_dhcp_kea_apply_register(void)
{
	return unit_add_suite("dhcp_kea_apply", NULL, NULL, tests);
}

UNIT_SUITE(suite_dhcp_kea_apply_register)
