/* upstream.h: delivery to the first upstream that answers, in order. */
#ifndef PODBOOT_AGENT_UPSTREAM_H
#define PODBOOT_AGENT_UPSTREAM_H

#include <stdint.h>
#include <time.h>

#include "https.h"
#include "options.h"

/* What became of a request. */
enum upstream_result {
	UPSTREAM_DELIVERED,		/* 2xx: delete it */
	UPSTREAM_REJECTED,		/* 4xx but 404/405/408/429: drop it */
	UPSTREAM_RETRY,			/* no upstream took it: keep it */
};

/* One POST. */
struct upstream_req {
	const char *path;		/* appended to the upstream's path */
	const char *content_type;
	const char *encoding;		/* Content-Encoding, or NULL */
	int node_headers;		/* X-Podboot-Seq, -Interval, -Replay */
	uint64_t seq;			/* also named in log lines */
	unsigned interval;
	int replay;			/* X-Podboot-Replay: 1 */
	uint64_t epoch;			/* X-Podboot-Epoch, unless 0 */
	const void *body;
	size_t len;
};

/*
 * The upstream list: the URLs in order of preference, the one to start
 * with (where the last delivery went), and one keep-alive connection.
 */
struct upstream {
	const struct url *urls;
	unsigned n;
	unsigned cur;
	time_t since;			/* when cur left the first URL */
	unsigned failback;		/* seconds; 0 never */
	const char *token;		/* bearer token; not owned */
	int down;			/* no upstream answered last time */
	int answered;			/* one has answered since the start */
	struct https_client client;
	struct https_conn conn;
};

/**
 * Set up delivery to the upstreams of @o with bearer @token.
 *
 * @v up		upstream_free() it whatever the result
 * @v token		not copied: must outlive @up
 * @ret rc		0 or a negative error (logged)
 */
int upstream_init(struct upstream *up, const struct options *o,
		  const char *token);
/** Close the connection and free the TLS state; safe twice. */
void upstream_free(struct upstream *up);

/**
 * POST @req to the upstreams, starting with the current one: a failed
 * connection, 404, 405, 408 or 5xx moves on to the next; 2xx delivers;
 * 429 keeps the request for later; another 4xx rejects it for good (the
 * status and reason are logged).  After @failback seconds away from the
 * first upstream, the first is tried again.
 *
 * @v resp		receives the answer (status 0 if none)
 * @ret result		what to do with the request
 */
enum upstream_result upstream_post(struct upstream *up,
				   const struct upstream_req *req,
				   struct https_resp *resp);

#endif
