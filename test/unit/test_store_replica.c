/* test_store_replica.c: what replicas share beyond nodes: the
 * configuration generation, pushes taken first come first served, and
 * (on PostgreSQL, PODBOOT_TEST_PG) the sessions of one store used by
 * many threads at once. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "store.h"
#include "test_store.h"
#include "unit.h"

#define TEST_THREADS 8
#define TEST_CLAIMS 200

/* A reload's bump is seen by another connection (replica) at once. */
static void test_replica_config_gen(void)
{
	const char *dir = test_store_dir();
	struct store *a = test_store_open(dir), *b;
	long long g = -1;

	CU_ASSERT_EQUAL(store_config_gen(a, &g), 0);
	CU_ASSERT_EQUAL(g, 0);
	CU_ASSERT_EQUAL(store_config_gen_bump(a, &g), 0);
	CU_ASSERT_EQUAL(g, 1);
	CU_ASSERT_EQUAL(store_config_gen_bump(a, &g), 0);
	CU_ASSERT_EQUAL(g, 2);
	if (test_store_pg()) {
		b = test_store_open(dir);
		CU_ASSERT_EQUAL(store_config_gen(b, &g), 0);
		CU_ASSERT_EQUAL(g, 2);
		CU_ASSERT_EQUAL(store_config_gen_bump(b, &g), 0);
		CU_ASSERT_EQUAL(g, 3);
		store_close(b);
	}
	CU_ASSERT_EQUAL(store_shared(a), test_store_pg() != NULL);
	store_close(a);
}

/* A store of one process has no claims (its monitor's window decides):
 * each says so; on PostgreSQL, whether the test goes on. */
static int test_replica_shared(void)
{
	struct store *st;
	struct store_push_key k = { "node-1", 2, 7, 5 };
	struct store_push_claim c[2] = { { k, NULL, 0 }, { k, "pod-a", 0 } };

	if (test_store_pg())
		return 1;
	st = test_store_open(test_store_dir());
	CU_ASSERT_EQUAL(store_push_claim(st, &k), -ENOTSUP);
	CU_ASSERT_EQUAL(store_push_claim_node(st, &k, "pod-a"), -ENOTSUP);
	store_push_claims(st, c, 2);
	CU_ASSERT(c[0].rc == -ENOTSUP && c[1].rc == -ENOTSUP);
	CU_ASSERT_EQUAL(store_push_unclaim(st, &k), -ENOTSUP);
	CU_ASSERT_EQUAL(store_push_seen_trim(st), -ENOTSUP);
	store_close(st);
	return 0;
}

/* A push is taken once; older generations and seqs a window below the
 * newest are taken already; a push given back can be taken again. */
static void test_replica_claim(void)
{
	struct store *st;
	struct store_push_key k = { "node-1", 2, 7, 5 };
	unsigned long long s;

	if (!test_replica_shared())
		return;
	st = test_store_open(test_store_dir());

	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);
	k.seq = 6;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	k.generation = 1;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);	/* revoked */
	k.generation = 2;
	k.epoch = 8;		/* the agent's new epoch counts from 1 */
	k.seq = 1;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	CU_ASSERT_EQUAL(store_push_unclaim(st, &k), 0);
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	for (s = 2; s <= 1100; s++) {
		k.seq = s;
		CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	}
	CU_ASSERT_EQUAL(store_push_seen_trim(st), 0);
	k.seq = 50;		/* its row is trimmed: still taken */
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);
	k.seq = 1100;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);
	k.seq = 77;		/* the oldest seq the window still tells */
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);
	CU_ASSERT_EQUAL(store_push_unclaim(st, &k), 0);
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);	/* late, given back */
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);
	k.seq = 76;		/* one below it: refused, and nothing moves */
	CU_ASSERT_EQUAL(store_push_unclaim(st, &k), 0);
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);
	k.seq = 3000;		/* a window's jump: the seqs skipped are gaps */
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	k.seq = 2990;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);
	k.seq = 1977;		/* 1023 below 3000, never taken */
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	k.seq = 1100;		/* taken, and now far below */
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);
	k.seq = 2999;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	k.epoch = 7;		/* the epoch before keeps its own window */
	k.seq = 7;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	k.seq = 5;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);
	k.seq = 0;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), -EINVAL);
	k.id = "";
	k.seq = 1;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), -EINVAL);
	store_close(st);
}

