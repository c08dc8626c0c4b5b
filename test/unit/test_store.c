/* test_store.c: the database: schema, nodes, transitions, artifacts, events. */
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
#include "unit.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define SHA_D "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"

#define KERNEL "debian12/vmlinuz"
#define ALL_STATES ((1u << NODE_STATE_COUNT) - 1)

/* A new, empty data directory under the run's temporary directory. */
static const char *test_store_dir(void)
{
	static char dir[256];
	static int serial;

	snprintf(dir, sizeof(dir), "%s/store-%d", unit_tmpdir(), ++serial);
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
	return dir;
}

static struct store *test_store_open(const char *dir)
{
	struct store *st = NULL;

	CU_ASSERT_EQUAL_FATAL(store_open(&st, dir), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	return st;
}

/* Open podboot.db in @dir with a second, independent connection. */
static sqlite3 *test_sqlite_open(const char *dir)
{
	char path[300];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/podboot.db", dir);
	CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
					      NULL),
			      SQLITE_OK);
	return db;
}

/* The first column of a one-row query, as text. */
static void test_sqlite_text(sqlite3 *db, const char *sql, char *out,
			     size_t size)
{
	sqlite3_stmt *s = NULL;

	out[0] = '\0';
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, sql, -1, &s, NULL),
			      SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(out, size, "%s",
			 (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
}

/*
 * Run @sql on the closed database in @dir, to make it look like an older
 * version's, and open the store again: it must migrate to the latest.
 */
static struct store *test_store_downgraded(const char *dir, const char *sql)
{
	sqlite3 *db = test_sqlite_open(dir);
	struct store *st;

	CU_ASSERT_EQUAL(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = test_store_open(dir);
	CU_ASSERT_EQUAL(store_schema_version(st), 6);
	return st;
}

/* How many of the indexes of migration 5 the database in @dir has. */
static int test_event_indexes(const char *dir)
{
	sqlite3 *db = test_sqlite_open(dir);
	char text[32];

	test_sqlite_text(db, "SELECT count(*) FROM sqlite_master WHERE "
			     "type = 'index' AND name IN "
			     "('events_refusals', 'events_others')",
			 text, sizeof(text));
	sqlite3_close(db);
	return atoi(text);
}

static void test_node(struct store_node *n, const char *id, const char *pod,
		      const char *mac)
{
	memset(n, 0, sizeof(*n));
	snprintf(n->id, sizeof(n->id), "%s", id);
	snprintf(n->pod, sizeof(n->pod), "%s", pod);
	snprintf(n->mac, sizeof(n->mac), "%s", mac);
}

static void test_artifact(struct store_artifact *a, const char *name,
			  const char *sha, unsigned long long size)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->sha256, sizeof(a->sha256), "%s", sha);
	snprintf(a->signer, sizeof(a->signer), "CN=podboot codesign");
	a->size = size;
}

/* Collectors the list callbacks fill. */
struct test_nodes {
	char ids[256][64];
	int n;
	int stop_at;		/* return 7 at this node (0: never) */
};

static int test_collect_node(void *ctx, const struct store_node *n)
{
	struct test_nodes *c = ctx;

	if (c->n < 256)
		snprintf(c->ids[c->n], sizeof(c->ids[0]), "%s", n->id);
	c->n++;
	return c->stop_at && c->n == c->stop_at ? 7 : 0;
}

struct test_events {
	struct store_event e[512];
	int n;
};

static int test_collect_event(void *ctx, const struct store_event *e)
{
	struct test_events *c = ctx;

	if (c->n < 512)
		c->e[c->n] = *e;
	c->n++;
	return 0;
}

struct test_artifacts {
	struct store_artifact a[16];
	int n;
};

static int test_collect_artifact(void *ctx, const struct store_artifact *a)
{
	struct test_artifacts *c = ctx;

	if (c->n < 16)
		c->a[c->n] = *a;
	c->n++;
	return 0;
}

struct test_gone {
	char sha[8][65];
	int n;
};

static void test_gone_cb(void *ctx, const char *sha256)
{
	struct test_gone *g = ctx;

	if (g->n < 8)
		snprintf(g->sha[g->n], sizeof(g->sha[0]), "%s", sha256);
	g->n++;
}

static void test_open_wal(void)
{
	const char *dir = test_store_dir();
	struct store *st = test_store_open(dir);
	char path[300], text[32];
	sqlite3 *db;

	CU_ASSERT_EQUAL(store_schema_version(st), 6);
	snprintf(path, sizeof(path), "%s/podboot.db-wal", dir);
	CU_ASSERT(fileio_exists(path));
	db = test_sqlite_open(dir);
	test_sqlite_text(db, "PRAGMA journal_mode", text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "wal");
	test_sqlite_text(db, "PRAGMA user_version", text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "6");
	test_sqlite_text(db, "SELECT count(*) FROM sqlite_master WHERE "
			     "type = 'index' AND name = 'nodes_pod'",
			 text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "1");
	sqlite3_close(db);
	store_close(st);
	store_close(NULL);
}

