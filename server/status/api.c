/* api.c: the read-only status API (pods, nodes, artifacts, events) and
 * /healthz, as JSON or, with ?format=text, as aligned text tables. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "boot.h"
#include "error.h"
#include "metrics.h"
#include "num.h"
#include "pbuf.h"

#define API_TEXT_MAX (8u << 20)	/* largest text reply, note included */
#define API_TEXT_NOTE 128	/* kept free for the truncation note */
#define API_COLS_MAX 16		/* columns of one text table */
#define API_WIDTH_MAX 64	/* wider cells overflow their column */
#define API_CELL_MAX 1024	/* one rendered cell */
#define API_NODE_EVENTS 20	/* events shown with one node */
#define API_NODE_SCAN 10000	/* newest events searched for them */
#define API_EVENTS_LIMIT 1000	/* most events per /api/v1/events page */

/* ---- bounded text buffer ---------------------------------------------- */

/**
 * Append printf-style text to @t, or nothing if it would pass @t->max:
 * then @t->overflow is set and later appends are dropped too.
 *
 * @ret rc		0 (also when dropped), -ENOMEM or -EINVAL
 */
static int api_text_add(struct pbuf *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int api_text_add(struct pbuf *t, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = pbuf_vprintf(t, fmt, ap);
	va_end(ap);
	return rc == -PB_ETOOBIG ? 0 : rc;
}

/* ---- text tables ------------------------------------------------------ */

/* A column: its header and the member shown ("a.b" for a nested one). */
struct api_col {
	const char *head;
	const char *key;
};

/*
 * What ?format=text shows of a reply: a table of the array (or of the
 * one object), then optionally a second table of one of its members.
 */
struct api_view {
	const struct api_col *cols;
	const char *nested;
	const struct api_col *nested_cols;
};

/** The member of @obj at the dotted @path, or NULL. */
static json_t *api_member(json_t *obj, const char *path)
{
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		obj = json_object_getn(obj, path, (size_t)(dot - path));
		path = dot + 1;
	}
	return json_object_get(obj, path);
}

/**
 * Render one JSON value as a cell: strings as they are but with control
 * characters replaced (the text goes to a terminal), arrays joined with
 * commas, booleans as yes/no, absent or null as "-".
 */
