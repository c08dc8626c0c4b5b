/* alert_state.c: one alert's state machine: pending, firing, resolved,
 * as Prometheus defines them, and when it is due at Alertmanager. */
#include <stdio.h>

#include "alert_state.h"

#define ALERT_DEFAULT_INTERVAL_S 15	/* an agent's push interval */

const char *alert_state_name(enum alert_state s)
{
	static const char *const names[] = { "pending", "firing",
					     "resolved" };

	return names[s];
}

void alert_state_hold(struct alert *x, const char *pod, double v,
		      unsigned int for_s, long long now)
{
	x->seen = 1;
	x->value = v;
	snprintf(x->pod, sizeof(x->pod), "%s", pod);
	if (x->state == ALERT_RESOLVED) {
		x->state = ALERT_PENDING;
		x->active_at = now;
		x->fired_at = x->resolved_at = x->last_sent = 0;
	}
	if (x->state == ALERT_PENDING && now - x->active_at >= for_s) {
		x->state = ALERT_FIRING;
		x->fired_at = now;
		x->last_sent = 0;	/* send at once */
	}
}

int alert_state_settle(struct alert *x, long long now)
{
	if (!x->seen && x->state == ALERT_FIRING) {
		x->state = ALERT_RESOLVED;
		x->resolved_at = now;
		x->last_sent = 0;
	}
	if (!x->seen && (x->state == ALERT_PENDING ||
			 (x->state == ALERT_RESOLVED && x->last_sent &&
			  now - x->resolved_at > ALERT_KEEP_RESOLVED_S)))
		return 1;
	x->seen = 0;
	return 0;
}

int alert_state_due(const struct alert *x, unsigned int resend_s,
		    long long now)
{
	switch (x->state) {
	case ALERT_PENDING:
		return 0;
	case ALERT_RESOLVED:
		return !x->last_sent;
	case ALERT_FIRING:
		return !x->last_sent || now - x->last_sent >= resend_s;
	}
	return 0;
}

int alert_state_node_down(int known, int up, int installed,
			  long long started, unsigned int down_after,
			  long long now)
{
	if (known)
		return !up;
	/* Never pushed since start: give it down_after default intervals. */
	return installed &&
	       now - started > (long long)down_after * ALERT_DEFAULT_INTERVAL_S;
}

int alert_state_trap_due(const struct alert *x)
{
	if (x->state == ALERT_FIRING)
		return x->trap_fired != x->fired_at;
	return x->state == ALERT_RESOLVED && x->trap_fired == x->fired_at &&
	       x->fired_at && x->trap_resolved != x->resolved_at;
}
