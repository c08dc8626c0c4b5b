/* init_cmd.c: "podboot init": the embedded default set up in one step. */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "cmd.h"
#include "cmdopt.h"
#include "error.h"
#include "fileio.h"
#include "keystore.h"
#include "log.h"
#include "token.h"

#define INIT_CONFIG "podboot.conf"
#define INIT_TOKENS "tokens"
#define INIT_KEYS "keys"
#define INIT_DATA "data"
#define INIT_PORT 8443

/* Tokens created at init: name and scopes (see docs/security.md). */
static const struct {
	const char *name;
	const char *scopes;
} init_tokens[] = {
	{ "ci", "\"upload:*\"" },
	{ "operator", "\"rearm\", \"status\", \"bmc\"" },
};

#define N_TOKENS (sizeof(init_tokens) / sizeof(init_tokens[0]))

/* The example kickstart the demo profile renders for each node. */
static const char init_kickstart[] =
	"# Kickstart for {{hostname}} (pod {{pod}}), rendered by podboot.\n"
	"# Placeholders, each in double braces: hostname node mac pod site\n"
	"# address prefix gateway dns vlan vlan_opt server token installed_url\n"
	"# failed_url root_ca.  iPXE-style dollar settings pass through.\n"
	"text\n"
	"network --device={{mac}} --bootproto=static --ip={{address}} "
	"--prefix={{prefix}} --gateway={{gateway}} --nameserver={{dns}} "
	"{{vlan_opt}} --hostname={{hostname}}\n"
	"%pre\n"
	"cat >/tmp/podboot-root.crt <<'PODBOOT_ROOT'\n"
	"{{root_ca}}PODBOOT_ROOT\n"
	"%end\n"
	"%post --erroronfail\n"
	"set -e\n"
	"# The metrics agent: one version, pinned by its SHA-256 (that of the\n"
	"# current podboot-agent, asked once), fetched with its signature by\n"
	"# that digest, checked, enrolled with this node's token (see\n"
	"# agent/README.md).  A failed step fails the install.\n"
	"install -d -m 0755 /etc/podboot\n"
	"install -d -m 0700 /var/spool/podboot-agent\n"
	"cat >/etc/podboot/root.crt <<'PODBOOT_ROOT'\n"
	"{{root_ca}}PODBOOT_ROOT\n"
	"agent=$(curl -fsSI --cacert /etc/podboot/root.crt "
	"{{server}}/artifacts/podboot-agent | tr -d '\\r' | "
	"awk -F': *' 'tolower($1) == \"x-podboot-sha256\" {print $2}')\n"
	"echo \"$agent\" | grep -qx '[0-9a-f]\\{64\\}'\n"
	"curl -fsS --cacert /etc/podboot/root.crt -o /usr/sbin/podboot-agent "
	"{{server}}/artifacts/podboot-agent@sha256:$agent\n"
	"curl -fsS --cacert /etc/podboot/root.crt -o /tmp/podboot-agent.sig "
	"{{server}}/artifacts/podboot-agent@sha256:$agent.sig\n"
	"echo \"$agent  /usr/sbin/podboot-agent\" | sha256sum -c --quiet -\n"
	"openssl cms -verify -binary -inform DER -in /tmp/podboot-agent.sig "
	"-content /usr/sbin/podboot-agent -CAfile /etc/podboot/root.crt "
	"-purpose any -out /dev/null\n"
	"chmod 0755 /usr/sbin/podboot-agent\n"
	"umask 077\n"
	"cat >/etc/podboot/agent.conf <<'PODBOOT_AGENT'\n"
	"server = {{server}}\n"
	"token = {{token}}\n"
	"ca = /etc/podboot/root.crt\n"
	"interval = 15\n"
	"spool = /var/spool/podboot-agent\n"
	"PODBOOT_AGENT\n"
	"cat >/etc/systemd/system/podboot-agent.service <<'PODBOOT_UNIT'\n"
	"[Unit]\n"
	"Description=podboot metrics agent\n"
	"After=network-online.target\n"
	"Wants=network-online.target\n"
	"[Service]\n"
	"ExecStart=/usr/sbin/podboot-agent --config /etc/podboot/agent.conf\n"
	"Restart=always\n"
	"[Install]\n"
	"WantedBy=multi-user.target\n"
	"PODBOOT_UNIT\n"
	"systemctl enable podboot-agent.service\n"
	"%end\n"
	"%post --nochroot --erroronfail\n"
	"curl -fsS --cacert /tmp/podboot-root.crt -X POST "
	"-H 'Authorization: Bearer {{token}}' {{installed_url}}\n"
	"%end\n"
	"%onerror\n"
	"curl -fsS --cacert /tmp/podboot-root.crt -X POST "
	"-H 'Authorization: Bearer {{token}}' {{failed_url}}\n"
	"%end\n";

