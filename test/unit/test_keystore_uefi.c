/* test_keystore_uefi.c: the UEFI db key in the key directory: issued,
 * imported, never replaced, refused when unfit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/oid.h>

#include "error.h"
#include "fileio.h"
#include "keystore.h"
#include "unit.h"

/* Debian ovmf's test key and certificate, and the passphrase README.Debian gives. */
#define SNAKEOIL "/usr/share/ovmf/PkKek-1-snakeoil"

/* @dir/@file into @out (512 bytes). */
static const char *t_path(char *out, const char *dir, const char *file)
{
	snprintf(out, 512, "%s/%s", dir, file);
	return out;
}

/* Mode bits of @path, or -1. */
static int t_mode(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}

/* Issued: three files, the key 0600, RSA 2048, codeSigning, not a CA. */
static void test_issue(void)
{
	struct keystore_uefi_opts o = { .cn = "unit db", .days = 30,
					.bits = 2048 };
	char dir[256], p[512], der[512];
	mbedtls_pk_context key;
	mbedtls_x509_crt crt, again;

	snprintf(dir, sizeof(dir), "%s/uefi-issue", unit_tmpdir());
	o.dir = dir;
	mbedtls_x509_crt_init(&crt);
	mbedtls_x509_crt_init(&again);
	mbedtls_pk_init(&key);
	CU_ASSERT_EQUAL_FATAL(keystore_uefi_issue(&o, &crt), 0);
	CU_ASSERT_EQUAL(t_mode(t_path(p, dir, KEYSTORE_UEFI_KEY)), 0600);
	CU_ASSERT_EQUAL(t_mode(dir), 0700);
	CU_ASSERT_EQUAL(pki_key_load(&key, p), 0);
	CU_ASSERT_EQUAL(mbedtls_pk_get_bitlen(&key), 2048);
	CU_ASSERT_EQUAL(pki_check_pair(&crt, &key), 0);
	CU_ASSERT_EQUAL(crt.ca_istrue, 0);
	CU_ASSERT_EQUAL(mbedtls_x509_crt_check_extended_key_usage(
				&crt, MBEDTLS_OID_CODE_SIGNING,
				MBEDTLS_OID_SIZE(MBEDTLS_OID_CODE_SIGNING)), 0);
	CU_ASSERT_EQUAL(mbedtls_x509_crt_check_extended_key_usage(
				&crt, MBEDTLS_OID_SERVER_AUTH,
				MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)) != 0,
			1);
	/* the DER file is the certificate */
	CU_ASSERT_EQUAL(pki_cert_load(&again,
				      t_path(der, dir, KEYSTORE_UEFI_CER)), 0);
	CU_ASSERT_EQUAL(again.raw.len, crt.raw.len);
	CU_ASSERT_EQUAL(memcmp(again.raw.p, crt.raw.p, crt.raw.len), 0);
	mbedtls_pk_free(&key);
	mbedtls_x509_crt_free(&again);
	mbedtls_x509_crt_free(&crt);
}

/* A second issue or import into the same directory changes nothing. */
static void test_never_replaced(void)
{
	struct keystore_uefi_opts o = { .cn = "unit db", .days = 30,
					.bits = 2048 };
	struct keystore_uefi_import im;
	unsigned char *before = NULL, *after = NULL;
	size_t lb = 0, la = 0;
	char dir[256], p[512], crt_path[512];
	mbedtls_x509_crt crt;

	snprintf(dir, sizeof(dir), "%s/uefi-twice", unit_tmpdir());
	o.dir = dir;
	mbedtls_x509_crt_init(&crt);
	CU_ASSERT_EQUAL_FATAL(keystore_uefi_issue(&o, &crt), 0);
	mbedtls_x509_crt_free(&crt);
	t_path(p, dir, KEYSTORE_UEFI_KEY);
	CU_ASSERT_EQUAL_FATAL(fileio_read(p, 65536, &before, &lb), 0);
	mbedtls_x509_crt_init(&crt);
	CU_ASSERT_EQUAL(keystore_uefi_issue(&o, &crt), -PB_EKEYS_EXIST);
	mbedtls_x509_crt_free(&crt);
	im = (struct keystore_uefi_import){
		.dir = dir, .key = p,
		.cert = t_path(crt_path, dir, KEYSTORE_UEFI_CRT) };
	mbedtls_x509_crt_init(&crt);
	CU_ASSERT_EQUAL(keystore_uefi_import(&im, &crt), -PB_EKEYS_EXIST);
	mbedtls_x509_crt_free(&crt);
	CU_ASSERT_EQUAL_FATAL(fileio_read(p, 65536, &after, &la), 0);
	CU_ASSERT(la == lb && memcmp(before, after, la) == 0);
	free(after);
	free(before);
}

