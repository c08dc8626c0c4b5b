/* sign_cmd.c: "podboot sign" and "podboot verify": offline signatures. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "cmd.h"
#include "cmdopt.h"
#include "cms.h"
#include "error.h"
#include "fileio.h"
#include "keystore.h"
#include "log.h"
#include "num.h"
#include "pki.h"
#include "uefi_cmd.h"

/* The usage text of "podboot sign", on @out. */
static void sign_usage(FILE *out)
{
	fprintf(out,
		"usage: podboot sign FILE [-o FILE.sig] [--keys DIR] [--no-root]\n"
		"       podboot sign FILE [-o FILE.sig] --key KEY --cert CERT\n"
		"                    [--include CERT]\n"
		"       podboot sign --uefi [--keys DIR | --key KEY --cert CERT]\n"
		"                    [--append] IN -o OUT\n\n"
		"Writes a detached DER CMS signature of FILE (SHA-256, no\n"
		"signed attributes, signer by issuer and serial, certificates\n"
		"included): the form iPXE's imgverify accepts.  Keys come from\n"
		"DIR (default $PODBOOT_KEYS or ./keys): codesign.key and\n"
		"codesign.crt, with root.crt included unless --no-root; or\n"
		"from --key and --cert, including the certificates of\n"
		"--include (the root, intermediates) as well.\n\n"
		"--uefi writes an Authenticode signature into the EFI binary\n"
		"IN instead (PE/COFF, SHA-256, for UEFI Secure Boot), with\n"
		"DIR's uefi-db.key and uefi-db.crt or --key and --cert, to\n"
		"OUT (which may be IN).  A signature IN carries is replaced,\n"
		"or kept and one more added after it with --append.\n");
}

/* The usage text of "podboot verify", on @out. */
static void verify_usage(FILE *out)
{
	fprintf(out,
		"usage: podboot verify FILE FILE.sig --root ROOT.crt\n"
		"                      [--signer NAME] [--time EPOCH]\n"
		"       podboot verify --uefi FILE --cert CERT\n\n"
		"Checks a detached CMS signature by iPXE's rules and names\n"
		"the reason for any refusal.  --signer requires the signer\n"
		"certificate to carry NAME (as imgverify --signer does);\n"
		"--time checks validity at EPOCH instead of now.\n\n"
		"--uefi checks the Authenticode signatures of the EFI binary\n"
		"FILE as firmware with CERT in its db would: the image hash\n"
		"recomputed, a signature by CERT or a certificate under it.\n");
}

/* Open @path to read into *@fd; 0 or -errno (logged). */
static int sign_open(const char *path, int *fd)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		log_error("%s: %s", path, pb_strerror(-errno));
		return -errno;
	}
	return 0;
}

/* What "podboot sign" was asked to do. */
struct sign_opts {
	const char *file;		/* the operand */
	const char *out, *dir, *key, *cert, *include;
	int no_root;
	int uefi, append;		/* --uefi: Authenticode */
};

static const struct cmdopt sign_table[] = {
	{ .name = "output", .letter = 'o', .kind = CMDOPT_STR, .arg = "FILE",
	  .off = offsetof(struct sign_opts, out) },
	{ .name = "keys", .kind = CMDOPT_STR, .arg = "DIR",
	  .off = offsetof(struct sign_opts, dir) },
	{ .name = "key", .kind = CMDOPT_STR, .arg = "KEY",
	  .off = offsetof(struct sign_opts, key) },
	{ .name = "cert", .kind = CMDOPT_STR, .arg = "CERT",
	  .off = offsetof(struct sign_opts, cert) },
	{ .name = "no-root", .kind = CMDOPT_FLAG,
	  .off = offsetof(struct sign_opts, no_root) },
	{ .name = "include", .kind = CMDOPT_STR, .arg = "CERT",
	  .off = offsetof(struct sign_opts, include) },
	{ .name = "uefi", .kind = CMDOPT_FLAG,
	  .off = offsetof(struct sign_opts, uefi) },
	{ .name = "append", .kind = CMDOPT_FLAG,
	  .off = offsetof(struct sign_opts, append) },
	{ .name = "help", .letter = 'h', .kind = CMDOPT_HELP },
};

