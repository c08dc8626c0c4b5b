/* unit.h: shared helpers of the CUnit suites (one suite per module). */
#ifndef PODBOOT_UNIT_H
#define PODBOOT_UNIT_H

#include <CUnit/CUnit.h>

/** Queue a suite's registration function; see UNIT_SUITE. */
void unit_queue_suite(int (*register_fn)(void));

/*
 * Each test file ends with UNIT_SUITE(its_register_function): the runner
 * registers every linked suite without a central list to edit.
 */
#define UNIT_SUITE(fn)                                              \
	static void __attribute__((constructor)) fn##_queue(void) { \
		unit_queue_suite(fn);                               \
	}

/** A fresh temporary directory for this process; removed at exit. */
const char *unit_tmpdir(void);

/**
 * The absolute path of fixture @name in test/data (PODBOOT_TEST_DATA, if
 * set, names another directory); exits if it is missing.  Valid until the
 * eighth call after this one.
 */
const char *unit_data(const char *name);

/** A key directory made by keystore_init() once per algorithm. */
const char *unit_keys(int ecdsa);

/** Register @tests (NULL-terminated) as suite @name with fixtures. */
int unit_add_suite(const char *name, CU_InitializeFunc init,
		   CU_CleanupFunc clean, const CU_TestInfo *tests);

#endif
