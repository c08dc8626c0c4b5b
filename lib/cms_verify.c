/* cms_verify.c: parsing and checking detached CMS signatures by iPXE's
 * rules (what imgverify accepts, and why it refuses the rest). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/x509.h>

#include "cms.h"
#include "cms_int.h"
#include "error.h"
#include "log.h"
#include "pki.h"

/* How a signerInfo's signature is to be checked. */
enum cms_pk_kind { CMS_PK_RSA, CMS_PK_RSA_PSS, CMS_PK_ECDSA };

struct cms_signer_info {
	const struct digest_alg *digest;
	enum cms_pk_kind kind;
	const mbedtls_x509_crt *cert;	/* in cms_parsed.certs */
	const unsigned char *sig;
	size_t sig_len;
	int digest_index;		/* into the hashes computed */
};

struct cms_parsed {
	mbedtls_x509_crt certs;
	size_t n_certs;
	struct cms_signer_info info[CMS_MAX_SIGNERS];
	size_t n_info;
};

/* ---- parsing ---------------------------------------------------------- */

/* Step over one element with tag @tag; -PB_ECMS_PARSE if it is not there. */
static int cms_skip(unsigned char **p, const unsigned char *end, int tag)
{
	size_t len;

	if (mbedtls_asn1_get_tag(p, end, &len, tag) != 0)
		return -PB_ECMS_PARSE;
	*p += len;
	return 0;
}

/* The certificate of @cp's set whose issuer and serial number are
 * @issuer and @serial (DER, compared byte for byte), or NULL. */
static const mbedtls_x509_crt *cms_find_cert(const struct cms_parsed *cp,
					     const unsigned char *issuer,
					     size_t issuer_len,
					     const unsigned char *serial,
					     size_t serial_len)
{
	const mbedtls_x509_crt *c;

	for (c = &cp->certs; c && c->raw.p; c = c->next)
		if (c->issuer_raw.len == issuer_len &&
		    memcmp(c->issuer_raw.p, issuer, issuer_len) == 0 &&
		    c->serial.len == serial_len &&
		    memcmp(c->serial.p, serial, serial_len) == 0)
			return c;
	return NULL;
}

/* Which check a signatureAlgorithm OID asks for. */
static int cms_parse_sig_alg(struct cms_signer_info *info,
			     const mbedtls_asn1_buf *oid,
			     const mbedtls_asn1_buf *params)
{
	mbedtls_md_type_t md, mgf_md;
	mbedtls_pk_type_t pk;
	int salt;

	if (MBEDTLS_OID_CMP(MBEDTLS_OID_RSASSA_PSS, oid) == 0) {
		if (mbedtls_x509_get_rsassa_pss_params(params, &md, &mgf_md,
						       &salt) != 0 ||
		    md != info->digest->md ||
		    salt != (int)digest_size(info->digest))
			return -PB_ECMS_PSS_PARAMS;
		info->kind = CMS_PK_RSA_PSS;
		return 0;
	}
	/* iPXE has no ecdsa-with-SHA1 (Operation not supported, 3c00e103) */
	if (oid->len == OID_LEN(OID_ECDSA_SHA1) &&
	    memcmp(oid->p, OID_ECDSA_SHA1, oid->len) == 0)
		return -PB_ECMS_PUBKEY_ALG;
	if (oid->len == OID_LEN(OID_ECDSA_SHA) + 1 &&
	    memcmp(oid->p, OID_ECDSA_SHA, OID_LEN(OID_ECDSA_SHA)) == 0 &&
	    oid->p[oid->len - 1] >= 1 && oid->p[oid->len - 1] <= 4) {
		info->kind = CMS_PK_ECDSA;
		return 0;
	}
	/* rsaEncryption, sha*WithRSAEncryption and id-ecPublicKey */
	if (mbedtls_oid_get_pk_alg(oid, &pk) == 0 ||
	    mbedtls_oid_get_sig_alg(oid, &md, &pk) == 0) {
		if (pk == MBEDTLS_PK_RSA) {
			info->kind = CMS_PK_RSA;
			return 0;
		}
		if (pk == MBEDTLS_PK_ECKEY || pk == MBEDTLS_PK_ECDSA) {
			info->kind = CMS_PK_ECDSA;
			return 0;
		}
	}
	return -PB_ECMS_PUBKEY_ALG;
}

