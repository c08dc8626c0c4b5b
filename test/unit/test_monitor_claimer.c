/* test_monitor_claimer.c: the claimer's queue and thread.  Claims
 * submitted by many threads at once are each answered once, from the
 * store's own verdict; the counts /metrics shows add up; stopping takes
 * what was queued.  On SQLite the store answers -ENOTSUP (a store of one
 * process has nothing to agree on); on PostgreSQL (PODBOOT_TEST_PG) each
 * push is taken once. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "claimer.h"
#include "pbuf.h"
#include "store.h"
#include "test_store.h"
#include "unit.h"

#define TEST_SUBMITTERS 4
#define TEST_EACH 50
#define TEST_ALL (TEST_SUBMITTERS * TEST_EACH)

struct test_claims;

/* What the claimer's call is given: the test and the claim's index. */
struct test_claim_ref {
	struct test_claims *t;
	int i;
};

/* The claims of one test and how many times each was answered. */
struct test_claims {
	pthread_mutex_t lock;
	pthread_cond_t done;
	struct claimer *cl;
	struct claimer_item it[TEST_ALL];
	struct test_claim_ref ref[TEST_ALL];
	int answered[TEST_ALL];
	int submit_errors;
	int left;
	int gated;		/* claim 0's answer waits for gate_open */
	int in_gate, gate_open;
	int spares_answered;
};

/* One submitter: its share of the claims. */
struct test_submitter {
	struct test_claims *t;
	int first;
};

/* The claimer's call for one claim (@arg a struct test_claim_ref). */
static void test_claim_done(void *arg)
{
	const struct test_claim_ref *ref = arg;
	struct test_claims *t = ref->t;

	pthread_mutex_lock(&t->lock);
	t->answered[ref->i]++;
	t->left--;
	if (ref->i == 0 && t->gated) {
		t->in_gate = 1;
		pthread_cond_broadcast(&t->done);
		while (!t->gate_open)
			pthread_cond_wait(&t->done, &t->lock);
	}
	pthread_cond_broadcast(&t->done);
	pthread_mutex_unlock(&t->lock);
}

/* The claimer's call for a spare claim (test_claimer_stop()). */
static void test_spare_done(void *arg)
{
	struct test_claims *t = arg;

	pthread_mutex_lock(&t->lock);
	t->spares_answered++;
	pthread_mutex_unlock(&t->lock);
}

/* A thread that stops the claimer (it waits for the claimer's thread). */
static void *test_stop_run(void *arg)
{
	claimer_stop(arg);
	return NULL;
}

static void *test_submit_run(void *arg)
{
	struct test_submitter *s = arg;
	int i;

	for (i = s->first; i < s->first + TEST_EACH; i++)
		if (claimer_submit(s->t->cl, &s->t->it[i]) != 0) {
			pthread_mutex_lock(&s->t->lock);
			s->t->submit_errors++;
			s->t->left--;
			pthread_mutex_unlock(&s->t->lock);
		}
	return NULL;
}

/* Claims 0..TEST_ALL-1 of node "queued": seq i + 1, epoch 3. */
static void test_claims_init(struct test_claims *t, struct claimer *cl)
{
	int i;

	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->done, NULL);
	t->cl = cl;
	t->left = TEST_ALL;
	for (i = 0; i < TEST_ALL; i++) {
		t->it[i].c.k = (struct store_push_key){ "queued", 0, 3,
							(unsigned long long)i + 1 };
		t->it[i].c.rc = 99;
		t->it[i].done = test_claim_done;
		t->ref[i] = (struct test_claim_ref){ t, i };
		t->it[i].arg = &t->ref[i];
	}
}

/* Wait (30 s at most) until @t's member *@watch is @want, as the
 * claimer's calls change it under @t's lock: 0, or -1 on the deadline. */
static int test_wait(struct test_claims *t, const int *watch, int want)
{
	struct timespec until;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30;
	pthread_mutex_lock(&t->lock);
	while (*watch != want && rc == 0)
		if (pthread_cond_timedwait(&t->done, &t->lock, &until) ==
		    ETIMEDOUT)
			rc = -1;
	pthread_mutex_unlock(&t->lock);
	return rc;
}

/* Submit every claim from TEST_SUBMITTERS threads at once and wait (30 s
 * at most) until each is answered: 0, or -1 on the deadline. */
static int test_claims_run(struct test_claims *t)
{
	struct test_submitter s[TEST_SUBMITTERS];
	pthread_t th[TEST_SUBMITTERS];
	int i;

	for (i = 0; i < TEST_SUBMITTERS; i++) {
		s[i] = (struct test_submitter){ t, i * TEST_EACH };
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL,
						     test_submit_run, &s[i]),
				      0);
	}
	for (i = 0; i < TEST_SUBMITTERS; i++)
		pthread_join(th[i], NULL);
	return test_wait(t, &t->left, 0);
}

static void test_claims_free(struct test_claims *t)
{
	pthread_cond_destroy(&t->done);
	pthread_mutex_destroy(&t->lock);
}

/* @rc is what the store answers a claim taken for the first time. */
static int test_first_rc(void)
{
	return test_store_pg() ? 0 : -ENOTSUP;
}

/* Many threads submit at once: each claim is answered exactly once with
 * the store's verdict, and the counts say so. */
