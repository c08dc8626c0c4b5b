/* bmc_api.c: the BMC routes of podboot serve: an action on a node's BMC,
 * or a pod's reinstall, checked and queued as a job (202 Accepted with a
 * Location) that the workers of bmc_job.c run; the jobs read back as
 * JSON or text.  Everything needs HTTPS and a token with scope "bmc". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bmc_api.h"
#include "bmc_job.h"
#include "bmc_pod.h"
#include "bmc_secureboot.h"
#include "error.h"
#include "log.h"
#include "pbuf.h"
#include "server.h"

/* The API's actions: the words bmc_req_parse() takes for each, and the
 * members its body may hold. */
static const struct {
	const char *name;
	const char *w1, *w2;	/* the command line's words */
	const char *arg_key;	/* the member that is its argument */
	const char *const keys[4];	/* members allowed, NULL-ended */
} bmc_api_actions[] = {
	{ "power", "power", "status", NULL, { NULL } },
	{ "on", "power", "on", NULL, { NULL } },
	{ "off", "power", "off", NULL, { NULL } },
	{ "cycle", "power", "cycle", NULL, { NULL } },
	{ "media-insert", "media", "insert", "url", { "url", NULL } },
	{ "media-eject", "media", "eject", NULL, { NULL } },
	{ "boot-once", "boot-once", NULL, "target", { "target", "uri", NULL } },
	{ "secure-boot", "secure-boot", "status", NULL, { NULL } },
	{ "secure-boot-on", "secure-boot", "on", NULL, { NULL } },
	{ "secure-boot-off", "secure-boot", "off", NULL, { NULL } },
	{ "secure-boot-enrol-db", "secure-boot", "enrol-db", NULL, { NULL } },
	{ "reinstall", "reinstall", NULL, NULL,
	  { "iso", "timeout_s", "nodes", NULL } },
};

#define BMC_API_N (sizeof(bmc_api_actions) / sizeof(bmc_api_actions[0]))

/* 1 if @key is among the NULL-ended @keys (and "nodes" only for a pod). */
static int bmc_api_key_ok(const char *const *keys, const char *key, int pod)
{
	size_t i;

	if (strcmp(key, "nodes") == 0 && !pod)
		return 0;
	for (i = 0; keys[i]; i++)
		if (strcmp(keys[i], key) == 0)
			return 1;
	return 0;
}

/* A pod's "nodes": an array of 1 to BMC_JOB_POD_MAX names, into @a. */
static int bmc_api_nodes(json_t *v, struct bmc_api_args *a, char *err,
			 size_t size)
{
	const char *s;
	json_t *e;
	size_t i;

	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > BMC_JOB_POD_MAX) {
		snprintf(err, size, "\"nodes\" is a list of 1 to %d node names",
			 BMC_JOB_POD_MAX);
		return -EINVAL;
	}
	if (!(a->nodes = calloc(json_array_size(v), sizeof(*a->nodes))))
		return -ENOMEM;
	json_array_foreach(v, i, e) {
		s = json_string_value(e);
		if (!s || !*s || strlen(s) >= sizeof(a->nodes[0])) {
			snprintf(err, size, "\"nodes\" holds names of 1 to %d "
				 "characters", CONFIG_NAME_MAX - 1);
			return -EINVAL;
		}
		snprintf(a->nodes[a->n_nodes++], sizeof(a->nodes[0]), "%s", s);
	}
	return 0;
}

/* Reinstall's "iso" and "timeout_s" (and a pod's "nodes") into @a. */
static int bmc_api_reinstall(json_t *body, int pod, struct bmc_api_args *a,
			     char *err, size_t size)
{
	json_t *iso = json_object_get(body, "iso");
	json_t *t = json_object_get(body, "timeout_s");
	json_t *nodes = json_object_get(body, "nodes");

	a->req.timeout_s = 3600;
	if (iso && (!json_is_string(iso) ||
		    !bmc_url_ok(json_string_value(iso)))) {
		snprintf(err, size, "\"iso\" is an http:// or https:// URL "
			 "without user or password");
		return -EINVAL;
	}
	if (iso) {
		snprintf(a->iso, sizeof(a->iso), "%s", json_string_value(iso));
		a->req.iso = a->iso;
	}
	if (t && (!json_is_integer(t) || json_integer_value(t) < 1 ||
		  json_integer_value(t) > 86400)) {
		snprintf(err, size, "\"timeout_s\" is 1 to 86400 seconds");
		return -EINVAL;
	}
	if (t)
		a->req.timeout_s = (unsigned int)json_integer_value(t);
	return pod && nodes ? bmc_api_nodes(nodes, a, err, size) : 0;
}

