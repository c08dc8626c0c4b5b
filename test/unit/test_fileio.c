/* test_fileio.c: bounded reads and atomic, mode-exact writes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Entries of @dir whose names contain ".tmp.": temporaries left behind. */
static int count_tmp(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strstr(de->d_name, ".tmp.") != NULL;
	closedir(d);
	return n;
}

/*
 * Another user pre-creates the temporary name fileio_write used to choose
 * (PATH.tmp.PID), keeps it open and waits for the secret to be written
 * into that inode.  It must get nothing: the temporary is a new file.
 */
static void test_tmp_precreated(void)
{
	static const char bait[] = "attacker's file";
	unsigned char *buf;
	struct stat st, mine;
	char dir[256], path[300], old_tmp[400], seen[64];
	ssize_t n;
	size_t len;
	int flags[] = { 0, FILEIO_EXCL };
	size_t i;
	int fd;

	snprintf(dir, sizeof(dir), "%s/precreated", unit_tmpdir());
	CU_ASSERT_EQUAL_FATAL(fileio_mkdirs(dir, 0777), 0);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		snprintf(path, sizeof(path), "%s/key%zu", dir, i);
		snprintf(old_tmp, sizeof(old_tmp), "%s.tmp.%ld", path,
			 (long)getpid());
		fd = open(old_tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		CU_ASSERT_FATAL(fd >= 0);
		CU_ASSERT_EQUAL_FATAL(write(fd, bait, sizeof(bait) - 1),
				      (ssize_t)sizeof(bait) - 1);
		CU_ASSERT_EQUAL_FATAL(fstat(fd, &mine), 0);

		CU_ASSERT_EQUAL(fileio_write(path, "SECRET", 6, 0600,
					     flags[i]), 0);

		/* The attacker's inode keeps its content and its name. */
		n = pread(fd, seen, sizeof(seen), 0);
		CU_ASSERT_EQUAL(n, (ssize_t)sizeof(bait) - 1);
		CU_ASSERT(n >= 0 && memcmp(seen, bait, (size_t)n) == 0);
		CU_ASSERT_EQUAL(lstat(old_tmp, &st), 0);
		CU_ASSERT_EQUAL(st.st_ino, mine.st_ino);
		close(fd);

		/* The destination is a new inode with the data and the mode. */
		CU_ASSERT_EQUAL(lstat(path, &st), 0);
		CU_ASSERT(st.st_ino != mine.st_ino);
		CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
		CU_ASSERT_EQUAL(fileio_read(path, 100, &buf, &len), 0);
		CU_ASSERT_EQUAL(len, 6);
		CU_ASSERT(buf && memcmp(buf, "SECRET", 6) == 0);
		free(buf);
		unlink(old_tmp);
	}
	CU_ASSERT_EQUAL(count_tmp(dir), 0);
}

/* A failed publish removes its temporary; a refused one makes none. */
static void test_tmp_cleanup(void)
{
	char dir[256], path[300], inner[400];

	snprintf(dir, sizeof(dir), "%s/cleanup", unit_tmpdir());
	snprintf(path, sizeof(path), "%s/target", dir);
	snprintf(inner, sizeof(inner), "%s/target/inside", dir);
	CU_ASSERT_EQUAL_FATAL(fileio_mkdirs(inner, 0700), 0);
	/* rename() cannot replace a directory with a file. */
	CU_ASSERT(fileio_write(path, "data", 4, 0644, 0) < 0);
	CU_ASSERT_EQUAL(fileio_write(path, "data", 4, 0644, FILEIO_EXCL),
			-EEXIST);
	CU_ASSERT_EQUAL(count_tmp(dir), 0);
}

/* 1 if @path holds exactly @text. */
static int holds(const char *path, const char *text)
{
	unsigned char *buf;
	size_t len;
	int same;

	if (fileio_read(path, 100, &buf, &len) != 0)
		return 0;
	same = len == strlen(text) && memcmp(buf, text, len) == 0;
	free(buf);
	return same;
}

