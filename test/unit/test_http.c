/* test_http.c: the HTTP front's decisions: route matching over tables,
 * the code of a status, request framing, the plain listener's Host check. */
#include <errno.h>
#include <string.h>

#include "unit.h"
#include "http.h"
#include "http_int.h"

static const struct http_route t_boot[] = {
	{ .method = "GET", .prefix = "/boot/", .plain_ok = 1 },
	{ .method = "GET", .prefix = "/healthz", .exact = 1 },
	{ .method = NULL, .prefix = NULL },
};

static const struct http_route t_api[] = {
	{ .method = "POST", .prefix = "/api/v1/nodes/" },
	{ .method = "GET", .prefix = "/api/v1/nodes/" },
	{ .method = "GET", .prefix = "/boot/shadowed" },
	{ .method = NULL, .prefix = NULL },
};

static const struct http_route *const t_tables[] = { t_boot, t_api, NULL };

/* The route of @method @path; *@wrong as http_route_find() sets it. */
static const struct http_route *t_find(const char *method, const char *path,
				       int *wrong)
{
	return http_route_find(t_tables, method, path, wrong);
}

static void test_route_find(void)
{
	int wrong = 7;

	CU_ASSERT_PTR_EQUAL(t_find("GET", "/boot/x.ipxe", &wrong), &t_boot[0]);
	CU_ASSERT_EQUAL(wrong, 0);
	/* HEAD is served by a GET route; the first table wins. */
	CU_ASSERT_PTR_EQUAL(t_find("HEAD", "/boot/shadowed", &wrong),
			    &t_boot[0]);
	/* Exact routes match the whole path only. */
	CU_ASSERT_PTR_EQUAL(t_find("GET", "/healthz", &wrong), &t_boot[1]);
	CU_ASSERT_PTR_NULL(t_find("GET", "/healthzz", &wrong));
	CU_ASSERT_EQUAL(wrong, 0);
	/* Same prefix, the route of the method. */
	CU_ASSERT_PTR_EQUAL(t_find("GET", "/api/v1/nodes/a", &wrong),
			    &t_api[1]);
	CU_ASSERT_PTR_EQUAL(t_find("POST", "/api/v1/nodes/a", &wrong),
			    &t_api[0]);
	/* The path is known, the method is not: 405, not 404. */
	CU_ASSERT_PTR_NULL(t_find("DELETE", "/api/v1/nodes/a", &wrong));
	CU_ASSERT_EQUAL(wrong, 1);
	CU_ASSERT_PTR_NULL(t_find("POST", "/healthz", &wrong));
	CU_ASSERT_EQUAL(wrong, 1);
	CU_ASSERT_PTR_NULL(t_find("GET", "/nothing", &wrong));
	CU_ASSERT_EQUAL(wrong, 0);
	/* HEAD reaches the GET route, never the POST one before it. */
	CU_ASSERT_PTR_EQUAL(t_find("HEAD", "/api/v1/nodes/", &wrong),
			    &t_api[1]);
}

/* A '*' in a prefix is one whole path segment; nothing else is special. */
static void test_prefix_wildcard(void)
{
	const char *bmc = "/api/v1/nodes/*/bmc/";

	CU_ASSERT_EQUAL(http_prefix_match(bmc, "/api/v1/nodes/n1/bmc/on"),
			strlen("/api/v1/nodes/n1/bmc/"));
	CU_ASSERT_EQUAL(http_prefix_match(bmc, "/api/v1/nodes/n1/bmc/"),
			strlen("/api/v1/nodes/n1/bmc/"));
	/* Never an empty segment, a slash, or a step up. */
	CU_ASSERT_EQUAL(http_prefix_match(bmc, "/api/v1/nodes//bmc/on"), 0);
	CU_ASSERT_EQUAL(http_prefix_match(bmc, "/api/v1/nodes/a/b/bmc/on"), 0);
	CU_ASSERT_EQUAL(http_prefix_match(bmc, "/api/v1/nodes/../bmc/on"), 0);
	CU_ASSERT_EQUAL(http_prefix_match(bmc, "/api/v1/nodes/./bmc/on"), 0);
	CU_ASSERT_EQUAL(http_prefix_match(bmc, "/api/v1/nodes/..a/bmc/"),
			strlen("/api/v1/nodes/..a/bmc/"));
	CU_ASSERT_EQUAL(http_prefix_match(bmc, "/api/v1/nodes/n1/rearm"), 0);
	CU_ASSERT_EQUAL(http_prefix_match(bmc, "/api/v1/nodes/n1"), 0);
	/* Plain prefixes as before; an empty prefix matches nothing. */
	CU_ASSERT_EQUAL(http_prefix_match("/boot/", "/boot/x"), 6);
	CU_ASSERT_EQUAL(http_prefix_match("/boot/", "/boo"), 0);
	CU_ASSERT_EQUAL(http_prefix_match("", "/boot/x"), 0);
}

