/* test_dhcp_render.c: podboot.conf's pods as kea-dhcp4's configuration:
 * subnets by relay, pools, options, reservations, classes, and the new
 * provisioning settings' refusals. */
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "error.h"
#include "kea_render.h"
#include "test_config.h"
#include "unit.h"

#define T_PLAIN_HEAD                                              \
	"server = { base_url = \"https://h\"; " T_PATHS                \
	"data_dir = \"d\"; plain_port = 8080;\n"                       \
	"  plain_base_url = \"http://10.9.0.1:8080\"; };\n"            \
	"profiles = ( { name = \"p\"; kernel = \"k\"; initrd = \"i\"; " \
	"kickstart = \"p.ks\"; } );\n"

/* Two pods: a with everything, b with a relay, the default pool and no
 * options; a-1's address is on a's provisioning network, a-2's not. */
static const char two_pods[] = T_PLAIN_HEAD
	"pods = (\n"
	" { name = \"pod-a\"; profile = \"p\";\n"
	"   provisioning = { cidr = \"10.10.1.0/24\"; gateway = \"10.10.1.1\";"
	" dns = [ \"10.9.0.53\", \"10.9.0.54\" ]; ntp = [ \"10.9.0.123\" ];"
	" pool_start = \"10.10.1.100\"; pool_end = \"10.10.1.150\"; };\n"
	"   management = { cidr = \"10.20.1.0/24\"; }; },\n"
	" { name = \"pod-b\"; profile = \"p\";\n"
	"   provisioning = { cidr = \"10.10.2.0/24\"; relay = \"10.10.2.1\"; };\n"
	"   management = { cidr = \"10.20.2.0/24\"; }; },\n"
	" { name = \"pod-6\"; profile = \"p\";\n"
	"   provisioning = { cidr = \"2001:db8::/64\"; };\n"
	"   management = { cidr = \"2001:db8:1::/64\"; }; }\n"
	");\n"
	"nodes = (\n"
	" { mac = \"52:54:00:aa:00:01\"; hostname = \"a-1\"; pod = \"pod-a\";"
	" address = \"10.10.1.11\"; },\n"
	" { mac = \"52:54:00:aa:00:02\"; hostname = \"a-2\"; pod = \"pod-a\";"
	" address = \"10.20.1.12\"; },\n"
	" { mac = \"52:54:00:bb:00:01\"; hostname = \"b-1\"; pod = \"pod-b\";"
	" address = \"10.10.2.11\"; }\n"
	");\n";

/* Render @text with default options; the caller json_decref()s it. */
static json_t *render(const char *text, struct kea_opts *o)
{
	char err[CONFIG_ERR_MAX] = "";
	struct config *cfg = test_config_ok("dhcp.conf", text);
	json_t *doc = NULL;

	CU_ASSERT_EQUAL_FATAL(kea_opts_default(cfg, o, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(kea_render(cfg, o, &doc, err, sizeof(err)), 0);
	config_free(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	return doc;
}

/* The subnet of pod @name in @doc, or NULL. */
static json_t *subnet_of(json_t *doc, const char *name)
{
	json_t *list = json_object_get(json_object_get(doc, "Dhcp4"),
				       "subnet4"), *s;
	size_t i;

	json_array_foreach(list, i, s) {
		const char *pod = json_string_value(json_object_get(
			json_object_get(s, "user-context"), "podboot-pod"));

		if (pod && strcmp(pod, name) == 0)
			return s;
	}
	return NULL;
}

/* The string at @key of @obj, or "". */
static const char *str(json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));

	return v ? v : "";
}

/* The "data" of option @name in @s's option-data, or NULL. */
static const char *option(json_t *s, const char *name)
{
	json_t *o;
	size_t i;

	json_array_foreach(json_object_get(s, "option-data"), i, o)
		if (strcmp(str(o, "name"), name) == 0)
			return str(o, "data");
	return NULL;
}

static void test_subnets(void)
{
	struct kea_opts o = { .socket = "/tmp/k.sock" };
	json_t *doc = render(two_pods, &o), *a, *b, *subnets;

	subnets = json_object_get(json_object_get(doc, "Dhcp4"), "subnet4");
	/* IPv6 provisioning networks are not Kea DHCPv4's */
	CU_ASSERT_EQUAL(json_array_size(subnets), 2);
	a = subnet_of(doc, "pod-a");
	b = subnet_of(doc, "pod-b");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_STRING_EQUAL(str(a, "subnet"), "10.10.1.0/24");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(a, "id")),
			kea_subnet_id("pod-a"));
	CU_ASSERT_NOT_EQUAL(kea_subnet_id("pod-a"), kea_subnet_id("pod-b"));
	/* the relay: the gateway, unless relay says otherwise */
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
		json_object_get(json_object_get(a, "relay"), "ip-addresses"),
		0)), "10.10.1.1");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
		json_object_get(json_object_get(b, "relay"), "ip-addresses"),
		0)), "10.10.2.1");
	/* pools: as set, or the upper half without the broadcast */
	CU_ASSERT_STRING_EQUAL(str(json_array_get(json_object_get(a, "pools"),
						  0), "pool"),
			       "10.10.1.100 - 10.10.1.150");
	CU_ASSERT_STRING_EQUAL(str(json_array_get(json_object_get(b, "pools"),
						  0), "pool"),
			       "10.10.2.128 - 10.10.2.254");
	/* options: router, DNS, NTP; none where the pod names none */
	CU_ASSERT_STRING_EQUAL(option(a, "routers"), "10.10.1.1");
	CU_ASSERT_STRING_EQUAL(option(a, "domain-name-servers"),
			       "10.9.0.53, 10.9.0.54");
	CU_ASSERT_STRING_EQUAL(option(a, "ntp-servers"), "10.9.0.123");
	CU_ASSERT_PTR_NULL(option(b, "routers"));
	CU_ASSERT_EQUAL(json_array_size(json_object_get(b, "option-data")), 0);
	json_decref(doc);
}

