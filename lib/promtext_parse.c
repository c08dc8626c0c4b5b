/* promtext_parse.c: the strict, bounded parser of the Prometheus text
 * format 0.0.4 (pushed samples are hostile input). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "promtext.h"
#include "promtext_int.h"
#include "utf8.h"

/*
 * What the parser accepts, and where it is stricter than Prometheus's own
 * parser (github.com/prometheus/common/expfmt):
 *
 * - Lines end in '\n' (the last may lack it); "\r\n" is refused, as the
 *   '\r' is not a blank.  Blanks are spaces and tabs.  Leading and
 *   trailing blanks are allowed, and so are blanks between the name and
 *   '{' and around '=', ',' and '}' inside the label set.
 * - At least one blank must separate the value from the name or the label
 *   set, and the timestamp from the value ("m{a=\"b\"}1" is refused).
 * - Label values unescape \\, \" and \n; any other escape is refused.
 *   Bytes below 0x20 other than tab are refused (they would forge lines in
 *   logs); bytes from 0x80 up pass unchecked: values are not validated as
 *   UTF-8.  NUL is refused anywhere in the document.
 * - Label names starting with "__" are reserved and refused.
 * - Values follow Go's strconv.ParseFloat as Prometheus uses it: decimal
 *   and exponent forms, NaN, Inf and Infinity in any case (Inf may be
 *   signed, NaN may not); hex floats and '_' are refused.  A value that
 *   overflows a double ("1e999") is refused, as in Go; one that underflows
 *   becomes 0 or a subnormal, as in Go.  strtod reads the digits, so the
 *   process must keep the "C" LC_NUMERIC locale (as it does by default).
 * - Timestamps are [+-]digits milliseconds fitting an int64.
 * - "# HELP name [text]" and "# TYPE name kind" need their name (and kind),
 *   and the kind is lower case; "#" lines with another first word are
 *   comments.  HELP text may use the escapes \\, \n and \".  Whether TYPE
 *   precedes a family's samples, or repeats, is not checked: the parser
 *   keeps no state between lines.
 */

/* Longest value token; Go's shortest form needs at most 24 bytes, but
 * writers printing with %f need more. */
#define PROMTEXT_NUMBER_MAX 400
/* Bytes of hostile input quoted in an error message, and their room. */
#define PROMTEXT_QUOTE_MAX 40
#define PROMTEXT_QUOTE_SIZE (2 + PROMTEXT_QUOTE_MAX * 4 + 3 + 1)

/* One parse: limits, callbacks, position, and the sample reused for every
 * line (large, so it lives on the heap). */
struct promtext_parser {
	const struct prom_limits *lim;
	int (*sample_fn)(void *ctx, const struct prom_sample *s);
	int (*type_fn)(void *ctx, const char *name, enum prom_type t);
	void *ctx;
	char *err;
	size_t err_size;
	size_t line;			/* current line, from 1 */
	size_t n_samples;
	const char *p;			/* next unread byte of the line */
	const char *end;		/* end of the line, before its '\n' */
	struct prom_sample s;
	struct prom_label label;	/* the label being read */
};

/* ---- parser: errors and tokens ----------------------------------------- */

/*
 * Quote @n bytes of hostile input for an error message: printable ASCII as
 * it is, '"' and '\\' escaped, other bytes as \xNN, at most
 * PROMTEXT_QUOTE_MAX bytes followed by "..." when cut.
 */
static const char *promtext_quote(char out[PROMTEXT_QUOTE_SIZE],
				  const char *p, size_t n)
{
	size_t i, o = 0;
	unsigned char c;

	out[o++] = '"';
	for (i = 0; i < n && i < PROMTEXT_QUOTE_MAX; i++) {
		c = (unsigned char)p[i];
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			snprintf(out + o, 5, "\\x%02x", c);
			o += 4;
		}
	}
	out[o++] = '"';
	if (n > PROMTEXT_QUOTE_MAX) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

/* Write "line N: message" to the caller's error buffer; return @rc. */
static int promtext_fail(struct promtext_parser *ps, int rc, const char *fmt,
			 ...) __attribute__((format(printf, 3, 4)));

