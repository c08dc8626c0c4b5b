/* api.c: the read-only status API's routes (pods, nodes, artifacts,
 * events, alerts, /healthz): each handler checks the request with the decisions
 * of api_args.c, reads through api_read.c and replies with JSON or, with
 * ?format=text, the tables of api_text.c. */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "alert.h"
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
static const char *const api_args_nodes[] = { "pod", "state", "health",
					      "limit", "after", "format",
					      NULL };
static const char *const api_args_pods[] = { "state", "health", "sort",
					     "limit", "offset", "format",
					     NULL };
static const char *const api_args_none[] = { NULL };
static const char *const api_args_events[] = { "after", "limit", "kind",
					       "node", "format", NULL };
static const char *const api_args_alerts[] = { "state", "limit", "offset",
					       "format", NULL };

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

/* ?health= into *@health; 0 or the code of a 400 naming the values. */
static int api_arg_health(struct http_req *r, const char *name, int *health)
{
	if (api_health_parse(name, health) == 0)
		return 0;
	return http_refuse(r, 400, "health must be one of: up, down, unknown");
}

/* ?sort= of the pods into *@by_down; 0 or the code of a 400. */
static int api_arg_sort(struct http_req *r, const char *sort, int *by_down)
{
	*by_down = sort && strcmp(sort, "down") == 0;
	if (!sort || *by_down || strcmp(sort, "name") == 0)
		return 0;
	return http_refuse(r, 400, "sort must be name or down");
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

/* The node figures of /healthz, as serve --check prints them: nodes of
 * the file ("configured"), added through the API ("assigned"), machines
 * waiting to be assigned ("discovered"); NULL when out of memory or the
 * store fails (logged there). */
static json_t *api_node_figures(struct http_req *r)
{
	const struct config *cfg = r->gen->cfg;
	unsigned long long discovered = 0;
	size_t i, assigned = 0;

	for (i = 0; i < cfg->n_nodes; i++)
		assigned += cfg->nodes[i].assigned != 0;
	if (store_node_count(r->srv->store, NULL, NODE_DISCOVERED,
			     &discovered) != 0)
		return NULL;
	return json_pack("{s:I, s:I, s:I}", "configured",
			 (json_int_t)(cfg->n_nodes - assigned), "assigned",
			 (json_int_t)assigned, "discovered",
			 (json_int_t)discovered);
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
		json_pack("{s:s, s:I, s:I, s:I, s:o?, s:I, s:{s:I, s:I, s:b}, "
			  "s:o, s:o, s:o, s:b}",
			  "status", "ok", "uptime_s",
			  (json_int_t)(now > r->srv->started ?
					       now - r->srv->started : 0),
			  "configuration", (json_int_t)r->gen->number,
			  "nodes", (json_int_t)cfg->n_nodes, "node_figures",
			  api_node_figures(r), "boot_cache",
			  (json_int_t)boot_cache_size(r->srv->boot),
			  "precompute", "configuration",
			  (json_int_t)atomic_load(&r->srv->pre_gen),
			  "ready", (json_int_t)atomic_load(&r->srv->pre_ready),
			  "running", atomic_load(&r->srv->pre_busy),
			  "transfers", api_transfers(r), "certificates",
			  api_certificates_json(r->gen, now),
			  "dhcp", api_dhcp(r->srv), "alert_leader",
			  alerts_leading(r->srv->alerts)),
		NULL);
}

/* GET /healthz/leader: 200 on the replica that leads the alerts (always,
 * on SQLite), 503 on the others: HAProxy's check for the backend that
 * monitoring traffic (pushes, /metrics) follows. */
static int api_healthz_leader(struct http_req *r)
{
	int rc;

	if ((rc = api_query(r, api_args_plain)) != 0)
		return rc;
	if (!alerts_leading(r->srv->alerts))
		return http_refuse(r, 503, "not the alert leader");
	http_reply_data(r, 200, "text/plain; charset=utf-8", "leader\n", 7);
	return 0;
}

