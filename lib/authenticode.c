/* authenticode.c: writing Authenticode signatures of PE/COFF images: a
 * PKCS#7 SignedData over an SpcIndirectDataContent, made with mbedTLS
 * and the CMS writer's DER helpers (cms_int.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/platform_util.h>

#include "authenticode.h"
#include "authenticode_int.h"
#include "cms.h"
#include "error.h"
#include "log.h"
#include "pki.h"

/* The SpcLink file name signtool and sbsign write: "<<<Obsolete>>>". */
#define AUTHENTICODE_LINK_NAME "<<<Obsolete>>>"
/* Room for one signed attribute (the largest is messageDigest). */
#define AUTHENTICODE_ATTR_MAX 128
#define AUTHENTICODE_N_ATTRS 3

/*
 * SPC_PE_IMAGE_DATA and its SpcPeImageData: flags (an empty BIT STRING)
 * and file, an SpcLink [0] holding the file choice [2] whose SpcString
 * is the unicode [0] name AUTHENTICODE_LINK_NAME (UTF-16BE).
 */
static int authenticode_write_pe_data(unsigned char **p, unsigned char *start)
{
	static const char name[] = AUTHENTICODE_LINK_NAME;
	unsigned char ucs2[2 * (sizeof(name) - 1)];
	size_t len = 0, i;
	int ret;

	for (i = 0; i < sizeof(name) - 1; i++) {
		ucs2[2 * i] = 0;
		ucs2[2 * i + 1] = (unsigned char)name[i];
	}
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_raw_buffer(p, start, ucs2,
							sizeof(ucs2)));
	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(p, start, len,
					   MBEDTLS_ASN1_CONTEXT_SPECIFIC));
	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(p, start, len, TAG_CTX0 | 2));
	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(p, start, len, TAG_CTX0));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_bitstring(p, start, NULL,
							       0));
	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(p, start, len, TAG_SEQ));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_oid(
					  p, start, OID_SPC_PE_IMAGE_DATA,
					  OID_LEN(OID_SPC_PE_IMAGE_DATA)));
	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(p, start, len, TAG_SEQ));
	return (int)len;
}

/* AlgorithmIdentifier of @alg with NULL parameters, as signtool writes. */
static int authenticode_write_alg(unsigned char **p, unsigned char *start,
				  const struct digest_alg *alg)
{
	return mbedtls_asn1_write_algorithm_identifier(p, start, alg->oid,
						       alg->oid_len, 0);
}

/*
 * SpcIndirectDataContent { data: the PE image data, messageDigest:
 * DigestInfo of @hash }.  Its contents (without tag and length), what
 * the messageDigest attribute covers, are the last @content_len bytes.
 */
static int authenticode_write_idc(unsigned char **p, unsigned char *start,
				  const struct digest_alg *alg,
				  const uint8_t *hash, size_t *content_len)
{
	size_t len = 0, part = 0;
	int ret;

	MBEDTLS_ASN1_CHK_ADD(part, mbedtls_asn1_write_octet_string(
					   p, start, hash, digest_size(alg)));
	MBEDTLS_ASN1_CHK_ADD(part, authenticode_write_alg(p, start, alg));
	MBEDTLS_ASN1_CHK_ADD(part, cms_wrap(p, start, part, TAG_SEQ));
	len += part;
	MBEDTLS_ASN1_CHK_ADD(len, authenticode_write_pe_data(p, start));
	*content_len = len;
	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(p, start, len, TAG_SEQ));
	return (int)len;
}

/* One encoded signed attribute, written backwards into buf. */
struct authenticode_attr {
	unsigned char buf[AUTHENTICODE_ATTR_MAX];
	unsigned char *p;		/* its first byte */
	size_t len;
};

/*
 * Attribute { @oid, SET { the @value_len bytes written before a->p } }.
 * Returns its length or a negative mbedTLS error.
 */
static int authenticode_attr_wrap(struct authenticode_attr *a,
				  size_t value_len, const char *oid,
				  size_t oid_len)
{
	size_t len = value_len;
	int ret;

	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(&a->p, a->buf, len, TAG_SET));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_oid(&a->p, a->buf, oid,
							 oid_len));
	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(&a->p, a->buf, len, TAG_SEQ));
	a->len = len;
	return (int)len;
}

