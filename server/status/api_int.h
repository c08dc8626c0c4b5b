/* api_int.h: what the pieces of the status API share: the text views
 * (api_text.c), the decisions on query arguments (api_args.c), the JSON
 * of the model (api_json.c) and the reads of store and metrics
 * (api_read.c); the handlers (api.c) put them together. */
#ifndef PODBOOT_API_INT_H
#define PODBOOT_API_INT_H

#include <stddef.h>

#include <jansson.h>

#include "config.h"
#include "http.h"
#include "metrics.h"
#include "pbuf.h"
#include "server.h"
#include "store.h"

#define API_TEXT_MAX (8u << 20)	/* largest text reply, note included */
#define API_TEXT_NOTE 128	/* kept free for the truncation note */
#define API_COLS_MAX 20		/* columns of one text table */
#define API_WIDTH_MAX 64	/* wider cells overflow their column */
#define API_CELL_MAX 1024	/* one rendered cell */
#define API_NODE_EVENTS 20	/* events shown with one node */
#define API_NODE_SCAN 10000	/* newest events searched for them */
#define API_EVENTS_LIMIT 1000	/* most events per /api/v1/events page */
#define API_EVENTS_DEFAULT 100	/* events per page unless ?limit= says */
#define API_ISO_SIZE 32		/* "1970-01-01T00:00:00Z" and its NUL */
#define API_PAGE_DEFAULT 100	/* nodes or pods per page unless ?limit= */
#define API_PAGE_LIMIT 1000	/* most nodes or pods per page */

/* ---- api_text.c: ?format=text ------------------------------------------ */

/* A column: its header and the member shown ("a.b" for a nested one). */
struct api_col {
	const char *head;
	const char *key;
};

/*
 * What ?format=text shows of a reply: a table of the array (or of the
 * one object), then optionally tables of up to three of its members.
 */
struct api_view {
	const struct api_col *cols;
	const char *nested;
	const struct api_col *nested_cols;
	const char *nested2;		/* more tables, shown when not empty */
	const struct api_col *nested2_cols;
	const char *nested3;		/* ("a.b" for a nested member) */
	const struct api_col *nested3_cols;
};

extern const struct api_view api_view_pods, api_view_pod, api_view_nodes,
	api_view_node, api_view_artifacts, api_view_events, api_view_alerts,
	api_view_node_page, api_view_pod_page, api_view_alert_page;

/**
 * Render one JSON value @v as a table cell into @out (@size bytes):
 * strings as they are but with control characters replaced by '?' (the
 * text goes to a terminal), integers in decimal, arrays joined with
 * commas, booleans as yes/no, anything else (absent, null) as "-".
 */
void api_cell(json_t *v, char *out, size_t size);

/**
 * Render @json as @v says into @t (whose maximum the caller set to
 * API_TEXT_MAX - API_TEXT_NOTE): whole lines only, and a note at the end
 * when lines were dropped.
 *
 * @ret rc		0, or -ENOMEM
 */
int api_render(struct pbuf *t, json_t *json, const struct api_view *v);

/* ---- api_args.c: decisions on the query -------------------------------- */

/**
 * The reply format ?format= asks for: @format NULL or "json" is JSON,
 * "text" is text (*@text 1).
 *
 * @ret rc		0, or -EINVAL for any other format
 */
int api_format(const char *format, int *text);

/**
 * The decimal argument @s, if given, as a number in [@min, @max] into
 * *@out; *@out is left as it is (the default) when @s is NULL.
 *
 * @ret rc		0, or -EINVAL when it is no such number
 */
int api_number(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *out);

/**
 * The node state named @name into *@state; if it names none, the valid
 * names, comma-separated, into @names (@size bytes) for the refusal.
 *
 * @ret rc		0, or -EINVAL
 */
int api_state(const char *name, int *state, char *names, size_t size);

/* A node's health as the status API shows it. */
enum api_health {
	API_HEALTH_UP,		/* its pushes arrive */
	API_HEALTH_DOWN,	/* they stopped, or it is installed and silent */
	API_HEALTH_UNKNOWN,	/* it never pushed and is not installed */
	API_HEALTH_COUNT
};

/**
 * The health named @name ("up", "down", "unknown") into *@health.
 *
 * @ret rc		0, or -EINVAL
 */
int api_health_parse(const char *name, int *health);

/** "up", "down" or "unknown"; never NULL. */
const char *api_health_name(int health);

/*
 * One page of a list being walked in order: which items it shows (those
 * after the cursor @after, at most @limit) and how many match in all.
 */
