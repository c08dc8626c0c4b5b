/* httpmsg.h: bounded parsing of HTTP/1.1 request and response heads. */
#ifndef PODBOOT_AGENT_HTTPMSG_H
#define PODBOOT_AGENT_HTTPMSG_H

#include <stddef.h>

#define HTTPMSG_HEAD_MAX 8192		/* status or request line + headers */
#define HTTPMSG_HEADERS_MAX 48

struct httpmsg_header {
	const char *name;		/* NUL-terminated, in buf */
	const char *value;		/* trimmed */
};

/* A parsed head; every string points into buf. */
struct httpmsg {
	char buf[HTTPMSG_HEAD_MAX + 1];
	const char *method;		/* requests */
	const char *target;
	int status;			/* responses */
	int minor;			/* HTTP/1.minor */
	struct httpmsg_header h[HTTPMSG_HEADERS_MAX];
	size_t n;
};

/**
 * Where the head in @data ends: the offset just after "\r\n\r\n".
 *
 * @ret end		> 0 when found; 0 if more data is needed; -1 when
 *			HTTPMSG_HEAD_MAX bytes hold no end
 */
long httpmsg_head_end(const char *data, size_t len);

/**
 * Parse a request head ("METHOD TARGET HTTP/1.x", headers) of @len bytes
 * (as httpmsg_head_end() measured it) into @m.  Refuses obsolete line
 * folding, control characters, headers without a name and more than
 * HTTPMSG_HEADERS_MAX headers.
 *
 * @ret rc		0 or -EBADMSG
 */
int httpmsg_parse_request(struct httpmsg *m, const char *data, size_t len);

/** Parse a response head ("HTTP/1.x NNN reason", headers); 0 or -EBADMSG. */
int httpmsg_parse_response(struct httpmsg *m, const char *data, size_t len);

/** The value of header @name (case-insensitive), or NULL. */
const char *httpmsg_get(const struct httpmsg *m, const char *name);

/**
 * Content-Length, checked: digits only, given once (a repeat is refused
 * even with the same value), not beside a Transfer-Encoding, at most @max.
 *
 * @ret rc		0; -ENOENT when absent; -EBADMSG; -PB_ETOOBIG
 */
int httpmsg_content_length(const struct httpmsg *m, size_t max, size_t *len);

/** 1 if the connection ends after this message (HTTP/1.0 without
 *  keep-alive, or "Connection: close"). */
int httpmsg_closes(const struct httpmsg *m);

#endif
