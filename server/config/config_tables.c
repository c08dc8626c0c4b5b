/* config_tables.c: the schema of podboot.conf as tables, and the checks
 * across settings that the tables name. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "config.h"
#include "config_int.h"
#include "token.h"

/* ---- Checks across settings ---- */

/*
 * Checks across the server group: the plain listener needs its own port
 * and a plain_base_url of http://; uefi_cert and uefi_key go together.  0, or -PB_ECONFIG with the message
 * written.
 */
static int config_server_check(struct config_ctx *ctx,
			       const config_setting_t *g, void *base)
{
	const struct config *cfg = base;

	if (cfg->plain_port && cfg->plain_port == cfg->port)
		return config_fail(ctx, config_setting_get_member(g,
								  "plain_port"),
				   NULL, "%u is also server.port (expected "
				   "another port, or 0 for none)",
				   cfg->plain_port);
	/* Plain boot scripts name the plain listener: by configuration,
	 * never by what a request's Host header says. */
	if (cfg->plain_port && !cfg->plain_base_url[0])
		return config_fail(ctx, config_setting_get_member(
					   g, "plain_port"), NULL,
				   "%u needs server.plain_base_url (the plain "
				   "listener's URL, such as "
				   "\"http://boot.example.net:8080\")",
				   cfg->plain_port);
	/* EFI kernels are signed with both, or not at all. */
	if (!cfg->uefi_cert[0] != !cfg->uefi_key[0])
		return config_fail(ctx, config_setting_get_member(
					   g, cfg->uefi_cert[0] ? "uefi_cert" :
					   "uefi_key"), NULL,
				   "needs server.%s too (the UEFI signing "
				   "pair goes together)",
				   cfg->uefi_cert[0] ? "uefi_key" :
				   "uefi_cert");
	if (cfg->plain_base_url[0] &&
	    strncmp(cfg->plain_base_url, "http://", 7) != 0)
		return config_fail(ctx, config_setting_get_member(
					   g, "plain_base_url"), NULL,
				   "\"%s\" is not an http:// URL",
				   cfg->plain_base_url);
	return 0;
}

/* @text (IPv4) as a host-order number in *@v; 0, or -1 if not IPv4. */
static int config_ipv4_value(const char *text, uint32_t *v)
{
	struct in_addr a;

	if (inet_pton(AF_INET, text, &a) != 1)
		return -1;
	*v = ntohl(a.s_addr);
	return 0;
}

/*
 * A network's DHCP pool: pool_start and pool_end both or neither, IPv4
 * addresses inside the network (@addr/@prefix, host bits clear), start
 * not after end.  0, or -PB_ECONFIG with the message written.
 */
static int config_pool_check(struct config_ctx *ctx,
			     const config_setting_t *g,
			     const struct config_net *net,
			     const unsigned char *addr, int family, int prefix)
{
	uint32_t base, mask, lo, hi;

	if (!net->pool_start[0] && !net->pool_end[0])
		return 0;
	if (!net->pool_start[0] || !net->pool_end[0])
		return config_fail(ctx, g, net->pool_start[0] ? "pool_start" :
				   "pool_end", "needs %s too (a pool is a "
				   "range)", net->pool_start[0] ?
				   "pool_end" : "pool_start");
	if (family != AF_INET)
		return config_fail(ctx, g, "pool_start", "is for IPv4 "
				   "networks only (%s is IPv6)", net->cidr);
	memcpy(&base, addr, 4);
	base = ntohl(base);
	mask = prefix ? ~(uint32_t)0 << (32 - prefix) : 0;
	if (config_ipv4_value(net->pool_start, &lo) != 0 ||
	    (lo & mask) != base)
		return config_fail(ctx, config_setting_get_member(
					   g, "pool_start"), NULL, "\"%s\" is "
				   "not in the network %s", net->pool_start,
				   net->cidr);
	if (config_ipv4_value(net->pool_end, &hi) != 0 || (hi & mask) != base)
		return config_fail(ctx, config_setting_get_member(
					   g, "pool_end"), NULL, "\"%s\" is "
				   "not in the network %s", net->pool_end,
				   net->cidr);
	if (lo > hi)
		return config_fail(ctx, config_setting_get_member(
					   g, "pool_end"), NULL, "\"%s\" is "
				   "before pool_start %s", net->pool_end,
				   net->pool_start);
	return 0;
}

/*
 * A pod network's gateway is of its cidr's address family.  0, or
 * -PB_ECONFIG with the message written.
 */
