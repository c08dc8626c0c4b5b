/* signer.h: the one place podboot holds the code-signing key (and, in
 * podboot serve, the TLS key): in this process, or in a signer process. */
#ifndef PODBOOT_SIGNER_H
#define PODBOOT_SIGNER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "digest.h"

struct signer;

/** Longest key or certificate path. */
#define SIGNER_PATH_MAX 4096

/* Where a signer process finds its keys: fixed when it starts. */
struct signer_paths {
	const char *codesign_key;
	const char *codesign_cert;
	const char *root_cert;		/* may be NULL */
	const char *tls_key;
	const char *uefi_key;		/* NULL or "": no UEFI signing */
	const char *uefi_cert;
};

/**
 * podboot serve: fork a signer process that holds the keys named by @p,
 * before any thread exists and before this process reads a private key.
 * The signer returned is its client: signer_sign_digest() and the rest
 * ask it over a socketpair; this process never maps a private key.
 *
 * @v out		receives the signer; signer_free() ends the process
 * @ret rc		0 or a negative error (the signer logs why)
 */
int signer_start(struct signer **out, const struct signer_paths *p);

/** The signer process's id; 0 for a signer in this process. */
pid_t signer_pid(const struct signer *s);

/**
 * Load the TLS key for configuration generation @gen in the signer
 * process (from its fixed path, read again: a new key at the same path
 * is picked up).  It keeps the last few generations' keys.
 *
 * @v pub		receives the key's public half (DER
 *			SubjectPublicKeyInfo, malloc'd; the caller frees)
 * @ret rc		0; -ENOTSUP in this process; a negative error
 */
int signer_tls_load(struct signer *s, unsigned int gen, unsigned char **pub,
		    size_t *pub_len);

/**
 * A TLS handshake signature with generation @gen's key.
 *
 * @v algo		enum signer_tls_algo (signer_proto.h)
 * @v sig		receives the signature (malloc'd; the caller frees)
 * @ret rc		0; -EPIPE when the signer is gone; a negative error
 */
int signer_tls_sign(struct signer *s, unsigned int gen, unsigned int algo,
		    const uint8_t *data, size_t len, unsigned char **sig,
		    size_t *sig_len);

/**
 * In this process (podboot publish): sign EFI kernels with the UEFI
 * pair at @key and @cert, read at each signature.  NULL or "": none.
 * A signer process takes its pair from signer_paths instead.
 */
void signer_set_uefi(struct signer *s, const char *key, const char *cert);

/**
 * Sign @hash (SHA-256, 32 bytes) as signer_uefi_sign() does, with the
 * UEFI pair read now from @key and @cert: the signer process's work,
 * and podboot publish's.
 *
 * @ret rc		0, -ENOTSUP for no pair (@key NULL or ""), or why
 *			the pair did not load or sign
 */
int signer_uefi_sign_files(const char *key, const char *cert,
			   const uint8_t *hash, unsigned char **der,
			   size_t *der_len);

/**
 * An Authenticode signature (DER PKCS#7 SignedData over the
 * SpcIndirectDataContent) of a SHA-256 image hash, made by the signer
 * process with the UEFI key: authenticode_split() gives the hash, and
 * pecoff_append_cert() embeds the signature.
 *
 * @v hash		SIGNER_UEFI_HASH_LEN bytes
 * @v der		receives a malloc'd signature; the caller frees it
 * @ret rc		0; -ENOTSUP with no UEFI key;
 *			-EPIPE when the signer is gone; a negative error
 */
int signer_uefi_sign(struct signer *s, const uint8_t *hash,
		     unsigned char **der, size_t *der_len);

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

/** The serial (hex) of the certificate it signs with, with its notAfter
 *  (unix seconds) into *@not_after: as signer_subject(), the one it last
 *  named.  Valid until signer_free(). */
const char *signer_serial(const struct signer *s, long long *not_after);

/** SHA-256 of the signing certificate (32 bytes): tells signers apart.
 * Checks the files first, like signer_sign_digest(): after a rotation it
 * names the new certificate, so a cache keyed by it misses.  On the
 * request side of a signer process the check is two stat() calls: the
 * signer is asked (IDENT) only when the files changed since it was last
 * asked, so a stage2 .sig costs one SIGN round trip, or none from the
 * cache. */
const uint8_t *signer_id(const struct signer *s);

#endif
