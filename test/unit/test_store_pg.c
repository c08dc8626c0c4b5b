/* test_store_pg.c: what only the PostgreSQL backend must get right:
 * two replicas racing for one armed node, several migrating at once, a
 * lost connection, and where the password may come from.  The races run
 * on PODBOOT_TEST_PG (scripts/pg-unit starts one); without it they
 * return at once. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "error.h"
#include "fileio.h"
#include "store.h"
#include "test_store.h"
#include "unit.h"

#define TEST_MIGRATORS 4
#define TEST_MIGRATE_ROUNDS 5

/* The first column of the one row of @sql on @c, as a number; -1 if
 * none. */
static long long test_pg_number(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);
	long long v = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

/* test_pg_number() of @sql on a connection of its own. */
static long long test_pg_query(const char *sql)
{
	PGconn *c = PQconnectdb(test_store_pg());
	long long v = test_pg_number(c, sql);

	PQfinish(c);
	return v;
}

/* Poll @sql on @c until it yields @want, at most 30 s; whether it did. */
static int test_pg_wait(PGconn *c, const char *sql, long long want)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int i;

	for (i = 0; i < 1500; i++) {
		if (test_pg_number(c, sql) == want)
			return 1;
		nanosleep(&pause, NULL);
	}
	return 0;
}

/* One replica asking for the stage2 of an armed node. */
struct test_racer {
	struct store *st;
	int rc;
};

/* Hand out node "racer" (armed -> booting), as boot.c does. */
static void *test_racer_run(void *arg)
{
	struct test_racer *r = arg;

	r->rc = store_node_transition(r->st, "racer", NODE_BIT(NODE_ARMED),
				      NODE_BOOTING, 0, "stage2 served", NULL);
	return NULL;
}

/*
 * Two replicas (two connections) ask for the same armed node at the same
 * moment: a third connection holds the table so that both have read
 * "armed" before either may write; then exactly one hands it out.
 */
static void test_pg_one_shot_race(void)
{
	const char *dir = test_store_dir();
	struct test_racer r[2] = { { NULL, 1 }, { NULL, 1 } };
	pthread_t t[2];
	struct store_node n;
	PGconn *c;
	int i;

	if (!test_store_pg())
		return;
	r[0].st = test_store_open(dir);
	r[1].st = test_store_open(dir);
	test_node(&n, "racer", "pod-a", "52:54:00:00:00:77");
	CU_ASSERT_EQUAL_FATAL(store_node_ensure(r[0].st, &n), 0);
	c = PQconnectdb(test_store_pg());
	CU_ASSERT_EQUAL_FATAL(PQstatus(c), CONNECTION_OK);
	PQclear(PQexec(c, "BEGIN; LOCK TABLE nodes IN SHARE MODE"));
	for (i = 0; i < 2; i++)
		CU_ASSERT_EQUAL_FATAL(
			pthread_create(&t[i], NULL, test_racer_run, &r[i]), 0);
	/* Both have read the node and wait to write it. */
	CU_ASSERT(test_pg_wait(c, "SELECT count(*) FROM pg_stat_activity "
			       "WHERE wait_event_type = 'Lock'", 2));
	PQclear(PQexec(c, "COMMIT"));
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CU_ASSERT_EQUAL(!!(r[0].rc == 0) + !!(r[1].rc == 0), 1);
	CU_ASSERT(r[0].rc == -PB_ESTATE || r[1].rc == -PB_ESTATE);
	CU_ASSERT_EQUAL(test_pg_number(c, "SELECT count(*) FROM events "
				       "WHERE kind = 'state' AND subject = "
				       "'racer'"), 1);
	CU_ASSERT_EQUAL(store_node_get(r[1].st, "racer", &n), 0);
	CU_ASSERT_EQUAL(n.state, NODE_BOOTING);
	PQfinish(c);
	store_close(r[0].st);
	store_close(r[1].st);
}

/* Replicas starting at once on one empty database. */
struct test_migrator {
	pthread_barrier_t *go;
	const char *dir;
	int rc;
	int version;
};

/* Open the store when all are ready; keep the result. */
static void *test_migrator_run(void *arg)
{
	struct test_migrator *m = arg;
	struct store *st = NULL;

	pthread_barrier_wait(m->go);
	m->rc = store_open_url(&st, m->dir, test_store_pg(), NULL);
	m->version = st ? store_schema_version(st) : -1;
	store_close(st);
	return NULL;
}

/* Several replicas migrate one new database at once: all open it at the
 * newest version, and it was migrated once (one version row). */
