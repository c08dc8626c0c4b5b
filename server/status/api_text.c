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

static const struct api_col api_cols_pod_page[] = {
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

const struct api_view api_view_pods = { api_cols_pods, NULL, NULL };
const struct api_view api_view_pod = { api_cols_pods, "nodes",
					      api_cols_pod_nodes };
const struct api_view api_view_nodes = { api_cols_nodes, NULL,
						NULL };
const struct api_view api_view_node = { api_cols_node, "events",
					       api_cols_events };
const struct api_view api_view_artifacts = { api_cols_artifacts,
						    NULL, NULL };
const struct api_view api_view_events = { api_cols_events, NULL,
						 NULL };
const struct api_view api_view_alerts = { api_cols_alerts, NULL,
						 NULL };
const struct api_view api_view_node_page = { api_cols_node_page, "nodes",
					     api_cols_nodes };
const struct api_view api_view_pod_page = { api_cols_pod_page, "pods",
					    api_cols_pods };
