/* podcache.h: what each pod's artifact cache last reported (PUT
 * /api/v1/pods/NAME/cache, relay token): the digests it holds, since when,
 * and the whole files it served to each machine.  Kept in memory: a
 * restarted server knows again with the next report, which every relay
 * with --pod sends at least once a minute. */
#ifndef PODBOOT_PODCACHE_H
#define PODBOOT_PODCACHE_H

#include <stddef.h>

#include "http.h"

#define PODCACHE_HELD_MAX 1024		/* digests in one report */
#define PODCACHE_SERVED_MAX 256		/* (machine, digest) pairs in one */
#define PODCACHE_WHO_MAX 63		/* a node id or an address */
#define PODCACHE_BODY_MAX (256u << 10)	/* one report's JSON */
#define PODCACHE_PODS_MAX 4096		/* pods whose report is kept */

/* Whole files of one digest a pod's cache served to one machine. */
struct podcache_served {
	char who[PODCACHE_WHO_MAX + 1];	/* node id, else its address */
	char sha256[65];
	unsigned long long count;
	unsigned long long bytes;
};

/* One pod's cache as last reported. */
struct podcache_report {
	long long reported;		/* unix seconds of the report */
	long long since;		/* the cache's start, as it says */
	size_t n_held;
	char held[PODCACHE_HELD_MAX][65];
	long long held_at[PODCACHE_HELD_MAX];	/* first report listing it */
	size_t n_served;
	struct podcache_served served[PODCACHE_SERVED_MAX];
};

/**
 * Parse the report @body (@len bytes) into @out (reported and held_at
 * left 0): {"since": N, "held": [HEX...], "served": [{"node", "sha256",
 * "count", "bytes"}...]}, every digest 64 lower-case hex digits, every
 * node [A-Za-z0-9._:-]{1,63}, within the maxima above.  Pure.
 *
 * @ret rc		0, or -EINVAL with the reason in @why
 */
int podcache_parse(const char *body, size_t len, struct podcache_report *out,
		   char *why, size_t why_size);

/**
 * Keep @rep as pod @pod's report at @now: a digest the previous report
 * listed keeps its held_at, a new one gets @now.  @rep is updated so.
 *
 * @ret rc		0, -ENOMEM, or -ENOSPC past PODCACHE_PODS_MAX pods
 */
int podcache_put(const char *pod, struct podcache_report *rep,
		 long long now);

/**
 * Pod @pod's last report into @out.
 *
 * @ret rc		0, or -ENOENT when its cache has not reported
 */
int podcache_get(const char *pod, struct podcache_report *out);

/** When @rep first listed @sha256 as held, or 0 if it does not. */
long long podcache_held_at(const struct podcache_report *rep,
			   const char *sha256);

/** Forget every report (tests, shutdown). */
void podcache_clear(void);

/* PUT /api/v1/pods/NAME/cache. */
extern const struct http_route routes_podcache[];

#endif
