/* config_lookup.c: run-time lookups in a loaded configuration: nodes, pods,
 * tokens and their scopes, and nodes added while serving. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "config.h"
#include "config_int.h"
#include "error.h"
#include "token.h"

/* ---- Lookups ---- */

/* bsearch() comparison of normalised MAC @key with node @node. */
static int config_mac_key_cmp(const void *key, const void *node)
{
	return strcmp(key, ((const struct config_node *)node)->mac);
}

/** The node with MAC @mac (any accepted form): a binary search. */
const struct config_node *config_node_by_mac(const struct config *cfg,
					     const char *mac)
{
	char norm[18];

	if (!cfg || cfg->n_nodes == 0 || config_mac_normalise(mac, norm) != 0)
		return NULL;
	return bsearch(norm, cfg->nodes, cfg->n_nodes, sizeof(*cfg->nodes),
		       config_mac_key_cmp);
}

/*
 * The lookups below are linear: MAC is how machines are found, these are
 * fallbacks and API calls, and 10,000 short compares take microseconds.
 * Linear search also works on a struct config not made by config_load().
 */

/* The node whose string at offset @off is @key, by linear search. */
static const struct config_node *config_node_find(const struct config *cfg,
						  size_t off, const char *key)
{
	size_t i;

	for (i = 0; i < cfg->n_nodes; i++)
		if (strcmp((const char *)&cfg->nodes[i] + off, key) == 0)
			return &cfg->nodes[i];
	return NULL;
}

/** The node with UUID @uuid (any case), or NULL. */
const struct config_node *config_node_by_uuid(const struct config *cfg,
					      const char *uuid)
{
	char norm[37];

	if (!cfg || config_uuid_normalise(uuid, norm) != 0)
		return NULL;
	return config_node_find(cfg, offsetof(struct config_node, uuid), norm);
}

/** The node with serial number @serial (exact), or NULL. */
const struct config_node *config_node_by_serial(const struct config *cfg,
						const char *serial)
{
	if (!cfg || config_serial_valid(serial) != 0)
		return NULL;
	return config_node_find(cfg, offsetof(struct config_node, serial),
				serial);
}

/** The node whose id (hostname) is @id, or NULL. */
const struct config_node *config_node_by_id(const struct config *cfg,
					    const char *id)
{
	struct config_node key_node;
	const struct config_node *key = &key_node, **hit;

	if (!cfg || config_name_valid(id) != 0)
		return NULL;
	if (!cfg->nodes_by_id)	/* a struct config not from config_load */
		return config_node_find(cfg,
					offsetof(struct config_node, hostname),
					id);
	snprintf(key_node.hostname, sizeof(key_node.hostname), "%s", id);
	hit = bsearch(&key, cfg->nodes_by_id, cfg->n_nodes,
		      sizeof(*cfg->nodes_by_id), config_node_ptr_id_cmp);
	return hit ? *hit : NULL;
}

/** The pod named @name, or NULL. */
const struct config_pod *config_pod_by_name(const struct config *cfg,
					    const char *name)
{
	size_t i;

	if (!cfg || config_name_valid(name) != 0)
		return NULL;
	for (i = 0; i < cfg->n_pods; i++)
		if (strcmp(cfg->pods[i].name, name) == 0)
			return &cfg->pods[i];
	return NULL;
}

/* ---- Tokens ---- */

/**
 * The token whose hash matches @secret, or NULL.  The secret is hashed
 * once and compared with every token in constant time, never stopping at
 * a match, so timing says nothing of which token matched.
 */
const struct config_token *config_token_find(const struct config *cfg,
					     const char *secret)
{
	const struct config_token *found = NULL;
	char hash[TOKEN_HASH_SIZE];
	size_t i;
	int match;

	if (!cfg || !secret || !secret[0])
		return NULL;
	token_hash(secret, hash);
	for (i = 0; i < cfg->n_tokens; i++) {
		match = token_equal(hash, cfg->tokens[i].sha256);
		if (match && !found)
			found = &cfg->tokens[i];
	}
	mbedtls_platform_zeroize(hash, sizeof(hash));
	return found;
}

/**
 * 1 if @tok grants @scope ("rearm", "status" or "upload:NAME" with NAME a
 * valid artifact name), else 0.  "upload:PREFIX*" grants NAMEs starting
 * with PREFIX; any other scope grants itself only.
 */
