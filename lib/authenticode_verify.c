/* authenticode_verify.c: checking Authenticode signatures of PE/COFF
 * images as UEFI firmware checks them against one db certificate. */
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509.h>

#include "authenticode.h"
#include "authenticode_int.h"
#include "cms.h"
#include "error.h"
#include "log.h"

/* What one signature says, pointing into its DER. */
struct authenticode_sig {
	const struct digest_alg *alg;		/* of the DigestInfo */
	const unsigned char *image_hash;	/* in the DigestInfo */
	const unsigned char *content;		/* idc, without tag, length */
	size_t content_len;
	mbedtls_x509_crt certs;			/* certificates carried */
	const unsigned char *issuer, *serial;	/* the signer's id */
	size_t issuer_len, serial_len;
	const struct digest_alg *signer_alg;	/* of the attributes */
	const unsigned char *attrs;		/* [0] signed attributes */
	size_t attrs_len;
	const unsigned char *sig;
	size_t sig_len;
};

/* Step into the element with @tag at *@p; its end into @end. */
static int authenticode_enter(unsigned char **p, const unsigned char **end,
			      int tag)
{
	size_t len;

	if (mbedtls_asn1_get_tag(p, *end, &len, tag) != 0)
		return -PB_EAUTH_FORMAT;
	*end = *p + len;
	return 0;
}

/* Read an OID at *@p and require it to be @oid (@oid_len bytes). */
static int authenticode_expect_oid(unsigned char **p, const unsigned char *end,
				   const char *oid, size_t oid_len)
{
	size_t len;

	if (mbedtls_asn1_get_tag(p, end, &len, MBEDTLS_ASN1_OID) != 0 ||
	    len != oid_len || memcmp(*p, oid, oid_len) != 0)
		return -PB_EAUTH_FORMAT;
	*p += len;
	return 0;
}

/* An AlgorithmIdentifier naming a digest we support. */
static int authenticode_get_digest(unsigned char **p, const unsigned char *end,
				   const struct digest_alg **alg)
{
	mbedtls_asn1_buf oid, params;

	if (mbedtls_asn1_get_alg(p, end, &oid, &params) != 0)
		return -PB_EAUTH_FORMAT;
	*alg = digest_by_oid(oid.p, oid.len);
	return *alg ? 0 : -PB_ECMS_DIGEST_ALG;
}

/*
 * SpcIndirectDataContent at *@p: a PE image's data, then the DigestInfo
 * of the image hash.
 */
static int authenticode_parse_idc(struct authenticode_sig *s,
				  unsigned char **p, const unsigned char *end)
{
	const unsigned char *data_end;
	size_t len;

	if (authenticode_enter(p, &end, TAG_SEQ) != 0)
		return -PB_EAUTH_FORMAT;
	s->content = *p;
	s->content_len = (size_t)(end - *p);
	data_end = end;
	if (authenticode_enter(p, &data_end, TAG_SEQ) != 0 ||
	    authenticode_expect_oid(p, data_end, OID_SPC_PE_IMAGE_DATA,
				    OID_LEN(OID_SPC_PE_IMAGE_DATA)) != 0)
		return -PB_EAUTH_FORMAT;
	*p = (unsigned char *)data_end;
	if (authenticode_enter(p, &end, TAG_SEQ) != 0 ||
	    authenticode_get_digest(p, end, &s->alg) != 0 ||
	    mbedtls_asn1_get_tag(p, end, &len, MBEDTLS_ASN1_OCTET_STRING) ||
	    len != digest_size(s->alg))
		return -PB_EAUTH_FORMAT;
	s->image_hash = *p;
	return 0;
}

/* certificates [0] IMPLICIT, each parsed into s->certs. */
static int authenticode_parse_certs(struct authenticode_sig *s,
				    unsigned char **p, const unsigned char *end)
{
	unsigned char *c;
	size_t len;
	int n = 0;

	if (authenticode_enter(p, &end, TAG_CTX0) != 0)
		return -PB_EAUTH_FORMAT;
	while (*p < end) {
		c = *p;
		if (++n > CMS_MAX_CERTS ||
		    mbedtls_asn1_get_tag(p, end, &len, TAG_SEQ) != 0 ||
		    mbedtls_x509_crt_parse_der(&s->certs, c,
					       (size_t)(*p + len - c)) != 0)
			return -PB_EAUTH_FORMAT;
		*p += len;
	}
	return 0;
}

