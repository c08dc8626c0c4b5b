/* test_monitor_alert.c: an alert's state machine (pending, firing,
 * resolved, forgotten), when it is due at Alertmanager, and when a node
 * counts as down. */
#include <string.h>

#include "alert_state.h"
#include "unit.h"

static void test_pending_then_firing(void)
{
	struct alert x;

	memset(&x, 0, sizeof(x));
	x.state = ALERT_RESOLVED;	/* as alert_find makes it */
	alert_state_hold(&x, "p1", 7, 60, 1000);
	CU_ASSERT_EQUAL(x.state, ALERT_PENDING);
	CU_ASSERT_EQUAL(x.active_at, 1000);
	CU_ASSERT_EQUAL(x.value, 7);
	CU_ASSERT_STRING_EQUAL(x.pod, "p1");
	CU_ASSERT_FALSE(alert_state_due(&x, 300, 1000));
	CU_ASSERT_FALSE(alert_state_settle(&x, 1000));
	alert_state_hold(&x, "p1", 8, 60, 1059);
	CU_ASSERT_EQUAL(x.state, ALERT_PENDING);
	CU_ASSERT_EQUAL(x.active_at, 1000);
	CU_ASSERT_FALSE(alert_state_settle(&x, 1059));
	alert_state_hold(&x, "p1", 9, 60, 1060);
	CU_ASSERT_EQUAL(x.state, ALERT_FIRING);
	CU_ASSERT_EQUAL(x.fired_at, 1060);
	CU_ASSERT_EQUAL(x.value, 9);
	/* for 0: fires at once */
	memset(&x, 0, sizeof(x));
	x.state = ALERT_RESOLVED;
	alert_state_hold(&x, "p1", 1, 0, 5);
	CU_ASSERT_EQUAL(x.state, ALERT_FIRING);
}

static void test_pending_dropped(void)
{
	struct alert x;

	memset(&x, 0, sizeof(x));
	x.state = ALERT_RESOLVED;
	alert_state_hold(&x, "p", 1, 60, 1000);
	CU_ASSERT_FALSE(alert_state_settle(&x, 1000));
	/* not held in the next round: a pending alert is forgotten */
	CU_ASSERT_TRUE(alert_state_settle(&x, 1015));
}

static void test_resolve_and_resend(void)
{
	struct alert x;

	memset(&x, 0, sizeof(x));
	x.state = ALERT_RESOLVED;
	alert_state_hold(&x, "p", 1, 0, 1000);
	CU_ASSERT_TRUE(alert_state_due(&x, 300, 1000));
	x.last_sent = 1000;
	CU_ASSERT_FALSE(alert_state_due(&x, 300, 1299));
	CU_ASSERT_TRUE(alert_state_due(&x, 300, 1300));
	CU_ASSERT_FALSE(alert_state_settle(&x, 1000));
	/* not held: firing resolves, kept, due once */
	CU_ASSERT_FALSE(alert_state_settle(&x, 1400));
	CU_ASSERT_EQUAL(x.state, ALERT_RESOLVED);
	CU_ASSERT_EQUAL(x.resolved_at, 1400);
	CU_ASSERT_TRUE(alert_state_due(&x, 300, 1400));
	x.last_sent = 1400;
	CU_ASSERT_FALSE(alert_state_due(&x, 300, 99999));
	CU_ASSERT_FALSE(alert_state_settle(&x, 1400 + ALERT_KEEP_RESOLVED_S));
	CU_ASSERT_TRUE(alert_state_settle(&x,
					  1401 + ALERT_KEEP_RESOLVED_S));
}

static void test_resolved_unsent_kept(void)
{
	struct alert x;

	memset(&x, 0, sizeof(x));
	x.state = ALERT_RESOLVED;
	alert_state_hold(&x, "p", 1, 0, 1000);
	alert_state_settle(&x, 1000);
	alert_state_settle(&x, 1015);
	CU_ASSERT_EQUAL(x.state, ALERT_RESOLVED);
	/* never sent: kept until Alertmanager took it */
	CU_ASSERT_FALSE(alert_state_settle(&x, 1015 + 10 *
						       ALERT_KEEP_RESOLVED_S));
	/* held again: pending anew, times reset */
	alert_state_hold(&x, "p", 2, 60, 20000);
	CU_ASSERT_EQUAL(x.state, ALERT_PENDING);
	CU_ASSERT_EQUAL(x.active_at, 20000);
	CU_ASSERT_EQUAL(x.fired_at, 0);
	CU_ASSERT_EQUAL(x.resolved_at, 0);
}