static void test_reopen(void)
{
	const char *dir = test_store_dir();
	struct store *st = test_store_open(dir);
	struct store_node n;

	test_node(&n, "web1", "pod-a", "52:54:00:00:00:01");
	CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);
	CU_ASSERT_EQUAL(store_node_transition(st, "web1", NODE_BIT(NODE_ARMED),
					      NODE_BOOTING, 0, "test", NULL),
			0);
	store_close(st);
	st = test_store_open(dir);
	CU_ASSERT_EQUAL(store_schema_version(st), 6);
	CU_ASSERT_EQUAL(store_node_get(st, "web1", &n), 0);
	CU_ASSERT_EQUAL(n.state, NODE_BOOTING);
	CU_ASSERT_STRING_EQUAL(n.mac, "52:54:00:00:00:01");
	store_close(st);
}

static void test_newer_schema(void)
{
	const char *dir = test_store_dir();
	struct store *st = test_store_open(dir);
	const char *junk = "not SQLite: text long enough to fill a header "
			   "of one hundred bytes, which SQLite reads first.";
	char path[300];
	sqlite3 *db;

	store_close(st);
	db = test_sqlite_open(dir);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL,
				     NULL),
			SQLITE_OK);
	sqlite3_close(db);
	st = (struct store *)1;
	CU_ASSERT_EQUAL(store_open(&st, dir), -PB_ESCHEMA);
	CU_ASSERT_PTR_NULL(st);

	/* Not a database at all: a store error, not a crash. */
	dir = test_store_dir();
	snprintf(path, sizeof(path), "%s/podboot.db", dir);
	CU_ASSERT_EQUAL(fileio_write(path, junk, strlen(junk), 0600, 0), 0);
	CU_ASSERT_EQUAL(store_open(&st, dir), -PB_ESTORE);
	CU_ASSERT_PTR_NULL(st);
	CU_ASSERT_EQUAL(store_open(&st, "/nonexistent/podboot"), -PB_ESTORE);
}

static int test_push_cb(void *ctx, const struct store_push_state *p)
{
	struct store_push_state *out = ctx;

	if (strcmp(p->id, "n2") == 0)
		*out = *p;
	return 0;
}

/* A version-1 database is migrated, its data kept; push state persists. */
static void test_migration_push_state(void)
{
	const char *dir = test_store_dir();
	struct store *st = test_store_open(dir);
	struct store_push_state in[2] = {
		{ "n1", 10, 10, 0, 0, 1, 0, 0 },
		{ "n2", 42, 40, 1, 2, 3, 5, 77 },
	}, got;
	struct store_node n;

	test_node(&n, "n1", "pod-a", "52:54:00:00:00:09");
	CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);
	store_close(st);
	st = test_store_downgraded(dir, "DROP TABLE push_state; "
					"DROP TABLE assignments; "
					"DROP INDEX events_refusals; "
					"DROP INDEX events_others; "
					"PRAGMA user_version = 1");
	CU_ASSERT_EQUAL(store_node_get(st, "n1", &n), 0);
	CU_ASSERT_EQUAL(store_push_save(st, in, 2), 0);
	in[1].last_seq = 43;
	CU_ASSERT_EQUAL(store_push_save(st, &in[1], 1), 0);
	store_close(st);
	st = test_store_open(dir);
	memset(&got, 0, sizeof(got));
	CU_ASSERT_EQUAL(store_push_load(st, test_push_cb, &got), 0);
	CU_ASSERT_STRING_EQUAL(got.id, "n2");
	CU_ASSERT_EQUAL(got.last_seq, 43);
	CU_ASSERT_EQUAL(got.gaps, 2);
	CU_ASSERT_EQUAL(got.replays, 3);
	CU_ASSERT_EQUAL(got.generation, 5);
	CU_ASSERT_EQUAL(got.epoch, 77);
	store_close(st);
}

/* Version 3 kept no generation with the push state: the migration takes
 * the node's current one (the pushes so far were made under it). */
static void test_migration_push_generation(void)
{
	const char *dir = test_store_dir();
	struct store *st = test_store_open(dir);
	struct store_push_state in = { "n2", 10, 10, 0, 0, 1, 0, 0 }, got;
	struct store_node n;

	test_node(&n, "n2", "pod-a", "52:54:00:00:00:09");
	CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);
	CU_ASSERT_EQUAL(store_node_transition(st, "n2", NODE_BIT(NODE_ARMED),
					      NODE_ARMED, 1, "test", &n), 0);
	CU_ASSERT_EQUAL(store_node_transition(st, "n2", NODE_BIT(NODE_ARMED),
					      NODE_ARMED, 1, "test", &n), 0);
	CU_ASSERT_EQUAL(n.generation, 2);
	CU_ASSERT_EQUAL(store_push_save(st, &in, 1), 0);
	store_close(st);
	st = test_store_downgraded(dir, "CREATE TABLE ps3 AS SELECT id, "
					"last_seq, pushes, duplicates, gaps, "
					"replays FROM push_state; "
					"DROP TABLE push_state; "
					"ALTER TABLE ps3 RENAME TO push_state; "
					"DROP INDEX events_refusals; "
					"DROP INDEX events_others; "
					"PRAGMA user_version = 3");
	memset(&got, 0, sizeof(got));
	CU_ASSERT_EQUAL(store_push_load(st, test_push_cb, &got), 0);
	CU_ASSERT_STRING_EQUAL(got.id, "n2");
	CU_ASSERT_EQUAL(got.last_seq, 10);
	CU_ASSERT_EQUAL(got.generation, 2);
	store_close(st);
}

