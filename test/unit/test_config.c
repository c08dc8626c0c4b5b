/* test_config.c: podboot.conf: loading, defaults, every refusal, lookups, tokens. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "fileio.h"
#include "token.h"
#include "unit.h"

extern char **environ;

/* Lines 1-7: a server and a profile; every error case below builds on it,
 * so the line numbers the cases expect count from here. */
#define T_HEAD                                              \
	"server = {\n"                                      \
	"  base_url = \"https://boot.example.net:8443/\";\n" \
	"  tls_cert = \"tls.crt\"; tls_key = \"tls.key\";\n" \
	"  codesign_cert = \"cs.crt\"; codesign_key = \"cs.key\";\n" \
	"  root_cert = \"root.crt\"; data_dir = \"data\";\n" \
	"};\n"                                              \
	"profiles = ( { name = \"p\"; kernel = \"k\"; initrd = \"i\"; " \
	"kickstart = \"p.ks\"; } );\n"
#define T_HEAD_LINES 7

/* Lines 8-10: pod "a". */
#define T_POD                                               \
	"pods = ( { name = \"a\"; profile = \"p\";\n"       \
	"  provisioning = { cidr = \"192.0.2.0/24\"; };\n"  \
	"  management = { cidr = \"198.51.100.0/24\"; }; } );\n"

/* Line 11 on: a node list opened at line 11. */
#define T_NODES "nodes = (\n"

/* One line: a server with every required setting. */
#define T_PATHS                                                    \
	"tls_cert = \"t\"; tls_key = \"k\"; codesign_cert = \"c\"; " \
	"codesign_key = \"ck\"; root_cert = \"r\"; "
#define T_SERVER1 \
	"server = { base_url = \"https://h\"; " T_PATHS "data_dir = \"d\"; };\n"

#define MAC1 "52:54:00:00:00:01"
#define SHA_OK "0ee94816ea4a50a171ceede725b63afcf14b5b0886a1b1078da1eb52fde2e7ec"
#define SHA_OK_UPPER \
	"0EE94816EA4A50A171CEEDE725B63AFCF14B5B0886A1B1078DA1EB52FDE2E7EC"
#define SHA_OK2 "1ee94816ea4a50a171ceede725b63afcf14b5b0886a1b1078da1eb52fde2e7ec"
#define UUID1 "0123abcd-4567-89ab-cdef-0123456789ab"

/* A path for configuration @name in this run's directory. */
static void test_config_path(const char *name, char *out, size_t size)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/config", unit_tmpdir());
	CU_ASSERT_EQUAL_FATAL(fileio_mkdirs(dir, 0700), 0);
	CU_ASSERT_EQUAL_FATAL(fileio_join(out, size, dir, name), 0);
}

/* Write @text as configuration @name; its path goes to @path. */
static void test_config_write(const char *name, const char *text,
			      char *path, size_t size)
{
	test_config_path(name, path, size);
	CU_ASSERT_EQUAL_FATAL(fileio_write(path, text, strlen(text), 0644, 0),
			      0);
}

/* Load @text; it must fail at @line with @needle in the message. */
static void test_config_refused(const char *text, unsigned int line,
				const char *needle)
{
	struct config *cfg = (struct config *)1;
	char path[PATH_MAX], prefix[PATH_MAX + 32], err[CONFIG_ERR_MAX];
	int rc, ok;

	test_config_write("bad.conf", text, path, sizeof(path));
	rc = config_load(path, &cfg, err, sizeof(err));
	snprintf(prefix, sizeof(prefix), "%s:%u: ", path, line);
	ok = rc == -PB_ECONFIG && !cfg &&
	     strncmp(err, prefix, strlen(prefix)) == 0 &&
	     strstr(err, needle) != NULL && !strchr(err, '\n');
	if (!ok)
		fprintf(stderr, "\n    want line %u, \"%s\"\n    got  %d: %s\n",
			line, needle, rc, err);
	CU_ASSERT(ok);
	config_free(cfg == (struct config *)1 ? NULL : cfg);
}

/* Load @text, which must be valid; config_free() the result. */
static struct config *test_config_ok(const char *name, const char *text)
{
	struct config *cfg = NULL;
	char path[PATH_MAX], err[CONFIG_ERR_MAX];
	int rc;

