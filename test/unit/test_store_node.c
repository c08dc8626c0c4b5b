/* test_store_node.c: nodes, transitions and assignments in the store. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "error.h"
#include "fileio.h"
#include "store.h"
#include "test_store.h"
#include "unit.h"

static int test_assign_cb(void *ctx, const struct store_assignment *a)
{
	struct store_assignment *out = ctx;

	*out = *a;
	return 0;
}

/* Assignments: recorded once per MAC and hostname, listed back. */
static void test_assignments(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct store_assignment a = { "02:00:00:00:0a:0b", "late-2", "pod-a",
				      "", "198.51.100.20" }, got;

	CU_ASSERT_EQUAL(store_assign_add(st, &a), 0);
	CU_ASSERT_EQUAL(store_assign_add(st, &a), -EEXIST);
	snprintf(a.mac, sizeof(a.mac), "02:00:00:00:0a:0c");
	CU_ASSERT_EQUAL(store_assign_add(st, &a), -EEXIST);	/* hostname */
	memset(&got, 0, sizeof(got));
	CU_ASSERT_EQUAL(store_assign_list(st, test_assign_cb, &got), 0);
	CU_ASSERT_STRING_EQUAL(got.mac, "02:00:00:00:0a:0b");
	CU_ASSERT_STRING_EQUAL(got.address, "198.51.100.20");
	store_close(st);
}

static int test_assign_count(void *ctx, const struct store_assignment *a)
{
	(void)a;
	(*(int *)ctx)++;
	return 0;
}

/* Undoing an assignment: refused while installing; then the assignment
 * goes and the node's generation rises (its tokens are void); a later
 * assignment of the hostname starts over, armed, in a newer generation. */
static void test_unassign(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct store_assignment a = { "02:00:00:00:0a:0b", "late-2", "pod-a",
				      "", "" }, got;
	struct store_node n;
	int count = 0;

	CU_ASSERT_EQUAL(store_assign_remove(st, "late-2", &got), -ENOENT);
	CU_ASSERT_EQUAL(store_assign_add(st, &a), 0);
	test_node(&n, "late-2", "pod-a", a.mac);
	CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);
	test_node(&n, "web1", "pod-a", "52:54:00:00:00:01");
	CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);
	CU_ASSERT_EQUAL(store_assign_remove(st, "web1", &got), -ENOENT);
	CU_ASSERT_EQUAL(store_node_transition(st, "late-2",
					      NODE_BIT(NODE_ARMED),
					      NODE_INSTALLING, 0, "test", &n), 0);
	CU_ASSERT_EQUAL(store_assign_remove(st, "late-2", &got), -PB_ESTATE);
	CU_ASSERT_EQUAL(store_assign_list(st, test_assign_count, &count), 0);
	CU_ASSERT_EQUAL(count, 1);		/* nothing changed */
	CU_ASSERT_EQUAL(store_node_get(st, "late-2", &n), 0);
	CU_ASSERT_EQUAL(n.generation, 0);
	CU_ASSERT_EQUAL(store_node_transition(st, "late-2",
					      NODE_BIT(NODE_INSTALLING),
					      NODE_INSTALLED, 0, "test", &n), 0);
	memset(&got, 0, sizeof(got));
	CU_ASSERT_EQUAL(store_assign_remove(st, "late-2", &got), 0);
	CU_ASSERT_STRING_EQUAL(got.mac, "02:00:00:00:0a:0b");
	CU_ASSERT_STRING_EQUAL(got.pod, "pod-a");
	count = 0;
	CU_ASSERT_EQUAL(store_assign_list(st, test_assign_count, &count), 0);
	CU_ASSERT_EQUAL(count, 0);
	CU_ASSERT_EQUAL(store_node_get(st, "late-2", &n), 0);
	CU_ASSERT_EQUAL(n.generation, 1);	/* its tokens are void */
	CU_ASSERT_EQUAL(n.state, NODE_INSTALLED);	/* history kept */
	CU_ASSERT_EQUAL(store_node_get(st, "web1", &n), 0);
	CU_ASSERT_EQUAL(n.generation, 0);	/* untouched */
	/* Another machine under the same hostname starts over. */
	snprintf(a.mac, sizeof(a.mac), "02:00:00:00:0a:0c");
	snprintf(a.pod, sizeof(a.pod), "pod-b");
	CU_ASSERT_EQUAL(store_assign_add(st, &a), 0);
	CU_ASSERT_EQUAL(store_node_get(st, "late-2", &n), 0);
	CU_ASSERT_EQUAL(n.state, NODE_ARMED);
	CU_ASSERT_EQUAL(n.generation, 2);
	CU_ASSERT_STRING_EQUAL(n.mac, "02:00:00:00:0a:0c");
	CU_ASSERT_STRING_EQUAL(n.pod, "pod-b");
	store_close(st);
}