/* Whether every step of the plan of the store's prune of the class
 * @where reads the table through @index (no full scan). */
static int test_plan_uses(sqlite3 *db, const char *where, const char *index)
{
	char sql[512];
	const char *step;
	sqlite3_stmt *s = NULL;
	int steps = 0, ok = 1;

	snprintf(sql, sizeof(sql),
		 "EXPLAIN QUERY PLAN DELETE FROM events WHERE %s AND id < "
		 "(SELECT id FROM events WHERE %s ORDER BY id DESC LIMIT 1 "
		 "OFFSET 9)",
		 where, where);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		step = (const char *)sqlite3_column_text(s, 3);
		if (step && strstr(step, " events")) {
			steps++;
			ok &= strstr(step, index) != NULL;
		}
	}
	sqlite3_finalize(s);
	return ok && steps == 2;
}

/* Version 4 pruned all events as one: the migration adds the indexes the
 * prune of each class walks, and the events stay. */
static void test_migration_event_classes(void)
{
	const char *dir = test_store_dir();
	struct store *st = test_store_open(dir);
	struct test_events ev;
	sqlite3 *db;

	CU_ASSERT_EQUAL(store_event_add(st, "upload", KERNEL, "v1"), 0);
	CU_ASSERT_EQUAL(store_event_add(st, "refusal", "10.0.0.1", "GET /"),
			0);
	store_close(st);
	st = test_store_downgraded(dir, "ALTER TABLE push_state DROP COLUMN "
					"epoch; "
					"DROP INDEX events_refusals; "
					"DROP INDEX events_others; "
					"PRAGMA user_version = 4");
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list(st, 0, 10, test_collect_event, &ev),
			0);
	CU_ASSERT_EQUAL(ev.n, 2);
	store_close(st);
	CU_ASSERT_EQUAL(test_event_indexes(dir), 2);
	db = test_sqlite_open(dir);
	CU_ASSERT(test_plan_uses(db, "kind = 'refusal'", "events_refusals"));
	CU_ASSERT(test_plan_uses(db, "kind <> 'refusal'", "events_others"));
	sqlite3_close(db);
}

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

static void test_events(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct test_events ev;
	char long_subject[400];
	int i;

	for (i = 1; i <= 5; i++)
		CU_ASSERT_EQUAL(store_event_add(st, "upload", KERNEL,
						"version %d of %s", i, "x"),
				0);
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list(st, 0, 3, test_collect_event, &ev), 0);
	CU_ASSERT_EQUAL_FATAL(ev.n, 3);
	CU_ASSERT_STRING_EQUAL(ev.e[0].detail, "version 1 of x");
	CU_ASSERT_STRING_EQUAL(ev.e[2].detail, "version 3 of x");
	CU_ASSERT(ev.e[0].id < ev.e[1].id && ev.e[1].id < ev.e[2].id);
	CU_ASSERT(ev.e[0].ts > 0);
	i = (int)ev.e[2].id;
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list(st, i, 100, test_collect_event, &ev),
			0);
	CU_ASSERT_EQUAL_FATAL(ev.n, 2);
	CU_ASSERT_STRING_EQUAL(ev.e[0].detail, "version 4 of x");
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list(st, 0, 0, test_collect_event, &ev), 0);
	CU_ASSERT_EQUAL(ev.n, 0);

	/* Oversized text is cut to the fields, never overflowing them. */
	memset(long_subject, 's', sizeof(long_subject) - 1);
	long_subject[sizeof(long_subject) - 1] = '\0';
	CU_ASSERT_EQUAL(store_event_add(st, "refusal", long_subject, "%0600d",
					0),
			0);
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list(st, i + 2, 10, test_collect_event,
					 &ev),
			0);
	CU_ASSERT_EQUAL_FATAL(ev.n, 1);
	CU_ASSERT_EQUAL(strlen(ev.e[0].subject), sizeof(ev.e[0].subject) - 1);
	CU_ASSERT_EQUAL(strlen(ev.e[0].detail), sizeof(ev.e[0].detail) - 1);
	store_close(st);
}

/* Retention: the newest events stay, the oldest go, the count is bounded. */
static void test_event_retention(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct test_events ev;
	int i;

	store_set_event_limit(st, 50);
	for (i = 1; i <= 200; i++)
		CU_ASSERT_EQUAL(store_event_add(st, "upload", "x", "n %d", i),
				0);
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list(st, 0, 1000, test_collect_event, &ev),
			0);
	CU_ASSERT(ev.n >= 50 && ev.n <= 51);
	CU_ASSERT_STRING_EQUAL(ev.e[ev.n - 1].detail, "n 200");
	store_close(st);
}

