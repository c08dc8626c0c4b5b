/* http.c: the HTTP(S) front: libmicrohttpd daemons, routing and replies. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"
#include "http.h"
#include "http_int.h"
#include "log.h"
#include "pbuf.h"
#include "redact.h"
#include "tlskey.h"
#include "utf8.h"

/* After a refusal, body bytes read and dropped before hanging up. */
#define HTTP_DISCARD_MAX (64ULL * 1024 * 1024)
/* Memory for one connection's headers and buffers: bounds header size. */
#define HTTP_CONN_MEMORY (32 * 1024)
/* Seconds a 503 asks the client to wait before trying again. */
#define HTTP_RETRY_AFTER_S 5
#define HTTP_RETRY_AFTER_STR "5"

struct http_listener {
	struct server *srv;
	const struct http_route *const *routes;	/* tables, NULL-ended */
	int plain;
};

/* ---- replies ---------------------------------------------------------- */

void http_queue(struct http_req *r, unsigned int status,
		struct MHD_Response *resp)
{
	if (!resp) {
		log_error("out of memory building a reply");
		return;
	}
	if (!r->replied) {
		if (http_drain_closes(r->drain))
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION,
						"close");
		MHD_queue_response(r->conn, status, resp);
		r->replied = 1;
		r->status = (int)status;
		if (status >= 400 && status < 500)
			atomic_fetch_add(&r->srv->stats.refusals, 1);
	}
	MHD_destroy_response(resp);
}

struct MHD_Response *http_response_data(const void *data, size_t len,
					const char *content_type)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, (void *)data,
					       MHD_RESPMEM_MUST_COPY);
	if (resp && content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					content_type);
	return resp;
}

void http_reply_data(struct http_req *r, unsigned int status,
		     const char *content_type, const void *data, size_t len)
{
	/* A large reply (a fleet's /metrics) must not trickle out forever
	 * either; it is no transfer for the reserve: the status API stays
	 * reachable. */
	if (len >= TRANSFER_MIN_BODY && strcmp(r->method, "HEAD") != 0)
		http_transfer_begin(r, TRANSFER_DOWNLOAD);
	http_queue(r, status, http_response_data(data, len, content_type));
}

void http_reply_json_at(struct http_req *r, unsigned int status,
			json_t *json, const char *location)
{
	char *text = json ? json_dumps(json, JSON_INDENT(2) |
						     JSON_PRESERVE_ORDER) :
			    NULL;
	struct MHD_Response *resp;
	size_t len;

	json_decref(json);
	if (!text) {
		http_reply_data(r, 503, "application/json",
				"{\"error\": \"out of memory\"}\n", 27);
		return;
	}
	len = strlen(text);
	text[len] = '\n';	/* json_dumps leaves room: replace the NUL */
	resp = http_response_data(text, len + 1, "application/json");
	free(text);
	if (resp && location)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION,
					location);
	http_queue(r, status, resp);
}

void http_reply_json(struct http_req *r, unsigned int status, json_t *json)
{
	http_reply_json_at(r, status, json, NULL);
}

/* http_reply_error() with its arguments in @ap. */
static void http_reply_verror(struct http_req *r, unsigned int status,
			      const char *fmt, va_list ap)
{
	struct MHD_Response *resp;
	char raw[512], reason[512], path[256];
	char *body;
	json_t *json;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* The reason may quote what the client sent: JSON needs UTF-8, and
	 * logs and terminals no control bytes. */
	utf8_clean_str(reason, sizeof(reason), raw);
	utf8_clean_str(path, sizeof(path), r->path);
	/* Nor a secret in the reply (the log and the audit trail redact
	 * what reaches them themselves: a refused /ks/TOKEN is safe). */
	redact_secrets(reason);
	log_info("%s %s %s -> %u: %s", r->client, r->method, path, status,
		 reason);
	json = json_pack("{s:s, s:i}", "error", reason, "status", (int)status);
	body = json ? json_dumps(json, JSON_INDENT(2) | JSON_PRESERVE_ORDER) :
		      NULL;
	json_decref(json);
	resp = http_response_data(body ? body : "{\"error\": \"out of memory\"}",
				  body ? strlen(body) : 27, "application/json");
	free(body);
	/* RFC 6750: say which scheme a 401 wants. */
	if (resp && status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer realm=\"podboot\"");
	/* A 503 is passing: say when to ask again. */
	if (resp && status == 503)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER,
					HTTP_RETRY_AFTER_STR);
	http_queue(r, status, resp);
	/* Coalesced per client, so that a flood is counted, not stored. */
	if (status == 401 || status == 403)
		store_refusal_add(r->srv->store, r->client, "%s %s: %u %s",
				  r->method, path, status, reason);
}

