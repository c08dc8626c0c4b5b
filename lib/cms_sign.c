/* cms_sign.c: writing detached CMS signatures in the one form iPXE's
 * imgverify accepts (SHA-256 and up, no signed attributes, the signer by
 * issuer and serial, the certificates included). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>

#include "cms.h"
#include "cms_int.h"
#include "error.h"
#include "log.h"
#include "pki.h"

/* ---- signing ---------------------------------------------------------- */

/* AlgorithmIdentifier with absent parameters, as OpenSSL writes digests. */
int cms_write_alg_noparams(unsigned char **p, unsigned char *start,
				  const char *oid, size_t oid_len)
{
	size_t len = 0;
	int ret;

	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_oid(p, start, oid,
							 oid_len));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(p, start, len));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(p, start, TAG_SEQ));
	return (int)len;
}

/* signatureAlgorithm: rsaEncryption (NULL parameters) or ecdsa-with-SHAx. */
int cms_write_sig_alg(unsigned char **p, unsigned char *start,
			     mbedtls_pk_context *key,
			     const struct digest_alg *alg)
{
	char oid[OID_LEN(OID_ECDSA_SHA) + 1];

	if (mbedtls_pk_get_type(key) == MBEDTLS_PK_RSA)
		return mbedtls_asn1_write_algorithm_identifier(
			p, start, MBEDTLS_OID_PKCS1_RSA,
			MBEDTLS_OID_SIZE(MBEDTLS_OID_PKCS1_RSA), 0);
	memcpy(oid, OID_ECDSA_SHA, OID_LEN(OID_ECDSA_SHA));
	/* ecdsa-with-SHA224..512 are arcs 1..4, in the order of the MD types */
	oid[OID_LEN(OID_ECDSA_SHA)] =
		(char)(1 + alg->md - MBEDTLS_MD_SHA224);
	return cms_write_alg_noparams(p, start, oid, sizeof(oid));
}

/* Length and tag before the @len bytes just written; returns their size. */
int cms_wrap(unsigned char **p, unsigned char *start, size_t len,
		    unsigned char tag)
{
	size_t hdr = 0;
	int ret;

	MBEDTLS_ASN1_CHK_ADD(hdr, mbedtls_asn1_write_len(p, start, len));
	MBEDTLS_ASN1_CHK_ADD(hdr, mbedtls_asn1_write_tag(p, start, tag));
	return (int)hdr;
}

/* issuerAndSerialNumber of @crt, copied from it. */
int cms_write_signer_id(unsigned char **p, unsigned char *start,
			const mbedtls_x509_crt *crt)
{
	size_t len = 0;
	int ret;

	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_raw_buffer(
					  p, start, crt->serial.p,
					  crt->serial.len));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(p, start, len));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(
					  p, start, MBEDTLS_ASN1_INTEGER));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_raw_buffer(
					  p, start, crt->issuer_raw.p,
					  crt->issuer_raw.len));
	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(p, start, len, TAG_SEQ));
	return (int)len;
}

/* certificates [0] IMPLICIT: @chain in its order (written in reverse). */
int cms_write_certs(unsigned char **p, unsigned char *start,
		    const mbedtls_x509_crt *chain)
{
	const mbedtls_x509_crt *certs[CMS_MAX_CERTS];
	const mbedtls_x509_crt *c;
	size_t n = 0, len = 0, i;
	int ret;

	for (c = chain; c && c->raw.p; c = c->next)
		if (n < CMS_MAX_CERTS)
			certs[n++] = c;
	for (i = n; i-- > 0;)
		MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_raw_buffer(
						  p, start, certs[i]->raw.p,
						  certs[i]->raw.len));
	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(p, start, len, TAG_CTX0));
	return (int)len;
}

/* version 1 and the SignedData, [0] and ContentInfo around @len bytes. */
int cms_wrap_signed_data(unsigned char **p, unsigned char *start, size_t len)
{
	int ret;

	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_int(p, start, 1));
	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(p, start, len, TAG_SEQ));
	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(p, start, len, TAG_CTX0));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_oid(
					  p, start, OID_SIGNED_DATA,
					  OID_LEN(OID_SIGNED_DATA)));
	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(p, start, len, TAG_SEQ));
	return (int)len;
}

