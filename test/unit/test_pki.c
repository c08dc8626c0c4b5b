/* test_pki.c: certificate issuance, names and fingerprints. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mbedtls/oid.h>

#include "error.h"
#include "keystore.h"
#include "pki.h"
#include "unit.h"

static void test_dns_names(void)
{
	CU_ASSERT_TRUE(pki_dns_name_valid("boot.example.net"));
	CU_ASSERT_TRUE(pki_dns_name_valid("a"));
	CU_ASSERT_TRUE(pki_dns_name_valid("pod-17.edge"));
	CU_ASSERT_FALSE(pki_dns_name_valid(""));
	CU_ASSERT_FALSE(pki_dns_name_valid("-a.example"));
	CU_ASSERT_FALSE(pki_dns_name_valid("a-.example"));
	CU_ASSERT_FALSE(pki_dns_name_valid("a..b"));
	CU_ASSERT_FALSE(pki_dns_name_valid("a.b."));
	CU_ASSERT_FALSE(pki_dns_name_valid("a_b"));
	CU_ASSERT_FALSE(pki_dns_name_valid("a b"));
	CU_ASSERT_FALSE(pki_dns_name_valid(
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void test_ip_literals(void)
{
	unsigned char addr[16];
	size_t len = 0;

	CU_ASSERT_EQUAL(pki_ip_parse("10.12.0.5", addr, &len), 0);
	CU_ASSERT_EQUAL(len, 4);
	CU_ASSERT_EQUAL(memcmp(addr, "\x0a\x0c\x00\x05", 4), 0);
	CU_ASSERT_EQUAL(pki_ip_parse("::1", addr, &len), 0);
	CU_ASSERT_EQUAL(len, 16);
	CU_ASSERT_EQUAL(addr[15], 1);
	CU_ASSERT_EQUAL(pki_ip_parse("10.12.0.300", addr, &len), -PB_EBAD_NAME);
	CU_ASSERT_EQUAL(pki_ip_parse("10.12.0", addr, &len), -PB_EBAD_NAME);
	CU_ASSERT_EQUAL(pki_ip_parse("fe80::1%eth0", addr, &len),
			-PB_EBAD_NAME);
	CU_ASSERT_EQUAL(pki_ip_parse("relay.example", addr, &len),
			-PB_EBAD_NAME);
	CU_ASSERT_EQUAL(pki_ip_parse("", addr, &len), -PB_EBAD_NAME);
}

static void load(const char *file, mbedtls_x509_crt *crt)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", unit_keys(0), file);
	mbedtls_x509_crt_init(crt);
	CU_ASSERT_EQUAL_FATAL(pki_cert_load(crt, path), 0);
}

/* The issuer name we write is byte-for-byte the root's subject (iPXE
 * compares them raw). */
static void test_issuer_is_root_subject(void)
{
	mbedtls_x509_crt root, cs, srv;
	char name[256];

	load(KEYSTORE_ROOT_CRT, &root);
	load(KEYSTORE_CODESIGN_CRT, &cs);
	load(KEYSTORE_SERVER_CRT, &srv);
	CU_ASSERT_EQUAL(cs.issuer_raw.len, root.subject_raw.len);
	CU_ASSERT_EQUAL(memcmp(cs.issuer_raw.p, root.subject_raw.p,
			       root.subject_raw.len), 0);
	CU_ASSERT_EQUAL(memcmp(srv.issuer_raw.p, root.subject_raw.p,
			       root.subject_raw.len), 0);
	CU_ASSERT_EQUAL(pki_name_string(&root.subject, name, sizeof(name)), 0);
	/* "CN=ORG root CA YYYY-MM-DD 12-hex-digit-id,O=ORG": unique per root */
	CU_ASSERT_EQUAL(strncmp(name, "CN=podboot unit root CA ", 24), 0);
	CU_ASSERT_EQUAL(strlen(name), 24 + 10 + 1 + 12 + strlen(",O=podboot unit"));
	CU_ASSERT_STRING_EQUAL(name + 24 + 10 + 1 + 12, ",O=podboot unit");
	CU_ASSERT_EQUAL(pki_name_string(&root.subject, name, 8), -PB_ETOOBIG);
	mbedtls_x509_crt_free(&root);
	mbedtls_x509_crt_free(&cs);
	mbedtls_x509_crt_free(&srv);
}