/* Discovered machines are bounded: past the bound none is recorded, and
 * one recorded before stays (and says so). */
static void test_discover_bound(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct store_node n;

	test_node(&n, "web1", "pod-a", "52:54:00:00:00:01");
	CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);	/* not counted */
	test_node(&n, "mac-525400000011", "", "52:54:00:00:00:11");
	CU_ASSERT_EQUAL(store_node_discover(st, &n, 2), 0);
	CU_ASSERT_EQUAL(store_node_discover(st, &n, 2), 1);	/* there */
	test_node(&n, "mac-525400000012", "", "52:54:00:00:00:12");
	CU_ASSERT_EQUAL(store_node_discover(st, &n, 2), 0);
	test_node(&n, "mac-525400000013", "", "52:54:00:00:00:13");
	CU_ASSERT_EQUAL(store_node_discover(st, &n, 2), -ENOSPC);	/* full */
	CU_ASSERT_EQUAL(store_node_get(st, "mac-525400000013", &n), -ENOENT);
	CU_ASSERT_EQUAL(store_node_get(st, "mac-525400000012", &n), 0);
	CU_ASSERT_EQUAL(n.state, NODE_DISCOVERED);
	test_node(&n, "mac-525400000011", "", "52:54:00:00:00:11");
	CU_ASSERT_EQUAL(store_node_discover(st, &n, 2), 1);
	CU_ASSERT_EQUAL(store_node_get(st, "mac-525400000011", &n), 0);
	store_close(st);
}