/* The first SignerInfo: signer id, digest, signed attributes, value. */
static int authenticode_parse_signer(struct authenticode_sig *s,
				     unsigned char **p, const unsigned char *end)
{
	mbedtls_asn1_buf oid, params;
	unsigned char *at;
	size_t len;
	int version;

	if (authenticode_enter(p, &end, TAG_SET) != 0 ||
	    authenticode_enter(p, &end, TAG_SEQ) != 0 ||
	    mbedtls_asn1_get_int(p, end, &version) != 0 ||
	    mbedtls_asn1_get_tag(p, end, &len, TAG_SEQ) != 0)
		return -PB_EAUTH_FORMAT;
	at = *p;
	s->issuer = at;
	if (mbedtls_asn1_get_tag(&at, *p + len, &s->issuer_len, TAG_SEQ) != 0)
		return -PB_EAUTH_FORMAT;
	s->issuer_len += (size_t)(at - s->issuer);
	at = (unsigned char *)s->issuer + s->issuer_len;
	if (mbedtls_asn1_get_tag(&at, *p + len, &s->serial_len,
				 MBEDTLS_ASN1_INTEGER) != 0)
		return -PB_EAUTH_FORMAT;
	s->serial = at;
	*p += len;
	if (authenticode_get_digest(p, end, &s->signer_alg) != 0)
		return -PB_EAUTH_FORMAT;
	s->attrs = *p;
	if (mbedtls_asn1_get_tag(p, end, &len, TAG_ATTRS) != 0)
		return -PB_EAUTH_FORMAT;	/* Authenticode requires them */
	*p += len;
	s->attrs_len = (size_t)(*p - s->attrs);
	if (mbedtls_asn1_get_alg(p, end, &oid, &params) != 0 ||
	    mbedtls_asn1_get_tag(p, end, &s->sig_len,
				 MBEDTLS_ASN1_OCTET_STRING) != 0)
		return -PB_EAUTH_FORMAT;
	s->sig = *p;
	return 0;
}

/* ContentInfo { signedData, [0] SignedData } in @der, into @s. */
static int authenticode_parse(struct authenticode_sig *s,
			      const unsigned char *der, size_t len)
{
	unsigned char *p = (unsigned char *)der;
	const unsigned char *end = der + len, *content_end;
	size_t skip;
	int version;

	if (authenticode_enter(&p, &end, TAG_SEQ) != 0 ||
	    authenticode_expect_oid(&p, end, OID_SIGNED_DATA,
				    OID_LEN(OID_SIGNED_DATA)) != 0 ||
	    authenticode_enter(&p, &end, TAG_CTX0) != 0 ||
	    authenticode_enter(&p, &end, TAG_SEQ) != 0 ||
	    mbedtls_asn1_get_int(&p, end, &version) != 0 ||
	    mbedtls_asn1_get_tag(&p, end, &skip, TAG_SET) != 0)
		return -PB_EAUTH_FORMAT;
	p += skip;	/* digestAlgorithms: the SignerInfo names its own */
	content_end = end;
	if (authenticode_enter(&p, &content_end, TAG_SEQ) != 0 ||
	    authenticode_expect_oid(&p, content_end, OID_SPC_INDIRECT_DATA,
				    OID_LEN(OID_SPC_INDIRECT_DATA)) != 0 ||
	    authenticode_enter(&p, &content_end, TAG_CTX0) != 0 ||
	    authenticode_parse_idc(s, &p, content_end) != 0)
		return -PB_EAUTH_FORMAT;
	p = (unsigned char *)content_end;
	if (p < end && *p == TAG_CTX0 &&
	    authenticode_parse_certs(s, &p, end) != 0)
		return -PB_EAUTH_FORMAT;
	if (p < end && *p == TAG_CTX1) {	/* crls: skipped */
		if (mbedtls_asn1_get_tag(&p, end, &skip, TAG_CTX1) != 0)
			return -PB_EAUTH_FORMAT;
		p += skip;
	}
	return authenticode_parse_signer(s, &p, end);
}

/*
 * One Attribute at *@p: its type into @oid, its SET of values as
 * [*@val, *@val_end); *@p moves past it.
 */
