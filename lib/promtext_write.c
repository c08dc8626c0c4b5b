/* promtext_write.c: the writer of the Prometheus text format 0.0.4:
 * every line it writes, the parser in promtext_parse.c takes back. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "promtext.h"
#include "promtext_int.h"

/* ---- writer: text format ------------------------------------------------ */

/* Append @s, escaping the bytes of @special ('\\', '"', '\n' or some). */
static int promtext_write_escaped(struct pbuf *b, const char *s,
				  const char *special)
{
	size_t n;
	int rc = 0;

	while (rc == 0 && *s) {
		n = strcspn(s, special);
		rc = pbuf_append(b, s, n);
		s += n;
		if (rc == 0 && *s) {
			rc = pbuf_append(b, *s == '\n' ? "\\n" :
					 *s == '"' ? "\\\"" : "\\\\", 2);
			s++;
		}
	}
	return rc;
}

/* 1 if the parser would take @v back: no control bytes but tab and '\n'
 * (which is escaped). */
static int promtext_value_writable(const char *v)
{
	while (*v && ((unsigned char)*v >= 0x20 || *v == '\t' || *v == '\n'))
		v++;
	return *v == '\0';
}

/* 1 if every label of @l (@n) has a valid name and a writable value. */
static int promtext_labels_writable(const struct prom_label *l, size_t n)
{
	size_t i = 0;

	while (i < n && promtext_label_name_valid(l[i].name) &&
	       promtext_value_writable(l[i].value))
		i++;
	return i == n;
}

/* Append name="value" for each of @l (@n), each after a ',' but the
 * first of the set (*@first). */
static int promtext_write_labels(struct pbuf *b, const struct prom_label *l,
				 size_t n, int *first)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < n; i++) {
		rc = pbuf_printf(b, "%s%s=\"", *first ? "" : ",", l[i].name);
		if (rc == 0)
			rc = promtext_write_escaped(b, l[i].value, "\\\"\n");
		if (rc == 0)
			rc = pbuf_append(b, "\"", 1);
		*first = 0;
	}
	return rc;
}

/* Append " value", exactly: %.17g round-trips every finite double. */
static int promtext_write_value(struct pbuf *b, double value)
{
	int rc;

	if (isnan(value))
		rc = pbuf_append(b, " NaN", 4);
	else if (isinf(value))
		rc = pbuf_append(b, value > 0 ? " +Inf" : " -Inf", 5);
	else
		rc = pbuf_printf(b, " %.17g", value);
	return rc;
}

/*
 * The HELP line (when @help is not NULL; '\\' and '\n' escaped) and the
 * TYPE line.  -EINVAL for a bad name or type; on any failure nothing is
 * left in @b.
 */
int promtext_write_family(struct pbuf *b, const char *name, const char *help,
			  enum prom_type type)
{
	const char *word = promtext_type_word(type);
	size_t start = b->len;
	int rc = 0;

	if (!promtext_metric_name_valid(name) || !word)
		rc = -EINVAL;
	if (rc == 0 && help) {
		rc = pbuf_printf(b, "# HELP %s%s", name, *help ? " " : "");
		if (rc == 0)
			rc = promtext_write_escaped(b, help, "\\\n");
		if (rc == 0)
			rc = pbuf_append(b, "\n", 1);
	}
	if (rc == 0)
		rc = pbuf_printf(b, "# TYPE %s %s\n", name, word);
	if (rc != 0)
		pbuf_truncate(b, start);
	return rc;
}

/*
 * -EINVAL when the parser would refuse the line: a bad metric or label
 * name, or a value with a control byte other than tab and '\n'.  The line
 * is written whole or not at all.
 */
int promtext_write_sample(struct pbuf *b, const char *name,
			  const struct prom_label *extra, size_t n_extra,
			  const struct prom_label *labels, size_t n_labels,
			  double value, int64_t ts_ms)
{
	size_t start = b->len;
	int rc = 0, first = 1;

	if (!promtext_metric_name_valid(name) ||
	    !promtext_labels_writable(extra, extra ? n_extra : 0) ||
	    !promtext_labels_writable(labels, labels ? n_labels : 0))
		rc = -EINVAL;
	if (rc == 0)
		rc = pbuf_append(b, name, strlen(name));
	if (rc == 0 && ((extra && n_extra) || (labels && n_labels))) {
		rc = pbuf_append(b, "{", 1);
		if (rc == 0 && extra)
			rc = promtext_write_labels(b, extra, n_extra, &first);
		if (rc == 0 && labels)
			rc = promtext_write_labels(b, labels, n_labels, &first);
		if (rc == 0)
			rc = pbuf_append(b, "}", 1);
	}
	if (rc == 0)
		rc = promtext_write_value(b, value);
	if (rc == 0 && ts_ms != 0)
		rc = pbuf_printf(b, " %" PRId64, ts_ms);
	if (rc == 0)
		rc = pbuf_append(b, "\n", 1);
	if (rc != 0)
		pbuf_truncate(b, start);
	return rc;
}
