/* test_keystore.c: the key ceremony's files, refusals and rotation. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/oid.h>

#include "cms.h"
#include "error.h"
#include "fileio.h"
#include "keystore.h"
#include "unit.h"

static char dir[256];

static int mode_of(const char *file)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (stat(path, &st) != 0)
		return -1;
	return (int)(st.st_mode & 0777);
}

static void test_init_files(void)
{
	const char *alt[] = { "127.0.0.1", "boot2.example.net" };
	struct keystore_init_opts opts = {
		.dir = dir, .server_name = "boot.example.net", .names = alt,
		.n_names = 2, .org = "t", .algo = PKI_ECDSA, .root_days = 10,
		.leaf_days = 5,
	};
	char fpr[65], fpr2[65];

	snprintf(dir, sizeof(dir), "%s/ceremony", unit_tmpdir());
	CU_ASSERT_EQUAL_FATAL(keystore_init(&opts, fpr), 0);
	CU_ASSERT_EQUAL(mode_of(KEYSTORE_ROOT_KEY), 0600);
	CU_ASSERT_EQUAL(mode_of(KEYSTORE_CODESIGN_KEY), 0600);
	CU_ASSERT_EQUAL(mode_of(KEYSTORE_SERVER_KEY), 0600);
	CU_ASSERT_EQUAL(mode_of(KEYSTORE_ROOT_CRT), 0644);
	CU_ASSERT_EQUAL(mode_of(KEYSTORE_SERVER_CHAIN), 0644);
	CU_ASSERT_EQUAL(mode_of("."), 0700);

	/* No overwrite without force: the old root stays. */
	CU_ASSERT_EQUAL(keystore_init(&opts, fpr2), -PB_EKEYS_EXIST);
	opts.force = 1;
	CU_ASSERT_EQUAL(keystore_init(&opts, fpr2), 0);
	CU_ASSERT_STRING_NOT_EQUAL(fpr, fpr2);

	/* A bad name is refused before anything is written. */
	alt[0] = "not a name";
	CU_ASSERT_EQUAL(keystore_init(&opts, fpr2), -PB_EBAD_NAME);
}

static int sign_file(const char *path, unsigned char **der, size_t *len)
{
	char key[512], crt[512], root[512];
	struct rng rng = { .seeded = 0 };
	mbedtls_pk_context pk;
	mbedtls_x509_crt chain;
	int fd, rc;

	snprintf(key, sizeof(key), "%s/%s", dir, KEYSTORE_CODESIGN_KEY);
	snprintf(crt, sizeof(crt), "%s/%s", dir, KEYSTORE_CODESIGN_CRT);
	snprintf(root, sizeof(root), "%s/%s", dir, KEYSTORE_ROOT_CRT);
	mbedtls_pk_init(&pk);
	mbedtls_x509_crt_init(&chain);
	fd = open(path, O_RDONLY);
	rc = keystore_load_signer(key, crt, root, &pk, &chain);
	if (rc == 0)
		rc = rng_init(&rng, "unit");
	if (rc == 0)
		rc = cms_sign_fd(fd, &pk, &chain, &rng, der, len);
	close(fd);
	rng_free(&rng);
	mbedtls_x509_crt_free(&chain);
	mbedtls_pk_free(&pk);
	return rc;
}

static int verify_file(const char *path, const unsigned char *der,
		       size_t len)
{
	struct cms_verify_opts opts = { .now = time(NULL),
					.name = KEYSTORE_CODESIGN_CN };
	mbedtls_x509_crt root;
	char root_path[512];
	int fd, rc;

	snprintf(root_path, sizeof(root_path), "%s/%s", dir,
		 KEYSTORE_ROOT_CRT);
	mbedtls_x509_crt_init(&root);
	rc = pki_cert_load(&root, root_path);
	opts.roots = &root;
	fd = open(path, O_RDONLY);
	if (rc == 0)
		rc = cms_verify_fd(der, len, fd, &opts, NULL);
	close(fd);
	mbedtls_x509_crt_free(&root);
	return rc;
}