/*
 * Parse the one SignerInfo in [@p, @end) into @info: its signer
 * identifier (resolved to a certificate of @cp), digest and signature
 * algorithms, signed attributes and signature.  0 or -PB_ECMS_*.
 */
static int cms_parse_signer_info(struct cms_parsed *cp,
				 struct cms_signer_info *info,
				 unsigned char *p, const unsigned char *end)
{
	mbedtls_asn1_buf oid, params;
	unsigned char *issuer, *serial, *sid_end;
	size_t len, issuer_len;
	int rc;

	if ((rc = cms_skip(&p, end, MBEDTLS_ASN1_INTEGER)) != 0)
		return rc;

	/* sid: only issuerAndSerialNumber; [0] subjectKeyIdentifier fails */
	if (p < end && *p == TAG_SKI)
		return -PB_ECMS_SKI_SIGNER;
	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0)
		return -PB_ECMS_PARSE;
	sid_end = p + len;
	issuer = p;
	if ((rc = cms_skip(&p, sid_end, TAG_SEQ)) != 0)
		return rc;
	issuer_len = (size_t)(p - issuer);
	if (mbedtls_asn1_get_tag(&p, sid_end, &len, MBEDTLS_ASN1_INTEGER) != 0)
		return -PB_ECMS_PARSE;
	serial = p;
	info->cert = cms_find_cert(cp, issuer, issuer_len, serial, len);
	if (!info->cert)
		return -PB_ECMS_CERT_MISSING;
	p = sid_end;

	if (mbedtls_asn1_get_alg(&p, end, &oid, &params) != 0)
		return -PB_ECMS_PARSE;
	info->digest = digest_by_oid(oid.p, oid.len);
	if (!info->digest)
		return -PB_ECMS_DIGEST_ALG;

	/* iPXE skips signedAttrs and then checks the raw file: never works */
	if (p < end && *p == TAG_CTX0)
		return -PB_ECMS_SIGNED_ATTRS;

	if (mbedtls_asn1_get_alg(&p, end, &oid, &params) != 0)
		return -PB_ECMS_PARSE;
	if ((rc = cms_parse_sig_alg(info, &oid, &params)) != 0)
		return rc;

	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0)
		return -PB_ECMS_PARSE;
	info->sig = p;
	info->sig_len = len;
	return 0;
}

/*
 * The certificate signatures iPXE can check: PKCS#1 v1.5 RSA with SHA-1 to
 * SHA-512, ECDSA with SHA-224 to SHA-512.  iPXE fails the whole message on
 * any other certificate in it (ecdsa-with-SHA1: Operation not supported,
 * 3c00e103; RSASSA-PSS names no digest of its own).
 */
static const struct cms_cert_sig {
	mbedtls_pk_type_t pk;
	mbedtls_md_type_t md;
} cms_cert_sigs[] = {
	{ MBEDTLS_PK_RSA, MBEDTLS_MD_SHA1 },
	{ MBEDTLS_PK_RSA, MBEDTLS_MD_SHA224 },
	{ MBEDTLS_PK_RSA, MBEDTLS_MD_SHA256 },
	{ MBEDTLS_PK_RSA, MBEDTLS_MD_SHA384 },
	{ MBEDTLS_PK_RSA, MBEDTLS_MD_SHA512 },
	{ MBEDTLS_PK_ECDSA, MBEDTLS_MD_SHA224 },
	{ MBEDTLS_PK_ECDSA, MBEDTLS_MD_SHA256 },
	{ MBEDTLS_PK_ECDSA, MBEDTLS_MD_SHA384 },
	{ MBEDTLS_PK_ECDSA, MBEDTLS_MD_SHA512 },
};

/* 0 if iPXE can check @crt's own signature, else -PB_ECMS_PUBKEY_ALG. */
static int cms_cert_sig_known(const mbedtls_x509_crt *crt)
{
	size_t i;

	for (i = 0; i < sizeof(cms_cert_sigs) / sizeof(cms_cert_sigs[0]); i++)
		if (crt->sig_pk == cms_cert_sigs[i].pk &&
		    crt->sig_md == cms_cert_sigs[i].md)
			return 0;
	return -PB_ECMS_PUBKEY_ALG;
}

