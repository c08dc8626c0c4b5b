/* keystore.c: the key directory: the ceremony that fills it and its layout. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "error.h"
#include "fileio.h"
#include "keystore.h"
#include "log.h"

/* Backdate new certificates so a server with a slow clock accepts them. */
#define KEYSTORE_BACKDATE (60 * 60)
#define DAY (24 * 60 * 60)

static const char *const keystore_files[] = {
	KEYSTORE_ROOT_CRT,     KEYSTORE_ROOT_KEY,     KEYSTORE_CODESIGN_CRT,
	KEYSTORE_CODESIGN_KEY, KEYSTORE_SERVER_CRT,   KEYSTORE_SERVER_CHAIN,
	KEYSTORE_SERVER_KEY,
};

int keystore_path(char *out, size_t size, const char *dir, const char *file)
{
	return fileio_join(out, size, dir, file);
}

/* Issue one certificate, write its key and PEM into @dir. */
static int keystore_issue(const char *dir, const char *key_file,
			  const char *crt_file, const struct pki_cert_spec *spec,
			  mbedtls_pk_context *key, mbedtls_pk_context *issuer_key,
			  const mbedtls_x509_crt *issuer, struct rng *rng,
			  unsigned char *pem, int flags)
{
	char path[PATH_MAX];
	int rc;

	rc = pki_cert_issue(spec, key, issuer_key ? issuer_key : key, issuer,
			    rng, pem, PKI_PEM_MAX);
	if (rc != 0)
		return rc;
	rc = keystore_path(path, sizeof(path), dir, key_file);
	if (rc == 0)
		rc = pki_key_save(key, path, flags);
	if (rc == 0)
		rc = keystore_path(path, sizeof(path), dir, crt_file);
	if (rc == 0)
		rc = fileio_write(path, pem, strlen((char *)pem), 0644, flags);
	if (rc != 0)
		log_error("writing %s: %s", path, pb_strerror(rc));
	return rc;
}

/* Split opts->names into DNS names and IP literals, server name first. */
static int keystore_server_names(const struct keystore_init_opts *opts,
				 const char **dns, size_t *n_dns,
				 const char **ips, size_t *n_ips)
{
	unsigned char addr[16];
	const char *name;
	size_t i;

	*n_dns = *n_ips = 0;
	for (i = 0; i <= opts->n_names; i++) {
		name = i == 0 ? opts->server_name : opts->names[i - 1];
		if (*n_dns + *n_ips >= PKI_MAX_SANS)
			return -PB_ETOOBIG;
		if (inet_pton(AF_INET, name, addr) == 1 ||
		    inet_pton(AF_INET6, name, addr) == 1)
			ips[(*n_ips)++] = name;
		else if (pki_dns_name_valid(name))
			dns[(*n_dns)++] = name;
		else {
			log_error("'%s' is neither a DNS name nor an IP address",
				  name);
			return -PB_EBAD_NAME;
		}
	}
	return 0;
}

