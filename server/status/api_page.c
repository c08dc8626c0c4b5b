/* api_page.c: pages of /api/v1/pods: every pod's node counts when a
 * filter or the sort by nodes down needs them, then one page of pods as
 * JSON; pages of /api/v1/alerts, filtered and ordered (pure).  (Pages of
 * nodes walk the store in api_read.c.) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

/* A pod and its node counts. */
struct api_pod_counts {
	size_t pod;		/* index in the configuration's pods */
	struct api_counts c;
};

/* qsort: most nodes down first; equal ones in the configuration's order. */
static int api_page_by_down(const void *a, const void *b)
{
	const struct api_pod_counts *x = a, *y = b;

	if (x->c.down != y->c.down)
		return x->c.down > y->c.down ? -1 : 1;
	return x->pod < y->pod ? -1 : x->pod > y->pod;
}

/* Append pod @p with counts @c to @pg's page; 0 or -ENOMEM. */
static int api_page_add(struct api_pod_page *pg, const struct config_pod *p,
			const struct api_counts *c)
{
	return api_append(pg->pods, api_pod_view(p, c, NULL));
}

/*
 * The page of @pg with no filter and no sort: the configuration's pods
 * from the offset, only theirs counted.  0, -ENOMEM or the store's error.
 */
static int api_page_plain(struct http_req *r, struct api_pod_page *pg)
{
	const struct config *cfg = r->gen->cfg;
	struct api_counts c;
	size_t i;
	int rc = 0;

	pg->total = cfg->n_pods;
	for (i = pg->offset; rc == 0 && i < cfg->n_pods &&
			     i - pg->offset < pg->limit; i++) {
		rc = api_pod_count(r, &cfg->pods[i], &c);
		if (rc == 0)
			rc = api_page_add(pg, &cfg->pods[i], &c);
	}
	return rc;
}

/*
 * The page of @pg under its filters and order: every pod counted, those
 * that match kept (sorted if asked), then the page's slice shown.  0,
 * -ENOMEM or the store's error.
 */
static int api_page_sifted(struct http_req *r, struct api_pod_page *pg)
{
	const struct config *cfg = r->gen->cfg;
	struct api_pod_counts *all;
	size_t i, n = 0;
	int rc = 0;

	all = calloc(cfg->n_pods ? cfg->n_pods : 1, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (i = 0; rc == 0 && i < cfg->n_pods; i++) {
		all[n].pod = i;
		rc = api_pod_count(r, &cfg->pods[i], &all[n].c);
		if (rc == 0 && api_counts_match(&all[n].c, pg->state,
						pg->health))
			n++;
	}
	if (rc == 0 && pg->by_down)
		qsort(all, n, sizeof(*all), api_page_by_down);
	pg->total = n;
	for (i = pg->offset; rc == 0 && i < n && i - pg->offset < pg->limit;
	     i++)
		rc = api_page_add(pg, &cfg->pods[all[i].pod], &all[i].c);
	free(all);
	return rc;
}

/* Declared in api_int.h. */
int api_pods_page(struct http_req *r, struct api_pod_page *pg)
{
	if (pg->state < 0 && pg->health < 0 && !pg->by_down)
		return api_page_plain(r, pg);
	return api_page_sifted(r, pg);
}

/* Alert states in the order pages list them. */
static const char *const api_alert_states[] = { "firing", "pending",
						"resolved" };

/* Declared in api_int.h. */
int api_alert_state(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(api_alert_states) /
					sizeof(api_alert_states[0]); i++)
		if (strcmp(name, api_alert_states[i]) == 0)
			return 0;
	return -EINVAL;
}

/* The rank of alert @x's state in a page (an unknown state last). */
static size_t api_alert_rank(json_t *x)
{
	const char *s = json_string_value(json_object_get(x, "state"));
	size_t i, n = sizeof(api_alert_states) / sizeof(api_alert_states[0]);

	for (i = 0; s && i < n; i++)
		if (strcmp(s, api_alert_states[i]) == 0)
			return i;
	return n;
}

/* Member @key of alert @x as a string ("" when absent). */
static const char *api_alert_text(json_t *x, const char *key)
{
	const char *s = json_string_value(json_object_get(x, key));

	return s ? s : "";
}

/* qsort of alerts: by state, then alertname, then node. */
static int api_alert_cmp(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	size_t rx = api_alert_rank(x), ry = api_alert_rank(y);
	int c;

	if (rx != ry)
		return rx < ry ? -1 : 1;
	c = strcmp(api_alert_text(x, "alertname"),
		   api_alert_text(y, "alertname"));
	return c ? c : strcmp(api_alert_text(x, "node"),
			      api_alert_text(y, "node"));
}

/* Declared in api_int.h. */
int api_alerts_page(json_t *all, const char *state, unsigned long long offset,
		    unsigned long long limit, json_t **out,
		    unsigned long long *total)
{
	size_t i, n = 0, len = json_array_size(all);
	json_t **kept, *x;
	int rc = 0;

	*out = NULL;
	*total = 0;
	kept = calloc(len ? len : 1, sizeof(*kept));
	if (!kept)
		return -ENOMEM;
	json_array_foreach(all, i, x)
		if (!state || strcmp(api_alert_text(x, "state"), state) == 0)
			kept[n++] = x;
	qsort(kept, n, sizeof(*kept), api_alert_cmp);
	*out = json_array();
	for (i = offset; *out && rc == 0 && i < n && i - offset < limit; i++)
		rc = json_array_append(*out, kept[i]) == 0 ? 0 : -ENOMEM;
	free(kept);
	if (!*out || rc != 0) {
		json_decref(*out);
		*out = NULL;
		return -ENOMEM;
	}
	*total = n;
	return 0;
}
