/* artifact.c: signed artifacts: streaming upload hashed while written,
 * signed, and published atomically (downloads: artifact_download.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "artifact.h"
#include "artifact_int.h"
#include "artifact_uefi.h"
#include "digest.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "pki.h"
#include "provision.h"
#include "transfer.h"

int artifact_dirs(const char *data_dir)
{
	char path[PATH_MAX];
	int rc;

	rc = fileio_join(path, sizeof(path), data_dir, ARTIFACT_BLOBS);
	if (rc == 0)
		rc = fileio_mkdirs(path, 0750);
	if (rc == 0)
		rc = fileio_join(path, sizeof(path), data_dir, ARTIFACT_TMP);
	if (rc == 0)
		rc = fileio_mkdirs(path, 0700);
	return rc;
}

/* Leftovers of uploads cut short by a crash are never visible: drop them
 * (only those untouched for @min_age_s: another replica's upload in the
 * shared directory is being written). */
int artifact_clean_tmp(const char *data_dir, long long min_age_s)
{
	char dir[PATH_MAX], path[PATH_MAX];
	time_t now = time(NULL);
	struct stat sb;
	struct dirent *de;
	DIR *d;
	int rc;

	rc = fileio_join(dir, sizeof(dir), data_dir, ARTIFACT_TMP);
	if (rc != 0)
		return rc;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "upload-", 7) != 0)
			continue;
		if (fileio_join(path, sizeof(path), dir, de->d_name) != 0)
			continue;
		if (min_age_s && (stat(path, &sb) != 0 ||
				  (long long)(now - sb.st_mtime) < min_age_s))
			continue;
		if (unlink(path) == 0)
			log_info("removed interrupted upload %s", path);
	}
	closedir(d);
	return 0;
}

int artifact_blob_path(const char *data_dir, const char *sha256, int sig,
		       char *out, size_t size)
{
	int n = snprintf(out, size, "%s/" ARTIFACT_BLOBS "/%s%s", data_dir,
			 sha256, sig ? ".sig" : "");

	return n < 0 || (size_t)n >= size ? -PB_ETOOBIG : 0;
}

/* ---- upload ----------------------------------------------------------- */

/* One upload or import in progress: its temporary file and running hash. */
struct upload {
	int fd;
	char tmp[PATH_MAX];
	char name[129];
	char token[CONFIG_NAME_MAX];
	struct digest digest;
	unsigned long long size;
	unsigned long long max;
};

/* Declared in artifact_int.h. */
int artifact_lock(const char *data_dir)
{
	char path[PATH_MAX];
	int fd, rc;

	rc = fileio_join(path, sizeof(path), data_dir,
			 ARTIFACT_BLOBS "/.publish.lock");
	if (rc != 0)
		return rc;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			rc = -errno;
			close(fd);
			return rc;
		}
	}
	return fd;
}

/* The store pruned the version of hash @sha256: remove its blob and
 * signature from data directory @ctx. */
static void artifact_gone(void *ctx, const char *sha256)
{
	const char *data_dir = ctx;
	char path[PATH_MAX];
	int sig;

	for (sig = 0; sig < 2; sig++)
		if (artifact_blob_path(data_dir, sha256, sig, path,
				       sizeof(path)) == 0)
			unlink(path);
}

/* Declared in artifact_int.h. */
void artifact_signed_by(const struct signer *signer, struct store_artifact *a)
{
	long long not_after = 0;

	snprintf(a->signer, sizeof(a->signer), "%s", signer_subject(signer));
	snprintf(a->signer_serial, sizeof(a->signer_serial), "%s",
		 signer_serial(signer, &not_after));
	a->signer_not_after = not_after;
}

/* Put variant @v's .sig, then its blob, in place under @data_dir (the
 * caller holds artifact_lock()); nothing for no variant. */
