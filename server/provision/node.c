/* node.c: the install lifecycle seen from the node: tokens, kickstart,
 * completion, and the operator's re-arm. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nettle/hmac.h>

#include "digest.h"
#include "error.h"
#include "fileio.h"
#include "lifecycle.h"
#include "log.h"
#include "node.h"
#include "nodetoken.h"
#include "promtext.h"
#include "template.h"
#include "token.h"

#define NODE_KS_MAX (256 * 1024)	/* largest kickstart template */

/* ---- kickstart -------------------------------------------------------- */

/* Placeholders of kickstart templates, in the order node_ks_values fills. */
enum node_ks_var {
	KS_HOSTNAME, KS_NODE, KS_MAC, KS_POD, KS_SITE, KS_ADDRESS, KS_PREFIX,
	KS_GATEWAY, KS_DNS, KS_VLAN, KS_VLAN_OPT, KS_SERVER, KS_TOKEN,
	KS_INSTALLED_URL, KS_FAILED_URL, KS_ROOT_CA, KS_COUNT
};

static const char *const node_ks_names[KS_COUNT] = {
	"hostname", "node",    "mac",	   "pod",	"site",
	"address",  "prefix",  "gateway",  "dns",	"vlan",
	"vlan_opt", "server",  "token",	   "installed_url", "failed_url",
	"root_ca",
};

struct node_ks {
	char prefix[8], vlan[8], vlan_opt[24];
	char dns[CONFIG_DNS_MAX * 64 + 8];
	char installed[512], failed[512];
	char token[NODE_TOKEN_MAX];
	char *root_ca;			/* malloc'd PEM */
	const char *values[KS_COUNT];
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

/* Everything a kickstart of node @n may say, for a client at @base. */
static int node_ks_values(struct http_req *r, const struct config_node *cn,
			  const struct store_node *n, const char *base,
			  struct node_ks *ks)
{
	const struct config_net *m = &cn->pod->mgmt;
	size_t i, len;
	int rc;

