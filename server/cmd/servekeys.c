/* servekeys.c: the keys of podboot serve: the signer process that holds
 * them, and each configuration generation's TLS credentials. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "config.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "pki.h"
#include "server.h"
#include "servekeys.h"
#include "signer.h"
#include "tlskey.h"

#define SERVE_PEM_MAX (256 * 1024)

/*
 * The TLS certificate, and the key the signer process loads for it (the
 * one check this process can make: the key's public half is the
 * certificate's).
 */
int servekeys_tls_load(struct server_gen *gen)
{
	const struct config *cfg = gen->cfg;
	unsigned char *pub = NULL;
	mbedtls_x509_crt chain;
	mbedtls_pk_context key;
	size_t len;
	int rc;

	rc = fileio_read(cfg->tls_cert, SERVE_PEM_MAX,
			 (unsigned char **)&gen->tls_cert_pem, &len);
	if (rc != 0) {
		log_error("%s: %s", cfg->tls_cert, pb_strerror(rc));
		return rc;
	}
	mbedtls_x509_crt_init(&chain);
	mbedtls_pk_init(&key);
	rc = pki_cert_load(&chain, cfg->tls_cert);
	if (rc == 0)
		rc = signer_tls_load(gen->signer, gen->number, &pub, &len);
	if (rc == 0 && mbedtls_pk_parse_public_key(&key, pub, len) != 0)
		rc = -PB_EKEY_PARSE;
	if (rc == 0)
		rc = pki_same_public_key(&chain, &key);
	if (rc == 0)
		rc = tlskey_new(gen->signer, gen->number, gen->tls_cert_pem,
				&gen->tls);
	if (rc != 0)
		log_error("TLS certificate %s and key %s: %s", cfg->tls_cert,
			  cfg->tls_key, pb_strerror(rc));
	free(pub);
	mbedtls_pk_free(&key);
	mbedtls_x509_crt_free(&chain);
	return rc;
}

/*
 * Fork the signer process for the keys @cfg names, before this process
 * starts a thread or reads a private key (docs/security.md).  The paths
 * hold until a restart.
 */
int servekeys_start(const struct config *cfg, struct signer **out)
{
	struct signer_paths p = {
		.codesign_key = cfg->codesign_key,
		.codesign_cert = cfg->codesign_cert,
		.root_cert = cfg->root_cert,
		.tls_key = cfg->tls_key,
		.uefi_key = cfg->uefi_key,
		.uefi_cert = cfg->uefi_cert,
	};

	return signer_start(out, &p);
}

/* Key paths are the signer's from its start: a reload keeps them. */
int servekeys_same(const struct config *a, const struct config *b)
{
	return strcmp(a->codesign_key, b->codesign_key) == 0 &&
	       strcmp(a->codesign_cert, b->codesign_cert) == 0 &&
	       strcmp(a->root_cert, b->root_cert) == 0 &&
	       strcmp(a->tls_key, b->tls_key) == 0 &&
	       strcmp(a->uefi_key, b->uefi_key) == 0 &&
	       strcmp(a->uefi_cert, b->uefi_cert) == 0;
}

/* SIGCHLD: did the signer process end?  Then nothing can be signed, and
 * the server drains and exits for its supervisor to restart it. */
int servekeys_died(struct server *srv)
{
	pid_t pid = signer_pid(srv->signer);
	int st;

	if (waitpid(pid, &st, WNOHANG) != pid)
		return 0;
	if (WIFSIGNALED(st))
		log_error("signer process %ld killed by signal %d: nothing can "
			  "be signed; draining and exiting", (long)pid,
			  WTERMSIG(st));
	else
		log_error("signer process %ld exited (status %d): nothing can "
			  "be signed; draining and exiting", (long)pid,
			  WEXITSTATUS(st));
	return 1;
}