	test_config_write(name, text, path, sizeof(path));
	rc = config_load(path, &cfg, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "\n    unexpected: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	return cfg;
}

/* ---- The file podboot init writes: test/data/podboot-init.conf ---- */

/* The test secrets whose hashes test/data/make-init-conf writes into the
 * fixture in place of init's fresh ones: constants, not secrets. */
#define CI_SECRET "pbt_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define OP_SECRET "pbt_fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

/*
 * The text of file @path with every token hash (sha256 = "HEX") blanked:
 * init hashes fresh secrets, so only the rest can be compared.  The
 * caller frees the result; NULL if the file cannot be read.
 */
static char *test_init_masked(const char *path)
{
	static const char key[] = "sha256 = \"";
	unsigned char *buf = NULL;
	char *p, *q;
	size_t len;

	if (fileio_read(path, 1u << 20, &buf, &len) != 0)
		return NULL;
	for (p = (char *)buf; (p = strstr(p, key)) != NULL;) {
		p += sizeof(key) - 1;
		q = p + strspn(p, "0123456789abcdef");
		memmove(p, q, strlen(q) + 1);
	}
	return (char *)buf;
}

/*
 * Run "podboot init --dir @dir --server-name localhost" with the podboot
 * built beside this binary (build/ or build/asan/), its output discarded.
 * 0 if it exited 0, else -1.
 */
static int test_run_init(const char *dir)
{
	char exe[PATH_MAX], *slash;
	char a1[] = "init", a2[] = "--dir", a4[] = "--server-name",
	     a5[] = "localhost";
	char *argv[] = { exe, a1, a2, (char *)dir, a4, a5, NULL };
	posix_spawn_file_actions_t fa;
	ssize_t n;
	pid_t pid;
	int status = -1, rc;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 16);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	strcpy(slash + 1, "podboot");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The fixture is what podboot init writes today, token hashes aside:
 * when init changes, test/data/make-init-conf renews it. */
static void test_init_fixture(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	char *want, *got;

	snprintf(dir, sizeof(dir), "%s/init", unit_tmpdir());
	CU_ASSERT_EQUAL_FATAL(test_run_init(dir), 0);
	snprintf(path, sizeof(path), "%s/podboot.conf", dir);
	want = test_init_masked(unit_data("podboot-init.conf"));
	got = test_init_masked(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	if (strcmp(want, got) != 0)
		fprintf(stderr, "\n    test/data/podboot-init.conf differs "
				"from what podboot init writes: run "
				"test/data/make-init-conf\n");
	CU_ASSERT_STRING_EQUAL(got, want);
	free(want);
	free(got);
}

/* The fixture loads, in place, into the model its comments promise. */
static void test_init_file(void)
{
	char h1[TOKEN_HASH_SIZE], dir[PATH_MAX], want[PATH_MAX + 64];
	const char *path = unit_data("podboot-init.conf");
	const struct config_pod *pod;
	const struct config_profile *prof;
	struct config *cfg = NULL;
	char err[CONFIG_ERR_MAX];
	int rc;

	token_hash(CI_SECRET, h1);
	rc = config_load(path, &cfg, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "\n    unexpected: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';

	CU_ASSERT_STRING_EQUAL(cfg->path, path);
	CU_ASSERT_STRING_EQUAL(cfg->listen, "127.0.0.1");
	CU_ASSERT_EQUAL(cfg->port, 8443);
	CU_ASSERT_STRING_EQUAL(cfg->base_url, "https://localhost:8443");
	snprintf(want, sizeof(want), "%s/keys/server-chain.crt", dir);
	CU_ASSERT_STRING_EQUAL(cfg->tls_cert, want);
	snprintf(want, sizeof(want), "%s/keys/server.key", dir);
	CU_ASSERT_STRING_EQUAL(cfg->tls_key, want);
	snprintf(want, sizeof(want), "%s/keys/codesign.crt", dir);
	CU_ASSERT_STRING_EQUAL(cfg->codesign_cert, want);
	snprintf(want, sizeof(want), "%s/keys/codesign.key", dir);
	CU_ASSERT_STRING_EQUAL(cfg->codesign_key, want);
	snprintf(want, sizeof(want), "%s/keys/root.crt", dir);
	CU_ASSERT_STRING_EQUAL(cfg->root_cert, want);
	snprintf(want, sizeof(want), "%s/data", dir);
	CU_ASSERT_STRING_EQUAL(cfg->data_dir, want);
	CU_ASSERT_EQUAL(cfg->plain_port, 0);
	CU_ASSERT_EQUAL(cfg->plain_allow_nonlocal, 0);
	CU_ASSERT_EQUAL(cfg->max_upload, 4096ULL << 20);
	CU_ASSERT_EQUAL(cfg->max_connections, 1024);
	CU_ASSERT_EQUAL(cfg->timeout_s, 30);
	CU_ASSERT_EQUAL(cfg->keep_versions, 5);
	CU_ASSERT_EQUAL(cfg->threads, 0);	/* two per CPU */
	CU_ASSERT_EQUAL(cfg->unknown, CONFIG_UNKNOWN_IGNORE);

	CU_ASSERT_EQUAL_FATAL(cfg->n_pods, 1);
	pod = config_pod_by_name(cfg, "demo");
	CU_ASSERT_PTR_EQUAL_FATAL(pod, &cfg->pods[0]);
	CU_ASSERT_STRING_EQUAL(pod->site, "lab rack 1");
	CU_ASSERT_STRING_EQUAL(pod->profile, "default");
	CU_ASSERT_STRING_EQUAL(pod->prov.cidr, "192.0.2.0/24");
	CU_ASSERT_EQUAL(pod->prov.prefix, 24);
	CU_ASSERT_STRING_EQUAL(pod->prov.gateway, "192.0.2.1");
	CU_ASSERT_EQUAL(pod->prov.vlan, 0);
	CU_ASSERT_EQUAL(pod->prov.n_dns, 1);
	CU_ASSERT_STRING_EQUAL(pod->prov.dns[0], "192.0.2.1");
	CU_ASSERT_STRING_EQUAL(pod->mgmt.cidr, "198.51.100.0/24");
	CU_ASSERT_STRING_EQUAL(pod->mgmt.gateway, "198.51.100.1");
	CU_ASSERT_EQUAL(pod->mgmt.vlan, 20);
	CU_ASSERT_STRING_EQUAL(pod->mgmt.dns[0], "198.51.100.1");
	CU_ASSERT_EQUAL(pod->allow_unverified, 0);
	CU_ASSERT_PTR_NULL(config_pod_by_name(cfg, "other"));

	CU_ASSERT_EQUAL_FATAL(cfg->n_profiles, 1);
	prof = &cfg->profiles[0];
	CU_ASSERT_STRING_EQUAL(prof->name, "default");
	CU_ASSERT_STRING_EQUAL(prof->kernel, "demo-vmlinuz");
	CU_ASSERT_STRING_EQUAL(prof->initrd, "demo-initrd.img");
	CU_ASSERT_STRING_EQUAL(prof->cmdline, "console=ttyS0 ks={{ks_url}}");
	snprintf(want, sizeof(want), "%s/default.ks", dir);
	CU_ASSERT_STRING_EQUAL(prof->kickstart, want);

	/* Sorted by MAC after load. */
	CU_ASSERT_EQUAL_FATAL(cfg->n_nodes, 2);
	CU_ASSERT_STRING_EQUAL(cfg->nodes[0].hostname, "demo-1");
	CU_ASSERT_STRING_EQUAL(cfg->nodes[0].mac, MAC1);
	CU_ASSERT_STRING_EQUAL(cfg->nodes[0].address, "198.51.100.11");
	CU_ASSERT_STRING_EQUAL(cfg->nodes[0].uuid, "");
	CU_ASSERT_STRING_EQUAL(cfg->nodes[0].serial, "");
	CU_ASSERT_PTR_EQUAL(cfg->nodes[0].pod, pod);
	CU_ASSERT_PTR_EQUAL(cfg->nodes[0].profile, prof);
	CU_ASSERT_STRING_EQUAL(cfg->nodes[1].hostname, "demo-2");
	CU_ASSERT_PTR_EQUAL(config_node_by_mac(cfg, "52-54-00-00-00-02"),
			    &cfg->nodes[1]);
	/* Nodes without a UUID or serial are not found by an empty one. */
	CU_ASSERT_PTR_NULL(config_node_by_uuid(cfg, ""));
	CU_ASSERT_PTR_NULL(config_node_by_serial(cfg, ""));
	CU_ASSERT_PTR_EQUAL(config_node_by_id(cfg, "demo-2"), &cfg->nodes[1]);

	CU_ASSERT_EQUAL_FATAL(cfg->n_tokens, 2);
	CU_ASSERT_PTR_EQUAL(config_token_find(cfg, CI_SECRET), &cfg->tokens[0]);
	CU_ASSERT_PTR_EQUAL(config_token_find(cfg, OP_SECRET), &cfg->tokens[1]);
	CU_ASSERT_STRING_EQUAL(cfg->tokens[0].sha256, h1);
	CU_ASSERT_EQUAL(cfg->tokens[1].n_scopes, 2);
	CU_ASSERT(config_token_allows(&cfg->tokens[0], "upload:demo-vmlinuz"));
	CU_ASSERT(!config_token_allows(&cfg->tokens[0], "rearm"));
	CU_ASSERT(config_token_allows(&cfg->tokens[1], "rearm"));
	CU_ASSERT(config_token_allows(&cfg->tokens[1], "status"));
	CU_ASSERT(!config_token_allows(&cfg->tokens[1], "upload:demo-vmlinuz"));
	config_free(cfg);
}

/* Everything optional left out; then every optional setting given. */
static void test_defaults_and_options(void)
{
	struct config *cfg;

	cfg = test_config_ok("minimal.conf", T_HEAD);
	CU_ASSERT_STRING_EQUAL(cfg->listen, "127.0.0.1");
	CU_ASSERT_EQUAL(cfg->port, 8443);
	/* The trailing slash is stripped. */
	CU_ASSERT_STRING_EQUAL(cfg->base_url, "https://boot.example.net:8443");
	CU_ASSERT_EQUAL(cfg->max_upload, 4096ULL << 20);
	CU_ASSERT_EQUAL(cfg->max_connections, 1024);
	CU_ASSERT_EQUAL(cfg->timeout_s, 30);
	CU_ASSERT_EQUAL(cfg->keep_versions, 5);
	CU_ASSERT_EQUAL(cfg->threads, 0);	/* two per CPU */
	CU_ASSERT_EQUAL(cfg->unknown, CONFIG_UNKNOWN_IGNORE);
	CU_ASSERT_STRING_EQUAL(cfg->profiles[0].cmdline, "");
	CU_ASSERT_EQUAL(cfg->n_pods, 0);
	CU_ASSERT_EQUAL(cfg->n_nodes, 0);
	CU_ASSERT_EQUAL(cfg->n_tokens, 0);
	CU_ASSERT_PTR_NULL(config_node_by_mac(cfg, MAC1));
	CU_ASSERT_PTR_NULL(config_token_find(cfg, CI_SECRET));
	config_free(cfg);

	cfg = test_config_ok("full.conf",
		"server = { listen = \"::1\"; port = 443;\n"
		"  base_url = \"http://[2001:db8::1]:8080/podboot//\";\n"
		"  tls_cert = \"/etc/podboot/tls.crt\"; tls_key = \"k\";\n"
		"  codesign_cert = \"c\"; codesign_key = \"ck\";\n"
		"  root_cert = \"r\"; data_dir = \"/var/lib/podboot/\";\n"
		"  plain_port = 8080; plain_allow_nonlocal = true;\n"
		"  plain_base_url = \"http://boot.example.net:8080/\";\n"
		"  limits = { max_upload_mb = 1; max_connections = 100000;\n"
		"    timeout_s = 3600; keep_versions = 1000; threads = 64; };\n"
		"};\n"
		"policy = { unknown = \"discover\"; };\n"
		"profiles = ( { name = \"p\"; kernel = \"el9/vmlinuz\";\n"
		"  initrd = \"el9/initrd.img\"; kickstart = \"/srv/p.ks\";\n"
		"  cmdline = \"ip=dhcp inst.ks={{ks_url}}\"; },\n"
		"  { name = \"q\"; kernel = \"k\"; initrd = \"i\"; "
		"kickstart = \"q.ks\"; } );\n"
		"pods = ( { name = \"v6\"; profile = \"p\"; "
		"allow_unverified = true;\n"
		"  provisioning = { cidr = \"2001:db8::/64\"; "
		"gateway = \"2001:db8::1\"; vlan = 4094;\n"
		"    dns = [ \"2001:db8::53\", \"192.0.2.53\", \"::1\", "
		"\"192.0.2.54\" ]; };\n"
		"  management = { cidr = \"10.0.0.0/8\"; }; } );\n"
		"nodes = ( { hostname = \"n1\"; mac = \"AA-BB-CC-DD-EE-01\";\n"
		"  uuid = \"0123ABCD-4567-89AB-CDEF-0123456789AB\";\n"
		"  serial = \"SN-1.a_b\"; pod = \"v6\"; profile = \"q\";\n"
		"  address = \"2001:db8::10\"; } );\n"
		"tokens = ( { name = \"none\"; sha256 = "
		"\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\";"
		" scopes = []; } );\n");
	CU_ASSERT_STRING_EQUAL(cfg->listen, "::1");
	CU_ASSERT_EQUAL(cfg->port, 443);
	CU_ASSERT_STRING_EQUAL(cfg->base_url, "http://[2001:db8::1]:8080/podboot");
	CU_ASSERT_STRING_EQUAL(cfg->tls_cert, "/etc/podboot/tls.crt");
	CU_ASSERT_STRING_EQUAL(cfg->data_dir, "/var/lib/podboot");
	CU_ASSERT_EQUAL(cfg->plain_port, 8080);
	CU_ASSERT_STRING_EQUAL(cfg->plain_base_url,
			       "http://boot.example.net:8080");
	CU_ASSERT_EQUAL(cfg->plain_allow_nonlocal, 1);
	CU_ASSERT_EQUAL(cfg->max_upload, 1ULL << 20);
	CU_ASSERT_EQUAL(cfg->max_connections, 100000);
	CU_ASSERT_EQUAL(cfg->timeout_s, 3600);
	CU_ASSERT_EQUAL(cfg->keep_versions, 1000);
	CU_ASSERT_EQUAL(cfg->threads, 64);
	CU_ASSERT_EQUAL(cfg->unknown, CONFIG_UNKNOWN_DISCOVER);
	CU_ASSERT_STRING_EQUAL(cfg->profiles[0].kickstart, "/srv/p.ks");
	CU_ASSERT_STRING_EQUAL(cfg->profiles[0].cmdline,
			       "ip=dhcp inst.ks={{ks_url}}");
	CU_ASSERT_EQUAL(cfg->pods[0].allow_unverified, 1);
	CU_ASSERT_EQUAL(cfg->pods[0].prov.prefix, 64);
	CU_ASSERT_EQUAL(cfg->pods[0].prov.vlan, 4094);
	CU_ASSERT_EQUAL(cfg->pods[0].prov.n_dns, CONFIG_DNS_MAX);
	CU_ASSERT_STRING_EQUAL(cfg->pods[0].prov.dns[3], "192.0.2.54");
	CU_ASSERT_EQUAL(cfg->pods[0].mgmt.prefix, 8);
	CU_ASSERT_STRING_EQUAL(cfg->pods[0].mgmt.gateway, "");
	CU_ASSERT_EQUAL(cfg->pods[0].mgmt.n_dns, 0);
	CU_ASSERT_STRING_EQUAL(cfg->nodes[0].mac, "aa:bb:cc:dd:ee:01");
	CU_ASSERT_STRING_EQUAL(cfg->nodes[0].uuid, UUID1);
	CU_ASSERT_STRING_EQUAL(cfg->nodes[0].serial, "SN-1.a_b");
	/* Its own profile, not the pod's. */
	CU_ASSERT_PTR_EQUAL(cfg->nodes[0].profile, &cfg->profiles[1]);
	CU_ASSERT_STRING_EQUAL(cfg->tokens[0].sha256,
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	CU_ASSERT_EQUAL(cfg->tokens[0].n_scopes, 0);
	config_free(cfg);
}

/* Paths relative to the file, however the file itself was named. */
static void test_relative_paths(void)
{
	char dir[PATH_MAX], path[PATH_MAX], odd[PATH_MAX + 16],
		want[PATH_MAX + 64], cwd[PATH_MAX], err[CONFIG_ERR_MAX];
	static const char text[] =
		"server = { base_url = \"https://h\";\n"
		"  tls_cert = \"./keys//tls.crt\"; tls_key = \"keys/./tls.key\";\n"
		"  codesign_cert = \"/etc/podboot/cs.crt\";\n"
		"  codesign_key = \"../secret/cs.key\";\n"
		"  root_cert = \"root.crt\"; data_dir = \"data/\"; };\n"
		"profiles = ( { name = \"p\"; kernel = \"k\"; initrd = \"i\";\n"
		"  kickstart = \"ks/p.ks\"; } );\n";
	struct config *cfg = NULL;

	snprintf(dir, sizeof(dir), "%s/rel/sub", unit_tmpdir());
	CU_ASSERT_EQUAL_FATAL(fileio_mkdirs(dir, 0700), 0);
	CU_ASSERT_EQUAL_FATAL(fileio_join(path, sizeof(path), dir, "p.conf"),
			      0);
	CU_ASSERT_EQUAL_FATAL(fileio_write(path, text, strlen(text), 0644, 0),
			      0);
	snprintf(odd, sizeof(odd), "%s//rel/./sub/p.conf", unit_tmpdir());
	CU_ASSERT_EQUAL_FATAL(config_load(odd, &cfg, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cfg->path, path);
	snprintf(want, sizeof(want), "%s/keys/tls.crt", dir);
	CU_ASSERT_STRING_EQUAL(cfg->tls_cert, want);
	snprintf(want, sizeof(want), "%s/keys/tls.key", dir);
	CU_ASSERT_STRING_EQUAL(cfg->tls_key, want);
	CU_ASSERT_STRING_EQUAL(cfg->codesign_cert, "/etc/podboot/cs.crt");
	/* ".." is kept: through a symbolic link it is not "up" by text. */
	snprintf(want, sizeof(want), "%s/../secret/cs.key", dir);
	CU_ASSERT_STRING_EQUAL(cfg->codesign_key, want);
	snprintf(want, sizeof(want), "%s/data", dir);
	CU_ASSERT_STRING_EQUAL(cfg->data_dir, want);
	snprintf(want, sizeof(want), "%s/ks/p.ks", dir);
	CU_ASSERT_STRING_EQUAL(cfg->profiles[0].kickstart, want);
	config_free(cfg);
	cfg = NULL;

	/* A relative name for the file: resolved against the working
	 * directory at load, stored absolute. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof(cwd)));
	CU_ASSERT_EQUAL_FATAL(chdir(unit_tmpdir()), 0);
	CU_ASSERT_EQUAL(config_load("rel/sub/p.conf", &cfg, err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL_FATAL(chdir(cwd), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_STRING_EQUAL(cfg->path, path);
	snprintf(want, sizeof(want), "%s/root.crt", dir);
	CU_ASSERT_STRING_EQUAL(cfg->root_cert, want);
	config_free(cfg);
}

/* ---- Grammars ---- */

static void test_mac(void)
{
	static const char *const bad[] = {
		"", "52:54:00:ab:cd", "52:54:00:ab:cd:ef:01",
		"52:54-00:ab:cd:ef", "52:54:00:ab:cd:eg", "5254.00ab.cdef",
		" 52:54:00:ab:cd:ef", "52:54:00:ab:cd:ef ", "525400abcdef0",
		"525400abcde", "52:54:00:ab:cd:ef\n", "52_54_00_ab_cd_ef",
		"5:254:00:ab:cd:ef", "+2:54:00:ab:cd:ef", "52:54:00:ab:cd:e",
		"52::54:00:ab:cd:e", "0x5254:00ab:cdef", "52:54:00:ab:cd:\xff\xff",
		"525400ABCDEF/../", NULL,
	};
	char out[18];
	size_t i;

	CU_ASSERT_EQUAL(config_mac_normalise("52:54:00:AB:cd:EF", out), 0);
	CU_ASSERT_STRING_EQUAL(out, "52:54:00:ab:cd:ef");
	CU_ASSERT_EQUAL(config_mac_normalise("52-54-00-AB-CD-EF", out), 0);
	CU_ASSERT_STRING_EQUAL(out, "52:54:00:ab:cd:ef");
	CU_ASSERT_EQUAL(config_mac_normalise("525400abCDef", out), 0);
	CU_ASSERT_STRING_EQUAL(out, "52:54:00:ab:cd:ef");
	CU_ASSERT_EQUAL(config_mac_normalise("01:23:45:67:89:AB", out), 0);
	CU_ASSERT_STRING_EQUAL(out, "01:23:45:67:89:ab");
	for (i = 0; bad[i]; i++) {
		strcpy(out, "x");
		CU_ASSERT_EQUAL(config_mac_normalise(bad[i], out),
				-PB_EBAD_NAME);
		CU_ASSERT_STRING_EQUAL(out, "");
	}
	CU_ASSERT_EQUAL(config_mac_normalise(NULL, out), -PB_EBAD_NAME);
}

static void test_uuid(void)
{
	static const char *const bad[] = {
		"", "0123abcd456789abcdef0123456789ab",
		"{0123abcd-4567-89ab-cdef-0123456789ab}",
		"0123abcd-4567-89ab-cdef-0123456789a",
		"0123abcd-4567-89ab-cdef-0123456789abc",
		"0123abcd-4567-89ab-cdef-0123456789ag",
		"0123abc-d4567-89ab-cdef-0123456789ab",
		"0123abcd_4567_89ab_cdef_0123456789ab",
		"0123abcd-4567-89ab-cdef-0123456789a\n",
		" 0123abcd-4567-89ab-cdef-0123456789a",
		"0123abcd-4567-89ab-cdef-../../../etc", NULL,
	};
	char out[37];
	size_t i;

	CU_ASSERT_EQUAL(config_uuid_normalise(
				"0123ABCD-4567-89AB-cdef-0123456789aB", out), 0);
	CU_ASSERT_STRING_EQUAL(out, UUID1);
	for (i = 0; bad[i]; i++) {
		CU_ASSERT_EQUAL(config_uuid_normalise(bad[i], out),
				-PB_EBAD_NAME);
		CU_ASSERT_STRING_EQUAL(out, "");
	}
	CU_ASSERT_EQUAL(config_uuid_normalise(NULL, out), -PB_EBAD_NAME);
}

/* @valid accepts each of @good, refuses each of @bad and NULL, and takes
 * @max bytes of @c but not one more. */
static void test_grammar(int (*valid)(const char *), const char *const *good,
			 const char *const *bad, char c, size_t max)
{
	char buf[256];

	for (; *good; good++)
		CU_ASSERT_EQUAL(valid(*good), 0);
	for (; *bad; bad++)
		CU_ASSERT_EQUAL(valid(*bad), -PB_EBAD_NAME);
	CU_ASSERT_EQUAL(valid(NULL), -PB_EBAD_NAME);
	CU_ASSERT_FATAL(max + 2 <= sizeof(buf));
	memset(buf, c, max);
	buf[max] = '\0';
	CU_ASSERT_EQUAL(valid(buf), 0);
	buf[max] = c;
	buf[max + 1] = '\0';
	CU_ASSERT_EQUAL(valid(buf), -PB_EBAD_NAME);
}

static void test_serial(void)
{
	static const char *const good[] = {
		"ABC-123_x.9", "...", "0", NULL,
	};
	static const char *const bad[] = {
		"", "a b", "a/b", "../x", "a;b", "a\"b", "a\nb", "a$b",
		"caf\xc3\xa9", "a:b", "a%00", NULL,
	};

	test_grammar(config_serial_valid, good, bad, 'S', 64);
}

static void test_name(void)
{
	static const char *const good[] = {
		"a", "demo-1", "0rack.1_b", "rack-1.dc2", "a..b", NULL,
	};
	static const char *const bad[] = {
		"", "Demo", "-a", ".a", "_a", "a/b", "a b", "..", ".", "a\x01",
		"a:b", "a@b", "a*", "\xc3\xa9", "a\\b", "a\n", NULL,
	};

	test_grammar(config_name_valid, good, bad, 'n', CONFIG_NAME_MAX - 1);
}

static void test_artifact_name(void)
{
	static const char *const good[] = {
		"vmlinuz", "el9/vmlinuz", "El9/x86_64/initrd.img",
		"a+b-c.d_e", "a/b/c/d", "9", "a..b", "a/b.", NULL,
	};
	static const char *const bad[] = {
		"", "../x", "a/../x", "a/..", "..", ".", "./a", "a/./b",
		"a//b", "/abs", "a/", "/", ".hidden", "a/.x", "a@sha256:00",
		"a b", "a\\b", "a:b", "a%2fb", "a?b", "a#b", "a*", "*", "-a",
		"a/-b", "_a", "a\nb", "a\tb", "caf\xc3\xa9", "a;b", "a'b",
		"a\"b", "a$b", "a|b", "~a", NULL,
	};

	test_grammar(config_artifact_name_valid, good, bad, 'a', 128);
}

/* ---- Refusals, each at its line ---- */

static void test_unknown_settings(void)
{
	test_config_refused(T_HEAD "nodez = ();\n", 8,
			    "nodez is an unknown setting of the configuration "
			    "(expected one of: server, policy, profiles, pods, "
			    "nodes, tokens, monitoring, alerts)");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; mac = \"" MAC1 "\";\n"
			    "    pod = \"a\"; adress = \"192.0.2.9\"; }\n);\n",
			    13, "nodes[0].adress is an unknown setting of a node");
	test_config_refused("server = {\n"
			    "  base_url = \"https://h\"; tls_crt = \"x\";\n"
			    "};\n", 2,
			    "server.tls_crt is an unknown setting of the server");
	test_config_refused("server = { base_url = \"https://h\"; " T_PATHS
			    "\n  data_dir = \"d\"; limits = {\n"
			    "    max_upload = 5; }; };\n", 3,
			    "server.limits.max_upload is an unknown setting");
	test_config_refused(T_HEAD "pods = ( { name = \"a\"; profile = \"p\";\n"
			    "  provisioning = { cidr = \"192.0.2.0/24\";\n"
			    "    gw = \"192.0.2.1\"; };\n"
			    "  management = { cidr = \"10.0.0.0/8\"; }; } );\n",
			    10, "pods[0].provisioning.gw is an unknown setting "
			    "of a network");
	test_config_refused(T_HEAD "policy = { unknwon = \"ignore\"; };\n", 8,
			    "policy.unknwon is an unknown setting");
}

static void test_missing_and_types(void)
{
	test_config_refused("\n# nothing\n", 1, "server is missing");
	test_config_refused("server = {\n  tls_cert = \"t\";\n};\n", 1,
			    "server.base_url is missing (expected a URL");
	test_config_refused(T_HEAD "pods = ( { name = \"a\";\n"
			    "  provisioning = { cidr = \"192.0.2.0/24\"; }; "
			    "management = { cidr = \"10.0.0.0/8\"; }; } );\n",
			    8, "pods[0].profile is missing");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; pod = \"a\"; }\n);\n", 12,
			    "nodes[0].mac is missing");
	test_config_refused("server = { base_url = \"https://h\";\n"
			    "  port = \"8443\"; };\n", 2,
			    "server.port is not an integer (expected 1 to 65535)");
	test_config_refused("server = { base_url = \"https://h\";\n"
			    "  port = 8443.0; };\n", 2,
			    "server.port is not an integer");
	test_config_refused("server = { base_url = 8443; };\n", 1,
			    "server.base_url is not a string");
	test_config_refused(T_HEAD T_POD T_NODES "  \"n1\", \"n2\"\n);\n", 12,
			    "nodes[0] is not a group (expected { ... } for a "
			    "node)");
	test_config_refused(T_HEAD "nodes = { };\n", 8,
			    "nodes is not a list");
	test_config_refused(T_HEAD "policy = \"discover\";\n", 8,
			    "policy is not a group");
	test_config_refused(T_HEAD "policy = { unknown = \"boot\"; };\n", 8,
			    "policy.unknown \"boot\" is not a policy (expected "
			    "\"ignore\" or \"discover\")");
	test_config_refused(T_HEAD "pods = ( { name = \"a\"; profile = \"p\";\n"
			    "  allow_unverified = 1;\n"
			    "  provisioning = { cidr = \"192.0.2.0/24\"; }; "
			    "management = { cidr = \"10.0.0.0/8\"; }; } );\n",
			    9, "pods[0].allow_unverified is not a boolean");
}

static void test_numbers(void)
{
	static const struct {
		const char *setting;
		const char *needle;
	} cases[] = {
		{ "port = 0;", "server.port 0 is out of range (expected 1 to "
			       "65535)" },
		{ "port = 65536;", "server.port 65536 is out of range" },
		{ "port = -1;", "server.port -1 is out of range" },
		{ "plain_port = 70000;", "server.plain_port 70000 is out of" },
		{ "plain_port = 8443;", "server.plain_port 8443 is also "
					"server.port" },
		{ "plain_port = 8080;", "server.plain_port 8080 needs server.plain_base_url" },
		{ "plain_port = 8080; plain_base_url = \"https://a:1\";",
		  "is not an http:// URL" },
		{ "limits = { max_upload_mb = 0; };", "max_upload_mb 0 is out" },
		{ "limits = { max_upload_mb = 1048577; };",
		  "server.limits.max_upload_mb 1048577 is out of range "
		  "(expected 1 to 1048576)" },
		{ "limits = { max_connections = 100001; };",
		  "max_connections 100001 is out" },
		{ "limits = { timeout_s = 3601; };", "timeout_s 3601 is out" },
		{ "limits = { keep_versions = 0; };", "keep_versions 0 is out" },
		{ "limits = { threads = 65; };", "threads 65 is out" },
		{ "limits = { threads = 5000000000L; };", "threads 5000000000 is" },
		/* libconfig 1.5 reads this as 8443 (it wraps at 32 bits). */
		{ "port = 4294975739;", "number is too large" },
		{ "port = 0x100000001;", "number is too large" },
	};
	char text[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
			 "server = { base_url = \"https://h\";\n"
			 "  " T_PATHS "data_dir = \"d\";\n"
			 "  %s\n};\n", cases[i].setting);
		test_config_refused(text, 3, cases[i].needle);
	}
	/* A big number in a comment or string is not a number. */
	{
		struct config *cfg = test_config_ok("comment.conf", T_HEAD
			"# port = 4294975739;\n"
			"/* 99999999999 */ // 99999999999\n"
			"pods = ( { name = \"a\"; profile = \"p\"; "
			"site = \"rack 99999999999\";\n"
			"  provisioning = { cidr = \"192.0.2.0/24\"; };\n"
			"  management = { cidr = \"10.0.0.0/8\"; }; } );\n");

		CU_ASSERT_STRING_EQUAL(cfg->pods[0].site, "rack 99999999999");
		config_free(cfg);
	}
}

static void test_bad_values(void)
{
	char site[512], text[1024];

	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; pod = \"a\";\n"
			    "    mac = \"52:54:zz:00:00:01\"; }\n);\n", 13,
			    "nodes[0].mac \"52:54:zz:00:00:01\" is not a MAC "
			    "address (expected aa:bb:cc:dd:ee:ff)");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; pod = \"a\";\n"
			    "    mac = \"00:00:00:00:00:00\"; }\n);\n", 13,
			    "is a placeholder");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; pod = \"a\"; mac = \"" MAC1
			    "\";\n    uuid = \"00000000-0000-0000-0000-"
			    "000000000000\"; }\n);\n", 13, "is a placeholder");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; pod = \"a\"; mac = \"" MAC1
			    "\";\n    uuid = \"not-a-uuid\"; }\n);\n", 13,
			    "nodes[0].uuid \"not-a-uuid\" is not a UUID");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; pod = \"a\"; mac = \"" MAC1
			    "\";\n    serial = \"../../x\"; }\n);\n", 13,
			    "nodes[0].serial \"../../x\" is not a serial number");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"N1\"; pod = \"a\"; mac = \"" MAC1
			    "\"; }\n);\n", 12,
			    "nodes[0].hostname \"N1\" is not a valid hostname");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"mac-525400000001\"; pod = \"a\"; "
			    "mac = \"" MAC1 "\"; }\n);\n", 12,
			    "nodes[0].hostname \"mac-525400000001\" is not a "
			    "valid hostname");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; pod = \"a\"; mac = \"" MAC1
			    "\";\n    address = \"198.51.100.300\"; }\n);\n", 13,
			    "nodes[0].address \"198.51.100.300\" is not an IP "
			    "address");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; mac = \"" MAC1 "\";\n"
			    "    pod = \"b\"; }\n);\n", 13,
			    "nodes[0].pod \"b\" is not a pod");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; mac = \"" MAC1 "\";\n"
			    "    pod = \"a\"; profile = \"x\"; }\n);\n", 13,
			    "nodes[0].profile \"x\" is not a profile");
	test_config_refused(T_HEAD "pods = ( { name = \"a\";\n"
			    "  profile = \"nope\";\n"
			    "  provisioning = { cidr = \"192.0.2.0/24\"; }; "
			    "management = { cidr = \"10.0.0.0/8\"; }; } );\n",
			    9, "pods[0].profile \"nope\" is not a profile");
	test_config_refused(T_SERVER1 "profiles = ( { name = \"p\"; initrd = \"i\";\n"
			    "  kernel = \"../vmlinuz\"; kickstart = \"k\"; } );\n",
			    3, "profiles[0].kernel \"../vmlinuz\" is not an "
			    "artifact name");
	test_config_refused(T_SERVER1 "profiles = ( { name = \"p\"; kernel = \"k\";\n"
			    "  initrd = \"a//b\"; kickstart = \"k\"; } );\n",
			    3, "profiles[0].initrd \"a//b\" is not an artifact");
	test_config_refused("server = { base_url = \"https://h\"; " T_PATHS
			    "\n  data_dir = \"\"; };\n", 2,
			    "server.data_dir is empty");
	test_config_refused("server = { listen = \"localhost\";\n"
			    "  base_url = \"https://h\"; };\n", 1,
			    "server.listen \"localhost\" is not an IP address");
	test_config_refused(T_HEAD "profiles2 = 1;\n", 8, "unknown setting");

	/* Overlong strings are refused, never cut short. */
	memset(site, 's', 200);
	site[200] = '\0';
	snprintf(text, sizeof(text), T_HEAD "pods = ( { name = \"a\";\n"
		 "  site = \"%s\"; profile = \"p\";\n"
		 "  provisioning = { cidr = \"192.0.2.0/24\"; }; "
		 "management = { cidr = \"10.0.0.0/8\"; }; } );\n", site);
	test_config_refused(text, 9,
			    "pods[0].site is 200 bytes long (at most 127)");
	/* So are control characters: a newline in a cmdline is a second
	 * boot script command. */
	test_config_refused(T_SERVER1 "profiles = ( { name = \"p\"; kernel = \"k\";\n"
			    "  initrd = \"i\"; kickstart = \"k\";\n"
			    "  cmdline = \"quiet\\nshell\"; } );\n", 4,
			    "profiles[0].cmdline holds a control character");
	test_config_refused("server = { base_url = \"https://h\";\n"
			    "  data_dir = \"a\\x00b\"; };\n", 2,
			    "\\x00");
}