/* Write "line N: message" to the caller's error buffer; return @rc. */
static int promtext_fail(struct promtext_parser *ps, int rc, const char *fmt,
			 ...)
{
	va_list ap;
	int n;

	if (ps->err_size > 0) {
		n = snprintf(ps->err, ps->err_size, "line %zu: ", ps->line);
		if (n >= 0 && (size_t)n < ps->err_size) {
			va_start(ap, fmt);
			vsnprintf(ps->err + n, ps->err_size - (size_t)n, fmt,
				  ap);
			va_end(ap);
		}
	}
	return rc;
}

/* Report a callback's non-zero @rc, which the parse returns as it is. */
static int promtext_stopped(struct promtext_parser *ps, int rc)
{
	return promtext_fail(ps, rc, "stopped by the caller: %s",
			     rc < 0 ? pb_strerror(rc) : "refused");
}

/* 1 if @c is a blank: a space or a tab. */
static int promtext_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Move ps->p past the blanks before the end of the line. */
static void promtext_skip_blank(struct promtext_parser *ps)
{
	while (ps->p < ps->end && promtext_is_blank(*ps->p))
		ps->p++;
}

/* Bytes from ps->p to a blank, the end of the line or a byte of @stop. */
static size_t promtext_token_len(const struct promtext_parser *ps,
				 const char *stop)
{
	const char *q = ps->p;

	while (q < ps->end && !promtext_is_blank(*q) && !strchr(stop, *q))
		q++;
	return (size_t)(q - ps->p);
}

/* Quote the next byte (or say "the end of the line") for a message. */
static const char *promtext_found(const struct promtext_parser *ps,
				  char out[PROMTEXT_QUOTE_SIZE])
{
	return ps->p == ps->end ? "the end of the line" :
				  promtext_quote(out, ps->p, 1);
}

/* Skip blanks, then consume @c or say it was expected @where. */
static int promtext_expect(struct promtext_parser *ps, char c,
			   const char *where)
{
	char q[PROMTEXT_QUOTE_SIZE];
	int rc = 0;

	promtext_skip_blank(ps);
	if (ps->p < ps->end && *ps->p == c)
		ps->p++;
	else
		rc = promtext_fail(ps, -EINVAL, "expected '%c' %s, found %s", c,
				   where, promtext_found(ps, q));
	return rc;
}

/*
 * Read a metric (@metric 1) or label name at ps->p into @out (room for
 * PROM_NAME_MAX + 1).  The name runs to a blank, the end of the line or a
 * byte of @stop, and all of it must match the grammar.
 */
static int promtext_read_name(struct promtext_parser *ps, char *out,
			      int metric, const char *stop)
{
	const char *what = metric ? "metric" : "label";
	size_t n = promtext_token_len(ps, stop);
	char q[PROMTEXT_QUOTE_SIZE];
	int rc = 0;

	if (n == 0)
		rc = promtext_fail(ps, -EINVAL, "missing %s name, found %s",
				   what, promtext_found(ps, q));
	else if (n > PROM_NAME_MAX)
		rc = promtext_fail(ps, -PB_ETOOBIG,
				   "%s name longer than %d bytes", what,
				   PROM_NAME_MAX);
	if (rc == 0) {
		memcpy(out, ps->p, n);
		out[n] = '\0';
		if (!promtext_name_valid(out, metric))
			rc = promtext_fail(ps, -EINVAL,
					   "%s name %s is not valid", what,
					   promtext_quote(q, ps->p, n));
		else if (!metric && !promtext_label_name_valid(out))
			rc = promtext_fail(ps, -EINVAL,
					   "label name %s is reserved",
					   promtext_quote(q, ps->p, n));
	}
	if (rc == 0)
		ps->p += n;
	return rc;
}

/* ---- parser: labels ----------------------------------------------------- */

/* Unescape the byte after a backslash at *@q (\\, \" or \n) into @c. */
static int promtext_unescape(struct promtext_parser *ps, const char **q,
			     char *c)
{
	static const char in[] = "\\\"n", out[] = "\\\"\n";
	const char *hit = NULL;
	unsigned char b;
	int rc = 0;

	if (*q == ps->end)
		rc = promtext_fail(ps, -EINVAL, "label value not terminated");
	else if (!(hit = memchr(in, **q, 3))) {
		b = (unsigned char)**q;
		if (b > 0x20 && b < 0x7f)
			rc = promtext_fail(ps, -EINVAL,
					   "bad escape \\%c in label value", b);
		else
			rc = promtext_fail(ps, -EINVAL,
					   "bad escape \\ + byte 0x%02x in "
					   "label value", b);
	} else {
		*c = out[hit - in];
		(*q)++;
	}
	return rc;
}

