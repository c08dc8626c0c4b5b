/* ingest.c: metrics in and out: agent pushes, relay batches, the
 * Pushgateway API, /metrics for Prometheus and its service discovery. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "alert.h"
#include "claimer.h"
#include "remote_write.h"
#include "error.h"
#include "gzip.h"
#include "ingest.h"
#include "ingest_parse.h"
#include "log.h"
#include "metrics.h"
#include "metrics_seq.h"
#include "nodehint.h"
#include "nodetoken.h"
#include "token.h"

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
	unsigned long long epoch;	/* the agent's; 0: none */
	unsigned int interval;
	int replay;
	int gzip;
	int merge;
	int unconfirmed;	/* generation and pod from a node hint */
	int claim_state;	/* INGEST_CLAIM_*: its first claim */
	struct claimer_item claim;	/* that claim, if parked */
};

/* Where a push's first claim stands (ingest_claim_park()). */
enum {
	INGEST_CLAIM_NOW,	/* not asked yet: ask the claimer */
	INGEST_CLAIM_PARKED,	/* with the claimer, the request parked */
	INGEST_CLAIM_DONE,	/* the claimer's answer is in claim.c.rc */
	INGEST_CLAIM_SYNC,	/* no claimer: ingest_claim() asks the store */
};

/* ---- helpers ---------------------------------------------------------- */

/*
 * Whether @token is the token of a node this replica read lately
 * (srv->hints), at the generation it read (compared in constant time): 0
 * with @n's id, pod and generation filled (the rest zero), or -ENOENT.
 * The push's claim confirms the row (store_push_claim_node()).
 */
static int ingest_hint_check(struct server *srv, const char *token,
			     struct store_node *n)
{
	const char *dot = strrchr(token, '.');
	char want[NODE_TOKEN_MAX], id[64];
	size_t len = dot ? (size_t)(dot - token) : 0;