static int config_net_check(struct config_ctx *ctx, const config_setting_t *g,
			    void *base)
{
	const struct config_net *net = base;
	unsigned char addr[16];
	int family, prefix;

	if (config_cidr_parse(net->cidr, addr, &family, &prefix) != 0)
		return config_fail(ctx, g, "cidr", "is not valid");
	if (net->gateway[0] && config_ip_family(net->gateway) != family)
		return config_fail(ctx, config_setting_get_member(g, "gateway"),
				   NULL, "\"%s\" is not an %s address like "
				   "the network %s", net->gateway,
				   family == AF_INET ? "IPv4" : "IPv6",
				   net->cidr);
	if (net->relay[0] && config_ip_family(net->relay) != family)
		return config_fail(ctx, config_setting_get_member(g, "relay"),
				   NULL, "\"%s\" is not an %s address like "
				   "the network %s", net->relay,
				   family == AF_INET ? "IPv4" : "IPv6",
				   net->cidr);
	if ((net->circuit_id[0] || net->remote_id[0]) && family != AF_INET)
		return config_fail(ctx, g, net->circuit_id[0] ? "circuit_id" :
				   "remote_id", "is for IPv4 networks only "
				   "(%s is IPv6)", net->cidr);
	return config_pool_check(ctx, g, net, addr, family, prefix);
}

/* A node without a profile of its own boots its pod's. */
static int config_node_check(struct config_ctx *ctx,
			     const config_setting_t *g, void *base)
{
	struct config_node *node = base;
	size_t pos;

	if (node->profile)
		return 0;
	pos = config_index_find(&ctx->profiles, node->pod->profile);
	if (pos == SIZE_MAX)
		return config_fail(ctx, g, "pod", "has no profile");
	node->profile = &ctx->cfg->profiles[pos];
	return 0;
}

/*
 * Index the profiles by name (for references from pods and nodes),
 * refusing duplicate names; the index lives in @ctx until the load ends.
 */
static int config_profiles_check(struct config_ctx *ctx,
				 const config_setting_t *list)
{
	return config_index_build(ctx, &ctx->profiles, list,
				  ctx->cfg->profiles,
				  sizeof(struct config_profile),
				  ctx->cfg->n_profiles,
				  offsetof(struct config_profile, name), "name");
}

/*
 * Index the pods by name (for nodes' references), refusing duplicate
 * names; the index lives in @ctx until the load ends.
 */
static int config_pods_check(struct config_ctx *ctx,
			     const config_setting_t *list)
{
	return config_index_build(ctx, &ctx->pods, list, ctx->cfg->pods,
				  sizeof(struct config_pod), ctx->cfg->n_pods,
				  offsetof(struct config_pod, name), "name");
}

/* qsort() order of nodes: by normalised MAC, for config_node_by_mac(). */
int config_node_mac_cmp(const void *a, const void *b)
{
	return strcmp(((const struct config_node *)a)->mac,
		      ((const struct config_node *)b)->mac);
}

/* Keys of a node that no other node may share. */
static const struct {
	const char *member;
	size_t off;
} config_node_unique[] = {
	{ "hostname", offsetof(struct config_node, hostname) },
	{ "mac", offsetof(struct config_node, mac) },
	{ "uuid", offsetof(struct config_node, uuid) },
	{ "serial", offsetof(struct config_node, serial) },
};

/* qsort() order of node pointers: by hostname, for config_node_by_id(). */
int config_node_ptr_id_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct config_node *const *)a)->hostname,
		      (*(const struct config_node *const *)b)->hostname);
}

/* Pointers to the nodes sorted by hostname: id lookups on every push. */
int config_index_ids(struct config *cfg)
{
	size_t i;

	cfg->nodes_by_id = calloc(cfg->n_nodes + 1,
				  sizeof(*cfg->nodes_by_id));
	if (!cfg->nodes_by_id)
		return -ENOMEM;
	for (i = 0; i < cfg->n_nodes; i++)
		cfg->nodes_by_id[i] = &cfg->nodes[i];
	qsort(cfg->nodes_by_id, cfg->n_nodes, sizeof(*cfg->nodes_by_id),
	      config_node_ptr_id_cmp);
	return 0;
}