static void test_reservations(void)
{
	struct kea_opts o = { .socket = "/tmp/k.sock" };
	json_t *doc = render(two_pods, &o), *ra, *rb, *r;

	ra = json_object_get(subnet_of(doc, "pod-a"), "reservations");
	rb = json_object_get(subnet_of(doc, "pod-b"), "reservations");
	CU_ASSERT_EQUAL_FATAL(json_array_size(ra), 2);
	CU_ASSERT_EQUAL_FATAL(json_array_size(rb), 1);
	r = json_array_get(ra, 0);
	CU_ASSERT_STRING_EQUAL(str(r, "hw-address"), "52:54:00:aa:00:01");
	CU_ASSERT_STRING_EQUAL(str(r, "hostname"), "a-1");
	CU_ASSERT_STRING_EQUAL(str(r, "ip-address"), "10.10.1.11");
	/* an address off the provisioning network is not reserved there */
	r = json_array_get(ra, 1);
	CU_ASSERT_STRING_EQUAL(str(r, "hw-address"), "52:54:00:aa:00:02");
	CU_ASSERT_PTR_NULL(json_object_get(r, "ip-address"));
	CU_ASSERT_STRING_EQUAL(str(json_array_get(rb, 0), "ip-address"),
			       "10.10.2.11");
	json_decref(doc);
}

/* The class @name of @doc, or NULL. */
static json_t *class_of(json_t *doc, const char *name)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(doc, "Dhcp4"),
					   "client-classes"), i, c)
		if (strcmp(str(c, "name"), name) == 0)
			return c;
	return NULL;
}