/* The certificates field: every certificate, parsed into cp->certs. */
static int cms_parse_certs(struct cms_parsed *cp, unsigned char **pp,
			   const unsigned char *end)
{
	unsigned char *p = *pp, *cert;
	const unsigned char *certs_end;
	const mbedtls_x509_crt *c;
	size_t len;
	int rc;

	if (p >= end || *p != TAG_CTX0)
		return -PB_ECMS_CERT_MISSING;
	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_CTX0) != 0)
		return -PB_ECMS_PARSE;
	certs_end = p + len;
	while (p < certs_end) {
		cert = p;
		if (mbedtls_asn1_get_tag(&p, certs_end, &len, TAG_SEQ) != 0)
			return -PB_ECMS_PARSE;
		p += len;
		if (cp->n_certs >= CMS_MAX_CERTS)
			return -PB_ETOOBIG;
		if (mbedtls_x509_crt_parse_der(&cp->certs, cert,
					       (size_t)(p - cert)) != 0)
			return -PB_ECERT_PARSE;
		cp->n_certs++;
	}
	for (c = &cp->certs; c && c->raw.p; c = c->next)
		if ((rc = cms_cert_sig_known(c)) != 0)
			return rc;
	*pp = p;
	return 0;
}

/*
 * Parse a detached CMS SignedData in [@p, @end) into @cp: version,
 * digest algorithms, certificates, and exactly one SignerInfo; @cp points
 * into the buffer, which must outlive it.  0 or -PB_ECMS_*.
 */
static int cms_parse(struct cms_parsed *cp, unsigned char *p,
		     const unsigned char *end)
{
	const unsigned char *set_end;
	unsigned char *info_end;
	size_t len;
	int rc;

	/* ContentInfo { signedData, [0] SignedData } */
	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0)
		return -PB_ECMS_PARSE;
	end = p + len;
	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OID) != 0)
		return -PB_ECMS_PARSE;
	if (len != OID_LEN(OID_SIGNED_DATA) ||
	    memcmp(p, OID_SIGNED_DATA, len) != 0)
		return -PB_ECMS_NOT_SIGNED_DATA;
	p += len;
	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_CTX0) != 0 ||
	    mbedtls_asn1_get_tag(&p, end, &len, TAG_SEQ) != 0)
		return -PB_ECMS_PARSE;
	end = p + len;

	/* version, digestAlgorithms, encapContentInfo: iPXE skips them */
	if ((rc = cms_skip(&p, end, MBEDTLS_ASN1_INTEGER)) != 0 ||
	    (rc = cms_skip(&p, end, TAG_SET)) != 0 ||
	    (rc = cms_skip(&p, end, TAG_SEQ)) != 0)
		return rc;
	if ((rc = cms_parse_certs(cp, &p, end)) != 0)
		return rc;
	if (p < end && *p == TAG_CTX1 && (rc = cms_skip(&p, end, TAG_CTX1)))
		return rc;

	if (mbedtls_asn1_get_tag(&p, end, &len, TAG_SET) != 0)
		return -PB_ECMS_PARSE;
	set_end = p + len;
	while (p < set_end) {
		if (cp->n_info >= CMS_MAX_SIGNERS)
			return -PB_ETOOBIG;
		if (mbedtls_asn1_get_tag(&p, set_end, &len, TAG_SEQ) != 0)
			return -PB_ECMS_PARSE;
		info_end = p + len;
		rc = cms_parse_signer_info(cp, &cp->info[cp->n_info], p,
					   info_end);
		if (rc != 0)
			return rc;
		cp->n_info++;
		p = info_end;
	}
	return 0;
}

/* ---- verification ----------------------------------------------------- */

/* What iPXE can check: its hashes, RSA of any size, P-256 and P-384. */
static const mbedtls_x509_crt_profile cms_profile = {
	MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA1) |
		MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA224) |
		MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256) |
		MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA384) |
		MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA512),
	0xFFFFFFF,
	MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP256R1) |
		MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP384R1),
	1024,
};

struct cms_time_check {
	time_t now;
	int rc;
};

