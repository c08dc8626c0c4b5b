/* cache.h: the relay's artifact cache on disk: content-addressed entries,
 * their commit records, tamper checks and eviction. */
#ifndef PODBOOT_AGENT_CACHE_H
#define PODBOOT_AGENT_CACHE_H

#include <limits.h>
#include <stdint.h>

#define CACHE_NAME_MAX 64		/* artifact name bytes */
#define CACHE_HEX_LEN 64		/* sha256 in lower-case hex */
#define CACHE_PINNED_MAX 1024		/* digests in DIR/pinned */
#define CACHE_NODE_MAX 63		/* node id bytes in /node/ID/ */

/* An artifact request the cache may answer. */
struct cache_ref {
	char node[CACHE_NODE_MAX + 1];	/* the machine's claim, or "" */
	char name[CACHE_NAME_MAX + 1];
	char hex[CACHE_HEX_LEN + 1];
	int sig;			/* the .sig beside it */
};

/* The cache directory and its bound. */
struct cache {
	char dir[PATH_MAX];		/* DIR; entries in DIR/sha256/ */
	uint64_t max_bytes;
};

/**
 * Parse a request target "/artifacts/NAME@sha256:HEX" or the same with
 * ".sig": NAME is [A-Za-z0-9][A-Za-z0-9._-]* (at most CACHE_NAME_MAX),
 * HEX 64 lower-case hex digits, nothing after (no query).  Either may
 * follow "/node/ID" (ID: [A-Za-z0-9][A-Za-z0-9._-]*, at most
 * CACHE_NODE_MAX), the node stage2 rendered the URL for: only what the
 * cache reports as the reader, never a credential.
 *
 * @ret rc		0, or -EINVAL: not one the cache answers
 */
int cache_parse_target(const char *target, struct cache_ref *ref);

/** 1 if @s is CACHE_HEX_LEN lower-case hex digits and nothing more. */
int cache_hex_valid(const char *s);

/**
 * Open (creating 0700) DIR and DIR/sha256.
 *
 * @ret rc		0 or a negative errno (logged)
 */
int cache_open(struct cache *c, const char *dir, uint64_t max_bytes);

/**
 * The path of entry @hex with @suffix ("", ".sig", ".ok", ".part",
 * ".len", ".sig.part") into @buf.
 *
 * @ret rc		0 or -PB_ETOOBIG
 */
int cache_path(const struct cache *c, const char *hex, const char *suffix,
	       char *buf, size_t size);

/**
 * Write the commit record of @hex (size, mtime, ctime and inode of the
 * file and its .sig) atomically: what cache_check() compares.
 *
 * @ret rc		0 or a negative errno
 */
int cache_record(const struct cache *c, const char *hex);

/**
 * Is @hex committed and unchanged since its commit?  An entry whose file
 * or .sig differs from its record (a byte flipped, truncated, replaced)
 * is deleted and logged.
 *
 * @ret rc		0 committed; -ENOENT not cached; -EBADMSG tampered
 *			(now deleted)
 */
int cache_check(const struct cache *c, const char *hex);

/** Delete every file of entry @hex (also partial ones); logs @why. */
void cache_drop(const struct cache *c, const char *hex, const char *why);

/** Mark @hex used now (its record's mtime): the LRU clock. */
void cache_touch(const struct cache *c, const char *hex);

/**
 * The digests of the committed entries (in no order), at most @max, into
 * @out.
 *
 * @ret n		how many, or a negative errno
 */
int cache_held(const struct cache *c, char (*out)[CACHE_HEX_LEN + 1],
	       int max);

/**
 * Evict committed entries, least recently used first, until the cache
 * holds at most max_bytes; never one listed in DIR/pinned (one digest a
 * line: the pod's current set) nor one @in_use(@ctx, hex) says is open.
 *
 * @ret n		entries evicted, or a negative errno
 */
int cache_evict(const struct cache *c,
		int (*in_use)(void *ctx, const char *hex), void *ctx);

#endif
