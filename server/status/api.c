/* api.c: the read-only status API's routes (pods, nodes, artifacts,
 * events, /healthz): each handler checks the request with the decisions
 * of api_args.c, reads through api_read.c and replies with JSON or, with
 * ?format=text, the tables of api_text.c. */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "api_int.h"
#include "boot.h"
#include "error.h"

/* ---- replies ---------------------------------------------------------- */

/* Refuse after a failed store read or allocation @rc; returns the code of
 * the refusal. */
static int api_fail(struct http_req *r, int rc)
{
	if (rc == -ENOMEM)
		return http_refuse(r, 503, "out of memory; try again");
	return http_refuse(r, 500, "reading the store: %s", pb_strerror(rc));
}

/* 1 if the client asked for a text reply (api_query() refused others). */
static int api_wants_text(struct http_req *r)
{
	int text = 0;

	return api_format(http_arg(r, "format"), &text) == 0 && text;
}

/* Reply with @json (not taken) as text, as @v says; 0 or a refusal's
 * code. */
static int api_reply_text(struct http_req *r, json_t *json,
			  const struct api_view *v)
{
	struct pbuf t;
	int rc;

	pbuf_init(&t, API_TEXT_MAX - API_TEXT_NOTE);
	rc = api_render(&t, json, v);
	if (rc == 0)
		http_reply_data(r, 200, "text/plain; charset=utf-8", t.data,
				t.len);
	else
		rc = api_fail(r, rc);
	pbuf_free(&t);
	return rc;
}

/**
 * The one reply of a handler: @json (taken; NULL means out of memory) as
 * JSON, or as text if asked for and @v says how, or the failure @rc.
 *
 * @ret rc		0, or the code of the refusal sent
 */
static int api_finish(struct http_req *r, int rc, json_t *json,
		      const struct api_view *v)
{
	if (rc == 0 && !json)
		rc = -ENOMEM;
	if (rc != 0) {
		rc = api_fail(r, rc);
	} else if (v && api_wants_text(r)) {
		rc = api_reply_text(r, json, v);
	} else {
		http_reply_json(r, 200, json);
		json = NULL;	/* taken */
	}
	json_decref(json);
	return rc;
}

/* ---- request checks --------------------------------------------------- */

static const char *const api_args_plain[] = { "format", NULL };
static const char *const api_args_nodes[] = { "pod", "state", "format",
					      NULL };
static const char *const api_args_events[] = { "after", "limit", "format",
					       NULL };

/* Refuse query parameters not in @allowed and unknown formats; 0 or the
 * refusal's code. */
static int api_query(struct http_req *r, const char *const *allowed)
{
	int text;

	if (http_args_only(r, allowed) != 0)
		return http_status_rc(400);	/* refused there */
	if (api_format(http_arg(r, "format"), &text) != 0)
		return http_refuse(r, 400, "format must be json or text");
	return 0;
}

/* The token first (nothing is said to strangers), then the query; 0 or
 * the refusal's code. */
static int api_begin(struct http_req *r, const char *const *allowed)
{
	if (!http_require_scope(r, "status"))
		return -EACCES;	/* 401 or 403 queued */
	return api_query(r, allowed);
}

/* The decimal parameter @name into [@min, @max] (*@out unchanged when it
 * is absent); 0 or the refusal's code. */
static int api_arg_number(struct http_req *r, const char *name,
			  unsigned long long min, unsigned long long max,
			  unsigned long long *out)
{
	if (api_number(http_arg(r, name), min, max, out) == 0)
		return 0;
	return http_refuse(r, 400, "%s must be a number from %llu to %llu",
			   name, min, max);
}

/* The configured pod @name into *@p; 0 or the refusal's (404) code. */
static int api_pod_find(struct http_req *r, const char *name,
			const struct config_pod **p)
{
	*p = config_pod_by_name(r->gen->cfg, name);
	if (*p)
		return 0;
	if (config_name_valid(name) == 0)
		return http_refuse(r, 404, "no pod %s", name);
	return http_refuse(r, 404, "no such pod");
}