/* Demo artifacts for the demo profile: names and contents. */
static const struct {
	const char *name;
	const char *content;
} init_demo[] = {
	{ "demo-vmlinuz", "podboot demo kernel: replace with a real one\n" },
	{ "demo-initrd.img", "podboot demo initrd: replace with a real one\n" },
};

#define N_DEMO (sizeof(init_demo) / sizeof(init_demo[0]))

/* Kickstart template and the demo artifacts, signed and published. */
static int init_demo_files(const char *dir, int flags)
{
	const char *names[N_DEMO], *paths[N_DEMO];
	char bufs[N_DEMO][PATH_MAX];
	char path[PATH_MAX], data[PATH_MAX], keys[PATH_MAX];
	char key[PATH_MAX], crt[PATH_MAX], root[PATH_MAX];
	size_t i;
	int rc;

	if ((rc = fileio_join(path, sizeof(path), dir, "default.ks")) != 0 ||
	    (rc = fileio_write(path, init_kickstart, sizeof(init_kickstart) - 1,
			       0644, flags)) != 0)
		return rc;
	for (i = 0; i < N_DEMO; i++) {
		rc = fileio_join(bufs[i], sizeof(bufs[i]), dir,
				 init_demo[i].name);
		if (rc == 0)
			rc = fileio_write(bufs[i], init_demo[i].content,
					  strlen(init_demo[i].content), 0644,
					  0);
		if (rc != 0)
			return rc;
		names[i] = init_demo[i].name;
		paths[i] = bufs[i];
	}
	if ((rc = fileio_join(data, sizeof(data), dir, INIT_DATA)) != 0 ||
	    (rc = fileio_join(keys, sizeof(keys), dir, INIT_KEYS)) != 0 ||
	    (rc = keystore_path(key, sizeof(key), keys,
				KEYSTORE_CODESIGN_KEY)) != 0 ||
	    (rc = keystore_path(crt, sizeof(crt), keys,
				KEYSTORE_CODESIGN_CRT)) != 0 ||
	    (rc = keystore_path(root, sizeof(root), keys,
				KEYSTORE_ROOT_CRT)) != 0)
		return rc;
	return publish_files(data, NULL, NULL, key, crt, root, NULL, NULL, 5,
			     names, paths,
			     N_DEMO);
}

