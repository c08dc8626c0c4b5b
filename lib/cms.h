/* cms.h: detached CMS signatures in the one form iPXE's imgverify accepts. */
#ifndef PODBOOT_CMS_H
#define PODBOOT_CMS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "digest.h"
#include "rng.h"

/** Largest signature file we read: certificates included, far above need. */
#define CMS_SIG_MAX (1024 * 1024)
/** Most certificates and signerInfos one signature may carry. */
#define CMS_MAX_CERTS 16
#define CMS_MAX_SIGNERS 8
/** iPXE's allowance for a wrong clock when it checks validity (12.5 h). */
#define CMS_TIME_MARGIN (12 * 60 * 60 + 30 * 60)

/**
 * Sign a digest: DER CMS SignedData, content detached, no signed
 * attributes, signer identified by issuer and serial number, every
 * certificate of @chain included (signer first).
 *
 * @v alg		digest algorithm of @hash
 * @v hash		digest of the content
 * @v key		signer's private key
 * @v chain		signer's certificate, then any to include (the root)
 * @v rng		random generator (ECDSA nonces, RSA blinding)
 * @v der		receives a malloc'd DER signature; the caller frees it
 * @v der_len		receives its length
 * @ret rc		0, -PB_ESIGN, -PB_EKEY_MISMATCH, -ENOMEM, or
 *			-PB_ECMS_PUBKEY_ALG for ECDSA with SHA-1 (iPXE has
 *			ecdsa-with-SHA224/256/384/512 only)
 */
int cms_sign_digest(const struct digest_alg *alg, const uint8_t *hash,
		    mbedtls_pk_context *key, const mbedtls_x509_crt *chain,
		    struct rng *rng, unsigned char **der, size_t *der_len);

/** As cms_sign_digest(), hashing (SHA-256) everything readable from @fd. */
int cms_sign_fd(int fd, mbedtls_pk_context *key,
		const mbedtls_x509_crt *chain, struct rng *rng,
		unsigned char **der, size_t *der_len);

struct cms_verify_opts {
	const mbedtls_x509_crt *roots;	/* trusted roots */
	const char *name;		/* required signer name, or NULL */
	time_t now;			/* time at which to check validity */
};

struct cms_verify_result {
	unsigned int verified;		/* signerInfos that verified */
	char signer[256];		/* subject of the last one verified */
};

/**
 * Verify a detached signature over everything readable from @fd, by
 * iPXE's rules: every signerInfo (or, with a name, every one whose
 * certificate carries it) must chain to a trusted root, hold
 * digitalSignature and codeSigning, and match the content.  Names match as
 * iPXE's x509_check_name(): the first commonName or a DNS or IP
 * subjectAltName, without case, "*." standing for the first label.
 * ecdsa-with-SHA1 is refused, as iPXE refuses it.
 *
 * @v sig		signature, DER or PEM; must be NUL-terminated at
 *			sig[sig_len] when PEM
 * @v sig_len		its length
 * @v fd		content
 * @v opts		roots, name, time
 * @v result		filled on success (may be NULL)
 * @ret rc		0, or the -PB_ECMS_* code naming the reason
 */
int cms_verify_fd(const unsigned char *sig, size_t sig_len, int fd,
		  const struct cms_verify_opts *opts,
		  struct cms_verify_result *result);

/**
 * cms_verify_fd() when the caller has already hashed the content: signers
 * that use SHA-256 are checked against @sha256 (32 bytes, the digest of
 * exactly what @fd holds), and @fd is read only if a signer uses another
 * algorithm.  @sha256 NULL: as cms_verify_fd().
 */
int cms_verify_fd_sha256(const unsigned char *sig, size_t sig_len, int fd,
			 const uint8_t *sha256,
			 const struct cms_verify_opts *opts,
			 struct cms_verify_result *result);

#endif
