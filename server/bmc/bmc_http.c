/* bmc_http.c: requests to one BMC's Redfish service over libcurl, with
 * its pinned identity, credentials, bounded bodies, bounded retries and a
 * log line per request that holds no credential. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <mbedtls/platform_util.h>

#include "bmc_http.h"
#include "error.h"
#include "log.h"

/* A reply body as it arrives, bounded by BMC_BODY_MAX. */
struct bmc_buf {
	char *data;
	size_t len;
	int over;		/* the reply was larger: refused */
};

/* A reply and the base URL its Location may repeat, for the callbacks. */
struct bmc_rx {
	struct bmc_buf body;
	struct bmc_reply *r;
	const char *base;
};

int bmc_http_init(struct bmc_http *h, const char *node, const char *base,
		  const char *pin, const char *ca, const char *user,
		  const char *password)
{
	memset(h, 0, sizeof(*h));
	if ((!pin || !*pin) && (!ca || !*ca))
		return -EINVAL;
	snprintf(h->node, sizeof(h->node), "%s", node);
	snprintf(h->base, sizeof(h->base), "%s", base);
	snprintf(h->pin, sizeof(h->pin), "%s", pin ? pin : "");
	snprintf(h->ca, sizeof(h->ca), "%s", ca ? ca : "");
	snprintf(h->user, sizeof(h->user), "%s", user);
	h->backoff_ms = 500;
	if (!(h->password = strdup(password)) || !(h->curl = curl_easy_init())) {
		bmc_http_free(h);
		return -ENOMEM;
	}
	return 0;
}

void bmc_http_free(struct bmc_http *h)
{
	if (h->password) {
		mbedtls_platform_zeroize(h->password, strlen(h->password));
		free(h->password);
		h->password = NULL;
	}
	mbedtls_platform_zeroize(h->token, sizeof(h->token));
	if (h->curl)
		curl_easy_cleanup(h->curl);
	h->curl = NULL;
}

void bmc_reply_free(struct bmc_reply *r)
{
	json_decref(r->body);
	r->body = NULL;
	mbedtls_platform_zeroize(r->token, sizeof(r->token));
}

/* libcurl's write callback: append to the bounded body. */
static size_t bmc_http_write(char *ptr, size_t size, size_t n, void *ctx)
{
	struct bmc_buf *b = &((struct bmc_rx *)ctx)->body;
	size_t len = size * n;
	char *p;

	if (len > BMC_BODY_MAX || b->len > BMC_BODY_MAX - len) {
		b->over = 1;
		return 0;
	}
	if (!(p = realloc(b->data, b->len + len + 1)))
		return 0;
	b->data = p;
	memcpy(b->data + b->len, ptr, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/* Header @name's value in line @line (@len bytes) into @out, trimmed;
 * 1 if it was that header. */
static int bmc_http_header(const char *line, size_t len, const char *name,
			   char *out, size_t size)
{
	size_t nl = strlen(name);

	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return 0;
	line += nl + 1;
	len -= nl + 1;
	while (len && (*line == ' ' || *line == '\t'))
		line++, len--;
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n' ||
		       line[len - 1] == ' '))
		len--;
	if (len >= size)
		return 1;	/* too long to be one of ours: ignored */
	memcpy(out, line, len);
	out[len] = '\0';
	return 1;
}

/* libcurl's header callback: ETag, Location (as a path), the session
 * token, Retry-After. */
static size_t bmc_http_hdr(char *line, size_t size, size_t n, void *ctx)
{
	struct bmc_rx *rx = ctx;
	struct bmc_reply *r = rx->r;
	size_t len = size * n, bl = strlen(rx->base);
	char loc[BMC_PATH_MAX + 256], ra[16];
	const char *p = loc;

	bmc_http_header(line, len, "ETag", r->etag, sizeof(r->etag));
	bmc_http_header(line, len, "X-Auth-Token", r->token, sizeof(r->token));
	if (bmc_http_header(line, len, "Retry-After", ra, sizeof(ra)))
		r->retry_after = (unsigned)strtoul(ra, NULL, 10);
	loc[0] = '\0';
	if (bmc_http_header(line, len, "Location", loc, sizeof(loc)) &&
	    loc[0]) {
		if (strncmp(loc, rx->base, bl) == 0)
			p = loc + bl;
		r->location[0] = '\0';
		/* bmc_rf_path_ok() bounds it below BMC_PATH_MAX. */
		if (bmc_rf_path_ok(p))
			memcpy(r->location, p, strlen(p) + 1);
	}
	return len;
}

