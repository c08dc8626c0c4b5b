/* kea_fw.c: per-pod boot files in Kea's configuration when podboot
 * places the first-stage firmware (kea_fw.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "fwbuild.h"
#include "fwimage.h"
#include "kea_fw.h"

/* Kea's test of a class that podboot's own iPXE does not fall into. */
#define KEA_FW_NOT_IPXE " and not member('" KEA_CLASS_IPXE "')"

int kea_fw_any(const struct config *cfg)
{
	size_t i;

	if (cfg->dhcp_firmware_dir[0])
		return 1;
	for (i = 0; i < cfg->n_pods; i++)
		if (cfg->pods[i].firmware_dir[0])
			return 1;
	return 0;
}

int kea_fw_tftp_name(const struct config_pod *p, const char *file,
		     char *out, size_t size)
{
	int n;

	if (p->firmware_dir[0])
		n = snprintf(out, size, "%s/%s", p->name, file);
	else
		n = snprintf(out, size, "%s", file);
	return n < 0 || (size_t)n >= size ? -PB_ETOOBIG : 0;
}

json_t *kea_fw_http_echo(void)
{
	json_t *list = json_array();

	if (list && json_array_append_new(list, json_pack("{s:s,s:s,s:b}",
			"name", "vendor-class-identifier",
			"data", KEA_VENDOR_HTTP, "always-send", 1)) != 0)
		json_decref(list), list = NULL;
	return list;
}

/* The name of class @base for pod @pod ("BASE:POD") into @out. */
static void kea_fw_class_name(char *out, size_t size, const char *base,
			      const char *pod)
{
	snprintf(out, size, "%s:%s", base, pod);
}

/* Append pod @p's three classes to @list: 0 or -ENOMEM. */
static int kea_fw_pod_classes(const struct config *cfg,
			      const struct config_pod *p,
			      const char *next_server, json_t *list)
{
	char bios[80], uefi[80], http[80], fbios[160], fuefi[160], url[512];
	json_t *c;

	kea_fw_class_name(bios, sizeof(bios), KEA_CLASS_BIOS, p->name);
	kea_fw_class_name(uefi, sizeof(uefi), KEA_CLASS_UEFI, p->name);
	kea_fw_class_name(http, sizeof(http), KEA_CLASS_HTTP, p->name);
	if (kea_fw_tftp_name(p, FWBUILD_BIOS, fbios, sizeof(fbios)) != 0 ||
	    kea_fw_tftp_name(p, FWBUILD_UEFI, fuefi, sizeof(fuefi)) != 0 ||
	    fwimage_url(url, sizeof(url), cfg->plain_base_url, p->name,
			FWBUILD_HTTP) != 0)
		return -PB_ETOOBIG;
	c = json_pack("[{s:s,s:s,s:b,s:s,s:s},"
		      "{s:s,s:s,s:b,s:s,s:s},"
		      "{s:s,s:s,s:b,s:s,s:o}]",
		      "name", bios,
		      "test", "option[93].hex == 0x0000" KEA_FW_NOT_IPXE,
		      "only-if-required", 1,
		      "next-server", next_server, "boot-file-name", fbios,
		      "name", uefi,
		      "test", "(option[93].hex == 0x0007 or "
			      "option[93].hex == 0x0009)" KEA_FW_NOT_IPXE,
		      "only-if-required", 1,
		      "next-server", next_server, "boot-file-name", fuefi,
		      "name", http,
		      "test", "substring(option[60].hex,0,10) == '"
			      KEA_VENDOR_HTTP "' and option[93].hex == 0x0010"
			      KEA_FW_NOT_IPXE,
		      "only-if-required", 1,
		      "boot-file-name", url,
		      "option-data", kea_fw_http_echo());
	if (!c || json_array_extend(list, c) != 0) {
		json_decref(c);
		return -ENOMEM;
	}
	json_decref(c);
	return 0;
}

json_t *kea_fw_classes(const struct config *cfg, const char *next_server)
{
	json_t *list = json_pack("[{s:s,s:s}]", "name", KEA_CLASS_IPXE,
				 "test", "option[77].hex == 'podboot'");
	size_t i;

	for (i = 0; list && i < cfg->n_pods; i++) {
		if (strchr(cfg->pods[i].prov.cidr, ':'))
			continue;	/* as kea_subnets(): IPv4 only */
		if (kea_fw_pod_classes(cfg, &cfg->pods[i], next_server, list) != 0)
			json_decref(list), list = NULL;
	}
	return list;
}

int kea_fw_require(json_t *subnets)
{
	char bios[80], uefi[80], http[80];
	const char *pod;
	json_t *s;
	size_t i;

	json_array_foreach(subnets, i, s) {
		pod = json_string_value(json_object_get(
			json_object_get(s, "user-context"), "podboot-pod"));
		if (!pod)
			continue;
		kea_fw_class_name(bios, sizeof(bios), KEA_CLASS_BIOS, pod);
		kea_fw_class_name(uefi, sizeof(uefi), KEA_CLASS_UEFI, pod);
		kea_fw_class_name(http, sizeof(http), KEA_CLASS_HTTP, pod);
		if (json_object_set_new(s, "require-client-classes",
					json_pack("[s,s,s]", bios, uefi,
						  http)) != 0)
			return -ENOMEM;
	}
	return 0;
}
