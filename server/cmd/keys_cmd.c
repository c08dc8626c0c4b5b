/* keys_cmd.c: "podboot keys": options of the key ceremony commands. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/platform_util.h>

#include "cmd.h"
#include "cmdopt.h"
#include "error.h"
#include "fileio.h"
#include "keystore.h"
#include "log.h"

#define KEYS_ROOT_DAYS 7300	/* 20 years: the root outlives its leaves */
#define KEYS_LEAF_DAYS 825
/* The UEFI key: firmware checks no dates, a rotation is a re-enrolment */
#define KEYS_UEFI_DAYS 3650
#define KEYS_UEFI_CN "podboot UEFI db"
#define KEYS_UEFI_BITS 2048
/* Largest passphrase file read (the passphrase is its first line). */
#define KEYS_PASS_MAX 4096

/*
 * The help of one "podboot keys" subcommand: its synopsis (lines from
 * "podboot keys", continuations indented from that column), what it does,
 * and the option table its --help lists.
 */
struct keys_help {
	const char *synopsis;
	const char *about;
	const struct cmdopt *tab;
	size_t n;
};

/* @h's synopsis on @out, its first line after @lead, the rest indented
 * as wide as @lead. */
static void keys_synopsis(FILE *out, const struct keys_help *h,
			  const char *lead)
{
	const char *p = h->synopsis, *nl;

	for (; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		fprintf(out, "%s%.*s\n", p == h->synopsis ? lead : "       ",
			(int)(nl - p), p);
	}
}

