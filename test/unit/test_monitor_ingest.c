/* test_monitor_ingest.c: what a push's request says, decided without
 * I/O: push headers, a relay batch's frame heads and their refusals,
 * the Pushgateway grouping path, and the service discovery targets of a
 * configuration. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_parse.h"
#include "unit.h"

static void test_number(void)
{
	CU_ASSERT_EQUAL(ingest_number(NULL, 15, 100), 15);
	CU_ASSERT_EQUAL(ingest_number("42", 15, 100), 42);
	CU_ASSERT_EQUAL(ingest_number("100", 15, 100), 100);
	CU_ASSERT_EQUAL(ingest_number("101", 15, 100), -1);
	CU_ASSERT_EQUAL(ingest_number("-1", 15, 100), -1);
	CU_ASSERT_EQUAL(ingest_number("1x", 15, 100), -1);
	CU_ASSERT_EQUAL(ingest_number("", 15, 100), -1);
}

static void test_push_headers(void)
{
	struct ingest_frame h;
	const char *why = NULL;

	memset(&h, 0, sizeof(h));
	CU_ASSERT_EQUAL(ingest_push_headers(NULL, NULL, NULL, &h, &why), 0);
	CU_ASSERT_EQUAL(h.seq, 0);
	CU_ASSERT_EQUAL(h.interval, 15);
	CU_ASSERT_EQUAL(h.epoch, 0);
	CU_ASSERT_EQUAL(ingest_push_headers("7", "60", "9007199254740991", &h,
					    &why),
			0);
	CU_ASSERT_EQUAL(h.seq, 7);
	CU_ASSERT_EQUAL(h.interval, 60);
	CU_ASSERT_EQUAL(h.epoch, 9007199254740991ULL);
	CU_ASSERT_EQUAL(ingest_push_headers("x", NULL, NULL, &h, &why),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "X-Podboot-Seq"));
	CU_ASSERT_EQUAL(ingest_push_headers(NULL, "0", NULL, &h, &why),
			-EINVAL);
	CU_ASSERT_EQUAL(ingest_push_headers(NULL, "3601", NULL, &h, &why),
			-EINVAL);
	CU_ASSERT_EQUAL(ingest_push_headers(NULL, NULL, "9007199254740992",
					    &h, &why),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "X-Podboot-Epoch"));
}

/* ingest_frame_header of a copy of @head. */
static int frame(const char *head, struct ingest_frame *f)
{
	char line[256];

	snprintf(line, sizeof(line), "%s", head);
	return ingest_frame_header(line, f);
}

static void test_frame_header(void)
{
	struct ingest_frame f;

	CU_ASSERT_EQUAL(frame("PUSH tok 5 15 1 gzip 120", &f), 0);
	CU_ASSERT_STRING_EQUAL(f.token, "tok");
	CU_ASSERT_EQUAL(f.seq, 5);
	CU_ASSERT_EQUAL(f.interval, 15);
	CU_ASSERT_TRUE(f.replay);
	CU_ASSERT_TRUE(f.gzip);
	CU_ASSERT_EQUAL(f.len, 120);
	CU_ASSERT_EQUAL(f.epoch, 0);
	CU_ASSERT_PTR_NULL(f.bad);
	CU_ASSERT_EQUAL(frame("PUSH tok 5 15 0 identity 0 77", &f), 0);
	CU_ASSERT_EQUAL(f.epoch, 77);
	CU_ASSERT_FALSE(f.gzip);
	/* the batch cannot go on */
	CU_ASSERT_EQUAL(frame("PUSH tok 5 15 0 identity", &f), -EINVAL);
	CU_ASSERT_EQUAL(frame("POST tok 5 15 0 identity 1", &f), -EINVAL);
	CU_ASSERT_EQUAL(frame("PUSH tok 5 15 0 br 1", &f), -EINVAL);
	CU_ASSERT_EQUAL(frame("PUSH tok 5 15 0 gzip x", &f), -EINVAL);
	CU_ASSERT_EQUAL(frame("PUSH tok  5 15 0 gzip 1", &f), -EINVAL);
	CU_ASSERT_EQUAL(frame("PUSH tok 5 15 0 gzip 1 2 3", &f), -EINVAL);
	CU_ASSERT_EQUAL(frame("PUSH tok 5 15 0 gzip 1 ", &f), -EINVAL);
	/* this frame alone is refused */
	CU_ASSERT_EQUAL(frame("PUSH tok x 15 0 gzip 1", &f), 0);
	CU_ASSERT_PTR_NOT_NULL(f.bad);
	CU_ASSERT_EQUAL(f.seq, 0);
	CU_ASSERT_EQUAL(frame("PUSH tok 5 15 2 gzip 1", &f), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.bad, "replay"));
	CU_ASSERT_EQUAL(frame("PUSH tok 5 15 0 gzip 1 -3", &f), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.bad, "epoch"));
}

