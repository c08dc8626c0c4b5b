/* signer_client.h: the request side's end of the signer process's
 * channels (used through signer.h; docs/security.md). */
#ifndef PODBOOT_SIGNER_CLIENT_H
#define PODBOOT_SIGNER_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "digest.h"

struct signer_client;
struct signer_paths;

/**
 * Fork the signer process (signerd.c) before the caller starts any thread:
 * it loads the code-signing pair from @p and answers on a pool of
 * channels.
 *
 * @v out		receives the client end
 * @ret rc		0, or why the signer could not start (logged by it)
 */
int signerd_start(const struct signer_paths *p, struct signer_client **out);

/**
 * Take the channels of a signer process just forked, and read its hello:
 * the result of loading the code-signing pair.
 *
 * @v out		receives the client; signer_client_free() it
 * @v pid		the signer process
 * @v fds		@n channels, owned by the client whatever the result
 * @ret rc		0, or the signer's error (it exits), or -EPIPE
 */
int signer_client_new(struct signer_client **out, pid_t pid, const int *fds,
		      size_t n);

/** Close the channels (the signer then exits) and reap it; NULL is fine. */
void signer_client_free(struct signer_client *c);

/** The signer process's id. */
pid_t signer_client_pid(const struct signer_client *c);

/** signer_sign_digest() through the signer process; -EPIPE once it is
 * gone. */
int signer_client_sign(struct signer_client *c, const struct digest_alg *alg,
		       const uint8_t *hash, unsigned char **der,
		       size_t *der_len);

/** Who signs now (@check: ask the signer, which checks the files first). */
const char *signer_client_cn(struct signer_client *c);
const char *signer_client_subject(struct signer_client *c);

/** The serial (hex) of that certificate, its notAfter (unix seconds)
 *  into *@not_after. */
const char *signer_client_serial(struct signer_client *c,
				 long long *not_after);
const uint8_t *signer_client_id(struct signer_client *c, int check);

/**
 * One typed request with a DER answer (TLS_LOAD, TLS_SIGN).
 *
 * @v out		receives a malloc'd copy of the answer; caller frees
 * @ret rc		0, the signer's refusal, -EPIPE once it is gone
 */
int signer_client_call(struct signer_client *c, uint32_t type,
		       const void *body, size_t len, unsigned char **out,
		       size_t *out_len);

#endif
