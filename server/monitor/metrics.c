/* metrics.c: the fleet's latest metric samples, in memory: pushes
 * applied (replace or merge, by sequence), staleness, and the values
 * alerts and status read.  The exposition is in metrics_expose.c. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "num.h"
#include "error.h"
#include "metrics_int.h"

/* ---- entities --------------------------------------------------------- */

/* FNV-1a of @id, as a bucket index. */
static size_t metrics_hash(const char *id)
{
	return num_fnv1a(NUM_FNV1A_INIT, id) % METRICS_BUCKETS;
}

struct mentity *metrics_find(struct metrics *m, const char *id)
{
	struct mentity *e;

	for (e = m->buckets[metrics_hash(id)]; e; e = e->next)
		if (strcmp(e->id, id) == 0)
			return e;
	return NULL;
}

/* The entity @id, created empty if new (caller holds the write lock). */
static struct mentity *metrics_get(struct metrics *m, const char *id)
{
	struct mentity *e = metrics_find(m, id);
	size_t b;

	if (e)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	snprintf(e->id, sizeof(e->id), "%s", id);
	snprintf(e->st.id, sizeof(e->st.id), "%s", id);
	b = metrics_hash(id);
	e->next = m->buckets[b];
	m->buckets[b] = e;
	return e;
}

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (m)
		pthread_rwlock_init(&m->lock, NULL);
	return m;
}

/* Free @e and what it owns. */
static void metrics_entity_free(struct mentity *e)
{
	free(e->series);
	free(e->arena);
	free(e->group_labels);
	free(e);
}

void metrics_free(struct metrics *m)
{
	struct mentity *e, *next;
	size_t i;

	if (!m)
		return;
	for (i = 0; i < METRICS_BUCKETS; i++)
		for (e = m->buckets[i]; e; e = next) {
			next = e->next;
			metrics_entity_free(e);
		}
	pthread_rwlock_destroy(&m->lock);
	free(m);
}

int metrics_fresh(long long last_push, unsigned int interval,
		  unsigned int down_after, long long now)
{
	if (!interval)
		interval = METRICS_GROUP_STALE_S;
	return last_push && now - last_push <= (long long)down_after * interval;
}

int metrics_up(const struct mentity *e, const struct config *cfg,
	       long long now)
{
	return metrics_fresh(e->last_push, e->interval, cfg->down_after, now);
}

/* ---- applying --------------------------------------------------------- */

/*
 * The sequence decision of push @p for @e (metrics_seq_classify), and
 * the fleet's duplicate and gap counters moved with it.  Write lock held.
 */
static enum metrics_seq metrics_seq(struct metrics *m, struct mentity *e,
				    const struct metrics_push *p)
{
	long long gaps;
	enum metrics_seq s;

	s = metrics_seq_classify(&e->st, &e->win, p->seq, p->generation,
				 p->epoch, &gaps);
	if (s == SEQ_DUPLICATE)
		m->duplicates++;
	if (gaps > 0)
		m->gaps += (unsigned long long)gaps;
	else if (gaps < 0 && m->gaps)
		m->gaps--;
	return s;
}

/* Count @p as pushed (and replayed) for @e and the fleet. */
static void metrics_count_push(struct metrics *m, struct mentity *e,
			       const struct metrics_push *p)
{
	e->st.pushes++;
	m->pushes++;
	if (p->replay) {
		e->st.replays++;
		m->replays++;
	}
}

