/* bmc_ops.h: what "podboot bmc NODE ..." does: the request parsed from
 * its words, the node's BMC settings, password and pinned identity put
 * together, the operation run, and each action an audit event. */
#ifndef PODBOOT_BMC_OPS_H
#define PODBOOT_BMC_OPS_H

#include <stddef.h>

#include "config.h"

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
};

/** One request. */
struct bmc_req {
	enum bmc_verb verb;
	const char *arg;	/* media insert: the URL; boot-once: target */
	const char *uri;	/* boot-once UefiHttp: HttpBootUri, or NULL */
	int accept_change;	/* trust: replace a learned fingerprint */
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

#endif
