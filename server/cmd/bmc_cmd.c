/* bmc_cmd.c: "podboot bmc NODE ...": options and words parsed, then the
 * bmc room runs the operation on the node's BMC (server/bmc/bmc_ops.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmc_ops.h"
#include "bmc_pod.h"
#include "bmc_secureboot.h"
#include "cmd.h"
#include "cmdopt.h"
#include "config.h"
#include "error.h"
#include "log.h"

/* The command's usage, to @out. */
static void bmc_usage(FILE *out)
{
	fprintf(out,
		"usage: podboot bmc [--config FILE] NODE trust "
		"[--accept-change]\n"
		"       podboot bmc [--config FILE] NODE power "
		"[status|on|off|cycle]\n"
		"       podboot bmc [--config FILE] NODE media insert URL\n"
		"       podboot bmc [--config FILE] NODE media eject\n"
		"       podboot bmc [--config FILE] NODE boot-once "
		"Cd|Pxe|UefiHttp [--uri URL]\n"
		"       podboot bmc [--config FILE] NODE secure-boot "
		"[status|on|off]\n"
		"       podboot bmc [--config FILE] NODE secure-boot enrol-db "
		"[--cert FILE]\n"
		"       podboot bmc [--config FILE] NODE reinstall [--iso URL] "
		"[--timeout SECONDS]\n"
		"       podboot bmc [--config FILE] --pod POD reinstall "
		"[--nodes A,B,...]\n"
		"                   [--parallel N] [--iso URL] "
		"[--timeout SECONDS]\n\n"
		"Drives NODE's BMC over Redfish, as the node's bmc group in "
		"the\nconfiguration (--config FILE, default $PODBOOT_CONFIG, "
		"else\npodboot.conf) says; each action is an audit event "
		"(docs/bmc.md).\ntrust learns the BMC's TLS key fingerprint "
		"on first use; a changed\none is refused until --accept-change."
		"\n--pod reinstalls the pod's nodes with a BMC (or those of "
		"--nodes),\nN at once (4), a line per step, then each node's "
		"outcome.\n\noptions:\n");
}

/* What "podboot bmc" is told. */
struct bmc_opts {
	const char *config;
	const char *uri;		/* boot-once UefiHttp's HttpBootUri */
	int accept_change;
	const char *iso;		/* reinstall: the image */
	unsigned int timeout_s;		/* reinstall: following the node */
	const char *pod;		/* a pod's reinstall */
	const char *nodes;		/* its nodes, "a,b,c" */
	unsigned int parallel;		/* at once */
	const char *cert;		/* secure-boot enrol-db's certificate */
};

static const struct cmdopt bmc_table[] = {
	{ .name = "config", .letter = 'c', .kind = CMDOPT_STR, .arg = "FILE",
	  CMDOPT_AT(struct bmc_opts, config), .help = "the configuration" },
	{ .name = "uri", .kind = CMDOPT_STR, .arg = "URL",
	  CMDOPT_AT(struct bmc_opts, uri),
	  .help = "boot-once UefiHttp: the HttpBootUri" },
	{ .name = "accept-change", .kind = CMDOPT_FLAG,
	  CMDOPT_AT(struct bmc_opts, accept_change),
	  .help = "trust: replace a learned fingerprint" },
	{ .name = "iso", .kind = CMDOPT_STR, .arg = "URL",
	  CMDOPT_AT(struct bmc_opts, iso),
	  .help = "reinstall: the image (the pod's ISO by default)" },
	{ .name = "timeout", .kind = CMDOPT_UINT, .arg = "SECONDS",
	  .min = 1, .max = 86400, CMDOPT_AT(struct bmc_opts, timeout_s),
	  .help = "reinstall: how long to follow the node (3600)" },
	{ .name = "pod", .kind = CMDOPT_STR, .arg = "POD",
	  CMDOPT_AT(struct bmc_opts, pod),
	  .help = "reinstall: the nodes of this pod" },
	{ .name = "nodes", .kind = CMDOPT_STR, .arg = "A,B,...",
	  CMDOPT_AT(struct bmc_opts, nodes),
	  .help = "--pod: only these nodes" },
	{ .name = "parallel", .kind = CMDOPT_UINT, .arg = "N",
	  .min = 1, .max = BMC_JOB_WORKERS_MAX,
	  CMDOPT_AT(struct bmc_opts, parallel),
	  .help = "--pod: nodes reinstalled at once (4)" },
	{ .name = "cert", .kind = CMDOPT_STR, .arg = "FILE",
	  CMDOPT_AT(struct bmc_opts, cert),
	  .help = "secure-boot enrol-db: the UEFI db certificate (PEM or "
		  "DER; server.uefi_cert by default)" },
	{ .name = "help", .letter = 'h', .kind = CMDOPT_HELP },
};

