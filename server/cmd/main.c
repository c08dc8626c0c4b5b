/* main.c: podboot's entry point: global flags and the subcommand table. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmdopt.h"
#include "error.h"
#include "log.h"
#include "num.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "init", init_main,
	  "set up keys, an example configuration and tokens in one step" },
	{ "keys", keys_main,
	  "key ceremony: create the root CA and certificates, rotate" },
	{ "sign", sign_main, "write a detached CMS signature iPXE accepts" },
	{ "verify", verify_main,
	  "check a signature by iPXE's rules, naming any reason to refuse" },
	{ "publish", publish_main,
	  "sign and publish a file as an artifact, offline" },
	{ "resign", resign_main,
	  "sign every current artifact again (after a key rotation)" },
	{ "serve", serve_main,
	  "run the boot, signing and status server (HTTPS)" },
	{ "dhcp", dhcp_main, "render Kea's DHCP configuration, apply it to Kea" },
	{ "haproxy", haproxy_main,
	  "render HAProxy's configuration for replicas of serve" },
	{ "bmc", bmc_main, "drive a node's BMC over Redfish: power, media, boot" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* podboot's usage: the commands and their summaries, on @out. */
static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: podboot [-v] COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(out, "\n'podboot COMMAND --help' describes each one.\n");
}

const char *cmd_config_path(const char *given)
{
	return given && *given ? given : "podboot.conf";
}

const char *cmd_default_keys(void)
{
	const char *dir = getenv("PODBOOT_KEYS");

	return dir && *dir ? dir : "keys";
}

int cmd_parse_days(const char *text, unsigned int *days)
{
	if (num_parse_uint(text, 1, 36500, days) != 0) {
		log_error("'%s' is not a number of days from 1 to 36500", text);
		return -PB_EUSAGE;
	}
	return 0;
}

/* Global flags, then the subcommand: exit 0, 1 (failed) or 2 (usage). */
int main(int argc, char **argv)
{
	int argi = 1;
	size_t i;
	int rc;

	log_set_program("podboot");
	while (argi < argc && argv[argi][0] == '-') {
		if (strcmp(argv[argi], "-v") == 0) {
			log_set_level(LOG_LVL_DEBUG);
		} else if (strcmp(argv[argi], "--list-options") == 0) {
			/* Hidden: the command's option table, for
			 * scripts/completion and the man page test. */
			cmdopt_list_only();
		} else if (strcmp(argv[argi], "-h") == 0 ||
			   strcmp(argv[argi], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
		argi++;
	}
	if (argi >= argc) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < N_COMMANDS; i++) {
		if (strcmp(argv[argi], commands[i].name) != 0)
			continue;
		optind = 1;
		rc = commands[i].run(argc - argi, argv + argi);
		if (rc == -PB_EUSAGE)
			return 2;
		return rc == 0 ? 0 : 1;
	}
	log_error("unknown command '%s'", argv[argi]);
	usage(stderr);
	return 2;
}