static void test_rotate(void)
{
	unsigned char *old_sig = NULL, *new_sig = NULL;
	size_t old_len, new_len;
	char file[512], retired[512], serial[65];
	mbedtls_x509_crt before;
	char before_serial[65];

	snprintf(file, sizeof(file), "%s/payload", unit_tmpdir());
	CU_ASSERT_EQUAL_FATAL(fileio_write(file, "kernel", 6, 0644, 0), 0);
	CU_ASSERT_EQUAL_FATAL(sign_file(file, &old_sig, &old_len), 0);

	mbedtls_x509_crt_init(&before);
	snprintf(retired, sizeof(retired), "%s/%s", dir, KEYSTORE_CODESIGN_CRT);
	CU_ASSERT_EQUAL_FATAL(pki_cert_load(&before, retired), 0);
	pki_serial_hex(&before, before_serial, sizeof(before_serial));
	mbedtls_x509_crt_free(&before);

	CU_ASSERT_EQUAL_FATAL(keystore_rotate_codesign(dir, 30, serial), 0);
	CU_ASSERT_STRING_NOT_EQUAL(serial, before_serial);
	snprintf(retired, sizeof(retired), "%s/retired/codesign-%s.crt", dir,
		 before_serial);
	CU_ASSERT_TRUE(fileio_exists(retired));
	CU_ASSERT_EQUAL(mode_of(KEYSTORE_CODESIGN_KEY), 0600);

	/* Old signatures still verify; new ones are made by the new key. */
	CU_ASSERT_EQUAL(verify_file(file, old_sig, old_len), 0);
	CU_ASSERT_EQUAL_FATAL(sign_file(file, &new_sig, &new_len), 0);
	CU_ASSERT_EQUAL(verify_file(file, new_sig, new_len), 0);
	CU_ASSERT(old_len != new_len || memcmp(old_sig, new_sig, old_len) != 0);
	free(old_sig);
	free(new_sig);

	CU_ASSERT_EQUAL(keystore_rotate_codesign("/nonexistent", 30, serial),
			-ENOENT);
}

/* 1 if @path ends with @tail. */
static int ends_with(const char *path, const char *tail)
{
	size_t n = strlen(path), m = strlen(tail);

	return n >= m && strcmp(path + n - m, tail) == 0;
}