int config_token_allows(const struct config_token *tok, const char *scope)
{
	const char *g;
	size_t i, len;

	if (!tok || !scope || !config_scope_request_valid(scope))
		return 0;
	for (i = 0; i < tok->n_scopes && i < CONFIG_SCOPES_MAX; i++) {
		g = tok->scopes[i];
		len = strnlen(g, sizeof(tok->scopes[i]));
		if (len == sizeof(tok->scopes[i]))
			continue;
		/* Only an upload scope may be a prefix: a bare "*" (from a
		 * model not made by config_load) grants nothing. */
		if (len > CONFIG_UPLOAD_LEN && g[len - 1] == '*' &&
		    strncmp(g, CONFIG_UPLOAD, CONFIG_UPLOAD_LEN) == 0) {
			if (strncmp(scope, g, len - 1) == 0)
				return 1;
		} else if (strcmp(g, scope) == 0) {
			return 1;
		}
	}
	return 0;
}

/* ---- Nodes added at run time (assignments) ---- */

/* The profile of @cfg named @name, or NULL. */
static const struct config_profile *config_profile_by_name(
	const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_profiles; i++)
		if (strcmp(cfg->profiles[i].name, name) == 0)
			return &cfg->profiles[i];
	return NULL;
}

/* Declared in config.h. */
enum config_assign_field config_assign_check(const struct config *cfg,
					     const char *hostname,
					     const char *mac, const char *pod,
					     const char *profile,
					     const char *address, char *why,
					     size_t why_size)
{
	const struct config_pod *p = pod ? config_pod_by_name(cfg, pod) : NULL;
	const char *pname = profile && *profile ? profile :
			    p ? p->profile : "";
	char norm[18];

	if (!hostname || config_hostname_valid(hostname) != 0) {
		snprintf(why, why_size, "hostname is not valid (expected "
			 "[a-z0-9][a-z0-9._-]*, at most 63 characters, not of "
			 "the form mac-HEX)");
		return CONFIG_ASSIGN_HOSTNAME;
	}
	if (!mac || config_mac_normalise(mac, norm) != 0) {
		snprintf(why, why_size, "%s: MAC is not valid", hostname);
		return CONFIG_ASSIGN_MAC;
	}
	if (!p) {
		snprintf(why, why_size, "%s: pod is not valid (%s)", hostname,
			 pod && config_name_valid(pod) == 0 ?
			 "no such pod in the configuration" : "not a name");
		return CONFIG_ASSIGN_POD;
	}
	if (!config_profile_by_name(cfg, pname)) {
		snprintf(why, why_size, "%s: profile is not valid (%s)",
			 hostname, config_name_valid(pname) == 0 ?
			 "no such profile in the configuration" : "not a name");
		return CONFIG_ASSIGN_PROFILE;
	}
	if (address && *address && !config_ip_family(address)) {
		snprintf(why, why_size, "%s: address is not valid (expected an "
			 "IPv4 or IPv6 address)", hostname);
		return CONFIG_ASSIGN_ADDRESS;
	}
	return CONFIG_ASSIGN_OK;
}

int config_add_node(struct config *cfg, const char *hostname,
		    const char *mac, const char *pod, const char *profile,
		    const char *address, char *err, size_t err_size)
{
	const struct config_profile *prof;
	const struct config_pod *p;
	struct config_node *nodes, *n;
	char norm[18];

	if (config_assign_check(cfg, hostname, mac, pod, profile, address, err,
				err_size) != CONFIG_ASSIGN_OK)
		return -PB_EBAD_NAME;
	p = config_pod_by_name(cfg, pod);
	prof = config_profile_by_name(cfg, profile && *profile ? profile :
							       p->profile);
	config_mac_normalise(mac, norm);
	if (config_node_by_id(cfg, hostname) || config_node_by_mac(cfg, norm)) {
		snprintf(err, err_size, "%s (%s): hostname or MAC is already "
					"configured",
			 hostname, norm);
		return -EEXIST;
	}
	nodes = realloc(cfg->nodes, (cfg->n_nodes + 1) * sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	cfg->nodes = nodes;
	n = &nodes[cfg->n_nodes++];
	memset(n, 0, sizeof(*n));
	snprintf(n->hostname, sizeof(n->hostname), "%s", hostname);
	memcpy(n->mac, norm, sizeof(n->mac));
	snprintf(n->address, sizeof(n->address), "%s", address ? address : "");
	n->pod = p;
	n->profile = prof;
	n->assigned = 1;
	qsort(cfg->nodes, cfg->n_nodes, sizeof(*cfg->nodes),
	      config_node_mac_cmp);
	free(cfg->nodes_by_id);
	return config_index_ids(cfg);
}