static void test_classes(void)
{
	struct kea_opts o = { .socket = "/tmp/k.sock" };
	json_t *doc = render(two_pods, &o), *c, *echo;

	c = class_of(doc, KEA_CLASS_IPXE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/* stage1's user class; a stock iPXE ROM must not fall into it */
	CU_ASSERT_STRING_EQUAL(str(c, "test"), "option[77].hex == 'podboot'");
	CU_ASSERT_PTR_NULL(json_object_get(c, "boot-file-name"));
	/* podboot's iPXE is first, and every boot class excludes it */
	CU_ASSERT_PTR_EQUAL(json_array_get(json_object_get(json_object_get(
		doc, "Dhcp4"), "client-classes"), 0), c);
	c = class_of(doc, KEA_CLASS_BIOS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(str(c, "test"), "option[93].hex == "
						      "0x0000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(str(c, "test"), "not member('"
				      KEA_CLASS_IPXE "')"));
	CU_ASSERT_STRING_EQUAL(str(c, "boot-file-name"), "undionly.kpxe");
	CU_ASSERT_STRING_EQUAL(str(c, "next-server"), "10.9.0.1");
	c = class_of(doc, KEA_CLASS_UEFI);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(str(c, "test"), "0x0007"));
	CU_ASSERT_PTR_NOT_NULL(strstr(str(c, "test"), "0x0009"));
	CU_ASSERT_PTR_NOT_NULL(strstr(str(c, "test"), "not member('"));
	CU_ASSERT_STRING_EQUAL(str(c, "boot-file-name"), "snponly.efi");
	c = class_of(doc, KEA_CLASS_HTTP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(str(c, "test"), "'HTTPClient'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(str(c, "test"), "0x0010"));
	CU_ASSERT_PTR_NOT_NULL(strstr(str(c, "test"), "not member('"));
	CU_ASSERT_STRING_EQUAL(str(c, "boot-file-name"),
			       "http://10.9.0.1:8080/ipxe.efi");
	echo = json_array_get(json_object_get(c, "option-data"), 0);
	CU_ASSERT_STRING_EQUAL(str(echo, "name"), "vendor-class-identifier");
	CU_ASSERT_STRING_EQUAL(str(echo, "data"), "HTTPClient");
	CU_ASSERT_TRUE(json_is_true(json_object_get(echo, "always-send")));
	json_decref(doc);
}

static void test_globals(void)
{
	struct kea_opts o = { .socket = "/run/x.sock", .n_ifaces = 1,
			      .ifaces = { "veth0" },
			      .lease_file = "/var/x.csv",
			      .next_server = "10.9.9.9",
			      .boot_url = "http://10.9.9.9/e.efi" };
	json_t *doc = render(two_pods, &o), *d4, *c;

	d4 = json_object_get(doc, "Dhcp4");
	c = json_object_get(d4, "control-socket");
	CU_ASSERT_STRING_EQUAL(str(c, "socket-type"), "unix");
	CU_ASSERT_STRING_EQUAL(str(c, "socket-name"), "/run/x.sock");
	CU_ASSERT_STRING_EQUAL(str(json_object_get(d4, "lease-database"),
				   "name"), "/var/x.csv");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
		json_object_get(json_object_get(d4, "interfaces-config"),
				"interfaces"), 0)), "veth0");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(d4,
							   "valid-lifetime")),
			3600);
	/* explicit options win over plain_base_url */
	CU_ASSERT_STRING_EQUAL(str(class_of(doc, KEA_CLASS_BIOS),
				   "next-server"), "10.9.9.9");
	CU_ASSERT_STRING_EQUAL(str(class_of(doc, KEA_CLASS_HTTP),
				   "boot-file-name"), "http://10.9.9.9/e.efi");
	/* reservations are by MAC, and Kea looks hosts up by MAC only */
	c = json_object_get(d4, "host-reservation-identifiers");
	CU_ASSERT_EQUAL(json_array_size(c), 1);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(c, 0)),
			       "hw-address");
	/* only class evaluation's per-packet INFO lines are quieted */
	c = json_object_get(d4, "loggers");
	CU_ASSERT_EQUAL(json_array_size(c), 1);
	c = json_array_get(c, 0);
	CU_ASSERT_STRING_EQUAL(str(c, "name"), "kea-dhcp4.options");
	CU_ASSERT_STRING_EQUAL(str(c, "severity"), "WARN");
	json_decref(doc);
}

/* kea_render() of @text refuses with @needle in its one line. */
static void render_refused(const char *text, int want, const char *needle)
{
	struct kea_opts o = { .socket = "/tmp/k.sock" };
	char err[CONFIG_ERR_MAX] = "";
	struct config *cfg = test_config_ok("dhcp.conf", text);
	json_t *doc = NULL;
	int rc = kea_opts_default(cfg, &o, err, sizeof(err));

	if (rc == 0)
		rc = kea_render(cfg, &o, &doc, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, want);
	CU_ASSERT_PTR_NULL(doc);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
	if (!strstr(err, needle))
		fprintf(stderr, "\n    want \"%s\", got \"%s\"\n", needle, err);
	json_decref(doc);
	config_free(cfg);
}

static void test_refusals(void)
{
	/* no relay and no gateway: Kea could not tell the pod's requests */
	render_refused(T_PLAIN_HEAD T_POD, -PB_ECONFIG,
		       "pod a: provisioning network 192.0.2.0/24 names no "
		       "relay or gateway");
	/* a /30 has no room for a default pool */
	render_refused(T_PLAIN_HEAD
		       "pods = ( { name = \"a\"; profile = \"p\";\n"
		       "  provisioning = { cidr = \"192.0.2.0/30\"; "
		       "gateway = \"192.0.2.1\"; };\n"
		       "  management = { cidr = \"198.51.100.0/24\"; }; } );\n",
		       -PB_ECONFIG, "set pool_start and pool_end");
	/* no plain listener: no TFTP server or HTTP URL to name */
	render_refused(T_HEAD T_POD, -PB_EUSAGE, "--next-server");
}

