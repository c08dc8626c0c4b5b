/* ingest.c: metrics in and out: agent pushes, relay batches, the
 * Pushgateway API, /metrics for Prometheus and its service discovery. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "error.h"
#include "gzip.h"
#include "log.h"
#include "metrics.h"
#include "node.h"
#include "routes.h"

#define INGEST_BATCH_FACTOR 64		/* a batch holds this many pushes */
#define INGEST_EXPO_MAX (512ULL * 1024 * 1024)

/* Per-request state of a push, a batch or a Pushgateway request. */
struct ingest {
	struct pbuf body;
	char id[192];
	char pod[64];
	char node[64];
	char group[128];		/* Pushgateway grouping labels */
	unsigned long long seq;
	unsigned long long generation;	/* of the node token */
	unsigned int interval;
	int replay;
	int gzip;
	int merge;
};

/* ---- helpers ---------------------------------------------------------- */

/* Numbers from headers: absent gives @def; bad gives -1. */
static long long ingest_number(const char *v, long long def, long long max)
{
	char *end;
	unsigned long long n;

	if (!v)
		return def;
	if (*v < '0' || *v > '9')
		return -1;
	n = strtoull(v, &end, 10);
	return *end || n > (unsigned long long)max ? -1 : (long long)n;
}

/*
 * Apply one decoded push and describe the outcome: HTTP status, and a
 * JSON result (owned by the caller).
 */
static unsigned int ingest_apply(struct http_req *r, struct ingest *g,
				 const struct pbuf *raw, json_t **result)
{
	struct metrics_push p = { .id = g->id, .pod = g->pod, .node = g->node,
				  .seq = g->seq, .generation = g->generation,
				  .interval = g->interval, .replay = g->replay,
				  .merge = g->merge,
				  .group_labels = g->group[0] ? g->group : NULL };
	struct metrics_result res;
	const struct pbuf *doc = raw;
	struct pbuf plain;
	unsigned int status;
	int rc = 0;

	pbuf_init(&plain, r->gen->cfg->max_push);
	if (g->gzip) {
		rc = gzip_decompress(raw->data, raw->len, &plain);
		doc = &plain;
	}
	if (rc == -PB_ETOOBIG) {
		*result = json_pack("{s:s}", "error", "decompressed body over "
						      "the push limit");
		status = 413;
		goto out;
	}
	if (rc != 0) {
		*result = json_pack("{s:s}", "error", "body is not valid gzip");
		status = 400;
		goto out;
	}
	p.text = doc->data ? doc->data : "";
	p.len = doc->len;
	if (metrics_apply(r->srv->metrics, r->gen->cfg, &p, &res) != 0) {
		*result = json_pack("{s:s}", "error", "out of memory");
		status = 503;
		goto out;
	}
	switch (res.refusal) {
	case METRICS_OK:
		*result = json_pack("{s:s, s:I, s:I, s:b, s:b}", "node", g->id,
				    "seq", (json_int_t)g->seq, "accepted",
				    (json_int_t)res.accepted, "duplicate",
				    res.duplicate, "late", res.late);
		status = 200;
		break;
	case METRICS_MALFORMED:
		*result = json_pack("{s:s}", "error", res.err);
		status = 400;
		break;
	default:
		*result = json_pack("{s:s}", "error", res.err);
		status = 429;
		break;
	}
out:
	pbuf_free(&plain);
	return status;
}

/* Reply with @result; errors counted and logged like other refusals. */
static void ingest_reply(struct http_req *r, unsigned int status,
			 json_t *result)
{
	const char *why;

	if (status >= 400) {
		why = json_string_value(json_object_get(result, "error"));
		http_reply_error(r, status, "%s", why ? why : "refused");
		json_decref(result);
		return;
	}
	http_reply_json(r, status, result);
}

/* The push is from node @n (its token checked, the node configured). */
static void ingest_identity(struct ingest *g, const struct store_node *n)
{
	snprintf(g->id, sizeof(g->id), "%s", n->id);
	snprintf(g->node, sizeof(g->node), "%s", n->id);
	snprintf(g->pod, sizeof(g->pod), "%s", n->pod);
	g->generation = n->generation;
}