/* Count the events of @kind in @ev. */
static int test_count_kind(const struct test_events *ev, const char *kind)
{
	int i, n = 0;

	for (i = 0; i < ev->n && i < 512; i++)
		n += strcmp(ev->e[i].kind, kind) == 0;
	return n;
}

/*
 * The attack: a flood of refusals must not push other events out of the
 * trail, and both classes stay bounded.
 */
static void test_event_retention_classes(void)
{
	const char *dir = test_store_dir();
	struct store *st = test_store_open(dir);
	struct test_events ev;
	struct store_node n;
	int i;

	store_set_event_limit(st, 50);
	store_set_refusal_limit(st, 20, 0, 0);
	test_node(&n, "web1", "pod-a", "52:54:00:00:00:01");
	CU_ASSERT_EQUAL_FATAL(store_node_ensure(st, &n), 0);
	CU_ASSERT_EQUAL(store_event_add(st, "upload", KERNEL, "first"), 0);
	CU_ASSERT_EQUAL(store_node_transition(st, "web1", NODE_BIT(NODE_ARMED),
					      NODE_BOOTING, 0, "test", NULL),
			0);
	for (i = 1; i <= 300; i++)
		CU_ASSERT_EQUAL(store_event_add(st, "refusal", "10.0.0.9",
						"n %d", i),
				0);
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list(st, 0, 1000, test_collect_event, &ev),
			0);
	CU_ASSERT_FATAL(ev.n >= 2);
	CU_ASSERT_STRING_EQUAL(ev.e[0].kind, "upload");
	CU_ASSERT_STRING_EQUAL(ev.e[0].detail, "first");
	CU_ASSERT_STRING_EQUAL(ev.e[1].kind, "state");
	CU_ASSERT(test_count_kind(&ev, "refusal") >= 20 &&
		  test_count_kind(&ev, "refusal") <= 21);
	CU_ASSERT_STRING_EQUAL(ev.e[ev.n - 1].detail, "n 300");

	/* Other events are bounded by their own limit, refusals kept. */
	for (i = 1; i <= 100; i++)
		CU_ASSERT_EQUAL(store_event_add(st, "upload", KERNEL, "v %d",
						i),
				0);
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list(st, 0, 1000, test_collect_event, &ev),
			0);
	CU_ASSERT(test_count_kind(&ev, "upload") >= 50 &&
		  test_count_kind(&ev, "upload") <= 51);
	CU_ASSERT(test_count_kind(&ev, "refusal") >= 20 &&
		  test_count_kind(&ev, "refusal") <= 21);
	store_close(st);
	/* The prune walks an index, not the whole table. */
	CU_ASSERT_EQUAL(test_event_indexes(dir), 2);
}

/* Whether @s is valid UTF-8 without control characters. */
static int test_utf8_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i;

	while (*p) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if (*p < 0x80) {
			p++;
			continue;
		}
		n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc2 ? 2 : 0;
		if (n == 0 || *p > 0xf4)
			return 0;
		for (i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		p += n;
	}
	return 1;
}

/*
 * The attack: a request path with bytes that are not UTF-8, or with
 * terminal escapes, is stored escaped (JSON can carry it, a terminal
 * shows it harmlessly); valid UTF-8 is kept as it is.
 */
static void test_event_text(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct test_events ev;

	CU_ASSERT_EQUAL(store_event_add(st, "refusal", "10.0.0.1\xff",
					"POST /api/v1/nodes/%s/rearm: 401",
					"\xff\x1b[31m\t\x7f"),
			0);
	CU_ASSERT_EQUAL(store_event_add(st, "upload", "caf\xc3\xa9",
					"%s|%s|%s|%s|%s|%s",
					"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
					"\xc0\xaf",	/* overlong '/' */
					"\xed\xa0\x80",		/* surrogate */
					"\xf4\x90\x80\x80",	/* > U+10FFFF */
					"\xc2\x9b",		/* C1 CSI */
					"\xe2\x82"),		/* cut short */
			0);
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list(st, 0, 10, test_collect_event, &ev),
			0);
	CU_ASSERT_EQUAL_FATAL(ev.n, 2);
	CU_ASSERT_STRING_EQUAL(ev.e[0].subject, "10.0.0.1\\xff");
	CU_ASSERT_STRING_EQUAL(ev.e[0].detail,
			       "POST /api/v1/nodes/\\xff\\x1b[31m\\x09\\x7f"
			       "/rearm: 401");
	CU_ASSERT_STRING_EQUAL(ev.e[1].subject, "caf\xc3\xa9");
	CU_ASSERT_STRING_EQUAL(ev.e[1].detail,
			       "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|"
			       "\\xc0\\xaf|\\xed\\xa0\\x80|"
			       "\\xf4\\x90\\x80\\x80|\\xc2\\x9b|\\xe2\\x82");
	store_close(st);
}

