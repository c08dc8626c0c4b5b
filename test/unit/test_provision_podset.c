/* test_provision_podset.c: a pod's artifact set: its profiles' kernels and
 * initrds, its nodes' profiles, its intent; sorted, each once, bounded. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
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

static const CU_TestInfo test_provision_podset_tests[] = {
	{ "its profiles' and its nodes' kernels and initrds",
	  test_profiles_and_nodes },
	{ "its intent joins them, each name once", test_intent },
	{ "at most PODSET_MAX names", test_bounded },
	CU_TEST_INFO_NULL,
};

static int suite_provision_podset_register(void)
{
	return unit_add_suite("provision_podset", NULL, NULL,
			      test_provision_podset_tests);
}

UNIT_SUITE(suite_provision_podset_register)
