/* forward.h: a relay's forwarder: its spooled batches go upstream, in order. */
#ifndef PODBOOT_AGENT_FORWARD_H
#define PODBOOT_AGENT_FORWARD_H

#include <signal.h>

#include "options.h"

/**
 * The forwarder process: read the relay token, then send the spooled
 * batches upstream, oldest first, as POST /api/v1/push/batch; delete each
 * one on 2xx or on a refusal for good; back off while no upstream
 * answers.  A byte on @wake_fd says a new batch was spooled.
 *
 * @v stop		set by SIGTERM: the request under way is finished
 * @ret rc		0 on stop, or a negative error (logged)
 */
int forward_run(const struct options *o, int wake_fd,
		volatile sig_atomic_t *stop);

#endif
