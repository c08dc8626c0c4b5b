/* test_monitor_remote_write.c: the remote-write sender's pure pieces:
 * the protobuf bytes of a series and a WriteRequest, label order, what a
 * reply means for a batch (no retry on 4xx), back-off, the bounded queue
 * that drops its oldest. */
#include <stdlib.h>
#include <string.h>

#include "remote_write_enc.h"
#include "unit.h"

/* A series with one label and one sample: the exact bytes. */
static void test_series_bytes(void)
{
	static const unsigned char want[] = {
		0x0a, 0x0e, 0x0a, 0x08, '_', '_', 'n', 'a', 'm', 'e', '_',
		'_', 0x12, 0x02, 'u', 'p',			/* Label */
		0x12, 0x0c, 0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,	/* 1.0 */
		0x10, 0xe8, 0x07,				/* 1000 */
	};
	struct rw_label l[] = { { "__name__", "up" } };
	struct pbuf b;

	pbuf_init(&b, 4096);
	CU_ASSERT_EQUAL(rw_enc_series(&b, l, 1, 1.0, 1000), 0);
	CU_ASSERT_EQUAL(b.len, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(b.data, want, sizeof(want)), 0);
	pbuf_free(&b);
}

/* Read a varint at *@p (below @end); -1 past the end. */
static long long unit_varint(const unsigned char **p,
			     const unsigned char *end)
{
	long long v = 0;
	int shift = 0;

	while (*p < end) {
		v |= (long long)(**p & 0x7f) << shift;
		shift += 7;
		if (!(*(*p)++ & 0x80))
			return v;
	}
	return -1;
}

/*
 * Labels are sorted by name whatever order they come in, pod and node
 * among them; empty values are left out; decoded back field by field.
 */
static void test_series_sorted(void)
{
	struct rw_label l[] = {
		{ "node", "n1" }, { "mode", "idle" }, { "pod", "p1" },
		{ "__name__", "cpu" }, { "empty", "" }, { "Zed", "z" },
	};
	const char *want[] = { "Zed", "__name__", "mode", "node", "pod" };
	const unsigned char *p, *end, *le;
	struct pbuf b;
	size_t i = 0;
	long long len;

	pbuf_init(&b, 4096);
	CU_ASSERT_EQUAL_FATAL(rw_enc_series(&b, l, 6, 2.5, 1700000000123LL),
			      0);
	p = (const unsigned char *)b.data;
	end = p + b.len;
	while (p < end && *p == 0x0a) {
		p++;
		len = unit_varint(&p, end);
		le = p + len;
		CU_ASSERT_EQUAL(*p, 0x0a);
		p++;
		len = unit_varint(&p, le);
		CU_ASSERT_FATAL(i < 5);
		CU_ASSERT_EQUAL((size_t)len, strlen(want[i]));
		CU_ASSERT_EQUAL(memcmp(p, want[i], (size_t)len), 0);
		p = le;
		i++;
	}
	CU_ASSERT_EQUAL(i, 5);
	CU_ASSERT_EQUAL(*p, 0x12);	/* the sample follows */
	p += 2 + 1 + 8;
	CU_ASSERT_EQUAL(*p++, 0x10);
	CU_ASSERT_EQUAL(unit_varint(&p, end), 1700000000123LL);
	CU_ASSERT_PTR_EQUAL(p, end);
	pbuf_free(&b);
}

/* No __name__, or too many labels: refused. */
static void test_series_refused(void)
{
	struct rw_label l[RW_LABELS_MAX + 1];
	struct pbuf b;
	size_t i;

	pbuf_init(&b, 4096);
	l[0] = (struct rw_label){ "pod", "p1" };
	CU_ASSERT_EQUAL(rw_enc_series(&b, l, 1, 1, 1), -EINVAL);
	CU_ASSERT_EQUAL(rw_enc_series(&b, l, 0, 1, 1), -EINVAL);
	for (i = 0; i < RW_LABELS_MAX + 1; i++)
		l[i] = (struct rw_label){ "__name__", "x" };
	CU_ASSERT_EQUAL(rw_enc_series(&b, l, RW_LABELS_MAX + 1, 1, 1),
			-EINVAL);
	pbuf_free(&b);
}