/* Refuse shared identities, then sort by MAC for config_node_by_mac(). */
static int config_nodes_check(struct config_ctx *ctx,
			      const config_setting_t *list)
{
	struct config *cfg = ctx->cfg;
	struct config_index idx;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < sizeof(config_node_unique) /
					sizeof(config_node_unique[0]); i++) {
		rc = config_index_build(ctx, &idx, list, cfg->nodes,
					sizeof(*cfg->nodes), cfg->n_nodes,
					config_node_unique[i].off,
					config_node_unique[i].member);
		config_index_free(&idx);
	}
	if (rc == 0)
		qsort(cfg->nodes, cfg->n_nodes, sizeof(*cfg->nodes),
		      config_node_mac_cmp);
	if (rc == 0)
		rc = config_index_ids(cfg);
	return rc;
}

/* Two tokens with one secret would make the audit trail ambiguous. */
static int config_tokens_check(struct config_ctx *ctx,
			       const config_setting_t *list)
{
	struct config *cfg = ctx->cfg;
	struct config_index idx;
	int rc;

	rc = config_index_build(ctx, &idx, list, cfg->tokens,
				sizeof(*cfg->tokens), cfg->n_tokens,
				offsetof(struct config_token, name), "name");
	config_index_free(&idx);
	if (rc == 0)
		rc = config_index_build(ctx, &idx, list, cfg->tokens,
					sizeof(*cfg->tokens), cfg->n_tokens,
					offsetof(struct config_token, sha256),
					"sha256");
	config_index_free(&idx);
	return rc;
}

/* Hand the @n parsed pods at @items to @cfg, which frees them. */
static void config_attach_pods(struct config *cfg, void *items, size_t n)
{
	cfg->pods = items;
	cfg->n_pods = n;
}

/* Hand the @n parsed profiles at @items to @cfg, which frees them. */
static void config_attach_profiles(struct config *cfg, void *items, size_t n)
{
	cfg->profiles = items;
	cfg->n_profiles = n;
}

/* Hand the @n parsed nodes at @items to @cfg, which frees them. */
static void config_attach_nodes(struct config *cfg, void *items, size_t n)
{
	cfg->nodes = items;
	cfg->n_nodes = n;
}

/* Hand the @n parsed tokens at @items to @cfg, which frees them. */
static void config_attach_tokens(struct config *cfg, void *items, size_t n)
{
	cfg->tokens = items;
	cfg->n_tokens = n;
}

/* ---- The schema ---- */

#define CONFIG_FIELD(type, field) \
	.off = offsetof(type, field), .size = sizeof(((type *)0)->field)

#define X_PATH "a file path, absolute or relative to this file"
#define X_NAME "a name of [a-z0-9][a-z0-9._-]*"
#define X_IP "an IP address such as \"192.0.2.1\""
#define X_CIDR "a network such as \"192.0.2.0/24\""
#define X_ARTIFACT "an artifact name such as \"el9/vmlinuz\""

static const struct config_key config_limits_keys[] = {
	{ .name = "max_upload_mb", .parse = config_key_megabytes,
	  .off = offsetof(struct config, max_upload),
	  .min = 1, .max = 1048576, .def = 4096 },
	{ .name = "max_connections", .parse = config_key_uint,
	  .off = offsetof(struct config, max_connections),
	  .min = 1, .max = 100000, .def = 1024 },
	{ .name = "timeout_s", .parse = config_key_uint,
	  .off = offsetof(struct config, timeout_s),
	  .min = 1, .max = 3600, .def = 30 },
	{ .name = "keep_versions", .parse = config_key_uint,
	  .off = offsetof(struct config, keep_versions),
	  .min = 1, .max = 1000, .def = 5 },
	{ .name = "threads", .parse = config_key_uint,
	  .off = offsetof(struct config, threads),
	  .min = 0, .max = 64, .def = 0 },
	{ .name = "max_per_client", .parse = config_key_uint,
	  .off = offsetof(struct config, max_per_client),
	  .min = 1, .max = 100000, .def = 256 },
	{ .name = "max_transfers", .parse = config_key_uint,
	  .off = offsetof(struct config, max_transfers),
	  .min = 0, .max = 99999, .def = 0 },
	{ .name = "min_rate", .parse = config_key_uint,
	  .off = offsetof(struct config, min_rate),
	  .min = 0, .max = 1073741824, .def = 16384 },
	{ .name = "min_rate_grace_s", .parse = config_key_uint,
	  .off = offsetof(struct config, min_rate_grace_s),
	  .min = 1, .max = 3600, .def = 30 },
	{ .name = "bmc_queue", .parse = config_key_uint,
	  .off = offsetof(struct config, bmc_queue),
	  .min = 1, .max = 10000, .def = 256 },
};

