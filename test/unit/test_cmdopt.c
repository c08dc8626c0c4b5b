/* test_cmdopt.c: lib/cmdopt's option tables: lookup, storing by kind,
 * getopt_long() over a table, and the help lines. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "cmdopt.h"
#include "error.h"

struct t_opts {
	const char *out;
	char buf[8];
	unsigned n;
	int flag;
	int calls;
};

/* A row's call: counts, refuses "bad". */
static int t_call(void *opts, const char *arg)
{
	struct t_opts *o = opts;

	o->calls++;
	return strcmp(arg, "bad") == 0 ? -PB_EUSAGE : 0;
}

static const struct cmdopt t_table[] = {
	{ .name = "output", .letter = 'o', .kind = CMDOPT_STR, .arg = "F",
	  .off = offsetof(struct t_opts, out), .help = "where" },
	{ .name = "buf", .kind = CMDOPT_BUF, .arg = "S",
	  CMDOPT_AT(struct t_opts, buf) },
	{ .name = "num", .kind = CMDOPT_UINT, .arg = "N", .min = 2,
	  .max = 9, .off = offsetof(struct t_opts, n) },
	{ .name = "flag", .kind = CMDOPT_FLAG,
	  .off = offsetof(struct t_opts, flag) },
	{ .name = "call", .kind = CMDOPT_CALL, .arg = "X", .call = t_call },
	{ .name = "file-only", .kind = CMDOPT_FLAG, .where = CMDOPT_FILE,
	  .off = offsetof(struct t_opts, flag) },
	{ .name = "help", .letter = 'h', .kind = CMDOPT_HELP },
};

#define T_N (sizeof(t_table) / sizeof(t_table[0]))

static int t_usage_calls;

/* The usage callback: counted, printed nowhere. */
static void t_usage(FILE *out)
{
	(void)out;
	t_usage_calls++;
}

/* Run cmdopt_getopt() over the NULL-ended @args (argv[0] "t"). */
static int t_parse(struct t_opts *o, int *first, const char **args)
{
	char *argv[16];
	int argc = 0;

	argv[argc++] = "t";
	while (*args && argc < 15)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	return cmdopt_getopt(t_table, T_N, o, argc, argv, t_usage, first);
}

static void test_find(void)
{
	CU_ASSERT_PTR_EQUAL(cmdopt_find(t_table, T_N, "num", 3, 0),
			    &t_table[2]);
	CU_ASSERT_PTR_EQUAL(cmdopt_find(t_table, T_N, NULL, 0, 'o'),
			    &t_table[0]);
	CU_ASSERT_PTR_NULL(cmdopt_find(t_table, T_N, "nu", 2, 0));
	CU_ASSERT_PTR_NULL(cmdopt_find(t_table, T_N, NULL, 0, 'x'));
}

static void test_store(void)
{
	struct t_opts o = { 0 };

	CU_ASSERT_EQUAL(cmdopt_store(&t_table[1], &o, "1234567"), 0);
	CU_ASSERT_STRING_EQUAL(o.buf, "1234567");
	CU_ASSERT_EQUAL(cmdopt_store(&t_table[1], &o, "12345678"),
			-PB_ETOOBIG);
	CU_ASSERT_EQUAL(cmdopt_store(&t_table[1], &o, ""), -EINVAL);
	CU_ASSERT_EQUAL(cmdopt_store(&t_table[2], &o, "9"), 0);
	CU_ASSERT_EQUAL(o.n, 9);
	CU_ASSERT_NOT_EQUAL(cmdopt_store(&t_table[2], &o, "10"), 0);
	CU_ASSERT_NOT_EQUAL(cmdopt_store(&t_table[2], &o, "1"), 0);
	CU_ASSERT_NOT_EQUAL(cmdopt_store(&t_table[2], &o, "3x"), 0);
	CU_ASSERT_EQUAL(o.n, 9);
}

static void test_getopt(void)
{
	struct t_opts o;
	int first = 0;

	CU_ASSERT_EQUAL(t_parse(&o, &first, (const char *[]){ "A", "-o",
		"x", "--num", "5", "--flag", "--call", "y", "B", NULL }), 0);
	CU_ASSERT_STRING_EQUAL(o.out, "x");
	CU_ASSERT_EQUAL(o.n, 5);
	CU_ASSERT_EQUAL(o.flag, 1);
	CU_ASSERT_EQUAL(o.calls, 1);
	/* getopt_long() permutes: both operands are left at the end. */
	CU_ASSERT_EQUAL(first, 8);
}

static void test_getopt_refused(void)
{
	struct t_opts o;
	int first = 0;

	t_usage_calls = 0;
	CU_ASSERT_EQUAL(t_parse(&o, &first, (const char *[]){ "--nope",
							       NULL }),
			-PB_EUSAGE);
	CU_ASSERT_EQUAL(t_usage_calls, 1);
	/* A settings-file row is no command-line option. */
	CU_ASSERT_EQUAL(t_parse(&o, &first, (const char *[]){ "--file-only",
							       NULL }),
			-PB_EUSAGE);
	CU_ASSERT_EQUAL(t_parse(&o, &first, (const char *[]){ "--num",
							       NULL }),
			-PB_EUSAGE);
	CU_ASSERT_EQUAL(t_usage_calls, 3);
	/* A row's own refusal is returned, with no usage. */
	CU_ASSERT_EQUAL(t_parse(&o, &first, (const char *[]){
				"--call", "bad", "--flag", NULL }),
			-PB_EUSAGE);
	CU_ASSERT_EQUAL(o.flag, 0);
	CU_ASSERT_NOT_EQUAL(t_parse(&o, &first, (const char *[]){ "--num",
								   "1", NULL }),
			    0);
	CU_ASSERT_EQUAL(t_usage_calls, 3);
	CU_ASSERT_EQUAL(t_parse(&o, &first, (const char *[]){ "-h", NULL }),
			CMDOPT_HELP_SHOWN);
	CU_ASSERT_EQUAL(t_usage_calls, 4);
}

static void test_usage(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	cmdopt_usage(f, t_table, 2);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(text,
			       "  -o, --output F                 where\n"
			       "    --buf S                      \n");
	free(text);
}

static void test_usage_list(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	cmdopt_usage_list(f, t_table, 2);
	fclose(f);
	/* a row without help ends at its argument: no trailing blanks */
	CU_ASSERT_STRING_EQUAL(text,
			       "  -o, --output F                 where\n"
			       "    --buf S\n");
	free(text);
}

static const CU_TestInfo test_cmdopt_tests[] = {
	{ "rows found by name or letter", test_find },
	{ "values stored by kind, bounded", test_store },
	{ "getopt_long over a table", test_getopt },
	{ "unknown, missing and refused values", test_getopt_refused },
	{ "help lines from the table", test_usage },
	{ "an options list from the table", test_usage_list },
	CU_TEST_INFO_NULL,
};

static int suite_cmdopt_register(void)
{
	return unit_add_suite("cmdopt", NULL, NULL, test_cmdopt_tests);
}

UNIT_SUITE(suite_cmdopt_register)
