/* test_cms.c: signatures in iPXE's form, and every way they are refused. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/base64.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include "cms.h"
#include "error.h"
#include "fileio.h"
#include "keystore.h"
#include "pki.h"
#include "unit.h"

static const char content[] = "#!ipxe\nkernel vmlinuz\nboot\n";

/* Write @data to a file and return it open for reading. */
static int content_fd(const void *data, size_t len)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/content", unit_tmpdir());
	CU_ASSERT_EQUAL(fileio_write(path, data, len, 0644, 0), 0);
	fd = open(path, O_RDONLY);
	CU_ASSERT(fd >= 0);
	return fd;
}

struct signer {
	mbedtls_pk_context key;
	mbedtls_x509_crt chain;
	mbedtls_x509_crt root;
	struct rng rng;
};

static void signer_load(struct signer *s, int ecdsa)
{
	char key[256], crt[256], root[256];
	const char *dir = unit_keys(ecdsa);

	snprintf(key, sizeof(key), "%s/%s", dir, KEYSTORE_CODESIGN_KEY);
	snprintf(crt, sizeof(crt), "%s/%s", dir, KEYSTORE_CODESIGN_CRT);
	snprintf(root, sizeof(root), "%s/%s", dir, KEYSTORE_ROOT_CRT);
	mbedtls_pk_init(&s->key);
	mbedtls_x509_crt_init(&s->chain);
	mbedtls_x509_crt_init(&s->root);
	s->rng.seeded = 0;
	CU_ASSERT_EQUAL_FATAL(keystore_load_signer(key, crt, root, &s->key,
						   &s->chain), 0);
	CU_ASSERT_EQUAL_FATAL(pki_cert_load(&s->root, root), 0);
	CU_ASSERT_EQUAL_FATAL(rng_init(&s->rng, "unit"), 0);
}

static void signer_free(struct signer *s)
{
	rng_free(&s->rng);
	mbedtls_x509_crt_free(&s->root);
	mbedtls_x509_crt_free(&s->chain);
	mbedtls_pk_free(&s->key);
}

static void sign_with(struct signer *s, const char *alg_name,
		      const void *data, size_t len, unsigned char **der,
		      size_t *der_len)
{
	const struct digest_alg *alg = digest_by_name(alg_name);
	uint8_t hash[DIGEST_MAX_SIZE];
	struct digest d;

	digest_init(&d, alg);
	digest_update(&d, data, len);
	digest_final(&d, hash);
	CU_ASSERT_EQUAL_FATAL(cms_sign_digest(alg, hash, &s->key, &s->chain,
					      &s->rng, der, der_len), 0);
}

static int verify_at(const unsigned char *der, size_t der_len,
		     const void *data, size_t len,
		     const mbedtls_x509_crt *root, const char *name,
		     time_t now)
{
	struct cms_verify_opts opts = { root, name, now };
	struct cms_verify_result res = { 0 };
	int fd = content_fd(data, len);
	int rc = cms_verify_fd(der, der_len, fd, &opts, &res);

	close(fd);
	if (rc == 0)
		CU_ASSERT(res.verified == 1);
	return rc;
}

static int verify(const unsigned char *der, size_t der_len, const void *data,
		  size_t len, const mbedtls_x509_crt *root, const char *name)
{
	return verify_at(der, der_len, data, len, root, name, time(NULL));
}

static void roundtrip(int ecdsa)
{
	static const char *const algs[] = { "sha256", "sha1", "sha384",
					    "sha512", "sha224" };
	struct signer s;
	unsigned char *der;
	size_t len, i;

	signer_load(&s, ecdsa);
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (ecdsa && strcmp(algs[i], "sha1") == 0)
			continue;	/* test_ecdsa_sha1 */
		sign_with(&s, algs[i], content, sizeof(content), &der, &len);
		CU_ASSERT_EQUAL(verify(der, len, content, sizeof(content),
				       &s.root, NULL), 0);
		CU_ASSERT_EQUAL(verify(der, len, content, sizeof(content),
				       &s.root, KEYSTORE_CODESIGN_CN), 0);
		CU_ASSERT_EQUAL(verify(der, len, content, sizeof(content),
				       &s.root, "someone-else"),
				-PB_ECMS_WRONG_NAME);
		/* iPXE compares names without case */
		CU_ASSERT_EQUAL(verify(der, len, content, sizeof(content),
				       &s.root, "PODBOOT-CodeSign"), 0);
		/* One byte more, one bit different: refused. */
		CU_ASSERT_EQUAL(verify(der, len, content, sizeof(content) - 1,
				       &s.root, NULL), -PB_ECMS_BAD_SIGNATURE);
		free(der);
	}
	signer_free(&s);
}

/* A digest the caller already holds stands for the content: the right
 * one verifies, a wrong one is refused; a SHA-384 signer still reads the
 * content itself. */
