/* https.h: a minimal HTTPS/1.1 client that trusts only the podboot root. */
#ifndef PODBOOT_AGENT_HTTPS_H
#define PODBOOT_AGENT_HTTPS_H

#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "httpmsg.h"
#include "promtext.h"
#include "rng.h"
#include "url.h"

#define HTTPS_BODY_MAX (256u << 10)	/* response body kept */
#define HTTPS_WHY_MAX 256

/* What every connection shares: the trust anchor and TLS settings. */
struct https_client {
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	struct rng rng;
	unsigned timeout_ms;		/* connect, and each exchange */
	int ready;
};

/* One keep-alive connection to one upstream. */
struct https_conn {
	const struct url *url;		/* NULL when closed */
	mbedtls_net_context net;
	mbedtls_ssl_context ssl;
	long long deadline;		/* monotonic ms, for the socket I/O */
	unsigned requests;		/* answered on this connection */
};

/* An upstream's answer. */
struct https_resp {
	int status;
	struct pbuf body;		/* NUL-terminated; HTTPS_BODY_MAX */
};

/**
 * Load the CA certificate(s) of @ca_file as the only trust anchors.
 *
 * @v c			client; https_client_free() it whatever the result
 * @v timeout_s		connect timeout, and the timeout of each exchange
 * @ret rc		0, -PB_ECERT_PARSE or -PB_ERNG (logged)
 */
int https_client_init(struct https_client *c, const char *ca_file,
		      unsigned timeout_s);
/** Free @c; safe on a zeroed or freed client. */
void https_client_free(struct https_client *c);

/** Make @hc a closed connection. */
void https_conn_init(struct https_conn *hc);
/** Close @hc (close_notify, best effort); safe when closed. */
void https_conn_close(struct https_conn *hc);

/** Start an empty response. */
void https_resp_init(struct https_resp *r);
/** Free a response's body. */
void https_resp_free(struct https_resp *r);

/**
 * Send one request over @hc, connecting to @u first unless @hc is already
 * open to it, and read the answer.  A request that fails on a reused
 * connection before any answer arrives is sent once more on a new one:
 * the server may have closed an idle connection.
 *
 * @v head, head_len	request line and headers, up to the blank line
 * @v body, len		request body
 * @v resp		receives status and body
 * @v why		on failure: what went wrong (HTTPS_WHY_MAX bytes)
 * @ret rc		0 when a status arrived; a negative error otherwise
 */
int https_request(struct https_conn *hc, struct https_client *c,
		  const struct url *u, const char *head, size_t head_len,
		  const void *body, size_t len, struct https_resp *resp,
		  char *why);

/*
 * A streamed answer: called once with the head (@buf NULL, @len 0), then
 * with each piece of the body in order; a nonzero return stops the
 * transfer and is returned by https_stream().
 */
typedef int (*https_sink_fn)(void *ctx, const struct httpmsg *m,
			     const unsigned char *buf, size_t len);

/**
 * Send one bodiless request (@head, up to the blank line) to @u over a
 * new connection and stream the answer's body (Content-Length bytes) to
 * @sink, without keeping it in memory; the connection is closed after.
 * The timeout applies to each read: a slow body is fine, a stalled one
 * is not.
 *
 * @v why		on failure: what went wrong (HTTPS_WHY_MAX bytes)
 * @ret rc		0 when the whole body arrived; what @sink returned;
 *			-ECONNRESET when the body was cut short; another
 *			negative error
 */
int https_stream(struct https_client *c, const struct url *u,
		 const char *head, size_t head_len, https_sink_fn sink,
		 void *ctx, char *why);

/**
 * https_stream() over @hc: reused when it is open to @u (a request before
 * it asked to keep it alive), opened otherwise, and left open after a
 * whole answer; closed on any failure.
 */
int https_stream_on(struct https_conn *hc, struct https_client *c,
		    const struct url *u, const char *head, size_t head_len,
		    https_sink_fn sink, void *ctx, char *why);

/**
 * Send two bodiless requests at once over @hc (connecting first unless it
 * is open to @u): @heads holds both, the first @first_len bytes of @len
 * being the first, which must ask to keep the connection.  The first
 * answer is read into @resp; when it is a 200 that keeps the connection,
 * the second answer's body is streamed to @sink as https_stream() does
 * and *@streamed is set.  The connection is closed either way.
 *
 * Return: 0 when the first answer arrived and, if *@streamed, the second
 * was streamed whole; else -errno or the sink's return, with @why.
 */
int https_request_then_stream(struct https_conn *hc, struct https_client *c,
			      const struct url *u, const char *heads,
			      size_t first_len, size_t len,
			      struct https_resp *resp, https_sink_fn sink,
			      void *ctx, int *streamed, char *why);

#endif
