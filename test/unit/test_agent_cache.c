/* test_agent_cache.c: the relay's artifact cache on disk: which requests it
 * answers, commit records that notice tampering, LRU eviction that spares
 * the pinned set and what is in use. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "../../agent/cache.h"
#include "../../agent/cache_report.h"

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HEX_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static void test_targets(void)
{
	struct cache_ref r;

	CU_ASSERT_EQUAL_FATAL(cache_parse_target("/artifacts/os/vmlinuz@sha256:"
						 HEX_A, &r), 0);
	CU_ASSERT_STRING_EQUAL(r.name, "os/vmlinuz");
	CU_ASSERT_STRING_EQUAL(r.hex, HEX_A);
	CU_ASSERT_EQUAL(r.sig, 0);
	CU_ASSERT_EQUAL_FATAL(cache_parse_target("/artifacts/k-1.2_x@sha256:"
						 HEX_B ".sig", &r), 0);
	CU_ASSERT_EQUAL(r.sig, 1);
	CU_ASSERT_STRING_EQUAL(r.hex, HEX_B);
	CU_ASSERT_STRING_EQUAL(r.node, "");
	/* stage2's form: the node the URL was rendered for */
	CU_ASSERT_EQUAL_FATAL(cache_parse_target("/node/rack1-n07/artifacts/"
						 "os/k@sha256:" HEX_A, &r), 0);
	CU_ASSERT_STRING_EQUAL(r.node, "rack1-n07");
	CU_ASSERT_STRING_EQUAL(r.name, "os/k");
	CU_ASSERT_STRING_EQUAL(r.hex, HEX_A);
}

static void test_refused(void)
{
	static const char *const bad[] = {
		"/artifacts/os/vmlinuz",		/* no digest */
		"/artifacts/os/vmlinuz.sig",
		"/artifacts/os@sha1:" HEX_A,
		"/artifacts/os@sha256:" HEX_A "?token=x",	/* a query */
		"/artifacts/os@sha256:" HEX_A "/x",
		"/artifacts/os@sha256:" HEX_A ".sigx",
		"/artifacts/os@sha256:AAAAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaa",			/* upper case */
		"/artifacts/os@sha256:" HEX_A "a",	/* 65 digits */
		"/artifacts/../etc@sha256:" HEX_A,
		"/artifacts/os//k@sha256:" HEX_A,
		"/artifacts/os/@sha256:" HEX_A,
		"/artifacts/.k@sha256:" HEX_A,
		"/artifacts/@sha256:" HEX_A,
		"/ks/abcdef",
		"/artifactsx/os@sha256:" HEX_A,
		"/node//artifacts/os@sha256:" HEX_A,	/* empty node */
		"/node/../artifacts/os@sha256:" HEX_A,
		"/node/a b/artifacts/os@sha256:" HEX_A,
		"/node/n1/n2/artifacts/os@sha256:" HEX_A,
		"/node/n1/ks/abcdef",
		"/node/n1",
		"/node/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"/artifacts/os@sha256:" HEX_A,		/* 64 bytes of id */
	};
	struct cache_ref r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(cache_parse_target(bad[i], &r), -EINVAL);
}

/* Make DIR/sha256/HEX and HEX.sig of @size bytes, and commit them. */
static void put(const struct cache *c, const char *hex, size_t size)
{
	char path[PATH_MAX], *buf = calloc(1, size);
	int fd;

	CU_ASSERT_EQUAL_FATAL(cache_path(c, hex, "", path, sizeof(path)), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, buf, size), (ssize_t)size);
	close(fd);
	CU_ASSERT_EQUAL_FATAL(cache_path(c, hex, ".sig", path, sizeof(path)), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, "sig", 3), 3);
	close(fd);
	free(buf);
	CU_ASSERT_EQUAL(cache_record(c, hex), 0);
}

