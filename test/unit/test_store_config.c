/* test_store_config.c: the store setting: server.store, a URL or a
 * group; a PostgreSQL URL with no password in it, ever. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "test_config.h"
#include "unit.h"

/* A server group with @store_line inside it, and @tail after it. */
static void test_store_conf(char *out, size_t size, const char *store_line,
			    const char *tail)
{
	snprintf(out, size,
		 "server = { base_url = \"https://h\"; " T_PATHS
		 "data_dir = \"d\";\n%s };\n%s",
		 store_line, tail);
}

/* @text is refused at line 2 for holding a password, and the message
 * does not repeat it. */
static void test_store_password_refused(const char *text)
{
	struct config *cfg = NULL;
	char path[PATH_MAX], err[CONFIG_ERR_MAX];

	test_config_refused(text, 2, "holds a password");
	test_config_write("pw.conf", text, path, sizeof(path));
	CU_ASSERT_EQUAL(config_load(path, &cfg, err, sizeof(err)),
			-PB_ECONFIG);
	CU_ASSERT_PTR_NULL(strstr(err, "hunter2"));
	config_free(cfg);
}

static void test_store_setting(void)
{
	char text[1024];
	struct config *cfg;

	/* Absent: SQLite in data_dir, as before. */
	test_store_conf(text, sizeof(text), "", "");
	cfg = test_config_ok("none.conf", text);
	CU_ASSERT_STRING_EQUAL(cfg->store_url, "");
	config_free(cfg);
	test_store_conf(text, sizeof(text),
			"store = \"postgresql://podboot@db/podboot\";", "");
	cfg = test_config_ok("server.conf", text);
	CU_ASSERT_STRING_EQUAL(cfg->store_url,
			       "postgresql://podboot@db/podboot");
	config_free(cfg);
	test_store_conf(text, sizeof(text),
			"store = { url = \"postgres://db:5433/pb\"; "
			"password_file = \"pgpass\"; };", "");
	cfg = test_config_ok("group.conf", text);
	CU_ASSERT_STRING_EQUAL(cfg->store_url, "postgres://db:5433/pb");
	CU_ASSERT_PTR_NOT_NULL(strstr(cfg->store_password_file, "/pgpass"));
	config_free(cfg);
}

static void test_store_refusals(void)
{
	char text[1024];

	test_store_conf(text, sizeof(text),
			"store = \"postgresql://podboot:hunter2@db/pb\";", "");
	test_store_password_refused(text);
	test_store_conf(text, sizeof(text),
			"store = \"postgresql://db/pb?sslmode=require&"
			"Password=hunter2\";", "");
	test_store_password_refused(text);
	test_store_conf(text, sizeof(text),
			"store = \"postgresql://:hunter2@db/pb\";", "");
	test_store_password_refused(text);
	test_store_conf(text, sizeof(text), "store = \"mysql://db/pb\";", "");
	test_config_refused(text, 2, "is not a PostgreSQL URL");
	test_store_conf(text, sizeof(text),
			"store = { url = \"postgresql://u:hunter2@db/pb\"; };",
			"");
	test_store_password_refused(text);
	test_store_conf(text, sizeof(text),
			"store = { password_file = \"pgpass\"; };", "");
	test_config_refused(text, 2, "needs server.store.url");
	test_store_conf(text, sizeof(text), "store = 5;", "");
	test_config_refused(text, 2, "is not a group");
}

static const CU_TestInfo tests[] = {
	{ "server.store, a URL or a group; absent: SQLite",
	  test_store_setting },
	{ "a password in the URL and other URLs refused",
	  test_store_refusals },
	CU_TEST_INFO_NULL,
};

static int suite_store_config_register(void)
{
	return unit_add_suite("store_config", NULL, NULL, tests);
}

UNIT_SUITE(suite_store_config_register)