static void test_base_url(void)
{
	static const char *const bad[] = {
		"ftp://h", "https://", "https:///x", "h:8443", "HTTPS://h",
		"https://user@h", "https://h?x=1", "https://h#f",
		"https://h:0", "https://h:65536", "https://h:08443",
		"https://h:", "https://h/a b", "https://h/${x}", "https://-h",
		"https://[::1", "https://[zz]", "https://h/a\\\"b",
		"https://h:123456",
	};
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "server = {\n  base_url = \"%s\"; };\n", bad[i]);
		test_config_refused(text, 2, "is not a base URL");
	}
}

static void test_networks(void)
{
	static const struct {
		const char *net;
		const char *needle;
	} cases[] = {
		{ "cidr = \"192.0.2.0/33\";", "\"192.0.2.0/33\" is not a network" },
		{ "cidr = \"192.0.2.0\";", "is not a network" },
		{ "cidr = \"192.0.2.0/\";", "is not a network" },
		{ "cidr = \"192.0.2.0/024\";", "is not a network" },
		{ "cidr = \"192.0.2.0/-1\";", "is not a network" },
		{ "cidr = \"192.0.2.0/24 \";", "is not a network" },
		{ "cidr = \"192.0.2/24\";", "is not a network" },
		{ "cidr = \"300.0.2.0/24\";", "is not a network" },
		{ "cidr = \"2001:db8::/129\";", "is not a network" },
		{ "cidr = \"/24\";", "is not a network" },
		{ "cidr = \"192.0.2.1/24\";",
		  "\"192.0.2.1/24\" has host bits set (expected 192.0.2.0/24)" },
		{ "cidr = \"2001:db8::1/64\";", "(expected 2001:db8::/64)" },
		{ "cidr = \"192.0.2.0/24\"; vlan = 4095;",
		  "pods[0].management.vlan 4095 is out of range (expected 0 to "
		  "4094)" },
		{ "cidr = \"192.0.2.0/24\"; vlan = -1;", "vlan -1 is out" },
		{ "cidr = \"192.0.2.0/24\"; gateway = \"2001:db8::1\";",
		  "pods[0].management.gateway \"2001:db8::1\" is not an IPv4 "
		  "address like the network 192.0.2.0/24" },
		{ "cidr = \"192.0.2.0/24\"; gateway = \"gw\";",
		  "gateway \"gw\" is not an IP address" },
		{ "cidr = \"192.0.2.0/24\"; dns = [ \"1.1.1.1\", \"ns1\" ];",
		  "pods[0].management.dns[1] \"ns1\" is not an IP address" },
		{ "cidr = \"192.0.2.0/24\"; dns = [ \"1.1.1.1\", \"1.1.1.2\", "
		  "\"1.1.1.3\", \"1.1.1.4\", \"1.1.1.5\" ];",
		  "dns has 5 entries (at most 4)" },
		{ "cidr = \"192.0.2.0/24\"; dns = \"1.1.1.1\";",
		  "dns is not an array" },
		{ "vlan = 5;", "pods[0].management.cidr is missing" },
	};
	char text[1024];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
			 T_HEAD "pods = ( { name = \"a\"; profile = \"p\";\n"
			 "  provisioning = { cidr = \"192.0.2.0/24\"; };\n"
			 "  management = {\n    %s }; } );\n",
			 cases[i].net);
		/* A missing setting is reported at its group's line. */
		test_config_refused(text, strstr(cases[i].needle, "missing") ?
					  10 : 11, cases[i].needle);
	}
	test_config_refused(T_HEAD "pods = ( { name = \"a\"; profile = \"p\";\n"
			    "  provisioning = { cidr = \"192.0.2.0/24\"; }; }"
			    " );\n", 8, "pods[0].management is missing");
}