static void test_claimer_many(void)
{
	static struct test_claims t;
	struct store *st = test_store_open(test_store_dir());
	struct claimer *cl;
	unsigned long long batches, claims;
	struct pbuf out;
	char want[64];
	int i, once = 0, right = 0;

	CU_ASSERT_EQUAL_FATAL(claimer_start(&cl, st), 0);
	test_claims_init(&t, cl);
	CU_ASSERT_EQUAL_FATAL(test_claims_run(&t), 0);
	CU_ASSERT_EQUAL(t.submit_errors, 0);
	for (i = 0; i < TEST_ALL; i++) {
		once += t.answered[i] == 1;
		right += t.it[i].c.rc == test_first_rc();
	}
	CU_ASSERT_EQUAL(once, TEST_ALL);
	CU_ASSERT_EQUAL(right, TEST_ALL);
	claimer_counts(cl, &batches, &claims);
	CU_ASSERT_EQUAL(claims, TEST_ALL);
	CU_ASSERT(batches >= 1 && batches <= TEST_ALL);

	pbuf_init(&out, 4096);
	CU_ASSERT_EQUAL(claimer_expose(cl, &out), 0);
	snprintf(want, sizeof(want), "\npodboot_push_claims_total %d\n",
		 TEST_ALL);
	CU_ASSERT_PTR_NOT_NULL(out.data ? strstr(out.data, want) : NULL);
	snprintf(want, sizeof(want), "\npodboot_push_claim_batches_total %llu\n",
		 batches);
	CU_ASSERT_PTR_NOT_NULL(out.data ? strstr(out.data, want) : NULL);
	pbuf_free(&out);
	test_claims_free(&t);

	/* The same pushes again: on PostgreSQL each is now a duplicate. */
	if (test_store_pg()) {
		test_claims_init(&t, cl);
		CU_ASSERT_EQUAL_FATAL(test_claims_run(&t), 0);
		for (i = 0, right = 0; i < TEST_ALL; i++)
			right += t.answered[i] == 1 && t.it[i].c.rc == 1;
		CU_ASSERT_EQUAL(right, TEST_ALL);
		claimer_counts(cl, &batches, &claims);
		CU_ASSERT_EQUAL(claims, 2 * TEST_ALL);
		test_claims_free(&t);
	}
	claimer_stop(cl);
	store_close(st);
}

/*
 * Stopping answers every claim still queued before it returns.  Claim
 * 0's answer is held in a gate, so that the claimer's thread is busy
 * while the others queue up and stop begins; spare claims are submitted
 * until one is refused (-ESHUTDOWN), which says the stop has begun; only
 * then is the gate opened.  Without a claimer, a submit is refused and
 * nothing is exposed.
 */
static void test_claimer_stop(void)
{
	static struct test_claims t;
	struct store *st = test_store_open(test_store_dir());
	struct claimer_item *spare[30000];
	struct claimer *cl;
	struct pbuf out;
	pthread_t stopper;
	int i, once = 0, spares = 0, rc = 0;
	const struct timespec pace = { 0, 1000 * 1000 };

	CU_ASSERT_EQUAL_FATAL(claimer_start(&cl, st), 0);
	test_claims_init(&t, cl);
	t.gated = 1;
	CU_ASSERT_EQUAL_FATAL(claimer_submit(cl, &t.it[0]), 0);
	CU_ASSERT_EQUAL_FATAL(test_wait(&t, &t.in_gate, 1), 0);
	for (i = 1; i < TEST_ALL; i++)
		CU_ASSERT_EQUAL(claimer_submit(cl, &t.it[i]), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&stopper, NULL, test_stop_run,
					     cl), 0);
	/* One spare a millisecond, 30 s at most, until the stop has begun. */
	while (spares < (int)(sizeof(spare) / sizeof(spare[0]))) {
		spare[spares] = calloc(1, sizeof(*spare[spares]));
		CU_ASSERT_PTR_NOT_NULL_FATAL(spare[spares]);
		spare[spares]->c.k = (struct store_push_key){
			"queued", 0, 3, 100000ULL + (unsigned long long)spares
		};
		spare[spares]->done = test_spare_done;
		spare[spares]->arg = &t;
		rc = claimer_submit(cl, spare[spares]);
		if (rc != 0) {
			free(spare[spares]);
			break;
		}
		spares++;
		nanosleep(&pace, NULL);
	}
	CU_ASSERT_EQUAL(rc, -ESHUTDOWN);
	pthread_mutex_lock(&t.lock);
	t.gate_open = 1;
	pthread_cond_broadcast(&t.done);
	pthread_mutex_unlock(&t.lock);
	pthread_join(stopper, NULL);

	for (i = 0; i < TEST_ALL; i++)
		once += t.answered[i] == 1 && t.it[i].c.rc == test_first_rc();
	CU_ASSERT_EQUAL(once, TEST_ALL);
	CU_ASSERT_EQUAL(t.left, 0);
	CU_ASSERT_EQUAL(t.spares_answered, spares);
	for (i = 0; i < spares; i++)
		free(spare[i]);
	test_claims_free(&t);

	CU_ASSERT_EQUAL(claimer_submit(NULL, &t.it[0]), -ESHUTDOWN);
	pbuf_init(&out, 4096);
	CU_ASSERT_EQUAL(claimer_expose(NULL, &out), 0);
	CU_ASSERT_EQUAL(out.len, 0);
	pbuf_free(&out);
	store_close(st);
}

static const CU_TestInfo tests[] = {
	{ "claims from many threads, each answered once",
	  test_claimer_many },
	{ "a stop answers what was queued", test_claimer_stop },
	CU_TEST_INFO_NULL,
};

static int suite_monitor_claimer_register(void)
{
	return unit_add_suite("monitor_claimer", NULL, NULL, tests);
}

UNIT_SUITE(suite_monitor_claimer_register)
