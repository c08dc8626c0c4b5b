/* test_dhcp_kea.c: podboot's side of Kea's control socket, against a fake
 * Kea: results, hostile replies, and leases of unknown machines recorded
 * as discovered. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "error.h"
#include "kea_ctl.h"
#include "kea_leases.h"
#include "test_config.h"
#include "test_store.h"
#include "unit.h"

/* A fake Kea: answers one connection with @reply, keeps the command. */
struct fake_kea {
	char path[108];
	int fd;
	const char *reply;		/* NULL: close without answering */
	char command[4096];
	pthread_t thread;
};

/* Accept one connection, read the command, answer, close. */
static void *fake_kea_run(void *arg)
{
	struct fake_kea *k = arg;
	size_t len = 0;
	ssize_t n;
	int c = accept(k->fd, NULL, NULL);

	if (c < 0)
		return NULL;
	while (len < sizeof(k->command) - 1) {
		n = read(c, k->command + len, sizeof(k->command) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		k->command[len] = '\0';
		if (strchr(k->command, '}') && k->command[len - 1] == '}')
			break;
	}
	if (k->reply && write(c, k->reply, strlen(k->reply)) < 0)
		k->command[0] = '\0';
	close(c);
	return NULL;
}

/* Start a fake Kea answering @reply on a fresh socket. */
static void fake_kea_start(struct fake_kea *k, const char *reply)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static int serial;

	memset(k, 0, sizeof(*k));
	k->reply = reply;
	snprintf(k->path, sizeof(k->path), "%s/kea%d.sock", unit_tmpdir(),
		 ++serial);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", k->path);
	k->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(k->fd >= 0);
	CU_ASSERT_EQUAL_FATAL(bind(k->fd, (struct sockaddr *)&sa, sizeof(sa)),
			      0);
	CU_ASSERT_EQUAL_FATAL(listen(k->fd, 1), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&k->thread, NULL, fake_kea_run,
					     k), 0);
}

/* Wait for the fake Kea's one connection to end. */
static void fake_kea_stop(struct fake_kea *k)
{
	pthread_join(k->thread, NULL);
	close(k->fd);
	unlink(k->path);
}

static void test_results(void)
{
	struct fake_kea k;
	char text[256];
	json_t *args = json_pack("{s:{}}", "Dhcp4");

	fake_kea_start(&k, "{ \"result\": 0, \"text\": \"Configuration seems sane.\" }");
	CU_ASSERT_EQUAL(kea_ctl_command(k.path, "config-test", args, text,
					sizeof(text)), 0);
	fake_kea_stop(&k);
	CU_ASSERT_STRING_EQUAL(text, "Configuration seems sane.");
	/* the command and its arguments, as Kea expects them */
	CU_ASSERT_PTR_NOT_NULL(strstr(k.command, "\"command\":\"config-test\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(k.command, "\"arguments\":{\"Dhcp4\":{}}"));

	/* a refusal: its reason, on one line */
	fake_kea_start(&k, "[ { \"result\": 1, \"text\": \"bad\\ninterface\" } ]");
	CU_ASSERT_EQUAL(kea_ctl_command(k.path, "config-test", args, text,
					sizeof(text)), -PB_ECONFIG);
	fake_kea_stop(&k);
	CU_ASSERT_STRING_EQUAL(text, "bad interface");
	json_decref(args);
}

static void test_hostile_replies(void)
{
	struct fake_kea k;
	char text[256];

	fake_kea_start(&k, NULL);	/* closes without a word */
	CU_ASSERT_EQUAL(kea_ctl_command(k.path, "config-get", NULL, text,
					sizeof(text)), -EPROTO);
	fake_kea_stop(&k);
	fake_kea_start(&k, "{ \"text\": \"no result\" }");
	CU_ASSERT_EQUAL(kea_ctl_command(k.path, "config-get", NULL, text,
					sizeof(text)), -EPROTO);
	fake_kea_stop(&k);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "a reply without a result"));
	fake_kea_start(&k, "{ \"result\": 0, \"text\": ");	/* cut short */
	CU_ASSERT_EQUAL(kea_ctl_command(k.path, "config-get", NULL, text,
					sizeof(text)), -EPROTO);
	fake_kea_stop(&k);
	CU_ASSERT_EQUAL(kea_ctl_command("/nonexistent/kea.sock", "config-get",
					NULL, text, sizeof(text)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "/nonexistent/kea.sock"));
}

#define T_DISCOVER_CONF(policy)                                       \
	T_HEAD "policy = { unknown = \"" policy "\"; max_discovered = 2; };\n" \
	T_POD T_NODES "  { mac = \"" MAC1 "\"; hostname = \"n1\"; "   \
	"pod = \"a\"; } );\n"

/* Leases: one known, three unknown (one over the bound), a declined one,
 * and three without a usable MAC. */
