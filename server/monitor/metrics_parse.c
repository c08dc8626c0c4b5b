/* metrics_parse.c: a push's document into a fresh, checked set of
 * series (names reserved, duplicates refused, Pushgateway merges). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "metrics_parse.h"

void metrics_parse_init(struct metrics_parse *mp, const char *group,
			size_t max, size_t arena_max)
{
	memset(mp, 0, sizeof(*mp));
	pbuf_init(&mp->arena, arena_max);
	mp->max = max;
	mp->group = group;
}

void metrics_parse_free(struct metrics_parse *mp)
{
	free(mp->series);
	mp->series = NULL;
	mp->n = mp->cap = 0;
	pbuf_free(&mp->arena);
}

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

/* promtext's TYPE callback: later samples of @name are of type @t. */
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
 * a sample that already carries exported_NAME too is refused (-2, the
 * label's name in *@clash), since the exposition would repeat a label.
 */
static long metrics_labels_text(struct pbuf *a, const struct prom_sample *s,
				const char *group, const char **clash)
{
	size_t start = a->len, i;
	const char *name;
	int rc = 0, reserved;

	for (i = 0; i < s->n_labels && rc == 0; i++) {
		name = s->labels[i].name;
		reserved = metrics_reserved(name, group);
		if (strncmp(name, "exported_", 9) == 0 &&
		    metrics_reserved(name + 9, group)) {
			*clash = name;
			return -2;
		}
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

/*
 * promtext's sample callback: add @s to the set.  -PB_ETOOBIG past the
 * limit (mp->over), -EPERM for a reserved name (mp->reserved), -ENOMEM.
 */
static int metrics_parse_sample(void *ctx, const struct prom_sample *s)
{
	struct metrics_parse *mp = ctx;
	struct mseries *ms;
	const char *clash = NULL;
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
		snprintf(mp->reserved_name, sizeof(mp->reserved_name), "%s",
			 s->name);
		return -EPERM;
	}
	if (metrics_grow(mp) != 0)
		return -ENOMEM;
	name = metrics_arena_add(&mp->arena, s->name, strlen(s->name));
	labels = metrics_labels_text(&mp->arena, s, mp->group, &clash);
	if (labels == -2) {
		mp->reserved = 1;
		snprintf(mp->reserved_name, sizeof(mp->reserved_name), "%s",
			 s->name);
		snprintf(mp->reserved_label, sizeof(mp->reserved_label), "%s",
			 clash);
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

void metrics_parse_fix_pointers(struct mseries *s, size_t n, char *arena)
{
	size_t i;

	for (i = 0; i < n; i++) {
		s[i].name = arena + s[i].name_off;
		s[i].labels = arena + s[i].labels_off;
		s[i].family = arena + s[i].family_off;
	}
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

/* Does the first @pushed series of @mp give metric @name? */
static int metrics_parse_gives(const struct metrics_parse *mp, size_t pushed,
			       const char *name)
{
	size_t j;

	for (j = 0; j < pushed; j++)
		if (strcmp(name, mp->arena.data + mp->series[j].name_off) == 0)
			return 1;
	return 0;
}

int metrics_parse_merge(struct metrics_parse *mp, const struct mseries *old,
			size_t n_old)
{
	size_t pushed = mp->n, i;
	int rc;

	for (i = 0; i < n_old; i++) {
		if (metrics_parse_gives(mp, pushed, old[i].name))
			continue;
		if (mp->n >= mp->max) {
			mp->over = 1;
			return -PB_ETOOBIG;
		}
		rc = metrics_copy_series(mp, &old[i]);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void metrics_parse_limit(const struct metrics_parse *mp,
			 struct metrics_result *res)
{
	res->refusal = METRICS_NODE_LIMIT;
	snprintf(res->err, sizeof(res->err),
		 "more than %zu series for one node", mp->max);
}

/*
 * A reserved name (@mp says which): res->err holds "line N: stopped by
 * the caller", of which "line N" is kept, then the name and the reason.
 */
static void metrics_parse_reserved(const struct metrics_parse *mp,
				   struct metrics_result *res)
{
	char *colon = strchr(res->err, ':');
	size_t at;

	res->refusal = METRICS_MALFORMED;
	if (colon)
		*colon = '\0';
	at = strlen(res->err);
	if (mp->reserved_label[0])
		snprintf(res->err + at, sizeof(res->err) - at,
			 "%sname reserved: label %s of %s: the server renames "
			 "a pushed pod, node or grouping label to exported_NAME, "
			 "so it may not be pushed beside it",
			 colon ? ": " : "", mp->reserved_label,
			 mp->reserved_name);
	else
		snprintf(res->err + at, sizeof(res->err) - at,
			 "%sname reserved: metric %s: names starting "
			 "podboot_ are the server's own (agents may push "
			 "podboot_agent_*)",
			 colon ? ": " : "", mp->reserved_name);
}

int metrics_parse_doc(struct metrics_parse *mp, const char *text,
		      size_t len, struct metrics_result *res)
{
	struct prom_limits lim = { METRICS_LINE_MAX, mp->max + 1 };
	int rc;

	rc = promtext_parse(text, len, &lim, metrics_parse_sample,
			    metrics_parse_type, mp, res->err,
			    sizeof(res->err));
	if (mp->over) {
		metrics_parse_limit(mp, res);
		return 0;
	}
	if (mp->reserved) {
		metrics_parse_reserved(mp, res);
		return 0;
	}
	if (rc == -ENOMEM || mp->arena.overflow)
		return -ENOMEM;
	if (rc == 0)
		rc = metrics_unique(mp, res->err, sizeof(res->err));
	if (rc == -ENOMEM)
		return rc;
	if (rc != 0)
		res->refusal = METRICS_MALFORMED;
	return 0;
}
