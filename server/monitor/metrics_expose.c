/* metrics_expose.c: the /metrics exposition of the fleet's latest
 * samples: every live series, node health, pod aggregates and the
 * server's own counters. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "metrics_int.h"
#include "server.h"

/* ---- exposition ------------------------------------------------------- */

struct metrics_ref {
	const struct mentity *e;
	const struct mseries *s;
	size_t order;
};

/* qsort order of series: by family, then entity id, then push order. */
static int metrics_ref_cmp(const void *a, const void *b)
{
	const struct metrics_ref *x = a, *y = b;
	int c = strcmp(x->s->family, y->s->family);

	if (c == 0)
		c = strcmp(x->e->id, y->e->id);
	if (c == 0)
		c = x->order < y->order ? -1 : x->order > y->order;
	return c;
}

/* The TYPE word of @t. */
static const char *metrics_type_name(enum prom_type t)
{
	static const char *const names[] = { "untyped", "counter", "gauge",
					     "histogram", "summary" };

	return names[t];
}

/* The labels an entity adds to its series: pod, node or group labels. */
static int metrics_entity_labels(struct pbuf *b, const struct mentity *e)
{
	int rc = 0;

	if (e->pod[0])
		rc = pbuf_printf(b, "pod=\"%s\"", e->pod);
	if (rc == 0 && e->node[0])
		rc = pbuf_printf(b, "%snode=\"%s\"", e->pod[0] ? "," : "",
				 e->node);
	if (rc == 0 && e->group_labels)
		rc = pbuf_printf(b, "%s%s", e->pod[0] || e->node[0] ? "," : "",
				 e->group_labels);
	return rc;
}

/* A sample's value as the text format writes it, and its newline. */
static int metrics_write_value(struct pbuf *b, double v)
{
	if (isnan(v))
		return pbuf_printf(b, " NaN\n");
	if (isinf(v))
		return pbuf_printf(b, " %sInf\n", v > 0 ? "+" : "-");
	return pbuf_printf(b, " %.17g\n", v);
}

/* One sample line of an entity's series. */
static int metrics_write_series(struct pbuf *out, const struct metrics_ref *r)
{
	int rc = pbuf_printf(out, "%s{", r->s->name);

	if (rc == 0)
		rc = metrics_entity_labels(out, r->e);
	if (rc == 0 && r->s->labels[0])
		rc = pbuf_printf(out, "%s%s",
				 r->e->pod[0] || r->e->node[0] ||
						 r->e->group_labels ?
					 "," :
					 "",
				 r->s->labels);
	if (rc == 0)
		rc = pbuf_append(out, "}", 1);
	if (rc == 0)
		rc = metrics_write_value(out, r->s->value);
	return rc;
}

/* Every series of every live entity, grouped by family.  Read lock held. */
static int metrics_expose_series(struct metrics *m, const struct config *cfg,
				 struct pbuf *out)
{
	struct metrics_ref *refs;
	const struct mentity *e;
	const char *family = "";
	long long now = (long long)time(NULL);
	size_t n = 0, i, j;
	int rc = 0;

	refs = malloc((m->total + 1) * sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	for (i = 0; i < METRICS_BUCKETS; i++)
		for (e = m->buckets[i]; e; e = e->next)
			for (j = 0; metrics_up(e, cfg, now) && j < e->n; j++) {
				refs[n].e = e;
				refs[n].s = &e->series[j];
				refs[n].order = j;
				n++;
			}
	qsort(refs, n, sizeof(*refs), metrics_ref_cmp);
	for (i = 0; i < n && rc == 0; i++) {
		if (strcmp(refs[i].s->family, family) != 0) {
			family = refs[i].s->family;
			rc = pbuf_printf(out, "# HELP %s Pushed to podboot "
					      "by its nodes.\n# TYPE %s %s\n",
					 family, family,
					 metrics_type_name(refs[i].s->type));
		}
		if (rc == 0)
			rc = metrics_write_series(out, &refs[i]);
	}
	free(refs);
	return rc;
}

/* Per-node health and per-pod aggregates, from the store's lifecycle. */
struct metrics_expo {
	struct metrics *m;
	const struct config *cfg;
	struct pbuf up;			/* podboot_node_up lines */
	struct pbuf last;		/* podboot_node_last_push_... lines */
	unsigned long long (*pods)[4];	/* total, installed, up, down */
	long long now;
};

enum { POD_TOTAL, POD_INSTALLED, POD_UP, POD_DOWN };

/*
 * store_node_list callback: node @n's podboot_node_up and last push
 * lines, and its pod's counts.  Always 0 (a full buffer is seen after).
 */
static int metrics_expo_node(void *ctx, const struct store_node *n)
{
	struct metrics_expo *x = ctx;
	const struct mentity *e = metrics_find(x->m, n->id);
	int installed = n->state == NODE_INSTALLED;
	int known = e && e->last_push;
	int up = known && metrics_up(e, x->cfg, x->now);
	size_t p;

	for (p = 0; p < x->cfg->n_pods; p++)
		if (strcmp(x->cfg->pods[p].name, n->pod) == 0)
			break;
	if (p == x->cfg->n_pods)
		return 0;	/* discovered, or a pod no longer configured */
	x->pods[p][POD_TOTAL]++;
	x->pods[p][POD_INSTALLED] += (unsigned long long)installed;
	if (!installed && !known)
		return 0;
	x->pods[p][up ? POD_UP : POD_DOWN]++;
	pbuf_printf(&x->up, "podboot_node_up{pod=\"%s\",node=\"%s\"} %d\n",
		    n->pod, n->id, up);
	if (known)
		pbuf_printf(&x->last,
			    "podboot_node_last_push_timestamp_seconds{pod="
			    "\"%s\",node=\"%s\"} %lld\n",
			    n->pod, n->id, e->last_push);
	return 0;
}

/* The per-pod aggregates counted by metrics_expo_node. */
static int metrics_expose_pods(struct metrics_expo *x, struct pbuf *out)
{
	static const struct {
		const char *name, *help;
	} fam[4] = {
		{ "podboot_pod_nodes", "Nodes configured in the pod." },
		{ "podboot_pod_nodes_installed", "Nodes installed." },
		{ "podboot_pod_nodes_up", "Nodes whose pushes arrive." },
		{ "podboot_pod_nodes_down",
		  "Installed or pushing nodes whose pushes stopped." },
	};
	size_t f, p;
	int rc = 0;

	for (f = 0; f < 4 && rc == 0; f++) {
		rc = pbuf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n",
				 fam[f].name, fam[f].help, fam[f].name);
		for (p = 0; p < x->cfg->n_pods && rc == 0; p++)
			rc = pbuf_printf(out, "%s{pod=\"%s\"} %llu\n",
					 fam[f].name, x->cfg->pods[p].name,
					 x->pods[p][f]);
	}
	return rc;
}

