/* signerd_tls.h: the signer process's TLS keys, one per configuration
 * generation, signing handshakes with GnuTLS. */
#ifndef PODBOOT_SIGNERD_TLS_H
#define PODBOOT_SIGNERD_TLS_H

#include <stddef.h>
#include <stdint.h>

struct signerd_tls;

/**
 * An empty table of TLS keys read from @key_path, each kept in @copies
 * copies (one per signer thread, so that handshakes never wait).
 *
 * @ret rc		0 or -ENOMEM; signerd_tls_free() the table
 */
int signerd_tls_new(struct signerd_tls **out, const char *key_path,
		    size_t copies);

/** Wipe and free every key; NULL is fine. */
void signerd_tls_free(struct signerd_tls *t);

/**
 * Read the key file again as generation @gen's key (replacing the oldest
 * generation kept).  Thread-safe.
 *
 * @v pub		receives the public key, DER SubjectPublicKeyInfo
 *			(gnutls_free() it)
 * @ret rc		0 or a negative error, logged
 */
int signerd_tls_load(struct signerd_tls *t, unsigned int gen,
		     unsigned char **pub, size_t *pub_len);

/**
 * A handshake signature with generation @gen's key, copy @copy.
 *
 * @v algo		enum signer_tls_algo, checked against the key
 * @v sig		receives the signature (gnutls_free() it)
 * @ret rc		0; -ENOENT for a generation not kept; -EBADMSG for a
 *			scheme or input the key does not take; -PB_ESIGN
 */
int signerd_tls_sign(struct signerd_tls *t, unsigned int gen, size_t copy,
		     unsigned int algo, const uint8_t *data, size_t len,
		     unsigned char **sig, size_t *sig_len);

#endif
