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
#define CACHE_SERVE_CHUNK (64u << 10)	/* file bytes per write */

/* What cache_serve_send() did, besides mbedTLS WANT_* codes and errors. */
#define CACHE_SEND_MORE 0		/* a piece was queued: go on */
#define CACHE_SEND_DONE 1		/* the whole answer went out */
#define CACHE_SEND_WAIT 2		/* the download has no more yet */

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
	/* who streams an opened answer (the relay's pool), set with req_fd */
	void (*give)(void *ctx, struct relayconn *c);
	void *give_ctx;
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

/**
 * One step of a cache answer in the listener (state RCS_CACHE_WAIT):
 * once the entry or its download can be read, the connection goes, in
 * state RCS_FILE, to s->give, which streams it with cache_serve_send()
 * and hands it back to cache_serve_back().
 */
int cache_serve_step(struct relayconn *c, struct relayconn_shared *sh);

/**
 * Send the next piece of an opened answer (state RCS_FILE): what c->out
 * holds first, then up to @size bytes of the file through @buf.  Of a
 * download, what has arrived but its last byte, which waits for the
 * commit, so that no reader gets a whole file that failed verification.
 * Touches only @c and the files of its entry: a pool worker calls it.
 *
 * @ret rc		CACHE_SEND_MORE, CACHE_SEND_DONE, CACHE_SEND_WAIT,
 *			an mbedTLS code (WANT_WRITE: the socket is full),
 *			-ESTALE (the download was dropped or started over,
 *			logged) or another negative errno
 */
int cache_serve_send(struct relayconn *c, const struct cache_serve *s,
		     unsigned char *buf, size_t size);

/**
 * Take back @c from the pool: @rc 0 (its whole answer went out: count
 * it, then close or read the next request) or why it was cut (free it).
 */
void cache_serve_back(struct relayconn *c, struct relayconn_shared *sh,
		      int rc);

/**
 * Read the fetcher's answers: forget the pending digests they name, and
 * remember failures so that their waiting readers get a 502.
 *
 * @ret n		how many entries were committed (the caller then
 *			evicts), or 0
 */
int cache_serve_results(struct cache_serve *s);

#endif