static void test_profiles(void)
{
	mbedtls_x509_crt root, cs, srv;

	load(KEYSTORE_ROOT_CRT, &root);
	load(KEYSTORE_CODESIGN_CRT, &cs);
	load(KEYSTORE_SERVER_CRT, &srv);
	CU_ASSERT_TRUE(root.ca_istrue);
	CU_ASSERT_EQUAL(root.max_pathlen, 1);	/* mbedTLS stores pathlen+1 */
	CU_ASSERT(root.key_usage & MBEDTLS_X509_KU_KEY_CERT_SIGN);
	CU_ASSERT(root.key_usage & MBEDTLS_X509_KU_CRL_SIGN);
	CU_ASSERT_FALSE(cs.ca_istrue);
	CU_ASSERT(cs.key_usage & MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
	CU_ASSERT_EQUAL(mbedtls_x509_crt_check_extended_key_usage(
				&cs, MBEDTLS_OID_CODE_SIGNING,
				MBEDTLS_OID_SIZE(MBEDTLS_OID_CODE_SIGNING)), 0);
	CU_ASSERT_NOT_EQUAL(mbedtls_x509_crt_check_extended_key_usage(
				&cs, MBEDTLS_OID_SERVER_AUTH,
				MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)), 0);
	CU_ASSERT_EQUAL(mbedtls_x509_crt_check_extended_key_usage(
				&srv, MBEDTLS_OID_SERVER_AUTH,
				MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)), 0);
	CU_ASSERT_TRUE(pki_cert_has_name(&cs, KEYSTORE_CODESIGN_CN));
	CU_ASSERT_TRUE(pki_cert_has_name(&srv, "boot.example.net"));
	CU_ASSERT_TRUE(pki_cert_has_name(&srv, "BOOT.example.net"));
	CU_ASSERT_FALSE(pki_cert_has_name(&srv, "example.net"));
	CU_ASSERT_FALSE(pki_cert_has_name(&cs, "podboot"));
	mbedtls_x509_crt_free(&root);
	mbedtls_x509_crt_free(&cs);
	mbedtls_x509_crt_free(&srv);
}

