/* test_provision_artifact.c: the artifact routes' pure decisions: download
 * references, the upload's declared length, conditional and ranged
 * downloads, and the status of a failed signature. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "artifact_int.h"
#include "artifact_uefi.h"
#include "error.h"
#include "provision.h"
#include "test_pecoff.h"
#include "unit.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_ref_plain(void)
{
	char name[ARTIFACT_NAME_MAX + 1], sha[65];
	int sig = -1;

	CU_ASSERT_EQUAL(artifact_parse_ref("os/vmlinuz", name, sha, &sig), 0);
	CU_ASSERT_STRING_EQUAL(name, "os/vmlinuz");
	CU_ASSERT_STRING_EQUAL(sha, "");
	CU_ASSERT_EQUAL(sig, 0);
	CU_ASSERT_EQUAL(artifact_parse_ref("os/vmlinuz.sig", name, sha, &sig),
			0);
	CU_ASSERT_STRING_EQUAL(name, "os/vmlinuz");
	CU_ASSERT_EQUAL(sig, 1);
}

static void test_ref_hash(void)
{
	char name[ARTIFACT_NAME_MAX + 1], sha[65];
	int sig;

	CU_ASSERT_EQUAL(artifact_parse_ref("os/k@sha256:" HEX64 ".sig", name,
					   sha, &sig), 0);
	CU_ASSERT_STRING_EQUAL(name, "os/k");
	CU_ASSERT_STRING_EQUAL(sha, HEX64);
	CU_ASSERT_EQUAL(sig, 1);
	/* upper case, short, long, other algorithms: refused */
	CU_ASSERT_EQUAL(artifact_parse_ref("os/k@sha256:0123456789ABCDEF"
					   "0123456789abcdef0123456789abcdef"
					   "0123456789abcdef", name, sha,
					   &sig), -PB_EBAD_NAME);
	CU_ASSERT_EQUAL(artifact_parse_ref("os/k@sha256:abc", name, sha, &sig),
			-PB_EBAD_NAME);
	CU_ASSERT_EQUAL(artifact_parse_ref("os/k@sha256:" HEX64 "0", name,
					   sha, &sig), -PB_EBAD_NAME);
	CU_ASSERT_EQUAL(artifact_parse_ref("os/k@sha1:" HEX64, name, sha,
					   &sig), -PB_EBAD_NAME);
}

static void test_ref_names(void)
{
	char name[ARTIFACT_NAME_MAX + 1], sha[65], long_ref[200];
	int sig;

	CU_ASSERT_EQUAL(artifact_parse_ref("../etc/passwd", name, sha, &sig),
			-PB_EBAD_NAME);
	CU_ASSERT_EQUAL(artifact_parse_ref("os//k", name, sha, &sig),
			-PB_EBAD_NAME);
	CU_ASSERT_EQUAL(artifact_parse_ref("", name, sha, &sig),
			-PB_EBAD_NAME);
	CU_ASSERT_EQUAL(artifact_parse_ref("os/k.sig.sig", name, sha, &sig),
			-PB_EBAD_NAME);
	/* longer than a name may be, and longer than any reference */
	memset(long_ref, 'a', sizeof(long_ref) - 1);
	long_ref[ARTIFACT_NAME_MAX + 1] = '\0';
	CU_ASSERT_EQUAL(artifact_parse_ref(long_ref, name, sha, &sig),
			-PB_EBAD_NAME);
	long_ref[ARTIFACT_NAME_MAX] = '\0';
	CU_ASSERT_EQUAL(artifact_parse_ref(long_ref, name, sha, &sig), 0);
	memset(long_ref, 'a', sizeof(long_ref) - 1);
	long_ref[sizeof(long_ref) - 1] = '\0';
	CU_ASSERT_EQUAL(artifact_parse_ref(long_ref, name, sha, &sig),
			-PB_EBAD_NAME);
}

static void test_upload_length(void)
{
	CU_ASSERT_EQUAL(artifact_upload_length(NULL, 100), 0);
	CU_ASSERT_EQUAL(artifact_upload_length("0", 100), 0);
	CU_ASSERT_EQUAL(artifact_upload_length("100", 100), 0);
	CU_ASSERT_EQUAL(artifact_upload_length("101", 100), -PB_ETOOBIG);
	CU_ASSERT_EQUAL(artifact_upload_length("-1", 100), -PB_ETOOBIG);
	CU_ASSERT_EQUAL(artifact_upload_length("1e3", 10000), -PB_ETOOBIG);
	CU_ASSERT_EQUAL(artifact_upload_length("99999999999999999999999", ~0ULL),
			-PB_ETOOBIG);
}