/* Install the parsed set in @e, within the total limit; write lock held. */
static int metrics_install(struct metrics *m, const struct config *cfg,
			   struct mentity *e, struct metrics_parse *mp,
			   const struct metrics_push *p,
			   struct metrics_result *res)
{
	if (m->total - e->n + mp->n > cfg->max_series_total) {
		res->refusal = METRICS_TOTAL_LIMIT;
		snprintf(res->err, sizeof(res->err),
			 "the server holds its limit of %u series",
			 cfg->max_series_total);
		return 0;
	}
	switch (metrics_seq(m, e, p)) {
	case SEQ_DUPLICATE:
		res->duplicate = 1;
		res->accepted = e->n;
		return 0;
	case SEQ_LATE:
		/* Delivered, but older than what the node holds: counted, and
		 * the newer samples stay. */
		metrics_count_push(m, e, p);
		res->late = 1;
		res->accepted = mp->n;
		return 0;
	case SEQ_NEW:
		break;
	}
	metrics_parse_fix_pointers(mp->series, mp->n, mp->arena.data);
	m->total = m->total - e->n + mp->n;
	free(e->series);
	free(e->arena);
	e->series = mp->series;
	e->n = mp->n;
	e->arena = mp->arena.data;
	mp->series = NULL;
	mp->arena.data = NULL;
	snprintf(e->pod, sizeof(e->pod), "%s", p->pod);
	snprintf(e->node, sizeof(e->node), "%s", p->node);
	if (p->group_labels && !e->group_labels)
		e->group_labels = strdup(p->group_labels);
	e->interval = p->interval;
	e->last_push = (long long)time(NULL);
	metrics_count_push(m, e, p);
	m->samples += e->n;
	res->accepted = e->n;
	return 0;
}

/* Merge if asked, then install: under the write lock; 0 or -ENOMEM. */
static int metrics_apply_locked(struct metrics *m, const struct config *cfg,
				struct metrics_parse *mp,
				const struct metrics_push *p,
				struct metrics_result *res)
{
	struct mentity *e = metrics_get(m, p->id);
	int rc = 0;

	if (!e)
		return -ENOMEM;
	if (p->merge)
		rc = metrics_parse_merge(mp, e->series, e->n);
	if (rc == -PB_ETOOBIG) {
		metrics_parse_limit(mp, res);
		return 0;
	}
	if (rc != 0)
		return rc;
	return metrics_install(m, cfg, e, mp, p, res);
}

int metrics_apply(struct metrics *m, const struct config *cfg,
		  const struct metrics_push *p, struct metrics_result *res)
{
	struct metrics_parse mp;
	int rc;

	memset(res, 0, sizeof(*res));
	metrics_parse_init(&mp, p->group_labels, cfg->max_series_node,
			   (size_t)cfg->max_push * 2 + 4096);
	/* Parse outside the lock: a slow or large push stalls nobody. */
	rc = metrics_parse_doc(&mp, p->text, p->len, res);
	if (rc == 0 && res->refusal == METRICS_OK) {
		pthread_rwlock_wrlock(&m->lock);
		rc = metrics_apply_locked(m, cfg, &mp, p, res);
		pthread_rwlock_unlock(&m->lock);
	}
	if (res->refusal != METRICS_OK)
		__atomic_add_fetch(&m->refused, 1, __ATOMIC_RELAXED);
	metrics_parse_free(&mp);
	return rc;
}

/* ---- reading ---------------------------------------------------------- */

void metrics_node_info(struct metrics *m, const struct config *cfg,
		       const char *id, struct metrics_node_info *out)
{
	struct mentity *e;

	memset(out, 0, sizeof(*out));
	pthread_rwlock_rdlock(&m->lock);
	e = metrics_find(m, id);
	if (e) {
		out->known = e->last_push != 0;
		out->up = metrics_up(e, cfg, (long long)time(NULL));
		out->last_push = e->last_push;
		out->interval = e->interval;
		out->series = e->n;
		out->last_seq = e->st.last_seq;
		out->pushes = e->st.pushes;
		out->duplicates = e->st.duplicates;
		out->gaps = e->st.gaps;
		out->replays = e->st.replays;
	}
	pthread_rwlock_unlock(&m->lock);
}

/* Does inner label text @labels carry name="value"? */
static int metrics_has_label(const char *labels, const struct config_pair *p)
{
	char want[sizeof(p->name) + sizeof(p->value) + 8];
	size_t len;
	const char *hit;

	len = (size_t)snprintf(want, sizeof(want), "%s=\"%s\"", p->name,
			       p->value);
	for (hit = strstr(labels, want); hit; hit = strstr(hit + 1, want))
		if ((hit == labels || hit[-1] == ',') &&
		    (hit[len] == '\0' || hit[len] == ','))
			return 1;
	return 0;
}