/* Read the quoted label value at ps->p (its '"') into @out, unescaped. */
static int promtext_label_value(struct promtext_parser *ps, char *out)
{
	const char *q = ps->p + 1;
	size_t n = 0;
	int rc = 0;
	char c;

	while (rc == 0 && q < ps->end && *q != '"') {
		c = *q++;
		if (c == '\\')
			rc = promtext_unescape(ps, &q, &c);
		else if ((unsigned char)c < 0x20 && c != '\t')
			rc = promtext_fail(ps, -EINVAL,
					   "label value contains control "
					   "byte 0x%02x", (unsigned char)c);
		if (rc == 0 && n == PROM_VALUE_MAX)
			rc = promtext_fail(ps, -PB_ETOOBIG,
					   "label value longer than %d bytes",
					   PROM_VALUE_MAX);
		if (rc == 0)
			out[n++] = c;
	}
	if (rc == 0 && q == ps->end)
		rc = promtext_fail(ps, -EINVAL, "label value not terminated");
	if (rc == 0) {
		out[n] = '\0';
		/* Prometheus refuses a whole scrape over one bad value. */
		if (utf8_invalid(out))
			rc = promtext_fail(ps, -EINVAL,
					   "label value is not valid UTF-8");
	}
	if (rc == 0)
		ps->p = q + 1;
	return rc;
}

/* Copy a label's used bytes only: labels are large, their text short. */
static void promtext_label_copy(struct prom_label *dst,
				const struct prom_label *src)
{
	memcpy(dst->name, src->name, strlen(src->name) + 1);
	memcpy(dst->value, src->value, strlen(src->value) + 1);
}

/* Insert ps->label into the sample's labels in name order; refuse a
 * repeated name.  At most PROM_LABELS_MAX labels, so a scan is cheap. */
static int promtext_label_insert(struct promtext_parser *ps)
{
	struct prom_sample *s = &ps->s;
	char q[PROMTEXT_QUOTE_SIZE];
	size_t pos = 0, i;
	int cmp = 1, rc = 0;

	while (pos < s->n_labels &&
	       (cmp = strcmp(s->labels[pos].name, ps->label.name)) < 0)
		pos++;
	if (pos < s->n_labels && cmp == 0) {
		rc = promtext_fail(ps, -EINVAL, "duplicate label %s",
				   promtext_quote(q, ps->label.name,
						  strlen(ps->label.name)));
	} else {
		for (i = s->n_labels; i > pos; i--)
			promtext_label_copy(&s->labels[i], &s->labels[i - 1]);
		promtext_label_copy(&s->labels[pos], &ps->label);
		s->n_labels++;
	}
	return rc;
}

/* After a label: ',' (another may follow) or '}' (sets *@done). */
static int promtext_label_next(struct promtext_parser *ps, int *done)
{
	char q[PROMTEXT_QUOTE_SIZE];
	int rc = 0;

	promtext_skip_blank(ps);
	if (ps->p == ps->end)
		rc = promtext_fail(ps, -EINVAL, "label set not terminated");
	else if (*ps->p == ',' || *ps->p == '}')
		*done = *ps->p++ == '}';
	else
		rc = promtext_fail(ps, -EINVAL,
				   "expected ',' or '}' after a label, "
				   "found %s", promtext_found(ps, q));
	return rc;
}

/* Read one name="value" pair and what follows it. */
static int promtext_label(struct promtext_parser *ps, int *done)
{
	struct prom_label *l = &ps->label;
	char q[PROMTEXT_QUOTE_SIZE], q2[PROMTEXT_QUOTE_SIZE];
	int rc = 0;

	if (ps->s.n_labels == PROM_LABELS_MAX)
		rc = promtext_fail(ps, -PB_ETOOBIG, "more than %d labels",
				   PROM_LABELS_MAX);
	if (rc == 0)
		rc = promtext_read_name(ps, l->name, 0, "=,{}\"");
	if (rc == 0)
		rc = promtext_expect(ps, '=', "after a label name");
	if (rc == 0) {
		promtext_skip_blank(ps);
		if (ps->p == ps->end || *ps->p != '"')
			rc = promtext_fail(ps, -EINVAL,
					   "expected '\"' to open the value of "
					   "label %s, found %s",
					   promtext_quote(q, l->name,
							  strlen(l->name)),
					   promtext_found(ps, q2));
	}
	if (rc == 0)
		rc = promtext_label_value(ps, l->value);
	if (rc == 0)
		rc = promtext_label_insert(ps);
	if (rc == 0)
		rc = promtext_label_next(ps, done);
	return rc;
}

