/* alert.h: alert rules over the fleet's latest values: pending, firing,
 * resolved, as Prometheus defines them, sent to Alertmanager. */
#ifndef PODBOOT_ALERT_H
#define PODBOOT_ALERT_H

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

/** Routes of the alert rules' state. */
extern const struct http_route routes_alert[];

#endif
