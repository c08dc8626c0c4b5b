/* kea_fw.h: Kea's boot files when podboot places the firmware itself
 * (dhcp.firmware_dir or a pod's firmware_dir): per pod, TFTP names under
 * the TFTP root (POD/FILE for a pod with its own build) and the HTTP
 * Boot URL of podboot's plain listener (/boot/fw/POD/ipxe.efi), as
 * client classes each pod's subnet requires. */
#ifndef PODBOOT_KEA_FW_H
#define PODBOOT_KEA_FW_H

#include <stddef.h>

#include <jansson.h>

#include "config.h"

/* The client classes, in the order Kea evaluates them. */
#define KEA_CLASS_IPXE "podboot-ipxe"
#define KEA_CLASS_BIOS "pxe-bios"
#define KEA_CLASS_UEFI "pxe-uefi"
#define KEA_CLASS_HTTP "uefi-http"

/* The vendor class (option 60) of UEFI HTTP Boot: Kea echoes it. */
#define KEA_VENDOR_HTTP "HTTPClient"

/** 1 when @cfg names a firmware build (shared or any pod's), else 0. */
int kea_fw_any(const struct config *cfg);

/**
 * The TFTP boot file name of @file for pod @p's machines: "POD/FILE"
 * for a pod with its own build, else FILE.
 *
 * @ret rc		0, or -PB_ETOOBIG
 */
int kea_fw_tftp_name(const struct config_pod *p, const char *file,
		     char *out, size_t size);

/**
 * The option-data of the UEFI HTTP Boot class: the vendor class
 * "HTTPClient" (option 60) always sent back.  The firmware takes an
 * offer for HTTP Boot only when it carries it.  NULL if out of memory.
 */
json_t *kea_fw_http_echo(void);

/**
 * The client classes when boot files are per pod: podboot's iPXE first,
 * then per IPv4 pod its BIOS, UEFI (TFTP server @next_server) and HTTP
 * Boot classes (only-if-required, named CLASS:POD; the HTTP Boot URL on
 * server.plain_base_url).  NULL if out of memory.
 */
json_t *kea_fw_classes(const struct config *cfg, const char *next_server);

/**
 * Make each subnet in @subnets (tagged with its pod in user-context)
 * require its pod's classes.
 *
 * @ret rc		0 or -ENOMEM
 */
int kea_fw_require(json_t *subnets);

#endif