/* boot_from: networks a pod's boot requests may come from. */
static void test_boot_from(void)
{
	struct config *cfg;
	const struct config_pod *pod;

	cfg = test_config_ok("bf.conf", T_HEAD
			     "pods = ( { name = \"a\"; profile = \"p\";\n"
			     "  provisioning = { cidr = \"192.0.2.0/24\"; };\n"
			     "  management = { cidr = \"198.51.100.0/24\"; };\n"
			     "  boot_from = [ \"192.0.2.0/24\", \"203.0.113.7/32\","
			     " \"2001:db8:1::/48\" ]; },\n"
			     " { name = \"b\"; profile = \"p\";\n"
			     "  provisioning = { cidr = \"192.0.2.0/24\"; };\n"
			     "  management = { cidr = \"198.51.100.0/24\"; }; } );\n");
	pod = &cfg->pods[0];
	CU_ASSERT_EQUAL(pod->n_boot_from, 3);
	CU_ASSERT(config_pod_boot_allowed(pod, "192.0.2.200"));
	CU_ASSERT(config_pod_boot_allowed(pod, "203.0.113.7"));
	CU_ASSERT(config_pod_boot_allowed(pod, "::ffff:192.0.2.9"));
	CU_ASSERT(config_pod_boot_allowed(pod, "2001:db8:1:ffff::1"));
	CU_ASSERT(!config_pod_boot_allowed(pod, "192.0.3.1"));
	CU_ASSERT(!config_pod_boot_allowed(pod, "203.0.113.8"));
	CU_ASSERT(!config_pod_boot_allowed(pod, "::ffff:203.0.113.8"));
	CU_ASSERT(!config_pod_boot_allowed(pod, "2001:db8:2::1"));
	CU_ASSERT(!config_pod_boot_allowed(pod, "?"));
	CU_ASSERT(!config_pod_boot_allowed(pod, "127.0.0.1"));
	/* No list: any address. */
	CU_ASSERT_EQUAL(cfg->pods[1].n_boot_from, 0);
	CU_ASSERT(config_pod_boot_allowed(&cfg->pods[1], "127.0.0.1"));
	config_free(cfg);
	test_config_refused(T_HEAD "pods = ( { name = \"a\"; profile = \"p\";\n"
			    "  provisioning = { cidr = \"192.0.2.0/24\"; };\n"
			    "  management = { cidr = \"198.51.100.0/24\"; };\n"
			    "  boot_from = [ \"192.0.2.1/24\" ]; } );\n", 11,
			    "pods[0].boot_from[0] \"192.0.2.1/24\" is not a "
			    "network without host bits");
	test_config_refused(T_HEAD "pods = ( { name = \"a\"; profile = \"p\";\n"
			    "  provisioning = { cidr = \"192.0.2.0/24\"; };\n"
			    "  management = { cidr = \"198.51.100.0/24\"; };\n"
			    "  boot_from = \"192.0.2.0/24\"; } );\n", 11,
			    "boot_from is not an array");
}

