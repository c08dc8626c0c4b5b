/* relayconn.h: one node's HTTPS connection to a relay: read, check, answer. */
#ifndef PODBOOT_AGENT_RELAYCONN_H
#define PODBOOT_AGENT_RELAYCONN_H

#include <stdint.h>

#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>

#include "frame.h"
#include "httpmsg.h"
#include "promtext.h"
#include "relay.h"

#define RELAYCONN_REQ_MS 10000		/* handshake, or one request */
#define RELAYCONN_IDLE_MS 30000		/* keep-alive between requests */
#define RELAYCONN_REPLY_MAX (128u << 10)

enum relayconn_state {
	RCS_FREE,
	RCS_HANDSHAKE,
	RCS_HEAD,			/* reading a request head */
	RCS_CONTINUE,			/* writing "100 Continue" */
	RCS_BODY,
	RCS_WAIT,			/* queued: until its batch is sealed */
	RCS_REPLY,
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
};

/** A free slot; call once per slot. */
void relayconn_init(struct relayconn *c);

/**
 * Take over an accepted, non-blocking socket and start the handshake.
 *
 * @ret rc		0 or a negative error (the socket is then closed)
 */
int relayconn_start(struct relayconn *c, struct relay *r,
		    mbedtls_net_context *client, const char *peer);

/** Make all the progress that does not block. */
void relayconn_step(struct relayconn *c, struct relay *r);

/** The batch c->wait_id was sealed (@ok) or could not be (503). */
void relayconn_sealed(struct relayconn *c, struct relay *r, int ok);

/** Close and wipe; the slot becomes free.  Safe on a free slot. */
void relayconn_free(struct relayconn *c, struct relay *r);

#endif