/* The body's members checked against action row @row, the argument and
 * "uri" copied into @a, the request built as the command line's. */
static int bmc_api_req(json_t *body, size_t row, int pod,
		       struct bmc_api_args *a, char *err, size_t size)
{
	const char *key, *words[3], *uri = NULL;
	json_t *v;
	int argc = 0, rc;

	json_object_foreach(body, key, v) {
		if (!bmc_api_key_ok(bmc_api_actions[row].keys, key, pod) ||
		    (strcmp(key, "timeout_s") != 0 && strcmp(key, "nodes") &&
		     !json_is_string(v))) {
			snprintf(err, size, "unexpected member \"%.32s\" for "
				 "%s", key, bmc_api_actions[row].name);
			return -EINVAL;
		}
	}
	words[argc++] = bmc_api_actions[row].w1;
	if (bmc_api_actions[row].w2)
		words[argc++] = bmc_api_actions[row].w2;
	if (bmc_api_actions[row].arg_key) {
		v = json_object_get(body, bmc_api_actions[row].arg_key);
		if (!v) {
			snprintf(err, size, "%s needs \"%s\"",
				 bmc_api_actions[row].name,
				 bmc_api_actions[row].arg_key);
			return -EINVAL;
		}
		snprintf(a->arg, sizeof(a->arg), "%s", json_string_value(v));
		words[argc++] = a->arg;
	}
	if ((v = json_object_get(body, "uri"))) {
		snprintf(a->uri, sizeof(a->uri), "%s", json_string_value(v));
		uri = a->uri;
	}
	/* enrol-db: the server's own server.uefi_cert, never a path sent */
	if ((rc = bmc_sb_req_parse(argc, (char **)words, uri, NULL, &a->req,
				   err, size)) != 0)
		return -EINVAL;
	if (a->req.verb == BMC_REINSTALL)
		return bmc_api_reinstall(body, pod, a, err, size);
	return 0;
}

int bmc_api_parse(const char *action, int pod, const char *body, size_t len,
		  struct bmc_api_args *a, char *err, size_t size)
{
	json_error_t jerr;
	json_t *j;
	size_t row;
	int rc;

	memset(a, 0, sizeof(*a));
	for (row = 0; row < BMC_API_N; row++)
		if (strcmp(action, bmc_api_actions[row].name) == 0)
			break;
	if (row == BMC_API_N || (pod && strcmp(action, "reinstall") != 0)) {
		snprintf(err, size, "unknown BMC action '%.32s'", action);
		return -ENOENT;
	}
	a->action = bmc_api_actions[row].name;
	j = len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr) :
		  json_object();
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(err, size, "the body is not a JSON object");
		return -EINVAL;
	}
	rc = bmc_api_req(j, row, pod, a, err, size);
	json_decref(j);
	if (rc != 0)
		bmc_api_args_free(a);
	return rc;
}

void bmc_api_args_free(struct bmc_api_args *a)
{
	free(a->nodes);
	a->nodes = NULL;
	a->n_nodes = 0;
}

/* ---- the routes ---- */

/* Jobs hold the generation current when they were accepted. */
static void *bmc_api_hold(void *ctx)
{
	return server_gen_get(ctx);
}

/* The configuration of a held generation. */
static const struct config *bmc_api_config(void *held)
{
	return ((struct server_gen *)held)->cfg;
}

/* Drop a held generation. */
static void bmc_api_release(void *held)
{
	server_gen_put(held);
}

/* The operator's token of @r into *@tok: HTTPS and scope "bmc"; 0 or the
 * refusal's code. */
static int bmc_api_operator(struct http_req *r,
			    const struct config_token **tok)
{
	if (r->plain)
		return http_refuse(r, 403, "BMC actions need HTTPS");
	*tok = http_require_scope(r, "bmc");
	return *tok ? 0 : http_status_rc(401);
}

/* Answer 202 for job @id (@what for the reply), or refuse for @rc (@busy:
 * who has a job in the way). */
