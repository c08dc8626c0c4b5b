/* haproxy_cmd.c: "podboot haproxy": render the haproxy.cfg that puts
 * HAProxy in front of the replicas named in podboot.conf. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmdopt.h"
#include "config.h"
#include "error.h"
#include "fileio.h"
#include "haproxy.h"
#include "log.h"
#include "pbuf.h"

/* The most haproxy.cfg podboot writes. */
#define HAPROXY_CFG_MAX (64 * 1024)

/* The command's usage, to @out. */
static void haproxy_usage(FILE *out)
{
	fprintf(out,
		"usage: podboot haproxy [--config FILE] [--out FILE] "
		"[--listen ADDR:PORT]\n"
		"                       [--monitor-listen ADDR:PORT] "
		"[--check-interval SECONDS]\n"
		"                       [--stats ADDR:PORT]\n\n"
		"Writes HAProxy's configuration for the replicas of podboot "
		"serve named in\n"
		"server.replicas (--config FILE, default $PODBOOT_CONFIG, else "
		"podboot.conf)\n"
		"to FILE or stdout: TCP mode with TLS passed through, each "
		"replica checked\n"
		"with GET /healthz over TLS verified against server.root_cert.\n\n"
		"options:\n"
		"  --listen ADDR:PORT        where HAProxy listens (every "
		"address, the port\n"
		"                            of server.base_url)\n"
		"  --monitor-listen ADDR:PORT  also a frontend for agents, "
		"relays and\n"
		"                            Prometheus, to the replica that "
		"leads the\n"
		"                            alerts only (/healthz/leader)\n"
		"  --check-interval SECONDS  between health checks (2)\n"
		"  --stats ADDR:PORT         also serve HAProxy's stats page "
		"there\n");
}

/* What "podboot haproxy" is told. */
struct haproxy_cmd_opts {
	struct haproxy_opts h;
	const char *config;
	const char *out;
};

static const struct cmdopt haproxy_table[] = {
	{ .name = "config", .letter = 'c', .kind = CMDOPT_STR, .arg = "FILE",
	  CMDOPT_AT(struct haproxy_cmd_opts, config) },
	{ .name = "out", .letter = 'o', .kind = CMDOPT_STR, .arg = "FILE",
	  CMDOPT_AT(struct haproxy_cmd_opts, out) },
	{ .name = "listen", .kind = CMDOPT_BUF, .arg = "ADDR:PORT",
	  CMDOPT_AT(struct haproxy_cmd_opts, h.listen) },
	{ .name = "monitor-listen", .kind = CMDOPT_BUF, .arg = "ADDR:PORT",
	  CMDOPT_AT(struct haproxy_cmd_opts, h.monitor) },
	{ .name = "stats", .kind = CMDOPT_BUF, .arg = "ADDR:PORT",
	  CMDOPT_AT(struct haproxy_cmd_opts, h.stats) },
	{ .name = "check-interval", .kind = CMDOPT_UINT, .arg = "SECONDS",
	  .min = 1, .max = 3600,
	  CMDOPT_AT(struct haproxy_cmd_opts, h.check_s) },
	{ .name = "help", .letter = 'h', .kind = CMDOPT_HELP },
};

/* Load the configuration, render, write to @o->out or stdout. */
static int haproxy_run(struct haproxy_cmd_opts *o)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = NULL;
	struct pbuf b;
	int rc;

	pbuf_init(&b, HAPROXY_CFG_MAX);
	if ((rc = config_load(o->config, &cfg, err, sizeof(err))) != 0 ||
	    (rc = haproxy_render(cfg, &o->h, &b, err, sizeof(err))) != 0) {
		log_error("%s", err);
		goto out;
	}
	if (!o->out || !*o->out || strcmp(o->out, "-") == 0) {
		if (fwrite(b.data, 1, b.len, stdout) != b.len)
			rc = -EIO;
	} else if ((rc = fileio_write(o->out, b.data, b.len, 0644, 0)) != 0) {
		log_error("%s: %s", o->out, pb_strerror(rc));
	}
out:
	pbuf_free(&b);
	config_free(cfg);
	return rc;
}

/* "podboot haproxy": parse, then haproxy_run(); 0 or an error. */
int haproxy_main(int argc, char **argv)
{
	static struct haproxy_cmd_opts o;
	int first = 0, rc;

	o.config = getenv("PODBOOT_CONFIG");
	rc = cmdopt_getopt(haproxy_table, CMD_N(haproxy_table), &o, argc, argv,
			   haproxy_usage, &first);
	if (rc != 0) {
		if (rc == CMDOPT_HELP_SHOWN)
			return 0;
		haproxy_usage(stderr);
		return -PB_EUSAGE;
	}
	if (first != argc) {
		haproxy_usage(stderr);
		return -PB_EUSAGE;
	}
	o.config = cmd_config_path(o.config);
	return haproxy_run(&o);
}
