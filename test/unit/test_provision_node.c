/* test_provision_node.c: which kickstart variables a node gets, and the
 * node actions' decision (lifecycle_post: who may report or re-arm, over
 * which listener, from which network). */
#include <string.h>

#include "lifecycle.h"
#include "node_int.h"
#include "unit.h"

/* A pod with two DNS servers on VLAN @vlan, and node n1 in it. */
static void node_fixture(struct config_pod *pod, struct config_node *cn,
			 struct store_node *n, unsigned int vlan)
{
	memset(pod, 0, sizeof(*pod));
	memset(cn, 0, sizeof(*cn));
	memset(n, 0, sizeof(*n));
	strcpy(pod->name, "p1");
	strcpy(pod->site, "lab");
	pod->mgmt.prefix = 24;
	strcpy(pod->mgmt.gateway, "192.0.2.1");
	pod->mgmt.vlan = vlan;
	strcpy(pod->mgmt.dns[0], "192.0.2.53");
	strcpy(pod->mgmt.dns[1], "192.0.2.54");
	pod->mgmt.n_dns = 2;
	strcpy(cn->hostname, "n1");
	strcpy(cn->mac, "52:54:00:00:00:01");
	strcpy(cn->address, "192.0.2.10");
	cn->pod = pod;
	strcpy(n->id, "n1");
}

static void test_ks_values(void)
{
	struct config_pod pod;
	struct config_node cn;
	struct store_node n;
	static struct node_ks ks;

	node_fixture(&pod, &cn, &n, 12);
	memset(&ks, 0, sizeof(ks));
	node_ks_fill(&cn, &n, "https://127.0.0.1:8443", "TOK", "PEM", &ks);
	CU_ASSERT_STRING_EQUAL(ks.values[KS_HOSTNAME], "n1");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_NODE], "n1");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_MAC], "52:54:00:00:00:01");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_POD], "p1");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_SITE], "lab");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_ADDRESS], "192.0.2.10");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_PREFIX], "24");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_GATEWAY], "192.0.2.1");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_DNS], "192.0.2.53,192.0.2.54");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_VLAN], "12");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_VLAN_OPT], "--vlanid=12");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_SERVER], "https://127.0.0.1:8443");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_TOKEN], "TOK");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_INSTALLED_URL],
			       "https://127.0.0.1:8443/api/v1/nodes/n1/"
			       "installed");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_FAILED_URL],
			       "https://127.0.0.1:8443/api/v1/nodes/n1/failed");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_ROOT_CA], "PEM");
}

static void test_ks_untagged(void)
{
	struct config_pod pod;
	struct config_node cn;
	struct store_node n;
	static struct node_ks ks;

	node_fixture(&pod, &cn, &n, 0);
	pod.mgmt.n_dns = 0;
	memset(&ks, 0, sizeof(ks));
	node_ks_fill(&cn, &n, "http://127.0.0.1:8080", "TOK", "PEM", &ks);
	CU_ASSERT_STRING_EQUAL(ks.values[KS_VLAN], "0");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_VLAN_OPT], "");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_DNS], "");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_INSTALLED_URL],
			       "http://127.0.0.1:8080/api/v1/nodes/n1/"
			       "installed");
}

/* The kickstart configures the management network: a provisioning
 * network with other settings in every field leaves no trace in it. */
static void test_ks_mgmt_only(void)
{
	struct config_pod pod;
	struct config_node cn;
	struct store_node n;
	static struct node_ks ks;

	node_fixture(&pod, &cn, &n, 12);
	strcpy(pod.prov.cidr, "10.10.1.0/23");
	pod.prov.prefix = 23;
	strcpy(pod.prov.gateway, "10.10.1.1");
	pod.prov.vlan = 40;
	strcpy(pod.prov.dns[0], "10.9.0.53");
	pod.prov.n_dns = 1;
	strcpy(pod.prov.relay, "10.10.1.2");
	memset(&ks, 0, sizeof(ks));
	node_ks_fill(&cn, &n, "https://127.0.0.1:8443", "TOK", "PEM", &ks);
	CU_ASSERT_STRING_EQUAL(ks.values[KS_PREFIX], "24");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_GATEWAY], "192.0.2.1");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_DNS], "192.0.2.53,192.0.2.54");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_VLAN], "12");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_VLAN_OPT], "--vlanid=12");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_ADDRESS], "192.0.2.10");
	/* and swapped: the provisioning network's are never chosen */
	pod.mgmt = pod.prov;
	memset(&pod.prov, 0, sizeof(pod.prov));
	memset(&ks, 0, sizeof(ks));
	node_ks_fill(&cn, &n, "https://127.0.0.1:8443", "TOK", "PEM", &ks);
	CU_ASSERT_STRING_EQUAL(ks.values[KS_PREFIX], "23");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_GATEWAY], "10.10.1.1");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_DNS], "10.9.0.53");
	CU_ASSERT_STRING_EQUAL(ks.values[KS_VLAN], "40");
}

