/* metrics_seq.h: the sequence decision of a push: new, late (a gap
 * filled) or duplicate, by token generation, agent epoch and seq. */
#ifndef PODBOOT_METRICS_SEQ_H
#define PODBOOT_METRICS_SEQ_H

#include <stdint.h>

#include "store.h"

#define METRICS_SEQ_WINDOW 1024		/* late batches recognised */

/* What a push's sequence number means for the node's samples. */
enum metrics_seq {
	SEQ_NEW,		/* newer than any seen: applied */
	SEQ_LATE,		/* older, never seen: counted, not applied */
	SEQ_DUPLICATE,		/* seen before: nothing changes */
};

/* The window of seqs that arrived, beside the stored state. */
struct metrics_seqwin {
	/* Which of the METRICS_SEQ_WINDOW seqs up to last_seq arrived:
	 * bit i is seq last_seq - i.  A late batch (a relay's spool) is
	 * told from a duplicate by it. */
	uint64_t seen[METRICS_SEQ_WINDOW / 64];
	unsigned long long prev_epoch;	/* the window before st.epoch's */
};

/**
 * Classify push @seq of token @generation and agent @epoch against the
 * node's @st and @w, and advance them (last_seq, the window, the node's
 * gaps and duplicates).  Touches nothing else: a pure function of its
 * arguments.
 *
 * @v gaps		set to the change of the fleet's gap count: the
 *			seqs skipped (> 0), -1 for a gap filled, or 0
 * @ret seq		SEQ_NEW, SEQ_LATE or SEQ_DUPLICATE
 */
enum metrics_seq metrics_seq_classify(struct store_push_state *st,
				      struct metrics_seqwin *w,
				      unsigned long long seq,
				      unsigned long long generation,
				      unsigned long long epoch,
				      long long *gaps);

/**
 * Across replicas (store_shared()), take push @seq of node @id, token
 * @generation and agent @epoch in the store before it is applied, so
 * that a push replayed to another replica is a duplicate there too.
 * Without sharing (SQLite, one process), or without a seq, the window in
 * memory decides alone: 0 at once.
 *
 * @ret rc		0 (apply it), 1 (a duplicate: another replica, or
 *			this one, took it), or a store error
 */
int metrics_seq_claim(struct store *st, const char *id,
		      unsigned long long seq, unsigned long long generation,
		      unsigned long long epoch);

/** Give back what metrics_seq_claim() took for a push then refused. */
void metrics_seq_unclaim(struct store *st, const char *id,
			 unsigned long long seq, unsigned long long generation,
			 unsigned long long epoch);

/** Mark the whole window seen (state restored after a restart). */
void metrics_seq_all_seen(struct metrics_seqwin *w);

#endif
