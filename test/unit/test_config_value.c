/* test_config_value.c: settings' values: numbers, URLs, networks,
 * boot_from, token hashes and scopes, each refused at its line. */
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

static void test_numbers(void)
{
	static const struct {
		const char *setting;
		const char *needle;
	} cases[] = {
		{ "port = 0;", "server.port 0 is out of range (expected 1 to "
			       "65535)" },
		{ "port = 65536;", "server.port 65536 is out of range" },
		{ "port = -1;", "server.port -1 is out of range" },
		{ "plain_port = 70000;", "server.plain_port 70000 is out of" },
		{ "plain_port = 8443;", "server.plain_port 8443 is also "
					"server.port" },
		{ "plain_port = 8080;", "server.plain_port 8080 needs server.plain_base_url" },
		{ "plain_port = 8080; plain_base_url = \"https://a:1\";",
		  "is not an http:// URL" },
		{ "limits = { max_upload_mb = 0; };", "max_upload_mb 0 is out" },
		{ "limits = { max_upload_mb = 1048577; };",
		  "server.limits.max_upload_mb 1048577 is out of range "
		  "(expected 1 to 1048576)" },
		{ "limits = { max_connections = 100001; };",
		  "max_connections 100001 is out" },
		{ "limits = { timeout_s = 3601; };", "timeout_s 3601 is out" },
		{ "limits = { keep_versions = 0; };", "keep_versions 0 is out" },
		{ "limits = { threads = 65; };", "threads 65 is out" },
		{ "limits = { threads = 5000000000L; };", "threads 5000000000 is" },
		/* libconfig 1.5 reads this as 8443 (it wraps at 32 bits). */
		{ "port = 4294975739;", "number is too large" },
		{ "port = 0x100000001;", "number is too large" },
	};
	char text[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
			 "server = { base_url = \"https://h\";\n"
			 "  " T_PATHS "data_dir = \"d\";\n"
			 "  %s\n};\n", cases[i].setting);
		test_config_refused(text, 3, cases[i].needle);
	}
	/* A big number in a comment or string is not a number. */
	{
		struct config *cfg = test_config_ok("comment.conf", T_HEAD
			"# port = 4294975739;\n"
			"/* 99999999999 */ // 99999999999\n"
			"pods = ( { name = \"a\"; profile = \"p\"; "
			"site = \"rack 99999999999\";\n"
			"  provisioning = { cidr = \"192.0.2.0/24\"; };\n"
			"  management = { cidr = \"10.0.0.0/8\"; }; } );\n");

		CU_ASSERT_STRING_EQUAL(cfg->pods[0].site, "rack 99999999999");
		config_free(cfg);
	}
}

