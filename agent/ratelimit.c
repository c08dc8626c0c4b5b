/* ratelimit.c: a token bucket that paces bytes (the cache's WAN fetches,
 * the spool's catch-up after an outage); pure arithmetic on a clock the
 * caller passes in. */
#include <time.h>

#include "clock.h"
#include "ratelimit.h"

void ratelimit_init(struct ratelimit *rl, unsigned kbps, long long now_ms)
{
	uint64_t burst;

	if (kbps > RATELIMIT_KBPS_MAX)
		kbps = RATELIMIT_KBPS_MAX;
	rl->rate = (uint64_t)kbps * 1000 / 8;
	burst = rl->rate * RATELIMIT_BURST_MS / 1000;
	if (burst < RATELIMIT_BURST_MIN)
		burst = RATELIMIT_BURST_MIN;
	rl->burst = (int64_t)burst * 1000;
	rl->tokens = rl->burst;
	rl->last_ms = now_ms;
	rl->waited_ms = 0;
	rl->bytes = 0;
}

long long ratelimit_take(struct ratelimit *rl, uint64_t n, long long now_ms)
{
	int64_t owed;
	long long ms;

	rl->bytes += n;
	if (!rl->rate)
		return 0;
	/* A clock that went back refills nothing.  A long idle span only
	 * fills the bucket: its bound keeps the product small. */
	if (now_ms > rl->last_ms) {
		long long span = now_ms - rl->last_ms;
		long long full = (rl->burst - rl->tokens) /
				 (int64_t)rl->rate + 1;

		rl->tokens += (int64_t)rl->rate * (span < full ? span : full);
		if (rl->tokens > rl->burst)
			rl->tokens = rl->burst;
		rl->last_ms = now_ms;
	}
	/* n is at most a read or a batch; a larger one is owed in full */
	rl->tokens -= (int64_t)(n > (uint64_t)INT32_MAX ? INT32_MAX : n) * 1000;
	if (rl->tokens >= 0)
		return 0;
	owed = -rl->tokens;
	ms = (long long)((owed + (int64_t)rl->rate - 1) / (int64_t)rl->rate);
	rl->waited_ms += (uint64_t)ms;
	return ms;
}

void ratelimit_pace(struct ratelimit *rl, uint64_t n)
{
	long long ms = ratelimit_take(rl, n, clock_now_ms());
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (ms > 0)
		nanosleep(&ts, NULL);
}