/* The value of label @name among @n labels @l, or "(none)". */
static const char *unit_label(const struct rw_label *l, size_t n,
			      const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(l[i].name, name) == 0)
			return l[i].value;
	return "(none)";
}

/*
 * A node's series carry pod and node as /metrics shows them; a pushed
 * label of the same name becomes exported_NAME; grouping labels come
 * along; the server's own series get none.
 */
static void test_labels(void)
{
	struct prom_sample s, g;
	struct rw_label l[RW_LABELS_MAX];
	struct rw_extra x;
	size_t n;

	memset(&s, 0, sizeof(s));
	memset(&x, 0, sizeof(x));
	strcpy(s.name, "node_cpu_seconds_total");
	strcpy(s.labels[0].name, "cpu");
	strcpy(s.labels[0].value, "0");
	strcpy(s.labels[1].name, "node");
	strcpy(s.labels[1].value, "fake");
	s.n_labels = 2;
	x.pod = "p1";
	x.node = "n1";
	n = rw_enc_labels(&x, &s, l);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_STRING_EQUAL(unit_label(l, n, "__name__"),
			       "node_cpu_seconds_total");
	CU_ASSERT_STRING_EQUAL(unit_label(l, n, "pod"), "p1");
	CU_ASSERT_STRING_EQUAL(unit_label(l, n, "node"), "n1");
	CU_ASSERT_STRING_EQUAL(unit_label(l, n, "exported_node"), "fake");
	CU_ASSERT_STRING_EQUAL(unit_label(l, n, "cpu"), "0");
	/* grouping labels (a Pushgateway push) */
	memset(&g, 0, sizeof(g));
	strcpy(g.labels[0].name, "job");
	strcpy(g.labels[0].value, "backup");
	g.n_labels = 1;
	memset(&x, 0, sizeof(x));
	x.group = &g;
	strcpy(s.labels[1].name, "job");
	n = rw_enc_labels(&x, &s, l);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_STRING_EQUAL(unit_label(l, n, "job"), "backup");
	CU_ASSERT_STRING_EQUAL(unit_label(l, n, "exported_job"), "fake");
	CU_ASSERT_STRING_EQUAL(unit_label(l, n, "pod"), "(none)");
	/* the server's own: as they are */
	memset(&x, 0, sizeof(x));
	n = rw_enc_labels(&x, &s, l);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_STRING_EQUAL(unit_label(l, n, "job"), "fake");
}

/* A WriteRequest wraps each series as field 1. */
static void test_request(void)
{
	unsigned char s1[] = { 1, 2, 3 }, s2[200];
	struct rw_blob s[2] = { { s1, 3 }, { s2, 200 } };
	struct pbuf b;

	memset(s2, 7, sizeof(s2));
	pbuf_init(&b, 4096);
	CU_ASSERT_EQUAL_FATAL(rw_enc_request(&b, s, 2), 0);
	CU_ASSERT_EQUAL(b.len, 2 + 3 + 3 + 200);
	CU_ASSERT_EQUAL((unsigned char)b.data[0], 0x0a);
	CU_ASSERT_EQUAL((unsigned char)b.data[1], 3);
	CU_ASSERT_EQUAL((unsigned char)b.data[5], 0x0a);
	CU_ASSERT_EQUAL((unsigned char)b.data[6], 0xc8);	/* 200 */
	CU_ASSERT_EQUAL((unsigned char)b.data[7], 0x01);
	pbuf_free(&b);
}