/* A node's report over HTTPS that every check lets through. */
static struct lifecycle_post_in report(void)
{
	struct lifecycle_post_in in;

	memset(&in, 0, sizeof(in));
	in.authed = 1;
	in.configured = 1;
	in.pod_net_ok = 1;
	return in;
}

static void test_post_report(void)
{
	struct lifecycle_post_in in = report();

	CU_ASSERT_EQUAL(lifecycle_post(&in), LIFECYCLE_POST_APPLY);
	in.authed = 0;
	CU_ASSERT_EQUAL(lifecycle_post(&in), LIFECYCLE_POST_UNAUTHED);
	in = report();
	in.pod_net_ok = 0;	/* a token copied off the pod's networks */
	CU_ASSERT_EQUAL(lifecycle_post(&in), LIFECYCLE_POST_NO_NET);
	in = report();
	in.plain = 1;
	CU_ASSERT_EQUAL(lifecycle_post(&in), LIFECYCLE_POST_NO_PLAIN);
	in.pod_plain_ok = 1;
	CU_ASSERT_EQUAL(lifecycle_post(&in), LIFECYCLE_POST_APPLY);
	/* authentication first: names are not confirmed to strangers */
	in = report();
	in.configured = 0;
	in.pod_net_ok = 0;
	CU_ASSERT_EQUAL(lifecycle_post(&in), LIFECYCLE_POST_UNCONFIGURED);
	in.authed = 0;
	CU_ASSERT_EQUAL(lifecycle_post(&in), LIFECYCLE_POST_UNAUTHED);
	in.authed = 1;
	in.plain = 1;
	CU_ASSERT_EQUAL(lifecycle_post(&in), LIFECYCLE_POST_NO_PLAIN);
}

static void test_post_operator(void)
{
	struct lifecycle_post_in in = report();

	in.operator = 1;
	CU_ASSERT_EQUAL(lifecycle_post(&in), LIFECYCLE_POST_APPLY);
	/* the operator re-arms from anywhere, but only over HTTPS */
	in.pod_net_ok = 0;
	CU_ASSERT_EQUAL(lifecycle_post(&in), LIFECYCLE_POST_APPLY);
	in.plain = 1;
	in.pod_plain_ok = 1;
	CU_ASSERT_EQUAL(lifecycle_post(&in), LIFECYCLE_POST_NEED_HTTPS);
	in.authed = 0;
	CU_ASSERT_EQUAL(lifecycle_post(&in), LIFECYCLE_POST_NEED_HTTPS);
	in.plain = 0;
	CU_ASSERT_EQUAL(lifecycle_post(&in), LIFECYCLE_POST_UNAUTHED);
	in.authed = 1;
	in.configured = 0;
	CU_ASSERT_EQUAL(lifecycle_post(&in), LIFECYCLE_POST_UNCONFIGURED);
}

static const CU_TestInfo tests[] = {
	{ "kickstart values: tagged VLAN, DNS list", test_ks_values },
	{ "kickstart values: untagged, no DNS", test_ks_untagged },
	{ "kickstart values: the management network's, never provisioning's",
	  test_ks_mgmt_only },
	{ "node report: token, listener, network", test_post_report },
	{ "operator action: HTTPS, token", test_post_operator },
	CU_TEST_INFO_NULL,
};

static int suite_provision_node_register(void)
{
	return unit_add_suite("provision_node", NULL, NULL, tests);
}

UNIT_SUITE(suite_provision_node_register)
