/* test_core_fwbuild.c: which firmware build a pod gets, where its files
 * go, the SHA256SUMS check and the atomic copy into a TFTP root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "error.h"
#include "fileio.h"
#include "fwbuild.h"
#include "fwimage.h"
#include "unit.h"

/* Write @content into @dir/@name. */
static void put(const char *dir, const char *name, const char *content)
{
	char path[PATH_MAX];

	CU_ASSERT_FATAL(fileio_join(path, sizeof(path), dir, name) == 0);
	CU_ASSERT_FATAL(fileio_write(path, content, strlen(content), 0644,
				     0) == 0);
}

/* A build in a fresh @dir (under the unit tmpdir) whose files hold
 * "NAME-@tag" and whose SHA256SUMS lists them. */
static void make_build(char *dir, size_t size, const char *name,
		       const char *tag)
{
	char sums[1024] = "", content[128], hex[65], line[256];
	uint8_t d[32];
	size_t i;

	snprintf(dir, size, "%s/%s", unit_tmpdir(), name);
	CU_ASSERT_FATAL(fileio_mkdirs(dir, 0755) == 0);
	for (i = 0; i < FWBUILD_N; i++) {
		snprintf(content, sizeof(content), "%s-%s", fwbuild_file(i),
			 tag);
		put(dir, fwbuild_file(i), content);
		digest_sha256(content, strlen(content), d);
		digest_hex(d, sizeof(d), hex);
		snprintf(line, sizeof(line), "%s  %s\n", hex, fwbuild_file(i));
		strcat(sums, line);
	}
	put(dir, FWBUILD_SUMS, sums);
}

static void test_path(void)
{
	char out[PATH_MAX];

	CU_ASSERT_EQUAL(fwbuild_path(out, sizeof(out), "/srv/tftp", NULL,
				     FWBUILD_BIOS), 0);
	CU_ASSERT_STRING_EQUAL(out, "/srv/tftp/undionly.kpxe");
	CU_ASSERT_EQUAL(fwbuild_path(out, sizeof(out), "/srv/tftp", "pod-a",
				     FWBUILD_UEFI), 0);
	CU_ASSERT_STRING_EQUAL(out, "/srv/tftp/pod-a/snponly.efi");
	/* nothing outside the root, nothing but the build's files */
	CU_ASSERT_EQUAL(fwbuild_dest(out, sizeof(out), "/srv/tftp", ".."),
			-PB_EBAD_NAME);
	CU_ASSERT_EQUAL(fwbuild_dest(out, sizeof(out), "/srv/tftp", "a/../.."),
			-PB_EBAD_NAME);
	CU_ASSERT_EQUAL(fwbuild_path(out, sizeof(out), "/srv/tftp", NULL,
				     "../etc/passwd"), -PB_EBAD_NAME);
	CU_ASSERT_EQUAL(fwbuild_path(out, 12, "/srv/tftp", NULL,
				     FWBUILD_BIOS), -PB_ETOOBIG);
}

static void test_dir_of(void)
{
	static struct config cfg;
	static struct config_pod a, b;

	strcpy(cfg.dhcp_firmware_dir, "/fw/shared");
	strcpy(b.firmware_dir, "/fw/b");
	CU_ASSERT_STRING_EQUAL(fwbuild_dir_of(&cfg, NULL), "/fw/shared");
	CU_ASSERT_STRING_EQUAL(fwbuild_dir_of(&cfg, &a), "/fw/shared");
	CU_ASSERT_STRING_EQUAL(fwbuild_dir_of(&cfg, &b), "/fw/b");
}

static void test_check(void)
{
	char dir[PATH_MAX], err[512], hex[65];
	struct fwbuild fw;
	uint8_t d[32];

	make_build(dir, sizeof(dir), "good", "1");
	CU_ASSERT_EQUAL(fwbuild_check(dir, &fw, err, sizeof(err)), 0);
	digest_sha256("ipxe.efi-1", 10, d);
	digest_hex(d, sizeof(d), hex);
	CU_ASSERT_STRING_EQUAL(fw.hex[2], hex);
	CU_ASSERT_EQUAL(memcmp(fw.digest[2], d, 32), 0);
	CU_ASSERT_EQUAL(fw.len[2], 10);
	CU_ASSERT_EQUAL(memcmp(fw.data[2], "ipxe.efi-1", 10), 0);
	fwbuild_free(&fw);

	/* a tampered file is refused, named */
	put(dir, FWBUILD_UEFI, "snponly.efi-evil");
	CU_ASSERT_NOT_EQUAL(fwbuild_check(dir, &fw, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "snponly.efi"));
	/* a missing file too */
	make_build(dir, sizeof(dir), "missing", "1");
	CU_ASSERT_FATAL(fileio_join(err, sizeof(err), dir, FWBUILD_BIOS) == 0);
	CU_ASSERT_EQUAL(unlink(err), 0);
	CU_ASSERT_NOT_EQUAL(fwbuild_check(dir, &fw, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "undionly.kpxe"));
	/* and a file its SHA256SUMS does not list */
	make_build(dir, sizeof(dir), "unlisted", "1");
	put(dir, FWBUILD_SUMS, "");
	CU_ASSERT_NOT_EQUAL(fwbuild_check(dir, &fw, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "lists no undionly.kpxe"));
}