void http_reply_error(struct http_req *r, unsigned int status,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	http_reply_verror(r, status, fmt, ap);
	va_end(ap);
}

int http_refuse(struct http_req *r, unsigned int status, const char *fmt,
		...)
{
	va_list ap;

	va_start(ap, fmt);
	http_reply_verror(r, status, fmt, ap);
	va_end(ap);
	return http_status_rc(status);
}

void http_body_refuse(struct http_req *r, unsigned int status,
		      const char *fmt, ...)
{
	va_list ap;

	if (r->fail_status)
		return;		/* the first reason stands */
	r->fail_status = status;
	va_start(ap, fmt);
	vsnprintf(r->fail_msg, sizeof(r->fail_msg), fmt, ap);
	va_end(ap);
}

/* ---- small bodies, read whole ------------------------------------------ */

int http_small_body_begin(struct http_req *r, size_t max)
{
	struct pbuf *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	pbuf_init(b, max);
	r->ctx = b;
	return 0;
}

int http_small_body(struct http_req *r, const char *data, size_t len)
{
	struct pbuf *b = r->ctx;

	if (!b || pbuf_append(b, data, len) != 0) {
		http_body_refuse(r, 413, "body larger than %zu bytes",
				 b ? b->max : (size_t)0);
		return -EFBIG;
	}
	return 0;
}

void http_small_body_cleanup(struct http_req *r, int completed)
{
	struct pbuf *b = r->ctx;

	(void)completed;
	if (b) {
		pbuf_free(b);
		free(b);
	}
	r->ctx = NULL;
}

/* ---- request helpers -------------------------------------------------- */

const char *http_arg(struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
					   name);
}

const char *http_header(struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

struct http_args_check {
	const char *const *allowed;
	const char *bad;
};

/* MHD iterator: stop at the first query argument not in @cls's list. */
static enum MHD_Result http_args_iter(void *cls, enum MHD_ValueKind kind,
				      const char *key, const char *value)
{
	struct http_args_check *c = cls;
	size_t i;

	(void)kind;
	(void)value;
	for (i = 0; c->allowed[i]; i++)
		if (strcmp(key, c->allowed[i]) == 0)
			return MHD_YES;
	c->bad = key;
	return MHD_NO;
}

int http_args_only(struct http_req *r, const char *const *allowed)
{
	struct http_args_check c = { allowed, NULL };

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND,
				  http_args_iter, &c);
	if (!c.bad)
		return 0;
	return http_refuse(r, 400, "unknown query parameter '%.64s'", c.bad);
}

const char *http_bearer(struct http_req *r)
{
	const char *auth = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);

	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return NULL;
	auth += 7;
	while (*auth == ' ')
		auth++;
	return *auth ? auth : NULL;
}

const struct config_token *http_require_scope(struct http_req *r,
					      const char *scope)
{
	const struct config_token *tok;
	const char *secret = http_bearer(r);

	if (!secret) {
		http_reply_error(r, 401, "missing bearer token "
					 "(Authorization: Bearer TOKEN)");
		return NULL;
	}
	tok = config_token_find(r->gen->cfg, secret);
	if (!tok) {
		http_reply_error(r, 401, "unknown token");
		return NULL;
	}
	if (!config_token_allows(tok, scope)) {
		http_reply_error(r, 403, "token '%s' does not grant '%.160s'",
				 tok->name, scope);
		return NULL;
	}
	return tok;
}

int http_base_url(struct http_req *r, char *out, size_t size)
{
	const struct config *cfg = r->gen->cfg;

	if (!r->plain) {
		snprintf(out, size, "%s", cfg->base_url);
		return 0;
	}
	/* What the server signs never comes from the client: the URL is
	 * the configured one, and a request for another host is refused. */
	if (!http_host_matches(http_header(r, MHD_HTTP_HEADER_HOST),
			       cfg->plain_base_url)) {
		return http_refuse(r, 421, "this listener serves %s only "
					   "(Host header)", cfg->plain_base_url);
	}
	snprintf(out, size, "%s", cfg->plain_base_url);
	return 0;
}

int http_wants_text(struct http_req *r)
{
	const char *f = http_arg(r, "format");

	return f && strcmp(f, "text") == 0;
}

/* ---- libmicrohttpd callbacks ------------------------------------------ */