/* Identity of a pushing node from its token: 0, or replies 401. */
static int ingest_node(struct http_req *r, const char *token,
		       struct ingest *g)
{
	struct store_node n;

	if (!token || node_token_check(r->srv, token, &n) != 0) {
		http_reply_error(r, 401, "a valid node token is required");
		return -1;
	}
	/* A node removed from the configuration is no longer watched. */
	if (!config_node_by_id(r->gen->cfg, n.id)) {
		http_reply_error(r, 403, "node %s is not configured", n.id);
		return -1;
	}
	ingest_identity(g, &n);
	return 0;
}

/* The request's state: a copy of @hdr with a body buffer up to @max. */
static struct ingest *ingest_new(struct http_req *r, const struct ingest *hdr,
				 unsigned long long max)
{
	struct ingest *g = malloc(sizeof(*g));

	if (!g) {
		http_reply_error(r, 503, "out of memory");
		return NULL;
	}
	*g = *hdr;
	pbuf_init(&g->body, (size_t)max);
	r->ctx = g;
	return g;
}

/* Refuse a declared body over @max before reading it. */
static int ingest_length_ok(struct http_req *r, unsigned long long max)
{
	long long len = ingest_number(
		http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH), 0, 1LL << 62);

	if (len < 0 || (unsigned long long)len > max) {
		http_reply_error(r, 413, "body larger than %llu bytes", max);
		return 0;
	}
	return 1;
}

/* Content-Encoding: identity or gzip; 0 or replies 415. */
static int ingest_encoding(struct http_req *r, const char *enc, int *gzip)
{
	*gzip = enc && strcmp(enc, "gzip") == 0;
	if (enc && !*gzip && strcmp(enc, "identity") != 0) {
		http_reply_error(r, 415, "Content-Encoding must be gzip or "
					 "identity");
		return -1;
	}
	return 0;
}

static int ingest_body(struct http_req *r, const char *data, size_t len)
{
	struct ingest *g = r->ctx;

	if (pbuf_append(&g->body, data, len) != 0) {
		http_body_refuse(r, 413, "body larger than %zu bytes",
				 g->body.max);
		return -1;
	}
	return 0;
}

static void ingest_cleanup(struct http_req *r, int completed)
{
	struct ingest *g = r->ctx;

	(void)completed;
	if (!g)
		return;
	pbuf_free(&g->body);
	free(g);
	r->ctx = NULL;
}

/* ---- POST /api/v1/push ------------------------------------------------ */

static void ingest_push_start(struct http_req *r)
{
	const struct config *cfg = r->gen->cfg;
	struct ingest g;
	long long seq, interval;

	memset(&g, 0, sizeof(g));
	if (ingest_node(r, http_bearer(r), &g) != 0 ||
	    !ingest_length_ok(r, cfg->max_push) ||
	    ingest_encoding(r, http_header(r, "Content-Encoding"), &g.gzip))
		return;
	seq = ingest_number(http_header(r, "X-Podboot-Seq"), 0, 1LL << 62);
	interval = ingest_number(http_header(r, "X-Podboot-Interval"), 15,
				 3600);
	if (seq < 0 || interval < 1) {
		http_reply_error(r, 400, "X-Podboot-Seq must be a number and "
					 "X-Podboot-Interval 1 to 3600");
		return;
	}
	g.seq = (unsigned long long)seq;
	g.interval = (unsigned int)interval;
	g.replay = http_header(r, "X-Podboot-Replay") != NULL;
	ingest_new(r, &g, cfg->max_push);
}

static void ingest_push_finish(struct http_req *r)
{
	struct ingest *g = r->ctx;
	json_t *result = NULL;
	unsigned int status;

	status = ingest_apply(r, g, &g->body, &result);
	ingest_reply(r, status, result);
}

/* ---- POST /api/v1/push/batch ------------------------------------------ */

/* One frame's header: PUSH token seq interval replay encoding len. */
static int ingest_frame_header(const char *line, char *token, size_t tsize,
			       struct ingest *g, size_t *len)
{
	char enc[16], tok[160];
	unsigned long long seq, n;
	unsigned int interval, replay;