/*
 * Body transfers may take max_transfers connections, never all: the rest
 * of max_connections is the reserve that keeps /healthz, stage2 and the
 * status API reachable.  0 (the default) means three quarters.
 */
static int config_limits_check(struct config_ctx *ctx,
			       const config_setting_t *g, void *base)
{
	struct config *cfg = base;

	if (cfg->max_transfers == 0) {
		cfg->max_transfers = cfg->max_connections -
				     cfg->max_connections / 4;
		return 0;
	}
	if (cfg->max_transfers >= cfg->max_connections)
		return config_fail(ctx, config_setting_get_member(
					   g, "max_transfers"), NULL,
				   "%u leaves no reserve (expected fewer than "
				   "max_connections, %u)",
				   cfg->max_transfers, cfg->max_connections);
	return 0;
}

static const struct config_group config_limits = {
	"the server's limits", config_limits_keys,
	CONFIG_N(config_limits_keys), config_limits_check
};

static const struct config_key config_server_keys[] = {
	{ .name = "listen", .parse = config_key_ip,
	  CONFIG_FIELD(struct config, listen), .def_str = "127.0.0.1",
	  .expect = X_IP },
	{ .name = "port", .parse = config_key_uint,
	  .off = offsetof(struct config, port),
	  .min = 1, .max = 65535, .def = 8443 },
	{ .name = "base_url", .parse = config_key_url,
	  CONFIG_FIELD(struct config, base_url), .required = 1,
	  .expect = "a URL such as \"https://boot.example.net:8443\"" },
	{ .name = "tls_cert", .parse = config_key_path,
	  CONFIG_FIELD(struct config, tls_cert), .required = 1,
	  .expect = X_PATH },
	{ .name = "tls_key", .parse = config_key_path,
	  CONFIG_FIELD(struct config, tls_key), .required = 1,
	  .expect = X_PATH },
	{ .name = "tls_priorities", .parse = config_key_priorities,
	  CONFIG_FIELD(struct config, tls_priorities),
	  .def_str = CONFIG_TLS_PRIORITIES,
	  .expect = "a GnuTLS priority string" },
	{ .name = "codesign_cert", .parse = config_key_path,
	  CONFIG_FIELD(struct config, codesign_cert), .required = 1,
	  .expect = X_PATH },
	{ .name = "codesign_key", .parse = config_key_path,
	  CONFIG_FIELD(struct config, codesign_key), .required = 1,
	  .expect = X_PATH },
	{ .name = "root_cert", .parse = config_key_path,
	  CONFIG_FIELD(struct config, root_cert), .required = 1,
	  .expect = X_PATH },
	{ .name = "uefi_cert", .parse = config_key_path,
	  CONFIG_FIELD(struct config, uefi_cert), .expect = X_PATH },
	{ .name = "uefi_key", .parse = config_key_path,
	  CONFIG_FIELD(struct config, uefi_key), .expect = X_PATH },
	{ .name = "data_dir", .parse = config_key_path,
	  CONFIG_FIELD(struct config, data_dir), .required = 1,
	  .expect = "a directory path, absolute or relative to this file" },
	{ .name = "store", .parse = config_key_store, .off = 0,
	  .group = &config_store,
	  .expect = "a URL such as \"postgresql://db.example.net/podboot\", "
		    "or a group { url = ...; password_file = ...; }" },
	{ .name = "replicas", .parse = config_key_replicas, .off = 0,
	  .expect = "an array of HOST:PORT such as [ \"10.0.0.11:8443\", "
		    "\"10.0.0.12:8443\" ]" },
	{ .name = "plain_port", .parse = config_key_uint,
	  .off = offsetof(struct config, plain_port),
	  .min = 0, .max = 65535, .def = 0 },
	{ .name = "plain_base_url", .parse = config_key_url,
	  CONFIG_FIELD(struct config, plain_base_url),
	  .expect = "a URL such as \"http://boot.example.net:8080\"" },
	{ .name = "plain_allow_nonlocal", .parse = config_key_bool,
	  .off = offsetof(struct config, plain_allow_nonlocal), .def = 0 },
	{ .name = "limits", .parse = config_key_group, .off = 0,
	  .group = &config_limits, .expect = "a group { max_upload_mb = ...; }" },
};