static int authenticode_get_attr(unsigned char **p, const unsigned char *end,
				 mbedtls_asn1_buf *oid, unsigned char **val,
				 const unsigned char **val_end)
{
	const unsigned char *a_end = end;
	size_t len;

	if (authenticode_enter(p, &a_end, TAG_SEQ) != 0 ||
	    mbedtls_asn1_get_tag(p, a_end, &oid->len, MBEDTLS_ASN1_OID) != 0)
		return -PB_EAUTH_FORMAT;
	oid->p = *p;
	*p += oid->len;
	if (mbedtls_asn1_get_tag(p, a_end, &len, TAG_SET) != 0)
		return -PB_EAUTH_FORMAT;
	*val = *p;
	*val_end = *p + len;
	*p = (unsigned char *)a_end;
	return 0;
}

/* 1 when @oid is @want (@want_len bytes). */
static int authenticode_oid_is(const mbedtls_asn1_buf *oid, const char *want,
			       size_t want_len)
{
	return oid->len == want_len && memcmp(oid->p, want, want_len) == 0;
}

/* @alg's digest of @len bytes at @data, after @tag if not 0, into @out. */
static void authenticode_hash(const struct digest_alg *alg, unsigned char tag,
			      const void *data, size_t len, uint8_t *out)
{
	struct digest d;

	digest_init(&d, alg);
	if (tag)
		digest_update(&d, &tag, 1);
	digest_update(&d, data, len);
	digest_final(&d, out);
}

/*
 * The signed attributes: contentType must be SPC_INDIRECT_DATA and
 * messageDigest the digest of the content.
 */
static int authenticode_check_attrs(const struct authenticode_sig *s)
{
	uint8_t digest[DIGEST_MAX_SIZE];
	unsigned char *p = (unsigned char *)s->attrs, *v;
	const unsigned char *end = s->attrs + s->attrs_len, *v_end;
	int have_type = 0, have_digest = 0;
	mbedtls_asn1_buf oid;
	size_t len;

	authenticode_hash(s->signer_alg, 0, s->content, s->content_len,
			  digest);
	if (authenticode_enter(&p, &end, TAG_ATTRS) != 0)
		return -PB_EAUTH_FORMAT;
	while (p < end) {
		if (authenticode_get_attr(&p, end, &oid, &v, &v_end) != 0)
			return -PB_EAUTH_FORMAT;
		if (authenticode_oid_is(&oid, OID_CONTENT_TYPE,
					OID_LEN(OID_CONTENT_TYPE)))
			have_type = authenticode_expect_oid(
					    &v, v_end, OID_SPC_INDIRECT_DATA,
					    OID_LEN(OID_SPC_INDIRECT_DATA)) ==
				    0;
		else if (authenticode_oid_is(&oid, OID_MESSAGE_DIGEST,
					     OID_LEN(OID_MESSAGE_DIGEST)))
			have_digest =
				mbedtls_asn1_get_tag(&v, v_end, &len,
						     MBEDTLS_ASN1_OCTET_STRING) ==
					0 &&
				len == digest_size(s->signer_alg) &&
				memcmp(v, digest, len) == 0;
	}
	if (!have_type)
		return -PB_EAUTH_FORMAT;
	return have_digest ? 0 : -PB_ECMS_BAD_SIGNATURE;
}

/* The certificate of @s whose issuer and serial name the signer. */
static const mbedtls_x509_crt *authenticode_signer(
	const struct authenticode_sig *s)
{
	const mbedtls_x509_crt *c;

	for (c = &s->certs; c && c->raw.p; c = c->next)
		if (c->issuer_raw.len == s->issuer_len &&
		    memcmp(c->issuer_raw.p, s->issuer, s->issuer_len) == 0 &&
		    c->serial.len == s->serial_len &&
		    memcmp(c->serial.p, s->serial, s->serial_len) == 0)
			return c;
	return NULL;
}

/*
 * The signature value: over the signed attributes as a SET, under the
 * signer's RSA key.  The signer's certificate into @signer.
 */
static int authenticode_check_sig(const struct authenticode_sig *s,
				  const mbedtls_x509_crt **signer)
{
	uint8_t digest[DIGEST_MAX_SIZE];
	const mbedtls_x509_crt *c = authenticode_signer(s);

	if (!c)
		return -PB_ECMS_CERT_MISSING;
	if (mbedtls_pk_get_type(&c->pk) != MBEDTLS_PK_RSA)
		return -PB_ECMS_PUBKEY_ALG;
	/* signed as a SET, carried as [0] IMPLICIT */
	authenticode_hash(s->signer_alg, TAG_SET, s->attrs + 1,
			  s->attrs_len - 1, digest);
	if (mbedtls_pk_verify((mbedtls_pk_context *)&c->pk,
			      s->signer_alg->md, digest,
			      digest_size(s->signer_alg), s->sig,
			      s->sig_len) != 0)
		return -PB_ECMS_BAD_SIGNATURE;
	*signer = c;
	return 0;
}

