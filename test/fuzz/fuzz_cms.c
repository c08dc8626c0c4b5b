/* fuzz_cms: the CMS verifier (lib/cms_verify.c) with iPXE's rules.  The input is
 * a detached signature over a fixed content, checked against a fixed test
 * root: test/fuzz/cms-root.crt, a certificate only (its key was thrown
 * away when the seed signatures were made), whose path the Makefile
 * passes as FUZZ_CMS_ROOT.  The time is fixed inside its validity. */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cms.h"
#include "error.h"
#include "fuzz.h"

#ifndef FUZZ_CMS_ROOT
#define FUZZ_CMS_ROOT "test/fuzz/cms-root.crt"
#endif

/* The content the seed signatures sign (test/fuzz/cms-content). */
static const char fuzz_cms_content[] = "#!ipxe\necho podboot fuzz content\n";

static mbedtls_x509_crt fuzz_cms_root;
static int fuzz_cms_fd = -1;
static unsigned char fuzz_cms_buf[CMS_SIG_MAX + 1];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mbedtls_x509_crt_init(&fuzz_cms_root);
	if (mbedtls_x509_crt_parse_file(&fuzz_cms_root, FUZZ_CMS_ROOT) != 0)
		abort();
	fuzz_cms_fd = memfd_create("fuzz-cms-content", 0);
	if (fuzz_cms_fd < 0 ||
	    write(fuzz_cms_fd, fuzz_cms_content, sizeof(fuzz_cms_content) - 1)
	    != (ssize_t)(sizeof(fuzz_cms_content) - 1))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* 2027-01-01: inside the seed certificates' validity. */
	struct cms_verify_opts opts = { .roots = &fuzz_cms_root,
					.now = 1798761600 };
	struct cms_verify_result res;
	int rc;

	if (size > CMS_SIG_MAX)
		return 0;
	/* PEM inputs must be NUL-terminated at sig[sig_len]. */
	memcpy(fuzz_cms_buf, data, size);
	fuzz_cms_buf[size] = '\0';
	if (lseek(fuzz_cms_fd, 0, SEEK_SET) != 0)
		abort();
	memset(&res, 0, sizeof(res));
	rc = cms_verify_fd(fuzz_cms_buf, size, fuzz_cms_fd, &opts, &res);
	FUZZ_ASSERT(rc == 0 || rc < 0);
	if (rc != 0)
		return 0;
	FUZZ_ASSERT(res.verified > 0);
	FUZZ_ASSERT(memchr(res.signer, 0, sizeof(res.signer)));
	/* A verified signature names its signer: another name refuses it. */
	if (lseek(fuzz_cms_fd, 0, SEEK_SET) != 0)
		abort();
	opts.name = "fuzz-no-such-signer";
	FUZZ_ASSERT(cms_verify_fd(fuzz_cms_buf, size, fuzz_cms_fd, &opts,
				  NULL) == -PB_ECMS_WRONG_NAME);
	return 0;
}
