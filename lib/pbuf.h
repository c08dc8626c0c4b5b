/* pbuf.h: a growable byte buffer with a hard maximum size, shared by the
 * server (replies, exposition) and the agent (pushes, batches). */
#ifndef PODBOOT_PBUF_H
#define PODBOOT_PBUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * The text written so far is data[0..len), always NUL-terminated once
 * anything is written.  A write that would pass max is refused and sets
 * overflow for good: later writes are refused too, so the contents stay a
 * prefix of what the caller wrote.  A caller may clear overflow (and
 * raise max) to write a closing note.
 */
struct pbuf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
	int overflow;			/* a write did not fit under max */
};

/** Start an empty buffer that may grow to @max bytes. */
void pbuf_init(struct pbuf *b, size_t max);
/** Free the buffer's memory; the struct may be reused after pbuf_init. */
void pbuf_free(struct pbuf *b);
/**
 * Append printf-style.
 *
 * @ret rc		0; -PB_ETOOBIG past max (overflow is then set);
 *			-ENOMEM; -EINVAL for a format vsnprintf refuses
 */
int pbuf_printf(struct pbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/** pbuf_printf() with a va_list (which it consumes). */
int pbuf_vprintf(struct pbuf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/** Append @len bytes; returns as pbuf_printf(). */
int pbuf_append(struct pbuf *b, const void *data, size_t len);
/** Drop what was written after @len (a write that failed half-way). */
void pbuf_truncate(struct pbuf *b, size_t len);

#endif
