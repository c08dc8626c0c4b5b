/* test_store.c: the database: schema, migrations, concurrency; the
 * fixtures the store suites share (test_store.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "error.h"
#include "fileio.h"
#include "store.h"
#include "test_store.h"
#include "unit.h"

/* A new, empty data directory under the run's temporary directory. */
const char *test_store_dir(void)
{
	static char dir[256];
	static int serial;

	snprintf(dir, sizeof(dir), "%s/store-%d", unit_tmpdir(), ++serial);
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
	return dir;
}

const char *test_store_pg(void)
{
	const char *url = getenv("PODBOOT_TEST_PG");

	return url && url[0] ? url : NULL;
}

int test_store_sqlite_only(void)
{
	return test_store_pg() != NULL;
}

/* The server's notices (drop cascades ...) are not the test's output. */
static void test_pg_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int test_pg_exec(const char *sql)
{
	PGconn *c = PQconnectdb(test_store_pg());
	PGresult *res = NULL;
	int ok = 0;

	if (PQstatus(c) == CONNECTION_OK) {
		PQsetNoticeProcessor(c, test_pg_quiet, NULL);
		res = PQexec(c, sql);
		ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
		     PQresultStatus(res) == PGRES_TUPLES_OK;
		if (!ok)
			fprintf(stderr, "test_pg_exec: %s: %s", sql,
				PQerrorMessage(c));
	}
	PQclear(res);
	PQfinish(c);
	return ok ? 0 : -1;
}

void test_pg_reset(void)
{
	CU_ASSERT_EQUAL_FATAL(test_pg_exec("DROP SCHEMA public CASCADE;"
					   "CREATE SCHEMA public;"), 0);
}

struct store *test_store_open(const char *dir)
{
	struct store *st = NULL;
	char mark[512];

	if (test_store_pg()) {
		/* A new data directory is a new, empty database. */
		snprintf(mark, sizeof(mark), "%s/.pgtest", dir);
		if (!fileio_exists(mark)) {
			test_pg_reset();
			CU_ASSERT_EQUAL_FATAL(
				fileio_write(mark, "", 0, 0600, 0), 0);
		}
		CU_ASSERT_EQUAL_FATAL(
			store_open_url(&st, dir, test_store_pg(), NULL), 0);
	} else {
		CU_ASSERT_EQUAL_FATAL(store_open(&st, dir), 0);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	return st;
}

/* Open podboot.db in @dir with a second, independent connection. */
sqlite3 *test_sqlite_open(const char *dir)
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

	/* Every version before 7 lacks the artifacts' signer serial,
	 * before 8 their UEFI variant, before 9 the alerts sent, and
	 * before 10 what replicas share (since 11 the push windows). */
	CU_ASSERT_EQUAL(sqlite3_exec(db, "ALTER TABLE artifacts DROP COLUMN "
				     "signer_serial; ALTER TABLE artifacts "
				     "DROP COLUMN signer_not_after; "
				     "ALTER TABLE artifacts DROP COLUMN "
				     "uefi_sha256; DROP TABLE alert_sent; "
				     "DROP TABLE shared_values; "
				     "DROP TABLE push_window;", NULL,
				     NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = test_store_open(dir);
	CU_ASSERT_EQUAL(store_schema_version(st), 12);
	return st;
}

/* How many of the indexes of migration 5 the database in @dir has. */
int test_event_indexes(const char *dir)
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

void test_node(struct store_node *n, const char *id, const char *pod,
	       const char *mac)
{
	memset(n, 0, sizeof(*n));
	snprintf(n->id, sizeof(n->id), "%s", id);
	snprintf(n->pod, sizeof(n->pod), "%s", pod);
	snprintf(n->mac, sizeof(n->mac), "%s", mac);
}

void test_artifact(struct store_artifact *a, const char *name,
		   const char *sha, unsigned long long size)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->sha256, sizeof(a->sha256), "%s", sha);
	snprintf(a->signer, sizeof(a->signer), "CN=podboot codesign");
	a->size = size;
}

int test_collect_node(void *ctx, const struct store_node *n)
{
	struct test_nodes *c = ctx;

	if (c->n < 256)
		snprintf(c->ids[c->n], sizeof(c->ids[0]), "%s", n->id);
	c->n++;
	return c->stop_at && c->n == c->stop_at ? 7 : 0;
}

int test_collect_event(void *ctx, const struct store_event *e)
{
	struct test_events *c = ctx;

	if (c->n < 512)
		c->e[c->n] = *e;
	c->n++;
	return 0;
}

int test_collect_artifact(void *ctx, const struct store_artifact *a)
{
	struct test_artifacts *c = ctx;

	if (c->n < 16)
		c->a[c->n] = *a;
	c->n++;
	return 0;
}

void test_gone_cb(void *ctx, const char *sha256)
{
	struct test_gone *g = ctx;

	if (g->n < 8)
		snprintf(g->sha[g->n], sizeof(g->sha[0]), "%s", sha256);
	g->n++;
}

static void test_open_wal(void)
{
	if (test_store_sqlite_only())
		return;	/* reads SQLite's file itself */
	const char *dir = test_store_dir();
	struct store *st = test_store_open(dir);
	char path[300], text[32];
	sqlite3 *db;

	CU_ASSERT_EQUAL(store_schema_version(st), 12);
	snprintf(path, sizeof(path), "%s/podboot.db-wal", dir);
	CU_ASSERT(fileio_exists(path));
	db = test_sqlite_open(dir);
	test_sqlite_text(db, "PRAGMA journal_mode", text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "wal");
	test_sqlite_text(db, "PRAGMA user_version", text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "12");
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
	CU_ASSERT_EQUAL(store_schema_version(st), 12);
	CU_ASSERT_EQUAL(store_node_get(st, "web1", &n), 0);
	CU_ASSERT_EQUAL(n.state, NODE_BOOTING);
	CU_ASSERT_STRING_EQUAL(n.mac, "52:54:00:00:00:01");
	store_close(st);
}

static void test_newer_schema(void)
{
	if (test_store_sqlite_only())
		return;	/* reads SQLite's file itself */
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
	if (test_store_sqlite_only())
		return;	/* reads SQLite's file itself */
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
	if (test_store_sqlite_only())
		return;	/* reads SQLite's file itself */
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
	if (test_store_sqlite_only())
		return;	/* reads SQLite's file itself */
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
	{ "migration from version 1; push state", test_migration_push_state },
	{ "migration from version 3: push generation",
	  test_migration_push_generation },
	{ "migration from version 4: events pruned by class",
	  test_migration_event_classes },
	{ "four threads at once", test_concurrent },
	{ "state names round trip", test_state_names },
	CU_TEST_INFO_NULL,
};

static int suite_store_register(void)
{
	return unit_add_suite("store", NULL, NULL, tests);
}

UNIT_SUITE(suite_store_register)
