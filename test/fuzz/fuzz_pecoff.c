/* fuzz_pecoff: the PE/COFF reader (lib/pecoff.c) and the Authenticode
 * checker (lib/authenticode_verify.c) behind "podboot sign --uefi" and
 * "verify --uefi".  The input is an EFI binary; its signatures are
 * checked against the fixed test roots of test/fuzz/cms-root.crt
 * (FUZZ_CMS_ROOT), which signed none of them: nothing may verify. */
#include <string.h>

#include "authenticode.h"
#include "error.h"
#include "fuzz.h"
#include "pecoff.h"

#ifndef FUZZ_CMS_ROOT
#define FUZZ_CMS_ROOT "test/fuzz/cms-root.crt"
#endif

static mbedtls_x509_crt fuzz_pecoff_root;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mbedtls_x509_crt_init(&fuzz_pecoff_root);
	if (mbedtls_x509_crt_parse_file(&fuzz_pecoff_root, FUZZ_CMS_ROOT) != 0)
		abort();
	return 0;
}

/* What pecoff_parse() promises of an image it accepts. */
static void fuzz_pecoff_check(const struct pecoff *pe, size_t size)
{
	size_t i, end = pe->size_of_headers;

	FUZZ_ASSERT(pe->size_of_headers <= size);
	FUZZ_ASSERT(pe->checksum_off + 4 <= pe->secdir_off);
	FUZZ_ASSERT(pe->secdir_off + 8 <= pe->size_of_headers);
	for (i = 0; i < pe->n_sections; i++) {
		FUZZ_ASSERT(pe->sections[i].off >= end);
		end = (size_t)pe->sections[i].off + pe->sections[i].size;
	}
	FUZZ_ASSERT(end <= pe->data_end && pe->hashed <= pe->data_end);
	FUZZ_ASSERT(pe->data_end <= size);
	FUZZ_ASSERT(pe->cert_off == 0 ||
		    pe->cert_off + pe->cert_size == size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pecoff_cert certs[PECOFF_MAX_CERTS];
	uint8_t hash[DIGEST_MAX_SIZE];
	struct authenticode_result res;
	struct pecoff pe;
	uint8_t *stripped = NULL;
	size_t n, len;
	int rc;

	rc = pecoff_parse(&pe, data, size);
	if (rc != 0) {
		FUZZ_ASSERT(pe.detail[0] != '\0');
		return 0;
	}
	fuzz_pecoff_check(&pe, size);
	pecoff_digest(&pe, digest_by_md(MBEDTLS_MD_SHA256), hash);
	if (pecoff_certs(&pe, certs, &n) == 0)
		for (size_t i = 0; i < n; i++)
			FUZZ_ASSERT(certs[i].data >= data &&
				    certs[i].data + certs[i].len <= data + size);
	/* a stripped copy parses again, aligned and unsigned */
	if (pecoff_strip(&pe, &stripped, &len) == 0) {
		FUZZ_ASSERT(len % PECOFF_CERT_ALIGN == 0);
		FUZZ_ASSERT(pecoff_parse(&pe, stripped, len) == 0 &&
			    pe.cert_size == 0);
		free(stripped);
	}
	rc = authenticode_verify_image(&pe, data, size, &fuzz_pecoff_root,
				       &res);
	FUZZ_ASSERT(rc != 0);
	return 0;
}