/* The peer address of @conn as text into @out, "?" if unknown. */
static void http_client(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	snprintf(out, size, "?");
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  out, (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)size);
}

/*
 * Called by libmicrohttpd with the request target as the client sent it,
 * before it is split and decoded: the request record starts here, so that
 * what decoding hides (a %00 that would cut the path short) is seen.
 */
static void *http_uri_seen(void *cls, const char *uri,
			   struct MHD_Connection *conn)
{
	struct http_req *r = calloc(1, sizeof(*r));

	(void)conn;
	if (r && uri && strstr(uri, "%00"))
		r->nul_in_uri = 1;
	if (r) {
		r->drain = cls;
		http_drain_req_begin(r->drain);
	}
	return r;
}

/* Fill in @r (from http_uri_seen, or NULL: allocated here). */
static struct http_req *http_req_new(struct http_listener *l,
				     struct http_req *r,
				     struct MHD_Connection *conn,
				     const char *url, const char *method)
{
	if (!r)
		r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->conn = conn;
	r->srv = l->srv;
	r->routes = l->routes;
	r->gen = server_gen_get(l->srv);
	r->method = method;
	r->path = url;
	r->plain = l->plain;
	http_client(conn, r->client, sizeof(r->client));
	atomic_fetch_add(&l->srv->stats.requests, 1);
	return r;
}

/* ---- framing: one reading of where a request's body ends ------------- */

/* Count the framing headers of a request into @cls (http_framing). */
static enum MHD_Result http_framing_iter(void *cls, enum MHD_ValueKind kind,
					 const char *key, const char *value)
{
	(void)kind;
	http_framing_add(cls, key, value);
	return MHD_YES;
}

/*
 * Why the request's framing is ambiguous or its target unsafe, or NULL
 * when it is sound (http_framing_fault_of() decides).  Checked before
 * libmicrohttpd reads any body.
 */
static const char *http_framing_fault(struct http_req *r)
{
	struct http_framing f = { 0, 0, 0, 0 };

	if (!r->nul_in_uri)
		MHD_get_connection_values(r->conn, MHD_HEADER_KIND,
					  http_framing_iter, &f);
	return http_framing_fault_of(&f, r->nul_in_uri);
}

/*
 * Refuse @r with @status and close the connection after the reply: the
 * rest of what the client sent cannot be read safely (framing), or the
 * server has no room for it (Retry-After: @retry_after seconds, if set).
 */
static void http_reply_close(struct http_req *r, unsigned int status,
			     const char *reason, unsigned int retry_after)
{
	struct MHD_Response *resp;
	char body[256], secs[16];
	int n;

	n = snprintf(body, sizeof(body),
		     "{\n  \"error\": \"%s\",\n  \"status\": %u\n}\n",
		     reason, status);
	log_info("%s %s -> %u: %s", r->client, r->method, status, reason);
	resp = http_response_data(body, n > 0 ? (size_t)n : 0,
				  "application/json");
	if (resp) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION,
					"close");
		snprintf(secs, sizeof(secs), "%u", retry_after);
		if (retry_after)
			MHD_add_response_header(resp,
						MHD_HTTP_HEADER_RETRY_AFTER,
						secs);
	}
	http_queue(r, status, resp);
}

int http_refuse_busy(struct http_req *r, unsigned int retry_after,
		     const char *reason)
{
	http_reply_close(r, 503, reason, retry_after);
	return http_status_rc(503);
}

int http_transfer_begin(struct http_req *r, int kind)
{
	const struct config *cfg = r->gen->cfg;
	const union MHD_ConnectionInfo *ci;
	char what[sizeof(r->xfer.what)], path[128];
	unsigned int max = cfg->max_transfers;

	ci = MHD_get_connection_info(r->conn,
				     MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!ci || r->xfer.listed)
		return 0;
	utf8_clean_str(path, sizeof(path), r->path);
	redact_secrets(path);
	snprintf(what, sizeof(what), "%s %s %s", r->client, r->method, path);
	if (transfer_begin(&r->srv->transfers, &r->xfer, ci->connect_fd,
			   kind, max, what) == 0)
		return 0;
	atomic_fetch_add(&r->srv->stats.transfers_refused, 1);
	http_reply_close(r, 503, "busy: limits.max_transfers bodies are in "
				 "flight; try again later",
			 HTTP_RETRY_AFTER_S);
	return http_status_rc(503);
}

