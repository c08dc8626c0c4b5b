/* test_core_transfer.c: the transfer watch's verdict: windows of grace_s
 * seconds, each of which must move min_rate bytes per second. */
#include "unit.h"
#include "transfer.h"

static void test_wait(void)
{
	/* Within the window: no verdict yet, however slow. */
	CU_ASSERT_EQUAL(transfer_verdict_of(1000, 30999, 0, 0, 100, 30),
			TRANSFER_WAIT);
	/* grace_s 0 means windows of one second. */
	CU_ASSERT_EQUAL(transfer_verdict_of(1000, 1999, 0, 0, 100, 0),
			TRANSFER_WAIT);
	CU_ASSERT_EQUAL(transfer_verdict_of(1000, 2000, 0, 0, 100, 0),
			TRANSFER_CUT);
}

static void test_rate(void)
{
	/* 30 s at 100 bytes/s: 3000 bytes pass, 2999 are cut. */
	CU_ASSERT_EQUAL(transfer_verdict_of(0, 30000, 500, 3500, 100, 30),
			TRANSFER_PASS);
	CU_ASSERT_EQUAL(transfer_verdict_of(0, 30000, 500, 3499, 100, 30),
			TRANSFER_CUT);
	/* A longer window (a late tick) asks for proportionally more. */
	CU_ASSERT_EQUAL(transfer_verdict_of(0, 60000, 0, 3000, 100, 30),
			TRANSFER_CUT);
	CU_ASSERT_EQUAL(transfer_verdict_of(0, 60000, 0, 6000, 100, 30),
			TRANSFER_PASS);
	/* Counters that went backwards move nothing. */
	CU_ASSERT_EQUAL(transfer_verdict_of(0, 30000, 9000, 10, 1, 30),
			TRANSFER_CUT);
	/* Rate 0: every window passes. */
	CU_ASSERT_EQUAL(transfer_verdict_of(0, 30000, 0, 0, 0, 30),
			TRANSFER_PASS);
}

static void test_no_banking(void)
{
	/* What moved before the window began does not count: a gigabyte
	 * in the first window buys nothing in the next. */
	CU_ASSERT_EQUAL(transfer_verdict_of(30000, 60000, 1ULL << 30,
					    (1ULL << 30) + 10, 100, 30),
			TRANSFER_CUT);
}

static const CU_TestInfo test_core_transfer_tests[] = {
	{ "no verdict within the window", test_wait },
	{ "the rate over the window decides", test_rate },
	{ "speed is not banked across windows", test_no_banking },
	CU_TEST_INFO_NULL,
};

static int suite_core_transfer_register(void)
{
	return unit_add_suite("core_transfer", NULL, NULL,
			      test_core_transfer_tests);
}

UNIT_SUITE(suite_core_transfer_register)