static void test_status_rc(void)
{
	CU_ASSERT_EQUAL(http_status_rc(400), -EINVAL);
	CU_ASSERT_EQUAL(http_status_rc(421), -EINVAL);
	CU_ASSERT_EQUAL(http_status_rc(401), -EACCES);
	CU_ASSERT_EQUAL(http_status_rc(403), -EACCES);
	CU_ASSERT_EQUAL(http_status_rc(404), -ENOENT);
	CU_ASSERT_EQUAL(http_status_rc(410), -ENOENT);
	CU_ASSERT_EQUAL(http_status_rc(409), -EBUSY);
	CU_ASSERT_EQUAL(http_status_rc(413), -EFBIG);
	CU_ASSERT_EQUAL(http_status_rc(429), -EAGAIN);
	CU_ASSERT_EQUAL(http_status_rc(503), -EAGAIN);
	CU_ASSERT_EQUAL(http_status_rc(500), -EIO);
	CU_ASSERT_EQUAL(http_status_rc(502), -EIO);
}

/* The fault of a request with the NULL-ended key, value pairs @kv. */
static const char *t_fault(const char *const *kv, int nul)
{
	struct http_framing f = { 0, 0, 0, 0 };

	for (; kv[0]; kv += 2)
		http_framing_add(&f, kv[0], kv[1]);
	return http_framing_fault_of(&f, nul);
}

static void test_framing(void)
{
	const char *r;

	CU_ASSERT_PTR_NULL(t_fault((const char *[]){ NULL }, 0));
	CU_ASSERT_PTR_NULL(t_fault((const char *[]){ "Content-Length", "12",
						      "Host", "a", NULL }, 0));
	CU_ASSERT_PTR_NULL(t_fault((const char *[]){ "transfer-encoding",
						      "Chunked", NULL }, 0));
	r = t_fault((const char *[]){ "Content-Length", "1", "content-length",
				      "1", NULL }, 0);
	CU_ASSERT_STRING_EQUAL(r, "more than one Content-Length");
	r = t_fault((const char *[]){ "Content-Length", "1",
				      "Transfer-Encoding", "chunked", NULL },
		    0);
	CU_ASSERT_STRING_EQUAL(r, "Content-Length and Transfer-Encoding "
				  "together");
	r = t_fault((const char *[]){ "Content-Length", "+1", NULL }, 0);
	CU_ASSERT_STRING_EQUAL(r, "Content-Length is not a decimal number");
	r = t_fault((const char *[]){ "Content-Length", "", NULL }, 0);
	CU_ASSERT_STRING_EQUAL(r, "Content-Length is not a decimal number");
	r = t_fault((const char *[]){ "Content-Length",
				      "12345678901234567890", NULL }, 0);
	CU_ASSERT_STRING_EQUAL(r, "Content-Length is not a decimal number");
	CU_ASSERT_PTR_NULL(t_fault((const char *[]){ "Content-Length",
			"1234567890123456789", NULL }, 0));
	r = t_fault((const char *[]){ "Transfer-Encoding", "gzip, chunked",
				      NULL }, 0);
	CU_ASSERT_STRING_EQUAL(r, "Transfer-Encoding other than one "
				  "'chunked'");
	r = t_fault((const char *[]){ "Transfer-Encoding", "chunked",
				      "Transfer-Encoding", "chunked", NULL },
		    0);
	CU_ASSERT_STRING_EQUAL(r, "Transfer-Encoding other than one "
				  "'chunked'");
	r = t_fault((const char *[]){ NULL }, 1);
	CU_ASSERT_STRING_EQUAL(r, "%00 in the request target");
}

static void test_host(void)
{
	const char *url = "http://Boot.Example:8080/x";

	CU_ASSERT_TRUE(http_host_matches("boot.example:8080", url));
	CU_ASSERT_FALSE(http_host_matches("boot.example", url));
	CU_ASSERT_FALSE(http_host_matches("boot.example:80800", url));
	CU_ASSERT_FALSE(http_host_matches("evil.example:8080", url));
	CU_ASSERT_FALSE(http_host_matches(NULL, url));
	CU_ASSERT_FALSE(http_host_matches("boot.example:8080", "no-scheme"));
	/* No port in the URL: 80, said or not. */
	CU_ASSERT_TRUE(http_host_matches("boot.example",
					 "http://boot.example"));
	CU_ASSERT_TRUE(http_host_matches("boot.example:80",
					 "http://boot.example/"));
	CU_ASSERT_FALSE(http_host_matches("boot.example:81",
					  "http://boot.example/"));
	CU_ASSERT_TRUE(http_host_matches("[::1]", "http://[::1]/"));
	CU_ASSERT_FALSE(http_host_matches("[::1]:80x", "http://[::1]/"));
}

static const CU_TestInfo test_http_tests[] = {
	{ "routes: first match, HEAD as GET, 405 versus 404", test_route_find },
	{ "a '*' in a prefix: one whole segment", test_prefix_wildcard },
	{ "a status's negative code", test_status_rc },
	{ "ambiguous framing named, sound framing passes", test_framing },
	{ "the plain listener's Host check", test_host },
	CU_TEST_INFO_NULL,
};

static int suite_http_register(void)
{
	return unit_add_suite("http", NULL, NULL, test_http_tests);
}

UNIT_SUITE(suite_http_register)
