/* clock.c: the monotonic clock, in the units the programs count in. */
#include "clock.h"

long long clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_after_ms(long long ms, struct timespec *at)
{
	clock_gettime(CLOCK_MONOTONIC, at);
	at->tv_sec += (time_t)(ms / 1000);
	at->tv_nsec += (long)(ms % 1000) * 1000000L;
	at->tv_sec += at->tv_nsec / 1000000000L;
	at->tv_nsec %= 1000000000L;
}