	memset(n, 0, sizeof(*n));
	if (len == 0 || len >= sizeof(id))
		return -ENOENT;
	memcpy(id, token, len);
	id[len] = '\0';
	if (node_hint_get(srv->hints, id, 0, n) != 0)
		return -ENOENT;
	node_token(srv, n->id, n->generation, want);
	return token_equal(token, want) ? 0 : -ENOENT;
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

/* The push is from node @n (its token checked, the node configured). */
static void ingest_identity(struct ingest *g, const struct store_node *n)
{
	snprintf(g->id, sizeof(g->id), "%s", n->id);
	snprintf(g->node, sizeof(g->node), "%s", n->id);
	snprintf(g->pod, sizeof(g->pod), "%s", n->pod);
	g->generation = n->generation;
}

/*
 * Claim @g's push in the store (metrics_seq_claim()), first making sure
 * of a node taken on a hint's word: one statement claims the push
 * if the node's row is unchanged; otherwise (or without a seq) the node
 * is read and its token checked again.  0 (new), 1 (a duplicate),
 * -EACCES (the token is no longer the node's), or a store error.
 */
static int ingest_claim(struct http_req *r, struct ingest *g)
{
	const struct store_push_key k = { g->id, g->generation, g->epoch,
					  g->seq };
	const char *token = http_bearer(r);
	struct store_node n;
	int rc;

	if (g->unconfirmed && g->seq) {
		rc = g->claim_state == INGEST_CLAIM_DONE
			     ? g->claim.c.rc
			     : store_push_claim_node(r->srv->store, &k, g->pod);
		if (rc <= 0)
			return rc;
	}
	if (g->unconfirmed) {
		if (!token || node_token_check(r->srv, token, &n) != 0)
			return -EACCES;
		node_hint_put(r->srv->hints, &n);
		ingest_identity(g, &n);
		g->unconfirmed = 0;
	} else if (g->claim_state == INGEST_CLAIM_DONE) {
		return g->claim.c.rc;
	}
	return metrics_seq_claim(r->srv->store, g->id, g->seq, g->generation,
				 g->epoch);
}

/* The claimer has answered @arg's claim: wake the request (its finish
 * goes on in ingest_claim()). */
static void ingest_claimed(void *arg)
{
	struct http_req *r = arg;
	struct ingest *g = r->ctx;

	g->claim_state = INGEST_CLAIM_DONE;
	http_resume(r);
}

/*
 * Hand push @g's first claim (ingest_claim()'s) to the store's claimer,
 * which takes it in one statement with the others waiting, and park @r
 * until it is in: 0 if parked; nonzero to claim the usual way (no seq, a
 * store of this process alone, or the claimer stopping).
 */
static int ingest_claim_park(struct http_req *r, struct ingest *g)
{
	if (!g->seq || !r->srv->claimer || g->claim_state != INGEST_CLAIM_NOW)
		return 1;
	g->claim.c.k = (struct store_push_key){ g->id, g->generation,
						g->epoch, g->seq };
	g->claim.c.pod = g->unconfirmed ? g->pod : NULL;
	g->claim.done = ingest_claimed;
	g->claim.arg = r;
	g->claim_state = INGEST_CLAIM_PARKED;
	http_suspend(r);
	if (claimer_submit(r->srv->claimer, &g->claim) == 0)
		return 0;
	/* Parked already: wake at once, and claim the usual way then. */
	g->claim_state = INGEST_CLAIM_SYNC;
	http_resume(r);
	return 0;
}

/* A push the claimer took that is then refused before it is stored:
 * give the claim back, so that the agent's retry is not a duplicate. */
static void ingest_claim_giveback(struct http_req *r, const struct ingest *g)
{
	if (g->claim_state == INGEST_CLAIM_DONE && g->claim.c.rc == 0)
		metrics_seq_unclaim(r->srv->store, g->id, g->seq,
				    g->generation, g->epoch);
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
		ingest_claim_giveback(r, g);
		ingest_result_refuse(result, "decompressed body over the push "
					     "limit");
		status = 413;
		goto out;
	}
	if (rc != 0) {
		ingest_claim_giveback(r, g);
		ingest_result_refuse(result, "body is not valid gzip");
		status = 400;
		goto out;
	}
	p.text = doc->data ? doc->data : "";
	p.len = doc->len;
	/* Across replicas the store says first whether the push is new. */
	rc = ingest_claim(r, g);
	p.generation = g->generation;
	if (rc == -EACCES) {
		ingest_result_refuse(result, "a valid node token is required");
		status = 401;
		goto out;
	}
	if (rc < 0) {
		ingest_result_refuse(result, "the store is unavailable");
		status = 503;
		goto out;
	}
	if (rc == 1) {
		json_object_set(result, "duplicate", json_true());
		status = 200;
		goto out;
	}
	if (metrics_apply(r->srv->metrics, r->gen->cfg, &p, &res) != 0) {
		metrics_seq_unclaim(r->srv->store, p.id, p.seq, p.generation,
				    p.epoch);
		ingest_result_refuse(result, "out of memory");
		status = 503;
		goto out;
	}
	if (res.refusal != METRICS_OK)
		metrics_seq_unclaim(r->srv->store, p.id, p.seq, p.generation,
				    p.epoch);
	switch (res.refusal) {
	case METRICS_OK:
		json_integer_set(json_object_get(result, "accepted"),
				 (json_int_t)res.accepted);
		json_object_set(result, "duplicate",
				json_boolean(res.duplicate));
		json_object_set(result, "late", json_boolean(res.late));
		if (!res.duplicate && !res.late)
			remote_write_push(r->srv->rw, r->gen->cfg, &p);
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
 * other refusals.  0, or the refusal's code.
 */
static int ingest_reply(struct http_req *r, unsigned int status,
			json_t *result)
{
	const char *why;
	int rc;

	if (status >= 400) {
		why = json_string_value(json_object_get(result, "error"));
		rc = http_refuse(r, status, "%s", why ? why : "refused");
		json_decref(result);
		return rc;
	}
	http_reply_json(r, status, result);
	return 0;
}

/*
 * 0 if node @n is in the configuration and pushes from its pod's networks
 * (config_pod_push_allowed); otherwise refuses (403) and returns -EACCES.
 */
static int ingest_node_configured(struct http_req *r,
				  const struct store_node *n)
{
	const struct config_node *cn = config_node_by_id(r->gen->cfg, n->id);

	/* A node removed from the configuration is no longer watched. */
	if (!cn)
		return http_refuse(r, 403, "node %s is not configured", n->id);
	/* A token copied off the node is no use from elsewhere. */
	if (!config_pod_push_allowed(cn->pod, r->client)) {
		return http_refuse(r, 403, "node %s of pod %s pushes only from "
					   "the pod's networks", n->id,
				   cn->pod->name);
	}
	return 0;
}

/* Identity of a pushing node from its token: 0, or refuses (401/403)
 * and returns -EACCES. */
static int ingest_node(struct http_req *r, const char *token,
		       struct ingest *g)
{
	const struct config_node *cn;
	struct store_node n;
	int rc;

	/* A remembered node that would be let in is checked at its claim
	 * (ingest_claim()); any other is read from the store now. */
	if (token && store_shared(r->srv->store) &&
	    ingest_hint_check(r->srv, token, &n) == 0 &&
	    (cn = config_node_by_id(r->gen->cfg, n.id)) &&
	    config_pod_push_allowed(cn->pod, r->client)) {
		ingest_identity(g, &n);
		g->unconfirmed = 1;
		return 0;
	}
	if (!token || node_token_check(r->srv, token, &n) != 0)
		return http_refuse(r, 401, "a valid node token is required");
	if (store_shared(r->srv->store))
		node_hint_put(r->srv->hints, &n);
	if ((rc = ingest_node_configured(r, &n)) != 0)
		return rc;
	ingest_identity(g, &n);
	return 0;
}

/*
 * The request's state in r->ctx (freed by ingest_cleanup): a copy of @hdr
 * with a body buffer up to @max.  0, or refuses (503) and returns its
 * code.
 */
static int ingest_new(struct http_req *r, const struct ingest *hdr,
		      unsigned long long max)
{
	struct ingest *g = malloc(sizeof(*g));

	if (!g)
		return http_refuse(r, 503, "out of memory");
	*g = *hdr;
	pbuf_init(&g->body, (size_t)max);
	r->ctx = g;
	return 0;
}

/* A declared body over @max is refused (413) before it is read: 0, or
 * the refusal's code. */
static int ingest_length(struct http_req *r, unsigned long long max)
{
	long long len = ingest_number(
		http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH), 0, 1LL << 62);

	if (len < 0 || (unsigned long long)len > max)
		return http_refuse(r, 413, "body larger than %llu bytes", max);
	return 0;
}

/* Content-Encoding: identity or gzip (*@gzip set); 0, or refuses (415)
 * and returns its code. */
static int ingest_encoding(struct http_req *r, const char *enc, int *gzip)
{
	*gzip = enc && strcmp(enc, "gzip") == 0;
	if (enc && !*gzip && strcmp(enc, "identity") != 0)
		return http_refuse(r, 415, "Content-Encoding must be gzip or "
					   "identity");
	return 0;
}

/*
 * The checks every push and Pushgateway request shares once its sender
 * is known: the declared length within @max, the encoding; then the
 * request's state from @g.  0, or the refusal's code.
 */
static int ingest_accept(struct http_req *r, struct ingest *g,
			 unsigned long long max)
{
	int rc;

	if ((rc = ingest_length(r, max)) != 0 ||
	    (rc = ingest_encoding(r, http_header(r, "Content-Encoding"),
				  &g->gzip)) != 0)
		return rc;
	return ingest_new(r, g, max);
}

/* A piece of the body, appended up to its limit; past it the request is
 * refused (413) once the client stops sending, and -EFBIG returned. */
static int ingest_body(struct http_req *r, const char *data, size_t len)
{
	struct ingest *g = r->ctx;

	if (pbuf_append(&g->body, data, len) != 0) {
		http_body_refuse(r, 413, "body larger than %zu bytes",
				 g->body.max);
		return http_status_rc(413);
	}
	return 0;
}

/* Free the request's state, however it ended. */
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

/* A node's push: its token, body limits, then its sequencing headers. */
static int ingest_push_start(struct http_req *r)
{
	struct ingest g, *st;
	struct ingest_frame h;
	const char *why;
	int rc;

	memset(&g, 0, sizeof(g));
	memset(&h, 0, sizeof(h));
	if ((rc = ingest_node(r, http_bearer(r), &g)) != 0 ||
	    (rc = ingest_accept(r, &g, r->gen->cfg->max_push)) != 0)
		return rc;
	if (ingest_push_headers(http_header(r, "X-Podboot-Seq"),
				http_header(r, "X-Podboot-Interval"),
				http_header(r, "X-Podboot-Epoch"), &h,
				&why) != 0)
		return http_refuse(r, 400, "%s", why);
	st = r->ctx;
	st->seq = h.seq;
	st->epoch = h.epoch;
	st->interval = h.interval;
	st->replay = http_header(r, "X-Podboot-Replay") != NULL;
	return 0;
}

/* Apply the push and answer it; also the end of a Pushgateway request. */
static int ingest_push_finish(struct http_req *r)
{
	struct ingest *g = r->ctx;
	json_t *result;

	if (ingest_claim_park(r, g) == 0)
		return 0;	/* back here once the claim is in */
	result = ingest_result_new(g, 0);
	if (!result) {	/* nothing stored */
		ingest_claim_giveback(r, g);
		return http_refuse(r, 503, "out of memory");
	}
	return ingest_reply(r, ingest_apply(r, g, &g->body, result), result);
}

/* ---- POST /api/v1/push/batch ------------------------------------------ */

/*
 * The head of the frame at *off of @batch into @f and the frame's body
 * into @frame (pointing into the batch); *off moves past the frame.
 * -EINVAL for a frame that does not parse or runs past the batch.
 */
static int ingest_frame_split(const struct ingest *batch, size_t *off,
			      struct ingest_frame *f, struct pbuf *frame)
{
	const char *p = batch->body.data + *off;
	const char *nl = memchr(p, '\n', batch->body.len - *off);
	size_t head;
	char line[256];

