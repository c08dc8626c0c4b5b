/* spool.h: a bounded on-disk queue of batches, kept in sequence order. */
#ifndef PODBOOT_AGENT_SPOOL_H
#define PODBOOT_AGENT_SPOOL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define SPOOL_ENTRIES_MAX 100000	/* files, whatever their size */
#define SPOOL_ITEM_MAX (16u << 20)	/* one batch's body */
#define SPOOL_SEQ_MAX 9007199254740991ULL	/* 2^53 - 1 */

#define SPOOL_OWNER 0x1
#define SPOOL_SHARED 0x2

struct spool_entry {
	uint64_t seq;
	uint64_t size;			/* bytes on disk */
	int64_t mtime;			/* when it was written (Unix s) */
};

/*
 * One directory: SEQ.batch files (SEQ zero-padded to 20 digits), each a
 * header line "PODBOOT-SPOOL 1 KIND SEQ INTERVAL LEN" and LEN bytes; and
 * "seq", the next sequence number and the epoch they belong to, so that
 * numbers keep increasing across restarts.  Files are written atomically (temporary file, fsync,
 * rename), mode 0600: a relay's batches hold node tokens.
 */
struct spool {
	char dir[PATH_MAX];
	char kind[8];			/* "push" (agent) or "batch" (relay) */
	uint64_t max_bytes;
	int shared;			/* another process removes entries */
	uint64_t next_seq;
	/* Random, drawn when the "seq" file is missing: the server starts a
	 * new window of sequence numbers for it (0: an old "seq" file
	 * without one, kept as it was). */
	uint64_t epoch;
	struct spool_entry *entries;	/* sorted by seq, oldest first */
	size_t n;
	size_t cap;
	uint64_t bytes;
	uint64_t dropped;		/* for space, or unreadable */
};

/* A batch read back from the spool. */
struct spool_item {
	uint64_t seq;
	unsigned interval;
	const unsigned char *body;	/* points into buf */
	size_t len;
	unsigned char *buf;		/* wiped and freed by spool_item_free */
	size_t buf_len;
};

/**
 * Open (creating, mode 0700) a spool directory and index it.
 *
 * @v sp		spool to set up; spool_close() it whatever the result
 * @v dir		directory
 * @v kind		"push" or "batch": entries of another kind are refused
 * @v max_bytes		size limit; the oldest entries go first
 * @v flags		SPOOL_OWNER: create the directory and remove the
 *			temporary files a crash left; SPOOL_SHARED: another
 *			process also removes entries (the index is rebuilt
 *			before a limit drops anything)
 * @ret rc		0 or a negative error
 */
int spool_open(struct spool *sp, const char *dir, const char *kind,
	       uint64_t max_bytes, int flags);

/** Free the index; safe on a zeroed or closed spool. */
void spool_close(struct spool *sp);

/** Rebuild the index from the directory; 0 or a negative error. */
int spool_scan(struct spool *sp);

/**
 * Hand out the next sequence number, persisted before it is returned.
 *
 * @ret rc		0 or a negative error (nothing was handed out)
 */
int spool_next_seq(struct spool *sp, uint64_t *seq);

/**
 * Store a batch.  When the spool then exceeds its limits, the oldest
 * entries are deleted and counted in sp->dropped.
 *
 * @ret rc		0; -PB_ETOOBIG if the batch alone exceeds the limit
 *			(it is counted as dropped); or a negative error
 */
int spool_put(struct spool *sp, uint64_t seq, unsigned interval,
	      const void *body, size_t len);

/**
 * Read entry @seq.
 *
 * @v it		receives the batch; the caller spool_item_free()s it
 * @ret rc		0, -ENOENT if it is gone, -EBADMSG if the file is
 *			not a batch of this spool (drop it)
 */
int spool_read(struct spool *sp, uint64_t seq, struct spool_item *it);

/** Wipe and free what spool_read() returned; safe twice. */
void spool_item_free(struct spool_item *it);

/** Delete entry @seq (delivered); 0 also if it was already gone. */
int spool_remove(struct spool *sp, uint64_t seq);

/** Delete entry @seq and count it as dropped. */
int spool_drop(struct spool *sp, uint64_t seq);

#endif
