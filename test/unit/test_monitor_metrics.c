/* test_monitor_metrics.c: the metrics store's decisions: a push's
 * sequence (new, late, duplicate; generations and epochs), staleness,
 * what a document yields (reserved names, duplicate series, the node
 * limit) and which series a Pushgateway POST keeps. */
#include <string.h>

#include "error.h"
#include "metrics_int.h"
#include "unit.h"

/* A node's sequence state as it is before its first push. */
struct seqnode {
	struct store_push_state st;
	struct metrics_seqwin w;
};

/* Classify @seq of @gen and @epoch for @n; the gap change in *@gaps. */
static enum metrics_seq seq(struct seqnode *n, unsigned long long s,
			    unsigned long long gen, unsigned long long epoch,
			    long long *gaps)
{
	return metrics_seq_classify(&n->st, &n->w, s, gen, epoch, gaps);
}

static void test_seq_new_dup_gap(void)
{
	struct seqnode n;
	long long g;

	memset(&n, 0, sizeof(n));
	CU_ASSERT_EQUAL(seq(&n, 1, 1, 0, &g), SEQ_NEW);
	CU_ASSERT_EQUAL(g, 0);
	CU_ASSERT_EQUAL(seq(&n, 1, 1, 0, &g), SEQ_DUPLICATE);
	CU_ASSERT_EQUAL(n.st.duplicates, 1);
	/* 2, 3 and 4 skipped: three gaps */
	CU_ASSERT_EQUAL(seq(&n, 5, 1, 0, &g), SEQ_NEW);
	CU_ASSERT_EQUAL(g, 3);
	CU_ASSERT_EQUAL(n.st.gaps, 3);
	CU_ASSERT_EQUAL(n.st.last_seq, 5);
	/* 3 arrives late: a gap filled, once */
	CU_ASSERT_EQUAL(seq(&n, 3, 1, 0, &g), SEQ_LATE);
	CU_ASSERT_EQUAL(g, -1);
	CU_ASSERT_EQUAL(n.st.gaps, 2);
	CU_ASSERT_EQUAL(seq(&n, 3, 1, 0, &g), SEQ_DUPLICATE);
	CU_ASSERT_EQUAL(g, 0);
	CU_ASSERT_EQUAL(n.st.duplicates, 2);
	/* seq 0: no sequence at all (Pushgateway), always new */
	CU_ASSERT_EQUAL(seq(&n, 0, 1, 0, &g), SEQ_NEW);
	CU_ASSERT_EQUAL(n.st.last_seq, 5);
}

static void test_seq_window(void)
{
	struct seqnode n;
	long long g;

	memset(&n, 0, sizeof(n));
	CU_ASSERT_EQUAL(seq(&n, 1, 1, 0, &g), SEQ_NEW);
	CU_ASSERT_EQUAL(seq(&n, 2 + METRICS_SEQ_WINDOW, 1, 0, &g), SEQ_NEW);
	CU_ASSERT_EQUAL(g, METRICS_SEQ_WINDOW);
	/* inside the window and never seen: late */
	CU_ASSERT_EQUAL(seq(&n, 3, 1, 0, &g), SEQ_LATE);
	/* below the window: taken for a duplicate */
	CU_ASSERT_EQUAL(seq(&n, 2, 1, 0, &g), SEQ_DUPLICATE);
	/* a restart restores everything as seen */
	metrics_seq_all_seen(&n.w);
	CU_ASSERT_EQUAL(seq(&n, 4, 1, 0, &g), SEQ_DUPLICATE);
}

static void test_seq_generation(void)
{
	struct seqnode n;
	long long g;

	memset(&n, 0, sizeof(n));
	CU_ASSERT_EQUAL(seq(&n, 9, 1, 0, &g), SEQ_NEW);
	/* a reinstalled node counts from 1 again with a newer token */
	CU_ASSERT_EQUAL(seq(&n, 1, 2, 0, &g), SEQ_NEW);
	CU_ASSERT_EQUAL(n.st.generation, 2);
	CU_ASSERT_EQUAL(n.st.last_seq, 1);
	CU_ASSERT_EQUAL(g, 0);
	/* the old token's pushes are duplicates */
	CU_ASSERT_EQUAL(seq(&n, 10, 1, 0, &g), SEQ_DUPLICATE);
	CU_ASSERT_EQUAL(n.st.last_seq, 1);
}

