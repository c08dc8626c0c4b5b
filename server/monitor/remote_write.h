/* remote_write.h: the remote-write sender: pushed samples and the
 * server's own counters to Prometheus-compatible TSDBs, through a
 * bounded queue per target and one sender thread. */
#ifndef PODBOOT_REMOTE_WRITE_H
#define PODBOOT_REMOTE_WRITE_H

#include "config.h"
#include "metrics.h"
#include "promtext.h"

struct remote_write;
struct server;

/** Start the sender thread for @srv; 0 or a negative error. */
int remote_write_start(struct remote_write **out, struct server *srv);

/** Stop the thread and free what is queued; NULL is fine. */
void remote_write_stop(struct remote_write *rw);

/**
 * Queue the samples of accepted push @p for every target of @cfg,
 * labelled with pod and node as /metrics shows them, stamped with the
 * time of the push.  Never blocks on the network: a full queue drops
 * its oldest samples.  NULL @rw or no targets: nothing.
 */
void remote_write_push(struct remote_write *rw, const struct config *cfg,
		       const struct metrics_push *p);

/** The sender's own metrics, per target, for /metrics; NULL is fine. */
int remote_write_expose(struct remote_write *rw, struct pbuf *out);

#endif
