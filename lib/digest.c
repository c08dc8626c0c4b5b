/* digest.c: streaming message digests over nettle's implementations. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nettle/nettle-meta.h>

#include "digest.h"
#include "fileio.h"

/* DER contents of the digest OIDs iPXE accepts. */
#define OID_NIST_HASH "\x60\x86\x48\x01\x65\x03\x04\x02"

static const struct digest_alg digest_algs[] = {
	{ "sha1", MBEDTLS_MD_SHA1, &nettle_sha1, "\x2b\x0e\x03\x02\x1a", 5 },
	{ "sha224", MBEDTLS_MD_SHA224, &nettle_sha224, OID_NIST_HASH "\x04",
	  9 },
	{ "sha256", MBEDTLS_MD_SHA256, &nettle_sha256, OID_NIST_HASH "\x01",
	  9 },
	{ "sha384", MBEDTLS_MD_SHA384, &nettle_sha384, OID_NIST_HASH "\x02",
	  9 },
	{ "sha512", MBEDTLS_MD_SHA512, &nettle_sha512, OID_NIST_HASH "\x03",
	  9 },
};

#define DIGEST_COUNT (sizeof(digest_algs) / sizeof(digest_algs[0]))

/* Big enough to keep syscalls rare, small enough to stay in cache. */
#define DIGEST_CHUNK (256 * 1024)

const struct digest_alg *digest_by_md(mbedtls_md_type_t md)
{
	size_t i;

	for (i = 0; i < DIGEST_COUNT; i++)
		if (digest_algs[i].md == md)
			return &digest_algs[i];
	return NULL;
}

const struct digest_alg *digest_by_oid(const unsigned char *oid, size_t len)
{
	size_t i;

	for (i = 0; i < DIGEST_COUNT; i++)
		if (digest_algs[i].oid_len == len &&
		    memcmp(digest_algs[i].oid, oid, len) == 0)
			return &digest_algs[i];
	return NULL;
}

const struct digest_alg *digest_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < DIGEST_COUNT; i++)
		if (strcmp(digest_algs[i].name, name) == 0)
			return &digest_algs[i];
	return NULL;
}

size_t digest_size(const struct digest_alg *alg)
{
	return alg->hash->digest_size;
}

void digest_init(struct digest *d, const struct digest_alg *alg)
{
	d->alg = alg;
	alg->hash->init(&d->ctx);
}

void digest_update(struct digest *d, const void *data, size_t len)
{
	d->alg->hash->update(&d->ctx, len, data);
}

void digest_final(struct digest *d, uint8_t *out)
{
	d->alg->hash->digest(&d->ctx, d->alg->hash->digest_size, out);
}

int digest_fd(int fd, const struct digest_alg *const *algs, size_t count,
	      uint8_t out[][DIGEST_MAX_SIZE], unsigned long long *total)
{
	struct digest d[DIGEST_COUNT];
	unsigned long long sum = 0;
	unsigned char *buf;
	ssize_t n;
	size_t i;
	int rc = 0;

	if (count > DIGEST_COUNT)
		return -EINVAL;
	buf = malloc(DIGEST_CHUNK);
	if (!buf)
		return -ENOMEM;
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (i = 0; i < count; i++)
		digest_init(&d[i], algs[i]);
	for (;;) {
		n = fileio_read_some(fd, buf, DIGEST_CHUNK);
		if (n < 0) {
			rc = (int)n;
			goto out;
		}
		if (n == 0)
			break;
		for (i = 0; i < count; i++)
			digest_update(&d[i], buf, (size_t)n);
		sum += (unsigned long long)n;
	}
	for (i = 0; i < count; i++)
		digest_final(&d[i], out[i]);
	if (total)
		*total = sum;
out:
	free(buf);
	return rc;
}

void digest_sha256(const void *data, size_t len, uint8_t *out)
{
	struct digest d;

	digest_init(&d, digest_by_md(MBEDTLS_MD_SHA256));
	digest_update(&d, data, len);
	digest_final(&d, out);
}

void digest_hex(const uint8_t *bin, size_t len, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[bin[i] >> 4];
		hex[2 * i + 1] = digits[bin[i] & 0xf];
	}
	hex[2 * len] = '\0';
}