/* "podboot keys SUB --help": @h's synopsis, what it does, its options. */
static void keys_help_print(FILE *out, const struct keys_help *h)
{
	keys_synopsis(out, h, "usage: ");
	fprintf(out, "\n%s\noptions:\n", h->about);
	cmdopt_usage_list(out, h->tab, h->n);
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

/* --algo: rsa or ecdsa into *@algo; 0 or -PB_EUSAGE (logged). */
static int keys_parse_algo(const char *arg, enum pki_algo *algo)
{
	if (pki_algo_parse(arg, algo) == 0)
		return 0;
	log_error("--algo takes rsa or ecdsa, not '%s'", arg);
	return -PB_EUSAGE;
}

/* The ceremony's defaults; @c->o.names points to @c->names. */
void keys_ceremony_init(struct keys_ceremony *c)
{
	memset(c, 0, sizeof(*c));
	c->o.org = "podboot";
	c->o.algo = PKI_RSA;
	c->o.root_days = KEYS_ROOT_DAYS;
	c->o.leaf_days = KEYS_LEAF_DAYS;
	c->o.names = c->names;
}

/* --server-ip or --server-alt: one more certificate name. */
int keys_opt_name(void *opts, const char *arg)
{
	struct keys_ceremony *c = opts;

	return keys_add_name(c->names, &c->o.n_names, arg);
}

/* --algo of the ceremony: rsa or ecdsa. */
int keys_opt_algo(void *opts, const char *arg)
{
	return keys_parse_algo(arg, &((struct keys_ceremony *)opts)->o.algo);
}

/* --days of the ceremony: the leaves' validity. */
int keys_opt_days(void *opts, const char *arg)
{
	struct keys_ceremony *c = opts;

	return cmd_parse_days(arg, &c->o.leaf_days);
}

/* --root-days of the ceremony: the root's validity. */
int keys_opt_root_days(void *opts, const char *arg)
{
	struct keys_ceremony *c = opts;

	return cmd_parse_days(arg, &c->o.root_days);
}

static const struct cmdopt keys_init_table[] = {
	KEYS_CEREMONY_ROWS,
	{ .name = "server-alt", .kind = CMDOPT_CALL, .arg = "NAME",
	  .call = keys_opt_name },
	{ .name = "org", .kind = CMDOPT_STR, .arg = "ORG",
	  .off = offsetof(struct keys_ceremony, o.org) },
	{ .name = "days", .kind = CMDOPT_CALL, .arg = "N",
	  .call = keys_opt_days },
	{ .name = "root-days", .kind = CMDOPT_CALL, .arg = "N",
	  .call = keys_opt_root_days },
};

static const struct keys_help keys_init_help = {
	"podboot keys init --dir DIR --server-name NAME\n"
	"          [--server-ip IP]... [--server-alt NAME]...\n"
	"          [--algo rsa|ecdsa] [--org ORG] [--days N]\n"
	"          [--root-days N] [--force]\n",
	"Creates a self-signed root CA, a code-signing and a TLS server\n"
	"certificate under it in DIR (private keys mode 0600) and prints\n"
	"the root's SHA-256 fingerprint.  The server certificate names\n"
	"NAME and every --server-ip and --server-alt.  --days is the\n"
	"validity of the leaves (825), --root-days the root's (7300).\n",
	keys_init_table, CMD_N(keys_init_table),
};

/* The usage of "podboot keys init", on @out. */
static void keys_init_usage(FILE *out)
{
	keys_help_print(out, &keys_init_help);
}

/*
 * The key ceremony @c asks for, in @c->o.dir: root, code signing and TLS
 * server; prints where they are and the root's fingerprint.
 *
 * @ret rc		0 or a negative error (logged)
 */
static int keys_init_run(const struct keys_ceremony *c)
{
	char fingerprint[65];
	int rc;

	if (strpbrk(c->o.org, ",\\=")) {
		log_error("--org may not contain ',', '=' or '\\'");
		return -PB_EUSAGE;
	}
	rc = keystore_init(&c->o, fingerprint);
	if (rc != 0) {
		if (rc != -PB_EKEYS_EXIST)
			log_error("key ceremony in %s failed: %s", c->o.dir,
				  pb_strerror(rc));
		return rc;
	}
	printf("keys written to %s (root CA, code signing, TLS server for "
	       "%s)\n", c->o.dir, c->o.server_name);
	printf("root CA SHA-256 fingerprint: %s\n", fingerprint);
	printf("move %s/%s offline once the certificates you need exist\n",
	       c->o.dir, KEYSTORE_ROOT_KEY);
	return 0;
}

/* "podboot keys init": parse into a ceremony, then keys_init_run(). */
static int keys_init(int argc, char **argv)
{
	struct keys_ceremony c;
	int first = 0, rc;

	keys_ceremony_init(&c);
	rc = cmdopt_getopt(keys_init_table, CMD_N(keys_init_table), &c, argc,
			   argv, keys_init_usage, &first);
	if (rc != 0)
		return rc == CMDOPT_HELP_SHOWN ? 0 : rc;
	if (!c.dir || !c.o.server_name || first != argc) {
		keys_init_usage(stderr);
		return -PB_EUSAGE;
	}
	c.o.dir = c.dir;
	return keys_init_run(&c);
}

/* What "podboot keys rotate-codesign" was asked to do. */
struct keys_rotate_opts {
	const char *dir;
	unsigned int days;
};

/* --days of rotate-codesign. */
static int keys_rotate_days(void *opts, const char *arg)
{
	return cmd_parse_days(arg, &((struct keys_rotate_opts *)opts)->days);
}

static const struct cmdopt keys_rotate_table[] = {
	{ .name = "dir", .kind = CMDOPT_STR, .arg = "DIR",
	  .off = offsetof(struct keys_rotate_opts, dir) },
	{ .name = "days", .kind = CMDOPT_CALL, .arg = "N",
	  .call = keys_rotate_days },
	{ .name = "help", .kind = CMDOPT_HELP },
};

static const struct keys_help keys_rotate_help = {
	"podboot keys rotate-codesign --dir DIR [--days N]\n",
	"Issues a new code-signing key and certificate under the same\n"
	"root (valid --days, 825 by default); the old certificate moves\n"
	"to DIR/retired.  Needs DIR/root.key.\n",
	keys_rotate_table, CMD_N(keys_rotate_table),
};

/* The usage of "podboot keys rotate-codesign", on @out. */
static void keys_rotate_usage(FILE *out)
{
	keys_help_print(out, &keys_rotate_help);
}

/* A new code-signing key and certificate in @o->dir; 0 or an error. */
static int keys_rotate_run(const struct keys_rotate_opts *o)
{
	char serial[65];
	int rc;

	rc = keystore_rotate_codesign(o->dir, o->days, serial);
	if (rc != 0) {
		log_error("rotating the code-signing key in %s failed: %s",
			  o->dir, pb_strerror(rc));
		return rc;
	}
	printf("new code-signing certificate %s/%s, serial %s\n", o->dir,
	       KEYSTORE_CODESIGN_CRT, serial);
	return 0;
}

/* "podboot keys rotate-codesign": parse, then keys_rotate_run(). */
static int keys_rotate(int argc, char **argv)
{
	struct keys_rotate_opts o = { .days = KEYS_LEAF_DAYS };
	int first = 0, rc;

	rc = cmdopt_getopt(keys_rotate_table, CMD_N(keys_rotate_table), &o,
			   argc, argv, keys_rotate_usage, &first);
	if (rc != 0)
		return rc == CMDOPT_HELP_SHOWN ? 0 : rc;
	if (!o.dir || first != argc) {
		keys_rotate_usage(stderr);
		return -PB_EUSAGE;
	}
	return keys_rotate_run(&o);
}

/* What "podboot keys issue-server" was asked to do. */
struct keys_issue_args {
	struct keystore_issue_opts o;
	const char *names[PKI_MAX_SANS];
};

/* One --ip (@ip) or --alt of issue-server, checked against its grammar. */
static int keys_issue_name(struct keys_issue_args *a, int ip,
			   const char *arg)
{
	unsigned char addr[16];
	size_t len;
	int is_ip = pki_ip_parse(arg, addr, &len) == 0;

	if (ip && !is_ip) {
		log_error("--ip '%s' is not an IPv4 or IPv6 address", arg);
		return -PB_EBAD_NAME;
	}
	if (!ip && is_ip) {
		log_error("--alt '%s' is an address: give it with --ip", arg);
		return -PB_EBAD_NAME;
	}
	if (!ip && !pki_dns_name_valid(arg)) {
		log_error("--alt '%s' is not a DNS name", arg);
		return -PB_EBAD_NAME;
	}
	return keys_add_name(a->names, &a->o.n_names, arg);
}

/* --ip of issue-server. */
static int keys_issue_ip(void *opts, const char *arg)
{
	return keys_issue_name(opts, 1, arg);
}

/* --alt of issue-server. */
static int keys_issue_alt(void *opts, const char *arg)
{
	return keys_issue_name(opts, 0, arg);
}

/* --days of issue-server. */
static int keys_issue_days(void *opts, const char *arg)
{
	return cmd_parse_days(arg, &((struct keys_issue_args *)opts)->o.days);
}

/* --algo of issue-server: the key's algorithm, not the root's. */
static int keys_issue_algo(void *opts, const char *arg)
{
	struct keys_issue_args *a = opts;

	a->o.algo_given = 1;
	return keys_parse_algo(arg, &a->o.algo);
}

static const struct cmdopt keys_issue_table[] = {
	{ .name = "dir", .kind = CMDOPT_STR, .arg = "DIR",
	  .off = offsetof(struct keys_issue_args, o.dir) },
	{ .name = "name", .kind = CMDOPT_STR, .arg = "NAME",
	  .off = offsetof(struct keys_issue_args, o.name) },
	{ .name = "ip", .kind = CMDOPT_CALL, .arg = "IP",
	  .call = keys_issue_ip },
	{ .name = "alt", .kind = CMDOPT_CALL, .arg = "DNSNAME",
	  .call = keys_issue_alt },
	{ .name = "out", .kind = CMDOPT_STR, .arg = "PREFIX",
	  .off = offsetof(struct keys_issue_args, o.prefix) },
	{ .name = "days", .kind = CMDOPT_CALL, .arg = "N",
	  .call = keys_issue_days },
	{ .name = "algo", .kind = CMDOPT_CALL, .arg = "ALGO",
	  .call = keys_issue_algo },
	{ .name = "force", .kind = CMDOPT_FLAG,
	  .off = offsetof(struct keys_issue_args, o.force) },
	{ .name = "help", .kind = CMDOPT_HELP },
};

static const struct keys_help keys_issue_help = {
	"podboot keys issue-server --dir DIR --name NAME\n"
	"          [--ip IP]... [--alt DNSNAME]... [--out PREFIX]\n"
	"          [--days N] [--algo rsa|ecdsa] [--force]\n",
	"Issues a further TLS server certificate under the root (for a\n"
	"relay) with NAME and every --ip and --alt as its names:\n"
	"PREFIX.key, PREFIX.crt and PREFIX-chain.crt, PREFIX being\n"
	"DIR/issued/NAME unless --out says otherwise; the key is of the\n"
	"root's algorithm unless --algo says otherwise.  Needs\n"
	"DIR/root.key.\n",
	keys_issue_table, CMD_N(keys_issue_table),
};

/* The usage of "podboot keys issue-server", on @out. */
static void keys_issue_usage(FILE *out)
{
	keys_help_print(out, &keys_issue_help);
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

/*
 * Issue the server certificate @a asks for and print what was made.
 * The certificate is released here.
 *
 * @ret rc		0 or a negative error (logged)
 */
static int keys_issue_run(struct keys_issue_args *a)
{
	struct keystore_server_files files;
	mbedtls_x509_crt crt;
	int rc;

	if (a->o.prefix && (!*a->o.prefix ||
			    a->o.prefix[strlen(a->o.prefix) - 1] == '/')) {
		log_error("--out takes a file prefix (DIR/relay-a gives "
			  "DIR/relay-a.key...), not '%s'", a->o.prefix);
		return -PB_EUSAGE;
	}
	mbedtls_x509_crt_init(&crt);
	rc = keystore_issue_server(&a->o, &files, &crt);
	if (rc == 0)
		keys_issue_print(&crt, &files, a->o.dir);
	mbedtls_x509_crt_free(&crt);
	return rc;
}

/* "podboot keys issue-server": parse, then keys_issue_run(). */
static int keys_issue(int argc, char **argv)
{
	struct keys_issue_args a = { .o = { .days = KEYS_LEAF_DAYS } };
	int first = 0, rc;

	a.o.names = a.names;
	rc = cmdopt_getopt(keys_issue_table, CMD_N(keys_issue_table), &a,
			   argc, argv, keys_issue_usage, &first);
	if (rc != 0)
		return rc == CMDOPT_HELP_SHOWN ? 0 : rc;
	if (!a.o.dir || !a.o.name || first != argc) {
		keys_issue_usage(stderr);
		return -PB_EUSAGE;
	}
	return keys_issue_run(&a);
}

/* The options of "podboot keys issue-uefi", into its keystore opts. */
static const struct cmdopt keys_uefi_table[] = {
	{ .name = "dir", .kind = CMDOPT_STR, .arg = "DIR",
	  .off = offsetof(struct keystore_uefi_opts, dir) },
	{ .name = "cn", .kind = CMDOPT_STR, .arg = "NAME",
	  .off = offsetof(struct keystore_uefi_opts, cn) },
	{ .name = "days", .kind = CMDOPT_UINT, .arg = "N", .min = 1,
	  .max = 36500, .off = offsetof(struct keystore_uefi_opts, days) },
	{ .name = "bits", .kind = CMDOPT_UINT, .arg = "BITS", .min = 2048,
	  .max = 3072, .off = offsetof(struct keystore_uefi_opts, bits) },
	{ .name = "help", .kind = CMDOPT_HELP },
};

/* What a UEFI key and certificate now in @dir are, and what to do next. */
static void keys_uefi_print(const mbedtls_x509_crt *crt, const char *dir,
			    const char *made)
{
	char subject[512], fingerprint[65], until[PKI_DATE_MAX];
	time_t from, to;

	if (pki_name_string(&crt->subject, subject, sizeof(subject)) != 0)
		snprintf(subject, sizeof(subject), "?");
	pki_fingerprint(crt, fingerprint);
	pki_cert_validity(crt, &from, &to);
	pki_date_string(to, until);
	printf("%s the UEFI db signing key in %s\n"
	       "subject:  %s\n"
	       "notAfter: %s (firmware checks no dates)\n"
	       "SHA-256:  %s\n"
	       "key:      %s/%s (mode 0600)\n"
	       "cert:     %s/%s\n"
	       "enrol:    %s/%s in each machine's db (docs/secure-boot.md)\n",
	       made, dir, subject, until, fingerprint, dir, KEYSTORE_UEFI_KEY,
	       dir, KEYSTORE_UEFI_CRT, dir, KEYSTORE_UEFI_CER);
}

static const struct keys_help keys_uefi_help = {
	"podboot keys issue-uefi --dir DIR [--cn NAME] [--days N]\n"
	"          [--bits 2048|3072]\n",
	"Makes the UEFI db signing key, apart from the others: RSA (2048\n"
	"bits unless --bits), a self-signed code-signing certificate,\n"
	"DIR/uefi-db.key (0600), DIR/uefi-db.crt and DIR/uefi-db.cer (DER,\n"
	"to enrol in each machine's db).  Never replaces an existing UEFI\n"
	"key: a rotation is a new directory (docs/secure-boot.md).\n",
	keys_uefi_table, CMD_N(keys_uefi_table),
};

/* "podboot keys issue-uefi --help", or its usage after an error. */
static void keys_uefi_usage(FILE *out)
{
	keys_help_print(out, &keys_uefi_help);
}

/* "podboot keys issue-uefi": parse, issue, print. */
static int keys_issue_uefi(int argc, char **argv)
{
	struct keystore_uefi_opts o = { .cn = KEYS_UEFI_CN,
					.days = KEYS_UEFI_DAYS,
					.bits = KEYS_UEFI_BITS };
	mbedtls_x509_crt crt;
	int first = 0, rc;

	rc = cmdopt_getopt(keys_uefi_table, CMD_N(keys_uefi_table), &o, argc,
			   argv, keys_uefi_usage, &first);
	if (rc != 0)
		return rc == CMDOPT_HELP_SHOWN ? 0 : rc;
	if (!o.dir || first != argc) {
		keys_uefi_usage(stderr);
		return -PB_EUSAGE;
	}
	mbedtls_x509_crt_init(&crt);
	rc = keystore_uefi_issue(&o, &crt);
	if (rc == 0)
		keys_uefi_print(&crt, o.dir, "issued");
	mbedtls_x509_crt_free(&crt);
	return rc;
}

/* What "podboot keys import-uefi" was asked to do. */
struct keys_import_args {
	struct keystore_uefi_import o;
	const char *pass_file, *pass_env;
};

static const struct cmdopt keys_import_table[] = {
	{ .name = "dir", .kind = CMDOPT_STR, .arg = "DIR",
	  .off = offsetof(struct keys_import_args, o.dir) },
	{ .name = "key", .kind = CMDOPT_STR, .arg = "KEY",
	  .off = offsetof(struct keys_import_args, o.key) },
	{ .name = "cert", .kind = CMDOPT_STR, .arg = "CERT",
	  .off = offsetof(struct keys_import_args, o.cert) },
	{ .name = "pass-file", .kind = CMDOPT_STR, .arg = "FILE",
	  .off = offsetof(struct keys_import_args, pass_file) },
	{ .name = "pass-env", .kind = CMDOPT_STR, .arg = "VAR",
	  .off = offsetof(struct keys_import_args, pass_env) },
	{ .name = "help", .kind = CMDOPT_HELP },
};

static const struct keys_help keys_import_help = {
	"podboot keys import-uefi --dir DIR --key KEY --cert CERT\n"
	"          [--pass-file FILE | --pass-env VAR]\n",
	"Puts an existing UEFI db key and certificate in DIR (as\n"
	"uefi-db.key, uefi-db.crt, uefi-db.cer) instead of issuing one; an\n"
	"encrypted key's passphrase is the first line of FILE or the value\n"
	"of the variable VAR, never an argument.  RSA only; never replaces\n"
	"an existing UEFI key.\n",
	keys_import_table, CMD_N(keys_import_table),
};

/* "podboot keys import-uefi --help", or its usage after an error. */
static void keys_import_usage(FILE *out)
{
	keys_help_print(out, &keys_import_help);
}

/*
 * The passphrase @a names, into *@pass (*@buf: a malloc'd copy of
 * *@len bytes the caller wipes and frees): the first line of
 * --pass-file, or the value of the variable --pass-env names; none when
 * neither is given.
 */
static int keys_passphrase(const struct keys_import_args *a,
			   unsigned char **buf, size_t *len, const char **pass)
{
	int rc;

	*buf = NULL;
	*len = 0;
	*pass = NULL;
	if (a->pass_env) {
		*pass = getenv(a->pass_env);
		if (!*pass) {
			log_error("--pass-env: %s is not set", a->pass_env);
			return -PB_EUSAGE;
		}
		return 0;
	}
	if (!a->pass_file)
		return 0;
	rc = fileio_read(a->pass_file, KEYS_PASS_MAX, buf, len);
	if (rc != 0) {
		log_error("%s: %s", a->pass_file, pb_strerror(rc));
		return rc;
	}
	(*buf)[strcspn((char *)*buf, "\r\n")] = '\0';
	*pass = (const char *)*buf;
	return 0;
}

/* "podboot keys import-uefi": parse, read the passphrase, import. */
static int keys_import_uefi(int argc, char **argv)
{
	struct keys_import_args a = { .o = { .dir = NULL } };
	unsigned char *pass_buf = NULL;
	size_t pass_len = 0;
	mbedtls_x509_crt crt;
	int first = 0, rc;

	rc = cmdopt_getopt(keys_import_table, CMD_N(keys_import_table), &a,
			   argc, argv, keys_import_usage, &first);
	if (rc != 0)
		return rc == CMDOPT_HELP_SHOWN ? 0 : rc;
	if (!a.o.dir || !a.o.key || !a.o.cert || first != argc ||
	    (a.pass_file && a.pass_env)) {
		keys_import_usage(stderr);
		return -PB_EUSAGE;
	}
	rc = keys_passphrase(&a, &pass_buf, &pass_len, &a.o.pass);
	if (rc != 0)
		return rc;
	mbedtls_x509_crt_init(&crt);
	rc = keystore_uefi_import(&a.o, &crt);
	if (rc == 0)
		keys_uefi_print(&crt, a.o.dir, "imported");
	mbedtls_x509_crt_free(&crt);
	if (pass_buf)
		mbedtls_platform_zeroize(pass_buf, pass_len);
	free(pass_buf);
	return rc;
}

/* The subcommands of "podboot keys", each with its help. */
static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const struct keys_help *help;
} keys_subs[] = {
	{ "init", keys_init, &keys_init_help },
	{ "rotate-codesign", keys_rotate, &keys_rotate_help },
	{ "issue-server", keys_issue, &keys_issue_help },
	{ "issue-uefi", keys_issue_uefi, &keys_uefi_help },
	{ "import-uefi", keys_import_uefi, &keys_import_help },
};

/* The usage of "podboot keys": every subcommand's synopsis, on @out. */
static void keys_usage(FILE *out)
{
	size_t i;

	for (i = 0; i < CMD_N(keys_subs); i++)
		keys_synopsis(out, keys_subs[i].help, i ? "       " : "usage: ");
	fprintf(out, "\n'podboot keys SUBCOMMAND --help' describes each one.\n");
}

/* "podboot keys SUB ...": the subcommand's own parser, or the usage. */
int keys_main(int argc, char **argv)
{
	size_t i;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
			  strcmp(argv[1], "-h") == 0)) {
		keys_usage(stdout);
		return 0;
	}
	for (i = 0; argc >= 2 && i < CMD_N(keys_subs); i++)
		if (strcmp(argv[1], keys_subs[i].name) == 0)
			return keys_subs[i].run(argc - 1, argv + 1);
	keys_usage(stderr);
	return -PB_EUSAGE;
}