static void test_node_down(void)
{
	/* pushed: down when it stopped */
	CU_ASSERT_FALSE(alert_state_node_down(1, 1, 1, 0, 3, 1000));
	CU_ASSERT_TRUE(alert_state_node_down(1, 0, 0, 0, 3, 1000));
	/* never pushed: installed nodes after down_after * 15 s */
	CU_ASSERT_FALSE(alert_state_node_down(0, 0, 1, 1000, 3, 1045));
	CU_ASSERT_TRUE(alert_state_node_down(0, 0, 1, 1000, 3, 1046));
	CU_ASSERT_FALSE(alert_state_node_down(0, 0, 0, 1000, 3, 9999));
}

static void test_state_names(void)
{
	CU_ASSERT_STRING_EQUAL(alert_state_name(ALERT_PENDING), "pending");
	CU_ASSERT_STRING_EQUAL(alert_state_name(ALERT_FIRING), "firing");
	CU_ASSERT_STRING_EQUAL(alert_state_name(ALERT_RESOLVED), "resolved");
}

/* An Alertmanager that does not answer: attempts back off exponentially
 * up to the bound, one line first, a summary at most every
 * ALERT_SUMMARY_S, one line on recovery. */
static void test_backoff(void)
{
	struct alert_backoff b;
	long long now = 1000, tries = 0, lines = 0, t;
	enum alert_line l;

	memset(&b, 0, sizeof(b));
	CU_ASSERT_TRUE(alert_backoff_due(&b, now));
	CU_ASSERT_EQUAL(alert_backoff_ok(&b), ALERT_LINE_NONE);
	CU_ASSERT_EQUAL(alert_backoff_failed(&b, now, 1), ALERT_LINE_FIRST);
	/* waits of 1, 2, 4, 8 s ... */
	CU_ASSERT_EQUAL(b.next_try, 1001);
	CU_ASSERT_FALSE(alert_backoff_due(&b, 1000));
	CU_ASSERT_TRUE(alert_backoff_due(&b, 1001));
	CU_ASSERT_EQUAL(alert_backoff_failed(&b, 1001, 1), ALERT_LINE_NONE);
	CU_ASSERT_EQUAL(b.next_try, 1003);
	CU_ASSERT_EQUAL(alert_backoff_failed(&b, 1003, 1), ALERT_LINE_NONE);
	CU_ASSERT_EQUAL(b.next_try, 1007);
	/* an hour of one evaluation a second: few attempts and lines */
	for (t = 1004; t < 1000 + 3600; t++) {
		if (!alert_backoff_due(&b, t))
			continue;
		tries++;
		l = alert_backoff_failed(&b, t, 1);
		CU_ASSERT_NOT_EQUAL(l, ALERT_LINE_FIRST);
		CU_ASSERT_TRUE(b.next_try - t <= ALERT_BACKOFF_MAX_S);
		if (l == ALERT_LINE_SUMMARY) {
			lines++;
			CU_ASSERT_TRUE(b.attempts > 0);
			b.attempts = 0;
		}
	}
	/* 9 doublings to 300 s, then one every 300 s */
	CU_ASSERT_TRUE(tries >= 12 && tries <= 20);
	CU_ASSERT_TRUE(lines >= 10 && lines <= 12);
	/* it answers: one line, then none, and attempts are at once again */
	CU_ASSERT_EQUAL(alert_backoff_ok(&b), ALERT_LINE_RECOVERED);
	CU_ASSERT_EQUAL(alert_backoff_ok(&b), ALERT_LINE_NONE);
	CU_ASSERT_TRUE(alert_backoff_due(&b, now));
	/* a failure after the recovery is a first failure again */
	CU_ASSERT_EQUAL(alert_backoff_failed(&b, 9000, 30), ALERT_LINE_FIRST);
	CU_ASSERT_EQUAL(b.next_try, 9030);
}

static const CU_TestInfo tests[] = {
	{ "pending, then firing after for", test_pending_then_firing },
	{ "pending and not held: forgotten", test_pending_dropped },
	{ "firing: resent, resolved, forgotten", test_resolve_and_resend },
	{ "resolved and unsent: kept; held again", test_resolved_unsent_kept },
	{ "node down", test_node_down },
	{ "state names", test_state_names },
	{ "unreachable Alertmanager: back-off and lines", test_backoff },
	CU_TEST_INFO_NULL,
};

static int suite_monitor_alert_register(void)
{
	return unit_add_suite("monitor_alert", NULL, NULL, tests);
}

UNIT_SUITE(suite_monitor_alert_register)
