/* pbuf.c: a growable byte buffer with a hard maximum size. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pbuf.h"

/* First allocation, and the largest maximum honoured. */
#define PBUF_MIN 256
#define PBUF_MAX_LIMIT (SIZE_MAX / 2)

void pbuf_init(struct pbuf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max < PBUF_MAX_LIMIT ? max : PBUF_MAX_LIMIT;
	b->overflow = 0;
}

void pbuf_free(struct pbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->overflow = 0;
}

/*
 * Make room for @n more bytes and a NUL, doubling the allocation up to
 * max + 1.  Past max the buffer overflows for good: later writes are
 * refused too, so its contents stay a prefix of what the caller wrote.
 */
static int pbuf_reserve(struct pbuf *b, size_t n)
{
	size_t want, cap;
	char *data;
	int rc = 0;

	if (b->overflow || n > b->max - b->len) {
		b->overflow = 1;
		rc = -PB_ETOOBIG;
	} else if (b->len + n + 1 > b->cap) {
		want = b->len + n + 1;
		cap = b->cap ? b->cap : PBUF_MIN;
		while (cap < want)
			cap *= 2;
		if (cap > b->max + 1)
			cap = b->max + 1;
		data = realloc(b->data, cap);
		if (!data) {
			rc = -ENOMEM;
		} else {
			b->data = data;
			b->cap = cap;
		}
	}
	return rc;
}

void pbuf_truncate(struct pbuf *b, size_t len)
{
	b->len = len;
	if (b->data)
		b->data[len] = '\0';
}

int pbuf_append(struct pbuf *b, const void *data, size_t len)
{
	int rc = pbuf_reserve(b, len);

	if (rc == 0) {
		if (len > 0)
			memcpy(b->data + b->len, data, len);
		b->len += len;
		b->data[b->len] = '\0';
	}
	return rc;
}

int pbuf_vprintf(struct pbuf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n, rc;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	rc = n < 0 ? -EINVAL : pbuf_reserve(b, (size_t)n);
	if (rc == 0) {
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, again);
		b->len += (size_t)n;
	}
	va_end(again);
	return rc;
}

int pbuf_printf(struct pbuf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = pbuf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}
