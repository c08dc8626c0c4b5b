/* test_provision_podset.c: a pod's artifact set: its profiles' kernels and
 * initrds, its nodes' profiles, its intent; sorted, each once, bounded. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "podcache.h"
#include "podset.h"
#include "unit.h"

static struct config_profile profiles[3] = {
	{ .name = "rocky", .kernel = "el9/vmlinuz", .initrd = "el9/initrd" },
	{ .name = "deb", .kernel = "deb/vmlinuz", .initrd = "deb/initrd" },
	{ .name = "other", .kernel = "x/vmlinuz", .initrd = "x/initrd" },
};

static struct config_pod pods[2] = {
	{ .name = "p1", .profile = "rocky" },
	{ .name = "p2", .profile = "other" },
};

/* A configuration: p1 (default rocky) with a node on deb, p2 on other. */
static struct config cfg_of(struct config_node *nodes)
{
	struct config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.profiles = profiles;
	cfg.n_profiles = 3;
	cfg.pods = pods;
	cfg.n_pods = 2;
	memset(nodes, 0, 2 * sizeof(*nodes));
	nodes[0].pod = &pods[0];
	nodes[0].profile = &profiles[1];
	nodes[1].pod = &pods[1];
	nodes[1].profile = &profiles[2];
	cfg.nodes = nodes;
	cfg.n_nodes = 2;
	return cfg;
}

static void test_profiles_and_nodes(void)
{
	struct config_node nodes[2];
	struct config cfg = cfg_of(nodes);
	static struct podset s;

	pods[0].n_artifacts = 0;
	CU_ASSERT_EQUAL_FATAL(podset_names(&cfg, &pods[0], &s), 0);
	CU_ASSERT_EQUAL_FATAL(s.n, 4);
	CU_ASSERT_STRING_EQUAL(s.names[0], "deb/initrd");
	CU_ASSERT_STRING_EQUAL(s.names[1], "deb/vmlinuz");
	CU_ASSERT_STRING_EQUAL(s.names[2], "el9/initrd");
	CU_ASSERT_STRING_EQUAL(s.names[3], "el9/vmlinuz");
	/* Another pod's profile is not in it. */
	CU_ASSERT_EQUAL_FATAL(podset_names(&cfg, &pods[1], &s), 0);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT_STRING_EQUAL(s.names[0], "x/initrd");
}

static void test_intent(void)
{
	struct config_node nodes[2];
	struct config cfg = cfg_of(nodes);
	static struct podset s;

	strcpy(pods[0].artifacts[0], "images/rocky9.img");
	strcpy(pods[0].artifacts[1], "el9/vmlinuz");	/* already in */
	pods[0].n_artifacts = 2;
	CU_ASSERT_EQUAL_FATAL(podset_names(&cfg, &pods[0], &s), 0);
	CU_ASSERT_EQUAL(s.n, 5);
	CU_ASSERT_STRING_EQUAL(s.names[4], "images/rocky9.img");
	pods[0].n_artifacts = 0;
}

static void test_bounded(void)
{
	struct config_node *nodes = calloc(PODSET_MAX, sizeof(*nodes));
	struct config_profile *many = calloc(PODSET_MAX, sizeof(*many));
	struct config cfg;
	static struct podset s;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(nodes);
	CU_ASSERT_PTR_NOT_NULL_FATAL(many);
	memset(&cfg, 0, sizeof(cfg));
	for (i = 0; i < PODSET_MAX; i++) {
		snprintf(many[i].kernel, sizeof(many[i].kernel), "k%zu", i);
		snprintf(many[i].initrd, sizeof(many[i].initrd), "i%zu", i);
		nodes[i].pod = &pods[0];
		nodes[i].profile = &many[i];
	}
	cfg.nodes = nodes;
	cfg.n_nodes = PODSET_MAX / 2;	/* exactly PODSET_MAX names */
	CU_ASSERT_EQUAL(podset_names(&cfg, &pods[0], &s), 0);
	CU_ASSERT_EQUAL(s.n, PODSET_MAX);
	cfg.n_nodes = PODSET_MAX / 2 + 1;
	CU_ASSERT_EQUAL(podset_names(&cfg, &pods[0], &s), -PB_ETOOBIG);
	free(nodes);
	free(many);
}