	if (!nl || (size_t)(nl - p) >= sizeof(line))
		return -EINVAL;
	head = (size_t)(nl - p);
	memcpy(line, p, head);
	line[head] = '\0';
	if (ingest_frame_header(line, f) != 0 ||
	    f->len > batch->body.len - *off - head - 1)
		return -EINVAL;
	memset(frame, 0, sizeof(*frame));
	frame->data = (char *)nl + 1;
	frame->len = (size_t)f->len;
	*off += head + 1 + (size_t)f->len;
	return 0;
}

/*
 * The result of frame @f for the batch's reply, before it is applied:
 * a refusal ({status, error}), or the outcome with @g's identity from
 * node @n (filled in when the frame is let through).  NULL if jansson
 * fails.  *@applies says whether the frame is to be applied.
 */
static json_t *ingest_frame_result(struct http_req *r,
				   const struct ingest_frame *f,
				   struct ingest *g, int *applies)
{
	struct store_node n;
	unsigned int status;
	int token_ok = node_token_check(r->srv, f->token, &n) == 0;
	const char *why = ingest_frame_refusal(
		token_ok, token_ok && config_node_by_id(r->gen->cfg, n.id),
		r->gen->cfg->max_push, f, &status);

	*applies = !why;
	if (why)
		return json_pack("{s:i, s:s}", "status", (int)status, "error",
				 why);
	g->seq = f->seq;
	g->epoch = f->epoch;
	g->interval = f->interval;
	g->replay = f->replay;
	g->gzip = f->gzip;
	ingest_identity(g, &n);
	return ingest_result_new(g, 1);
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
	struct ingest_frame f;
	struct ingest g;
	struct pbuf frame;
	json_t *result;
	unsigned int status;
	int applies, rc;

