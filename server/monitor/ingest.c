/* ingest.c: metrics in and out: agent pushes, relay batches, the
 * Pushgateway API, /metrics for Prometheus and its service discovery. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "error.h"
#include "gzip.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "nodetoken.h"
#include "num.h"
#include "utf8.h"

#define INGEST_BATCH_FACTOR 64		/* a batch holds this many pushes */
#define INGEST_SEQ_MAX (1LL << 62)	/* X-Podboot-Seq and a frame's seq */
#define INGEST_INTERVAL_MAX 3600	/* seconds between an agent's pushes */
#define INGEST_FRAME_FIELDS 7		/* PUSH token seq interval replay enc len */
#define INGEST_EPOCH_MAX 9007199254740991LL	/* 2^53 - 1: exact in JSON */
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
	unsigned long long epoch;	/* the agent's; 0: none */
	unsigned int interval;
	int replay;
	int gzip;
	int merge;
};

/* ---- helpers ---------------------------------------------------------- */

/* Numbers from headers: absent gives @def; bad (or over @max) gives -1. */
static long long ingest_number(const char *v, long long def, long long max)
{
	uint64_t n;

	if (!v)
		return def;
	if (num_parse_u64(v, strlen(v), (uint64_t)max, &n) != 0)
		return -1;
	return (long long)n;
}

/*
 * The reply to push @g, made before the push is applied: node, seq,
 * accepted, duplicate and late (and status, for a batch frame, if
 * @with_status).  NULL if jansson fails, and then nothing may be stored.
 * The caller frees the result.
 */
static json_t *ingest_result_new(const struct ingest *g, int with_status)
{
	json_t *res = json_pack("{s:s, s:I, s:i, s:b, s:b}", "node", g->id,
				"seq", (json_int_t)g->seq, "accepted", 0,
				"duplicate", 0, "late", 0);

	if (res && with_status &&
	    json_object_set_new(res, "status", json_integer(0)) != 0) {
		json_decref(res);
		return NULL;
	}
	return res;
}

/*
 * Turn @res from ingest_result_new into a refusal: the outcome members go
 * and "error" comes (after "status", if any).  Nothing was stored, so if
 * jansson fails here only the reason is lost.
 */
static void ingest_result_refuse(json_t *res, const char *why)
{
	static const char *const outcome[] = { "node", "seq", "accepted",
					       "duplicate", "late" };
	size_t i;

	for (i = 0; i < sizeof(outcome) / sizeof(outcome[0]); i++)
		json_object_del(res, outcome[i]);
	json_object_set_new(res, "error", json_string(why));
}

/*
 * Apply one decoded push and return its HTTP status, filling in @result
 * (from ingest_result_new, still owned by the caller).  Once the push is
 * stored, @result is only updated in place (a number set, members
 * replaced), which allocates nothing: a stored push is always answered
 * with its status.
 */
static unsigned int ingest_apply(struct http_req *r, struct ingest *g,
				 const struct pbuf *raw, json_t *result)
{
	struct metrics_push p = { .id = g->id, .pod = g->pod, .node = g->node,
				  .seq = g->seq, .generation = g->generation,
				  .epoch = g->epoch,
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
		ingest_result_refuse(result, "decompressed body over the push "
					     "limit");
		status = 413;
		goto out;
	}
	if (rc != 0) {
		ingest_result_refuse(result, "body is not valid gzip");
		status = 400;
		goto out;
	}
	p.text = doc->data ? doc->data : "";
	p.len = doc->len;
	if (metrics_apply(r->srv->metrics, r->gen->cfg, &p, &res) != 0) {
		ingest_result_refuse(result, "out of memory");
		status = 503;
		goto out;
	}
	switch (res.refusal) {
	case METRICS_OK:
		json_integer_set(json_object_get(result, "accepted"),
				 (json_int_t)res.accepted);
		json_object_set(result, "duplicate",
				json_boolean(res.duplicate));
		json_object_set(result, "late", json_boolean(res.late));
		status = 200;
		break;
	case METRICS_MALFORMED:
		ingest_result_refuse(result, res.err);
		status = 400;
		break;
	default:
		ingest_result_refuse(result, res.err);
		status = 429;
		break;
	}
out:
	pbuf_free(&plain);
	return status;
}

/*
 * Reply with @result (takes ownership); errors counted and logged like
 * other refusals.
 */
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

/*
 * 0 if node @n is in the configuration and pushes from its pod's networks
 * (config_pod_push_allowed); otherwise replies 403.
 */
