/* https.c: a minimal HTTPS/1.1 client that trusts only the podboot root. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/asn1.h>
#include <mbedtls/error.h>

#include "clock.h"
#include "error.h"
#include "https.h"
#include "httpmsg.h"
#include "log.h"

int https_client_init(struct https_client *c, const char *ca_file,
		      unsigned timeout_s)
{
	int ret, rc;

	mbedtls_ssl_config_init(&c->conf);
	mbedtls_x509_crt_init(&c->ca);
	c->ready = 1;
	c->timeout_ms = timeout_s * 1000;
	rc = rng_init(&c->rng, "podboot-agent https");
	if (rc != 0)
		return rc;
	ret = mbedtls_x509_crt_parse_file(&c->ca, ca_file);
	if (ret != 0) {
		log_mbedtls(ca_file, ret);
		log_error("%s: no CA certificate could be read", ca_file);
		return -PB_ECERT_PARSE;
	}
	ret = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT,
					  MBEDTLS_SSL_TRANSPORT_STREAM,
					  MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret != 0) {
		log_mbedtls("TLS configuration", ret);
		return -EIO;
	}
	mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
	mbedtls_ssl_conf_rng(&c->conf, rng_random, &c->rng);
	mbedtls_ssl_conf_min_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
	return 0;
}

void https_client_free(struct https_client *c)
{
	if (!c->ready)
		return;
	mbedtls_ssl_config_free(&c->conf);
	mbedtls_x509_crt_free(&c->ca);
	rng_free(&c->rng);
	c->ready = 0;
}

void https_conn_init(struct https_conn *hc)
{
	memset(hc, 0, sizeof(*hc));
	mbedtls_net_init(&hc->net);
	mbedtls_ssl_init(&hc->ssl);
}

void https_resp_init(struct https_resp *r)
{
	r->status = 0;
	pbuf_init(&r->body, HTTPS_BODY_MAX + 1);
}

void https_resp_free(struct https_resp *r)
{
	pbuf_free(&r->body);
	r->status = 0;
}

/* ---- socket I/O with a deadline --------------------------------------- */

/* Wait for @events until the deadline; an mbedTLS code on timeout. */
static int https_wait(struct https_conn *hc, short events)
{
	struct pollfd p = { .fd = hc->net.fd, .events = events };
	long long left;
	int n;

	for (;;) {
		left = hc->deadline - clock_now_ms();
		if (left <= 0)
			return MBEDTLS_ERR_SSL_TIMEOUT;
		n = poll(&p, 1, (int)(left > INT_MAX ? INT_MAX : left));
		if (n > 0)
			return 0;
		/* A signal (SIGTERM) must not abort the push under way. */
		if (n < 0 && errno != EINTR)
			return MBEDTLS_ERR_NET_POLL_FAILED;
	}
}

/* mbedTLS's send callback: one send() on the connection's socket,
 * retried on EINTR, waiting out EAGAIN until the exchange's deadline;
 * bytes sent, or an MBEDTLS_ERR_NET_* code. */
static int https_bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct https_conn *hc = ctx;
	ssize_t n;
	int rc;

	for (;;) {
		n = send(hc->net.fd, buf, len > INT_MAX ? INT_MAX : len,
			 MSG_NOSIGNAL);
		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return errno == EPIPE || errno == ECONNRESET ?
				       MBEDTLS_ERR_NET_CONN_RESET :
				       MBEDTLS_ERR_NET_SEND_FAILED;
		if ((rc = https_wait(hc, POLLOUT)) != 0)
			return rc;
	}
}

/* mbedTLS's receive callback: one recv() on the connection's socket,
 * retried on EINTR, waiting out EAGAIN until the exchange's deadline;
 * bytes read (0 at EOF), or an MBEDTLS_ERR_NET_* code. */
static int https_bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct https_conn *hc = ctx;
	ssize_t n;
	int rc;

	for (;;) {
		n = recv(hc->net.fd, buf, len > INT_MAX ? INT_MAX : len, 0);
		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return errno == ECONNRESET ?
				       MBEDTLS_ERR_NET_CONN_RESET :
				       MBEDTLS_ERR_NET_RECV_FAILED;
		if ((rc = https_wait(hc, POLLIN)) != 0)
			return rc;
	}
}