/* Text too long for a field is cut between characters, never inside. */
static void test_event_cut(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct test_events ev;
	char subject[401], detail[901];
	size_t i;

	/* 200 two-byte characters into 159 bytes; 300 three-byte ones into
	 * 511. */
	for (i = 0; i + 2 < sizeof(subject); i += 2)
		memcpy(subject + i, "\xc3\xa9", 2);
	subject[i] = '\0';
	for (i = 0; i + 3 < sizeof(detail); i += 3)
		memcpy(detail + i, "\xe2\x82\xac", 3);
	detail[i] = '\0';
	CU_ASSERT_EQUAL(store_event_add(st, "upload", subject, "%s", detail),
			0);
	/* An escape that does not fit whole is left out too. */
	memset(subject, 'a', 158);
	strcpy(subject + 158, "\x01zz");
	CU_ASSERT_EQUAL(store_event_add(st, "upload", subject, "x"), 0);
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list(st, 0, 10, test_collect_event, &ev),
			0);
	CU_ASSERT_EQUAL_FATAL(ev.n, 2);
	CU_ASSERT_EQUAL(strlen(ev.e[0].subject), 158);
	CU_ASSERT(test_utf8_clean(ev.e[0].subject));
	CU_ASSERT_EQUAL(strlen(ev.e[0].detail), 510);
	CU_ASSERT(test_utf8_clean(ev.e[0].detail));
	CU_ASSERT_EQUAL(strlen(ev.e[1].subject), 158);
	CU_ASSERT(test_utf8_clean(ev.e[1].subject));
	store_close(st);
}

/* Rows an older podboot stored raw are cleaned when read. */
static void test_event_legacy_text(void)
{
	const char *dir = test_store_dir();
	struct store *st = test_store_open(dir);
	struct test_events ev;
	sqlite3 *db;

	store_close(st);
	db = test_sqlite_open(dir);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "INSERT INTO events (ts, kind, "
					 "subject, detail) VALUES (1, "
					 "'refusal', '10.0.0.1', "
					 "CAST(X'504f5354202fff0a' AS TEXT))",
				     NULL, NULL, NULL),
			SQLITE_OK);
	sqlite3_close(db);
	st = test_store_open(dir);
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list(st, 0, 10, test_collect_event, &ev),
			0);
	CU_ASSERT_EQUAL_FATAL(ev.n, 1);
	CU_ASSERT_STRING_EQUAL(ev.e[0].detail, "POST /\\xff\\x0a");
	store_close(st);
}

/* Refusal events of @subject (NULL: any) in @ev: recorded one by one into
 * @one, and the counts their summaries give added up into @more. */
static void test_refusal_sums(const struct test_events *ev,
			      const char *subject, int *one,
			      unsigned long long *more)
{
	unsigned long long k;
	int i;

	*one = 0;
	*more = 0;
	for (i = 0; i < ev->n && i < 512; i++) {
		if (strcmp(ev->e[i].kind, "refusal") != 0 ||
		    (subject && strcmp(ev->e[i].subject, subject) != 0))
			continue;
		if (sscanf(ev->e[i].detail, "%llu more refusals", &k) == 1 &&
		    strstr(ev->e[i].detail, " suppressed"))
			*more += k;
		else
			(*one)++;
	}
}

static void test_list_all(struct store *st, struct test_events *ev)
{
	memset(ev, 0, sizeof(*ev));
	CU_ASSERT_EQUAL(store_event_list(st, 0, 1000, test_collect_event, ev),
			0);
}

/*
 * The attack: a flood of refusals from one address is recorded one by one
 * only up to the limit of its window; the rest are counted, and summed up
 * in one event when the window has ended: at the next refusal, at the next
 * read, or when the store closes.
 */
