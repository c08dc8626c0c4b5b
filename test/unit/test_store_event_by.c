/* test_store_event_by.c: events listed by kind and by subject
 * (store_event_list_by()), filtered in SQL through the class indexes. */
#include <errno.h>
#include <string.h>

#include "store.h"
#include "test_store.h"
#include "unit.h"

/* Uploads among states and refusals, by kind, by subject, by both, and
 * paged by id. */
static void test_event_by(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct test_events ev;
	int i;

	for (i = 0; i < 30; i++) {
		CU_ASSERT_EQUAL(store_event_add(st, "state", i % 2 ? "n1" : "n2",
						"state %d", i), 0);
		if (i % 10 == 0)
			CU_ASSERT_EQUAL(store_event_add(st, "upload", KERNEL,
							"upload %d", i), 0);
	}
	CU_ASSERT_EQUAL(store_event_add(st, "state", KERNEL, "not an upload"),
			0);
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list_by(st, "upload", NULL, 0, 100,
					    test_collect_event, &ev), 0);
	CU_ASSERT_EQUAL_FATAL(ev.n, 3);
	CU_ASSERT_STRING_EQUAL(ev.e[0].detail, "upload 0");
	CU_ASSERT_STRING_EQUAL(ev.e[2].detail, "upload 20");
	/* The next page starts after the last id seen. */
	i = (int)ev.e[0].id;
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list_by(st, "upload", NULL, i, 1,
					    test_collect_event, &ev), 0);
	CU_ASSERT_EQUAL_FATAL(ev.n, 1);
	CU_ASSERT_STRING_EQUAL(ev.e[0].detail, "upload 10");
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list_by(st, NULL, "n1", 0, 100,
					    test_collect_event, &ev), 0);
	CU_ASSERT_EQUAL(ev.n, 15);
	CU_ASSERT_STRING_EQUAL(ev.e[0].subject, "n1");
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list_by(st, "state", KERNEL, 0, 100,
					    test_collect_event, &ev), 0);
	CU_ASSERT_EQUAL_FATAL(ev.n, 1);
	CU_ASSERT_STRING_EQUAL(ev.e[0].detail, "not an upload");
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list_by(st, "rearm", NULL, 0, 100,
					    test_collect_event, &ev), 0);
	CU_ASSERT_EQUAL(ev.n, 0);
	CU_ASSERT_EQUAL(store_event_list_by(st, NULL, NULL, 0, 100,
					    test_collect_event, &ev), -EINVAL);
	store_close(st);
}

/* Refusals by kind: their own statement, and a subject within them. */
static void test_event_by_refusal(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct test_events ev;

	CU_ASSERT_EQUAL(store_event_add(st, "upload", KERNEL, "u"), 0);
	CU_ASSERT_EQUAL(store_refusal_add(st, "192.0.2.1", "GET /x: 401"), 0);
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list_by(st, "refusal", NULL, 0, 100,
					    test_collect_event, &ev), 0);
	CU_ASSERT_EQUAL_FATAL(ev.n, 1);
	CU_ASSERT_STRING_EQUAL(ev.e[0].kind, "refusal");
	memset(&ev, 0, sizeof(ev));
	CU_ASSERT_EQUAL(store_event_list_by(st, "refusal", KERNEL, 0, 100,
					    test_collect_event, &ev), 0);
	CU_ASSERT_EQUAL(ev.n, 0);
	store_close(st);
}

static const CU_TestInfo tests[] = {
	{ "events by kind, by subject, by both, paged", test_event_by },
	{ "refusals by kind, and a subject among them",
	  test_event_by_refusal },
	CU_TEST_INFO_NULL,
};

/* Register the suite "store_event_by". */
static int suite_store_event_by_register(void)
{
	return unit_add_suite("store_event_by", NULL, NULL, tests);
}

UNIT_SUITE(suite_store_event_by_register)
