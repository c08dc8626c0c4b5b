/* metrics_parse.h: a push's document into a fresh, checked set of
 * series (names reserved, duplicates refused, Pushgateway merges). */
#ifndef PODBOOT_METRICS_PARSE_H
#define PODBOOT_METRICS_PARSE_H

#include <stddef.h>

#include "metrics_result.h"
#include "promtext.h"

#define METRICS_LINE_MAX 65536

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

/* A series set being built from one push. */
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
	char reserved_name[PROM_NAME_MAX + 1];	/* which: the metric, */
	char reserved_label[PROM_NAME_MAX + 1];	/* or its label, if set */
};

/**
 * Start an empty set of at most @max series, its strings' arena at most
 * @arena_max bytes; @group (or NULL) are the push's grouping labels.
 * Free with metrics_parse_free().
 */
void metrics_parse_init(struct metrics_parse *mp, const char *group,
			size_t max, size_t arena_max);

/** Free what @mp holds (safe twice, and after ownership moved). */
void metrics_parse_free(struct metrics_parse *mp);

/**
 * Parse @text (@len bytes) into @mp and decide on it: a document that
 * does not parse, names a reserved metric or label, or gives a series
 * twice is METRICS_MALFORMED; more than mp->max series is
 * METRICS_NODE_LIMIT (in @res, with the reason in res->err).  No I/O, no
 * shared state.
 *
 * @ret rc		0 (see res->refusal), or -ENOMEM
 */
int metrics_parse_doc(struct metrics_parse *mp, const char *text,
		      size_t len, struct metrics_result *res);

/**
 * Pushgateway POST: add to @mp copies of the @n_old series @old whose
 * metric name the push does not give (those it gives are replaced).
 *
 * @ret rc		0, -PB_ETOOBIG past mp->max (mp->over set), -ENOMEM
 */
int metrics_parse_merge(struct metrics_parse *mp, const struct mseries *old,
			size_t n_old);

/** Refuse in @res: more than mp->max series (METRICS_NODE_LIMIT). */
void metrics_parse_limit(const struct metrics_parse *mp,
			 struct metrics_result *res);

/** Turn @n series' arena offsets into pointers into @arena. */
void metrics_parse_fix_pointers(struct mseries *s, size_t n, char *arena);

#endif
