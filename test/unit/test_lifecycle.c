/* test_lifecycle.c: the install lifecycle's decisions: the one-shot rule
 * of stage2 (every branch), the kickstart's, and the node actions. */
#include <string.h>

#include "lifecycle.h"
#include "unit.h"

/* A configured node's stage2 request that every check lets through. */
static struct lifecycle_boot_in boot_in(enum node_state state, int fetch)
{
	struct lifecycle_boot_in in;

	memset(&in, 0, sizeof(in));
	in.configured = 1;
	in.pod_net_ok = 1;
	in.stored = 1;
	in.state = state;
	in.fetch = fetch;
	return in;
}

/* A configured node's kickstart request that every check lets through. */
static struct lifecycle_ks_in ks_in(enum node_state state, int get)
{
	struct lifecycle_ks_in in;

	memset(&in, 0, sizeof(in));
	in.configured = 1;
	in.pod_net_ok = 1;
	in.state = state;
	in.get = get;
	return in;
}

static void test_installs(void)
{
	CU_ASSERT_FALSE(lifecycle_installs(NODE_DISCOVERED));
	CU_ASSERT_TRUE(lifecycle_installs(NODE_ARMED));
	CU_ASSERT_TRUE(lifecycle_installs(NODE_BOOTING));
	CU_ASSERT_TRUE(lifecycle_installs(NODE_INSTALLING));
	CU_ASSERT_FALSE(lifecycle_installs(NODE_INSTALLED));
	CU_ASSERT_FALSE(lifecycle_installs(NODE_FAILED));
}

static void test_boot_unknown(void)
{
	struct lifecycle_boot_in in;

	memset(&in, 0, sizeof(in));
	/* policy "ignore": local boot, whatever else is true of it */
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_LOCAL);
	in.mac_placeholder = 1;
	in.plain = 1;
	in.fetch = 1;
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_LOCAL);
	/* policy "discover": recorded, unless its MAC is a placeholder */
	in.discover = 1;
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_PLACEHOLDER);
	in.mac_placeholder = 0;
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_DISCOVER);
	in.plain = 0;
	in.fetch = 0;
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_DISCOVER);
	/* a configured node is never discovered, placeholder or not */
	in = boot_in(NODE_INSTALLED, 1);
	in.discover = 1;
	in.mac_placeholder = 1;
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_LOCAL);
}

static void test_boot_refusals(void)
{
	struct lifecycle_boot_in in = boot_in(NODE_ARMED, 1);

	in.plain = 1;
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_NO_PLAIN);
	in.pod_plain_ok = 1;
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_INSTALL_MARK);
	/* boot_from: refused before the state is looked at, any state */
	in.pod_net_ok = 0;
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_NO_NET);
	in.state = NODE_INSTALLED;
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_NO_NET);
	in.stored = 0;
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_NO_NET);
	/* plain refused first: a pod off plain HTTP says so */
	in.pod_plain_ok = 0;
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_NO_PLAIN);
	/* not in the store yet: 503, never the installer */
	in = boot_in(NODE_ARMED, 1);
	in.stored = 0;
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_UNSTORED);
}

static void test_boot_one_shot(void)
{
	struct lifecycle_boot_in in;

	/* armed: the installer; only a GET of the script marks booting */
	in = boot_in(NODE_ARMED, 1);
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_INSTALL_MARK);
	in = boot_in(NODE_ARMED, 0);	/* HEAD, or the .sig */
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_INSTALL);
	/* booting and installing: the installer again (a retried fetch,
	 * a reboot during the install), with no transition */
	in = boot_in(NODE_BOOTING, 1);
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_INSTALL);
	in = boot_in(NODE_INSTALLING, 1);
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_INSTALL);
	in = boot_in(NODE_INSTALLING, 0);
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_INSTALL);
	/* installed, failed, discovered: local boot, fetched or not */
	in = boot_in(NODE_INSTALLED, 1);
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_LOCAL);
	in = boot_in(NODE_INSTALLED, 0);
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_LOCAL);
	in = boot_in(NODE_FAILED, 1);
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_LOCAL);
	in = boot_in(NODE_DISCOVERED, 1);
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_LOCAL);
	/* plain HTTP where the pod allows it: the same rule */
	in = boot_in(NODE_INSTALLED, 1);
	in.plain = in.pod_plain_ok = 1;
	CU_ASSERT_EQUAL(lifecycle_boot(&in), LIFECYCLE_BOOT_LOCAL);
}