static void test_seq_epoch(void)
{
	struct seqnode n;
	long long g;

	memset(&n, 0, sizeof(n));
	CU_ASSERT_EQUAL(seq(&n, 7, 1, 100, &g), SEQ_NEW);
	CU_ASSERT_EQUAL(n.st.epoch, 100);
	/* the agent lost its sequence file: a new epoch counts from 1 */
	CU_ASSERT_EQUAL(seq(&n, 1, 1, 200, &g), SEQ_NEW);
	CU_ASSERT_EQUAL(n.st.epoch, 200);
	CU_ASSERT_EQUAL(n.st.last_seq, 1);
	/* a spooled batch of the epoch before: delivered, never newer */
	CU_ASSERT_EQUAL(seq(&n, 8, 1, 100, &g), SEQ_LATE);
	CU_ASSERT_EQUAL(n.st.last_seq, 1);
	/* epoch 0 stays in the current window */
	CU_ASSERT_EQUAL(seq(&n, 1, 1, 0, &g), SEQ_DUPLICATE);
	CU_ASSERT_EQUAL(seq(&n, 2, 1, 0, &g), SEQ_NEW);
	CU_ASSERT_EQUAL(n.st.epoch, 200);
}

static void test_fresh(void)
{
	/* never pushed: down */
	CU_ASSERT_FALSE(metrics_fresh(0, 15, 3, 1000));
	/* down_after intervals: up at the bound, down past it */
	CU_ASSERT_TRUE(metrics_fresh(1000, 15, 3, 1045));
	CU_ASSERT_FALSE(metrics_fresh(1000, 15, 3, 1046));
	/* interval 0: a Pushgateway group's */
	CU_ASSERT_TRUE(metrics_fresh(1000, 0, 3,
				     1000 + 3 * METRICS_GROUP_STALE_S));
	CU_ASSERT_FALSE(metrics_fresh(1000, 0, 3,
				      1001 + 3 * METRICS_GROUP_STALE_S));
}

/* Parse @doc with at most @max series and @group; its refusal. */
static enum metrics_refusal parse(struct metrics_parse *mp, const char *doc,
				  size_t max, const char *group,
				  struct metrics_result *res)
{
	memset(res, 0, sizeof(*res));
	metrics_parse_init(mp, group, max, 1 << 20);
	CU_ASSERT_EQUAL(metrics_parse_doc(mp, doc, strlen(doc), res), 0);
	return res->refusal;
}

/* The labels text of series @i once the arena stops moving. */
static const char *labels_of(struct metrics_parse *mp, size_t i)
{
	return mp->arena.data + mp->series[i].labels_off;
}

static void test_parse_ok(void)
{
	struct metrics_parse mp;
	struct metrics_result res;

	CU_ASSERT_EQUAL(parse(&mp, "# TYPE load gauge\nload{cpu=\"0\"} 1\n"
				   "load{cpu=\"1\"} 2\nup 1\n",
			      8, NULL, &res),
			METRICS_OK);
	CU_ASSERT_EQUAL(mp.n, 3);
	CU_ASSERT_EQUAL(mp.series[0].type, PROM_GAUGE);
	CU_ASSERT_EQUAL(mp.series[2].type, PROM_UNTYPED);
	CU_ASSERT_STRING_EQUAL(labels_of(&mp, 1), "cpu=\"1\"");
	metrics_parse_free(&mp);
	/* labels the server adds are renamed exported_ */
	CU_ASSERT_EQUAL(parse(&mp, "x{pod=\"a\",job=\"j\",z=\"q\"} 1\n", 8,
			      "job=\"j\"", &res),
			METRICS_OK);
	CU_ASSERT_STRING_EQUAL(labels_of(&mp, 0),
			       "exported_job=\"j\",exported_pod=\"a\","
			       "z=\"q\"");
	metrics_parse_free(&mp);
	metrics_parse_free(&mp);	/* twice is safe */
}

