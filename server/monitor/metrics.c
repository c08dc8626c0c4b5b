/* metrics.c: the fleet's latest metric samples, in memory: pushes in,
 * staleness, the /metrics exposition, values for alerts and status. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "log.h"
#include "metrics.h"
#include "server.h"

#define METRICS_BUCKETS 4096		/* hash buckets of ids (chained) */
#define METRICS_LINE_MAX 65536
#define METRICS_GROUP_STALE_S 300	/* Pushgateway groups' interval */
#define METRICS_SEQ_WINDOW 1024		/* late batches recognised */

/* One series: strings live in the entity's arena, as offsets until the
 * parse is over, then as pointers. */
struct mseries {
	const char *name;
	const char *labels;		/* inner text: a="x",b="y" (sorted) */
	const char *family;		/* the TYPE family it belongs to */
	size_t name_off, labels_off, family_off;
	enum prom_type type;
	double value;
};

/* A node's (or a Pushgateway group's) latest samples. */
struct mentity {
	char id[192];
	char pod[64];
	char node[64];
	char *group_labels;		/* job="x",... or NULL */
	struct mseries *series;
	size_t n;
	char *arena;
	long long last_push;		/* unix seconds */
	unsigned int interval;
	struct store_push_state st;	/* sequence bookkeeping */
	/* Which of the METRICS_SEQ_WINDOW seqs up to st.last_seq arrived:
	 * bit i is seq last_seq - i.  A late batch (a relay's spool) is
	 * told from a duplicate by it. */
	uint64_t seen[METRICS_SEQ_WINDOW / 64];
	unsigned long long prev_epoch;	/* the window before st.epoch's */
	struct mentity *next;
};

struct metrics {
	pthread_rwlock_t lock;
	struct mentity *buckets[METRICS_BUCKETS];
	size_t total;			/* series held, all entities */
	unsigned long long pushes, samples, duplicates, gaps, replays;
	unsigned long long refused;
};

/* ---- entities --------------------------------------------------------- */

static size_t metrics_hash(const char *id)
{
	uint32_t h = 2166136261u;

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h % METRICS_BUCKETS;
}

static struct mentity *metrics_find(struct metrics *m, const char *id)
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

static int metrics_up(const struct mentity *e, const struct config *cfg,
		      long long now)
{
	unsigned int interval = e->interval ? e->interval :
					      METRICS_GROUP_STALE_S;

	return e->last_push &&
	       now - e->last_push <= (long long)cfg->down_after * interval;
}

/* ---- parsing a push into a fresh series set --------------------------- */

struct metrics_parse {
	const char *group;		/* grouping labels: names reserved */
	struct pbuf arena;
	struct mseries *series;
	size_t n, cap, max;
	char family[PROM_NAME_MAX + 1];
	enum prom_type type;
	size_t family_off;		/* of @family in the arena, if stored */
	int family_stored;
	int over;			/* more series than @max */
	int reserved;			/* a name the server keeps for itself */
};

/* Append a NUL-terminated string to the arena; its offset or -1. */
static long metrics_arena_add(struct pbuf *a, const char *s, size_t len)
{
	size_t off = a->len;

	if (pbuf_append(a, s, len) != 0 || pbuf_append(a, "", 1) != 0)
		return -1;
	return (long)off;
}

/* Escape a label value into @b as the text format wants it. */
static int metrics_escape(struct pbuf *b, const char *v)
{
	const char *p;
	int rc = 0;

	for (p = v; *p && rc == 0; p++) {
		if (*p == '\\')
			rc = pbuf_append(b, "\\\\", 2);
		else if (*p == '"')
			rc = pbuf_append(b, "\\\"", 2);
		else if (*p == '\n')
			rc = pbuf_append(b, "\\n", 2);
		else
			rc = pbuf_append(b, p, 1);
	}
	return rc;
}

/* Does sample @name belong to the family most recently TYPE'd? */
static int metrics_in_family(const char *family, const char *name)
{
	static const char *const suffixes[] = { "_bucket", "_sum", "_count",
						"_total", "_created" };
	size_t flen = strlen(family), i;

	if (!flen || strncmp(name, family, flen) != 0)
		return 0;
	if (name[flen] == '\0')
		return 1;
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (strcmp(name + flen, suffixes[i]) == 0)
			return 1;
	return 0;
}