static void test_refusal_coalesce(void)
{
	const char *dir = test_store_dir();
	struct store *st = test_store_open(dir);
	struct test_events ev;
	unsigned long long more;
	int i, one;

	store_set_refusal_limit(st, 0, 3, 1);
	for (i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(store_refusal_add(st, "10.0.0.1", "GET /x: %d",
						  i),
				0);
	for (i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(store_refusal_add(st, "10.0.0.2", "GET /y"),
				0);
	test_list_all(st, &ev);
	CU_ASSERT_EQUAL(ev.n, 5);
	test_refusal_sums(&ev, "10.0.0.1", &one, &more);
	CU_ASSERT_EQUAL(one, 3);
	CU_ASSERT_EQUAL(more, 0);
	CU_ASSERT_STRING_EQUAL(ev.e[2].detail, "GET /x: 2");

	/* The window ends: the next refusal brings the summary first. */
	sleep(1);	/* the window of 1 s has ended */
	CU_ASSERT_EQUAL(store_refusal_add(st, "10.0.0.1", "GET /x: late"), 0);
	test_list_all(st, &ev);
	CU_ASSERT_EQUAL_FATAL(ev.n, 7);
	CU_ASSERT_STRING_EQUAL(ev.e[5].subject, "10.0.0.1");
	CU_ASSERT(strncmp(ev.e[5].detail,
			  "7 more refusals from 10.0.0.1 suppressed", 40) == 0);
	CU_ASSERT_STRING_EQUAL(ev.e[6].detail, "GET /x: late");
	test_refusal_sums(&ev, "10.0.0.2", &one, &more);
	CU_ASSERT_EQUAL(one, 2);
	CU_ASSERT_EQUAL(more, 0);

	/* A reader after the window sees its summary. */
	for (i = 0; i < 5; i++)
		store_refusal_add(st, "10.0.0.3", "GET /z");
	sleep(1);	/* the window of 1 s has ended */
	test_list_all(st, &ev);
	test_refusal_sums(&ev, "10.0.0.3", &one, &more);
	CU_ASSERT_EQUAL(one, 3);
	CU_ASSERT_EQUAL(more, 2);

	/* Closing the store sums up what is still open. */
	for (i = 0; i < 50; i++)
		store_refusal_add(st, "10.0.0.4", "GET /w");
	store_close(st);
	st = test_store_open(dir);
	test_list_all(st, &ev);
	test_refusal_sums(&ev, "10.0.0.4", &one, &more);
	CU_ASSERT_EQUAL(one, 3);
	CU_ASSERT_EQUAL(more, 47);
	store_close(st);
}

/*
 * The attack from many addresses: memory stays fixed, events recorded one
 * by one stay bounded, and every refusal is accounted for.
 */
static void test_refusal_many_addresses(void)
{
	const char *dir = test_store_dir();
	struct store *st = test_store_open(dir);
	struct test_events *ev = calloc(1, sizeof(*ev));
	unsigned long long more;
	char addr[64];
	int i, one;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	store_set_refusal_limit(st, 0, 2, 3600);
	for (i = 0; i < 3000; i++) {
		snprintf(addr, sizeof(addr), "2001:db8::%x", i % 1000);
		CU_ASSERT_EQUAL(store_refusal_add(st, addr, "GET /"), 0);
	}
	test_list_all(st, ev);
	/* Two each for the table's addresses and two for all the rest. */
	CU_ASSERT_EQUAL(ev->n, 2 * (STORE_REFUSAL_ADDRS + 1));
	store_close(st);
	st = test_store_open(dir);
	test_list_all(st, ev);
	test_refusal_sums(ev, NULL, &one, &more);
	CU_ASSERT_EQUAL(one, 2 * (STORE_REFUSAL_ADDRS + 1));
	CU_ASSERT_EQUAL(one + more, 3000);
	test_refusal_sums(ev, "*", &one, &more);
	CU_ASSERT_EQUAL(one, 0);
	CU_ASSERT(more > 0);
	store_close(st);
	free(ev);
}

struct test_refuser {
	struct store *st;
	int errors;
};

static void *test_refuser_run(void *arg)
{
	struct test_refuser *w = arg;
	int i;

	for (i = 0; i < 250; i++)
		w->errors += store_refusal_add(w->st, "10.0.0.7", "n %d",
					       i) != 0;
	return NULL;
}

/* Four threads refused at once: each refusal counted exactly once. */
static void test_refusal_threads(void)
{
	const char *dir = test_store_dir();
	struct store *st = test_store_open(dir);
	struct test_refuser w[4];
	pthread_t t[4];
	struct test_events ev;
	unsigned long long more;
	int i, one;

	for (i = 0; i < 4; i++) {
		w[i].st = st;
		w[i].errors = 0;
		CU_ASSERT_EQUAL_FATAL(
			pthread_create(&t[i], NULL, test_refuser_run, &w[i]),
			0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(w[i].errors, 0);
	}
	store_close(st);
	st = test_store_open(dir);
	test_list_all(st, &ev);
	test_refusal_sums(&ev, "10.0.0.7", &one, &more);
	/* The default: 10 a minute (two windows if the minute turned). */
	CU_ASSERT(one == 10 || one == 20);
	CU_ASSERT_EQUAL(one + more, 1000);
	store_close(st);
}

static void test_artifact_prune(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct test_artifacts l;
	struct store_artifact a;
	struct test_gone g;

	memset(&g, 0, sizeof(g));
	test_artifact(&a, KERNEL, SHA_A, 100);
	a.created = 1700000000;
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g), 0);
	/* Same second, still strictly ordered. */
	test_artifact(&a, KERNEL, SHA_B, 200);
	a.created = 1700000000;
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g), 0);
	CU_ASSERT_EQUAL(g.n, 0);
	test_artifact(&a, KERNEL, SHA_C, 300);
	a.created = 1700000000;
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g), 0);
	CU_ASSERT_EQUAL_FATAL(g.n, 1);
	CU_ASSERT_STRING_EQUAL(g.sha[0], SHA_A);

	CU_ASSERT_EQUAL(store_artifact_get(st, KERNEL, NULL, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.sha256, SHA_C);
	CU_ASSERT_EQUAL(a.size, 300);
	CU_ASSERT_EQUAL(a.current, 1);
	CU_ASSERT_EQUAL(a.created, 1700000000);
	CU_ASSERT_STRING_EQUAL(a.signer, "CN=podboot codesign");
	CU_ASSERT_EQUAL(store_artifact_get(st, KERNEL, SHA_B, &a),
			0);
	CU_ASSERT_EQUAL(a.size, 200);
	CU_ASSERT_EQUAL(a.current, 0);
	CU_ASSERT_EQUAL(store_artifact_get(st, KERNEL, SHA_A, &a),
			-ENOENT);
	CU_ASSERT_EQUAL(store_artifact_get(st, "nothing", NULL, &a), -ENOENT);

	memset(&l, 0, sizeof(l));
	CU_ASSERT_EQUAL(store_artifact_list(st, test_collect_artifact, &l), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 2);
	CU_ASSERT_STRING_EQUAL(l.a[0].sha256, SHA_C);
	CU_ASSERT_EQUAL(l.a[0].current, 1);
	CU_ASSERT_STRING_EQUAL(l.a[1].sha256, SHA_B);
	CU_ASSERT_EQUAL(l.a[1].current, 0);

	/* keep 0 keeps everything. */
	test_artifact(&a, KERNEL, SHA_D, 400);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 0, test_gone_cb, &g), 0);
	CU_ASSERT_EQUAL(g.n, 1);
	CU_ASSERT_EQUAL(store_artifact_get(st, KERNEL, NULL, &a), 0);
	CU_ASSERT(a.created > 1700000000);

	/* A sha256 that could name another file is refused. */
	test_artifact(&a, KERNEL, "../../etc/passwd", 1);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g),
			-EINVAL);
	test_artifact(&a, "", SHA_A, 1);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g),
			-EINVAL);
	store_close(st);
}