static const char leases_reply[] =
	"{ \"result\": 0, \"text\": \"8 IPv4 lease(s) found.\", "
	"\"arguments\": { \"leases\": ["
	"{ \"hw-address\": \"" MAC1 "\", \"ip-address\": \"192.0.2.11\","
	" \"subnet-id\": 7, \"state\": 0 },"
	"{ \"hw-address\": \"52:54:00:00:00:0a\", \"ip-address\": "
	"\"192.0.2.100\", \"subnet-id\": 7, \"state\": 0 },"
	"{ \"hw-address\": \"52:54:00:00:00:0b\", \"ip-address\": "
	"\"192.0.2.101\", \"subnet-id\": 7 },"
	"{ \"hw-address\": \"52:54:00:00:00:0c\", \"ip-address\": "
	"\"192.0.2.102\", \"subnet-id\": 7 },"
	"{ \"hw-address\": \"52:54:00:00:00:0d\", \"ip-address\": "
	"\"192.0.2.103\", \"subnet-id\": 7, \"state\": 1 },"
	"{ \"hw-address\": \"52:54:00:00:00:0e'; drop\", \"ip-address\": "
	"\"192.0.2.104\" },"
	"{ \"hw-address\": \"00:00:00:00:00:00\", \"ip-address\": "
	"\"192.0.2.105\" },"
	"{ \"ip-address\": \"192.0.2.106\" } ] } }";

static void test_leases_discover(void)
{
	struct config *cfg = test_config_ok("leases.conf",
					    T_DISCOVER_CONF("discover"));
	struct kea_lease_counts c;
	struct store_node n;
	struct fake_kea k;
	struct store *st = test_store_open(test_store_dir());
	char err[256];

	fake_kea_start(&k, leases_reply);
	CU_ASSERT_EQUAL(kea_leases_discover(cfg, st, k.path, &c, err,
					    sizeof(err)), 0);
	fake_kea_stop(&k);
	CU_ASSERT_PTR_NOT_NULL(strstr(k.command, "lease4-get-all"));
	CU_ASSERT_EQUAL(c.leases, 7);	/* the declined one is not */
	CU_ASSERT_EQUAL(c.known, 1);
	CU_ASSERT_EQUAL(c.recorded, 2);
	CU_ASSERT_EQUAL(c.skipped, 1);	/* max_discovered = 2 */
	CU_ASSERT_EQUAL(c.bad, 3);
	CU_ASSERT_EQUAL(store_node_get(st, "mac-52540000000a", &n), 0);
	CU_ASSERT_EQUAL(n.state, NODE_DISCOVERED);
	CU_ASSERT_STRING_EQUAL(n.mac, "52:54:00:00:00:0a");
	CU_ASSERT_EQUAL(store_node_get(st, "mac-52540000000b", &n), 0);
	CU_ASSERT_EQUAL(store_node_get(st, "mac-52540000000c", &n), -ENOENT);
	CU_ASSERT_EQUAL(store_node_get(st, "mac-52540000000d", &n), -ENOENT);
	CU_ASSERT_EQUAL(store_node_get(st, "mac-525400000001", &n), -ENOENT);

	/* again: nothing twice */
	fake_kea_start(&k, leases_reply);
	CU_ASSERT_EQUAL(kea_leases_discover(cfg, st, k.path, &c, err,
					    sizeof(err)), 0);
	fake_kea_stop(&k);
	CU_ASSERT_EQUAL(c.recorded, 0);
	CU_ASSERT_EQUAL(c.before, 2);
	store_close(st);
	config_free(cfg);
}

static void test_leases_refusals(void)
{
	struct config *cfg = test_config_ok("leases.conf",
					    T_DISCOVER_CONF("ignore"));
	struct kea_lease_counts c;
	struct store_node n;
	struct fake_kea k;
	struct store *st = test_store_open(test_store_dir());
	char err[256];

	/* policy ignore: counted, nothing recorded */
	fake_kea_start(&k, leases_reply);
	CU_ASSERT_EQUAL(kea_leases_discover(cfg, st, k.path, &c, err,
					    sizeof(err)), 0);
	fake_kea_stop(&k);
	CU_ASSERT_EQUAL(c.recorded, 0);
	CU_ASSERT_EQUAL(c.skipped, 3);
	CU_ASSERT_EQUAL(store_node_get(st, "mac-52540000000a", &n), -ENOENT);
	/* no leases: fine */
	fake_kea_start(&k, "{ \"result\": 3, \"text\": \"0 IPv4 lease(s) "
			   "found.\" }");
	CU_ASSERT_EQUAL(kea_leases_discover(cfg, st, k.path, &c, err,
					    sizeof(err)), 0);
	fake_kea_stop(&k);
	CU_ASSERT_EQUAL(c.leases, 0);
	/* no hook: says which */
	fake_kea_start(&k, "{ \"result\": 2, \"text\": \"'lease4-get-all' "
			   "command not supported.\" }");
	CU_ASSERT_EQUAL(kea_leases_discover(cfg, st, k.path, &c, err,
					    sizeof(err)), -PB_ECONFIG);
	fake_kea_stop(&k);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "libdhcp_lease_cmds.so"));
	store_close(st);
	config_free(cfg);
}

static const CU_TestInfo tests[] = {
	{ "control socket: results and reasons", test_results },
	{ "control socket: replies that are not Kea's", test_hostile_replies },
	{ "leases: unknown machines discovered, bounded",
	  test_leases_discover },
	{ "leases: policy ignore, none, no hook", test_leases_refusals },
	CU_TEST_INFO_NULL,
};

static int suite_dhcp_kea_register(void)
{
	return unit_add_suite("dhcp_kea", NULL, NULL, tests);
}

UNIT_SUITE(suite_dhcp_kea_register)
