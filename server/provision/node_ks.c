/* node_ks.c: GET /ks/TOKEN: a node's kickstart, rendered from its
 * profile's template as lifecycle.c's one-shot rule allows, and the
 * templates' check at load. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "error.h"
#include "fileio.h"
#include "lifecycle.h"
#include "log.h"
#include "node.h"
#include "node_int.h"
#include "template.h"

#define NODE_KS_MAX (256 * 1024)	/* largest kickstart template */

static const char *const node_ks_names[KS_COUNT] = {
	"hostname", "node",    "mac",	   "pod",	"site",
	"address",  "prefix",  "gateway",  "dns",	"vlan",
	"vlan_opt", "server",  "token",	   "installed_url", "failed_url",
	"root_ca",
};

/* Pair names and values for template_render (@vars: KS_COUNT + 1). */
static void node_ks_vars(const char *const *values,
			 struct template_var *vars)
{
	size_t i;

	for (i = 0; i < KS_COUNT; i++) {
		vars[i].name = node_ks_names[i];
		vars[i].value = values[i] ? values[i] : "";
	}
	vars[KS_COUNT].name = NULL;
	vars[KS_COUNT].value = NULL;
}

void node_ks_fill(const struct config_node *cn, const struct store_node *n,
		  const char *base, const char *token, const char *root_ca,
		  struct node_ks *ks)
{
	const struct config_net *m = &cn->pod->mgmt;
	size_t i;

	for (i = 0; i < m->n_dns; i++)
		snprintf(ks->dns + strlen(ks->dns),
			 sizeof(ks->dns) - strlen(ks->dns), "%s%s",
			 i ? "," : "", m->dns[i]);
	snprintf(ks->prefix, sizeof(ks->prefix), "%d", m->prefix);
	snprintf(ks->vlan, sizeof(ks->vlan), "%u", m->vlan);
	if (m->vlan)
		snprintf(ks->vlan_opt, sizeof(ks->vlan_opt), "--vlanid=%u",
			 m->vlan);
	snprintf(ks->installed, sizeof(ks->installed),
		 "%s/api/v1/nodes/%s/installed", base, n->id);
	snprintf(ks->failed, sizeof(ks->failed), "%s/api/v1/nodes/%s/failed",
		 base, n->id);
	snprintf(ks->token, sizeof(ks->token), "%s", token);
	ks->values[KS_HOSTNAME] = cn->hostname;
	ks->values[KS_NODE] = n->id;
	ks->values[KS_MAC] = cn->mac;
	ks->values[KS_POD] = cn->pod->name;
	ks->values[KS_SITE] = cn->pod->site;
	ks->values[KS_ADDRESS] = cn->address;
	ks->values[KS_PREFIX] = ks->prefix;
	ks->values[KS_GATEWAY] = m->gateway;
	ks->values[KS_DNS] = ks->dns;
	ks->values[KS_VLAN] = ks->vlan;
	ks->values[KS_VLAN_OPT] = ks->vlan_opt;
	ks->values[KS_SERVER] = base;
	ks->values[KS_TOKEN] = ks->token;
	ks->values[KS_INSTALLED_URL] = ks->installed;
	ks->values[KS_FAILED_URL] = ks->failed;
	ks->values[KS_ROOT_CA] = root_ca;
}

/*
 * The kickstart values of node @n for request @r into @ks (zeroed first):
 * its token, and the podboot root the installer trusts for its callbacks
 * (read into @ks->root_ca, which the caller frees).  0 or a negative error.
 */
static int node_ks_values(struct http_req *r, const struct config_node *cn,
			  const struct store_node *n, const char *base,
			  struct node_ks *ks)
{
	char token[NODE_TOKEN_MAX];
	size_t len;
	int rc;

	memset(ks, 0, sizeof(*ks));
	rc = fileio_read(r->gen->cfg->root_cert, NODE_KS_MAX,
			 (unsigned char **)&ks->root_ca, &len);
	if (rc != 0)
		return rc;
	node_token(r->srv, n->id, n->generation, token);
	node_ks_fill(cn, n, base, token, ks->root_ca, ks);
	mbedtls_platform_zeroize(token, sizeof(token));
	return 0;
}

/* Render @path's template with @values into a malloc'd @out. */
static int node_ks_render(const char *path, const char *const *values,
			  char **out, size_t *out_len, char unknown[64])
{
	struct template_var vars[KS_COUNT + 1];
	unsigned char *tpl;
	size_t tpl_len;
	int rc;

	*out = NULL;
	rc = fileio_read(path, NODE_KS_MAX, &tpl, &tpl_len);
	if (rc != 0)
		return rc;
	node_ks_vars(values, vars);
	*out = malloc(NODE_KS_MAX);
	rc = *out ? template_render((const char *)tpl, vars, *out, NODE_KS_MAX,
				    out_len, unknown) :
		    -ENOMEM;
	free(tpl);
	return rc;
}

int node_check_kickstarts(const struct config *cfg, char *err, size_t size)
{
	const char *values[KS_COUNT] = { NULL };
	char unknown[64];
	char *out;
	size_t i, len;
	int rc;

	for (i = 0; i < cfg->n_profiles; i++) {
		rc = node_ks_render(cfg->profiles[i].kickstart, values, &out,
				    &len, unknown);
		free(out);
		if (rc == -EINVAL)
			snprintf(err, size, "%s: unknown placeholder {{%s}} "
					    "(profile %s)",
				 cfg->profiles[i].kickstart, unknown,
				 cfg->profiles[i].name);
		else if (rc != 0)
			snprintf(err, size, "%s: %s (kickstart of profile %s)",
				 cfg->profiles[i].kickstart, pb_strerror(rc),
				 cfg->profiles[i].name);
		if (rc != 0)
			return -PB_ECONFIG;
	}
	return 0;
}

