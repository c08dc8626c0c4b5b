/* ratelimit.h: a token bucket that paces bytes (the cache's WAN fetches,
 * the spool's catch-up after an outage); pure arithmetic on a clock the
 * caller passes in. */
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

#endif
