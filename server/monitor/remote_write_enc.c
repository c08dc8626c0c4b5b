/* remote_write_enc.c: the pure pieces of the remote-write sender: the
 * protobuf encoding of WriteRequest (remote_write.proto), the bounded
 * queue of encoded series, and what a reply means for a batch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote_write_enc.h"

/* Protobuf wire types (the low three bits of a tag). */
#define WT_VARINT 0
#define WT_I64 1
#define WT_LEN 2

#define TAG(field, wt) ((uint8_t)(((field) << 3) | (wt)))

/* Append @v as a base-128 varint. */
static int rw_enc_varint(struct pbuf *out, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;

	do {
		b[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			b[n] |= 0x80;
		n++;
	} while (v);
	return pbuf_append(out, b, n);
}

/* Append field @tag (wire type LEN) holding @len bytes at @p. */
static int rw_enc_bytes(struct pbuf *out, uint8_t tag, const void *p,
			size_t len)
{
	int rc = pbuf_append(out, &tag, 1);

	if (rc == 0)
		rc = rw_enc_varint(out, len);
	if (rc == 0 && len)
		rc = pbuf_append(out, p, len);
	return rc;
}

/* The size of @v as a varint. */
static size_t rw_enc_varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >>= 7)
		n++;
	return n;
}

/* Append one Label message (tag, length, name, value). */
static int rw_enc_label(struct pbuf *out, const struct rw_label *l)
{
	size_t nl = strlen(l->name), vl = strlen(l->value);
	size_t body = 2 + rw_enc_varint_len(nl) + nl + rw_enc_varint_len(vl) +
		      vl;
	uint8_t tag = TAG(1, WT_LEN);
	int rc = pbuf_append(out, &tag, 1);

	if (rc == 0)
		rc = rw_enc_varint(out, body);
	if (rc == 0)
		rc = rw_enc_bytes(out, TAG(1, WT_LEN), l->name, nl);
	if (rc == 0)
		rc = rw_enc_bytes(out, TAG(2, WT_LEN), l->value, vl);
	return rc;
}

/* Append one Sample message: value (double, little-endian), timestamp. */
static int rw_enc_sample(struct pbuf *out, double value, int64_t ts_ms)
{
	uint8_t s[2 + 1 + 8 + 1 + 10];
	uint64_t bits, ts = (uint64_t)ts_ms;
	size_t n = 0, i;

	memcpy(&bits, &value, sizeof(bits));
	s[n++] = TAG(2, WT_LEN);
	s[n++] = (uint8_t)(1 + 8 + 1 + rw_enc_varint_len(ts));
	s[n++] = TAG(1, WT_I64);
	for (i = 0; i < 8; i++)
		s[n++] = (uint8_t)(bits >> (8 * i));
	s[n++] = TAG(2, WT_VARINT);
	do {
		s[n] = (uint8_t)(ts & 0x7f);
		ts >>= 7;
		if (ts)
			s[n] |= 0x80;
		n++;
	} while (ts);
	return pbuf_append(out, s, n);
}

/* qsort order of labels: by name, bytewise, as the protocol demands. */
static int rw_enc_label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rw_label *)a)->name,
		      ((const struct rw_label *)b)->name);
}

int rw_enc_series(struct pbuf *out, struct rw_label *l, size_t n,
		  double value, int64_t ts_ms)
{
	int rc = 0, named = 0;
	size_t i;

	pbuf_truncate(out, 0);
	if (n == 0 || n > RW_LABELS_MAX)
		return -EINVAL;
	qsort(l, n, sizeof(*l), rw_enc_label_cmp);
	for (i = 0; i < n; i++)
		if (strcmp(l[i].name, "__name__") == 0 && l[i].value[0])
			named = 1;
	if (!named)
		return -EINVAL;
	for (i = 0; i < n && rc == 0; i++)
		if (l[i].value[0])
			rc = rw_enc_label(out, &l[i]);
	if (rc == 0)
		rc = rw_enc_sample(out, value, ts_ms);
	return rc;
}