static void test_nodes(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct test_nodes c;
	struct store_node n;

	test_node(&n, "web2", "pod-a", "52:54:00:00:00:02");
	CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);
	test_node(&n, "web1", "pod-a", "52:54:00:00:00:01");
	snprintf(n.serial, sizeof(n.serial), "SN1");
	CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);
	test_node(&n, "db1", "pod-b", "52:54:00:00:00:03");
	CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);
	test_node(&n, "mac-525400000009", "", "52:54:00:00:00:09");
	CU_ASSERT_EQUAL(store_node_discover(st, &n, 100), 0);

	CU_ASSERT_EQUAL(store_node_get(st, "web1", &n), 0);
	CU_ASSERT_STRING_EQUAL(n.pod, "pod-a");
	CU_ASSERT_STRING_EQUAL(n.serial, "SN1");
	CU_ASSERT_EQUAL(n.state, NODE_ARMED);
	CU_ASSERT_EQUAL(n.generation, 0);
	CU_ASSERT(n.updated > 0);
	CU_ASSERT_EQUAL(store_node_get(st, "mac-525400000009", &n), 0);
	CU_ASSERT_EQUAL(n.state, NODE_DISCOVERED);
	CU_ASSERT_EQUAL(store_node_get(st, "nope", &n), -ENOENT);
	CU_ASSERT_EQUAL(store_node_get(st, "", &n), -EINVAL);

	/* Ordered by id, filtered by pod, state or both. */
	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL(store_node_list(st, NULL, -1, test_collect_node, &c),
			0);
	CU_ASSERT_EQUAL_FATAL(c.n, 4);
	CU_ASSERT_STRING_EQUAL(c.ids[0], "db1");
	CU_ASSERT_STRING_EQUAL(c.ids[1], "mac-525400000009");
	CU_ASSERT_STRING_EQUAL(c.ids[2], "web1");
	CU_ASSERT_STRING_EQUAL(c.ids[3], "web2");
	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL(store_node_list(st, "pod-a", -1, test_collect_node, &c),
			0);
	CU_ASSERT_EQUAL_FATAL(c.n, 2);
	CU_ASSERT_STRING_EQUAL(c.ids[0], "web1");
	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL(store_node_list(st, NULL, NODE_DISCOVERED,
					test_collect_node, &c),
			0);
	CU_ASSERT_EQUAL_FATAL(c.n, 1);
	CU_ASSERT_STRING_EQUAL(c.ids[0], "mac-525400000009");
	CU_ASSERT_EQUAL(store_node_transition(st, "web2", NODE_BIT(NODE_ARMED),
					      NODE_BOOTING, 0, NULL, NULL),
			0);
	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL(store_node_list(st, "pod-a", NODE_ARMED,
					test_collect_node, &c),
			0);
	CU_ASSERT_EQUAL_FATAL(c.n, 1);
	CU_ASSERT_STRING_EQUAL(c.ids[0], "web1");
	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	CU_ASSERT_EQUAL(store_node_list(st, NULL, -1, test_collect_node, &c),
			7);
	CU_ASSERT_EQUAL(c.n, 2);
	CU_ASSERT_EQUAL(store_node_list(st, NULL, NODE_STATE_COUNT,
					test_collect_node, &c),
			-EINVAL);

	/* Ensuring again refreshes the facts but keeps state and generation. */
	test_node(&n, "web2", "pod-c", "52:54:00:00:00:22");
	CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);
	CU_ASSERT_EQUAL(store_node_get(st, "web2", &n), 0);
	CU_ASSERT_EQUAL(n.state, NODE_BOOTING);
	CU_ASSERT_STRING_EQUAL(n.pod, "pod-c");
	CU_ASSERT_STRING_EQUAL(n.mac, "52:54:00:00:00:22");
	/* Discovering a known machine changes nothing. */
	test_node(&n, "web2", "", "52:54:00:00:00:99");
	CU_ASSERT_EQUAL(store_node_discover(st, &n, 100), 1);	/* kept */
	CU_ASSERT_EQUAL(store_node_get(st, "web2", &n), 0);
	CU_ASSERT_EQUAL(n.state, NODE_BOOTING);
	CU_ASSERT_STRING_EQUAL(n.mac, "52:54:00:00:00:22");
	/* An id with no NUL in its field is refused, not read past. */
	memset(n.id, 'x', sizeof(n.id));
	CU_ASSERT_EQUAL(store_node_ensure(st, &n), -EINVAL);
	store_close(st);
}

/* More nodes than one read of the list holds: every one comes, in order. */
static void test_node_pages(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct test_nodes c;
	struct store_node n;
	char id[16];
	int i, sorted = 1;

	for (i = 0; i < 200; i++) {
		snprintf(id, sizeof(id), "n%03d", (i * 7) % 200);
		test_node(&n, id, i % 2 ? "odd" : "even", "52:54:00:00:00:01");
		CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);
	}
	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL(store_node_list(st, NULL, -1, test_collect_node, &c),
			0);
	CU_ASSERT_EQUAL_FATAL(c.n, 200);
	for (i = 1; i < 200; i++)
		sorted &= strcmp(c.ids[i - 1], c.ids[i]) < 0;
	CU_ASSERT(sorted);
	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL(store_node_list(st, "odd", NODE_ARMED,
					test_collect_node, &c),
			0);
	CU_ASSERT_EQUAL(c.n, 100);
	store_close(st);
}

/* A callback may use the store: the lock is not held while it runs. */
static int test_reenter(void *ctx, const struct store_node *n)
{
	struct store *st = ctx;
	struct store_node again;

	CU_ASSERT_EQUAL(store_node_get(st, n->id, &again), 0);
	return store_event_add(st, "seen", n->id, "from a callback");
}

static void test_callback_reentry(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct test_events ev;
	struct store_node n;

	test_node(&n, "web1", "pod-a", "52:54:00:00:00:01");
	CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);
	CU_ASSERT_EQUAL(store_node_list(st, NULL, -1, test_reenter, st), 0);
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list(st, 0, 10, test_collect_event, &ev),
			0);
	CU_ASSERT_EQUAL(ev.n, 1);
	store_close(st);
}

