/* ratelimit.c: a token bucket that paces bytes (the relay's pod link, the
 * spool's catch-up after an outage); pure arithmetic on a clock the caller
 * passes in, and a bucket that forked processes share. */
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
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

void ratelimit_sleep(long long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (ms > 0)
		nanosleep(&ts, NULL);
}

void ratelimit_pace(struct ratelimit *rl, uint64_t n)
{
	ratelimit_sleep(ratelimit_take(rl, n, clock_now_ms()));
}

/* The shared bucket: its lock and the bucket it guards. */
struct ratelimit_shared {
	pthread_mutex_t lock;		/* process-shared, robust */
	struct ratelimit rl;
};

int ratelimit_shared_new(struct ratelimit_shared **out, unsigned kbps,
			 long long now_ms)
{
	struct ratelimit_shared *s;
	pthread_mutexattr_t a;
	int rc;

	*out = NULL;
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return -errno;
	rc = pthread_mutexattr_init(&a);
	if (rc == 0) {
		rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
		if (rc == 0)
			rc = pthread_mutexattr_setrobust(&a,
							 PTHREAD_MUTEX_ROBUST);
		if (rc == 0)
			rc = pthread_mutex_init(&s->lock, &a);
		pthread_mutexattr_destroy(&a);
	}
	if (rc != 0) {
		munmap(s, sizeof(*s));
		return -rc;
	}
	ratelimit_init(&s->rl, kbps, now_ms);
	*out = s;
	return 0;
}

void ratelimit_shared_free(struct ratelimit_shared *s)
{
	if (s)
		munmap(s, sizeof(*s));
}

/* Lock @s; a process that died holding it (a child killed mid-take)
 * left only arithmetic half done, which the next take puts right. */
static void ratelimit_shared_lock(struct ratelimit_shared *s)
{
	if (pthread_mutex_lock(&s->lock) == EOWNERDEAD)
		pthread_mutex_consistent(&s->lock);
}

long long ratelimit_shared_take(struct ratelimit_shared *s, uint64_t n,
				long long now_ms)
{
	long long ms;

	ratelimit_shared_lock(s);
	ms = ratelimit_take(&s->rl, n, now_ms);
	pthread_mutex_unlock(&s->lock);
	return ms;
}

long long ratelimit_shared_pace(struct ratelimit_shared *s, uint64_t n)
{
	long long ms = ratelimit_shared_take(s, n, clock_now_ms());

	ratelimit_sleep(ms);
	return ms;
}

void ratelimit_shared_get(struct ratelimit_shared *s, uint64_t *rate,
			  uint64_t *burst)
{
	ratelimit_shared_lock(s);
	*rate = s->rl.rate;
	*burst = (uint64_t)s->rl.burst / 1000;
	pthread_mutex_unlock(&s->lock);
}
