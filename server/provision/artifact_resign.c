/* artifact_resign.c: after a rotation of the code-signing key, every
 * current artifact signed again by the current key: each blob checked
 * against its content address, its new signature published atomically
 * (under the publish lock, as an upload's), the catalogue and the audit
 * trail told.  POST /api/v1/artifacts/resign. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifact.h"
#include "artifact_int.h"
#include "digest.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "pki.h"
#include "provision.h"

/* The current versions, by content: what a re-sign signs. */
struct resign_list {
	struct store_artifact *a;
	size_t n, cap;
};

/* Store walk callback: keep current version @a in the list @ctx; 0 or
 * -ENOMEM. */
static int resign_collect(void *ctx, const struct store_artifact *a)
{
	struct resign_list *l = ctx;
	struct store_artifact *p;
	size_t cap;

	if (!a->current)
		return 0;
	if (l->n == l->cap) {
		cap = l->cap ? 2 * l->cap : 16;
		p = realloc(l->a, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		l->a = p;
		l->cap = cap;
	}
	l->a[l->n++] = *a;
	return 0;
}

/*
 * The SHA-256 of blob @sha256 of @data_dir into @hash, checked against
 * its name: a blob changed on disk is never signed again.
 *
 * @ret rc		0; -ENOENT (pruned meanwhile); -EBADMSG when the
 *			content is not what its name says; a read error
 */
static int resign_hash(const char *data_dir, const char *sha256,
		       uint8_t hash[DIGEST_MAX_SIZE])
{
	const struct digest_alg *alg = digest_by_md(MBEDTLS_MD_SHA256);
	uint8_t out[1][DIGEST_MAX_SIZE];
	char path[PATH_MAX], hex[65];
	int fd, rc;

	rc = artifact_blob_path(data_dir, sha256, 0, path, sizeof(path));
	if (rc != 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = digest_fd(fd, &alg, 1, out, NULL);
	close(fd);
	if (rc != 0)
		return rc;
	digest_hex(out[0], 32, hex);
	if (strcmp(hex, sha256) != 0)
		return -EBADMSG;
	memcpy(hash, out[0], 32);
	return 0;
}

/*
 * A new signature of blob @sha256 of @data_dir by @signer (checked
 * against its name first), and the path of its .sig into @sig.
 */
static int resign_sign(struct signer *signer, const char *data_dir,
		       const char *sha256, unsigned char **der,
		       size_t *der_len, char sig[PATH_MAX])
{
	uint8_t hash[DIGEST_MAX_SIZE];
	int rc;

	rc = resign_hash(data_dir, sha256, hash);
	if (rc == 0)
		rc = artifact_blob_path(data_dir, sha256, 1, sig, PATH_MAX);
	if (rc == 0)
		rc = signer_sign_digest(signer,
					digest_by_md(MBEDTLS_MD_SHA256), hash,
					der, der_len);
	return rc;
}

/*
 * Sign blob @a->sha256 (and its uefi variant, if any) again with @signer
 * and publish the signatures in place of the old ones, atomically and
 * under the publish lock; then the catalogue names the new signer, which
 * @a receives.
 *
 * @ret rc		0, or the error of the step that failed
 */
static int resign_one(struct signer *signer, struct store *st,
		      const char *data_dir, struct store_artifact *a)
{
	unsigned char *der = NULL, *vder = NULL;
	char sig[PATH_MAX], vsig[PATH_MAX];
	size_t der_len = 0, vder_len = 0;
	int lock = -1, rc;

	rc = resign_sign(signer, data_dir, a->sha256, &der, &der_len, sig);
	if (rc == 0 && a->uefi_sha256[0])
		rc = resign_sign(signer, data_dir, a->uefi_sha256, &vder,
				 &vder_len, vsig);
	if (rc != 0)
		goto out;
	artifact_signed_by(signer, a);
	if ((lock = artifact_lock(data_dir)) < 0) {
		rc = lock;
		goto out;
	}
	/* Replaced whole (temporary file, rename): a download sees the old
	 * signature or the new one. */
	if (vder)
		rc = fileio_write(vsig, vder, vder_len, 0644, 0);
	if (rc == 0)
		rc = fileio_write(sig, der, der_len, 0644, 0);
	if (rc == 0)
		rc = store_artifact_resigned(st, a->sha256, a->signer,
					     a->signer_serial,
					     a->signer_not_after);
out:
	if (lock >= 0)
		close(lock);
	free(vder);
	free(der);
	return rc;
}

/* The JSON of re-signed version @a; the caller owns it. */
static json_t *resign_item(const struct store_artifact *a)
{
	return json_pack("{s:s, s:s}", "name", a->name, "sha256", a->sha256);
}

/*
 * Re-sign every version in @l, one event each (by @who), into the lists
 * @done and @failed (name, sha256 and, for a failure, why).  Returns 0,
 * or the first failure of the signer itself (gone: stop at once).
 */
static int resign_all(struct store *st, struct signer *signer,
		      const char *data_dir, struct resign_list *l,
		      const char *who, json_t *done, json_t *failed)
{
	char until[PKI_DATE_MAX];
	json_t *item;
	size_t i;
	int rc;

	for (i = 0; i < l->n; i++) {
		rc = resign_one(signer, st, data_dir, &l->a[i]);
		item = resign_item(&l->a[i]);
		if (rc == -EPIPE) {
			json_decref(item);
			return rc;
		}
		if (rc != 0) {
			log_error("re-signing %s sha256:%s: %s", l->a[i].name,
				  l->a[i].sha256, pb_strerror(rc));
			json_object_set_new(item, "error",
					    json_string(pb_strerror(rc)));
			json_array_append_new(failed, item);
			continue;
		}
		pki_date_string((time_t)l->a[i].signer_not_after, until);
		store_event_add(st, "resign", l->a[i].name,
				"sha256 %s signed again by %s (serial %s, valid "
				"until %s), %s",
				l->a[i].sha256, l->a[i].signer,
				l->a[i].signer_serial, until, who);
		json_array_append_new(done, item);
	}
	return 0;
}

/* Declared in artifact.h. */
int artifact_resign(struct store *st, struct signer *signer,
		    const char *data_dir, const char *who, json_t *done,
		    json_t *failed)
{
	struct resign_list l = { NULL, 0, 0 };
	int rc;

	rc = store_artifact_list(st, resign_collect, &l);
	if (rc == 0)
		rc = resign_all(st, signer, data_dir, &l, who, done, failed);
	free(l.a);
	return rc;
}

/*
 * POST /api/v1/artifacts/resign (an operator's token, scope "rearm"):
 * every current artifact signed again by the current code-signing key.
 * 200 with what was re-signed and the signer; a version that could not be
 * (pruned meanwhile, changed on disk) is listed under "failed".
 */
static int artifact_resign_post(struct http_req *r)
{
	const struct config_token *tok;
	struct store_artifact now;
	json_t *done, *failed;
	char who[160];
	int rc = 0;

	tok = http_require_scope(r, "rearm");
	if (!tok)
		return http_status_rc(401);
	snprintf(who, sizeof(who), "token %s from %s", tok->name, r->client);
	done = json_array();
	failed = json_array();
	if (!done || !failed)
		rc = -ENOMEM;
	if (rc == 0)
		rc = artifact_resign(r->srv->store, r->gen->signer,
				     r->srv->data_dir, who, done, failed);
	if (rc != 0) {
		json_decref(done);
		json_decref(failed);
		return http_refuse(r, provision_sign_status(rc),
				   "re-signing failed: %s", pb_strerror(rc));
	}
	memset(&now, 0, sizeof(now));
	artifact_signed_by(r->gen->signer, &now);
	http_reply_json(r, 200,
			json_pack("{s:I, s:s, s:s, s:o, s:o, s:o}", "resigned",
				  (json_int_t)json_array_size(done), "signer",
				  now.signer, "signer_serial",
				  now.signer_serial, "signer_not_after",
				  artifact_time_json(now.signer_not_after),
				  "artifacts", done, "failed", failed));
	return 0;
}

const struct http_route routes_artifact_resign[] = {
	{ "POST", "/api/v1/artifacts/resign", 1, artifact_resign_post, NULL,
	  NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 },
};
