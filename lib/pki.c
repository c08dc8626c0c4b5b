/* pki.c: keys and X.509 certificates for podboot's trust chain (mbedTLS). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include "digest.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "pki.h"

#define PKI_RSA_BITS 3072
#define PKI_RSA_EXPONENT 65537
#define PKI_EXT_MAX 4096

int pki_algo_parse(const char *name, enum pki_algo *algo)
{
	if (strcmp(name, "rsa") == 0)
		*algo = PKI_RSA;
	else if (strcmp(name, "ecdsa") == 0)
		*algo = PKI_ECDSA;
	else
		return -PB_EUSAGE;
	return 0;
}

int pki_key_generate(mbedtls_pk_context *key, enum pki_algo algo,
		     struct rng *rng)
{
	mbedtls_pk_type_t type = algo == PKI_RSA ? MBEDTLS_PK_RSA :
						   MBEDTLS_PK_ECKEY;
	int ret;

	ret = mbedtls_pk_setup(key, mbedtls_pk_info_from_type(type));
	if (ret != 0)
		goto err;
	if (algo == PKI_RSA)
		ret = mbedtls_rsa_gen_key(mbedtls_pk_rsa(*key), rng_random,
					  rng, PKI_RSA_BITS,
					  PKI_RSA_EXPONENT);
	else
		ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1,
					  mbedtls_pk_ec(*key), rng_random,
					  rng);
	if (ret != 0)
		goto err;
	return 0;
err:
	log_mbedtls("generating a key", ret);
	return -PB_EKEYGEN;
}

/* @key as PEM into @pem of @size bytes; the caller wipes it. */
static int pki_key_pem(mbedtls_pk_context *key, unsigned char *pem,
		       size_t size)
{
	int ret;

	ret = mbedtls_pk_write_key_pem(key, pem, size);
	if (ret != 0) {
		log_mbedtls("encoding a private key", ret);
		return -PB_EKEYGEN;
	}
	return 0;
}

int pki_key_save(mbedtls_pk_context *key, const char *path, int flags)
{
	unsigned char pem[PKI_PEM_MAX];
	int rc;

	rc = pki_key_pem(key, pem, sizeof(pem));
	if (rc == 0)
		rc = fileio_write(path, pem, strlen((char *)pem), 0600, flags);
	mbedtls_platform_zeroize(pem, sizeof(pem));
	return rc;
}

int pki_key_stage(mbedtls_pk_context *key, struct fileio_staged *st,
		  const char *path)
{
	unsigned char pem[PKI_PEM_MAX];
	int rc;

	fileio_staged_init(st);
	rc = pki_key_pem(key, pem, sizeof(pem));
	if (rc == 0)
		rc = fileio_stage(st, path, pem, strlen((char *)pem), 0600);
	mbedtls_platform_zeroize(pem, sizeof(pem));
	return rc;
}

int pki_key_load(mbedtls_pk_context *key, const char *path)
{
	int ret;

	/* mbedTLS wipes its copy of the file before returning. */
	ret = mbedtls_pk_parse_keyfile(key, path, NULL);
	if (ret == MBEDTLS_ERR_PK_FILE_IO_ERROR)
		return fileio_exists(path) ? -EACCES : -ENOENT;
	if (ret != 0) {
		log_mbedtls(path, ret);
		return -PB_EKEY_PARSE;
	}
	return 0;
}

int pki_cert_load(mbedtls_x509_crt *crt, const char *path)
{
	int ret;

	ret = mbedtls_x509_crt_parse_file(crt, path);
	if (ret == MBEDTLS_ERR_PK_FILE_IO_ERROR)
		return fileio_exists(path) ? -EACCES : -ENOENT;
	if (ret != 0) {
		log_mbedtls(path, ret);
		return -PB_ECERT_PARSE;
	}
	return 0;
}

int pki_check_pair(const mbedtls_x509_crt *crt, mbedtls_pk_context *key)
{
	/* mbedTLS 2.28 takes non-const contexts it does not modify. */
	if (mbedtls_pk_check_pair((mbedtls_pk_context *)&crt->pk, key) != 0)
		return -PB_EKEY_MISMATCH;
	return 0;
}

