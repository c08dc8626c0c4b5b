/* keystore_uefi.c: the UEFI db signing key in the key directory, issued
 * (RSA, self-signed, codeSigning) or imported, apart from the CMS
 * code-signing key. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>

#include "authenticode.h"
#include "error.h"
#include "fileio.h"
#include "keystore.h"
#include "log.h"

/* Backdated an hour, as the other certificates, for slow clocks. */
#define KEYSTORE_UEFI_BACKDATE (60 * 60)
#define KEYSTORE_UEFI_DAY (24 * 60 * 60)
#define KEYSTORE_UEFI_EXPONENT 65537

/* The files of the UEFI key, in the order they are put in place. */
enum { UEFI_CER, UEFI_CRT, UEFI_KEY, UEFI_N };

static const char *const keystore_uefi_names[UEFI_N] = {
	[UEFI_CER] = KEYSTORE_UEFI_CER,
	[UEFI_CRT] = KEYSTORE_UEFI_CRT,
	[UEFI_KEY] = KEYSTORE_UEFI_KEY,
};

/*
 * The paths of the three files in @dir (created 0700 if missing) into
 * @paths; -PB_EKEYS_EXIST if any of them exists.
 */
static int keystore_uefi_paths(const char *dir, char paths[UEFI_N][PATH_MAX])
{
	size_t i;
	int rc;

	rc = fileio_mkdirs(dir, 0700);
	if (rc != 0) {
		log_error("creating %s: %s", dir, pb_strerror(rc));
		return rc;
	}
	for (i = 0; i < UEFI_N; i++) {
		rc = keystore_path(paths[i], PATH_MAX, dir,
				   keystore_uefi_names[i]);
		if (rc != 0) {
			log_error("%s: path too long", dir);
			return rc;
		}
		if (fileio_exists(paths[i])) {
			log_error("%s exists; a UEFI key is never replaced "
				  "(rotate into another directory: "
				  "docs/secure-boot.md)", paths[i]);
			return -PB_EKEYS_EXIST;
		}
	}
	return 0;
}

/*
 * Write @crt as DER and PEM and @key (0600) to @paths: all staged first,
 * then put in place together, none over an existing file.
 */
static int keystore_uefi_write(char paths[UEFI_N][PATH_MAX],
			       mbedtls_pk_context *key,
			       const mbedtls_x509_crt *crt)
{
	struct fileio_staged staged[UEFI_N];
	unsigned char pem[PKI_PEM_MAX];
	size_t pem_len = 0, i;
	int failed = UEFI_CER;
	int rc;

	for (i = 0; i < UEFI_N; i++)
		fileio_staged_init(&staged[i]);
	rc = pki_cert_pem(crt, pem, sizeof(pem), &pem_len);
	if (rc == 0)
		rc = fileio_stage(&staged[UEFI_CER], paths[UEFI_CER],
				  crt->raw.p, crt->raw.len, 0644);
	if (rc == 0) {
		failed = UEFI_CRT;
		rc = fileio_stage(&staged[UEFI_CRT], paths[UEFI_CRT], pem,
				  pem_len, 0644);
	}
	if (rc == 0) {
		failed = UEFI_KEY;
		rc = pki_key_stage(key, &staged[UEFI_KEY], paths[UEFI_KEY]);
	}
	if (rc != 0) {
		log_error("writing %s: %s", paths[failed], pb_strerror(rc));
		for (i = 0; i < UEFI_N; i++)
			fileio_undo(&staged[i]);
		return rc;
	}
	return keystore_place(staged, UEFI_N, FILEIO_EXCL);
}

/* A new RSA key of @bits bits into the empty @key. */
static int keystore_uefi_keygen(mbedtls_pk_context *key, unsigned int bits,
				struct rng *rng)
{
	int ret;

	ret = mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
	if (ret == 0)
		ret = mbedtls_rsa_gen_key(mbedtls_pk_rsa(*key), rng_random, rng,
					  bits, KEYSTORE_UEFI_EXPONENT);
	if (ret != 0) {
		log_mbedtls("generating the UEFI key", ret);
		return -PB_EKEYGEN;
	}
	return 0;
}

/*
 * The self-signed certificate of @key for @o into @crt: CN=@o->cn,
 * digitalSignature and codeSigning, not a CA, for @o->days.
 */