static void test_duplicates(void)
{
	/* The second occurrence is named, with the first's line. */
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; pod = \"a\"; mac = \"" MAC1
			    "\"; },\n"
			    "  { hostname = \"n2\"; pod = \"a\";\n"
			    "    mac = \"52-54-00-00-00-01\"; }\n);\n", 14,
			    "nodes[1].mac \"" MAC1 "\" is a duplicate (first "
			    "used at line 12)");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; pod = \"a\"; mac = \"" MAC1
			    "\"; },\n"
			    "  { hostname = \"n1\"; pod = \"a\";\n"
			    "    mac = \"52:54:00:00:00:02\"; }\n);\n", 13,
			    "nodes[1].hostname \"n1\" is a duplicate");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; pod = \"a\"; mac = \"" MAC1
			    "\"; uuid = \"" UUID1 "\"; },\n"
			    "  { hostname = \"n2\"; pod = \"a\";\n"
			    "    mac = \"52:54:00:00:00:02\";\n"
			    "    uuid = \"0123ABCD-4567-89ab-cdef-0123456789ab\";"
			    " }\n);\n", 15,
			    "nodes[1].uuid \"" UUID1 "\" is a duplicate (first "
			    "used at line 12)");
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"n1\"; pod = \"a\"; mac = \"" MAC1
			    "\"; serial = \"S1\"; },\n"
			    "  { hostname = \"n2\"; pod = \"a\";\n"
			    "    mac = \"52:54:00:00:00:02\";\n"
			    "    serial = \"S1\"; }\n);\n", 15,
			    "nodes[1].serial \"S1\" is a duplicate");
	/* Reported where it first repeats in the file, not by sort order. */
	test_config_refused(T_HEAD T_POD T_NODES
			    "  { hostname = \"z\"; pod = \"a\"; mac = \"" MAC1
			    "\"; },\n"
			    "  { hostname = \"b\"; pod = \"a\"; mac = "
			    "\"52:54:00:00:00:02\"; },\n"
			    "  { hostname = \"z\"; pod = \"a\"; mac = "
			    "\"52:54:00:00:00:03\"; },\n"
			    "  { hostname = \"b\"; pod = \"a\"; mac = "
			    "\"52:54:00:00:00:04\"; }\n);\n", 14,
			    "nodes[2].hostname \"z\" is a duplicate");
	test_config_refused(T_HEAD "pods = (\n"
			    "  { name = \"a\"; profile = \"p\";\n"
			    "    provisioning = { cidr = \"10.0.0.0/8\"; };\n"
			    "    management = { cidr = \"10.0.0.0/8\"; }; },\n"
			    "  { name = \"a\"; profile = \"p\";\n"
			    "    provisioning = { cidr = \"10.0.0.0/8\"; };\n"
			    "    management = { cidr = \"10.0.0.0/8\"; }; } );\n",
			    12, "pods[1].name \"a\" is a duplicate (first used "
			    "at line 9)");
	test_config_refused(T_SERVER1 "profiles = (\n"
			    "  { name = \"p\"; kernel = \"k\"; initrd = \"i\"; "
			    "kickstart = \"k\"; },\n"
			    "  { name = \"p\"; kernel = \"k\"; initrd = \"i\"; "
			    "kickstart = \"k\"; } );\n", 4,
			    "profiles[1].name \"p\" is a duplicate");
}

