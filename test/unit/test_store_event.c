/* test_store_event.c: the audit trail: events, retention, text, refusals. */
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

static void test_events(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct test_events ev;
	char long_subject[400];
	long long last = -1;
	int i;

	/* An empty trail's cursor is 0; then the newest id, which
	 * store_event_list() takes to return only what comes after it. */
	CU_ASSERT_EQUAL(store_event_last_id(st, &last), 0);
	CU_ASSERT_EQUAL(last, 0);
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
	CU_ASSERT_EQUAL(store_event_last_id(st, &last), 0);
	CU_ASSERT(last > i);
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list(st, last, 10, test_collect_event,
					 &ev),
			0);
	CU_ASSERT_EQUAL(ev.n, 0);
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
	/* The cursor moved to that refusal: only what follows it. */
	CU_ASSERT_EQUAL(store_event_last_id(st, &last), 0);
	CU_ASSERT_EQUAL(last, ev.e[0].id);
	CU_ASSERT_EQUAL(store_event_add(st, "upload", KERNEL, "after"), 0);
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list(st, last, 10, test_collect_event,
					 &ev),
			0);
	CU_ASSERT_EQUAL_FATAL(ev.n, 1);
	CU_ASSERT_STRING_EQUAL(ev.e[0].detail, "after");
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
	if (!test_store_pg())
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
	if (test_store_sqlite_only())
		return;	/* writes SQLite's file itself */
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

/* A callback that counts the events it sees and fails at the @stop th. */
struct test_stop {
	int n, stop;
	long long last;
};

/* Count @e; -ECANCELED at the @stop th event. */
static int test_stop_at(void *ctx, const struct store_event *e)
{
	struct test_stop *t = ctx;

	if (++t->n == t->stop)
		return -ECANCELED;
	CU_ASSERT(e->id > t->last);	/* in order, none twice */
	t->last = e->id;
	return 0;
}

/* The chunked reader (store_list_chunks): limits on and across chunk
 * edges (64 rows), and a callback's error ends the list, returned. */
static void test_event_chunks(void)
{
	struct store *st = test_store_open(test_store_dir());
	static const int limits[] = { 1, 63, 64, 65, 128, 129, 150, 1000 };
	struct test_stop t;
	size_t i;
	int k;

	for (k = 1; k <= 150; k++)
		CU_ASSERT_EQUAL(store_event_add(st, "upload", "x", "n %d", k),
				0);
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		memset(&t, 0, sizeof(t));
		CU_ASSERT_EQUAL(store_event_list(st, 0, (unsigned int)limits[i],
						 test_stop_at, &t), 0);
		CU_ASSERT_EQUAL(t.n, limits[i] < 150 ? limits[i] : 150);
	}
	memset(&t, 0, sizeof(t));
	t.stop = 70;
	CU_ASSERT_EQUAL(store_event_list(st, 0, 1000, test_stop_at, &t),
			-ECANCELED);
	CU_ASSERT_EQUAL(t.n, 70);
	store_close(st);
}

static const CU_TestInfo tests[] = {
	{ "events read a chunk at a time: limits, callback errors",
	  test_event_chunks },
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
	{ "events in order, after and limit, bounded", test_events },
	CU_TEST_INFO_NULL,
};

static int suite_store_event_register(void)
{
	return unit_add_suite("store_event", NULL, NULL, tests);
}

UNIT_SUITE(suite_store_event_register)
