/* artifact.h: signed artifacts on disk, beside the catalogue in the store. */
#ifndef PODBOOT_ARTIFACT_H
#define PODBOOT_ARTIFACT_H

#include <jansson.h>

#include "http.h"

/** Create the blob and temporary directories under @data_dir. */
int artifact_dirs(const char *data_dir);

/* Replicas sharing a data directory: another's upload in progress is
 * never this old (uploads too slow for so long are cut). */
#define ARTIFACT_TMP_STALE_S 3600

/**
 * Remove what interrupted uploads left in the temporary directory: every
 * leftover, or with @min_age_s only those not written for that long.
 */
int artifact_clean_tmp(const char *data_dir, long long min_age_s);

struct signer;
struct store;
struct store_artifact;

/**
 * Publish the content of @fd as a new version of @name, exactly as an
 * upload would: hashed while copied, signed, made durable, recorded.
 * For offline use (podboot init, podboot publish).
 *
 * @v out		receives the recorded version
 * @ret rc		0 or a negative error
 */
int artifact_import(struct store *st, struct signer *signer,
		    const char *data_dir, unsigned int keep, const char *name,
		    int fd, struct store_artifact *out);

/** Routes of artifacts, their uploads and signatures. */
extern const struct http_route routes_artifact[];

/**
 * Sign every current artifact again with @signer (after a rotation): each
 * blob checked against its hash, its signature replaced atomically under
 * the publish lock, the catalogue and the audit trail ("resign" events,
 * naming @who) told.  Each version re-signed is appended to @done as
 * {name, sha256}, each that could not be (pruned meanwhile, changed on
 * disk, refused by the signer) to @failed with its "error".
 *
 * @ret rc		0; -EPIPE when the signer is gone (what was
 *			re-signed before stays so); a store error; -ENOMEM
 */
int artifact_resign(struct store *st, struct signer *signer,
		    const char *data_dir, const char *who, json_t *done,
		    json_t *failed);

/** POST /api/v1/artifacts/resign: every current artifact signed again by
 *  the current code-signing key (artifact_resign.c). */
extern const struct http_route routes_artifact_resign[];

#endif
