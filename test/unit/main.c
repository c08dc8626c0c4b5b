/* main.c: runs every CUnit suite; exit status says whether all passed. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "keystore.h"
#include "unit.h"

static char tmpdir[64];
static int (*queued[256])(void);
static size_t n_queued;

void unit_queue_suite(int (*register_fn)(void))
{
	/* A suite that found no room would silently not run: that is a
	 * failure of the whole binary, before anything runs. */
	if (n_queued >= sizeof(queued) / sizeof(queued[0])) {
		fprintf(stderr, "unit-tests: more than %zu suites; raise the "
				"size of queued[] in test/unit/main.c\n",
			sizeof(queued) / sizeof(queued[0]));
		exit(1);
	}
	queued[n_queued++] = register_fn;
}

static void unit_rm_tmpdir(void)
{
	char cmd[128];

	if (tmpdir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
}

const char *unit_tmpdir(void)
{
	if (!tmpdir[0]) {
		strcpy(tmpdir, "/tmp/podboot-unit-XXXXXX");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(2);
		}
		atexit(unit_rm_tmpdir);
	}
	return tmpdir;
}

const char *unit_data(const char *name)
{
	static char paths[8][PATH_MAX];
	static unsigned int next;
	const char *dir = getenv("PODBOOT_TEST_DATA");
	char rel[PATH_MAX], *out = paths[next++ % 8];

	snprintf(rel, sizeof(rel), "%s/%s", dir && *dir ? dir : "test/data",
		 name);
	if (!realpath(rel, out)) {
		fprintf(stderr, "unit: fixture %s: %s (run from the tree's top, "
				"or set PODBOOT_TEST_DATA)\n", rel,
			strerror(errno));
		exit(2);
	}
	return out;
}

const char *unit_keys(int ecdsa)
{
	static char dirs[2][128];
	char *dir = dirs[ecdsa ? 1 : 0];
	struct keystore_init_opts opts = {
		.server_name = "boot.example.net",
		.org = "podboot unit",
		.algo = ecdsa ? PKI_ECDSA : PKI_RSA,
		.root_days = 3650,
		.leaf_days = 30,
	};
	char fpr[65];

	if (!dir[0]) {
		snprintf(dir, sizeof(dirs[0]), "%s/keys-%s", unit_tmpdir(),
			 ecdsa ? "ecdsa" : "rsa");
		opts.dir = dir;
		if (keystore_init(&opts, fpr) != 0) {
			fprintf(stderr, "keystore_init %s failed\n", dir);
			exit(2);
		}
	}
	return dir;
}

int unit_add_suite(const char *name, CU_InitializeFunc init,
		   CU_CleanupFunc clean, const CU_TestInfo *tests)
{
	CU_SuiteInfo suites[] = {
		{ name, init, clean, NULL, NULL, (CU_TestInfo *)tests },
		CU_SUITE_INFO_NULL,
	};

	return CU_register_suites(suites);
}

/*
 * unit-tests [SUITE]: every suite, or only the one named (a mutant's
 * test names the suite that guards its module).
 */
int main(int argc, char **argv)
{
	unsigned int failed;
	CU_pSuite suite = NULL;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (i = 0; i < n_queued; i++)
		if (queued[i]() != CUE_SUCCESS) {
			fprintf(stderr, "suite registration: %s\n",
				CU_get_error_msg());
			return 2;
		}
	if (argc > 2) {
		fprintf(stderr, "usage: %s [SUITE]\n", argv[0]);
		return 2;
	}
	if (argc == 2) {
		suite = CU_get_suite(argv[1]);
		if (!suite) {
			fprintf(stderr, "no suite named '%s'\n", argv[1]);
			CU_cleanup_registry();
			return 2;
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (suite)
		CU_basic_run_suite(suite);
	else
		CU_basic_run_tests();
	failed = CU_get_number_of_failures() +
		 CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
