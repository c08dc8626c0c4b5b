/* uefi_cmd.c: "podboot sign --uefi" and "podboot verify --uefi":
 * Authenticode signatures of EFI binaries, for UEFI Secure Boot. */
#include <stdio.h>
#include <stdlib.h>

#include "authenticode.h"
#include "error.h"
#include "fileio.h"
#include "keystore.h"
#include "log.h"
#include "pki.h"
#include "uefi_cmd.h"

/*
 * Say why @path was refused (@rc from the image code, @pe its detail)
 * and turn a malformed image into a usage error: exit status 2, as for
 * an input that could not be what was asked for.
 */
static int uefi_image_refused(const char *path, const struct pecoff *pe,
			      int rc)
{
	/* the -PB_EPE_* codes run from NOT_PE to CERT_TABLE (error.h) */
	if (rc >= -PB_EPE_CERT_TABLE && rc <= -PB_EPE_NOT_PE) {
		log_error("%s: not a PE/COFF image that can be signed: %s: %s",
			  path, pb_strerror(rc), pe->detail);
		return -PB_EUSAGE;
	}
	return rc;
}

/* Read the image at @path into *@buf, *@len (the caller frees *@buf). */
static int uefi_read(const char *path, unsigned char **buf, size_t *len)
{
	int rc = fileio_read(path, PECOFF_MAX_SIZE, buf, len);

	if (rc == -PB_ETOOBIG)
		log_error("%s: larger than %u bytes: no EFI binary is", path,
			  PECOFF_MAX_SIZE);
	else if (rc != 0)
		log_error("%s: %s", path, pb_strerror(rc));
	return rc;
}

int uefi_sign_run(const struct uefi_sign_req *r)
{
	struct rng rng = { .seeded = 0 };
	mbedtls_pk_context key;
	mbedtls_x509_crt chain;
	struct pecoff pe;
	unsigned char *in = NULL;
	uint8_t *out = NULL;
	size_t in_len = 0, out_len = 0;
	int rc;

	mbedtls_pk_init(&key);
	mbedtls_x509_crt_init(&chain);
	rc = keystore_load_signer(r->key, r->cert, r->include, &key, &chain);
	if (rc != 0)
		goto out;
	if ((rc = uefi_read(r->in, &in, &in_len)) != 0)
		goto out;
	if ((rc = rng_init(&rng, "podboot sign --uefi")) != 0) {
		log_error("%s", pb_strerror(rc));
		goto out;
	}
	rc = authenticode_sign_image(&pe, in, in_len, r->append, &key, &chain,
				     &rng, &out, &out_len);
	if (rc != 0) {
		rc = uefi_image_refused(r->in, &pe, rc);
		if (rc != -PB_EUSAGE)
			log_error("signing %s: %s", r->in, pb_strerror(rc));
		goto out;
	}
	rc = fileio_write(r->out, out, out_len, 0644, 0);
	if (rc != 0)
		log_error("writing %s: %s", r->out, pb_strerror(rc));
out:
	free(out);
	free(in);
	rng_free(&rng);
	mbedtls_x509_crt_free(&chain);
	mbedtls_pk_free(&key);
	return rc;
}

/* What a verified image says: which signature, its signer, its hash. */
static void uefi_verify_print(const char *file,
			      const struct authenticode_result *res)
{
	char hex[2 * DIGEST_MAX_SIZE + 1];

	digest_hex(res->digest, res->digest_len, hex);
	printf("%s: verified (signature %u of %u), signed by %s\n", file,
	       res->verified, res->signatures, res->signer);
	printf("image hash: %s\n", hex);
}

int uefi_verify_run(const char *file, const char *cert)
{
	struct authenticode_result res;
	mbedtls_x509_crt trusted;
	struct pecoff pe;
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	mbedtls_x509_crt_init(&trusted);
	rc = pki_cert_load(&trusted, cert);
	if (rc != 0) {
		log_error("%s: %s", cert, pb_strerror(rc));
		goto out;
	}
	if ((rc = uefi_read(file, &buf, &len)) != 0)
		goto out;
	rc = authenticode_verify_image(&pe, buf, len, &trusted, &res);
	if (rc == 0) {
		uefi_verify_print(file, &res);
		goto out;
	}
	rc = uefi_image_refused(file, &pe, rc);
	if (rc != -PB_EUSAGE)
		log_error("%s: refused: %s", file, pb_strerror(rc));
out:
	free(buf);
	mbedtls_x509_crt_free(&trusted);
	return rc;
}