/* ?state= into *@state; 0 or the code of a 400 naming the valid states. */
static int api_arg_state(struct http_req *r, const char *name, int *state)
{
	char names[160];

	if (api_state(name, state, names, sizeof(names)) == 0)
		return 0;
	return http_refuse(r, 400, "state must be one of: %s", names);
}

/* ---- handlers --------------------------------------------------------- */

/* Bodies in flight and what the limits did to them, for /healthz; the
 * caller owns the result. */
static json_t *api_transfers(struct http_req *r)
{
	const struct server_stats *st = &r->srv->stats;

	return json_pack("{s:I, s:I, s:I, s:I}", "in_flight",
			 (json_int_t)atomic_load(&st->transfers), "max",
			 (json_int_t)r->gen->cfg->max_transfers, "cut_slow",
			 (json_int_t)atomic_load(&st->transfers_cut),
			 "refused_busy",
			 (json_int_t)atomic_load(&st->transfers_refused));
}

/* The latest apply to Kea (dhcp.kea_socket), for /healthz: null before
 * the first; the caller owns the result. */
static json_t *api_dhcp(struct server *srv)
{
	struct server_dhcp d;

	pthread_mutex_lock(&srv->dhcp_lock);
	d = srv->dhcp;
	pthread_mutex_unlock(&srv->dhcp_lock);
	if (!d.gen)
		return json_null();
	return json_pack("{s:I, s:b, s:I, s:s}", "configuration",
			 (json_int_t)d.gen, "applied", d.rc == 0, "at",
			 (json_int_t)d.at, "text", d.text);
}

/* GET /healthz: "ok" as text, or the service's state as JSON (no token
 * needed). */