/*
 * The key, certificate, included certificates and output of @o: from
 * --key and --cert, else from the key directory.  The paths land in
 * @o or in the caller's buffers @key, @cert, @root and @out (PATH_MAX).
 *
 * @ret rc		0 or -PB_ETOOBIG (logged)
 */
static int sign_paths(struct sign_opts *o, char *key, char *cert,
		      char *root, char *out)
{
	int rc;

	if ((!o->key &&
	     ((rc = keystore_path(key, PATH_MAX, o->dir,
				  KEYSTORE_CODESIGN_KEY)) != 0 ||
	      (rc = keystore_path(cert, PATH_MAX, o->dir,
				  KEYSTORE_CODESIGN_CRT)) != 0)) ||
	    (rc = keystore_path(root, PATH_MAX, o->dir,
				KEYSTORE_ROOT_CRT)) != 0) {
		log_error("path too long");
		return rc;
	}
	if (!o->key) {
		o->key = key;
		o->cert = cert;
		o->include = o->no_root ? NULL : root;
	}
	if (!o->out) {
		if (snprintf(out, PATH_MAX, "%s.sig", o->file) >= PATH_MAX)
			return -PB_ETOOBIG;
		o->out = out;
	}
	return 0;
}

/*
 * Sign @o->file with the key and certificates @o names and write the
 * signature to @o->out.  Key, chain, file and RNG are released here.
 *
 * @ret rc		0 or a negative error, logged
 */
static int sign_run(struct sign_opts *o)
{
	char key_buf[PATH_MAX], cert_buf[PATH_MAX], root_buf[PATH_MAX];
	char out_buf[PATH_MAX];
	struct rng rng = { .seeded = 0 };
	mbedtls_pk_context key;
	mbedtls_x509_crt chain;
	unsigned char *der = NULL;
	size_t der_len = 0;
	int fd = -1;
	int rc;

	if ((rc = sign_paths(o, key_buf, cert_buf, root_buf, out_buf)) != 0)
		return rc;
	mbedtls_pk_init(&key);
	mbedtls_x509_crt_init(&chain);
	rc = keystore_load_signer(o->key, o->cert, o->include, &key, &chain);
	if (rc != 0)
		goto err_load;
	if ((rc = sign_open(o->file, &fd)) != 0)
		goto err_open;
	if ((rc = rng_init(&rng, "podboot sign")) != 0)
		goto err_rng;
	rc = cms_sign_fd(fd, &key, &chain, &rng, &der, &der_len);
	if (rc != 0) {
		log_error("signing %s: %s", o->file, pb_strerror(rc));
		goto err_sign;
	}
	rc = fileio_write(o->out, der, der_len, 0644, 0);
	if (rc != 0)
		log_error("writing %s: %s", o->out, pb_strerror(rc));
err_sign:
	free(der);
err_rng:
	rng_free(&rng);
	close(fd);
err_open:
err_load:
	mbedtls_x509_crt_free(&chain);
	mbedtls_pk_free(&key);
	return rc;
}

/*
 * "podboot sign --uefi": the key and certificate from --key and --cert,
 * else DIR/uefi-db.key and DIR/uefi-db.crt; then uefi_sign_run().
 */
static int sign_uefi(const struct sign_opts *o)
{
	struct uefi_sign_req r = { .in = o->file, .out = o->out,
				   .key = o->key, .cert = o->cert,
				   .include = o->include,
				   .append = o->append };
	char key[PATH_MAX], cert[PATH_MAX];

	if (!o->key) {
		if (keystore_path(key, sizeof(key), o->dir,
				  KEYSTORE_UEFI_KEY) != 0 ||
		    keystore_path(cert, sizeof(cert), o->dir,
				  KEYSTORE_UEFI_CRT) != 0) {
			log_error("%s: path too long", o->dir);
			return -PB_ETOOBIG;
		}
		r.key = key;
		r.cert = cert;
	}
	return uefi_sign_run(&r);
}