/* GET /api/v1/pods without paging, filter or sort: every configured pod
 * with its node counts, as an array. */
static int api_pods_all(struct http_req *r)
{
	const struct config *cfg = r->gen->cfg;
	json_t *arr, *pod;
	size_t i;
	int rc = 0;

	arr = json_array();
	for (i = 0; arr && rc == 0 && i < cfg->n_pods; i++) {
		rc = api_pod_read(r, &cfg->pods[i], 0, &pod);
		if (rc == 0)
			rc = api_append(arr, pod);
	}
	return api_finish(r, rc, arr, &api_view_pods);
}

/* The paging, filter and sort arguments of /api/v1/pods into @pg; 0 or
 * the refusal's code. */
static int api_pods_args(struct http_req *r, struct api_pod_page *pg)
{
	unsigned long long limit = API_PAGE_DEFAULT;
	const char *state = http_arg(r, "state");
	const char *health = http_arg(r, "health");
	int rc;

	memset(pg, 0, sizeof(*pg));
	pg->state = pg->health = -1;
	if ((state && (rc = api_arg_state(r, state, &pg->state)) != 0) ||
	    (health && (rc = api_arg_health(r, health, &pg->health)) != 0) ||
	    (rc = api_arg_sort(r, http_arg(r, "sort"), &pg->by_down)) != 0 ||
	    (rc = api_arg_number(r, "limit", 1, API_PAGE_LIMIT, &limit)) != 0 ||
	    (rc = api_arg_number(r, "offset", 0, UINT_MAX, &pg->offset)) != 0)
		return rc;
	pg->limit = (unsigned int)limit;
	return 0;
}

/* GET /api/v1/pods[?state=S][&health=H][&sort=down][&limit=N][&offset=K]:
 * the configured pods with their node counts; with any of these, one
 * page: {"total", "offset", "limit", "pods"}. */
static int api_pods(struct http_req *r)
{
	static const char *const paging[] = { "state", "health", "sort",
					      "limit", "offset" };
	struct api_pod_page pg;
	json_t *page;
	size_t i;
	int rc, paged = 0;

	if ((rc = api_begin(r, api_args_pods)) != 0)
		return rc;
	for (i = 0; i < sizeof(paging) / sizeof(paging[0]); i++)
		paged |= http_arg(r, paging[i]) != NULL;
	if (!paged)
		return api_pods_all(r);
	if ((rc = api_pods_args(r, &pg)) != 0)
		return rc;
	pg.pods = json_array();
	rc = pg.pods ? api_pods_page(r, &pg) : -ENOMEM;
	page = rc == 0 ? json_pack("{s:I, s:I, s:I, s:O}", "total",
				   (json_int_t)pg.total, "offset",
				   (json_int_t)pg.offset, "limit",
				   (json_int_t)pg.limit, "pods", pg.pods) :
			 NULL;
	json_decref(pg.pods);
	return api_finish(r, rc, page, &api_view_pod_page);
}

/* GET /api/v1/pods/NAME: one pod, its counts, its nodes, its artifact
 * set and what its cache reported. */
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
	if (rc == 0 && pod)
		rc = api_pod_artifacts(r, p, pod);
	return api_finish(r, rc, pod, &api_view_pod);
}

/* One page of the nodes under @pg's filters from ?after= (checked), as
 * {"total", "limit", "next", "nodes"}; 0 or the refusal's code. */