	memset(ks, 0, sizeof(*ks));
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
	node_token(r->srv, n->id, n->generation, ks->token);
	/* The installer trusts the podboot root for its callbacks. */
	rc = fileio_read(r->gen->cfg->root_cert, NODE_KS_MAX,
			 (unsigned char **)&ks->root_ca, &len);
	if (rc != 0)
		return rc;
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
	ks->values[KS_ROOT_CA] = ks->root_ca;
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
 * serves.  Returns 1 if the kickstart may go out, 0 if refused.
 */
static int node_ks_reply(struct http_req *r, enum lifecycle_ks v,
			 const struct store_node *n,
			 const struct config_node *cn)
{
	switch (v) {
	case LIFECYCLE_KS_SERVE:
	case LIFECYCLE_KS_SERVE_MARK:
		return 1;
	case LIFECYCLE_KS_UNCONFIGURED:
		http_reply_error(r, 404, "node %s is not configured", n->id);
		break;
	case LIFECYCLE_KS_NO_PLAIN:
		http_reply_error(r, 403, "pod %s does not allow plain HTTP",
				 cn->pod->name);
		break;
	case LIFECYCLE_KS_NO_NET:
		http_reply_error(r, 403, "kickstarts of pod %s are served only "
					 "to its boot_from networks",
				 cn->pod->name);
		break;
	case LIFECYCLE_KS_DONE:
		http_reply_error(r, 409, "node %s is %s; re-arm it to install "
					 "again", n->id,
				 store_state_name(n->state));
		break;
	}
	return 0;
}

static int node_kickstart(struct http_req *r)
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
		return 0;
	if (node_token_check(r->srv, r->rest, &n) != 0) {
		http_reply_error(r, 403, "invalid or expired node token");
		return 0;
	}
	cn = config_node_by_id(r->gen->cfg, n.id);
	node_ks_facts(r, &n, cn, &in);
	v = lifecycle_kickstart(&in);
	if (!node_ks_reply(r, v, &n, cn) || http_base_url(r, base, sizeof(base)))
		return 0;
	rc = node_ks_values(r, cn, &n, base, &ks);
	if (rc == 0)
		rc = node_ks_render(cn->profile->kickstart, ks.values, &out,
				    &out_len, unknown);
	if (rc != 0) {
		log_error("kickstart of %s from %s: %s", n.id,
			  cn->profile->kickstart,
			  rc == -EINVAL ? "unknown placeholder" :
					  pb_strerror(rc));
		http_reply_error(r, 500, "kickstart of %s could not be "
					 "rendered", n.id);
		goto out;
	}
	/* Rendered: now the fetch counts (a HEAD never moves the node). */
	if (v == LIFECYCLE_KS_SERVE_MARK) {
		rc = store_node_transition(r->srv->store, n.id,
					   NODE_BIT(NODE_ARMED) |
						   NODE_BIT(NODE_BOOTING),
					   NODE_INSTALLING, 0,
					   "kickstart fetched", &n);
		if (rc != 0 && !(rc == -PB_ESTATE &&
				 n.state == NODE_INSTALLING)) {
			http_reply_error(r, rc == -PB_ESTATE ? 409 : 500,
					 "node %s: %s", n.id, pb_strerror(rc));
			goto out;
		}
	}
	resp = http_response_data(out, out_len, "text/plain; charset=utf-8");
	if (resp)	/* it carries the node's token */
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
					"no-store");
	http_queue(r, 200, resp);
out:
	free(out);
	free(ks.root_ca);
	return 0;
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

/* Reports of pods limited to boot_from networks come only from them: a
 * node token copied elsewhere cannot mark its node installed or failed. */
static int node_report_allowed(struct http_req *r, const char *id)
{
	const struct config_node *cn = config_node_by_id(r->gen->cfg, id);

	if (!cn || config_pod_boot_allowed(cn->pod, r->client))
		return 1;	/* not configured: answered 404 below */
	http_reply_error(r, 403, "reports of pod %s come only from its "
				 "boot_from networks", cn->pod->name);
	return 0;
}

/*
 * POST /api/v1/nodes/mac-HEX/assign {"hostname", "pod", "profile"?,
 * "address"?}: a discovered machine joins a pod.  Recorded in the store,
 * then a reload makes it a configured, armed node.
 */
static void node_assign(struct http_req *r, const char *id)
{
	struct pbuf *b = r->ctx;
	struct store_assignment a;
	struct store_node n;
	struct config *trial = NULL;
	const char *host = NULL, *pod = NULL, *prof = "", *addr = "";
	json_error_t jerr;
	json_t *body = NULL;
	char err[CONFIG_ERR_MAX] = "";
	int rc;

	if (r->plain) {
		http_reply_error(r, 403, "operator actions need HTTPS");
		return;
	}
	if (!http_require_scope(r, "rearm"))
		return;
	if (store_node_get(r->srv->store, id, &n) != 0 ||
	    n.state != NODE_DISCOVERED) {
		http_reply_error(r, 404, "%s is not a discovered machine", id);
		return;
	}
	body = b && b->len ? json_loadb(b->data, b->len, 0, &jerr) : NULL;
	if (!body || json_unpack(body, "{s:s, s:s, s?s, s?s}", "hostname",
				 &host, "pod", &pod, "profile", &prof,
				 "address", &addr) != 0) {
		json_decref(body);
		http_reply_error(r, 400, "expected JSON {\"hostname\": ..., "
					 "\"pod\": ..., \"profile\": ..., "
					 "\"address\": ...}");
		return;
	}
	/* Validate against the running configuration, on a scratch copy. */
	rc = config_load(r->gen->cfg->path, &trial, err, sizeof(err));
	if (rc == 0)
		rc = config_add_node(trial, host, n.mac, pod, prof, addr, err,
				     sizeof(err));
	config_free(trial);
	memset(&a, 0, sizeof(a));
	memcpy(a.mac, n.mac, sizeof(a.mac));
	snprintf(a.hostname, sizeof(a.hostname), "%s", host);
	snprintf(a.pod, sizeof(a.pod), "%s", pod);
	snprintf(a.profile, sizeof(a.profile), "%s", prof);
	snprintf(a.address, sizeof(a.address), "%s", addr);
	json_decref(body);
	if (rc == 0)
		rc = store_assign_add(r->srv->store, &a);
	if (rc == -EEXIST || rc == -PB_EBAD_NAME) {
		http_reply_error(r, rc == -EEXIST ? 409 : 400, "%s",
				 rc == -EEXIST && !err[0] ?
					 "hostname or MAC already assigned" :
					 err);
		return;
	}
	if (rc != 0) {
		http_reply_error(r, 500, "assigning %s: %s", id, pb_strerror(rc));
		return;
	}
	store_event_add(r->srv->store, "assign", a.hostname,
			"%s (%s) assigned to pod %s from %s", id, a.mac, a.pod,
			r->client);
	kill(getpid(), SIGHUP);	/* the reload makes it a configured node */
	http_reply_json(r, 202, json_pack("{s:s, s:s, s:s, s:s}", "node",
					  a.hostname, "mac", a.mac, "pod", a.pod,
					  "state", "armed after the reload"));
}

/*
 * POST /api/v1/nodes/HOSTNAME/unassign: undo an assignment made through
 * the API.  The machine's tokens are void at once; after the reload it is
 * unknown again (policy "discover" records it anew, so it can be assigned
 * again, and a later assignment of the hostname starts over, armed).
 */
static void node_unassign(struct http_req *r, const char *id)
{
	const struct config_token *tok;
	const struct config_node *cn;
	struct store_assignment a;
	int rc;

	if (r->plain) {
		http_reply_error(r, 403, "operator actions need HTTPS");
		return;
	}
	tok = http_require_scope(r, "rearm");
	if (!tok)
		return;
	/* A node of the file shadows an assignment of the same name: the
	 * assignment is not what serves it. */
	cn = config_node_by_id(r->gen->cfg, id);
	if (cn && !cn->assigned) {
		http_reply_error(r, 409, "node %s is in the configuration "
					 "file; remove it there and reload", id);
		return;
	}
	rc = store_assign_remove(r->srv->store, id, &a);
	if (rc == -ENOENT) {
		http_reply_error(r, 404, "%s was not assigned through the API "
					 "(nodes of the configuration file "
					 "are removed by editing it)", id);
		return;
	}
	if (rc == -PB_ESTATE) {
		http_reply_error(r, 409, "node %s is installing; wait for its "
					 "report, or re-arm it first", id);
		return;
	}
	if (rc != 0) {
		http_reply_error(r, 500, "unassigning %s: %s", id,
				 pb_strerror(rc));
		return;
	}
	store_event_add(r->srv->store, "unassign", a.hostname,
			"%s (%s) removed from pod %s by token %s from %s",
			a.hostname, a.mac, a.pod, tok->name, r->client);
	kill(getpid(), SIGHUP);	/* the reload drops it from the nodes */
	http_reply_json(r, 202, json_pack("{s:s, s:s, s:s, s:s}", "node",
					  a.hostname, "mac", a.mac, "pod", a.pod,
					  "state", "unknown after the reload"));
}

static int node_post(struct http_req *r)
{
	const struct lifecycle_action *a;
	const struct config_token *tok = NULL;
	const char *slash = strchr(r->rest, '/');
	struct store_node n;
	char id[64], why[160];
	size_t len;
	int rc;

	len = slash ? (size_t)(slash - r->rest) : 0;
	if (!slash || len == 0 || len >= sizeof(id)) {
		http_reply_error(r, 404, "expected /api/v1/nodes/ID/ACTION");
		return 0;
	}
	memcpy(id, r->rest, len);
	id[len] = '\0';
	if (strcmp(slash + 1, "assign") == 0) {
		node_assign(r, id);
		return 0;
	}
	if (strcmp(slash + 1, "unassign") == 0) {
		node_unassign(r, id);
		return 0;
	}
	if (!(a = lifecycle_action(slash + 1))) {
		http_reply_error(r, 404, "unknown node action '%.32s'",
				 slash + 1);
		return 0;
	}
	if (a->operator && r->plain) {
		http_reply_error(r, 403, "operator actions need HTTPS");
		return 0;
	}
	if (a->operator) {
		tok = http_require_scope(r, "rearm");
		if (!tok)
			return 0;
		snprintf(why, sizeof(why), "by token %s from %s", tok->name,
			 r->client);
	} else {
		const char *secret = http_bearer(r);

		if (!secret || node_token_check(r->srv, secret, &n) != 0 ||
		    strcmp(n.id, id) != 0) {
			http_reply_error(r, 401, "a valid node token for %s "
						 "is required", id);
			return 0;
		}
		if (r->plain && !node_plain_ok(r, id))
			return 0;
		if (!node_report_allowed(r, id))
			return 0;
		snprintf(why, sizeof(why), "reported by the node from %s",
			 r->client);
	}
	/* Only after authentication: do not confirm names to strangers. */
	if (!config_node_by_id(r->gen->cfg, id)) {
		http_reply_error(r, 404, "node %s is not configured", id);
		return 0;
	}
	rc = store_node_transition(r->srv->store, id, a->from, a->to, a->rearm,
				   why, &n);
	if (rc == -ENOENT) {
		http_reply_error(r, 404, "no node %s", id);
		return 0;
	}
	if (rc == -PB_ESTATE) {
		http_reply_error(r, 409, "node %s is %s; '%s' is not allowed "
					 "now", id, store_state_name(n.state),
				 a->name);
		return 0;
	}
	if (rc != 0) {
		http_reply_error(r, 500, "%s", pb_strerror(rc));
		return 0;
	}
	http_reply_json(r, 200, json_pack("{s:s, s:s, s:i}", "node", n.id,
					  "state", store_state_name(n.state),
					  "generation", (int)n.generation));
	return 0;
}

/* A small body: assign's JSON; other actions ignore theirs. */
static int node_body(struct http_req *r, const char *data, size_t len)
{
	struct pbuf *b = r->ctx;

	if (!b || pbuf_append(b, data, len) != 0) {
		http_body_refuse(r, 413, "body larger than %d bytes",
				 HTTP_SMALL_BODY_MAX);
		return -1;
	}
	return 0;
}

static int node_start(struct http_req *r)
{
	struct pbuf *b = calloc(1, sizeof(*b));

	if (b)
		pbuf_init(b, HTTP_SMALL_BODY_MAX);
	r->ctx = b;	/* everything else happens once the body is in */
	return 0;
}

static void node_cleanup(struct http_req *r, int completed)
{
	struct pbuf *b = r->ctx;

	(void)completed;
	if (b) {
		pbuf_free(b);
		free(b);
	}
	r->ctx = NULL;
}

const struct http_route routes_node[] = {
	{ "GET", "/ks/", 0, node_kickstart, NULL, NULL, NULL, 1 },
	{ "POST", "/api/v1/nodes/", 0, node_start, node_body, node_post,
	  node_cleanup,
	  1 },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 },
};
