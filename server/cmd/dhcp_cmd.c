/* dhcp_cmd.c: "podboot dhcp": render kea-dhcp4's configuration from
 * podboot.conf, and apply it to a running Kea through its control socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmdopt.h"
#include "config.h"
#include "error.h"
#include "fileio.h"
#include "kea_apply.h"
#include "kea_leases.h"
#include "kea_render.h"
#include "log.h"
#include "store.h"

/* The command's usage, to @out. */
static void dhcp_usage(FILE *out)
{
	fprintf(out,
		"usage: podboot dhcp render [OPTIONS] [--out FILE]\n"
		"       podboot dhcp apply [OPTIONS] [--no-write]\n"
		"       podboot dhcp leases [--config FILE] [--socket PATH]\n\n"
		"render writes the kea-dhcp4 configuration of the pods in the\n"
		"configuration (--config FILE, default $PODBOOT_CONFIG, else\n"
		"podboot.conf) to FILE or stdout.  apply sends it to the running\n"
		"Kea at --socket: config-test, then config-set, then config-write\n"
		"(unless --no-write); a configuration Kea refuses changes nothing.\n"
		"leases records the machines Kea leased to that the configuration\n"
		"does not know as discovered (policy.unknown \"discover\").\n\n"
		"options (each overrides its setting in the configuration's\n"
		"dhcp group):\n"
		"  --socket PATH        Kea's control socket "
		"(dhcp.kea_socket, else\n"
		"                       /run/kea/kea4-ctrl-socket)\n"
		"  --next-server ADDR   TFTP server (host of plain_base_url)\n"
		"  --boot-url URL       ipxe.efi for UEFI HTTP Boot "
		"(plain_base_url/ipxe.efi)\n"
		"  --interface NAME     interface Kea listens on, repeatable "
		"(all)\n"
		"  --lease-file PATH    Kea's lease file (Kea's default)\n"
		"  --lifetime SECONDS   lease lifetime (3600)\n"
		"  --lease-cmds PATH    load Kea's libdhcp_lease_cmds.so (for "
		"leases)\n");
}

/* What "podboot dhcp" is told: the verb, files, and Kea's settings. */
struct dhcp_opts {
	struct kea_opts kea;
	const char *config;		/* podboot.conf */
	const char *out;		/* render: the file, or stdout */
	int nowrite;			/* apply: no config-write */
};

/* --interface, repeatable: one more interface Kea listens on. */
static int dhcp_opt_iface(void *opts, const char *arg)
{
	struct kea_opts *o = &((struct dhcp_opts *)opts)->kea;

	if (o->n_ifaces == KEA_IFACES_MAX) {
		log_error("at most %d --interface", KEA_IFACES_MAX);
		return -PB_EUSAGE;
	}
	if (!*arg || strlen(arg) >= sizeof(o->ifaces[0])) {
		log_error("--interface '%.40s' is not an interface name", arg);
		return -PB_EUSAGE;
	}
	memcpy(o->ifaces[o->n_ifaces++], arg, strlen(arg) + 1);
	return 0;
}

#define DHCP_KEA_BUF(optname, argname, field) \
	{ .name = optname, .kind = CMDOPT_BUF, .arg = argname, \
	  CMDOPT_AT(struct dhcp_opts, kea.field) }

static const struct cmdopt dhcp_table[] = {
	{ .name = "config", .letter = 'c', .kind = CMDOPT_STR, .arg = "FILE",
	  CMDOPT_AT(struct dhcp_opts, config) },
	{ .name = "out", .letter = 'o', .kind = CMDOPT_STR, .arg = "FILE",
	  CMDOPT_AT(struct dhcp_opts, out) },
	DHCP_KEA_BUF("socket", "PATH", socket),
	DHCP_KEA_BUF("next-server", "ADDR", next_server),
	DHCP_KEA_BUF("boot-url", "URL", boot_url),
	DHCP_KEA_BUF("lease-file", "PATH", lease_file),
	DHCP_KEA_BUF("lease-cmds", "PATH", lease_cmds),
	{ .name = "interface", .kind = CMDOPT_CALL, .arg = "NAME",
	  .call = dhcp_opt_iface },
	{ .name = "lifetime", .kind = CMDOPT_UINT, .arg = "SECONDS",
	  .min = 60, .max = 31536000,
	  CMDOPT_AT(struct dhcp_opts, kea.lifetime_s) },
	{ .name = "no-write", .kind = CMDOPT_FLAG,
	  CMDOPT_AT(struct dhcp_opts, nowrite) },
	{ .name = "help", .letter = 'h', .kind = CMDOPT_HELP },
};

/*
 * Render @cfg's Kea configuration into *@doc (the caller json_decref()s
 * it).  0 or a negative code, logged.
 */
