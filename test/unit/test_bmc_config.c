/* test_bmc_config.c: a node's bmc group (config_bmc.c), the password
 * file and the learned fingerprint (bmc_trust.c), and the words of
 * "podboot bmc NODE ..." (bmc_req_parse). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bmc_ops.h"
#include "bmc_trust.h"
#include "config.h"
#include "error.h"
#include "test_config.h"
#include "unit.h"

/* A node n1 (line 12) whose bmc group holds @bmc (line 13). */
#define T_BMC_NODE(bmc) \
	T_HEAD T_POD T_NODES \
	"  { hostname = \"n1\"; mac = \"" MAC1 "\"; pod = \"a\";\n" \
	"    bmc = { " bmc " }; } );\n"

#define T_BMC_OK "url = \"https://192.0.2.10\"; user = \"admin\"; " \
	"password_file = \"bmc.pass\"; "

static void test_bmc_group(void)
{
	struct config *cfg = test_config_ok("bmc.conf", T_BMC_NODE(T_BMC_OK
		"tls_fingerprint = \"AB:" "cdef0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789\";"));
	const struct config_node *n = config_node_by_id(cfg, "n1");

	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n->bmc);
	CU_ASSERT_STRING_EQUAL(n->bmc->url, "https://192.0.2.10");
	CU_ASSERT_STRING_EQUAL(n->bmc->user, "admin");
	/* Relative to the configuration's directory, like every path. */
	CU_ASSERT_EQUAL(n->bmc->password_file[0], '/');
	CU_ASSERT_PTR_NOT_NULL(strstr(n->bmc->password_file, "/bmc.pass"));
	CU_ASSERT_STRING_EQUAL(n->bmc->tls_fingerprint, "abcdef0123456789abcd"
			       "ef0123456789abcdef0123456789abcdef0123456789");
	config_free(cfg);
	/* A node without the group has no BMC. */
	cfg = test_config_ok("nobmc.conf", T_HEAD T_POD T_NODES
			     "  { hostname = \"n1\"; mac = \"" MAC1 "\"; "
			     "pod = \"a\"; } );\n");
	CU_ASSERT_PTR_NULL(config_node_by_id(cfg, "n1")->bmc);
	config_free(cfg);
}

static void test_bmc_refused(void)
{
	test_config_refused(T_BMC_NODE(T_BMC_OK "password = \"hunter2\";"), 13,
			    "is not taken in the configuration");
	test_config_refused(T_BMC_NODE("url = \"http://192.0.2.10\"; user = "
				       "\"admin\"; password_file = \"p\";"), 13,
			    "is not an https:// URL");
	test_config_refused(T_BMC_NODE("url = \"https://192.0.2.10\"; "
				       "password_file = \"p\";"), 13,
			    "user is missing");
	test_config_refused(T_BMC_NODE("url = \"https://192.0.2.10\"; "
				       "user = \"admin\";"), 13,
			    "password_file is missing");
	test_config_refused(T_BMC_NODE(T_BMC_OK "insecure = true;"), 13,
			    "is an unknown setting");
	test_config_refused(T_BMC_NODE("url = \"https://h\"; user = \"a:b\"; "
				       "password_file = \"p\";"), 13,
			    "is not a BMC user name");
	test_config_refused(T_BMC_NODE(T_BMC_OK "tls_fingerprint = \"abc\";"),
			    13, "is not the SHA-256");
	test_config_refused(T_BMC_NODE(T_BMC_OK "tls_ca = \"ca.crt\"; "
				       "tls_fingerprint = \"" SHA_OK "\";"),
			    13, "tls_ca are both given");
}

/* Write @text to @name in the test directory with @mode; its path in
 * @path. */
