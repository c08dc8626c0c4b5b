/* node.c: the install lifecycle seen from the node: tokens, kickstart,
 * completion, and the operator's re-arm. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/hmac.h>

#include "digest.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "node.h"
#include "routes.h"
#include "template.h"
#include "token.h"

#define NODE_KS_MAX (256 * 1024)	/* largest kickstart template */

void node_token(const struct server *srv, const char *id,
		unsigned int generation, char out[NODE_TOKEN_MAX])
{
	struct hmac_sha256_ctx ctx;
	uint8_t mac[SHA256_DIGEST_SIZE];
	char msg[96];
	int n;

	n = snprintf(msg, sizeof(msg), "podboot-node\n%s\n%u", id, generation);
	hmac_sha256_set_key(&ctx, sizeof(srv->node_secret), srv->node_secret);
	hmac_sha256_update(&ctx, (size_t)n, (const uint8_t *)msg);
	hmac_sha256_digest(&ctx, sizeof(mac), mac);
	n = snprintf(out, NODE_TOKEN_MAX, "%s.", id);
	digest_hex(mac, sizeof(mac), out + n);
}

int node_token_check(struct server *srv, const char *token,
		     struct store_node *out)
{
	char want[NODE_TOKEN_MAX];
	const char *dot = strrchr(token, '.');
	char id[64];
	size_t len;

	if (!dot || strlen(dot + 1) != 64)
		return -EACCES;
	len = (size_t)(dot - token);
	if (len == 0 || len >= sizeof(id))
		return -EACCES;
	memcpy(id, token, len);
	id[len] = '\0';
	if (store_node_get(srv->store, id, out) != 0)
		return -EACCES;
	node_token(srv, id, out->generation, want);
	return token_equal(token, want) ? 0 : -EACCES;
}

/* ---- kickstart -------------------------------------------------------- */

static void node_kickstart(struct http_req *r)
{
	const struct config_node *cn;
	const struct config_net *m;
	struct store_node n;
	char url[512], installed[512], failed[512], prefix[8], vlan[8];
	char dns[CONFIG_DNS_MAX * 64 + 8] = "";
	char unknown[64];
	unsigned char *tpl = NULL;
	char *out = NULL;
	size_t tpl_len, out_len, i;
	int rc;

	if (http_args_only(r, (const char *const[]){ NULL }) != 0)
		return;
	if (node_token_check(r->srv, r->rest, &n) != 0) {
		http_reply_error(r, 403, "invalid or expired node token");
		return;
	}
	cn = config_node_by_id(r->gen->cfg, n.id);
	if (!cn) {
		http_reply_error(r, 404, "node %s is not configured", n.id);
		return;
	}
	if (r->plain && !cn->pod->allow_unverified) {
		http_reply_error(r, 403, "pod %s does not allow plain HTTP",
				 cn->pod->name);
		return;
	}
	rc = store_node_transition(r->srv->store, n.id,
				   NODE_BIT(NODE_ARMED) | NODE_BIT(NODE_BOOTING),
				   NODE_INSTALLING, 0, "kickstart fetched", &n);
	if (rc == -PB_ESTATE && n.state != NODE_INSTALLING) {
		http_reply_error(r, 409, "node %s is %s; re-arm it to install "
					 "again", n.id,
				 store_state_name(n.state));
		return;
	}
	rc = fileio_read(cn->profile->kickstart, NODE_KS_MAX, &tpl, &tpl_len);
	if (rc != 0) {
		log_error("kickstart template %s: %s", cn->profile->kickstart,
			  pb_strerror(rc));
		http_reply_error(r, 500, "kickstart template of profile %s "
					 "unreadable", cn->profile->name);
		return;
	}
	m = &cn->pod->mgmt;
	for (i = 0; i < m->n_dns; i++)
		snprintf(dns + strlen(dns), sizeof(dns) - strlen(dns), "%s%s",
			 i ? "," : "", m->dns[i]);
	snprintf(prefix, sizeof(prefix), "%d", m->prefix);
	snprintf(vlan, sizeof(vlan), "%u", m->vlan);
	snprintf(url, sizeof(url), "%s", r->gen->cfg->base_url);
	snprintf(installed, sizeof(installed), "%s/api/v1/nodes/%s/installed",
		 r->gen->cfg->base_url, n.id);
	snprintf(failed, sizeof(failed), "%s/api/v1/nodes/%s/failed",
		 r->gen->cfg->base_url, n.id);
	{
		char token[NODE_TOKEN_MAX];
		const struct template_var vars[] = {
			{ "hostname", cn->hostname },
			{ "node", n.id },
			{ "mac", cn->mac },
			{ "pod", cn->pod->name },
			{ "site", cn->pod->site },
			{ "address", cn->address },
			{ "prefix", prefix },
			{ "gateway", m->gateway },
			{ "dns", dns },
			{ "vlan", vlan },
			{ "server", url },
			{ "token", token },
			{ "installed_url", installed },
			{ "failed_url", failed },
			{ NULL, NULL },
		};

		node_token(r->srv, n.id, n.generation, token);
		out = malloc(NODE_KS_MAX);
		rc = out ? template_render((const char *)tpl, vars, out,
					   NODE_KS_MAX, &out_len, unknown) :
			   -ENOMEM;
	}
	if (rc == 0)
		http_reply_data(r, 200, "text/plain; charset=utf-8", out,
				out_len);
	else if (rc == -EINVAL)
		http_reply_error(r, 500, "kickstart template %s uses unknown "
					 "{{%s}}", cn->profile->name, unknown);
	else
		http_reply_error(r, 500, "kickstart of %s: %s", n.id,
				 pb_strerror(rc));
	free(out);
	free(tpl);
}

