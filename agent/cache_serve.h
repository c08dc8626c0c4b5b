/* cache_serve.h: the relay listener's side of the artifact cache: answer
 * GET and HEAD of pinned artifacts from disk, ask the fetcher for misses
 * and stream a download to its readers while it arrives. */
#ifndef PODBOOT_AGENT_CACHE_SERVE_H
#define PODBOOT_AGENT_CACHE_SERVE_H

#include <sys/types.h>

#include "cache.h"
#include "cache_report.h"
#include "httpmsg.h"

#define CACHE_SERVE_PENDING_MAX 64	/* misses asked of the fetcher */
#define CACHE_SERVE_FAILED_MAX 16	/* recent failures remembered */
#define CACHE_SERVE_WAIT_MS 120000	/* a miss waits this long */
#define CACHE_SERVE_TICK_MS 20		/* re-check readers this often */

struct relayconn;
struct relayconn_shared;

/* The listener's cache state, owned by the relay. */
struct cache_serve {
	struct cache cache;
	int req_fd;			/* lines to the fetcher, or -1 */
	int res_fd;			/* its answers, non-blocking, or -1 */
	char pending[CACHE_SERVE_PENDING_MAX][CACHE_HEX_LEN + 1];
	unsigned n_pending;
	struct {
		char hex[CACHE_HEX_LEN + 1];
		long long at;		/* monotonic ms */
	} failed[CACHE_SERVE_FAILED_MAX];
	unsigned next_failed;
	char res[1024];			/* a partial answer line */
	size_t res_len;
	struct cache_tally tally;	/* whole files served, per machine */
};

/** Empty state, no fetcher; safe to free. */
void cache_serve_init(struct cache_serve *s);

/**
 * Take a request for /artifacts/... on @c.  Only GET and HEAD of
 * "NAME@sha256:HEX" and its ".sig", without credentials, a query or a
 * body, are answered; anything else is refused (never proxied).
 *
 * @ret rc		what relayconn_step() expects from a step
 */
int cache_serve_route(struct relayconn *c, struct relayconn_shared *sh,
		      const struct httpmsg *m);

/** One step of a cache answer (states RCS_CACHE_WAIT and RCS_FILE). */
int cache_serve_step(struct relayconn *c, struct relayconn_shared *sh);

/**
 * Read the fetcher's answers: forget the pending digests they name, and
 * remember failures so that their waiting readers get a 502.
 *
 * @ret n		how many entries were committed (the caller then
 *			evicts), or 0
 */
int cache_serve_results(struct cache_serve *s);

#endif
