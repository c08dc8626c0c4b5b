/* test_num.c: the strict, bounded decimal parsers shared by the server
 * and the agent (lib/num.c). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "unit.h"
#include "num.h"

/* num_parse_u64 over the whole NUL-terminated @s. */
static int test_u64(const char *s, uint64_t max, uint64_t *v)
{
	return num_parse_u64(s, strlen(s), max, v);
}

static void test_u64_accepts(void)
{
	uint64_t v = 1;

	CU_ASSERT_EQUAL(test_u64("0", 10, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(test_u64("10", 10, &v), 0);
	CU_ASSERT_EQUAL(v, 10);
	CU_ASSERT_EQUAL(test_u64("0000000000000000000000000007", 7, &v), 0);
	CU_ASSERT_EQUAL(v, 7);
	CU_ASSERT_EQUAL(test_u64("18446744073709551615", UINT64_MAX, &v), 0);
	CU_ASSERT_EQUAL(v, UINT64_MAX);
	/* Exactly @len bytes: what follows is not read. */
	CU_ASSERT_EQUAL(num_parse_u64("123abc", 3, 1000, &v), 0);
	CU_ASSERT_EQUAL(v, 123);
}

static void test_u64_refuses(void)
{
	static const char *const bad[] = {
		"", " 1", "1 ", "+1", "-1", "-0", "0x10", "1e3", "1.0", "1,0",
		"١", "1\n", "\t1", "one",
	};
	uint64_t v = 77;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(test_u64(bad[i], UINT64_MAX, &v), -EINVAL);
	CU_ASSERT_EQUAL(num_parse_u64("1\0" "2", 3, 100, &v), -EINVAL);
	CU_ASSERT_EQUAL(test_u64("11", 10, &v), -ERANGE);
	CU_ASSERT_EQUAL(test_u64("1", 0, &v), -ERANGE);
	CU_ASSERT_EQUAL(test_u64("18446744073709551616", UINT64_MAX, &v),
			-ERANGE);
	CU_ASSERT_EQUAL(test_u64("99999999999999999999999", UINT64_MAX, &v),
			-ERANGE);
	CU_ASSERT_EQUAL(test_u64("9007199254740992", 9007199254740991ULL, &v),
			-ERANGE);
	CU_ASSERT_EQUAL(v, 77);		/* untouched on refusal */
}

static void test_uint_range(void)
{
	unsigned v = 5;

	CU_ASSERT_EQUAL(num_parse_uint("1", 1, 65535, &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(num_parse_uint("65535", 1, 65535, &v), 0);
	CU_ASSERT_EQUAL(v, 65535);
	CU_ASSERT_EQUAL(num_parse_uint("0", 1, 65535, &v), -ERANGE);
	CU_ASSERT_EQUAL(num_parse_uint("65536", 1, 65535, &v), -ERANGE);
	CU_ASSERT_EQUAL(num_parse_uint("4294967296", 0, UINT32_MAX, &v),
			-ERANGE);
	CU_ASSERT_EQUAL(num_parse_uint("", 0, 10, &v), -EINVAL);
	CU_ASSERT_EQUAL(num_parse_uint("1a", 0, 10, &v), -EINVAL);
	CU_ASSERT_EQUAL(v, 65535);
}

/* num_parse_i64 over the whole NUL-terminated @s. */
static int test_i64(const char *s, int64_t min, int64_t max, int64_t *v)
{
	return num_parse_i64(s, strlen(s), min, max, v);
}

static void test_i64_range(void)
{
	int64_t v = 3;

	CU_ASSERT_EQUAL(test_i64("-9223372036854775808", INT64_MIN, INT64_MAX,
				 &v), 0);
	CU_ASSERT_EQUAL(v, INT64_MIN);
	CU_ASSERT_EQUAL(test_i64("9223372036854775807", INT64_MIN, INT64_MAX,
				 &v), 0);
	CU_ASSERT_EQUAL(v, INT64_MAX);
	CU_ASSERT_EQUAL(test_i64("-5", -5, 5, &v), 0);
	CU_ASSERT_EQUAL(v, -5);
	CU_ASSERT_EQUAL(test_i64("-0", 0, 5, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(test_i64("-9223372036854775809", INT64_MIN, INT64_MAX,
				 &v), -ERANGE);
	CU_ASSERT_EQUAL(test_i64("9223372036854775808", INT64_MIN, INT64_MAX,
				 &v), -ERANGE);
	CU_ASSERT_EQUAL(test_i64("-6", -5, 5, &v), -ERANGE);
	CU_ASSERT_EQUAL(test_i64("6", -5, 5, &v), -ERANGE);
	CU_ASSERT_EQUAL(test_i64("-1", 0, 5, &v), -ERANGE);
	CU_ASSERT_EQUAL(test_i64("0", -9, -1, &v), -ERANGE);
	CU_ASSERT_EQUAL(test_i64("", -5, 5, &v), -EINVAL);
	CU_ASSERT_EQUAL(test_i64("-", -5, 5, &v), -EINVAL);
	CU_ASSERT_EQUAL(test_i64("+1", -5, 5, &v), -EINVAL);
	CU_ASSERT_EQUAL(test_i64("--1", -5, 5, &v), -EINVAL);
	CU_ASSERT_EQUAL(test_i64(" 1", -5, 5, &v), -EINVAL);
	CU_ASSERT_EQUAL(v, 0);
}

static const CU_TestInfo test_num_tests[] = {
	{ "digits up to the bound are taken", test_u64_accepts },
	{ "signs, blanks, other bases and overflow are refused",
	  test_u64_refuses },
	{ "num_parse_uint keeps to [min, max]", test_uint_range },
	{ "num_parse_i64: a sign, the whole int64 range, no more",
	  test_i64_range },
	CU_TEST_INFO_NULL,
};

static int suite_num_register(void)
{
	return unit_add_suite("num", NULL, NULL, test_num_tests);
}

UNIT_SUITE(suite_num_register)
