/* test_promtext.c: Prometheus text parsing, refusals, writing, round trips. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "promtext.h"
#include "unit.h"

#define REC_MAX 64

/* What the callbacks saw: a copy of each sample (labels as "a=1;b=2;"). */
struct rec_sample {
	char name[PROM_NAME_MAX + 1];
	char labels[512];
	size_t n_labels;
	double value;
	int64_t ts_ms;
};

struct rec {
	struct rec_sample s[REC_MAX];
	size_t n;
	char type_name[REC_MAX][PROM_NAME_MAX + 1];
	enum prom_type type[REC_MAX];
	size_t n_types;
	size_t stop_at;		/* sample (from 1) returning stop_rc */
	int stop_rc;
	struct prom_sample *full;	/* if set: whole copies go here */
};

static const struct prom_limits lim = { 64 * 1024, 10000 };

static int rec_sample(void *ctx, const struct prom_sample *s)
{
	struct rec *r = ctx;
	struct rec_sample *o;
	size_t i, off = 0;

	if (r->n >= REC_MAX)
		return -E2BIG;
	o = &r->s[r->n];
	if (r->full)
		r->full[r->n] = *s;
	snprintf(o->name, sizeof(o->name), "%s", s->name);
	o->labels[0] = '\0';
	for (i = 0; i < s->n_labels && off < sizeof(o->labels); i++)
		off += (size_t)snprintf(o->labels + off,
					sizeof(o->labels) - off, "%s=%s;",
					s->labels[i].name, s->labels[i].value);
	o->n_labels = s->n_labels;
	o->value = s->value;
	o->ts_ms = s->ts_ms;
	r->n++;
	return r->n == r->stop_at ? r->stop_rc : 0;
}

static int rec_type(void *ctx, const char *name, enum prom_type t)
{
	struct rec *r = ctx;

	if (r->n_types >= REC_MAX)
		return -E2BIG;
	snprintf(r->type_name[r->n_types], PROM_NAME_MAX + 1, "%s", name);
	r->type[r->n_types++] = t;
	return 0;
}

/* Parse a NUL-terminated @doc into a fresh @r. */
static int parse(const char *doc, struct rec *r, char *err, size_t size)
{
	memset(r, 0, sizeof(*r));
	return promtext_parse(doc, strlen(doc), &lim, rec_sample, rec_type, r,
			      err, size);
}

/* 1 if @a and @b are the same double, bit for bit. */
static int same_bits(double a, double b)
{
	uint64_t x, y;

	memcpy(&x, &a, sizeof(x));
	memcpy(&y, &b, sizeof(y));
	return x == y;
}

static const char node_doc[] =
	"# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
	"# TYPE node_cpu_seconds_total counter\n"
	"node_cpu_seconds_total{mode=\"idle\",cpu=\"0\"} 12345.67\n"
	"node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 1.5e+03 "
	"1700000000000\n"
	"# a free comment, with { and \" and \\q in it\n"
	"\n"
	"# HELP node_filesystem_avail_bytes Free bytes \\\\ \\n escaped.\n"
	"# TYPE node_filesystem_avail_bytes gauge\n"
	"node_filesystem_avail_bytes{device=\"/dev/sda1\",fstype=\"ext4\","
	"mountpoint=\"/\"} 5.1234E10\n"
	"node_filesystem_avail_bytes { mountpoint = \"/run/user/1000\" ,"
	"fstype=\"tmpfs\",device=\"tmpfs\",} 1.6e+08\n"
	"  node_load1   0.42  \n"
	"node_hwmon_temp_celsius{sensor=\"temp1\",chip=\"platform_coretemp_0\"}"
	"\t-3.25\t-1000\n"
	"# TYPE weird untyped\n"
	"weird{kind=\"nan\"} NaN\n"
	"weird{kind=\"pinf\"} +Inf\n"
	"weird{kind=\"ninf\"} -Inf\n"
	"msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\","
	"error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
	"go_gc_duration_seconds{quantile=\"0.5\"} 2.5e-05\n"
	"empty_set{} -0\n"
	"node_boot_time_seconds 1.7e9 -9223372036854775808\n"
	"  \t \n"
	":colon:name:total{le=\"+Inf\",x=\"\xc3\xa9t\xc3\xa9\"} .5";

