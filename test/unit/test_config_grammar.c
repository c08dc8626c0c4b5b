/* test_config_grammar.c: the grammars of hostile input: MAC, UUID,
 * serial, names, artifact names. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "fileio.h"
#include "test_config.h"
#include "token.h"
#include "unit.h"

/* ---- Grammars ---- */

static void test_mac(void)
{
	static const char *const bad[] = {
		"", "52:54:00:ab:cd", "52:54:00:ab:cd:ef:01",
		"52:54-00:ab:cd:ef", "52:54:00:ab:cd:eg", "5254.00ab.cdef",
		" 52:54:00:ab:cd:ef", "52:54:00:ab:cd:ef ", "525400abcdef0",
		"525400abcde", "52:54:00:ab:cd:ef\n", "52_54_00_ab_cd_ef",
		"5:254:00:ab:cd:ef", "+2:54:00:ab:cd:ef", "52:54:00:ab:cd:e",
		"52::54:00:ab:cd:e", "0x5254:00ab:cdef", "52:54:00:ab:cd:\xff\xff",
		"525400ABCDEF/../", NULL,
	};
	char out[18];
	size_t i;

	CU_ASSERT_EQUAL(config_mac_normalise("52:54:00:AB:cd:EF", out), 0);
	CU_ASSERT_STRING_EQUAL(out, "52:54:00:ab:cd:ef");
	CU_ASSERT_EQUAL(config_mac_normalise("52-54-00-AB-CD-EF", out), 0);
	CU_ASSERT_STRING_EQUAL(out, "52:54:00:ab:cd:ef");
	CU_ASSERT_EQUAL(config_mac_normalise("525400abCDef", out), 0);
	CU_ASSERT_STRING_EQUAL(out, "52:54:00:ab:cd:ef");
	CU_ASSERT_EQUAL(config_mac_normalise("01:23:45:67:89:AB", out), 0);
	CU_ASSERT_STRING_EQUAL(out, "01:23:45:67:89:ab");
	for (i = 0; bad[i]; i++) {
		strcpy(out, "x");
		CU_ASSERT_EQUAL(config_mac_normalise(bad[i], out),
				-PB_EBAD_NAME);
		CU_ASSERT_STRING_EQUAL(out, "");
	}
	CU_ASSERT_EQUAL(config_mac_normalise(NULL, out), -PB_EBAD_NAME);
}

static void test_uuid(void)
{
	static const char *const bad[] = {
		"", "0123abcd456789abcdef0123456789ab",
		"{0123abcd-4567-89ab-cdef-0123456789ab}",
		"0123abcd-4567-89ab-cdef-0123456789a",
		"0123abcd-4567-89ab-cdef-0123456789abc",
		"0123abcd-4567-89ab-cdef-0123456789ag",
		"0123abc-d4567-89ab-cdef-0123456789ab",
		"0123abcd_4567_89ab_cdef_0123456789ab",
		"0123abcd-4567-89ab-cdef-0123456789a\n",
		" 0123abcd-4567-89ab-cdef-0123456789a",
		"0123abcd-4567-89ab-cdef-../../../etc", NULL,
	};
	char out[37];
	size_t i;

	CU_ASSERT_EQUAL(config_uuid_normalise(
				"0123ABCD-4567-89AB-cdef-0123456789aB", out), 0);
	CU_ASSERT_STRING_EQUAL(out, UUID1);
	for (i = 0; bad[i]; i++) {
		CU_ASSERT_EQUAL(config_uuid_normalise(bad[i], out),
				-PB_EBAD_NAME);
		CU_ASSERT_STRING_EQUAL(out, "");
	}
	CU_ASSERT_EQUAL(config_uuid_normalise(NULL, out), -PB_EBAD_NAME);
}

/* @valid accepts each of @good, refuses each of @bad and NULL, and takes
 * @max bytes of @c but not one more. */
static void test_grammar(int (*valid)(const char *), const char *const *good,
			 const char *const *bad, char c, size_t max)
{
	char buf[256];

	for (; *good; good++)
		CU_ASSERT_EQUAL(valid(*good), 0);
	for (; *bad; bad++)
		CU_ASSERT_EQUAL(valid(*bad), -PB_EBAD_NAME);
	CU_ASSERT_EQUAL(valid(NULL), -PB_EBAD_NAME);
	CU_ASSERT_FATAL(max + 2 <= sizeof(buf));
	memset(buf, c, max);
	buf[max] = '\0';
	CU_ASSERT_EQUAL(valid(buf), 0);
	buf[max] = c;
	buf[max + 1] = '\0';
	CU_ASSERT_EQUAL(valid(buf), -PB_EBAD_NAME);
}

static void test_serial(void)
{
	static const char *const good[] = {
		"ABC-123_x.9", "...", "0", NULL,
	};
	static const char *const bad[] = {
		"", "a b", "a/b", "../x", "a;b", "a\"b", "a\nb", "a$b",
		"caf\xc3\xa9", "a:b", "a%00", NULL,
	};

	test_grammar(config_serial_valid, good, bad, 'S', 64);
}

static void test_name(void)
{
	static const char *const good[] = {
		"a", "demo-1", "0rack.1_b", "rack-1.dc2", "a..b", NULL,
	};
	static const char *const bad[] = {
		"", "Demo", "-a", ".a", "_a", "a/b", "a b", "..", ".", "a\x01",
		"a:b", "a@b", "a*", "\xc3\xa9", "a\\b", "a\n", NULL,
	};

	test_grammar(config_name_valid, good, bad, 'n', CONFIG_NAME_MAX - 1);
}

static void test_artifact_name(void)
{
	static const char *const good[] = {
		"vmlinuz", "el9/vmlinuz", "El9/x86_64/initrd.img",
		"a+b-c.d_e", "a/b/c/d", "9", "a..b", "a/b.", NULL,
	};
	static const char *const bad[] = {
		"", "../x", "a/../x", "a/..", "..", ".", "./a", "a/./b",
		"a//b", "/abs", "a/", "/", ".hidden", "a/.x", "a@sha256:00",
		"a b", "a\\b", "a:b", "a%2fb", "a?b", "a#b", "a*", "*", "-a",
		"a/-b", "_a", "a\nb", "a\tb", "caf\xc3\xa9", "a;b", "a'b",
		"a\"b", "a$b", "a|b", "~a", NULL,
	};

	test_grammar(config_artifact_name_valid, good, bad, 'a', 128);
}

static const CU_TestInfo tests[] = {
	{ "MAC grammar", test_mac },
	{ "UUID grammar", test_uuid },
	{ "serial grammar", test_serial },
	{ "name grammar", test_name },
	{ "artifact name grammar", test_artifact_name },
	CU_TEST_INFO_NULL,
};

static int suite_config_grammar_register(void)
{
	return unit_add_suite("config_grammar", NULL, NULL, tests);
}

UNIT_SUITE(suite_config_grammar_register)
