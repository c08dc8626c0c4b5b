/* test_dhcp_relay.c: subnet selection by relay agent information (option
 * 82): the circuit_id and remote_id settings, the class per pod that
 * tests them, and the subnet guard, with and without per-pod firmware. */
#include <string.h>

#include <CUnit/CUnit.h>

#include "error.h"
#include "kea_render.h"
#include "test_config.h"
#include "unit.h"

/* Pods c and d behind one relay address 10.10.3.1, told apart by
 * circuit-id (d also by remote-id); pod r by remote-id alone; pod a by
 * its relay address only, as before option 82. */
#define RELAY_CONF(DHCP)                                               \
	"server = { base_url = \"https://h\"; " T_PATHS                \
	"data_dir = \"d\"; plain_port = 8080;\n"                       \
	"  plain_base_url = \"http://10.9.0.1:8080\"; };\n"            \
	"profiles = ( { name = \"p\"; kernel = \"k\"; initrd = \"i\"; " \
	"kickstart = \"p.ks\"; } );\n"                                 \
	"pods = (\n"                                                   \
	" { name = \"pod-a\"; profile = \"p\";\n"                      \
	"   provisioning = { cidr = \"10.10.1.0/24\"; gateway = \"10.10.1.1\"; };\n" \
	"   management = { cidr = \"10.20.1.0/24\"; }; },\n"           \
	" { name = \"pod-c\"; profile = \"p\";\n"                      \
	"   provisioning = { cidr = \"10.10.3.0/24\"; relay = \"10.10.3.1\";" \
	" circuit_id = \"pc-r\"; };\n"                                 \
	"   management = { cidr = \"10.20.3.0/24\"; }; },\n"           \
	" { name = \"pod-d\"; profile = \"p\";\n"                      \
	"   provisioning = { cidr = \"10.10.4.0/24\"; relay = \"10.10.3.1\";" \
	" circuit_id = \"Gi0/0/4.100\"; remote_id = \"rack 4\"; };\n"  \
	"   management = { cidr = \"10.20.4.0/24\"; }; },\n"           \
	" { name = \"pod-r\"; profile = \"p\";\n"                      \
	"   provisioning = { cidr = \"10.10.5.0/24\"; relay = \"10.10.3.1\";" \
	" remote_id = \"tor-5\"; };\n"                                 \
	"   management = { cidr = \"10.20.5.0/24\"; }; }\n"            \
	");\n" DHCP

