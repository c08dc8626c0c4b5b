/* batch.c: the relay's open batch: pushes gathered, then spooled. */
#include <inttypes.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "batch.h"
#include "error.h"
#include "log.h"

void batch_init(struct batch *b, struct spool *spool, batch_sealed_fn sealed,
		void *ctx)
{
	memset(b, 0, sizeof(*b));
	pbuf_init(&b->buf, BATCH_BYTES_MAX);
	b->spool = spool;
	b->sealed = sealed;
	b->ctx = ctx;
}

/* Wipe the frames from @from on and forget them. */
static void batch_cut(struct batch *b, size_t from)
{
	if (b->buf.data)
		mbedtls_platform_zeroize(b->buf.data + from,
					 b->buf.len - from);
	b->buf.len = from;
	b->buf.overflow = 0;
}

int batch_seal(struct batch *b)
{
	uint64_t seq = 0, id = b->id;
	unsigned frames = b->frames;
	int rc;

	if (frames == 0)
		return 0;
	rc = spool_next_seq(b->spool, &seq);
	if (rc == 0)
		rc = spool_put(b->spool, seq, 0, b->buf.data, b->buf.len);
	if (rc != 0)
		log_error("spool %s: batch of %u pushes not kept: %s",
			  b->spool->dir, frames, pb_strerror(rc));
	else
		log_debug("batch %" PRIu64 ": %u pushes, %zu bytes", seq,
			  frames, b->buf.len);
	batch_cut(b, 0);
	b->frames = 0;
	b->id++;
	if (b->sealed)
		b->sealed(b->ctx, id, rc == 0);
	return rc;
}

/* Bytes @f would take in a batch (head line at most FRAME_HEAD_MAX). */
static size_t batch_frames_size(const struct frame *f, size_t n)
{
	size_t i, sum = 0;

	for (i = 0; i < n; i++)
		sum += FRAME_HEAD_MAX + f[i].len;
	return sum;
}

int batch_queue(struct batch *b, const struct frame *f, size_t n,
		uint64_t *id)
{
	size_t need = batch_frames_size(f, n), i, mark;
	int rc = 0;

	if (n > BATCH_FRAMES_MAX || need > BATCH_BYTES_MAX)
		return -PB_ETOOBIG;
	if (b->frames + n > BATCH_FRAMES_MAX ||
	    b->buf.len + need > BATCH_BYTES_MAX)
		batch_seal(b);
	mark = b->buf.len;
	for (i = 0; rc == 0 && i < n; i++)
		rc = frame_encode(&b->buf, &f[i]);
	if (rc != 0) {
		batch_cut(b, mark);
		return rc;
	}
	b->frames += (unsigned)n;
	*id = b->id;
	return 0;
}

void batch_free(struct batch *b)
{
	batch_cut(b, 0);
	pbuf_free(&b->buf);
	b->frames = 0;
}