/*
 * The signed attributes: contentType SPC_INDIRECT_DATA, messageDigest
 * @digest (of the SpcIndirectDataContent), an empty SpcSpOpusInfo.
 */
static int authenticode_make_attrs(struct authenticode_attr *a,
				   const struct digest_alg *alg,
				   const uint8_t *digest)
{
	int ret;

	a[0].p = a[0].buf + sizeof(a[0].buf);
	ret = mbedtls_asn1_write_oid(&a[0].p, a[0].buf, OID_SPC_INDIRECT_DATA,
				     OID_LEN(OID_SPC_INDIRECT_DATA));
	if (ret >= 0)
		ret = authenticode_attr_wrap(&a[0], (size_t)ret,
					     OID_CONTENT_TYPE,
					     OID_LEN(OID_CONTENT_TYPE));
	a[1].p = a[1].buf + sizeof(a[1].buf);
	if (ret >= 0)
		ret = mbedtls_asn1_write_octet_string(&a[1].p, a[1].buf,
						      digest, digest_size(alg));
	if (ret >= 0)
		ret = authenticode_attr_wrap(&a[1], (size_t)ret,
					     OID_MESSAGE_DIGEST,
					     OID_LEN(OID_MESSAGE_DIGEST));
	a[2].p = a[2].buf + sizeof(a[2].buf);
	if (ret >= 0)
		ret = cms_wrap(&a[2].p, a[2].buf, 0, TAG_SEQ);
	if (ret >= 0)
		ret = authenticode_attr_wrap(&a[2], (size_t)ret,
					     OID_SPC_SP_OPUS_INFO,
					     OID_LEN(OID_SPC_SP_OPUS_INFO));
	return ret < 0 ? ret : 0;
}

/* DER order of a SET OF: by encoding, a shorter one as if zero-padded. */
static int authenticode_attr_cmp(const void *x, const void *y)
{
	const struct authenticode_attr *const *pa = x, *const *pb = y;
	const struct authenticode_attr *a = *pa, *b = *pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->p, b->p, n);

	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/*
 * The signed attributes as the SET that is signed, into @set (written
 * backwards from its end); its start and length into @out, @out_len.
 */
static int authenticode_attrs_set(const struct digest_alg *alg,
				  const uint8_t *digest, unsigned char *set,
				  size_t size, unsigned char **out,
				  size_t *out_len)
{
	struct authenticode_attr a[AUTHENTICODE_N_ATTRS];
	struct authenticode_attr *order[AUTHENTICODE_N_ATTRS];
	unsigned char *p = set + size;
	size_t len = 0, i;
	int ret;

	ret = authenticode_make_attrs(a, alg, digest);
	if (ret < 0)
		return ret;
	/* sorted through pointers: each points into its own buffer */
	for (i = 0; i < AUTHENTICODE_N_ATTRS; i++)
		order[i] = &a[i];
	qsort(order, AUTHENTICODE_N_ATTRS, sizeof(order[0]),
	      authenticode_attr_cmp);
	for (i = AUTHENTICODE_N_ATTRS; i-- > 0;)
		MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_raw_buffer(
						  &p, set, order[i]->p,
						  order[i]->len));
	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(&p, set, len, TAG_SET));
	*out = p;
	*out_len = len;
	return 0;
}

/* What the SignedData is made of, apart from keys and certificates. */
struct authenticode_parts {
	const struct digest_alg *alg;
	const unsigned char *idc;	/* SpcIndirectDataContent, DER */
	size_t idc_len;
	const unsigned char *attrs;	/* the signed SET */
	size_t attrs_len;
	const unsigned char *sig;
	size_t sig_len;
};

/* The SignerInfo of @chain's first certificate, inside its SET. */
static int authenticode_write_signer(unsigned char **p, unsigned char *start,
				     const struct authenticode_parts *in,
				     mbedtls_pk_context *key,
				     const mbedtls_x509_crt *chain)
{
	size_t len = 0;
	int ret;

	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_octet_string(
					  p, start, in->sig, in->sig_len));
	MBEDTLS_ASN1_CHK_ADD(len, cms_write_sig_alg(p, start, key, in->alg));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_raw_buffer(
					  p, start, in->attrs, in->attrs_len));
	**p = TAG_ATTRS;	/* [0] IMPLICIT where the SET was signed */
	MBEDTLS_ASN1_CHK_ADD(len, authenticode_write_alg(p, start, in->alg));
	MBEDTLS_ASN1_CHK_ADD(len, cms_write_signer_id(p, start, chain));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_int(p, start, 1));
	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(p, start, len, TAG_SEQ));
	MBEDTLS_ASN1_CHK_ADD(len, cms_wrap(p, start, len, TAG_SET));
	return (int)len;
}