static int api_nodes_paged(struct http_req *r, struct api_node_page *pg)
{
	unsigned long long limit = API_PAGE_DEFAULT;
	const char *next;
	json_t *page = NULL;
	int rc;

	pg->pager.after = http_arg(r, "after");
	if (pg->pager.after && config_name_valid(pg->pager.after) != 0)
		return http_refuse(r, 400, "after must be a node id (the "
					   "\"next\" of the previous page)");
	if ((rc = api_arg_number(r, "limit", 1, API_PAGE_LIMIT, &limit)) != 0)
		return rc;
	pg->pager.limit = (unsigned int)limit;
	pg->nodes = json_array();
	rc = pg->nodes ? api_nodes_page(r, pg) : -ENOMEM;
	next = api_pager_next(&pg->pager);
	if (rc == 0)
		page = json_pack("{s:I, s:I, s:s?, s:O}", "total",
				 (json_int_t)pg->pager.matched, "limit",
				 (json_int_t)limit, "next", next, "nodes",
				 pg->nodes);
	json_decref(pg->nodes);
	return api_finish(r, rc, page, &api_view_node_page);
}

/* GET /api/v1/nodes[?pod=P][&state=S][&health=H]: the nodes the store
 * knows, with their health; with ?limit= or ?after=, one page. */
static int api_nodes(struct http_req *r)
{
	const char *pod = http_arg(r, "pod");
	const char *state = http_arg(r, "state");
	const char *health = http_arg(r, "health");
	const struct config_pod *p;
	struct api_node_page pg;
	json_t *arr;
	int rc;

	memset(&pg, 0, sizeof(pg));
	pg.pod = pod;
	pg.state = pg.health = -1;
	if ((rc = api_begin(r, api_args_nodes)) != 0 ||
	    (pod && (rc = api_pod_find(r, pod, &p)) != 0) ||
	    (state && (rc = api_arg_state(r, state, &pg.state)) != 0) ||
	    (health && (rc = api_arg_health(r, health, &pg.health)) != 0))
		return rc;
	if (http_arg(r, "limit") || http_arg(r, "after"))
		return api_nodes_paged(r, &pg);
	arr = json_array();
	rc = arr ? api_nodes_read(r, pod, pg.state, pg.health, arr) : -ENOMEM;
	return api_finish(r, rc, arr, &api_view_nodes);
}

/* GET /api/v1/nodes/ID/stage2 (api_stage2.c): @slash is the '/' in
 * r->rest; anything else after ID is not found. */
static int api_node_sub(struct http_req *r, const char *slash)
{
	char id[128];
	size_t len = (size_t)(slash - r->rest);
	int rc;

	if ((rc = api_begin(r, api_args_none)) != 0)
		return rc;
	if (strcmp(slash, "/stage2") != 0 || len >= sizeof(id))
		return http_refuse(r, 404, "not found");
	memcpy(id, r->rest, len);
	id[len] = '\0';
	return api_node_stage2(r, id);
}