static void test_frame_refusal(void)
{
	struct ingest_frame f;
	unsigned int status = 1;

	memset(&f, 0, sizeof(f));
	f.len = 100;
	CU_ASSERT_PTR_NULL(ingest_frame_refusal(1, 1, 100, &f, &status));
	CU_ASSERT_EQUAL(status, 0);
	/* in order: token, configuration, size, numbers */
	f.bad = "numbers";
	f.len = 101;
	CU_ASSERT_STRING_EQUAL(ingest_frame_refusal(0, 0, 100, &f, &status),
			       "invalid node token");
	CU_ASSERT_EQUAL(status, 401);
	ingest_frame_refusal(1, 0, 100, &f, &status);
	CU_ASSERT_EQUAL(status, 403);
	ingest_frame_refusal(1, 1, 100, &f, &status);
	CU_ASSERT_EQUAL(status, 413);
	f.len = 100;
	CU_ASSERT_STRING_EQUAL(ingest_frame_refusal(1, 1, 100, &f, &status),
			       "numbers");
	CU_ASSERT_EQUAL(status, 400);
}

/* ingest_grouping of @path: its rc, the labels or the reason in @out. */
static int grouping(const char *path, char *out, size_t size)
{
	char why[256];
	int rc = ingest_grouping(path, out, size, why, sizeof(why));

	size_t len;

	if (rc != 0 && size) {
		len = strlen(why) < size ? strlen(why) : size - 1;
		memcpy(out, why, len);
		out[len] = '\0';
	}
	return rc;
}

static void test_grouping(void)
{
	char out[128];

	CU_ASSERT_EQUAL(grouping("batch", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "job=\"batch\"");
	CU_ASSERT_EQUAL(grouping("batch/instance/h1/zone/é", out,
				 sizeof(out)),
			0);
	CU_ASSERT_STRING_EQUAL(out, "job=\"batch\",instance=\"h1\","
				    "zone=\"é\"");
	/* a label without value, no job, names the server keeps */
	CU_ASSERT_EQUAL(grouping("batch/instance", out, sizeof(out)),
			-EINVAL);
	CU_ASSERT_EQUAL(grouping("", out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(grouping("b/pod/x", out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(grouping("b/node/x", out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(grouping("b/job/x", out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(grouping("b/1bad/x", out, sizeof(out)), -EINVAL);
	/* values that would forge lines or break the exposition */
	CU_ASSERT_EQUAL(grouping("b/i/a\"b", out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(grouping("b/i/a\nb", out, sizeof(out)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "control character"));
	CU_ASSERT_EQUAL(grouping("b/i/\xff", out, sizeof(out)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "UTF-8"));
	/* too long for the buffer */
	CU_ASSERT_EQUAL(grouping("batch/instance/h1", out, 16), -EINVAL);
}

static void test_sd(void)
{
	struct config_pod pods[2];
	struct config_node nodes[3];
	struct config *cfg = calloc(1, sizeof(*cfg));
	json_t *g, *t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	memset(pods, 0, sizeof(pods));
	memset(nodes, 0, sizeof(nodes));
	snprintf(pods[0].name, sizeof(pods[0].name), "p1");
	snprintf(pods[0].site, sizeof(pods[0].site), "lyon");
	snprintf(pods[1].name, sizeof(pods[1].name), "p2");
	snprintf(pods[1].site, sizeof(pods[1].site), "nice");
	snprintf(nodes[0].hostname, sizeof(nodes[0].hostname), "a");
	snprintf(nodes[0].address, sizeof(nodes[0].address), "127.0.0.5");
	nodes[0].pod = &pods[0];
	snprintf(nodes[1].hostname, sizeof(nodes[1].hostname), "b");
	nodes[1].pod = &pods[1];
	snprintf(nodes[2].hostname, sizeof(nodes[2].hostname), "c");
	nodes[2].pod = &pods[0];
	cfg->pods = pods;
	cfg->n_pods = 2;
	cfg->nodes = nodes;
	cfg->n_nodes = 3;
	g = ingest_sd_groups(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(json_array_size(g), 2);
	t = json_object_get(json_array_get(g, 0), "targets");
	CU_ASSERT_EQUAL(json_array_size(t), 2);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(t, 0)),
			       "127.0.0.5");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(t, 1)), "c");
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(
			json_object_get(json_array_get(g, 1), "labels"),
			"__meta_podboot_site")),
		"nice");
	t = json_object_get(json_array_get(g, 1), "targets");
	CU_ASSERT_EQUAL(json_array_size(t), 1);
	json_decref(g);
	/* no pods: an empty list, not an error */
	cfg->n_pods = 0;
	g = ingest_sd_groups(cfg);
	CU_ASSERT_EQUAL(json_array_size(g), 0);
	json_decref(g);
	free(cfg);
}

static const CU_TestInfo tests[] = {
	{ "numbers of headers and fields", test_number },
	{ "push headers", test_push_headers },
	{ "batch frame heads", test_frame_header },
	{ "batch frame refusals and their order", test_frame_refusal },
	{ "Pushgateway grouping path", test_grouping },
	{ "service discovery targets", test_sd },
	CU_TEST_INFO_NULL,
};

static int suite_monitor_ingest_register(void)
{
	return unit_add_suite("monitor_ingest", NULL, NULL, tests);
}

UNIT_SUITE(suite_monitor_ingest_register)
