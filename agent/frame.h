/* frame.h: the frames of a relay batch (docs/push-protocol.md). */
#ifndef PODBOOT_AGENT_FRAME_H
#define PODBOOT_AGENT_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "promtext.h"

#define FRAME_TOKEN_MAX 256		/* node token bytes */
#define FRAME_HEAD_MAX 400		/* one "PUSH ..." line */
#define FRAME_SEQ_MAX 9007199254740991ULL	/* 2^53 - 1: exact in JSON */
#define FRAME_INTERVAL_MAX 3600

/*
 * One node push inside a batch.  Decoded frames point into the batch
 * buffer; nothing is copied.
 */
struct frame {
	const char *token;		/* not NUL-terminated */
	size_t token_len;
	uint64_t seq;			/* 1..FRAME_SEQ_MAX */
	unsigned interval;		/* 1..FRAME_INTERVAL_MAX */
	int replay;			/* 0 or 1 */
	int gzip;			/* 1 gzip, 0 identity */
	uint64_t epoch;			/* the agent's; 0: none (old agents) */
	const unsigned char *body;
	size_t len;
};

/** 1 if @t (@len bytes) is an RFC 6750 b64token of at most
 *  FRAME_TOKEN_MAX bytes: [A-Za-z0-9._~+/-]+ then '=' padding. */
int frame_token_valid(const char *t, size_t len);

/**
 * Append @f to @b as "PUSH token seq interval replay encoding LEN\n"
 * (with " EPOCH" before the newline when @f has one) and the body.  The token is checked again, so that no frame can inject
 * another.
 *
 * @ret rc		0, -EINVAL for an invalid field, -PB_ETOOBIG when
 *			@b is full (@b is then left as it was)
 */
int frame_encode(struct pbuf *b, const struct frame *f);

/**
 * Decode the frame at *@off of @buf and advance *@off past it.
 *
 * @v buf, len		the batch body
 * @v off		position; moved past the frame on success
 * @v max_body		largest body accepted
 * @v f			receives the frame (pointing into @buf)
 * @ret rc		0, 1 at the end of @buf, -EBADMSG when malformed,
 *			-PB_ETOOBIG for a body over @max_body
 */
int frame_next(const unsigned char *buf, size_t len, size_t *off,
	       size_t max_body, struct frame *f);

#endif