static int ingest_node_configured(struct http_req *r,
				  const struct store_node *n)
{
	const struct config_node *cn = config_node_by_id(r->gen->cfg, n->id);

	/* A node removed from the configuration is no longer watched. */
	if (!cn) {
		http_reply_error(r, 403, "node %s is not configured", n->id);
		return -1;
	}
	/* A token copied off the node is no use from elsewhere. */
	if (!config_pod_push_allowed(cn->pod, r->client)) {
		http_reply_error(r, 403, "node %s of pod %s pushes only from "
					 "the pod's networks", n->id,
				 cn->pod->name);
		return -1;
	}
	return 0;
}

/* Identity of a pushing node from its token: 0, or replies 401/403. */
static int ingest_node(struct http_req *r, const char *token,
		       struct ingest *g)
{
	struct store_node n;

	if (!token || node_token_check(r->srv, token, &n) != 0) {
		http_reply_error(r, 401, "a valid node token is required");
		return -1;
	}
	if (ingest_node_configured(r, &n) != 0)
		return -1;
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

static int ingest_push_start(struct http_req *r)
{
	const struct config *cfg = r->gen->cfg;
	struct ingest g;
	long long seq, interval, epoch;

	memset(&g, 0, sizeof(g));
	if (ingest_node(r, http_bearer(r), &g) != 0 ||
	    !ingest_length_ok(r, cfg->max_push) ||
	    ingest_encoding(r, http_header(r, "Content-Encoding"), &g.gzip))
		return 0;
	seq = ingest_number(http_header(r, "X-Podboot-Seq"), 0,
			    INGEST_SEQ_MAX);
	interval = ingest_number(http_header(r, "X-Podboot-Interval"), 15,
				 INGEST_INTERVAL_MAX);
	epoch = ingest_number(http_header(r, "X-Podboot-Epoch"), 0,
			      INGEST_EPOCH_MAX);
	if (seq < 0 || interval < 1) {
		http_reply_error(r, 400, "X-Podboot-Seq must be a number and "
					 "X-Podboot-Interval 1 to 3600");
		return 0;
	}
	if (epoch < 0) {
		http_reply_error(r, 400, "X-Podboot-Epoch must be a number from "
					 "0 to 2^53 - 1");
		return 0;
	}
	g.seq = (unsigned long long)seq;
	g.epoch = (unsigned long long)epoch;
	g.interval = (unsigned int)interval;
	g.replay = http_header(r, "X-Podboot-Replay") != NULL;
	ingest_new(r, &g, cfg->max_push);
	return 0;
}

/* Also the end of a Pushgateway request. */
static int ingest_push_finish(struct http_req *r)
{
	struct ingest *g = r->ctx;
	json_t *result = ingest_result_new(g, 0);

	if (!result) {
		http_reply_error(r, 503, "out of memory");	/* nothing stored */
		return 0;
	}
	ingest_reply(r, ingest_apply(r, g, &g->body, result), result);
	return 0;
}

/* ---- POST /api/v1/push/batch ------------------------------------------ */

/* Next field of a frame's head, up to a single blank; NULL if empty or
 * past the end. */
static char *ingest_frame_field(char **p)
{
	char *s = *p, *sp;

	if (!s)
		return NULL;
	sp = strchr(s, ' ');
	if (sp)
		*sp = '\0';
	*p = sp ? sp + 1 : NULL;
	return *s ? s : NULL;
}

/*
 * One frame's head, "PUSH token seq interval replay encoding len" and
 * an optional " epoch", with single blanks, split in place.  -EINVAL if it does not parse or its
 * length is not a plain number: the frame cannot be skipped.  Otherwise
 * 0, with *@bad set (1) if seq, interval or replay is not a plain number
 * within the limits of a single push, or (2) if the epoch is not:
 * that frame alone is refused.
 */
static int ingest_frame_header(char *line, char *token, size_t tsize,
			       struct ingest *g, unsigned long long *len,
			       int *bad)
{
	char *p = line, *f[INGEST_FRAME_FIELDS];
	long long seq, interval, replay, n, epoch = 0;
	char *ep = NULL;
	size_t i;

	for (i = 0; i < INGEST_FRAME_FIELDS; i++)
		if (!(f[i] = ingest_frame_field(&p)))
			return -EINVAL;
	if (p && !(ep = ingest_frame_field(&p)))
		return -EINVAL;
	if (ep)
		epoch = ingest_number(ep, -1, INGEST_EPOCH_MAX);
	n = ingest_number(f[6], -1, INGEST_SEQ_MAX);
	if (p || strcmp(f[0], "PUSH") != 0 || strlen(f[1]) >= tsize ||
	    (strcmp(f[5], "gzip") != 0 && strcmp(f[5], "identity") != 0) ||
	    n < 0)
		return -EINVAL;
	seq = ingest_number(f[2], -1, INGEST_SEQ_MAX);
	interval = ingest_number(f[3], -1, INGEST_INTERVAL_MAX);
	replay = ingest_number(f[4], -1, 1);
	*bad = seq < 0 || interval < 1 || replay < 0 ? 1 : epoch < 0 ? 2 : 0;
	snprintf(token, tsize, "%s", f[1]);
	g->seq = *bad ? 0 : (unsigned long long)seq;
	g->interval = *bad ? 0 : (unsigned int)interval;
	g->replay = replay == 1;
	g->epoch = *bad ? 0 : (unsigned long long)epoch;
	g->gzip = strcmp(f[5], "gzip") == 0;
	*len = (unsigned long long)n;
	return 0;
}

/*
 * Process one frame at *off of the batch and append its result to
 * @results.  The result is in @results before the frame is applied, so a
 * jansson failure (-ENOMEM) leaves this frame unapplied; -EINVAL for a
 * frame that does not parse.
 */
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
	const char *why = NULL;
	unsigned long long len;
	unsigned int status = 0;
	int bad;