static void test_issue_server(void)
{
	const char *names[PKI_MAX_SANS] = { "10.12.0.5", "relay-a.example" };
	struct keystore_issue_opts opts = {
		.dir = dir, .name = "relay-a.rack12.example", .names = names,
		.n_names = 2, .days = 5,
	};
	struct keystore_server_files files;
	mbedtls_x509_crt crt, chain, root;
	mbedtls_pk_context key;
	char path[512], sans[512], serial[65], serial2[65];
	uint32_t flags = 0;
	size_t i;

	mbedtls_x509_crt_init(&crt);
	mbedtls_x509_crt_init(&chain);
	mbedtls_x509_crt_init(&root);
	mbedtls_pk_init(&key);
	CU_ASSERT_EQUAL_FATAL(keystore_issue_server(&opts, &files, &crt), 0);
	CU_ASSERT_TRUE(ends_with(files.key, "/issued/relay-a.rack12.example.key"));
	CU_ASSERT_TRUE(ends_with(files.crt, "/issued/relay-a.rack12.example.crt"));
	CU_ASSERT_TRUE(ends_with(files.chain,
				 "/issued/relay-a.rack12.example-chain.crt"));
	CU_ASSERT_EQUAL(mode_of("issued"), 0700);
	CU_ASSERT_EQUAL(mode_of("issued/relay-a.rack12.example.key"), 0600);
	CU_ASSERT_EQUAL(mode_of("issued/relay-a.rack12.example.crt"), 0644);

	/* The names asked for, NAME first; a server certificate only. */
	CU_ASSERT_EQUAL(pki_san_string(&crt, sans, sizeof(sans)), 0);
	CU_ASSERT_STRING_EQUAL(sans, "DNS:relay-a.rack12.example, "
				     "DNS:relay-a.example, IP:10.12.0.5");
	CU_ASSERT_EQUAL(mbedtls_x509_crt_check_extended_key_usage(
				&crt, MBEDTLS_OID_SERVER_AUTH,
				MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)), 0);
	CU_ASSERT_NOT_EQUAL(mbedtls_x509_crt_check_extended_key_usage(
				    &crt, MBEDTLS_OID_CODE_SIGNING,
				    MBEDTLS_OID_SIZE(MBEDTLS_OID_CODE_SIGNING)),
			    0);
	CU_ASSERT_EQUAL(crt.ca_istrue, 0);
	snprintf(path, sizeof(path), "%s/%s", dir, KEYSTORE_ROOT_CRT);
	CU_ASSERT_EQUAL_FATAL(pki_cert_load(&root, path), 0);
	CU_ASSERT_EQUAL(mbedtls_x509_crt_verify(&crt, &root, NULL,
						"relay-a.example", &flags,
						NULL, NULL), 0);

	/* The key is the certificate's, of the root's algorithm (ECDSA). */
	CU_ASSERT_EQUAL_FATAL(pki_key_load(&key, files.key), 0);
	CU_ASSERT_EQUAL(pki_check_pair(&crt, &key), 0);
	CU_ASSERT_EQUAL(mbedtls_pk_get_type(&key), MBEDTLS_PK_ECKEY);

	/* The chain: this certificate, then the root. */
	CU_ASSERT_EQUAL_FATAL(pki_cert_load(&chain, files.chain), 0);
	CU_ASSERT_EQUAL_FATAL(chain.next != NULL, 1);
	CU_ASSERT_EQUAL(chain.raw.len, crt.raw.len);
	CU_ASSERT_EQUAL(memcmp(chain.raw.p, crt.raw.p, crt.raw.len), 0);
	CU_ASSERT_EQUAL(chain.next->raw.len, root.raw.len);
	CU_ASSERT_EQUAL(memcmp(chain.next->raw.p, root.raw.p, root.raw.len), 0);
	CU_ASSERT_PTR_NULL(chain.next->next);

	/* No replacement without force; with it, a new certificate. */
	pki_serial_hex(&crt, serial, sizeof(serial));
	mbedtls_x509_crt_free(&crt);
	mbedtls_x509_crt_init(&crt);
	CU_ASSERT_EQUAL(keystore_issue_server(&opts, &files, &crt),
			-PB_EKEYS_EXIST);
	opts.force = 1;
	opts.algo = PKI_RSA;
	opts.algo_given = 1;
	CU_ASSERT_EQUAL_FATAL(keystore_issue_server(&opts, &files, &crt), 0);
	pki_serial_hex(&crt, serial2, sizeof(serial2));
	CU_ASSERT_STRING_NOT_EQUAL(serial, serial2);
	CU_ASSERT_EQUAL(mbedtls_pk_get_type(&crt.pk), MBEDTLS_PK_RSA);
	CU_ASSERT_EQUAL(mode_of("issued/relay-a.rack12.example.key"), 0600);
	mbedtls_x509_crt_free(&crt);
	mbedtls_x509_crt_init(&crt);

	/* Refusals write nothing. */
	opts.force = 0;
	opts.name = "relay-b.example";
	names[0] = "not an address";
	CU_ASSERT_EQUAL(keystore_issue_server(&opts, &files, &crt),
			-PB_EBAD_NAME);
	for (i = 0; i < PKI_MAX_SANS; i++)
		names[i] = "relay-b.example";
	opts.n_names = PKI_MAX_SANS;
	CU_ASSERT_EQUAL(keystore_issue_server(&opts, &files, &crt),
			-PB_ETOOBIG);
	CU_ASSERT_EQUAL(mode_of("issued/relay-b.example.key"), -1);

	/* The root key kept offline: only root.crt in the directory. */
	opts.n_names = 0;
	snprintf(path, sizeof(path), "%s/offline", unit_tmpdir());
	CU_ASSERT_EQUAL_FATAL(fileio_mkdirs(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/offline/%s", unit_tmpdir(),
		 KEYSTORE_ROOT_CRT);
	CU_ASSERT_EQUAL_FATAL(fileio_write(path, root.raw.p, root.raw.len,
					   0644, 0), 0);
	snprintf(path, sizeof(path), "%s/offline", unit_tmpdir());
	opts.dir = path;
	CU_ASSERT_EQUAL(keystore_issue_server(&opts, &files, &crt), -ENOENT);
	snprintf(path, sizeof(path), "%s/offline/%s", unit_tmpdir(),
		 KEYSTORE_ISSUED);
	CU_ASSERT_FALSE(fileio_exists(path));

	mbedtls_pk_free(&key);
	mbedtls_x509_crt_free(&root);
	mbedtls_x509_crt_free(&chain);
	mbedtls_x509_crt_free(&crt);
}