static void test_token_refusals(void)
{
	static const struct {
		const char *token;
		const char *needle;
	} cases[] = {
		{ "name = \"t\"; sha256 = \"abc\"; scopes = [];",
		  "tokens[0].sha256 is not a SHA-256 hash (expected exactly 64 "
		  "hex digits)" },
		{ "name = \"t\"; sha256 = \"0ee94816ea4a50a171ceede725b63afcf14b5b"
		  "0886a1b1078da1eb52fde2e7ecc\"; scopes = [];",
		  "is not a SHA-256 hash" },
		{ "name = \"t\"; sha256 = \"0ee94816ea4a50a171ceede725b63afcf14b5b"
		  "0886a1b1078da1eb52fde2e7eg\"; scopes = [];",
		  "is not a SHA-256 hash" },
		{ "name = \"t\"; sha256 = \"e3b0c44298fc1c149afbf4c8996fb92427ae4"
		  "1e4649b934ca495991b7852b855\"; scopes = [];",
		  "hash of an empty secret" },
		{ "name = \"t\"; sha256 = \"" CI_SECRET "\"; scopes = [];",
		  "tokens[0].sha256 holds a token secret, not its hash" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\"; scopes = [ \"admin\" ];",
		  "tokens[0].scopes[0] \"admin\" is not a scope (expected rearm, "
		  "status, push, relay, upload:*, upload:PREFIX* or upload:NAME)" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";\n"
		  " scopes = [ \"status\", \"upload:../x\" ];",
		  "tokens[0].scopes[1] \"upload:../x\" is not a scope" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";\n"
		  " scopes = [ \"status\", \"upload:a/../b*\" ];",
		  "\"upload:a/../b*\" is not a scope" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";\n"
		  " scopes = [ \"status\", \"upload:**\" ];",
		  "\"upload:**\" is not a scope" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";\n"
		  " scopes = [ \"status\", \"upload:\" ];",
		  "\"upload:\" is not a scope" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";\n"
		  " scopes = [ \"status\", \"upload:a*b\" ];",
		  "\"upload:a*b\" is not a scope" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";\n"
		  " scopes = [ \"status\", \"Rearm\" ];",
		  "\"Rearm\" is not a scope" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";\n"
		  " scopes = [ \"status\", \"upload:/etc*\" ];",
		  "\"upload:/etc*\" is not a scope" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";\n scopes = \"status\";",
		  "tokens[0].scopes is not an array" },
		{ "name = \"t\"; sha256 = \"" SHA_OK "\";",
		  "tokens[0].scopes is missing" },
	};
	char text[1024];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), T_HEAD "tokens = (\n  {\n %s } );\n",
			 cases[i].token);
		/* A missing setting is reported at its group's line. */
		test_config_refused(text, strstr(cases[i].needle, "missing") ?
					  9 : strchr(cases[i].token, '\n') ?
					  11 : 10, cases[i].needle);
	}
	/* The secret pasted by mistake is never quoted back. */
	{
		char err[CONFIG_ERR_MAX], path[PATH_MAX];
		struct config *cfg = NULL;

		snprintf(text, sizeof(text), T_HEAD "tokens = ( { name = \"t\";"
			 " sha256 = \"%s\"; scopes = []; } );\n", CI_SECRET);
		test_config_write("secret.conf", text, path, sizeof(path));
		CU_ASSERT_EQUAL(config_load(path, &cfg, err, sizeof(err)),
				-PB_ECONFIG);
		CU_ASSERT_PTR_NULL(strstr(err, CI_SECRET + 4));
	}
	test_config_refused(T_HEAD "tokens = (\n"
			    "  { name = \"a\"; sha256 = \"" SHA_OK "\"; "
			    "scopes = []; },\n"
			    "  { name = \"b\";\n    sha256 = \"" SHA_OK_UPPER "\";"
			    " scopes = []; } );\n", 11,
			    "tokens[1].sha256 \"" SHA_OK "\" is a duplicate "
			    "(first used at line 9)");
	test_config_refused(T_HEAD "tokens = (\n"
			    "  { name = \"a\"; sha256 = \"" SHA_OK "\"; "
			    "scopes = []; },\n"
			    "  { name = \"a\"; sha256 = \"" SHA_OK2 "\"; "
			    "scopes = []; } );\n", 10,
			    "tokens[1].name \"a\" is a duplicate");
}

