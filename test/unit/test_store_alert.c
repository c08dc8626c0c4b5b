/* test_store_alert.c: the alert leader and what it sent (store_alert.c,
 * store_leader.c), on SQLite and, under PODBOOT_TEST_PG, on PostgreSQL:
 * one leader of several replicas, the lock released when its holder goes,
 * and the sent state a new leader reads. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "test_store.h"
#include "unit.h"

/* Sent state: absent, then firing, then resolved, per (rule, node). */
static void test_alert_sent_roundtrip(void)
{
	const char *dir = test_store_dir();
	struct store *st = test_store_open(dir);
	struct store_alert_sent s;

	CU_ASSERT_EQUAL(store_alert_sent_get(st, "HighLoad", "n1", &s),
			-ENOENT);
	CU_ASSERT_EQUAL(store_alert_sent_set(st, "HighLoad", "n1", 1, 1000),
			0);
	CU_ASSERT_EQUAL(store_alert_sent_get(st, "HighLoad", "n1", &s), 0);
	CU_ASSERT_EQUAL(s.firing, 1);
	CU_ASSERT_EQUAL(s.sent_at, 1000);
	/* another node's alert of the same rule is its own */
	CU_ASSERT_EQUAL(store_alert_sent_get(st, "HighLoad", "n2", &s),
			-ENOENT);
	CU_ASSERT_EQUAL(store_alert_sent_set(st, "HighLoad", "n1", 0, 1010),
			0);
	CU_ASSERT_EQUAL(store_alert_sent_get(st, "HighLoad", "n1", &s), 0);
	CU_ASSERT_EQUAL(s.firing, 0);
	CU_ASSERT_EQUAL(s.sent_at, 1010);
	store_close(st);
	/* it outlives the process that wrote it */
	st = test_store_open(dir);
	CU_ASSERT_EQUAL(store_alert_sent_get(st, "HighLoad", "n1", &s), 0);
	CU_ASSERT_EQUAL(s.sent_at, 1010);
	store_close(st);
}

/* Names the table cannot hold are refused, not cut. */
static void test_alert_sent_bad_names(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct store_alert_sent s;
	char long_name[200];

	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CU_ASSERT_EQUAL(store_alert_sent_set(st, "", "n1", 1, 1), -EINVAL);
	CU_ASSERT_EQUAL(store_alert_sent_set(st, long_name, "n1", 1, 1),
			-EINVAL);
	CU_ASSERT_EQUAL(store_alert_sent_get(st, "r", long_name, &s),
			-EINVAL);
	store_close(st);
}

/* Poll @l until it leads, for at most 10 s (the server ends a closed
 * session's backend, and its locks, a moment after the close); 1 if it
 * does. */
static int test_leader_wait(struct store_leader *l)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int i;

	for (i = 0; i < 500; i++) {
		if (store_leader_poll(l) == 1)
			return 1;
		nanosleep(&pause, NULL);
	}
	return 0;
}

/*
 * Leadership: on SQLite the one server leads; on PostgreSQL, of two
 * replicas exactly one leads, keeps leading while it polls, and the other
 * takes over once the first closes (its session, and the lock, end).
 */
static void test_leader_one_of_two(void)
{
	struct store *a = test_store_open(test_store_dir());
	struct store_leader *la = NULL, *lb = NULL;
	struct store *b;

	CU_ASSERT_EQUAL_FATAL(store_leader_open(a, &la), 0);
	CU_ASSERT_EQUAL(store_leader_poll(la), 1);
	CU_ASSERT_EQUAL(store_leader_poll(la), 1);
	if (!test_store_pg()) {
		store_leader_close(la);
		store_close(a);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(store_open_url(&b, test_store_dir(),
					     test_store_pg(), NULL), 0);
	CU_ASSERT_EQUAL_FATAL(store_leader_open(b, &lb), 0);
	CU_ASSERT_EQUAL(store_leader_poll(lb), 0);
	CU_ASSERT_EQUAL(store_leader_poll(la), 1);
	CU_ASSERT_EQUAL(store_leader_poll(lb), 0);
	store_leader_close(la);
	/* the lock went with the session: b takes it over */
	CU_ASSERT_EQUAL(test_leader_wait(lb), 1);
	CU_ASSERT_EQUAL(store_leader_poll(lb), 1);
	store_leader_close(lb);
	store_close(b);
	store_close(a);
}

/* Closing a leader that never polled, or NULL, is safe. */
static void test_leader_close_unused(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct store_leader *l = NULL;

	CU_ASSERT_EQUAL_FATAL(store_leader_open(st, &l), 0);
	store_leader_close(l);
	store_leader_close(NULL);
	store_close(st);
}

static const CU_TestInfo tests[] = {
	{ "sent state round trip, kept across a reopen",
	  test_alert_sent_roundtrip },
	{ "names the table cannot hold are refused", test_alert_sent_bad_names },
	{ "one leader of two; the other takes over when it goes",
	  test_leader_one_of_two },
	{ "a leader never polled closes cleanly", test_leader_close_unused },
	CU_TEST_INFO_NULL,
};

/* Register the store_alert suite. */
static int suite_store_alert_register(void)
{
	return unit_add_suite("store_alert", NULL, NULL, tests);
}

UNIT_SUITE(suite_store_alert_register)
