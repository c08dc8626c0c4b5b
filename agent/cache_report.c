/* cache_report.c: what the relay's cache tells the central server: the
 * digests it holds and how many whole files it served to which machine. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "cache_report.h"
#include "error.h"
#include "log.h"
#include "num.h"

/* 1 if @s may stand for a machine: a node id or an IP address as the
 * relay writes it ([0-9A-Za-z._:-], not empty), so that it needs no
 * escaping in a line or in JSON. */
static int cache_report_who_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_' || s[i] == '-' || s[i] == ':'))
			return 0;
	return i > 0 && i <= CACHE_REPORT_WHO_MAX;
}

/* The entry of (@who, @hex) in @t, a new one if there is room; NULL when
 * the table is full. */
static struct cache_served *cache_tally_find(struct cache_tally *t,
					     const char *who, const char *hex)
{
	struct cache_served *e;
	unsigned i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->e[i].who, who) == 0 &&
		    strcmp(t->e[i].hex, hex) == 0)
			return &t->e[i];
	if (t->n == CACHE_REPORT_SERVED_MAX)
		return NULL;
	e = &t->e[t->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->who, sizeof(e->who), "%s", who);
	memcpy(e->hex, hex, CACHE_HEX_LEN + 1);
	return e;
}

const struct cache_served *cache_tally_add(struct cache_tally *t,
					   const char *who, const char *hex,
					   uint64_t bytes)
{
	struct cache_served *e;

	if (!cache_report_who_valid(who) || !cache_hex_valid(hex))
		return NULL;
	e = cache_tally_find(t, who, hex);
	if (!e) {
		t->unlisted++;
		return NULL;
	}
	e->count++;
	e->bytes += bytes;
	return e;
}

int cache_report_line(const struct cache_served *e, char *buf, size_t size)
{
	int n = snprintf(buf, size, "served %s %s %" PRIu64 " %" PRIu64 "\n",
			 e->hex, e->who, e->count, e->bytes);

	return n < 0 || (size_t)n >= size ? -PB_ETOOBIG : n;
}

int cache_tally_parse(struct cache_tally *t, const char *line)
{
	char hex[CACHE_HEX_LEN + 2], who[CACHE_REPORT_WHO_MAX + 2];
	char count[24], bytes[24], extra;
	uint64_t c, b;
	struct cache_served *e;

	if (sscanf(line, "served %65s %64s %23s %23s %c", hex, who, count,
		   bytes, &extra) != 4 ||
	    !cache_hex_valid(hex) || !cache_report_who_valid(who) ||
	    num_parse_u64(count, strlen(count), UINT64_MAX, &c) != 0 ||
	    num_parse_u64(bytes, strlen(bytes), UINT64_MAX, &b) != 0)
		return -EINVAL;
	e = cache_tally_find(t, who, hex);
	if (!e)
		return -ENOSPC;
	e->count = c;
	e->bytes = b;
	return 0;
}

int cache_report_body(const struct cache *c, const struct cache_tally *t,
		      long long since, struct pbuf *out)
{
	static char held[CACHE_PINNED_MAX][CACHE_HEX_LEN + 1];
	int n, i;
	unsigned k;

	n = cache_held(c, held, CACHE_PINNED_MAX);
	if (n < 0)
		return n;
	pbuf_printf(out, "{\"since\": %lld, \"held\": [", since);
	for (i = 0; i < n; i++)
		pbuf_printf(out, "%s\"%s\"", i ? ", " : "", held[i]);
	pbuf_printf(out, "], \"served\": [");
	for (k = 0; k < t->n; k++)
		pbuf_printf(out, "%s{\"node\": \"%s\", \"sha256\": \"%s\", "
			    "\"count\": %" PRIu64 ", \"bytes\": %" PRIu64 "}",
			    k ? ", " : "", t->e[k].who, t->e[k].hex,
			    t->e[k].count, t->e[k].bytes);
	pbuf_printf(out, "]}");
	return out->overflow ? -PB_ETOOBIG : 0;
}

int cache_report_put(struct https_client *cl, const struct url *u,
		     const char *pod, const char *token,
		     const struct pbuf *body)
{
	char head[1024], why[HTTPS_WHY_MAX];
	struct https_conn hc;
	struct https_resp resp;
	int n, rc;

	n = snprintf(head, sizeof(head), "PUT %s/api/v1/pods/%s/cache "
		     "HTTP/1.1\r\nHost: %s\r\nUser-Agent: podboot-agent cache"
		     "\r\nAuthorization: Bearer %s\r\nContent-Type: "
		     "application/json\r\nContent-Length: %zu\r\nConnection: "
		     "close\r\n\r\n", u->path, pod, u->authority, token,
		     body->len);
	if (n < 0 || (size_t)n >= sizeof(head)) {
		mbedtls_platform_zeroize(head, sizeof(head));
		return -PB_ETOOBIG;
	}
	https_conn_init(&hc);
	https_resp_init(&resp);
	rc = https_request(&hc, cl, u, head, (size_t)n, body->data, body->len,
			   &resp, why);
	https_conn_close(&hc);
	mbedtls_platform_zeroize(head, sizeof(head));
	if (rc != 0)
		log_error("cache: %s: reporting pod %s's cache: %s", u->text,
			  pod, why);
	else if (resp.status < 200 || resp.status > 299)
		log_error("cache: %s: reporting pod %s's cache: HTTP %d %s",
			  u->text, pod, resp.status,
			  resp.body.data ? resp.body.data : "");
	else
		log_debug("cache: reported pod %s's cache to %s", pod,
			  u->text);
	if (rc == 0 && (resp.status < 200 || resp.status > 299))
		rc = -EACCES;
	https_resp_free(&resp);
	return rc;
}
