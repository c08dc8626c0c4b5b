/* relayconn.c: one node's HTTPS connection to a relay: read, check, answer. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "clock.h"
#include "error.h"
#include "log.h"
#include "num.h"
#include "relayconn.h"

void relayconn_init(struct relayconn *c)
{
	memset(c, 0, sizeof(*c));
	mbedtls_net_init(&c->net);
	mbedtls_ssl_init(&c->ssl);
	pbuf_init(&c->out, RELAYCONN_REPLY_MAX);
	c->file_fd = -1;
}

/* Forget the request: body, token and answer. */
static void relayconn_reset(struct relayconn *c, struct relayconn_shared *sh)
{
	if (c->body) {
		mbedtls_platform_zeroize(c->body, c->body_want);
		free(c->body);
		sh->inflight -= c->body_want;
	}
	c->body = NULL;
	c->body_len = c->body_want = 0;
	mbedtls_platform_zeroize(c->token, sizeof(c->token));
	memset(&c->push, 0, sizeof(c->push));
	c->batch = 0;
	c->out.len = 0;
	c->out.overflow = 0;
	c->out_off = 0;
	if (c->file_fd >= 0)
		close(c->file_fd);
	c->file_fd = -1;
	c->head_only = 0;
	c->file_off = c->file_len = 0;
}

void relayconn_free(struct relayconn *c, struct relayconn_shared *sh)
{
	if (c->state == RCS_FREE)
		return;
	relayconn_reset(c, sh);
	mbedtls_ssl_free(&c->ssl);
	mbedtls_net_free(&c->net);
	mbedtls_platform_zeroize(c->in, sizeof(c->in));
	pbuf_free(&c->out);
	relayconn_init(c);
}

int relayconn_start(struct relayconn *c, struct relayconn_shared *sh,
		    mbedtls_net_context *client, const char *peer)
{
	int ret;

	c->net = *client;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->state = RCS_HANDSHAKE;
	c->deadline = clock_now_ms() + RELAYCONN_REQ_MS;
	ret = mbedtls_ssl_setup(&c->ssl, sh->conf);
	if (ret != 0) {
		log_mbedtls("TLS setup", ret);
		relayconn_free(c, sh);
		return -ENOMEM;
	}
	mbedtls_ssl_set_bio(&c->ssl, &c->net, mbedtls_net_send,
			    mbedtls_net_recv, NULL);
	relayconn_step(c, sh);
	return 0;
}

/* ---- answers ---------------------------------------------------------- */

/* The reason phrase of the status codes the relay answers with. */
static const char *relayconn_reason(int status)
{
	static const struct {
		int status;
		const char *text;
	} t[] = {
		{ 200, "OK" }, { 400, "Bad Request" },
		{ 401, "Unauthorized" }, { 403, "Forbidden" },
		{ 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 411, "Length Required" },
		{ 413, "Content Too Large" },
		{ 415, "Unsupported Media Type" },
		{ 431, "Request Header Fields Too Large" },
		{ 501, "Not Implemented" }, { 502, "Bad Gateway" },
		{ 503, "Service Unavailable" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].status == status)
			return t[i].text;
	return "Status";
}

/* The status line, headers and @len bytes of JSON into c->out. */
static void relayconn_answer(struct relayconn *c, int status,
			     const char *json, size_t len)
{
	c->out.len = 0;
	c->out.overflow = 0;
	c->out_off = 0;
	pbuf_printf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: application/json"
		    "\r\nContent-Length: %zu\r\n%s\r\n", status,
		    relayconn_reason(status), len,
		    c->close_after ? "Connection: close\r\n" : "");
	pbuf_append(&c->out, json, len);
}

int relayconn_refuse(struct relayconn *c, struct relayconn_shared *sh,
			    int status, const char *why, int close)
{
	char json[256];

	log_info("%s: relay request -> %d: %s", c->peer, status, why);
	relayconn_reset(c, sh);
	c->close_after |= close;
	snprintf(json, sizeof(json), "{\"error\": \"%s\"}\n", why);
	relayconn_answer(c, status, json, strlen(json));
	c->state = RCS_REPLY;
	return RC_PROGRESS;
}

void relayconn_sealed(struct relayconn *c, struct relayconn_shared *sh,
		      int ok)
{
	if (c->state != RCS_WAIT)
		return;
	c->state = RCS_REPLY;
	c->deadline = clock_now_ms() + RELAYCONN_REQ_MS;
	if (!ok)
		relayconn_refuse(c, sh, 503, "the relay could not spool the "
				 "push: retry elsewhere", 1);
	relayconn_step(c, sh);
}

/* ---- the request head ------------------------------------------------- */

