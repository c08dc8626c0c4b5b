/* test_agent_ratelimit.c: the token bucket that paces the relay's pod
 * link and the spool's catch-up: its arithmetic on an injected clock, and
 * the bucket that forked processes share. */
#include <pthread.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "../../agent/ratelimit.h"

/* No cap: never a wait, but the bytes are counted. */
static void test_unlimited(void)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 0, 0);
	CU_ASSERT_EQUAL(ratelimit_take(&rl, 1u << 30, 0), 0);
	CU_ASSERT_EQUAL(ratelimit_take(&rl, 1u << 30, 0), 0);
	CU_ASSERT_EQUAL(rl.bytes, 2ull << 30);
	CU_ASSERT_EQUAL(rl.waited_ms, 0);
}

/* 8000 kbit/s is 1 000 000 bytes/s: the bucket holds 100 ms of it; past
 * that, each byte is owed at the rate. */
static void test_burst_then_rate(void)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 8000, 1000);
	CU_ASSERT_EQUAL(rl.rate, 1000000);
	CU_ASSERT_EQUAL(ratelimit_take(&rl, 100000, 1000), 0);	/* the burst */
	CU_ASSERT_EQUAL(ratelimit_take(&rl, 50000, 1000), 50);	/* 50 ms owed */
	/* the caller waited 50 ms: square again, then 10 ms per 10 kB */
	CU_ASSERT_EQUAL(ratelimit_take(&rl, 10000, 1050), 10);
	CU_ASSERT_EQUAL(rl.waited_ms, 60);
	/* a caller that does not wait owes more */
	CU_ASSERT_EQUAL(ratelimit_take(&rl, 10000, 1050), 20);
}

/* A small rate still lets one 16 KiB read through at once. */
static void test_burst_floor(void)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 8, 0);		/* 1000 bytes/s */
	CU_ASSERT_EQUAL(rl.rate, 1000);
	CU_ASSERT_EQUAL(ratelimit_take(&rl, RATELIMIT_BURST_MIN, 0), 0);
	CU_ASSERT_EQUAL(ratelimit_take(&rl, 1000, 0), 1000);
}

/* Idle time refills the bucket to its size and no further; a clock that
 * goes back refills nothing. */
static void test_refill_bounded(void)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 8000, 0);
	CU_ASSERT_EQUAL(ratelimit_take(&rl, 100000, 0), 0);
	/* an hour idle: still only 100 ms worth */
	CU_ASSERT_EQUAL(ratelimit_take(&rl, 100000, 3600000), 0);
	CU_ASSERT_EQUAL(ratelimit_take(&rl, 1000, 3600000), 1);
	CU_ASSERT_EQUAL(ratelimit_take(&rl, 1000, 10), 2);	/* went back */
}

/* Over any run of takes whose waits are honoured, bytes / elapsed time
 * stays at most the rate, past the first burst: the cap's promise. */
static void test_average(void)
{
	struct ratelimit rl;
	long long now = 0;
	uint64_t sent = 0;
	int i;

	ratelimit_init(&rl, 800, 0);		/* 100 000 bytes/s */
	for (i = 0; i < 1000; i++) {
		now += ratelimit_take(&rl, 4096 + (uint64_t)i % 7, now);
		sent += 4096 + (uint64_t)i % 7;
	}
	/* sent - burst bytes needed at least that many ms at the rate */
	CU_ASSERT(now * 100 >= (long long)(sent - RATELIMIT_BURST_MIN));
	/* and not much more: the cap does not starve the link */
	CU_ASSERT(now * 100 <= (long long)sent + 100 * 1000);
}

/* A huge rate does not overflow the arithmetic. */
static void test_huge(void)
{
	struct ratelimit rl;

	ratelimit_init(&rl, UINT32_MAX, 0);
	CU_ASSERT_EQUAL(rl.rate, (uint64_t)RATELIMIT_KBPS_MAX * 125);
	CU_ASSERT_EQUAL(ratelimit_take(&rl, 1u << 20, 1LL << 40), 0);
	CU_ASSERT_EQUAL(ratelimit_take(&rl, UINT64_MAX, 1LL << 40) >= 0, 1);
}

/* Two processes share one bucket: what a forked child takes, the parent
 * owes; and a child killed while holding the lock leaves it usable. */
static void test_shared(void)
{
	struct ratelimit_shared *s;
	uint64_t rate, burst;
	pid_t pid;
	int status;

	CU_ASSERT_EQUAL_FATAL(ratelimit_shared_new(&s, 8000, 1000), 0);
	ratelimit_shared_get(s, &rate, &burst);
	CU_ASSERT_EQUAL(rate, 1000000);		/* bytes/s */
	CU_ASSERT_EQUAL(burst, 100000);		/* 100 ms of it */
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0)	/* the whole burst, and 50 ms owed */
		_exit(ratelimit_shared_take(s, 150000, 1000) == 50 ? 0 : 1);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* the parent's 1000 bytes wait behind the child's debt */
	CU_ASSERT_EQUAL(ratelimit_shared_take(s, 1000, 1000), 51);
	/* a child dies holding the lock: the next take still answers */
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		/* the lock is the struct's first member */
		pthread_mutex_lock((pthread_mutex_t *)(void *)s);
		_exit(0);
	}
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_EQUAL(ratelimit_shared_take(s, 0, 1051), 0);
	ratelimit_shared_free(s);
}

static const CU_TestInfo test_agent_ratelimit_tests[] = {
	{ "no cap: no wait", test_unlimited },
	{ "the burst, then the rate", test_burst_then_rate },
	{ "a burst of at least 16 KiB", test_burst_floor },
	{ "idle time refills up to the burst only", test_refill_bounded },
	{ "the average stays under the rate", test_average },
	{ "a huge rate does not overflow", test_huge },
	{ "forked processes share one bucket", test_shared },
	CU_TEST_INFO_NULL,
};

static int suite_agent_ratelimit_register(void)
{
	return unit_add_suite("agent_ratelimit", NULL, NULL,
			      test_agent_ratelimit_tests);
}

UNIT_SUITE(suite_agent_ratelimit_register)
