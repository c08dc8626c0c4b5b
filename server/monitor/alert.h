/* alert.h: alert rules over the fleet's latest values: pending, firing,
 * resolved, as Prometheus defines them, sent to Alertmanager. */
#ifndef PODBOOT_ALERT_H
#define PODBOOT_ALERT_H

#include <jansson.h>

#include "http.h"

#include "promtext.h"

struct alerts;
struct server;

/** Start the evaluator thread for @srv; 0 or a negative error. */
int alerts_start(struct alerts **out, struct server *srv);

/** Stop the thread and free; NULL is fine. */
void alerts_stop(struct alerts *a);

/** Alert gauges and notification counters for /metrics. */
int alerts_expose(struct alerts *a, struct pbuf *out);

/**
 * Whether this replica leads: holds the alert leadership (always, on
 * SQLite) as of the evaluator's latest round.  Only the leader sends
 * alerts and traps.
 */
int alerts_leading(struct alerts *a);

/**
 * Every alert held, in any state, as GET /api/v1/alerts lists them
 * (alertname, node, pod, state, value, active_at, fired_at, resolved_at),
 * appended to @arr.
 *
 * @ret rc		0, or -ENOMEM
 */
int alerts_list(struct alerts *a, json_t *arr);

#endif
