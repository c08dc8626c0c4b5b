/* artifact_int.h: what the artifact files share (uploads in artifact.c,
 * downloads in artifact_download.c, decisions in artifact_ref.c), and
 * nothing else includes. */
#ifndef PODBOOT_ARTIFACT_INT_H
#define PODBOOT_ARTIFACT_INT_H

#include <stddef.h>

#include <jansson.h>

#include "config.h"
#include "http.h"
#include "signer.h"
#include "store.h"

#define ARTIFACT_BLOBS "blobs/sha256"
#define ARTIFACT_TMP "tmp"

/** The longest artifact name a reference may carry. */
#define ARTIFACT_NAME_MAX 128

/**
 * The path of the blob (or with @sig its signature) of hash @sha256 under
 * @data_dir, into @out.
 *
 * @ret rc		0 or -PB_ETOOBIG
 */
int artifact_blob_path(const char *data_dir, const char *sha256, int sig,
		       char *out, size_t size);

/**
 * An exclusive lock on the blob directory of @data_dir, which publishing,
 * pruning and re-signing hold: its fd (close it to release the lock).
 *
 * @ret fd		the lock's fd, or a negative error
 */
int artifact_lock(const char *data_dir);

/** Fill @a's signer, signer_serial and signer_not_after with the
 *  certificate @signer last signed with. */
void artifact_signed_by(const struct signer *signer, struct store_artifact *a);

/** Unix seconds @t as an ISO-8601 UTC JSON string, or null for 0 (not
 *  recorded).  The caller owns the result. */
json_t *artifact_time_json(long long t);

/** GET/HEAD /artifacts/REF: the route's start (artifact_download.c). */
int artifact_get(struct http_req *r);

/**
 * Split and check a download reference: "NAME", "NAME@sha256:HEX", either
 * with ".sig".  @sha is "" when no hash was given.
 *
 * @v name		receives the name (ARTIFACT_NAME_MAX + 1 bytes)
 * @v sha		receives the lower-case hex hash or "" (65 bytes)
 * @v sig		receives 1 for the signature, 0 for the blob
 * @ret rc		0 or -PB_EBAD_NAME
 */
int artifact_parse_ref(const char *ref, char name[ARTIFACT_NAME_MAX + 1],
		       char sha[65], int *sig);

/**
 * Whether plain HTTP may serve artifact @name: only the kernel or initrd
 * of a node whose pod allows unverified boot.
 *
 * @ret allowed		1 or 0
 */
int artifact_plain_allowed(const struct config *cfg, const char *name);

/**
 * Whether an upload's declared Content-Length (@hdr, NULL if none) fits
 * @max bytes.
 *
 * @ret rc		0, or -PB_ETOOBIG (413) when it is larger or not a number
 */
int artifact_upload_length(const char *hdr, unsigned long long max);

/** What is known about one download of a stored blob or signature. */
struct artifact_get_in {
	unsigned long long size;	/* of the file on disk */
	const char *etag;		/* the file's ETag, quoted */
	const char *if_none_match;	/* the request's header, or NULL */
	const char *range;		/* the request's Range, or NULL */
	int sig;			/* the signature, not the blob */
};

/** How a download is answered. */
struct artifact_get_out {
	unsigned int status;		/* 200, 206, 304 or 416 */
	unsigned long long off, len;	/* the bytes of a 200 or 206 */
};

/**
 * Decide a download: 304 when the blob's ETag matches If-None-Match
 * (never for a signature), 416 for a bad or unsatisfiable single range,
 * 206 for a good one, else 200 with the whole file.  Other units,
 * several ranges and empty files are served whole.
 *
 * @v out		receives the status and the byte span
 */
void artifact_download(const struct artifact_get_in *in,
		       struct artifact_get_out *out);

#endif
