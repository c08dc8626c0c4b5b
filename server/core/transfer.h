/* transfer.h: bodies in flight: the reserve of connections they may not
 * take, and the minimum rate they must keep. */
#ifndef PODBOOT_TRANSFER_H
#define PODBOOT_TRANSFER_H

#include <pthread.h>
#include <stdatomic.h>

/* Where a transfer watch gets the current limits.min_rate and
 * limits.min_rate_grace_s (they change at each reload). */
typedef void (*transfer_limits_fn)(void *ctx, unsigned int *rate,
				   unsigned int *grace_s);

/* Bodies from this size on are transfers: smaller ones fit in the socket
 * buffers at once, and a client that does not read them is idle. */
#define TRANSFER_MIN_BODY (64 * 1024)

/* What a transfer is; TRANSFER_RESERVED ones count against
 * limits.max_transfers. */
enum transfer_kind {
	TRANSFER_DOWNLOAD = 0,		/* a response body */
	TRANSFER_UPLOAD = 1,		/* a request body */
	TRANSFER_RESERVED = 2,		/* flag: counted against the reserve */
};

/* One body in flight; lives inside its request (struct http_req). */
struct transfer {
	struct transfer *prev, *next;
	int fd;				/* the connection's socket */
	int kind;			/* enum transfer_kind bits */
	long long start_ms;		/* monotonic */
	unsigned long long base;	/* TCP bytes counted before it began */
	long long win_ms;		/* monotonic start of the current window */
	unsigned long long win_bytes;	/* TCP bytes counted at that start */
	char what[200];			/* "CLIENT METHOD PATH", for the log */
	int listed;
};

/* Every transfer of the server, and the thread that watches their rate. */
struct transfers {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct transfer *head;
	unsigned int reserved;		/* TRANSFER_RESERVED ones listed */
	int stop;
	int running;
	pthread_t thread;
	transfer_limits_fn limits;	/* the current limits */
	void *limits_ctx;
	atomic_ullong *in_flight;	/* the owner's counters: reserved ones */
	atomic_ullong *cut;		/* and those cut below the rate */
};

/**
 * Begin @t on socket @fd.  With TRANSFER_RESERVED in @kind, refused when
 * @max such transfers are in flight already.
 *
 * @v ts		the server's transfers
 * @v t			zeroed or ended record, filled and listed
 * @v fd		the connection's socket
 * @v kind		TRANSFER_DOWNLOAD or TRANSFER_UPLOAD, maybe | RESERVED
 * @v max		limit of reserved transfers
 * @v what		"CLIENT METHOD PATH", copied (already cleaned)
 * @ret rc		0, or -EBUSY when the reserve is reached
 */
int transfer_begin(struct transfers *ts, struct transfer *t, int fd,
		   int kind, unsigned int max, const char *what);

/** End @t (taken off the list); safe on a record never begun or ended. */
void transfer_end(struct transfers *ts, struct transfer *t);

/**
 * Start the thread that cuts transfers slower than limits.min_rate
 * (bytes per second over each successive window of
 * limits.min_rate_grace_s seconds from their start), as the server's
 * current configuration sets them.  Reserved transfers in flight are kept
 * in *@in_flight and each cut counted in *@cut (the server's /healthz
 * and /metrics counters).
 *
 * @v limits		called once per look (twice a second) for the limits
 * @ret rc		0 or a negative error
 */
int transfer_start(struct transfers *ts, transfer_limits_fn limits,
		   void *limits_ctx, atomic_ullong *in_flight,
		   atomic_ullong *cut);

/** Stop that thread; safe if it never started.  Frees nothing else. */
void transfer_stop(struct transfers *ts);

/* What the watch does with a transfer at the end of a tick. */
enum transfer_verdict {
	TRANSFER_WAIT,		/* its window of grace_s is not over */
	TRANSFER_PASS,		/* it kept the rate: a new window begins */
	TRANSFER_CUT,		/* below the rate over its window: cut */
};

/**
 * The verdict on a transfer whose window began at @win_ms with @win_bytes
 * moved, now (@now ms) at @bytes: the window lasts at least @grace_s
 * seconds (1 if 0), and passes when it moved @rate bytes per second of
 * it.  Pure: the watch applies it.
 *
 * @ret verdict		TRANSFER_WAIT, TRANSFER_PASS or TRANSFER_CUT
 */
enum transfer_verdict transfer_verdict_of(long long win_ms, long long now,
					 unsigned long long win_bytes,
					 unsigned long long bytes,
					 unsigned int rate,
					 unsigned int grace_s);

#endif
