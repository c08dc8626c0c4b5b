/* http.h: the HTTP(S) front: libmicrohttpd daemons, routing and replies. */
#ifndef PODBOOT_HTTP_H
#define PODBOOT_HTTP_H

#include <stddef.h>

#include <jansson.h>
#include <microhttpd.h>

#include "config.h"
#include "server.h"

/* Largest request body a non-upload route reads. */
#define HTTP_SMALL_BODY_MAX 65536

struct http_req;

/*
 * A route.  @start runs once the headers are in: it checks the request
 * and either queues a reply or, for routes with a body, sets up to
 * receive it.  @body receives each piece of the body; it returns 0, or
 * queues a refusal and returns a negative code.  @finish runs when the
 * whole body is in (only if no reply was queued yet).  @start and
 * @finish return 0, or a negative code when they fail: a refusal they
 * queued with http_refuse() (which returns the code), or an error of
 * their own, which the HTTP front answers with 500 and logs.  @cleanup
 * runs once when the request ends, whatever happened (@completed says
 * whether the reply was fully sent).
 */
struct http_route {
	const char *method;		/* "GET" also matches HEAD */
	const char *prefix;		/* path prefix ('*': one segment) ... */
	int exact;			/* ... or the whole path */
	int (*start)(struct http_req *r);
	int (*body)(struct http_req *r, const char *data, size_t len);
	int (*finish)(struct http_req *r);
	void (*cleanup)(struct http_req *r, int completed);
	int plain_ok;			/* served on the plain-HTTP listener */
};

struct http_drain_rec;

struct http_req {
	struct MHD_Connection *conn;
	struct server *srv;
	struct server_gen *gen;		/* held for the request's life */
	const struct http_route *const *routes;	/* the listener's */
	const struct http_route *route;
	const char *method;
	const char *path;		/* decoded by libmicrohttpd */
	const char *rest;		/* path after the route's prefix */
	char client[64];		/* peer address */
	int plain;			/* came in on the plain-HTTP listener */
	int replied;			/* a reply is queued */
	int status;			/* its status */
	void *ctx;			/* the route's per-request state */
	unsigned int fail_status;	/* body refused: reply at the end */
	char fail_msg[256];
	unsigned long long discarded;	/* body bytes read after refusal */
	int nul_in_uri;			/* the raw target held %00 */
	int corked;			/* TCP_CORK set on sock until done */
	int sock;
	struct transfer xfer;		/* its body, while in flight */
	struct http_drain_rec *drain;	/* its daemon's count, or NULL */
	int suspended;			/* parked by http_suspend() */
};

/**
 * Start a daemon on @listen_fd (TLS from @gen unless @plain) that serves
 * @routes: tables of routes, the list ended by NULL and each table by a
 * NULL prefix; the first match wins.  The HTTP front names no handler:
 * its caller passes them in.
 */
struct MHD_Daemon *http_start(struct server *srv, struct server_gen *gen,
			      const struct http_route *const *routes,
			      int listen_fd, int plain);

/** Open a listening TCP socket on @addr:@port; fd or negative error. */
int http_listen(const char *addr, unsigned int port);

/** Connections the daemon has open now. */
unsigned int http_connections(struct MHD_Daemon *d);

/**
 * @d is draining (it no longer accepts): from now on its answers carry
 * "Connection: close", so that a keep-alive client does not hold it open
 * with request after request.
 */
void http_drain_begin(struct MHD_Daemon *d);

/**
 * How long @d has had no request in flight, in ms: 0 while one is; -1
 * when its requests are not counted (then only its connection count
 * tells).
 */
long long http_drain_quiet_ms(struct MHD_Daemon *d);

/** Stop counting @d's requests; call after MHD_stop_daemon(@d). */
void http_drain_forget(struct MHD_Daemon *d);

/**
 * Park @r from its route's finish, which then returns 0 with no reply:
 * the worker thread goes on with other connections.  Once something
 * calls http_resume(@r) (from any thread), finish is called again, and
 * r->ctx tells it where it was.  Whoever parks a request must resume it
 * within a bounded time: a daemon cannot stop while one is parked.
 */
void http_suspend(struct http_req *r);

/** Wake @r, parked by http_suspend(). */
void http_resume(struct http_req *r);

/** Wait until no request of @d is parked; call before
 * MHD_stop_daemon(@d). */
void http_parked_wait(struct MHD_Daemon *d);

/**
 * Count @r as a body transfer of @kind (TRANSFER_DOWNLOAD, or
 * TRANSFER_UPLOAD; with TRANSFER_RESERVED it counts against
 * limits.max_transfers): watched for limits.min_rate until its body is
 * done.  Beyond the reserve, queues 503 with Retry-After and
 * "Connection: close".
 *
 * @ret rc		0, or -EAGAIN (http_status_rc(503)) after queuing
 *			the refusal
 */
