/* alert_state.c: one alert's state machine: pending, firing, resolved,
 * as Prometheus defines them, and when it is due at Alertmanager; the
 * back-off from an Alertmanager that does not answer. */
#include <stdio.h>
#include <string.h>

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

/* Declared in alert_state.h. */
int alert_backoff_due(const struct alert_backoff *b, long long now)
{
	return b->failures == 0 || now >= b->next_try;
}

/* Declared in alert_state.h. */
enum alert_line alert_backoff_failed(struct alert_backoff *b, long long now,
				     unsigned int base_s)
{
	long long wait = base_s ? base_s : 1;
	unsigned int i;

	b->failures++;
	b->attempts++;
	for (i = 1; i < b->failures && wait < ALERT_BACKOFF_MAX_S; i++)
		wait *= 2;
	b->next_try = now + (wait < ALERT_BACKOFF_MAX_S ? wait :
							  ALERT_BACKOFF_MAX_S);
	if (b->failures == 1) {
		b->last_line = now;
		b->attempts = 0;
		return ALERT_LINE_FIRST;
	}
	if (now - b->last_line >= ALERT_SUMMARY_S) {
		b->last_line = now;
		return ALERT_LINE_SUMMARY;
	}
	return ALERT_LINE_NONE;
}

/* Declared in alert_state.h. */
enum alert_line alert_backoff_ok(struct alert_backoff *b)
{
	int was = b->failures > 0;

	memset(b, 0, sizeof(*b));
	return was ? ALERT_LINE_RECOVERED : ALERT_LINE_NONE;
}
