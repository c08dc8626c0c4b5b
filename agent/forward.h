/* forward.h: a relay's forwarder: its spooled batches go upstream, in order. */
#ifndef PODBOOT_AGENT_FORWARD_H
#define PODBOOT_AGENT_FORWARD_H

#include <signal.h>

#include "options.h"
#include "ratelimit.h"

/**
 * The forwarder process: read the relay token, then send the spooled
 * batches upstream, oldest first, as POST /api/v1/push/batch; delete each
 * one on 2xx or on a refusal for good; back off while no upstream
 * answers.  A byte on @wake_fd says a new batch was spooled.  Each
 * request waits its turn under @link (the pod link, --wan-rate-kbps,
 * shared with the cache's fetcher); in a catch-up (the spool held
 * batches that could not go at once) also under --replay-rate-kbps.
 *
 * @v link		the pod link's bucket (rate 0: no cap)
 * @v stop		set by SIGTERM: the request under way is finished
 * @ret rc		0 on stop, or a negative error (logged)
 */
int forward_run(const struct options *o, struct ratelimit_shared *link,
		int wake_fd, volatile sig_atomic_t *stop);

#endif
