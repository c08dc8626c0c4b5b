/* serve_dhcp.h: "podboot serve" keeps Kea in step with its
 * configuration: each generation with dhcp.kea_socket is rendered and
 * applied (config-test, config-set, config-write; never a restart) by a
 * worker thread, off the reload's path.  Before Kea, the same worker
 * checks the firmware builds (dhcp.firmware_dir, a pod's firmware_dir)
 * against their SHA256SUMS, copies their TFTP files into dhcp.tftp_root
 * and swaps the files srv->fw serves; a failed check refuses the
 * generation's DHCP part. */
#ifndef PODBOOT_SERVE_DHCP_H
#define PODBOOT_SERVE_DHCP_H

#include "server.h"

/**
 * Start @srv's DHCP worker (srv->dhcp_worker); it waits for
 * serve_dhcp_post().
 *
 * @ret rc		0, -ENOMEM or -errno of pthread_create
 */
int serve_dhcp_start(struct server *srv);

/**
 * Ask the worker to place @gen's firmware when its configuration names
 * a build or dhcp.tftp_root, and to apply it to Kea when it names
 * dhcp.kea_socket (else nothing), and to read Kea's leases every
 * dhcp.leases_interval_s from now on (unknown machines: discovered).  A generation not yet applied is
 * replaced: only the latest reaches Kea.  Takes its own reference.
 */
void serve_dhcp_post(struct server *srv, struct server_gen *gen);

/**
 * Stop the worker, after the apply in progress if any (each of Kea's
 * replies is bounded by KEA_CTL_TIMEOUT_MS); a posted generation not yet
 * applied is dropped.  Safe when it never started.
 */
void serve_dhcp_stop(struct server *srv);

#endif
