/* metrics_int.h: what the pieces of the metrics store share: the
 * entities (a node's or a Pushgateway group's latest samples) and the
 * store's table of them. */
#ifndef PODBOOT_METRICS_INT_H
#define PODBOOT_METRICS_INT_H

#include <pthread.h>

#include "metrics.h"
#include "metrics_parse.h"
#include "metrics_seq.h"

#define METRICS_BUCKETS 4096		/* hash buckets of ids (chained) */
#define METRICS_GROUP_STALE_S 300	/* Pushgateway groups' interval */

/* A node's (or a Pushgateway group's) latest samples. */
struct mentity {
	char id[192];
	char pod[64];
	char node[64];
	char *group_labels;		/* job="x",... or NULL */
	struct mseries *series;
	size_t n;
	char *arena;
	long long last_push;		/* unix seconds */
	unsigned int interval;
	struct store_push_state st;	/* sequence bookkeeping */
	struct metrics_seqwin win;	/* seqs seen, the epoch before */
	struct mentity *next;
};

struct metrics {
	pthread_rwlock_t lock;
	struct mentity *buckets[METRICS_BUCKETS];
	size_t total;			/* series held, all entities */
	unsigned long long pushes, samples, duplicates, gaps, replays;
	unsigned long long refused;
};

/** The entity @id, or NULL; the caller holds the lock. */
struct mentity *metrics_find(struct metrics *m, const char *id);

/**
 * Is a sender up: it pushed, and less than @down_after intervals of
 * @interval seconds (0: a Pushgateway group's METRICS_GROUP_STALE_S)
 * passed since @last_push, at @now?  Pure.
 */
int metrics_fresh(long long last_push, unsigned int interval,
		  unsigned int down_after, long long now);

/** metrics_fresh() of entity @e under @cfg. */
int metrics_up(const struct mentity *e, const struct config *cfg,
	       long long now);

#endif
