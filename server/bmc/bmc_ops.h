/* bmc_ops.h: what "podboot bmc NODE ..." does: the request parsed from
 * its words, the node's BMC settings, password and pinned identity put
 * together, the operation run, and each action an audit event. */
#ifndef PODBOOT_BMC_OPS_H
#define PODBOOT_BMC_OPS_H

#include <stdatomic.h>
#include <stddef.h>

#include "bmc_client.h"
#include "config.h"
#include "store.h"

/** The operations. */
enum bmc_verb {
	BMC_TRUST,
	BMC_POWER_STATUS,
	BMC_DO_ON,
	BMC_DO_OFF,
	BMC_DO_CYCLE,
	BMC_MEDIA_INSERT,
	BMC_MEDIA_EJECT,
	BMC_BOOT_ONCE,
	BMC_REINSTALL,
	BMC_SB_STATUS,		/* secure-boot (bmc_secureboot.c) */
	BMC_SB_ON,
	BMC_SB_OFF,
	BMC_SB_ENROL_DB,
};

/** One request. */
struct bmc_req {
	enum bmc_verb verb;
	const char *arg;	/* media insert: the URL; boot-once: target */
	const char *uri;	/* boot-once UefiHttp: HttpBootUri, or NULL */
	int accept_change;	/* trust: replace a learned fingerprint */
	const char *iso;	/* reinstall: the image, NULL: the pod's ISO */
	unsigned int timeout_s;	/* reinstall: how long to follow the node */
};

/**
 * Parse the words after the node ("power cycle", "media insert URL",
 * "boot-once Cd", "trust") into @req.  URLs are http:// or https://
 * without user or password; boot targets are Cd, Pxe or UefiHttp (which
 * alone takes @uri).
 *
 * @ret rc		0, or -PB_EUSAGE with @err saying why
 */
int bmc_req_parse(int argc, char **argv, const char *uri,
		  struct bmc_req *req, char *err, size_t size);

/**
 * Run @req against node @node's BMC as @cfg configures it, print the
 * outcome on stdout, and record each action (not a status read) as a
 * "bmc" event in the store of @cfg's data directory, failed ones too.
 *
 * @ret rc		0 or a negative error, logged as one line
 */
int bmc_run(const struct config *cfg, const char *node,
	    const struct bmc_req *req);

/**
 * Open @node's BMC (@b) as bmc_open() does, with the password read from
 * its file (and wiped) and the pinned identity: configured, else learned.
 *
 * @ret rc		0 (bmc_close() @c), or a negative error with @err
 *			saying why
 */
int bmc_connect(const struct config *cfg, const char *node,
		const struct config_bmc *b, struct bmc_client *c, char *err,
		size_t err_size);

/*
 * Where the steps of an operation go: each one a "bmc" audit event in
 * @st, and to @step, or (no @step: the command line) printed on stdout,
 * failures logged.
 */
struct bmc_sink {
	struct store *st;		/* the audit trail; NULL: none */
	const char *actor;		/* "token NAME" in events, or NULL */
	void (*step)(void *ctx, const char *node, const char *text,
		     int failed, long long at);	/* @at: its time, 0 now */
	void *ctx;
	const atomic_int *stop;		/* set: stop following a node */
};

/** Record @detail as a "bmc" event of @node in @st (a failure is logged). */
void bmc_event(struct store *st, const char *node, const char *detail);

/**
 * One step @text of node @node to @sk: an event (with the actor) and
 * @sk->step, or stdout ("NODE: TEXT"), a failure logged instead.
 */
void bmc_record(const struct bmc_sink *sk, const char *node, const char *text,
		int failed);

/**
 * bmc_record() of a step that happened at @at (unix seconds, 0: now), as
 * a node's state change read from its event: @sk->step gets that time.
 */
void bmc_record_at(const struct bmc_sink *sk, const char *node,
		   const char *text, int failed, long long at);

/**
 * Run @req (not trust, not reinstall) on node @node's BMC @b and record
 * it to @sk (a status read is not recorded); the outcome's words (the
 * power state, "ResetType On", ...) in @out, the error's in @err.
 *
 * @ret rc		0 or a negative error
 */
int bmc_action(const struct config *cfg, const char *node,
	       const struct config_bmc *b, const struct bmc_req *req,
	       const struct bmc_sink *sk, char *out, size_t size, char *err,
	       size_t err_size);

/**
 * 1 if @url may name an image: http:// or https://, a host, printable,
 * at most 1024 bytes, no user or password (it goes into the audit trail).
 */
int bmc_url_ok(const char *url);

/** What operation @v is called in events and output ("power on"). */
const char *bmc_what(enum bmc_verb v);

/**
 * Reinstall node @n through its BMC: re-arm it, insert @req->iso (the
 * pod's ISO at server.base_url/artifacts/media/POD.iso by default), boot
 * once from the CD, power-cycle, follow the node's state in @st until it
 * is installed or failed (at most @req->timeout_s, or until @sk->stop is
 * set), and eject; each step recorded to @sk.
 *
 * @ret rc		0 once installed; -EIO (the install failed),
 *			-ETIMEDOUT, -ECANCELED, or the failed step's error
 */
int bmc_reinstall(const struct config *cfg, const struct config_node *n,
		  const struct bmc_req *req, const struct bmc_sink *sk);

#endif
