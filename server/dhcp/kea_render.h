/* kea_render.h: podboot.conf's pods as a kea-dhcp4 configuration. */
#ifndef PODBOOT_KEA_RENDER_H
#define PODBOOT_KEA_RENDER_H

#include <stddef.h>

#include <jansson.h>

#include "config.h"
#include "kea_fw.h"

#define KEA_IFACES_MAX 16

/* Boot file names of podboot's firmware, as the TFTP server serves them. */
#define KEA_FILE_BIOS "undionly.kpxe"
#define KEA_FILE_UEFI "snponly.efi"
#define KEA_FILE_HTTP "ipxe.efi"

/* The client classes (KEA_CLASS_*) are in kea_fw.h. */

/* What the deployment decides and podboot.conf does not say. */
struct kea_opts {
	char next_server[64];		/* TFTP server (IPv4) */
	char boot_url[512];		/* ipxe.efi for UEFI HTTP Boot */
	char socket[108];		/* Kea's control socket (unix) */
	char lease_file[4096];		/* "": Kea's default */
	char ifaces[KEA_IFACES_MAX][64];	/* interfaces Kea listens on */
	size_t n_ifaces;		/* 0: all ("*") */
	unsigned int lifetime_s;	/* lease valid-lifetime */
	char lease_cmds[4096];		/* Kea's lease commands hook, or "" */
	int fw_per_pod;			/* boot files per pod (kea_fw.h) */
};

/**
 * Fill @o's defaults from @cfg where the caller left them empty: first
 * from the dhcp group (interfaces only when @o names none), then the TFTP
 * server is the host of server.plain_base_url when that is an IPv4
 * literal, the HTTP boot URL is plain_base_url/ipxe.efi (when @cfg names
 * a firmware build and no boot URL is given: each pod's own URL on the
 * plain listener, and TFTP names per pod, o->fw_per_pod), the socket
 * /run/kea/kea4-ctrl-socket, the lifetime one hour.
 *
 * @ret rc		0, or -PB_EUSAGE with the reason in @err (what to
 *			pass instead)
 */
int kea_opts_default(const struct config *cfg, struct kea_opts *o,
		     char *err, size_t err_size);

/**
 * Render the kea-dhcp4 configuration ({"Dhcp4": ...}) of @cfg's pods.
 *
 * @v out		receives the document; the caller json_decref()s it
 * @ret rc		0, -ENOMEM, or -PB_ECONFIG with the reason (one line,
 *			naming the pod or node) in @err
 */
int kea_render(const struct config *cfg, const struct kea_opts *o,
	       json_t **out, char *err, size_t err_size);

/**
 * The subnet id of pod @name: stable across renders whatever the order
 * of pods (leases name it), from 1 to 2^31-1.
 */
unsigned int kea_subnet_id(const char *name);

#endif