static int bmc_api_accepted(struct http_req *r, int rc, unsigned long long id,
			    json_t *what, const char *busy)
{
	char loc[64];

	if (rc == -EAGAIN) {
		json_decref(what);
		return http_refuse_busy(r, BMC_API_RETRY_S, "busy: limits."
					"bmc_queue BMC jobs are waiting; try "
					"again later");
	}
	if (rc == -EBUSY) {
		json_decref(what);
		return http_refuse(r, 409, "%s has a BMC action queued or "
					   "running; wait for its job (GET "
					   "/api/v1/bmc/jobs)", busy);
	}
	if (rc != 0) {
		json_decref(what);
		return http_refuse(r, 503, "the BMC job could not be queued: "
					   "%s", pb_strerror(rc));
	}
	snprintf(loc, sizeof(loc), "/api/v1/bmc/jobs/%llu", id);
	json_object_set_new(what, "job", json_integer((json_int_t)id));
	json_object_set_new(what, "location", json_string(loc));
	json_object_set_new(what, "state", json_string("queued"));
	http_reply_json_at(r, 202, what, loc);
	return 0;
}

/* The segment of @path after @prefix up to the next '/', into @out. */
static int bmc_api_segment(const char *path, const char *prefix, char *out,
			   size_t size)
{
	size_t n;

	if (strncmp(path, prefix, strlen(prefix)) != 0)
		return -EINVAL;
	path += strlen(prefix);
	n = strcspn(path, "/");
	if (n == 0 || n >= size)
		return -EINVAL;
	memcpy(out, path, n);
	out[n] = '\0';
	return 0;
}

/* The body read so far (r->ctx), as bytes. */
static const char *bmc_api_body_of(struct http_req *r, size_t *len)
{
	struct pbuf *b = r->ctx;

	*len = b ? b->len : 0;
	return b ? (const char *)b->data : "";
}

/* POST /api/v1/nodes/ID/bmc/ACTION, once the body is in. */
static int bmc_api_node_post(struct http_req *r)
{
	const struct config_token *tok;
	const struct config_node *n;
	struct bmc_api_args a;
	struct bmc_job_spec spec;
	unsigned long long id = 0;
	char node[CONFIG_NAME_MAX], actor[CONFIG_NAME_MAX + 8], err[300];
	const char *body;
	size_t len;
	int rc;

	if ((rc = bmc_api_operator(r, &tok)) != 0)
		return rc;
	if (bmc_api_segment(r->path, "/api/v1/nodes/", node, sizeof(node)))
		return http_refuse(r, 404, "expected /api/v1/nodes/ID/bmc/"
					   "ACTION");
	n = config_node_by_id(r->gen->cfg, node);
	if (!n || !n->bmc)
		return http_refuse(r, 404, "node %s %s", node, n ?
				   "has no bmc group" : "is not configured");
	body = bmc_api_body_of(r, &len);
	if ((rc = bmc_api_parse(r->rest, 0, body, len, &a, err,
				sizeof(err))) != 0)
		return http_refuse(r, rc == -ENOENT ? 404 : 400, "%s", err);
	if (!r->srv->bmc)
		return http_refuse(r, 503, "BMC jobs are not running");
	snprintf(actor, sizeof(actor), "token %s", tok->name);
	spec = (struct bmc_job_spec){ a.action, n->pod->name, n->hostname,
				      actor, a.req };
	rc = bmc_jobs_submit(r->srv->bmc, &spec, r->gen->cfg->bmc_queue, &id);
	bmc_api_args_free(&a);
	if (rc == 0)
		store_event_add(r->srv->store, "bmc", node, "job %llu queued: "
				"%s (by %s from %s)", id, spec.action, actor,
				r->client);
	return bmc_api_accepted(r, rc, id, json_pack("{s:s, s:s}", "node",
						     node, "action",
						     spec.action), node);
}

