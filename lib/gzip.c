/* gzip.c: gzip bodies of metric pushes, both ways (zlib): agent and server. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <zlib.h>

#include "error.h"
#include "gzip.h"
#include "log.h"

/* windowBits 15, plus 16 for a gzip header instead of zlib's. */
#define GZIP_WINDOW (15 + 16)
#define GZIP_MEMLEVEL 8

int gzip_compress(const void *in, size_t len, size_t max, unsigned char **out,
		  size_t *out_len)
{
	unsigned char *buf = NULL;
	z_stream z = { 0 };
	size_t bound;
	int zrc, rc = 0;

	*out = NULL;
	*out_len = 0;
	if (len > UINT32_MAX)
		return -PB_ETOOBIG;
	zrc = deflateInit2(&z, 6, Z_DEFLATED, GZIP_WINDOW, GZIP_MEMLEVEL,
			   Z_DEFAULT_STRATEGY);
	if (zrc != Z_OK)
		return zrc == Z_MEM_ERROR ? -ENOMEM : -EIO;
	bound = deflateBound(&z, (uLong)len);
	if (bound > max)
		bound = max;
	buf = malloc(bound ? bound : 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)bound;
	zrc = deflate(&z, Z_FINISH);
	if (zrc != Z_STREAM_END) {
		/* Only a result over @max leaves the stream unfinished. */
		rc = zrc == Z_OK || zrc == Z_BUF_ERROR ? -PB_ETOOBIG : -EIO;
		goto out;
	}
	*out = buf;
	*out_len = z.total_out;
	buf = NULL;
out:
	free(buf);
	deflateEnd(&z);
	return rc;
}

int gzip_decompress(const void *in, size_t len, struct pbuf *out)
{
	unsigned char chunk[16384];
	z_stream z = { 0 };
	int zrc, rc = 0;

	if (len > UINT32_MAX)
		return -PB_ETOOBIG;
	if (inflateInit2(&z, GZIP_WINDOW) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		zrc = inflate(&z, Z_NO_FLUSH);
		if (zrc != Z_OK && zrc != Z_STREAM_END) {
			rc = -EBADMSG;
			break;
		}
		rc = pbuf_append(out, chunk, sizeof(chunk) - z.avail_out);
	} while (rc == 0 && zrc != Z_STREAM_END &&
		 (z.avail_in || z.avail_out == 0));
	if (rc == 0 && zrc != Z_STREAM_END)
		rc = -EBADMSG;		/* truncated */
	inflateEnd(&z);
	return rc;
}