/*
 * Run a route's @fn (start or finish) on @r.  A failure that queued no
 * reply is the server's own: logged with its code and answered 500.
 */
static void http_route_call(struct http_req *r, int (*fn)(struct http_req *))
{
	int rc = fn(r);

	if (rc >= 0 || r->replied || r->fail_status)
		return;
	log_error("%s %s: %s", r->method, r->route->prefix, pb_strerror(rc));
	http_reply_error(r, 500, "internal error");
}

/* Find the route; a miss is answered once the request is in. */
static void http_route_match(struct http_req *r)
{
	int wrong_method;

	r->route = http_route_find(r->routes, r->method, r->path,
				   &wrong_method);
	if (!r->route) {
		if (wrong_method)
			http_body_refuse(r, 405, "method %s not allowed here",
					 r->method);
		else
			http_body_refuse(r, 404, "no such endpoint");
		return;
	}
	r->rest = r->path + http_prefix_match(r->route->prefix, r->path);
	if (r->plain && !r->route->plain_ok) {
		r->route = NULL;
		http_body_refuse(r, 403, "only boot files are served over "
					 "plain HTTP");
	}
}

/*
 * The headers of a new request are in: set up *@con_cls, refuse bad
 * framing or a missing route, and start a route that takes a body.
 *
 * @ret MHD_YES, or MHD_NO without memory for the request
 */
static enum MHD_Result http_access_headers(struct http_listener *l,
					   struct MHD_Connection *conn,
					   const char *url, const char *method,
					   void **con_cls)
{
	struct http_req *r;
	const char *fault;

	r = http_req_new(l, *con_cls, conn, url, method);
	if (!r)
		return MHD_NO;
	*con_cls = r;
	fault = http_framing_fault(r);
	if (fault) {
		http_reply_close(r, 400, fault, 0);
		return MHD_YES;
	}
	http_route_match(r);
	/*
	 * Routes that take a body check the request now, so a refusal goes
	 * out before the body is read.  Others answer on the next call: a
	 * reply queued on the first call counts as an early reply, and
	 * libmicrohttpd would close the connection after it, losing
	 * keep-alive.
	 */
	if (r->route && r->route->body)
		http_route_call(r, r->route->start);
	return MHD_YES;
}

/*
 * A piece of @r's body: to the route, or counted and dropped after a
 * refusal (up to HTTP_DISCARD_MAX, then hang up).
 *
 * @ret MHD_YES, or MHD_NO to drop the connection
 */
static enum MHD_Result http_access_body(struct http_req *r, const char *data,
					size_t *data_size)
{
	if (r->replied || r->fail_status) {
		r->discarded += *data_size;
		*data_size = 0;
		return r->discarded > HTTP_DISCARD_MAX ? MHD_NO : MHD_YES;
	}
	if (!r->route || !r->route->body)
		http_body_refuse(r, 413, "this endpoint takes no body");
	else if (r->route->body(r, data, *data_size) != 0)
		http_body_refuse(r, 500, "request body not processed");
	*data_size = 0;
	return MHD_YES;
}

/*
 * The body of @r is in: from here on the server works, not the client.
 * Queues the deferred refusal or runs the route's start and finish; some
 * reply is always queued.
 */
static enum MHD_Result http_access_end(struct http_req *r)
{
	/* Back from http_suspend(): its finish goes on. */
	if (r->suspended) {
		r->suspended = 0;
		http_route_call(r, r->route->finish);
		if (!r->replied && !r->suspended)
			http_reply_error(r, 500, "internal error: no reply");
		return MHD_YES;
	}
	transfer_end(&r->srv->transfers, &r->xfer);
	if (!r->replied && r->fail_status)
		http_reply_error(r, r->fail_status, "%s", r->fail_msg);
	if (!r->replied && !r->fail_status && r->route && !r->route->body)
		http_route_call(r, r->route->start);
	if (!r->replied && r->route && r->route->finish)
		http_route_call(r, r->route->finish);
	if (r->suspended)
		return MHD_YES;
	if (!r->replied)
		http_reply_error(r, 500, "internal error: no reply");
	return MHD_YES;
}

/*
 * libmicrohttpd's access handler, called for the headers, each piece of
 * the body and the end of a request.
 *
 * @ret MHD_YES to go on, MHD_NO to drop the connection
 */
static enum MHD_Result http_access(void *cls, struct MHD_Connection *conn,
				   const char *url, const char *method,
				   const char *version, const char *data,
				   size_t *data_size, void **con_cls)
{
	struct http_req *r = *con_cls;

	(void)version;
	if (!r || !r->conn)
		return http_access_headers(cls, conn, url, method, con_cls);
	if (*data_size)
		return http_access_body(r, data, data_size);
	return http_access_end(r);
}