/* The server's own counters. */
static int metrics_expose_server(struct metrics *m,
				 const struct server_stats *st,
				 struct pbuf *out)
{
	const struct {
		const char *name, *help, *type;
		unsigned long long v;
	} c[] = {
		{ "podboot_http_requests_total", "HTTP requests.", "counter",
		  atomic_load(&st->requests) },
		{ "podboot_http_refusals_total", "Requests refused (4xx).",
		  "counter", atomic_load(&st->refusals) },
		{ "podboot_stage2_served_total", "Stage2 scripts served.",
		  "counter", atomic_load(&st->stage2_served) },
		{ "podboot_signatures_total", "Signatures made.", "counter",
		  atomic_load(&st->signatures) },
		{ "podboot_uploads_total", "Artifacts published by upload.",
		  "counter", atomic_load(&st->uploads) },
		{ "podboot_upload_bytes_total", "Bytes published by upload.",
		  "counter", atomic_load(&st->upload_bytes) },
		{ "podboot_transfers", "Bodies in flight (limits.max_transfers).",
		  "gauge", atomic_load(&st->transfers) },
		{ "podboot_transfers_cut_total",
		  "Bodies cut for moving slower than limits.min_rate.",
		  "counter", atomic_load(&st->transfers_cut) },
		{ "podboot_transfers_refused_total",
		  "Bodies refused (503) beyond limits.max_transfers.",
		  "counter", atomic_load(&st->transfers_refused) },
		{ "podboot_pushes_total", "Metric pushes accepted.", "counter",
		  m->pushes },
		{ "podboot_push_samples_total", "Samples accepted.", "counter",
		  m->samples },
		{ "podboot_push_duplicates_total",
		  "Pushes whose sequence number was already seen.", "counter",
		  m->duplicates },
		{ "podboot_push_gaps_total",
		  "Sequence numbers never received (lost batches).", "counter",
		  m->gaps },
		{ "podboot_push_replays_total",
		  "Pushes replayed from agents' spools.", "counter",
		  m->replays },
		{ "podboot_push_refusals_total",
		  "Pushes refused (malformed or over a limit).", "counter",
		  __atomic_load_n(&m->refused, __ATOMIC_RELAXED) },
		{ "podboot_series", "Series held in memory.", "gauge",
		  m->total },
	};
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(c) / sizeof(c[0]) && rc == 0; i++)
		rc = pbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n",
				 c[i].name, c[i].help, c[i].name, c[i].type,
				 c[i].name, c[i].v);
	return rc;
}

int metrics_expose(struct metrics *m, const struct config *cfg,
		   struct store *st, const struct server_stats *stats,
		   struct pbuf *out)
{
	struct metrics_expo x = { m, cfg, { 0 }, { 0 }, NULL,
				  (long long)time(NULL) };
	int rc;

	x.pods = calloc(cfg->n_pods + 1, sizeof(*x.pods));
	if (!x.pods)
		return -ENOMEM;
	pbuf_init(&x.up, out->max);
	pbuf_init(&x.last, out->max);
	pthread_rwlock_rdlock(&m->lock);
	rc = metrics_expose_series(m, cfg, out);
	if (rc == 0)
		rc = store_node_list(st, NULL, -1, metrics_expo_node, &x);
	if (rc == 0)
		rc = pbuf_printf(out, "# HELP podboot_node_up 1 if the node's "
				      "pushes arrive, 0 if they stopped.\n"
				      "# TYPE podboot_node_up gauge\n");
	if (rc == 0)
		rc = pbuf_append(out, x.up.data ? x.up.data : "", x.up.len);
	if (rc == 0)
		rc = pbuf_printf(out, "# HELP podboot_node_last_push_timestamp_"
				      "seconds When the node last pushed.\n"
				      "# TYPE podboot_node_last_push_timestamp_"
				      "seconds gauge\n");
	if (rc == 0)
		rc = pbuf_append(out, x.last.data ? x.last.data : "",
				 x.last.len);
	if (rc == 0)
		rc = metrics_expose_pods(&x, out);
	if (rc == 0)
		rc = metrics_expose_server(m, stats, out);
	pthread_rwlock_unlock(&m->lock);
	if (x.up.overflow || x.last.overflow)
		rc = -PB_ETOOBIG;
	pbuf_free(&x.up);
	pbuf_free(&x.last);
	free(x.pods);
	return rc;
}