/* A claim on a remembered generation and pod is taken only while the
 * node's row still has both; one that is not taken takes nothing. */
static void test_replica_claim_node(void)
{
	struct store *st;
	struct store_push_key k = { "cn-1", 0, 3, 1 };
	struct store_node n;

	if (!test_replica_shared())
		return;
	st = test_store_open(test_store_dir());

	test_node(&n, "cn-1", "pod-a", "52:54:00:00:00:91");
	CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);
	CU_ASSERT_EQUAL(store_node_get(st, "cn-1", &n), 0);
	k.generation = n.generation;
	CU_ASSERT_EQUAL(store_push_claim_node(st, &k, "pod-a"), 0);
	CU_ASSERT_EQUAL(store_push_claim_node(st, &k, "pod-a"), 1);
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);	/* it was taken */
	k.seq = 2;		/* another pod than the row's: not taken */
	CU_ASSERT_EQUAL(store_push_claim_node(st, &k, "pod-b"), 1);
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	k.seq = 3;		/* a generation the row no longer has */
	k.generation = n.generation + 1;
	CU_ASSERT_EQUAL(store_push_claim_node(st, &k, "pod-a"), 1);
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	k.id = "no-such-node";
	k.generation = 0;
	CU_ASSERT_EQUAL(store_push_claim_node(st, &k, "pod-a"), 1);
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	k.seq = 0;
	CU_ASSERT_EQUAL(store_push_claim_node(st, &k, "pod-a"), -EINVAL);
	store_close(st);
}

/* Claims taken together (store_push_claims(); on PostgreSQL one
 * statement) answer each as it would have been answered alone: a key
 * twice in one batch is taken once, a node checked against a row that
 * changed is not taken, a seq taken before is not, and the rest are. */
static void test_replica_claims(void)
{
	struct store *st;
	struct store_push_claim c[8];
	struct store_push_key k = { "bn-1", 0, 4, 10 };
	struct store_node n;
	unsigned int gen;
	size_t i;

	if (!test_replica_shared())
		return;
	st = test_store_open(test_store_dir());

	test_node(&n, "bn-1", "pod-a", "52:54:00:00:00:92");
	CU_ASSERT_EQUAL(store_node_ensure(st, &n), 0);
	CU_ASSERT_EQUAL(store_node_get(st, "bn-1", &n), 0);
	gen = n.generation;
	k.generation = gen;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);	/* seq 10, before */
	memset(c, 0, sizeof(c));
	for (i = 0; i < 8; i++) {
		c[i].k = (struct store_push_key){ "bn-1", gen, 4, 11 + i };
		c[i].pod = "pod-a";
		c[i].rc = 99;
	}
	c[1].k.seq = 10;		/* taken before */
	c[2].k.seq = c[0].k.seq;	/* twice in the batch */
	c[3].pod = "pod-b";		/* not the row's pod */
	c[4].k.generation = gen + 1;	/* a generation the row lacks */
	c[5].pod = NULL;		/* not checked against the row */
	c[6].k.id = "no-such-node";	/* no row at all */
	c[7].k.seq = 1;		/* far below the newest: trimmed ones too */
	c[7].k.epoch = 4;
	store_push_claims(st, c, 8);
	CU_ASSERT_EQUAL(c[0].rc, 0);
	CU_ASSERT_EQUAL(c[1].rc, 1);
	CU_ASSERT_EQUAL(c[2].rc, 1);
	CU_ASSERT_EQUAL(c[3].rc, 1);
	CU_ASSERT_EQUAL(c[4].rc, 1);
	CU_ASSERT_EQUAL(c[5].rc, 0);
	CU_ASSERT_EQUAL(c[6].rc, 1);
	CU_ASSERT_EQUAL(c[7].rc, 0);	/* within the window of 1024 */
	/* What the batch took is taken; what it refused takes nothing. */
	k.seq = c[0].k.seq;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 1);
	k.seq = c[3].k.seq;
	CU_ASSERT_EQUAL(store_push_claim(st, &k), 0);
	/* An id with a quote and a backslash survives the array literal. */
	memset(c, 0, sizeof(c));
	c[0].k = (struct store_push_key){ "we\"ird\\id,{x}", 0, 1, 1 };
	c[1].k = (struct store_push_key){ "plain", 0, 1, 1 };
	store_push_claims(st, c, 2);
	CU_ASSERT_EQUAL(c[0].rc, 0);
	CU_ASSERT_EQUAL(c[1].rc, 0);
	CU_ASSERT_EQUAL(store_push_claim(st, &c[0].k), 1);
	/* A key the store cannot keep: that claim alone is refused. */
	memset(c, 0, sizeof(c));
	c[0].k = (struct store_push_key){ "plain", 0, 1, 0 };
	c[1].k = (struct store_push_key){ "plain", 0, 1, 2 };
	store_push_claims(st, c, 2);
	CU_ASSERT_EQUAL(c[0].rc, -EINVAL);
	CU_ASSERT_EQUAL(c[1].rc, 0);
	store_close(st);
}

