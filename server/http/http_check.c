/* http_check.c: the HTTP front's decisions, pure functions of their
 * inputs: which route, which code for a status, whether a request's
 * framing is sound, whether a Host header names the configured URL. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "http_int.h"

size_t http_prefix_match(const char *prefix, const char *path)
{
	const char *p = prefix, *q = path;
	size_t seg;

	if (!*prefix)
		return 0;
	for (; *p; p++) {
		if (*p == '*') {
			/* One whole segment, never empty, never "." or "..". */
			seg = strcspn(q, "/");
			if (seg == 0 || (q[0] == '.' && (seg == 1 ||
					 (seg == 2 && q[1] == '.'))))
				return 0;
			q += seg;
		} else if (*p != *q++) {
			return 0;
		}
	}
	return (size_t)(q - path);
}

const struct http_route *
http_route_find(const struct http_route *const *tables, const char *method,
		const char *path, int *wrong_method)
{
	const struct http_route *rt;
	size_t i, len;

	*wrong_method = 0;
	for (i = 0; tables[i]; i++) {
		for (rt = tables[i]; rt->prefix; rt++) {
			len = http_prefix_match(rt->prefix, path);
			if (len == 0 || (rt->exact && path[len] != '\0'))
				continue;
			if (strcmp(method, rt->method) == 0 ||
			    (strcmp(method, "HEAD") == 0 &&
			     strcmp(rt->method, "GET") == 0))
				return rt;
			*wrong_method = 1;
		}
	}
	return NULL;
}

int http_status_rc(unsigned int status)
{
	switch (status) {
	case 401:
	case 403:
		return -EACCES;
	case 404:
	case 410:
		return -ENOENT;
	case 409:
		return -EBUSY;
	case 413:
		return -EFBIG;
	case 429:
	case 503:
		return -EAGAIN;
	default:
		return status >= 500 ? -EIO : -EINVAL;
	}
}

int http_host_matches(const char *host, const char *url)
{
	const char *auth = strstr(url, "://");
	size_t len;

	if (!host || !auth)
		return 0;
	auth += 3;
	len = strcspn(auth, "/");
	if (strncasecmp(host, auth, len) == 0 && host[len] == '\0')
		return 1;
	/* http://HOST/ and Host: HOST:80 are the same place. */
	return memchr(auth, ']', len) == NULL && memchr(auth, ':', len) == NULL &&
	       strncasecmp(host, auth, len) == 0 && strcmp(host + len, ":80") == 0;
}


void http_framing_add(struct http_framing *f, const char *key,
		      const char *value)
{
	size_t i;

	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		f->n_length++;
		for (i = 0; value[i]; i++)
			if (value[i] < '0' || value[i] > '9')
				f->bad_length = 1;
		if (i == 0 || i > 19)
			f->bad_length = 1;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->n_encoding++;
		if (strcasecmp(value, "chunked") != 0)
			f->bad_encoding = 1;
	}
}

const char *http_framing_fault_of(const struct http_framing *f,
				  int nul_in_uri)
{
	if (nul_in_uri)
		return "%00 in the request target";
	if (f->n_length > 1)
		return "more than one Content-Length";
	if (f->n_length && f->n_encoding)
		return "Content-Length and Transfer-Encoding together";
	if (f->bad_length)
		return "Content-Length is not a decimal number";
	if (f->n_encoding > 1 || f->bad_encoding)
		return "Transfer-Encoding other than one 'chunked'";
	return NULL;
}