int pki_same_public_key(const mbedtls_x509_crt *crt, mbedtls_pk_context *key)
{
	unsigned char a[PKI_PEM_MAX], b[PKI_PEM_MAX];
	int la, lb;

	/* mbedtls_pk_write_pubkey_der writes at the end of the buffer. */
	la = mbedtls_pk_write_pubkey_der((mbedtls_pk_context *)&crt->pk, a,
					 sizeof(a));
	lb = mbedtls_pk_write_pubkey_der(key, b, sizeof(b));
	if (la <= 0 || la != lb ||
	    memcmp(a + sizeof(a) - la, b + sizeof(b) - lb, (size_t)la) != 0)
		return -PB_EKEY_MISMATCH;
	return 0;
}

void pki_fingerprint(const mbedtls_x509_crt *crt, char hex[65])
{
	uint8_t hash[32];

	digest_sha256(crt->raw.p, crt->raw.len, hash);
	digest_hex(hash, sizeof(hash), hex);
}

void pki_serial_hex(const mbedtls_x509_crt *crt, char *hex, size_t size)
{
	size_t len = crt->serial.len;

	if (len > (size - 1) / 2)
		len = (size - 1) / 2;
	digest_hex(crt->serial.p, len, hex);
}

int pki_name_string(const mbedtls_x509_name *name, char *out, size_t size)
{
	const char *short_name;
	size_t off = 0;
	size_t i;

	for (; name; name = name->next) {
		if (!name->oid.p)
			continue;
		if (mbedtls_oid_get_attr_short_name(&name->oid,
						    &short_name) != 0)
			return -PB_ECERT_PARSE;
		if (off + strlen(short_name) + 2 >= size)
			return -PB_ETOOBIG;
		off += (size_t)snprintf(out + off, size - off, "%s%s=",
					off ? "," : "", short_name);
		for (i = 0; i < name->val.len; i++) {
			unsigned char c = name->val.p[i];

			if (off + 3 >= size)
				return -PB_ETOOBIG;
			/* mbedTLS reads back one escape only: a backslash before a comma. */
			if (c == '\\')
				return -PB_ECERT_PARSE;
			if (c == ',')
				out[off++] = '\\';
			out[off++] = (char)c;
		}
		out[off] = '\0';
	}
	return 0;
}

/* An X.509 time (UTC) as unix seconds. */
static time_t pki_x509_time(const mbedtls_x509_time *t)
{
	struct tm tm = {
		.tm_year = t->year - 1900,
		.tm_mon = t->mon - 1,
		.tm_mday = t->day,
		.tm_hour = t->hour,
		.tm_min = t->min,
		.tm_sec = t->sec,
	};

	return timegm(&tm);
}

void pki_cert_validity(const mbedtls_x509_crt *crt, time_t *from, time_t *to)
{
	*from = pki_x509_time(&crt->valid_from);
	*to = pki_x509_time(&crt->valid_to);
}

void pki_date_string(time_t t, char out[PKI_DATE_MAX])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, PKI_DATE_MAX, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