struct api_pager {
	const char *after;	/* NULL or "": from the first */
	unsigned int limit;
	unsigned int taken;	/* listed so far */
	int more;		/* a match beyond the page exists */
	unsigned long long matched;	/* matches offered */
	char last[64];		/* the last one listed */
};

/**
 * Offer matching item @id (ids come in increasing order) to the page @p:
 * counted, and listed if it comes after the cursor and the page has room.
 *
 * @ret list		1 to list it, 0 not
 */
int api_pager_offer(struct api_pager *p, const char *id);

/** The cursor of the next page (the last id listed), or NULL when @p is
 *  the last page. */
const char *api_pager_next(const struct api_pager *p);

/* ---- api_json.c: the model as JSON (pure) ------------------------------ */

/** Unix seconds @when as ISO-8601 UTC ("1970-01-01T00:00:00Z" when it
 *  cannot be represented). */
void api_iso(long long when, char out[API_ISO_SIZE]);

/** Append @item (taken; NULL means out of memory) to @arr; 0 or -ENOMEM. */
int api_append(json_t *arr, json_t *item);

/**
 * A node as JSON: id, mac, state, generation and update time; with @full
 * also uuid, serial, pod and what @cfg says of it (@cfg may be NULL when
 * @full is 0).  The caller owns the result; NULL when out of memory.
 */
json_t *api_node_json(const struct config *cfg, const struct store_node *n,
		      int full);

/**
 * A node's monitoring health from @info: whether its pushes arrive and
 * their sequence bookkeeping, with @metrics (taken; its key metrics) as
 * "metrics".  The caller owns the result; NULL when out of memory.
 */
json_t *api_health_json(const struct metrics_node_info *info,
			json_t *metrics);

/** An event as JSON; NULL on failure, described in @err if not NULL.
 *  The caller owns the result. */
json_t *api_event_json(const struct store_event *e, json_error_t *err);

/** An artifact as JSON with its URL under @cfg's base URL and its
 *  signer's serial and notAfter (null when not recorded); the caller owns
 *  the result, NULL when out of memory. */
json_t *api_artifact_json(const struct config *cfg,
			  const struct store_artifact *a);

/** The health of node @n whose pushes are @up, or @known to have been
 *  made (what api_counts_add counts): an enum api_health. */
int api_health_of(const struct store_node *n, int up, int known);

/* A pod's nodes counted by state and health. */
struct api_counts {
	unsigned long long count[NODE_STATE_COUNT];
	unsigned long long total, up, down;
};

/**
 * Count node @n (monitoring says @up, or @known to have pushed) into @c:
 * by state, and as up, or down when it pushed once or is installed.
 */
void api_counts_add(struct api_counts *c, const struct store_node *n,
		    int up, int known);

/**
 * Whether a pod with node counts @c is shown under the filters @state (a
 * node state, -1: any) and @health (an enum api_health, -1: any): it has
 * at least one node in that state and one of that health.
 */
int api_counts_match(const struct api_counts *c, int state, int health);

/**
 * Pod @p as JSON with its node counts @c, and its nodes @nodes (not
 * taken; may be NULL).  The caller owns the result; NULL when out of
 * memory.
 */
json_t *api_pod_view(const struct config_pod *p, const struct api_counts *c,
		     json_t *nodes);

/**
 * The certificate in use that expires first, for /healthz, seen at @now:
 * an empty object when @gen names none.  The caller owns the result.
 */
json_t *api_certificates_json(const struct server_gen *gen, long long now);

/* ---- api_read.c: reads of the store and the metrics -------------------- */

/** Pod @p as JSON into *@out (the caller owns it), with @with_nodes its
 *  nodes too; 0, -ENOMEM or the store's error. */
int api_pod_read(struct http_req *r, const struct config_pod *p,
		 int with_nodes, json_t **out);

/** Pod @p's nodes counted by state and health into @c; 0 or the store's
 *  error. */
int api_pod_count(struct http_req *r, const struct config_pod *p,
		  struct api_counts *c);

/** The nodes of @pod (NULL: all) in state @state (-1: any) and of health
 *  @health (-1: any), as JSON with their health, into @arr; 0, -ENOMEM or
 *  the store's error. */
int api_nodes_read(struct http_req *r, const char *pod, int state,
		   int health, json_t *arr);

/** Node @n as JSON (@full as api_node_json) with its "health", which
 *  *@health receives too.  The caller owns the result; NULL when out of
 *  memory. */
json_t *api_node_listed(struct http_req *r, const struct store_node *n,
			int full, int *health);

/** Node @n as /api/v1/nodes/ID shows it (events and health too) into
 *  *@out (the caller owns it); 0, -ENOMEM or the store's error. */
