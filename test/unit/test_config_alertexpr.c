/* test_config_alertexpr.c: monitoring settings and alert rules. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "fileio.h"
#include "test_config.h"
#include "token.h"
#include "unit.h"

/* ---- Tokens ---- */

/* Monitoring defaults, alert rules parsed, and each refusal at its line. */
static void test_alerts(void)
{
	struct config *cfg;
	const struct config_alert *a;

	cfg = test_config_ok("mon0.conf", T_HEAD);
	CU_ASSERT_EQUAL(cfg->down_after, 3);
	CU_ASSERT_EQUAL(cfg->max_series_node, 10000);
	CU_ASSERT_EQUAL(cfg->max_push, 8192ULL << 10);
	CU_ASSERT_EQUAL(cfg->n_alertmanagers, 0);
	config_free(cfg);
	/* Sizes in KiB (config_key_shifted), bounds checked first. */
	cfg = test_config_ok("mon1.conf", T_HEAD "monitoring = { "
			     "max_push_kb = 1048576; down_after = 100; };\n");
	CU_ASSERT_EQUAL(cfg->max_push, 1048576ULL << 10);
	CU_ASSERT_EQUAL(cfg->down_after, 100);
	config_free(cfg);
	test_config_refused(T_HEAD "monitoring = { max_push_kb = 15; };\n",
			    T_HEAD_LINES + 1, "15 is out of range");
	test_config_refused(T_HEAD "monitoring = { down_after = 101; };\n",
			    T_HEAD_LINES + 1, "101 is out of range");
	cfg = test_config_ok(
		"mon.conf",
		T_HEAD "monitoring = { down_after = 5; alertmanagers = [ "
		       "\"http://127.0.0.1:9093\", \"https://am.example:9093\" ]; };\n"
		       "alerts = ( { name = \"DiskFull\"; expr = "
		       "\"node_filesystem_avail_bytes{mountpoint=\\\"/\\\", "
		       "fstype=\\\"ext4\\\"} < 1e9\"; for = 300;\n"
		       "  labels = { severity = \"critical\"; };\n"
		       "  annotations = { summary = \"{{node}} is full\"; "
		       "runbook = \"x\"; }; },\n"
		       "  { name = \"Load\"; expr = \"node_load1>=4\"; } );\n");
	CU_ASSERT_EQUAL_FATAL(cfg->n_alerts, 2);
	a = &cfg->alerts[0];
	CU_ASSERT_EQUAL(cfg->down_after, 5);
	CU_ASSERT_EQUAL(cfg->n_alertmanagers, 2);
	CU_ASSERT_STRING_EQUAL(a->metric, "node_filesystem_avail_bytes");
	CU_ASSERT_EQUAL(a->n_match, 2);
	CU_ASSERT_STRING_EQUAL(a->match[1].name, "fstype");
	CU_ASSERT_STRING_EQUAL(a->match[1].value, "ext4");
	CU_ASSERT_EQUAL(a->op, CONFIG_LT);
	CU_ASSERT_DOUBLE_EQUAL(a->threshold, 1e9, 0.5);
	CU_ASSERT_EQUAL(a->for_s, 300);
	CU_ASSERT_EQUAL(a->n_labels, 1);
	CU_ASSERT_EQUAL(a->n_annotations, 2);
	CU_ASSERT_STRING_EQUAL(a->annotations[1].name, "runbook");
	CU_ASSERT_EQUAL(cfg->alerts[1].op, CONFIG_GE);
	config_free(cfg);

	test_config_refused(T_HEAD "alerts = ( { name = \"A\"; "
				   "expr = \"node_load1 ~ 4\"; } );\n",
			    8, "is not an alert expression");
	test_config_refused(T_HEAD "alerts = ( { name = \"A\"; "
				   "expr = \"9bad > 4\"; } );\n",
			    8, "is not an alert expression");
	test_config_refused(T_HEAD "alerts = ( { name = \"A\"; "
				   "expr = \"x > 4 junk\"; } );\n",
			    8, "is not an alert expression");
	test_config_refused(T_HEAD "alerts = ( { name = \"bad-name\"; "
				   "expr = \"x > 4\"; } );\n",
			    8, "is not an alert name");
	test_config_refused(T_HEAD "alerts = ( { name = \"A\"; expr = \"x > 1\"; },\n"
				   " { name = \"A\"; expr = \"y > 1\"; } );\n",
			    9, "is a duplicate");
	test_config_refused(T_HEAD "monitoring = { alertmanagers = "
				   "[ \"ftp://x\" ]; };\n",
			    8, "is not an Alertmanager URL");
	test_config_refused(T_HEAD "monitoring = { down_after = 1; };\n", 8,
			    "down_after");
}

static const CU_TestInfo tests[] = {
	{ "monitoring and alert rules", test_alerts },
	CU_TEST_INFO_NULL,
};

static int suite_config_alertexpr_register(void)
{
	return unit_add_suite("config_alertexpr", NULL, NULL, tests);
}

UNIT_SUITE(suite_config_alertexpr_register)