/* Replace mbedTLS's exact validity test with iPXE's, which allows margin. */
static int cms_verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth,
			 uint32_t *flags)
{
	struct cms_time_check *tc = ctx;
	time_t from, to;

	(void)depth;
	*flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED |
			      MBEDTLS_X509_BADCERT_FUTURE);
	pki_cert_validity(crt, &from, &to);
	if (tc->rc == 0 && from > tc->now + CMS_TIME_MARGIN)
		tc->rc = -PB_ECMS_NOT_YET_VALID;
	if (tc->rc == 0 && to < tc->now - CMS_TIME_MARGIN)
		tc->rc = -PB_ECMS_EXPIRED;
	return 0;
}

/* After a failed chain: was it an issuer that may not act as a CA? */
static int cms_issuer_not_ca(const struct cms_parsed *cp,
			     const mbedtls_x509_crt *leaf)
{
	const mbedtls_x509_crt *c;

	for (c = &cp->certs; c && c->raw.p; c = c->next) {
		if (c == leaf || c->subject_raw.len != leaf->issuer_raw.len ||
		    memcmp(c->subject_raw.p, leaf->issuer_raw.p,
			   c->subject_raw.len) != 0)
			continue;
		if (!c->ca_istrue ||
		    ((c->ext_types & MBEDTLS_X509_EXT_KEY_USAGE) &&
		     !(c->key_usage & MBEDTLS_X509_KU_KEY_CERT_SIGN)))
			return 1;
	}
	return 0;
}

/* The signer's chain, built from the signature's certificates. */
static int cms_verify_chain(const struct cms_parsed *cp,
			    const mbedtls_x509_crt *signer,
			    const struct cms_verify_opts *opts)
{
	struct cms_time_check tc = { opts->now, 0 };
	const mbedtls_x509_crt *c;
	mbedtls_x509_crt chain;
	uint32_t flags = 0;
	int ret;
	int rc = 0;

	mbedtls_x509_crt_init(&chain);
	if (mbedtls_x509_crt_parse_der(&chain, signer->raw.p,
				       signer->raw.len) != 0)
		rc = -PB_ECERT_PARSE;
	for (c = &cp->certs; rc == 0 && c && c->raw.p; c = c->next)
		if (c != signer &&
		    mbedtls_x509_crt_parse_der(&chain, c->raw.p, c->raw.len))
			rc = -PB_ECERT_PARSE;
	if (rc != 0)
		goto out;
	ret = mbedtls_x509_crt_verify_with_profile(
		&chain, (mbedtls_x509_crt *)opts->roots, NULL, &cms_profile,
		NULL, &flags, cms_verify_cb, &tc);
	if (tc.rc != 0)
		rc = tc.rc;
	else if (ret != 0 || flags != 0)
		rc = cms_issuer_not_ca(cp, signer) ? -PB_ECMS_NOT_CA :
						     -PB_ECMS_UNTRUSTED;
out:
	mbedtls_x509_crt_free(&chain);
	return rc;
}

/*
 * iPXE's x509_check_dnsname(): case-insensitive, and a leading "*." stands
 * for exactly the first label of @name.
 */
static int cms_dns_match(const unsigned char *pattern, size_t len,
			 const char *name)
{
	if (len >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		pattern += 2;
		len -= 2;
		name = strchr(name, '.');
		if (!name)
			return 0;
		name++;
	}
	return strlen(name) == len &&
	       strncasecmp(name, (const char *)pattern, len) == 0;
}

/* iPXE's x509_check_ipaddress(): @name parsed as an address, bytes equal. */
static int cms_ip_match(const unsigned char *addr, size_t len,
			const char *name)
{
	unsigned char want[sizeof(struct in6_addr)];
	int family = len == sizeof(struct in_addr) ? AF_INET : AF_INET6;

	if (len != sizeof(struct in_addr) && len != sizeof(struct in6_addr))
		return 0;
	return inet_pton(family, name, want) == 1 &&
	       memcmp(want, addr, len) == 0;
}

/*
 * iPXE's x509_check_name(): the first commonName (iPXE reads only the first
 * attribute of each RDN), then every DNS and IP subjectAltName.  Not
 * pki_cert_has_name(), whose byte comparison of every CN iPXE does not do.
 */
