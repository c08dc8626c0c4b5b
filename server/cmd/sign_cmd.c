/* sign_cmd.c: "podboot sign" and "podboot verify": offline signatures. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "cmd.h"
#include "cms.h"
#include "error.h"
#include "fileio.h"
#include "keystore.h"
#include "log.h"
#include "num.h"
#include "pki.h"

static void sign_usage(FILE *out)
{
	fprintf(out,
		"usage: podboot sign FILE [-o FILE.sig] [--keys DIR] [--no-root]\n"
		"       podboot sign FILE [-o FILE.sig] --key KEY --cert CERT\n"
		"                    [--include CERT]\n\n"
		"Writes a detached DER CMS signature of FILE (SHA-256, no\n"
		"signed attributes, signer by issuer and serial, certificates\n"
		"included): the form iPXE's imgverify accepts.  Keys come from\n"
		"DIR (default $PODBOOT_KEYS or ./keys): codesign.key and\n"
		"codesign.crt, with root.crt included unless --no-root; or\n"
		"from --key and --cert, including the certificates of\n"
		"--include (the root, intermediates) as well.\n");
}

static void verify_usage(FILE *out)
{
	fprintf(out,
		"usage: podboot verify FILE FILE.sig --root ROOT.crt\n"
		"                      [--signer NAME] [--time EPOCH]\n\n"
		"Checks a detached CMS signature by iPXE's rules and names\n"
		"the reason for any refusal.  --signer requires the signer\n"
		"certificate to carry NAME (as imgverify --signer does);\n"
		"--time checks validity at EPOCH instead of now.\n");
}

static int sign_open(const char *path, int *fd)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		log_error("%s: %s", path, pb_strerror(-errno));
		return -errno;
	}
	return 0;
}

int sign_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "keys", required_argument, NULL, 'k' },
		{ "key", required_argument, NULL, 'K' },
		{ "cert", required_argument, NULL, 'C' },
		{ "no-root", no_argument, NULL, 'N' },
		{ "include", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = cmd_default_keys();
	const char *out = NULL, *key_path = NULL, *cert_path = NULL;
	const char *include = NULL;
	char key_buf[PATH_MAX], cert_buf[PATH_MAX], root_buf[PATH_MAX];
	char out_buf[PATH_MAX];
	struct rng rng = { .seeded = 0 };
	mbedtls_pk_context key;
	mbedtls_x509_crt chain;
	unsigned char *der = NULL;
	size_t der_len = 0;
	int with_root = 1;
	int fd = -1;
	int c, rc;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'k': dir = optarg; break;
		case 'K': key_path = optarg; break;
		case 'C': cert_path = optarg; break;
		case 'N': with_root = 0; break;
		case 'I': include = optarg; break;
		case 'h': sign_usage(stdout); return 0;
		default: sign_usage(stderr); return -PB_EUSAGE;
		}
	}
	if (optind != argc - 1 || !key_path != !cert_path ||
	    (include && !key_path)) {
		sign_usage(stderr);
		return -PB_EUSAGE;
	}
	if ((!key_path &&
	     ((rc = keystore_path(key_buf, sizeof(key_buf), dir,
				  KEYSTORE_CODESIGN_KEY)) != 0 ||
	      (rc = keystore_path(cert_buf, sizeof(cert_buf), dir,
				  KEYSTORE_CODESIGN_CRT)) != 0)) ||
	    (rc = keystore_path(root_buf, sizeof(root_buf), dir,
				KEYSTORE_ROOT_CRT)) != 0) {
		log_error("path too long");
		return rc;
	}
	if (!key_path) {
		key_path = key_buf;
		cert_path = cert_buf;
		include = with_root ? root_buf : NULL;
	}
	if (!out) {
		if (snprintf(out_buf, sizeof(out_buf), "%s.sig",
			     argv[optind]) >= (int)sizeof(out_buf))
			return -PB_ETOOBIG;
		out = out_buf;
	}
	mbedtls_pk_init(&key);
	mbedtls_x509_crt_init(&chain);
	rc = keystore_load_signer(key_path, cert_path, include, &key, &chain);
	if (rc != 0)
		goto out;
	if ((rc = sign_open(argv[optind], &fd)) != 0)
		goto out;
	if ((rc = rng_init(&rng, "podboot sign")) != 0)
		goto out;
	rc = cms_sign_fd(fd, &key, &chain, &rng, &der, &der_len);
	if (rc != 0) {
		log_error("signing %s: %s", argv[optind], pb_strerror(rc));
		goto out;
	}
	rc = fileio_write(out, der, der_len, 0644, 0);
	if (rc != 0)
		log_error("writing %s: %s", out, pb_strerror(rc));
out:
	if (fd >= 0)
		close(fd);
	free(der);
	rng_free(&rng);
	mbedtls_x509_crt_free(&chain);
	mbedtls_pk_free(&key);
	return rc;
}

int verify_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "signer", required_argument, NULL, 's' },
		{ "time", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cms_verify_opts opts = { .now = time(NULL) };
	struct cms_verify_result result = { 0 };
	const char *root_path = NULL;
	mbedtls_x509_crt roots;
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	int64_t now;
	int fd = -1;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': root_path = optarg; break;
		case 's': opts.name = optarg; break;
		case 't':
			if (num_parse_i64(optarg, strlen(optarg), INT64_MIN,
					  INT64_MAX, &now) != 0) {
				log_error("--time takes seconds since the "
					  "epoch, not '%s'", optarg);
				return -PB_EUSAGE;
			}
			opts.now = (time_t)now;
			break;
		case 'h': verify_usage(stdout); return 0;
		default: verify_usage(stderr); return -PB_EUSAGE;
		}
	}
	if (optind != argc - 2 || !root_path) {
		verify_usage(stderr);
		return -PB_EUSAGE;
	}
	mbedtls_x509_crt_init(&roots);
	rc = pki_cert_load(&roots, root_path);
	if (rc != 0) {
		log_error("%s: %s", root_path, pb_strerror(rc));
		goto out;
	}
	opts.roots = &roots;
	rc = fileio_read(argv[optind + 1], CMS_SIG_MAX, &sig, &sig_len);
	if (rc != 0) {
		log_error("%s: %s", argv[optind + 1], pb_strerror(rc));
		goto out;
	}
	if ((rc = sign_open(argv[optind], &fd)) != 0)
		goto out;
	rc = cms_verify_fd(sig, sig_len, fd, &opts, &result);
	if (rc != 0) {
		log_error("%s: refused: %s", argv[optind], pb_strerror(rc));
		goto out;
	}
	printf("%s: verified, signed by %s\n", argv[optind], result.signer);
out:
	if (fd >= 0)
		close(fd);
	free(sig);
	mbedtls_x509_crt_free(&roots);
	return rc;
}
