/* keystore.c: the key directory: the ceremony that fills it and its layout. */
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

/*
 * The validity of a certificate issued under @root at @now for @days: from
 * an hour ago, but not before the root's notBefore, to @days from now,
 * but not past the root's notAfter, after which nothing would accept it.
 * A capped notAfter is said in one line naming @subject.
 */
static void keystore_validity(struct pki_cert_spec *spec,
			      const mbedtls_x509_crt *root, time_t now,
			      unsigned int days, const char *subject)
{
	char until[PKI_DATE_MAX];
	time_t from, to;

	pki_cert_validity(root, &from, &to);
	spec->not_before = now - KEYSTORE_BACKDATE;
	if (spec->not_before < from)
		spec->not_before = from;
	spec->not_after = now + (time_t)days * DAY;
	if (spec->not_after > to) {
		spec->not_after = to;
		pki_date_string(to, until);
		log_warn("%s: notAfter capped at the root CA's, %s (%u days "
			 "were asked for)", subject, until, days);
	}
}

/*
 * Refuse a root CA (@path) that is not valid at @now: whatever it issued
 * would not verify.
 */
static int keystore_root_current(const mbedtls_x509_crt *root,
				 const char *path, time_t now)
{
	char when[PKI_DATE_MAX];
	time_t from, to;

	pki_cert_validity(root, &from, &to);
	if (now > to) {
		pki_date_string(to, when);
		log_error("%s expired on %s: nothing is issued under an "
			  "expired root; make a new one with podboot keys "
			  "init, and firmware that trusts it", path, when);
		return -PB_ECMS_EXPIRED;
	}
	if (now < from) {
		pki_date_string(from, when);
		log_error("%s is not valid until %s: nothing is issued under "
			  "it before then; is this machine's clock right?",
			  path, when);
		return -PB_ECMS_NOT_YET_VALID;
	}
	return 0;
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

/* The subjectAltNames of a server certificate, sorted by kind. */
struct keystore_sans {
	const char *dns[PKI_MAX_SANS];
	const char *ips[PKI_MAX_SANS];
	size_t n_dns;
	size_t n_ips;
};

/* Sort @name, then @names, into DNS names and IP literals. */
static int keystore_sort_names(const char *name, const char *const *names,
			       size_t n_names, struct keystore_sans *sans)
{
	unsigned char addr[16];
	const char *one;
	size_t alen;
	size_t i;

	sans->n_dns = sans->n_ips = 0;
	for (i = 0; i <= n_names; i++) {
		one = i == 0 ? name : names[i - 1];
		if (sans->n_dns + sans->n_ips >= PKI_MAX_SANS) {
			log_error("at most %d names and addresses in one "
				  "certificate", PKI_MAX_SANS);
			return -PB_ETOOBIG;
		}
		if (pki_ip_parse(one, addr, &alen) == 0)
			sans->ips[sans->n_ips++] = one;
		else if (pki_dns_name_valid(one))
			sans->dns[sans->n_dns++] = one;
		else {
			log_error("'%s' is neither a DNS name nor an IP address",
				  one);
			return -PB_EBAD_NAME;
		}
	}
	return 0;
}

/* PREFIX.key, PREFIX.crt and PREFIX-chain.crt into @files. */
static int keystore_server_paths(struct keystore_server_files *files,
				 const char *prefix)
{
	if (snprintf(files->key, sizeof(files->key), "%s" KEYSTORE_KEY_EXT,
		     prefix) >= (int)sizeof(files->key) ||
	    snprintf(files->crt, sizeof(files->crt), "%s" KEYSTORE_CRT_EXT,
		     prefix) >= (int)sizeof(files->crt) ||
	    snprintf(files->chain, sizeof(files->chain),
		     "%s" KEYSTORE_CHAIN_EXT, prefix) >=
		    (int)sizeof(files->chain)) {
		log_error("%s: path too long", prefix);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* A TLS server certificate to issue: subject, names, key and lifetime. */
struct keystore_server_req {
	const char *subject;
	const struct keystore_sans *sans;
	enum pki_algo algo;
	unsigned int days;
	time_t now;			/* the time of issue */
};

/* The files of a server identity, in the order they are put in place. */
enum {
	KEYSTORE_SRV_CRT,
	KEYSTORE_SRV_CHAIN,
	KEYSTORE_SRV_KEY,
	KEYSTORE_SRV_N
};

/* Put staged files in place, all or none (keystore.h). */
int keystore_place(struct fileio_staged *files, size_t n, int flags)
{
	size_t i;
	int undo;
	int rc = 0;

	for (i = 0; rc == 0 && i < n; i++) {
		rc = fileio_place(&files[i], flags);
		if (rc != 0)
			log_error("writing %s: %s", files[i].path,
				  pb_strerror(rc));
	}
	for (i = n; i-- > 0;) {
		if (rc == 0) {
			fileio_finish(&files[i]);
			continue;
		}
		undo = fileio_undo(&files[i]);
		if (undo != 0)
			log_error("%s could not be put back: %s", files[i].path,
				  pb_strerror(undo));
	}
	return rc;
}

/*
 * Issue a TLS server certificate under @root with a fresh key and write
 * the key (0600), the certificate and the chain (certificate, then root):
 * the server's identity in keys init, a relay's in keys issue-server.
 * The certificate's PEM is left in @pem (PKI_PEM_MAX bytes).  All three
 * are written before any is put in place, the key last, and a failure
 * takes back those placed: the old, matching set stays.
 */
static int keystore_server_issue(const struct keystore_server_req *req,
				 mbedtls_pk_context *root_key,
				 const mbedtls_x509_crt *root, struct rng *rng,
				 const struct keystore_server_files *files,
				 int flags, unsigned char *pem)
{
	struct fileio_staged staged[KEYSTORE_SRV_N];
	unsigned char chain[2 * PKI_PEM_MAX];
	struct pki_cert_spec spec;
	mbedtls_pk_context key;
	const char *failed;
	size_t len, root_len;
	size_t i;
	int rc;

	mbedtls_pk_init(&key);
	for (i = 0; i < KEYSTORE_SRV_N; i++)
		fileio_staged_init(&staged[i]);
	memset(&spec, 0, sizeof(spec));
	spec.profile = PKI_PROFILE_SERVER;
	spec.subject = req->subject;
	keystore_validity(&spec, root, req->now, req->days, req->subject);
	spec.dns = req->sans->dns;
	spec.n_dns = req->sans->n_dns;
	spec.ips = req->sans->ips;
	spec.n_ips = req->sans->n_ips;
	rc = pki_key_generate(&key, req->algo, rng);
	if (rc == 0)
		rc = pki_cert_issue(&spec, &key, root_key, root, rng, pem,
				    PKI_PEM_MAX);
	if (rc != 0) {
		log_error("issuing the certificate for %s: %s", req->subject,
			  pb_strerror(rc));
		goto out;
	}

	/* The chain a TLS server sends: leaf, then the root for iPXE. */
	len = strlen((char *)pem);
	memcpy(chain, pem, len);
	rc = pki_cert_pem(root, chain + len, sizeof(chain) - len, &root_len);
	if (rc != 0)
		goto out;

	failed = files->crt;
	rc = fileio_stage(&staged[KEYSTORE_SRV_CRT], files->crt, pem, len,
			  0644);
	if (rc == 0) {
		failed = files->chain;
		rc = fileio_stage(&staged[KEYSTORE_SRV_CHAIN], files->chain,
				  chain, len + root_len, 0644);
	}
	if (rc == 0) {
		failed = files->key;
		rc = pki_key_stage(&key, &staged[KEYSTORE_SRV_KEY], files->key);
	}
	if (rc != 0) {
		log_error("writing %s: %s", failed, pb_strerror(rc));
		for (i = 0; i < KEYSTORE_SRV_N; i++)
			fileio_undo(&staged[i]);
		goto out;
	}
	rc = keystore_place(staged, KEYSTORE_SRV_N, flags);
out:
	mbedtls_pk_free(&key);
	return rc;
}

/* The algorithm of an existing key, to make another like it. */
static enum pki_algo keystore_key_algo(mbedtls_pk_context *key)
{
	return mbedtls_pk_get_type(key) == MBEDTLS_PK_RSA ? PKI_RSA : PKI_ECDSA;
}

/*
 * Load the root certificate and its key from @dir, checked to match and
 * to be valid now, to issue under.
 */
static int keystore_load_root(const char *dir, mbedtls_x509_crt *root,
			      mbedtls_pk_context *root_key)
{
	char path[PATH_MAX];
	int rc;

	rc = keystore_path(path, sizeof(path), dir, KEYSTORE_ROOT_CRT);
	if (rc == 0)
		rc = pki_cert_load(root, path);
	if (rc == -ENOENT) {
		log_error("%s not found: is %s a key directory made by "
			  "podboot keys init?", path, dir);
		return rc;
	}
	if (rc != 0)
		goto err;
	rc = keystore_path(path, sizeof(path), dir, KEYSTORE_ROOT_KEY);
	if (rc == 0)
		rc = pki_key_load(root_key, path);
	if (rc == -ENOENT) {
		log_error("%s not found: issuing needs the root CA key, which "
			  "may be kept offline; bring it back beside %s or "
			  "issue where it is kept", path, KEYSTORE_ROOT_CRT);
		return rc;
	}
	if (rc != 0)
		goto err;
	rc = pki_check_pair(root, root_key);
	if (rc != 0)
		goto err;
	rc = keystore_path(path, sizeof(path), dir, KEYSTORE_ROOT_CRT);
	if (rc == 0)
		return keystore_root_current(root, path, time(NULL));
err:
	log_error("%s: %s", path, pb_strerror(rc));
	return rc;
}

/*
 * A root CA subject no other root shares: "CN=ORG root CA DATE ID,O=ORG",
 * ID 48 random bits.  iPXE finds an issuer by its name alone, so two roots
 * of one name in one boot (a rotation, two sites) complete chains with the
 * wrong one.
 */
static int keystore_root_subject(char *out, size_t size, const char *org,
				 time_t now, struct rng *rng)
{
	unsigned char id[6];
	char day[16];
	struct tm tm;
	int n;

	if (rng_random(rng, id, sizeof(id)) != 0)
		return -PB_ERNG;
	gmtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	n = snprintf(out, size,
		     "CN=%s root CA %s %02x%02x%02x%02x%02x%02x,O=%s", org, day,
		     id[0], id[1], id[2], id[3], id[4], id[5], org);
	if (n < 0 || (size_t)n >= size)
		return -PB_ETOOBIG;
	return 0;
}

int keystore_init(const struct keystore_init_opts *opts, char fingerprint[65])
{
	unsigned char pem[PKI_PEM_MAX];
	char subject[512];
	char path[PATH_MAX];
	struct keystore_server_files files;
	struct keystore_server_req req;
	struct keystore_sans sans;
	mbedtls_pk_context root_key, cs_key;
	mbedtls_x509_crt root;
	struct rng rng = { .seeded = 0 };
	struct pki_cert_spec spec;
	time_t now = time(NULL);
	size_t i;
	int flags = opts->force ? 0 : FILEIO_EXCL;
	int ret;
	int rc;

	mbedtls_pk_init(&root_key);
	mbedtls_pk_init(&cs_key);
	mbedtls_x509_crt_init(&root);

	rc = keystore_sort_names(opts->server_name, opts->names, opts->n_names,
				 &sans);
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
	    (rc = pki_key_generate(&cs_key, opts->algo, &rng)) != 0)
		goto out;

	/* Root CA, self-signed. */
	memset(&spec, 0, sizeof(spec));
	spec.profile = PKI_PROFILE_ROOT;
	spec.subject = subject;
	spec.not_before = now - KEYSTORE_BACKDATE;
	spec.not_after = now + (time_t)opts->root_days * DAY;
	rc = keystore_root_subject(subject, sizeof(subject), opts->org, now,
				   &rng);
	if (rc != 0)
		goto out;
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

	/* Code signing, under the root. */
	spec.profile = PKI_PROFILE_CODESIGN;
	snprintf(subject, sizeof(subject), "CN=%s,O=%s", KEYSTORE_CODESIGN_CN,
		 opts->org);
	keystore_validity(&spec, &root, now, opts->leaf_days, subject);
	rc = keystore_issue(opts->dir, KEYSTORE_CODESIGN_KEY,
			    KEYSTORE_CODESIGN_CRT, &spec, &cs_key, &root_key,
			    &root, &rng, pem, flags);
	if (rc != 0)
		goto out;

	/* TLS server, under the root, with every name and address. */
	snprintf(subject, sizeof(subject), "CN=%s,O=%s", opts->server_name,
		 opts->org);
	req.subject = subject;
	req.sans = &sans;
	req.algo = opts->algo;
	req.days = opts->leaf_days;
	req.now = now;
	rc = keystore_path(path, sizeof(path), opts->dir, KEYSTORE_SERVER);
	if (rc == 0)
		rc = keystore_server_paths(&files, path);
	if (rc == 0)
		rc = keystore_server_issue(&req, &root_key, &root, &rng, &files,
					   flags, pem);
out:
	mbedtls_platform_zeroize(pem, sizeof(pem));
	mbedtls_x509_crt_free(&root);
	mbedtls_pk_free(&cs_key);
	mbedtls_pk_free(&root_key);
	rng_free(&rng);
	return rc;
}

/*
 * Fill @files from the prefix asked for, or DIR/issued/NAME (DIR/issued
 * created 0700); without force, refuse if any of the files exists.
 */
static int keystore_issue_paths(const struct keystore_issue_opts *opts,
				struct keystore_server_files *files)
{
	const char *const paths[] = { files->key, files->crt, files->chain };
	char issued[PATH_MAX];
	char prefix[PATH_MAX];
	size_t i;
	int rc;

	if (opts->prefix) {
		rc = keystore_server_paths(files, opts->prefix);
	} else {
		rc = keystore_path(issued, sizeof(issued), opts->dir,
				   KEYSTORE_ISSUED);
		if (rc == 0)
			rc = keystore_path(prefix, sizeof(prefix), issued,
					   opts->name);
		if (rc != 0)
			log_error("%s: path too long", opts->dir);
		if (rc == 0 && (rc = fileio_mkdirs(issued, 0700)) != 0)
			log_error("creating %s: %s", issued, pb_strerror(rc));
		if (rc == 0)
			rc = keystore_server_paths(files, prefix);
	}
	for (i = 0; rc == 0 && !opts->force && i < 3; i++) {
		if (fileio_exists(paths[i])) {
			log_error("%s exists; certificates are never replaced "
				  "without --force", paths[i]);
			rc = -PB_EKEYS_EXIST;
		}
	}
	return rc;
}

int keystore_issue_server(const struct keystore_issue_opts *opts,
			  struct keystore_server_files *files,
			  mbedtls_x509_crt *crt)
{
	unsigned char pem[PKI_PEM_MAX];
	char subject[300];
	struct keystore_server_req req;
	struct keystore_sans sans;
	mbedtls_pk_context root_key;
	mbedtls_x509_crt root;
	struct rng rng = { .seeded = 0 };
	int ret;
	int rc;

	mbedtls_pk_init(&root_key);
	mbedtls_x509_crt_init(&root);

	rc = keystore_sort_names(opts->name, opts->names, opts->n_names, &sans);
	if (rc != 0)
		goto out;
	/* NAME is a DNS name or an address: nothing in it to escape. */
	snprintf(subject, sizeof(subject), "CN=%s", opts->name);
	rc = keystore_load_root(opts->dir, &root, &root_key);
	if (rc != 0)
		goto out;
	rc = keystore_issue_paths(opts, files);
	if (rc != 0)
		goto out;
	rc = rng_init(&rng, "podboot keys issue-server");
	if (rc != 0) {
		log_error("%s", pb_strerror(rc));
		goto out;
	}
	req.subject = subject;
	req.sans = &sans;
	req.algo = opts->algo;
	if (!opts->algo_given)
		req.algo = keystore_key_algo(&root_key);
	req.days = opts->days;
	req.now = time(NULL);
	rc = keystore_server_issue(&req, &root_key, &root, &rng, files,
				   opts->force ? 0 : FILEIO_EXCL, pem);
	if (rc != 0)
		goto out;
	ret = mbedtls_x509_crt_parse(crt, pem, strlen((char *)pem) + 1);
	if (ret != 0) {
		log_mbedtls("re-reading the new certificate", ret);
		log_error("%s: %s", files->crt, pb_strerror(-PB_ECERT_PARSE));
		rc = -PB_ECERT_PARSE;
	}
out:
	mbedtls_x509_crt_free(&root);
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

	if ((rc = keystore_load_root(dir, &root, &root_key)) != 0)
		goto out;
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
	rc = pki_key_generate(&new_key, keystore_key_algo(&old_key), &rng);
	if (rc != 0)
		goto out;
	rc = pki_name_string(&old.subject, subject, sizeof(subject));
	if (rc != 0)
		goto out;
	memset(&spec, 0, sizeof(spec));
	spec.profile = PKI_PROFILE_CODESIGN;
	spec.subject = subject;
	keystore_validity(&spec, &root, now, days, subject);
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