/* 1 if a temporary file (*.tmp.*) is left in @path. */
static int tmp_left(const char *path)
{
	char pattern[400];
	glob_t g;
	int rc;

	snprintf(pattern, sizeof(pattern), "%s/*.tmp.*", path);
	rc = glob(pattern, 0, NULL, &g);
	if (rc == 0)
		globfree(&g);
	return rc != GLOB_NOMATCH;
}

/* The files @paths, read into one string (the caller frees it). */
static char *read_all(const char *const *paths, size_t n)
{
	unsigned char *part;
	char *all = NULL, *grown;
	size_t len, used = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (fileio_read(paths[i], PKI_PEM_MAX * 2, &part, &len) != 0) {
			free(all);
			return NULL;
		}
		grown = realloc(all, used + len + 2);
		if (!grown) {
			free(part);
			free(all);
			return NULL;
		}
		all = grown;
		memcpy(all + used, part, len);
		used += len;
		all[used++] = '|';
		all[used] = '\0';
		free(part);
	}
	return all;
}

/* An ECDSA relay identity in a directory of its own (--force tests). */
struct force_case {
	char sub[300];				/* its directory */
	char prefix[400];			/* SUB/relay */
	struct keystore_issue_opts opts;
	struct keystore_server_files files;
};

/* Issue @fc's identity again (with --force once issued): 0 or an error. */
static int force_case_issue(struct force_case *fc)
{
	mbedtls_x509_crt crt;
	int rc;

	mbedtls_x509_crt_init(&crt);
	rc = keystore_issue_server(&fc->opts, &fc->files, &crt);
	mbedtls_x509_crt_free(&crt);
	fc->opts.force = 1;
	return rc;
}

/* Issue @fc's identity as unit_tmpdir()/@name/relay.*: 0 or an error. */
static int force_case_init(struct force_case *fc, const char *name)
{
	int rc;

	memset(fc, 0, sizeof(*fc));
	snprintf(fc->sub, sizeof(fc->sub), "%s/%s", unit_tmpdir(), name);
	snprintf(fc->prefix, sizeof(fc->prefix), "%s/relay", fc->sub);
	fc->opts.dir = dir;
	fc->opts.name = "relay-f.example";
	fc->opts.prefix = fc->prefix;
	fc->opts.days = 5;
	fc->opts.algo = PKI_ECDSA;
	fc->opts.algo_given = 1;
	rc = fileio_mkdirs(fc->sub, 0700);
	return rc == 0 ? force_case_issue(fc) : rc;
}

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/*
 * --force over an existing identity where the chain cannot be written
 * (a file size limit between the certificate's size and the chain's):
 * the old key, certificate and chain stay, still a matching set.
 */
