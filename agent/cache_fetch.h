/* cache_fetch.h: the cache's fetcher process: one upstream download per
 * digest, resumed with Range, verified before it is committed. */
#ifndef PODBOOT_AGENT_CACHE_FETCH_H
#define PODBOOT_AGENT_CACHE_FETCH_H

#include <signal.h>

#include "cache.h"
#include "options.h"
#include "ratelimit.h"

#define CACHE_FETCH_TRIES 6		/* attempts of one download */
#define CACHE_FETCH_BACKOFF_MS 250	/* first wait; doubles, up to 4 s */

/**
 * Run the fetcher until *@stop or @req_fd closes: read "HEX NAME\n"
 * lines, fetch each entry not yet cached (its .sig, then the file into
 * HEX.part, its size first in HEX.len, resuming with Range after a drop),
 * check the file's SHA-256 against HEX and its .sig (CMS, under --ca)
 * over the whole file, then commit it (rename into place, record it);
 * a file failing either is deleted and logged.  Each line is answered
 * on @res_fd: "ok HEX\n" or "fail HEX\n".  Every byte read from upstream
 * is taken from @link, the pod link's bucket (--wan-rate-kbps) that the
 * relay's forwarder shares.
 *
 * @ret rc		0, or a negative error (logged)
 */
int cache_fetch_run(const struct options *o, const struct cache *c,
		    struct ratelimit_shared *link, int req_fd, int res_fd,
		    volatile sig_atomic_t *stop);

#endif
