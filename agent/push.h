/* push.h: agent mode: collect, compress, deliver or spool, replay. */
#ifndef PODBOOT_AGENT_PUSH_H
#define PODBOOT_AGENT_PUSH_H

#include <signal.h>

#include "collect.h"
#include "ratelimit.h"
#include "options.h"
#include "spool.h"
#include "upstream.h"

#define PUSH_BODY_MAX (1u << 20)	/* one compressed push */

/* What became of a collection. */
enum push_outcome {
	PUSH_DELIVERED,			/* an upstream has it */
	PUSH_SPOOLED,			/* on disk, to be replayed */
	PUSH_REJECTED,			/* refused for good, dropped */
	PUSH_FAILED,			/* neither delivered nor spooled */
};

struct push {
	const struct options *o;
	struct spool spool;
	struct upstream up;
	struct collect_stats st;
	struct ratelimit replay;	/* --replay-rate-kbps */
};

/**
 * Open the spool and set up the upstreams.
 *
 * @v p			push_free() it whatever the result
 * @ret rc		0 or a negative error (logged)
 */
int push_init(struct push *p, const struct options *o);
/** Free everything push_init() set up; safe twice. */
void push_free(struct push *p);

/**
 * One round: collect, compress, number, then replay the spool (oldest
 * first) and deliver the new batch after it, or spool it.
 *
 * @v replay_s		stop replaying after this many seconds (0: no
 *			limit); what is left waits for the next round
 * @v out		receives what became of the new batch
 * @ret rc		0 or a negative error
 */
int push_round(struct push *p, unsigned replay_s, enum push_outcome *out);

/**
 * Collect every @o->interval seconds until *@stop is set; the push under
 * way is finished first.
 *
 * @ret rc		0 or a negative error
 */
int push_run(const struct options *o, volatile sig_atomic_t *stop);

/** --once: one round; 0 delivered, 3 spooled, 1 refused or failed. */
int push_once(const struct options *o);

/** --print: one collection, uncompressed, on stdout; 0 or 1. */
int push_print(const struct options *o);

#endif