/* ---- connecting ------------------------------------------------------- */

/* Non-blocking connect to one address, bounded by the deadline. */
static int https_connect_addr(struct https_conn *hc, const struct addrinfo *ai)
{
	socklen_t elen = sizeof(int);
	int fd, err = 0, rc;

	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	hc->net.fd = fd;
	/* TLS writes each handshake message on its own: without this, Nagle
	 * holds the next one back until the peer acknowledges the last, a
	 * delayed ACK (40 ms) or a WAN round trip per flight. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
			 sizeof(int));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS) {
		rc = -errno;
		goto err;
	}
	rc = https_wait(hc, POLLOUT) ? -ETIMEDOUT : 0;
	if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
		err = errno;
	if (rc == 0 && err == 0)
		return 0;
	rc = rc ? rc : -err;
err:
	close(fd);
	hc->net.fd = -1;
	return rc;
}

/* Resolve @u and connect to the first address that answers. */
static int https_connect_tcp(struct https_conn *hc, const struct url *u,
			     char *why)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL, *ai;
	int gai, rc = -EHOSTUNREACH;

	if (u->family)
		hints.ai_flags |= AI_NUMERICHOST;
	gai = getaddrinfo(u->host, u->port, &hints, &res);
	if (gai != 0) {
		snprintf(why, HTTPS_WHY_MAX, "resolving %.100s: %s", u->host,
			 gai_strerror(gai));
		return -EHOSTUNREACH;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		rc = https_connect_addr(hc, ai);
		if (rc == 0 || clock_now_ms() >= hc->deadline)
			break;
	}
	freeaddrinfo(res);
	if (rc != 0)
		snprintf(why, HTTPS_WHY_MAX, "connect: %s", pb_strerror(rc));
	return rc;
}

/*
 * mbedTLS 2.28 matches a host name against DNS names only, so for an
 * address literal the certificate's IP subjectAltName is checked here.
 */
static int https_check_ip(struct https_conn *hc, const struct url *u)
{
	const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&hc->ssl);
	const mbedtls_x509_sequence *s;
	size_t alen = u->family == AF_INET ? 4 : 16;

	if (!crt)
		return -EACCES;
	for (s = &crt->subject_alt_names; s && s->buf.p; s = s->next)
		if (s->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC |
				   MBEDTLS_X509_SAN_IP_ADDRESS) &&
		    s->buf.len == alen && memcmp(s->buf.p, u->addr, alen) == 0)
			return 0;
	return -EACCES;
}

/* Say why a handshake failed, naming certificate problems exactly. */
static void https_handshake_why(struct https_conn *hc, int ret, char *why)
{
	char text[HTTPS_WHY_MAX - 80];
	uint32_t flags;
	size_t n;

	/* Usage checks fail the handshake with another code, but leave
	 * their reason in the verification flags too. */
	flags = mbedtls_ssl_get_verify_result(&hc->ssl);
	if (flags != 0 && flags != (uint32_t)-1) {
		mbedtls_x509_crt_verify_info(text, sizeof(text), "", flags);
		n = strlen(text);
		while (n && text[n - 1] == '\n')
			text[--n] = '\0';
		for (n = 0; text[n]; n++)
			if (text[n] == '\n')
				text[n] = ';';
		snprintf(why, HTTPS_WHY_MAX, "certificate refused: %s%s", text,
			 flags & (MBEDTLS_X509_BADCERT_EXPIRED |
				  MBEDTLS_X509_BADCERT_FUTURE) ?
				 " (is this machine's clock right?)" : "");
	} else if (ret == MBEDTLS_ERR_SSL_TIMEOUT) {
		snprintf(why, HTTPS_WHY_MAX, "TLS handshake timed out");
	} else {
		mbedtls_strerror(ret, text, sizeof(text));
		snprintf(why, HTTPS_WHY_MAX, "TLS handshake: %s", text);
	}
}