static const char init_config_head[] =
	"# podboot configuration (libconfig syntax), written by podboot init.\n"
	"# Relative paths are relative to this file's directory.\n"
	"\n"
	"server = {\n"
	"  # HTTPS listener; iPXE and agents reach it at base_url, whose host\n"
	"  # must be one of the TLS certificate's subjectAltNames.\n"
	"  listen = \"127.0.0.1\";\n"
	"  port = %d;\n"
	"  base_url = \"https://%s:%d\";\n"
	"  tls_cert = \"keys/server-chain.crt\";   # leaf, then root for iPXE\n"
	"  tls_key = \"keys/server.key\";\n"
	"  codesign_cert = \"keys/codesign.crt\";\n"
	"  codesign_key = \"keys/codesign.key\";\n"
	"  root_cert = \"keys/root.crt\";\n"
	"  data_dir = \"data\";                    # SQLite and artifacts\n"
	"  limits = {\n"
	"    max_upload_mb = 4096;\n"
	"    max_connections = 1024;\n"
	"    timeout_s = 30;\n"
	"    keep_versions = 5;\n"
	"    # Bodies in flight (default: 3/4 of max_connections; the rest\n"
	"    # stays for /healthz, stage2 and the status API), and the rate\n"
	"    # in bytes/s below which a download or upload is cut:\n"
	"    # max_transfers = 768; min_rate = 16384; min_rate_grace_s = 30;\n"
	"  };\n"
	"};\n"
	"\n"
	"# Machines the configuration does not know: \"ignore\" (boot the\n"
	"# local disk) or \"discover\" (record them and retry until assigned).\n"
	"policy = { unknown = \"ignore\"; };\n"
	"\n"
	"# A pod: boot traffic on the provisioning network, the installed OS\n"
	"# on the management network.  The demo uses documentation ranges.\n"
	"pods = (\n"
	"  { name = \"demo\";\n"
	"    site = \"lab rack 1\";\n"
	"    profile = \"default\";\n"
	"    provisioning = { cidr = \"192.0.2.0/24\"; gateway = \"192.0.2.1\";\n"
	"                     vlan = 0; dns = [ \"192.0.2.1\" ]; };\n"
	"    management = { cidr = \"198.51.100.0/24\";\n"
	"                   gateway = \"198.51.100.1\"; vlan = 20;\n"
	"                   dns = [ \"198.51.100.1\" ]; };\n"
	"  }\n"
	");\n"
	"\n"
	"# Kernel and initrd name artifacts the server signs and serves.\n"
	"profiles = (\n"
	"  { name = \"default\";\n"
	"    kernel = \"demo-vmlinuz\";\n"
	"    initrd = \"demo-initrd.img\";\n"
	"    cmdline = \"console=ttyS0 ks={{ks_url}}\";\n"
	"    kickstart = \"default.ks\";\n"
	"  }\n"
	");\n"
	"\n"
	"# Machines, matched by MAC, then UUID, then serial.\n"
	"nodes = (\n"
	"  { mac = \"52:54:00:00:00:01\"; hostname = \"demo-1\"; pod = \"demo\";\n"
	"    address = \"198.51.100.11\"; },\n"
	"  { mac = \"52:54:00:00:00:02\"; hostname = \"demo-2\"; pod = \"demo\";\n"
	"    address = \"198.51.100.12\"; }\n"
	");\n"
	"\n"
	"# Bearer tokens: SHA-256 of the secret only (secrets are in the\n"
	"# tokens file beside this one).  Scopes: upload:* (every artifact),\n"
	"# upload:PREFIX* (names starting PREFIX), upload:NAME (one name),\n"
	"# rearm (re-arm, assign, unassign), status (the status API), push\n"
	"# (Pushgateway pushes not tied to a node), relay (a pod relay's\n"
	"# batches of node pushes) and bmc (BMC actions and jobs).\n"
	"tokens = (\n";

/* The tokens file and the configuration, from freshly generated secrets. */
static int init_write_files(const char *dir, const char *server_name,
			    int flags)
{
	char secrets[N_TOKENS][TOKEN_SIZE];
	char hash[TOKEN_HASH_SIZE];
	char config[8192];
	char tokens[1024];
	char path[PATH_MAX];
	struct rng rng = { .seeded = 0 };
	size_t clen, tlen = 0, i;
	int rc;

	rc = rng_init(&rng, "podboot init");
	for (i = 0; rc == 0 && i < N_TOKENS; i++)
		rc = token_generate(&rng, secrets[i]);
	if (rc != 0)
		goto out;
	clen = (size_t)snprintf(config, sizeof(config), init_config_head,
				INIT_PORT, server_name, INIT_PORT);
	tlen = (size_t)snprintf(tokens, sizeof(tokens),
				"# podboot bearer tokens: name secret.  Keep "
				"this file 0600; it is never committed.\n");
	for (i = 0; i < N_TOKENS; i++) {
		token_hash(secrets[i], hash);
		clen += (size_t)snprintf(config + clen, sizeof(config) - clen,
					 "  { name = \"%s\"; sha256 = \"%s\";\n"
					 "    scopes = [ %s ]; }%s\n",
					 init_tokens[i].name, hash,
					 init_tokens[i].scopes,
					 i + 1 < N_TOKENS ? "," : "");
		tlen += (size_t)snprintf(tokens + tlen, sizeof(tokens) - tlen,
					 "%s %s\n", init_tokens[i].name,
					 secrets[i]);
	}
	clen += (size_t)snprintf(config + clen, sizeof(config) - clen, ");\n");
	if (clen >= sizeof(config) || tlen >= sizeof(tokens)) {
		rc = -PB_ETOOBIG;
		goto out;
	}
	if ((rc = fileio_join(path, sizeof(path), dir, INIT_TOKENS)) != 0 ||
	    (rc = fileio_write(path, tokens, tlen, 0600, flags)) != 0 ||
	    (rc = fileio_join(path, sizeof(path), dir, INIT_CONFIG)) != 0 ||
	    (rc = fileio_write(path, config, clen, 0644, flags)) != 0 ||
	    (rc = fileio_join(path, sizeof(path), dir, INIT_DATA)) != 0 ||
	    (rc = fileio_mkdirs(path, 0700)) != 0)
		log_error("%s: %s", path, pb_strerror(rc));
out:
	mbedtls_platform_zeroize(secrets, sizeof(secrets));
	mbedtls_platform_zeroize(tokens, sizeof(tokens));
	rng_free(&rng);
	return rc;
}

