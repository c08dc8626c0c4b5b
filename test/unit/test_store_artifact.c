/* test_store_artifact.c: the artifact catalogue: versions and pruning. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "error.h"
#include "fileio.h"
#include "store.h"
#include "test_store.h"
#include "unit.h"

static void test_artifact_prune(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct test_artifacts l;
	struct store_artifact a;
	struct test_gone g;

	memset(&g, 0, sizeof(g));
	test_artifact(&a, KERNEL, SHA_A, 100);
	a.created = 1700000000;
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g), 0);
	/* Same second, still strictly ordered. */
	test_artifact(&a, KERNEL, SHA_B, 200);
	a.created = 1700000000;
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g), 0);
	CU_ASSERT_EQUAL(g.n, 0);
	test_artifact(&a, KERNEL, SHA_C, 300);
	a.created = 1700000000;
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g), 0);
	CU_ASSERT_EQUAL_FATAL(g.n, 1);
	CU_ASSERT_STRING_EQUAL(g.sha[0], SHA_A);

	CU_ASSERT_EQUAL(store_artifact_get(st, KERNEL, NULL, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.sha256, SHA_C);
	CU_ASSERT_EQUAL(a.size, 300);
	CU_ASSERT_EQUAL(a.current, 1);
	CU_ASSERT_EQUAL(a.created, 1700000000);
	CU_ASSERT_STRING_EQUAL(a.signer, "CN=podboot codesign");
	CU_ASSERT_EQUAL(store_artifact_get(st, KERNEL, SHA_B, &a),
			0);
	CU_ASSERT_EQUAL(a.size, 200);
	CU_ASSERT_EQUAL(a.current, 0);
	CU_ASSERT_EQUAL(store_artifact_get(st, KERNEL, SHA_A, &a),
			-ENOENT);
	CU_ASSERT_EQUAL(store_artifact_get(st, "nothing", NULL, &a), -ENOENT);

	memset(&l, 0, sizeof(l));
	CU_ASSERT_EQUAL(store_artifact_list(st, test_collect_artifact, &l), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 2);
	CU_ASSERT_STRING_EQUAL(l.a[0].sha256, SHA_C);
	CU_ASSERT_EQUAL(l.a[0].current, 1);
	CU_ASSERT_STRING_EQUAL(l.a[1].sha256, SHA_B);
	CU_ASSERT_EQUAL(l.a[1].current, 0);

	/* keep 0 keeps everything. */
	test_artifact(&a, KERNEL, SHA_D, 400);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 0, test_gone_cb, &g), 0);
	CU_ASSERT_EQUAL(g.n, 1);
	CU_ASSERT_EQUAL(store_artifact_get(st, KERNEL, NULL, &a), 0);
	CU_ASSERT(a.created > 1700000000);

	/* A sha256 that could name another file is refused. */
	test_artifact(&a, KERNEL, "../../etc/passwd", 1);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g),
			-EINVAL);
	test_artifact(&a, "", SHA_A, 1);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g),
			-EINVAL);
	store_close(st);
}

static void test_artifact_shared(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct store_artifact a;
	struct test_gone g;

	memset(&g, 0, sizeof(g));
	test_artifact(&a, "a/initrd", SHA_A, 1);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 1, test_gone_cb, &g), 0);
	test_artifact(&a, "b/initrd", SHA_A, 1);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 1, test_gone_cb, &g), 0);
	/* a/initrd moves on; b/initrd still uses the blob. */
	test_artifact(&a, "a/initrd", SHA_B, 2);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 1, test_gone_cb, &g), 0);
	CU_ASSERT_EQUAL(g.n, 0);
	CU_ASSERT_EQUAL(store_artifact_get(st, "b/initrd", SHA_A, &a), 0);
	/* Now nothing does. */
	test_artifact(&a, "b/initrd", SHA_C, 3);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 1, test_gone_cb, &g), 0);
	CU_ASSERT_EQUAL_FATAL(g.n, 1);
	CU_ASSERT_STRING_EQUAL(g.sha[0], SHA_A);
	/* No callback is fine. */
	test_artifact(&a, "b/initrd", SHA_D, 4);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 1, NULL, NULL), 0);
	store_close(st);
}