/* A fresh cache in a temporary directory (@tmp receives its path). */
static void fresh(struct cache *c, char *tmp, uint64_t max)
{
	strcpy(tmp, "/tmp/podboot-cache.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmp));
	CU_ASSERT_EQUAL_FATAL(cache_open(c, tmp, max), 0);
}

/* Remove what fresh() and put() made. */
static void cleanup(const char *tmp)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_tamper(void)
{
	char tmp[64], path[PATH_MAX];
	struct cache c;
	int fd;

	fresh(&c, tmp, 1 << 20);
	CU_ASSERT_EQUAL(cache_check(&c, HEX_A), -ENOENT);
	put(&c, HEX_A, 1000);
	CU_ASSERT_EQUAL(cache_check(&c, HEX_A), 0);
	/* A byte flipped in place: same size, but its times move. */
	cache_path(&c, HEX_A, "", path, sizeof(path));
	fd = open(path, O_WRONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(pwrite(fd, "x", 1, 10), 1);
	close(fd);
	CU_ASSERT_EQUAL(cache_check(&c, HEX_A), -EBADMSG);
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);	/* deleted */
	CU_ASSERT_EQUAL(cache_check(&c, HEX_A), -ENOENT);
	/* A .sig replaced. */
	put(&c, HEX_B, 1000);
	cache_path(&c, HEX_B, ".sig", path, sizeof(path));
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	CU_ASSERT_EQUAL(write(fd, "sig", 3), 3);
	close(fd);
	CU_ASSERT_EQUAL(cache_check(&c, HEX_B), -EBADMSG);
	cleanup(tmp);
}

/* Make @hex look used at @t seconds. */
static void used_at(const struct cache *c, const char *hex, time_t t)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	char path[PATH_MAX];

	cache_path(c, hex, ".ok", path, sizeof(path));
	CU_ASSERT_EQUAL(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static int c_in_use(void *ctx, const char *hex)
{
	(void)ctx;
	return strcmp(hex, HEX_C) == 0;
}

static void test_evict(void)
{
	char tmp[64], path[PATH_MAX];
	struct cache c;
	FILE *f;

	fresh(&c, tmp, 2500);
	put(&c, HEX_A, 1000);
	put(&c, HEX_B, 1000);
	put(&c, HEX_C, 1000);
	used_at(&c, HEX_A, 1000);	/* oldest: but pinned */
	used_at(&c, HEX_C, 2000);	/* next: but in use */
	used_at(&c, HEX_B, 3000);
	snprintf(path, sizeof(path), "%s/pinned", tmp);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "%s\n", HEX_A);
	fclose(f);
	CU_ASSERT_EQUAL(cache_evict(&c, c_in_use, NULL), 1);
	CU_ASSERT_EQUAL(cache_check(&c, HEX_A), 0);
	CU_ASSERT_EQUAL(cache_check(&c, HEX_C), 0);
	CU_ASSERT_EQUAL(cache_check(&c, HEX_B), -ENOENT);
	/* Within the bound: nothing goes. */
	CU_ASSERT_EQUAL(cache_evict(&c, NULL, NULL), 0);
	/* Unpinned and idle: the least recently used goes first. */
	unlink(path);
	c.max_bytes = 1500;
	CU_ASSERT_EQUAL(cache_evict(&c, NULL, NULL), 1);
	CU_ASSERT_EQUAL(cache_check(&c, HEX_A), -ENOENT);
	CU_ASSERT_EQUAL(cache_check(&c, HEX_C), 0);
	cleanup(tmp);
}

/* Servings are counted per (machine, digest); the totals cross to the
 * fetcher as lines and come out the same. */
static void test_tally(void)
{
	static struct cache_tally t, f;
	const struct cache_served *e;
	char line[CACHE_REPORT_LINE_MAX];
	unsigned i;

	memset(&t, 0, sizeof(t));
	memset(&f, 0, sizeof(f));
	CU_ASSERT_PTR_NOT_NULL(cache_tally_add(&t, "n1", HEX_A, 100));
	CU_ASSERT_PTR_NOT_NULL(cache_tally_add(&t, "10.0.0.7", HEX_A, 100));
	e = cache_tally_add(&t, "n1", HEX_A, 100);
	CU_ASSERT_FATAL(e != NULL);
	CU_ASSERT_EQUAL(e->count, 2);
	CU_ASSERT_EQUAL(e->bytes, 200);
	CU_ASSERT_EQUAL(t.n, 2);
	CU_ASSERT_FATAL(cache_report_line(e, line, sizeof(line)) > 0);
	CU_ASSERT_STRING_EQUAL(line, "served " HEX_A " n1 2 200\n");
	line[strlen(line) - 1] = '\0';
	CU_ASSERT_EQUAL(cache_tally_parse(&f, line), 0);
	CU_ASSERT_EQUAL(cache_tally_parse(&f, line), 0);	/* totals */
	CU_ASSERT_EQUAL(f.n, 1);
	CU_ASSERT_EQUAL(f.e[0].count, 2);
	CU_ASSERT_STRING_EQUAL(f.e[0].who, "n1");
	/* what could break a line or the JSON is no machine */
	CU_ASSERT_PTR_NULL(cache_tally_add(&t, "a\"b", HEX_A, 1));
	CU_ASSERT_PTR_NULL(cache_tally_add(&t, "", HEX_A, 1));
	CU_ASSERT_PTR_NULL(cache_tally_add(&t, "n1", "xyz", 1));
	CU_ASSERT_EQUAL(cache_tally_parse(&f, "served " HEX_A " n1 2"), -EINVAL);
	CU_ASSERT_EQUAL(cache_tally_parse(&f, "served " HEX_A " n\"1 2 3"),
			-EINVAL);
	CU_ASSERT_EQUAL(cache_tally_parse(&f, "served " HEX_A " n1 -2 3"),
			-EINVAL);
	CU_ASSERT_EQUAL(cache_tally_parse(&f, "served " HEX_A " n1 2 3 4"),
			-EINVAL);
	/* bounded: past the table, counted as unlisted */
	for (i = 0; i < CACHE_REPORT_SERVED_MAX + 5; i++) {
		char who[16];

		snprintf(who, sizeof(who), "m%u", i);
		cache_tally_add(&t, who, HEX_B, 1);
	}
	CU_ASSERT_EQUAL(t.n, CACHE_REPORT_SERVED_MAX);
	CU_ASSERT_EQUAL(t.unlisted, 7);
}

static const CU_TestInfo test_agent_cache_tests[] = {
	{ "artifact targets pinned by digest", test_targets },
	{ "anything else is not the cache's", test_refused },
	{ "servings counted per machine, passed as totals", test_tally },
	{ "a changed file or .sig is noticed and dropped", test_tamper },
	{ "LRU eviction spares pinned and in-use entries", test_evict },
	CU_TEST_INFO_NULL,
};

static int suite_agent_cache_register(void)
{
	return unit_add_suite("agent_cache", NULL, NULL,
			      test_agent_cache_tests);
}

UNIT_SUITE(suite_agent_cache_register)