static void test_bmc_file(const char *name, const char *text, mode_t mode,
			  char *path, size_t size)
{
	int fd;

	snprintf(path, size, "%s/%s", unit_tmpdir(), name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	CU_ASSERT_EQUAL(chmod(path, mode), 0);
}

static void test_password_file(void)
{
	char path[PATH_MAX], link[PATH_MAX], pw[BMC_PASSWORD_MAX], err[512];

	test_bmc_file("pw", "s3cret\n", 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(bmc_trust_password(path, pw, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(pw, "s3cret");
	test_bmc_file("pw-ro", "s3cret", 0400, path, sizeof(path));
	CU_ASSERT_EQUAL(bmc_trust_password(path, pw, err, sizeof(err)), 0);
	/* Group or others may read it: refused, and nothing kept. */
	test_bmc_file("pw-g", "s3cret\n", 0640, path, sizeof(path));
	CU_ASSERT_EQUAL(bmc_trust_password(path, pw, err, sizeof(err)), -EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "group or others"));
	CU_ASSERT_EQUAL(pw[0], '\0');
	test_bmc_file("pw-o", "s3cret\n", 0604, path, sizeof(path));
	CU_ASSERT_EQUAL(bmc_trust_password(path, pw, err, sizeof(err)), -EPERM);
	CU_ASSERT_PTR_NULL(strstr(err, "s3cret"));
	test_bmc_file("pw-empty", "\n", 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(bmc_trust_password(path, pw, err, sizeof(err)), -EINVAL);
	test_bmc_file("pw-two", "a\nb\n", 0600, path, sizeof(path));
	CU_ASSERT_EQUAL(bmc_trust_password(path, pw, err, sizeof(err)), -EINVAL);
	/* A symbolic link is not followed. */
	test_bmc_file("pw-target", "s3cret\n", 0600, path, sizeof(path));
	snprintf(link, sizeof(link), "%s/pw-link", unit_tmpdir());
	unlink(link);
	CU_ASSERT_EQUAL(symlink(path, link), 0);
	CU_ASSERT_NOT_EQUAL(bmc_trust_password(link, pw, err, sizeof(err)), 0);
}

static void test_pin_file(void)
{
	char hex[65], dir[PATH_MAX], path[PATH_MAX + 16];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/pins", unit_tmpdir());
	CU_ASSERT_EQUAL(bmc_trust_pin_load(dir, "n1", hex), -ENOENT);
	CU_ASSERT_EQUAL(bmc_trust_pin_save(dir, "n1", SHA_OK), 0);
	CU_ASSERT_EQUAL(bmc_trust_pin_load(dir, "n1", hex), 0);
	CU_ASSERT_STRING_EQUAL(hex, SHA_OK);
	/* A node id is never a path. */
	CU_ASSERT_EQUAL(bmc_trust_pin_save(dir, "../n1", SHA_OK), -PB_EBAD_NAME);
	/* A damaged file is not a pin. */
	snprintf(path, sizeof(path), "%s/bmc/n1.pin", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("sha256 zz\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(bmc_trust_pin_load(dir, "n1", hex), -EPROTO);
}

/* bmc_req_parse() of the words in @line (space-separated). */
static int test_req(const char *line, const char *uri, struct bmc_req *req)
{
	char buf[256], *argv[8], err[256], *save = NULL, *w;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (w = strtok_r(buf, " ", &save); w && argc < 8;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	return bmc_req_parse(argc, argv, uri, req, err, sizeof(err));
}

static void test_words(void)
{
	struct bmc_req r;

	CU_ASSERT_EQUAL(test_req("power", NULL, &r), 0);
	CU_ASSERT_EQUAL(r.verb, BMC_POWER_STATUS);
	CU_ASSERT_EQUAL(test_req("power cycle", NULL, &r), 0);
	CU_ASSERT_EQUAL(r.verb, BMC_DO_CYCLE);
	CU_ASSERT_EQUAL(test_req("media insert https://h/pod.iso", NULL, &r), 0);
	CU_ASSERT_EQUAL(r.verb, BMC_MEDIA_INSERT);
	CU_ASSERT_STRING_EQUAL(r.arg, "https://h/pod.iso");
	CU_ASSERT_EQUAL(test_req("media eject", NULL, &r), 0);
	CU_ASSERT_EQUAL(test_req("boot-once Pxe", NULL, &r), 0);
	CU_ASSERT_EQUAL(test_req("boot-once UefiHttp", "http://h/ipxe.efi", &r),
			0);
	CU_ASSERT_STRING_EQUAL(r.uri, "http://h/ipxe.efi");
	CU_ASSERT_EQUAL(test_req("trust", NULL, &r), 0);
	/* Refused words. */
	CU_ASSERT_EQUAL(test_req("power reboot", NULL, &r), -PB_EUSAGE);
	CU_ASSERT_EQUAL(test_req("power on now", NULL, &r), -PB_EUSAGE);
	CU_ASSERT_EQUAL(test_req("media insert", NULL, &r), -PB_EUSAGE);
	CU_ASSERT_EQUAL(test_req("media insert ftp://h/x", NULL, &r), -PB_EUSAGE);
	/* An image URL is stored in the audit trail: no credentials. */
	CU_ASSERT_EQUAL(test_req("media insert http://u:p@h/x", NULL, &r),
			-PB_EUSAGE);
	CU_ASSERT_EQUAL(test_req("boot-once Hdd", NULL, &r), -PB_EUSAGE);
	CU_ASSERT_EQUAL(test_req("boot-once Cd", "http://h/x", &r), -PB_EUSAGE);
	CU_ASSERT_EQUAL(test_req("", NULL, &r), -PB_EUSAGE);
}

static CU_TestInfo tests[] = {
	{ "a node's bmc group", test_bmc_group },
	{ "what a bmc group may not hold", test_bmc_refused },
	{ "the password file: 0600, one line, no link", test_password_file },
	{ "the learned fingerprint's file", test_pin_file },
	{ "the words of podboot bmc", test_words },
	CU_TEST_INFO_NULL,
};

/* Register the suite "bmc_config". */
static int suite_bmc_config_register(void)
{
	return unit_add_suite("bmc_config", NULL, NULL, tests);
}

UNIT_SUITE(suite_bmc_config_register)