static void test_artifact_readd(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct test_artifacts l;
	struct store_artifact a;
	struct test_gone g;

	memset(&g, 0, sizeof(g));
	test_artifact(&a, "x", SHA_A, 1);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g), 0);
	test_artifact(&a, "x", SHA_B, 2);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g), 0);
	/* Rolling back to A: no error, A is current again. */
	test_artifact(&a, "x", SHA_A, 1);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g), 0);
	CU_ASSERT_EQUAL(g.n, 0);
	CU_ASSERT_EQUAL(store_artifact_get(st, "x", NULL, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.sha256, SHA_A);
	memset(&l, 0, sizeof(l));
	CU_ASSERT_EQUAL(store_artifact_list(st, test_collect_artifact, &l), 0);
	CU_ASSERT_EQUAL(l.n, 2);
	/* So B is now the oldest, and the one pruned next. */
	test_artifact(&a, "x", SHA_C, 3);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 2, test_gone_cb, &g), 0);
	CU_ASSERT_EQUAL_FATAL(g.n, 1);
	CU_ASSERT_STRING_EQUAL(g.sha[0], SHA_B);
	store_close(st);
}

/* A version's uefi variant: found by its own digest under the same name
 * (never another's), kept while another name's version has it, and
 * handed to @gone with the version when nothing does. */
static void test_artifact_uefi_variant(void)
{
	struct store *st = test_store_open(test_store_dir());
	struct store_artifact a;
	struct test_gone g;

	memset(&g, 0, sizeof(g));
	test_artifact(&a, "k/vmlinuz", SHA_A, 10);
	snprintf(a.uefi_sha256, sizeof(a.uefi_sha256), "%s", SHA_B);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 1, test_gone_cb, &g), 0);
	test_artifact(&a, "l/vmlinuz", SHA_A, 10);
	snprintf(a.uefi_sha256, sizeof(a.uefi_sha256), "%s", SHA_B);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 1, test_gone_cb, &g), 0);
	memset(&a, 0, sizeof(a));
	CU_ASSERT_EQUAL(store_artifact_get(st, "k/vmlinuz", SHA_B, &a), 0);
	CU_ASSERT_STRING_EQUAL(a.sha256, SHA_A);
	CU_ASSERT_STRING_EQUAL(a.uefi_sha256, SHA_B);
	CU_ASSERT_EQUAL(store_artifact_get(st, "x/vmlinuz", SHA_B, &a),
			-ENOENT);
	/* k moves on: l still has both blobs. */
	test_artifact(&a, "k/vmlinuz", SHA_C, 11);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 1, test_gone_cb, &g), 0);
	CU_ASSERT_EQUAL(g.n, 0);
	/* l moves on too: the version and its variant are gone. */
	test_artifact(&a, "l/vmlinuz", SHA_D, 12);
	CU_ASSERT_EQUAL(store_artifact_add(st, &a, 1, test_gone_cb, &g), 0);
	CU_ASSERT_EQUAL_FATAL(g.n, 2);
	CU_ASSERT(strcmp(g.sha[0], SHA_A) == 0 || strcmp(g.sha[1], SHA_A) == 0);
	CU_ASSERT(strcmp(g.sha[0], SHA_B) == 0 || strcmp(g.sha[1], SHA_B) == 0);
	store_close(st);
}

static const CU_TestInfo tests[] = {
	{ "artifacts: a uefi variant found, shared and pruned with its version",
	  test_artifact_uefi_variant },
	{ "artifacts: versions, current, pruning", test_artifact_prune },
	{ "artifacts: shared blob not gone while referenced",
	  test_artifact_shared },
	{ "artifacts: re-adding a version makes it newest",
	  test_artifact_readd },
	CU_TEST_INFO_NULL,
};

static int suite_store_artifact_register(void)
{
	return unit_add_suite("store_artifact", NULL, NULL, tests);
}

UNIT_SUITE(suite_store_artifact_register)