static void api_cell(json_t *v, char *out, size_t size)
{
	size_t i, len;
	json_t *item;

	if (json_is_string(v))
		snprintf(out, size, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, size, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(out, size, "%s", json_is_true(v) ? "yes" : "no");
	else
		snprintf(out, size, "%s", json_is_array(v) ? "" : "-");
	json_array_foreach(v, i, item) {
		len = strlen(out);
		snprintf(out + len, size - len, "%s%s", i ? "," : "",
			 json_string_value(item) ? json_string_value(item) :
						   "?");
	}
	for (i = 0; out[i]; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
}

/** Column widths: the widest header or cell, at most API_WIDTH_MAX. */
static void api_widths(json_t *rows, const struct api_col *cols,
		       size_t width[API_COLS_MAX])
{
	char cell[API_CELL_MAX];
	json_t *row;
	size_t i, c;

	for (c = 0; c < API_COLS_MAX && cols[c].head; c++)
		width[c] = strlen(cols[c].head);
	json_array_foreach(rows, i, row) {
		for (c = 0; c < API_COLS_MAX && cols[c].head; c++) {
			api_cell(api_member(row, cols[c].key), cell,
				 sizeof(cell));
			if (strlen(cell) > width[c])
				width[c] = strlen(cell);
		}
	}
	for (c = 0; c < API_COLS_MAX && cols[c].head; c++)
		if (width[c] > API_WIDTH_MAX)
			width[c] = API_WIDTH_MAX;
}

/** One line: the headers if @row is NULL; whole or not at all. */
static int api_row(struct pbuf *t, json_t *row, const struct api_col *cols,
		   const size_t width[API_COLS_MAX])
{
	char cell[API_CELL_MAX];
	size_t c, mark = t->len;
	int rc = 0;

	for (c = 0; rc == 0 && c < API_COLS_MAX && cols[c].head; c++) {
		if (row)
			api_cell(api_member(row, cols[c].key), cell,
				 sizeof(cell));
		else
			snprintf(cell, sizeof(cell), "%s", cols[c].head);
		if (c + 1 < API_COLS_MAX && cols[c + 1].head)
			rc = api_text_add(t, "%-*s  ", (int)width[c], cell);
		else
			rc = api_text_add(t, "%s\n", cell);
	}
	if (t->overflow)
		pbuf_truncate(t, mark);	/* no half lines */
	return rc;
}

/** A header row and one row per element of the array @rows. */
static int api_table(struct pbuf *t, json_t *rows,
		     const struct api_col *cols)
{
	size_t width[API_COLS_MAX];
	json_t *row;
	size_t i;
	int rc;

	api_widths(rows, cols, width);
	rc = api_row(t, NULL, cols, width);
	json_array_foreach(rows, i, row) {
		if (rc != 0 || t->overflow)
			break;
		rc = api_row(t, row, cols, width);
	}
	return rc;
}

/** Render @json as @v says into @t, noting a truncation at the end. */
static int api_render(struct pbuf *t, json_t *json,
		      const struct api_view *v)
{
	json_t *rows = json_is_array(json) ? json_incref(json) :
					     json_pack("[O]", json);
	int rc = rows ? api_table(t, rows, v->cols) : -ENOMEM;

	if (rc == 0 && v->nested)
		rc = api_text_add(t, "\n");
	if (rc == 0 && v->nested)
		rc = api_table(t, json_object_get(json, v->nested),
			       v->nested_cols);
	json_decref(rows);
	if (rc == 0 && t->overflow) {
		t->overflow = 0;
		t->max = API_TEXT_MAX;
		rc = api_text_add(t, "... output truncated at %u MiB\n",
				  API_TEXT_MAX >> 20);
	}
	return rc;
}

/* ---- replies ---------------------------------------------------------- */

/** Reply to a failed store read or allocation. */
static void api_fail(struct http_req *r, int rc)
{
	if (rc == -ENOMEM)
		http_reply_error(r, 503, "out of memory; try again");
	else
		http_reply_error(r, 500, "reading the store: %s",
				 pb_strerror(rc));
}

/** Reply with @json as text, as @v says. */
static void api_reply_text(struct http_req *r, json_t *json,
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
		api_fail(r, rc);
	pbuf_free(&t);
}

/**
 * The one reply of a handler: @json (taken; NULL means out of memory) as
 * JSON, or as text if asked for and @v says how, or the failure @rc.
 */
static void api_finish(struct http_req *r, int rc, json_t *json,
		       const struct api_view *v)
{
	if (rc == 0 && !json)
		rc = -ENOMEM;
	if (rc != 0) {
		api_fail(r, rc);
	} else if (v && http_wants_text(r)) {
		api_reply_text(r, json, v);
	} else {
		http_reply_json(r, 200, json);
		json = NULL;	/* taken */
	}
	json_decref(json);
}

/* ---- request checks --------------------------------------------------- */

static const char *const api_args_plain[] = { "format", NULL };
static const char *const api_args_nodes[] = { "pod", "state", "format",
					      NULL };
static const char *const api_args_events[] = { "after", "limit", "format",
					       NULL };

/** Refuse unknown query parameters and formats; 0 or -1 (refused). */
static int api_query(struct http_req *r, const char *const *allowed)
{
	const char *f;

	if (http_args_only(r, allowed) != 0)
		return -1;
	f = http_arg(r, "format");
	if (f && strcmp(f, "json") != 0 && strcmp(f, "text") != 0) {
		http_reply_error(r, 400, "format must be json or text");
		return -1;
	}
	return 0;
}

/** The token first (nothing is said to strangers), then the query. */
static int api_begin(struct http_req *r, const char *const *allowed)
{
	if (!http_require_scope(r, "status"))
		return -1;
	return api_query(r, allowed);
}

/** Parse the decimal parameter @name into [@min, @max]; -1 if refused. */
static int api_number(struct http_req *r, const char *name,
		      unsigned long long min, unsigned long long max,
		      unsigned long long *out)
{
	const char *s = http_arg(r, name);
	uint64_t v;

	if (!s)
		return 0;
	if (num_parse_u64(s, strlen(s), max, &v) != 0 || v < min) {
		http_reply_error(r, 400, "%s must be a number from %llu to "
					 "%llu", name, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/** The configured pod @name, or NULL after a 404. */
static const struct config_pod *api_pod_find(struct http_req *r,
					     const char *name)
{
	const struct config_pod *p = config_pod_by_name(r->gen->cfg, name);

	if (p)
		return p;
	if (config_name_valid(name) == 0)
		http_reply_error(r, 404, "no pod %s", name);
	else
		http_reply_error(r, 404, "no such pod");
	return NULL;
}

/** Parse ?state=; 0, or -1 after a 400 naming the valid states. */
static int api_state(struct http_req *r, const char *name, int *state)
{
	enum node_state s;
	char names[160] = "";
	size_t len;
	int i;

	if (store_state_parse(name, &s) == 0) {
		*state = (int)s;
		return 0;
	}
	for (i = 0; i < NODE_STATE_COUNT; i++) {
		len = strlen(names);
		snprintf(names + len, sizeof(names) - len, "%s%s",
			 i ? ", " : "", store_state_name((enum node_state)i));
	}
	http_reply_error(r, 400, "state must be one of: %s", names);
	return -1;
}

/* ---- JSON of the model ------------------------------------------------ */

/* Empty strings are absent values: null in JSON. */
static const char *api_opt(const char *s)
{
	return s && *s ? s : NULL;
}

/* Unix seconds as ISO-8601 UTC ("1970-01-01T00:00:00Z" if unrepresentable). */
static void api_iso(long long when, char out[32])
{
	time_t t = (time_t)when;
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

/** Append @item (taken; NULL means out of memory) to @arr. */
static int api_append(json_t *arr, json_t *item)
{
	return json_array_append_new(arr, item) == 0 ? 0 : -ENOMEM;
}

static json_t *api_net_json(const struct config_net *net)
{
	json_t *dns = json_array();
	size_t i;

	for (i = 0; dns && i < net->n_dns; i++) {
		if (api_append(dns, json_string(net->dns[i])) != 0) {
			json_decref(dns);
			dns = NULL;	/* fails the pack below */
		}
	}
	return json_pack("{s:s, s:s?, s:I, s:o}", "cidr", net->cidr,
			 "gateway", api_opt(net->gateway), "vlan",
			 (json_int_t)net->vlan, "dns", dns);
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

/**
 * A node's monitoring health: whether its pushes arrive, their sequence
 * bookkeeping, and its key metrics while it is up.
 */
static json_t *api_health_json(struct http_req *r, const char *id)
{
	struct metrics_node_info info;
	struct config_pair match;
	char when[32];
	json_t *o, *m;
	double v;
	size_t i;

	metrics_node_info(r->srv->metrics, r->gen->cfg, id, &info);
	api_iso(info.last_push, when);
	o = json_pack("{s:b, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "up",
		      info.up, "last_push_at", info.last_push ? when : NULL,
		      "interval_s", (json_int_t)info.interval, "series",
		      (json_int_t)info.series, "last_seq",
		      (json_int_t)info.last_seq, "pushes",
		      (json_int_t)info.pushes, "duplicates",
		      (json_int_t)info.duplicates, "gaps",
		      (json_int_t)info.gaps, "replays",
		      (json_int_t)info.replays);
	m = json_object();
	for (i = 0; o && m && i < sizeof(api_key_metrics) /
					  sizeof(api_key_metrics[0]); i++) {
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
	if (o && m)
		json_object_set_new(o, "metrics", m);
	else
		json_decref(m);
	return o;
}

/**
 * A node as JSON: id, mac, state, generation and update time; with @full
 * also uuid, serial, pod and what the configuration says of it.
 */
static json_t *api_node_json(const struct config *cfg,
			     const struct store_node *n, int full)
{
	const struct config_node *cn = full ? config_node_by_id(cfg, n->id) :
					      NULL;
	char when[32];
	json_t *o;

	api_iso(n->updated, when);
	o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "id", n->id, "mac",
		      n->mac, "state", store_state_name(n->state),
		      "generation", (json_int_t)n->generation, "updated",
		      (json_int_t)n->updated, "updated_at", when);
	if (o && full &&
	    json_object_update_new(o, json_pack("{s:s?, s:s?, s:s?, s:b}",
						"uuid", api_opt(n->uuid),
						"serial", api_opt(n->serial),
						"pod", api_opt(n->pod),
						"configured", cn != NULL)))
		goto fail;
	if (o && cn &&
	    json_object_update_new(o, json_pack("{s:s, s:s?, s:s?}",
						"hostname", cn->hostname,
						"address", api_opt(cn->address),
						"profile", cn->profile ?
						cn->profile->name : NULL)))
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* An event as JSON; NULL on failure, described in @err if not NULL. */
static json_t *api_event_json(const struct store_event *e, json_error_t *err)
{
	char when[32];

	api_iso(e->ts, when);
	return json_pack_ex(err, 0, "{s:I, s:I, s:s, s:s, s:s, s:s}", "id",
			    (json_int_t)e->id, "ts", (json_int_t)e->ts, "time",
			    when, "kind", e->kind, "subject", e->subject,
			    "detail", e->detail);
}

static json_t *api_artifact_json(const struct config *cfg,
				 const struct store_artifact *a)
{
	char when[32], url[512];

	api_iso(a->created, when);
	snprintf(url, sizeof(url), "%s/artifacts/%s@sha256:%s", cfg->base_url,
		 a->name, a->sha256);
	return json_pack("{s:s, s:s, s:I, s:s, s:I, s:s, s:b, s:s}", "name",
			 a->name, "sha256", a->sha256, "size",
			 (json_int_t)a->size, "signer", a->signer, "created",
			 (json_int_t)a->created, "created_at", when,
			 "current", a->current, "url", url);
}

/* ---- store walks ------------------------------------------------------ */

/* A list being built from a store walk. */
struct api_list {
	json_t *arr;
	const struct config *cfg;
};

static int api_list_node(void *ctx, const struct store_node *n)
{
	struct api_list *l = ctx;

	return api_append(l->arr, api_node_json(l->cfg, n, 1));
}

static int api_list_artifact(void *ctx, const struct store_artifact *a)
{
	struct api_list *l = ctx;

	return api_append(l->arr, api_artifact_json(l->cfg, a));
}

/* The events being listed; the first that JSON refused, and why. */
struct api_event_list {
	json_t *arr;
	long long bad_id;
	char why[JSON_ERROR_TEXT_LENGTH];
};

/* 0; -ENOMEM; -EILSEQ for an event JSON cannot carry (the store cleans
 * event text, so that is a bug: say which event, not "out of memory"). */
static int api_list_event(void *ctx, const struct store_event *e)
{
	struct api_event_list *l = ctx;
	json_error_t err;
	json_t *o = api_event_json(e, &err);

	if (!o && json_error_code(&err) != json_error_out_of_memory) {
		l->bad_id = e->id;
		snprintf(l->why, sizeof(l->why), "%s", err.text);
		return -EILSEQ;
	}
	return api_append(l->arr, o);
}

/* A pod's nodes counted by state and, if @nodes, listed briefly. */
struct api_pod_scan {
	unsigned long long count[NODE_STATE_COUNT];
	unsigned long long total, up, down;
	json_t *nodes;
	struct http_req *r;
};

static int api_pod_node(void *ctx, const struct store_node *n)
{
	struct api_pod_scan *s = ctx;

	struct metrics_node_info info;

	if ((unsigned int)n->state < NODE_STATE_COUNT)
		s->count[n->state]++;
	s->total++;
	metrics_node_info(s->r->srv->metrics, s->r->gen->cfg, n->id, &info);
	if (info.up)
		s->up++;
	else if (info.known || n->state == NODE_INSTALLED)
		s->down++;
	return s->nodes ? api_append(s->nodes, api_node_json(NULL, n, 0)) : 0;
}

/** {"total": N, "discovered": N, ...} of a scan. */
static json_t *api_counts_json(const struct api_pod_scan *s)
{
	json_t *o = json_pack("{s:I, s:I, s:I}", "total", (json_int_t)s->total,
			      "up", (json_int_t)s->up, "down",
			      (json_int_t)s->down);
	json_int_t n;
	int i;

	for (i = 0; o && i < NODE_STATE_COUNT; i++) {
		n = (json_int_t)s->count[i];
		if (json_object_set_new(o, store_state_name((enum node_state)i),
					json_integer(n)) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

/**
 * A pod as JSON with its node counts from the store, and with @with_nodes
 * its nodes too.  The caller owns *@out.
 */
static int api_pod_json(struct http_req *r, const struct config_pod *p,
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
	if (rc == 0)
		*out = json_pack("{s:s, s:s, s:s, s:b, s:o, s:o, s:o}", "name",
				 p->name, "site", p->site, "profile",
				 p->profile, "allow_unverified",
				 p->allow_unverified, "provisioning",
				 api_net_json(&p->prov), "management",
				 api_net_json(&p->mgmt), "node_counts",
				 api_counts_json(&s));
	if (rc == 0 && !*out)
		rc = -ENOMEM;
	if (rc == 0 && s.nodes && json_object_set(*out, "nodes", s.nodes))
		rc = -ENOMEM;
	json_decref(s.nodes);
	return rc;
}

/* The newest events of one subject, kept in a ring. */
struct api_recent {
	const char *subject;
	struct store_event ring[API_NODE_EVENTS];
	size_t seen;
};

static int api_recent_add(void *ctx, const struct store_event *e)
{
	struct api_recent *rec = ctx;

	if (strcmp(e->subject, rec->subject) == 0)
		rec->ring[rec->seen++ % API_NODE_EVENTS] = *e;
	return 0;
}

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

/* ---- text views ------------------------------------------------------- */

static const struct api_col api_cols_pods[] = {
	{ "POD", "name" },
	{ "SITE", "site" },
	{ "PROFILE", "profile" },
	{ "PROVISIONING", "provisioning.cidr" },
	{ "MANAGEMENT", "management.cidr" },
	{ "NODES", "node_counts.total" },
	{ "DISCOVERED", "node_counts.discovered" },
	{ "ARMED", "node_counts.armed" },
	{ "BOOTING", "node_counts.booting" },
	{ "INSTALLING", "node_counts.installing" },
	{ "INSTALLED", "node_counts.installed" },
	{ "FAILED", "node_counts.failed" },
	{ NULL, NULL },
};

static const struct api_col api_cols_pod_nodes[] = {
	{ "NODE", "id" },
	{ "MAC", "mac" },
	{ "STATE", "state" },
	{ "GEN", "generation" },
	{ "UPDATED", "updated_at" },
	{ NULL, NULL },
};

static const struct api_col api_cols_nodes[] = {
	{ "NODE", "id" },
	{ "MAC", "mac" },
	{ "POD", "pod" },
	{ "STATE", "state" },
	{ "GEN", "generation" },
	{ "PROFILE", "profile" },
	{ "ADDRESS", "address" },
	{ "UPDATED", "updated_at" },
	{ NULL, NULL },
};

static const struct api_col api_cols_artifacts[] = {
	{ "NAME", "name" },
	{ "SHA256", "sha256" },
	{ "SIZE", "size" },
	{ "CURRENT", "current" },
	{ "CREATED", "created_at" },
	{ "SIGNER", "signer" },
	{ NULL, NULL },
};

static const struct api_col api_cols_events[] = {
	{ "ID", "id" },
	{ "TIME", "time" },
	{ "KIND", "kind" },
	{ "SUBJECT", "subject" },
	{ "DETAIL", "detail" },
	{ NULL, NULL },
};

static const struct api_view api_view_pods = { api_cols_pods, NULL, NULL };
static const struct api_view api_view_pod = { api_cols_pods, "nodes",
					      api_cols_pod_nodes };
static const struct api_view api_view_nodes = { api_cols_nodes, NULL,
						NULL };
static const struct api_view api_view_node = { api_cols_nodes, "events",
					       api_cols_events };
static const struct api_view api_view_artifacts = { api_cols_artifacts,
						    NULL, NULL };
static const struct api_view api_view_events = { api_cols_events, NULL,
						 NULL };

/* ---- handlers --------------------------------------------------------- */

/* Bodies in flight and what the limits did to them, for /healthz. */
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

/* The certificate in use that expires first, for /healthz. */
static json_t *api_certificates(struct http_req *r, long long now)
{
	const struct server_gen *gen = r->gen;
	long long left = gen->cert_not_after - now;
	char when[32];

	if (!gen->cert_first_what)
		return json_object();
	api_iso(gen->cert_not_after, when);
	return json_pack("{s:s, s:s, s:I, s:b}", "first_to_expire",
			 gen->cert_first_what, "not_after", when, "days_left",
			 (json_int_t)(left / 86400), "expiring_soon",
			 left < 14 * 86400LL);
}

static int api_healthz(struct http_req *r)
{
	const struct config *cfg = r->gen->cfg;
	long long now = (long long)time(NULL);

	if (api_query(r, api_args_plain) != 0)
		return 0;
	if (http_wants_text(r)) {
		http_reply_data(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
		return 0;
	}
	api_finish(r, 0,
		   json_pack("{s:s, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:b}, "
			     "s:o, s:o}",
			     "status", "ok", "uptime_s",
			     (json_int_t)(now > r->srv->started ?
						  now - r->srv->started : 0),
			     "configuration", (json_int_t)r->gen->number,
			     "nodes", (json_int_t)cfg->n_nodes, "boot_cache",
			     (json_int_t)boot_cache_size(r->srv->boot),
			     "precompute", "configuration",
			     (json_int_t)atomic_load(&r->srv->pre_gen),
			     "ready",
			     (json_int_t)atomic_load(&r->srv->pre_ready),
			     "running", atomic_load(&r->srv->pre_busy),
			     "transfers", api_transfers(r), "certificates",
			     api_certificates(r, now)),
		   NULL);
	return 0;
}

static int api_pods(struct http_req *r)
{
	const struct config *cfg = r->gen->cfg;
	json_t *arr, *pod;
	size_t i;
	int rc = 0;

	if (api_begin(r, api_args_plain) != 0)
		return 0;
	arr = json_array();
	for (i = 0; arr && rc == 0 && i < cfg->n_pods; i++) {
		rc = api_pod_json(r, &cfg->pods[i], 0, &pod);
		if (rc == 0)
			rc = api_append(arr, pod);
	}
	api_finish(r, rc, arr, &api_view_pods);
	return 0;
}

static int api_pod(struct http_req *r)
{
	const struct config_pod *p;
	json_t *pod = NULL;
	int rc;

	if (api_begin(r, api_args_plain) != 0)
		return 0;
	p = api_pod_find(r, r->rest);
	if (!p)
		return 0;
	rc = api_pod_json(r, p, 1, &pod);
	api_finish(r, rc, pod, &api_view_pod);
	return 0;
}

static int api_nodes(struct http_req *r)
{
	const char *pod = http_arg(r, "pod");
	const char *state = http_arg(r, "state");
	struct api_list l = { NULL, r->gen->cfg };
	int st = -1;
	int rc = -ENOMEM;

	if (api_begin(r, api_args_nodes) != 0 ||
	    (pod && !api_pod_find(r, pod)) ||
	    (state && api_state(r, state, &st) != 0))
		return 0;
	l.arr = json_array();
	if (l.arr)
		rc = store_node_list(r->srv->store, pod, st, api_list_node,
				     &l);
	api_finish(r, rc, l.arr, &api_view_nodes);
	return 0;
}

static int api_node(struct http_req *r)
{
	struct store_node n;
	json_t *node = NULL, *events = NULL;
	int rc;

	if (api_begin(r, api_args_plain) != 0)
		return 0;
	rc = config_name_valid(r->rest) == 0 ?
		     store_node_get(r->srv->store, r->rest, &n) : -ENOENT;
	if (rc == -ENOENT) {
		http_reply_error(r, 404, "no such node");
		return 0;
	}
	if (rc == 0 && (!(node = api_node_json(r->gen->cfg, &n, 1)) ||
			!(events = json_array())))
		rc = -ENOMEM;
	if (rc == 0)
		rc = api_node_events(r, n.id, events);
	if (rc == 0 && json_object_set(node, "events", events) != 0)
		rc = -ENOMEM;
	if (rc == 0 && json_object_set_new(node, "health",
					   api_health_json(r, n.id)) != 0)
		rc = -ENOMEM;
	json_decref(events);
	api_finish(r, rc, node, &api_view_node);
	return 0;
}

static int api_artifacts(struct http_req *r)
{
	struct api_list l = { NULL, r->gen->cfg };
	int rc = -ENOMEM;

	if (api_begin(r, api_args_plain) != 0)
		return 0;
	l.arr = json_array();
	if (l.arr)
		rc = store_artifact_list(r->srv->store, api_list_artifact, &l);
	api_finish(r, rc, l.arr, &api_view_artifacts);
	return 0;
}

static int api_events(struct http_req *r)
{
	struct api_event_list l = { NULL, 0, "" };
	unsigned long long after = 0, limit = 100;
	int rc = -ENOMEM;

	if (api_begin(r, api_args_events) != 0 ||
	    api_number(r, "after", 0, LLONG_MAX, &after) != 0 ||
	    api_number(r, "limit", 1, API_EVENTS_LIMIT, &limit) != 0)
		return 0;
	l.arr = json_array();
	if (l.arr)
		rc = store_event_list(r->srv->store, (long long)after,
				      (unsigned int)limit, api_list_event, &l);
	if (rc == -EILSEQ) {
		json_decref(l.arr);
		http_reply_error(r, 500, "event %lld cannot be shown as JSON: "
					 "%s",
				 l.bad_id, l.why);
		return 0;
	}
	api_finish(r, rc, l.arr, &api_view_events);
	return 0;
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