	memset(&g, 0, sizeof(g));
	if ((rc = ingest_frame_split(batch, off, &f, &frame)) != 0)
		return rc;
	result = ingest_frame_result(r, &f, &g, &applies);
	/* The array keeps a reference; @result stays usable below. */
	if (json_array_append_new(results, result) != 0)
		return -ENOMEM;
	if (applies) {
		status = ingest_apply(r, &g, &frame, result);
		json_integer_set(json_object_get(result, "status"), status);
	}
	return 0;
}

/* A relay's batch: scope relay, within INGEST_BATCH_FACTOR pushes. */
static int ingest_batch_start(struct http_req *r)
{
	unsigned long long max = r->gen->cfg->max_push * INGEST_BATCH_FACTOR;
	struct ingest g;
	int rc;

	memset(&g, 0, sizeof(g));
	if (!http_require_scope(r, "relay"))
		return -EACCES;
	if ((rc = ingest_length(r, max)) != 0)
		return rc;
	return ingest_new(r, &g, max);
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
			return http_refuse(r, 503, "out of memory");
		return http_refuse(r, 400, "malformed frame at byte %zu "
					   "(expected PUSH token seq interval "
					   "replay encoding length)", off);
	}
	http_reply_json(r, 200, reply);
	return 0;
}

/* ---- Pushgateway: PUT|POST /metrics/job/JOB{/LABEL/VALUE} ------------- */