static int artifact_uefi_write(const struct artifact_variant *v,
			       const char *data_dir)
{
	char blob[PATH_MAX], sig[PATH_MAX];
	int rc;

	if (!v->img)
		return 0;
	rc = artifact_blob_path(data_dir, v->sha256, 0, blob, sizeof(blob));
	if (rc == 0)
		rc = artifact_blob_path(data_dir, v->sha256, 1, sig,
					sizeof(sig));
	/* Signature first: a blob is never visible without one. */
	if (rc == 0)
		rc = fileio_write(sig, v->sig, v->sig_len, 0644, 0);
	if (rc == 0)
		rc = fileio_write(blob, v->img, v->len, 0644, 0);
	return rc;
}

/*
 * Hash known: sign, make blob and signature durable, then record the
 * version in the store.  Shared by uploads and offline imports.
 */
static int artifact_publish(struct upload *u, struct signer *signer,
			    struct store *st, const char *data_dir,
			    unsigned int keep, struct store_artifact *a)
{
	char blob[PATH_MAX], sig[PATH_MAX];
	struct artifact_variant v;
	uint8_t hash[32];
	unsigned char *der = NULL;
	size_t der_len;
	int lock = -1;
	int rc;

	digest_final(&u->digest, hash);
	digest_hex(hash, sizeof(hash), a->sha256);
	memset(&v, 0, sizeof(v));
	rc = signer_sign_digest(signer, digest_by_md(MBEDTLS_MD_SHA256), hash,
				&der, &der_len);
	if (rc != 0)
		return rc;
	/* An EFI kernel: its UEFI-signed variant, published with it. */
	if ((rc = artifact_uefi_prepare(signer, u->tmp, &v)) != 0)
		goto out;
	if (fsync(u->fd) != 0) {
		rc = -errno;
		goto out;
	}
	close(u->fd);
	u->fd = -1;
	if ((rc = artifact_blob_path(data_dir, a->sha256, 0, blob,
				     sizeof(blob))) != 0 ||
	    (rc = artifact_blob_path(data_dir, a->sha256, 1, sig,
				     sizeof(sig))) != 0)
		goto out;
	/*
	 * Publishing and pruning exclude each other, across threads and
	 * processes (podboot publish): otherwise a prune could delete a blob
	 * that a concurrent upload of the same content has just put in place.
	 */
	if ((lock = artifact_lock(data_dir)) < 0) {
		rc = lock;
		goto out;
	}
	/* The variant before the version that names it. */
	if ((rc = artifact_uefi_write(&v, data_dir)) != 0)
		goto out;
	/* Signature first: a blob is never visible without one. */
	if ((rc = fileio_write(sig, der, der_len, 0644, 0)) != 0)
		goto out;
	if (chmod(u->tmp, 0644) != 0 || rename(u->tmp, blob) != 0) {
		rc = -errno;
		goto out;
	}
	u->tmp[0] = '\0';
	if ((rc = fileio_sync_dir(blob)) != 0)
		goto out;
	snprintf(a->name, sizeof(a->name), "%s", u->name);
	artifact_signed_by(signer, a);
	a->size = u->size;
	snprintf(a->uefi_sha256, sizeof(a->uefi_sha256), "%s", v.sha256);
	rc = store_artifact_add(st, a, keep, artifact_gone, (void *)data_dir);
out:
	if (lock >= 0)
		close(lock);	/* releases the lock */
	artifact_uefi_free(&v);
	free(der);
	return rc;
}

/* Begin an upload or import: a temporary file in the data directory. */
static int artifact_begin(struct upload *u, const char *data_dir,
			  const char *name, unsigned long long max)
{
	memset(u, 0, sizeof(*u));
	u->fd = -1;
	u->max = max;
	snprintf(u->name, sizeof(u->name), "%s", name);
	if (fileio_join(u->tmp, sizeof(u->tmp), data_dir,
			ARTIFACT_TMP "/upload-XXXXXX") != 0)
		return -PB_ETOOBIG;
	u->fd = mkostemp(u->tmp, O_CLOEXEC);
	if (u->fd < 0) {
		u->tmp[0] = '\0';
		return -errno;
	}
	digest_init(&u->digest, digest_by_md(MBEDTLS_MD_SHA256));
	return 0;
}