/* The whole ContentInfo, backwards, ending at *@p; its length or error. */
static int authenticode_write(unsigned char **p, unsigned char *start,
			      const struct authenticode_parts *in,
			      mbedtls_pk_context *key,
			      const mbedtls_x509_crt *chain)
{
	size_t len = 0, part = 0;
	int ret;

	MBEDTLS_ASN1_CHK_ADD(len, authenticode_write_signer(p, start, in, key,
							    chain));
	MBEDTLS_ASN1_CHK_ADD(len, cms_write_certs(p, start, chain));
	/* contentInfo: SPC_INDIRECT_DATA, [0] EXPLICIT the content */
	MBEDTLS_ASN1_CHK_ADD(part, mbedtls_asn1_write_raw_buffer(
					   p, start, in->idc, in->idc_len));
	MBEDTLS_ASN1_CHK_ADD(part, cms_wrap(p, start, part, TAG_CTX0));
	MBEDTLS_ASN1_CHK_ADD(part, mbedtls_asn1_write_oid(
					   p, start, OID_SPC_INDIRECT_DATA,
					   OID_LEN(OID_SPC_INDIRECT_DATA)));
	MBEDTLS_ASN1_CHK_ADD(part, cms_wrap(p, start, part, TAG_SEQ));
	len += part;
	part = 0;
	MBEDTLS_ASN1_CHK_ADD(part, authenticode_write_alg(p, start, in->alg));
	MBEDTLS_ASN1_CHK_ADD(part, cms_wrap(p, start, part, TAG_SET));
	len += part;
	return cms_wrap_signed_data(p, start, len);
}

/* 0 when @key is RSA of a size firmware verifies, else -PB_EAUTH_KEY. */
static int authenticode_check_key(mbedtls_pk_context *key)
{
	size_t bits = mbedtls_pk_get_bitlen(key);

	if (mbedtls_pk_get_type(key) != MBEDTLS_PK_RSA ||
	    bits < AUTHENTICODE_RSA_MIN || bits > AUTHENTICODE_RSA_MAX)
		return -PB_EAUTH_KEY;
	return 0;
}

/* @alg's digest of @len bytes at @data into @out. */
static void authenticode_hash(const struct digest_alg *alg, const void *data,
			      size_t len, uint8_t *out)
{
	struct digest d;

	digest_init(&d, alg);
	digest_update(&d, data, len);
	digest_final(&d, out);
}

/*
 * The content and the signature over its attributes into @in (@idc and
 * @attrs are the buffers they are written in; @sig receives the
 * signature).
 */
static int authenticode_prepare(struct authenticode_parts *in,
				const uint8_t *image_hash,
				mbedtls_pk_context *key, struct rng *rng,
				unsigned char *idc, size_t idc_size,
				unsigned char *attrs, size_t attrs_size,
				unsigned char *sig)
{
	uint8_t digest[DIGEST_MAX_SIZE];
	unsigned char *p = idc + idc_size, *set;
	size_t content_len = 0;
	int ret;

	ret = authenticode_write_idc(&p, idc, in->alg, image_hash,
				     &content_len);
	if (ret < 0)
		return ret;
	in->idc = p;
	in->idc_len = (size_t)ret;
	/* messageDigest covers the content without its tag and length */
	authenticode_hash(in->alg, p + ret - content_len, content_len, digest);
	ret = authenticode_attrs_set(in->alg, digest, attrs, attrs_size, &set,
				     &in->attrs_len);
	if (ret < 0)
		return ret;
	in->attrs = set;
	authenticode_hash(in->alg, set, in->attrs_len, digest);
	return mbedtls_pk_sign(key, in->alg->md, digest, digest_size(in->alg),
			       sig, &in->sig_len, rng_random, rng);
}

int authenticode_sign(const struct digest_alg *alg, const uint8_t *image_hash,
		      mbedtls_pk_context *key, const mbedtls_x509_crt *chain,
		      struct rng *rng, unsigned char **der, size_t *der_len)
{
	unsigned char sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	unsigned char idc[256], attrs[AUTHENTICODE_N_ATTRS *
					AUTHENTICODE_ATTR_MAX];
	struct authenticode_parts in = { .alg = alg };
	const mbedtls_x509_crt *c;
	unsigned char *buf, *p;
	size_t size = 1024;
	int ret;