int pki_dns_name_valid(const char *name)
{
	size_t label = 0;
	size_t total = strlen(name);
	const char *p;

	if (total == 0 || total > 253)
		return 0;
	for (p = name; *p; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-')
			return 0;
		if (label == 0 && *p == '-')
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && p[-1] != '-';
}

int pki_ip_parse(const char *text, unsigned char addr[16], size_t *len)
{
	if (inet_pton(AF_INET, text, addr) == 1)
		*len = 4;
	else if (inet_pton(AF_INET6, text, addr) == 1)
		*len = 16;
	else
		return -PB_EBAD_NAME;
	return 0;
}

/* One subjectAltName as "DNS:name" or "IP:address" into @out. */
static void pki_san_format(const mbedtls_x509_buf *san, char *out,
			   size_t size)
{
	char addr[INET6_ADDRSTRLEN];
	int family = san->len == 4 ? AF_INET : AF_INET6;
	size_t i, off;

	switch (san->tag & MBEDTLS_ASN1_TAG_VALUE_MASK) {
	case MBEDTLS_X509_SAN_DNS_NAME:
		/* Shown cut if too long; bytes a terminal would act on as '?'. */
		off = (size_t)snprintf(out, size, "DNS:");
		for (i = 0; i < san->len && off + 1 < size; i++)
			out[off++] = isprint(san->p[i]) ? (char)san->p[i] : '?';
		out[off] = '\0';
		return;
	case MBEDTLS_X509_SAN_IP_ADDRESS:
		if ((san->len == 4 || san->len == 16) &&
		    inet_ntop(family, san->p, addr, sizeof(addr))) {
			snprintf(out, size, "IP:%s", addr);
			return;
		}
		break;
	}
	snprintf(out, size, "other");
}

int pki_san_string(const mbedtls_x509_crt *crt, char *out, size_t size)
{
	const mbedtls_x509_sequence *san;
	char one[300];
	size_t off = 0, len;

	if (size == 0)
		return -PB_ETOOBIG;
	out[0] = '\0';
	for (san = &crt->subject_alt_names; san && san->buf.p; san = san->next) {
		pki_san_format(&san->buf, one, sizeof(one));
		len = strlen(one) + (off ? 2 : 0);
		if (len >= size - off)
			return -PB_ETOOBIG;
		off += (size_t)snprintf(out + off, size - off, "%s%s",
					off ? ", " : "", one);
	}
	return 0;
}

int pki_cert_pem(const mbedtls_x509_crt *crt, unsigned char *pem,
		 size_t size, size_t *len)
{
	size_t olen = 0;
	int ret;

	ret = mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n",
				       "-----END CERTIFICATE-----\n",
				       crt->raw.p, crt->raw.len, pem, size,
				       &olen);
	if (ret != 0) {
		log_mbedtls("encoding a certificate as PEM", ret);
		return -PB_ETOOBIG;
	}
	/* olen counts the NUL mbedTLS writes after the text. */
	*len = olen - 1;
	return 0;
}

/* Match a DNS name against a certificate name, allowing "*." on the left. */
static int pki_dns_match(const char *pattern, size_t len, const char *name)
{
	const char *dot;

	if (strlen(name) == len && strncasecmp(pattern, name, len) == 0)
		return 1;
	if (len > 2 && pattern[0] == '*' && pattern[1] == '.') {
		dot = strchr(name, '.');
		if (dot && strlen(dot) == len - 1 &&
		    strncasecmp(pattern + 1, dot, len - 1) == 0)
			return 1;
	}
	return 0;
}

int pki_cert_has_name(const mbedtls_x509_crt *crt, const char *name)
{
	const mbedtls_x509_sequence *san;
	const mbedtls_x509_name *n;

	for (n = &crt->subject; n; n = n->next) {
		if (n->oid.p && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0 &&
		    n->val.len == strlen(name) &&
		    memcmp(n->val.p, name, n->val.len) == 0)
			return 1;
	}
	for (san = &crt->subject_alt_names; san && san->buf.p; san = san->next) {
		if (san->buf.tag != (MBEDTLS_ASN1_CONTEXT_SPECIFIC |
				     MBEDTLS_X509_SAN_DNS_NAME))
			continue;
		if (pki_dns_match((const char *)san->buf.p, san->buf.len, name))
			return 1;
	}
	return 0;
}

/* Write one GeneralName (tag [@tag] IMPLICIT) backwards at *p. */
static int pki_write_general_name(unsigned char **p, unsigned char *start,
				  int tag, const void *data, size_t len)
{
	size_t total = 0;
	int ret;

	MBEDTLS_ASN1_CHK_ADD(total, mbedtls_asn1_write_raw_buffer(
					    p, start, data, len));
	MBEDTLS_ASN1_CHK_ADD(total, mbedtls_asn1_write_len(p, start, len));
	MBEDTLS_ASN1_CHK_ADD(total, mbedtls_asn1_write_tag(
					    p, start,
					    MBEDTLS_ASN1_CONTEXT_SPECIFIC | tag));
	return (int)total;
}

