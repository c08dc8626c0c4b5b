/* test_config.c: podboot.conf: loading, the file podboot init writes
 * (test/data), defaults, unknown and missing settings, duplicates, odd
 * files; the fixtures the config suites share (test_config.h). */
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
#include "test_config.h"
#include "token.h"
#include "unit.h"

extern char **environ;

/* A path for configuration @name in this run's directory. */
static void test_config_path(const char *name, char *out, size_t size)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/config", unit_tmpdir());
	CU_ASSERT_EQUAL_FATAL(fileio_mkdirs(dir, 0700), 0);
	CU_ASSERT_EQUAL_FATAL(fileio_join(out, size, dir, name), 0);
}

/* Write @text as configuration @name; its path goes to @path. */
void test_config_write(const char *name, const char *text,
		       char *path, size_t size)
{
	test_config_path(name, path, size);
	CU_ASSERT_EQUAL_FATAL(fileio_write(path, text, strlen(text), 0644, 0),
			      0);
}

/* Load @text; it must fail at @line with @needle in the message. */
void test_config_refused(const char *text, unsigned int line,
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
struct config *test_config_ok(const char *name, const char *text)
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
	CU_ASSERT_EQUAL(cfg->tokens[1].n_scopes, 3);
	CU_ASSERT(config_token_allows(&cfg->tokens[0], "upload:demo-vmlinuz"));
	CU_ASSERT(!config_token_allows(&cfg->tokens[0], "rearm"));
	CU_ASSERT(config_token_allows(&cfg->tokens[1], "rearm"));
	CU_ASSERT(config_token_allows(&cfg->tokens[1], "status"));
	CU_ASSERT(config_token_allows(&cfg->tokens[1], "bmc"));
	CU_ASSERT(!config_token_allows(&cfg->tokens[0], "bmc"));
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

/* ---- Refusals, each at its line ---- */

static void test_unknown_settings(void)
{
	test_config_refused(T_HEAD "nodez = ();\n", 8,
			    "nodez is an unknown setting of the configuration "
			    "(expected one of: server, policy, profiles, pods, "
			    "nodes, tokens, monitoring, alerts, dhcp)");
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

static const CU_TestInfo tests[] = {
	{ "test/data/podboot-init.conf is what podboot init writes",
	  test_init_fixture },
	{ "the file podboot init writes", test_init_file },
	{ "defaults and every option", test_defaults_and_options },
	{ "paths relative to the file", test_relative_paths },
	{ "unknown settings refused at their line", test_unknown_settings },
	{ "missing settings and wrong types", test_missing_and_types },
	{ "duplicates", test_duplicates },
	{ "syntax, unreadable and odd files", test_file_errors },
	CU_TEST_INFO_NULL,
};

static int suite_config_register(void)
{
	return unit_add_suite("config", NULL, NULL, tests);
}

UNIT_SUITE(suite_config_register)