static int cms_signer_has_name(const mbedtls_x509_crt *crt, const char *name)
{
	const mbedtls_x509_sequence *san;
	const mbedtls_x509_name *n;
	int rdn_start = 1;

	for (n = &crt->subject; n && n->oid.p; n = n->next) {
		if (rdn_start && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0) {
			if (cms_dns_match(n->val.p, n->val.len, name))
				return 1;
			break;
		}
		rdn_start = !n->next_merged;
	}
	for (san = &crt->subject_alt_names; san && san->buf.p; san = san->next) {
		if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC |
				     MBEDTLS_X509_SAN_DNS_NAME) &&
		    cms_dns_match(san->buf.p, san->buf.len, name))
			return 1;
		if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC |
				     MBEDTLS_X509_SAN_IP_ADDRESS) &&
		    cms_ip_match(san->buf.p, san->buf.len, name))
			return 1;
	}
	return 0;
}

/* keyUsage digitalSignature and extendedKeyUsage codeSigning, both present */
static int cms_check_usage(const mbedtls_x509_crt *cert)
{
	const mbedtls_x509_sequence *eku;

	if (!(cert->ext_types & MBEDTLS_X509_EXT_KEY_USAGE) ||
	    !(cert->key_usage & MBEDTLS_X509_KU_DIGITAL_SIGNATURE))
		return -PB_ECMS_NON_SIGNING;
	if (cert->ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE)
		for (eku = &cert->ext_key_usage; eku && eku->buf.p;
		     eku = eku->next)
			if (MBEDTLS_OID_CMP(MBEDTLS_OID_CODE_SIGNING,
					    &eku->buf) == 0)
				return 0;
	return -PB_ECMS_NON_CODESIGN;
}

/* Verify @info's signature over @hash with its certificate's public key
 * (RSA PKCS#1 v1.5 or PSS, ECDSA on the curves iPXE knows); 0 or
 * -PB_ECMS_*. */
static int cms_check_signature(const struct cms_signer_info *info,
			       const uint8_t *hash)
{
	mbedtls_pk_context *pk = (mbedtls_pk_context *)&info->cert->pk;
	mbedtls_pk_type_t type = mbedtls_pk_get_type(pk);
	mbedtls_pk_rsassa_pss_options pss;
	size_t hlen = digest_size(info->digest);
	mbedtls_ecp_group_id grp;
	int ret;

	switch (info->kind) {
	case CMS_PK_RSA:
		if (type != MBEDTLS_PK_RSA)
			return -PB_ECMS_PUBKEY_ALG;
		ret = mbedtls_pk_verify(pk, info->digest->md, hash, hlen,
					info->sig, info->sig_len);
		break;
	case CMS_PK_RSA_PSS:
		if (type != MBEDTLS_PK_RSA)
			return -PB_ECMS_PUBKEY_ALG;
		pss.mgf1_hash_id = info->digest->md;
		pss.expected_salt_len = (int)hlen;
		ret = mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &pss, pk,
					    info->digest->md, hash, hlen,
					    info->sig, info->sig_len);
		break;
	case CMS_PK_ECDSA:
		if (type != MBEDTLS_PK_ECKEY && type != MBEDTLS_PK_ECDSA)
			return -PB_ECMS_PUBKEY_ALG;
		grp = mbedtls_pk_ec(*pk)->grp.id;
		if (grp != MBEDTLS_ECP_DP_SECP256R1 &&
		    grp != MBEDTLS_ECP_DP_SECP384R1)
			return -PB_ECMS_PUBKEY_ALG;
		ret = mbedtls_pk_verify(pk, info->digest->md, hash, hlen,
					info->sig, info->sig_len);
		break;
	default:
		return -PB_ECMS_PUBKEY_ALG;
	}
	if (ret != 0) {
		log_mbedtls("checking a signature", ret);
		return -PB_ECMS_BAD_SIGNATURE;
	}
	return 0;
}

/* Decode a PEM signature into @der (caller frees via mbedtls_pem_free). */
static int cms_pem_decode(const unsigned char *sig, mbedtls_pem_context *pem)
{
	static const char *const labels[] = { "PKCS7", "CMS" };
	char header[32], footer[32];
	size_t used;
	size_t i;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		snprintf(header, sizeof(header), "-----BEGIN %s-----",
			 labels[i]);
		snprintf(footer, sizeof(footer), "-----END %s-----", labels[i]);
		if (mbedtls_pem_read_buffer(pem, header, footer, sig, NULL, 0,
					    &used) == 0)
			return 0;
		mbedtls_pem_free(pem);
		mbedtls_pem_init(pem);
	}
	return -PB_ECMS_PARSE;
}

