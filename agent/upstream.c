/* upstream.c: delivery to the first upstream that answers, in order. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "error.h"
#include "log.h"
#include "upstream.h"

#define UPSTREAM_HEAD_MAX 1024		/* request head, token included */

int upstream_init(struct upstream *up, const struct options *o,
		  const char *token)
{
	memset(up, 0, sizeof(*up));
	https_conn_init(&up->conn);
	up->urls = o->servers;
	up->n = o->n_servers;
	up->failback = o->failback;
	up->token = token;
	return https_client_init(&up->client, o->ca, o->timeout);
}

void upstream_free(struct upstream *up)
{
	if (!up->urls)
		return;		/* never set up */
	https_conn_close(&up->conn);
	https_client_free(&up->client);
}

/* The request line and headers for upstream @u; wiped by the caller. */
static int upstream_head(const struct upstream *up, const struct url *u,
			 const struct upstream_req *req, char *head,
			 size_t size)
{
	char extra[200] = "", epoch[48] = "";
	int n;

	if (req->node_headers && req->epoch)
		snprintf(epoch, sizeof(epoch), "X-Podboot-Epoch: %" PRIu64
			 "\r\n", req->epoch);
	if (req->node_headers)
		snprintf(extra, sizeof(extra), "X-Podboot-Seq: %" PRIu64
			 "\r\nX-Podboot-Interval: %u\r\n%s%s", req->seq,
			 req->interval,
			 req->replay ? "X-Podboot-Replay: 1\r\n" : "", epoch);
	n = snprintf(head, size, "POST %s%s HTTP/1.1\r\nHost: %s\r\n"
		     "User-Agent: podboot-agent/1\r\n"
		     "Authorization: Bearer %s\r\nContent-Type: %s\r\n"
		     "%s%s%sContent-Length: %zu\r\n%s\r\n", u->path,
		     req->path, u->authority, up->token, req->content_type,
		     req->encoding ? "Content-Encoding: " : "",
		     req->encoding ? req->encoding : "",
		     req->encoding ? "\r\n" : "", req->len, extra);
	return n < 0 || (size_t)n >= size ? -PB_ETOOBIG : n;
}

#define UPSTREAM_NEXT (-1)		/* upstream_try: try the next one */

/* For a log line: the "error" string of a JSON answer, else its first
 * line; control characters are replaced. */
static const char *upstream_reason(const struct https_resp *resp, char *out,
				   size_t size)
{
	const char *p = resp->body.data ? resp->body.data : "";
	const char *e = strstr(p, "\"error\"");
	size_t n, i;

	if (e) {
		e += 7;
		e += strspn(e, " \t\r\n:");
		if (*e == '"')
			p = e + 1;
	}
	n = strcspn(p, e && p == e + 1 ? "\"" : "\r\n");
	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)p[i] < 0x20 ? '?' : p[i];
	out[n] = '\0';
	return out;
}

/* The answer on one line, for debug logs. */
static const char *upstream_flat(const struct https_resp *resp, char *out,
				 size_t size)
{
	const char *p = resp->body.data ? resp->body.data : "";
	size_t i, j = 0;

	for (i = 0; p[i] && j + 1 < size; i++)
		if ((unsigned char)p[i] > 0x20 || (j && out[j - 1] != ' '))
			out[j++] = (unsigned char)p[i] <= 0x20 ? ' ' : p[i];
	out[j] = '\0';
	return out;
}

/*
 * 1 if a 2xx answer to node push @seq acknowledges it as a podboot server
 * or relay does ("seq": N in its JSON): a 2xx with anything else (a
 * captive portal, a proxy's error page, garbage) did not take the batch.
 */
static int upstream_acked(const struct https_resp *resp, uint64_t seq)
{
	char want[40];
	const char *p = resp->body.data, *end;
	size_t n;

	if (!p)
		return 0;
	n = (size_t)snprintf(want, sizeof(want), "\"seq\": %" PRIu64, seq);
	end = p + resp->body.len;
	while ((p = memmem(p, (size_t)(end - p), want, n)) != NULL) {
		p += n;
		if (p == end || *p < '0' || *p > '9')
			return 1;
	}
	return 0;
}

/* One upstream: UPSTREAM_NEXT to try the next, else the result. */
static int upstream_try(struct upstream *up, unsigned i,
			const struct upstream_req *req,
			struct https_resp *resp, char *why)
{
	const struct url *u = &up->urls[i];
	char head[UPSTREAM_HEAD_MAX], reason[300];
	int n, s;

	n = upstream_head(up, u, req, head, sizeof(head));
	if (n < 0) {
		snprintf(why, HTTPS_WHY_MAX, "request head too long");
		return UPSTREAM_NEXT;
	}
	n = https_request(&up->conn, &up->client, u, head, (size_t)n,
			  req->body, req->len, resp, why);
	mbedtls_platform_zeroize(head, sizeof(head));
	if (n != 0)
		return UPSTREAM_NEXT;
	s = resp->status;
	if (s >= 200 && s < 300 && req->node_headers &&
	    !upstream_acked(resp, req->seq)) {
		snprintf(why, HTTPS_WHY_MAX, "HTTP %d without this batch's "
			 "\"seq\": not a podboot answer, the batch is kept", s);
		return UPSTREAM_NEXT;
	}
	if (s >= 200 && s < 300) {
		log_debug("%s: batch %" PRIu64 ": HTTP %d %s", u->text,
			  req->seq, s, upstream_flat(resp, reason,
						     sizeof(reason)));
		return UPSTREAM_DELIVERED;
	}
	upstream_reason(resp, reason, sizeof(reason));
	snprintf(why, HTTPS_WHY_MAX, "HTTP %d %.200s", s, reason);
	if (s == 429)
		return UPSTREAM_RETRY;
	if (s >= 400 && s < 500 && s != 404 && s != 405 && s != 408) {
		log_error("%s refused batch %" PRIu64 " for good: HTTP %d %s",
			  u->text, req->seq, s, reason);
		return UPSTREAM_REJECTED;
	}
	return UPSTREAM_NEXT;
}

/* Note which upstream answered, and say so when that changed. */
static void upstream_answered(struct upstream *up, unsigned i)
{
	if (up->down || i != up->cur || !up->answered)
		log_info("delivering to %s", up->urls[i].text);
	up->answered = 1;
	if (i != up->cur && i != 0)
		up->since = time(NULL);
	up->cur = i;
	up->down = 0;
}

enum upstream_result upstream_post(struct upstream *up,
				   const struct upstream_req *req,
				   struct https_resp *resp)
{
	char why[HTTPS_WHY_MAX];
	unsigned k, i;
	int r;

	if (up->cur != 0 && up->failback &&
	    time(NULL) - up->since >= (time_t)up->failback)
		up->cur = 0;
	for (k = 0; k < up->n; k++) {
		i = (up->cur + k) % up->n;
		resp->status = 0;
		r = upstream_try(up, i, req, resp, why);
		if (r != UPSTREAM_NEXT) {
			upstream_answered(up, i);
			return (enum upstream_result)r;
		}
		if (!up->down)
			log_warn("%s: %s", up->urls[i].text, why);
		else
			log_debug("%s: %s", up->urls[i].text, why);
	}
	if (!up->down)
		log_warn("no upstream answers: keeping batches in the spool");
	up->down = 1;
	return UPSTREAM_RETRY;
}
