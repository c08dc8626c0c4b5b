/* api_read.c: what the status API reads from the store and the metrics:
 * lists walked into JSON, a pod's node counts, a node's recent events and
 * its key metrics. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

/* ---- lists ------------------------------------------------------------ */

/* A list being built from a store walk. */
struct api_list {
	json_t *arr;
	const struct config *cfg;
};

/* A list being built from a store walk of nodes. */
struct api_node_list {
	json_t *arr;
	struct http_req *r;
	int health;		/* only nodes of this health; -1: any */
	struct api_pager *pager;	/* NULL: every node listed */
};

/* Declared in api_int.h. */
json_t *api_node_listed(struct http_req *r, const struct store_node *n,
			int full, int *health)
{
	struct metrics_node_info info;
	json_t *o;

	metrics_node_info(r->srv->metrics, r->gen->cfg, n->id, &info);
	*health = api_health_of(n, info.up, info.known);
	o = api_node_json(r->gen->cfg, n, full);
	if (o && json_object_set_new(o, "health",
				     json_string(api_health_name(*health)))) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* Store walk callback: node @n, in full with its health, to the list
 * @ctx if it has the health asked for and its page lists it; 1 (the walk
 * ends) once a page without health filter is known to have more. */
static int api_list_node(void *ctx, const struct store_node *n)
{
	struct api_node_list *l = ctx;
	int health;
	json_t *o = api_node_listed(l->r, n, 1, &health);

	if (!o)
		return -ENOMEM;
	if ((l->health >= 0 && health != l->health) ||
	    (l->pager && !api_pager_offer(l->pager, n->id))) {
		json_decref(o);
		return l->pager && l->pager->more && l->health < 0 ? 1 : 0;
	}
	return api_append(l->arr, o);
}

/* Store walk callback: append artifact @a to the list @ctx. */
static int api_list_artifact(void *ctx, const struct store_artifact *a)
{
	struct api_list *l = ctx;

	return api_append(l->arr, api_artifact_json(l->cfg, a));
}

/* The events being listed; the first that JSON refused, and why. */
struct api_event_list {
	json_t *arr;
	struct api_bad_event *bad;
};

/* Store walk callback: append event @e to the list @ctx.  0; -ENOMEM;
 * -EILSEQ for an event JSON cannot carry (the store cleans event text, so
 * that is a bug: say which event, not "out of memory"). */
static int api_list_event(void *ctx, const struct store_event *e)
{
	struct api_event_list *l = ctx;
	json_error_t err;
	json_t *o = api_event_json(e, &err);

	if (!o && json_error_code(&err) != json_error_out_of_memory) {
		l->bad->id = e->id;
		snprintf(l->bad->why, sizeof(l->bad->why), "%s", err.text);
		return -EILSEQ;
	}
	return api_append(l->arr, o);
}

/* Declared in api_int.h. */
int api_nodes_read(struct http_req *r, const char *pod, int state,
		   int health, json_t *arr)
{
	struct api_node_list l = { arr, r, health, NULL };

	return store_node_list(r->srv->store, pod, state, api_list_node, &l);
}

/* Declared in api_int.h. */
int api_nodes_page(struct http_req *r, struct api_node_page *pg)
{
	struct api_node_list l = { pg->nodes, r, pg->health, &pg->pager };
	struct api_pager *p = &pg->pager;
	unsigned long long total = 0;
	int rc;

	if (pg->health >= 0)	/* every candidate: the total counts them */
		return store_node_list(r->srv->store, pg->pod, pg->state,
				       api_list_node, &l);
	rc = store_node_count(r->srv->store, pg->pod, pg->state, &total);
	if (rc != 0)
		return rc;
	/* The page and one more: does a next page exist? */
	rc = store_node_page(r->srv->store, pg->pod, pg->state, p->after,
			     (size_t)p->limit + 1, api_list_node, &l);
	p->matched = total;	/* the walk saw only the page */
	return rc > 0 ? 0 : rc;
}

/* Declared in api_int.h. */
int api_artifacts_read(struct http_req *r, json_t *arr)
{
	struct api_list l = { arr, r->gen->cfg };

	return store_artifact_list(r->srv->store, api_list_artifact, &l);
}

/* Declared in api_int.h. */
int api_events_read(struct http_req *r, long long after, unsigned int limit,
		    const char *kind, const char *node, json_t *arr,
		    struct api_bad_event *bad)
{
	struct api_event_list l = { arr, bad };

	if (kind || node)
		return store_event_list_by(r->srv->store, kind, node, after,
					   limit, api_list_event, &l);
	return store_event_list(r->srv->store, after, limit, api_list_event,
				&l);
}

/* ---- pods ------------------------------------------------------------- */

/* A pod's nodes counted and, if @nodes, listed briefly. */
struct api_pod_scan {
	struct api_counts counts;
	json_t *nodes;
	struct http_req *r;
};

/* Store walk callback: count node @n, by what monitoring says of it, into
 * the scan @ctx and list it there if it lists. */
static int api_pod_node(void *ctx, const struct store_node *n)
{
	struct api_pod_scan *s = ctx;
	struct metrics_node_info info;
	json_t *o;

	metrics_node_info(s->r->srv->metrics, s->r->gen->cfg, n->id, &info);
	api_counts_add(&s->counts, n, info.up, info.known);
	if (!s->nodes)
		return 0;
	o = api_node_json(NULL, n, 0);
	if (o && json_object_set_new(o, "health", json_string(api_health_name(
				api_health_of(n, info.up, info.known))))) {
		json_decref(o);
		o = NULL;
	}
	return api_append(s->nodes, o);
}

/* Declared in api_int.h. */
int api_pod_read(struct http_req *r, const struct config_pod *p,
		 int with_nodes, json_t **out)
{
	struct api_pod_scan s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.r = r;
	*out = NULL;
	if (with_nodes) {
		s.nodes = json_array();
		if (!s.nodes)
			return -ENOMEM;
	}
	rc = store_node_list(r->srv->store, p->name, -1, api_pod_node, &s);
	if (rc == 0 && !(*out = api_pod_view(p, &s.counts, s.nodes)))
		rc = -ENOMEM;
	json_decref(s.nodes);
	return rc;
}

/* Declared in api_int.h. */
int api_pod_count(struct http_req *r, const struct config_pod *p,
		  struct api_counts *c)
{
	struct api_pod_scan s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.r = r;
	rc = store_node_list(r->srv->store, p->name, -1, api_pod_node, &s);
	*c = s.counts;
	return rc;
}

/* ---- one node --------------------------------------------------------- */

/* The newest events of one subject, kept in a ring. */
struct api_recent {
	const char *subject;
	struct store_event ring[API_NODE_EVENTS];
	size_t seen;
};

/* Store walk callback: keep event @e in the ring @ctx if it is about the
 * ring's subject; always 0. */
static int api_recent_add(void *ctx, const struct store_event *e)
{
	struct api_recent *rec = ctx;

	if (strcmp(e->subject, rec->subject) == 0)
		rec->ring[rec->seen++ % API_NODE_EVENTS] = *e;
	return 0;
}

/* Store walk callback: note event @e's id in the long long at @ctx. */
static int api_event_probe(void *ctx, const struct store_event *e)
{
	*(long long *)ctx = e->id;
	return 0;
}

/** The id of the first event after @after into @id, 0 if there is none. */
static int api_event_next(struct store *st, long long after, long long *id)
{
	*id = 0;
	return store_event_list(st, after, 1, api_event_probe, id);
}

/**
 * The id of the newest event (0 if none).  The store has no "newest"
 * query, but ids only grow: double a bound past the end, then bisect,
 * O(log n) one-row reads on the primary key.
 */
static int api_event_newest(struct store *st, long long *newest)
{
	long long lo = 0, hi = 1, mid, id;
	int rc;

	/* Invariant: event lo exists (or lo is 0), none lies beyond hi. */
	while ((rc = api_event_next(st, hi, &id)) == 0 && id) {
		lo = id;
		hi = id > LLONG_MAX / 2 ? LLONG_MAX : id * 2;
	}
	while (rc == 0 && lo < hi) {
		mid = lo + (hi - lo) / 2;
		rc = api_event_next(st, mid, &id);
		if (id)
			lo = id;
		else
			hi = mid;
	}
	*newest = lo;
	return rc;
}

/**
 * The last API_NODE_EVENTS events about node @id, oldest first, into
 * @arr.  Only the newest API_NODE_SCAN events are searched: the store
 * cannot select by subject, and a node's recent history is what the
 * operator asks for; older events stay in /api/v1/events.
 */
static int api_node_events(struct http_req *r, const char *id, json_t *arr)
{
	struct api_recent *rec = calloc(1, sizeof(*rec));
	long long newest = 0;
	size_t i, n;
	int rc;

	if (!rec)
		return -ENOMEM;
	rec->subject = id;
	rc = api_event_newest(r->srv->store, &newest);
	if (rc == 0)
		rc = store_event_list(r->srv->store,
				      newest > API_NODE_SCAN ?
				      newest - API_NODE_SCAN : 0,
				      API_NODE_SCAN, api_recent_add, rec);
	n = rec->seen < API_NODE_EVENTS ? rec->seen : API_NODE_EVENTS;
	for (i = rec->seen - n; rc == 0 && i < rec->seen; i++)
		rc = api_append(arr,
				api_event_json(&rec->ring[i % API_NODE_EVENTS],
					       NULL));
	free(rec);
	return rc;
}

/* Key metrics shown for a node: (JSON name, metric, label, value). */
static const struct {
	const char *key, *metric, *label, *value;
} api_key_metrics[] = {
	{ "load1", "node_load1", NULL, NULL },
	{ "memory_total_bytes", "node_memory_MemTotal_bytes", NULL, NULL },
	{ "memory_available_bytes", "node_memory_MemAvailable_bytes", NULL,
	  NULL },
	{ "root_avail_bytes", "node_filesystem_avail_bytes", "mountpoint",
	  "/" },
	{ "boot_time_seconds", "node_boot_time_seconds", NULL, NULL },
};

#define API_N_KEY_METRICS (sizeof(api_key_metrics) / sizeof(api_key_metrics[0]))

/* The key metrics node @id has while it is up, as a JSON object; the
 * caller owns it, NULL when out of memory. */
static json_t *api_key_metrics_json(struct http_req *r, const char *id)
{
	struct config_pair match;
	json_t *m = json_object();
	double v;
	size_t i;

	for (i = 0; m && i < API_N_KEY_METRICS; i++) {
		memset(&match, 0, sizeof(match));
		if (api_key_metrics[i].label) {
			snprintf(match.name, sizeof(match.name), "%s",
				 api_key_metrics[i].label);
			snprintf(match.value, sizeof(match.value), "%s",
				 api_key_metrics[i].value);
		}
		if (metrics_value(r->srv->metrics, r->gen->cfg, id,
				  api_key_metrics[i].metric, &match,
				  api_key_metrics[i].label ? 1 : 0, &v))
			json_object_set_new(m, api_key_metrics[i].key,
					    json_real(v));
	}
	return m;
}

/* Declared in api_int.h. */
int api_node_read(struct http_req *r, const struct store_node *n,
		  json_t **out)
{
	struct metrics_node_info info;
	json_t *node, *events;
	int rc = -ENOMEM;

	*out = NULL;
	node = api_node_json(r->gen->cfg, n, 1);
	events = json_array();
	if (!node || !events)
		goto err_alloc;
	rc = api_node_events(r, n->id, events);
	if (rc != 0)
		goto err_alloc;
	metrics_node_info(r->srv->metrics, r->gen->cfg, n->id, &info);
	rc = -ENOMEM;
	/* json_object_set_new() takes its value even when it fails. */
	if (json_object_set_new(node, "events", events) != 0 ||
	    json_object_set_new(node, "health",
				api_health_json(&info, api_key_metrics_json(
							       r, n->id))) != 0)
		goto err_set;
	*out = node;
	return 0;

err_alloc:
	json_decref(events);
err_set:
	json_decref(node);
	return rc;
}
