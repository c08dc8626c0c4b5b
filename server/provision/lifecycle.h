/* lifecycle.h: the install lifecycle's decisions as pure functions: which
 * stage2 a machine gets (the one-shot rule), whether a kickstart goes out,
 * and the transitions of the node actions.  No I/O: the handlers gather
 * the facts and turn a verdict into a reply. */
#ifndef PODBOOT_LIFECYCLE_H
#define PODBOOT_LIFECYCLE_H

#include "store.h"

/**
 * Whether a node in @state is still to be installed: armed, booting or
 * installing.  Installed, failed and discovered nodes are not, until an
 * operator re-arms them.
 *
 * @ret installs	1 or 0
 */
int lifecycle_installs(enum node_state state);

/** What is known about one request for a stage2 script. */
struct lifecycle_boot_in {
	int configured;		/* the machine is a configured node */
	int plain;		/* it came over the plain-HTTP listener */
	int pod_plain_ok;	/* its pod allows unverified (plain) boot */
	int pod_net_ok;		/* the client is in its pod's boot_from */
	int discover;		/* policy.unknown is "discover" */
	int mac_placeholder;	/* the MAC is all zeros or all ones */
	int stored;		/* the store holds the node: @state is valid */
	enum node_state state;	/* the node's state in the store */
	int fetch;		/* a GET of the script (not HEAD, not .sig) */
};

/** Which stage2 a machine gets, or why it gets none. */
enum lifecycle_boot {
	LIFECYCLE_BOOT_LOCAL,		/* the local-boot script */
	LIFECYCLE_BOOT_DISCOVER,	/* record it; the discovery script */
	LIFECYCLE_BOOT_INSTALL,		/* the installer, state unchanged */
	LIFECYCLE_BOOT_INSTALL_MARK,	/* the installer once armed -> booting
					 * is recorded */
	LIFECYCLE_BOOT_NO_PLAIN,	/* 403: its pod refuses plain HTTP */
	LIFECYCLE_BOOT_NO_NET,		/* 403: outside its pod's boot_from */
	LIFECYCLE_BOOT_PLACEHOLDER,	/* 400: a placeholder MAC, not recorded */
	LIFECYCLE_BOOT_UNSTORED,	/* 503: not in the store yet */
};

/**
 * Decide which stage2 a machine gets: the one-shot rule.  A configured
 * node gets the installer only while it is armed, booting or installing,
 * and the first real fetch by an armed node moves it to booting; any
 * other state gets the local-boot script.  Unknown machines are recorded
 * and get the discovery script under policy "discover", else local boot.
 *
 * @v in		the facts of the request
 * @ret verdict		one of enum lifecycle_boot
 */
enum lifecycle_boot lifecycle_boot(const struct lifecycle_boot_in *in);

/** What is known about one kickstart request with a valid node token. */
struct lifecycle_ks_in {
	int configured;		/* the token's node is configured */
	int plain;		/* it came over the plain-HTTP listener */
	int pod_plain_ok;	/* its pod allows unverified (plain) boot */
	int pod_net_ok;		/* the client is in its pod's boot_from */
	enum node_state state;	/* the node's state in the store */
	int get;		/* a GET (a HEAD never moves the node) */
};

/** Whether a kickstart goes out, or why not. */
enum lifecycle_ks {
	LIFECYCLE_KS_SERVE,		/* serve it, state unchanged */
	LIFECYCLE_KS_SERVE_MARK,	/* serve it once -> installing is
					 * recorded */
	LIFECYCLE_KS_UNCONFIGURED,	/* 404: the node is not configured */
	LIFECYCLE_KS_NO_PLAIN,		/* 403: its pod refuses plain HTTP */
	LIFECYCLE_KS_NO_NET,		/* 403: outside its pod's boot_from */
	LIFECYCLE_KS_DONE,		/* 409: installed or failed: re-arm */
};

/**
 * Decide whether a node's kickstart goes out: only to its pod, only while
 * it is being installed; a GET by an armed or booting node moves it to
 * installing.
 *
 * @v in		the facts of the request
 * @ret verdict		one of enum lifecycle_ks
 */
enum lifecycle_ks lifecycle_kickstart(const struct lifecycle_ks_in *in);

/**
 * A node action of POST /api/v1/nodes/ID/ACTION: who may ask for it, and
 * the transition it makes.  The store applies it only from a state in
 * @from, atomically.
 */
struct lifecycle_action {
	const char *name;
	int operator;			/* needs an operator token */
	unsigned int from;		/* NODE_BIT()s it applies to */
	enum node_state to;
	int rearm;			/* a new generation: the node's old
					 * token dies */
};

/**
 * The node action named @name: "installed" and "failed" (reported by the
 * node while it boots or installs) or "rearm" (an operator's, from any
 * state but discovered).
 *
 * @ret action		the action, or NULL for an unknown name
 */
const struct lifecycle_action *lifecycle_action(const char *name);

/** What is known about one POST /api/v1/nodes/ID/ACTION of a known action. */
struct lifecycle_post_in {
	int operator;		/* the action needs an operator token */
	int plain;		/* it came over the plain-HTTP listener */
	int authed;		/* operator: a token with scope "rearm";
				 * node: a valid token of node ID */
	int configured;		/* ID is a configured node */
	int pod_plain_ok;	/* its pod allows unverified (plain) boot */
	int pod_net_ok;		/* the client is in its pod's boot_from */
};

/** Whether a node action is applied, or why not. */
enum lifecycle_post {
	LIFECYCLE_POST_APPLY,		/* try the transition in the store */
	LIFECYCLE_POST_NEED_HTTPS,	/* 403: an operator's, over plain */
	LIFECYCLE_POST_UNAUTHED,	/* 401 (operator: 401 or 403, as the
					 * token check said) */
	LIFECYCLE_POST_NO_PLAIN,	/* 403: a report over plain HTTP from a
					 * pod that refuses it */
	LIFECYCLE_POST_NO_NET,		/* 403: a report from outside its pod's
					 * boot_from */
	LIFECYCLE_POST_UNCONFIGURED,	/* 404, only once authenticated: names
					 * are not confirmed to strangers */
};

/**
 * Decide whether a node action is applied: an operator's needs HTTPS and
 * the "rearm" scope; a node's report needs that node's token, HTTPS
 * unless its pod allows plain boot, and a client in its pod's boot_from
 * (a token copied elsewhere cannot mark its node installed or failed).
 *
 * @v in		the facts of the request
 * @ret verdict		one of enum lifecycle_post
 */
enum lifecycle_post lifecycle_post(const struct lifecycle_post_in *in);

#endif