static void test_pg_migrators(void)
{
	struct test_migrator m[TEST_MIGRATORS];
	pthread_t t[TEST_MIGRATORS];
	pthread_barrier_t go;
	const char *dir;
	int round, i, failed = 0;
	PGconn *c;

	if (!test_store_pg())
		return;
	dir = test_store_dir();
	for (round = 0; round < TEST_MIGRATE_ROUNDS; round++) {
		test_pg_reset();
		pthread_barrier_init(&go, NULL, TEST_MIGRATORS);
		for (i = 0; i < TEST_MIGRATORS; i++) {
			m[i] = (struct test_migrator){ &go, dir, 1, -1 };
			CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL,
							     test_migrator_run,
							     &m[i]), 0);
		}
		for (i = 0; i < TEST_MIGRATORS; i++) {
			pthread_join(t[i], NULL);
			failed += m[i].rc != 0 || m[i].version != 12;
		}
		pthread_barrier_destroy(&go);
	}
	CU_ASSERT_EQUAL(failed, 0);
	c = PQconnectdb(test_store_pg());
	CU_ASSERT_EQUAL(test_pg_number(c, "SELECT count(*) FROM "
				       "podboot_schema"), 1);
	PQfinish(c);
}

/* A database of version 10 (a row in push_seen per push taken) opened by
 * this podboot: each epoch's rows become its window (what was taken is
 * still taken, the gaps are not, seqs a window below stay refused), and
 * push_seen is gone. */
static void test_pg_push_seen_migrated(void)
{
	struct store_push_key k = { "mig-1", 1, 3, 0 };
	const char *dir;
	struct store *st;

	if (!test_store_pg())
		return;
	dir = test_store_dir();
	st = test_store_open(dir);	/* a new database, at the newest */
	store_close(st);
	CU_ASSERT_EQUAL_FATAL(test_pg_exec(
		"DROP TABLE push_window; "
		"CREATE TABLE push_seen (id TEXT COLLATE \"C\" NOT NULL, "
		"generation BIGINT NOT NULL, epoch BIGINT NOT NULL, "
		"seq BIGINT NOT NULL, at BIGINT NOT NULL, "
		"PRIMARY KEY (id, generation, epoch, seq)); "
		"INSERT INTO push_seen VALUES ('mig-1', 1, 3, 5, 100), "
		"('mig-1', 1, 3, 7, 100), ('mig-1', 1, 4, 2000, 100), "
		"('mig-1', 1, 4, 1990, 100), ('mig-1', 1, 4, 900, 100), "
		"('mig-2', 2, 0, 1, 100); "
		"UPDATE podboot_schema SET version = 10;"), 0);
	st = test_store_open(dir);
	CU_ASSERT_EQUAL(store_schema_version(st), 12);
	k.seq = 5;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);
	k.seq = 6;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	k.seq = 7;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);
	k.seq = 8;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	k.epoch = 4;
	k.seq = 1990;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);
	k.seq = 1991;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	k.seq = 977;		/* 1023 below 2000 */
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	k.seq = 900;		/* its row was below the window */
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);
	k = (struct store_push_key){ "mig-2", 1, 0, 2 };
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);	/* generation 2 seen */
	k.generation = 2;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	store_close(st);
	CU_ASSERT_EQUAL(test_pg_query("SELECT count(*) FROM push_window"), 3);
	CU_ASSERT_EQUAL(test_pg_query("SELECT count(*) FROM pg_tables WHERE "
				      "tablename = 'push_seen'"), 0);
}

/* The trim drops the windows of a replaced token generation and of an
 * agent epoch another followed more than a day before, and keeps the rest:
 * the table stays one row per node and live epoch. */
static void test_pg_push_window_trim(void)
{
	struct store_push_key k = { "trim-1", 1, 1, 5 };
	struct store *st;

	if (!test_store_pg())
		return;
	st = test_store_open(test_store_dir());
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);	/* generation 1 */
	k.generation = 2;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);	/* its epoch 1 */
	k.epoch = 2;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);	/* epoch 2 follows */
	k.epoch = 3;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);	/* and epoch 3 */
	k.id = "trim-2";
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);	/* another node */
	/* Epoch 1 was last claimed two days before epoch 3, epoch 2 an
	 * hour before. */
	CU_ASSERT_EQUAL_FATAL(test_pg_exec(
		"UPDATE push_window SET at = at - 172800 WHERE id = 'trim-1' "
		"AND epoch = 1; UPDATE push_window SET at = at - 3600 "
		"WHERE id = 'trim-1' AND epoch = 2"), 0);
	CU_ASSERT_EQUAL(store_push_seen_trim(st), 0);
	CU_ASSERT_EQUAL(test_pg_query("SELECT count(*) FROM push_window"), 3);
	CU_ASSERT_EQUAL(test_pg_query("SELECT count(*) FROM push_window WHERE "
				      "id = 'trim-1' AND generation = 2 AND "
				      "epoch IN (2, 3)"), 2);
	/* What was kept is still taken. */
	k.id = "trim-1";
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);
	k.epoch = 2;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);
	store_close(st);
}