int cms_verify_fd(const unsigned char *sig, size_t sig_len, int fd,
		  const struct cms_verify_opts *opts,
		  struct cms_verify_result *result)
{
	return cms_verify_fd_sha256(sig, sig_len, fd, NULL, opts, result);
}

/* The content's digests for @n_algs algorithms @algs into @hashes: the
 * SHA-256 from @sha256 when given, any other read from @fd. */
static int cms_content_digests(int fd, const uint8_t *sha256,
			       const struct digest_alg *const *algs,
			       size_t n_algs,
			       uint8_t hashes[][DIGEST_MAX_SIZE])
{
	const struct digest_alg *sha = digest_by_name("sha256");
	size_t i;

	for (i = 0; sha256 && i < n_algs && algs[i] == sha; i++)
		;
	if (!sha256 || i < n_algs)
		return digest_fd(fd, algs, n_algs, hashes, NULL);
	for (i = 0; i < n_algs; i++)
		memcpy(hashes[i], sha256, 32);
	return 0;
}

int cms_verify_fd_sha256(const unsigned char *sig, size_t sig_len, int fd,
			 const uint8_t *sha256,
			 const struct cms_verify_opts *opts,
			 struct cms_verify_result *result)
{
	const struct digest_alg *algs[CMS_MAX_SIGNERS];
	uint8_t hashes[CMS_MAX_SIGNERS][DIGEST_MAX_SIZE];
	struct cms_signer_info *info;
	struct cms_parsed *cp;
	mbedtls_pem_context pem;
	unsigned char *der = (unsigned char *)sig;
	size_t der_len = sig_len;
	size_t n_algs = 0, i, j;
	unsigned int verified = 0;
	int rc;

	if (sig_len > CMS_SIG_MAX)
		return -PB_ETOOBIG;
	cp = calloc(1, sizeof(*cp));
	if (!cp)
		return -ENOMEM;
	mbedtls_x509_crt_init(&cp->certs);
	mbedtls_pem_init(&pem);
	if (sig_len > 11 && memcmp(sig, "-----BEGIN ", 11) == 0) {
		rc = cms_pem_decode(sig, &pem);
		if (rc != 0)
			goto out;
		der = pem.buf;
		der_len = pem.buflen;
	}
	rc = cms_parse(cp, der, der + der_len);
	if (rc != 0)
		goto out;

	/* One pass over the content computes every digest the signers use. */
	for (i = 0; i < cp->n_info; i++) {
		info = &cp->info[i];
		for (j = 0; j < n_algs && algs[j] != info->digest; j++)
			;
		if (j == n_algs)
			algs[n_algs++] = info->digest;
		info->digest_index = (int)j;
	}
	rc = cms_content_digests(fd, sha256, algs, n_algs, hashes);
	if (rc != 0)
		goto out;

	/* iPXE completes every signer's chain before it looks at names. */
	for (i = 0; i < cp->n_info; i++)
		if ((rc = cms_verify_chain(cp, cp->info[i].cert, opts)) != 0)
			goto out;
	for (i = 0; i < cp->n_info; i++) {
		info = &cp->info[i];
		if (opts->name && !cms_signer_has_name(info->cert, opts->name))
			continue;
		if ((rc = cms_check_usage(info->cert)) != 0 ||
		    (rc = cms_check_signature(
			     info, hashes[info->digest_index])) != 0)
			goto out;
		verified++;
		if (result)
			mbedtls_x509_dn_gets(result->signer,
					     sizeof(result->signer),
					     &info->cert->subject);
	}
	if (verified == 0)
		rc = opts->name ? -PB_ECMS_WRONG_NAME : -PB_ECMS_NO_SIGNERS;
	else if (result)
		result->verified = verified;
out:
	mbedtls_pem_free(&pem);
	mbedtls_x509_crt_free(&cp->certs);
	free(cp);
	return rc;
}