static const struct config_group config_server = {
	"the server", config_server_keys, CONFIG_N(config_server_keys),
	config_server_check
};

static const struct config_key config_policy_keys[] = {
	{ .name = "unknown", .parse = config_key_policy,
	  .off = offsetof(struct config, unknown),
	  .expect = "\"ignore\" or \"discover\"" },
	{ .name = "max_discovered", .parse = config_key_uint,
	  .off = offsetof(struct config, max_discovered),
	  .min = 1, .max = 1000000, .def = 10000 },
};

static const struct config_group config_policy = {
	"the policy", config_policy_keys, CONFIG_N(config_policy_keys), NULL
};

static const struct config_key config_net_keys[] = {
	{ .name = "cidr", .parse = config_key_cidr, .off = 0, .required = 1,
	  .expect = X_CIDR },
	{ .name = "gateway", .parse = config_key_ip,
	  CONFIG_FIELD(struct config_net, gateway), .expect = X_IP },
	{ .name = "vlan", .parse = config_key_uint,
	  .off = offsetof(struct config_net, vlan),
	  .min = 0, .max = 4094, .def = 0 },
	{ .name = "dns", .parse = config_key_dns, .off = 0,
	  .expect = "an array of IP addresses such as [ \"192.0.2.53\" ]" },
	{ .name = "ntp", .parse = config_key_ntp, .off = 0,
	  .expect = "an array of IP addresses such as [ \"192.0.2.123\" ]" },
	{ .name = "relay", .parse = config_key_ip,
	  CONFIG_FIELD(struct config_net, relay), .expect = X_IP },
	{ .name = "circuit_id", .parse = config_key_relay_id,
	  CONFIG_FIELD(struct config_net, circuit_id),
	  .expect = "a string as the pod router sends it" },
	{ .name = "remote_id", .parse = config_key_relay_id,
	  CONFIG_FIELD(struct config_net, remote_id),
	  .expect = "a string as the pod router sends it" },
	{ .name = "pool_start", .parse = config_key_ip,
	  CONFIG_FIELD(struct config_net, pool_start), .expect = X_IP },
	{ .name = "pool_end", .parse = config_key_ip,
	  CONFIG_FIELD(struct config_net, pool_end), .expect = X_IP },
};

static const struct config_group config_net = {
	"a network", config_net_keys, CONFIG_N(config_net_keys),
	config_net_check
};

static const struct config_key config_pod_keys[] = {
	{ .name = "name", .parse = config_key_name,
	  CONFIG_FIELD(struct config_pod, name), .required = 1,
	  .expect = X_NAME },
	{ .name = "site", .parse = config_key_string,
	  CONFIG_FIELD(struct config_pod, site), .expect = "a string" },
	{ .name = "profile", .parse = config_key_profile_name,
	  CONFIG_FIELD(struct config_pod, profile), .required = 1,
	  .expect = "the name of a profile" },
	{ .name = "provisioning", .parse = config_key_group,
	  .off = offsetof(struct config_pod, prov), .group = &config_net,
	  .required = 1, .expect = "a group { cidr = ...; }" },
	{ .name = "management", .parse = config_key_group,
	  .off = offsetof(struct config_pod, mgmt), .group = &config_net,
	  .required = 1, .expect = "a group { cidr = ...; }" },
	{ .name = "allow_unverified", .parse = config_key_bool,
	  .off = offsetof(struct config_pod, allow_unverified), .def = 0 },
	{ .name = "boot_from", .parse = config_key_boot_from, .off = 0,
	  .expect = "an array of networks such as [ \"192.0.2.0/24\" ]" },
	{ .name = "firmware_dir", .parse = config_key_path,
	  CONFIG_FIELD(struct config_pod, firmware_dir),
	  .expect = "the directory of a firmware build (with SHA256SUMS)" },
	{ .name = "artifacts", .parse = config_key_pod_artifacts, .off = 0,
	  .expect = "an array of artifact names such as [ \"el9/vmlinuz\" ]" },
	{ .name = "cache_url", .parse = config_key_url,
	  CONFIG_FIELD(struct config_pod, cache_url),
	  .expect = "the URL of the pod's relay cache such as "
		    "\"https://relay-a.rack12.example:8443\"" },
};

static const struct config_group config_pod = {
	"a pod", config_pod_keys, CONFIG_N(config_pod_keys), NULL
};

