/* frame.c: the frames of a relay batch (docs/push-protocol.md). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "error.h"
#include "frame.h"
#include "num.h"

int frame_token_valid(const char *t, size_t len)
{
	size_t i = 0;

	if (len == 0 || len > FRAME_TOKEN_MAX)
		return 0;
	while (i < len &&
	       ((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') ||
		(t[i] >= '0' && t[i] <= '9') ||
		(t[i] && strchr("-._~+/", t[i]))))
		i++;
	if (i == 0)
		return 0;
	while (i < len && t[i] == '=')
		i++;
	return i == len;
}

int frame_encode(struct pbuf *b, const struct frame *f)
{
	size_t mark = b->len;
	int rc;

	if (!frame_token_valid(f->token, f->token_len) || f->seq == 0 ||
	    f->seq > FRAME_SEQ_MAX || f->interval == 0 ||
	    f->interval > FRAME_INTERVAL_MAX || f->epoch > FRAME_SEQ_MAX)
		return -EINVAL;
	rc = pbuf_printf(b, "PUSH %.*s %" PRIu64 " %u %d %s %zu",
			 (int)f->token_len, f->token, f->seq, f->interval,
			 f->replay ? 1 : 0, f->gzip ? "gzip" : "identity",
			 f->len);
	if (rc == 0 && f->epoch)
		rc = pbuf_printf(b, " %" PRIu64, f->epoch);
	if (rc == 0)
		rc = pbuf_append(b, "\n", 1);
	if (rc == 0)
		rc = pbuf_append(b, f->body, f->len);
	if (rc != 0) {
		/* Never leave half a frame: the batch must stay parseable. */
		b->len = mark;
		b->overflow = 0;
	}
	return rc;
}

/* Next space-separated field of the head line; NULL past its end. */
static const char *frame_field(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *sp;

	if (s >= end)
		return NULL;
	sp = memchr(s, ' ', (size_t)(end - s));
	*len = (size_t)((sp ? sp : end) - s);
	*p = sp ? sp + 1 : end;
	return *len ? s : NULL;
}

/* Parse the fields of "PUSH token seq interval replay enc len [epoch]". */
static int frame_head(const char *p, const char *end, size_t max_body,
		      struct frame *f)
{
	const char *s;
	uint64_t v;
	size_t n;

	if (!(s = frame_field(&p, end, &n)) || n != 4 || memcmp(s, "PUSH", 4))
		return -EBADMSG;
	if (!(f->token = frame_field(&p, end, &f->token_len)) ||
	    !frame_token_valid(f->token, f->token_len))
		return -EBADMSG;
	if (!(s = frame_field(&p, end, &n)) ||
	    num_parse_u64(s, n, FRAME_SEQ_MAX, &f->seq) || f->seq == 0)
		return -EBADMSG;
	if (!(s = frame_field(&p, end, &n)) ||
	    num_parse_u64(s, n, FRAME_INTERVAL_MAX, &v) || v == 0)
		return -EBADMSG;
	f->interval = (unsigned)v;
	if (!(s = frame_field(&p, end, &n)) || num_parse_u64(s, n, 1, &v))
		return -EBADMSG;
	f->replay = (int)v;
	if (!(s = frame_field(&p, end, &n)))
		return -EBADMSG;
	if (n == 4 && memcmp(s, "gzip", 4) == 0)
		f->gzip = 1;
	else if (n == 8 && memcmp(s, "identity", 8) == 0)
		f->gzip = 0;
	else
		return -EBADMSG;
	if (!(s = frame_field(&p, end, &n)) ||
	    num_parse_u64(s, n, SIZE_MAX, &v))
		return -EBADMSG;
	if (p != end &&
	    (!(s = frame_field(&p, end, &n)) || p != end ||
	     num_parse_u64(s, n, FRAME_SEQ_MAX, &f->epoch) || f->epoch == 0))
		return -EBADMSG;
	if (v > max_body)
		return -PB_ETOOBIG;
	f->len = (size_t)v;
	return 0;
}

int frame_next(const unsigned char *buf, size_t len, size_t *off,
	       size_t max_body, struct frame *f)
{
	const char *start = (const char *)buf + *off, *nl;
	size_t avail = len - *off, head;
	int rc;

	if (*off >= len)
		return 1;
	nl = memchr(start, '\n', avail < FRAME_HEAD_MAX ? avail :
							   FRAME_HEAD_MAX);
	if (!nl)
		return -EBADMSG;
	memset(f, 0, sizeof(*f));
	rc = frame_head(start, nl, max_body, f);
	if (rc != 0)
		return rc;
	head = (size_t)(nl - start) + 1;
	if (f->len > avail - head)
		return -EBADMSG;
	f->body = buf + *off + head;
	*off += head + f->len;
	return 0;
}