static int dhcp_render_doc(const struct config *cfg, struct kea_opts *o,
			   json_t **doc)
{
	char err[CONFIG_ERR_MAX];
	int rc;

	if ((rc = kea_opts_default(cfg, o, err, sizeof(err))) != 0 ||
	    (rc = kea_render(cfg, o, doc, err, sizeof(err))) != 0)
		log_error("%s", err);
	return rc;
}

/*
 * Record the unknown machines among the Kea at @socket's leases as
 * discovered in @cfg's store, and say what was found.
 */
static int dhcp_leases(const struct config *cfg, const char *socket)
{
	struct kea_lease_counts c;
	struct store *st = NULL;
	char err[1024];
	int rc;

	if ((rc = store_open_url(&st, cfg->data_dir, cfg->store_url,
				 cfg->store_password_file)) != 0) {
		log_error("data directory %s: %s", cfg->data_dir,
			  pb_strerror(rc));
		return rc;
	}
	rc = kea_leases_discover(cfg, st, socket, &c, err, sizeof(err));
	if (rc != 0)
		log_error("lease4-get-all: %s", err);
	else
		printf("%u leases: %u of configured machines, %u unknown "
		       "recorded as discovered now, %u before, %u not (%s), "
		       "%u without a MAC\n", c.leases, c.known, c.recorded,
		       c.before, c.skipped, cfg->unknown == CONFIG_UNKNOWN_DISCOVER
		       ? "policy.max_discovered" : "policy.unknown is not "
		       "\"discover\"", c.bad);
	store_close(st);
	return rc;
}

/* Write @doc to @out ("" or NULL: stdout), whole or not at all, with a
 * final newline. */
static int dhcp_write(json_t *doc, const char *out)
{
	char *text = json_dumps(doc, JSON_INDENT(4)), *nl;
	size_t len;
	int rc = 0;

	if (!text)
		return -ENOMEM;
	len = strlen(text);
	if (!(nl = realloc(text, len + 2))) {
		free(text);
		return -ENOMEM;
	}
	text = nl;
	memcpy(text + len, "\n", 2);
	if (!out || !*out || strcmp(out, "-") == 0) {
		if (fputs(text, stdout) == EOF)
			rc = -EIO;
	} else if ((rc = fileio_write(out, text, len + 1, 0644, 0)) != 0) {
		log_error("%s: %s", out, pb_strerror(rc));
	}
	free(text);
	return rc;
}

/*
 * Send @doc to the Kea at @o->socket (kea_apply(): config-test,
 * config-set, and config-write unless @nowrite).  On refusal Kea's reason
 * is logged as one line and its running configuration is left as it was.
 */
static int dhcp_apply(json_t *doc, const struct kea_opts *o, int nowrite)
{
	char text[1024];
	int rc;

	if ((rc = kea_apply(o->socket, doc, nowrite, text, sizeof(text))) != 0)
		log_error("%s", text);
	else
		printf("applied: %s\n", text);
	return rc;
}

/*
 * Run @verb ("render", "apply" or "leases") with @o: load the
 * configuration, then render and write or apply, or read the leases.
 * 0 or the failure's code (logged).
 */
static int dhcp_run(const char *verb, struct dhcp_opts *o)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = NULL;
	json_t *doc = NULL;
	int rc;

	if ((rc = config_load(o->config, &cfg, err, sizeof(err))) != 0) {
		log_error("%s", err);
		return rc;
	}
	if (strcmp(verb, "leases") == 0)
		rc = dhcp_leases(cfg, o->kea.socket[0] ? o->kea.socket :
				 cfg->dhcp_socket[0] ? cfg->dhcp_socket :
				 "/run/kea/kea4-ctrl-socket");
	else if ((rc = dhcp_render_doc(cfg, &o->kea, &doc)) == 0)
		rc = strcmp(verb, "render") == 0 ?
			     dhcp_write(doc, o->out) :
			     dhcp_apply(doc, &o->kea, o->nowrite);
	json_decref(doc);
	config_free(cfg);
	return rc;
}

/* "podboot dhcp VERB": parse, then dhcp_run(); 0 or an error. */
int dhcp_main(int argc, char **argv)
{
	static struct dhcp_opts o;
	const char *verb;
	int first = 0, rc;

	o.config = getenv("PODBOOT_CONFIG");
	rc = cmdopt_getopt(dhcp_table, CMD_N(dhcp_table), &o, argc, argv,
			   dhcp_usage, &first);
	if (rc != 0) {
		if (rc == CMDOPT_HELP_SHOWN)
			return 0;
		dhcp_usage(stderr);
		return -PB_EUSAGE;
	}
	verb = first == argc - 1 ? argv[first] : "";
	if (strcmp(verb, "render") != 0 && strcmp(verb, "apply") != 0 &&
	    strcmp(verb, "leases") != 0) {
		dhcp_usage(stderr);
		return -PB_EUSAGE;
	}
	o.config = cmd_config_path(o.config);
	return dhcp_run(verb, &o);
}
