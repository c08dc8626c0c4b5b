/* unit.h: shared helpers of the CUnit suites (one suite per module). */
#ifndef PODBOOT_UNIT_H
#define PODBOOT_UNIT_H

#include <CUnit/CUnit.h>

/* Each suite registers itself; returns 0 or a CUnit error. */
int suite_cms_register(void);
int suite_digest_register(void);
int suite_fileio_register(void);
int suite_keystore_register(void);
int suite_pki_register(void);
int suite_token_register(void);

/** A fresh temporary directory for this process; removed at exit. */
const char *unit_tmpdir(void);

/** A key directory made by keystore_init() once per algorithm. */
const char *unit_keys(int ecdsa);

/** Register @tests (NULL-terminated) as suite @name with fixtures. */
int unit_add_suite(const char *name, CU_InitializeFunc init,
		   CU_CleanupFunc clean, const CU_TestInfo *tests);

#endif