/* One thread of a claim race: its own store (a replica), every seq. */
struct test_claimer {
	struct store *st;
	int taken, errors;
};

/* Claim seqs 1..TEST_CLAIMS of one node; count what was taken here. */
static void *test_claimer_run(void *arg)
{
	struct test_claimer *c = arg;
	struct store_push_key k = { "raced", 1, 0, 0 };
	int rc;

	for (k.seq = 1; k.seq <= TEST_CLAIMS; k.seq++) {
		rc = store_push_claim(c->st, &k);
		c->taken += rc == 0;
		c->errors += rc < 0;
	}
	return NULL;
}

/* Four replicas (PostgreSQL) replay the same pushes at once: each is
 * taken exactly once in all. */
static void test_replica_claim_race(void)
{
	const char *dir = test_store_dir();
	struct test_claimer c[4];
	pthread_t t[4];
	int i, taken = 0;

	if (!test_store_pg())
		return;
	for (i = 0; i < 4; i++)
		c[i] = (struct test_claimer){ test_store_open(dir), 0, 0 };
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL,
						     test_claimer_run, &c[i]),
				      0);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(c[i].errors, 0);
		taken += c[i].taken;
	}
	CU_ASSERT_EQUAL(taken, TEST_CLAIMS);
	for (i = 0; i < 4; i++)
		store_close(c[i].st);
}

/* One thread of a replica claiming at once with others of the same
 * replica (on PostgreSQL, each on a session): node "batched"'s seqs
 * @first .. @first + TEST_CLAIMS - 1, checked against pod @pod (NULL:
 * unchecked). */
struct test_batcher {
	struct store *st;
	const char *pod;
	unsigned long long first;
	int taken, errors;
};

/* Claim the thread's seqs; count what was taken here. */
static void *test_batcher_run(void *arg)
{
	struct test_batcher *c = arg;
	struct store_push_key k = { "batched", 0, 4, 0 };
	int rc;

	for (k.seq = c->first; k.seq < c->first + TEST_CLAIMS; k.seq++) {
		rc = c->pod ? store_push_claim_node(c->st, &k, c->pod)
			    : store_push_claim(c->st, &k);
		c->taken += rc == 0;
		c->errors += rc < 0;
	}
	return NULL;
}

/* Two replicas, four threads each, claim the same pushes at once, checked
 * against the node's pod or not: each is taken once in all; a ninth
 * thread's claims with a pod the node is not in take nothing. */
static void test_replica_claim_batched(void)
{
	const char *dir = test_store_dir();
	struct store *a, *b;
	struct test_batcher c[TEST_THREADS + 1];
	struct store_push_key k = { "batched", 0, 4, 0 };
	pthread_t t[TEST_THREADS + 1];
	struct store_node n;
	int i, taken = 0;

	if (!test_replica_shared())
		return;
	a = test_store_open(dir);
	b = test_store_open(dir);
	test_node(&n, "batched", "pod-a", "52:54:00:00:03:01");
	CU_ASSERT_EQUAL_FATAL(store_node_ensure(a, &n), 0);
	for (i = 0; i < TEST_THREADS; i++)
		c[i] = (struct test_batcher){ i < TEST_THREADS / 2 ? a : b,
					      i % 2 ? "pod-a" : NULL, 1, 0,
					      0 };
	c[TEST_THREADS] = (struct test_batcher){ a, "pod-b",
						 TEST_CLAIMS + 1, 0, 0 };
	for (i = 0; i <= TEST_THREADS; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL,
						     test_batcher_run, &c[i]),
				      0);
	for (i = 0; i <= TEST_THREADS; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(c[i].errors, 0);
		taken += i < TEST_THREADS ? c[i].taken : 0;
	}
	CU_ASSERT_EQUAL(taken, TEST_CLAIMS);
	CU_ASSERT_EQUAL(c[TEST_THREADS].taken, 0);
	for (k.seq = TEST_CLAIMS + 1; k.seq <= 2 * TEST_CLAIMS; k.seq++)
		CU_ASSERT_EQUAL(store_push_claim(a, &k), 0);
	store_close(b);
	store_close(a);
}