/* Decide a download of a 1000-byte blob (@sig: its signature). */
static struct artifact_get_out get(const char *inm, const char *range,
				   int sig)
{
	struct artifact_get_in in = { 1000, "\"" HEX64 "\"", inm, range, sig };
	struct artifact_get_out out;

	memset(&out, 0xa5, sizeof(out));
	artifact_download(&in, &out);
	return out;
}

static void test_conditional(void)
{
	CU_ASSERT_EQUAL(get("\"" HEX64 "\"", NULL, 0).status, 304);
	CU_ASSERT_EQUAL(get("\"" HEX64 "\"", "bytes=0-1", 0).status, 304);
	/* a signature is always sent; other tags do not match */
	CU_ASSERT_EQUAL(get("\"" HEX64 "\"", NULL, 1).status, 200);
	CU_ASSERT_EQUAL(get(HEX64, NULL, 0).status, 200);
	CU_ASSERT_EQUAL(get("*", NULL, 0).status, 200);
	CU_ASSERT_EQUAL(get(NULL, NULL, 0).len, 1000);
	CU_ASSERT_EQUAL(get(NULL, NULL, 0).off, 0);
}

static void test_ranges(void)
{
	struct artifact_get_out o;

	o = get(NULL, "bytes=10-19", 0);
	CU_ASSERT(o.status == 206 && o.off == 10 && o.len == 10);
	o = get(NULL, "bytes=990-", 0);
	CU_ASSERT(o.status == 206 && o.off == 990 && o.len == 10);
	o = get(NULL, "bytes=990-5000", 0);
	CU_ASSERT(o.status == 206 && o.off == 990 && o.len == 10);
	o = get(NULL, "bytes=-5", 0);
	CU_ASSERT(o.status == 206 && o.off == 995 && o.len == 5);
	o = get(NULL, "bytes=-5000", 0);
	CU_ASSERT(o.status == 206 && o.off == 0 && o.len == 1000);
	/* served whole: other units, several ranges */
	o = get(NULL, "items=0-1", 0);
	CU_ASSERT(o.status == 200 && o.off == 0 && o.len == 1000);
	o = get(NULL, "bytes=0-1,5-6", 0);
	CU_ASSERT(o.status == 200 && o.len == 1000);
	/* unsatisfiable or malformed: 416 */
	CU_ASSERT_EQUAL(get(NULL, "bytes=1000-", 0).status, 416);
	CU_ASSERT_EQUAL(get(NULL, "bytes=20-10", 0).status, 416);
	CU_ASSERT_EQUAL(get(NULL, "bytes=-0", 0).status, 416);
	CU_ASSERT_EQUAL(get(NULL, "bytes=", 0).status, 416);
	CU_ASSERT_EQUAL(get(NULL, "bytes=+1-2", 0).status, 416);
	CU_ASSERT_EQUAL(get(NULL, "bytes= 1-2", 0).status, 416);
	CU_ASSERT_EQUAL(get(NULL, "bytes=1-2x", 0).status, 416);
	CU_ASSERT_EQUAL(get(NULL, "bytes=99999999999999999999-", 0).status,
			416);
}

static void test_empty_file(void)
{
	struct artifact_get_in in = { 0, "\"e\"", NULL, "bytes=0-0", 0 };
	struct artifact_get_out out;

	artifact_download(&in, &out);
	CU_ASSERT_EQUAL(out.status, 200);
	CU_ASSERT_EQUAL(out.len, 0);
}