	if (sscanf(line, "PUSH %159s %llu %u %u %15s %llu", tok, &seq,
		   &interval, &replay, enc, &n) != 6 || interval < 1 ||
	    interval > 3600 || replay > 1 ||
	    (strcmp(enc, "gzip") && strcmp(enc, "identity")))
		return -EINVAL;
	snprintf(token, tsize, "%s", tok);
	g->seq = seq;
	g->interval = interval;
	g->replay = (int)replay;
	g->gzip = strcmp(enc, "gzip") == 0;
	*len = (size_t)n;
	return 0;
}

/* Process one frame at *off of the batch; appends its result. */
static int ingest_frame(struct http_req *r, const struct ingest *batch,
			size_t *off, json_t *results)
{
	const char *p = batch->body.data + *off;
	const char *nl = memchr(p, '\n', batch->body.len - *off);
	char line[256], token[160];
	struct ingest g;
	struct store_node n;
	struct pbuf frame;
	json_t *result = NULL;
	unsigned int status;
	size_t len;

	memset(&g, 0, sizeof(g));
	if (!nl || (size_t)(nl - p) >= sizeof(line))
		return -EINVAL;
	memcpy(line, p, (size_t)(nl - p));
	line[nl - p] = '\0';
	if (ingest_frame_header(line, token, sizeof(token), &g, &len) != 0 ||
	    len > batch->body.len - *off - (size_t)(nl - p) - 1)
		return -EINVAL;
	frame.data = (char *)nl + 1;
	frame.len = len;
	*off += (size_t)(nl - p) + 1 + len;
	if (node_token_check(r->srv, token, &n) != 0) {
		result = json_pack("{s:i, s:s}", "status", 401, "error",
				   "invalid node token");
	} else if (!config_node_by_id(r->gen->cfg, n.id)) {
		result = json_pack("{s:i, s:s}", "status", 403, "error",
				   "node is not configured");
	} else if (len > r->gen->cfg->max_push) {
		result = json_pack("{s:i, s:s}", "status", 413, "error",
				   "push larger than the limit");
	} else {
		ingest_identity(&g, &n);
		status = ingest_apply(r, &g, &frame, &result);
		json_object_set_new(result, "status", json_integer(status));
	}
	json_array_append_new(results, result);
	return 0;
}

static void ingest_batch_start(struct http_req *r)
{
	unsigned long long max = r->gen->cfg->max_push * INGEST_BATCH_FACTOR;
	struct ingest g;

	memset(&g, 0, sizeof(g));
	if (!http_require_scope(r, "relay") || !ingest_length_ok(r, max))
		return;
	ingest_new(r, &g, max);
}

static void ingest_batch_finish(struct http_req *r)
{
	struct ingest *g = r->ctx;
	json_t *results = json_array();
	size_t off = 0;

	while (results && off < g->body.len) {
		if (ingest_frame(r, g, &off, results) != 0) {
			json_decref(results);
			http_reply_error(r, 400, "malformed frame at byte %zu "
						 "(expected PUSH token seq "
						 "interval replay encoding "
						 "length)", off);
			return;
		}
	}
	http_reply_json(r, 200, json_pack("{s:o*}", "frames", results));
}

/* ---- Pushgateway: PUT|POST /metrics/job/JOB{/LABEL/VALUE} ------------- */

/* JOB{/LABEL/VALUE} into rendered grouping labels; 0 or -EINVAL. */
static int ingest_grouping(const char *rest, char *out, size_t size)
{
	char buf[1024], *save = NULL, *label, *value;
	size_t off;
	int n;

	if (strlen(rest) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, rest);
	value = strtok_r(buf, "/", &save);
	if (!value || strpbrk(value, "\"\\\n"))
		return -EINVAL;
	n = snprintf(out, size, "job=\"%s\"", value);
	if (n < 0 || (size_t)n >= size)
		return -EINVAL;
	off = (size_t)n;
	while ((label = strtok_r(NULL, "/", &save)) != NULL) {
		value = strtok_r(NULL, "/", &save);
		if (!value || !promtext_label_name_valid(label) ||
		    strpbrk(value, "\"\\\n") || strcmp(label, "job") == 0 ||
		    strcmp(label, "pod") == 0 || strcmp(label, "node") == 0)
			return -EINVAL;
		n = snprintf(out + off, size - off, ",%s=\"%s\"", label, value);
		if (n < 0 || (size_t)n >= size - off)
			return -EINVAL;
		off += (size_t)n;
	}
	return 0;
}