static void test_parse_refusals(void)
{
	struct metrics_parse mp;
	struct metrics_result res;

	/* the same series twice (labels sorted by the parser) */
	CU_ASSERT_EQUAL(parse(&mp, "a{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 2\n",
			      8, NULL, &res),
			METRICS_MALFORMED);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.err, "given twice"));
	metrics_parse_free(&mp);
	/* distinct labels are distinct series */
	CU_ASSERT_EQUAL(parse(&mp, "a{x=\"1\"} 1\na{x=\"2\"} 2\n", 8, NULL,
			      &res),
			METRICS_OK);
	metrics_parse_free(&mp);
	/* the server's own families; agents' are allowed */
	CU_ASSERT_EQUAL(parse(&mp, "podboot_series 1\n", 8, NULL, &res),
			METRICS_MALFORMED);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.err, "line 1: name reserved"));
	/* the refusal names the metric and why */
	CU_ASSERT_PTR_NOT_NULL(strstr(res.err, "metric podboot_series: "
					       "names starting podboot_ are "
					       "the server's own"));
	metrics_parse_free(&mp);
	CU_ASSERT_EQUAL(parse(&mp, "podboot_agent_up 1\n", 8, NULL, &res),
			METRICS_OK);
	metrics_parse_free(&mp);
	/* exported_pod beside pod would repeat a label */
	CU_ASSERT_EQUAL(parse(&mp, "a{pod=\"x\",exported_pod=\"y\"} 1\n", 8,
			      NULL, &res),
			METRICS_MALFORMED);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.err, "line 1: name reserved: label "
					       "exported_pod of a: the server "
					       "renames"));
	metrics_parse_free(&mp);
	/* over the node's limit */
	CU_ASSERT_EQUAL(parse(&mp, "a 1\nb 2\nc 3\n", 2, NULL, &res),
			METRICS_NODE_LIMIT);
	CU_ASSERT_STRING_EQUAL(res.err, "more than 2 series for one node");
	metrics_parse_free(&mp);
	CU_ASSERT_EQUAL(parse(&mp, "a 1\nb 2\n", 2, NULL, &res), METRICS_OK);
	metrics_parse_free(&mp);
	/* not the text format */
	CU_ASSERT_EQUAL(parse(&mp, "a{ 1\n", 8, NULL, &res),
			METRICS_MALFORMED);
	metrics_parse_free(&mp);
}

static void test_merge(void)
{
	struct metrics_parse old, mp;
	struct metrics_result res;

	CU_ASSERT_EQUAL(parse(&old, "a{i=\"1\"} 1\na{i=\"2\"} 2\nb 3\n", 8,
			      NULL, &res),
			METRICS_OK);
	metrics_parse_fix_pointers(old.series, old.n, old.arena.data);
	/* a POST of a: both old a's replaced, b kept */
	CU_ASSERT_EQUAL(parse(&mp, "a{i=\"3\"} 4\n", 8, NULL, &res),
			METRICS_OK);
	CU_ASSERT_EQUAL(metrics_parse_merge(&mp, old.series, old.n), 0);
	CU_ASSERT_EQUAL(mp.n, 2);
	CU_ASSERT_STRING_EQUAL(mp.arena.data + mp.series[1].name_off, "b");
	CU_ASSERT_EQUAL(mp.series[1].value, 3);
	metrics_parse_free(&mp);
	/* what is kept counts against the limit */
	CU_ASSERT_EQUAL(parse(&mp, "c 1\nd 2\n", 3, NULL, &res), METRICS_OK);
	CU_ASSERT_EQUAL(metrics_parse_merge(&mp, old.series, old.n),
			-PB_ETOOBIG);
	CU_ASSERT_TRUE(mp.over);
	metrics_parse_free(&mp);
	metrics_parse_free(&old);
}

static const CU_TestInfo tests[] = {
	{ "seq: new, duplicate, gaps and late", test_seq_new_dup_gap },
	{ "seq: the window of late batches", test_seq_window },
	{ "seq: token generations", test_seq_generation },
	{ "seq: agent epochs", test_seq_epoch },
	{ "staleness", test_fresh },
	{ "push: series parsed", test_parse_ok },
	{ "push: refusals", test_parse_refusals },
	{ "Pushgateway POST: which series stay", test_merge },
	CU_TEST_INFO_NULL,
};

static int suite_monitor_metrics_register(void)
{
	return unit_add_suite("monitor_metrics", NULL, NULL, tests);
}

UNIT_SUITE(suite_monitor_metrics_register)
