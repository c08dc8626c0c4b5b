/* alert_state.h: one alert's state machine: pending, firing, resolved,
 * as Prometheus defines them, and when it is due at Alertmanager. */
#ifndef PODBOOT_ALERT_STATE_H
#define PODBOOT_ALERT_STATE_H

#include "config.h"

#define ALERT_KEEP_RESOLVED_S 900	/* resolved alerts stay listed */

enum alert_state { ALERT_PENDING, ALERT_FIRING, ALERT_RESOLVED };

/* One rule applied to one node. */
struct alert {
	char rule[CONFIG_NAME_MAX];
	char node[64];
	char pod[64];
	enum alert_state state;
	double value;
	long long active_at;		/* condition first held */
	long long fired_at;
	long long resolved_at;
	long long last_sent;		/* 0: not yet sent in this state */
	long long trap_fired;		/* fired_at of the last firing trap */
	long long trap_resolved;	/* resolved_at of the last resolved
					 * trap */
	int seen;			/* held in the current evaluation */
	struct alert *next;
};

/** "pending", "firing" or "resolved". */
const char *alert_state_name(enum alert_state s);

/**
 * The condition holds for @x at @now with value @v in pod @pod: a
 * resolved alert becomes pending, a pending one fires once it held
 * @for_s seconds.  Pure: changes @x only.
 */
void alert_state_hold(struct alert *x, const char *pod, double v,
		      unsigned int for_s, long long now);

/**
 * The end of an evaluation at @now: an alert whose condition did not
 * hold this round resolves if it was firing; marks @x unseen for the
 * next round.  Pure: changes @x only.
 *
 * @ret drop		1 if @x is to be forgotten (pending and not held,
 *			or resolved, sent, and older than
 *			ALERT_KEEP_RESOLVED_S), else 0
 */
int alert_state_settle(struct alert *x, long long now);

/**
 * Is @x due at Alertmanager at @now: firing or resolved and not sent in
 * this state, or firing and last sent @resend_s or more ago?
 */
int alert_state_due(const struct alert *x, unsigned int resend_s,
		    long long now);

/**
 * Does @x need an SNMP trap: firing and not trapped in this firing, or
 * resolved after its firing was trapped and not trapped since?
 */
int alert_state_trap_due(const struct alert *x);

/**
 * Is a node down at @now: it pushed (@known) and stopped (!@up), or it
 * never pushed since the server started at @started, is @installed, and
 * @down_after default intervals (15 s) passed?
 */
int alert_state_node_down(int known, int up, int installed,
			  long long started, unsigned int down_after,
			  long long now);

/* ---- an Alertmanager that does not answer: back-off and its log ---- */

#define ALERT_BACKOFF_MAX_S 300	/* the longest wait between attempts */
#define ALERT_SUMMARY_S 300	/* at most one "still unreachable" line per */

/* Where deliveries to one Alertmanager stand. */
struct alert_backoff {
	unsigned int failures;		/* in a row; 0 while it answers */
	long long next_try;		/* no attempt before (unix seconds) */
	long long last_line;		/* the last line logged about it */
	unsigned long long attempts;	/* failed since that line */
};

/* What to log after an attempt. */
enum alert_line {
	ALERT_LINE_NONE,
	ALERT_LINE_FIRST,	/* the first failure: say what failed */
	ALERT_LINE_SUMMARY,	/* "still unreachable: K attempts, ..." */
	ALERT_LINE_RECOVERED,	/* reachable again */
};

/**
 * Whether an attempt to reach the Alertmanager of @b is due at @now: at
 * once while it answers, else once its back-off has passed.
 */
int alert_backoff_due(const struct alert_backoff *b, long long now);

/**
 * Record a failed attempt at @now: the wait before the next one doubles
 * from @base_s (the evaluation interval) up to ALERT_BACKOFF_MAX_S.
 *
 * @ret line		ALERT_LINE_FIRST for the first failure in a row,
 *			ALERT_LINE_SUMMARY when ALERT_SUMMARY_S have passed
 *			since the last line (then @b->attempts says how many
 *			attempts failed since, and the caller zeroes it),
 *			else ALERT_LINE_NONE
 */
enum alert_line alert_backoff_failed(struct alert_backoff *b, long long now,
				     unsigned int base_s);

/**
 * Record a delivery: the back-off ends.
 *
 * @ret line		ALERT_LINE_RECOVERED if it had failed, else
 *			ALERT_LINE_NONE
 */
enum alert_line alert_backoff_ok(struct alert_backoff *b);

#endif