int http_transfer_begin(struct http_req *r, int kind);

/* ---- replies: every function queues exactly one reply ---------------- */

/**
 * Hold back partial TCP segments on @r's connection until the request is
 * complete (a large body goes out in full segments, which wakes the
 * client once per 64 KiB instead of once per TLS record).  Best effort.
 */
void http_cork(struct http_req *r);

/**
 * Queue @resp with @status, unless a reply is queued already (the first
 * stands); destroys the caller's reference.  A NULL @resp (no memory) is
 * logged and nothing is queued.
 */
void http_queue(struct http_req *r, unsigned int status,
		struct MHD_Response *resp);

/** A JSON body; takes ownership of @json. */
void http_reply_json(struct http_req *r, unsigned int status, json_t *json);

/** A JSON body with a Location header (@location, or none if NULL);
 * takes ownership of @json. */
void http_reply_json_at(struct http_req *r, unsigned int status,
			json_t *json, const char *location);

/**
 * Refuse @r with 503, Retry-After: @retry_after seconds and "Connection:
 * close": the server has no room for it now.  @reason is a fixed text
 * (no quotes or backslashes; it is not escaped).
 *
 * @ret rc		-EAGAIN, http_status_rc(503)
 */
int http_refuse_busy(struct http_req *r, unsigned int retry_after,
		     const char *reason);

/** {"error": "...", "status": N}, counted as a refusal and logged. */
void http_reply_error(struct http_req *r, unsigned int status,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * Refuse @r: queue {"error": "...", "status": N} as http_reply_error()
 * does, and return the negative code that stands for @status (-EINVAL
 * for 400, -EACCES for 401 and 403, -ENOENT for 404, -EBUSY for 409,
 * -EFBIG for 413, -EAGAIN for 503, -EIO for other 5xx), so that a
 * handler refuses with one statement: return http_refuse(r, 404, ...).
 */
int http_refuse(struct http_req *r, unsigned int status, const char *fmt,
		...) __attribute__((format(printf, 3, 4)));

/** The negative code http_refuse() returns for @status. */
int http_status_rc(unsigned int status);

/**
 * Refuse a request from its body callback.  The reply is sent once the
 * client has finished sending (the rest of the body is read and dropped,
 * up to a bound past which the connection is closed): a reply queued in
 * the middle of an upload would leave some clients waiting.
 */
void http_body_refuse(struct http_req *r, unsigned int status,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * A small body read whole: a buffer of at most @max bytes in r->ctx, for
 * a route whose start calls this and whose body and cleanup callbacks
 * are http_small_body() and http_small_body_cleanup().  0, or -ENOMEM
 * (nothing queued: the caller refuses).
 */
int http_small_body_begin(struct http_req *r, size_t max);

/** Body callback: append to r->ctx's buffer; past its bound, refuse
 * with 413 "body larger than N bytes" and return -EFBIG. */
int http_small_body(struct http_req *r, const char *data, size_t len);

/** Cleanup callback: free r->ctx's buffer. */
void http_small_body_cleanup(struct http_req *r, int completed);

/** A copy of @len bytes of @data. */
void http_reply_data(struct http_req *r, unsigned int status,
		     const char *content_type, const void *data, size_t len);

/** A response that copies @data; the caller adds headers, then queues. */
struct MHD_Response *http_response_data(const void *data, size_t len,
					const char *content_type);

/* ---- request helpers -------------------------------------------------- */

/** A query argument or NULL. */
const char *http_arg(struct http_req *r, const char *name);

/**
 * Refuse (400) any query argument not in the NULL-terminated @allowed.
 *
 * @ret rc		0 if all are allowed, or -EINVAL (http_refuse()'s
 *			code for 400) after queuing the refusal
 */
int http_args_only(struct http_req *r, const char *const *allowed);

/** A request header or NULL. */
const char *http_header(struct http_req *r, const char *name);

/** The bearer token of the Authorization header, or NULL. */
const char *http_bearer(struct http_req *r);

/**
 * The configured token presented with the request if it grants @scope.
 * Otherwise queues 401 (no or unknown token) or 403 (scope) and returns
 * NULL.  Tokens are compared in constant time.
 */
const struct config_token *http_require_scope(struct http_req *r,
					      const char *scope);

/**
 * The base URL of what a reply (a signed script, a kickstart) points the
 * client at: the configured server.base_url, or on the plain-HTTP listener
 * server.plain_base_url.  Never taken from the request: on the plain
 * listener a Host header that is not plain_base_url's authority is refused
 * (421).
 *
 * @ret rc		0, or -EINVAL (http_refuse()'s code for 421) after
 *			queuing the refusal
 */
int http_base_url(struct http_req *r, char *out, size_t size);

/** 1 if the client asked for ?format=text. */
int http_wants_text(struct http_req *r);

#endif