static void test_issue_force_write_fails(void)
{
	struct force_case fc;
	struct rlimit old_lim, lim;
	const char *paths[3];
	char *before, *after;
	void (*old_sig)(int);
	int rc;

	CU_ASSERT_EQUAL_FATAL(force_case_init(&fc, "force-w"), 0);
	paths[0] = fc.files.key;
	paths[1] = fc.files.crt;
	paths[2] = fc.files.chain;
	before = read_all(paths, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);

	CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_FSIZE, &old_lim), 0);
	lim = old_lim;
	lim.rlim_cur = (rlim_t)(size_of(fc.files.crt) +
				size_of(fc.files.chain)) / 2;
	old_sig = signal(SIGXFSZ, SIG_IGN);
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
	rc = force_case_issue(&fc);
	setrlimit(RLIMIT_FSIZE, &old_lim);
	signal(SIGXFSZ, old_sig);
	CU_ASSERT_EQUAL(rc, -EFBIG);

	after = read_all(paths, 3);
	CU_ASSERT(after && strcmp(before, after) == 0);
	CU_ASSERT_FALSE(tmp_left(fc.sub));
	free(before);
	free(after);
}

/*
 * --force where the key cannot be put in place (a directory holds its
 * name) after the certificate and chain were: those two are put back.
 */
static void test_issue_force_place_fails(void)
{
	struct force_case fc;
	const char *paths[2];
	char inside[PATH_MAX + 8];
	char *before, *after;
	struct stat st;

	CU_ASSERT_EQUAL_FATAL(force_case_init(&fc, "force-p"), 0);
	paths[0] = fc.files.crt;
	paths[1] = fc.files.chain;
	before = read_all(paths, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);
	CU_ASSERT_EQUAL_FATAL(unlink(fc.files.key), 0);
	snprintf(inside, sizeof(inside), "%s/inside", fc.files.key);
	CU_ASSERT_EQUAL_FATAL(fileio_mkdirs(inside, 0700), 0);

	CU_ASSERT_EQUAL(force_case_issue(&fc), -EISDIR);
	after = read_all(paths, 2);
	CU_ASSERT(after && strcmp(before, after) == 0);
	CU_ASSERT_EQUAL(stat(inside, &st), 0);
	CU_ASSERT_FALSE(tmp_left(fc.sub));
	free(before);
	free(after);
}

/* A leaf never outlives the root: its notAfter stops at the root's. */
static void test_issue_capped(void)
{
	struct keystore_issue_opts opts = {
		.dir = dir, .name = "relay-c.example", .days = 30,
	};
	struct keystore_server_files files;
	mbedtls_x509_crt crt, root;
	time_t now = time(NULL);
	time_t from, to, root_from, root_to;
	char path[512];

	mbedtls_x509_crt_init(&crt);
	mbedtls_x509_crt_init(&root);
	snprintf(path, sizeof(path), "%s/%s", dir, KEYSTORE_ROOT_CRT);
	CU_ASSERT_EQUAL_FATAL(pki_cert_load(&root, path), 0);
	pki_cert_validity(&root, &root_from, &root_to);
	/* The ceremony's root is valid for 10 days. */
	CU_ASSERT_FATAL(root_to < now + 30 * 86400);

	CU_ASSERT_EQUAL_FATAL(keystore_issue_server(&opts, &files, &crt), 0);
	pki_cert_validity(&crt, &from, &to);
	CU_ASSERT_EQUAL(to, root_to);
	CU_ASSERT(from >= root_from);
	mbedtls_x509_crt_free(&crt);

	/* Within the root's life, the days asked for. */
	mbedtls_x509_crt_init(&crt);
	opts.name = "relay-d.example";
	opts.days = 2;
	CU_ASSERT_EQUAL_FATAL(keystore_issue_server(&opts, &files, &crt), 0);
	pki_cert_validity(&crt, &from, &to);
	CU_ASSERT(to >= now + 2 * 86400 && to <= time(NULL) + 2 * 86400);

	/* rotate-codesign caps the same way: test_rotate asked for 30. */
	snprintf(path, sizeof(path), "%s/%s", dir, KEYSTORE_CODESIGN_CRT);
	mbedtls_x509_crt_free(&crt);
	mbedtls_x509_crt_init(&crt);
	CU_ASSERT_EQUAL_FATAL(pki_cert_load(&crt, path), 0);
	pki_cert_validity(&crt, &from, &to);
	CU_ASSERT_EQUAL(to, root_to);

	mbedtls_x509_crt_free(&crt);
	mbedtls_x509_crt_free(&root);
}