/* Append @len bytes: hashed as they are written. */
static int artifact_append(struct upload *u, const char *data, size_t len)
{
	int rc;

	if (len > u->max - u->size)
		return -PB_ETOOBIG;
	digest_update(&u->digest, data, len);
	rc = fileio_write_all(u->fd, data, len);
	if (rc != 0)
		return rc;
	u->size += len;
	return 0;
}

/* Whatever happened, leave no temporary file behind. */
static void artifact_abort(struct upload *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	if (u->tmp[0])
		unlink(u->tmp);
	u->tmp[0] = '\0';
}

int artifact_import(struct store *st, struct signer *signer,
		    const char *data_dir, unsigned int keep, const char *name,
		    int fd, struct store_artifact *out)
{
	struct upload u;
	char buf[65536];
	ssize_t n;
	int rc;

	if (config_artifact_name_valid(name) != 0)
		return -PB_EBAD_NAME;
	rc = artifact_begin(&u, data_dir, name, ~0ULL);
	while (rc == 0) {
		n = fileio_read_some(fd, buf, sizeof(buf));
		if (n <= 0) {
			rc = (int)n;
			break;
		}
		rc = artifact_append(&u, buf, (size_t)n);
	}
	memset(out, 0, sizeof(*out));
	if (rc == 0)
		rc = artifact_publish(&u, signer, st, data_dir, keep, out);
	artifact_abort(&u);
	return rc;
}

/*
 * PUT /api/v1/artifacts/NAME begins: check the name, the token's
 * "upload:NAME" scope and the declared length, then open the temporary
 * file (owned by r->ctx until artifact_upload_cleanup).
 */
static int artifact_upload_start(struct http_req *r)
{
	unsigned long long max = r->gen->cfg->max_upload;
	const struct config_token *tok;
	struct upload *u;
	char scope[160];
	int rc;

	if (config_artifact_name_valid(r->rest) != 0)
		return http_refuse(r, 400, "'%.140s' is not a valid artifact "
					   "name (segments of [A-Za-z0-9._+-] "
					   "joined by /, not ending in .sig)",
				   r->rest);
	snprintf(scope, sizeof(scope), "upload:%s", r->rest);
	tok = http_require_scope(r, scope);
	if (!tok)
		return http_status_rc(401);
	if (artifact_upload_length(http_header(r,
					       MHD_HTTP_HEADER_CONTENT_LENGTH),
				   max) != 0)
		return http_refuse(r, 413, "artifact larger than the limit of "
					   "%llu bytes", max);
	/* Authorised: the body is a transfer (reserve, minimum rate). */
	if (http_transfer_begin(r, TRANSFER_UPLOAD | TRANSFER_RESERVED) != 0)
		return http_status_rc(503);
	u = calloc(1, sizeof(*u));
	if (!u)
		return http_refuse(r, 503, "out of memory");
	if ((rc = artifact_begin(u, r->srv->data_dir, r->rest, max)) != 0) {
		log_error("creating %s: %s", u->tmp, pb_strerror(rc));
		free(u);
		return http_refuse(r, 503, "cannot store the upload now");
	}
	snprintf(u->token, sizeof(u->token), "%s", tok->name);
	r->ctx = u;
	return 0;
}

/* A piece of the upload's body: appended and hashed; refused (413, 507)
 * past the limit or when it cannot be stored. */