/* Is @name a label the server sets itself on @x's series? */
static int rw_enc_reserved(const struct rw_extra *x, const char *name)
{
	size_t i;

	if (x->pod && (strcmp(name, "pod") == 0 || strcmp(name, "node") == 0))
		return 1;
	if (x->replica && strcmp(name, "replica") == 0)
		return 1;
	for (i = 0; x->group && i < x->group->n_labels; i++)
		if (strcmp(name, x->group->labels[i].name) == 0)
			return 1;
	return 0;
}

size_t rw_enc_labels(struct rw_extra *x, const struct prom_sample *s,
		     struct rw_label *l)
{
	size_t n = 0, i;

	l[n++] = (struct rw_label){ "__name__", s->name };
	if (x->pod) {
		l[n++] = (struct rw_label){ "pod", x->pod };
		l[n++] = (struct rw_label){ "node", x->node };
	}
	if (x->replica)
		l[n++] = (struct rw_label){ "replica", x->replica };
	for (i = 0; x->group && i < x->group->n_labels && n < RW_LABELS_MAX;
	     i++)
		l[n++] = (struct rw_label){ x->group->labels[i].name,
					    x->group->labels[i].value };
	for (i = 0; i < s->n_labels && n < RW_LABELS_MAX; i++) {
		if (rw_enc_reserved(x, s->labels[i].name)) {
			snprintf(x->renamed[i], sizeof(x->renamed[i]),
				 "exported_%s", s->labels[i].name);
			l[n++] = (struct rw_label){ x->renamed[i],
						    s->labels[i].value };
		} else {
			l[n++] = (struct rw_label){ s->labels[i].name,
						    s->labels[i].value };
		}
	}
	return n;
}

int rw_enc_request(struct pbuf *out, const struct rw_blob *s, size_t n)
{
	size_t i;
	int rc = 0;

	pbuf_truncate(out, 0);
	for (i = 0; i < n && rc == 0; i++)
		rc = rw_enc_bytes(out, TAG(1, WT_LEN), s[i].data, s[i].len);
	return rc;
}

enum rw_verdict rw_enc_verdict(int transport_ok, long status)
{
	if (!transport_ok || status >= 500 || status == 429)
		return RW_RETRY;
	if (status >= 200 && status < 300)
		return RW_SENT;
	return RW_REJECT;
}

unsigned int rw_enc_backoff(unsigned int cur_ms)
{
	if (cur_ms < RW_BACKOFF_MIN_MS)
		return RW_BACKOFF_MIN_MS;
	return cur_ms >= RW_BACKOFF_MAX_MS / 2 ? RW_BACKOFF_MAX_MS :
						 cur_ms * 2;
}

int rw_queue_init(struct rw_queue *q, size_t cap)
{
	memset(q, 0, sizeof(*q));
	if (cap == 0)
		return -EINVAL;
	q->ring = calloc(cap, sizeof(*q->ring));
	if (!q->ring)
		return -ENOMEM;
	q->cap = cap;
	return 0;
}

void rw_queue_free(struct rw_queue *q)
{
	struct rw_blob b;

	while (rw_queue_take(q, &b, 1))
		free(b.data);
	free(q->ring);
	q->ring = NULL;
	q->cap = 0;
}

void rw_queue_push(struct rw_queue *q, struct rw_blob b)
{
	if (!q->cap) {
		free(b.data);
		q->dropped++;
		return;
	}
	if (q->n == q->cap) {
		free(q->ring[q->head].data);
		q->head = (q->head + 1) % q->cap;
		q->n--;
		q->dropped++;
	}
	q->ring[(q->head + q->n) % q->cap] = b;
	q->n++;
}

size_t rw_queue_take(struct rw_queue *q, struct rw_blob *out, size_t max)
{
	size_t k = 0;

	while (k < max && q->n) {
		out[k++] = q->ring[q->head];
		q->ring[q->head].data = NULL;
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
	return k;
}
