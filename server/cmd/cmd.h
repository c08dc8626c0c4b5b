/* cmd.h: the podboot subcommands main.c dispatches to. */
#ifndef PODBOOT_CMD_H
#define PODBOOT_CMD_H

#include <stddef.h>

#include "keystore.h"

/* Rows in a table. */
#define CMD_N(tab) (sizeof(tab) / sizeof((tab)[0]))

/*
 * Each subcommand parses its own options from argv (argv[0] is the
 * subcommand's name) and returns 0, -PB_EUSAGE after printing its usage,
 * or another negative error after logging one line that says what failed.
 */
int keys_main(int argc, char **argv);
int sign_main(int argc, char **argv);
int verify_main(int argc, char **argv);
int init_main(int argc, char **argv);
int serve_main(int argc, char **argv);
int publish_main(int argc, char **argv);
int resign_main(int argc, char **argv);
int dhcp_main(int argc, char **argv);
int bmc_main(int argc, char **argv);
int haproxy_main(int argc, char **argv);

/**
 * Sign and publish files as artifacts in @data_dir (used by publish and
 * init): names[i] gets the content of paths[i].  The catalogue is the
 * store at @store_url (PostgreSQL, with @store_password_file) if not NULL
 * or "", else SQLite in @data_dir (store_open_url).  With a UEFI pair
 * (@uefi_key and @uefi_cert, else NULL or ""), EFI kernels also get
 * their uefi variant, as uploads to podboot serve do.
 */
int publish_files(const char *data_dir, const char *store_url,
		  const char *store_password_file, const char *key,
		  const char *cert, const char *root, const char *uefi_key,
		  const char *uefi_cert, unsigned int keep,
		  const char *const *names, const char *const *paths,
		  size_t count);

/** The configuration file: @given if set and not empty, else
 * "podboot.conf". */
const char *cmd_config_path(const char *given);

/** Default key directory: $PODBOOT_KEYS, else "keys". */
const char *cmd_default_keys(void);

/* The key ceremony's settings, as "keys init" and "init" parse them. */
struct keys_ceremony {
	struct keystore_init_opts o;	/* o.names points to names */
	const char *names[PKI_MAX_SANS];	/* --server-ip, --server-alt */
	const char *dir;		/* --dir */
};

/** Defaults of the key ceremony (RSA, 20-year root, 825-day leaves). */
void keys_ceremony_init(struct keys_ceremony *c);

/*
 * Option callbacks (lib/cmdopt.h) of the key ceremony, @opts being a
 * struct keys_ceremony: a further certificate name (--server-ip,
 * --server-alt), --algo, --days, --root-days.  0 or -PB_EUSAGE (logged).
 */
int keys_opt_name(void *opts, const char *arg);
int keys_opt_algo(void *opts, const char *arg);
int keys_opt_days(void *opts, const char *arg);
int keys_opt_root_days(void *opts, const char *arg);

/* The option rows "keys init" and "init" share (lib/cmdopt.h), over a
 * struct keys_ceremony. */
#define KEYS_CEREMONY_ROWS \
	{ .name = "dir", .kind = CMDOPT_STR, .arg = "DIR", \
	  .off = offsetof(struct keys_ceremony, dir) }, \
	{ .name = "server-name", .kind = CMDOPT_STR, .arg = "NAME", \
	  .off = offsetof(struct keys_ceremony, o.server_name) }, \
	{ .name = "server-ip", .kind = CMDOPT_CALL, .arg = "IP", \
	  .call = keys_opt_name }, \
	{ .name = "algo", .kind = CMDOPT_CALL, .arg = "rsa|ecdsa", \
	  .call = keys_opt_algo }, \
	{ .name = "force", .kind = CMDOPT_FLAG, \
	  .off = offsetof(struct keys_ceremony, o.force) }, \
	{ .name = "help", .kind = CMDOPT_HELP }

/** Parse a count of days in [1, 36500]; 0 or -PB_EUSAGE. */
int cmd_parse_days(const char *text, unsigned int *days);

#endif
