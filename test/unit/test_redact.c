/* test_redact.c: secrets cut out of text before it is logged or stored. */
#include <stdio.h>
#include <string.h>

#include "redact.h"
#include "unit.h"

#define HEX64 "0123456789abcdef0123456789abcdef" \
	      "0123456789abcdef0123456789abcdef"

static void redact_check(const char *in, const char *want, size_t n)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", in);
	CU_ASSERT_EQUAL(redact_secrets(buf), n);
	CU_ASSERT_STRING_EQUAL(buf, want);
	if (strcmp(buf, want) != 0)
		fprintf(stderr, "\n    in   %s\n    got  %s\n    want %s\n", in,
			buf, want);
}

static void test_tokens(void)
{
	redact_check("GET /ks/demo-1." HEX64 ": 409 node demo-1 is installed",
		     "GET /ks/demo-1.REDACTED: 409 node demo-1 is installed", 1);
	redact_check("token pbt_" HEX64 " and demo-2." HEX64 "!",
		     "token pbt_REDACTED and demo-2.REDACTED!", 2);
	redact_check("Authorization: Bearer pbt_" HEX64,
		     "Authorization: Bearer pbt_REDACTED", 1);
	/* Upper case and a token cut short by a bounded buffer: still hidden. */
	redact_check("/ks/n.ABCDEF0123456789ABCDEF0123456789",
		     "/ks/n.REDACTED", 1);
	redact_check("/ks/n.0123456789abcdef0123456789abcdef0123",
		     "/ks/n.REDACTED", 1);
}

static void test_not_secrets(void)
{
	/* Digests of artifacts follow '@sha256:', not a dot or pbt_. */
	redact_check("/artifacts/demo-vmlinuz@sha256:" HEX64,
		     "/artifacts/demo-vmlinuz@sha256:" HEX64, 0);
	redact_check("file.sig v1.2.3 192.0.2.1 demo-1.deadbeef",
		     "file.sig v1.2.3 192.0.2.1 demo-1.deadbeef", 0);
	redact_check("pbt_short", "pbt_short", 0);
	/* Messages that name tokens without holding one stay readable. */
	redact_check("missing bearer token (Authorization: Bearer TOKEN)",
		     "missing bearer token (Authorization: Bearer TOKEN)", 0);
	redact_check("", "", 0);
	CU_ASSERT_EQUAL(redact_secrets(NULL), 0);
}

static CU_TestInfo tests[] = {
	{ "bearer and node tokens are replaced", test_tokens },
	{ "digests, versions and short hex stay", test_not_secrets },
	CU_TEST_INFO_NULL,
};

static int suite_redact_register(void)
{
	return unit_add_suite("redact", NULL, NULL, tests);
}

UNIT_SUITE(suite_redact_register)