/* Read the label set at ps->p (its '{') into the sample, sorted by name. */
static int promtext_labels(struct promtext_parser *ps)
{
	int rc = 0, done = 0;

	ps->p++;
	while (rc == 0 && !done) {
		promtext_skip_blank(ps);
		if (ps->p < ps->end && *ps->p == '}') {
			ps->p++;
			done = 1;
		} else {
			rc = promtext_label(ps, &done);
		}
	}
	return rc;
}

/* ---- parser: numbers ---------------------------------------------------- */

/* Count and skip the decimal digits at *@s. */
static size_t promtext_digits(const char **s)
{
	size_t n = 0;

	while (**s >= '0' && **s <= '9') {
		(*s)++;
		n++;
	}
	return n;
}

/* 1 if @s is digits [. digits] [e [+-] digits], a digit on some side of
 * the point: the decimal forms Go's strconv.ParseFloat reads. */
static int promtext_decimal_syntax(const char *s)
{
	size_t digits = promtext_digits(&s);
	int ok;

	if (*s == '.') {
		s++;
		digits += promtext_digits(&s);
	}
	ok = digits > 0;
	if (ok && (*s == 'e' || *s == 'E')) {
		s++;
		s += *s == '+' || *s == '-';
		ok = promtext_digits(&s) > 0;
	}
	return ok && *s == '\0';
}

/* 1 if @s is a number as Prometheus reads one (see the top of the file). */
static int promtext_float_syntax(const char *s)
{
	const char *body = s + (*s == '+' || *s == '-');

	return strcasecmp(s, "nan") == 0 || strcasecmp(body, "inf") == 0 ||
	       strcasecmp(body, "infinity") == 0 ||
	       promtext_decimal_syntax(body);
}

/* Read the value token at ps->p into the sample. */
static int promtext_value(struct promtext_parser *ps)
{
	char tok[PROMTEXT_NUMBER_MAX + 1], q[PROMTEXT_QUOTE_SIZE], *endp;
	size_t n = promtext_token_len(ps, "");
	int rc = 0;

	if (n == 0)
		rc = promtext_fail(ps, -EINVAL, "missing value");
	else if (n > PROMTEXT_NUMBER_MAX)
		rc = promtext_fail(ps, -PB_ETOOBIG,
				   "value longer than %d bytes",
				   PROMTEXT_NUMBER_MAX);
	if (rc == 0) {
		memcpy(tok, ps->p, n);
		tok[n] = '\0';
		errno = 0;
		if (promtext_float_syntax(tok))
			ps->s.value = strtod(tok, &endp);
		else
			endp = tok;
		/* The grammar check and strtod must agree on every byte. */
		if (endp != tok + n)
			rc = promtext_fail(ps, -EINVAL,
					   "value %s is not a number",
					   promtext_quote(q, tok, n));
		else if (errno == ERANGE && isinf(ps->s.value))
			rc = promtext_fail(ps, -EINVAL,
					   "value %s is out of range",
					   promtext_quote(q, tok, n));
	}
	if (rc == 0)
		ps->p += n;
	return rc;
}

/* 1 if @t (@n bytes) is [+-]digits. */
static int promtext_integer_syntax(const char *t, size_t n)
{
	size_t i = (n > 0 && (t[0] == '+' || t[0] == '-')) ? 1 : 0;
	int ok = i < n;

	for (; ok && i < n; i++)
		ok = t[i] >= '0' && t[i] <= '9';
	return ok;
}