/* One thread of one store: its own node through its lifecycle, and the
 * shared node "one" asked for once. */
struct test_worker {
	struct store *st;
	int n;
	int errors;
	int handed;		/* it moved "one" armed -> booting */
};

/* Ensure, read and move a node of its own 20 times; ask for "one". */
static void *test_worker_run(void *arg)
{
	struct test_worker *w = arg;
	struct store_node n, out;
	char id[32], mac[18];
	int i, rc;

	snprintf(id, sizeof(id), "worker-%d", w->n);
	snprintf(mac, sizeof(mac), "52:54:00:00:01:%02x", w->n);
	test_node(&n, id, "pod-a", mac);
	w->errors += store_node_ensure(w->st, &n) != 0;
	rc = store_node_transition(w->st, "one", NODE_BIT(NODE_ARMED),
				   NODE_BOOTING, 0, "stage2 served", NULL);
	w->handed = rc == 0;
	w->errors += rc != 0 && rc != -PB_ESTATE;
	for (i = 0; i < 20; i++) {
		w->errors += store_node_get(w->st, id, &out) != 0;
		w->errors += store_node_transition(w->st, id,
						   NODE_BIT(NODE_ARMED),
						   NODE_BOOTING, 0, "boot",
						   NULL) != 0;
		w->errors += store_node_transition(w->st, id,
						   NODE_BIT(NODE_BOOTING),
						   NODE_ARMED, 1, "again",
						   NULL) != 0;
	}
	w->errors += store_node_get(w->st, id, &out) != 0 ||
		     out.generation != 20;
	return NULL;
}

/* Many threads of one store at once (on PostgreSQL each holds a session
 * of its own): every transaction stays whole, one armed node is handed
 * out once. */
static void test_replica_threads(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct test_worker w[TEST_THREADS];
	pthread_t t[TEST_THREADS];
	struct store_node n;
	unsigned long long count = 0;
	int i, handed = 0;

	test_node(&n, "one", "pod-a", "52:54:00:00:02:01");
	CU_ASSERT_EQUAL_FATAL(store_node_ensure(st, &n), 0);
	for (i = 0; i < TEST_THREADS; i++)
		w[i] = (struct test_worker){ st, i, 0, 0 };
	for (i = 0; i < TEST_THREADS; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL,
						     test_worker_run, &w[i]),
				      0);
	for (i = 0; i < TEST_THREADS; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(w[i].errors, 0);
		handed += w[i].handed;
	}
	CU_ASSERT_EQUAL(handed, 1);
	CU_ASSERT_EQUAL(store_node_count(st, NULL, NODE_ARMED, &count), 0);
	CU_ASSERT_EQUAL(count, TEST_THREADS);
	store_close(st);
}

static const CU_TestInfo tests[] = {
	{ "a reload's generation, seen by another replica",
	  test_replica_config_gen },
	{ "a push taken once; revoked, old and given back",
	  test_replica_claim },
	{ "a push taken only while its node is as remembered",
	  test_replica_claim_node },
	{ "pushes claimed together, each as if alone", test_replica_claims },
	{ "four replicas replaying one node's pushes", test_replica_claim_race },
	{ "threads of two replicas claiming at once",
	  test_replica_claim_batched },
	{ "many threads of one store at once", test_replica_threads },
	CU_TEST_INFO_NULL,
};

static int suite_store_replica_register(void)
{
	return unit_add_suite("store_replica", NULL, NULL, tests);
}

UNIT_SUITE(suite_store_replica_register)