static int api_healthz(struct http_req *r)
{
	const struct config *cfg = r->gen->cfg;
	long long now = (long long)time(NULL);
	int rc;

	if ((rc = api_query(r, api_args_plain)) != 0)
		return rc;
	if (api_wants_text(r)) {
		http_reply_data(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
		return 0;
	}
	return api_finish(r, 0,
		json_pack("{s:s, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:b}, "
			  "s:o, s:o, s:o}",
			  "status", "ok", "uptime_s",
			  (json_int_t)(now > r->srv->started ?
					       now - r->srv->started : 0),
			  "configuration", (json_int_t)r->gen->number,
			  "nodes", (json_int_t)cfg->n_nodes, "boot_cache",
			  (json_int_t)boot_cache_size(r->srv->boot),
			  "precompute", "configuration",
			  (json_int_t)atomic_load(&r->srv->pre_gen),
			  "ready", (json_int_t)atomic_load(&r->srv->pre_ready),
			  "running", atomic_load(&r->srv->pre_busy),
			  "transfers", api_transfers(r), "certificates",
			  api_certificates_json(r->gen, now),
			  "dhcp", api_dhcp(r->srv)),
		NULL);
}

/* GET /api/v1/pods: every configured pod with its node counts. */
static int api_pods(struct http_req *r)
{
	const struct config *cfg = r->gen->cfg;
	json_t *arr, *pod;
	size_t i;
	int rc;

	if ((rc = api_begin(r, api_args_plain)) != 0)
		return rc;
	arr = json_array();
	for (i = 0; arr && rc == 0 && i < cfg->n_pods; i++) {
		rc = api_pod_read(r, &cfg->pods[i], 0, &pod);
		if (rc == 0)
			rc = api_append(arr, pod);
	}
	return api_finish(r, rc, arr, &api_view_pods);
}

/* GET /api/v1/pods/NAME: one pod, its counts and its nodes. */
static int api_pod(struct http_req *r)
{
	const struct config_pod *p;
	json_t *pod = NULL;
	int rc;

	if (strchr(r->rest, '/'))	/* NAME/artifact-set: api_podset.c */
		return api_podset(r);
	if ((rc = api_begin(r, api_args_plain)) != 0 ||
	    (rc = api_pod_find(r, r->rest, &p)) != 0)
		return rc;
	rc = api_pod_read(r, p, 1, &pod);
	return api_finish(r, rc, pod, &api_view_pod);
}

/* GET /api/v1/nodes[?pod=P][&state=S]: the nodes the store knows. */
static int api_nodes(struct http_req *r)
{
	const char *pod = http_arg(r, "pod");
	const char *state = http_arg(r, "state");
	const struct config_pod *p;
	json_t *arr;
	int st = -1;
	int rc;

	if ((rc = api_begin(r, api_args_nodes)) != 0 ||
	    (pod && (rc = api_pod_find(r, pod, &p)) != 0) ||
	    (state && (rc = api_arg_state(r, state, &st)) != 0))
		return rc;
	arr = json_array();
	rc = arr ? api_nodes_read(r, pod, st, arr) : -ENOMEM;
	return api_finish(r, rc, arr, &api_view_nodes);
}

/* GET /api/v1/nodes/ID: one node, its recent events and its health. */
static int api_node(struct http_req *r)
{
	struct store_node n;
	json_t *node = NULL;
	int rc;

	if ((rc = api_begin(r, api_args_plain)) != 0)
		return rc;
	rc = config_name_valid(r->rest) == 0 ?
		     store_node_get(r->srv->store, r->rest, &n) : -ENOENT;
	if (rc == -ENOENT)
		return http_refuse(r, 404, "no such node");
	if (rc == 0)
		rc = api_node_read(r, &n, &node);
	return api_finish(r, rc, node, &api_view_node);
}

/* GET /api/v1/artifacts: every stored artifact version. */
static int api_artifacts(struct http_req *r)
{
	json_t *arr;
	int rc;

	if ((rc = api_begin(r, api_args_plain)) != 0)
		return rc;
	arr = json_array();
	rc = arr ? api_artifacts_read(r, arr) : -ENOMEM;
	return api_finish(r, rc, arr, &api_view_artifacts);
}

/* GET /api/v1/events[?after=ID][&limit=N]: one page of the event log. */
static int api_events(struct http_req *r)
{
	struct api_bad_event bad = { 0, "" };
	unsigned long long after = 0, limit = API_EVENTS_DEFAULT;
	json_t *arr;
	int rc;

	if ((rc = api_begin(r, api_args_events)) != 0 ||
	    (rc = api_arg_number(r, "after", 0, LLONG_MAX, &after)) != 0 ||
	    (rc = api_arg_number(r, "limit", 1, API_EVENTS_LIMIT, &limit)) != 0)
		return rc;
	arr = json_array();
	rc = arr ? api_events_read(r, (long long)after, (unsigned int)limit,
				   arr, &bad) : -ENOMEM;
	if (rc == -EILSEQ) {
		json_decref(arr);
		return http_refuse(r, 500, "event %lld cannot be shown as "
					   "JSON: %s", bad.id, bad.why);
	}
	return api_finish(r, rc, arr, &api_view_events);
}

const struct http_route routes_api[] = {
	{ "GET", "/healthz", 1, api_healthz, NULL, NULL, NULL, 0 },
	{ "GET", "/api/v1/pods", 1, api_pods, NULL, NULL, NULL, 0 },
	{ "GET", "/api/v1/pods/", 0, api_pod, NULL, NULL, NULL, 0 },
	{ "GET", "/api/v1/nodes", 1, api_nodes, NULL, NULL, NULL, 0 },
	{ "GET", "/api/v1/nodes/", 0, api_node, NULL, NULL, NULL, 0 },
	{ "GET", "/api/v1/artifacts", 1, api_artifacts, NULL, NULL, NULL, 0 },
	{ "GET", "/api/v1/events", 1, api_events, NULL, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 },
};
