/* relay.h: relay mode: take the pod's pushes, forward them in batches. */
#ifndef PODBOOT_AGENT_RELAY_H
#define PODBOOT_AGENT_RELAY_H

#include <signal.h>

#include "options.h"

/**
 * Check a relay's settings: certificate and key load and match, the
 * relay token reads.
 *
 * @ret rc		0 or a negative error (logged)
 */
int relay_check(const struct options *o);

/**
 * Run the relay until *@stop is set: the listener in this process, the
 * forwarder (which alone holds the relay token) in a child.  On stop the
 * open batch is sealed into the spool and answered, and the forwarder
 * finishes the request under way.
 *
 * @ret rc		0 or a negative error (logged)
 */
int relay_run(const struct options *o, volatile sig_atomic_t *stop);

#endif
