/* signer.h: the one place podboot serve holds the code-signing key. */
#ifndef PODBOOT_SIGNER_H
#define PODBOOT_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"

struct signer;

/**
 * Load the code-signing key and certificate, and the root to include in
 * every signature (so that iPXE receives it).
 *
 * @v out		receives the signer; signer_free() it
 * @ret rc		0 or a negative error, logged with the file's name
 */
int signer_load(struct signer **out, const char *key_path,
		const char *cert_path, const char *root_path);

/** Wipe and free; NULL is fine. */
void signer_free(struct signer *s);

/**
 * Sign a digest: DER CMS in iPXE's form.  Thread-safe.  Before each
 * signature the key and certificate files' identity (device, inode, size,
 * mtime, ctime) is compared with the pair loaded: after a rotation the new
 * pair is loaded and used at once; while the pair on disk does not load
 * (rotation half done) nothing is signed.
 *
 * @ret rc		0; -EAGAIN while the pair on disk does not load;
 *			another negative error
 * @v der		receives a malloc'd signature; the caller frees it
 */
int signer_sign_digest(struct signer *s, const struct digest_alg *alg,
		       const uint8_t *hash, unsigned char **der,
		       size_t *der_len);

/* The strings and id below describe the pair signing now; a pointer
 * stays valid until signer_free(). */

/** Common name of the signing certificate: what imgverify --signer pins. */
const char *signer_cn(const struct signer *s);

/** Subject of the signing certificate ("CN=podboot-codesign, O=..."). */
const char *signer_subject(const struct signer *s);

/** SHA-256 of the signing certificate (32 bytes): tells signers apart.
 * Checks the files first, like signer_sign_digest(): after a rotation it
 * names the new certificate, so a cache keyed by it misses. */
const uint8_t *signer_id(const struct signer *s);

#endif