/* Staged files: placed together, taken back together. */
static void test_staged(void)
{
	struct fileio_staged st[2];
	struct stat sb;
	char dir[256], a[300], b[300], sub[300];

	snprintf(dir, sizeof(dir), "%s/staged", unit_tmpdir());
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	CU_ASSERT_EQUAL_FATAL(fileio_mkdirs(dir, 0700), 0);
	CU_ASSERT_EQUAL_FATAL(fileio_write(a, "old a", 5, 0644, 0), 0);

	/* Undone: the old file is back, the new one gone. */
	CU_ASSERT_EQUAL_FATAL(fileio_stage(&st[0], a, "new a", 5, 0600), 0);
	CU_ASSERT_EQUAL_FATAL(fileio_stage(&st[1], b, "new b", 5, 0600), 0);
	CU_ASSERT(holds(a, "old a"));
	CU_ASSERT_FALSE(fileio_exists(b));
	CU_ASSERT_EQUAL(fileio_place(&st[0], 0), 0);
	CU_ASSERT_EQUAL(fileio_place(&st[1], 0), 0);
	CU_ASSERT(holds(a, "new a"));
	CU_ASSERT(holds(b, "new b"));
	CU_ASSERT_EQUAL(fileio_undo(&st[1]), 0);
	CU_ASSERT_EQUAL(fileio_undo(&st[0]), 0);
	CU_ASSERT(holds(a, "old a"));
	CU_ASSERT_EQUAL(stat(a, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 0777, 0644);
	CU_ASSERT_FALSE(fileio_exists(b));
	CU_ASSERT_EQUAL(count_tmp(dir), 0);
	/* Undoing or finishing twice does nothing. */
	CU_ASSERT_EQUAL(fileio_undo(&st[0]), 0);
	fileio_finish(&st[0]);
	CU_ASSERT(holds(a, "old a"));

	/* Finished: the new files stay, with their mode, and nothing else. */
	CU_ASSERT_EQUAL_FATAL(fileio_stage(&st[0], a, "new a", 5, 0600), 0);
	CU_ASSERT_EQUAL_FATAL(fileio_stage(&st[1], b, "new b", 5, 0600), 0);
	CU_ASSERT_EQUAL(fileio_place(&st[0], 0), 0);
	CU_ASSERT_EQUAL(fileio_place(&st[1], FILEIO_EXCL), 0);
	fileio_finish(&st[0]);
	fileio_finish(&st[1]);
	CU_ASSERT(holds(a, "new a"));
	CU_ASSERT(holds(b, "new b"));
	CU_ASSERT_EQUAL(stat(a, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 0777, 0600);
	CU_ASSERT_EQUAL(count_tmp(dir), 0);

	/* FILEIO_EXCL replaces nothing; undone, the staged file goes. */
	CU_ASSERT_EQUAL_FATAL(fileio_stage(&st[0], a, "newer", 5, 0600), 0);
	CU_ASSERT_EQUAL(fileio_place(&st[0], FILEIO_EXCL), -EEXIST);
	CU_ASSERT_EQUAL(fileio_undo(&st[0]), 0);
	CU_ASSERT(holds(a, "new a"));
	CU_ASSERT_EQUAL(count_tmp(dir), 0);

	/* A directory is never exchanged away. */
	snprintf(sub, sizeof(sub), "%s/d/inside", dir);
	CU_ASSERT_EQUAL_FATAL(fileio_mkdirs(sub, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/d", dir);
	CU_ASSERT_EQUAL_FATAL(fileio_stage(&st[0], sub, "x", 1, 0600), 0);
	CU_ASSERT_EQUAL(fileio_place(&st[0], 0), -EISDIR);
	CU_ASSERT_EQUAL(fileio_undo(&st[0]), 0);
	CU_ASSERT_EQUAL(stat(sub, &sb), 0);
	CU_ASSERT(S_ISDIR(sb.st_mode));
	CU_ASSERT_EQUAL(count_tmp(dir), 0);
}

static const CU_TestInfo tests[] = {
	{ "write, replace, read with limits", test_write_read },
	{ "errors and directories", test_errors },
	{ "a pre-created temporary name gets no data", test_tmp_precreated },
	{ "failures leave no temporary behind", test_tmp_cleanup },
	{ "staged files: placed, finished, undone", test_staged },
	CU_TEST_INFO_NULL,
};

static int suite_fileio_register(void)
{
	return unit_add_suite("fileio", NULL, NULL, tests);
}

UNIT_SUITE(suite_fileio_register)
