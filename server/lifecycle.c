/* lifecycle.c: the install lifecycle's decisions (the one-shot rule) as
 * pure functions of their facts; boot.c and node.c reply. */
#include "lifecycle.h"

int lifecycle_installs(enum node_state state)
{
	return state == NODE_ARMED || state == NODE_BOOTING ||
	       state == NODE_INSTALLING;
}

enum lifecycle_boot lifecycle_boot(const struct lifecycle_boot_in *in)
{
	if (!in->configured) {
		if (!in->discover)
			return LIFECYCLE_BOOT_LOCAL;
		/* Every machine without a MAC of its own would share one
		 * row. */
		if (in->mac_placeholder)
			return LIFECYCLE_BOOT_PLACEHOLDER;
		return LIFECYCLE_BOOT_DISCOVER;
	}
	if (in->plain && !in->pod_plain_ok)
		return LIFECYCLE_BOOT_NO_PLAIN;
	/* Stage2 carries the node's kickstart token: only to the pod. */
	if (!in->pod_net_ok)
		return LIFECYCLE_BOOT_NO_NET;
	if (!in->stored)
		return LIFECYCLE_BOOT_UNSTORED;
	if (!lifecycle_installs(in->state))
		return LIFECYCLE_BOOT_LOCAL;
	/* Only a real fetch moves the node on: not HEAD, not the .sig. */
	if (in->fetch && in->state == NODE_ARMED)
		return LIFECYCLE_BOOT_INSTALL_MARK;
	return LIFECYCLE_BOOT_INSTALL;
}

enum lifecycle_ks lifecycle_kickstart(const struct lifecycle_ks_in *in)
{
	if (!in->configured)
		return LIFECYCLE_KS_UNCONFIGURED;
	if (in->plain && !in->pod_plain_ok)
		return LIFECYCLE_KS_NO_PLAIN;
	if (!in->pod_net_ok)
		return LIFECYCLE_KS_NO_NET;
	if (!lifecycle_installs(in->state))
		return LIFECYCLE_KS_DONE;
	/* Rendered, the fetch counts; an installing node stays so. */
	if (in->get && in->state != NODE_INSTALLING)
		return LIFECYCLE_KS_SERVE_MARK;
	return LIFECYCLE_KS_SERVE;
}
