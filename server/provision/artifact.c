/* artifact.c: signed artifacts: streaming upload with atomic publish, and
 * download with ETag and Range. */
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
#include <unistd.h>

#include "artifact.h"
#include "digest.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "num.h"
#include "transfer.h"

#define ARTIFACT_BLOBS "blobs/sha256"
#define ARTIFACT_TMP "tmp"

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

/* Leftovers of uploads cut short by a crash are never visible: drop them. */
int artifact_clean_tmp(const char *data_dir)
{
	char dir[PATH_MAX], path[PATH_MAX];
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
		if (fileio_join(path, sizeof(path), dir, de->d_name) == 0 &&
		    unlink(path) == 0)
			log_info("removed interrupted upload %s", path);
	}
	closedir(d);
	return 0;
}

static int artifact_blob_path(const char *data_dir, const char *sha256,
			      int sig, char *out, size_t size)
{
	int n = snprintf(out, size, "%s/" ARTIFACT_BLOBS "/%s%s", data_dir,
			 sha256, sig ? ".sig" : "");

	return n < 0 || (size_t)n >= size ? -PB_ETOOBIG : 0;
}

/* ---- upload ----------------------------------------------------------- */

struct upload {
	int fd;
	char tmp[PATH_MAX];
	char name[129];
	char token[CONFIG_NAME_MAX];
	struct digest digest;
	unsigned long long size;
	unsigned long long max;
};

/* An exclusive lock on the blob directory; close the fd to release it. */
static int artifact_lock(const char *data_dir)
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

/*
 * Hash known: sign, make blob and signature durable, then record the
 * version in the store.  Shared by uploads and offline imports.
 */