/* A server certificate with a wildcard, an IPv6 literal; bad SANs fail. */
static void test_issue_sans(void)
{
	const char *dns[] = { "*.pods.example", "boot" };
	const char *ips[] = { "::1", "127.0.0.1" };
	const char *bad_ip[] = { "300.1.1.1" };
	const char *bad_dns[] = { "bad_name" };
	struct pki_cert_spec spec = {
		.profile = PKI_PROFILE_SERVER,
		.subject = "CN=boot,O=t",
		.not_before = time(NULL),
		.not_after = time(NULL) + 86400,
		.dns = dns, .n_dns = 2, .ips = ips, .n_ips = 2,
	};
	unsigned char pem[PKI_PEM_MAX], again[PKI_PEM_MAX];
	struct rng rng = { .seeded = 0 };
	mbedtls_pk_context key;
	mbedtls_x509_crt crt;
	char names[256];
	size_t len;

	mbedtls_pk_init(&key);
	mbedtls_x509_crt_init(&crt);
	CU_ASSERT_EQUAL_FATAL(rng_init(&rng, "unit"), 0);
	CU_ASSERT_EQUAL_FATAL(pki_key_generate(&key, PKI_ECDSA, &rng), 0);
	CU_ASSERT_EQUAL(pki_cert_issue(&spec, &key, &key, NULL, &rng, pem,
				       sizeof(pem)), 0);
	CU_ASSERT_EQUAL(mbedtls_x509_crt_parse(&crt, pem,
					       strlen((char *)pem) + 1), 0);
	CU_ASSERT_TRUE(pki_cert_has_name(&crt, "a.pods.example"));
	CU_ASSERT_FALSE(pki_cert_has_name(&crt, "a.b.pods.example"));
	CU_ASSERT_TRUE(pki_cert_has_name(&crt, "boot"));
	CU_ASSERT_EQUAL(pki_san_string(&crt, names, sizeof(names)), 0);
	CU_ASSERT_STRING_EQUAL(names, "DNS:*.pods.example, DNS:boot, IP:::1, "
				      "IP:127.0.0.1");
	CU_ASSERT_EQUAL(pki_san_string(&crt, names, 20), -PB_ETOOBIG);
	/* The PEM rebuilt from the parsed certificate is the one written. */
	CU_ASSERT_EQUAL(pki_cert_pem(&crt, again, sizeof(again), &len), 0);
	CU_ASSERT_EQUAL(len, strlen((char *)pem));
	CU_ASSERT_STRING_EQUAL((char *)again, (char *)pem);
	CU_ASSERT_EQUAL(pki_cert_pem(&crt, again, 100, &len), -PB_ETOOBIG);
	spec.ips = bad_ip;
	spec.n_ips = 1;
	CU_ASSERT_EQUAL(pki_cert_issue(&spec, &key, &key, NULL, &rng, pem,
				       sizeof(pem)), -PB_EBAD_NAME);
	spec.n_ips = 0;
	spec.dns = bad_dns;
	spec.n_dns = 1;
	CU_ASSERT_EQUAL(pki_cert_issue(&spec, &key, &key, NULL, &rng, pem,
				       sizeof(pem)), -PB_EBAD_NAME);
	mbedtls_x509_crt_free(&crt);
	mbedtls_pk_free(&key);
	rng_free(&rng);
}

static void test_fingerprint_pair(void)
{
	mbedtls_x509_crt root, cs;
	mbedtls_pk_context key;
	char path[256], fpr[65];

	load(KEYSTORE_ROOT_CRT, &root);
	load(KEYSTORE_CODESIGN_CRT, &cs);
	pki_fingerprint(&root, fpr);
	CU_ASSERT_EQUAL(strlen(fpr), 64);
	CU_ASSERT_EQUAL(strspn(fpr, "0123456789abcdef"), 64);
	mbedtls_pk_init(&key);
	snprintf(path, sizeof(path), "%s/%s", unit_keys(0),
		 KEYSTORE_CODESIGN_KEY);
	CU_ASSERT_EQUAL_FATAL(pki_key_load(&key, path), 0);
	CU_ASSERT_EQUAL(pki_check_pair(&cs, &key), 0);
	CU_ASSERT_EQUAL(pki_check_pair(&root, &key), -PB_EKEY_MISMATCH);
	mbedtls_pk_free(&key);
	mbedtls_pk_init(&key);
	CU_ASSERT_EQUAL(pki_key_load(&key, "/nonexistent.key"), -ENOENT);
	snprintf(path, sizeof(path), "%s/%s", unit_keys(0), KEYSTORE_ROOT_CRT);
	CU_ASSERT_EQUAL(pki_key_load(&key, path), -PB_EKEY_PARSE);
	mbedtls_pk_free(&key);
	mbedtls_x509_crt_free(&root);
	mbedtls_x509_crt_free(&cs);
}

static const CU_TestInfo tests[] = {
	{ "DNS name grammar", test_dns_names },
	{ "IP address literals", test_ip_literals },
	{ "issuer equals root subject, raw", test_issuer_is_root_subject },
	{ "root, code-signing and server profiles", test_profiles },
	{ "subjectAltNames and their refusals", test_issue_sans },
	{ "fingerprint and key pairs", test_fingerprint_pair },
	CU_TEST_INFO_NULL,
};

static int suite_pki_register(void)
{
	return unit_add_suite("pki", NULL, NULL, tests);
}

UNIT_SUITE(suite_pki_register)