/*
 * The signer is @trusted, or its chain (the certificates carried) leads
 * to it; validity times are not checked, as firmware does not.
 */
static int authenticode_check_trust(const struct authenticode_sig *s,
				    const mbedtls_x509_crt *signer,
				    const mbedtls_x509_crt *trusted)
{
	const uint32_t times = MBEDTLS_X509_BADCERT_EXPIRED |
			       MBEDTLS_X509_BADCERT_FUTURE;
	const mbedtls_x509_crt *c;
	mbedtls_x509_crt chain;
	uint32_t flags = 0;
	int rc = 0;

	if (signer->raw.len == trusted->raw.len &&
	    memcmp(signer->raw.p, trusted->raw.p, signer->raw.len) == 0)
		return 0;
	mbedtls_x509_crt_init(&chain);
	if (mbedtls_x509_crt_parse_der(&chain, signer->raw.p,
				       signer->raw.len) != 0)
		rc = -PB_EAUTH_FORMAT;
	for (c = &s->certs; rc == 0 && c && c->raw.p; c = c->next)
		if (c != signer &&
		    mbedtls_x509_crt_parse_der(&chain, c->raw.p, c->raw.len))
			rc = -PB_EAUTH_FORMAT;
	if (rc == 0 &&
	    mbedtls_x509_crt_verify(&chain, (mbedtls_x509_crt *)trusted, NULL,
				    NULL, &flags, NULL, NULL) != 0 &&
	    (flags & ~times) != 0)
		rc = -PB_ECMS_UNTRUSTED;
	mbedtls_x509_crt_free(&chain);
	return rc;
}

/* One signature @der of the image @pe, checked against @trusted. */
static int authenticode_verify_one(const struct pecoff *pe,
				   const unsigned char *der, size_t len,
				   const mbedtls_x509_crt *trusted,
				   struct authenticode_result *r)
{
	const mbedtls_x509_crt *signer = NULL;
	uint8_t hash[DIGEST_MAX_SIZE];
	struct authenticode_sig s;
	int rc;

	memset(&s, 0, sizeof(s));
	mbedtls_x509_crt_init(&s.certs);
	rc = authenticode_parse(&s, der, len);
	if (rc == 0) {
		pecoff_digest(pe, s.alg, hash);
		r->digest_len = digest_size(s.alg);
		memcpy(r->digest, s.image_hash, r->digest_len);
		if (memcmp(hash, s.image_hash, r->digest_len) != 0)
			rc = -PB_EAUTH_DIGEST;
	}
	if (rc == 0)
		rc = authenticode_check_attrs(&s);
	if (rc == 0)
		rc = authenticode_check_sig(&s, &signer);
	if (rc == 0)
		rc = authenticode_check_trust(&s, signer, trusted);
	if (rc == 0 && mbedtls_x509_dn_gets(r->signer, sizeof(r->signer),
					    &signer->subject) < 0)
		r->signer[0] = '\0';
	mbedtls_x509_crt_free(&s.certs);
	return rc;
}

int authenticode_verify_image(struct pecoff *pe, const uint8_t *buf,
			      size_t len, const mbedtls_x509_crt *trusted,
			      struct authenticode_result *result)
{
	struct pecoff_cert certs[PECOFF_MAX_CERTS];
	struct authenticode_result scratch;
	struct authenticode_result *r = result ? result : &scratch;
	size_t n, i;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = pecoff_parse(pe, buf, len);
	if (rc == 0)
		rc = pecoff_certs(pe, certs, &n);
	if (rc != 0)
		return rc;
	r->signatures = (unsigned int)n;
	rc = -PB_EAUTH_NOT_SIGNED;
	for (i = 0; i < n; i++) {
		if (certs[i].type != PECOFF_WIN_CERT_PKCS) {
			rc = -PB_EAUTH_FORMAT;
			continue;
		}
		rc = authenticode_verify_one(pe, certs[i].data, certs[i].len,
					     trusted, r);
		if (rc == 0) {
			r->verified = (unsigned int)i + 1;
			return 0;
		}
	}
	return rc;
}