/* Retry on network errors, 5xx and 429; drop on other 4xx. */
static void test_verdict(void)
{
	CU_ASSERT_EQUAL(rw_enc_verdict(1, 200), RW_SENT);
	CU_ASSERT_EQUAL(rw_enc_verdict(1, 204), RW_SENT);
	CU_ASSERT_EQUAL(rw_enc_verdict(0, 0), RW_RETRY);
	CU_ASSERT_EQUAL(rw_enc_verdict(1, 500), RW_RETRY);
	CU_ASSERT_EQUAL(rw_enc_verdict(1, 503), RW_RETRY);
	CU_ASSERT_EQUAL(rw_enc_verdict(1, 429), RW_RETRY);
	CU_ASSERT_EQUAL(rw_enc_verdict(1, 400), RW_REJECT);
	CU_ASSERT_EQUAL(rw_enc_verdict(1, 401), RW_REJECT);
	CU_ASSERT_EQUAL(rw_enc_verdict(1, 404), RW_REJECT);
	CU_ASSERT_EQUAL(rw_enc_verdict(1, 413), RW_REJECT);
	CU_ASSERT_EQUAL(rw_enc_verdict(1, 302), RW_REJECT);
}

/* Back-off doubles from the minimum up to the maximum and stays. */
static void test_backoff(void)
{
	unsigned int b = 0, prev = 0;
	int i;

	b = rw_enc_backoff(b);
	CU_ASSERT_EQUAL(b, RW_BACKOFF_MIN_MS);
	for (i = 0; i < 20; i++) {
		prev = b;
		b = rw_enc_backoff(b);
		CU_ASSERT_TRUE(b >= prev && b <= RW_BACKOFF_MAX_MS);
	}
	CU_ASSERT_EQUAL(b, RW_BACKOFF_MAX_MS);
	CU_ASSERT_EQUAL(rw_enc_backoff(1000), 2000);
}

/* A blob holding the one byte @v. */
static struct rw_blob unit_blob(unsigned char v)
{
	struct rw_blob b = { malloc(1), 1 };

	b.data[0] = v;
	return b;
}

/* Full: the oldest go, counted; batches come oldest first. */
static void test_queue(void)
{
	struct rw_blob out[4];
	struct rw_queue q;
	size_t n, i;

	CU_ASSERT_EQUAL(rw_queue_init(&q, 0), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(rw_queue_init(&q, 3), 0);
	for (i = 1; i <= 5; i++)
		rw_queue_push(&q, unit_blob((unsigned char)i));
	CU_ASSERT_EQUAL(q.n, 3);
	CU_ASSERT_EQUAL(q.dropped, 2);
	n = rw_queue_take(&q, out, 2);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(out[0].data[0], 3);
	CU_ASSERT_EQUAL(out[1].data[0], 4);
	free(out[0].data);
	free(out[1].data);
	rw_queue_push(&q, unit_blob(6));
	n = rw_queue_take(&q, out, 4);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(out[0].data[0], 5);
	CU_ASSERT_EQUAL(out[1].data[0], 6);
	free(out[0].data);
	free(out[1].data);
	CU_ASSERT_EQUAL(rw_queue_take(&q, out, 4), 0);
	rw_queue_push(&q, unit_blob(7));
	rw_queue_free(&q);
	rw_queue_free(&q);
}

static const CU_TestInfo tests[] = {
	{ "series: exact bytes", test_series_bytes },
	{ "series: labels sorted, empty ones left out", test_series_sorted },
	{ "series: no name or too many labels", test_series_refused },
	{ "labels: pod and node, exported_, grouping", test_labels },
	{ "write request: each series as field 1", test_request },
	{ "verdict: retry 5xx/429/network, never other 4xx", test_verdict },
	{ "back-off: doubles to the maximum", test_backoff },
	{ "queue: bounded, drops the oldest", test_queue },
	CU_TEST_INFO_NULL,
};

/* Register the suite monitor_remote_write. */
static int suite_monitor_remote_write_register(void)
{
	return unit_add_suite("monitor_remote_write", NULL, NULL, tests);
}

UNIT_SUITE(suite_monitor_remote_write_register)
