/* test_clock.c: the monotonic clock helpers (lib/clock.c). */
#include <time.h>

#include "unit.h"
#include "clock.h"

static void test_now_ms(void)
{
	struct timespec ts;
	long long a, b, mono;

	a = clock_now_ms();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	mono = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	b = clock_now_ms();
	CU_ASSERT(a <= mono && mono <= b);
}

static void test_after_ms(void)
{
	static const long long ahead[] = { 0, 1, 999, 1000, 1500, 86400001 };
	struct timespec at, now;
	long long want, got;
	size_t i;

	for (i = 0; i < sizeof(ahead) / sizeof(ahead[0]); i++) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		clock_after_ms(ahead[i], &at);
		CU_ASSERT(at.tv_nsec >= 0 && at.tv_nsec < 1000000000L);
		want = (long long)now.tv_sec * 1000000000LL + now.tv_nsec +
		       ahead[i] * 1000000LL;
		got = (long long)at.tv_sec * 1000000000LL + at.tv_nsec;
		/* Read after now: later by at most a scheduling delay. */
		CU_ASSERT(got >= want && got - want < 1000000000LL);
	}
}

static const CU_TestInfo test_clock_tests[] = {
	{ "milliseconds of CLOCK_MONOTONIC", test_now_ms },
	{ "an instant ahead, normalised", test_after_ms },
	CU_TEST_INFO_NULL,
};

static int suite_clock_register(void)
{
	return unit_add_suite("clock", NULL, NULL, test_clock_tests);
}

UNIT_SUITE(suite_clock_register)
