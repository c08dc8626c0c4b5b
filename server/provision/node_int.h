/* node_int.h: what the node files share (node_ks.c serves kickstarts,
 * node.c the node actions), and nothing else includes. */
#ifndef PODBOOT_NODE_INT_H
#define PODBOOT_NODE_INT_H

#include "config.h"
#include "http.h"
#include "nodetoken.h"
#include "store.h"

/* Placeholders of kickstart templates, in the order node_ks_fill fills. */
enum node_ks_var {
	KS_HOSTNAME, KS_NODE, KS_MAC, KS_POD, KS_SITE, KS_ADDRESS, KS_PREFIX,
	KS_GATEWAY, KS_DNS, KS_VLAN, KS_VLAN_OPT, KS_SERVER, KS_TOKEN,
	KS_INSTALLED_URL, KS_FAILED_URL, KS_ROOT_CA, KS_COUNT
};

/* The values of one node's kickstart, and the text they point into. */
struct node_ks {
	char prefix[8], vlan[8], vlan_opt[24];
	char dns[CONFIG_DNS_MAX * 64 + 8];
	char installed[512], failed[512];
	char token[NODE_TOKEN_MAX];
	char *root_ca;			/* malloc'd PEM */
	const char *values[KS_COUNT];
};


/**
 * Fill @ks->values: everything the kickstart of node @n (configured as
 * @cn) may say, for a client of the server at @base.  Pure: @token is the
 * node's token and @root_ca the PEM of the podboot root (borrowed: the
 * values point at it, and @ks->root_ca is left alone).
 */
void node_ks_fill(const struct config_node *cn, const struct store_node *n,
		  const char *base, const char *token, const char *root_ca,
		  struct node_ks *ks);

/** GET /ks/TOKEN: the route's start (node_ks.c). */
int node_ks_get(struct http_req *r);

#endif