#define T_PROV(x)                                          \
	"pods = ( { name = \"a\"; profile = \"p\";\n"      \
	"  provisioning = { cidr = \"192.0.2.0/24\"; " x " };\n" \
	"  management = { cidr = \"198.51.100.0/24\"; }; } );\n"

static void test_config_settings(void)
{
	struct config *cfg;

	test_config_refused(T_HEAD T_PROV("pool_start = \"192.0.2.10\";"), 9,
			    "pool_start needs pool_end too");
	test_config_refused(T_HEAD T_PROV("pool_end = \"192.0.2.10\";"), 9,
			    "pool_end needs pool_start too");
	test_config_refused(T_HEAD T_PROV("pool_start = \"192.0.3.10\"; "
					  "pool_end = \"192.0.2.20\";"), 9,
			    "\"192.0.3.10\" is not in the network "
			    "192.0.2.0/24");
	test_config_refused(T_HEAD T_PROV("pool_start = \"192.0.2.10\"; "
					  "pool_end = \"192.0.3.20\";"), 9,
			    "\"192.0.3.20\" is not in the network");
	test_config_refused(T_HEAD T_PROV("pool_start = \"192.0.2.30\"; "
					  "pool_end = \"192.0.2.20\";"), 9,
			    "is before pool_start 192.0.2.30");
	test_config_refused(T_HEAD T_PROV("relay = \"2001:db8::1\";"), 9,
			    "\"2001:db8::1\" is not an IPv4 address");
	test_config_refused(T_HEAD T_PROV("relay = \"nope\";"), 9,
			    "is not an IP address");
	test_config_refused(T_HEAD T_PROV("ntp = [ \"x\" ];"), 9,
			    "an IP address");
	cfg = test_config_ok("ok.conf", T_HEAD T_PROV(
		"pool_start = \"192.0.2.10\"; pool_end = \"192.0.2.10\"; "
		"relay = \"192.0.2.254\"; ntp = [ \"192.0.2.123\" ];"));
	CU_ASSERT_STRING_EQUAL(cfg->pods[0].prov.pool_start, "192.0.2.10");
	CU_ASSERT_STRING_EQUAL(cfg->pods[0].prov.relay, "192.0.2.254");
	CU_ASSERT_EQUAL(cfg->pods[0].prov.n_ntp, 1);
	config_free(cfg);
}

/* The dhcp group: Kea's settings in podboot.conf, each checked at its
 * line. */
#define T_DHCP(x) "dhcp = { " x " };\n"

static void test_dhcp_group(void)
{
	struct config *cfg;

	test_config_refused(T_HEAD T_DHCP("next_server = \"2001:db8::1\";"),
			    8, "\"2001:db8::1\" is not an IPv4 address");
	test_config_refused(T_HEAD T_DHCP("next_server = \"nope\";"), 8,
			    "is not an IP address");
	test_config_refused(T_HEAD T_DHCP("boot_url = \"https://h/e.efi\";"),
			    8, "is not an http:// URL");
	test_config_refused(T_HEAD T_DHCP("interfaces = [ \"a b\" ];"), 8,
			    "\"a b\" is not an interface name");
	test_config_refused(T_HEAD T_DHCP("lifetime_s = 5;"), 8,
			    "lifetime_s");
	test_config_refused(T_HEAD T_DHCP("kea_sockett = \"k\";"), 8,
			    "kea_sockett is an unknown setting of dhcp");
	test_config_refused(T_HEAD T_DHCP("kea_socket = \"/k\"; "
					  "leases_interval_s = 60;"), 8,
			    "60 needs dhcp.kea_socket and dhcp.lease_cmds");
	cfg = test_config_ok("ok.conf", T_HEAD);
	CU_ASSERT_STRING_EQUAL(cfg->dhcp_socket, "");
	CU_ASSERT_EQUAL(cfg->dhcp_lifetime_s, 3600);
	config_free(cfg);
}

