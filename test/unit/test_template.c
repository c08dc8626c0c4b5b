/* test_template.c: {{name}} substitution, limits and refusals. */
#include <errno.h>
#include <string.h>

#include "error.h"
#include "template.h"
#include "unit.h"

static const struct template_var vars[] = {
	{ "host", "demo-1" }, { "url", "https://b/ks/t" }, { "empty", "" },
	{ NULL, NULL },
};

static void test_render(void)
{
	char out[128], unknown[64];
	size_t len;

	CU_ASSERT_EQUAL(template_render("ks={{url}} h={{host}}{{empty}}.", vars,
					out, sizeof(out), &len, unknown), 0);
	CU_ASSERT_STRING_EQUAL(out, "ks=https://b/ks/t h=demo-1.");
	CU_ASSERT_EQUAL(len, strlen(out));
	/* iPXE's own settings pass through untouched. */
	CU_ASSERT_EQUAL(template_render("${net0/mac} {{host}}", vars, out,
					sizeof(out), NULL, unknown), 0);
	CU_ASSERT_STRING_EQUAL(out, "${net0/mac} demo-1");
	CU_ASSERT_EQUAL(template_render("", vars, out, sizeof(out), &len,
					unknown), 0);
	CU_ASSERT_EQUAL(len, 0);
}

static void test_refusals(void)
{
	char out[16], unknown[64];

	CU_ASSERT_EQUAL(template_render("a {{nope}} b", vars, out, sizeof(out),
					NULL, unknown), -EINVAL);
	CU_ASSERT_STRING_EQUAL(unknown, "nope");
	CU_ASSERT_EQUAL(template_render("a {{host", vars, out, sizeof(out),
					NULL, unknown), -EINVAL);
	/* Exactly full: 15 characters and the NUL fit; 16 do not. */
	CU_ASSERT_EQUAL(template_render("123456789012345", vars, out,
					sizeof(out), NULL, unknown), 0);
	CU_ASSERT_EQUAL(template_render("1234567890123456", vars, out,
					sizeof(out), NULL, unknown),
			-PB_ETOOBIG);
	CU_ASSERT_EQUAL(template_render("1234567890{{host}}", vars, out,
					sizeof(out), NULL, unknown),
			-PB_ETOOBIG);
}

static const CU_TestInfo tests[] = {
	{ "substitution", test_render },
	{ "unknown names, unterminated, overflow", test_refusals },
	CU_TEST_INFO_NULL,
};

static int suite_template_register(void)
{
	return unit_add_suite("template", NULL, NULL, tests);
}

UNIT_SUITE(suite_template_register)
