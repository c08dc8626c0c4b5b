/* authenticode.h: Authenticode signatures of PE/COFF images (what UEFI
 * Secure Boot checks): written with mbedTLS, and checked the same way. */
#ifndef PODBOOT_AUTHENTICODE_H
#define PODBOOT_AUTHENTICODE_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "digest.h"
#include "pecoff.h"
#include "rng.h"

/** RSA key sizes UEFI signing accepts (firmware verifies RSA only). */
#define AUTHENTICODE_RSA_MIN 2048
#define AUTHENTICODE_RSA_MAX 4096

/**
 * Sign an image hash: DER PKCS#7 SignedData whose content is an
 * SpcIndirectDataContent (SPC_PE_IMAGE_DATA, the DigestInfo of
 * @image_hash), with signed attributes contentType, messageDigest and
 * an empty SpcSpOpusInfo, the signer by issuer and serial, every
 * certificate of @chain included.
 *
 * @v alg		digest algorithm of @image_hash (and of the attributes)
 * @v image_hash	pecoff_digest() of the image to sign
 * @v key		signer's RSA private key
 * @v chain		signer's certificate, then any to include
 * @v rng		random generator (RSA blinding)
 * @v der		receives a malloc'd signature; the caller frees it
 * @v der_len		receives its length
 * @ret rc		0, -PB_EAUTH_KEY (not RSA 2048..4096 bits),
 *			-PB_EKEY_MISMATCH, -PB_ESIGN or -ENOMEM
 */
int authenticode_sign(const struct digest_alg *alg, const uint8_t *image_hash,
		      mbedtls_pk_context *key, const mbedtls_x509_crt *chain,
		      struct rng *rng, unsigned char **der, size_t *der_len);

/**
 * The first half of signing an image, for a signer that never sees it
 * (podboot serve's signer process): the working copy (signatures
 * stripped, or with @append kept) and its SHA-256 image hash, to give
 * authenticode_sign() and then, with the signature it returns,
 * pecoff_append_cert(@pe, @work, @work_len, ...).
 *
 * @v pe		parsed from *@work; on a refused image pe->detail
 *			says why
 * @v hash		receives the 32-byte SHA-256 image hash
 * @v work		receives the malloc'd working copy; the caller
 *			frees it
 * @ret rc		0, a -PB_EPE_* code or -ENOMEM
 */
int authenticode_split(struct pecoff *pe, const uint8_t *buf, size_t len,
		       int append, uint8_t *hash, uint8_t **work,
		       size_t *work_len);

/**
 * Sign an image: its certificate table replaced (or, with @append, kept
 * and one more signature added after it), the image padded to a
 * quadword, the Certificate Table entry and CheckSum set.
 *
 * @v pe		scratch; on a refused image pe->detail says why
 * @v buf		the image
 * @v len		its length
 * @v append		keep the signatures it carries
 * @v key		as authenticode_sign()
 * @v chain		as authenticode_sign()
 * @v rng		as authenticode_sign()
 * @v out		receives the malloc'd signed image; the caller frees it
 * @v out_len		receives its length
 * @ret rc		0, a -PB_EPE_* code for a malformed image, or as
 *			authenticode_sign()
 */
int authenticode_sign_image(struct pecoff *pe, const uint8_t *buf, size_t len,
			    int append, mbedtls_pk_context *key,
			    const mbedtls_x509_crt *chain, struct rng *rng,
			    uint8_t **out, size_t *out_len);

/** What authenticode_verify_image() found. */
struct authenticode_result {
	unsigned int signatures;	/* in the certificate table */
	unsigned int verified;		/* index + 1 of the one that verified */
	char signer[256];		/* its signer's subject */
	uint8_t digest[DIGEST_MAX_SIZE];	/* the image hash it carries */
	size_t digest_len;
};

/**
 * Check a signed image as UEFI firmware checks it against a db entry:
 * some signature of its certificate table whose SpcIndirectDataContent
 * carries the image's hash, whose signed attributes carry the content's
 * digest and verify under the signer's key, and whose signer is @trusted
 * or chains to it (validity times are not checked: firmware has no
 * trusted clock).
 *
 * @v pe		scratch; on a refused image pe->detail says why
 * @v buf		the image
 * @v len		its length
 * @v trusted		the certificate to trust (a db entry)
 * @v result		filled with what was found (may be NULL)
 * @ret rc		0, a -PB_EPE_* code, -PB_EAUTH_NOT_SIGNED, or the
 *			reason the last signature was refused
 *			(-PB_EAUTH_DIGEST, -PB_ECMS_BAD_SIGNATURE,
 *			-PB_ECMS_UNTRUSTED, -PB_EAUTH_FORMAT, ...)
 */
int authenticode_verify_image(struct pecoff *pe, const uint8_t *buf,
			      size_t len, const mbedtls_x509_crt *trusted,
			      struct authenticode_result *result);

#endif
