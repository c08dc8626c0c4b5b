/* test_core_haproxy.c: server.replicas as the schema checks it, and the
 * haproxy.cfg podboot haproxy renders from it (core/haproxy.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "haproxy.h"
#include "pbuf.h"
#include "test_config.h"
#include "unit.h"

/* A server group with @base and the replicas @repl (a libconfig array). */
static void test_server(char *out, size_t size, const char *base,
			const char *repl)
{
	snprintf(out, size,
		 "server = {\n"
		 "  base_url = \"%s\";\n"
		 "  tls_cert = \"tls.crt\"; tls_key = \"tls.key\";\n"
		 "  codesign_cert = \"cs.crt\"; codesign_key = \"cs.key\";\n"
		 "  root_cert = \"root.crt\"; data_dir = \"data\";\n"
		 "  replicas = %s;\n"
		 "};\n"
		 "profiles = ( { name = \"p\"; kernel = \"k\"; initrd = \"i\"; "
		 "kickstart = \"p.ks\"; } );\n", base, repl);
}

/* Render @cfg with @o into @b (initialised here); the result code. */
static int test_render(const struct config *cfg, const struct haproxy_opts *o,
		       struct pbuf *b, size_t max)
{
	char err[256];

	pbuf_init(b, max);
	return haproxy_render(cfg, o, b, err, sizeof(err));
}

/* Replicas: HOST:PORT, a bracketed IPv6 address; others refused. */
static void test_replicas_grammar(void)
{
	static const char *const bad[] = {
		"[ \"10.0.0.1\" ]", "[ \"10.0.0.1:0\" ]",
		"[ \"10.0.0.1:65536\" ]", "[ \"::1:8443\" ]",
		"[ \"h st:8443\" ]", "[ \":8443\" ]", "[ \"h:84x\" ]",
		"[ \"[::1:8443\" ]",
	};
	char text[1024];
	struct config *cfg;
	size_t i;

	test_server(text, sizeof(text), "https://boot.example.net",
		    "[ \"10.0.0.11:8443\", \"[2001:db8::2]:8443\", "
		    "\"r3.example.net:443\" ]");
	cfg = test_config_ok("replicas.conf", text);
	CU_ASSERT_EQUAL(cfg->n_replicas, 3);
	CU_ASSERT_STRING_EQUAL(cfg->replicas[1], "[2001:db8::2]:8443");
	config_free(cfg);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		test_server(text, sizeof(text), "https://boot.example.net",
			    bad[i]);
		test_config_refused(text, 6, "is not a replica's HOST:PORT");
	}
	test_server(text, sizeof(text), "https://boot.example.net",
		    "[ \"a:1\", \"a:2\", \"a:3\", \"a:4\", \"a:5\", \"a:6\", "
		    "\"a:7\", \"a:8\", \"a:9\", \"a:10\", \"a:11\", \"a:12\", "
		    "\"a:13\", \"a:14\", \"a:15\", \"a:16\", \"a:17\" ]");
	test_config_refused(text, 6, "has 17 entries (at most 16)");
}

/* The rendering: TCP, no certificate of HAProxy's, one server line per
 * replica, checks over TLS against the root for base_url's host. */
static void test_render_replicas(void)
{
	struct haproxy_opts o = { .check_s = 3 };
	char text[1024];
	struct config *cfg;
	struct pbuf b;

	test_server(text, sizeof(text), "https://boot.example.net:9443",
		    "[ \"10.0.0.11:8443\", \"10.0.0.12:8443\" ]");
	cfg = test_config_ok("render.conf", text);
	CU_ASSERT_EQUAL_FATAL(test_render(cfg, &o, &b, 65536), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "    mode tcp\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "    bind :9443\n"));
	CU_ASSERT_PTR_NULL(strstr(b.data, " crt "));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "hdr Host boot.example.net\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "verify required ca-file "));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "/root.crt check-sni "
					      "boot.example.net verifyhost "
					      "boot.example.net inter 3s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "    server replica1 "
					      "10.0.0.11:8443\n"
					      "    server replica2 "
					      "10.0.0.12:8443\n"));
	/* no monitoring frontend unless asked for */
	CU_ASSERT_PTR_NULL(strstr(b.data, "podboot_leader"));
	pbuf_free(&b);
	snprintf(o.listen, sizeof(o.listen), "127.0.0.1:443");
	snprintf(o.monitor, sizeof(o.monitor), "127.0.0.1:9444");
	CU_ASSERT_EQUAL_FATAL(test_render(cfg, &o, &b, 65536), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "    bind 127.0.0.1:443\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "frontend podboot_monitor\n"
					      "    bind 127.0.0.1:9444\n"
					      "    default_backend "
					      "podboot_leader\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "uri /healthz/leader "));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "http-check expect status 200"));
	pbuf_free(&b);
	/* a buffer too small for it: out of memory, nothing half-written
	 * passed off as whole */
	CU_ASSERT_EQUAL(test_render(cfg, &o, &b, 64), -ENOMEM);
	pbuf_free(&b);
	config_free(cfg);
}

/* No replicas: nothing to balance; a base_url without port: 443. */
static void test_render_edges(void)
{
	struct haproxy_opts o = { .check_s = 0 };
	char text[1024];
	struct config *cfg;
	struct pbuf b;

	test_server(text, sizeof(text), "https://[2001:db8::1]", "[ ]");
	cfg = test_config_ok("none.conf", text);
	CU_ASSERT_EQUAL(test_render(cfg, &o, &b, 65536), -EINVAL);
	pbuf_free(&b);
	config_free(cfg);
	test_server(text, sizeof(text), "https://[2001:db8::1]",
		    "[ \"[2001:db8::2]:8443\" ]");
	cfg = test_config_ok("v6.conf", text);
	CU_ASSERT_EQUAL_FATAL(test_render(cfg, &o, &b, 65536), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "    bind :443\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "inter 2s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "server replica1 "
					      "[2001:db8::2]:8443\n"));
	pbuf_free(&b);
	config_free(cfg);
}

static const CU_TestInfo tests[] = {
	{ "server.replicas: HOST:PORT, at most 16", test_replicas_grammar },
	{ "haproxy.cfg: TCP, checks over TLS, monitoring to the leader",
	  test_render_replicas },
	{ "no replicas refused; default port and IPv6", test_render_edges },
	CU_TEST_INFO_NULL,
};

/* Register the core_haproxy suite. */
static int suite_core_haproxy_register(void)
{
	return unit_add_suite("core_haproxy", NULL, NULL, tests);
}

UNIT_SUITE(suite_core_haproxy_register)
