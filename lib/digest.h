/* digest.h: streaming message digests (nettle, hardware-accelerated). */
#ifndef PODBOOT_DIGEST_H
#define PODBOOT_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/md.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

/** Largest digest we produce (SHA-512). */
#define DIGEST_MAX_SIZE 64

/** One digest algorithm: how mbedTLS names it and how nettle runs it. */
struct digest_alg {
	const char *name;		/* "sha256" */
	mbedtls_md_type_t md;		/* mbedTLS identifier */
	const struct nettle_hash *hash;	/* nettle implementation */
	const char *oid;		/* DER OID contents */
	size_t oid_len;
};

/** A running digest. */
struct digest {
	const struct digest_alg *alg;
	union {
		struct sha1_ctx sha1;
		struct sha256_ctx sha256;
		struct sha512_ctx sha512;
	} ctx;
};

/** Algorithm by mbedTLS type, or NULL if we do not support it. */
const struct digest_alg *digest_by_md(mbedtls_md_type_t md);
/** Algorithm by DER OID contents, or NULL if unsupported. */
const struct digest_alg *digest_by_oid(const unsigned char *oid, size_t len);
/** Algorithm by name ("sha256"), or NULL. */
const struct digest_alg *digest_by_name(const char *name);
/** Output size of @alg in bytes. */
size_t digest_size(const struct digest_alg *alg);

/** Start a digest of @alg in @d. */
void digest_init(struct digest *d, const struct digest_alg *alg);
/** Feed @len bytes. */
void digest_update(struct digest *d, const void *data, size_t len);
/** Finish into @out (digest_size bytes); @d may be re-initialised after. */
void digest_final(struct digest *d, uint8_t *out);

/**
 * Digest everything readable from @fd, in bounded memory.
 *
 * @v fd		open file descriptor, read until end of file
 * @v algs		algorithms to compute in one pass
 * @v count		number of algorithms (at most 5)
 * @v out		receives each digest at out[i]
 * @v total		receives the number of bytes read (may be NULL)
 * @ret rc		0 or a negative errno
 */
int digest_fd(int fd, const struct digest_alg *const *algs, size_t count,
	      uint8_t out[][DIGEST_MAX_SIZE], unsigned long long *total);

/** Convenience: SHA-256 of a buffer into @out (32 bytes). */
void digest_sha256(const void *data, size_t len, uint8_t *out);

/** Lower-case hex of @len bytes into @hex (2 * len + 1 bytes). */
void digest_hex(const uint8_t *bin, size_t len, char *hex);

#endif
