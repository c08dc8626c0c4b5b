/* keys_cmd.c: "podboot keys": options of the key ceremony commands. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "error.h"
#include "keystore.h"
#include "log.h"

#define KEYS_ROOT_DAYS 7300	/* 20 years: the root outlives its leaves */
#define KEYS_LEAF_DAYS 825

static void keys_usage(FILE *out)
{
	fprintf(out,
		"usage: podboot keys init --dir DIR --server-name NAME\n"
		"                 [--server-ip IP]... [--server-alt NAME]...\n"
		"                 [--algo rsa|ecdsa] [--org ORG] [--days N]\n"
		"                 [--root-days N] [--force]\n"
		"       podboot keys rotate-codesign --dir DIR [--days N]\n\n"
		"init creates a self-signed root CA, a code-signing and a TLS\n"
		"server certificate under it in DIR (private keys mode 0600)\n"
		"and prints the root's SHA-256 fingerprint.  rotate-codesign\n"
		"issues a new code-signing key and certificate under the same\n"
		"root; the old certificate moves to DIR/retired.\n");
}

void keys_opts_defaults(struct keystore_init_opts *o, const char **names)
{
	memset(o, 0, sizeof(*o));
	o->org = "podboot";
	o->algo = PKI_RSA;
	o->root_days = KEYS_ROOT_DAYS;
	o->leaf_days = KEYS_LEAF_DAYS;
	o->names = names;
}

int keys_opts_parse(int c, const char *arg, struct keystore_init_opts *o,
		    const char **names)
{
	switch (c) {
	case 'n': o->server_name = arg; return 0;
	case 'i':
	case 'a':
		if (o->n_names >= PKI_MAX_SANS - 1) {
			log_error("at most %d server names and addresses",
				  PKI_MAX_SANS);
			return -PB_EUSAGE;
		}
		names[o->n_names++] = arg;
		return 0;
	case 'A':
		if (pki_algo_parse(arg, &o->algo) == 0)
			return 0;
		log_error("--algo takes rsa or ecdsa, not '%s'", arg);
		return -PB_EUSAGE;
	case 'o': o->org = arg; return 0;
	case 'D': return cmd_parse_days(arg, &o->leaf_days);
	case 'R': return cmd_parse_days(arg, &o->root_days);
	case 'f': o->force = 1; return 0;
	}
	return 1;
}

static int keys_init(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "server-name", required_argument, NULL, 'n' },
		{ "server-ip", required_argument, NULL, 'i' },
		{ "server-alt", required_argument, NULL, 'a' },
		{ "algo", required_argument, NULL, 'A' },
		{ "org", required_argument, NULL, 'o' },
		{ "days", required_argument, NULL, 'D' },
		{ "root-days", required_argument, NULL, 'R' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *names[PKI_MAX_SANS];
	struct keystore_init_opts opts;
	char fingerprint[65];
	int c, rc;

	keys_opts_defaults(&opts, names);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'd') {
			opts.dir = optarg;
			continue;
		}
		if (c == 'h') {
			keys_usage(stdout);
			return 0;
		}
		rc = keys_opts_parse(c, optarg, &opts, names);
		if (rc > 0)
			keys_usage(stderr);
		if (rc != 0)
			return rc > 0 ? -PB_EUSAGE : rc;
	}
	if (!opts.dir || !opts.server_name || optind != argc) {
		keys_usage(stderr);
		return -PB_EUSAGE;
	}
	if (strpbrk(opts.org, ",\\=")) {
		log_error("--org may not contain ',', '=' or '\\'");
		return -PB_EUSAGE;
	}
	rc = keystore_init(&opts, fingerprint);
	if (rc != 0) {
		if (rc != -PB_EKEYS_EXIST)
			log_error("key ceremony in %s failed: %s", opts.dir,
				  pb_strerror(rc));
		return rc;
	}
	printf("keys written to %s (root CA, code signing, TLS server for "
	       "%s)\n", opts.dir, opts.server_name);
	printf("root CA SHA-256 fingerprint: %s\n", fingerprint);
	printf("move %s/%s offline once the certificates you need exist\n",
	       opts.dir, KEYSTORE_ROOT_KEY);
	return 0;
}

static int keys_rotate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "days", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int days = KEYS_LEAF_DAYS;
	const char *dir = NULL;
	char serial[65];
	int c, rc;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'D':
			if ((rc = cmd_parse_days(optarg, &days)) != 0)
				return rc;
			break;
		case 'h': keys_usage(stdout); return 0;
		default: keys_usage(stderr); return -PB_EUSAGE;
		}
	}
	if (!dir || optind != argc) {
		keys_usage(stderr);
		return -PB_EUSAGE;
	}
	rc = keystore_rotate_codesign(dir, days, serial);
	if (rc != 0) {
		log_error("rotating the code-signing key in %s failed: %s", dir,
			  pb_strerror(rc));
		return rc;
	}
	printf("new code-signing certificate %s/%s, serial %s\n", dir,
	       KEYSTORE_CODESIGN_CRT, serial);
	return 0;
}

int keys_main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} subs[] = {
		{ "init", keys_init },
		{ "rotate-codesign", keys_rotate },
	};
	size_t i;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
			  strcmp(argv[1], "-h") == 0)) {
		keys_usage(stdout);
		return 0;
	}
	for (i = 0; argc >= 2 && i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(argc - 1, argv + 1);
	keys_usage(stderr);
	return -PB_EUSAGE;
}