/* "Authorization: Bearer TOKEN" into c->token. */
static int relayconn_bearer(struct relayconn *c, const struct httpmsg *m)
{
	const char *a = httpmsg_get(m, "Authorization");
	size_t len;

	if (!a || strncasecmp(a, "Bearer ", 7) != 0)
		return -EACCES;
	a += 7;
	len = strlen(a);
	if (!frame_token_valid(a, len))
		return -EACCES;
	memcpy(c->token, a, len + 1);
	c->push.token = c->token;
	c->push.token_len = len;
	return 0;
}

/* The push headers, checked as the server checks them (but the relay
 * needs a seq: frames carry one). */
static const char *relayconn_push_headers(struct relayconn *c,
					  const struct httpmsg *m)
{
	const char *seq = httpmsg_get(m, "X-Podboot-Seq");
	const char *iv = httpmsg_get(m, "X-Podboot-Interval");
	const char *rp = httpmsg_get(m, "X-Podboot-Replay");
	const char *ce = httpmsg_get(m, "Content-Encoding");
	const char *ep = httpmsg_get(m, "X-Podboot-Epoch");
	uint64_t v;

	if (!seq || num_parse_u64(seq, strlen(seq), FRAME_SEQ_MAX, &v) ||
	    v == 0)
		return "X-Podboot-Seq must be a number from 1";
	c->push.seq = v;
	c->push.epoch = 0;
	if (ep && (num_parse_u64(ep, strlen(ep), FRAME_SEQ_MAX,
				 &c->push.epoch) || c->push.epoch == 0))
		return "X-Podboot-Epoch must be a number from 1 to 2^53 - 1";
	c->push.interval = 15;
	if (iv && num_parse_uint(iv, 1, FRAME_INTERVAL_MAX,
				 &c->push.interval) != 0)
		return "X-Podboot-Interval must be 1 to 3600";
	c->push.replay = rp != NULL;
	if (ce && strcasecmp(ce, "gzip") == 0)
		c->push.gzip = 1;
	else if (ce && strcasecmp(ce, "identity") != 0)
		return "Content-Encoding must be gzip or identity";
	return NULL;
}

/* Make room for a body of @len bytes, then read it (after "100
 * Continue" if the client waits for one). */
