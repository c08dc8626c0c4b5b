/* promtext.h: the Prometheus text exposition format: a strict, bounded
 * parser for pushed samples and a writer, shared by server and agent. */
#ifndef PODBOOT_PROMTEXT_H
#define PODBOOT_PROMTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "pbuf.h"

#define PROM_NAME_MAX 200		/* metric and label names */
#define PROM_VALUE_MAX 1024		/* one label value */
#define PROM_LABELS_MAX 32		/* labels on one sample */

struct prom_label {
	char name[PROM_NAME_MAX + 1];
	char value[PROM_VALUE_MAX + 1];	/* unescaped */
};

/* One sample line: name{labels} value [timestamp]. */
struct prom_sample {
	char name[PROM_NAME_MAX + 1];
	struct prom_label labels[PROM_LABELS_MAX];
	size_t n_labels;		/* sorted by name after parsing */
	double value;			/* NaN, +Inf, -Inf allowed */
	int64_t ts_ms;			/* 0 when absent */
};

/* What # TYPE said about a metric family, for writers that keep it. */
enum prom_type {
	PROM_UNTYPED, PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM, PROM_SUMMARY
};

struct prom_limits {
	size_t max_line;		/* bytes in one line (e.g. 64 KiB) */
	size_t max_samples;		/* samples in one document */
};

/**
 * Parse a text-format document, calling @sample for each sample line and
 * @type (may be NULL) for each "# TYPE name kind" line.  Comment and
 * "# HELP" lines are skipped.  Names must match the Prometheus grammar,
 * labels may not repeat, values must parse completely.
 *
 * @v buf		document (need not be NUL-terminated)
 * @v len		its length
 * @v lim		bounds; exceeding one is an error
 * @v err		on failure: "line N: what is wrong" (at most @err_size)
 * @ret rc		0; -EINVAL for a malformed line; -PB_ETOOBIG for a
 *			limit; or the first non-zero return of a callback
 */
int promtext_parse(const char *buf, size_t len, const struct prom_limits *lim,
		   int (*sample)(void *ctx, const struct prom_sample *s),
		   int (*type)(void *ctx, const char *name, enum prom_type t),
		   void *ctx, char *err, size_t err_size);

/** 1 if @name is a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*). */
int promtext_metric_name_valid(const char *name);
/** 1 if @name is a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not __*). */
int promtext_label_name_valid(const char *name);

/* ---- writing ---------------------------------------------------------- */

/** "# HELP name text" and "# TYPE name kind" lines. */
int promtext_write_family(struct pbuf *b, const char *name, const char *help,
			  enum prom_type type);

/**
 * One sample line.  @labels (may be NULL) are written in the order given,
 * after @extra (may be NULL, e.g. pod and node labels added by the
 * server); values are escaped; @value is written exactly (%.17g, NaN,
 * +Inf, -Inf); @ts_ms is written when non-zero.
 */
int promtext_write_sample(struct pbuf *b, const char *name,
			  const struct prom_label *extra, size_t n_extra,
			  const struct prom_label *labels, size_t n_labels,
			  double value, int64_t ts_ms);

#endif