/* Add @spec's subjectAltName (DNS names and IP addresses) to @crt;
 * 0, -PB_EBAD_NAME for a name that is neither, -PB_ETOOBIG when they do
 * not fit, or -PB_ECERT_WRITE. */
static int pki_set_san(mbedtls_x509write_cert *crt,
		       const struct pki_cert_spec *spec)
{
	unsigned char buf[PKI_EXT_MAX];
	unsigned char *p = buf + sizeof(buf);
	unsigned char addr[16];
	size_t len = 0;
	size_t alen;
	size_t i;
	int ret;

	if (spec->n_dns + spec->n_ips > PKI_MAX_SANS)
		return -PB_ETOOBIG;
	/* Written backwards: walk the lists in reverse to keep their order. */
	for (i = spec->n_ips; i-- > 0;) {
		if (pki_ip_parse(spec->ips[i], addr, &alen) != 0)
			return -PB_EBAD_NAME;
		ret = pki_write_general_name(&p, buf, MBEDTLS_X509_SAN_IP_ADDRESS,
					     addr, alen);
		if (ret < 0)
			return -PB_ETOOBIG;
		len += (size_t)ret;
	}
	for (i = spec->n_dns; i-- > 0;) {
		if (!pki_dns_name_valid(spec->dns[i]) &&
		    !(strncmp(spec->dns[i], "*.", 2) == 0 &&
		      pki_dns_name_valid(spec->dns[i] + 2)))
			return -PB_EBAD_NAME;
		ret = pki_write_general_name(&p, buf, MBEDTLS_X509_SAN_DNS_NAME,
					     spec->dns[i],
					     strlen(spec->dns[i]));
		if (ret < 0)
			return -PB_ETOOBIG;
		len += (size_t)ret;
	}
	if (mbedtls_asn1_write_len(&p, buf, len) < 0 ||
	    mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED |
						    MBEDTLS_ASN1_SEQUENCE) < 0)
		return -PB_ETOOBIG;
	len = (size_t)(buf + sizeof(buf) - p);
	ret = mbedtls_x509write_crt_set_extension(
		crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
		MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, p, len);
	return ret == 0 ? 0 : -PB_ECERT_WRITE;
}

/* Add an extendedKeyUsage of the one purpose @oid to @crt; 0 or an
 * mbedTLS error. */
static int pki_set_eku(mbedtls_x509write_cert *crt, const char *oid,
		       size_t oid_len)
{
	unsigned char buf[64];
	unsigned char *p = buf + sizeof(buf);
	size_t len = 0;
	int ret;

	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_oid(&p, buf, oid,
							 oid_len));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(&p, buf, len));
	MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(
					  &p, buf, MBEDTLS_ASN1_CONSTRUCTED |
							   MBEDTLS_ASN1_SEQUENCE));
	return mbedtls_x509write_crt_set_extension(
		crt, MBEDTLS_OID_EXTENDED_KEY_USAGE,
		MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0, p, len);
}

/* @t as mbedTLS wants validity times: YYYYMMDDHHMMSS, UTC. */
static void pki_time_string(time_t t, char out[16])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y%m%d%H%M%S", &tm);
}

/* A random positive 128-bit serial number. */
static int pki_set_serial(mbedtls_x509write_cert *crt, struct rng *rng)
{
	unsigned char raw[16];
	mbedtls_mpi serial;
	int ret;

	mbedtls_mpi_init(&serial);
	ret = rng_random(rng, raw, sizeof(raw));
	if (ret == 0) {
		raw[0] = (unsigned char)((raw[0] & 0x7f) | 0x40);
		ret = mbedtls_mpi_read_binary(&serial, raw, sizeof(raw));
	}
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_serial(crt, &serial);
	mbedtls_mpi_free(&serial);
	return ret;
}