static int keystore_uefi_cert(const struct keystore_uefi_opts *o,
			      mbedtls_pk_context *key, struct rng *rng,
			      mbedtls_x509_crt *crt)
{
	unsigned char pem[PKI_PEM_MAX];
	struct pki_cert_spec spec;
	char subject[300];
	time_t now = time(NULL);
	int ret;
	int rc;

	memset(&spec, 0, sizeof(spec));
	spec.profile = PKI_PROFILE_CODESIGN;
	spec.subject = subject;
	spec.not_before = now - KEYSTORE_UEFI_BACKDATE;
	spec.not_after = now + (time_t)o->days * KEYSTORE_UEFI_DAY;
	if (snprintf(subject, sizeof(subject), "CN=%s", o->cn) >=
	    (int)sizeof(subject)) {
		log_error("--cn '%.40s...' is too long", o->cn);
		return -PB_EUSAGE;
	}
	rc = pki_cert_issue(&spec, key, key, NULL, rng, pem, sizeof(pem));
	if (rc != 0) {
		log_error("issuing the UEFI certificate: %s", pb_strerror(rc));
		return rc;
	}
	ret = mbedtls_x509_crt_parse(crt, pem, strlen((char *)pem) + 1);
	if (ret != 0) {
		log_mbedtls("re-reading the UEFI certificate", ret);
		return -PB_ECERT_PARSE;
	}
	return 0;
}

int keystore_uefi_issue(const struct keystore_uefi_opts *o,
			mbedtls_x509_crt *crt)
{
	char paths[UEFI_N][PATH_MAX];
	struct rng rng = { .seeded = 0 };
	mbedtls_pk_context key;
	int rc;

	if (strpbrk(o->cn, ",\\=") || !*o->cn) {
		log_error("--cn may not be empty or contain ',', '=' or '\\'");
		return -PB_EUSAGE;
	}
	if (o->bits != 2048 && o->bits != 3072) {
		log_error("--bits takes 2048 or 3072, not %u", o->bits);
		return -PB_EUSAGE;
	}
	mbedtls_pk_init(&key);
	rc = keystore_uefi_paths(o->dir, paths);
	if (rc != 0)
		goto out;
	rc = rng_init(&rng, "podboot keys issue-uefi");
	if (rc != 0) {
		log_error("%s", pb_strerror(rc));
		goto out;
	}
	rc = keystore_uefi_keygen(&key, o->bits, &rng);
	if (rc == 0)
		rc = keystore_uefi_cert(o, &key, &rng, crt);
	if (rc == 0)
		rc = keystore_uefi_write(paths, &key, crt);
out:
	rng_free(&rng);
	mbedtls_pk_free(&key);
	return rc;
}

/*
 * Load the private key to import from @path, decrypted with @pass if
 * given.  A missing or wrong passphrase is said as such.
 */
static int keystore_uefi_load_key(mbedtls_pk_context *key, const char *path,
				  const char *pass)
{
	int ret;

	/* mbedTLS wipes its copy of the file and the decrypted key. */
	ret = mbedtls_pk_parse_keyfile(key, path, pass);
	if (ret == 0)
		return 0;
	if (ret == MBEDTLS_ERR_PK_FILE_IO_ERROR) {
		log_error("%s: %s", path,
			  pb_strerror(fileio_exists(path) ? -EACCES : -ENOENT));
		return fileio_exists(path) ? -EACCES : -ENOENT;
	}
	if (ret == MBEDTLS_ERR_PK_PASSWORD_REQUIRED)
		log_error("%s is encrypted: give its passphrase with "
			  "--pass-file FILE or --pass-env VAR", path);
	else if (ret == MBEDTLS_ERR_PK_PASSWORD_MISMATCH)
		log_error("%s: the passphrase does not decrypt it", path);
	else
		log_mbedtls(path, ret);
	return -PB_EKEY_PARSE;
}

/* 0 when @key may sign for UEFI and belongs to @crt (@o names both). */
static int keystore_uefi_check(const struct keystore_uefi_import *o,
			       mbedtls_pk_context *key,
			       const mbedtls_x509_crt *crt)
{
	size_t bits = mbedtls_pk_get_bitlen(key);

	if (mbedtls_pk_get_type(key) != MBEDTLS_PK_RSA ||
	    bits < AUTHENTICODE_RSA_MIN || bits > AUTHENTICODE_RSA_MAX) {
		log_error("%s: %s", o->key, pb_strerror(-PB_EAUTH_KEY));
		return -PB_EAUTH_KEY;
	}
	if (pki_check_pair(crt, key) != 0) {
		log_error("%s and %s: %s", o->cert, o->key,
			  pb_strerror(-PB_EKEY_MISMATCH));
		return -PB_EKEY_MISMATCH;
	}
	return 0;
}

int keystore_uefi_import(const struct keystore_uefi_import *o,
			 mbedtls_x509_crt *crt)
{
	char paths[UEFI_N][PATH_MAX];
	mbedtls_pk_context key;
	int rc;

	mbedtls_pk_init(&key);
	rc = pki_cert_load(crt, o->cert);
	if (rc != 0) {
		log_error("%s: %s", o->cert, pb_strerror(rc));
		goto out;
	}
	rc = keystore_uefi_load_key(&key, o->key, o->pass);
	if (rc == 0)
		rc = keystore_uefi_check(o, &key, crt);
	if (rc == 0)
		rc = keystore_uefi_paths(o->dir, paths);
	if (rc == 0)
		rc = keystore_uefi_write(paths, &key, crt);
out:
	mbedtls_pk_free(&key);
	return rc;
}