static void test_file_errors(void)
{
	char path[PATH_MAX], err[CONFIG_ERR_MAX];
	struct config *cfg = (struct config *)1;
	static const char nul[] = "server = {\n\n  base_url = \"a\0b\"; };\n";

	/* libconfig's own message for a syntax error, at its line.  (Not
	 * one right after a string: libconfig 1.5 leaks that string.) */
	test_config_refused(T_HEAD "pods = (\n  { name = ; }\n);\n", 9,
			    "syntax error");
	test_config_refused("server = {\n  port = 1;;\n", 2, "syntax error");
	test_config_refused("server = { base_url = \"https://h\"; };\n"
			    "@include \"/etc/passwd\"\n", 2,
			    "@include is not supported");

	test_config_path("nul.conf", path, sizeof(path));
	CU_ASSERT_EQUAL_FATAL(fileio_write(path, nul, sizeof(nul) - 1, 0644,
					   0), 0);
	CU_ASSERT_EQUAL(config_load(path, &cfg, err, sizeof(err)), -PB_ECONFIG);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":3: holds a NUL byte"));

	test_config_path("absent.conf", path, sizeof(path));
	cfg = (struct config *)1;
	CU_ASSERT_EQUAL(config_load(path, &cfg, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_EQUAL(strncmp(err, path, strlen(path)), 0);
	CU_ASSERT_EQUAL(config_load(unit_tmpdir(), &cfg, err, sizeof(err)),
			-EINVAL);
	/* A tiny error buffer is cut short, never overrun. */
	test_config_write("bad.conf", "nodez = 1;\n", path, sizeof(path));
	CU_ASSERT_EQUAL(config_load(path, &cfg, err, 8), -PB_ECONFIG);
	CU_ASSERT_EQUAL(strlen(err), 7);
	CU_ASSERT_EQUAL(config_load(path, &cfg, NULL, 0), -PB_ECONFIG);
	config_free(NULL);
}

/* ---- Lookups over many nodes ---- */

#define N_MANY 10000

/* Node @j of the generated configuration. */
static void test_many_ids(unsigned int j, char mac[18], char uuid[37],
			  char serial[16], char host[16])
{
	snprintf(mac, 18, "52:54:%02x:%02x:%02x:%02x", (j >> 24) & 0xff,
		 (j >> 16) & 0xff, (j >> 8) & 0xff, j & 0xff);
	snprintf(uuid, 37, "%08x-1111-4222-8333-%012x", j * 2654435761u,
		 j + 1);
	snprintf(serial, 16, "SN%05u", j);
	snprintf(host, 16, "node-%05u", j);
}

static void test_many_nodes(void)
{
	char mac[18], uuid[37], serial[16], host[16], upper[37];
	const struct config_node *n;
	struct config *cfg;
	size_t size = N_MANY * 200 + 1024, len, i, k;
	unsigned int j;
	char *text;

	text = malloc(size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	len = (size_t)snprintf(text, size, "%s%s%s", T_HEAD, T_POD,
			       "nodes = (\n");
	for (i = 0; i < N_MANY; i++) {
		/* A permutation, so the file is not in MAC order. */
		j = (unsigned int)((i * 7919) % N_MANY);
		test_many_ids(j, mac, uuid, serial, host);
		if (j % 2) {
			/* Half in the dashed upper-case form. */
			for (k = 0; mac[k]; k++)
				mac[k] = mac[k] == ':' ? '-' :
					 (char)(mac[k] >= 'a' ? mac[k] - 32 :
								 mac[k]);
		}
		len += (size_t)snprintf(text + len, size - len,
			"  { hostname = \"%s\"; mac = \"%s\"; uuid = \"%s\";\n"
			"    serial = \"%s\"; pod = \"a\"; }%s\n",
			host, mac, uuid, serial, i + 1 < N_MANY ? "," : "");
		CU_ASSERT_FATAL(len < size);
	}
	snprintf(text + len, size - len, ");\n");
	cfg = test_config_ok("many.conf", text);
	free(text);

	CU_ASSERT_EQUAL_FATAL(cfg->n_nodes, N_MANY);
	for (i = 1; i < cfg->n_nodes; i++)
		CU_ASSERT_FATAL(strcmp(cfg->nodes[i - 1].mac,
				       cfg->nodes[i].mac) < 0);
	for (j = 0; j < N_MANY; j++) {
		test_many_ids(j, mac, uuid, serial, host);
		n = config_node_by_mac(cfg, mac);
		CU_ASSERT_PTR_NOT_NULL_FATAL(n);
		CU_ASSERT_STRING_EQUAL(n->hostname, host);
		CU_ASSERT_PTR_EQUAL(n->profile, &cfg->profiles[0]);
		if (j % 97)
			continue;
		for (k = 0; k < 37; k++)
			upper[k] = (char)(uuid[k] >= 'a' ? uuid[k] - 32 :
							   uuid[k]);
		CU_ASSERT_PTR_EQUAL(config_node_by_uuid(cfg, upper), n);
		CU_ASSERT_PTR_EQUAL(config_node_by_serial(cfg, serial), n);
		CU_ASSERT_PTR_EQUAL(config_node_by_id(cfg, host), n);
	}
	/* Missing ones, and hostile input. */
	test_many_ids(N_MANY, mac, uuid, serial, host);
	CU_ASSERT_PTR_NULL(config_node_by_mac(cfg, mac));
	CU_ASSERT_PTR_NULL(config_node_by_mac(cfg, "00:00:00:00:00:00"));
	CU_ASSERT_PTR_NULL(config_node_by_mac(cfg, "ff:ff:ff:ff:ff:ff"));
	CU_ASSERT_PTR_NULL(config_node_by_uuid(cfg, uuid));
	CU_ASSERT_PTR_NULL(config_node_by_serial(cfg, serial));
	CU_ASSERT_PTR_NULL(config_node_by_id(cfg, host));
	CU_ASSERT_PTR_NULL(config_node_by_mac(cfg, "52:54:00:00:00"));
	CU_ASSERT_PTR_NULL(config_node_by_mac(cfg, NULL));
	CU_ASSERT_PTR_NULL(config_node_by_uuid(cfg, "x"));
	CU_ASSERT_PTR_NULL(config_node_by_uuid(cfg, NULL));
	CU_ASSERT_PTR_NULL(config_node_by_serial(cfg, ""));
	CU_ASSERT_PTR_NULL(config_node_by_serial(cfg, NULL));
	CU_ASSERT_PTR_NULL(config_node_by_id(cfg, "../node-00001"));
	CU_ASSERT_PTR_NULL(config_node_by_id(cfg, "NODE-00001"));
	CU_ASSERT_PTR_NULL(config_node_by_id(cfg, NULL));
	CU_ASSERT_PTR_NULL(config_node_by_mac(NULL, MAC1));
	CU_ASSERT_PTR_NULL(config_pod_by_name(cfg, NULL));
	CU_ASSERT_PTR_NULL(config_pod_by_name(NULL, "a"));
	config_free(cfg);
}

/* ---- Tokens ---- */

/* Monitoring defaults, alert rules parsed, and each refusal at its line. */
static void test_alerts(void)
{
	struct config *cfg;
	const struct config_alert *a;

	cfg = test_config_ok("mon0.conf", T_HEAD);
	CU_ASSERT_EQUAL(cfg->down_after, 3);
	CU_ASSERT_EQUAL(cfg->max_series_node, 10000);
	CU_ASSERT_EQUAL(cfg->max_push, 8192ULL << 10);
	CU_ASSERT_EQUAL(cfg->n_alertmanagers, 0);
	config_free(cfg);
	cfg = test_config_ok(
		"mon.conf",
		T_HEAD "monitoring = { down_after = 5; alertmanagers = [ "
		       "\"http://127.0.0.1:9093\", \"https://am.example:9093\" ]; };\n"
		       "alerts = ( { name = \"DiskFull\"; expr = "
		       "\"node_filesystem_avail_bytes{mountpoint=\\\"/\\\", "
		       "fstype=\\\"ext4\\\"} < 1e9\"; for = 300;\n"
		       "  labels = { severity = \"critical\"; };\n"
		       "  annotations = { summary = \"{{node}} is full\"; "
		       "runbook = \"x\"; }; },\n"
		       "  { name = \"Load\"; expr = \"node_load1>=4\"; } );\n");
	CU_ASSERT_EQUAL_FATAL(cfg->n_alerts, 2);
	a = &cfg->alerts[0];
	CU_ASSERT_EQUAL(cfg->down_after, 5);
	CU_ASSERT_EQUAL(cfg->n_alertmanagers, 2);
	CU_ASSERT_STRING_EQUAL(a->metric, "node_filesystem_avail_bytes");
	CU_ASSERT_EQUAL(a->n_match, 2);
	CU_ASSERT_STRING_EQUAL(a->match[1].name, "fstype");
	CU_ASSERT_STRING_EQUAL(a->match[1].value, "ext4");
	CU_ASSERT_EQUAL(a->op, CONFIG_LT);
	CU_ASSERT_DOUBLE_EQUAL(a->threshold, 1e9, 0.5);
	CU_ASSERT_EQUAL(a->for_s, 300);
	CU_ASSERT_EQUAL(a->n_labels, 1);
	CU_ASSERT_EQUAL(a->n_annotations, 2);
	CU_ASSERT_STRING_EQUAL(a->annotations[1].name, "runbook");
	CU_ASSERT_EQUAL(cfg->alerts[1].op, CONFIG_GE);
	config_free(cfg);

	test_config_refused(T_HEAD "alerts = ( { name = \"A\"; "
				   "expr = \"node_load1 ~ 4\"; } );\n",
			    8, "is not an alert expression");
	test_config_refused(T_HEAD "alerts = ( { name = \"A\"; "
				   "expr = \"9bad > 4\"; } );\n",
			    8, "is not an alert expression");
	test_config_refused(T_HEAD "alerts = ( { name = \"A\"; "
				   "expr = \"x > 4 junk\"; } );\n",
			    8, "is not an alert expression");
	test_config_refused(T_HEAD "alerts = ( { name = \"bad-name\"; "
				   "expr = \"x > 4\"; } );\n",
			    8, "is not an alert name");
	test_config_refused(T_HEAD "alerts = ( { name = \"A\"; expr = \"x > 1\"; },\n"
				   " { name = \"A\"; expr = \"y > 1\"; } );\n",
			    9, "is a duplicate");
	test_config_refused(T_HEAD "monitoring = { alertmanagers = "
				   "[ \"ftp://x\" ]; };\n",
			    8, "is not an Alertmanager URL");
	test_config_refused(T_HEAD "monitoring = { down_after = 1; };\n", 8,
			    "down_after");
}

static void test_tokens(void)
{
	static const char *const secrets[] = {
		"secret-one", "secret-two", "secret-three", "secret-four",
	};
	/* What each token (by position) is granted. */
	static const struct {
		size_t token;
		const char *scope;
		int granted;
	} allows[] = {
		/* 0: the prefix "upload:el9/" and "status". */
		{ 0, "upload:el9/vmlinuz", 1 },
		{ 0, "upload:el9/x86_64/initrd.img", 1 },
		{ 0, "status", 1 },
		{ 0, "upload:el9", 0 },
		{ 0, "upload:el10/vmlinuz", 0 },
		{ 0, "upload:el9/../el10/vmlinuz", 0 },
		{ 0, "upload:el9//x", 0 },
		{ 0, "upload:el9/*", 0 },
		{ 0, "upload:el9/", 0 },
		{ 0, "rearm", 0 },
		/* 1: exactly "upload:exact.img". */
		{ 1, "upload:exact.img", 1 },
		{ 1, "upload:exact.img2", 0 },
		{ 1, "upload:exact", 0 },
		{ 1, "upload:exact.img/x", 0 },
		{ 1, "status", 0 },
		/* 2: "rearm" and any upload, of valid names only. */
		{ 2, "upload:anything/at-all.img", 1 },
		{ 2, "rearm", 1 },
		{ 2, "status", 0 },
		{ 2, "upload:", 0 },
		{ 2, "upload:*", 0 },
		{ 2, "upload:../../etc/passwd", 0 },
		{ 2, "upload:/etc/passwd", 0 },
		{ 2, "admin", 0 },
		{ 2, "rearm ", 0 },
		{ 2, "", 0 },
		/* 3: the prefix "upload:demo-" is text, not a directory. */
		{ 3, "upload:demo-vmlinuz", 1 },
		{ 3, "upload:demo-/x", 1 },
		{ 3, "upload:demo/vmlinuz", 0 },
	};
	char hashes[4][TOKEN_HASH_SIZE], text[2048];
	const struct config_token *t1, *t2, *t3, *t4, *tok;
	struct config_token forged;
	struct config *cfg;
	size_t i;

	for (i = 0; i < 4; i++)
		token_hash(secrets[i], hashes[i]);
	snprintf(text, sizeof(text), T_HEAD "tokens = (\n"
		 "  { name = \"builder\"; sha256 = \"%s\";\n"
		 "    scopes = [ \"upload:el9/*\", \"status\" ]; },\n"
		 "  { name = \"exact\"; sha256 = \"%s\";\n"
		 "    scopes = [ \"upload:exact.img\" ]; },\n"
		 "  { name = \"admin\"; sha256 = \"%s\";\n"
		 "    scopes = [ \"rearm\", \"upload:*\" ]; },\n"
		 "  { name = \"dash\"; sha256 = \"%s\";\n"
		 "    scopes = [ \"upload:demo-*\" ]; }\n);\n",
		 hashes[0], hashes[1], hashes[2], hashes[3]);
	cfg = test_config_ok("tokens.conf", text);
	CU_ASSERT_EQUAL_FATAL(cfg->n_tokens, 4);

	/* Every token found by its own secret, wherever it is in the list. */
	t1 = config_token_find(cfg, secrets[0]);
	t2 = config_token_find(cfg, secrets[1]);
	t3 = config_token_find(cfg, secrets[2]);
	t4 = config_token_find(cfg, secrets[3]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t4);
	CU_ASSERT_STRING_EQUAL(t1->name, "builder");
	CU_ASSERT_STRING_EQUAL(t2->name, "exact");
	CU_ASSERT_STRING_EQUAL(t3->name, "admin");
	CU_ASSERT_STRING_EQUAL(t4->name, "dash");
	/* Forgeries: a wrong secret, the stored hash itself, near misses. */
	CU_ASSERT_PTR_NULL(config_token_find(cfg, "secret-five"));
	CU_ASSERT_PTR_NULL(config_token_find(cfg, hashes[0]));
	CU_ASSERT_PTR_NULL(config_token_find(cfg, "secret-one "));
	CU_ASSERT_PTR_NULL(config_token_find(cfg, "Secret-one"));
	CU_ASSERT_PTR_NULL(config_token_find(cfg, ""));
	CU_ASSERT_PTR_NULL(config_token_find(cfg, NULL));
	CU_ASSERT_PTR_NULL(config_token_find(NULL, secrets[0]));

	for (i = 0; i < sizeof(allows) / sizeof(allows[0]); i++) {
		tok = &cfg->tokens[allows[i].token];
		if (config_token_allows(tok, allows[i].scope) !=
		    allows[i].granted)
			fprintf(stderr, "\n    %s with \"%s\": want %d\n",
				tok->name, allows[i].scope, allows[i].granted);
		CU_ASSERT_EQUAL(config_token_allows(tok, allows[i].scope),
				allows[i].granted);
	}
	CU_ASSERT(!config_token_allows(t3, NULL));
	CU_ASSERT(!config_token_allows(NULL, "rearm"));

	/* A model built by hand with a bare "*" grants nothing. */
	memset(&forged, 0, sizeof(forged));
	strcpy(forged.scopes[0], "*");
	strcpy(forged.scopes[1], "upl*");
	forged.n_scopes = 2;
	CU_ASSERT(!config_token_allows(&forged, "upload:x"));
	CU_ASSERT(!config_token_allows(&forged, "rearm"));
	config_free(cfg);
}

static const CU_TestInfo tests[] = {
	{ "test/data/podboot-init.conf is what podboot init writes",
	  test_init_fixture },
	{ "the file podboot init writes", test_init_file },
	{ "defaults and every option", test_defaults_and_options },
	{ "paths relative to the file", test_relative_paths },
	{ "MAC grammar", test_mac },
	{ "UUID grammar", test_uuid },
	{ "serial grammar", test_serial },
	{ "name grammar", test_name },
	{ "artifact name grammar", test_artifact_name },
	{ "unknown settings refused at their line", test_unknown_settings },
	{ "missing settings and wrong types", test_missing_and_types },
	{ "numbers range-checked, never wrapped", test_numbers },
	{ "bad values refused at their line", test_bad_values },
	{ "base_url grammar", test_base_url },
	{ "networks", test_networks },
	{ "boot_from", test_boot_from },
	{ "duplicates", test_duplicates },
	{ "token hashes and scopes refused", test_token_refusals },
	{ "syntax, unreadable and odd files", test_file_errors },
	{ "lookups over 10,000 nodes", test_many_nodes },
	{ "monitoring and alert rules", test_alerts },
	{ "token find and scopes", test_tokens },
	CU_TEST_INFO_NULL,
};

static int suite_config_register(void)
{
	return unit_add_suite("config", NULL, NULL, tests);
}

UNIT_SUITE(suite_config_register)