/* Room for one more series in the set being built; 0 or -ENOMEM. */
static int metrics_grow(struct metrics_parse *mp)
{
	struct mseries *grown;
	size_t cap;

	if (mp->n < mp->cap)
		return 0;
	cap = mp->cap ? 2 * mp->cap : 256;
	grown = realloc(mp->series, cap * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	mp->series = grown;
	mp->cap = cap;
	return 0;
}

static int metrics_parse_type(void *ctx, const char *name, enum prom_type t)
{
	struct metrics_parse *mp = ctx;

	snprintf(mp->family, sizeof(mp->family), "%s", name);
	mp->type = t;
	mp->family_stored = 0;
	return 0;
}

/* Is label @name one the server adds to this push's series? */
static int metrics_reserved(const char *name, const char *group)
{
	size_t len = strlen(name);
	const char *p;

	if (strcmp(name, "pod") == 0 || strcmp(name, "node") == 0)
		return 1;
	/* group is job="x",instance="y": names stand before '=' */
	for (p = group; p && (p = strstr(p, name)); p += len)
		if ((p == group || p[-1] == ',') && p[len] == '=')
			return 1;
	return 0;
}

/*
 * The labels of @s as inner text.  Labels the server adds itself (pod,
 * node, grouping labels) are renamed exported_NAME, as Prometheus does;
 * a sample that already carries exported_NAME too is refused, since the
 * exposition would repeat a label.
 */
static long metrics_labels_text(struct pbuf *a, const struct prom_sample *s,
				const char *group)
{
	size_t start = a->len, i;
	const char *name;
	int rc = 0, reserved;

	for (i = 0; i < s->n_labels && rc == 0; i++) {
		name = s->labels[i].name;
		reserved = metrics_reserved(name, group);
		if (strncmp(name, "exported_", 9) == 0 &&
		    metrics_reserved(name + 9, group))
			return -2;
		rc = pbuf_printf(a, "%s%s%s=\"", i ? "," : "",
				 reserved ? "exported_" : "", name);
		if (rc == 0)
			rc = metrics_escape(a, s->labels[i].value);
		if (rc == 0)
			rc = pbuf_append(a, "\"", 1);
	}
	if (rc == 0)
		rc = pbuf_append(a, "", 1);
	return rc == 0 ? (long)start : -1;
}

/*
 * Append a series to @mp: a copy of @from (or zeroes), at the arena
 * offsets given (-1: that string did not fit).  The caller has grown the
 * set.  Returns the series, or NULL when an offset is -1.
 */
static struct mseries *metrics_series_add(struct metrics_parse *mp,
					  const struct mseries *from,
					  long name, long labels, long family)
{
	struct mseries *ms;

	if (name < 0 || labels < 0 || family < 0)
		return NULL;
	ms = &mp->series[mp->n++];
	if (from)
		*ms = *from;
	else
		memset(ms, 0, sizeof(*ms));
	ms->name_off = (size_t)name;
	ms->labels_off = (size_t)labels;
	ms->family_off = (size_t)family;
	return ms;
}

static int metrics_parse_sample(void *ctx, const struct prom_sample *s)
{
	struct metrics_parse *mp = ctx;
	struct mseries *ms;
	long name, labels, family;
	int typed = metrics_in_family(mp->family, s->name);

	if (mp->n >= mp->max) {
		mp->over = 1;
		return -PB_ETOOBIG;
	}
	/* The server's own families may not be pushed (agents use
	 * podboot_agent_*): the exposition would describe them twice. */
	if (strncmp(s->name, "podboot_", 8) == 0 &&
	    strncmp(s->name, "podboot_agent_", 14) != 0) {
		mp->reserved = 1;
		return -EPERM;
	}
	if (metrics_grow(mp) != 0)
		return -ENOMEM;
	name = metrics_arena_add(&mp->arena, s->name, strlen(s->name));
	labels = metrics_labels_text(&mp->arena, s, mp->group);
	if (labels == -2) {
		mp->reserved = 1;
		return -EPERM;
	}
	if (typed && !mp->family_stored) {
		family = metrics_arena_add(&mp->arena, mp->family,
					   strlen(mp->family));
		mp->family_off = (size_t)family;
		mp->family_stored = family >= 0;
	} else {
		family = typed ? (long)mp->family_off : name;
	}
	ms = metrics_series_add(mp, NULL, name, labels, family);
	if (!ms)
		return -ENOMEM;
	ms->type = typed ? mp->type : PROM_UNTYPED;
	ms->value = s->value;
	return 0;
}

/* Order of series indexes by name, then label text (arena offsets). */
static int metrics_series_cmp(const void *a, const void *b, void *ctx)
{
	const struct metrics_parse *mp = ctx;
	const struct mseries *x = &mp->series[*(const size_t *)a];
	const struct mseries *y = &mp->series[*(const size_t *)b];
	int c = strcmp(mp->arena.data + x->name_off,
		       mp->arena.data + y->name_off);

	return c ? c : strcmp(mp->arena.data + x->labels_off,
			      mp->arena.data + y->labels_off);
}

/*
 * A series given twice in one push (same name, same labels: labels are
 * sorted by the parser) is refused, as Prometheus refuses such a scrape:
 * /metrics would show it twice.  Names the first one in @err.
 *
 * @ret rc		0; -EEXIST for a duplicate; -ENOMEM
 */
static int metrics_unique(const struct metrics_parse *mp, char *err,
			  size_t size)
{
	const struct mseries *s;
	size_t *idx, i;
	int rc = 0;

	if (mp->n < 2)
		return 0;
	idx = malloc(mp->n * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (i = 0; i < mp->n; i++)
		idx[i] = i;
	qsort_r(idx, mp->n, sizeof(*idx), metrics_series_cmp, (void *)mp);
	for (i = 1; i < mp->n && rc == 0; i++) {
		if (metrics_series_cmp(&idx[i - 1], &idx[i], (void *)mp) != 0)
			continue;
		s = &mp->series[idx[i]];
		snprintf(err, size, "series %.64s{%.128s} is given twice "
			 "(Prometheus refuses duplicate series)",
			 mp->arena.data + s->name_off,
			 mp->arena.data + s->labels_off);
		rc = -EEXIST;
	}
	free(idx);
	return rc;
}

/* Offsets become pointers once the arena stops moving. */
static void metrics_fix_pointers(struct mseries *s, size_t n, char *arena)
{
	size_t i;

	for (i = 0; i < n; i++) {
		s[i].name = arena + s[i].name_off;
		s[i].labels = arena + s[i].labels_off;
		s[i].family = arena + s[i].family_off;
	}
}

/* ---- applying --------------------------------------------------------- */

/* Shift the window of seen seqs up by @by (new seqs above last_seq). */
static void metrics_seq_shift(uint64_t *seen, unsigned long long by)
{
	size_t words = METRICS_SEQ_WINDOW / 64, w = (size_t)(by / 64), i;
	unsigned int b = (unsigned int)(by % 64);

	if (by >= METRICS_SEQ_WINDOW) {
		memset(seen, 0, words * sizeof(*seen));
		return;
	}
	for (i = words; i-- > 0;) {
		uint64_t v = i >= w ? seen[i - w] << b : 0;

		if (b && i >= w + 1)
			v |= seen[i - w - 1] >> (64 - b);
		seen[i] = v;
	}
}

enum metrics_seq { SEQ_NEW, SEQ_LATE, SEQ_DUPLICATE };

/*
 * Start the window of agent epoch @epoch (the agent lost its sequence
 * file and counts from 1 again).  A batch of the epoch before is
 * SEQ_LATE: delivered, but never newer than what the new epoch sent.
 * Epoch 0 (an agent without epochs) stays in the current window.
 */
static enum metrics_seq metrics_seq_epoch(struct mentity *e,
					  unsigned long long epoch)
{
	if (!epoch || epoch == e->st.epoch)
		return SEQ_NEW;
	if (e->prev_epoch && epoch == e->prev_epoch)
		return SEQ_LATE;
	e->prev_epoch = e->st.epoch;
	e->st.epoch = epoch;
	e->st.last_seq = 0;
	memset(e->seen, 0, sizeof(e->seen));
	return SEQ_NEW;
}

/*
 * Classify @seq of @epoch for @e: newer than any seen (SEQ_NEW: gaps
 * counted), older but never seen (SEQ_LATE: a gap filled), or seen
 * before.
 */
static enum metrics_seq metrics_seq_check(struct metrics *m, struct mentity *e,
					  unsigned long long seq,
					  unsigned long long generation,
					  unsigned long long epoch)
{
	unsigned long long back;

	if (seq == 0)
		return SEQ_NEW;
	/* Tokens of a newer generation come from a reinstalled (or newly
	 * assigned) machine, whose agent counts from 1 again. */
	if (generation > e->st.generation) {
		e->st.generation = generation;
		e->st.last_seq = 0;
		memset(e->seen, 0, sizeof(e->seen));
	} else if (generation < e->st.generation) {
		e->st.duplicates++;	/* revoked tokens never get here */
		m->duplicates++;
		return SEQ_DUPLICATE;
	}
	if (metrics_seq_epoch(e, epoch) == SEQ_LATE)
		return SEQ_LATE;
	if (seq > e->st.last_seq) {
		if (e->st.last_seq && seq > e->st.last_seq + 1) {
			e->st.gaps += seq - e->st.last_seq - 1;
			m->gaps += seq - e->st.last_seq - 1;
		}
		metrics_seq_shift(e->seen, e->st.last_seq ?
						   seq - e->st.last_seq :
						   METRICS_SEQ_WINDOW);
		e->seen[0] |= 1;
		e->st.last_seq = seq;
		return SEQ_NEW;
	}
	back = e->st.last_seq - seq;
	if (back < METRICS_SEQ_WINDOW &&
	    !(e->seen[back / 64] & (1ULL << (back % 64)))) {
		e->seen[back / 64] |= 1ULL << (back % 64);
		if (e->st.gaps)
			e->st.gaps--;
		if (m->gaps)
			m->gaps--;
		return SEQ_LATE;
	}
	e->st.duplicates++;
	m->duplicates++;
	return SEQ_DUPLICATE;
}

/* Copy an old series into the new set (its strings into the arena). */
static int metrics_copy_series(struct metrics_parse *mp,
			       const struct mseries *old)
{
	long name, labels, family;

	if (metrics_grow(mp) != 0)
		return -ENOMEM;
	name = metrics_arena_add(&mp->arena, old->name, strlen(old->name));
	labels = metrics_arena_add(&mp->arena, old->labels,
				   strlen(old->labels));
	family = metrics_arena_add(&mp->arena, old->family,
				   strlen(old->family));
	if (!metrics_series_add(mp, old, name, labels, family))
		return -ENOMEM;
	return 0;
}

/* Merge (Pushgateway POST): old series whose metric the push does not
 * name are kept. */
static int metrics_merge(const struct mentity *e, struct metrics_parse *mp)
{
	size_t pushed = mp->n, i, j;
	int found, rc;

	for (i = 0; i < e->n; i++) {
		found = 0;
		for (j = 0; j < pushed && !found; j++)
			found = strcmp(e->series[i].name,
				       mp->arena.data +
					       mp->series[j].name_off) == 0;
		if (found)
			continue;
		if (mp->n >= mp->max) {
			mp->over = 1;
			return -PB_ETOOBIG;
		}
		rc = metrics_copy_series(mp, &e->series[i]);
		if (rc != 0)
			return rc;
	}
	return 0;
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
	switch (metrics_seq_check(m, e, p->seq, p->generation, p->epoch)) {
	case SEQ_DUPLICATE:
		res->duplicate = 1;
		res->accepted = e->n;
		return 0;
	case SEQ_LATE:
		/* Delivered, but older than what the node holds: counted, and
		 * the newer samples stay. */
		e->st.pushes++;
		m->pushes++;
		if (p->replay) {
			e->st.replays++;
			m->replays++;
		}
		res->late = 1;
		res->accepted = mp->n;
		return 0;
	case SEQ_NEW:
		break;
	}
	metrics_fix_pointers(mp->series, mp->n, mp->arena.data);
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
	e->st.pushes++;
	m->pushes++;
	m->samples += e->n;
	if (p->replay) {
		e->st.replays++;
		m->replays++;
	}
	res->accepted = e->n;
	return 0;
}

int metrics_apply(struct metrics *m, const struct config *cfg,
		  const struct metrics_push *p, struct metrics_result *res)
{
	struct prom_limits lim = { METRICS_LINE_MAX, cfg->max_series_node + 1 };
	struct metrics_parse mp;
	struct mentity *e;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&mp, 0, sizeof(mp));
	pbuf_init(&mp.arena, (size_t)cfg->max_push * 2 + 4096);
	mp.max = cfg->max_series_node;
	mp.group = p->group_labels;
	/* Parse outside the lock: a slow or large push stalls nobody. */
	rc = promtext_parse(p->text, p->len, &lim, metrics_parse_sample,
			    metrics_parse_type, &mp, res->err,
			    sizeof(res->err));
	if (mp.over) {
		res->refusal = METRICS_NODE_LIMIT;
		snprintf(res->err, sizeof(res->err),
			 "more than %zu series for one node", mp.max);
		rc = 0;
		goto out;
	}
	if (mp.reserved) {
		res->refusal = METRICS_MALFORMED;
		/* err holds "line N: stopped by the caller": keep "line N" */
		char *colon = strchr(res->err, ':');

		if (colon)
			*colon = '\0';
		snprintf(res->err + strlen(res->err),
			 sizeof(res->err) - strlen(res->err),
			 "%sname reserved: podboot_* metrics (but "
			 "podboot_agent_*) and exported_ labels of pod, node "
			 "or grouping labels are the server's own",
			 colon ? ": " : "");
		rc = 0;
		goto out;
	}
	if (rc == -ENOMEM || mp.arena.overflow) {
		rc = -ENOMEM;
		goto out;
	}
	if (rc == 0)
		rc = metrics_unique(&mp, res->err, sizeof(res->err));
	if (rc == -ENOMEM)
		goto out;
	if (rc != 0) {
		res->refusal = METRICS_MALFORMED;
		rc = 0;
		goto out;
	}
	pthread_rwlock_wrlock(&m->lock);
	e = metrics_get(m, p->id);
	if (!e)
		rc = -ENOMEM;
	else if (p->merge)
		rc = metrics_merge(e, &mp);
	if (rc == -PB_ETOOBIG) {
		res->refusal = METRICS_NODE_LIMIT;
		snprintf(res->err, sizeof(res->err),
			 "more than %zu series for one node", mp.max);
		rc = 0;
	} else if (rc == 0) {
		rc = metrics_install(m, cfg, e, &mp, p, res);
	}
	pthread_rwlock_unlock(&m->lock);
out:
	if (res->refusal != METRICS_OK)
		__atomic_add_fetch(&m->refused, 1, __ATOMIC_RELAXED);
	free(mp.series);
	pbuf_free(&mp.arena);
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

/* ---- exposition ------------------------------------------------------- */

struct metrics_ref {
	const struct mentity *e;
	const struct mseries *s;
	size_t order;
};

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

static int metrics_load_one(void *ctx, const struct store_push_state *p)
{
	struct metrics *m = ctx;
	struct mentity *e = metrics_get(m, p->id);

	if (!e)
		return -ENOMEM;
	e->st = *p;
	/* What came before a restart counts as seen: never applied twice. */
	memset(e->seen, 0xff, sizeof(e->seen));
	return 0;
}

int metrics_load_state(struct metrics *m, struct store *st)
{
	int rc;

	pthread_rwlock_wrlock(&m->lock);
	rc = store_push_load(st, metrics_load_one, m);
	pthread_rwlock_unlock(&m->lock);
	return rc;
}
