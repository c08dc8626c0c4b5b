/* test_utf8.c: strict UTF-8 decoding. */
#include "unit.h"
#include "utf8.h"

static void test_valid(void)
{
	unsigned long cp;

	CU_ASSERT_EQUAL(utf8_char((const unsigned char *)"A", &cp), 1);
	CU_ASSERT_EQUAL(cp, 0x41);
	CU_ASSERT_EQUAL(utf8_char((const unsigned char *)"\xc3\xa9", &cp), 2);
	CU_ASSERT_EQUAL(cp, 0xe9);
	CU_ASSERT_EQUAL(utf8_char((const unsigned char *)"\xe2\x82\xac", &cp), 3);
	CU_ASSERT_EQUAL(cp, 0x20ac);
	CU_ASSERT_EQUAL(utf8_char((const unsigned char *)"\xf4\x8f\xbf\xbf", &cp),
			4);
	CU_ASSERT_EQUAL(cp, 0x10ffff);
	CU_ASSERT_PTR_NULL(utf8_invalid("plain, caf\xc3\xa9, \xe2\x82\xac"));
	CU_ASSERT_PTR_NULL(utf8_invalid(""));
}

static void test_invalid(void)
{
	static const char *const bad[] = {
		"\xff", "\x80", "\xc0\xaf",	/* stray, continuation, overlong */
		"\xe0\x80\xaf", "\xed\xa0\x80",	/* overlong, surrogate */
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80",	/* above U+10FFFF */
		"\xc3", "\xe2\x82",		/* cut short by the NUL */
	};
	unsigned long cp;
	size_t i;
	const char *s = "ok\xc3\xa9 then \xff";

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(utf8_char((const unsigned char *)bad[i], &cp), 0);
		CU_ASSERT_PTR_EQUAL(utf8_invalid(bad[i]), bad[i]);
	}
	CU_ASSERT_PTR_EQUAL(utf8_invalid(s), s + 10);
}

static CU_TestInfo tests[] = {
	{ "valid characters, 1 to 4 bytes", test_valid },
	{ "overlong, surrogates, out of range, cut short", test_invalid },
	CU_TEST_INFO_NULL,
};

static int suite_utf8_register(void)
{
	return unit_add_suite("utf8", NULL, NULL, tests);
}

UNIT_SUITE(suite_utf8_register)