/* keyUsage, basicConstraints and extendedKeyUsage for each profile. */
static int pki_set_profile(mbedtls_x509write_cert *crt,
			   const struct pki_cert_spec *spec,
			   mbedtls_pk_context *subject_key)
{
	unsigned int usage;
	int ret;

	switch (spec->profile) {
	case PKI_PROFILE_ROOT:
		ret = mbedtls_x509write_crt_set_basic_constraints(crt, 1, 0);
		if (ret == 0)
			ret = mbedtls_x509write_crt_set_key_usage(
				crt, MBEDTLS_X509_KU_KEY_CERT_SIGN |
					     MBEDTLS_X509_KU_CRL_SIGN);
		return ret;
	case PKI_PROFILE_CODESIGN:
		ret = mbedtls_x509write_crt_set_basic_constraints(crt, 0, -1);
		if (ret == 0)
			ret = mbedtls_x509write_crt_set_key_usage(
				crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
		if (ret == 0)
			ret = pki_set_eku(crt, MBEDTLS_OID_CODE_SIGNING,
					  MBEDTLS_OID_SIZE(
						  MBEDTLS_OID_CODE_SIGNING));
		return ret;
	case PKI_PROFILE_SERVER:
		usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
		/* RSA certificates may also serve static-RSA key exchange. */
		if (mbedtls_pk_get_type(subject_key) == MBEDTLS_PK_RSA)
			usage |= MBEDTLS_X509_KU_KEY_ENCIPHERMENT;
		ret = mbedtls_x509write_crt_set_basic_constraints(crt, 0, -1);
		if (ret == 0)
			ret = mbedtls_x509write_crt_set_key_usage(crt, usage);
		if (ret == 0)
			ret = pki_set_eku(crt, MBEDTLS_OID_SERVER_AUTH,
					  MBEDTLS_OID_SIZE(
						  MBEDTLS_OID_SERVER_AUTH));
		return ret;
	}
	return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
}

int pki_cert_issue(const struct pki_cert_spec *spec,
		   mbedtls_pk_context *subject_key,
		   mbedtls_pk_context *issuer_key,
		   const mbedtls_x509_crt *issuer, struct rng *rng,
		   unsigned char *pem, size_t size)
{
	mbedtls_x509write_cert crt;
	char issuer_name[1024];
	char from[16];
	char to[16];
	int ret;
	int rc = -PB_ECERT_WRITE;

	mbedtls_x509write_crt_init(&crt);
	if (issuer) {
		rc = pki_name_string(&issuer->subject, issuer_name,
				     sizeof(issuer_name));
		if (rc != 0)
			goto out;
		rc = -PB_ECERT_WRITE;
	}
	pki_time_string(spec->not_before, from);
	pki_time_string(spec->not_after, to);
	mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&crt, subject_key);
	mbedtls_x509write_crt_set_issuer_key(&crt, issuer_key);
	ret = mbedtls_x509write_crt_set_subject_name(&crt, spec->subject);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_issuer_name(
			&crt, issuer ? issuer_name : spec->subject);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_validity(&crt, from, to);
	if (ret == 0)
		ret = pki_set_serial(&crt, rng);
	if (ret == 0)
		ret = pki_set_profile(&crt, spec, subject_key);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_subject_key_identifier(&crt);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_authority_key_identifier(&crt);
	if (ret != 0) {
		log_mbedtls("building a certificate", ret);
		goto out;
	}
	if (spec->n_dns + spec->n_ips > 0) {
		rc = pki_set_san(&crt, spec);
		if (rc != 0)
			goto out;
		rc = -PB_ECERT_WRITE;
	}
	ret = mbedtls_x509write_crt_pem(&crt, pem, size, rng_random, rng);
	if (ret != 0) {
		log_mbedtls("signing a certificate", ret);
		goto out;
	}
	rc = 0;
out:
	mbedtls_x509write_crt_free(&crt);
	return rc;
}