static const struct config_key config_profile_keys[] = {
	{ .name = "name", .parse = config_key_name,
	  CONFIG_FIELD(struct config_profile, name), .required = 1,
	  .expect = X_NAME },
	{ .name = "kernel", .parse = config_key_artifact,
	  CONFIG_FIELD(struct config_profile, kernel), .required = 1,
	  .expect = X_ARTIFACT },
	{ .name = "initrd", .parse = config_key_artifact,
	  CONFIG_FIELD(struct config_profile, initrd), .required = 1,
	  .expect = X_ARTIFACT },
	{ .name = "cmdline", .parse = config_key_string,
	  CONFIG_FIELD(struct config_profile, cmdline),
	  .expect = "a kernel command line template" },
	{ .name = "kickstart", .parse = config_key_path,
	  CONFIG_FIELD(struct config_profile, kickstart), .required = 1,
	  .expect = X_PATH },
	{ .name = "secure_boot", .parse = config_key_bool,
	  .off = offsetof(struct config_profile, secure_boot), .def = 0 },
};

static const struct config_group config_profile = {
	"a profile", config_profile_keys, CONFIG_N(config_profile_keys), NULL
};

static const struct config_key config_node_keys[] = {
	{ .name = "hostname", .parse = config_key_hostname,
	  CONFIG_FIELD(struct config_node, hostname), .required = 1,
	  .expect = X_NAME },
	{ .name = "mac", .parse = config_key_mac,
	  CONFIG_FIELD(struct config_node, mac), .required = 1,
	  .expect = "a MAC address such as \"52:54:00:12:34:56\"" },
	{ .name = "uuid", .parse = config_key_uuid,
	  CONFIG_FIELD(struct config_node, uuid),
	  .expect = "a UUID (8-4-4-4-12 hex digits)" },
	{ .name = "serial", .parse = config_key_serial,
	  CONFIG_FIELD(struct config_node, serial),
	  .expect = "a serial number" },
	{ .name = "pod", .parse = config_key_pod_ref,
	  .off = offsetof(struct config_node, pod), .required = 1,
	  .expect = "the name of a pod" },
	{ .name = "profile", .parse = config_key_profile_ref,
	  .off = offsetof(struct config_node, profile),
	  .expect = "the name of a profile" },
	{ .name = "address", .parse = config_key_ip,
	  CONFIG_FIELD(struct config_node, address), .expect = X_IP },
	{ .name = "bmc", .parse = config_key_bmc,
	  .off = offsetof(struct config_node, bmc), .group = &config_bmc_group,
	  .expect = "a group { url = ...; user = ...; password_file = ...; }" },
	{ .name = "secure_boot", .parse = config_key_bool,
	  .off = offsetof(struct config_node, secure_boot), .def = 0 },
};

static const struct config_group config_node = {
	"a node", config_node_keys, CONFIG_N(config_node_keys),
	config_node_check
};

static const struct config_key config_token_keys[] = {
	{ .name = "name", .parse = config_key_name,
	  CONFIG_FIELD(struct config_token, name), .required = 1,
	  .expect = X_NAME },
	{ .name = "sha256", .parse = config_key_sha256,
	  CONFIG_FIELD(struct config_token, sha256), .required = 1,
	  .expect = "the SHA-256 of the secret in hex" },
	{ .name = "scopes", .parse = config_key_scopes, .off = 0,
	  .required = 1,
	  .expect = "an array such as [ \"upload:el9/*\", \"status\" ]" },
};

static const struct config_group config_token = {
	"a token", config_token_keys, CONFIG_N(config_token_keys), NULL
};

static const struct config_list config_pods = {
	&config_pod, sizeof(struct config_pod), 10000, config_attach_pods,
	config_pods_check
};

static const struct config_list config_profiles = {
	&config_profile, sizeof(struct config_profile), 1000,
	config_attach_profiles, config_profiles_check
};

static const struct config_list config_nodes = {
	&config_node, sizeof(struct config_node), 100000, config_attach_nodes,
	config_nodes_check
};

static const struct config_list config_tokens = {
	&config_token, sizeof(struct config_token), 1000, config_attach_tokens,
	config_tokens_check
};

