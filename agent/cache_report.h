/* cache_report.h: what the relay's cache tells the central server: the
 * digests it holds and how many whole files it served to which machine. */
#ifndef PODBOOT_AGENT_CACHE_REPORT_H
#define PODBOOT_AGENT_CACHE_REPORT_H

#include <stdint.h>

#include "cache.h"
#include "https.h"
#include "pbuf.h"
#include "url.h"

#define CACHE_REPORT_SERVED_MAX 256	/* (machine, digest) pairs counted */
#define CACHE_REPORT_WHO_MAX 63		/* a node id or an IP address */
#define CACHE_REPORT_LINE_MAX 192	/* one "served ..." line */
#define CACHE_REPORT_BODY_MAX (256u << 10)	/* one report's JSON */

/* Whole files of one digest served to one machine since the relay
 * started. */
struct cache_served {
	char who[CACHE_REPORT_WHO_MAX + 1];	/* node id, else its address */
	char hex[CACHE_HEX_LEN + 1];
	uint64_t count;
	uint64_t bytes;
};

/* The counts, in the order their pairs were first seen. */
struct cache_tally {
	struct cache_served e[CACHE_REPORT_SERVED_MAX];
	unsigned n;
	uint64_t unlisted;		/* servings past a full table */
};

/**
 * Count one whole file of @hex (@bytes long) served to @who in @t.
 *
 * @ret e		the pair's entry, now counted; NULL when the table is
 *			full (counted in @t->unlisted) or @who is unusable
 */
const struct cache_served *cache_tally_add(struct cache_tally *t,
					   const char *who, const char *hex,
					   uint64_t bytes);

/**
 * The line that passes @e's running totals to the fetcher:
 * "served HEX WHO COUNT BYTES\n" into @buf (CACHE_REPORT_LINE_MAX bytes).
 *
 * @ret len		its length, or -PB_ETOOBIG
 */
int cache_report_line(const struct cache_served *e, char *buf, size_t size);

/**
 * Take a "served ..." line (its newline removed) into @t: the pair's
 * totals become the line's (totals, so a lost line is made good by the
 * next).
 *
 * @ret rc		0, -EINVAL for a malformed line, -ENOSPC when @t is
 *			full
 */
int cache_tally_parse(struct cache_tally *t, const char *line);

/**
 * The report's JSON into @out: {"since": @since, "held": [HEX...],
 * "served": [{"node", "sha256", "count", "bytes"}...]}; held is every
 * committed entry of @c.
 *
 * @ret rc		0, or a negative errno (-PB_ETOOBIG past the maximum)
 */
int cache_report_body(const struct cache *c, const struct cache_tally *t,
		      long long since, struct pbuf *out);

/**
 * PUT the report @body to @u's /api/v1/pods/@pod/cache with the relay
 * @token (as the relay authenticates its pushes); failures are logged.
 *
 * @ret rc		0 on a 2xx; a negative error otherwise
 */
int cache_report_put(struct https_client *cl, const struct url *u,
		     const char *pod, const char *token,
		     const struct pbuf *body);

#endif