/*
 * Write the whole ContentInfo backwards, ending at *p.  Returns its length
 * or a negative mbedTLS error.
 */
static int cms_write(unsigned char **p, unsigned char *start,
		     const struct digest_alg *alg, mbedtls_pk_context *key,
		     const mbedtls_x509_crt *chain, const unsigned char *sig,
		     size_t sig_len)
{
	size_t len = 0, part;
	int ret;

	/* signerInfos SET { SignerInfo } */
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_octet_string(
					  p, start, sig, sig_len));
	MBEDTLS_ASN1_CHK_ADD(len, cms_write_sig_alg(p, start, key, alg));
	MBEDTLS_ASN1_CHK_ADD(len, cms_write_alg_noparams(p, start, alg->oid,
							 alg->oid_len));
	MBEDTLS_ASN1_CHK_ADD(len, cms_write_signer_id(p, start, chain));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_int(p, start, 1));
	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(p, start, len, TAG_SEQ));
	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(p, start, len, TAG_SET));

	MBEDTLS_ASN1_CHK_ADD(len, cms_write_certs(p, start, chain));

	/* encapContentInfo without eContent: the content is detached */
	part = 0;
	MBEDTLS_ASN1_CHK_ADD(part, mbedtls_asn1_write_oid(p, start, OID_DATA,
							  OID_LEN(OID_DATA)));
	MBEDTLS_ASN1_CHK_ADD(part, cms_wrap(p, start, part, TAG_SEQ));
	len += part;

	/* digestAlgorithms, version, SignedData, [0], ContentInfo */
	part = 0;
	MBEDTLS_ASN1_CHK_ADD(part, cms_write_alg_noparams(p, start, alg->oid,
							  alg->oid_len));
	MBEDTLS_ASN1_CHK_ADD(part, cms_wrap(p, start, part, TAG_SET));
	len += part;
	return cms_wrap_signed_data(p, start, len);
}

int cms_sign_digest(const struct digest_alg *alg, const uint8_t *hash,
		    mbedtls_pk_context *key, const mbedtls_x509_crt *chain,
		    struct rng *rng, unsigned char **der, size_t *der_len)
{
	unsigned char sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	const mbedtls_x509_crt *c;
	unsigned char *buf, *p;
	size_t sig_len = 0;
	size_t size = 1024;
	int ret;

	*der = NULL;
	*der_len = 0;
	if (!chain->raw.p)
		return -PB_ECERT_PARSE;
	if (pki_same_public_key(chain, key) != 0)
		return -PB_EKEY_MISMATCH;
	/* iPXE knows ecdsa-with-SHA224..512 only: never write what it refuses */
	if (mbedtls_pk_get_type(key) != MBEDTLS_PK_RSA &&
	    alg->md == MBEDTLS_MD_SHA1)
		return -PB_ECMS_PUBKEY_ALG;
	ret = mbedtls_pk_sign(key, alg->md, hash, digest_size(alg), sig,
			      &sig_len, rng_random, rng);
	if (ret != 0) {
		log_mbedtls("signing a digest", ret);
		return -PB_ESIGN;
	}
	for (c = chain; c && c->raw.p; c = c->next)
		size += c->raw.len;
	size += sig_len + chain->issuer_raw.len + chain->serial.len;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	p = buf + size;
	ret = cms_write(&p, buf, alg, key, chain, sig, sig_len);
	if (ret < 0) {
		log_mbedtls("encoding a signature", ret);
		free(buf);
		return -PB_ESIGN;
	}
	memmove(buf, p, (size_t)ret);
	*der = buf;
	*der_len = (size_t)ret;
	return 0;
}

int cms_sign_fd(int fd, mbedtls_pk_context *key,
		const mbedtls_x509_crt *chain, struct rng *rng,
		unsigned char **der, size_t *der_len)
{
	const struct digest_alg *alg = digest_by_md(MBEDTLS_MD_SHA256);
	uint8_t hash[1][DIGEST_MAX_SIZE];
	int rc;

	rc = digest_fd(fd, &alg, 1, hash, NULL);
	if (rc != 0)
		return rc;
	return cms_sign_digest(alg, hash[0], key, chain, rng, der, der_len);
}
