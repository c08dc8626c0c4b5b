/* api_text.c: the status API's ?format=text: JSON replies rendered as
 * aligned text tables, one view per endpoint.  Pure: no I/O. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "error.h"

/* ---- bounded text buffer ---------------------------------------------- */

static int api_text_add(struct pbuf *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * Append printf-style text to @t, or nothing if it would pass @t->max:
 * then @t->overflow is set and later appends are dropped too.
 *
 * @ret rc		0 (also when dropped), -ENOMEM or -EINVAL
 */
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

/* Declared in api_int.h. */
void api_cell(json_t *v, char *out, size_t size)
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

/* Declared in api_int.h. */
int api_render(struct pbuf *t, json_t *json, const struct api_view *v)
{
	json_t *rows = json_is_array(json) ? json_incref(json) :
					     json_pack("[O]", json);
	const char *nested[] = { v->nested, v->nested2, v->nested3 };
	const struct api_col *nested_cols[] = { v->nested_cols,
						v->nested2_cols,
						v->nested3_cols };
	int rc = rows ? api_table(t, rows, v->cols) : -ENOMEM;
	size_t i;

	/* Each further table under a blank line; an absent one (a pod
	 * without a cache report) is left out. */
	for (i = 0; rc == 0 && i < 3; i++) {
		json_t *sub = nested[i] ? api_member(json, nested[i]) : NULL;

		if (!nested[i] ||
		    (i > 0 && (!json_is_array(sub) || !json_array_size(sub))))
			continue;
		rc = api_text_add(t, "\n");
		if (rc == 0)
			rc = api_table(t, sub, nested_cols[i]);
	}
	json_decref(rows);
	if (rc == 0 && t->overflow) {
		t->overflow = 0;
		t->max = API_TEXT_MAX;
		rc = api_text_add(t, "... output truncated at %u MiB\n",
				  API_TEXT_MAX >> 20);
	}
	return rc;
}

/* ---- views ------------------------------------------------------------ */

/* The columns of each endpoint's table; alike by design, one per view. */
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
	{ "UP", "node_counts.up" },
	{ "DOWN", "node_counts.down" },
	{ "PROV_GATEWAY", "provisioning.gateway" },
	{ "PROV_VLAN", "provisioning.vlan" },
	{ "MGMT_GATEWAY", "management.gateway" },
	{ "MGMT_VLAN", "management.vlan" },
	{ NULL, NULL },
};

static const struct api_col api_cols_pod_nodes[] = {
	{ "NODE", "id" },
	{ "MAC", "mac" },
	{ "STATE", "state" },
	{ "HEALTH", "health" },
	{ "GEN", "generation" },
	{ "UPDATED", "updated_at" },
	{ NULL, NULL },
};

/* A pod's artifact set, and whether its cache holds each version. */
static const struct api_col api_cols_pod_artifacts[] = {
	{ "ARTIFACT", "name" },
	{ "SHA256", "sha256" },
	{ "SIZE", "size" },
	{ "PUBLISHED", "created_at" },
	{ "CACHED", "cached_at" },
	{ "SERVED", "served_from_cache" },
	{ NULL, NULL },
};

/* Whole files the pod's cache served, per machine and artifact. */
static const struct api_col api_cols_pod_served[] = {
	{ "MACHINE", "node" },
	{ "ARTIFACT", "artifact" },
	{ "SHA256", "sha256" },
	{ "FROM_CACHE", "count" },
	{ "BYTES", "bytes" },
	{ NULL, NULL },
};

/* One node (its health is the object of its own view, below). */
static const struct api_col api_cols_node[] = {
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

/* The node list: each with its health (up, down, unknown). */
static const struct api_col api_cols_nodes[] = {
	{ "NODE", "id" },
	{ "MAC", "mac" },
	{ "POD", "pod" },
	{ "STATE", "state" },
	{ "HEALTH", "health" },
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
	{ "SERIAL", "signer_serial" },
	{ "NOT_AFTER", "signer_not_after" },
	{ NULL, NULL },
};

static const struct api_col api_cols_alerts[] = {
	{ "ALERT", "alertname" },
	{ "STATE", "state" },
	{ "POD", "pod" },
	{ "NODE", "node" },
	{ "VALUE", "value" },
	{ "ACTIVE", "active_at" },
	{ "FIRED", "fired_at" },
	{ "RESOLVED", "resolved_at" },
	{ NULL, NULL },
};

/* The head of a page: its size and where the next one starts. */
static const struct api_col api_cols_node_page[] = {
	{ "TOTAL", "total" },
	{ "LIMIT", "limit" },
	{ "NEXT", "next" },
	{ NULL, NULL },
};

/* The head of a page by offset (pods, alerts). */
static const struct api_col api_cols_offset_page[] = {
	{ "TOTAL", "total" },
	{ "OFFSET", "offset" },
	{ "LIMIT", "limit" },
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

const struct api_view api_view_pods = {
	.cols = api_cols_pods,
};
const struct api_view api_view_pod = {
	.cols = api_cols_pods,
	.nested = "nodes",
	.nested_cols = api_cols_pod_nodes,
	.nested2 = "artifacts",
	.nested2_cols = api_cols_pod_artifacts,
	.nested3 = "cache.served",
	.nested3_cols = api_cols_pod_served,
};
const struct api_view api_view_nodes = {
	.cols = api_cols_nodes,
};
const struct api_view api_view_node = {
	.cols = api_cols_node,
	.nested = "events",
	.nested_cols = api_cols_events,
};
const struct api_view api_view_artifacts = {
	.cols = api_cols_artifacts,
};
const struct api_view api_view_events = {
	.cols = api_cols_events,
};
const struct api_view api_view_alerts = {
	.cols = api_cols_alerts,
};
const struct api_view api_view_node_page = {
	.cols = api_cols_node_page,
	.nested = "nodes",
	.nested_cols = api_cols_nodes,
};
const struct api_view api_view_pod_page = {
	.cols = api_cols_offset_page,
	.nested = "pods",
	.nested_cols = api_cols_pods,
};
const struct api_view api_view_alert_page = {
	.cols = api_cols_offset_page,
	.nested = "alerts",
	.nested_cols = api_cols_alerts,
};
