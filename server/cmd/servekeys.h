/* servekeys.h: the keys of podboot serve: its signer process and each
 * generation's TLS credentials (docs/security.md). */
#ifndef PODBOOT_SERVEKEYS_H
#define PODBOOT_SERVEKEYS_H

#include "config.h"
#include "server.h"
#include "signer.h"

/**
 * Fork the signer process for the keys @cfg names, before this process
 * starts a thread or reads a private key.  The paths hold until a
 * restart.
 *
 * @v out		receives the signer's client; signer_free() it
 * @ret rc		0 or a negative error (the signer logs why)
 */
int servekeys_start(const struct config *cfg, struct signer **out);

/**
 * @gen's TLS certificate (into gen->tls_cert_pem), and the key the signer
 * loads for it, checked to be the certificate's (into gen->tls).
 *
 * @ret rc		0 or a negative error, logged
 */
int servekeys_tls_load(struct server_gen *gen);

/** 1 when @a and @b name the same key and certificate files. */
int servekeys_same(const struct config *a, const struct config *b);

/**
 * After SIGCHLD: 1 (logged) when the signer process of @srv has ended,
 * else 0.
 */
int servekeys_died(struct server *srv);

#endif
