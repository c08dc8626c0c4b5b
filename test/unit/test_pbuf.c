/* test_pbuf.c: the bounded buffer (lib/pbuf.c): it grows to its maximum
 * and no further, an overflow sticks, and what it holds stays a prefix. */
#include <errno.h>
#include <string.h>

#include "unit.h"
#include "error.h"
#include "pbuf.h"

static void test_grows_to_max(void)
{
	char big[1000];
	struct pbuf b;

	memset(big, 'x', sizeof(big));
	pbuf_init(&b, 1000);
	CU_ASSERT_EQUAL(pbuf_append(&b, big, 999), 0);
	CU_ASSERT_EQUAL(pbuf_printf(&b, "%c", 'y'), 0);
	CU_ASSERT_EQUAL(b.len, 1000);
	CU_ASSERT_EQUAL(b.data[999], 'y');
	CU_ASSERT_EQUAL(b.data[1000], '\0');
	CU_ASSERT(b.cap <= 1001);
	CU_ASSERT_EQUAL(b.overflow, 0);
	pbuf_free(&b);
	pbuf_free(&b);		/* safe twice */
	CU_ASSERT_PTR_NULL(b.data);
}

static void test_overflow_sticks(void)
{
	struct pbuf b;

	pbuf_init(&b, 8);
	CU_ASSERT_EQUAL(pbuf_printf(&b, "%s", "abcd"), 0);
	CU_ASSERT_EQUAL(pbuf_printf(&b, "%s", "efghi"), -PB_ETOOBIG);
	CU_ASSERT_EQUAL(b.overflow, 1);
	CU_ASSERT_STRING_EQUAL(b.data, "abcd");
	/* Later writes are refused too, even ones that would fit. */
	CU_ASSERT_EQUAL(pbuf_append(&b, "e", 1), -PB_ETOOBIG);
	CU_ASSERT_STRING_EQUAL(b.data, "abcd");
	/* A caller may clear it to write a closing note. */
	b.overflow = 0;
	CU_ASSERT_EQUAL(pbuf_append(&b, "!", 1), 0);
	CU_ASSERT_STRING_EQUAL(b.data, "abcd!");
	pbuf_truncate(&b, 2);
	CU_ASSERT_EQUAL(b.len, 2);
	CU_ASSERT_STRING_EQUAL(b.data, "ab");
	pbuf_free(&b);
}

/* pbuf_printf (through pbuf_vprintf) and binary bytes. */
static void test_vprintf_and_bytes(void)
{
	struct pbuf b;

	pbuf_init(&b, 64);
	CU_ASSERT_EQUAL(pbuf_printf(&b, "%d-%s", 42, "x"), 0);
	CU_ASSERT_EQUAL(pbuf_append(&b, "\0z", 2), 0);
	CU_ASSERT_EQUAL(b.len, 6);
	CU_ASSERT(memcmp(b.data, "42-x\0z", 7) == 0);
	CU_ASSERT_EQUAL(pbuf_append(&b, NULL, 0), 0);
	CU_ASSERT_EQUAL(pbuf_printf(&b, "%0*d", 60, 1), -PB_ETOOBIG);
	CU_ASSERT_EQUAL(b.len, 6);
	pbuf_free(&b);
	/* A maximum of 0 takes nothing, and then nothing more. */
	pbuf_init(&b, 0);
	CU_ASSERT_EQUAL(pbuf_append(&b, "a", 1), -PB_ETOOBIG);
	CU_ASSERT_EQUAL(pbuf_append(&b, "", 0), -PB_ETOOBIG);
	pbuf_free(&b);
}

static const CU_TestInfo test_pbuf_tests[] = {
	{ "grows to its maximum, no further", test_grows_to_max },
	{ "an overflow sticks; the contents stay a prefix",
	  test_overflow_sticks },
	{ "vprintf and binary bytes", test_vprintf_and_bytes },
	CU_TEST_INFO_NULL,
};

static int suite_pbuf_register(void)
{
	return unit_add_suite("pbuf", NULL, NULL, test_pbuf_tests);
}

UNIT_SUITE(suite_pbuf_register)