#define PH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define PH_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* A cache's report: checked, and a digest keeps the time it was first
 * held while reports keep listing it. */
static void test_cache_report(void)
{
	static struct podcache_report rep, got;
	static const char *const bad[] = {
		"",
		"[]",
		"{\"held\": [], \"served\": []}",
		"{\"since\": -1, \"held\": [], \"served\": []}",
		"{\"since\": 1, \"held\": [\"" PH_A "x\"], \"served\": []}",
		"{\"since\": 1, \"held\": [\"../etc\"], \"served\": []}",
		"{\"since\": 1, \"held\": [], \"served\": [{\"node\": "
		"\"a/b\", \"sha256\": \"" PH_A "\", \"count\": 1, "
		"\"bytes\": 1}]}",
		"{\"since\": 1, \"held\": [], \"served\": [{\"node\": "
		"\"n1\", \"sha256\": \"" PH_A "\", \"count\": -1, "
		"\"bytes\": 1}]}",
		"{\"since\": 1, \"since\": 2, \"held\": [], \"served\": []}",
	};
	const char *one = "{\"since\": 5, \"held\": [\"" PH_A "\"], "
			  "\"served\": [{\"node\": \"n1\", \"sha256\": \""
			  PH_A "\", \"count\": 3, \"bytes\": 30}]}";
	const char *two = "{\"since\": 5, \"held\": [\"" PH_A "\", \"" PH_B
			  "\"], \"served\": []}";
	char why[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(podcache_parse(bad[i], strlen(bad[i]), &rep,
					       why, sizeof(why)), -EINVAL);
	podcache_clear();
	CU_ASSERT_EQUAL(podcache_get("p1", &got), -ENOENT);
	CU_ASSERT_EQUAL_FATAL(podcache_parse(one, strlen(one), &rep, why,
					     sizeof(why)), 0);
	CU_ASSERT_EQUAL(rep.n_served, 1);
	CU_ASSERT_EQUAL(rep.served[0].count, 3);
	CU_ASSERT_EQUAL(podcache_put("p1", &rep, 1000), 0);
	CU_ASSERT_EQUAL_FATAL(podcache_parse(two, strlen(two), &rep, why,
					     sizeof(why)), 0);
	CU_ASSERT_EQUAL(podcache_put("p1", &rep, 2000), 0);
	CU_ASSERT_EQUAL_FATAL(podcache_get("p1", &got), 0);
	CU_ASSERT_EQUAL(podcache_held_at(&got, PH_A), 1000);	/* kept */
	CU_ASSERT_EQUAL(podcache_held_at(&got, PH_B), 2000);
	CU_ASSERT_EQUAL(got.reported, 2000);
	CU_ASSERT_EQUAL(got.n_served, 0);	/* a report replaces */
	CU_ASSERT_EQUAL(podcache_get("p2", &got), -ENOENT);
	CU_ASSERT_EQUAL_FATAL(podcache_parse(one, strlen(one), &rep, why,
					     sizeof(why)), 0);
	CU_ASSERT_EQUAL(podcache_put("p1", &rep, 3000), 0);
	CU_ASSERT_EQUAL_FATAL(podcache_get("p1", &got), 0);
	CU_ASSERT_EQUAL(podcache_held_at(&got, PH_A), 1000);
	CU_ASSERT_EQUAL(podcache_held_at(&got, PH_B), 0);	/* dropped */
	podcache_clear();
}

static const CU_TestInfo test_provision_podset_tests[] = {
	{ "its profiles' and its nodes' kernels and initrds",
	  test_profiles_and_nodes },
	{ "its intent joins them, each name once", test_intent },
	{ "at most PODSET_MAX names", test_bounded },
	{ "a cache's report: checked, held since first listed",
	  test_cache_report },
	CU_TEST_INFO_NULL,
};

static int suite_provision_podset_register(void)
{
	return unit_add_suite("provision_podset", NULL, NULL,
			      test_provision_podset_tests);
}

UNIT_SUITE(suite_provision_podset_register)