/* Does @v compare to @t as @op says? */
static int metrics_compare(double v, enum config_op op, double t)
{
	switch (op) {
	case CONFIG_GT: return v > t;
	case CONFIG_GE: return v >= t;
	case CONFIG_LT: return v < t;
	case CONFIG_LE: return v <= t;
	case CONFIG_EQ: return v == t;
	case CONFIG_NE: return v != t;
	}
	return 0;
}

/*
 * Scan @id's series of @metric matching every pair; with @rule, the first
 * that satisfies its comparison, else the first at all.  Read lock held.
 */
static int metrics_scan(struct metrics *m, const struct config *cfg,
			const char *id, const char *metric,
			const struct config_pair *match, size_t n_match,
			const struct config_alert *rule, double *value)
{
	const struct mentity *e = metrics_find(m, id);
	const struct mseries *s;
	size_t i, j;

	if (!e || !metrics_up(e, cfg, (long long)time(NULL)))
		return 0;
	for (i = 0; i < e->n; i++) {
		s = &e->series[i];
		if (strcmp(s->name, metric) != 0)
			continue;
		for (j = 0; j < n_match && metrics_has_label(s->labels,
							     &match[j]);
		     j++)
			;
		if (j < n_match)
			continue;
		if (rule && !metrics_compare(s->value, rule->op,
					     rule->threshold))
			continue;
		*value = s->value;
		return 1;
	}
	return 0;
}

int metrics_value(struct metrics *m, const struct config *cfg, const char *id,
		  const char *metric, const struct config_pair *match,
		  size_t n_match, double *value)
{
	int found;

	pthread_rwlock_rdlock(&m->lock);
	found = metrics_scan(m, cfg, id, metric, match, n_match, NULL, value);
	pthread_rwlock_unlock(&m->lock);
	return found;
}

int metrics_rule_holds(struct metrics *m, const struct config *cfg,
		       const char *id, const struct config_alert *rule,
		       double *value)
{
	int found;

	pthread_rwlock_rdlock(&m->lock);
	found = metrics_scan(m, cfg, id, rule->metric, rule->match,
			     rule->n_match, rule, value);
	pthread_rwlock_unlock(&m->lock);
	return found;
}

/* ---- persistence of sequence state ------------------------------------ */

int metrics_save_state(struct metrics *m, struct store *st)
{
	struct store_push_state *rows;
	const struct mentity *e;
	size_t n = 0, cap = 0, i;
	int rc;

	pthread_rwlock_rdlock(&m->lock);
	for (i = 0; i < METRICS_BUCKETS; i++)
		for (e = m->buckets[i]; e; e = e->next)
			cap++;
	rows = calloc(cap + 1, sizeof(*rows));
	for (i = 0; rows && i < METRICS_BUCKETS; i++)
		for (e = m->buckets[i]; e; e = e->next)
			if (e->st.last_seq)
				rows[n++] = e->st;
	pthread_rwlock_unlock(&m->lock);
	if (!rows)
		return -ENOMEM;
	rc = n ? store_push_save(st, rows, n) : 0;
	free(rows);
	return rc;
}

/* store_push_load callback: restore one node's sequence state. */
static int metrics_load_one(void *ctx, const struct store_push_state *p)
{
	struct metrics *m = ctx;
	struct mentity *e = metrics_get(m, p->id);

	if (!e)
		return -ENOMEM;
	e->st = *p;
	/* What came before a restart counts as seen: never applied twice. */
	metrics_seq_all_seen(&e->win);
	return 0;
}

/* Restore what metrics_save_state stored (under the write lock). */
int metrics_load_state(struct metrics *m, struct store *st)
{
	int rc;

	pthread_rwlock_wrlock(&m->lock);
	rc = store_push_load(st, metrics_load_one, m);
	pthread_rwlock_unlock(&m->lock);
	return rc;
}
