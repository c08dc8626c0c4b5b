/* test_dhcp_kea_fw.c: Kea's boot files per pod when podboot places the
 * firmware: TFTP names under the TFTP root, the HTTP Boot URL of each
 * pod on the plain listener, as classes each pod's subnet requires. */
#include <string.h>

#include <CUnit/CUnit.h>

#include "error.h"
#include "kea_render.h"
#include "test_config.h"
#include "unit.h"

/* Pod a on the shared build, pod b on its own; an explicit boot URL
 * (dhcp.boot_url) turns the per-pod files off. */
#define FW_CONF(DHCP)                                                  \
	"server = { base_url = \"https://h\"; " T_PATHS                \
	"data_dir = \"d\"; plain_port = 8080;\n"                       \
	"  plain_base_url = \"http://10.9.0.1:8080\"; };\n"            \
	"profiles = ( { name = \"p\"; kernel = \"k\"; initrd = \"i\"; " \
	"kickstart = \"p.ks\"; } );\n"                                 \
	"pods = (\n"                                                   \
	" { name = \"pod-a\"; profile = \"p\";\n"                      \
	"   provisioning = { cidr = \"10.10.1.0/24\"; gateway = \"10.10.1.1\"; };\n" \
	"   management = { cidr = \"10.20.1.0/24\"; }; },\n"         \
	" { name = \"pod-b\"; profile = \"p\"; firmware_dir = \"/fw/b\";\n" \
	"   provisioning = { cidr = \"10.10.2.0/24\"; relay = \"10.10.2.1\"; };\n" \
	"   management = { cidr = \"10.20.2.0/24\"; }; }\n"          \
	");\n"                                                         \
	"dhcp = { " DHCP " };\n"

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

/* Class @name of @doc, or NULL. */
static json_t *class_of(json_t *doc, const char *name)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(doc, "Dhcp4"),
					   "client-classes"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "name")),
			   name) == 0)
			return c;
	return NULL;
}

/* Field @key of class @name in @doc, or "". */
static const char *field(json_t *doc, const char *name, const char *key)
{
	const char *v = json_string_value(json_object_get(class_of(doc, name),
							  key));
	return v ? v : "";
}

/* The classes subnet @i of @doc requires, joined by spaces. */
static void required(json_t *doc, size_t i, char *out, size_t size)
{
	json_t *s = json_array_get(json_object_get(json_object_get(doc,
		"Dhcp4"), "subnet4"), i), *c;
	size_t k;

	out[0] = '\0';
	json_array_foreach(json_object_get(s, "require-client-classes"), k, c) {
		strncat(out, json_string_value(c), size - strlen(out) - 1);
		strncat(out, " ", size - strlen(out) - 1);
	}
}

static void test_per_pod(void)
{
	struct kea_opts o;
	json_t *doc = render(FW_CONF("firmware_dir = \"/fw/shared\";"), &o);
	json_t *echo;
	char req[256];

	CU_ASSERT_EQUAL(o.fw_per_pod, 1);
	/* no shared boot class: each pod's, required by its subnet */
	CU_ASSERT_PTR_NULL(class_of(doc, KEA_CLASS_BIOS));
	CU_ASSERT_PTR_NOT_NULL(class_of(doc, KEA_CLASS_IPXE));
	CU_ASSERT_STRING_EQUAL(field(doc, "pxe-bios:pod-a", "boot-file-name"),
			       "undionly.kpxe");
	CU_ASSERT_STRING_EQUAL(field(doc, "pxe-bios:pod-b", "boot-file-name"),
			       "pod-b/undionly.kpxe");
	CU_ASSERT_STRING_EQUAL(field(doc, "pxe-uefi:pod-b", "boot-file-name"),
			       "pod-b/snponly.efi");
	CU_ASSERT_STRING_EQUAL(field(doc, "pxe-uefi:pod-b", "next-server"),
			       "10.9.0.1");
	CU_ASSERT_STRING_EQUAL(field(doc, "uefi-http:pod-a", "boot-file-name"),
			       "http://10.9.0.1:8080/boot/fw/pod-a/ipxe.efi");
	CU_ASSERT_STRING_EQUAL(field(doc, "uefi-http:pod-b", "boot-file-name"),
			       "http://10.9.0.1:8080/boot/fw/pod-b/ipxe.efi");
	CU_ASSERT_EQUAL(json_object_get(class_of(doc, "pxe-bios:pod-a"),
					"only-if-required"), json_true());
	/* each pod's HTTP Boot class echoes the vendor class; PXE's not */
	echo = json_array_get(json_object_get(class_of(doc, "uefi-http:pod-b"),
					      "option-data"), 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(echo, "name")),
			       "vendor-class-identifier");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(echo, "data")),
			       "HTTPClient");
	CU_ASSERT_EQUAL(json_object_get(echo, "always-send"), json_true());
	CU_ASSERT_PTR_NULL(json_object_get(class_of(doc, "pxe-uefi:pod-b"),
					   "option-data"));
	/* podboot's own iPXE never gets a boot file */
	CU_ASSERT_PTR_NOT_NULL(strstr(field(doc, "pxe-bios:pod-a", "test"),
				      "not member('podboot-ipxe')"));
	required(doc, 0, req, sizeof(req));
	CU_ASSERT_STRING_EQUAL(req, "pxe-bios:pod-a pxe-uefi:pod-a "
				    "uefi-http:pod-a ");
	required(doc, 1, req, sizeof(req));
	CU_ASSERT_STRING_EQUAL(req, "pxe-bios:pod-b pxe-uefi:pod-b "
				    "uefi-http:pod-b ");
	json_decref(doc);
}

static void test_off(void)
{
	struct kea_opts o;
	json_t *doc;
	char req[256];

	/* an explicit boot URL: the shared classes, as without firmware */
	doc = render(FW_CONF("firmware_dir = \"/fw/shared\"; "
			     "boot_url = \"http://10.9.9.9/e.efi\";"), &o);
	CU_ASSERT_EQUAL(o.fw_per_pod, 0);
	CU_ASSERT_STRING_EQUAL(field(doc, KEA_CLASS_BIOS, "boot-file-name"),
			       "undionly.kpxe");
	CU_ASSERT_PTR_NULL(class_of(doc, "pxe-bios:pod-a"));
	required(doc, 0, req, sizeof(req));
	CU_ASSERT_STRING_EQUAL(req, "");
	json_decref(doc);
}

static const CU_TestInfo tests[] = {
	{ "per pod: TFTP names, HTTP Boot URLs, required", test_per_pod },
	{ "an explicit boot URL: shared classes", test_off },
	CU_TEST_INFO_NULL,
};

static int suite_dhcp_kea_fw_register(void)
{
	return unit_add_suite("dhcp_kea_fw", NULL, NULL, tests);
}

UNIT_SUITE(suite_dhcp_kea_fw_register)
