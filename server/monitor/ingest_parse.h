/* ingest_parse.h: what a push's request says, decided without I/O: its
 * headers, a relay batch's frame heads, the Pushgateway grouping path,
 * and the service discovery targets of a configuration. */
#ifndef PODBOOT_INGEST_PARSE_H
#define PODBOOT_INGEST_PARSE_H

#include <stddef.h>

#include <jansson.h>

#include "config.h"

#define INGEST_SEQ_MAX (1LL << 62)	/* X-Podboot-Seq and a frame's seq */
#define INGEST_INTERVAL_MAX 3600	/* seconds between an agent's pushes */
#define INGEST_EPOCH_MAX 9007199254740991LL	/* 2^53 - 1: exact in JSON */
#define INGEST_TOKEN_MAX 160		/* a frame's token, with its NUL */

/* The sequencing of one push: its headers, or a batch frame's head. */
struct ingest_frame {
	char token[INGEST_TOKEN_MAX];	/* a frame's node token */
	unsigned long long seq;		/* 0: none */
	unsigned long long epoch;	/* the agent's; 0: none */
	unsigned long long len;		/* a frame's body bytes */
	unsigned int interval;
	int replay;
	int gzip;
	const char *bad;		/* why the frame alone is refused */
};

/**
 * A decimal number from a header or field: @def when @v is NULL, -1 when
 * it is not a plain number up to @max.
 */
long long ingest_number(const char *v, long long def, long long max);

/**
 * The X-Podboot-Seq, -Interval and -Epoch headers of a push (NULL when
 * absent: seq 0, interval 15 s, epoch 0) into @h.
 *
 * @ret rc		0, or -EINVAL with the reason in *@why
 */
int ingest_push_headers(const char *seq, const char *interval,
			const char *epoch, struct ingest_frame *h,
			const char **why);

/**
 * One frame's head, "PUSH token seq interval replay encoding len" and an
 * optional " epoch", single blanks, split in place in @line.  -EINVAL if
 * it does not parse or its length is not a plain number: the batch
 * cannot go on.  Otherwise 0, with f->bad set if seq, interval, replay or
 * the epoch is not a plain number within a single push's limits: that
 * frame alone is refused.
 */
int ingest_frame_header(char *line, struct ingest_frame *f);

/**
 * Why a well-formed frame @f is refused, with its HTTP status in
 * *@status, or NULL to apply it: in this order, a token that is not a
 * node's (!@token_ok), a node no longer @configured, a body over
 * @max_push, numbers out of bounds (f->bad).
 */
const char *ingest_frame_refusal(int token_ok, int configured,
				 unsigned long long max_push,
				 const struct ingest_frame *f,
				 unsigned int *status);

/**
 * Pushgateway path JOB{/LABEL/VALUE} into rendered grouping labels
 * (job="JOB",LABEL="VALUE") in @out, every part checked first.
 *
 * @ret rc		0, or -EINVAL with the reason in @why
 */
int ingest_grouping(const char *rest, char *out, size_t size, char *why,
		    size_t why_size);

/**
 * Prometheus HTTP service discovery of @cfg: one target group per pod,
 * its nodes' addresses (else host names), labelled with the pod and site.
 * NULL if jansson fails; the caller owns the result.
 */
json_t *ingest_sd_groups(const struct config *cfg);

#endif