	*der = NULL;
	*der_len = 0;
	if (!chain->raw.p)
		return -PB_ECERT_PARSE;
	if (authenticode_check_key(key) != 0)
		return -PB_EAUTH_KEY;
	if (pki_same_public_key(chain, key) != 0)
		return -PB_EKEY_MISMATCH;
	ret = authenticode_prepare(&in, image_hash, key, rng, idc, sizeof(idc),
				   attrs, sizeof(attrs), sig);
	if (ret != 0) {
		log_mbedtls("signing an image hash", ret);
		return -PB_ESIGN;
	}
	in.sig = sig;
	for (c = chain; c && c->raw.p; c = c->next)
		size += c->raw.len;
	size += in.idc_len + in.attrs_len + in.sig_len +
		chain->issuer_raw.len + chain->serial.len;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	p = buf + size;
	ret = authenticode_write(&p, buf, &in, key, chain);
	if (ret < 0) {
		log_mbedtls("encoding an Authenticode signature", ret);
		free(buf);
		return -PB_ESIGN;
	}
	memmove(buf, p, (size_t)ret);
	*der = buf;
	*der_len = (size_t)ret;
	return 0;
}

/*
 * The working copy of @buf to sign, into *@work (*@work_len bytes; the
 * caller frees it) and @pe parsed from it: stripped of its signatures,
 * or with --append (and signatures there) a plain copy whose table is
 * checked.
 */
static int authenticode_ready(struct pecoff *pe, const uint8_t *buf,
			      size_t len, int append, uint8_t **work,
			      size_t *work_len)
{
	struct pecoff_cert certs[PECOFF_MAX_CERTS];
	size_t n;
	int rc;

	*work = NULL;
	rc = pecoff_parse(pe, buf, len);
	if (rc == 0 && append && pe->cert_size) {
		rc = pecoff_certs(pe, certs, &n);
		if (rc == 0 && (pe->cert_off % PECOFF_CERT_ALIGN ||
				pe->cert_size % PECOFF_CERT_ALIGN)) {
			snprintf(pe->detail, sizeof(pe->detail),
				 "the certificate table is not quadword "
				 "aligned: sign without --append to replace it");
			rc = -PB_EPE_CERT_TABLE;
		}
		if (rc == 0 && !(*work = malloc(len)))
			rc = -ENOMEM;
		if (rc == 0) {
			memcpy(*work, buf, len);
			*work_len = len;
		}
	} else if (rc == 0) {
		rc = pecoff_strip(pe, work, work_len);
	}
	if (rc == 0)
		rc = pecoff_parse(pe, *work, *work_len);
	return rc;
}

int authenticode_split(struct pecoff *pe, const uint8_t *buf, size_t len,
		       int append, uint8_t *hash, uint8_t **work,
		       size_t *work_len)
{
	int rc;

	*work_len = 0;
	rc = authenticode_ready(pe, buf, len, append, work, work_len);
	if (rc == 0)
		pecoff_digest(pe, digest_by_md(MBEDTLS_MD_SHA256), hash);
	return rc;
}

int authenticode_sign_image(struct pecoff *pe, const uint8_t *buf, size_t len,
			    int append, mbedtls_pk_context *key,
			    const mbedtls_x509_crt *chain, struct rng *rng,
			    uint8_t **out, size_t *out_len)
{
	const struct digest_alg *alg = digest_by_md(MBEDTLS_MD_SHA256);
	uint8_t hash[DIGEST_MAX_SIZE];
	unsigned char *der = NULL;
	uint8_t *work = NULL;
	size_t der_len = 0, work_len = 0;
	int rc;

	*out = NULL;
	*out_len = 0;
	rc = authenticode_split(pe, buf, len, append, hash, &work,
				&work_len);
	if (rc == 0)
		rc = authenticode_sign(alg, hash, key, chain, rng, &der,
				       &der_len);
	if (rc == 0)
		rc = pecoff_append_cert(pe, &work, &work_len, der, der_len);
	if (rc == 0) {
		*out = work;	/* handed to the caller */
		*out_len = work_len;
		work = NULL;
	}
	free(der);
	free(work);
	return rc;
}
