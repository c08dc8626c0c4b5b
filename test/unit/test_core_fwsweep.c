/* test_core_fwsweep.c: per-pod TFTP directories podboot made are marked
 * and removed once their pod has no firmware build of its own; nothing
 * else under the TFTP root is ever removed. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "fwbuild.h"
#include "fwsweep.h"
#include "unit.h"

/* Write @content into @root/@rel. */
static void put(const char *root, const char *rel, const char *content)
{
	char path[PATH_MAX];

	CU_ASSERT_FATAL(fileio_join(path, sizeof(path), root, rel) == 0);
	CU_ASSERT_FATAL(fileio_write(path, content, strlen(content), 0644,
				     0) == 0);
}

/* 1 when @root/@rel exists. */
static int there(const char *root, const char *rel)
{
	char path[PATH_MAX];

	return fileio_join(path, sizeof(path), root, rel) == 0 &&
	       fileio_exists(path);
}

static unsigned int kept_n;

/* Counts the stale directories kept (fwsweep_cb). */
static void count_kept(void *arg, const char *root, const char *pod, int rc)
{
	(void)arg;
	(void)root;
	(void)pod;
	if (rc != 0)
		kept_n++;
}

static void test_claim(void)
{
	char root[PATH_MAX], dir[PATH_MAX], err[256];

	snprintf(root, sizeof(root), "%s/claim", unit_tmpdir());
	CU_ASSERT_EQUAL(fwsweep_claim(root, "pod-a", err, sizeof(err)), 0);
	CU_ASSERT(there(root, "pod-a/" FWSWEEP_MARK));
	/* again: nothing changes */
	CU_ASSERT_EQUAL(fwsweep_claim(root, "pod-a", err, sizeof(err)), 0);
	/* a directory podboot did not make is not marked */
	CU_ASSERT_FATAL(fileio_join(dir, sizeof(dir), root, "pod-b") == 0);
	CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
	CU_ASSERT_EQUAL(fwsweep_claim(root, "pod-b", err, sizeof(err)), 0);
	CU_ASSERT_FALSE(there(root, "pod-b/" FWSWEEP_MARK));
	/* a name that would leave the root is refused */
	CU_ASSERT_NOT_EQUAL(fwsweep_claim(root, "..", err, sizeof(err)), 0);
}

static void test_run(void)
{
	static struct config cfg;
	static struct config_pod pods[2];
	char root[PATH_MAX], err[256], path[PATH_MAX];
	unsigned int removed = 99;

	strcpy(pods[0].name, "pod-a");
	strcpy(pods[0].firmware_dir, "/fw/a");
	strcpy(pods[1].name, "pod-b");	/* no build of its own */
	cfg.pods = pods;
	cfg.n_pods = 2;
	CU_ASSERT(fwsweep_keeps(&cfg, "pod-a"));
	CU_ASSERT_FALSE(fwsweep_keeps(&cfg, "pod-b"));
	CU_ASSERT_FALSE(fwsweep_keeps(&cfg, "pod-x"));
	CU_ASSERT(fwsweep_ours(FWBUILD_BIOS) && fwsweep_ours(FWSWEEP_MARK));
	CU_ASSERT_FALSE(fwsweep_ours(FWBUILD_HTTP));
	CU_ASSERT_FALSE(fwsweep_ours("notes"));

	snprintf(root, sizeof(root), "%s/run", unit_tmpdir());
	/* podboot's directories: pod-a (kept: its build), pod-b (lost its
	 * build), pod-x (gone), pod-y (gone, holds an operator's file) */
	CU_ASSERT_FATAL(fwsweep_claim(root, "pod-a", err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(fwsweep_claim(root, "pod-b", err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(fwsweep_claim(root, "pod-x", err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(fwsweep_claim(root, "pod-y", err, sizeof(err)) == 0);
	put(root, "pod-a/" FWBUILD_BIOS, "a");
	put(root, "pod-b/" FWBUILD_BIOS, "b");
	put(root, "pod-b/" FWBUILD_UEFI, "b");
	put(root, "pod-y/" FWBUILD_BIOS, "y");
	put(root, "pod-y/notes", "the operator's");
	/* not podboot's: an operator's directory, a file, a link */
	CU_ASSERT_FATAL(fileio_join(path, sizeof(path), root, "pod-z") == 0);
	CU_ASSERT_FATAL(mkdir(path, 0755) == 0);
	put(root, "pod-z/" FWBUILD_BIOS, "z");
	put(root, FWBUILD_BIOS, "shared");
	CU_ASSERT_FATAL(fileio_join(path, sizeof(path), root, "pod-l") == 0);
	CU_ASSERT_FATAL(symlink("pod-b", path) == 0);

	kept_n = 0;
	CU_ASSERT_EQUAL(fwsweep_run(root, &cfg, count_kept, NULL, &removed),
			0);
	CU_ASSERT_EQUAL(removed, 2);
	CU_ASSERT_EQUAL(kept_n, 1);
	CU_ASSERT(there(root, "pod-a/" FWBUILD_BIOS));
	CU_ASSERT(there(root, "pod-a/" FWSWEEP_MARK));
	CU_ASSERT_FALSE(there(root, "pod-b"));
	CU_ASSERT_FALSE(there(root, "pod-x"));
	/* kept whole: nothing of it removed */
	CU_ASSERT(there(root, "pod-y/notes"));
	CU_ASSERT(there(root, "pod-y/" FWBUILD_BIOS));
	CU_ASSERT(there(root, "pod-y/" FWSWEEP_MARK));
	CU_ASSERT(there(root, "pod-z/" FWBUILD_BIOS));
	CU_ASSERT(there(root, FWBUILD_BIOS));
	CU_ASSERT_FATAL(fileio_join(path, sizeof(path), root, "pod-l") == 0);
	CU_ASSERT_EQUAL(unlink(path), 0);	/* the link itself was there */
	/* a root that does not exist is nothing to do */
	CU_ASSERT_EQUAL(fwsweep_run("/nonexistent/podboot", &cfg, NULL, NULL,
				    &removed), 0);
	CU_ASSERT_EQUAL(removed, 0);
}

static const CU_TestInfo tests[] = {
	{ "claim", test_claim },
	{ "run", test_run },
	CU_TEST_INFO_NULL,
};

static int suite_core_fwsweep_register(void)
{
	return unit_add_suite("core_fwsweep", NULL, NULL, tests);
}

UNIT_SUITE(suite_core_fwsweep_register)
