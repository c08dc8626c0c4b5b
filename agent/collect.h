/* collect.h: one collection of node metrics in the Prometheus text format. */
#ifndef PODBOOT_AGENT_COLLECT_H
#define PODBOOT_AGENT_COLLECT_H

#include <stdint.h>

#include "promtext.h"

#define COLLECT_TEXT_MAX (4u << 20)	/* one collection, uncompressed */
#define COLLECT_FILE_MAX (1u << 20)	/* one /proc file */

/* The agent's own health, reported by the "agent" collector. */
struct collect_stats {
	uint64_t collections;		/* including this one */
	uint64_t push_failures;		/* deliveries no upstream took */
	uint64_t push_rejected;		/* batches refused for good (4xx) */
	uint64_t spool_dropped;		/* batches lost to the spool limit */
	uint64_t spool_bytes;
	uint64_t spool_batches;
	double last_push;		/* Unix time of the last delivery */
	uint64_t replay_bytes;		/* spooled batch bytes sent again */
	uint64_t replay_paced_ms;	/* waits under --replay-rate-kbps */
};

/**
 * Run every collector, appending their families to @out.  A collector
 * that fails leaves nothing behind and is reported as
 * podboot_agent_collector_success{collector} 0.
 *
 * @v out		buffer (pbuf_init'ed with COLLECT_TEXT_MAX)
 * @v procfs		where /proc is mounted
 * @v st		health counters (collections is incremented)
 * @ret rc		0, or -PB_ETOOBIG if even the health did not fit
 */
int collect_all(struct pbuf *out, const char *procfs,
		struct collect_stats *st);

/* ---- for the collectors (collect_proc.c, collect_fs.c) ---------------- */

/* What a collector gets. */
struct collect_ctx {
	const char *procfs;
	struct pbuf file;		/* scratch: the last file read */
	const struct collect_stats *st;
	double start;			/* when the collection began */
};

/**
 * Read @procfs/@rel whole into c->file (at most COLLECT_FILE_MAX bytes),
 * NUL-terminated.  /proc files report no size, so this reads to EOF.
 *
 * @ret rc		0 or a negative error
 */
int collect_read(struct collect_ctx *c, const char *rel);

/**
 * Next line of [*p, end), without its newline; NULL at the end.
 *
 * @v len		receives the line's length
 */
const char *collect_line(const char **p, const char *end, size_t *len);

/** Next field of [*p, end) separated by spaces or tabs; NULL at the end. */
const char *collect_field(const char **p, const char *end, size_t *len);

/** Fill @l, truncating nothing: -PB_ETOOBIG if @value is too long. */
int collect_label(struct prom_label *l, const char *name, const char *value,
		  size_t len);

/** A family of one unlabelled sample. */
int collect_single(struct pbuf *b, const char *name, const char *help,
		   enum prom_type type, double value);

/** Wall-clock time as a double. */
double collect_now(void);

/* The collectors, each appending whole families to @b. */
int collect_cpu(struct pbuf *b, struct collect_ctx *c);
int collect_stat(struct pbuf *b, struct collect_ctx *c);
int collect_meminfo(struct pbuf *b, struct collect_ctx *c);
int collect_loadavg(struct pbuf *b, struct collect_ctx *c);
int collect_netdev(struct pbuf *b, struct collect_ctx *c);
int collect_uname(struct pbuf *b, struct collect_ctx *c);
int collect_filesystem(struct pbuf *b, struct collect_ctx *c);

#endif