/* The dhcp group fills what the options leave empty; options win. */
static void test_dhcp_group_defaults(void)
{
	static const char text[] = T_PLAIN_HEAD
		"pods = ( { name = \"a\"; profile = \"p\";\n"
		"  provisioning = { cidr = \"192.0.2.0/24\"; "
		"gateway = \"192.0.2.1\"; };\n"
		"  management = { cidr = \"198.51.100.0/24\"; }; } );\n"
		T_DHCP("kea_socket = \"/run/k.sock\"; interfaces = "
		       "[ \"eth1\", \"eth2\" ]; lifetime_s = 600; "
		       "next_server = \"10.9.9.8\"; lease_file = \"/l.csv\";");
	struct kea_opts o = { .lifetime_s = 0 }, cli = { .n_ifaces = 1,
		.ifaces = { "eth7" }, .socket = "/run/o.sock",
		.lifetime_s = 700 };
	json_t *doc = render(text, &o), *d4;

	d4 = json_object_get(doc, "Dhcp4");
	CU_ASSERT_STRING_EQUAL(o.socket, "/run/k.sock");
	CU_ASSERT_EQUAL(o.n_ifaces, 2);
	CU_ASSERT_STRING_EQUAL(o.ifaces[1], "eth2");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(d4,
							   "valid-lifetime")),
			600);
	CU_ASSERT_STRING_EQUAL(str(class_of(doc, KEA_CLASS_BIOS),
				   "next-server"), "10.9.9.8");
	CU_ASSERT_STRING_EQUAL(str(json_object_get(d4, "lease-database"),
				   "name"), "/l.csv");
	json_decref(doc);
	doc = render(text, &cli);
	CU_ASSERT_STRING_EQUAL(cli.socket, "/run/o.sock");
	CU_ASSERT_EQUAL(cli.n_ifaces, 1);
	CU_ASSERT_STRING_EQUAL(cli.ifaces[0], "eth7");
	CU_ASSERT_EQUAL(cli.lifetime_s, 700);
	CU_ASSERT_STRING_EQUAL(cli.lease_file, "/l.csv");
	json_decref(doc);
}

/* Only the provisioning network reaches Kea: a management network with
 * its own gateway, DNS and VLAN, and a machine whose address lies on it,
 * leave no trace in the rendered configuration. */
static void test_mgmt_apart(void)
{
	static const char text[] = T_PLAIN_HEAD
		"pods = ( { name = \"pod-m\"; profile = \"p\";\n"
		"  provisioning = { cidr = \"10.10.1.0/24\"; gateway = "
		"\"10.10.1.1\"; vlan = 40; dns = [ \"10.9.0.53\" ]; };\n"
		"  management = { cidr = \"10.20.1.0/24\"; gateway = "
		"\"10.20.1.254\"; vlan = 41; dns = [ \"10.8.0.53\" ]; }; } );\n"
		"nodes = ( { mac = \"52:54:00:cc:00:01\"; hostname = \"m-1\";"
		" pod = \"pod-m\"; address = \"10.20.1.12\"; } );\n";
	struct kea_opts o = { .socket = "/tmp/k.sock" };
	json_t *doc = render(text, &o), *m;
	char *all = json_dumps(doc, JSON_COMPACT);

	CU_ASSERT_PTR_NOT_NULL_FATAL(all);
	m = subnet_of(doc, "pod-m");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_STRING_EQUAL(str(m, "subnet"), "10.10.1.0/24");
	CU_ASSERT_STRING_EQUAL(option(m, "routers"), "10.10.1.1");
	CU_ASSERT_STRING_EQUAL(option(m, "domain-name-servers"), "10.9.0.53");
	/* nothing of the management network, anywhere */
	CU_ASSERT_PTR_NULL(strstr(all, "10.20.1."));
	CU_ASSERT_PTR_NULL(strstr(all, "10.8.0.53"));
	/* the machine is known by its MAC, its address left to the pool */
	CU_ASSERT_PTR_NOT_NULL(strstr(all, "52:54:00:cc:00:01"));
	free(all);
	json_decref(doc);
}

static const CU_TestInfo tests[] = {
	{ "a subnet per IPv4 pod: relay, pool, options", test_subnets },
	{ "reservations: the pod's machines", test_reservations },
	{ "classes: BIOS, UEFI, HTTP Boot, podboot's iPXE", test_classes },
	{ "socket, leases, interfaces, explicit boot servers",
	  test_globals },
	{ "refusals name the pod and what to set", test_refusals },
	{ "provisioning: ntp, relay, pool settings checked",
	  test_config_settings },
	{ "the dhcp group: each setting checked at its line",
	  test_dhcp_group },
	{ "the dhcp group fills what options leave, options win",
	  test_dhcp_group_defaults },
	{ "the management network never reaches Kea", test_mgmt_apart },
	CU_TEST_INFO_NULL,
};

static int suite_dhcp_register(void)
{
	return unit_add_suite("dhcp", NULL, NULL, tests);
}

UNIT_SUITE(suite_dhcp_register)
