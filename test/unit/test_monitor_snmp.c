/* test_monitor_snmp.c: SNMP traps of alerts: when one is due (once per
 * firing, once per resolution after a trapped firing), the receivers'
 * transport addresses, and the secret files' forms. */
#include <string.h>

#include "alert_snmp.h"
#include "alert_state.h"
#include "error.h"
#include "unit.h"

static void test_trap_due(void)
{
	struct alert x;

	memset(&x, 0, sizeof(x));
	x.state = ALERT_RESOLVED;	/* as alert_find makes it */
	CU_ASSERT_FALSE(alert_state_trap_due(&x));	/* never fired */
	alert_state_hold(&x, "p", 5, 10, 100);
	CU_ASSERT_FALSE(alert_state_trap_due(&x));	/* pending */
	alert_state_hold(&x, "p", 5, 10, 110);
	CU_ASSERT_EQUAL_FATAL(x.state, ALERT_FIRING);
	CU_ASSERT_TRUE(alert_state_trap_due(&x));
	x.trap_fired = x.fired_at;	/* sent */
	CU_ASSERT_FALSE(alert_state_trap_due(&x));	/* no resend */
	x.seen = 0;
	alert_state_settle(&x, 200);
	CU_ASSERT_EQUAL_FATAL(x.state, ALERT_RESOLVED);
	CU_ASSERT_TRUE(alert_state_trap_due(&x));
	x.trap_resolved = x.resolved_at;
	CU_ASSERT_FALSE(alert_state_trap_due(&x));
	/* fires again: a new firing, a new trap */
	alert_state_hold(&x, "p", 6, 0, 300);
	CU_ASSERT_EQUAL_FATAL(x.state, ALERT_FIRING);
	CU_ASSERT_TRUE(alert_state_trap_due(&x));
}

static void test_resolved_untrapped_firing(void)
{
	struct alert x;

	/* Its firing trap never went out: no resolution trap either. */
	memset(&x, 0, sizeof(x));
	x.state = ALERT_RESOLVED;
	alert_state_hold(&x, "p", 5, 0, 100);
	x.seen = 0;
	alert_state_settle(&x, 150);
	CU_ASSERT_EQUAL_FATAL(x.state, ALERT_RESOLVED);
	CU_ASSERT_FALSE(alert_state_trap_due(&x));
}

static void test_peer(void)
{
	char out[64];

	CU_ASSERT_EQUAL(alert_snmp_peer("127.0.0.1", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "udp:127.0.0.1:162");
	CU_ASSERT_EQUAL(alert_snmp_peer("nms.example:1162", out, sizeof(out)),
			0);
	CU_ASSERT_STRING_EQUAL(out, "udp:nms.example:1162");
	CU_ASSERT_EQUAL(alert_snmp_peer("[::1]", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "udp6:[::1]:162");
	CU_ASSERT_EQUAL(alert_snmp_peer("[::1]:1162", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "udp6:[::1]:1162");
	CU_ASSERT_EQUAL(alert_snmp_peer("", out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(alert_snmp_peer("[::1", out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(alert_snmp_peer("127.0.0.1", out, 10), -PB_ETOOBIG);
}

static void test_secret_v2c(void)
{
	struct alert_snmp_secret s;
	char t1[] = "# the community\n\nsecret-community\r\nmore\n";
	char t2[] = "only-line";
	char t3[] = "# nothing\n\n";

	CU_ASSERT_EQUAL(alert_snmp_secret_parse(t1, 0, &s), 0);
	CU_ASSERT_STRING_EQUAL(s.community, "secret-community");
	CU_ASSERT_EQUAL(alert_snmp_secret_parse(t2, 0, &s), 0);
	CU_ASSERT_STRING_EQUAL(s.community, "only-line");
	CU_ASSERT_EQUAL(alert_snmp_secret_parse(t3, 0, &s), -EINVAL);
}

static void test_secret_v3(void)
{
	struct alert_snmp_secret s;
	char ok[] = "# v3\nauth authpassphrase\npriv privpassphrase\n";
	char swapped[] = "priv privpassphrase\nauth authpassphrase";
	char short_auth[] = "auth 1234567\npriv privpassphrase\n";
	char no_priv[] = "auth authpassphrase\n";
	char other[] = "auth authpassphrase\npriv privpassphrase\nx y\n";
	char twice[] = "auth authpassphrase\nauth otherpassphrase\n"
		       "priv privpassphrase\n";

	CU_ASSERT_EQUAL(alert_snmp_secret_parse(ok, 1, &s), 0);
	CU_ASSERT_STRING_EQUAL(s.auth, "authpassphrase");
	CU_ASSERT_STRING_EQUAL(s.priv, "privpassphrase");
	CU_ASSERT_EQUAL(alert_snmp_secret_parse(swapped, 1, &s), 0);
	CU_ASSERT_STRING_EQUAL(s.auth, "authpassphrase");
	CU_ASSERT_EQUAL(alert_snmp_secret_parse(short_auth, 1, &s), -EINVAL);
	CU_ASSERT_EQUAL(alert_snmp_secret_parse(no_priv, 1, &s), -EINVAL);
	CU_ASSERT_EQUAL(alert_snmp_secret_parse(other, 1, &s), -EINVAL);
	CU_ASSERT_EQUAL(alert_snmp_secret_parse(twice, 1, &s), -EINVAL);
}

static const CU_TestInfo tests[] = {
	{ "a trap per firing and per resolution", test_trap_due },
	{ "no resolution trap without a firing one",
	  test_resolved_untrapped_firing },
	{ "receivers as net-snmp transport addresses", test_peer },
	{ "SNMPv2c secret: the community line", test_secret_v2c },
	{ "SNMPv3 secret: auth and priv lines", test_secret_v3 },
	CU_TEST_INFO_NULL,
};

static int suite_monitor_snmp_register(void)
{
	return unit_add_suite("monitor_snmp", NULL, NULL, tests);
}

UNIT_SUITE(suite_monitor_snmp_register)