static void test_bad_values(void)
{
	char site[512], text[1024];

	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; pod = \"a\";\n"
			    "    mac = \"52:54:zz:00:00:01\"; }\n);\n", 13,
			    "nodes[0].mac \"52:54:zz:00:00:01\" is not a MAC "
			    "address (expected aa:bb:cc:dd:ee:ff)");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; pod = \"a\";\n"
			    "    mac = \"00:00:00:00:00:00\"; }\n);\n", 13,
			    "is a placeholder");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; pod = \"a\"; mac = \"" MAC1
			    "\";\n    uuid = \"00000000-0000-0000-0000-"
			    "000000000000\"; }\n);\n", 13, "is a placeholder");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; pod = \"a\"; mac = \"" MAC1
			    "\";\n    uuid = \"not-a-uuid\"; }\n);\n", 13,
			    "nodes[0].uuid \"not-a-uuid\" is not a UUID");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; pod = \"a\"; mac = \"" MAC1
			    "\";\n    serial = \"../../x\"; }\n);\n", 13,
			    "nodes[0].serial \"../../x\" is not a serial number");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"N1\"; pod = \"a\"; mac = \"" MAC1
			    "\"; }\n);\n", 12,
			    "nodes[0].hostname \"N1\" is not a valid hostname");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"mac-525400000001\"; pod = \"a\"; "
			    "mac = \"" MAC1 "\"; }\n);\n", 12,
			    "nodes[0].hostname \"mac-525400000001\" is not a "
			    "valid hostname");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; pod = \"a\"; mac = \"" MAC1
			    "\";\n    address = \"198.51.100.300\"; }\n);\n", 13,
			    "nodes[0].address \"198.51.100.300\" is not an IP "
			    "address");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; mac = \"" MAC1 "\";\n"
			    "    pod = \"b\"; }\n);\n", 13,
			    "nodes[0].pod \"b\" is not a pod");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; mac = \"" MAC1 "\";\n"
			    "    pod = \"a\"; profile = \"x\"; }\n);\n", 13,
			    "nodes[0].profile \"x\" is not a profile");
	test_config_refused(T_HEAD "pods = ( { name = \"a\";\n"
			    "  profile = \"nope\";\n"
			    "  provisioning = { cidr = \"192.0.2.0/24\"; }; "
			    "management = { cidr = \"10.0.0.0/8\"; }; } );\n",
			    9, "pods[0].profile \"nope\" is not a profile");
	test_config_refused(T_SERVER1 "profiles = ( { name = \"p\"; initrd = \"i\";\n"
			    "  kernel = \"../vmlinuz\"; kickstart = \"k\"; } );\n",
			    3, "profiles[0].kernel \"../vmlinuz\" is not an "
			    "artifact name");
	test_config_refused(T_SERVER1 "profiles = ( { name = \"p\"; kernel = \"k\";\n"
			    "  initrd = \"a//b\"; kickstart = \"k\"; } );\n",
			    3, "profiles[0].initrd \"a//b\" is not an artifact");
	test_config_refused("server = { base_url = \"https://h\"; " T_PATHS
			    "\n  data_dir = \"\"; };\n", 2,
			    "server.data_dir is empty");
	test_config_refused("server = { listen = \"localhost\";\n"
			    "  base_url = \"https://h\"; };\n", 1,
			    "server.listen \"localhost\" is not an IP address");
	test_config_refused(T_HEAD "profiles2 = 1;\n", 8, "unknown setting");

	/* Overlong strings are refused, never cut short. */
	memset(site, 's', 200);
	site[200] = '\0';
	snprintf(text, sizeof(text), T_HEAD "pods = ( { name = \"a\";\n"
		 "  site = \"%s\"; profile = \"p\";\n"
		 "  provisioning = { cidr = \"192.0.2.0/24\"; }; "
		 "management = { cidr = \"10.0.0.0/8\"; }; } );\n", site);
	test_config_refused(text, 9,
			    "pods[0].site is 200 bytes long (at most 127)");
	/* So are control characters: a newline in a cmdline is a second
	 * boot script command. */
	test_config_refused(T_SERVER1 "profiles = ( { name = \"p\"; kernel = \"k\";\n"
			    "  initrd = \"i\"; kickstart = \"k\";\n"
			    "  cmdline = \"quiet\\nshell\"; } );\n", 4,
			    "profiles[0].cmdline holds a control character");
	test_config_refused("server = { base_url = \"https://h\";\n"
			    "  data_dir = \"a\\x00b\"; };\n", 2,
			    "\\x00");
}

static void test_base_url(void)
{
	static const char *const bad[] = {
		"ftp://h", "https://", "https:///x", "h:8443", "HTTPS://h",
		"https://user@h", "https://h?x=1", "https://h#f",
		"https://h:0", "https://h:65536", "https://h:08443",
		"https://h:", "https://h/a b", "https://h/${x}", "https://-h",
		"https://[::1", "https://[zz]", "https://h/a\\\"b",
		"https://h:123456",
	};
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "server = {\n  base_url = \"%s\"; };\n", bad[i]);
		test_config_refused(text, 2, "is not a base URL");
	}
}

static void test_networks(void)
{
	static const struct {
		const char *net;
		const char *needle;
	} cases[] = {
		{ "cidr = \"192.0.2.0/33\";", "\"192.0.2.0/33\" is not a network" },
		{ "cidr = \"192.0.2.0\";", "is not a network" },
		{ "cidr = \"192.0.2.0/\";", "is not a network" },
		{ "cidr = \"192.0.2.0/024\";", "is not a network" },
		{ "cidr = \"192.0.2.0/-1\";", "is not a network" },
		{ "cidr = \"192.0.2.0/24 \";", "is not a network" },
		{ "cidr = \"192.0.2/24\";", "is not a network" },
		{ "cidr = \"300.0.2.0/24\";", "is not a network" },
		{ "cidr = \"2001:db8::/129\";", "is not a network" },
		{ "cidr = \"/24\";", "is not a network" },
		{ "cidr = \"192.0.2.1/24\";",
		  "\"192.0.2.1/24\" has host bits set (expected 192.0.2.0/24)" },
		{ "cidr = \"2001:db8::1/64\";", "(expected 2001:db8::/64)" },
		{ "cidr = \"192.0.2.0/24\"; vlan = 4095;",
		  "pods[0].management.vlan 4095 is out of range (expected 0 to "
		  "4094)" },
		{ "cidr = \"192.0.2.0/24\"; vlan = -1;", "vlan -1 is out" },
		{ "cidr = \"192.0.2.0/24\"; gateway = \"2001:db8::1\";",
		  "pods[0].management.gateway \"2001:db8::1\" is not an IPv4 "
		  "address like the network 192.0.2.0/24" },
		{ "cidr = \"192.0.2.0/24\"; gateway = \"gw\";",
		  "gateway \"gw\" is not an IP address" },
		{ "cidr = \"192.0.2.0/24\"; dns = [ \"1.1.1.1\", \"ns1\" ];",
		  "pods[0].management.dns[1] \"ns1\" is not an IP address" },
		{ "cidr = \"192.0.2.0/24\"; dns = [ \"1.1.1.1\", \"1.1.1.2\", "
		  "\"1.1.1.3\", \"1.1.1.4\", \"1.1.1.5\" ];",
		  "dns has 5 entries (at most 4)" },
		{ "cidr = \"192.0.2.0/24\"; dns = \"1.1.1.1\";",
		  "dns is not an array" },
		{ "vlan = 5;", "pods[0].management.cidr is missing" },
	};
	char text[1024];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
			 T_HEAD "pods = ( { name = \"a\"; profile = \"p\";\n"
			 "  provisioning = { cidr = \"192.0.2.0/24\"; };\n"
			 "  management = {\n    %s }; } );\n",
			 cases[i].net);
		/* A missing setting is reported at its group's line. */
		test_config_refused(text, strstr(cases[i].needle, "missing") ?
					  10 : 11, cases[i].needle);
	}
	test_config_refused(T_HEAD "pods = ( { name = \"a\"; profile = \"p\";\n"
			    "  provisioning = { cidr = \"192.0.2.0/24\"; }; }"
			    " );\n", 8, "pods[0].management is missing");
}