	memset(&g, 0, sizeof(g));
	if (!nl || (size_t)(nl - p) >= sizeof(line))
		return -EINVAL;
	memcpy(line, p, (size_t)(nl - p));
	line[nl - p] = '\0';
	if (ingest_frame_header(line, token, sizeof(token), &g, &len,
				&bad) != 0 ||
	    len > batch->body.len - *off - (size_t)(nl - p) - 1)
		return -EINVAL;
	frame.data = (char *)nl + 1;
	frame.len = (size_t)len;
	*off += (size_t)(nl - p) + 1 + (size_t)len;
	if (node_token_check(r->srv, token, &n) != 0) {
		status = 401;
		why = "invalid node token";
	} else if (!config_node_by_id(r->gen->cfg, n.id)) {
		status = 403;
		why = "node is not configured";
	} else if (len > r->gen->cfg->max_push) {
		status = 413;
		why = "push larger than the limit";
	} else if (bad) {
		int epoch_bad = bad == 2;

		status = 400;
		why = epoch_bad ? "epoch must be a number from 0 to 2^53 - 1" :
				  "seq must be a number from 0 to 2^62, "
				  "interval 1 to 3600 and replay 0 or 1";
	}
	if (why)
		result = json_pack("{s:i, s:s}", "status", (int)status,
				   "error", why);
	else {
		ingest_identity(&g, &n);
		result = ingest_result_new(&g, 1);
	}
	/* The array keeps a reference; @result stays usable below. */
	if (json_array_append_new(results, result) != 0)
		return -ENOMEM;
	if (!why) {
		status = ingest_apply(r, &g, &frame, result);
		json_integer_set(json_object_get(result, "status"), status);
	}
	return 0;
}

static int ingest_batch_start(struct http_req *r)
{
	unsigned long long max = r->gen->cfg->max_push * INGEST_BATCH_FACTOR;
	struct ingest g;

	memset(&g, 0, sizeof(g));
	if (!http_require_scope(r, "relay") || !ingest_length_ok(r, max))
		return 0;
	ingest_new(r, &g, max);
	return 0;
}

/*
 * Frames are applied in order.  A frame that does not parse, or that
 * jansson cannot answer, stops the batch with the frames before it
 * applied: the relay sends the batch again, and their sequence numbers
 * make them duplicates.
 */
static int ingest_batch_finish(struct http_req *r)
{
	struct ingest *g = r->ctx;
	json_t *reply = json_pack("{s:[]}", "frames");
	json_t *results = json_object_get(reply, "frames");
	size_t off = 0;
	int rc = results ? 0 : -ENOMEM;

	while (rc == 0 && off < g->body.len)
		rc = ingest_frame(r, g, &off, results);
	if (rc != 0) {
		json_decref(reply);
		if (rc == -ENOMEM)
			http_reply_error(r, 503, "out of memory");
		else
			http_reply_error(r, 400, "malformed frame at byte %zu "
						 "(expected PUSH token seq "
						 "interval replay encoding "
						 "length)", off);
		return 0;
	}
	http_reply_json(r, 200, reply);
	return 0;
}

/* ---- Pushgateway: PUT|POST /metrics/job/JOB{/LABEL/VALUE} ------------- */

/*
 * Why grouping value @v cannot be put into /metrics as it is, or NULL if
 * it can: it must be valid UTF-8 (Prometheus refuses the whole scrape
 * otherwise), and hold no control character (C0, DEL or C1: they forge
 * lines in logs and terminals), '"' or '\' (values are not escaped).
 */
