/* clock.h: the monotonic clock, in the units the programs count in. */
#ifndef PODBOOT_CLOCK_H
#define PODBOOT_CLOCK_H

#include <time.h>

/**
 * Milliseconds of CLOCK_MONOTONIC: for deadlines and rates, never for
 * dates (it does not jump when the wall clock is set).
 *
 * @ret ms		milliseconds since an arbitrary start
 */
long long clock_now_ms(void);

/**
 * The CLOCK_MONOTONIC instant @ms milliseconds from now, for the
 * *_timedwait and clock_nanosleep calls that take an absolute time.
 *
 * @v ms		milliseconds ahead (0 or more)
 * @v at		receives the instant
 */
void clock_after_ms(long long ms, struct timespec *at);

#endif
