/* lifecycle.c: the install lifecycle's decisions (the one-shot rule, the
 * node actions) as pure functions of their facts; boot.c and node.c
 * reply. */
#include <string.h>

#include "lifecycle.h"

/* The node actions, a table: only the node reports its install's end, and
 * only an operator starts another. */
static const struct lifecycle_action lifecycle_actions[] = {
	{ "installed", 0, NODE_BIT(NODE_BOOTING) | NODE_BIT(NODE_INSTALLING),
	  NODE_INSTALLED, 0 },
	{ "failed", 0, NODE_BIT(NODE_BOOTING) | NODE_BIT(NODE_INSTALLING),
	  NODE_FAILED, 0 },
	{ "rearm", 1, NODE_BIT(NODE_ARMED) | NODE_BIT(NODE_BOOTING) |
			      NODE_BIT(NODE_INSTALLING) |
			      NODE_BIT(NODE_INSTALLED) | NODE_BIT(NODE_FAILED),
	  NODE_ARMED, 1 },
};

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

const struct lifecycle_action *lifecycle_action(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(lifecycle_actions) /
				    sizeof(lifecycle_actions[0]); i++)
		if (strcmp(name, lifecycle_actions[i].name) == 0)
			return &lifecycle_actions[i];
	return NULL;
}

enum lifecycle_post lifecycle_post(const struct lifecycle_post_in *in)
{
	if (in->operator && in->plain)
		return LIFECYCLE_POST_NEED_HTTPS;
	if (!in->authed)
		return LIFECYCLE_POST_UNAUTHED;
	if (!in->operator && in->plain &&
	    !(in->configured && in->pod_plain_ok))
		return LIFECYCLE_POST_NO_PLAIN;
	if (!in->operator && in->configured && !in->pod_net_ok)
		return LIFECYCLE_POST_NO_NET;
	if (!in->configured)
		return LIFECYCLE_POST_UNCONFIGURED;
	return LIFECYCLE_POST_APPLY;
}