/* The server ends the store's session (a restart looks the same to it):
 * the next call reconnects and succeeds. */
static void test_pg_reconnect(void)
{
	struct store *st;
	struct store_node n;

	if (!test_store_pg())
		return;
	st = test_store_open(test_store_dir());
	test_node(&n, "again", "pod-a", "52:54:00:00:00:78");
	CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);
	CU_ASSERT_EQUAL(test_pg_exec("SELECT pg_terminate_backend(pid) "
				     "FROM pg_stat_activity WHERE "
				     "application_name = 'podboot'"), 0);
	CU_ASSERT_EQUAL(store_node_get(st, "again", &n), 0);
	CU_ASSERT_EQUAL(store_node_transition(st, "again",
					      NODE_BIT(NODE_ARMED),
					      NODE_BOOTING, 0, "after", NULL),
			0);
	store_close(st);
}

/* A password file others may read is refused before any connection. */
static void test_pg_password_file(void)
{
	char path[512];
	struct store *st = NULL;

	snprintf(path, sizeof(path), "%s/pgpass-open", unit_tmpdir());
	CU_ASSERT_EQUAL_FATAL(fileio_write(path, "secret\n", 7, 0644, 0), 0);
	CU_ASSERT_EQUAL_FATAL(chmod(path, 0644), 0);
	CU_ASSERT_EQUAL(store_open_url(&st, unit_tmpdir(),
				       "postgresql://127.0.0.1:1/none", path),
			-EPERM);
	CU_ASSERT_PTR_NULL(st);
	snprintf(path, sizeof(path), "%s/pgpass-missing", unit_tmpdir());
	CU_ASSERT_EQUAL(store_open_url(&st, unit_tmpdir(),
				       "postgresql://127.0.0.1:1/none", path),
			-ENOENT);
	CU_ASSERT_PTR_NULL(st);
}

/* One replica publishing versions of its own artifact. */
struct test_publisher {
	struct store *st;
	char name[32];
	int errors;
};

/* Add 50 versions of the publisher's artifact. */
static void *test_publisher_run(void *arg)
{
	struct test_publisher *p = arg;
	struct store_artifact a;
	char sha[65];
	int i;

	for (i = 0; i < 50; i++) {
		snprintf(sha, sizeof(sha), "%064x", i);
		test_artifact(&a, p->name, sha, 10);
		p->errors += store_artifact_add(p->st, &a, 3, NULL, NULL) != 0;
	}
	return NULL;
}

/* Two replicas publishing at once: every version gets its own seq. */
static void test_pg_publishers(void)
{
	const char *dir = test_store_dir();
	struct test_publisher p[2];
	struct store_artifact a;
	pthread_t t[2];
	int i;

	if (!test_store_pg())
		return;
	for (i = 0; i < 2; i++) {
		p[i].st = test_store_open(dir);
		p[i].errors = 0;
		snprintf(p[i].name, sizeof(p[i].name), "os/replica%d", i);
	}
	for (i = 0; i < 2; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL,
						     test_publisher_run, &p[i]),
				      0);
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(p[i].errors, 0);
		CU_ASSERT_EQUAL(store_artifact_get(p[0].st, p[i].name, NULL,
						   &a), 0);
		CU_ASSERT_EQUAL(a.sha256[63], '1');	/* 49 = 0x31 */
	}
	for (i = 0; i < 2; i++)
		store_close(p[i].st);
}

static const CU_TestInfo tests[] = {
	{ "two replicas, one armed node: one hand-out",
	  test_pg_one_shot_race },
	{ "replicas migrating one new database at once", test_pg_migrators },
	{ "a lost session is reconnected", test_pg_reconnect },
	{ "two replicas publishing at once", test_pg_publishers },
	{ "password file readable by others refused", test_pg_password_file },
	{ "push_seen's rows become windows", test_pg_push_seen_migrated },
	{ "the trim of push windows", test_pg_push_window_trim },
	CU_TEST_INFO_NULL,
};

static int suite_store_pg_register(void)
{
	return unit_add_suite("store_pg", NULL, NULL, tests);
}

UNIT_SUITE(suite_store_pg_register)