/* boot_from: networks a pod's boot requests may come from. */
static void test_boot_from(void)
{
	struct config *cfg;
	const struct config_pod *pod;

	cfg = test_config_ok("bf.conf", T_HEAD
			     "pods = ( { name = \"a\"; profile = \"p\";\n"
			     "  provisioning = { cidr = \"192.0.2.0/24\"; };\n"
			     "  management = { cidr = \"198.51.100.0/24\"; };\n"
			     "  boot_from = [ \"192.0.2.0/24\", \"203.0.113.7/32\","
			     " \"2001:db8:1::/48\" ]; },\n"
			     " { name = \"b\"; profile = \"p\";\n"
			     "  provisioning = { cidr = \"192.0.2.0/24\"; };\n"
			     "  management = { cidr = \"198.51.100.0/24\"; }; } );\n");
	pod = &cfg->pods[0];
	CU_ASSERT_EQUAL(pod->n_boot_from, 3);
	CU_ASSERT(config_pod_boot_allowed(pod, "192.0.2.200"));
	CU_ASSERT(config_pod_boot_allowed(pod, "203.0.113.7"));
	CU_ASSERT(config_pod_boot_allowed(pod, "::ffff:192.0.2.9"));
	CU_ASSERT(config_pod_boot_allowed(pod, "2001:db8:1:ffff::1"));
	CU_ASSERT(!config_pod_boot_allowed(pod, "192.0.3.1"));
	CU_ASSERT(!config_pod_boot_allowed(pod, "203.0.113.8"));
	CU_ASSERT(!config_pod_boot_allowed(pod, "::ffff:203.0.113.8"));
	CU_ASSERT(!config_pod_boot_allowed(pod, "2001:db8:2::1"));
	CU_ASSERT(!config_pod_boot_allowed(pod, "?"));
	CU_ASSERT(!config_pod_boot_allowed(pod, "127.0.0.1"));
	/* No list: any address. */
	CU_ASSERT_EQUAL(cfg->pods[1].n_boot_from, 0);
	CU_ASSERT(config_pod_boot_allowed(&cfg->pods[1], "127.0.0.1"));
	config_free(cfg);
	test_config_refused(T_HEAD "pods = ( { name = \"a\"; profile = \"p\";\n"
			    "  provisioning = { cidr = \"192.0.2.0/24\"; };\n"
			    "  management = { cidr = \"198.51.100.0/24\"; };\n"
			    "  boot_from = [ \"192.0.2.1/24\" ]; } );\n", 11,
			    "pods[0].boot_from[0] \"192.0.2.1/24\" is not a "
			    "network without host bits");
	test_config_refused(T_HEAD "pods = ( { name = \"a\"; profile = \"p\";\n"
			    "  provisioning = { cidr = \"192.0.2.0/24\"; };\n"
			    "  management = { cidr = \"198.51.100.0/24\"; };\n"
			    "  boot_from = \"192.0.2.0/24\"; } );\n", 11,
			    "boot_from is not an array");
}