/* Read the timestamp token at ps->p: milliseconds that fit an int64. */
static int promtext_timestamp(struct promtext_parser *ps)
{
	const char *t = ps->p;
	size_t n = promtext_token_len(ps, ""), i;
	char q[PROMTEXT_QUOTE_SIZE];
	int neg = t[0] == '-', rc = 0;
	uint64_t acc = 0, max = (uint64_t)INT64_MAX + (neg ? 1 : 0), d;

	if (!promtext_integer_syntax(t, n))
		rc = promtext_fail(ps, -EINVAL,
				   "timestamp %s is not an integer",
				   promtext_quote(q, t, n));
	for (i = t[0] == '+' || neg; rc == 0 && i < n; i++) {
		d = (uint64_t)(t[i] - '0');
		if (acc > (max - d) / 10)
			rc = promtext_fail(ps, -EINVAL,
					   "timestamp %s is out of range",
					   promtext_quote(q, t, n));
		else
			acc = acc * 10 + d;
	}
	if (rc == 0) {
		if (!neg)
			ps->s.ts_ms = (int64_t)acc;
		else if (acc > (uint64_t)INT64_MAX)
			ps->s.ts_ms = INT64_MIN;
		else
			ps->s.ts_ms = -(int64_t)acc;
		ps->p += n;
	}
	return rc;
}

/* ---- parser: lines ------------------------------------------------------ */

/* The value, the optional timestamp and nothing else after them. */
static int promtext_sample_tail(struct promtext_parser *ps)
{
	char q[PROMTEXT_QUOTE_SIZE];
	int rc = 0;

	if (ps->p < ps->end && !promtext_is_blank(*ps->p))
		rc = promtext_fail(ps, -EINVAL,
				   "expected a blank before the value, "
				   "found %s", promtext_found(ps, q));
	promtext_skip_blank(ps);
	if (rc == 0)
		rc = promtext_value(ps);
	promtext_skip_blank(ps);
	if (rc == 0 && ps->p < ps->end) {
		rc = promtext_timestamp(ps);
		promtext_skip_blank(ps);
	}
	if (rc == 0 && ps->p < ps->end)
		rc = promtext_fail(ps, -EINVAL,
				   "unexpected %s after the timestamp",
				   promtext_quote(q, ps->p,
						  promtext_token_len(ps, "")));
	return rc;
}

/* A sample line at ps->p: read it and hand it to the sample callback. */
static int promtext_sample(struct promtext_parser *ps)
{
	struct prom_sample *s = &ps->s;
	const char *mark;
	int rc = 0;

	s->n_labels = 0;
	s->value = 0;
	s->ts_ms = 0;
	if (ps->n_samples >= ps->lim->max_samples)
		rc = promtext_fail(ps, -PB_ETOOBIG, "more than %zu samples",
				   ps->lim->max_samples);
	if (rc == 0)
		rc = promtext_read_name(ps, s->name, 1, "{");
	if (rc == 0) {
		/* Blanks may precede '{'; the value needs its own (below). */
		mark = ps->p;
		promtext_skip_blank(ps);
		if (ps->p < ps->end && *ps->p == '{')
			rc = promtext_labels(ps);
		else
			ps->p = mark;
	}
	if (rc == 0)
		rc = promtext_sample_tail(ps);
	if (rc == 0) {
		ps->n_samples++;
		rc = ps->sample_fn ? ps->sample_fn(ps->ctx, s) : 0;
		if (rc != 0)
			rc = promtext_stopped(ps, rc);
	}
	return rc;
}

/* After HELP or TYPE: blanks, then the family's name into ps->s.name. */
static int promtext_family_name(struct promtext_parser *ps, const char *kw)
{
	int rc = 0;

	promtext_skip_blank(ps);
	if (ps->p == ps->end)
		rc = promtext_fail(ps, -EINVAL, "missing metric name after %s",
				   kw);
	else
		rc = promtext_read_name(ps, ps->s.name, 1, "");
	return rc;
}

/* "# HELP name text": check the name and the text's escapes. */
static int promtext_help(struct promtext_parser *ps)
{
	int rc = promtext_family_name(ps, "HELP");

	while (rc == 0 && ps->p < ps->end) {
		if (*ps->p++ != '\\')
			continue;
		if (ps->p < ps->end && memchr("\\n\"", *ps->p, 3))
			ps->p++;
		else
			rc = promtext_fail(ps, -EINVAL,
					   "bad escape in HELP text");
	}
	return rc;
}

