/* test_agent_url.c: the agent's upstream base URLs: https only, a strict
 * host, port and path grammar, and bounded. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "unit.h"
#include "error.h"
#include "../../agent/url.h"

static void test_parts(void)
{
	struct url u;

	CU_ASSERT_EQUAL_FATAL(url_parse(&u, "https://boot.example.net"), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "boot.example.net");
	CU_ASSERT_STRING_EQUAL(u.port, "443");
	CU_ASSERT_STRING_EQUAL(u.path, "");
	CU_ASSERT_STRING_EQUAL(u.authority, "boot.example.net");
	CU_ASSERT_EQUAL(u.family, 0);

	CU_ASSERT_EQUAL_FATAL(url_parse(&u, "https://boot.example.net:8443"
					    "/pods/a_b~c-d.e//"), 0);
	CU_ASSERT_STRING_EQUAL(u.text, "https://boot.example.net:8443"
				       "/pods/a_b~c-d.e");
	CU_ASSERT_STRING_EQUAL(u.port, "8443");
	CU_ASSERT_STRING_EQUAL(u.path, "/pods/a_b~c-d.e");
	CU_ASSERT_STRING_EQUAL(u.authority, "boot.example.net:8443");

	CU_ASSERT_EQUAL_FATAL(url_parse(&u, "https://127.0.0.1:1"), 0);
	CU_ASSERT_EQUAL(u.family, AF_INET);
	CU_ASSERT(memcmp(u.addr, "\x7f\0\0\x01", 4) == 0);
	CU_ASSERT_STRING_EQUAL(u.port, "1");

	CU_ASSERT_EQUAL_FATAL(url_parse(&u, "https://[::1]:65535/x"), 0);
	CU_ASSERT_EQUAL(u.family, AF_INET6);
	CU_ASSERT_STRING_EQUAL(u.host, "::1");
	CU_ASSERT_STRING_EQUAL(u.authority, "[::1]:65535");
	CU_ASSERT_STRING_EQUAL(u.port, "65535");
	CU_ASSERT_EQUAL(u.addr[15], 1);
}

static void test_refused(void)
{
	static const char *const bad[] = {
		"", "https", "https://", "https:///pods", "http://host",
		"HTTPS://host", "ftp://host", "https//host", " https://host",
		"https://host:", "https://host:0", "https://host:65536",
		"https://host:99999999999999999999", "https://host:-1",
		"https://host:+443", "https://host:44 3", "https://host:a",
		"https://host:443:443", "https://user@host",
		"https://user:pw@host", "https://host/p?q=1",
		"https://host/p#f",
		"https://host/a b", "https://host/%2e%2e", "https://host/a\\b",
		"https://ho st", "https://host\n", "https://-host",
		"https://host..net", "https://[::1", "https://[::1]x",
		"https://[::1]:", "https://[zz::1]", "https://[127.0.0.1]",
		"https://::1", "https://[]",
	};
	struct url u;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = url_parse(&u, bad[i]);

		if (rc != -PB_EBAD_NAME)
			fprintf(stderr, "\nurl_parse(\"%s\") = %d\n", bad[i],
				rc);
		CU_ASSERT_EQUAL(rc, -PB_EBAD_NAME);
	}
}

static void test_bounded(void)
{
	char text[URL_MAX + 2];

	/* URL_MAX bytes are taken; one more is too long. */
	memset(text, 'a', sizeof(text));
	memcpy(text, "https://h/", 10);
	text[URL_MAX] = '\0';
	CU_ASSERT_EQUAL(url_parse(&(struct url){ 0 }, text), 0);
	text[URL_MAX] = 'a';
	text[URL_MAX + 1] = '\0';
	CU_ASSERT_EQUAL(url_parse(&(struct url){ 0 }, text), -PB_ETOOBIG);
}

static const CU_TestInfo test_agent_url_tests[] = {
	{ "host, port, path and authority", test_parts },
	{ "malformed and ambiguous URLs are refused", test_refused },
	{ "at most URL_MAX bytes", test_bounded },
	CU_TEST_INFO_NULL,
};

static int suite_agent_url_register(void)
{
	return unit_add_suite("agent_url", NULL, NULL, test_agent_url_tests);
}

UNIT_SUITE(suite_agent_url_register)
