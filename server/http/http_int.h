/* http_int.h: what the pieces of the HTTP front share: the decisions of
 * http_check.c, pure functions that the unit tests call directly. */
#ifndef PODBOOT_HTTP_INT_H
#define PODBOOT_HTTP_INT_H

#include "http.h"

/* The framing headers of one request, as http_framing_add() counts them. */
struct http_framing {
	unsigned int n_length;		/* Content-Length headers */
	unsigned int n_encoding;	/* Transfer-Encoding headers */
	int bad_length;			/* a value not plain digits */
	int bad_encoding;		/* a coding other than chunked */
};

/**
 * How much of @path route prefix @prefix matches: each character of
 * @prefix itself, except '*', which stands for one whole path segment
 * (not empty, not "." or "..", no '/').
 *
 * @ret len		the length of @path matched, or 0: no match
 */
size_t http_prefix_match(const char *prefix, const char *path);

/**
 * The route of @method @path in @tables (NULL-ended, each table ended by
 * a NULL prefix), the first that matches ("GET" routes match HEAD too).
 *
 * @ret route		or NULL, with *@wrong_method set when some route
 *			has the path but not the method
 */
const struct http_route *
http_route_find(const struct http_route *const *tables, const char *method,
		const char *path, int *wrong_method);

/** Count one request header @key: @value into @f if it frames the body. */
void http_framing_add(struct http_framing *f, const char *key,
		      const char *value);

/**
 * Why a request framed as @f is ambiguous (two Content-Lengths, one beside
 * Transfer-Encoding, a length that is not 1 to 19 digits, a coding other
 * than one "chunked") or its target unsafe (@nul_in_uri: %00): two parsers
 * reading one request two ways is how requests are smuggled past a proxy.
 *
 * @ret reason		a static string, or NULL when the request is sound
 */
const char *http_framing_fault_of(const struct http_framing *f,
				  int nul_in_uri);

/**
 * Whether @host (a Host header, NULL if none) names the authority of @url:
 * the same host, any case, and the same port (80 when the URL names none).
 *
 * @ret match		1 or 0
 */
int http_host_matches(const char *host, const char *url);

/**
 * A record for a daemon about to start, its requests counted in it (pass
 * it as the cls of the daemon's URI callback); NULL when all are taken:
 * that daemon's requests go uncounted.
 */
struct http_drain_rec *http_drain_new(void);

/** The daemon of @rec started as @d; NULL: it did not (@rec is freed). */
void http_drain_bind(struct http_drain_rec *rec, const struct MHD_Daemon *d);

/** A request of @rec's daemon begins (@rec NULL: not counted). */
void http_drain_req_begin(struct http_drain_rec *rec);

/** A request of @rec's daemon has ended. */
void http_drain_req_end(struct http_drain_rec *rec);

/** 1 if the answers of @rec's daemon close their connection: it drains. */
int http_drain_closes(struct http_drain_rec *rec);

#endif