/* "podboot sign": parse, then sign_run() or sign_uefi(); 0 or an error. */
int sign_main(int argc, char **argv)
{
	struct sign_opts o = { .dir = cmd_default_keys() };
	int first = 0, rc;

	rc = cmdopt_getopt(sign_table, CMD_N(sign_table), &o, argc, argv,
			   sign_usage, &first);
	if (rc != 0)
		return rc == CMDOPT_HELP_SHOWN ? 0 : rc;
	if (first != argc - 1 || !o.key != !o.cert || (o.include && !o.key)) {
		sign_usage(stderr);
		return -PB_EUSAGE;
	}
	o.file = argv[first];
	if (o.uefi != 0 && (!o.out || o.no_root)) {
		sign_usage(stderr);
		return -PB_EUSAGE;
	}
	if (o.append && !o.uefi) {
		sign_usage(stderr);
		return -PB_EUSAGE;
	}
	return o.uefi ? sign_uefi(&o) : sign_run(&o);
}

/* What "podboot verify" was asked to check. */
struct verify_opts {
	const char *file, *sig;		/* the operands */
	const char *root;
	struct cms_verify_opts cms;	/* --signer, --time */
	const char *cert;		/* --uefi: the db certificate */
	int uefi;
};

/* --time EPOCH: seconds since the epoch, any sign. */
static int verify_opt_time(void *opts, const char *arg)
{
	struct verify_opts *o = opts;
	int64_t now;

	if (num_parse_i64(arg, strlen(arg), INT64_MIN, INT64_MAX, &now) != 0) {
		log_error("--time takes seconds since the epoch, not '%s'",
			  arg);
		return -PB_EUSAGE;
	}
	o->cms.now = (time_t)now;
	return 0;
}

static const struct cmdopt verify_table[] = {
	{ .name = "root", .kind = CMDOPT_STR, .arg = "ROOT.crt",
	  .off = offsetof(struct verify_opts, root) },
	{ .name = "signer", .kind = CMDOPT_STR, .arg = "NAME",
	  .off = offsetof(struct verify_opts, cms.name) },
	{ .name = "time", .kind = CMDOPT_CALL, .arg = "EPOCH",
	  .call = verify_opt_time },
	{ .name = "uefi", .kind = CMDOPT_FLAG,
	  .off = offsetof(struct verify_opts, uefi) },
	{ .name = "cert", .kind = CMDOPT_STR, .arg = "CERT",
	  .off = offsetof(struct verify_opts, cert) },
	{ .name = "help", .letter = 'h', .kind = CMDOPT_HELP },
};

/*
 * Check @o->sig over @o->file against the roots of @o->root and print
 * the signer.  Roots, signature and file are released here.
 *
 * @ret rc		0 or a negative error (the reason, logged)
 */
static int verify_run(struct verify_opts *o)
{
	struct cms_verify_result result = { 0 };
	mbedtls_x509_crt roots;
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	int fd = -1;
	int rc;

	mbedtls_x509_crt_init(&roots);
	rc = pki_cert_load(&roots, o->root);
	if (rc != 0) {
		log_error("%s: %s", o->root, pb_strerror(rc));
		goto err_roots;
	}
	o->cms.roots = &roots;
	rc = fileio_read(o->sig, CMS_SIG_MAX, &sig, &sig_len);
	if (rc != 0) {
		log_error("%s: %s", o->sig, pb_strerror(rc));
		goto err_sig;
	}
	if ((rc = sign_open(o->file, &fd)) != 0)
		goto err_open;
	rc = cms_verify_fd(sig, sig_len, fd, &o->cms, &result);
	if (rc != 0)
		log_error("%s: refused: %s", o->file, pb_strerror(rc));
	else
		printf("%s: verified, signed by %s\n", o->file, result.signer);
	close(fd);
err_open:
	free(sig);
err_sig:
err_roots:
	mbedtls_x509_crt_free(&roots);
	return rc;
}

/* "podboot verify": parse, then verify_run(); 0 or an error. */
int verify_main(int argc, char **argv)
{
	struct verify_opts o = { .cms = { .now = time(NULL) } };
	int first = 0, rc;

	rc = cmdopt_getopt(verify_table, CMD_N(verify_table), &o, argc, argv,
			   verify_usage, &first);
	if (rc != 0)
		return rc == CMDOPT_HELP_SHOWN ? 0 : rc;
	if (o.uefi && first == argc - 1 && o.cert && !o.root)
		return uefi_verify_run(argv[first], o.cert);
	if (o.uefi || o.cert || first != argc - 2 || !o.root) {
		verify_usage(stderr);
		return -PB_EUSAGE;
	}
	o.file = argv[first];
	o.sig = argv[first + 1];
	return verify_run(&o);
}