static void test_known_sha256(void)
{
	struct cms_verify_opts opts;
	const struct digest_alg *sha = digest_by_name("sha256");
	uint8_t hash[DIGEST_MAX_SIZE];
	struct digest d;
	struct signer s;
	unsigned char *der;
	size_t len;
	int fd;

	signer_load(&s, 0);
	opts = (struct cms_verify_opts){ &s.root, NULL, time(NULL) };
	digest_init(&d, sha);
	digest_update(&d, content, sizeof(content));
	digest_final(&d, hash);
	sign_with(&s, "sha256", content, sizeof(content), &der, &len);
	fd = content_fd(content, sizeof(content));
	CU_ASSERT_EQUAL(cms_verify_fd_sha256(der, len, -1, hash, &opts, NULL),
			0);
	hash[7] ^= 1;
	CU_ASSERT_EQUAL(cms_verify_fd_sha256(der, len, -1, hash, &opts, NULL),
			-PB_ECMS_BAD_SIGNATURE);
	free(der);
	sign_with(&s, "sha384", content, sizeof(content), &der, &len);
	CU_ASSERT_EQUAL(cms_verify_fd_sha256(der, len, fd, hash, &opts, NULL),
			0);
	close(fd);
	free(der);
	signer_free(&s);
}

static void test_roundtrip_rsa(void)
{
	roundtrip(0);
}

static void test_roundtrip_ecdsa(void)
{
	roundtrip(1);
}

/*
 * iPXE has no ecdsa-with-SHA1: such a signature is never written (the
 * refusal of one made by OpenSSL is in test/integration/parity.test.sh).
 */
static void test_ecdsa_sha1(void)
{
	const struct digest_alg *alg = digest_by_name("sha1");
	uint8_t hash[DIGEST_MAX_SIZE] = { 0 };
	unsigned char *der = NULL;
	struct signer s;
	size_t len = 0;

	signer_load(&s, 1);
	CU_ASSERT_EQUAL(cms_sign_digest(alg, hash, &s.key, &s.chain, &s.rng,
					&der, &len), -PB_ECMS_PUBKEY_ALG);
	CU_ASSERT_PTR_NULL(der);
	signer_free(&s);
}

/*
 * A code-signing certificate for @s's key under its root, signed with @md:
 * parsed into @out.  0 or the mbedTLS error.
 */
static int codesign_cert_with(struct signer *s, mbedtls_md_type_t md,
			      mbedtls_x509_crt *out)
{
	/* extendedKeyUsage: SEQUENCE { id-kp-codeSigning } */
	static const unsigned char eku[] = { 0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06,
					     0x01, 0x05, 0x05, 0x07, 0x03,
					     0x03 };
	unsigned char pem[PKI_PEM_MAX];
	char root_key[256], issuer[512];
	mbedtls_pk_context ca_key;
	mbedtls_x509write_cert w;
	mbedtls_mpi serial;
	int ret;

	snprintf(root_key, sizeof(root_key), "%s/%s", unit_keys(1),
		 KEYSTORE_ROOT_KEY);
	mbedtls_pk_init(&ca_key);
	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&serial);
	ret = pki_key_load(&ca_key, root_key);
	if (ret == 0)
		ret = mbedtls_x509_dn_gets(issuer, sizeof(issuer),
					   &s->root.subject) > 0 ? 0 : -1;
	if (ret == 0)
		ret = mbedtls_mpi_lset(&serial, 4242);
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&w, md);
	mbedtls_x509write_crt_set_subject_key(&w, &s->key);
	mbedtls_x509write_crt_set_issuer_key(&w, &ca_key);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_subject_name(
			&w, "CN=" KEYSTORE_CODESIGN_CN);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_issuer_name(&w, issuer);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_serial(&w, &serial);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_validity(&w, "20200101000000",
							 "20990101000000");
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_basic_constraints(&w, 0, -1);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_key_usage(
			&w, MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
	if (ret == 0)
		ret = mbedtls_x509write_crt_set_extension(
			&w, MBEDTLS_OID_EXTENDED_KEY_USAGE,
			MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0, eku,
			sizeof(eku));
	if (ret == 0)
		ret = mbedtls_x509write_crt_pem(&w, pem, sizeof(pem),
						rng_random, &s->rng);
	if (ret == 0)
		ret = mbedtls_x509_crt_parse(out, pem, strlen((char *)pem) + 1);
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&w);
	mbedtls_pk_free(&ca_key);
	return ret;
}

/*
 * iPXE refuses the whole message when a certificate in it is signed with
 * ecdsa-with-SHA1 (Operation not supported, 3c00e103): so must verify.
 */
