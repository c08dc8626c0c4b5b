/* test_agent_spool.c: the agent's on-disk queue: what is put reads back,
 * numbers persist, limits drop the oldest, and a malformed, oversized or
 * foreign file is refused. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "error.h"
#include "../../agent/spool.h"

/* A fresh directory name under the test directory. */
static const char *test_dir(const char *name)
{
	static char dir[256];

	snprintf(dir, sizeof(dir), "%s/spool-%s", unit_tmpdir(), name);
	return dir;
}

/* Write @text as file @name of @dir. */
static void test_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void test_put_read(void)
{
	const char *dir = test_dir("basic");
	struct spool_item it;
	struct spool sp;
	uint64_t a, b;
	struct stat st;

	CU_ASSERT_EQUAL_FATAL(spool_open(&sp, dir, "push", 1u << 20,
					 SPOOL_OWNER), 0);
	CU_ASSERT(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	CU_ASSERT_NOT_EQUAL(sp.epoch, 0);
	CU_ASSERT_EQUAL(spool_next_seq(&sp, &a), 0);
	CU_ASSERT_EQUAL(a, 1);
	CU_ASSERT_EQUAL(spool_next_seq(&sp, &b), 0);
	CU_ASSERT_EQUAL(b, 2);
	CU_ASSERT_EQUAL(spool_put(&sp, b, 30, "second", 6), 0);
	CU_ASSERT_EQUAL(spool_put(&sp, a, 15, "first\n", 6), 0);
	CU_ASSERT_EQUAL_FATAL(sp.n, 2);
	CU_ASSERT(sp.entries[0].seq == 1 && sp.entries[1].seq == 2);
	CU_ASSERT_EQUAL(spool_put(&sp, a, 15, "again", 5), -EEXIST);
	CU_ASSERT_EQUAL_FATAL(spool_read(&sp, 1, &it), 0);
	CU_ASSERT(it.seq == 1 && it.interval == 15 && it.len == 6 &&
		  memcmp(it.body, "first\n", 6) == 0);
	spool_item_free(&it);
	spool_item_free(&it);	/* safe twice */
	CU_ASSERT_EQUAL(spool_remove(&sp, 1), 0);
	CU_ASSERT_EQUAL(spool_remove(&sp, 1), 0);
	CU_ASSERT_EQUAL(spool_read(&sp, 1, &it), -ENOENT);
	CU_ASSERT_EQUAL(sp.n, 1);
	spool_close(&sp);

	/* Reopened: the entry is there and numbers go on, same epoch. */
	a = sp.epoch;
	CU_ASSERT_EQUAL_FATAL(spool_open(&sp, dir, "push", 1u << 20,
					 SPOOL_OWNER), 0);
	CU_ASSERT_EQUAL(sp.n, 1);
	CU_ASSERT_EQUAL(sp.epoch, a);
	CU_ASSERT_EQUAL(spool_next_seq(&sp, &b), 0);
	CU_ASSERT_EQUAL(b, 3);
	spool_close(&sp);
	spool_close(&sp);	/* safe twice */
}

static void test_limits(void)
{
	static unsigned char body[1000];
	struct spool sp;
	uint64_t seq;

	CU_ASSERT_EQUAL_FATAL(spool_open(&sp, test_dir("limits"), "batch",
					 2500, SPOOL_OWNER), 0);
	for (seq = 1; seq <= 3; seq++)
		CU_ASSERT_EQUAL(spool_put(&sp, seq, 15, body, sizeof(body)),
				0);
	/* Three of about 1 KB in 2500 bytes: the oldest went. */
	CU_ASSERT_EQUAL_FATAL(sp.n, 2);
	CU_ASSERT_EQUAL(sp.entries[0].seq, 2);
	CU_ASSERT_EQUAL(sp.dropped, 1);
	CU_ASSERT(sp.bytes <= 2500);
	/* One alone over the limit is refused, and counted. */
	CU_ASSERT_EQUAL(spool_put(&sp, 4, 15, body, 2500), -PB_ETOOBIG);
	CU_ASSERT_EQUAL(sp.dropped, 2);
	CU_ASSERT_EQUAL(sp.n, 2);
	CU_ASSERT_EQUAL(spool_drop(&sp, 2), 0);
	CU_ASSERT_EQUAL(sp.dropped, 3);
	CU_ASSERT_EQUAL(sp.n, 1);
	spool_close(&sp);
}

static void test_refused(void)
{
	static const char *const bad[] = {
		"",					/* empty */
		"PODBOOT-SPOOL 1 batch 1 15 4\nabc",	/* body short */
		"PODBOOT-SPOOL 1 batch 1 15 4\nabcde",	/* body long */
		"PODBOOT-SPOOL 1 batch 2 15 4\nabcd",	/* another seq */
		"PODBOOT-SPOOL 1 push 1 15 4\nabcd",	/* another kind */
		"PODBOOT-SPOOL 2 batch 1 15 4\nabcd",	/* another version */
		"PODBOOT-SPOOL 1 batch 1 3601 4\nabcd",
		"PODBOOT-SPOOL 1 batch 1 15 +4\nabcd",
		"PODBOOT-SPOOL 1 batch 1 15\nabcd",
		"PODBOOT-SPOOL 1 batch 1  15 4\nabcd",
		"PODBOOT-SPOOL 1 batch 1 15 4",		/* no newline */
		"PODBOOT-SPOOL 1 batch 01 15 4x\nabcd",
		"podboot-spool 1 batch 1 15 4\nabcd",
	};
	const char *dir = test_dir("bad");
	struct spool_item it;
	char path[512];
	struct spool sp;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(spool_open(&sp, dir, "batch", 1u << 20,
					 SPOOL_OWNER), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;

		test_file(dir, "00000000000000000001.batch", bad[i]);
		rc = spool_read(&sp, 1, &it);
		if (rc != -EBADMSG)
			fprintf(stderr, "\nspool_read(\"%s\") = %d\n", bad[i],
				rc);
		CU_ASSERT_EQUAL(rc, -EBADMSG);
		CU_ASSERT_PTR_NULL(it.buf);
	}
	test_file(dir, "00000000000000000001.batch",
		  "PODBOOT-SPOOL 1 batch 1 15 4\nabcd");
	CU_ASSERT_EQUAL(spool_read(&sp, 1, &it), 0);
	spool_item_free(&it);
	/* A file over SPOOL_ITEM_MAX and the header's room. */
	snprintf(path, sizeof(path), "%s/00000000000000000001.batch", dir);
	CU_ASSERT_EQUAL_FATAL(truncate(path, SPOOL_ITEM_MAX + 200), 0);
	CU_ASSERT_EQUAL(spool_read(&sp, 1, &it), -EBADMSG);
	spool_close(&sp);
}

static void test_scan(void)
{
	const char *dir = test_dir("scan");
	struct spool sp;
	char path[512];
	uint64_t seq;

	CU_ASSERT_EQUAL_FATAL(spool_open(&sp, dir, "batch", 1u << 20,
					 SPOOL_OWNER), 0);
	CU_ASSERT_EQUAL(spool_put(&sp, 7, 0, "x", 1), 0);
	spool_close(&sp);
	/* Names that are not entries are passed over; a crash's temporary
	 * file is removed by the owner, and a finished entry is kept. */
	test_file(dir, "00000000000000000000.batch", "");
	test_file(dir, "1.batch", "");
	test_file(dir, "0000000000000000000x.batch", "");
	test_file(dir, "00000000000000000009.push", "");
	test_file(dir, "99999999999999999999.batch", "");	/* > 2^53 */
	test_file(dir, "00000000000000000008.batch.tmp.123", "");
	mkdir(strcat(strcpy(path, dir), "/00000000000000000010.batch"), 0700);
	CU_ASSERT_EQUAL_FATAL(spool_open(&sp, dir, "batch", 1u << 20,
					 SPOOL_OWNER), 0);
	CU_ASSERT_EQUAL_FATAL(sp.n, 1);
	CU_ASSERT_EQUAL(sp.entries[0].seq, 7);
	snprintf(path, sizeof(path), "%s/00000000000000000008.batch.tmp.123",
		 dir);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	/* The lost "seq" file does not reuse a number still spooled. */
	CU_ASSERT_EQUAL(spool_next_seq(&sp, &seq), 0);
	CU_ASSERT_EQUAL(seq, 8);
	spool_close(&sp);
}

static void test_state_file(void)
{
	static const char *const bad[] = {
		"", "PODBOOT-SPOOL-SEQ \n", "PODBOOT-SPOOL-SEQ 5",
		"PODBOOT-SPOOL-SEQ x\n", "PODBOOT-SPOOL-SEQ 5 0\n",
		"PODBOOT-SPOOL-SEQ 5 \n", "PODBOOT-SPOOL-SEQ 5 1 2\n",
		"PODBOOT-SPOOL-SEQ 9007199254740992\n", "SEQ 5\n",
	};
	const char *dir = test_dir("state");
	struct spool sp;
	uint64_t seq;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(spool_open(&sp, dir, "push", 1u << 20,
					 SPOOL_OWNER), 0);
	spool_close(&sp);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		test_file(dir, "seq", bad[i]);
		CU_ASSERT_EQUAL(spool_open(&sp, dir, "push", 1u << 20,
					   SPOOL_OWNER), -EBADMSG);
		spool_close(&sp);
	}
	/* An old file without an epoch is kept as it is. */
	test_file(dir, "seq", "PODBOOT-SPOOL-SEQ 41\n");
	CU_ASSERT_EQUAL_FATAL(spool_open(&sp, dir, "push", 1u << 20,
					 SPOOL_OWNER), 0);
	CU_ASSERT_EQUAL(sp.epoch, 0);
	CU_ASSERT_EQUAL(spool_next_seq(&sp, &seq), 0);
	CU_ASSERT_EQUAL(seq, 41);
	spool_close(&sp);
}

static const CU_TestInfo test_agent_spool_tests[] = {
	{ "put, read, remove; numbers persist", test_put_read },
	{ "limits drop the oldest, and count it", test_limits },
	{ "malformed, foreign and oversized entries are refused",
	  test_refused },
	{ "the scan takes only entries and removes crash leftovers",
	  test_scan },
	{ "a malformed sequence file is refused", test_state_file },
	CU_TEST_INFO_NULL,
};

static int suite_agent_spool_register(void)
{
	return unit_add_suite("agent_spool", NULL, NULL,
			      test_agent_spool_tests);
}

UNIT_SUITE(suite_agent_spool_register)