/* POST /api/v1/pods/NAME/bmc/reinstall, once the body is in. */
static int bmc_api_pod_post(struct http_req *r)
{
	const struct config_token *tok;
	const char **want = NULL, **nodes = NULL;
	struct bmc_api_args a;
	struct bmc_job_spec spec;
	unsigned long long id = 0;
	char pod[CONFIG_NAME_MAX], actor[CONFIG_NAME_MAX + 8], err[300];
	const char *body;
	size_t len, i, n = 0;
	int rc;

	if ((rc = bmc_api_operator(r, &tok)) != 0)
		return rc;
	if (bmc_api_segment(r->path, "/api/v1/pods/", pod, sizeof(pod)))
		return http_refuse(r, 404, "expected /api/v1/pods/NAME/bmc/"
					   "reinstall");
	body = bmc_api_body_of(r, &len);
	if ((rc = bmc_api_parse(r->rest, 1, body, len, &a, err,
				sizeof(err))) != 0)
		return http_refuse(r, rc == -ENOENT ? 404 : 400, "%s", err);
	want = calloc(a.n_nodes + 1, sizeof(*want));
	nodes = calloc(BMC_JOB_POD_MAX, sizeof(*nodes));
	for (i = 0; want && i < a.n_nodes; i++)
		want[i] = a.nodes[i];
	if (!want || !nodes)
		rc = http_refuse(r, 503, "out of memory");
	else if ((rc = bmc_pod_nodes(r->gen->cfg, pod, want, a.n_nodes,
				     nodes, &n, err, sizeof(err))) != 0)
		rc = http_refuse(r, rc == -ENOENT ? 404 : 400, "%s", err);
	else if (!r->srv->bmc)
		rc = http_refuse(r, 503, "BMC jobs are not running");
	if (rc != 0)
		goto out;
	snprintf(actor, sizeof(actor), "token %s", tok->name);
	spec = (struct bmc_job_spec){ "reinstall", pod, NULL, actor, a.req };
	rc = bmc_jobs_submit_pod(r->srv->bmc, &spec, nodes, n,
				 r->gen->cfg->bmc_queue, &id);
	if (rc == 0)
		store_event_add(r->srv->store, "bmc", pod, "job %llu queued: "
				"reinstall of %zu nodes of pod %s (by %s from "
				"%s)", id, n, pod, actor, r->client);
	snprintf(err, sizeof(err), "a node of pod %s", pod);
	rc = bmc_api_accepted(r, rc, id, json_pack("{s:s, s:s, s:I}", "pod",
						   pod, "action", "reinstall",
						   "nodes", (json_int_t)n), err);
out:
	free(nodes);
	free(want);
	bmc_api_args_free(&a);
	return rc;
}

/* The time @t as "YYYY-MM-DD HH:MM:SS" (UTC) into @out, "-" for none. */
static const char *bmc_api_time(json_t *t, char *out, size_t size)
{
	time_t v = (time_t)json_integer_value(t);
	struct tm tm;

	if (!t || !gmtime_r(&v, &tm))
		return "-";
	strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm);
	return out;
}

/* Member @k of @o as a string, "" if absent. */
static const char *bmc_api_str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* One job as text: a line of its summary, then its steps. */
static void bmc_api_text_job(struct pbuf *b, json_t *job)
{
	char t1[32], t2[32];
	json_t *s;
	size_t i;

	pbuf_printf(b, "job %lld  %s of %s %s  %s  by %s\n",
		    (long long)json_integer_value(json_object_get(job, "id")),
		    bmc_api_str(job, "action"), bmc_api_str(job, "kind"),
		    json_object_get(job, "node") ? bmc_api_str(job, "node") :
						   bmc_api_str(job, "pod"),
		    bmc_api_str(job, "state"), bmc_api_str(job, "actor"));
	pbuf_printf(b, "  created %s  finished %s\n",
		    bmc_api_time(json_object_get(job, "created"), t1,
				 sizeof(t1)),
		    bmc_api_time(json_object_get(job, "finished"), t2,
				 sizeof(t2)));
	json_array_foreach(json_object_get(job, "steps"), i, s)
		pbuf_printf(b, "  %s  %s: %s%s\n",
			    bmc_api_time(json_object_get(s, "at"), t1,
					 sizeof(t1)),
			    bmc_api_str(s, "node"), bmc_api_str(s, "text"),
			    json_is_true(json_object_get(s, "failed")) ?
				    "  [failed]" : "");
	json_array_foreach(json_object_get(job, "nodes"), i, s)
		pbuf_printf(b, "  node %s: job %lld %s%s%s\n",
			    bmc_api_str(s, "node"),
			    (long long)json_integer_value(json_object_get(
				    s, "job")), bmc_api_str(s, "state"),
			    json_object_get(s, "error") ? ": " : "",
			    bmc_api_str(s, "error"));
	if (json_object_get(job, "outcome"))
		pbuf_printf(b, "  outcome: %s\n", bmc_api_str(job, "outcome"));
	if (json_object_get(job, "error"))
		pbuf_printf(b, "  error: %s\n", bmc_api_str(job, "error"));
}

