/* node.c: POST /api/v1/nodes/ID/ACTION: a node's install report, the
 * operator's re-arm, and the assignment of discovered machines
 * (kickstarts: node_ks.c). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "lifecycle.h"
#include "log.h"
#include "node.h"
#include "node_int.h"
#include "pbuf.h"
#include "nodetoken.h"

/*
 * The operator's token of request @r into *@tok: operator actions need
 * HTTPS and the "rearm" scope.  Returns 0, or the refusal's code.
 */
static int node_operator(struct http_req *r, const struct config_token **tok)
{
	if (r->plain)
		return http_refuse(r, 403, "operator actions need HTTPS");
	*tok = http_require_scope(r, "rearm");
	return *tok ? 0 : http_status_rc(401);
}

/*
 * POST /api/v1/nodes/mac-HEX/assign {"hostname", "pod", "profile"?,
 * "address"?}: a discovered machine joins a pod.  Recorded in the store,
 * then a reload makes it a configured, armed node.  Returns 0, or the
 * refusal's code.
 */
static int node_assign(struct http_req *r, const char *id)
{
	const struct config_token *tok;
	struct pbuf *b = r->ctx;
	struct store_assignment a;
	struct store_node n;
	struct config *trial = NULL;
	const char *host = NULL, *pod = NULL, *prof = "", *addr = "";
	json_error_t jerr;
	json_t *body = NULL;
	char err[CONFIG_ERR_MAX] = "";
	int rc;

	if ((rc = node_operator(r, &tok)) != 0)
		return rc;
	if (store_node_get(r->srv->store, id, &n) != 0 ||
	    n.state != NODE_DISCOVERED)
		return http_refuse(r, 404, "%s is not a discovered machine",
				   id);
	body = b && b->len ? json_loadb(b->data, b->len, 0, &jerr) : NULL;
	if (!body || json_unpack(body, "{s:s, s:s, s?s, s?s}", "hostname",
				 &host, "pod", &pod, "profile", &prof,
				 "address", &addr) != 0) {
		json_decref(body);
		return http_refuse(r, 400, "expected JSON {\"hostname\": ..., "
					   "\"pod\": ..., \"profile\": ..., "
					   "\"address\": ...}");
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
	if (rc == -EEXIST || rc == -PB_EBAD_NAME)
		return http_refuse(r, rc == -EEXIST ? 409 : 400, "%s",
				   rc == -EEXIST && !err[0] ?
					   "hostname or MAC already assigned" :
					   err);
	if (rc != 0)
		return http_refuse(r, 500, "assigning %s: %s", id,
				   pb_strerror(rc));
	store_event_add(r->srv->store, "assign", a.hostname,
			"%s (%s) assigned to pod %s from %s", id, a.mac, a.pod,
			r->client);
	kill(getpid(), SIGHUP);	/* the reload makes it a configured node */
	http_reply_json(r, 202, json_pack("{s:s, s:s, s:s, s:s}", "node",
					  a.hostname, "mac", a.mac, "pod", a.pod,
					  "state", "armed after the reload"));
	return 0;
}

/*
 * POST /api/v1/nodes/HOSTNAME/unassign: undo an assignment made through
 * the API.  The machine's tokens are void at once; after the reload it is
 * unknown again (policy "discover" records it anew, so it can be assigned
 * again, and a later assignment of the hostname starts over, armed).
 * Returns 0, or the refusal's code.
 */
static int node_unassign(struct http_req *r, const char *id)
{
	const struct config_token *tok;
	const struct config_node *cn;
	struct store_assignment a;
	int rc;

	if ((rc = node_operator(r, &tok)) != 0)
		return rc;
	/* A node of the file shadows an assignment of the same name: the
	 * assignment is not what serves it. */
	cn = config_node_by_id(r->gen->cfg, id);
	if (cn && !cn->assigned)
		return http_refuse(r, 409, "node %s is in the configuration "
					   "file; remove it there and reload",
				   id);
	rc = store_assign_remove(r->srv->store, id, &a);
	if (rc == -ENOENT)
		return http_refuse(r, 404, "%s was not assigned through the "
					   "API (nodes of the configuration "
					   "file are removed by editing it)",
				   id);
	if (rc == -PB_ESTATE)
		return http_refuse(r, 409, "node %s is installing; wait for "
					   "its report, or re-arm it first",
				   id);
	if (rc != 0)
		return http_refuse(r, 500, "unassigning %s: %s", id,
				   pb_strerror(rc));
	store_event_add(r->srv->store, "unassign", a.hostname,
			"%s (%s) removed from pod %s by token %s from %s",
			a.hostname, a.mac, a.pod, tok->name, r->client);
	kill(getpid(), SIGHUP);	/* the reload drops it from the nodes */
	http_reply_json(r, 202, json_pack("{s:s, s:s, s:s, s:s}", "node",
					  a.hostname, "mac", a.mac, "pod", a.pod,
					  "state", "unknown after the reload"));
	return 0;
}

/*
 * Authenticate the node action @a on node @id as lifecycle_post() needs:
 * an operator's token (its own refusal queued when it fails, returned as
 * *@rc) or node @id's token.  Fills @in and the audit line @why.
 */
static void node_post_facts(struct http_req *r, const char *id,
			    const struct lifecycle_action *a,
			    struct lifecycle_post_in *in, char *why,
			    size_t why_size, int *rc)
{
	const struct config_node *cn = config_node_by_id(r->gen->cfg, id);
	const struct config_token *tok;
	const char *secret;
	struct store_node n;

	memset(in, 0, sizeof(*in));
	*rc = 0;
	in->operator = a->operator;
	in->plain = r->plain;
	in->configured = cn != NULL;
	in->pod_plain_ok = cn && cn->pod->allow_unverified;
	in->pod_net_ok = cn && config_pod_boot_allowed(cn->pod, r->client);
	if (a->operator && !r->plain) {
		tok = http_require_scope(r, "rearm");
		in->authed = tok != NULL;
		if (!tok)
			*rc = http_status_rc(401);
		else
			snprintf(why, why_size, "by token %s from %s",
				 tok->name, r->client);
	} else if (!a->operator) {
		secret = http_bearer(r);
		in->authed = secret &&
			     node_token_check(r->srv, secret, &n) == 0 &&
			     strcmp(n.id, id) == 0;
		snprintf(why, why_size, "reported by the node from %s",
			 r->client);
	}
}

/* Queue the refusal verdict @v of lifecycle_post() stands for, about
 * node @id, and return its code. */
static int node_post_refuse(struct http_req *r, enum lifecycle_post v,
			    const char *id)
{
	const struct config_node *cn = config_node_by_id(r->gen->cfg, id);

	switch (v) {
	case LIFECYCLE_POST_NEED_HTTPS:
		return http_refuse(r, 403, "operator actions need HTTPS");
	case LIFECYCLE_POST_UNAUTHED:
		return http_refuse(r, 401, "a valid node token for %s is "
					   "required", id);
	case LIFECYCLE_POST_NO_PLAIN:
		return http_refuse(r, 403, "node %s may not use plain HTTP",
				   id);
	case LIFECYCLE_POST_NO_NET:
		return http_refuse(r, 403, "reports of pod %s come only from "
					   "its boot_from networks",
				   cn ? cn->pod->name : "?");
	case LIFECYCLE_POST_UNCONFIGURED:
		return http_refuse(r, 404, "node %s is not configured", id);
	default:
		return http_refuse(r, 500, "node action: no reply for "
					   "verdict %d", (int)v);
	}
}

/* Apply action @a to node @id in the store and answer with its new
 * state; returns 0, or the refusal's code (404, 409, 500). */
static int node_post_apply(struct http_req *r, const char *id,
			   const struct lifecycle_action *a, const char *why)
{
	struct store_node n;
	int rc;

	rc = store_node_transition(r->srv->store, id, a->from, a->to, a->rearm,
				   why, &n);
	if (rc == -ENOENT)
		return http_refuse(r, 404, "no node %s", id);
	if (rc == -PB_ESTATE)
		return http_refuse(r, 409, "node %s is %s; '%s' is not "
					   "allowed now", id,
				   store_state_name(n.state), a->name);
	if (rc != 0)
		return http_refuse(r, 500, "%s", pb_strerror(rc));
	http_reply_json(r, 200, json_pack("{s:s, s:s, s:i}", "node", n.id,
					  "state", store_state_name(n.state),
					  "generation", (int)n.generation));
	return 0;
}

/*
 * POST /api/v1/nodes/ID/ACTION, once its body is in: assign, unassign,
 * or a lifecycle action (a node's report, an operator's re-arm) as
 * lifecycle_post() decides.  Returns 0, or the refusal's code.
 */
static int node_post(struct http_req *r)
{
	const struct lifecycle_action *a;
	const char *slash = strchr(r->rest, '/');
	struct lifecycle_post_in in;
	enum lifecycle_post v;
	char id[64], why[160] = "";
	size_t len;
	int rc;

	len = slash ? (size_t)(slash - r->rest) : 0;
	if (!slash || len == 0 || len >= sizeof(id))
		return http_refuse(r, 404, "expected /api/v1/nodes/ID/ACTION");
	memcpy(id, r->rest, len);
	id[len] = '\0';
	if (strcmp(slash + 1, "assign") == 0)
		return node_assign(r, id);
	if (strcmp(slash + 1, "unassign") == 0)
		return node_unassign(r, id);
	if (!(a = lifecycle_action(slash + 1)))
		return http_refuse(r, 404, "unknown node action '%.32s'",
				   slash + 1);
	node_post_facts(r, id, a, &in, why, sizeof(why), &rc);
	if (rc != 0)
		return rc;
	v = lifecycle_post(&in);
	if (v != LIFECYCLE_POST_APPLY)
		return node_post_refuse(r, v, id);
	return node_post_apply(r, id, a, why);
}

/* The route's start: a bounded buffer for the body (assign's JSON; other
 * actions ignore theirs); the action runs in node_post once it is in. */
static int node_start(struct http_req *r)
{
	if (http_small_body_begin(r, HTTP_SMALL_BODY_MAX) != 0)
		return http_refuse(r, 503, "out of memory; try again");
	return 0;
}

const struct http_route routes_node[] = {
	{ "GET", "/ks/", 0, node_ks_get, NULL, NULL, NULL, 1 },
	{ "POST", "/api/v1/nodes/", 0, node_start, http_small_body,
	  node_post, http_small_body_cleanup,
	  1 },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 },
};