static void test_transitions(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct test_events ev;
	struct store_node n, out;

	test_node(&n, "web1", "pod-a", "52:54:00:00:00:01");
	CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);
	CU_ASSERT_EQUAL(store_node_transition(st, "web1", NODE_BIT(NODE_ARMED),
					      NODE_BOOTING, 0, "stage2 served",
					      &out),
			0);
	CU_ASSERT_EQUAL(out.state, NODE_BOOTING);
	CU_ASSERT_EQUAL(out.generation, 0);
	/* Not from BOOTING: refused, and the caller sees the node as is. */
	memset(&out, 0, sizeof(out));
	CU_ASSERT_EQUAL(store_node_transition(st, "web1", NODE_BIT(NODE_ARMED),
					      NODE_INSTALLED, 0, "x", &out),
			-PB_ESTATE);
	CU_ASSERT_STRING_EQUAL(out.id, "web1");
	CU_ASSERT_EQUAL(out.state, NODE_BOOTING);
	CU_ASSERT_EQUAL(store_node_get(st, "web1", &n), 0);
	CU_ASSERT_EQUAL(n.state, NODE_BOOTING);
	CU_ASSERT_EQUAL(store_node_transition(st, "ghost", ALL_STATES,
					      NODE_ARMED, 0, "x", &out),
			-ENOENT);
	CU_ASSERT_EQUAL(store_node_transition(st, "web1", ALL_STATES,
					      NODE_STATE_COUNT, 0, "x", &out),
			-EINVAL);
	CU_ASSERT_EQUAL(store_node_transition(st, "web1",
					      NODE_BIT(NODE_BOOTING),
					      NODE_INSTALLED, 0, NULL, NULL),
			0);
	/* Re-arming bumps the generation (old node tokens die). */
	CU_ASSERT_EQUAL(store_node_transition(st, "web1", ALL_STATES,
					      NODE_ARMED, 1, "by token ops",
					      &out),
			0);
	CU_ASSERT_EQUAL(out.generation, 1);
	CU_ASSERT_EQUAL(out.state, NODE_ARMED);
	CU_ASSERT_EQUAL(store_node_get(st, "web1", &n), 0);
	CU_ASSERT_EQUAL(n.generation, 1);
	CU_ASSERT_EQUAL(n.updated, out.updated);

	/* One event per change, none for the refused ones. */
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list(st, 0, 100, test_collect_event, &ev),
			0);
	CU_ASSERT_EQUAL_FATAL(ev.n, 3);
	CU_ASSERT_STRING_EQUAL(ev.e[0].kind, "state");
	CU_ASSERT_STRING_EQUAL(ev.e[0].subject, "web1");
	CU_ASSERT_STRING_EQUAL(ev.e[0].detail,
			       "armed -> booting: stage2 served");
	CU_ASSERT_STRING_EQUAL(ev.e[1].detail, "booting -> installed");
	CU_ASSERT_STRING_EQUAL(ev.e[2].kind, "rearm");
	CU_ASSERT_STRING_EQUAL(ev.e[2].detail,
			       "installed -> armed: by token ops");
	store_close(st);
}