/*
 * Gather what lifecycle_kickstart() decides on for request @r by node @n
 * (configured as @cn, or NULL) into @in.
 */
static void node_ks_facts(struct http_req *r, const struct store_node *n,
			  const struct config_node *cn,
			  struct lifecycle_ks_in *in)
{
	memset(in, 0, sizeof(*in));
	in->configured = cn != NULL;
	in->plain = r->plain;
	in->pod_plain_ok = cn && cn->pod->allow_unverified;
	in->pod_net_ok = cn && config_pod_boot_allowed(cn->pod, r->client);
	in->state = n->state;
	in->get = strcmp(r->method, "GET") == 0;
}

/*
 * Queue the refusal that verdict @v of lifecycle_kickstart() stands for,
 * about node @n (configured as @cn, or NULL); nothing for a verdict that
 * serves.  Returns 0 if the kickstart may go out, else the refusal's
 * code.
 */
static int node_ks_reply(struct http_req *r, enum lifecycle_ks v,
			 const struct store_node *n,
			 const struct config_node *cn)
{
	switch (v) {
	case LIFECYCLE_KS_SERVE:
	case LIFECYCLE_KS_SERVE_MARK:
		return 0;
	case LIFECYCLE_KS_UNCONFIGURED:
		return http_refuse(r, 404, "node %s is not configured", n->id);
	case LIFECYCLE_KS_NO_PLAIN:
		return http_refuse(r, 403, "pod %s does not allow plain HTTP",
				   cn->pod->name);
	case LIFECYCLE_KS_NO_NET:
		return http_refuse(r, 403, "kickstarts of pod %s are served "
					   "only to its boot_from networks",
				   cn->pod->name);
	case LIFECYCLE_KS_DONE:
		return http_refuse(r, 409, "node %s is %s; re-arm it to "
					   "install again", n->id,
				   store_state_name(n->state));
	}
	return http_refuse(r, 500, "kickstart: no reply for verdict %d",
			   (int)v);
}

/*
 * A GET by an armed or booting node moves it to installing, once its
 * kickstart is rendered; a parallel fetch that did it first is fine.
 * Returns 0, or the refusal's code (409, 500).
 */
static int node_ks_mark(struct http_req *r, struct store_node *n)
{
	int rc;

	rc = store_node_transition(r->srv->store, n->id,
				   NODE_BIT(NODE_ARMED) |
					   NODE_BIT(NODE_BOOTING),
				   NODE_INSTALLING, 0, "kickstart fetched", n);
	if (rc == 0 || (rc == -PB_ESTATE && n->state == NODE_INSTALLING))
		return 0;
	return http_refuse(r, rc == -PB_ESTATE ? 409 : 500, "node %s: %s",
			   n->id, pb_strerror(rc));
}

/*
 * GET /ks/TOKEN (declared in node_int.h): the kickstart of the token's
 * node, as lifecycle_kickstart() decides.  Returns 0, or the refusal's
 * code.
 */
int node_ks_get(struct http_req *r)
{
	const struct config_node *cn;
	struct lifecycle_ks_in in;
	struct MHD_Response *resp;
	enum lifecycle_ks v;
	struct store_node n;
	struct node_ks ks;
	char base[256], unknown[64];
	char *out = NULL;
	size_t out_len;
	int rc;

	memset(&ks, 0, sizeof(ks));
	if (http_args_only(r, (const char *const[]){ NULL }) != 0)
		return http_status_rc(400);
	if (node_token_check(r->srv, r->rest, &n) != 0)
		return http_refuse(r, 403, "invalid or expired node token");
	cn = config_node_by_id(r->gen->cfg, n.id);
	node_ks_facts(r, &n, cn, &in);
	v = lifecycle_kickstart(&in);
	if ((rc = node_ks_reply(r, v, &n, cn)) != 0)
		return rc;
	if (http_base_url(r, base, sizeof(base)) != 0)
		return http_status_rc(421);
	rc = node_ks_values(r, cn, &n, base, &ks);
	if (rc == 0)
		rc = node_ks_render(cn->profile->kickstart, ks.values, &out,
				    &out_len, unknown);
	if (rc != 0) {
		log_error("kickstart of %s from %s: %s", n.id,
			  cn->profile->kickstart,
			  rc == -EINVAL ? "unknown placeholder" :
					  pb_strerror(rc));
		rc = http_refuse(r, 500, "kickstart of %s could not be "
					 "rendered", n.id);
		goto out;
	}
	/* Rendered: now the fetch counts (a HEAD never moves the node). */
	if (v == LIFECYCLE_KS_SERVE_MARK && (rc = node_ks_mark(r, &n)) != 0)
		goto out;
	resp = http_response_data(out, out_len, "text/plain; charset=utf-8");
	if (resp)	/* it carries the node's token */
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
					"no-store");
	http_queue(r, 200, resp);
out:
	free(out);
	free(ks.root_ca);
	mbedtls_platform_zeroize(ks.token, sizeof(ks.token));
	return rc;
}

