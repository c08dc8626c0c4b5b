/* test_store.h: what the store suites share: fixtures in test_store.c. */
#ifndef PODBOOT_TEST_STORE_H
#define PODBOOT_TEST_STORE_H

#include <sqlite3.h>

#include "store.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

#define SHA_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

#define SHA_D "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"

#define KERNEL "debian12/vmlinuz"

#define ALL_STATES ((1u << NODE_STATE_COUNT) - 1)

/* Collectors the list callbacks fill. */
struct test_nodes {
	char ids[256][64];
	int n;
	int stop_at;		/* return 7 at this node (0: never) */
};

struct test_events {
	struct store_event e[512];
	int n;
};

struct test_artifacts {
	struct store_artifact a[16];
	int n;
};

struct test_gone {
	char sha[8][65];
	int n;
};

const char *test_store_dir(void);
/* PODBOOT_TEST_PG: the suites run on that PostgreSQL database; NULL for
 * SQLite.  test_store_sqlite_only(): 1 (the test returns) under it. */
const char *test_store_pg(void);
int test_store_sqlite_only(void);
/* Run @sql on the test's PostgreSQL database: 0 or -1 (printed). */
int test_pg_exec(const char *sql);
/* Empty the test's PostgreSQL database. */
void test_pg_reset(void);
struct store *test_store_open(const char *dir);
sqlite3 *test_sqlite_open(const char *dir);
int test_event_indexes(const char *dir);
void test_node(struct store_node *n, const char *id, const char *pod,
	       const char *mac);
void test_artifact(struct store_artifact *a, const char *name,
		   const char *sha, unsigned long long size);
int test_collect_node(void *ctx, const struct store_node *n);
int test_collect_event(void *ctx, const struct store_event *e);
int test_collect_artifact(void *ctx, const struct store_artifact *a);
void test_gone_cb(void *ctx, const char *sha256);

#endif
