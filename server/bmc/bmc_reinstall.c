/* bmc_reinstall.c: "podboot bmc NODE reinstall": re-arm, the pod's ISO
 * into the virtual CD, boot once from it, power-cycle, follow the node's
 * state to installed, eject; each step an audit event. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bmc_ops.h"
#include "error.h"
#include "log.h"

/* How often the node's state is read while it installs. */
#define BMC_FOLLOW_POLL_MS 500

/* Record "reinstall: @what" for @node to @sk. */
static void bmc_step(const struct bmc_sink *sk, const char *node,
		     const char *what)
{
	char ev[2000];

	snprintf(ev, sizeof(ev), "reinstall: %s", what);
	bmc_record(sk, node, ev, 0);
}

/* Record that step @what failed with @err; returns @rc. */
static int bmc_step_failed(const struct bmc_sink *sk, const char *node,
			   const char *what, const char *err, int rc)
{
	char ev[2000];

	snprintf(ev, sizeof(ev), "reinstall failed: %s: %s", what, err);
	bmc_record(sk, node, ev, 1);
	return rc;
}

/* Re-arm node @n (made known to the store first, as serve does). */
static int bmc_rearm(const struct config_node *n, const struct bmc_sink *sk)
{
	struct store *st = sk->st;
	struct store_node sn;
	char what[96];
	int rc;

	memset(&sn, 0, sizeof(sn));
	snprintf(sn.id, sizeof(sn.id), "%s", n->hostname);
	memcpy(sn.mac, n->mac, sizeof(sn.mac));
	memcpy(sn.uuid, n->uuid, sizeof(sn.uuid));
	memcpy(sn.serial, n->serial, sizeof(sn.serial));
	snprintf(sn.pod, sizeof(sn.pod), "%s", n->pod->name);
	if ((rc = store_node_ensure(st, &sn)) != 0 ||
	    (rc = store_node_transition(st, n->hostname, NODE_BIT(NODE_ARMED) |
					NODE_BIT(NODE_BOOTING) |
					NODE_BIT(NODE_INSTALLING) |
					NODE_BIT(NODE_INSTALLED) |
					NODE_BIT(NODE_FAILED), NODE_ARMED, 1,
					"bmc reinstall", &sn)) != 0)
		return bmc_step_failed(sk, n->hostname, "re-arm",
				       pb_strerror(rc), rc);
	snprintf(what, sizeof(what), "re-armed (generation %u)", sn.generation);
	bmc_step(sk, n->hostname, what);
	return 0;
}

/* Insert @iso, boot once from the CD and power-cycle, on open @c. */
static int bmc_reinstall_start(struct bmc_client *c, const char *node,
			       const char *iso, const struct bmc_sink *sk)
{
	char where[BMC_PATH_MAX], sent[64], what[1800];
	int rc;

	if ((rc = bmc_media_insert(c, iso, where, sizeof(where))) != 0)
		return bmc_step_failed(sk, node, "media insert", c->http.err,
				       rc);
	snprintf(what, sizeof(what), "media insert %s into %s", iso, where);
	bmc_step(sk, node, what);
	if ((rc = bmc_boot_once(c, "Cd", NULL)) != 0)
		return bmc_step_failed(sk, node, "boot-once Cd", c->http.err,
				       rc);
	bmc_step(sk, node, "boot-once Cd");
	if ((rc = bmc_power(c, BMC_POWER_CYCLE, sent, sizeof(sent))) != 0)
		return bmc_step_failed(sk, node, "power cycle", c->http.err,
				       rc);
	snprintf(what, sizeof(what), "power cycle: ResetType %s", sent);
	bmc_step(sk, node, what);
	return 0;
}

/*
 * Follow node @node's state in @st until installed or failed, at most
 * @timeout_s seconds or until @sk->stop is set; each new state is a
 * step.  0 installed, -EIO failed, -ETIMEDOUT, -ECANCELED.
 */
static int bmc_follow(const struct bmc_sink *sk, const char *node,
		      unsigned int timeout_s)
{
	struct store *st = sk->st;
	struct timespec pause = { 0, BMC_FOLLOW_POLL_MS * 1000000L };
	time_t end = time(NULL) + (time_t)timeout_s;
	enum node_state seen = NODE_ARMED;
	struct store_node sn;
	char what[96];
	int rc;

	for (;;) {
		if ((rc = store_node_get(st, node, &sn)) != 0)
			return rc;
		if (sn.state != seen) {
			seen = sn.state;
			snprintf(what, sizeof(what), "node state %s",
				 store_state_name(seen));
			bmc_step(sk, node, what);
		}
		if (seen == NODE_INSTALLED || seen == NODE_FAILED)
			return seen == NODE_INSTALLED ? 0 : -EIO;
		if (time(NULL) >= end)
			return -ETIMEDOUT;
		nanosleep(&pause, NULL);
	}
}

/* Eject the image (a session of its own: the install took a while). */
static int bmc_reinstall_eject(const struct config *cfg,
			       const struct config_node *n,
			       const struct bmc_sink *sk)
{
	char where[BMC_PATH_MAX], err[1200], what[600];
	struct bmc_client c;
	int rc;

	if ((rc = bmc_connect(cfg, n->hostname, n->bmc, &c, err,
			      sizeof(err))) != 0)
		return bmc_step_failed(sk, n->hostname, "media eject", err, rc);
	rc = bmc_media_eject(&c, where, sizeof(where));
	if (rc != 0)
		bmc_step_failed(sk, n->hostname, "media eject", c.http.err, rc);
	bmc_close(&c);
	if (rc == 0) {
		snprintf(what, sizeof(what), "media eject: %s", where);
		bmc_step(sk, n->hostname, what);
	}
	return rc;
}

int bmc_reinstall(const struct config *cfg, const struct config_node *n,
		  const struct bmc_req *req, const struct bmc_sink *sk)
{
	char iso[1100], err[1200];
	struct bmc_client c;
	int rc, erc;

	if (req->iso)
		snprintf(iso, sizeof(iso), "%s", req->iso);
	else
		snprintf(iso, sizeof(iso), "%s/artifacts/media/%s.iso",
			 cfg->base_url, n->pod->name);
	/* The BMC first: a node is re-armed only when its BMC answers. */
	if ((rc = bmc_connect(cfg, n->hostname, n->bmc, &c, err,
			      sizeof(err))) != 0)
		return bmc_step_failed(sk, n->hostname, "opening the BMC", err,
				       rc);
	if ((rc = bmc_rearm(n, sk)) == 0)
		rc = bmc_reinstall_start(&c, n->hostname, iso, sk);
	bmc_close(&c);
	if (rc != 0)
		return rc;
	rc = bmc_follow(sk, n->hostname, req->timeout_s);
	if (rc == -ETIMEDOUT)
		bmc_step_failed(sk, n->hostname, "following the install",
				"not installed in time", rc);
	else if (rc == -EIO)
		bmc_step_failed(sk, n->hostname, "the install", "the node "
				"reported failure", rc);
	else if (rc == -ECANCELED)
		bmc_step_failed(sk, n->hostname, "following the install",
				"podboot serve is stopping", rc);
	/* The media goes whatever the outcome: no boot loop from the CD. */
	erc = bmc_reinstall_eject(cfg, n, sk);
	if (rc == 0 && erc == 0)
		bmc_step(sk, n->hostname, "done: installed");
	return rc ? rc : erc;
}
