/* keys_cmd.c: "podboot keys": options of the key ceremony commands. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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
		"       podboot keys rotate-codesign --dir DIR [--days N]\n"
		"       podboot keys issue-server --dir DIR --name NAME\n"
		"                 [--ip IP]... [--alt DNSNAME]... [--out PREFIX]\n"
		"                 [--days N] [--algo rsa|ecdsa] [--force]\n\n"
		"init creates a self-signed root CA, a code-signing and a TLS\n"
		"server certificate under it in DIR (private keys mode 0600)\n"
		"and prints the root's SHA-256 fingerprint.  rotate-codesign\n"
		"issues a new code-signing key and certificate under the same\n"
		"root; the old certificate moves to DIR/retired.  issue-server\n"
		"issues a further TLS server certificate under the root (for a\n"
		"relay) with NAME and every --ip and --alt as its names:\n"
		"PREFIX.key, PREFIX.crt and PREFIX-chain.crt, PREFIX being\n"
		"DIR/issued/NAME unless --out says otherwise; the key is of\n"
		"the root's algorithm unless --algo says otherwise.\n"
		"rotate-codesign and issue-server need DIR/root.key.\n");
}

/* Add a further certificate name to @names, within PKI_MAX_SANS. */
static int keys_add_name(const char **names, size_t *n, const char *arg)
{
	/* The first of PKI_MAX_SANS is the server's own name. */
	if (*n >= PKI_MAX_SANS - 1) {
		log_error("at most %d names and addresses in one certificate",
			  PKI_MAX_SANS);
		return -PB_EUSAGE;
	}
	names[(*n)++] = arg;
	return 0;
}

static int keys_parse_algo(const char *arg, enum pki_algo *algo)
{
	if (pki_algo_parse(arg, algo) == 0)
		return 0;
	log_error("--algo takes rsa or ecdsa, not '%s'", arg);
	return -PB_EUSAGE;
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
	case 'a': return keys_add_name(names, &o->n_names, arg);
	case 'A': return keys_parse_algo(arg, &o->algo);
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

/* One --ip or --alt of issue-server, checked against its own grammar. */
static int keys_issue_name(int c, const char *arg, const char **names,
			   size_t *n)
{
	unsigned char addr[16];
	size_t len;
	int is_ip = pki_ip_parse(arg, addr, &len) == 0;

	if (c == 'i' && !is_ip) {
		log_error("--ip '%s' is not an IPv4 or IPv6 address", arg);
		return -PB_EBAD_NAME;
	}
	if (c == 'a' && is_ip) {
		log_error("--alt '%s' is an address: give it with --ip", arg);
		return -PB_EBAD_NAME;
	}
	if (c == 'a' && !pki_dns_name_valid(arg)) {
		log_error("--alt '%s' is not a DNS name", arg);
		return -PB_EBAD_NAME;
	}
	return keys_add_name(names, n, arg);
}

/* What keys issue-server made: serial, names, expiry and files. */
static void keys_issue_print(const mbedtls_x509_crt *crt,
			     const struct keystore_server_files *files,
			     const char *dir)
{
	char serial[65], subject[512], sans[4096], until[PKI_DATE_MAX];
	time_t from, to;

	pki_serial_hex(crt, serial, sizeof(serial));
	if (pki_name_string(&crt->subject, subject, sizeof(subject)) != 0)
		snprintf(subject, sizeof(subject), "?");
	if (pki_san_string(crt, sans, sizeof(sans)) != 0)
		snprintf(sans, sizeof(sans), "(too many to show)");
	pki_cert_validity(crt, &from, &to);
	pki_date_string(to, until);
	printf("issued a TLS server certificate under %s/%s\n"
	       "serial:   %s\n"
	       "subject:  %s\n"
	       "names:    %s\n"
	       "notAfter: %s\n"
	       "key:      %s (mode 0600)\n"
	       "cert:     %s\n"
	       "chain:    %s (certificate, then root)\n",
	       dir, KEYSTORE_ROOT_CRT, serial, subject, sans, until, files->key,
	       files->crt, files->chain);
	printf("move %s/%s offline once the certificates you need exist\n",
	       dir, KEYSTORE_ROOT_KEY);
}

static int keys_issue(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "ip", required_argument, NULL, 'i' },
		{ "alt", required_argument, NULL, 'a' },
		{ "out", required_argument, NULL, 'O' },
		{ "days", required_argument, NULL, 'D' },
		{ "algo", required_argument, NULL, 'A' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *names[PKI_MAX_SANS];
	struct keystore_issue_opts opts = {
		.names = names, .days = KEYS_LEAF_DAYS,
	};
	struct keystore_server_files files;
	mbedtls_x509_crt crt;
	int c, rc = 0;

	while (rc == 0 &&
	       (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': opts.dir = optarg; break;
		case 'n': opts.name = optarg; break;
		case 'i':
		case 'a':
			rc = keys_issue_name(c, optarg, names, &opts.n_names);
			break;
		case 'O': opts.prefix = optarg; break;
		case 'D': rc = cmd_parse_days(optarg, &opts.days); break;
		case 'A':
			rc = keys_parse_algo(optarg, &opts.algo);
			opts.algo_given = 1;
			break;
		case 'f': opts.force = 1; break;
		case 'h': keys_usage(stdout); return 0;
		default: rc = -PB_EUSAGE; keys_usage(stderr); break;
		}
	}
	if (rc != 0)
		return rc;
	if (!opts.dir || !opts.name || optind != argc) {
		keys_usage(stderr);
		return -PB_EUSAGE;
	}
	if (opts.prefix && (!*opts.prefix ||
			    opts.prefix[strlen(opts.prefix) - 1] == '/')) {
		log_error("--out takes a file prefix (DIR/relay-a gives "
			  "DIR/relay-a.key...), not '%s'", opts.prefix);
		return -PB_EUSAGE;
	}
	mbedtls_x509_crt_init(&crt);
	rc = keystore_issue_server(&opts, &files, &crt);
	if (rc == 0)
		keys_issue_print(&crt, &files, opts.dir);
	mbedtls_x509_crt_free(&crt);
	return rc;
}

int keys_main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} subs[] = {
		{ "init", keys_init },
		{ "rotate-codesign", keys_rotate },
		{ "issue-server", keys_issue },
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