static const struct config_key config_dhcp_keys[] = {
	{ .name = "kea_socket", .parse = config_key_path,
	  CONFIG_FIELD(struct config, dhcp_socket),
	  .expect = "the path of Kea's control socket" },
	{ .name = "next_server", .parse = config_key_ip,
	  CONFIG_FIELD(struct config, dhcp_next_server), .expect = X_IP },
	{ .name = "boot_url", .parse = config_key_url,
	  CONFIG_FIELD(struct config, dhcp_boot_url),
	  .expect = "a URL such as \"http://192.0.2.1:8080/ipxe.efi\"" },
	{ .name = "interfaces", .parse = config_key_ifaces, .off = 0,
	  .expect = "an array of interface names such as [ \"eth0\" ]" },
	{ .name = "lease_file", .parse = config_key_string,
	  CONFIG_FIELD(struct config, dhcp_lease_file),
	  .expect = "a path on Kea's host" },
	{ .name = "lifetime_s", .parse = config_key_uint,
	  .off = offsetof(struct config, dhcp_lifetime_s),
	  .min = 60, .max = 31536000, .def = 3600 },
	{ .name = "lease_cmds", .parse = config_key_string,
	  CONFIG_FIELD(struct config, dhcp_lease_cmds),
	  .expect = "the path of Kea's libdhcp_lease_cmds.so" },
	{ .name = "leases_interval_s", .parse = config_key_uint,
	  .off = offsetof(struct config, dhcp_leases_s),
	  .min = 0, .max = 86400, .def = 0 },
	{ .name = "firmware_dir", .parse = config_key_path,
	  CONFIG_FIELD(struct config, dhcp_firmware_dir),
	  .expect = "the directory of a firmware build (with SHA256SUMS)" },
	{ .name = "tftp_root", .parse = config_key_path,
	  CONFIG_FIELD(struct config, dhcp_tftp_root),
	  .expect = "the TFTP server's root directory" },
};

/*
 * The dhcp group: the TFTP server is an IPv4 address and the boot URL
 * plain http:// (stock UEFI HTTP Boot firmware speaks nothing else);
 * reading leases needs Kea's socket and its lease commands hook.
 * 0, or -PB_ECONFIG with the message written.
 */
static int config_dhcp_check(struct config_ctx *ctx,
			     const config_setting_t *g, void *base)
{
	const struct config *cfg = base;

	if (cfg->dhcp_next_server[0] &&
	    config_ip_family(cfg->dhcp_next_server) != AF_INET)
		return config_fail(ctx, config_setting_get_member(
					   g, "next_server"), NULL,
				   "\"%s\" is not an IPv4 address (DHCP's "
				   "next-server is IPv4)",
				   cfg->dhcp_next_server);
	if (cfg->dhcp_boot_url[0] &&
	    strncmp(cfg->dhcp_boot_url, "http://", 7) != 0)
		return config_fail(ctx, config_setting_get_member(
					   g, "boot_url"), NULL,
				   "\"%s\" is not an http:// URL (what UEFI "
				   "HTTP Boot fetches)", cfg->dhcp_boot_url);
	if (cfg->dhcp_leases_s && (!cfg->dhcp_socket[0] ||
				   !cfg->dhcp_lease_cmds[0]))
		return config_fail(ctx, config_setting_get_member(
					   g, "leases_interval_s"), NULL,
				   "%u needs dhcp.kea_socket and "
				   "dhcp.lease_cmds (Kea's lease commands)",
				   cfg->dhcp_leases_s);
	return 0;
}

static const struct config_group config_dhcp = {
	"dhcp", config_dhcp_keys, CONFIG_N(config_dhcp_keys),
	config_dhcp_check
};

/* Alert names are unique: Alertmanager groups by them. */
static int config_alerts_check(struct config_ctx *ctx,
			       const config_setting_t *list)
{
	size_t i, j;

	for (i = 0; i < ctx->cfg->n_alerts; i++)
		for (j = 0; j < i; j++)
			if (strcmp(ctx->cfg->alerts[i].name,
				   ctx->cfg->alerts[j].name) == 0)
				return config_fail(
					ctx,
					config_setting_get_elem(
						list, (unsigned int)i),
					"name", "\"%s\" is a duplicate",
					ctx->cfg->alerts[i].name);
	return 0;
}

