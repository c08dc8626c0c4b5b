/* gzip.h: gzip bodies of metric pushes, both ways (zlib): agent and server. */
#ifndef PODBOOT_GZIP_H
#define PODBOOT_GZIP_H

#include <stddef.h>

#include "promtext.h"

/**
 * Compress @in into a gzip member (RFC 1952 header and trailer).
 *
 * @v in, len		data
 * @v max		largest result accepted
 * @v out		receives a malloc'd buffer; the caller frees it
 * @v out_len		receives its length
 * @ret rc		0, -PB_ETOOBIG, -ENOMEM or -EIO
 */
int gzip_compress(const void *in, size_t len, size_t max, unsigned char **out,
		  size_t *out_len);

/**
 * Decompress one gzip member into @out, refusing more than its maximum
 * (a small body may expand enormously).
 *
 * @v out		pbuf_init'ed buffer, appended to
 * @ret rc		0, -PB_ETOOBIG, -EBADMSG (not gzip, or truncated)
 */
int gzip_decompress(const void *in, size_t len, struct pbuf *out);

#endif