/* Refused before anything is written: bad sizes, names, pairs, keys. */
static void test_refusals(void)
{
	struct keystore_uefi_opts o = { .cn = "unit db", .days = 30,
					.bits = 4096 };
	const char *ec = unit_keys(1), *rsa = unit_keys(0);
	struct keystore_uefi_import im;
	char dir[256], p[512], k[512], c[512];
	mbedtls_x509_crt crt;

	snprintf(dir, sizeof(dir), "%s/uefi-refused", unit_tmpdir());
	o.dir = dir;
	mbedtls_x509_crt_init(&crt);
	CU_ASSERT_EQUAL(keystore_uefi_issue(&o, &crt), -PB_EUSAGE);
	o.bits = 2048;
	o.cn = "a,b";
	CU_ASSERT_EQUAL(keystore_uefi_issue(&o, &crt), -PB_EUSAGE);
	/* ECDSA: firmware verifies RSA only */
	im = (struct keystore_uefi_import){
		.dir = dir, .key = t_path(k, ec, KEYSTORE_CODESIGN_KEY),
		.cert = t_path(c, ec, KEYSTORE_CODESIGN_CRT) };
	CU_ASSERT_EQUAL(keystore_uefi_import(&im, &crt), -PB_EAUTH_KEY);
	mbedtls_x509_crt_free(&crt);
	mbedtls_x509_crt_init(&crt);
	/* an RSA key with another key's certificate */
	im.key = t_path(k, rsa, KEYSTORE_CODESIGN_KEY);
	im.cert = t_path(c, rsa, KEYSTORE_ROOT_CRT);
	CU_ASSERT_EQUAL(keystore_uefi_import(&im, &crt), -PB_EKEY_MISMATCH);
	mbedtls_x509_crt_free(&crt);
	CU_ASSERT_FALSE(fileio_exists(t_path(p, dir, KEYSTORE_UEFI_KEY)));
}

/* The snakeoil key: encrypted, so refused without its passphrase. */
static void test_import_encrypted(void)
{
	struct keystore_uefi_import im = { .key = SNAKEOIL ".key",
					   .cert = SNAKEOIL ".pem" };
	char dir[256], p[512];
	mbedtls_pk_context key;
	mbedtls_x509_crt crt;

	if (!fileio_exists(SNAKEOIL ".key"))
		return;	/* Debian's ovmf is not installed (scripts/deps) */
	snprintf(dir, sizeof(dir), "%s/uefi-import", unit_tmpdir());
	im.dir = dir;
	mbedtls_x509_crt_init(&crt);
	CU_ASSERT_EQUAL(keystore_uefi_import(&im, &crt), -PB_EKEY_PARSE);
	im.pass = "wrong";
	CU_ASSERT_EQUAL(keystore_uefi_import(&im, &crt), -PB_EKEY_PARSE);
	mbedtls_x509_crt_free(&crt);
	mbedtls_x509_crt_init(&crt);
	im.pass = "snakeoil";
	CU_ASSERT_EQUAL_FATAL(keystore_uefi_import(&im, &crt), 0);
	mbedtls_x509_crt_free(&crt);
	/* written unencrypted, 0600: loadable without a passphrase */
	CU_ASSERT_EQUAL(t_mode(t_path(p, dir, KEYSTORE_UEFI_KEY)), 0600);
	mbedtls_pk_init(&key);
	CU_ASSERT_EQUAL(pki_key_load(&key, p), 0);
	mbedtls_pk_free(&key);
}

static const CU_TestInfo tests[] = {
	{ "issue-uefi: files, modes, RSA 2048, codeSigning", test_issue },
	{ "a UEFI key is never replaced", test_never_replaced },
	{ "unfit sizes, names, keys and pairs refused", test_refusals },
	{ "an encrypted key needs its passphrase", test_import_encrypted },
	CU_TEST_INFO_NULL,
};

/* Register the keystore_uefi suite. */
static int suite_keystore_uefi_register(void)
{
	return unit_add_suite("keystore_uefi", NULL, NULL, tests);
}

UNIT_SUITE(suite_keystore_uefi_register)