/* TCP, TLS handshake, then the name or address check. */
static int https_open(struct https_conn *hc, struct https_client *c,
		      const struct url *u, char *why)
{
	int ret, rc;

	hc->deadline = clock_now_ms() + c->timeout_ms;
	rc = https_connect_tcp(hc, u, why);
	if (rc != 0)
		return rc;
	hc->url = u;
	ret = mbedtls_ssl_setup(&hc->ssl, &c->conf);
	/* No SNI and no name match for literals: see https_check_ip. */
	if (ret == 0 && !u->family)
		ret = mbedtls_ssl_set_hostname(&hc->ssl, u->host);
	if (ret != 0) {
		log_mbedtls("TLS setup", ret);
		snprintf(why, HTTPS_WHY_MAX, "TLS setup failed");
		return -ENOMEM;
	}
	mbedtls_ssl_set_bio(&hc->ssl, hc, https_bio_send, https_bio_recv,
			    NULL);
	do
		ret = mbedtls_ssl_handshake(&hc->ssl);
	while (ret == MBEDTLS_ERR_SSL_WANT_READ ||
	       ret == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (ret != 0) {
		https_handshake_why(hc, ret, why);
		return ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED ? -EACCES :
								     -EPROTO;
	}
	if (u->family && https_check_ip(hc, u) != 0) {
		snprintf(why, HTTPS_WHY_MAX, "certificate refused: no IP "
			 "subjectAltName %.64s", u->host);
		return -EACCES;
	}
	return 0;
}

void https_conn_close(struct https_conn *hc)
{
	if (hc->url && hc->requests) {
		hc->deadline = clock_now_ms() + 200;
		mbedtls_ssl_close_notify(&hc->ssl);
	}
	mbedtls_ssl_free(&hc->ssl);
	mbedtls_net_free(&hc->net);
	https_conn_init(hc);
}

/* ---- one exchange ----------------------------------------------------- */

/* Write all @len bytes of @buf over TLS; 0 or an mbedTLS error. */
static int https_write(struct https_conn *hc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	int ret;

	while (len) {
		ret = mbedtls_ssl_write(&hc->ssl, p, len);
		if (ret == MBEDTLS_ERR_SSL_WANT_READ ||
		    ret == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (ret < 0)
			return ret;
		p += ret;
		len -= (size_t)ret;
	}
	return 0;
}

/* Read up to @size bytes; 0 at end of stream, <0 an mbedTLS error. */
static int https_read(struct https_conn *hc, unsigned char *buf, size_t size)
{
	int ret;

	do
		ret = mbedtls_ssl_read(&hc->ssl, buf, size);
	while (ret == MBEDTLS_ERR_SSL_WANT_READ ||
	       ret == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
		return 0;
	return ret;
}

/* The response body: Content-Length bytes, or up to the end. */
static int https_read_body(struct https_conn *hc, const struct httpmsg *m,
			   const unsigned char *extra, size_t n_extra,
			   struct https_resp *resp, int *keep)
{
	unsigned char chunk[4096];
	size_t want = HTTPS_BODY_MAX;
	int ret, rc;

	if (m->status == 204 || m->status == 304)
		return 0;
	rc = httpmsg_content_length(m, HTTPS_BODY_MAX, &want);
	if (rc == -ENOENT || httpmsg_get(m, "Transfer-Encoding")) {
		/* Not worth decoding: keep the status, drop the link. */
		*keep = 0;
		return 0;
	}
	if (rc == -PB_ETOOBIG) {
		*keep = 0;		/* more than we keep: status only */
		return 0;
	}
	if (rc != 0)
		return rc;
	if (n_extra > want)
		return -EBADMSG;
	pbuf_append(&resp->body, extra, n_extra);
	while (resp->body.len < want) {
		ret = https_read(hc, chunk, want - resp->body.len <
						    sizeof(chunk) ?
					    want - resp->body.len :
					    sizeof(chunk));
		if (ret <= 0)
			return ret == 0 ? -ECONNRESET : -EIO;
		pbuf_append(&resp->body, chunk, (size_t)ret);
	}
	return 0;
}

/* Read the status line and headers, then the body.  *@got is set once
 * any byte of the answer arrived.  With @exact, not a byte past the
 * answer is read: another one follows it on the connection. */
static int https_read_resp(struct https_conn *hc, struct https_resp *resp,
			   int exact, int *got, int *keep)
{
	static struct httpmsg m;	/* 8 KiB: not on the stack */
	unsigned char head[HTTPMSG_HEAD_MAX];
	size_t have = 0;
	long end = 0;
	int ret, rc;

	while (end == 0) {
		/* a byte at a time comes from the record already decrypted */
		ret = https_read(hc, head + have, exact ? 1 :
						 sizeof(head) - have);
		if (ret <= 0)
			return ret == 0 ? -ECONNRESET :
			       ret == MBEDTLS_ERR_SSL_TIMEOUT ? -ETIMEDOUT :
								-EIO;
		*got = 1;
		have += (size_t)ret;
		end = httpmsg_head_end((char *)head, have);
	}
	if (end < 0 || httpmsg_parse_response(&m, (char *)head, (size_t)end))
		return -EBADMSG;
	resp->status = m.status;
	*keep = !httpmsg_closes(&m);
	rc = https_read_body(hc, &m, head + end, have - (size_t)end, resp,
			     keep);
	if (rc == 0)
		rc = pbuf_append(&resp->body, "", 1);
	if (rc == 0)
		resp->body.len--;
	return rc;
}

/* One attempt over an open connection. */
static int https_exchange(struct https_conn *hc, struct https_client *c,
			  const char *head, size_t head_len, const void *body,
			  size_t len, struct https_resp *resp, int *got)
{
	int keep = 0, ret, rc;

	hc->deadline = clock_now_ms() + c->timeout_ms;
	resp->body.len = 0;
	ret = https_write(hc, head, head_len);
	if (ret == 0)
		ret = https_write(hc, body, len);
	if (ret != 0)
		return ret == MBEDTLS_ERR_SSL_TIMEOUT ? -ETIMEDOUT : -EPIPE;
	rc = https_read_resp(hc, resp, 0, got, &keep);
	if (rc == 0) {
		hc->requests++;
		if (!keep)
			https_conn_close(hc);
	}
	return rc;
}

/* 1 if an idle connection was closed by the peer (EOF or close_notify). */
static int https_stale(struct https_conn *hc)
{
	struct pollfd p = { .fd = hc->net.fd, .events = POLLIN };

	return poll(&p, 1, 0) != 0;
}

int https_request(struct https_conn *hc, struct https_client *c,
		  const struct url *u, const char *head, size_t head_len,
		  const void *body, size_t len, struct https_resp *resp,
		  char *why)
{
	int reused, got = 0, rc;

	*why = '\0';
	if (hc->url && (hc->url != u || https_stale(hc)))
		https_conn_close(hc);
	reused = hc->url != NULL;
	if (!reused && (rc = https_open(hc, c, u, why)) != 0)
		goto err;
	rc = https_exchange(hc, c, head, head_len, body, len, resp, &got);
	if (rc != 0 && reused && !got) {
		https_conn_close(hc);
		if ((rc = https_open(hc, c, u, why)) != 0)
			goto err;
		rc = https_exchange(hc, c, head, head_len, body, len, resp,
				    &got);
	}
	if (rc != 0 && !*why)
		snprintf(why, HTTPS_WHY_MAX, "%s", rc == -EBADMSG ?
			 "malformed HTTP answer" : pb_strerror(rc));
err:
	if (rc != 0)
		https_conn_close(hc);
	return rc;
}

/* ---- streamed answers ------------------------------------------------- */

/* Feed the body after the head (@extra first) to @sink: @want bytes. */
static int https_stream_body(struct https_conn *hc, struct https_client *c,
			     const struct httpmsg *m, const unsigned char *extra,
			     size_t n_extra, size_t want, https_sink_fn sink,
			     void *ctx)
{
	static unsigned char chunk[64 << 10];
	size_t got = n_extra < want ? n_extra : want;
	int ret, rc;

	if (got && (rc = sink(ctx, m, extra, got)) != 0)
		return rc;
	while (got < want) {
		hc->deadline = clock_now_ms() + c->timeout_ms;
		ret = https_read(hc, chunk, want - got < sizeof(chunk) ?
					    want - got : sizeof(chunk));
		if (ret <= 0)
			return ret == 0 || ret == MBEDTLS_ERR_NET_CONN_RESET ?
				       -ECONNRESET :
			       ret == MBEDTLS_ERR_SSL_TIMEOUT ? -ETIMEDOUT :
								-ECONNRESET;
		if ((rc = sink(ctx, m, chunk, (size_t)ret)) != 0)
			return rc;
		got += (size_t)ret;
	}
	return 0;
}

/* Read the head of the answer into @m, then stream its body. */
static int https_stream_resp(struct https_conn *hc, struct https_client *c,
			     https_sink_fn sink, void *ctx)
{
	static struct httpmsg m;	/* 8 KiB: not on the stack */
	unsigned char head[HTTPMSG_HEAD_MAX];
	size_t have = 0, want = 0;
	long end = 0;
	int ret, rc;

	while (end == 0) {
		hc->deadline = clock_now_ms() + c->timeout_ms;
		ret = https_read(hc, head + have, sizeof(head) - have);
		if (ret <= 0)
			return ret == MBEDTLS_ERR_SSL_TIMEOUT ? -ETIMEDOUT :
								-ECONNRESET;
		have += (size_t)ret;
		end = httpmsg_head_end((char *)head, have);
	}
	if (end < 0 || httpmsg_parse_response(&m, (char *)head, (size_t)end))
		return -EBADMSG;
	if ((rc = sink(ctx, &m, NULL, 0)) != 0)
		return rc;
	rc = httpmsg_content_length(&m, SIZE_MAX, &want);
	if (rc != 0)
		return rc == -ENOENT ? -EBADMSG : rc;
	return https_stream_body(hc, c, &m, head + end, have - (size_t)end,
				 want, sink, ctx);
}

/* Open @hc to @u unless it is open to it and alive, then write @len
 * bytes of @buf; 0, or -errno (with @why when the opening failed). */
static int https_open_send(struct https_conn *hc, struct https_client *c,
			   const struct url *u, const char *buf, size_t len,
			   char *why)
{
	int rc = 0;

	if (hc->url && (hc->url != u || https_stale(hc)))
		https_conn_close(hc);
	if (!hc->url)
		rc = https_open(hc, c, u, why);
	if (rc == 0) {
		hc->deadline = clock_now_ms() + c->timeout_ms;
		rc = https_write(hc, buf, len) == 0 ? 0 : -EPIPE;
	}
	return rc;
}

int https_stream_on(struct https_conn *hc, struct https_client *c,
		    const struct url *u, const char *head, size_t head_len,
		    https_sink_fn sink, void *ctx, char *why)
{
	int rc;

	*why = '\0';
	rc = https_open_send(hc, c, u, head, head_len, why);
	if (rc == 0)
		rc = https_stream_resp(hc, c, sink, ctx);
	if (rc != 0 && !*why)
		snprintf(why, HTTPS_WHY_MAX, "%s", pb_strerror(rc));
	if (rc != 0)
		https_conn_close(hc);
	return rc;
}

int https_request_then_stream(struct https_conn *hc, struct https_client *c,
			      const struct url *u, const char *heads,
			      size_t first_len, size_t len,
			      struct https_resp *resp, https_sink_fn sink,
			      void *ctx, int *streamed, char *why)
{
	int got = 0, keep = 0, rc;

	*why = '\0';
	*streamed = 0;
	if (first_len == 0 || first_len >= len)
		return -EINVAL;
	resp->body.len = 0;
	/* both at once: the second waits for no round trip */
	rc = https_open_send(hc, c, u, heads, len, why);
	if (rc == 0)
		rc = https_read_resp(hc, resp, 1, &got, &keep);
	if (rc == 0 && resp->status == 200 && keep) {
		hc->requests++;
		*streamed = 1;
		rc = https_stream_resp(hc, c, sink, ctx);
		if (rc != 0 && !*why)
			snprintf(why, HTTPS_WHY_MAX, "%s", pb_strerror(rc));
	} else if (rc != 0 && !*why) {
		snprintf(why, HTTPS_WHY_MAX, "%s", rc == -EBADMSG ?
			 "malformed HTTP answer" : pb_strerror(rc));
	}
	/* the second answer was read whole, or is not wanted */
	https_conn_close(hc);
	return rc;
}

int https_stream(struct https_client *c, const struct url *u,
		 const char *head, size_t head_len, https_sink_fn sink,
		 void *ctx, char *why)
{
	struct https_conn hc;
	int rc;

	https_conn_init(&hc);
	rc = https_stream_on(&hc, c, u, head, head_len, sink, ctx, why);
	https_conn_close(&hc);
	return rc;
}