static void test_cert_ecdsa_sha1(void)
{
	static const mbedtls_md_type_t mds[] = { MBEDTLS_MD_SHA256,
						 MBEDTLS_MD_SHA1 };
	const struct digest_alg *alg = digest_by_name("sha256");
	uint8_t hash[DIGEST_MAX_SIZE];
	mbedtls_x509_crt crt;
	struct signer s;
	unsigned char *der;
	struct digest d;
	size_t len, i;

	signer_load(&s, 1);
	digest_init(&d, alg);
	digest_update(&d, content, sizeof(content));
	digest_final(&d, hash);
	for (i = 0; i < sizeof(mds) / sizeof(mds[0]); i++) {
		mbedtls_x509_crt_init(&crt);
		CU_ASSERT_EQUAL_FATAL(codesign_cert_with(&s, mds[i], &crt), 0);
		CU_ASSERT_EQUAL_FATAL(cms_sign_digest(alg, hash, &s.key, &crt,
						      &s.rng, &der, &len), 0);
		CU_ASSERT_EQUAL(verify(der, len, content, sizeof(content),
				       &s.root, KEYSTORE_CODESIGN_CN),
				mds[i] == MBEDTLS_MD_SHA1 ?
					-PB_ECMS_PUBKEY_ALG : 0);
		free(der);
		mbedtls_x509_crt_free(&crt);
	}
	signer_free(&s);
}

/*
 * iPXE's name check: the first commonName only, without case, "*." for the
 * first label; then subjectAltNames.
 */
static void test_signer_name(void)
{
	struct pki_cert_spec spec = {
		.profile = PKI_PROFILE_CODESIGN,
		.subject = "CN=*.Sign.Example,O=t",
		.not_before = time(NULL) - 60,
		.not_after = time(NULL) + 86400,
	};
	static const struct {
		const char *name;
		int rc;
	} cases[] = {
		{ "a.sign.example", 0 },
		{ "B.SIGN.EXAMPLE", 0 },
		{ "sign.example", -PB_ECMS_WRONG_NAME },
		{ "a.b.sign.example", -PB_ECMS_WRONG_NAME },
		{ "*.Sign.Example", 0 },	/* as iPXE: "*." eats a label */
		{ "t", -PB_ECMS_WRONG_NAME },
	};
	unsigned char pem[PKI_PEM_MAX];
	char path[256];
	mbedtls_pk_context root_key;
	struct signer s;
	unsigned char *der;
	size_t len, i;

	signer_load(&s, 1);
	mbedtls_pk_init(&root_key);
	snprintf(path, sizeof(path), "%s/%s", unit_keys(1), KEYSTORE_ROOT_KEY);
	CU_ASSERT_EQUAL_FATAL(pki_key_load(&root_key, path), 0);
	CU_ASSERT_EQUAL_FATAL(pki_cert_issue(&spec, &s.key, &root_key, &s.root,
					     &s.rng, pem, sizeof(pem)), 0);
	mbedtls_x509_crt_free(&s.chain);
	mbedtls_x509_crt_init(&s.chain);
	CU_ASSERT_EQUAL_FATAL(mbedtls_x509_crt_parse(&s.chain, pem,
						     strlen((char *)pem) + 1),
			      0);
	sign_with(&s, "sha256", content, sizeof(content), &der, &len);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CU_ASSERT_EQUAL(verify(der, len, content, sizeof(content),
				       &s.root, cases[i].name), cases[i].rc);
	free(der);
	mbedtls_pk_free(&root_key);
	signer_free(&s);
}

static void test_wrong_root(void)
{
	struct signer rsa, ec;
	unsigned char *der;
	size_t len;

	signer_load(&rsa, 0);
	signer_load(&ec, 1);
	sign_with(&rsa, "sha256", content, sizeof(content), &der, &len);
	CU_ASSERT_EQUAL(verify(der, len, content, sizeof(content), &ec.root,
			       NULL), -PB_ECMS_UNTRUSTED);
	/* iPXE completes every signer's chain before it compares names. */
	CU_ASSERT_EQUAL(verify(der, len, content, sizeof(content), &ec.root,
			       "someone-else"), -PB_ECMS_UNTRUSTED);
	free(der);
	/* A key that does not match the certificate never signs. */
	CU_ASSERT_EQUAL(cms_sign_digest(digest_by_name("sha256"),
					(const uint8_t *)content, &ec.key,
					&rsa.chain, &rsa.rng, &der, &len),
			-PB_EKEY_MISMATCH);
	signer_free(&ec);
	signer_free(&rsa);
}