/* The content of @dir/@name, compared with @want. */
static int holds(const char *dir, const char *name, const char *want)
{
	char path[PATH_MAX];
	unsigned char *buf = NULL;
	size_t len;
	int same;

	if (fileio_join(path, sizeof(path), dir, name) != 0 ||
	    fileio_read(path, 4096, &buf, &len) != 0)
		return 0;
	same = len == strlen(want) && memcmp(buf, want, len) == 0;
	free(buf);
	return same;
}

static void test_place(void)
{
	char dir[PATH_MAX], dest[PATH_MAX], err[512], old[PATH_MAX],
	     link_path[PATH_MAX];
	struct fwbuild fw;
	struct fwbuild_memo memo = { 0, NULL };
	unsigned int copied = 99;

	make_build(dir, sizeof(dir), "place", "1");
	snprintf(dest, sizeof(dest), "%s/tftp/pod-a", unit_tmpdir());
	CU_ASSERT_FATAL(fwbuild_check(dir, &fw, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(fwbuild_place(&fw, dest, &memo, &copied, err,
				      sizeof(err)), 0);
	CU_ASSERT_EQUAL(copied, 2);
	CU_ASSERT(holds(dest, FWBUILD_BIOS, "undionly.kpxe-1"));
	CU_ASSERT(holds(dest, FWBUILD_UEFI, "snponly.efi-1"));
	CU_ASSERT_FALSE(holds(dest, FWBUILD_HTTP, "ipxe.efi-1"));
	/* unchanged: nothing written, by the memo or by one read */
	CU_ASSERT_EQUAL(fwbuild_place(&fw, dest, &memo, &copied, err,
				      sizeof(err)), 0);
	CU_ASSERT_EQUAL(copied, 0);
	CU_ASSERT_EQUAL(fwbuild_place(&fw, dest, NULL, &copied, err,
				      sizeof(err)), 0);
	CU_ASSERT_EQUAL(copied, 0);
	/* the destination changed behind the memo's back (same size): the
	 * memo does not vouch for it, the checked file is put back */
	CU_ASSERT_FATAL(fileio_join(old, sizeof(old), dest, FWBUILD_UEFI) == 0);
	put(dest, FWBUILD_UEFI, "snponly.efi-X");
	CU_ASSERT_EQUAL(fwbuild_place(&fw, dest, &memo, &copied, err,
				      sizeof(err)), 0);
	CU_ASSERT_EQUAL(copied, 1);
	CU_ASSERT(holds(dest, FWBUILD_UEFI, "snponly.efi-1"));
	fwbuild_free(&fw);

	/* a new build replaces the file by rename: a reader holding the
	 * old one (a hard link stands for it) still sees the old bytes */
	CU_ASSERT_FATAL(fileio_join(old, sizeof(old), dest, FWBUILD_BIOS) == 0);
	CU_ASSERT_FATAL(fileio_join(link_path, sizeof(link_path), dest,
				    "held") == 0);
	CU_ASSERT_FATAL(link(old, link_path) == 0);
	make_build(dir, sizeof(dir), "place", "2");
	CU_ASSERT_FATAL(fwbuild_check(dir, &fw, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(fwbuild_place(&fw, dest, &memo, &copied, err,
				      sizeof(err)), 0);
	CU_ASSERT_EQUAL(copied, 2);
	CU_ASSERT(holds(dest, FWBUILD_BIOS, "undionly.kpxe-2"));
	CU_ASSERT(holds(dest, "held", "undionly.kpxe-1"));

	/* the build changed after its check: what is placed is what was
	 * checked, never the build's new bytes */
	put(dir, FWBUILD_UEFI, "snponly.efi-evil");
	CU_ASSERT_FATAL(fileio_join(old, sizeof(old), dest, FWBUILD_UEFI) == 0);
	CU_ASSERT_EQUAL(unlink(old), 0);
	CU_ASSERT_EQUAL(fwbuild_place(&fw, dest, &memo, &copied, err,
				      sizeof(err)), 0);
	CU_ASSERT(holds(dest, FWBUILD_UEFI, "snponly.efi-2"));
	fwbuild_free(&fw);
	fwbuild_free(&fw);
	/* a build not checked is not placed */
	CU_ASSERT_NOT_EQUAL(fwbuild_place(&fw, dest, &memo, &copied, err,
					  sizeof(err)), 0);
	/* the memo forgets a file that is gone, and only that one */
	CU_ASSERT_EQUAL(memo.n, 2);
	CU_ASSERT_FATAL(fileio_join(old, sizeof(old), dest, FWBUILD_BIOS) == 0);
	CU_ASSERT_EQUAL(unlink(old), 0);
	fwbuild_memo_prune(&memo);
	CU_ASSERT_EQUAL(memo.n, 1);
	fwbuild_memo_free(&memo);
	CU_ASSERT_EQUAL(memo.n, 0);
}

static void test_image_parse(void)
{
	char pod[CONFIG_NAME_MAX], url[128];
	size_t i = 99;

	CU_ASSERT_EQUAL(fwimage_parse("pod-a/ipxe.efi", pod, &i), 0);
	CU_ASSERT_STRING_EQUAL(pod, "pod-a");
	CU_ASSERT_STRING_EQUAL(fwbuild_file(i), FWBUILD_HTTP);
	CU_ASSERT_EQUAL(fwimage_parse("pod-a/SHA256SUMS", pod, &i),
			-PB_EBAD_NAME);
	CU_ASSERT_EQUAL(fwimage_parse("../ipxe.efi", pod, &i), -PB_EBAD_NAME);
	CU_ASSERT_EQUAL(fwimage_parse("a/b/ipxe.efi", pod, &i), -PB_EBAD_NAME);
	CU_ASSERT_EQUAL(fwimage_parse("ipxe.efi", pod, &i), -PB_EBAD_NAME);
	CU_ASSERT_EQUAL(fwimage_url(url, sizeof(url), "http://10.0.0.1:8080/",
				    "pod-a", FWBUILD_HTTP), 0);
	CU_ASSERT_STRING_EQUAL(url,
			       "http://10.0.0.1:8080/boot/fw/pod-a/ipxe.efi");
	CU_ASSERT_EQUAL(fwimage_url(url, 20, "http://10.0.0.1:8080", "pod-a",
				    FWBUILD_HTTP), -PB_ETOOBIG);
}

static void test_images(void)
{
	static struct config cfg;
	static struct config_pod pods[2];
	char dir[PATH_MAX], err[512];
	struct fwimages *set = fwimages_new();
	const struct fwimage *img;
	struct fwbuild fw;

	CU_ASSERT_FATAL(set != NULL);
	strcpy(pods[0].name, "pod-a");
	strcpy(pods[1].name, "pod-b");
	cfg.pods = pods;
	cfg.n_pods = 2;
	make_build(dir, sizeof(dir), "img-shared", "s");
	CU_ASSERT_FATAL(fwbuild_check(dir, &fw, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(fwimages_add(set, NULL, &fw, err, sizeof(err)), 0);
	make_build(dir, sizeof(dir), "img-a", "a");
	CU_ASSERT_FATAL(fwbuild_check(dir, &fw, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(fwimages_add(set, "pod-a", &fw, err, sizeof(err)), 0);
	/* the pod's own build, else the shared one, else none */
	img = fwimages_find(set, &cfg, "pod-a");
	CU_ASSERT_FATAL(img != NULL);
	CU_ASSERT_EQUAL(img->len[2], strlen("ipxe.efi-a"));
	CU_ASSERT_EQUAL(memcmp(img->data[2], "ipxe.efi-a", img->len[2]), 0);
	img = fwimages_find(set, &cfg, "pod-b");
	CU_ASSERT_FATAL(img != NULL);
	CU_ASSERT_EQUAL(memcmp(img->data[2], "ipxe.efi-s", img->len[2]), 0);
	CU_ASSERT_PTR_NULL(fwimages_find(set, &cfg, "pod-x"));
	CU_ASSERT_PTR_NULL(fwimages_find(set, &cfg, ""));
	/* a build taken already (or never checked) is not taken again */
	CU_ASSERT_NOT_EQUAL(fwimages_add(set, "pod-b", &fw, err, sizeof(err)),
			    0);
	CU_ASSERT_EQUAL(set->n, 2);
	/* a build changed after its check: the set serves what was checked */
	CU_ASSERT_FATAL(fwbuild_check(dir, &fw, err, sizeof(err)) == 0);
	put(dir, FWBUILD_HTTP, "ipxe.efi-evil");
	CU_ASSERT_EQUAL(fwimages_add(set, "pod-b", &fw, err, sizeof(err)), 0);
	img = fwimages_find(set, &cfg, "pod-b");
	CU_ASSERT_FATAL(img != NULL);
	CU_ASSERT_EQUAL(img->len[2], strlen("ipxe.efi-a"));
	CU_ASSERT_EQUAL(memcmp(img->data[2], "ipxe.efi-a", img->len[2]), 0);
	fwimages_put(set);
}

static const CU_TestInfo tests[] = {
	{ "path", test_path },
	{ "dir_of", test_dir_of },
	{ "check", test_check },
	{ "place", test_place },
	{ "image_parse", test_image_parse },
	{ "images", test_images },
	CU_TEST_INFO_NULL,
};

static int suite_core_fwbuild_register(void)
{
	return unit_add_suite("core_fwbuild", NULL, NULL, tests);
}

UNIT_SUITE(suite_core_fwbuild_register)