/* The usage with the option lines, to @out. */
static void bmc_usage_full(FILE *out)
{
	bmc_usage(out);
	cmdopt_usage(out, bmc_table, CMD_N(bmc_table));
}

/* "podboot bmc --pod POD reinstall": the pod's run; 0 or an error. */
static int bmc_pod_main(const struct bmc_opts *o, int argc, char **argv,
			struct bmc_req *req)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = NULL;
	int rc;

	if (argc != 1 || strcmp(argv[0], "reinstall") != 0) {
		log_error("bmc: --pod takes reinstall only");
		bmc_usage_full(stderr);
		return -PB_EUSAGE;
	}
	if (o->iso && !bmc_url_ok(o->iso)) {
		log_error("bmc: --iso takes an http:// or https:// URL without "
			  "user or password");
		return -PB_EUSAGE;
	}
	memset(req, 0, sizeof(*req));
	req->verb = BMC_REINSTALL;
	req->iso = o->iso;
	req->timeout_s = o->timeout_s;
	if ((rc = config_load(cmd_config_path(o->config), &cfg, err,
			      sizeof(err))) != 0) {
		log_error("%s", err);
		return rc;
	}
	rc = bmc_pod_run(cfg, o->pod, o->nodes, o->parallel, req);
	config_free(cfg);
	return rc;
}

/* "podboot bmc NODE VERB...": parse, load, bmc_run(); 0 or an error. */
int bmc_main(int argc, char **argv)
{
	static struct bmc_opts o;
	char err[CONFIG_ERR_MAX];
	struct config *cfg = NULL;
	struct bmc_req req;
	int first = 0, rc;

	o.config = getenv("PODBOOT_CONFIG");
	o.timeout_s = 3600;
	o.parallel = 4;
	rc = cmdopt_getopt(bmc_table, CMD_N(bmc_table), &o, argc, argv,
			   bmc_usage_full, &first);
	if (rc == CMDOPT_HELP_SHOWN)
		return 0;
	if (rc == 0 && o.pod)
		return bmc_pod_main(&o, argc - first, argv + first, &req);
	if (rc == 0 && (o.nodes || o.parallel != 4)) {
		log_error("bmc: --nodes and --parallel go with --pod");
		rc = -PB_EUSAGE;
	}
	if (rc != 0 || first >= argc - 1) {
		bmc_usage_full(stderr);
		return -PB_EUSAGE;
	}
	if (bmc_sb_req_parse(argc - first - 1, argv + first + 1, o.uri,
			     o.cert, &req, err, sizeof(err)) != 0) {
		log_error("bmc: %s", err);
		bmc_usage_full(stderr);
		return -PB_EUSAGE;
	}
	req.accept_change = o.accept_change;
	req.iso = o.iso;
	req.timeout_s = o.timeout_s;
	if ((rc = config_load(cmd_config_path(o.config), &cfg, err,
			      sizeof(err))) != 0) {
		log_error("%s", err);
		return rc;
	}
	rc = bmc_sb_run(cfg, argv[first], &req);
	config_free(cfg);
	return rc;
}