/* iPXE allows 12.5 hours of clock error either side of the validity. */
static void test_time_margin(void)
{
	struct signer s;
	unsigned char *der;
	time_t from, to;
	size_t len;

	signer_load(&s, 1);
	sign_with(&s, "sha256", content, sizeof(content), &der, &len);
	pki_cert_validity(&s.chain, &from, &to);
	CU_ASSERT_EQUAL(verify_at(der, len, content, sizeof(content), &s.root,
				  NULL, to + CMS_TIME_MARGIN - 60), 0);
	CU_ASSERT_EQUAL(verify_at(der, len, content, sizeof(content), &s.root,
				  NULL, to + CMS_TIME_MARGIN + 60),
			-PB_ECMS_EXPIRED);
	CU_ASSERT_EQUAL(verify_at(der, len, content, sizeof(content), &s.root,
				  NULL, from - CMS_TIME_MARGIN + 60), 0);
	CU_ASSERT_EQUAL(verify_at(der, len, content, sizeof(content), &s.root,
				  NULL, from - CMS_TIME_MARGIN - 60),
			-PB_ECMS_NOT_YET_VALID);
	free(der);
	signer_free(&s);
}

static void test_pem(void)
{
	unsigned char b64[8192], pem[8300];
	struct signer s;
	unsigned char *der;
	size_t len, blen;

	signer_load(&s, 1);
	sign_with(&s, "sha256", content, sizeof(content), &der, &len);
	CU_ASSERT_EQUAL_FATAL(mbedtls_base64_encode(b64, sizeof(b64), &blen,
						    der, len), 0);
	snprintf((char *)pem, sizeof(pem),
		 "-----BEGIN PKCS7-----\n%s\n-----END PKCS7-----\n", b64);
	CU_ASSERT_EQUAL(verify(pem, strlen((char *)pem), content,
			       sizeof(content), &s.root, NULL), 0);
	pem[30] ^= 0x01;
	CU_ASSERT_NOT_EQUAL(verify(pem, strlen((char *)pem), content,
				   sizeof(content), &s.root, NULL), 0);
	free(der);
	signer_free(&s);
}

/* Hostile signatures: truncated, wrong type, mangled; refused, no crash. */
static void test_malformed(void)
{
	struct signer s;
	unsigned char *der, *copy;
	size_t len, i, sig_start;
	int rc;

	signer_load(&s, 1);
	sign_with(&s, "sha256", content, sizeof(content), &der, &len);
	copy = malloc(len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	for (i = 0; i < len; i++) {
		memcpy(copy, der, i);
		CU_ASSERT_NOT_EQUAL(verify(copy, i, content, sizeof(content),
					   &s.root, NULL), 0);
	}
	/* Content type pkcs7-data instead of signedData (last OID byte). */
	memcpy(copy, der, len);
	copy[4 + 2 + 8] = 0x01;	/* SEQUENCE header, OID header, 9th byte */
	CU_ASSERT_EQUAL(verify(copy, len, content, sizeof(content), &s.root,
			       NULL), -PB_ECMS_NOT_SIGNED_DATA);
	/* Every bit of the signature value matters (it ends the DER). */
	sig_start = len - 64;
	for (i = sig_start; i < len; i++) {
		memcpy(copy, der, len);
		copy[i] ^= 0x80;
		rc = verify(copy, len, content, sizeof(content), &s.root, NULL);
		CU_ASSERT(rc == -PB_ECMS_BAD_SIGNATURE || rc == -PB_ECMS_PARSE);
	}
	/* Any single-byte change anywhere: an error code, never a crash. */
	for (i = 0; i < len; i++) {
		memcpy(copy, der, len);
		copy[i] ^= 0xff;
		rc = verify(copy, len, content, sizeof(content), &s.root, NULL);
		CU_ASSERT(rc <= 0 && rc > -PB_ELAST);
	}
	CU_ASSERT_EQUAL(verify((const unsigned char *)"junk", 4, content,
			       sizeof(content), &s.root, NULL),
			-PB_ECMS_PARSE);
	free(copy);
	free(der);
	signer_free(&s);
}

static const CU_TestInfo tests[] = {
	{ "RSA: sign, verify, every digest, name, tamper",
	  test_roundtrip_rsa },
	{ "ECDSA: sign, verify, every digest, name, tamper",
	  test_roundtrip_ecdsa },
	{ "a SHA-256 the caller holds stands for the content",
	  test_known_sha256 },
	{ "ECDSA with SHA-1 is never written", test_ecdsa_sha1 },
	{ "no certificate signed with ecdsa-with-SHA1", test_cert_ecdsa_sha1 },
	{ "signer names compared as iPXE does", test_signer_name },
	{ "untrusted root and mismatched key", test_wrong_root },
	{ "validity with iPXE's 12.5 h margin", test_time_margin },
	{ "PEM signatures", test_pem },
	{ "truncated, mistyped and mangled signatures", test_malformed },
	CU_TEST_INFO_NULL,
};

static int suite_cms_register(void)
{
	return unit_add_suite("cms", NULL, NULL, tests);
}

UNIT_SUITE(suite_cms_register)