static int artifact_publish(struct upload *u, struct signer *signer,
			    struct store *st, const char *data_dir,
			    unsigned int keep, struct store_artifact *a)
{
	char blob[PATH_MAX], sig[PATH_MAX];
	uint8_t hash[32];
	unsigned char *der = NULL;
	size_t der_len;
	int lock = -1;
	int rc;

	digest_final(&u->digest, hash);
	digest_hex(hash, sizeof(hash), a->sha256);
	rc = signer_sign_digest(signer, digest_by_md(MBEDTLS_MD_SHA256), hash,
				&der, &der_len);
	if (rc != 0)
		return rc;
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
	snprintf(a->signer, sizeof(a->signer), "%s", signer_subject(signer));
	a->size = u->size;
	rc = store_artifact_add(st, a, keep, artifact_gone, (void *)data_dir);
out:
	if (lock >= 0)
		close(lock);	/* releases the lock */
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

static int artifact_upload_start(struct http_req *r)
{
	const struct config_token *tok;
	const char *len_hdr;
	struct upload *u;
	char scope[160];
	uint64_t len;

	if (config_artifact_name_valid(r->rest) != 0) {
		http_reply_error(r, 400, "'%.140s' is not a valid artifact "
					 "name (segments of [A-Za-z0-9._+-] "
					 "joined by /, not ending in .sig)",
				 r->rest);
		return 0;
	}
	snprintf(scope, sizeof(scope), "upload:%s", r->rest);
	tok = http_require_scope(r, scope);
	if (!tok)
		return 0;
	len_hdr = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (len_hdr && num_parse_u64(len_hdr, strlen(len_hdr),
				     r->gen->cfg->max_upload, &len) != 0) {
		http_reply_error(r, 413, "artifact larger than the limit of "
					 "%llu bytes",
				 r->gen->cfg->max_upload);
		return 0;
	}
	/* Authorised: the body is a transfer (reserve, minimum rate). */
	if (http_transfer_begin(r, TRANSFER_UPLOAD | TRANSFER_RESERVED) != 0)
		return 0;
	u = calloc(1, sizeof(*u));
	if (!u) {
		http_reply_error(r, 503, "out of memory");
		return 0;
	}
	if (artifact_begin(u, r->srv->data_dir, r->rest,
			   r->gen->cfg->max_upload) != 0) {
		log_error("creating %s: %s", u->tmp, strerror(errno));
		free(u);
		http_reply_error(r, 503, "cannot store the upload now");
		return 0;
	}
	snprintf(u->token, sizeof(u->token), "%s", tok->name);
	r->ctx = u;
	return 0;
}

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


static int artifact_upload_finish(struct http_req *r)
{
	struct upload *u = r->ctx;
	struct store_artifact a;
	char url[512];
	int rc;

	if (!u) {
		http_reply_error(r, 500, "upload not started");
		return 0;
	}
	memset(&a, 0, sizeof(a));
	rc = artifact_publish(u, r->gen->signer, r->srv->store,
			      r->srv->data_dir, r->gen->cfg->keep_versions,
			      &a);
	if (rc == 0)
		atomic_fetch_add(&r->srv->stats.signatures, 1);
	if (rc != 0) {
		log_error("publishing %s: %s", u->name, pb_strerror(rc));
		http_reply_error(r, 500, "publishing %s failed: %s", u->name,
				 pb_strerror(rc));
		return 0;
	}
	atomic_fetch_add(&r->srv->stats.uploads, 1);
	atomic_fetch_add(&r->srv->stats.upload_bytes, u->size);
	store_event_add(r->srv->store, "upload", a.name,
			"sha256 %s, %llu bytes, token %s from %s, signed by %s",
			a.sha256, a.size, u->token, r->client, a.signer);
	log_info("published %s sha256:%s (%llu bytes) for token %s", a.name,
		 a.sha256, a.size, u->token);
	snprintf(url, sizeof(url), "%s/artifacts/%s@sha256:%s",
		 r->gen->cfg->base_url, a.name, a.sha256);
	http_reply_json(r, 201,
			json_pack("{s:s, s:I, s:s, s:s, s:s, s:s+}", "name",
				  a.name, "size", (json_int_t)a.size, "sha256",
				  a.sha256, "signer", a.signer, "url", url,
				  "signature", url, ".sig"));
	return 0;
}

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

/* ---- download --------------------------------------------------------- */

/* "NAME", "NAME@sha256:HEX", either with ".sig": split and validate. */
static int artifact_parse_ref(const char *ref, char name[129],
			      char sha[65], int *sig)
{
	char buf[256];
	size_t len = strlen(ref);
	char *at;

	if (len >= sizeof(buf))
		return -PB_EBAD_NAME;
	memcpy(buf, ref, len + 1);
	*sig = len > 4 && strcmp(buf + len - 4, ".sig") == 0;
	if (*sig)
		buf[len - 4] = '\0';
	sha[0] = '\0';
	at = strchr(buf, '@');
	if (at) {
		*at = '\0';
		if (strncmp(at + 1, "sha256:", 7) != 0 ||
		    strlen(at + 8) != 64 ||
		    strspn(at + 8, "0123456789abcdef") != 64)
			return -PB_EBAD_NAME;
		memcpy(sha, at + 8, 65);
	}
	if (config_artifact_name_valid(buf) != 0 || strlen(buf) > 128)
		return -PB_EBAD_NAME;
	memcpy(name, buf, strlen(buf) + 1);
	return 0;
}

/*
 * A range's number at *@s: plain digits (no sign, no blank, at least one)
 * that fit 64 bits; *@s is moved past them.  0, or -1 if there is none.
 */
static int artifact_range_number(const char **s, unsigned long long *v)
{
	const char *p = *s;
	unsigned int d;

	if (*p < '0' || *p > '9')
		return -1;
	for (*v = 0; *p >= '0' && *p <= '9'; p++) {
		d = (unsigned int)(*p - '0');
		if (*v > (ULLONG_MAX - d) / 10)
			return -1;
		*v = *v * 10 + d;
	}
	*s = p;
	return 0;
}

/* One "bytes=" range against @size: 1 if ranged, 0 if whole, -1 if bad
 * (malformed or unsatisfiable: 416). */
static int artifact_range(const char *hdr, unsigned long long size,
			  unsigned long long *off, unsigned long long *len)
{
	unsigned long long a, b;

	if (!hdr || strncmp(hdr, "bytes=", 6) != 0 || strchr(hdr, ',') ||
	    size == 0)
		return 0;	/* absent, other units, several, empty: whole */
	hdr += 6;
	if (*hdr == '-') {	/* -N: the last N bytes */
		hdr++;
		if (artifact_range_number(&hdr, &b) != 0 || *hdr || b == 0)
			return -1;
		*off = b > size ? 0 : size - b;
		*len = size - *off;
		return 1;
	}
	/* A-B, or A- to the end */
	if (artifact_range_number(&hdr, &a) != 0 || *hdr != '-' || a >= size)
		return -1;
	hdr++;
	b = size - 1;
	if (*hdr && (artifact_range_number(&hdr, &b) != 0 || *hdr || b < a))
		return -1;
	if (b >= size)
		b = size - 1;
	*off = a;
	*len = b - a + 1;
	return 1;
}

/* Plain HTTP serves only what pods allowing unverified boot install. */
static int artifact_plain_allowed(const struct config *cfg, const char *name)
{
	const struct config_node *n;
	size_t i;

	for (i = 0; i < cfg->n_nodes; i++) {
		n = &cfg->nodes[i];
		if (n->pod->allow_unverified &&
		    (strcmp(n->profile->kernel, name) == 0 ||
		     strcmp(n->profile->initrd, name) == 0))
			return 1;
	}
	return 0;
}

/* A file served in large blocks: libmicrohttpd's own file responses read
 * 4 KiB at a time over TLS, which costs a syscall and a record each. */
#define ARTIFACT_BLOCK (256 * 1024)
/* Bodies from this size on go out corked (see http_cork). */
#define ARTIFACT_CORK_MIN (1024 * 1024)

struct artifact_reader {
	int fd;
	unsigned long long off;		/* of the first byte served */
};

static ssize_t artifact_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct artifact_reader *rd = cls;
	ssize_t n;

	do
		n = pread(rd->fd, buf, max, (off_t)(rd->off + pos));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return n < 0 ? MHD_CONTENT_READER_END_WITH_ERROR : n;
}

