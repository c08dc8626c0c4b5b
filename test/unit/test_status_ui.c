/* test_status_ui.c: the console's pure parts (ui.c): which compiled-in
 * file a path names, the files' ETags, and If-None-Match. */
#include <string.h>

#include "ui_int.h"
#include "unit.h"

/* Exact names only; "" is the page; nothing outside the table. */
static void test_find(void)
{
	const struct ui_asset *a = ui_asset_find("");

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(a->name, "index.html");
	CU_ASSERT_PTR_EQUAL(ui_asset_find("index.html"), a);
	CU_ASSERT_STRING_EQUAL(ui_asset_find("app.js")->type,
			       "text/javascript; charset=utf-8");
	CU_ASSERT_STRING_EQUAL(ui_asset_find("app.css")->type,
			       "text/css; charset=utf-8");
	CU_ASSERT_PTR_NOT_NULL(ui_asset_find("favicon.svg"));
	CU_ASSERT_PTR_NULL(ui_asset_find(NULL));
	CU_ASSERT_PTR_NULL(ui_asset_find("app.js/"));
	CU_ASSERT_PTR_NULL(ui_asset_find("../podboot.conf"));
	CU_ASSERT_PTR_NULL(ui_asset_find("./app.js"));
	CU_ASSERT_PTR_NULL(ui_asset_find("APP.JS"));
	CU_ASSERT_PTR_NULL(ui_asset_find("index.htm"));
}

/* The files are built in whole: the page names its script and style,
 * which carry no inline HTML; each ETag is the quoted SHA-256. */
static void test_content(void)
{
	const struct ui_asset *page = ui_asset_find("");
	const struct ui_asset *js = ui_asset_find("app.js");

	CU_ASSERT_FATAL(page->len > 100 && js->len > 1000);
	CU_ASSERT_PTR_NOT_NULL(memmem(page->data, page->len,
				      "<script src=\"app.js\"", 19));
	CU_ASSERT_PTR_NOT_NULL(memmem(page->data, page->len,
				      "href=\"app.css\"", 14));
	CU_ASSERT_PTR_NULL(memmem(page->data, page->len, "<style", 6));
	CU_ASSERT_EQUAL(strlen(js->etag), 66);
	CU_ASSERT_EQUAL(js->etag[0], '"');
	CU_ASSERT_EQUAL(js->etag[65], '"');
	CU_ASSERT_EQUAL(strspn(js->etag + 1, "0123456789abcdef"), 64);
	CU_ASSERT_STRING_NOT_EQUAL(js->etag, page->etag);
}

/* If-None-Match: the value, a list member, W/, or "*"; not a prefix. */
static void test_etag(void)
{
	const char *e = "\"abc\"";

	CU_ASSERT_TRUE(ui_etag_matches("\"abc\"", e));
	CU_ASSERT_TRUE(ui_etag_matches("W/\"abc\"", e));
	CU_ASSERT_TRUE(ui_etag_matches("\"x\", \"abc\"", e));
	CU_ASSERT_TRUE(ui_etag_matches("*", e));
	CU_ASSERT_FALSE(ui_etag_matches(NULL, e));
	CU_ASSERT_FALSE(ui_etag_matches("", e));
	CU_ASSERT_FALSE(ui_etag_matches("\"ab\"", e));
	CU_ASSERT_FALSE(ui_etag_matches("\"abc\"x", e));
	CU_ASSERT_FALSE(ui_etag_matches("abc", e));
}

static const CU_TestInfo tests[] = {
	{ "files: exact names only", test_find },
	{ "files: built in whole, ETag is the SHA-256", test_content },
	{ "If-None-Match: value, list, weak, any", test_etag },
	CU_TEST_INFO_NULL,
};

/* Register the suite "status_ui". */
static int suite_status_ui_register(void)
{
	return unit_add_suite("status_ui", NULL, NULL, tests);
}

UNIT_SUITE(suite_status_ui_register)
