/* metrics_seq.c: the sequence decision of a push: new, late (a gap
 * filled) or duplicate, by token generation, agent epoch and seq; across
 * replicas, the claim of a push in the shared store first. */
#include <string.h>

#include "metrics_seq.h"

/* Shift the window of seen seqs up by @by (new seqs above last_seq). */
static void metrics_seq_shift(uint64_t *seen, unsigned long long by)
{
	size_t words = METRICS_SEQ_WINDOW / 64, w = (size_t)(by / 64), i;
	unsigned int b = (unsigned int)(by % 64);

	if (by >= METRICS_SEQ_WINDOW) {
		memset(seen, 0, words * sizeof(*seen));
		return;
	}
	for (i = words; i-- > 0;) {
		uint64_t v = i >= w ? seen[i - w] << b : 0;

		if (b && i >= w + 1)
			v |= seen[i - w - 1] >> (64 - b);
		seen[i] = v;
	}
}

/* Forget every seq seen: the sender counts from 1 again. */
static void metrics_seq_restart(struct store_push_state *st,
				struct metrics_seqwin *w)
{
	st->last_seq = 0;
	memset(w->seen, 0, sizeof(w->seen));
}

/*
 * Start the window of agent epoch @epoch (the agent lost its sequence
 * file and counts from 1 again).  A batch of the epoch before is
 * SEQ_LATE: delivered, but never newer than what the new epoch sent.
 * Epoch 0 (an agent without epochs) stays in the current window.
 */
static enum metrics_seq metrics_seq_epoch(struct store_push_state *st,
					  struct metrics_seqwin *w,
					  unsigned long long epoch)
{
	if (!epoch || epoch == st->epoch)
		return SEQ_NEW;
	if (w->prev_epoch && epoch == w->prev_epoch)
		return SEQ_LATE;
	w->prev_epoch = st->epoch;
	st->epoch = epoch;
	metrics_seq_restart(st, w);
	return SEQ_NEW;
}

/* @seq is above last_seq: the skipped ones are gaps (their count). */
static unsigned long long metrics_seq_advance(struct store_push_state *st,
					      struct metrics_seqwin *w,
					      unsigned long long seq)
{
	unsigned long long skipped = 0;

	if (st->last_seq && seq > st->last_seq + 1)
		skipped = seq - st->last_seq - 1;
	st->gaps += skipped;
	metrics_seq_shift(w->seen, st->last_seq ? seq - st->last_seq :
						  METRICS_SEQ_WINDOW);
	w->seen[0] |= 1;
	st->last_seq = seq;
	return skipped;
}

enum metrics_seq metrics_seq_classify(struct store_push_state *st,
				      struct metrics_seqwin *w,
				      unsigned long long seq,
				      unsigned long long generation,
				      unsigned long long epoch,
				      long long *gaps)
{
	unsigned long long back;

	*gaps = 0;
	if (seq == 0)
		return SEQ_NEW;
	/* Tokens of a newer generation come from a reinstalled (or newly
	 * assigned) machine, whose agent counts from 1 again. */
	if (generation > st->generation) {
		st->generation = generation;
		metrics_seq_restart(st, w);
	} else if (generation < st->generation) {
		st->duplicates++;	/* revoked tokens never get here */
		return SEQ_DUPLICATE;
	}
	if (metrics_seq_epoch(st, w, epoch) == SEQ_LATE)
		return SEQ_LATE;
	if (seq > st->last_seq) {
		*gaps = (long long)metrics_seq_advance(st, w, seq);
		return SEQ_NEW;
	}
	back = st->last_seq - seq;
	if (back < METRICS_SEQ_WINDOW &&
	    !(w->seen[back / 64] & (1ULL << (back % 64)))) {
		w->seen[back / 64] |= 1ULL << (back % 64);
		if (st->gaps)
			st->gaps--;
		*gaps = -1;
		return SEQ_LATE;
	}
	st->duplicates++;
	return SEQ_DUPLICATE;
}

void metrics_seq_all_seen(struct metrics_seqwin *w)
{
	memset(w->seen, 0xff, sizeof(w->seen));
}

int metrics_seq_claim(struct store *st, const char *id,
		      unsigned long long seq, unsigned long long generation,
		      unsigned long long epoch)
{
	const struct store_push_key k = { id, generation, epoch, seq };

	if (!seq || !store_shared(st))
		return 0;
	return store_push_claim(st, &k);
}

void metrics_seq_unclaim(struct store *st, const char *id,
			 unsigned long long seq, unsigned long long generation,
			 unsigned long long epoch)
{
	const struct store_push_key k = { id, generation, epoch, seq };

	if (seq && store_shared(st))
		store_push_unclaim(st, &k);
}