/* One install and a re-arm, as the store would walk them. */
static void test_boot_rearm(void)
{
	static const struct {
		enum node_state state;
		enum lifecycle_boot want;
	} walk[] = {
		{ NODE_ARMED, LIFECYCLE_BOOT_INSTALL_MARK },
		{ NODE_BOOTING, LIFECYCLE_BOOT_INSTALL },
		{ NODE_INSTALLING, LIFECYCLE_BOOT_INSTALL },
		{ NODE_INSTALLED, LIFECYCLE_BOOT_LOCAL },
		{ NODE_INSTALLED, LIFECYCLE_BOOT_LOCAL },	/* a PXE loop */
		{ NODE_ARMED, LIFECYCLE_BOOT_INSTALL_MARK },	/* re-armed */
		{ NODE_BOOTING, LIFECYCLE_BOOT_INSTALL },
		{ NODE_FAILED, LIFECYCLE_BOOT_LOCAL },
		{ NODE_ARMED, LIFECYCLE_BOOT_INSTALL_MARK },	/* re-armed */
	};
	struct lifecycle_boot_in in;
	size_t i;

	for (i = 0; i < sizeof(walk) / sizeof(walk[0]); i++) {
		in = boot_in(walk[i].state, 1);
		CU_ASSERT_EQUAL(lifecycle_boot(&in), walk[i].want);
	}
}

/*
 * Every combination of the facts: the installer goes out only to a
 * configured, stored node that is still to be installed, from its pod's
 * networks, over TLS or plain HTTP its pod allows; only a fetch by an
 * armed node marks it.
 */
static void test_boot_exhaustive(void)
{
	struct lifecycle_boot_in in;
	enum lifecycle_boot v;
	unsigned int bits, s, wrong = 0;
	int install;

	for (bits = 0; bits < 256; bits++) {
		for (s = 0; s < NODE_STATE_COUNT; s++) {
			in.configured = !!(bits & 1);
			in.plain = !!(bits & 2);
			in.pod_plain_ok = !!(bits & 4);
			in.pod_net_ok = !!(bits & 8);
			in.discover = !!(bits & 16);
			in.mac_placeholder = !!(bits & 32);
			in.stored = !!(bits & 64);
			in.fetch = !!(bits & 128);
			in.state = (enum node_state)s;
			v = lifecycle_boot(&in);
			install = in.configured && in.stored &&
				  in.pod_net_ok &&
				  (!in.plain || in.pod_plain_ok) &&
				  lifecycle_installs(in.state);
			if ((v == LIFECYCLE_BOOT_INSTALL ||
			     v == LIFECYCLE_BOOT_INSTALL_MARK) != install)
				wrong++;
			else if ((v == LIFECYCLE_BOOT_INSTALL_MARK) !=
				 (install && in.fetch &&
				  in.state == NODE_ARMED))
				wrong++;
			else if ((v == LIFECYCLE_BOOT_DISCOVER) !=
				 (!in.configured && in.discover &&
				  !in.mac_placeholder))
				wrong++;
		}
	}
	CU_ASSERT_EQUAL(wrong, 0);
}

static void test_ks_refusals(void)
{
	struct lifecycle_ks_in in = ks_in(NODE_ARMED, 1);

	in.configured = 0;
	CU_ASSERT_EQUAL(lifecycle_kickstart(&in), LIFECYCLE_KS_UNCONFIGURED);
	in = ks_in(NODE_ARMED, 1);
	in.plain = 1;
	CU_ASSERT_EQUAL(lifecycle_kickstart(&in), LIFECYCLE_KS_NO_PLAIN);
	in.pod_plain_ok = 1;
	CU_ASSERT_EQUAL(lifecycle_kickstart(&in), LIFECYCLE_KS_SERVE_MARK);
	in.pod_net_ok = 0;
	CU_ASSERT_EQUAL(lifecycle_kickstart(&in), LIFECYCLE_KS_NO_NET);
	in.state = NODE_INSTALLED;	/* the network is checked first */
	CU_ASSERT_EQUAL(lifecycle_kickstart(&in), LIFECYCLE_KS_NO_NET);
}