/* Render @text with default options; the caller json_decref()s it. */
static json_t *render(const char *text, struct kea_opts *o)
{
	char err[CONFIG_ERR_MAX] = "";
	struct config *cfg = test_config_ok("dhcp.conf", text);
	json_t *doc = NULL;

	memset(o, 0, sizeof(*o));
	CU_ASSERT_EQUAL_FATAL(kea_opts_default(cfg, o, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(kea_render(cfg, o, &doc, err, sizeof(err)), 0);
	config_free(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	return doc;
}

/* The member @key of element @name (by @by) of Dhcp4's @list, or NULL. */
static json_t *member(json_t *doc, const char *list, const char *by,
		      const char *name, const char *key)
{
	json_t *e, *id;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(doc, "Dhcp4"),
					   list), i, e) {
		id = json_object_get(e, by);
		if (strcmp(by, "user-context") == 0)
			id = json_object_get(id, "podboot-pod");
		if (json_is_string(id) &&
		    strcmp(json_string_value(id), name) == 0)
			return json_object_get(e, key);
	}
	return NULL;
}

/* Class @name's test, or "". */
static const char *class_test(json_t *doc, const char *name)
{
	const char *t = json_string_value(member(doc, "client-classes", "name",
						 name, "test"));

	return t ? t : "";
}

/* Pod @pod's subnet's guard (client-class), or "". */
static const char *guard(json_t *doc, const char *pod)
{
	const char *g = json_string_value(member(doc, "subnet4",
						 "user-context", pod,
						 "client-class"));

	return g ? g : "";
}

/* Pod @pod's subnet's relay address, or "". */
static const char *relay_of(json_t *doc, const char *pod)
{
	const char *r = json_string_value(json_array_get(json_object_get(
		member(doc, "subnet4", "user-context", pod, "relay"),
		"ip-addresses"), 0));

	return r ? r : "";
}

/* The classes test circuit-id (sub-option 1), remote-id (2) or both, and
 * guard their pod's subnet; a pod without option 82 is left as before. */
static void check_relay_render(json_t *doc)
{
	CU_ASSERT_STRING_EQUAL(class_test(doc, "podboot-relay:pod-c"),
			       "relay4[1].hex == 'pc-r'");
	CU_ASSERT_STRING_EQUAL(class_test(doc, "podboot-relay:pod-d"),
			       "relay4[1].hex == 'Gi0/0/4.100' and "
			       "relay4[2].hex == 'rack 4'");
	CU_ASSERT_STRING_EQUAL(class_test(doc, "podboot-relay:pod-r"),
			       "relay4[2].hex == 'tor-5'");
	CU_ASSERT_STRING_EQUAL(guard(doc, "pod-c"), "podboot-relay:pod-c");
	CU_ASSERT_STRING_EQUAL(guard(doc, "pod-d"), "podboot-relay:pod-d");
	CU_ASSERT_STRING_EQUAL(guard(doc, "pod-r"), "podboot-relay:pod-r");
	CU_ASSERT_STRING_EQUAL(relay_of(doc, "pod-c"), "10.10.3.1");
	CU_ASSERT_STRING_EQUAL(relay_of(doc, "pod-d"), "10.10.3.1");
	/* pod a: selected by its relay address (its gateway) alone */
	CU_ASSERT_STRING_EQUAL(relay_of(doc, "pod-a"), "10.10.1.1");
	CU_ASSERT_STRING_EQUAL(guard(doc, "pod-a"), "");
	CU_ASSERT_PTR_NULL(member(doc, "client-classes", "name",
				  "podboot-relay:pod-a", "test"));
	/* evaluated on receipt: a required class would come too late for
	 * subnet selection */
	CU_ASSERT_PTR_NULL(member(doc, "client-classes", "name",
				  "podboot-relay:pod-c", "only-if-required"));
}

static void test_relay_classes(void)
{
	struct kea_opts o;
	json_t *doc = render(RELAY_CONF(""), &o);

	CU_ASSERT_EQUAL(o.fw_per_pod, 0);
	check_relay_render(doc);
	/* the boot classes stay in front of them */
	CU_ASSERT_STRING_EQUAL(class_test(doc, KEA_CLASS_IPXE),
			       "option[77].hex == 'podboot'");
	json_decref(doc);
}

static void test_relay_with_fw(void)
{
	struct kea_opts o;
	json_t *doc = render(RELAY_CONF("dhcp = { firmware_dir = \"/fw\"; };\n"),
			     &o);

	CU_ASSERT_EQUAL(o.fw_per_pod, 1);
	check_relay_render(doc);
	/* the subnet both admits by option 82 and requires its boot classes */
	CU_ASSERT_EQUAL(json_array_size(member(doc, "subnet4", "user-context",
					       "pod-c",
					       "require-client-classes")), 3);
	json_decref(doc);
}

#define T_PROV(x)                                          \
	"pods = ( { name = \"a\"; profile = \"p\";\n"      \
	"  provisioning = { cidr = \"192.0.2.0/24\"; " x " };\n" \
	"  management = { cidr = \"198.51.100.0/24\"; }; } );\n"

static void test_relay_settings(void)
{
	struct config *cfg;

	test_config_refused(T_HEAD T_PROV("circuit_id = \"it's\";"), 9,
			    "is not an option 82 id");
	test_config_refused(T_HEAD T_PROV("remote_id = \"a\\\\b\";"), 9,
			    "is not an option 82 id");
	test_config_refused(T_HEAD T_PROV("circuit_id = \"\";"), 9,
			    "is not an option 82 id");
	test_config_refused(T_HEAD T_PROV("circuit_id = \"tab\\there\";"), 9,
			    "holds a control character");
	/* 64 characters: one too many */
	test_config_refused(T_HEAD T_PROV("remote_id = \"0123456789abcdef"
					  "0123456789abcdef0123456789abcdef"
					  "0123456789abcdef\";"), 9,
			    "is not an option 82 id");
	test_config_refused(T_HEAD
			    "pods = ( { name = \"a\"; profile = \"p\";\n"
			    "  provisioning = { cidr = \"2001:db8::/64\"; "
			    "remote_id = \"r\"; };\n"
			    "  management = { cidr = \"2001:db8:1::/64\"; }; } );\n",
			    9, "remote_id is for IPv4 networks only");
	test_config_refused(T_HEAD T_PROV("circuit_id = 4;"), 9,
			    "circuit_id");
	cfg = test_config_ok("ok.conf", T_HEAD T_PROV(
		"circuit_id = \"eth1/0/7:100\"; remote_id = \"tor 12\";"));
	CU_ASSERT_STRING_EQUAL(cfg->pods[0].prov.circuit_id, "eth1/0/7:100");
	CU_ASSERT_STRING_EQUAL(cfg->pods[0].prov.remote_id, "tor 12");
	config_free(cfg);
	cfg = test_config_ok("ok.conf", T_HEAD T_PROV(""));
	CU_ASSERT_STRING_EQUAL(cfg->pods[0].prov.circuit_id, "");
	CU_ASSERT_STRING_EQUAL(cfg->pods[0].prov.remote_id, "");
	config_free(cfg);
}

static const CU_TestInfo tests[] = {
	{ "option 82: a class per pod, its subnet guarded",
	  test_relay_classes },
	{ "option 82 with per-pod firmware classes", test_relay_with_fw },
	{ "circuit_id, remote_id: the grammar, at its line",
	  test_relay_settings },
	CU_TEST_INFO_NULL,
};

static int suite_dhcp_relay_register(void)
{
	return unit_add_suite("dhcp_relay", NULL, NULL, tests);
}

UNIT_SUITE(suite_dhcp_relay_register)