/* ---- POST /api/v1/nodes/ID/ACTION ------------------------------------- */

/* Plain HTTP reaches only nodes of pods that allow unverified boot. */
static int node_plain_ok(struct http_req *r, const char *id)
{
	const struct config_node *cn = config_node_by_id(r->gen->cfg, id);

	if (cn && cn->pod->allow_unverified)
		return 1;
	http_reply_error(r, 403, "node %s may not use plain HTTP", id);
	return 0;
}

struct node_action {
	const char *name;
	int operator;			/* needs an operator token */
	unsigned int from;
	enum node_state to;
	int rearm;
};

static const struct node_action node_actions[] = {
	{ "installed", 0, NODE_BIT(NODE_BOOTING) | NODE_BIT(NODE_INSTALLING),
	  NODE_INSTALLED, 0 },
	{ "failed", 0, NODE_BIT(NODE_BOOTING) | NODE_BIT(NODE_INSTALLING),
	  NODE_FAILED, 0 },
	{ "rearm", 1, NODE_BIT(NODE_ARMED) | NODE_BIT(NODE_BOOTING) |
			      NODE_BIT(NODE_INSTALLING) |
			      NODE_BIT(NODE_INSTALLED) | NODE_BIT(NODE_FAILED),
	  NODE_ARMED, 1 },
};

static void node_post(struct http_req *r)
{
	const struct node_action *a = NULL;
	const struct config_token *tok = NULL;
	const char *slash = strchr(r->rest, '/');
	struct store_node n;
	char id[64], why[160];
	size_t i, len;
	int rc;

	len = slash ? (size_t)(slash - r->rest) : 0;
	if (!slash || len == 0 || len >= sizeof(id)) {
		http_reply_error(r, 404, "expected /api/v1/nodes/ID/ACTION");
		return;
	}
	memcpy(id, r->rest, len);
	id[len] = '\0';
	for (i = 0; i < sizeof(node_actions) / sizeof(node_actions[0]); i++)
		if (strcmp(slash + 1, node_actions[i].name) == 0)
			a = &node_actions[i];
	if (!a) {
		http_reply_error(r, 404, "unknown node action '%.32s'",
				 slash + 1);
		return;
	}
	if (a->operator && r->plain) {
		http_reply_error(r, 403, "operator actions need HTTPS");
		return;
	}
	if (a->operator) {
		tok = http_require_scope(r, "rearm");
		if (!tok)
			return;
		if (!config_node_by_id(r->gen->cfg, id)) {
			http_reply_error(r, 404, "node %s is not configured",
					 id);
			return;
		}
		snprintf(why, sizeof(why), "by token %s from %s", tok->name,
			 r->client);
	} else {
		const char *secret = http_bearer(r);

		if (!secret || node_token_check(r->srv, secret, &n) != 0 ||
		    strcmp(n.id, id) != 0) {
			http_reply_error(r, 401, "a valid node token for %s "
						 "is required", id);
			return;
		}
		if (r->plain && !node_plain_ok(r, id))
			return;
		snprintf(why, sizeof(why), "reported by the node from %s",
			 r->client);
	}
	rc = store_node_transition(r->srv->store, id, a->from, a->to, a->rearm,
				   why, &n);
	if (rc == -ENOENT) {
		http_reply_error(r, 404, "no node %s", id);
		return;
	}
	if (rc == -PB_ESTATE) {
		http_reply_error(r, 409, "node %s is %s; '%s' is not allowed "
					 "now", id, store_state_name(n.state),
				 a->name);
		return;
	}
	if (rc != 0) {
		http_reply_error(r, 500, "%s", pb_strerror(rc));
		return;
	}
	http_reply_json(r, 200, json_pack("{s:s, s:s, s:i}", "node", n.id,
					  "state", store_state_name(n.state),
					  "generation", (int)n.generation));
}

/* A small body is allowed (and ignored): some clients always send one. */
static int node_body(struct http_req *r, const char *data, size_t len)
{
	size_t seen = (size_t)(uintptr_t)r->ctx;

	(void)data;
	if (len > HTTP_SMALL_BODY_MAX - seen) {
		http_reply_error(r, 413, "body too large");
		return -1;
	}
	r->ctx = (void *)(uintptr_t)(seen + len);
	return 0;
}

static void node_start(struct http_req *r)
{
	(void)r;	/* everything happens once the body is in */
}

const struct http_route routes_node[] = {
	{ "GET", "/ks/", 0, node_kickstart, NULL, NULL, NULL, 1 },
	{ "POST", "/api/v1/nodes/", 0, node_start, node_body, node_post, NULL,
	  1 },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 },
};