static void test_ks_one_shot(void)
{
	struct lifecycle_ks_in in;
	unsigned int s;
	int get;

	in = ks_in(NODE_ARMED, 1);
	CU_ASSERT_EQUAL(lifecycle_kickstart(&in), LIFECYCLE_KS_SERVE_MARK);
	in = ks_in(NODE_BOOTING, 1);
	CU_ASSERT_EQUAL(lifecycle_kickstart(&in), LIFECYCLE_KS_SERVE_MARK);
	in = ks_in(NODE_INSTALLING, 1);	/* a retried fetch */
	CU_ASSERT_EQUAL(lifecycle_kickstart(&in), LIFECYCLE_KS_SERVE);
	/* HEAD never moves the node */
	in = ks_in(NODE_ARMED, 0);
	CU_ASSERT_EQUAL(lifecycle_kickstart(&in), LIFECYCLE_KS_SERVE);
	in = ks_in(NODE_BOOTING, 0);
	CU_ASSERT_EQUAL(lifecycle_kickstart(&in), LIFECYCLE_KS_SERVE);
	/* installed, failed or discovered: 409, for HEAD as for GET */
	for (s = 0; s < NODE_STATE_COUNT; s++) {
		if (lifecycle_installs((enum node_state)s))
			continue;
		for (get = 0; get < 2; get++) {
			in = ks_in((enum node_state)s, get);
			CU_ASSERT_EQUAL(lifecycle_kickstart(&in),
					LIFECYCLE_KS_DONE);
		}
	}
}

/* Whether action @name applies to a node in @state. */
static int action_applies(const char *name, enum node_state state)
{
	const struct lifecycle_action *a = lifecycle_action(name);

	return a && (a->from & NODE_BIT(state)) != 0;
}

static void test_actions(void)
{
	const struct lifecycle_action *a;
	unsigned int s;

	CU_ASSERT_PTR_NULL(lifecycle_action("install"));
	CU_ASSERT_PTR_NULL(lifecycle_action(""));
	CU_ASSERT_PTR_NULL(lifecycle_action(NULL));
	CU_ASSERT_PTR_NULL(lifecycle_action("rearm/x"));
	/* the node reports the end of the install it is in, nothing else */
	a = lifecycle_action("installed");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_FALSE(a->operator);
	CU_ASSERT_EQUAL(a->to, NODE_INSTALLED);
	CU_ASSERT_FALSE(a->rearm);
	a = lifecycle_action("failed");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_FALSE(a->operator);
	CU_ASSERT_EQUAL(a->to, NODE_FAILED);
	CU_ASSERT_FALSE(a->rearm);
	for (s = 0; s < NODE_STATE_COUNT; s++) {
		CU_ASSERT_EQUAL(action_applies("installed", s),
				s == NODE_BOOTING || s == NODE_INSTALLING);
		CU_ASSERT_EQUAL(action_applies("failed", s),
				s == NODE_BOOTING || s == NODE_INSTALLING);
	}
	/* only an operator re-arms, from any state but discovered (a
	 * discovered machine is assigned, not re-armed), and a re-arm kills
	 * the node's token */
	a = lifecycle_action("rearm");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_TRUE(a->operator);
	CU_ASSERT_EQUAL(a->to, NODE_ARMED);
	CU_ASSERT_TRUE(a->rearm);
	for (s = 0; s < NODE_STATE_COUNT; s++)
		CU_ASSERT_EQUAL(action_applies("rearm", s),
				s != NODE_DISCOVERED);
	/* after a re-arm the one-shot rule serves the installer again */
	CU_ASSERT_TRUE(lifecycle_installs(a->to));
}

static const CU_TestInfo tests[] = {
	{ "states still to be installed", test_installs },
	{ "stage2: unknown machines", test_boot_unknown },
	{ "stage2: refusals and their order", test_boot_refusals },
	{ "stage2: the one-shot rule by state", test_boot_one_shot },
	{ "stage2: an install, then re-arms", test_boot_rearm },
	{ "stage2: every combination of facts", test_boot_exhaustive },
	{ "kickstart: refusals and their order", test_ks_refusals },
	{ "kickstart: the one-shot rule by state", test_ks_one_shot },
	{ "node actions: who, and from which states", test_actions },
	CU_TEST_INFO_NULL,
};

static int suite_lifecycle_register(void)
{
	return unit_add_suite("lifecycle", NULL, NULL, tests);
}

UNIT_SUITE(suite_lifecycle_register)
