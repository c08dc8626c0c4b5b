/* test_bmc_secureboot.c: bmc secure-boot's decisions without a BMC: the
 * words (bmc_sb_req_parse), the API's actions, which verbs only read, the
 * state line of a SecureBoot resource, and the db certificate read from
 * PEM or DER with a key or a second certificate refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "bmc_api.h"
#include "bmc_secureboot.h"
#include "error.h"
#include "fileio.h"
#include "pki.h"
#include "rng.h"
#include "unit.h"

/* Parse the words @w (NULL-ended) with @cert; the rc, the request in @r. */
static int sb_parse(const char *const *w, const char *uri, const char *cert,
		    struct bmc_req *r)
{
	char err[200];
	int n = 0;

	while (w[n])
		n++;
	return bmc_sb_req_parse(n, (char **)w, uri, cert, r, err, sizeof(err));
}

static void test_words(void)
{
	struct bmc_req r;

	CU_ASSERT_EQUAL(sb_parse((const char *[]){ "secure-boot", NULL },
				 NULL, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.verb, BMC_SB_STATUS);
	CU_ASSERT_EQUAL(sb_parse((const char *[]){ "secure-boot", "status",
						   NULL }, NULL, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.verb, BMC_SB_STATUS);
	CU_ASSERT_EQUAL(sb_parse((const char *[]){ "secure-boot", "on", NULL },
				 NULL, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.verb, BMC_SB_ON);
	CU_ASSERT_EQUAL(sb_parse((const char *[]){ "secure-boot", "off",
						   NULL }, NULL, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.verb, BMC_SB_OFF);
	CU_ASSERT_EQUAL(sb_parse((const char *[]){ "secure-boot", "enrol-db",
						   NULL }, NULL, "db.cer", &r),
			0);
	CU_ASSERT_EQUAL(r.verb, BMC_SB_ENROL_DB);
	CU_ASSERT_STRING_EQUAL(r.arg, "db.cer");
	/* Refused: unknown or extra words, --cert or --uri elsewhere. */
	CU_ASSERT_EQUAL(sb_parse((const char *[]){ "secure-boot", "maybe",
						   NULL }, NULL, NULL, &r),
			-PB_EUSAGE);
	CU_ASSERT_EQUAL(sb_parse((const char *[]){ "secure-boot", "on", "now",
						   NULL }, NULL, NULL, &r),
			-PB_EUSAGE);
	CU_ASSERT_EQUAL(sb_parse((const char *[]){ "secure-boot", "on", NULL },
				 NULL, "db.cer", &r), -PB_EUSAGE);
	CU_ASSERT_EQUAL(sb_parse((const char *[]){ "secure-boot", NULL },
				 "http://192.0.2.1/x", NULL, &r), -PB_EUSAGE);
	CU_ASSERT_EQUAL(sb_parse((const char *[]){ "power", "on", NULL },
				 NULL, "db.cer", &r), -PB_EUSAGE);
	/* The other words go through bmc_req_parse() as before. */
	CU_ASSERT_EQUAL(sb_parse((const char *[]){ "power", "cycle", NULL },
				 NULL, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.verb, BMC_DO_CYCLE);
	CU_ASSERT_EQUAL(sb_parse((const char *[]){ "reboot", NULL }, NULL,
				 NULL, &r), -PB_EUSAGE);
}

static void test_reads_and_names(void)
{
	CU_ASSERT_TRUE(bmc_verb_reads(BMC_SB_STATUS));
	CU_ASSERT_TRUE(bmc_verb_reads(BMC_POWER_STATUS));
	CU_ASSERT_FALSE(bmc_verb_reads(BMC_SB_ON));
	CU_ASSERT_FALSE(bmc_verb_reads(BMC_SB_ENROL_DB));
	CU_ASSERT_FALSE(bmc_verb_reads(BMC_DO_CYCLE));
	CU_ASSERT_TRUE(bmc_sb_verb(BMC_SB_OFF));
	CU_ASSERT_FALSE(bmc_sb_verb(BMC_MEDIA_EJECT));
	CU_ASSERT_STRING_EQUAL(bmc_sb_what(BMC_SB_ENROL_DB),
			       "secure-boot enrol-db");
	CU_ASSERT_STRING_EQUAL(bmc_sb_what(BMC_DO_ON), "power on");
	/* A status read never clashes; two switches on one node do. */
	CU_ASSERT_FALSE(bmc_job_clash(BMC_SB_STATUS, BMC_REINSTALL));
	CU_ASSERT_TRUE(bmc_job_clash(BMC_SB_ON, BMC_REINSTALL));
}

static void test_api_actions(void)
{
	struct bmc_api_args a;
	char err[200];

	CU_ASSERT_EQUAL(bmc_api_parse("secure-boot", 0, "", 0, &a, err,
				      sizeof(err)), 0);
	CU_ASSERT_EQUAL(a.req.verb, BMC_SB_STATUS);
	bmc_api_args_free(&a);
	CU_ASSERT_EQUAL(bmc_api_parse("secure-boot-on", 0, "{}", 2, &a, err,
				      sizeof(err)), 0);
	CU_ASSERT_EQUAL(a.req.verb, BMC_SB_ON);
	bmc_api_args_free(&a);
	CU_ASSERT_EQUAL(bmc_api_parse("secure-boot-enrol-db", 0, "", 0, &a,
				      err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(a.req.verb, BMC_SB_ENROL_DB);
	CU_ASSERT_PTR_NULL(a.req.arg);	/* the server's own certificate */
	bmc_api_args_free(&a);
	/* No path from a client, no pod-wide secure-boot. */
	CU_ASSERT_EQUAL(bmc_api_parse("secure-boot-enrol-db", 0,
				      "{\"cert\": \"/etc/shadow\"}", 24, &a,
				      err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(bmc_api_parse("secure-boot-on", 1, "", 0, &a, err,
				      sizeof(err)), -ENOENT);
}

static void test_state_text(void)
{
	json_t *sb = json_pack("{s:b, s:s, s:s, s:{s:s}}", "SecureBootEnable",
			       1, "SecureBootCurrentBoot", "Disabled",
			       "SecureBootMode", "UserMode",
			       "SecureBootDatabases", "@odata.id", "/x");
	char out[300];

	bmc_sb_state_text(sb, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "SecureBootEnable true, "
			       "SecureBootCurrentBoot Disabled, SecureBootMode "
			       "UserMode, SecureBootDatabases offered");
	json_decref(sb);
	sb = json_object();
	bmc_sb_state_text(sb, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "SecureBootEnable -, "
			       "SecureBootCurrentBoot -, SecureBootMode -");
	json_decref(sb);
}

/* A self-signed certificate and its key in @dir: c.pem, c.der, k.pem,
 * two.pem (the certificate twice); 0 or -1. */
static int sb_make_cert(const char *dir)
{
	struct pki_cert_spec spec = {
		.profile = PKI_PROFILE_CODESIGN, .subject = "CN=unit db",
		.not_before = time(NULL), .not_after = time(NULL) + 86400,
	};
	struct rng rng = { .seeded = 0 };
	mbedtls_pk_context key;
	mbedtls_x509_crt crt;
	unsigned char pem[PKI_PEM_MAX];
	char path[300], two[2 * PKI_PEM_MAX];
	int rc = -1;

	mbedtls_pk_init(&key);
	mbedtls_x509_crt_init(&crt);
	if (rng_init(&rng, "unit") != 0 ||
	    pki_key_generate(&key, PKI_ECDSA, &rng) != 0 ||
	    pki_cert_issue(&spec, &key, &key, NULL, &rng, pem,
			   sizeof(pem)) != 0 ||
	    mbedtls_x509_crt_parse(&crt, pem, strlen((char *)pem) + 1) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/c.pem", dir);
	if (fileio_write(path, pem, strlen((char *)pem), 0644, 0) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/c.der", dir);
	if (fileio_write(path, crt.raw.p, crt.raw.len, 0644, 0) != 0)
		goto out;
	snprintf(two, sizeof(two), "%s%s", (char *)pem, (char *)pem);
	snprintf(path, sizeof(path), "%s/two.pem", dir);
	if (fileio_write(path, two, strlen(two), 0644, 0) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/k.pem", dir);
	rc = pki_key_save(&key, path, 0) == 0 ? 0 : -1;
out:
	mbedtls_x509_crt_free(&crt);
	mbedtls_pk_free(&key);
	rng_free(&rng);
	return rc;
}

static void test_cert(void)
{
	char dir[] = "/tmp/unit-sb.XXXXXX", path[300], err[400];
	char pem[PKI_PEM_MAX], pem2[PKI_PEM_MAX], fp[65], fp2[65], subj[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	CU_ASSERT_EQUAL_FATAL(sb_make_cert(dir), 0);
	snprintf(path, sizeof(path), "%s/c.pem", dir);
	CU_ASSERT_EQUAL(bmc_sb_cert_pem(path, pem, sizeof(pem), fp, subj,
					sizeof(subj), err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(pem, "-----BEGIN CERTIFICATE-----"));
	CU_ASSERT_STRING_EQUAL(subj, "CN=unit db");
	CU_ASSERT_EQUAL(strlen(fp), 64);
	/* DER gives the same PEM and fingerprint. */
	snprintf(path, sizeof(path), "%s/c.der", dir);
	CU_ASSERT_EQUAL(bmc_sb_cert_pem(path, pem2, sizeof(pem2), fp2, subj,
					sizeof(subj), err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(pem2, pem);
	CU_ASSERT_STRING_EQUAL(fp2, fp);
	/* A private key, two certificates, no file: refused. */
	snprintf(path, sizeof(path), "%s/k.pem", dir);
	CU_ASSERT_EQUAL(bmc_sb_cert_pem(path, pem2, sizeof(pem2), fp2, subj,
					sizeof(subj), err, sizeof(err)),
			-PB_ECERT_PARSE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no single X.509 certificate"));
	snprintf(path, sizeof(path), "%s/two.pem", dir);
	CU_ASSERT_EQUAL(bmc_sb_cert_pem(path, pem2, sizeof(pem2), fp2, subj,
					sizeof(subj), err, sizeof(err)),
			-PB_ECERT_PARSE);
	snprintf(path, sizeof(path), "%s/none", dir);
	CU_ASSERT_EQUAL(bmc_sb_cert_pem(path, pem2, sizeof(pem2), fp2, subj,
					sizeof(subj), err, sizeof(err)),
			-ENOENT);
	/* Too small a buffer: an error, never a cut certificate. */
	snprintf(path, sizeof(path), "%s/c.pem", dir);
	CU_ASSERT_EQUAL(bmc_sb_cert_pem(path, pem2, 64, fp2, subj,
					sizeof(subj), err, sizeof(err)),
			-PB_ETOOBIG);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(path), 0);
}

static CU_TestInfo tests[] = {
	{ "the secure-boot words", test_words },
	{ "reads, names and clashes", test_reads_and_names },
	{ "the API's secure-boot actions", test_api_actions },
	{ "a SecureBoot resource as one line", test_state_text },
	{ "the db certificate: PEM, DER, refusals", test_cert },
	CU_TEST_INFO_NULL,
};

/* Register the suite "bmc_secureboot". */
static int suite_bmc_secureboot_register(void)
{
	return unit_add_suite("bmc_secureboot", NULL, NULL, tests);
}

UNIT_SUITE(suite_bmc_secureboot_register)