static const struct cmdopt init_table[] = {
	KEYS_CEREMONY_ROWS,
};

/* The usage text of "podboot init", on @out. */
static void init_usage(FILE *out)
{
	fprintf(out,
		"usage: podboot init --dir DIR --server-name NAME\n"
		"                    [--server-ip IP]... [--algo rsa|ecdsa]\n"
		"                    [--force]\n\n"
		"Creates DIR/keys (root CA, code signing, TLS), DIR/%s (a\n"
		"commented example configuration), DIR/%s (bearer tokens,\n"
		"mode 0600; the configuration holds only their hashes) and\n"
		"DIR/%s with the demo artifacts (demo-vmlinuz,\n"
		"demo-initrd.img) signed and published, and default.ks, the\n"
		"demo profile's kickstart template.\n\noptions:\n",
		INIT_CONFIG, INIT_TOKENS, INIT_DATA);
	cmdopt_usage_list(out, init_table, CMD_N(init_table));
}

/*
 * Set up @c->dir: keys (the ceremony @c), configuration, tokens and the
 * demo artifacts; prints where each is.
 *
 * @ret rc		0, -PB_EKEYS_EXIST without --force, or another
 *			error (logged)
 */
static int init_run(struct keys_ceremony *c)
{
	const char *dir = c->dir;
	char keys[PATH_MAX];
	char path[PATH_MAX];
	char fingerprint[65];
	int flags = c->o.force ? 0 : FILEIO_EXCL;
	int rc;

	if ((rc = fileio_join(keys, sizeof(keys), dir, INIT_KEYS)) != 0 ||
	    (rc = fileio_join(path, sizeof(path), dir, INIT_CONFIG)) != 0)
		return rc;
	if (!c->o.force && fileio_exists(path)) {
		log_error("%s exists; pass --force to start over", path);
		return -PB_EKEYS_EXIST;
	}
	c->o.dir = keys;
	rc = keystore_init(&c->o, fingerprint);
	if (rc == 0)
		rc = init_write_files(dir, c->o.server_name, flags);
	if (rc == 0)
		rc = init_demo_files(dir, flags);
	if (rc != 0) {
		if (rc != -PB_EKEYS_EXIST)
			log_error("init of %s failed: %s", dir,
				  pb_strerror(rc));
		return rc;
	}
	printf("podboot initialised in %s\n"
	       "  keys:          %s (root CA fingerprint %s)\n"
	       "  configuration: %s\n"
	       "  tokens:        %s/%s (mode 0600)\n",
	       dir, keys, fingerprint, path, dir, INIT_TOKENS);
	return 0;
}

/* "podboot init": parse into a ceremony, then init_run(); 0 or an error. */
int init_main(int argc, char **argv)
{
	struct keys_ceremony c;
	int first = 0, rc;

	keys_ceremony_init(&c);
	rc = cmdopt_getopt(init_table, CMD_N(init_table), &c, argc, argv,
			   init_usage, &first);
	if (rc != 0)
		return rc == CMDOPT_HELP_SHOWN ? 0 : rc;
	if (!c.dir || !c.o.server_name || first != argc) {
		init_usage(stderr);
		return -PB_EUSAGE;
	}
	return init_run(&c);
}