/* GET /api/v1/nodes/ID: one node, its recent events and its health. */
static int api_node(struct http_req *r)
{
	const char *slash = strchr(r->rest, '/');
	struct store_node n;
	json_t *node = NULL;
	int rc;

	if (slash)
		return api_node_sub(r, slash);
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

/* ?kind= and ?node= of the events, each checked when present; 0 or the
 * refusal's code. */
static int api_events_filter(struct http_req *r, const char *kind,
			     const char *node)
{
	if (kind && api_event_kind(kind) != 0)
		return http_refuse(r, 400, "kind must be an event kind (such "
					   "as upload, state, rearm)");
	if (node && config_name_valid(node) != 0)
		return http_refuse(r, 400, "node must be a node id");
	return 0;
}

/* GET /api/v1/events[?after=ID][&limit=N][&kind=K][&node=ID]: one page of
 * the event log, or of the events of one kind and/or node. */
static int api_events(struct http_req *r)
{
	struct api_bad_event bad = { 0, "" };
	unsigned long long after = 0, limit = API_EVENTS_DEFAULT;
	const char *kind = http_arg(r, "kind"), *node = http_arg(r, "node");
	json_t *arr;
	int rc;

	if ((rc = api_begin(r, api_args_events)) != 0 ||
	    (rc = api_arg_number(r, "after", 0, LLONG_MAX, &after)) != 0 ||
	    (rc = api_arg_number(r, "limit", 1, API_EVENTS_LIMIT, &limit)) != 0 ||
	    (rc = api_events_filter(r, kind, node)) != 0)
		return rc;
	arr = json_array();
	rc = arr ? api_events_read(r, (long long)after, (unsigned int)limit,
				   kind, node, arr, &bad) : -ENOMEM;
	if (rc == -EILSEQ) {
		json_decref(arr);
		return http_refuse(r, 500, "event %lld cannot be shown as "
					   "JSON: %s", bad.id, bad.why);
	}
	return api_finish(r, rc, arr, &api_view_events);
}

/* For a text table: each alert's value (a real, which cells show as
 * "-") as text, in the list @arr; 0 or -ENOMEM. */
static int api_alert_values(json_t *arr)
{
	char v[40];
	json_t *x;
	size_t i;

	json_array_foreach(arr, i, x) {
		snprintf(v, sizeof(v), "%g",
			 json_number_value(json_object_get(x, "value")));
		if (json_object_set_new(x, "value", json_string(v)) != 0)
			return -ENOMEM;
	}
	return 0;
}

/*
 * GET /api/v1/alerts[?state=S][&limit=N][&offset=K]: the alerts held
 * (in state S), firing first; with limit or offset, one page:
 * {"total", "offset", "limit", "alerts"}.
 */
static int api_alerts(struct http_req *r)
{
	unsigned long long limit = API_PAGE_LIMIT, offset = 0, total = 0;
	const char *state = http_arg(r, "state");
	int rc, paged = http_arg(r, "limit") || http_arg(r, "offset");
	json_t *all, *list = NULL, *page = NULL;

	if ((rc = api_begin(r, api_args_alerts)) != 0)
		return rc;
	if (state && api_alert_state(state) != 0)
		return http_refuse(r, 400, "state must be one of: firing, "
					   "pending, resolved");
	if (paged)
		limit = API_PAGE_DEFAULT;
	if ((rc = api_arg_number(r, "limit", 1, API_PAGE_LIMIT, &limit)) != 0 ||
	    (rc = api_arg_number(r, "offset", 0, UINT_MAX, &offset)) != 0)
		return rc;
	all = json_array();
	rc = all ? alerts_list(r->srv->alerts, all) : -ENOMEM;
	/* Without a page, every alert: no limit. */
	if (rc == 0)
		rc = api_alerts_page(all, state, offset,
				     paged ? limit : ULLONG_MAX, &list, &total);
	json_decref(all);
	if (rc == 0 && api_wants_text(r))
		rc = api_alert_values(list);
	if (rc != 0 || !paged)
		return api_finish(r, rc, list, &api_view_alerts);
	page = json_pack("{s:I, s:I, s:I, s:o}", "total", (json_int_t)total,
			 "offset", (json_int_t)offset, "limit",
			 (json_int_t)limit, "alerts", list);
	return api_finish(r, 0, page, &api_view_alert_page);
}

const struct http_route routes_api[] = {
	{ "GET", "/healthz", 1, api_healthz, NULL, NULL, NULL, 0 },
	{ "GET", "/healthz/leader", 1, api_healthz_leader, NULL, NULL, NULL,
	  0 },
	{ "GET", "/api/v1/pods", 1, api_pods, NULL, NULL, NULL, 0 },
	{ "GET", "/api/v1/pods/", 0, api_pod, NULL, NULL, NULL, 0 },
	{ "GET", "/api/v1/nodes", 1, api_nodes, NULL, NULL, NULL, 0 },
	{ "GET", "/api/v1/nodes/", 0, api_node, NULL, NULL, NULL, 0 },
	{ "GET", "/api/v1/artifacts", 1, api_artifacts, NULL, NULL, NULL, 0 },
	{ "GET", "/api/v1/events", 1, api_events, NULL, NULL, NULL, 0 },
	{ "GET", "/api/v1/alerts", 1, api_alerts, NULL, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 },
};