int keystore_init(const struct keystore_init_opts *opts, char fingerprint[65])
{
	const char *dns[PKI_MAX_SANS + 1];
	const char *ips[PKI_MAX_SANS + 1];
	unsigned char pem[PKI_PEM_MAX];
	char subject[512];
	char path[PATH_MAX];
	char chain[2 * PKI_PEM_MAX];
	char root_pem[PKI_PEM_MAX];
	size_t root_len;
	mbedtls_pk_context root_key, cs_key, srv_key;
	mbedtls_x509_crt root;
	struct rng rng = { .seeded = 0 };
	struct pki_cert_spec spec;
	time_t now = time(NULL);
	size_t n_dns, n_ips, i, len;
	int flags = opts->force ? 0 : FILEIO_EXCL;
	int ret;
	int rc;

	mbedtls_pk_init(&root_key);
	mbedtls_pk_init(&cs_key);
	mbedtls_pk_init(&srv_key);
	mbedtls_x509_crt_init(&root);

	rc = keystore_server_names(opts, dns, &n_dns, ips, &n_ips);
	if (rc != 0)
		goto out;
	rc = fileio_mkdirs(opts->dir, 0700);
	if (rc != 0) {
		log_error("creating %s: %s", opts->dir, pb_strerror(rc));
		goto out;
	}
	for (i = 0; !opts->force && i < sizeof(keystore_files) /
						sizeof(keystore_files[0]); i++) {
		rc = keystore_path(path, sizeof(path), opts->dir,
				   keystore_files[i]);
		if (rc == 0 && fileio_exists(path)) {
			log_error("%s exists; keys are never replaced without "
				  "--force", path);
			rc = -PB_EKEYS_EXIST;
		}
		if (rc != 0)
			goto out;
	}
	rc = rng_init(&rng, "podboot keys init");
	if (rc != 0)
		goto out;
	if ((rc = pki_key_generate(&root_key, opts->algo, &rng)) != 0 ||
	    (rc = pki_key_generate(&cs_key, opts->algo, &rng)) != 0 ||
	    (rc = pki_key_generate(&srv_key, opts->algo, &rng)) != 0)
		goto out;

	/* Root CA, self-signed. */
	memset(&spec, 0, sizeof(spec));
	spec.profile = PKI_PROFILE_ROOT;
	spec.subject = subject;
	spec.not_before = now - KEYSTORE_BACKDATE;
	spec.not_after = now + (time_t)opts->root_days * DAY;
	snprintf(subject, sizeof(subject), "CN=%s root CA,O=%s", opts->org,
		 opts->org);
	rc = keystore_issue(opts->dir, KEYSTORE_ROOT_KEY, KEYSTORE_ROOT_CRT,
			    &spec, &root_key, NULL, NULL, &rng, pem, flags);
	if (rc != 0)
		goto out;
	ret = mbedtls_x509_crt_parse(&root, pem, strlen((char *)pem) + 1);
	if (ret != 0) {
		log_mbedtls("re-reading the root certificate", ret);
		rc = -PB_ECERT_PARSE;
		goto out;
	}
	pki_fingerprint(&root, fingerprint);
	root_len = strlen((char *)pem);
	memcpy(root_pem, pem, root_len);

	/* Code signing, under the root. */
	spec.profile = PKI_PROFILE_CODESIGN;
	spec.not_after = now + (time_t)opts->leaf_days * DAY;
	snprintf(subject, sizeof(subject), "CN=%s,O=%s", KEYSTORE_CODESIGN_CN,
		 opts->org);
	rc = keystore_issue(opts->dir, KEYSTORE_CODESIGN_KEY,
			    KEYSTORE_CODESIGN_CRT, &spec, &cs_key, &root_key,
			    &root, &rng, pem, flags);
	if (rc != 0)
		goto out;

	/* TLS server, under the root, with every name and address. */
	spec.profile = PKI_PROFILE_SERVER;
	spec.dns = dns;
	spec.n_dns = n_dns;
	spec.ips = ips;
	spec.n_ips = n_ips;
	snprintf(subject, sizeof(subject), "CN=%s,O=%s", opts->server_name,
		 opts->org);
	rc = keystore_issue(opts->dir, KEYSTORE_SERVER_KEY, KEYSTORE_SERVER_CRT,
			    &spec, &srv_key, &root_key, &root, &rng, pem,
			    flags);
	if (rc != 0)
		goto out;

	/* The chain a TLS server sends: leaf, then the root for iPXE. */
	len = strlen((char *)pem);
	if (len + root_len > sizeof(chain)) {
		rc = -PB_ETOOBIG;
		goto out;
	}
	memcpy(chain, pem, len);
	memcpy(chain + len, root_pem, root_len);
	rc = keystore_path(path, sizeof(path), opts->dir, KEYSTORE_SERVER_CHAIN);
	if (rc == 0)
		rc = fileio_write(path, chain, len + root_len, 0644, flags);
out:
	mbedtls_platform_zeroize(pem, sizeof(pem));
	mbedtls_x509_crt_free(&root);
	mbedtls_pk_free(&srv_key);
	mbedtls_pk_free(&cs_key);
	mbedtls_pk_free(&root_key);
	rng_free(&rng);
	return rc;
}

