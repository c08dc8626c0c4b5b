/* remote_write_enc.h: the pure pieces of the remote-write sender: the
 * protobuf encoding of WriteRequest (remote_write.proto), the bounded
 * queue of encoded series, and what a reply means for a batch. */
#ifndef PODBOOT_REMOTE_WRITE_ENC_H
#define PODBOOT_REMOTE_WRITE_ENC_H

#include <stddef.h>
#include <stdint.h>

#include "pbuf.h"
#include "promtext.h"

/* Labels of one series: __name__, pod, node, replica, grouping and its
 * own. */
#define RW_LABELS_MAX (4 + 2 * PROM_LABELS_MAX)
#define RW_BACKOFF_MIN_MS 500
#define RW_BACKOFF_MAX_MS 30000

/* One label of a series being encoded. */
struct rw_label {
	const char *name;
	const char *value;
};

/* What the server adds to a push's series, and room for renamed labels. */
struct rw_extra {
	const char *pod, *node;		/* NULL: neither (own counters) */
	const char *replica;		/* the sending replica, or NULL */
	const struct prom_sample *group;	/* grouping labels, or NULL */
	char renamed[PROM_LABELS_MAX][PROM_NAME_MAX + 16];
};

/* One encoded TimeSeries message (its body, without the outer tag). */
struct rw_blob {
	uint8_t *data;
	size_t len;
};

/* A ring of at most @cap encoded series; the oldest go when it is full. */
struct rw_queue {
	struct rw_blob *ring;
	size_t cap, head, n;
	unsigned long long dropped;	/* series pushed out when full */
};

/* What to do with a batch after one attempt. */
enum rw_verdict {
	RW_SENT,	/* 2xx: delivered */
	RW_RETRY,	/* network error, 5xx, 429: keep and retry later */
	RW_REJECT,	/* other 4xx (and 1xx, 3xx): drop, never retry */
};

/**
 * Encode one TimeSeries with @n labels @l (sorted here by name, in
 * place) and one sample (@value at @ts_ms) into @out, replacing what it
 * held.  Labels with an empty value are left out, as Prometheus does.
 *
 * @ret rc		0, -EINVAL (no labels, too many, or no __name__),
 *			or -ENOMEM / -PB_ETOOBIG from @out
 */
int rw_enc_series(struct pbuf *out, struct rw_label *l, size_t n,
		  double value, int64_t ts_ms);

/**
 * The labels of sample @s as /metrics shows them, into @l (room for
 * RW_LABELS_MAX): __name__, pod and node, replica (on replicas that share
 * a store, so that two never write one series), @x's grouping labels, then its
 * own, a label the server sets itself renamed exported_NAME (the name
 * kept in @x).  The number of labels.
 */
size_t rw_enc_labels(struct rw_extra *x, const struct prom_sample *s,
		     struct rw_label *l);

/**
 * A WriteRequest of the @n series @s (each from rw_enc_series) into
 * @out, replacing what it held.
 *
 * @ret rc		0, or -ENOMEM / -PB_ETOOBIG from @out
 */
int rw_enc_request(struct pbuf *out, const struct rw_blob *s, size_t n);

/** The verdict on an attempt: @transport_ok 0 when no reply came. */
enum rw_verdict rw_enc_verdict(int transport_ok, long status);

/** The next back-off after a failure, from @cur_ms (0: none yet). */
unsigned int rw_enc_backoff(unsigned int cur_ms);

/** An empty queue of at most @cap series; 0 or -ENOMEM (-EINVAL for 0). */
int rw_queue_init(struct rw_queue *q, size_t cap);

/** Free every series held and the ring; safe twice. */
void rw_queue_free(struct rw_queue *q);

/**
 * Append @b (the queue takes ownership of b->data); when full, the
 * oldest series is freed first and counted in q->dropped.  Never fails,
 * never blocks.
 */
void rw_queue_push(struct rw_queue *q, struct rw_blob b);

/**
 * Move up to @max of the oldest series into @out (the caller owns them
 * then); the number moved.
 */
size_t rw_queue_take(struct rw_queue *q, struct rw_blob *out, size_t max);

#endif
