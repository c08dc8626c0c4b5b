/* cache_pool.h: a small fixed pool of threads that stream the cache's
 * answers to the pod's machines, so that a fan-out uses every core while
 * the listener goes on accepting, reading requests and taking pushes. */
#ifndef PODBOOT_AGENT_CACHE_POOL_H
#define PODBOOT_AGENT_CACHE_POOL_H

#include "cache_serve.h"

#define CACHE_POOL_MAX 16		/* --cache-workers at most */

struct cache_pool;
struct relayconn;

/**
 * Start @workers threads (1 to CACHE_POOL_MAX), each able to hold all
 * @max_conns connections, streaming entries of @s (read only: the cache
 * directory).  They block every signal: the listener takes them.
 *
 * @ret rc		0 or a negative errno (logged); *@out is NULL then
 */
int cache_pool_start(struct cache_pool **out, unsigned workers,
		     unsigned max_conns, const struct cache_serve *s);

/**
 * Hand @c (state RCS_FILE: its answer's head in c->out, c->file_fd open)
 * to the worker holding the fewest connections.  Until it comes back
 * through cache_pool_back(), only that worker touches @c; the listener
 * reads nothing of it but c->state and c->ref, which no worker writes.
 */
void cache_pool_give(struct cache_pool *p, struct relayconn *c);

/** The descriptor that turns readable when a connection comes back. */
int cache_pool_fd(const struct cache_pool *p);

/**
 * One connection a worker is done with, or NULL: *@rc is 0 when its
 * whole answer went out, else why it was cut (a negative errno or
 * mbedTLS code); the listener then owns it again.  Drains the wake-up
 * descriptor once none is left.
 */
struct relayconn *cache_pool_back(struct cache_pool *p, int *rc);

/**
 * Stop and join the workers; connections they held stay as they are
 * (the caller frees every slot).  Safe on NULL.
 */
void cache_pool_stop(struct cache_pool *p);

#endif
