/* inspect.c: --spool-list, --spool-show: what a spool directory holds. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "collect.h"
#include "error.h"
#include "frame.h"
#include "gzip.h"
#include "log.h"
#include "inspect.h"
#include "spool.h"

/* The frames of a relay batch, one line each. */
static void inspect_frames(const struct spool_item *it, FILE *out)
{
	struct frame f;
	size_t off = 0;
	int rc;

	while ((rc = frame_next(it->body, it->len, &off, SPOOL_ITEM_MAX,
				&f)) == 0)
		fprintf(out, "  frame seq=%" PRIu64 " interval=%u replay=%d "
			"encoding=%s bytes=%zu\n", f.seq, f.interval, f.replay,
			f.gzip ? "gzip" : "identity", f.len);
	if (rc < 0)
		fprintf(out, "  malformed frame at byte %zu\n", off);
}

/* The entries of @sp, read as batches of @kind. */
static void inspect_entries(struct spool *sp, FILE *out)
{
	struct spool_item it;
	size_t i;

	for (i = 0; i < sp->n; i++) {
		if (spool_read(sp, sp->entries[i].seq, &it) != 0) {
			fprintf(out, "%" PRIu64 " %" PRIu64 " unreadable\n",
				sp->entries[i].seq, sp->entries[i].size);
			continue;
		}
		fprintf(out, "%" PRIu64 " %" PRIu64 " %s interval=%u\n",
			it.seq, sp->entries[i].size, sp->kind, it.interval);
		if (strcmp(sp->kind, "batch") == 0)
			inspect_frames(&it, out);
		spool_item_free(&it);
	}
}

/* Open @dir read-only and find out whose spool it is. */
static int inspect_open(struct spool *sp, const char *dir)
{
	struct spool_item it;
	int rc;

	/* Not the owner: nothing is created or cleaned up. */
	rc = spool_open(sp, dir, "push", UINT64_MAX, SPOOL_SHARED);
	if (rc == 0 && sp->n) {
		if (spool_read(sp, sp->entries[0].seq, &it) == -EBADMSG)
			strcpy(sp->kind, "batch");
		spool_item_free(&it);
	}
	if (rc != 0)
		log_error("spool %s: %s", dir, pb_strerror(rc));
	return rc;
}

int inspect_spool(const char *dir, FILE *out)
{
	struct spool sp;
	int rc;

	rc = inspect_open(&sp, dir);
	if (rc != 0)
		goto out;
	fprintf(out, "# %s: %zu batches, %" PRIu64 " bytes, next seq %" PRIu64
		"\n", dir, sp.n, sp.bytes, sp.next_seq);
	inspect_entries(&sp, out);
out:
	spool_close(&sp);
	return rc;
}

/* One body as text: gzip is decompressed (bounded), identity as it is. */
static int inspect_body(const unsigned char *body, size_t len, int gzip,
			FILE *out)
{
	struct pbuf text;
	int rc = 0;

	pbuf_init(&text, COLLECT_TEXT_MAX);
	if (gzip)
		rc = gzip_decompress(body, len, &text);
	if (rc == 0 && fwrite(gzip ? (unsigned char *)text.data : body, 1,
			      gzip ? text.len : len, out) != (gzip ? text.len :
									  len))
		rc = -EIO;
	pbuf_free(&text);
	return rc;
}

int inspect_show(const char *dir, uint64_t seq, FILE *out)
{
	struct spool_item it = { 0 };
	struct spool sp;
	struct frame f;
	size_t off = 0;
	int rc;

	rc = inspect_open(&sp, dir);
	if (rc == 0)
		rc = spool_read(&sp, seq, &it);
	if (rc == 0 && strcmp(sp.kind, "push") == 0)
		rc = inspect_body(it.body, it.len, 1, out);
	while (rc == 0 && strcmp(sp.kind, "batch") == 0 &&
	       (rc = frame_next(it.body, it.len, &off, SPOOL_ITEM_MAX,
				&f)) == 0) {
		fprintf(out, "# frame seq=%" PRIu64 " interval=%u replay=%d\n",
			f.seq, f.interval, f.replay);
		rc = inspect_body(f.body, f.len, f.gzip, out);
	}
	if (rc == 1)
		rc = 0;
	if (rc != 0)
		log_error("spool %s: batch %" PRIu64 ": %s", dir, seq,
			  pb_strerror(rc));
	spool_item_free(&it);
	spool_close(&sp);
	return rc;
}