static void ingest_pgw_start(struct http_req *r)
{
	const struct config *cfg = r->gen->cfg;
	const char *secret = http_bearer(r);
	struct ingest g;
	struct store_node n;

	memset(&g, 0, sizeof(g));
	if (ingest_grouping(r->rest, g.group, sizeof(g.group)) != 0) {
		http_reply_error(r, 400, "expected /metrics/job/JOB"
					 "{/LABEL/VALUE} with plain values");
		return;
	}
	/* A node token attaches the group to its node; a push token to
	 * nothing but the job. */
	if (secret && node_token_check(r->srv, secret, &n) == 0) {
		snprintf(g.pod, sizeof(g.pod), "%s", n.pod);
		snprintf(g.node, sizeof(g.node), "%s", n.id);
	} else if (!http_require_scope(r, "push")) {
		return;
	}
	if (strlen(g.node) + strlen(g.group) + 6 > sizeof(g.id)) {
		http_reply_error(r, 400, "grouping key too long");
		return;
	}
	snprintf(g.id, sizeof(g.id), "pgw/%.63s/%.120s", g.node, g.group);
	g.merge = strcmp(r->method, "POST") == 0;
	if (!ingest_length_ok(r, cfg->max_push) ||
	    ingest_encoding(r, http_header(r, "Content-Encoding"), &g.gzip))
		return;
	ingest_new(r, &g, cfg->max_push);
}

/* ---- GET /metrics and GET /api/v1/sd ---------------------------------- */

static void ingest_metrics(struct http_req *r)
{
	struct pbuf out;
	int rc;

	if (http_args_only(r, (const char *const[]){ NULL }) != 0 ||
	    !http_require_scope(r, "status"))
		return;
	pbuf_init(&out, INGEST_EXPO_MAX);
	rc = metrics_expose(r->srv->metrics, r->gen->cfg, r->srv->store,
			    &r->srv->stats, &out);
	if (rc == 0)
		rc = alerts_expose(r->srv->alerts, &out);
	if (rc != 0)
		http_reply_error(r, 503, "exposition failed: %s",
				 pb_strerror(rc));
	else
		http_reply_data(r, 200, "text/plain; version=0.0.4", out.data,
				out.len);
	pbuf_free(&out);
}

/* Prometheus HTTP service discovery: one target group per pod. */
static void ingest_sd(struct http_req *r)
{
	const struct config *cfg = r->gen->cfg;
	json_t *groups = json_array(), *targets;
	size_t p, i;

	if (http_args_only(r, (const char *const[]){ NULL }) != 0 ||
	    !http_require_scope(r, "status")) {
		json_decref(groups);
		return;
	}
	for (p = 0; groups && p < cfg->n_pods; p++) {
		targets = json_array();
		for (i = 0; targets && i < cfg->n_nodes; i++)
			if (cfg->nodes[i].pod == &cfg->pods[p])
				json_array_append_new(
					targets,
					json_string(cfg->nodes[i].address[0] ?
							    cfg->nodes[i].address :
							    cfg->nodes[i].hostname));
		json_array_append_new(
			groups,
			json_pack("{s:o*, s:{s:s, s:s}}", "targets", targets,
				  "labels", "pod", cfg->pods[p].name,
				  "__meta_podboot_site", cfg->pods[p].site));
	}
	http_reply_json(r, 200, groups);
}

const struct http_route routes_ingest[] = {
	{ "POST", "/api/v1/push", 1, ingest_push_start, ingest_body,
	  ingest_push_finish, ingest_cleanup, 0 },
	{ "POST", "/api/v1/push/batch", 1, ingest_batch_start, ingest_body,
	  ingest_batch_finish, ingest_cleanup, 0 },
	{ "PUT", "/metrics/job/", 0, ingest_pgw_start, ingest_body,
	  ingest_push_finish, ingest_cleanup, 0 },
	{ "POST", "/metrics/job/", 0, ingest_pgw_start, ingest_body,
	  ingest_push_finish, ingest_cleanup, 0 },
	{ "GET", "/metrics", 1, ingest_metrics, NULL, NULL, NULL, 0 },
	{ "GET", "/api/v1/sd", 1, ingest_sd, NULL, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 },
};