/* The TLS identity: the pinned key (a BMC's self-signed certificate names
 * no address we know: the key is the identity), or the CA and the name. */
static void bmc_http_tls(struct bmc_http *h)
{
	CURL *c = h->curl;

	if (h->pin[0]) {
		curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, h->pin);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	}
}

/* The request's headers: JSON, OData, If-Match, the session token. */
static struct curl_slist *bmc_http_headers(struct bmc_http *h, int has_body,
					   const char *if_match)
{
	struct curl_slist *l = NULL, *t;
	char line[640];
	const char *fixed[] = { "Accept: application/json",
				"OData-Version: 4.0", "Expect:",
				has_body ? "Content-Type: application/json" :
					   NULL };
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (fixed[i] && (t = curl_slist_append(l, fixed[i])))
			l = t;
	if (if_match && *if_match) {
		snprintf(line, sizeof(line), "If-Match: %s", if_match);
		if ((t = curl_slist_append(l, line)))
			l = t;
	}
	if (h->token[0]) {
		snprintf(line, sizeof(line), "X-Auth-Token: %s", h->token);
		if ((t = curl_slist_append(l, line)))
			l = t;
		mbedtls_platform_zeroize(line, sizeof(line));
	}
	return l;
}

/* Set the options of one attempt of @method @url with @text as body. */
static void bmc_http_setup(struct bmc_http *h, const char *method,
			   const char *url, const char *text,
			   struct curl_slist *hdrs, struct bmc_rx *rx)
{
	CURL *c = h->curl;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bmc_http_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, rx);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, bmc_http_hdr);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, rx);
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "DELETE") != 0)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, text ? text : "");
	if (h->basic && !h->token[0]) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, h->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, h->password);
	}
	bmc_http_tls(h);
}

long bmc_http_retry_ms(const char *method, int cc, long status,
		       unsigned int attempt, unsigned int backoff_ms)
{
	int sent_maybe;

	if (attempt >= BMC_ATTEMPTS)
		return -1;
	if (cc == CURLE_OK) {
		if (status != 502 && status != 503 && status != 504)
			return -1;
	} else {
		/* The TLS identity or a refused pin is not retried. */
		if (cc != CURLE_COULDNT_CONNECT && cc != CURLE_OPERATION_TIMEDOUT &&
		    cc != CURLE_GOT_NOTHING && cc != CURLE_RECV_ERROR &&
		    cc != CURLE_SEND_ERROR)
			return -1;
		/* A POST may have been received unless nothing connected. */
		sent_maybe = cc != CURLE_COULDNT_CONNECT;
		if (sent_maybe && strcmp(method, "POST") == 0)
			return -1;
	}
	return (long)backoff_ms << (attempt - 1);
}

