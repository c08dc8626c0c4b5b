/* relayconn.h: one node's HTTPS connection to a relay: read, check, answer. */
#ifndef PODBOOT_AGENT_RELAYCONN_H
#define PODBOOT_AGENT_RELAYCONN_H

#include <stdint.h>

#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>

#include "batch.h"
#include "cache.h"
#include "frame.h"
#include "httpmsg.h"
#include "pbuf.h"

#define RELAYCONN_PUSH_MAX (1u << 20)	/* one node push */
#define RELAYCONN_INFLIGHT_MAX (32u << 20)	/* request bodies held */
#define RELAYCONN_REQ_MS 10000		/* handshake, or one request */
#define RELAYCONN_IDLE_MS 30000		/* keep-alive between requests */
#define RELAYCONN_REPLY_MAX (128u << 10)

/* What a step did, besides the mbedTLS WANT_* codes and errors. */
#define RC_PROGRESS 0			/* go round again */
#define RC_STOP 1			/* waiting, or the slot was freed */

enum relayconn_state {
	RCS_FREE,
	RCS_HANDSHAKE,
	RCS_HEAD,			/* reading a request head */
	RCS_CONTINUE,			/* writing "100 Continue" */
	RCS_BODY,
	RCS_WAIT,			/* queued: until its batch is sealed */
	RCS_REPLY,
	RCS_CACHE_WAIT,			/* an artifact: until it can be read */
	RCS_FILE,			/* an artifact: a pool worker streams
					 * file_fd; the listener keeps off */
};

struct relayconn;
struct cache_serve;

/*
 * What a relay's connections share, owned by the relay: they queue into
 * its open batch and count the request bodies they hold against one
 * limit.
 */
struct relayconn_shared {
	const mbedtls_ssl_config *conf;	/* the relay's TLS server side */
	struct batch *batch;		/* the open batch */
	size_t inflight;		/* request body bytes held, all slots */
	struct cache_serve *cache;	/* the artifact cache, or NULL */
	/* the cache's answers (cache_serve.c), set with cache */
	int (*cache_route)(struct relayconn *c, struct relayconn_shared *sh,
			   const struct httpmsg *m);
	int (*cache_step)(struct relayconn *c, struct relayconn_shared *sh);
};

struct relayconn {
	enum relayconn_state state;
	mbedtls_net_context net;
	mbedtls_ssl_context ssl;
	char peer[48];
	short events;			/* POLLIN or POLLOUT, or 0 */
	long long deadline;		/* monotonic ms */
	unsigned char in[HTTPMSG_HEAD_MAX];	/* unparsed bytes */
	size_t in_len;
	/* the request being served */
	int batch;			/* POST /api/v1/push/batch */
	struct frame push;		/* a push's fields; token -> token */
	char token[FRAME_TOKEN_MAX + 1];	/* wiped after use */
	unsigned char *body;
	size_t body_len, body_want;
	int close_after;
	uint64_t wait_id;		/* the batch holding its frames */
	struct pbuf out;
	size_t out_off;
	/* an artifact answered from the cache */
	struct cache_ref ref;
	int head_only;			/* HEAD */
	int file_fd;			/* the entry or its .part; -1 none */
	uint64_t file_off, file_len;	/* sent, and the whole size */
	long long wait_from;		/* monotonic ms the miss was asked */
};

/** A free slot; call once per slot. */
void relayconn_init(struct relayconn *c);

/**
 * Take over an accepted, non-blocking socket and start the handshake.
 *
 * @ret rc		0 or a negative error (the socket is then closed)
 */
int relayconn_start(struct relayconn *c, struct relayconn_shared *sh,
		    mbedtls_net_context *client, const char *peer);

/** Make all the progress that does not block. */
void relayconn_step(struct relayconn *c, struct relayconn_shared *sh);

/**
 * The batch c->wait_id was sealed (@ok: answer 200) or could not be
 * (answer 503).  Nothing happens unless @c waits for a batch.
 */
void relayconn_sealed(struct relayconn *c, struct relayconn_shared *sh,
		      int ok);

/**
 * Refuse the request with @status and a JSON error saying @why; close
 * the connection after if @close.
 *
 * @ret rc		what relayconn_step() expects from a step
 */
int relayconn_refuse(struct relayconn *c, struct relayconn_shared *sh,
		     int status, const char *why, int close);

/**
 * Write what c->out holds, as far as the socket takes it.
 *
 * @ret rc		0 when all of it went (c->out is then empty), or an
 *			mbedTLS code (WANT_WRITE: the rest waits)
 */
int relayconn_flush(struct relayconn *c);

/** Close and wipe; the slot becomes free.  Safe on a free slot. */
void relayconn_free(struct relayconn *c, struct relayconn_shared *sh);

#endif