static const char *ingest_value_refusal(const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	unsigned long cp;
	size_t n;

	for (; *p; p += n) {
		n = utf8_char(p, &cp);
		if (n == 0)
			return "is not valid UTF-8";
		if (utf8_is_control(cp))
			return "contains a control character";
		if (cp == '"' || cp == '\\')
			return "contains '\"' or '\\'";
	}
	return NULL;
}

/*
 * JOB{/LABEL/VALUE} into rendered grouping labels, every part checked
 * before anything is stored: 0, or -EINVAL with the reason in @why.
 */
static int ingest_grouping(const char *rest, char *out, size_t size,
			   char *why, size_t why_size)
{
	static const char grammar[] = "expected /metrics/job/JOB"
				      "{/LABEL/VALUE} with plain values";
	char buf[1024], *save = NULL, *value;
	const char *label = "job", *bad;
	size_t off = 0;
	int n;

	if (strlen(rest) >= sizeof(buf)) {
		snprintf(why, why_size, "grouping key too long");
		return -EINVAL;
	}
	strcpy(buf, rest);
	/* The first pair is job and JOB; then LABEL/VALUE pairs. */
	value = strtok_r(buf, "/", &save);
	while (value) {
		/* Label names are ASCII by their grammar: safe to quote. */
		if (off > 0 && (!promtext_label_name_valid(label) ||
				strcmp(label, "job") == 0 ||
				strcmp(label, "pod") == 0 ||
				strcmp(label, "node") == 0)) {
			snprintf(why, why_size, "%s", grammar);
			return -EINVAL;
		}
		if ((bad = ingest_value_refusal(value)) != NULL) {
			snprintf(why, why_size, "the value of %s %s", label,
				 bad);
			return -EINVAL;
		}
		n = snprintf(out + off, size - off, "%s%s=\"%s\"",
			     off ? "," : "", label, value);
		if (n < 0 || (size_t)n >= size - off) {
			snprintf(why, why_size, "grouping key too long");
			return -EINVAL;
		}
		off += (size_t)n;
		if ((label = strtok_r(NULL, "/", &save)) == NULL)
			return 0;
		value = strtok_r(NULL, "/", &save);
	}
	snprintf(why, why_size, "%s", grammar);	/* no JOB, or a LABEL alone */
	return -EINVAL;
}

static int ingest_pgw_start(struct http_req *r)
{
	const struct config *cfg = r->gen->cfg;
	const char *secret = http_bearer(r);
	struct ingest g;
	struct store_node n;
	char why[256];		/* room for a label name of PROM_NAME_MAX */

	memset(&g, 0, sizeof(g));
	if (ingest_grouping(r->rest, g.group, sizeof(g.group), why,
			    sizeof(why)) != 0) {
		http_reply_error(r, 400, "%s", why);
		return 0;
	}
	/* A node token attaches the group to its node (which must still be
	 * configured, as for /api/v1/push); a push token to nothing but the
	 * job. */
	if (secret && node_token_check(r->srv, secret, &n) == 0) {
		if (ingest_node_configured(r, &n) != 0)
			return 0;
		snprintf(g.pod, sizeof(g.pod), "%s", n.pod);
		snprintf(g.node, sizeof(g.node), "%s", n.id);
	} else if (!http_require_scope(r, "push")) {
		return 0;
	}
	if (strlen(g.node) + strlen(g.group) + 6 > sizeof(g.id)) {
		http_reply_error(r, 400, "grouping key too long");
		return 0;
	}
	snprintf(g.id, sizeof(g.id), "pgw/%.63s/%.120s", g.node, g.group);
	g.merge = strcmp(r->method, "POST") == 0;
	if (!ingest_length_ok(r, cfg->max_push) ||
	    ingest_encoding(r, http_header(r, "Content-Encoding"), &g.gzip))
		return 0;
	ingest_new(r, &g, cfg->max_push);
	return 0;
}

/* ---- GET /metrics and GET /api/v1/sd ---------------------------------- */

static int ingest_metrics(struct http_req *r)
{
	struct pbuf out;
	int rc;

	if (http_args_only(r, (const char *const[]){ NULL }) != 0 ||
	    !http_require_scope(r, "status"))
		return 0;
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
	return 0;
}

/* Prometheus HTTP service discovery: one target group per pod. */
static int ingest_sd(struct http_req *r)
{
	const struct config *cfg = r->gen->cfg;
	json_t *groups = json_array(), *targets;
	size_t p, i;

	if (http_args_only(r, (const char *const[]){ NULL }) != 0 ||
	    !http_require_scope(r, "status")) {
		json_decref(groups);
		return 0;
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
	return 0;
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