static void test_token_refusals(void)
{
	static const struct {
		const char *token;
		const char *needle;
	} cases[] = {
		{ "name = \"t\"; sha256 = \"abc\"; scopes = [];",
		  "tokens[0].sha256 is not a SHA-256 hash (expected exactly 64 "
		  "hex digits)" },
		{ "name = \"t\"; sha256 = \"0ee94816ea4a50a171ceede725b63afcf14b5b"
		  "0886a1b1078da1eb52fde2e7ecc\"; scopes = [];",
		  "is not a SHA-256 hash" },
		{ "name = \"t\"; sha256 = \"0ee94816ea4a50a171ceede725b63afcf14b5b"
		  "0886a1b1078da1eb52fde2e7eg\"; scopes = [];",
		  "is not a SHA-256 hash" },
		{ "name = \"t\"; sha256 = \"e3b0c44298fc1c149afbf4c8996fb92427ae4"
		  "1e4649b934ca495991b7852b855\"; scopes = [];",
		  "hash of an empty secret" },
		{ "name = \"t\"; sha256 = \"" CI_SECRET "\"; scopes = [];",
		  "tokens[0].sha256 holds a token secret, not its hash" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\"; scopes = [ \"admin\" ];",
		  "tokens[0].scopes[0] \"admin\" is not a scope (expected rearm, "
		  "status, push, relay, bmc, upload:*, upload:PREFIX* or "
		  "upload:NAME)" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";\n"
		  " scopes = [ \"status\", \"upload:../x\" ];",
		  "tokens[0].scopes[1] \"upload:../x\" is not a scope" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";\n"
		  " scopes = [ \"status\", \"upload:a/../b*\" ];",
		  "\"upload:a/../b*\" is not a scope" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";\n"
		  " scopes = [ \"status\", \"upload:**\" ];",
		  "\"upload:**\" is not a scope" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";\n"
		  " scopes = [ \"status\", \"upload:\" ];",
		  "\"upload:\" is not a scope" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";\n"
		  " scopes = [ \"status\", \"upload:a*b\" ];",
		  "\"upload:a*b\" is not a scope" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";\n"
		  " scopes = [ \"status\", \"Rearm\" ];",
		  "\"Rearm\" is not a scope" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";\n"
		  " scopes = [ \"status\", \"upload:/etc*\" ];",
		  "\"upload:/etc*\" is not a scope" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";\n scopes = \"status\";",
		  "tokens[0].scopes is not an array" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";",
		  "tokens[0].scopes is missing" },
	};
	char text[1024];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), T_HEAD "tokens = (\n  {\n %s } );\n",
			 cases[i].token);
		/* A missing setting is reported at its group's line. */
		test_config_refused(text, strstr(cases[i].needle, "missing") ?
					  9 : strchr(cases[i].token, '\n') ?
					  11 : 10, cases[i].needle);
	}
	/* The secret pasted by mistake is never quoted back. */
	{
		char err[CONFIG_ERR_MAX], path[PATH_MAX];
		struct config *cfg = NULL;

		snprintf(text, sizeof(text), T_HEAD "tokens = ( { name = \"t\";"
			 " sha256 = \"%s\"; scopes = []; } );\n", CI_SECRET);
		test_config_write("secret.conf", text, path, sizeof(path));
		CU_ASSERT_EQUAL(config_load(path, &cfg, err, sizeof(err)),
				-PB_ECONFIG);
		CU_ASSERT_PTR_NULL(strstr(err, CI_SECRET + 4));
	}
	test_config_refused(T_HEAD "tokens = (\n"
			    "  { name = \"a\"; sha256 = \"" SHA_OK "\"; "
			    "scopes = []; },\n"
			    "  { name = \"b\";\n    sha256 = \"" SHA_OK_UPPER "\";"
			    " scopes = []; } );\n", 11,
			    "tokens[1].sha256 \"" SHA_OK "\" is a duplicate "
			    "(first used at line 9)");
	test_config_refused(T_HEAD "tokens = (\n"
			    "  { name = \"a\"; sha256 = \"" SHA_OK "\"; "
			    "scopes = []; },\n"
			    "  { name = \"a\"; sha256 = \"" SHA_OK2 "\"; "
			    "scopes = []; } );\n", 10,
			    "tokens[1].name \"a\" is a duplicate");
}

static const CU_TestInfo tests[] = {
	{ "numbers range-checked, never wrapped", test_numbers },
	{ "bad values refused at their line", test_bad_values },
	{ "base_url grammar", test_base_url },
	{ "networks", test_networks },
	{ "boot_from", test_boot_from },
	{ "token hashes and scopes refused", test_token_refusals },
	CU_TEST_INFO_NULL,
};

static int suite_config_value_register(void)
{
	return unit_add_suite("config_value", NULL, NULL, tests);
}

UNIT_SUITE(suite_config_value_register)
