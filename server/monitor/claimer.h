/* claimer.h: push claims on a shared store, taken in batches by a thread
 * of their own while the requests that asked wait parked (http_suspend).
 * A claim costs PostgreSQL a transaction; the claims that arrive while a
 * batch runs share the next one. */
#ifndef PODBOOT_CLAIMER_H
#define PODBOOT_CLAIMER_H

#include "pbuf.h"
#include "store.h"

struct claimer;

/* One claim in the queue: @c in, @c.rc out; @done(@arg) is called from
 * the claimer's thread once @c.rc is set, and the item is no longer the
 * claimer's. */
struct claimer_item {
	struct store_push_claim c;
	void (*done)(void *arg);
	void *arg;
	struct claimer_item *next;
};

/**
 * Start a claimer on @st (a shared store).
 *
 * @ret rc		0, or a negative error (nothing started)
 */
int claimer_start(struct claimer **out, struct store *st);

/**
 * Queue @it.
 *
 * @ret rc		0, or -ESHUTDOWN once claimer_stop() has begun (or
 *			without a claimer): claim it the usual way
 */
int claimer_submit(struct claimer *cl, struct claimer_item *it);

/**
 * The batches the claimer has taken so far and the claims they held
 * (both 0 without a claimer).
 */
void claimer_counts(struct claimer *cl, unsigned long long *batches,
		    unsigned long long *claims);

/**
 * Append claimer_counts() to @out as podboot_push_claim_batches_total
 * and podboot_push_claims_total (nothing without a claimer: a store of
 * one process claims nothing).
 *
 * @ret rc		0, or pbuf_printf()'s error
 */
int claimer_expose(struct claimer *cl, struct pbuf *out);

/** Take every claim queued, then stop the thread and free @cl (NULL is
 * fine).  Call once nothing submits any more. */
void claimer_stop(struct claimer *cl);

#endif