void http_cork(struct http_req *r)
{
	const union MHD_ConnectionInfo *ci;
	int on = 1;

	if (r->corked)
		return;
	ci = MHD_get_connection_info(r->conn,
				     MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci && setsockopt(ci->connect_fd, IPPROTO_TCP, TCP_CORK, &on,
			     sizeof(on)) == 0) {
		r->sock = ci->connect_fd;
		r->corked = 1;
	}
}

/* The body is all with the kernel (or the request failed): push the
 * last partial segment now.  The socket is still open here. */
static void http_uncork(struct http_req *r)
{
	int off = 0;

	if (r->corked)
		setsockopt(r->sock, IPPROTO_TCP, TCP_CORK, &off, sizeof(off));
	r->corked = 0;
}

/*
 * libmicrohttpd's end of a request: uncork, end its transfer, run the
 * route's cleanup, release the generation and free the record.
 */
static void http_completed(void *cls, struct MHD_Connection *conn,
			   void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_req *r = *con_cls;

	(void)cls;
	(void)conn;
	if (!r)
		return;
	http_uncork(r);
	/* A record from http_uri_seen whose request never reached
	 * http_access has no server, nor any transfer. */
	if (r->srv)
		transfer_end(&r->srv->transfers, &r->xfer);
	if (r->route && r->route->cleanup)
		r->route->cleanup(r, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
	http_drain_req_end(r->drain);
	server_gen_put(r->gen);
	free(r);
	*con_cls = NULL;
}

/* libmicrohttpd's own messages, one debug line each. */
static void http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t len;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	while (len && line[len - 1] == '\n')
		line[--len] = '\0';
	log_debug("libmicrohttpd: %s", line);
}

/* ---- daemons ---------------------------------------------------------- */

int http_listen(const char *addr, unsigned int port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int one = 1;
	int fd, rc;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		len = sizeof(*in6);
	} else {
		return -PB_EBAD_NAME;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    listen(fd, 1024) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/*
 * Worker threads: as configured, or two per CPU (measured: with one per
 * CPU, large downloads lose a third of their throughput; with two, small
 * requests lose nothing).
 */
static unsigned int http_threads(const struct config *cfg)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cfg->threads)
		return cfg->threads;
	return cpus < 1 ? 2 : cpus > 32 ? 64 : 2 * (unsigned int)cpus;
}

struct MHD_Daemon *http_start(struct server *srv, struct server_gen *gen,
			      const struct http_route *const *routes,
			      int listen_fd, int plain)
{
	/* One server per process: one listener record per kind. */
	static struct http_listener listeners[2];
	struct http_listener *l = &listeners[plain ? 1 : 0];
	const struct config *cfg = gen->cfg;
	struct http_drain_rec *drain = http_drain_new();
	struct MHD_Daemon *d;
	/*
	 * Not MHD_USE_TURBO: with it, libmicrohttpd 0.9.75 never times out
	 * a TLS connection stuck before the end of its handshake, and its
	 * worker spins at 100% CPU, even after the client has gone (a
	 * couple of hundred silent connections took the listener down).
	 */
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
			     MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
	struct MHD_OptionItem opts[] = {
		{ MHD_OPTION_LISTEN_SOCKET, listen_fd, NULL },
		{ MHD_OPTION_THREAD_POOL_SIZE, http_threads(cfg), NULL },
		{ MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, NULL },
		{ MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_per_client,
		  NULL },
		{ MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s, NULL },
		{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONN_MEMORY, NULL },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)http_completed, NULL },
		{ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)http_uri_seen, drain },
		{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)http_mhd_log, NULL },
		/* TLS options last: a plain listener ends the list here */
		/* The certificate and a key the signer process signs with
		 * (tlskey.c): this process holds no private key. */
		{ MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)tlskey_retrieve },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)cfg->tls_priorities },
		{ MHD_OPTION_END, 0, NULL },
	};
	const size_t tls_opts = 9;

	l->srv = srv;
	l->routes = routes;
	l->plain = plain;
	if (plain)
		opts[tls_opts].option = MHD_OPTION_END;	/* no TLS options */
	else
		flags |= MHD_USE_TLS;
	d = MHD_start_daemon(flags, 0, NULL, NULL, http_access, l,
			     MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	http_drain_bind(drain, d);
	return d;
}