/* Sleep @ms milliseconds. */
static void bmc_http_pause(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The rc and @h->err of transfer result @cc. */
static int bmc_http_transport_rc(struct bmc_http *h, const char *method,
				 const char *path, int cc)
{
	snprintf(h->err, sizeof(h->err), "%s %s: %s", method, path,
		 curl_easy_strerror(cc));
	switch (cc) {
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		snprintf(h->err, sizeof(h->err), "%s: the BMC's certificate "
			 "key is not the pinned one (if the BMC's certificate "
			 "was replaced on purpose: podboot bmc %s trust "
			 "--accept-change)", h->base, h->node);
		return -EKEYREJECTED;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return -EKEYREJECTED;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	default:
		return -EIO;
	}
}

/* The rc and @h->err of HTTP @status with @r's body. */
static int bmc_http_status_rc(struct bmc_http *h, const char *method,
			      const char *path, struct bmc_reply *r)
{
	char why[160];

	if (r->status >= 200 && r->status < 300)
		return 0;
	bmc_rf_error_text(r->body, why, sizeof(why));
	/* A BMC may quote what it was sent: never its password. */
	if (h->password[0] && strstr(why, h->password))
		snprintf(why, sizeof(why), "(the BMC's message is withheld: "
			 "it held the password)");
	snprintf(h->err, sizeof(h->err), "%s %s: HTTP %ld%s%s", method, path,
		 r->status, why[0] ? ": " : "", why);
	if (r->status == 401 || r->status == 403)
		return -EACCES;
	return r->status == 404 ? -ENOENT : -EPROTO;
}

/* One attempt; @r and @rx->body filled.  The libcurl result. */
static int bmc_http_once(struct bmc_http *h, const char *method,
			 const char *url, const char *text,
			 const char *if_match, struct bmc_rx *rx)
{
	struct curl_slist *hdrs = bmc_http_headers(h, text != NULL, if_match);
	int cc;

	bmc_http_setup(h, method, url, text, hdrs, rx);
	cc = curl_easy_perform(h->curl);
	/* The token and password copies in libcurl's handle go with it. */
	curl_slist_free_all(hdrs);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE,
				  &rx->r->status);
	return cc;
}

/* Parse @rx's body as JSON into its reply (an empty body stays NULL). */
static int bmc_http_parse(struct bmc_http *h, const char *method,
			  const char *path, struct bmc_rx *rx)
{
	json_error_t je;

	if (!rx->body.len)
		return 0;
	rx->r->body = json_loadb(rx->body.data, rx->body.len, 0, &je);
	if (rx->r->body || rx->r->status >= 300)
		return 0;
	snprintf(h->err, sizeof(h->err), "%s %s: the reply is not JSON (%s)",
		 method, path, je.text);
	return -EPROTO;
}

int bmc_http_request(struct bmc_http *h, const char *method, const char *path,
		     const json_t *body, const char *if_match,
		     struct bmc_reply *r)
{
	char url[sizeof(h->base) + BMC_PATH_MAX], *text = NULL;
	struct bmc_rx rx = { { NULL, 0, 0 }, r, h->base };
	unsigned int attempt = 0;
	long wait;
	int cc, rc;

	memset(r, 0, sizeof(*r));
	if (!bmc_rf_path_ok(path))
		return -EPROTO;
	snprintf(url, sizeof(url), "%s%s", h->base, path);
	if (body && !(text = json_dumps(body, JSON_COMPACT)))
		return -ENOMEM;
	for (;;) {
		free(rx.body.data);
		rx.body.data = NULL;
		rx.body.len = 0;
		memset(r, 0, sizeof(*r));
		cc = bmc_http_once(h, method, url, text, if_match, &rx);
		log_info("bmc %s: %s %s: %s%ld", h->node, method, path,
			 cc == CURLE_OK ? "HTTP " : "failed, ",
			 cc == CURLE_OK ? r->status : (long)cc);
		wait = bmc_http_retry_ms(method, cc, r->status, ++attempt,
					 h->backoff_ms);
		if (wait < 0)
			break;
		if (r->retry_after && r->retry_after <= 30)
			wait = (long)r->retry_after * 1000;
		bmc_http_pause(wait);
	}
	if (text) {
		mbedtls_platform_zeroize(text, strlen(text));
		free(text);
	}
	h->status = cc == CURLE_OK ? r->status : 0;
	if (cc != CURLE_OK)
		rc = rx.body.over ? -PB_ETOOBIG :
		     bmc_http_transport_rc(h, method, path, cc);
	else if ((rc = bmc_http_parse(h, method, path, &rx)) == 0)
		rc = bmc_http_status_rc(h, method, path, r);
	free(rx.body.data);
	return rc;
}
