/* test_fileio.c: bounded reads and atomic, mode-exact writes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "fileio.h"
#include "unit.h"

static void test_write_read(void)
{
	unsigned char *buf;
	struct stat st;
	char path[256];
	size_t len;

	snprintf(path, sizeof(path), "%s/secret", unit_tmpdir());
	CU_ASSERT_EQUAL(fileio_write(path, "hello", 5, 0600, FILEIO_EXCL), 0);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	CU_ASSERT_EQUAL(fileio_write(path, "x", 1, 0600, FILEIO_EXCL), -EEXIST);
	CU_ASSERT_EQUAL(fileio_read(path, 100, &buf, &len), 0);
	CU_ASSERT_EQUAL(len, 5);
	CU_ASSERT_STRING_EQUAL((char *)buf, "hello");
	free(buf);
	/* Replacing keeps the mode asked for, not the umask's. */
	CU_ASSERT_EQUAL(fileio_write(path, "bye", 3, 0640, 0), 0);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0640);
	CU_ASSERT_EQUAL(fileio_read(path, 4, &buf, &len), 0);
	CU_ASSERT_EQUAL(len, 3);
	free(buf);
	CU_ASSERT_EQUAL(fileio_read(path, 2, &buf, &len), -PB_ETOOBIG);
	CU_ASSERT_PTR_NULL(buf);
}

static void test_errors(void)
{
	unsigned char *buf;
	char path[300];
	size_t len;

	CU_ASSERT_EQUAL(fileio_read("/nonexistent/x", 10, &buf, &len), -ENOENT);
	CU_ASSERT_EQUAL(fileio_read(unit_tmpdir(), 10, &buf, &len), -EINVAL);
	CU_ASSERT(fileio_write("/nonexistent/x", "a", 1, 0600, 0) < 0);
	CU_ASSERT_EQUAL(fileio_join(path, 8, "directory", "name"),
			-PB_ETOOBIG);
	snprintf(path, sizeof(path), "%s/a/b/c", unit_tmpdir());
	CU_ASSERT_EQUAL(fileio_mkdirs(path, 0700), 0);
	CU_ASSERT_EQUAL(fileio_mkdirs(path, 0700), 0);
	CU_ASSERT(fileio_exists(path));
}

static const CU_TestInfo tests[] = {
	{ "write, replace, read with limits", test_write_read },
	{ "errors and directories", test_errors },
	CU_TEST_INFO_NULL,
};

static int suite_fileio_register(void)
{
	return unit_add_suite("fileio", NULL, NULL, tests);
}

UNIT_SUITE(suite_fileio_register)