/* @json (a job, or {"jobs": [...]}) as ?format=text; takes @json. */
static void bmc_api_text(struct http_req *r, json_t *json)
{
	struct pbuf b;
	json_t *job;
	size_t i;

	pbuf_init(&b, 4 << 20);
	if (json_object_get(json, "jobs")) {
		pbuf_printf(&b, "%-6s %-12s %-5s %-20s %-10s %s\n", "JOB",
			    "ACTION", "KIND", "NODE/POD", "STATE", "ERROR");
		json_array_foreach(json_object_get(json, "jobs"), i, job)
			pbuf_printf(&b, "%-6lld %-12s %-5s %-20s %-10s %s\n",
				    (long long)json_integer_value(
					    json_object_get(job, "id")),
				    bmc_api_str(job, "action"),
				    bmc_api_str(job, "kind"),
				    json_object_get(job, "node") ?
					    bmc_api_str(job, "node") :
					    bmc_api_str(job, "pod"),
				    bmc_api_str(job, "state"),
				    bmc_api_str(job, "error"));
	} else {
		bmc_api_text_job(&b, json);
	}
	json_decref(json);
	http_reply_data(r, 200, "text/plain; charset=utf-8", b.data, b.len);
	pbuf_free(&b);
}

/* GET /api/v1/bmc/jobs and /api/v1/bmc/jobs/ID: one job or the newest. */
static int bmc_api_jobs_get(struct http_req *r)
{
	static const char *const allowed[] = { "format", "limit", NULL };
	const struct config_token *tok;
	const char *limit = http_arg(r, "limit");
	unsigned long long id = 0;
	unsigned long lim = 100;
	char *end;
	json_t *json;
	int rc;

	if ((rc = bmc_api_operator(r, &tok)) != 0 ||
	    (rc = http_args_only(r, allowed)) != 0)
		return rc;
	if (r->path[strlen("/api/v1/bmc/jobs")] == '/') {
		errno = 0;
		id = strtoull(r->rest, &end, 10);
		if (errno || id == 0 || *end || r->rest[0] < '1' ||
		    r->rest[0] > '9')
			return http_refuse(r, 404, "no BMC job '%.32s'",
					   r->rest);
	}
	if (limit) {
		errno = 0;
		lim = strtoul(limit, &end, 10);
		if (errno || *end || !*limit || lim < 1 || lim > 1000)
			return http_refuse(r, 400, "limit is 1 to 1000");
	}
	if (!r->srv->bmc)
		return http_refuse(r, 503, "BMC jobs are not running");
	if (!(json = bmc_jobs_json(r->srv->bmc, id, (unsigned int)lim)))
		return http_refuse(r, 404, "no BMC job %llu (finished jobs "
					   "beyond the newest %d are "
					   "forgotten; the audit trail keeps "
					   "their steps)", id, BMC_JOB_KEEP);
	if (http_wants_text(r))
		bmc_api_text(r, json);
	else
		http_reply_json(r, 200, json);
	return 0;
}

/* The POST routes' start: the body's bounded buffer; the rest once it
 * is in. */
static int bmc_api_start(struct http_req *r)
{
	if (http_small_body_begin(r, HTTP_SMALL_BODY_MAX) != 0)
		return http_refuse(r, 503, "out of memory; try again");
	return 0;
}

const struct http_route routes_bmc[] = {
	{ "POST", "/api/v1/nodes/*/bmc/", 0, bmc_api_start, http_small_body,
	  bmc_api_node_post, http_small_body_cleanup, 0 },
	{ "POST", "/api/v1/pods/*/bmc/", 0, bmc_api_start, http_small_body,
	  bmc_api_pod_post, http_small_body_cleanup, 0 },
	{ "GET", "/api/v1/bmc/jobs", 1, bmc_api_jobs_get, NULL, NULL, NULL,
	  0 },
	{ "GET", "/api/v1/bmc/jobs/", 0, bmc_api_jobs_get, NULL, NULL, NULL,
	  0 },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 },
};

int bmc_api_jobs_start(struct server *srv)
{
	struct bmc_jobs_ops ops = { bmc_api_hold, bmc_api_config,
				    bmc_api_release, srv };
	struct bmc_jobs *t = calloc(1, sizeof(*t));
	int rc;

	if (!t)
		return -ENOMEM;
	if ((rc = bmc_jobs_init(t, BMC_JOB_WORKERS, srv->store, 0,
				&ops)) != 0) {
		free(t);
		return rc;
	}
	srv->bmc = t;
	return 0;
}

void bmc_api_jobs_stop(struct server *srv)
{
	struct bmc_jobs *t = srv->bmc;

	if (!t)
		return;
	bmc_jobs_stop(t);
	srv->bmc = NULL;
	bmc_jobs_free(t);
	free(t);
}