static int relayconn_expect_body(struct relayconn *c,
				 struct relayconn_shared *sh,
				 const struct httpmsg *m, size_t len)
{
	const char *expect = httpmsg_get(m, "Expect");

	if (sh->inflight + len > RELAYCONN_INFLIGHT_MAX)
		return relayconn_refuse(c, sh, 503, "relay busy: retry", 1);
	c->body = malloc(len);
	if (!c->body)
		return relayconn_refuse(c, sh, 503, "relay out of memory", 1);
	c->body_want = len;
	sh->inflight += len;
	if (expect && strcasecmp(expect, "100-continue") == 0) {
		pbuf_printf(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
		c->state = RCS_CONTINUE;
	} else {
		c->state = RCS_BODY;
	}
	return RC_PROGRESS;
}

/* Framing and authorization of a push or batch. */
static int relayconn_check(struct relayconn *c, struct relayconn_shared *sh,
			   const struct httpmsg *m)
{
	const char *why;
	size_t len;
	int rc;

	if (httpmsg_get(m, "Transfer-Encoding") &&
	    !httpmsg_get(m, "Content-Length"))
		return relayconn_refuse(c, sh, 501, "send Content-Length, not "
					"a transfer coding", 1);
	rc = httpmsg_content_length(m, c->batch ? BATCH_BYTES_MAX :
						  RELAYCONN_PUSH_MAX, &len);
	if (rc == -ENOENT)
		return relayconn_refuse(c, sh, 411, "Content-Length needed", 1);
	if (rc == -PB_ETOOBIG)
		return relayconn_refuse(c, sh, 413, "body over the relay's "
					"limit", 1);
	if (rc != 0 || len == 0)
		return relayconn_refuse(c, sh, 400, "bad Content-Length", 1);
	if (relayconn_bearer(c, m) != 0)
		return relayconn_refuse(c, sh, 401, "a bearer token is needed",
					1);
	/* Like the server, Content-Type is not checked: curl sends a form's. */
	why = c->batch ? NULL : relayconn_push_headers(c, m);
	if (why)
		return relayconn_refuse(c, sh, strstr(why, "Content-") ? 415 :
					400, why, 1);
	return relayconn_expect_body(c, sh, m, len);
}

/* Method and path; GET /healthz is answered at once. */
static int relayconn_route(struct relayconn *c, struct relayconn_shared *sh,
			   const struct httpmsg *m)
{
	static const char ok[] = "{\"status\": \"ok\", \"relay\": true}\n";

	if (strcmp(m->method, "GET") == 0 &&
	    strcmp(m->target, "/healthz") == 0) {
		relayconn_answer(c, 200, ok, sizeof(ok) - 1);
		c->state = RCS_REPLY;
		return RC_PROGRESS;
	}
	if (sh->cache && (strncmp(m->target, "/artifacts/", 11) == 0 ||
			  strncmp(m->target, "/node/", 6) == 0))
		return sh->cache_route(c, sh, m);
	c->batch = strcmp(m->target, "/api/v1/push/batch") == 0;
	if (!c->batch && strcmp(m->target, "/api/v1/push") != 0)
		return relayconn_refuse(c, sh, 404, "not a relay path", 1);
	if (strcmp(m->method, "POST") != 0)
		return relayconn_refuse(c, sh, 405, "only POST", 1);
	return relayconn_check(c, sh, m);
}

/*
 * Read until a whole request head is in, then parse and check it: a
 * refusal is queued for what the relay does not take; an accepted push
 * goes on to its body.  RC_PROGRESS, RC_STOP, or an mbedTLS error
 * (WANT_READ when the client has sent no more yet).
 */
static int relayconn_head(struct relayconn *c, struct relayconn_shared *sh)
{
	static struct httpmsg m;	/* 8 KiB: not on the stack */
	long end;
	int ret;

	end = httpmsg_head_end((char *)c->in, c->in_len);
	if (end < 0)
		return relayconn_refuse(c, sh, 431, "request head too large",
					1);
	if (end == 0) {
		ret = mbedtls_ssl_read(&c->ssl, c->in + c->in_len,
				       sizeof(c->in) - c->in_len);
		if (ret <= 0)
			return ret ? ret : MBEDTLS_ERR_SSL_CONN_EOF;
		if (c->in_len == 0)	/* a request started: it must end */
			c->deadline = clock_now_ms() + RELAYCONN_REQ_MS;
		c->in_len += (size_t)ret;
		return RC_PROGRESS;
	}
	ret = httpmsg_parse_request(&m, (char *)c->in, (size_t)end);
	memmove(c->in, c->in + end, c->in_len - (size_t)end);
	c->in_len -= (size_t)end;
	if (ret != 0)
		return relayconn_refuse(c, sh, 400, "malformed request head",
					1);
	c->close_after = httpmsg_closes(&m);
	return relayconn_route(c, sh, &m);
}

/* ---- the body, and queueing it ---------------------------------------- */

/* A batch from a downstream relay: every frame, then one answer each. */
static int relayconn_batch(struct relayconn *c, struct relayconn_shared *sh,
			   struct pbuf *json, uint64_t *id)
{
	struct frame *f;
	size_t n = 0, off = 0, i;
	int rc = 0;

	f = calloc(BATCH_FRAMES_MAX, sizeof(*f));
	if (!f)
		return relayconn_refuse(c, sh, 503, "relay out of memory", 1);
	while (n < BATCH_FRAMES_MAX &&
	       (rc = frame_next(c->body, c->body_len, &off, RELAYCONN_PUSH_MAX,
				&f[n])) == 0)
		n++;
	if (rc <= 0) {
		free(f);
		return relayconn_refuse(c, sh, rc == 0 ? 413 : 400, rc == 0 ?
					"too many frames" : "malformed frame",
					0);
	}
	pbuf_printf(json, "{\"frames\": [");
	for (i = 0; i < n; i++) {
		pbuf_printf(json, "%s{\"status\": 200, \"relayed\": true, "
			    "\"seq\": %" PRIu64 "}", i ? ", " : "", f[i].seq);
		log_debug("%s: batch frame %zu: push seq=%" PRIu64
			  " interval=%u replay=%d %zu bytes", c->peer, i + 1,
			  f[i].seq,
			  f[i].interval, f[i].replay, f[i].len);
	}
	pbuf_printf(json, "]}\n");
	rc = batch_queue(sh->batch, f, n, id);
	free(f);
	return rc;
}

/* The whole body is in: queue it, and wait for its batch's seal. */
static int relayconn_queue(struct relayconn *c, struct relayconn_shared *sh)
{
	struct pbuf json;
	uint64_t id = 0;
	int rc;

	pbuf_init(&json, RELAYCONN_REPLY_MAX - 256);
	if (c->batch) {
		rc = relayconn_batch(c, sh, &json, &id);
		if (c->state == RCS_REPLY)
			goto out;	/* refused */
	} else if (c->push.gzip && (c->body_len < 2 || c->body[0] != 0x1f ||
				    c->body[1] != 0x8b)) {
		rc = relayconn_refuse(c, sh, 400, "the body is not gzip", 0);
		goto out;
	} else {
		c->push.body = c->body;
		c->push.len = c->body_len;
		rc = batch_queue(sh->batch, &c->push, 1, &id);
		pbuf_printf(&json, "{\"relayed\": true, \"seq\": %" PRIu64
			    "}\n", c->push.seq);
		log_debug("%s: push seq=%" PRIu64 " interval=%u replay=%d "
			  "%zu bytes", c->peer, c->push.seq, c->push.interval,
			  c->push.replay, c->body_len);
	}
	if (rc != 0 || json.overflow) {
		rc = relayconn_refuse(c, sh, rc == -PB_ETOOBIG ? 413 : 503,
				      "the relay could not queue it", 0);
		goto out;
	}
	/* The answer waits, written, until the batch is on disk. */
	relayconn_reset(c, sh);
	relayconn_answer(c, 200, json.data, json.len);
	c->wait_id = id;
	c->state = RCS_WAIT;
	c->events = 0;
	c->deadline = clock_now_ms() + RELAYCONN_REQ_MS;
	rc = RC_STOP;
out:
	pbuf_free(&json);
	return rc;
}

/* Read the push's body (first what came with the head) until
 * Content-Length bytes are in, then queue it into the open batch.
 * RC_PROGRESS, what relayconn_queue() returns, or an mbedTLS error. */
static int relayconn_body(struct relayconn *c, struct relayconn_shared *sh)
{
	size_t n = c->in_len < c->body_want - c->body_len ?
			   c->in_len : c->body_want - c->body_len;
	int ret;

	if (n) {	/* bytes that came with the head */
		memcpy(c->body + c->body_len, c->in, n);
		memmove(c->in, c->in + n, c->in_len - n);
		c->in_len -= n;
		c->body_len += n;
	}
	if (c->body_len == c->body_want)
		return relayconn_queue(c, sh);
	ret = mbedtls_ssl_read(&c->ssl, c->body + c->body_len,
			       c->body_want - c->body_len);
	if (ret <= 0)
		return ret ? ret : MBEDTLS_ERR_SSL_CONN_EOF;
	c->body_len += (size_t)ret;
	return RC_PROGRESS;
}

/* ---- writing ---------------------------------------------------------- */

int relayconn_flush(struct relayconn *c)
{
	int ret;

	while (c->out_off < c->out.len) {
		ret = mbedtls_ssl_write(
			&c->ssl, (unsigned char *)c->out.data + c->out_off,
			c->out.len - c->out_off);
		if (ret < 0)
			return ret;
		c->out_off += (size_t)ret;
	}
	c->out.len = 0;
	c->out_off = 0;
	return 0;
}

/*
 * Send the queued answer.  Then, after "100 Continue", read the body;
 * after a final answer, close or wait for the next request on the same
 * connection.  RC_PROGRESS, RC_STOP (closed), or an mbedTLS error.
 */
static int relayconn_write(struct relayconn *c, struct relayconn_shared *sh)
{
	int ret = relayconn_flush(c);

	if (ret != 0)
		return ret;
	if (c->state == RCS_CONTINUE) {
		c->state = RCS_BODY;
		return RC_PROGRESS;
	}
	if (c->close_after) {
		mbedtls_ssl_close_notify(&c->ssl);
		relayconn_free(c, sh);
		return RC_STOP;
	}
	relayconn_reset(c, sh);
	c->state = RCS_HEAD;
	c->deadline = clock_now_ms() + (c->in_len ? RELAYCONN_REQ_MS :
						    RELAYCONN_IDLE_MS);
	return RC_PROGRESS;
}

/* Go on with the TLS handshake; once done, wait for a request head.
 * RC_PROGRESS, or an mbedTLS error (WANT_READ/WANT_WRITE: not yet). */
static int relayconn_handshake(struct relayconn *c)
{
	int ret = mbedtls_ssl_handshake(&c->ssl);

	if (ret != 0)
		return ret;
	c->state = RCS_HEAD;
	c->deadline = clock_now_ms() + RELAYCONN_IDLE_MS;
	return RC_PROGRESS;
}

void relayconn_step(struct relayconn *c, struct relayconn_shared *sh)
{
	int ret;

	for (;;) {
		switch (c->state) {
		case RCS_HANDSHAKE:
			ret = relayconn_handshake(c);
			break;
		case RCS_HEAD:
			ret = relayconn_head(c, sh);
			break;
		case RCS_BODY:
			ret = relayconn_body(c, sh);
			break;
		case RCS_CACHE_WAIT:
			ret = sh->cache_step(c, sh);
			break;
		case RCS_CONTINUE:
		case RCS_REPLY:
			ret = relayconn_write(c, sh);
			break;
		default:		/* free, or a pool worker's */
			return;
		}
		if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
			c->events = POLLIN;
			return;
		}
		if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
			c->events = POLLOUT;
			return;
		}
		if (ret == RC_STOP)
			return;
		if (ret < 0) {
			if (ret != MBEDTLS_ERR_SSL_CONN_EOF &&
			    ret != MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
				log_mbedtls(c->peer, ret);
			relayconn_free(c, sh);
			return;
		}
	}
}
