/* metrics.h: the fleet's latest metric samples, in memory: pushes in,
 * staleness, the /metrics exposition, values for alerts and status. */
#ifndef PODBOOT_METRICS_H
#define PODBOOT_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "metrics_result.h"
#include "promtext.h"
#include "store.h"

struct metrics;
struct server_stats;

struct metrics_push {
	const char *id;		/* node id, or a Pushgateway group key */
	const char *pod;	/* "" for groups without a node */
	const char *node;	/* node label ("" for none) */
	unsigned long long seq;	/* 0: no sequence (Pushgateway) */
	unsigned long long generation;	/* of the node token that pushed */
	unsigned long long epoch;	/* the agent's (X-Podboot-Epoch); 0: none */
	unsigned int interval;	/* seconds; 0: the group default */
	int replay;
	int merge;		/* Pushgateway POST: update, not replace */
	/* Pushgateway grouping labels, rendered: job="x",instance="y" */
	const char *group_labels;
	const char *text;	/* the decompressed document */
	size_t len;
};

/** A new, empty store of latest samples; NULL on allocation failure. */
struct metrics *metrics_new(void);
/** Free; NULL is fine. */
void metrics_free(struct metrics *m);

/**
 * Apply one push: the document replaces what @p->id had (or, with merge,
 * updates it), unless its sequence number was already seen.  Limits come
 * from @cfg.  Thread-safe.
 *
 * @ret rc		0 (see @res for refusals and duplicates) or -ENOMEM
 */
int metrics_apply(struct metrics *m, const struct config *cfg,
		  const struct metrics_push *p, struct metrics_result *res);

/**
 * Write the exposition: every series of every node that is up, labelled
 * with pod and node; per-node podboot_node_up and last push time for
 * @cfg's installed nodes and every node that pushed; per-pod aggregates;
 * the server's own counters.  Thread-safe.
 */
int metrics_expose(struct metrics *m, const struct config *cfg,
		   struct store *st, const struct server_stats *stats,
		   struct pbuf *out);

/* A node's push health, for status and alerts. */
struct metrics_node_info {
	int known;			/* ever pushed since start */
	int up;
	long long last_push;		/* unix seconds, 0 if never */
	unsigned int interval;
	size_t series;
	unsigned long long last_seq, pushes, duplicates, gaps, replays;
};

/** Push health of node @id (zeroed if it never pushed). */
void metrics_node_info(struct metrics *m, const struct config *cfg,
		       const char *id, struct metrics_node_info *out);

/**
 * The first value of @metric among node @id's series that carry every
 * label of @match (NULL-terminated pairs name, value), if the node is up.
 * @ret 1 with *value set, or 0
 */
int metrics_value(struct metrics *m, const struct config *cfg, const char *id,
		  const char *metric, const struct config_pair *match,
		  size_t n_match, double *value);

/**
 * Evaluate a rule's comparison for node @id: 1 if some matching series
 * satisfies it (its value in *value), else 0.
 */
int metrics_rule_holds(struct metrics *m, const struct config *cfg,
		       const char *id, const struct config_alert *rule,
		       double *value);

/** Persist and restore push sequence state (duplicates across restarts). */
int metrics_save_state(struct metrics *m, struct store *st);
int metrics_load_state(struct metrics *m, struct store *st);

#endif