/* A page of nodes from a cursor, and counts along the filters. */
static void test_node_page_count(void)
{
	struct store *st = test_store_open(test_store_dir());
	unsigned long long count = 0;
	struct test_nodes c;
	struct store_node n;
	char id[16];
	int i;

	for (i = 0; i < 200; i++) {
		snprintf(id, sizeof(id), "n%03d", (i * 7) % 200);
		test_node(&n, id, i % 2 ? "odd" : "even", "52:54:00:00:00:01");
		CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);
	}
	CU_ASSERT_EQUAL(store_node_transition(st, "n005", ALL_STATES,
					      NODE_FAILED, 0, "test", &n), 0);
	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL(store_node_page(st, NULL, -1, NULL, 10,
					test_collect_node, &c), 0);
	CU_ASSERT_EQUAL_FATAL(c.n, 10);
	CU_ASSERT_STRING_EQUAL(c.ids[0], "n000");
	CU_ASSERT_STRING_EQUAL(c.ids[9], "n009");
	/* after the cursor, across a chunk boundary */
	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL(store_node_page(st, NULL, -1, "n059", 100,
					test_collect_node, &c), 0);
	CU_ASSERT_EQUAL_FATAL(c.n, 100);
	CU_ASSERT_STRING_EQUAL(c.ids[0], "n060");
	CU_ASSERT_STRING_EQUAL(c.ids[99], "n159");
	/* the end: fewer than asked */
	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL(store_node_page(st, "odd", -1, "n150", 100,
					test_collect_node, &c), 0);
	CU_ASSERT_EQUAL(c.n, 25);	/* n151, n153 ... n199 */
	/* a callback that has enough ends the walk with its value */
	memset(&c, 0, sizeof(c));
	c.stop_at = 3;
	CU_ASSERT_EQUAL(store_node_page(st, NULL, -1, "", 100,
					test_collect_node, &c), 7);
	CU_ASSERT_EQUAL(c.n, 3);
	memset(id, 'x', sizeof(id));
	CU_ASSERT_EQUAL(store_node_page(st, NULL, -1, "mac-0123456789abcdef"
					"0123456789abcdef0123456789abcdef"
					"0123456789abcdef", 1,
					test_collect_node, &c), -EINVAL);
	/* counts */
	CU_ASSERT_EQUAL(store_node_count(st, NULL, -1, &count), 0);
	CU_ASSERT_EQUAL(count, 200);
	CU_ASSERT_EQUAL(store_node_count(st, "odd", -1, &count), 0);
	CU_ASSERT_EQUAL(count, 100);
	CU_ASSERT_EQUAL(store_node_count(st, NULL, NODE_FAILED, &count), 0);
	CU_ASSERT_EQUAL(count, 1);
	CU_ASSERT_EQUAL(store_node_count(st, "odd", NODE_ARMED, &count), 0);
	CU_ASSERT_EQUAL(count, 100 - (strcmp(n.pod, "odd") == 0));
	CU_ASSERT_EQUAL(store_node_count(st, "none", -1, &count), 0);
	CU_ASSERT_EQUAL(count, 0);
	CU_ASSERT_EQUAL(store_node_count(st, NULL, NODE_STATE_COUNT, &count),
			-EINVAL);
	store_close(st);
}

/* A read-only look while the store is open: assignments and the
 * discovered machines; a directory without a database has neither. */
static void test_peek(void)
{
	if (test_store_sqlite_only())
		return;	/* store_peek reads SQLite's file */
	const char *dir = test_store_dir();
	struct store *st = test_store_open(dir);
	struct store_assignment a = { "02:00:00:00:0a:0b", "late-2", "pod-a",
				      "", "" };
	unsigned long long disc = 99;
	struct store_node n;
	int count = 0;

	CU_ASSERT_EQUAL(store_peek(dir, test_assign_count, &count, &disc), 0);
	CU_ASSERT_EQUAL(count, 0);
	CU_ASSERT_EQUAL(disc, 0);
	CU_ASSERT_EQUAL(store_assign_add(st, &a), 0);
	test_node(&n, "mac-525400000011", "", "52:54:00:00:00:11");
	CU_ASSERT_EQUAL(store_node_discover(st, &n, 10), 0);
	test_node(&n, "mac-525400000012", "", "52:54:00:00:00:12");
	CU_ASSERT_EQUAL(store_node_discover(st, &n, 10), 0);
	test_node(&n, "web1", "pod-a", "52:54:00:00:00:01");
	CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);
	CU_ASSERT_EQUAL(store_peek(dir, test_assign_count, &count, &disc), 0);
	CU_ASSERT_EQUAL(count, 1);
	CU_ASSERT_EQUAL(disc, 2);
	store_close(st);
	count = 0;
	CU_ASSERT_EQUAL(store_peek("/nonexistent-podboot-dir", test_assign_count,
				   &count, &disc), 0);
	CU_ASSERT_EQUAL(count, 0);
	CU_ASSERT_EQUAL(disc, 0);
}

static const CU_TestInfo tests[] = {
	{ "nodes: ensure, discover, get, filtered lists", test_nodes },
	{ "node list pages through many nodes", test_node_pages },
	{ "list callbacks may call the store", test_callback_reentry },
	{ "transitions allowed, refused, re-armed", test_transitions },
	{ "assignments", test_assignments },
	{ "unassign", test_unassign },
	{ "discovered machines are bounded", test_discover_bound },
	{ "a page from a cursor; counts", test_node_page_count },
	{ "a read-only look (serve --check)", test_peek },
	CU_TEST_INFO_NULL,
};

static int suite_store_node_register(void)
{
	return unit_add_suite("store_node", NULL, NULL, tests);
}

UNIT_SUITE(suite_store_node_register)