static void test_artifact_shared(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct store_artifact a;
	struct test_gone g;

	memset(&g, 0, sizeof(g));
	test_artifact(&a, "a/initrd", SHA_A, 1);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 1, test_gone_cb, &g), 0);
	test_artifact(&a, "b/initrd", SHA_A, 1);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 1, test_gone_cb, &g), 0);
	/* a/initrd moves on; b/initrd still uses the blob. */
	test_artifact(&a, "a/initrd", SHA_B, 2);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 1, test_gone_cb, &g), 0);
	CU_ASSERT_EQUAL(g.n, 0);
	CU_ASSERT_EQUAL(store_artifact_get(st, "b/initrd", SHA_A, &a), 0);
	/* Now nothing does. */
	test_artifact(&a, "b/initrd", SHA_C, 3);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 1, test_gone_cb, &g), 0);
	CU_ASSERT_EQUAL_FATAL(g.n, 1);
	CU_ASSERT_STRING_EQUAL(g.sha[0], SHA_A);
	/* No callback is fine. */
	test_artifact(&a, "b/initrd", SHA_D, 4);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 1, NULL, NULL), 0);
	store_close(st);
}

static void test_artifact_readd(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct test_artifacts l;
	struct store_artifact a;
	struct test_gone g;

	memset(&g, 0, sizeof(g));
	test_artifact(&a, "x", SHA_A, 1);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g), 0);
	test_artifact(&a, "x", SHA_B, 2);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g), 0);
	/* Rolling back to A: no error, A is current again. */
	test_artifact(&a, "x", SHA_A, 1);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g), 0);
	CU_ASSERT_EQUAL(g.n, 0);
	CU_ASSERT_EQUAL(store_artifact_get(st, "x", NULL, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.sha256, SHA_A);
	memset(&l, 0, sizeof(l));
	CU_ASSERT_EQUAL(store_artifact_list(st, test_collect_artifact, &l), 0);
	CU_ASSERT_EQUAL(l.n, 2);
	/* So B is now the oldest, and the one pruned next. */
	test_artifact(&a, "x", SHA_C, 3);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g), 0);
	CU_ASSERT_EQUAL_FATAL(g.n, 1);
	CU_ASSERT_STRING_EQUAL(g.sha[0], SHA_B);
	store_close(st);
}

/* Four threads hammer the store; every change must be counted once. */
#define TEST_THREADS 4
#define TEST_ROUNDS 40

struct test_worker {
	struct store *st;
	char id[16];
	int errors;
};

static void *test_worker_run(void *arg)
{
	static const enum node_state cycle[] = { NODE_BOOTING, NODE_INSTALLING,
						 NODE_INSTALLED };
	struct test_worker *w = arg;
	size_t k;
	int i;

	for (i = 0; i < TEST_ROUNDS; i++) {
		for (k = 0; k < sizeof(cycle) / sizeof(cycle[0]); k++)
			w->errors +=
				store_node_transition(w->st, w->id, ALL_STATES,
						      cycle[k], 0, "cycle",
						      NULL) != 0;
		w->errors += store_node_transition(w->st, w->id, ALL_STATES,
						   NODE_ARMED, 1, "again",
						   NULL) != 0;
		/* Everyone also re-arms the shared node. */
		w->errors += store_node_transition(w->st, "shared", ALL_STATES,
						   NODE_ARMED, 1, "race",
						   NULL) != 0;
		w->errors +=
			store_event_add(w->st, "tick", w->id, "%d", i) != 0;
	}
	return NULL;
}

