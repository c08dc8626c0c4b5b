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

/* How long the follower waits when the node has no new event. */
#define BMC_FOLLOW_POLL_MS 500
/* Events read at once; a full batch is followed by the next at once. */
#define BMC_FOLLOW_BATCH 64
/* The "why" of the store's re-arm event that bmc_rearm() causes. */
#define BMC_REARM_WHY "bmc reinstall"

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

/*
 * Re-arm node @n (made known to the store first, as serve does); *@cursor
 * gets the newest event id before the re-arm, where following starts.
 */
static int bmc_rearm(const struct config_node *n, const struct bmc_sink *sk,
		     long long *cursor)
{
	struct store *st = sk->st;
	struct store_node sn;
	char what[96];
	int rc;

	if ((rc = store_event_last_id(st, cursor)) != 0)
		return bmc_step_failed(sk, n->hostname, "re-arm",
				       pb_strerror(rc), rc);
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
					BMC_REARM_WHY, &sn)) != 0)
		return bmc_step_failed(sk, n->hostname, "re-arm",
				       pb_strerror(rc), rc);
	snprintf(what, sizeof(what), "re-armed (generation %u)", sn.generation);
	bmc_step(sk, n->hostname, what);
	return 0;
}

/* Insert @iso, boot once from the CD and power-cycle, on open @c. */
static int bmc_reinstall_start(struct bmc_client *c, const char *node,
			       const char *iso, const struct bmc_sink *sk,
			       int *inserted)
{
	char where[BMC_PATH_MAX], sent[64], what[1800], note[200];
	int rc;

	if ((rc = bmc_media_insert(c, iso, where, sizeof(where))) != 0)
		return bmc_step_failed(sk, node, "media insert", c->http.err,
				       rc);
	*inserted = 1;
	snprintf(what, sizeof(what), "media insert %s into %s", iso, where);
	bmc_step(sk, node, what);
	/* The medium's own boot at the next reset where the BMC offers it:
	 * on some models a one-time Cd boots a physical drive instead. */
	rc = bmc_media_boot_next(c, where);
	if (rc != 0 && rc != -ENOTSUP)
		return bmc_step_failed(sk, node, "boot-once from the virtual "
				       "media (Oem.Hpe.BootOnNextServerReset)",
				       c->http.err, rc);
	if (rc == 0) {
		snprintf(what, sizeof(what), "boot-once: %s at the next reset "
			 "(Oem.Hpe.BootOnNextServerReset)", where);
		bmc_step(sk, node, what);
	} else if ((rc = bmc_boot_once(c, "Cd", NULL, note,
				       sizeof(note))) != 0) {
		return bmc_step_failed(sk, node, "boot-once Cd", c->http.err,
				       rc);
	} else {
		snprintf(what, sizeof(what), "boot-once Cd%s", note);
		bmc_step(sk, node, what);
	}
	if ((rc = bmc_power(c, BMC_POWER_CYCLE, sent, sizeof(sent))) != 0)
		return bmc_step_failed(sk, node, "power cycle", c->http.err,
				       rc);
	snprintf(what, sizeof(what), "power cycle: ResetType %s", sent);
	bmc_step(sk, node, what);
	return 0;
}

/* The follower: where it is in the node's events, and what it saw. */
struct bmc_follower {
	const struct bmc_sink *sk;
	const char *node;
	long long cursor;	/* the id of the last event read */
	unsigned int n;		/* events read by the current batch */
	int armed;		/* the re-arm's own event has been read */
	int end;		/* 1 installed, -1 failed, 0 not yet */
};

/*
 * The state a "state" or "rearm" event's @detail ("FROM -> TO" or
 * "FROM -> TO: WHY") moved the node to, in *@to; *@ours is 1 when WHY is
 * the re-arm of a BMC reinstall.  0, or -EINVAL: not a transition.
 */
static int bmc_follow_to(const char *detail, enum node_state *to, int *ours)
{
	const char *p = strstr(detail, " -> ");
	char name[32];
	size_t n;

	if (!p)
		return -EINVAL;
	p += 4;
	n = strcspn(p, ":");
	if (n == 0 || n >= sizeof(name))
		return -EINVAL;
	memcpy(name, p, n);
	name[n] = '\0';
	*ours = strcmp(p + n, ": " BMC_REARM_WHY) == 0;
	return store_state_parse(name, to);
}

/* Report the node's move to @to, at the time of its event @e. */
static void bmc_follow_step(struct bmc_follower *f,
			    const struct store_event *e, enum node_state to)
{
	char what[96];

	snprintf(what, sizeof(what), "reinstall: node state %s",
		 store_state_name(to));
	bmc_record_at(f->sk, f->node, what, 0, e->ts);
}

/*
 * One event of the node, oldest first: each transition after the re-arm
 * is a step, once, with its own time; installed or failed end the follow
 * (1 stops the listing there).
 */
static int bmc_follow_event(void *ctx, const struct store_event *e)
{
	struct bmc_follower *f = ctx;
	enum node_state to;
	int ours;

	f->cursor = e->id;
	f->n++;
	if ((strcmp(e->kind, "state") != 0 && strcmp(e->kind, "rearm") != 0) ||
	    bmc_follow_to(e->detail, &to, &ours) != 0)
		return 0;
	/* What happened before the re-arm was already over. */
	if (!f->armed) {
		f->armed = ours && to == NODE_ARMED &&
			   strcmp(e->kind, "rearm") == 0;
		return 0;
	}
	bmc_follow_step(f, e, to);
	if (to == NODE_INSTALLED || to == NODE_FAILED) {
		f->end = to == NODE_INSTALLED ? 1 : -1;
		return 1;
	}
	return 0;
}

/*
 * Follow node @node by its events after @cursor (the re-arm's among
 * them) until installed or failed, at most @timeout_s seconds or until
 * @sk->stop is set; each transition is a step.  Events are read by id, so
 * a state the node passes between two reads is reported all the same.
 * 0 installed, -EIO failed, -ETIMEDOUT, -ECANCELED, or a store error.
 */
static int bmc_follow(const struct bmc_sink *sk, const char *node,
		      long long cursor, unsigned int timeout_s)
{
	struct timespec pause = { 0, BMC_FOLLOW_POLL_MS * 1000000L };
	time_t end = time(NULL) + (time_t)timeout_s;
	struct bmc_follower f = { sk, node, cursor, 0, 0, 0 };
	int rc;

	for (;;) {
		f.n = 0;
		rc = store_event_list_by(sk->st, NULL, node, f.cursor,
					 BMC_FOLLOW_BATCH, bmc_follow_event,
					 &f);
		if (rc < 0)
			return rc;
		if (f.end)
			return f.end > 0 ? 0 : -EIO;
		if (f.n == BMC_FOLLOW_BATCH)
			continue;
		if (sk->stop && atomic_load(sk->stop))
			return -ECANCELED;
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
	long long cursor = 0;
	int rc, erc, inserted = 0;

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
	if ((rc = bmc_rearm(n, sk, &cursor)) == 0)
		rc = bmc_reinstall_start(&c, n->hostname, iso, sk, &inserted);
	bmc_close(&c);
	if (rc != 0) {
		/* A step after the insert failed: the medium goes, so that
		 * the machine's next reset does not boot an installer no one
		 * follows.  The node stays re-armed (see docs/bmc.md). */
		if (inserted)
			bmc_reinstall_eject(cfg, n, sk);
		return rc;
	}
	rc = bmc_follow(sk, n->hostname, cursor, req->timeout_s);
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