static void artifact_reader_free(void *cls)
{
	struct artifact_reader *rd = cls;

	close(rd->fd);
	free(rd);
}

/* A response of @len bytes of @fd from @off; takes ownership of @fd. */
static struct MHD_Response *artifact_response(int fd, unsigned long long off,
					      unsigned long long len)
{
	struct artifact_reader *rd = malloc(sizeof(*rd));
	struct MHD_Response *resp;

	if (!rd) {
		close(fd);
		return NULL;
	}
	rd->fd = fd;
	rd->off = off;
	resp = MHD_create_response_from_callback(len, ARTIFACT_BLOCK,
						 artifact_read, rd,
						 artifact_reader_free);
	if (!resp)
		artifact_reader_free(rd);
	return resp;
}

static int artifact_get(struct http_req *r)
{
	struct store_artifact a;
	struct MHD_Response *resp;
	unsigned long long off = 0, len;
	char name[129], sha[65], path[PATH_MAX], etag[80], range_hdr[96];
	const char *inm;
	struct stat st;
	int sig, fd, ranged;

	if (http_args_only(r, (const char *const[]){ NULL }) != 0)
		return 0;
	if (artifact_parse_ref(r->rest, name, sha, &sig) != 0) {
		http_reply_error(r, 400, "not a valid artifact reference");
		return 0;
	}
	if (r->plain && !artifact_plain_allowed(r->gen->cfg, name)) {
		http_reply_error(r, 403, "%s is not served over plain HTTP",
				 name);
		return 0;
	}
	if (store_artifact_get(r->srv->store, name, sha[0] ? sha : NULL,
			       &a) != 0) {
		http_reply_error(r, 404, "no artifact %s%s%s", name,
				 sha[0] ? "@sha256:" : "", sha);
		return 0;
	}
	if (artifact_blob_path(r->srv->data_dir, a.sha256, sig, path,
			       sizeof(path)) != 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		log_error("artifact %s: %s: %s", name, path, strerror(errno));
		http_reply_error(r, 500, "artifact %s is missing its file",
				 name);
		return 0;
	}
	if (fstat(fd, &st) != 0) {
		close(fd);
		http_reply_error(r, 500, "artifact %s unreadable", name);
		return 0;
	}
	len = (unsigned long long)st.st_size;
	/* The blob's name is its hash: a perfect strong validator. */
	snprintf(etag, sizeof(etag), "\"%s%s\"", a.sha256, sig ? ".sig" : "");
	inm = http_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (!sig && inm && strcmp(inm, etag) == 0) {
		close(fd);
		resp = http_response_data("", 0, NULL);
		if (resp)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG,
						etag);
		http_queue(r, 304, resp);
		return 0;
	}
	ranged = artifact_range(http_header(r, MHD_HTTP_HEADER_RANGE), len,
				&off, &len);
	if (ranged < 0) {
		close(fd);
		snprintf(range_hdr, sizeof(range_hdr), "bytes */%llu",
			 (unsigned long long)st.st_size);
		resp = http_response_data("", 0, NULL);
		if (resp)
			MHD_add_response_header(
				resp, MHD_HTTP_HEADER_CONTENT_RANGE, range_hdr);
		http_queue(r, 416, resp);
		return 0;
	}
	/* A body that outlasts the socket buffers is a transfer: it takes
	 * a place outside the reserve, and keeps limits.min_rate. */
	if (len >= TRANSFER_MIN_BODY && strcmp(r->method, "GET") == 0 &&
	    http_transfer_begin(r, TRANSFER_DOWNLOAD | TRANSFER_RESERVED) !=
		    0) {
		close(fd);
		return 0;
	}
	resp = artifact_response(fd, off, len);
	if (!resp) {
		http_reply_error(r, 503, "out of memory");
		return 0;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				sig ? "application/pkcs7-signature" :
				      "application/octet-stream");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, "X-Podboot-Sha256", a.sha256);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				sha[0] ? "public, max-age=31536000, immutable" :
					 "no-cache");
	if (ranged) {
		snprintf(range_hdr, sizeof(range_hdr), "bytes %llu-%llu/%llu",
			 off, off + len - 1, (unsigned long long)st.st_size);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE,
					range_hdr);
	}
	/* HEAD sends no body: nothing to gather. */
	if (len >= ARTIFACT_CORK_MIN && strcmp(r->method, "GET") == 0)
		http_cork(r);
	http_queue(r, ranged ? 206 : 200, resp);
	return 0;
}

const struct http_route routes_artifact[] = {
	{ "GET", "/artifacts/", 0, artifact_get, NULL, NULL, NULL, 1 },
	{ "PUT", "/api/v1/artifacts/", 0, artifact_upload_start,
	  artifact_upload_body, artifact_upload_finish,
	  artifact_upload_cleanup, 0 },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 },
};