static void test_concurrent(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct test_worker w[TEST_THREADS];
	pthread_t t[TEST_THREADS];
	struct test_events *ev;
	struct store_node n;
	int i, errors = 0;

	test_node(&n, "shared", "pod-a", "52:54:00:00:00:ff");
	CU_ASSERT_EQUAL_FATAL(store_node_ensure(st, &n), 0);
	for (i = 0; i < TEST_THREADS; i++) {
		w[i].st = st;
		w[i].errors = 0;
		snprintf(w[i].id, sizeof(w[i].id), "node%d", i);
		test_node(&n, w[i].id, "pod-a", "52:54:00:00:00:01");
		CU_ASSERT_EQUAL_FATAL(store_node_ensure(st, &n), 0);
	}
	for (i = 0; i < TEST_THREADS; i++)
		CU_ASSERT_EQUAL_FATAL(
			pthread_create(&t[i], NULL, test_worker_run, &w[i]), 0);
	for (i = 0; i < TEST_THREADS; i++) {
		pthread_join(t[i], NULL);
		errors += w[i].errors;
		CU_ASSERT_EQUAL(store_node_get(st, w[i].id, &n), 0);
		CU_ASSERT_EQUAL(n.generation, TEST_ROUNDS);
		CU_ASSERT_EQUAL(n.state, NODE_ARMED);
	}
	CU_ASSERT_EQUAL(errors, 0);
	CU_ASSERT_EQUAL(store_node_get(st, "shared", &n), 0);
	CU_ASSERT_EQUAL(n.generation, TEST_THREADS * TEST_ROUNDS);

	/* 6 events per round and thread, read back through many pages. */
	ev = calloc(1, sizeof(*ev));
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	CU_ASSERT_EQUAL(store_event_list(st, 0, 100000, test_collect_event, ev),
			0);
	CU_ASSERT_EQUAL(ev->n, TEST_THREADS * TEST_ROUNDS * 6);
	for (i = 1; i < ev->n && i < 512; i++)
		if (ev->e[i].id <= ev->e[i - 1].id)
			break;
	CU_ASSERT_EQUAL(i, ev->n < 512 ? ev->n : 512);
	free(ev);
	store_close(st);
}

static void test_state_names(void)
{
	enum node_state s;
	int i;

	for (i = 0; i < NODE_STATE_COUNT; i++) {
		CU_ASSERT_EQUAL(store_state_parse(store_state_name(i), &s), 0);
		CU_ASSERT_EQUAL(s, i);
	}
	CU_ASSERT_STRING_EQUAL(store_state_name(NODE_INSTALLED), "installed");
	CU_ASSERT_EQUAL(store_state_parse("Armed", &s), -EINVAL);
	CU_ASSERT_EQUAL(store_state_parse("", &s), -EINVAL);
	CU_ASSERT_EQUAL(store_state_parse(NULL, &s), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(store_state_name(NODE_STATE_COUNT));
	CU_ASSERT_PTR_NOT_NULL(store_state_name((enum node_state)-1));
}

static const CU_TestInfo tests[] = {
	{ "open creates a WAL database at the schema version", test_open_wal },
	{ "reopen keeps the data", test_reopen },
	{ "newer schema and non-database files refused", test_newer_schema },
	{ "nodes: ensure, discover, get, filtered lists", test_nodes },
	{ "node list pages through many nodes", test_node_pages },
	{ "list callbacks may call the store", test_callback_reentry },
	{ "transitions allowed, refused, re-armed", test_transitions },
	{ "event retention", test_event_retention },
	{ "refusals never push other events out",
	  test_event_retention_classes },
	{ "event text is UTF-8, bytes and controls escaped", test_event_text },
	{ "event text cut between characters", test_event_cut },
	{ "event text stored raw by older versions is cleaned",
	  test_event_legacy_text },
	{ "refusal floods coalesced per address and window",
	  test_refusal_coalesce },
	{ "refusals from many addresses: fixed table, all counted",
	  test_refusal_many_addresses },
	{ "refusals from four threads all counted", test_refusal_threads },
	{ "migration from version 1; push state", test_migration_push_state },
	{ "migration from version 3: push generation",
	  test_migration_push_generation },
	{ "migration from version 4: events pruned by class",
	  test_migration_event_classes },
	{ "assignments", test_assignments },
	{ "unassign", test_unassign },
	{ "discovered machines are bounded", test_discover_bound },
	{ "events in order, after and limit, bounded", test_events },
	{ "artifacts: versions, current, pruning", test_artifact_prune },
	{ "artifacts: shared blob not gone while referenced",
	  test_artifact_shared },
	{ "artifacts: re-adding a version makes it newest",
	  test_artifact_readd },
	{ "four threads at once", test_concurrent },
	{ "state names round trip", test_state_names },
	CU_TEST_INFO_NULL,
};

static int suite_store_register(void)
{
	return unit_add_suite("store", NULL, NULL, tests);
}

UNIT_SUITE(suite_store_register)