static void test_document(void)
{
	static struct rec r;
	char err[256] = "untouched";
	const struct rec_sample *s = r.s;

	CU_ASSERT_EQUAL_FATAL(parse(node_doc, &r, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL_FATAL(r.n, 14);
	CU_ASSERT_EQUAL(r.n_types, 3);
	CU_ASSERT_STRING_EQUAL(r.type_name[0], "node_cpu_seconds_total");
	CU_ASSERT_EQUAL(r.type[0], PROM_COUNTER);
	CU_ASSERT_EQUAL(r.type[1], PROM_GAUGE);
	CU_ASSERT_STRING_EQUAL(r.type_name[2], "weird");
	CU_ASSERT_EQUAL(r.type[2], PROM_UNTYPED);

	/* Labels come sorted by name whatever the order on the line. */
	CU_ASSERT_STRING_EQUAL(s[0].name, "node_cpu_seconds_total");
	CU_ASSERT_STRING_EQUAL(s[0].labels, "cpu=0;mode=idle;");
	CU_ASSERT(same_bits(s[0].value, 12345.67));
	CU_ASSERT_EQUAL(s[0].ts_ms, 0);
	CU_ASSERT_STRING_EQUAL(s[1].labels, "cpu=0;mode=user;");
	CU_ASSERT(same_bits(s[1].value, 1500.0));
	CU_ASSERT_EQUAL(s[1].ts_ms, 1700000000000LL);
	CU_ASSERT_STRING_EQUAL(s[2].labels,
			       "device=/dev/sda1;fstype=ext4;mountpoint=/;");
	CU_ASSERT(same_bits(s[2].value, 5.1234e10));
	/* Blanks around the label set and a trailing comma. */
	CU_ASSERT_STRING_EQUAL(s[3].name, "node_filesystem_avail_bytes");
	CU_ASSERT_STRING_EQUAL(s[3].labels, "device=tmpfs;fstype=tmpfs;"
			       "mountpoint=/run/user/1000;");
	CU_ASSERT_EQUAL(s[3].n_labels, 3);
	CU_ASSERT_STRING_EQUAL(s[4].name, "node_load1");
	CU_ASSERT_EQUAL(s[4].n_labels, 0);
	CU_ASSERT(same_bits(s[4].value, 0.42));
	CU_ASSERT_STRING_EQUAL(s[5].labels,
			       "chip=platform_coretemp_0;sensor=temp1;");
	CU_ASSERT(same_bits(s[5].value, -3.25));
	CU_ASSERT_EQUAL(s[5].ts_ms, -1000);
	CU_ASSERT(isnan(s[6].value));
	CU_ASSERT(isinf(s[7].value) && s[7].value > 0);
	CU_ASSERT(isinf(s[8].value) && s[8].value < 0);
	CU_ASSERT_STRING_EQUAL(s[9].labels,
			       "error=Cannot find file:\n\"FILE.TXT\";"
			       "path=C:\\DIR\\FILE.TXT;");
	CU_ASSERT(same_bits(s[9].value, 1.458255915e9));
	CU_ASSERT(same_bits(s[10].value, 2.5e-05));
	CU_ASSERT_EQUAL(s[11].n_labels, 0);
	CU_ASSERT(same_bits(s[11].value, -0.0));
	CU_ASSERT(same_bits(s[12].value, 1.7e9));
	CU_ASSERT_EQUAL(s[12].ts_ms, INT64_MIN);
	/* Last line without '\n'; bytes >= 0x80 pass as they are. */
	CU_ASSERT_STRING_EQUAL(s[13].name, ":colon:name:total");
	CU_ASSERT_STRING_EQUAL(s[13].labels, "le=+Inf;x=\xc3\xa9t\xc3\xa9;");
	CU_ASSERT(same_bits(s[13].value, 0.5));
}

static void test_values(void)
{
	static const struct {
		const char *text;
		double value;
	} ok[] = {
		{ "0", 0.0 }, { "-1", -1.0 }, { "+7", 7.0 }, { "5.", 5.0 },
		{ ".25", 0.25 }, { "1e3", 1000.0 }, { "1E-3", 1e-3 },
		{ "-2.5e+2", -250.0 }, { "0.1", 0.1 },
		{ "1.7976931348623157e308", DBL_MAX },
		{ "4.9406564584124654e-324", 4.9406564584124654e-324 },
		{ "1e-400", 0.0 },	/* underflow becomes 0, as in Go */
		{ "Inf", INFINITY }, { "inf", INFINITY }, { "+inf", INFINITY },
		{ "-Infinity", -INFINITY }, { "INFINITY", INFINITY },
	};
	static const char *const bad[] = {
		"0x1p3", "0x10", "0X1P-2", "1_000", "1e", "1e+", ".", "-", "+",
		"e5", "1.2.3", "--1", "+nan", "-NaN", "nan(1)", "infin", "1,5",
		"1e5x", "12x", "true",
	};
	char doc[64], err[256], want[128];
	static struct rec r;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(doc, sizeof(doc), "m %s\n", ok[i].text);
		CU_ASSERT_EQUAL(parse(doc, &r, err, sizeof(err)), 0);
		CU_ASSERT(r.n == 1 && same_bits(r.s[0].value, ok[i].value));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(doc, sizeof(doc), "m %s\n", bad[i]);
		snprintf(want, sizeof(want), "line 1: value \"%s\" is not a "
			 "number", bad[i]);
		CU_ASSERT_EQUAL(parse(doc, &r, err, sizeof(err)), -EINVAL);
		CU_ASSERT_STRING_EQUAL(err, want);
		CU_ASSERT_EQUAL(r.n, 0);
	}
	CU_ASSERT_EQUAL(parse("m NaN\nm nan\n", &r, err, sizeof(err)), 0);
	CU_ASSERT(r.n == 2 && isnan(r.s[0].value) && isnan(r.s[1].value));
	CU_ASSERT_EQUAL(parse("m 1 9223372036854775807\n", &r, err,
			      sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.s[0].ts_ms, INT64_MAX);
	CU_ASSERT_EQUAL(parse("m 1 +5\n", &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.s[0].ts_ms, 5);
}

/* Each bad document, the code and the exact message. */
static const struct {
	const char *doc;
	int rc;
	const char *err;
} refusals[] = {
	{ "a 1\nb 2\nc{x=\"y} 3\n", -EINVAL,
	  "line 3: label value not terminated" },
	{ "c{x=\"y\\\"} 3\n", -EINVAL, "line 1: label value not terminated" },
	{ "c{x=\"y\\", -EINVAL, "line 1: label value not terminated" },
	{ "m{a=\"\\q\"} 1\n", -EINVAL,
	  "line 1: bad escape \\q in label value" },
	{ "m 1\n\n\n\n\n\nm{cpu=\"0\",mode=\"x\",cpu=\"1\"} 1\n", -EINVAL,
	  "line 7: duplicate label \"cpu\"" },
	{ "x 1\n9bad 1\n", -EINVAL,
	  "line 2: metric name \"9bad\" is not valid" },
	{ "foo-bar 1\n", -EINVAL,
	  "line 1: metric name \"foo-bar\" is not valid" },
	{ "{a=\"b\"} 1\n", -EINVAL,
	  "line 1: missing metric name, found \"{\"" },
	{ "m{0a=\"b\"} 1\n", -EINVAL,
	  "line 1: label name \"0a\" is not valid" },
	{ "m{a-b=\"b\"} 1\n", -EINVAL,
	  "line 1: label name \"a-b\" is not valid" },
	{ "m{a:b=\"b\"} 1\n", -EINVAL,
	  "line 1: label name \"a:b\" is not valid" },
	{ "m{__name__=\"x\"} 1\n", -EINVAL,
	  "line 1: label name \"__name__\" is reserved" },
	{ "m{,} 1\n", -EINVAL, "line 1: missing label name, found \",\"" },
	{ "m{a} 1\n", -EINVAL,
	  "line 1: expected '=' after a label name, found \"}\"" },
	{ "m{a=b} 1\n", -EINVAL, "line 1: expected '\"' to open the value of "
	  "label \"a\", found \"b\"" },
	{ "m{a=\"b\" c=\"d\"} 1\n", -EINVAL,
	  "line 1: expected ',' or '}' after a label, found \"c\"" },
	{ "m{a=\"b\"\n", -EINVAL, "line 1: label set not terminated" },
	{ "m{a=\"b\"}1\n", -EINVAL,
	  "line 1: expected a blank before the value, found \"1\"" },
	{ "m\n", -EINVAL, "line 1: missing value" },
	{ "ok 1\nm{a=\"b\"}  \n", -EINVAL, "line 2: missing value" },
	{ "a 1\n# c\n\nb 2\n# TYPE b gauge\nc 3\n \n\t\nm 12x\nd 4\n",
	  -EINVAL,
	  "line 9: value \"12x\" is not a number" },
	{ "m 1 2 3\n", -EINVAL,
	  "line 1: unexpected \"3\" after the timestamp" },
	{ "m 1 x\n", -EINVAL, "line 1: timestamp \"x\" is not an integer" },
	{ "m 1 1.5\n", -EINVAL, "line 1: timestamp \"1.5\" is not an integer" },
	{ "m 1 -\n", -EINVAL, "line 1: timestamp \"-\" is not an integer" },
	{ "m 1 9223372036854775808\n", -EINVAL,
	  "line 1: timestamp \"9223372036854775808\" is out of range" },
	{ "m 1 -9223372036854775809\n", -EINVAL,
	  "line 1: timestamp \"-9223372036854775809\" is out of range" },
	{ "m 1e999\n", -EINVAL, "line 1: value \"1e999\" is out of range" },
	{ "m -1e999\n", -EINVAL, "line 1: value \"-1e999\" is out of range" },
	{ "m 1\r\n", -EINVAL, "line 1: value \"1\\x0d\" is not a number" },
	{ "m{a=\"x\ry\"} 1\n", -EINVAL,
	  "line 1: label value contains control byte 0x0d" },
	{ "m{a=\"b\xff" "c\"} 1\n", -EINVAL,
	  "line 1: label value is not valid UTF-8" },
	{ "m{a=\"\xc0\xaf\"} 1\n", -EINVAL,
	  "line 1: label value is not valid UTF-8" },
	{ "# TYPE x bogus\n", -EINVAL,
	  "line 1: unknown metric type \"bogus\"" },
	{ "# TYPE x Counter\n", -EINVAL,
	  "line 1: unknown metric type \"Counter\"" },
	{ "# TYPE x\n", -EINVAL, "line 1: missing metric type" },
	{ "# TYPE x gauge extra\n", -EINVAL,
	  "line 1: unexpected \"extra\" after the metric type" },
	{ "# TYPE\n", -EINVAL, "line 1: missing metric name after TYPE" },
	{ "# HELP 9x text\n", -EINVAL,
	  "line 1: metric name \"9x\" is not valid" },
	{ "# HELP x bad \\q\n", -EINVAL, "line 1: bad escape in HELP text" },
};

static void test_refusals(void)
{
	static struct rec r;
	char err[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		rc = parse(refusals[i].doc, &r, err, sizeof(err));
		CU_ASSERT_EQUAL(rc, refusals[i].rc);
		CU_ASSERT_STRING_EQUAL(err, refusals[i].err);
		if (rc != refusals[i].rc || strcmp(err, refusals[i].err))
			fprintf(stderr, "\n  case %zu: rc %d, \"%s\"\n", i, rc,
				err);
	}
}

/* NUL bytes, which a C string cannot carry, and a tiny error buffer. */
static void test_nul_and_err_buffer(void)
{
	static const char doc[] = "a 1\nb{x=\"a\0b\"} 1\n";
	static const char comment[] = "# \0 hidden\n";
	static struct rec r;
	char err[256], small[8];

	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL(promtext_parse(doc, sizeof(doc) - 1, &lim, rec_sample,
				       NULL, &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "line 2: contains a NUL byte");
	CU_ASSERT_EQUAL(r.n, 1);
	CU_ASSERT_EQUAL(promtext_parse(comment, sizeof(comment) - 1, &lim,
				       rec_sample, NULL, &r, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_EQUAL(promtext_parse("9 1", 3, &lim, NULL, NULL, NULL, small,
				       sizeof(small)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(small, "line 1:");
	CU_ASSERT_EQUAL(promtext_parse("9 1", 3, &lim, NULL, NULL, NULL, NULL,
				       0), -EINVAL);
	/* Hostile bytes are quoted, and cut after 40. */
	CU_ASSERT_EQUAL(promtext_parse("m \x01\"\\xxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				       "xxxxxxxxxxxxxxxxxx", 50, &lim, NULL,
				       NULL, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "line 1: value \"\\x01\\\"\\\\xxxxxxxxxxxx"
			       "xxxxxxxxxxxxxxxxxxxxxxxxx\"... is not a "
			       "number");
}

static void test_limits(void)
{
	struct prom_limits small = { 64, 2 };
	char line[2048], err[256];
	static struct rec r;
	size_t i, off;

	/* A line of exactly max_line bytes passes; one more is refused,
	 * with or without its '\n'. */
	memset(line, 'x', 62);
	memcpy(line + 62, " 1\n", 4);
	CU_ASSERT_EQUAL(promtext_parse(line, 64, &small, NULL, NULL, NULL, err,
				       sizeof(err)), 0);
	CU_ASSERT_EQUAL(promtext_parse(line, 65, &small, NULL, NULL, NULL, err,
				       sizeof(err)), 0);
	snprintf(line, sizeof(line), "a 1\n%0100d 1\n", 0);
	CU_ASSERT_EQUAL(promtext_parse(line, strlen(line), &small, NULL, NULL,
				       NULL, err, sizeof(err)), -PB_ETOOBIG);
	CU_ASSERT_STRING_EQUAL(err, "line 2: longer than 64 bytes");
	memset(line, 'x', 63);
	memcpy(line + 63, " 1", 3);
	CU_ASSERT_EQUAL(promtext_parse(line, 65, &small, NULL, NULL, NULL, err,
				       sizeof(err)), -PB_ETOOBIG);
	CU_ASSERT_STRING_EQUAL(err, "line 1: longer than 64 bytes");

	/* max_samples: comments and TYPE lines do not count. */
	CU_ASSERT_EQUAL(promtext_parse("# TYPE a gauge\na 1\nb 2\n", 23,
				       &small, NULL, NULL, NULL, err,
				       sizeof(err)), 0);
	CU_ASSERT_EQUAL(promtext_parse("a 1\nb 2\nc 3\n", 12, &small, NULL,
				       NULL, NULL, err, sizeof(err)),
			-PB_ETOOBIG);
	CU_ASSERT_STRING_EQUAL(err, "line 3: more than 2 samples");

	/* PROM_LABELS_MAX labels pass, one more is refused. */
	off = (size_t)snprintf(line, sizeof(line), "m{");
	for (i = 0; i < PROM_LABELS_MAX; i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off,
					"l%02zu=\"v\",", PROM_LABELS_MAX - i);
	snprintf(line + off, sizeof(line) - off, "} 1\n");
	CU_ASSERT_EQUAL(parse(line, &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.s[0].n_labels, PROM_LABELS_MAX);
	CU_ASSERT_EQUAL(strncmp(r.s[0].labels, "l01=v;l02=v;", 12), 0);
	snprintf(line + off, sizeof(line) - off, "l33=\"v\"} 1\n");
	CU_ASSERT_EQUAL(parse(line, &r, err, sizeof(err)), -PB_ETOOBIG);
	CU_ASSERT_STRING_EQUAL(err, "line 1: more than 32 labels");

	/* Label values: PROM_VALUE_MAX unescaped bytes, escapes counting
	 * once. */
	off = (size_t)snprintf(line, sizeof(line), "m{a=\"\\n");
	memset(line + off, 'v', PROM_VALUE_MAX - 1);
	off += PROM_VALUE_MAX - 1;
	snprintf(line + off, sizeof(line) - off, "\"} 1\n");
	CU_ASSERT_EQUAL(parse(line, &r, err, sizeof(err)), 0);
	snprintf(line + off, sizeof(line) - off, "v\"} 1\n");
	CU_ASSERT_EQUAL(parse(line, &r, err, sizeof(err)), -PB_ETOOBIG);
	CU_ASSERT_STRING_EQUAL(err, "line 1: label value longer than 1024 "
			       "bytes");

	/* Names: PROM_NAME_MAX bytes. */
	memset(line, 'n', PROM_NAME_MAX);
	snprintf(line + PROM_NAME_MAX, sizeof(line) - PROM_NAME_MAX, " 1\n");
	CU_ASSERT_EQUAL(parse(line, &r, err, sizeof(err)), 0);
	snprintf(line + PROM_NAME_MAX, sizeof(line) - PROM_NAME_MAX, "n 1\n");
	CU_ASSERT_EQUAL(parse(line, &r, err, sizeof(err)), -PB_ETOOBIG);
	CU_ASSERT_STRING_EQUAL(err, "line 1: metric name longer than 200 "
			       "bytes");
}

static void test_empty(void)
{
	static struct rec r;
	char err[64] = "x";

	CU_ASSERT_EQUAL(parse("", &r, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(r.n + r.n_types, 0);
	CU_ASSERT_EQUAL(parse("\n\n \t\n# only a comment\n#\n# HELP x\n", &r,
			      err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.n + r.n_types, 0);
	CU_ASSERT_EQUAL(promtext_parse(NULL, 0, &lim, NULL, NULL, NULL, NULL,
				       0), 0);
}

static void test_callback_stops(void)
{
	static struct rec r;
	char err[128];

	memset(&r, 0, sizeof(r));
	r.stop_at = 2;
	r.stop_rc = 42;
	CU_ASSERT_EQUAL(promtext_parse("a 1\nb 2\nc 3\n", 12, &lim, rec_sample,
				       NULL, &r, err, sizeof(err)), 42);
	CU_ASSERT_EQUAL(r.n, 2);
	CU_ASSERT_STRING_EQUAL(err, "line 2: stopped by the caller: refused");
	r.n = 0;
	r.stop_rc = -PB_ETOOBIG;
	CU_ASSERT_EQUAL(promtext_parse("a 1\nb 2\nc 3\n", 12, &lim, rec_sample,
				       NULL, &r, err, sizeof(err)),
			-PB_ETOOBIG);
	CU_ASSERT_EQUAL(r.n, 2);
}

static int stop_type(void *ctx, const char *name, enum prom_type t)
{
	(void)ctx;
	return strcmp(name, "b") == 0 && t == PROM_SUMMARY ? -EPERM : 0;
}

static void test_type_callback_stops(void)
{
	static const char doc[] =
		"# TYPE a gauge\na 1\n# TYPE b summary\nb 2\n";
	static struct rec r;
	char err[128];

	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL(promtext_parse(doc, sizeof(doc) - 1, &lim, rec_sample,
				       stop_type, &r, err, sizeof(err)),
			-EPERM);
	CU_ASSERT_EQUAL(r.n, 1);
	CU_ASSERT_EQUAL(strncmp(err, "line 3: stopped by the caller", 29), 0);
}

static void test_names(void)
{
	char name[PROM_NAME_MAX + 2];

	CU_ASSERT(promtext_metric_name_valid("node_load1"));
	CU_ASSERT(promtext_metric_name_valid(":a:b_C9"));
	CU_ASSERT(promtext_metric_name_valid("__internal"));
	CU_ASSERT(!promtext_metric_name_valid(""));
	CU_ASSERT(!promtext_metric_name_valid(NULL));
	CU_ASSERT(!promtext_metric_name_valid("9a"));
	CU_ASSERT(!promtext_metric_name_valid("a-b"));
	CU_ASSERT(!promtext_metric_name_valid("a b"));
	CU_ASSERT(!promtext_metric_name_valid("\xc3\xa9"));
	CU_ASSERT(promtext_label_name_valid("_a9"));
	CU_ASSERT(!promtext_label_name_valid("a:b"));
	CU_ASSERT(!promtext_label_name_valid("__name__"));
	CU_ASSERT(!promtext_label_name_valid("9"));
	CU_ASSERT(!promtext_label_name_valid(NULL));
	memset(name, 'a', PROM_NAME_MAX);
	name[PROM_NAME_MAX] = '\0';
	CU_ASSERT(promtext_metric_name_valid(name));
	CU_ASSERT(promtext_label_name_valid(name));
	name[PROM_NAME_MAX] = 'a';
	name[PROM_NAME_MAX + 1] = '\0';
	CU_ASSERT(!promtext_metric_name_valid(name));
	CU_ASSERT(!promtext_label_name_valid(name));
}

/* Write the samples below, parse them back, and find every bit again. */
static void test_round_trip(void)
{
	static const struct prom_label extra[] = {
		{ "pod", "rack-1" }, { "node", "n-\"7\"" },
	};
	static const struct prom_label labels[] = {
		{ "path", "C:\\DIR\\x" }, { "msg", "two\nlines\tand a tab" },
		{ "empty", "" }, { "utf8", "\xe2\x82\xac" },
	};
	double values[] = {
		0.1 + 0.2, 0.1, -0.0, 0.0, 1.0, -1.5, DBL_MAX, -DBL_MAX,
		DBL_MIN, 4.9406564584124654e-324, 1e-300, 123456789012345678.0,
		3.141592653589793, 1.0 / 3.0, NAN, INFINITY, -INFINITY,
	};
	int64_t stamps[] = { 0, 1, -1, INT64_MAX, INT64_MIN, 1700000000123 };
	size_t nv = sizeof(values) / sizeof(values[0]);
	struct prom_sample *full;
	static struct rec r;
	struct pbuf b;
	char err[256];
	size_t i, j, k;

	full = calloc(REC_MAX, sizeof(*full));
	CU_ASSERT_PTR_NOT_NULL_FATAL(full);
	pbuf_init(&b, 1 << 20);
	CU_ASSERT_EQUAL(promtext_write_family(&b, "rt_total", "Help with \\ "
					      "and\nnewline.", PROM_COUNTER),
			0);
	for (i = 0; i < nv; i++)
		CU_ASSERT_EQUAL(promtext_write_sample(&b, "rt_total", extra, 2,
						      labels, 4, values[i],
						      stamps[i % 6]), 0);
	CU_ASSERT_EQUAL(promtext_write_sample(&b, "rt_bare", NULL, 0, NULL, 0,
					      42, 0), 0);
	CU_ASSERT_EQUAL(promtext_write_sample(&b, "rt_extra_only", extra, 2,
					      NULL, 0, 1, 0), 0);
	CU_ASSERT_EQUAL(promtext_write_family(&b, "rt_bare", NULL, PROM_GAUGE),
			0);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "rt_bare 42\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "# HELP rt_total Help with \\\\ "
				      "and\\nnewline.\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "{pod=\"rack-1\",node=\"n-\\\"7"
				      "\\\"\",path=\"C:\\\\DIR\\\\x\",msg=\""
				      "two\\nlines\tand a tab\","));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "} 0.30000000000000004"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "} NaN "));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "} +Inf"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "} -Inf"));

	memset(&r, 0, sizeof(r));
	r.full = full;
	CU_ASSERT_EQUAL_FATAL(promtext_parse(b.data, b.len, &lim, rec_sample,
					     rec_type, &r, err, sizeof(err)),
			      0);
	CU_ASSERT_EQUAL_FATAL(r.n, nv + 2);
	CU_ASSERT_EQUAL(r.n_types, 2);
	CU_ASSERT_EQUAL(r.type[1], PROM_GAUGE);
	for (i = 0; i < nv; i++) {
		CU_ASSERT_STRING_EQUAL(full[i].name, "rt_total");
		CU_ASSERT(isnan(values[i]) ? isnan(full[i].value) :
			  same_bits(full[i].value, values[i]));
		CU_ASSERT_EQUAL(full[i].ts_ms, stamps[i % 6]);
		CU_ASSERT_STRING_EQUAL(r.s[i].labels, "empty=;msg=two\nlines"
				       "\tand a tab;node=n-\"7\";path=C:\\DIR"
				       "\\x;pod=rack-1;utf8=\xe2\x82\xac;");
		/* Every written label is there once, with its value. */
		for (j = 0; j < 6; j++) {
			const struct prom_label *w = j < 2 ? &extra[j] :
							     &labels[j - 2];

			for (k = 0; k < full[i].n_labels; k++)
				if (!strcmp(full[i].labels[k].name, w->name))
					break;
			CU_ASSERT(k < full[i].n_labels &&
				  !strcmp(full[i].labels[k].value, w->value));
		}
	}
	CU_ASSERT_STRING_EQUAL(r.s[nv + 1].labels, "node=n-\"7\";pod=rack-1;");
	pbuf_free(&b);
	free(full);
}

static void test_writer_refusals(void)
{
	struct prom_label bad_name[] = { { "__name__", "x" } };
	struct prom_label bad_value[] = { { "a", "x\ry" } };
	struct pbuf b;

	pbuf_init(&b, 4096);
	CU_ASSERT_EQUAL(promtext_write_sample(&b, "ok", NULL, 0, NULL, 0, 1, 0),
			0);
	CU_ASSERT_EQUAL(promtext_write_sample(&b, "9bad", NULL, 0, NULL, 0, 1,
					      0), -EINVAL);
	CU_ASSERT_EQUAL(promtext_write_sample(&b, "m", bad_name, 1, NULL, 0, 1,
					      0), -EINVAL);
	CU_ASSERT_EQUAL(promtext_write_sample(&b, "m", NULL, 0, bad_value, 1,
					      1, 0), -EINVAL);
	CU_ASSERT_EQUAL(promtext_write_family(&b, "m", "h", (enum prom_type)9),
			-EINVAL);
	CU_ASSERT_EQUAL(promtext_write_family(&b, "a b", "h", PROM_GAUGE),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(b.data, "ok 1\n");
	CU_ASSERT_EQUAL(b.overflow, 0);
	pbuf_free(&b);
	pbuf_free(&b);
}

static void test_pbuf_cap(void)
{
	struct prom_label l[] = { { "cpu", "0" }, { "mode", "idle" } };
	struct pbuf b;
	size_t before = 0;
	int rc = 0, i;

	/* Exactly max fits; one byte more does not and changes nothing. */
	pbuf_init(&b, 10);
	CU_ASSERT_EQUAL(pbuf_printf(&b, "%s", "01234"), 0);
	CU_ASSERT_EQUAL(pbuf_append(&b, "56789", 5), 0);
	CU_ASSERT_EQUAL(b.len, 10);
	CU_ASSERT(b.cap <= 11);
	CU_ASSERT_EQUAL(pbuf_append(&b, "x", 1), -PB_ETOOBIG);
	CU_ASSERT_EQUAL(b.overflow, 1);
	CU_ASSERT_EQUAL(b.len, 10);
	CU_ASSERT_STRING_EQUAL(b.data, "0123456789");
	/* Once overflowed, even what would fit is refused. */
	CU_ASSERT_EQUAL(pbuf_append(&b, "", 0), -PB_ETOOBIG);
	pbuf_free(&b);

	/* Samples until the cap: whole lines only, never past max. */
	pbuf_init(&b, 1000);
	for (i = 0; rc == 0 && i < 1000; i++) {
		before = b.len;
		rc = promtext_write_sample(&b, "node_cpu_seconds_total", NULL,
					   0, l, 2, i * 0.1, 1700000000000);
		CU_ASSERT(b.len <= b.max && b.cap <= b.max + 1);
	}
	CU_ASSERT_EQUAL(rc, -PB_ETOOBIG);
	CU_ASSERT_EQUAL(b.overflow, 1);
	CU_ASSERT_EQUAL(b.len, before);
	CU_ASSERT(b.len > 900 && b.len <= 1000);
	CU_ASSERT_EQUAL(b.data[b.len - 1], '\n');
	CU_ASSERT_EQUAL(strlen(b.data), b.len);
	CU_ASSERT_EQUAL(promtext_write_family(&b, "x", NULL, PROM_GAUGE),
			-PB_ETOOBIG);
	CU_ASSERT_EQUAL(pbuf_printf(&b, "x"), -PB_ETOOBIG);
	CU_ASSERT_EQUAL(b.len, before);
	pbuf_free(&b);

	/* Growth by doubling up to a large maximum. */
	pbuf_init(&b, 1 << 20);
	rc = 0;
	for (i = 0; rc == 0 && i < 100000; i++)
		rc = pbuf_append(&b, "0123456789abcdef", 16);
	CU_ASSERT_EQUAL(rc, -PB_ETOOBIG);
	CU_ASSERT_EQUAL(b.len, 1 << 20);
	CU_ASSERT_EQUAL(b.cap, (1 << 20) + 1);
	pbuf_free(&b);
	pbuf_free(&b);
}

static const CU_TestInfo tests[] = {
	{ "node_exporter document", test_document },
	{ "values as Prometheus reads them", test_values },
	{ "malformed lines refused with line and reason", test_refusals },
	{ "NUL bytes, quoting, small error buffers", test_nul_and_err_buffer },
	{ "line, sample, label, value and name limits", test_limits },
	{ "empty documents", test_empty },
	{ "sample callback stops the parse", test_callback_stops },
	{ "type callback stops the parse", test_type_callback_stops },
	{ "name grammar", test_names },
	{ "writer to parser round trip, bit for bit", test_round_trip },
	{ "writer refuses what the parser would", test_writer_refusals },
	{ "pbuf never passes its maximum", test_pbuf_cap },
	CU_TEST_INFO_NULL,
};

static int suite_promtext_register(void)
{
	return unit_add_suite("promtext", NULL, NULL, tests);
}

UNIT_SUITE(suite_promtext_register)
