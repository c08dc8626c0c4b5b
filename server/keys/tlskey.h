/* tlskey.h: the TLS certificate and key as libmicrohttpd sees them: a
 * GnuTLS key whose signatures the signer process makes. */
#ifndef PODBOOT_TLSKEY_H
#define PODBOOT_TLSKEY_H

#include <stddef.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

struct signer;
struct tlskey;

/**
 * The certificate chain in @cert_pem and, for its key, the key the signer
 * process loaded for generation @gen (signer_tls_load(), whose public half
 * the caller has compared with the certificate).
 *
 * @v out		receives the record; it lives until tlskey_free_all()
 *			(a handshake under way may still use it)
 * @ret rc		0 or a negative error
 */
int tlskey_new(struct signer *s, unsigned int gen, const char *cert_pem,
	       struct tlskey **out);

/** Make @t the certificate and key new handshakes use. */
void tlskey_use(struct tlskey *t);

/** Free every record; only once no daemon runs. */
void tlskey_free_all(void);

/**
 * libmicrohttpd's MHD_OPTION_HTTPS_CERT_CALLBACK
 * (gnutls_certificate_retrieve_function2): the record in use.
 *
 * @ret rc		0, or -1 before any tlskey_use()
 */
int tlskey_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_dn,
		    int nreqs, const gnutls_pk_algorithm_t *pk_algos,
		    int pk_algos_length, gnutls_pcert_st **pcert,
		    unsigned int *pcert_length, gnutls_privkey_t *privkey);

#endif