/*
 * Who pushes to a Pushgateway group: a node token attaches the group to
 * its node (which must still be configured, as for /api/v1/push), a push
 * token to nothing but the job.  0, or the refusal's code.
 */
static int ingest_pgw_sender(struct http_req *r, struct ingest *g)
{
	const char *secret = http_bearer(r);
	struct store_node n;
	int rc;

	if (secret && node_token_check(r->srv, secret, &n) == 0) {
		if ((rc = ingest_node_configured(r, &n)) != 0)
			return rc;
		snprintf(g->pod, sizeof(g->pod), "%s", n.pod);
		snprintf(g->node, sizeof(g->node), "%s", n.id);
		return 0;
	}
	return http_require_scope(r, "push") ? 0 : -EACCES;
}

/* A Pushgateway PUT (replace) or POST (merge) of a group. */
static int ingest_pgw_start(struct http_req *r)
{
	struct ingest g;
	char why[256];		/* room for a label name of PROM_NAME_MAX */
	int rc;

	memset(&g, 0, sizeof(g));
	if (ingest_grouping(r->rest, g.group, sizeof(g.group), why,
			    sizeof(why)) != 0)
		return http_refuse(r, 400, "%s", why);
	if ((rc = ingest_pgw_sender(r, &g)) != 0)
		return rc;
	if (strlen(g.node) + strlen(g.group) + 6 > sizeof(g.id))
		return http_refuse(r, 400, "grouping key too long");
	snprintf(g.id, sizeof(g.id), "pgw/%.63s/%.120s", g.node, g.group);
	g.merge = strcmp(r->method, "POST") == 0;
	return ingest_accept(r, &g, r->gen->cfg->max_push);
}

/* ---- GET /metrics and GET /api/v1/sd ---------------------------------- */

/* The checks of a status read: no query arguments, scope status.  0, or
 * the refusal's code. */
static int ingest_status_read(struct http_req *r)
{
	if (http_args_only(r, (const char *const[]){ NULL }) != 0)
		return -EINVAL;
	if (!http_require_scope(r, "status"))
		return -EACCES;
	return 0;
}

/* GET /metrics: the fleet's exposition and the alerts' gauges. */
static int ingest_metrics(struct http_req *r)
{
	struct pbuf out;
	int rc;

	if ((rc = ingest_status_read(r)) != 0)
		return rc;
	pbuf_init(&out, INGEST_EXPO_MAX);
	rc = metrics_expose(r->srv->metrics, r->gen->cfg, r->srv->store,
			    &r->srv->stats, &out);
	if (rc == 0)
		rc = alerts_expose(r->srv->alerts, &out);
	if (rc == 0)
		rc = claimer_expose(r->srv->claimer, &out);
	if (rc == 0)
		rc = remote_write_expose(r->srv->rw, &out);
	if (rc != 0)
		rc = http_refuse(r, 503, "exposition failed: %s",
				 pb_strerror(rc));
	else
		http_reply_data(r, 200, "text/plain; version=0.0.4", out.data,
				out.len);
	pbuf_free(&out);
	return rc;
}

/* Prometheus HTTP service discovery: one target group per pod. */
static int ingest_sd(struct http_req *r)
{
	json_t *groups;
	int rc;

	if ((rc = ingest_status_read(r)) != 0)
		return rc;
	groups = ingest_sd_groups(r->gen->cfg);
	if (!groups)
		return -ENOMEM;
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
