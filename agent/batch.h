/* batch.h: the relay's open batch: pushes gathered, then spooled. */
#ifndef PODBOOT_AGENT_BATCH_H
#define PODBOOT_AGENT_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "pbuf.h"
#include "spool.h"

#define BATCH_BYTES_MAX (4u << 20)	/* one batch, sealed at this size */
#define BATCH_FRAMES_MAX 1000		/* frames in one batch */

/**
 * Told that batch @id was sealed: written to the spool (@ok 1) or not
 * (@ok 0, its pushes must be refused).  Called only for a batch that
 * held frames.
 */
typedef void (*batch_sealed_fn)(void *ctx, uint64_t id, int ok);

/*
 * The open batch.  Every batch has an id, counted from 0 in this
 * process: a queued push learns the id of the batch that holds it, and
 * is answered when that batch is sealed.
 */
struct batch {
	struct pbuf buf;		/* encoded frames; wiped when sealed */
	unsigned frames;
	uint64_t id;			/* of the open batch */
	struct spool *spool;		/* not owned */
	batch_sealed_fn sealed;
	void *ctx;
};

/**
 * Start an empty batch sealed into @spool (not owned; it must outlive
 * the batch), telling @sealed (with @ctx) after each seal.
 */
void batch_init(struct batch *b, struct spool *spool, batch_sealed_fn sealed,
		void *ctx);

/**
 * Queue @n frames into the open batch, all or none, sealing it first if
 * they would not fit.  The frames are copied.
 *
 * @v id		receives the id of the batch that holds them
 * @ret rc		0; -PB_ETOOBIG if they exceed an empty batch;
 *			-EINVAL for a frame frame_encode() refuses
 */
int batch_queue(struct batch *b, const struct frame *f, size_t n,
		uint64_t *id);

/**
 * Seal the open batch: write it to the spool under the next sequence
 * number, wipe it, open the next one and tell the sealed function.
 * Nothing happens to an empty batch.
 *
 * @ret rc		0, or the spool's negative error (logged; the
 *			batch's pushes are then lost and told so)
 */
int batch_seal(struct batch *b);

/** Wipe and free the open batch's frames; safe twice. */
void batch_free(struct batch *b);

#endif