int api_node_read(struct http_req *r, const struct store_node *n,
		  json_t **out);

/* A page of /api/v1/nodes: the filters, the page, and what was found. */
struct api_node_page {
	const char *pod;	/* NULL: any */
	int state;		/* -1: any */
	int health;		/* -1: any */
	struct api_pager pager;
	json_t *nodes;		/* the page's nodes are appended here */
};

/**
 * Fill @pg->nodes with one page of nodes and @pg->pager with the total
 * and the next cursor.  Without a health filter, only the page's rows
 * (and one more) are read, along an index, and the total is one count;
 * health is held in memory, not in the store, so a health filter walks
 * the nodes its other filters select.
 *
 * @ret rc		0, -ENOMEM or the store's error
 */
int api_nodes_page(struct http_req *r, struct api_node_page *pg);

/* A page of /api/v1/pods: the filters, the order, the page. */
struct api_pod_page {
	int state;		/* -1: any */
	int health;		/* -1: any */
	int by_down;		/* most nodes down first, else by name */
	unsigned long long offset;
	unsigned int limit;
	unsigned long long total;	/* pods under the filters */
	json_t *pods;		/* the page's pods are appended here */
};

/**
 * Fill @pg->pods with one page of pods and @pg->total.  Without filter
 * or sort, only the page's pods' nodes are read; a filter or the sort by
 * nodes down needs every pod's counts (one indexed read per pod).
 *
 * @ret rc		0, -ENOMEM or the store's error
 */
int api_pods_page(struct http_req *r, struct api_pod_page *pg);

/** Whether @name is an alert state ?state= takes (pending, firing,
 *  resolved): 0, or -EINVAL. */
int api_alert_state(const char *name);

/**
 * One page of the alerts @all (a JSON array of alert objects; not taken):
 * those in state @state (NULL: any), ordered firing, pending, resolved,
 * then by alertname and node, from @offset, at most @limit.  Pure.
 *
 * @v out		the page, a new array the caller owns
 * @v total		alerts in state @state, in every page
 * @ret rc		0, or -ENOMEM (*@out NULL)
 */
int api_alerts_page(json_t *all, const char *state, unsigned long long offset,
		    unsigned long long limit, json_t **out,
		    unsigned long long *total);

/** Every artifact, as JSON, into @arr; 0, -ENOMEM or the store's error. */
int api_artifacts_read(struct http_req *r, json_t *arr);

/* Why an event could not be shown as JSON. */
struct api_bad_event {
	long long id;
	char why[JSON_ERROR_TEXT_LENGTH];
};

/* Longest event kind ?kind= takes, its NUL included (store_event). */
#define API_EVENT_KIND_MAX 32

/**
 * Whether @kind may be asked for in ?kind=: 1 to 31 of a-z, '_' and '-'
 * (the kinds podboot records).
 *
 * @ret rc		0 or -EINVAL
 */
int api_event_kind(const char *kind);

/**
 * Up to @limit events after id @after, as JSON, into @arr; only those of
 * kind @kind and subject @node where either is not NULL.
 *
 * @ret rc		0; -ENOMEM; the store's error; -EILSEQ for an event
 *			JSON cannot carry, described in @bad
 */
int api_events_read(struct http_req *r, long long after, unsigned int limit,
		    const char *kind, const char *node, json_t *arr,
		    struct api_bad_event *bad);

/**
 * GET /api/v1/pods/NAME/artifact-set (relay token): the pod's artifact
 * set (podset.c), each name at its current digest; JSON, or text lines
 * "SHA256 NAME" with ?format=text.  Reached from api_pod().
 *
 * @ret rc		0, or a refusal's code
 */
int api_podset(struct http_req *r);

/**
 * Add to @pod (pod @p as api_pod_read made it) its artifact set as
 * "artifacts" (name, sha256, size, created_at of the current version,
 * and cached_at: when the pod's cache first reported holding that
 * digest, null if it does not) and "cache": its last report (when, and
 * the whole files it served per machine and artifact), null without one.
 *
 * @ret rc		0, -ENOMEM or the store's error
 */
int api_pod_artifacts(struct http_req *r, const struct config_pod *p,
		      json_t *pod);

/**
 * GET /api/v1/nodes/ID/stage2 (the token and query checked already): the
 * stage2 node @id would get next, its verdict and its profile's kernel
 * and initrd, as JSON; nothing recorded, signed, or token shown.
 *
 * @ret rc		0, or the code of the refusal queued
 */
int api_node_stage2(struct http_req *r, const char *id);

#endif