static const struct config_key config_monitoring_keys[] = {
	{ .name = "down_after", .parse = config_key_uint,
	  .off = offsetof(struct config, down_after),
	  .min = 2, .max = 100, .def = 3 },
	{ .name = "max_series_per_node", .parse = config_key_uint,
	  .off = offsetof(struct config, max_series_node),
	  .min = 10, .max = 1000000, .def = 10000 },
	{ .name = "max_series_total", .parse = config_key_uint,
	  .off = offsetof(struct config, max_series_total),
	  .min = 100, .max = 50000000, .def = 5000000 },
	{ .name = "max_push_kb", .parse = config_key_kilobytes,
	  .off = offsetof(struct config, max_push),
	  .min = 16, .max = 1048576, .def = 8192 },
	{ .name = "eval_interval_s", .parse = config_key_uint,
	  .off = offsetof(struct config, eval_s),
	  .min = 1, .max = 3600, .def = 15 },
	{ .name = "resend_s", .parse = config_key_uint,
	  .off = offsetof(struct config, resend_s),
	  .min = 1, .max = 86400, .def = 60 },
	{ .name = "alertmanagers", .parse = config_key_alertmanagers,
	  .off = 0, .expect = "an array of URLs" },
	{ .name = "snmp_traps", .parse = config_key_list,
	  .list = &config_snmp_traps,
	  .expect = "a list of groups ( { target = ...; version = ...; "
		    "secret_file = ...; }, ... )" },
	{ .name = "remote_write", .parse = config_key_list,
	  .list = &config_remote_write,
	  .expect = "a list of groups ( { url = ...; }, ... )" },
};

static const struct config_group config_monitoring = {
	"monitoring", config_monitoring_keys,
	CONFIG_N(config_monitoring_keys), NULL
};

static const struct config_key config_alert_keys[] = {
	{ .name = "name", .parse = config_key_alertname,
	  CONFIG_FIELD(struct config_alert, name), .required = 1,
	  .expect = "an alert name of [A-Za-z_][A-Za-z0-9_]*" },
	{ .name = "expr", .parse = config_key_alert_expr, .off = 0,
	  .required = 1,
	  .expect = "METRIC{label=\"value\",...} OP NUMBER, OP one of "
		    "> >= < <= == !=" },
	{ .name = "for", .parse = config_key_uint,
	  .off = offsetof(struct config_alert, for_s),
	  .min = 0, .max = 604800, .def = 0 },
	{ .name = "labels", .parse = config_key_alert_labels, .off = 0,
	  .expect = "a group of name = \"value\" settings" },
	{ .name = "annotations", .parse = config_key_alert_annotations,
	  .off = 0, .expect = "a group of name = \"value\" settings" },
};

static const struct config_group config_alert = {
	"an alert rule", config_alert_keys, CONFIG_N(config_alert_keys), NULL
};

/* Hand the @n parsed alert rules at @items to @cfg, which frees them. */
static void config_attach_alerts(struct config *cfg, void *items, size_t n)
{
	cfg->alerts = items;
	cfg->n_alerts = n;
}

static const struct config_list config_alerts = {
	&config_alert, sizeof(struct config_alert), 1000, config_attach_alerts,
	config_alerts_check
};

/* In parse order: a reference is resolved when read, so what it names
 * comes first (profiles before pods, pods before nodes). */
static const struct config_key config_root_keys[] = {
	{ .name = "server", .parse = config_key_group, .off = 0,
	  .group = &config_server, .required = 1,
	  .expect = "a group server = { base_url = ...; }" },
	{ .name = "policy", .parse = config_key_group, .off = 0,
	  .group = &config_policy, .expect = "a group { unknown = ...; }" },
	{ .name = "profiles", .parse = config_key_list,
	  .list = &config_profiles,
	  .expect = "a list of groups ( { name = ...; }, ... )" },
	{ .name = "pods", .parse = config_key_list, .list = &config_pods,
	  .expect = "a list of groups ( { name = ...; }, ... )" },
	{ .name = "nodes", .parse = config_key_list, .list = &config_nodes,
	  .expect = "a list of groups ( { hostname = ...; }, ... )" },
	{ .name = "tokens", .parse = config_key_list, .list = &config_tokens,
	  .expect = "a list of groups ( { name = ...; }, ... )" },
	{ .name = "monitoring", .parse = config_key_group, .off = 0,
	  .group = &config_monitoring,
	  .expect = "a group { down_after = ...; }" },
	{ .name = "alerts", .parse = config_key_list, .list = &config_alerts,
	  .expect = "a list of groups ( { name = ...; expr = ...; }, ... )" },
	{ .name = "dhcp", .parse = config_key_group, .off = 0,
	  .group = &config_dhcp,
	  .expect = "a group { kea_socket = ...; }" },
};

const struct config_group config_root = {
	"the configuration", config_root_keys, CONFIG_N(config_root_keys), NULL
};