/* "# TYPE name kind": check both and tell the type callback. */
static int promtext_type(struct promtext_parser *ps)
{
	enum prom_type type = PROM_UNTYPED;
	char q[PROMTEXT_QUOTE_SIZE];
	size_t n = 0;
	int rc = promtext_family_name(ps, "TYPE");

	if (rc == 0) {
		promtext_skip_blank(ps);
		n = promtext_token_len(ps, "");
		if (n == 0)
			rc = promtext_fail(ps, -EINVAL, "missing metric type");
		else if (promtext_type_parse(ps->p, n, &type) != 0)
			rc = promtext_fail(ps, -EINVAL,
					   "unknown metric type %s",
					   promtext_quote(q, ps->p, n));
	}
	if (rc == 0) {
		ps->p += n;
		promtext_skip_blank(ps);
		n = promtext_token_len(ps, "");
		if (ps->p < ps->end)
			rc = promtext_fail(ps, -EINVAL, "unexpected %s after "
					   "the metric type",
					   promtext_quote(q, ps->p, n));
	}
	if (rc == 0 && ps->type_fn) {
		rc = ps->type_fn(ps->ctx, ps->s.name, type);
		if (rc != 0)
			rc = promtext_stopped(ps, rc);
	}
	return rc;
}

/* 1 if the @n bytes at @p (a whole token) are the word @kw. */
static int promtext_is_word(const char *p, size_t n, const char *kw)
{
	return n == strlen(kw) && memcmp(p, kw, n) == 0;
}

/* A line starting with '#': HELP and TYPE are checked, others skipped. */
static int promtext_comment(struct promtext_parser *ps)
{
	size_t n;
	int rc = 0;

	ps->p++;
	promtext_skip_blank(ps);
	n = promtext_token_len(ps, "");
	if (promtext_is_word(ps->p, n, "HELP")) {
		ps->p += n;
		rc = promtext_help(ps);
	} else if (promtext_is_word(ps->p, n, "TYPE")) {
		ps->p += n;
		rc = promtext_type(ps);
	}
	return rc;
}

/* One line of @n bytes at @line, without its '\n'. */
static int promtext_line(struct promtext_parser *ps, const char *line,
			 size_t n)
{
	int rc = 0;

	ps->p = line;
	ps->end = line + n;
	if (memchr(line, '\0', n))
		rc = promtext_fail(ps, -EINVAL, "contains a NUL byte");
	else {
		promtext_skip_blank(ps);
		if (ps->p == ps->end)
			rc = 0;
		else if (*ps->p == '#')
			rc = promtext_comment(ps);
		else
			rc = promtext_sample(ps);
	}
	return rc;
}

int promtext_parse(const char *buf, size_t len, const struct prom_limits *lim,
		   int (*sample)(void *ctx, const struct prom_sample *s),
		   int (*type)(void *ctx, const char *name, enum prom_type t),
		   void *ctx, char *err, size_t err_size)
{
	struct promtext_parser *ps;
	const char *nl;
	size_t off = 0, n;
	int rc = 0;

	if (!err)
		err_size = 0;
	if (err_size > 0)
		err[0] = '\0';
	/* calloc: callbacks never see bytes of an earlier parse or heap. */
	ps = calloc(1, sizeof(*ps));
	if (!ps) {
		rc = -ENOMEM;
		if (err_size > 0)
			snprintf(err, err_size, "out of memory");
		goto err_alloc;
	}
	ps->lim = lim;
	ps->sample_fn = sample;
	ps->type_fn = type;
	ps->ctx = ctx;
	ps->err = err;
	ps->err_size = err_size;
	while (rc == 0 && off < len) {
		ps->line++;
		/* Look no further than one byte past the longest line. */
		n = len - off > lim->max_line ? lim->max_line + 1 : len - off;
		nl = memchr(buf + off, '\n', n);
		if (nl)
			n = (size_t)(nl - (buf + off));
		if (n > lim->max_line)
			rc = promtext_fail(ps, -PB_ETOOBIG,
					   "longer than %zu bytes",
					   lim->max_line);
		else
			rc = promtext_line(ps, buf + off, n);
		off += n;
		if (off < len)
			off++;
	}
	free(ps);
err_alloc:
	return rc;
}