/*
 * A key directory in @sub whose root (with its key) is valid from
 * @from to @to; 0 or an error.
 */
static int make_root(const char *sub, time_t from, time_t to)
{
	struct pki_cert_spec spec = {
		.profile = PKI_PROFILE_ROOT, .subject = "CN=old root CA,O=t",
		.not_before = from, .not_after = to,
	};
	unsigned char pem[PKI_PEM_MAX];
	struct rng rng = { .seeded = 0 };
	mbedtls_pk_context key;
	char path[512];
	int rc;

	mbedtls_pk_init(&key);
	rc = fileio_mkdirs(sub, 0700);
	if (rc == 0)
		rc = rng_init(&rng, "unit");
	if (rc == 0)
		rc = pki_key_generate(&key, PKI_ECDSA, &rng);
	if (rc == 0)
		rc = pki_cert_issue(&spec, &key, &key, NULL, &rng, pem,
				    sizeof(pem));
	snprintf(path, sizeof(path), "%s/%s", sub, KEYSTORE_ROOT_KEY);
	if (rc == 0)
		rc = pki_key_save(&key, path, 0);
	snprintf(path, sizeof(path), "%s/%s", sub, KEYSTORE_ROOT_CRT);
	if (rc == 0)
		rc = fileio_write(path, pem, strlen((char *)pem), 0644, 0);
	rng_free(&rng);
	mbedtls_pk_free(&key);
	return rc;
}

/* Nothing is issued under a root that has expired or is not yet valid. */
static void test_issue_root_not_current(void)
{
	static const struct {
		const char *name;
		time_t from, to;	/* from now */
		int rc;
	} roots[] = {
		{ "expired", -10 * 86400, -60, -PB_ECMS_EXPIRED },
		{ "future", 86400, 10 * 86400, -PB_ECMS_NOT_YET_VALID },
	};
	struct keystore_issue_opts opts = {
		.name = "relay-x.example", .days = 5,
	};
	struct keystore_server_files files;
	mbedtls_x509_crt crt;
	char sub[300], path[400], serial[65];
	time_t now = time(NULL);
	size_t i;

	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(sub, sizeof(sub), "%s/root-%s", unit_tmpdir(),
			 roots[i].name);
		CU_ASSERT_EQUAL_FATAL(make_root(sub, now + roots[i].from,
						now + roots[i].to), 0);
		opts.dir = sub;
		mbedtls_x509_crt_init(&crt);
		CU_ASSERT_EQUAL(keystore_issue_server(&opts, &files, &crt),
				roots[i].rc);
		mbedtls_x509_crt_free(&crt);
		snprintf(path, sizeof(path), "%s/%s", sub, KEYSTORE_ISSUED);
		CU_ASSERT_FALSE(fileio_exists(path));
		CU_ASSERT_EQUAL(keystore_rotate_codesign(sub, 5, serial),
				roots[i].rc);
	}
}

static const CU_TestInfo tests[] = {
	{ "init: files, modes, no silent overwrite", test_init_files },
	{ "rotate-codesign keeps old signatures valid", test_rotate },
	{ "issue-server: names, files, chain, refusals", test_issue_server },
	{ "issue-server --force: a failed write keeps the old set",
	  test_issue_force_write_fails },
	{ "issue-server --force: a failed rename puts the old set back",
	  test_issue_force_place_fails },
	{ "issue-server, rotate-codesign: notAfter capped at the root's",
	  test_issue_capped },
	{ "issue-server, rotate-codesign: refused under an expired or "
	  "future root", test_issue_root_not_current },
	CU_TEST_INFO_NULL,
};

static int suite_keystore_register(void)
{
	return unit_add_suite("keystore", NULL, NULL, tests);
}

UNIT_SUITE(suite_keystore_register)