static void test_plain_allowed(void)
{
	struct config_profile prof[2];
	struct config_pod pod[2];
	struct config_node nodes[2];
	struct config cfg;

	memset(prof, 0, sizeof(prof));
	memset(pod, 0, sizeof(pod));
	memset(nodes, 0, sizeof(nodes));
	memset(&cfg, 0, sizeof(cfg));
	strcpy(prof[0].kernel, "lab/vmlinuz");
	strcpy(prof[0].initrd, "lab/initrd");
	strcpy(prof[1].kernel, "prod/vmlinuz");
	strcpy(prof[1].initrd, "prod/initrd");
	pod[0].allow_unverified = 1;
	nodes[0].pod = &pod[0];
	nodes[0].profile = &prof[0];
	nodes[1].pod = &pod[1];
	nodes[1].profile = &prof[1];
	cfg.nodes = nodes;
	cfg.n_nodes = 2;
	CU_ASSERT_TRUE(artifact_plain_allowed(&cfg, "lab/vmlinuz"));
	CU_ASSERT_TRUE(artifact_plain_allowed(&cfg, "lab/initrd"));
	/* a pod that verifies: its files only over HTTPS */
	CU_ASSERT_FALSE(artifact_plain_allowed(&cfg, "prod/vmlinuz"));
	CU_ASSERT_FALSE(artifact_plain_allowed(&cfg, "prod/initrd"));
	CU_ASSERT_FALSE(artifact_plain_allowed(&cfg, "lab/other"));
	CU_ASSERT_FALSE(artifact_plain_allowed(&cfg, "lab/vmlinu"));
	cfg.n_nodes = 0;
	CU_ASSERT_FALSE(artifact_plain_allowed(&cfg, "lab/vmlinuz"));
}

static void test_sign_status(void)
{
	CU_ASSERT_EQUAL(provision_sign_status(-EPIPE), 503);
	CU_ASSERT_EQUAL(provision_sign_status(-PB_ESIGN), 500);
	CU_ASSERT_EQUAL(provision_sign_status(-ENOMEM), 500);
	CU_ASSERT_EQUAL(provision_sign_status(-EIO), 500);
}

/* Set a 16-bit little-endian field of @img. */
static void put16le(uint8_t *img, size_t off, uint16_t v)
{
	img[off] = (uint8_t)v;
	img[off + 1] = (uint8_t)(v >> 8);
}

/* Only x86-64 EFI applications that parse get a uefi variant. */
static void test_uefi_eligible(void)
{
	uint8_t *img, junk[4096];
	size_t len, pe, opt;

	img = test_pe_image(1, 2, &len);
	pe = (size_t)img[0x3c] | (size_t)img[0x3d] << 8;
	opt = pe + 24;
	put16le(img, pe + 4, 0x8664);
	put16le(img, opt + 68, 10);	/* EFI application */
	CU_ASSERT_EQUAL(artifact_uefi_eligible(img, len), 1);
	put16le(img, opt + 68, 3);	/* Windows console */
	CU_ASSERT_EQUAL(artifact_uefi_eligible(img, len), 0);
	put16le(img, opt + 68, 11);	/* EFI boot service driver */
	CU_ASSERT_EQUAL(artifact_uefi_eligible(img, len), 0);
	put16le(img, opt + 68, 10);
	put16le(img, pe + 4, 0xaa64);	/* arm64 */
	CU_ASSERT_EQUAL(artifact_uefi_eligible(img, len), 0);
	put16le(img, pe + 4, 0x8664);
	/* cut short: the sections run past the end */
	CU_ASSERT_EQUAL(artifact_uefi_eligible(img, 0x300), 0);
	free(img);
	memset(junk, 0x5a, sizeof(junk));
	CU_ASSERT_EQUAL(artifact_uefi_eligible(junk, sizeof(junk)), 0);
	junk[0] = 'M';
	junk[1] = 'Z';
	CU_ASSERT_EQUAL(artifact_uefi_eligible(junk, sizeof(junk)), 0);
	CU_ASSERT_EQUAL(artifact_uefi_eligible(junk, 1), 0);
}

static const CU_TestInfo tests[] = {
	{ "uefi variant: x86-64 EFI applications only", test_uefi_eligible },
	{ "reference: name, .sig", test_ref_plain },
	{ "reference: @sha256:HEX", test_ref_hash },
	{ "reference: names refused", test_ref_names },
	{ "upload: declared length", test_upload_length },
	{ "download: If-None-Match", test_conditional },
	{ "download: Range", test_ranges },
	{ "download: an empty file", test_empty_file },
	{ "plain HTTP: only unverified pods' boot files", test_plain_allowed },
	{ "a failed signature: 503 only when the signer is gone",
	  test_sign_status },
	CU_TEST_INFO_NULL,
};

static int suite_provision_artifact_register(void)
{
	return unit_add_suite("provision_artifact", NULL, NULL, tests);
}

UNIT_SUITE(suite_provision_artifact_register)
