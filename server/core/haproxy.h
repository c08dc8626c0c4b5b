/* haproxy.h: the haproxy.cfg that puts HAProxy in front of podboot's
 * replicas (TLS passed through, health checks on /healthz). */
#ifndef PODBOOT_HAPROXY_H
#define PODBOOT_HAPROXY_H

#include <stddef.h>

#include "config.h"
#include "pbuf.h"

/* What the command line adds to the configuration. */
struct haproxy_opts {
	char listen[CONFIG_REPLICA_LEN];	/* "ADDR:PORT"; "" derived */
	unsigned int check_s;		/* seconds between health checks */
	char stats[CONFIG_REPLICA_LEN];	/* "ADDR:PORT" of a stats page, or "" */
	/* "ADDR:PORT" for monitoring traffic (pushes, /metrics): to the
	 * alert leader only; "" for none */
	char monitor[CONFIG_REPLICA_LEN];
};

/**
 * Render HAProxy's configuration for the replicas of @cfg
 * (server.replicas) into @out: one TCP frontend on @o->listen (default:
 * every address, the port of server.base_url), TLS passed through so that
 * clients see podboot's own certificate chain, and a backend whose
 * servers are checked with GET /healthz over TLS, verified against
 * server.root_cert for the host of base_url.  A replica that fails its
 * checks, or refuses a connection, is skipped; sessions to one marked
 * down are cut so that clients retry.  With @o->monitor, a second
 * frontend there whose backend is only the replica that leads the alerts
 * (checked on /healthz/leader): the one that holds the fleet's metrics,
 * evaluates the rules and answers /metrics.
 *
 * @v err		receives one line on failure
 * @ret rc		0, -EINVAL (no replicas, a base_url without a host),
 *			or -ENOMEM
 */
int haproxy_render(const struct config *cfg, const struct haproxy_opts *o,
		   struct pbuf *out, char *err, size_t errlen);

#endif