static int artifact_upload_body(struct http_req *r, const char *data,
				size_t len)
{
	struct upload *u = r->ctx;
	int rc = artifact_append(u, data, len);

	if (rc == -PB_ETOOBIG)
		http_body_refuse(r, 413, "artifact larger than the limit of "
					 "%llu bytes", u->max);
	else if (rc != 0)
		http_body_refuse(r, 507, "cannot store the upload: %s",
				 pb_strerror(rc));
	if (rc != 0)
		artifact_abort(u);	/* free the disk at once */
	return rc;
}

/* Tell the uploader where version @a is, and record its upload. */
static void artifact_upload_done(struct http_req *r, const struct upload *u,
				 const struct store_artifact *a)
{
	char url[512], until[PKI_DATE_MAX];
	json_t *j;

	atomic_fetch_add(&r->srv->stats.uploads, 1);
	atomic_fetch_add(&r->srv->stats.upload_bytes, u->size);
	pki_date_string((time_t)a->signer_not_after, until);
	store_event_add(r->srv->store, "upload", a->name,
			"sha256 %s, %llu bytes, token %s from %s, signed by %s "
			"(serial %s, valid until %s)",
			a->sha256, a->size, u->token, r->client, a->signer,
			a->signer_serial, until);
	log_info("published %s sha256:%s (%llu bytes) for token %s", a->name,
		 a->sha256, a->size, u->token);
	snprintf(url, sizeof(url), "%s/artifacts/%s@sha256:%s",
		 r->gen->cfg->base_url, a->name, a->sha256);
	j = json_pack("{s:s, s:I, s:s, s:s, s:s, s:o, s:s, s:s+}",
				  "name", a->name, "size", (json_int_t)a->size,
				  "sha256", a->sha256, "signer", a->signer,
				  "signer_serial", a->signer_serial,
				  "signer_not_after",
				  artifact_time_json(a->signer_not_after),
				  "url", url, "signature", url, ".sig");
	if (j && a->uefi_sha256[0]) {	/* an EFI kernel's signed variant */
		snprintf(url, sizeof(url), "%s/artifacts/%s@sha256:%s",
			 r->gen->cfg->base_url, a->name, a->uefi_sha256);
		json_object_set_new(j, "uefi", json_pack("{s:s, s:s, s:s+}",
				    "sha256", a->uefi_sha256, "url", url,
				    "signature", url, ".sig"));
	}
	http_reply_json(r, 201, j);
}

/*
 * The body is in: sign and publish it (201 with its URLs).  A signer that
 * is gone is answered 503 (the server exits; the client retries), any
 * other failure 500.
 */
static int artifact_upload_finish(struct http_req *r)
{
	struct upload *u = r->ctx;
	struct store_artifact a;
	int rc;

	if (!u)
		return http_refuse(r, 500, "upload not started");
	memset(&a, 0, sizeof(a));
	rc = artifact_publish(u, r->gen->signer, r->srv->store,
			      r->srv->data_dir, r->gen->cfg->keep_versions,
			      &a);
	if (rc != 0) {
		log_error("publishing %s: %s", u->name, pb_strerror(rc));
		return http_refuse(r, provision_sign_status(rc),
				   "publishing %s failed: %s", u->name,
				   pb_strerror(rc));
	}
	atomic_fetch_add(&r->srv->stats.signatures, 1);
	artifact_upload_done(r, u, &a);
	return 0;
}

/* The request is over: a temporary file never published is removed. */
static void artifact_upload_cleanup(struct http_req *r, int completed)
{
	struct upload *u = r->ctx;

	(void)completed;
	if (!u)
		return;
	artifact_abort(u);	/* never published: leaves no trace */
	free(u);
	r->ctx = NULL;
}

const struct http_route routes_artifact[] = {
	{ "GET", "/artifacts/", 0, artifact_get, NULL, NULL, NULL, 1 },
	{ "PUT", "/api/v1/artifacts/", 0, artifact_upload_start,
	  artifact_upload_body, artifact_upload_finish,
	  artifact_upload_cleanup, 0 },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 },
};
