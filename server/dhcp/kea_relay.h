/* kea_relay.h: subnet selection by relay agent information (DHCP option
 * 82): a pod whose provisioning network names the circuit-id and/or
 * remote-id its router adds gets a client class testing them, and its
 * subnet admits only that class, so that several pods behind one relay
 * address get their own subnets. */
#ifndef PODBOOT_KEA_RELAY_H
#define PODBOOT_KEA_RELAY_H

#include <stddef.h>

#include <jansson.h>

#include "config.h"

/* The prefix of a pod's option 82 class: "podboot-relay:POD". */
#define KEA_CLASS_RELAY "podboot-relay"

/**
 * Append to @classes, per IPv4 pod whose provisioning network names a
 * circuit_id or remote_id, the class "podboot-relay:POD" that tests
 * relay4[1] (circuit-id) and/or relay4[2] (remote-id).  Kea evaluates
 * it on receipt, before it selects the subnet.
 *
 * @ret rc		0, -ENOMEM, or -PB_ETOOBIG
 */
int kea_relay_classes(const struct config *cfg, json_t *classes);

/**
 * Guard @subnet, pod @p's, with the pod's option 82 class when its
 * provisioning network names one; else leave it alone (selected by its
 * relay address only).
 *
 * @ret rc		0, -ENOMEM, or -PB_ETOOBIG
 */
int kea_relay_guard(const struct config_pod *p, json_t *subnet);

#endif
