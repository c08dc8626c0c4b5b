/* ratelimit.h: a token bucket that paces bytes (the relay's pod link, the
 * spool's catch-up after an outage); pure arithmetic on a clock the caller
 * passes in, and a bucket that forked processes share. */
#ifndef PODBOOT_AGENT_RATELIMIT_H
#define PODBOOT_AGENT_RATELIMIT_H

#include <stdint.h>

#define RATELIMIT_BURST_MIN (16u << 10)	/* bytes, whatever the rate */
#define RATELIMIT_BURST_MS 100		/* else this long at the rate */
#define RATELIMIT_KBPS_MAX 100000000u	/* 100 Tbit/s: no limit in fact */

/* The bucket.  Tokens are kept in thousandths of a byte, so that a rate
 * times milliseconds is exact. */
struct ratelimit {
	uint64_t rate;			/* bytes per second; 0: unlimited */
	int64_t burst;			/* the bucket's size, milli-bytes */
	int64_t tokens;			/* milli-bytes; negative: owed */
	long long last_ms;		/* when tokens were last counted */
	uint64_t waited_ms;		/* all waits asked for, in total */
	uint64_t bytes;			/* all bytes taken, in total */
};

/**
 * A full bucket for @kbps kilobits (1000 bits) per second at @now_ms; 0
 * means no limit.  The bucket holds RATELIMIT_BURST_MS at the rate, at
 * least RATELIMIT_BURST_MIN bytes.
 */
void ratelimit_init(struct ratelimit *rl, unsigned kbps, long long now_ms);

/**
 * Take @n bytes at @now_ms.  They may always be sent; the answer says how
 * long the caller then waits, so that over any span the bytes taken are
 * at most the rate times the span plus the bucket.
 *
 * @ret ms		milliseconds to wait before the next bytes (0: none)
 */
long long ratelimit_take(struct ratelimit *rl, uint64_t n, long long now_ms);

/** Take @n bytes now (clock_now_ms) and sleep as ratelimit_take() says,
 *  in one nanosleep (a signal cuts it short). */
void ratelimit_pace(struct ratelimit *rl, uint64_t n);

/* A bucket in shared memory: the processes forked after it was made (the
 * relay's cache fetcher and forwarder) take from it under one lock, so
 * that together they keep to its rate. */
struct ratelimit_shared;

/**
 * Map a shared bucket for @kbps (0: no limit) at @now_ms, as
 * ratelimit_init() makes one.
 *
 * @ret rc		0, or a negative errno (mmap, mutex)
 */
int ratelimit_shared_new(struct ratelimit_shared **out, unsigned kbps,
			 long long now_ms);

/** Unmap @s (NULL: nothing); the processes that inherited it keep
 *  their mapping. */
void ratelimit_shared_free(struct ratelimit_shared *s);

/**
 * ratelimit_take() on the shared bucket, under its lock (a holder that
 * died leaves it usable).
 *
 * @ret ms		milliseconds to wait before the next bytes (0: none)
 */
long long ratelimit_shared_take(struct ratelimit_shared *s, uint64_t n,
				long long now_ms);

/**
 * Take @n bytes from @s now (clock_now_ms) and sleep as it says, like
 * ratelimit_pace().
 *
 * @ret ms		the milliseconds it said to wait
 */
long long ratelimit_shared_pace(struct ratelimit_shared *s, uint64_t n);

/** The shared bucket's rate in bytes a second (0: no limit) and its
 *  size in bytes, into *@rate and *@burst. */
void ratelimit_shared_get(struct ratelimit_shared *s, uint64_t *rate,
			  uint64_t *burst);

/** Sleep @ms milliseconds in one nanosleep (a signal cuts it short);
 *  nothing for 0 or less. */
void ratelimit_sleep(long long ms);

#endif