int keystore_rotate_codesign(const char *dir, unsigned int days,
			     char serial[65])
{
	unsigned char pem[PKI_PEM_MAX];
	char subject[1024];
	char path[PATH_MAX];
	char key_tmp[PATH_MAX];
	char crt_tmp[PATH_MAX];
	char retired[PATH_MAX];
	char old_serial[65];
	mbedtls_pk_context root_key, old_key, new_key;
	mbedtls_x509_crt root, old, fresh;
	struct rng rng = { .seeded = 0 };
	struct pki_cert_spec spec;
	time_t now = time(NULL);
	int ret;
	int rc;

	mbedtls_pk_init(&root_key);
	mbedtls_pk_init(&old_key);
	mbedtls_pk_init(&new_key);
	mbedtls_x509_crt_init(&root);
	mbedtls_x509_crt_init(&old);
	mbedtls_x509_crt_init(&fresh);

	if ((rc = keystore_path(path, sizeof(path), dir,
				KEYSTORE_ROOT_CRT)) != 0 ||
	    (rc = pki_cert_load(&root, path)) != 0)
		goto err_path;
	if ((rc = keystore_path(path, sizeof(path), dir,
				KEYSTORE_ROOT_KEY)) != 0 ||
	    (rc = pki_key_load(&root_key, path)) != 0)
		goto err_path;
	if ((rc = pki_check_pair(&root, &root_key)) != 0)
		goto err_path;
	if ((rc = keystore_path(path, sizeof(path), dir,
				KEYSTORE_CODESIGN_CRT)) != 0 ||
	    (rc = pki_cert_load(&old, path)) != 0)
		goto err_path;
	if ((rc = keystore_path(path, sizeof(path), dir,
				KEYSTORE_CODESIGN_KEY)) != 0 ||
	    (rc = pki_key_load(&old_key, path)) != 0)
		goto err_path;

	/* Same algorithm and subject as the certificate it replaces. */
	rc = rng_init(&rng, "podboot keys rotate-codesign");
	if (rc != 0)
		goto out;
	rc = pki_key_generate(&new_key,
			      mbedtls_pk_get_type(&old_key) == MBEDTLS_PK_RSA ?
				      PKI_RSA : PKI_ECDSA,
			      &rng);
	if (rc != 0)
		goto out;
	rc = pki_name_string(&old.subject, subject, sizeof(subject));
	if (rc != 0)
		goto out;
	memset(&spec, 0, sizeof(spec));
	spec.profile = PKI_PROFILE_CODESIGN;
	spec.subject = subject;
	spec.not_before = now - KEYSTORE_BACKDATE;
	spec.not_after = now + (time_t)days * DAY;
	rc = pki_cert_issue(&spec, &new_key, &root_key, &root, &rng, pem,
			    sizeof(pem));
	if (rc != 0)
		goto out;
	ret = mbedtls_x509_crt_parse(&fresh, pem, strlen((char *)pem) + 1);
	if (ret != 0) {
		rc = -PB_ECERT_PARSE;
		goto out;
	}
	pki_serial_hex(&fresh, serial, 65);

	/* New pair beside the old, the old certificate retired, then swap. */
	if ((rc = keystore_path(key_tmp, sizeof(key_tmp), dir,
				KEYSTORE_CODESIGN_KEY ".new")) != 0 ||
	    (rc = keystore_path(crt_tmp, sizeof(crt_tmp), dir,
				KEYSTORE_CODESIGN_CRT ".new")) != 0 ||
	    (rc = keystore_path(path, sizeof(path), dir,
				KEYSTORE_RETIRED)) != 0)
		goto out;
	if ((rc = pki_key_save(&new_key, key_tmp, 0)) != 0 ||
	    (rc = fileio_write(crt_tmp, pem, strlen((char *)pem), 0644, 0)) !=
		    0 ||
	    (rc = fileio_mkdirs(path, 0700)) != 0)
		goto out;
	pki_serial_hex(&old, old_serial, sizeof(old_serial));
	if (snprintf(retired, sizeof(retired), "%s/codesign-%s.crt", path,
		     old_serial) >= (int)sizeof(retired)) {
		rc = -PB_ETOOBIG;
		goto out;
	}
	rc = keystore_path(path, sizeof(path), dir, KEYSTORE_CODESIGN_CRT);
	if (rc == 0 && rename(path, retired) != 0)
		rc = -errno;
	if (rc == 0 && rename(crt_tmp, path) != 0)
		rc = -errno;
	if (rc == 0)
		rc = keystore_path(path, sizeof(path), dir,
				   KEYSTORE_CODESIGN_KEY);
	if (rc == 0 && rename(key_tmp, path) != 0)
		rc = -errno;
	if (rc == 0)
		rc = fileio_sync_dir(path);
	goto out;

err_path:
	log_error("%s: %s", path, pb_strerror(rc));
out:
	mbedtls_platform_zeroize(pem, sizeof(pem));
	mbedtls_x509_crt_free(&fresh);
	mbedtls_x509_crt_free(&old);
	mbedtls_x509_crt_free(&root);
	mbedtls_pk_free(&new_key);
	mbedtls_pk_free(&old_key);
	mbedtls_pk_free(&root_key);
	rng_free(&rng);
	return rc;
}

int keystore_load_signer(const char *key_path, const char *cert_path,
			 const char *extra_path, mbedtls_pk_context *key,
			 mbedtls_x509_crt *chain)
{
	const char *path = key_path;
	int rc;

	rc = pki_key_load(key, key_path);
	if (rc == 0) {
		path = cert_path;
		rc = pki_cert_load(chain, cert_path);
	}
	if (rc == 0 && extra_path) {
		path = extra_path;
		rc = pki_cert_load(chain, extra_path);
	}
	if (rc != 0) {
		log_error("%s: %s", path, pb_strerror(rc));
		return rc;
	}
	rc = pki_check_pair(chain, key);
	if (rc != 0)
		log_error("%s and %s: %s", cert_path, key_path,
			  pb_strerror(rc));
	return rc;
}
