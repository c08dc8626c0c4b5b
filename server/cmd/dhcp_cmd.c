/* dhcp_cmd.c: "podboot dhcp": render kea-dhcp4's configuration from
 * podboot.conf, and apply it to a running Kea through its control socket. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "error.h"
#include "fileio.h"
#include "kea_ctl.h"
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
		"options:\n"
		"  --socket PATH        Kea's control socket "
		"(/run/kea/kea4-ctrl-socket)\n"
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

/* Copy @arg into @field of @size bytes; -PB_EUSAGE if it does not fit. */
static int dhcp_opt_copy(char *field, size_t size, const char *arg,
			 const char *what)
{
	if (strlen(arg) >= size) {
		log_error("%s '%.40s...' is too long (at most %zu bytes)",
			  what, arg, size - 1);
		return -PB_EUSAGE;
	}
	memcpy(field, arg, strlen(arg) + 1);
	return 0;
}

/* One option @c with @arg into @o, @out or @nowrite.  0 or -PB_EUSAGE. */
static int dhcp_opt(int c, const char *arg, struct kea_opts *o,
		    const char **conf, const char **out, int *nowrite)
{
	char *end;
	unsigned long v;

	switch (c) {
	case 'c': *conf = arg; return 0;
	case 'o': *out = arg; return 0;
	case 'W': *nowrite = 1; return 0;
	case 's': return dhcp_opt_copy(o->socket, sizeof(o->socket), arg,
				       "--socket");
	case 'n': return dhcp_opt_copy(o->next_server, sizeof(o->next_server),
				       arg, "--next-server");
	case 'u': return dhcp_opt_copy(o->boot_url, sizeof(o->boot_url), arg,
				       "--boot-url");
	case 'L': return dhcp_opt_copy(o->lease_file, sizeof(o->lease_file),
				       arg, "--lease-file");
	case 'H': return dhcp_opt_copy(o->lease_cmds, sizeof(o->lease_cmds),
				       arg, "--lease-cmds");
	case 'i':
		if (o->n_ifaces == KEA_IFACES_MAX) {
			log_error("at most %d --interface", KEA_IFACES_MAX);
			return -PB_EUSAGE;
		}
		return dhcp_opt_copy(o->ifaces[o->n_ifaces++],
				     sizeof(o->ifaces[0]), arg, "--interface");
	case 't':
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || *end || v < 60 || v > 31536000) {
			log_error("--lifetime '%s' is not a number of seconds "
				  "from 60 to 31536000", arg);
			return -PB_EUSAGE;
		}
		o->lifetime_s = (unsigned int)v;
		return 0;
	}
	return -PB_EUSAGE;
}

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

	if ((rc = store_open(&st, cfg->data_dir)) != 0) {
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
 * Send @doc to the Kea at @o->socket: config-test, config-set, and
 * config-write unless @nowrite.  On refusal Kea's reason is printed as
 * one line and its running configuration is left as it was.
 */
static int dhcp_apply(json_t *doc, const struct kea_opts *o, int nowrite)
{
	static const char *const steps[] = { "config-test", "config-set",
					     "config-write" };
	/* what a refusal at each step leaves running */
	static const char *const dhcp_after[] = {
		" (its configuration is unchanged)", "",
		" (the new configuration runs; Kea's file still holds the "
		"old one: let Kea write it, or pass --no-write)" };
	char text[1024];
	size_t i;
	int rc;

	for (i = 0; i < (nowrite ? 2u : 3u); i++) {
		rc = kea_ctl_command(o->socket, steps[i],
				     i < 2 ? doc : NULL, text, sizeof(text));
		if (rc == -PB_ECONFIG) {
			log_error("Kea refused %s: %s%s", steps[i], text,
				  dhcp_after[i]);
			return rc;
		}
		if (rc != 0) {
			log_error("%s: %s", steps[i], text);
			return rc;
		}
	}
	printf("applied: %s\n", text);
	return 0;
}

/*
 * podboot dhcp render|apply: parse the options, render, then write or
 * apply.  0, -PB_EUSAGE, or the failure's code (logged).
 */
int dhcp_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' },
		{ "socket", required_argument, NULL, 's' },
		{ "next-server", required_argument, NULL, 'n' },
		{ "boot-url", required_argument, NULL, 'u' },
		{ "interface", required_argument, NULL, 'i' },
		{ "lease-file", required_argument, NULL, 'L' },
		{ "lifetime", required_argument, NULL, 't' },
		{ "lease-cmds", required_argument, NULL, 'H' },
		{ "no-write", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct kea_opts o;
	char err[CONFIG_ERR_MAX];
	struct config *cfg = NULL;
	const char *conf = getenv("PODBOOT_CONFIG"), *out = NULL, *verb;
	json_t *doc = NULL;
	int c, nowrite = 0, rc;

	while ((c = getopt_long(argc, argv, "c:o:h", longopts, NULL)) != -1) {
		if (c == 'h') {
			dhcp_usage(stdout);
			return 0;
		}
		if (dhcp_opt(c, optarg, &o, &conf, &out, &nowrite) != 0) {
			dhcp_usage(stderr);
			return -PB_EUSAGE;
		}
	}
	verb = optind == argc - 1 ? argv[optind] : "";
	if (strcmp(verb, "render") != 0 && strcmp(verb, "apply") != 0 &&
	    strcmp(verb, "leases") != 0) {
		dhcp_usage(stderr);
		return -PB_EUSAGE;
	}
	if (!conf || !*conf)
		conf = "podboot.conf";
	if ((rc = config_load(conf, &cfg, err, sizeof(err))) != 0) {
		log_error("%s", err);
		return rc;
	}
	if (strcmp(verb, "leases") == 0)
		rc = dhcp_leases(cfg, o.socket[0] ? o.socket :
				 "/run/kea/kea4-ctrl-socket");
	else if ((rc = dhcp_render_doc(cfg, &o, &doc)) == 0)
		rc = strcmp(verb, "render") == 0 ? dhcp_write(doc, out)
						 : dhcp_apply(doc, &o, nowrite);
	config_free(cfg);
	json_decref(doc);
	return rc;
}
