/* tlsscheme.h: the TLS handshake signature schemes podboot serve makes,
 * one table for both ends: what GnuTLS asks the request side for
 * (tlskey.c), and how the signer makes it (signerd_tls.c). */
#ifndef PODBOOT_TLSSCHEME_H
#define PODBOOT_TLSSCHEME_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

/* One scheme: GnuTLS's name for it, the key it needs, how the signer
 * names it on the wire, and what it signs. */
struct tlsscheme {
	gnutls_sign_algorithm_t algo;	/* what GnuTLS asks for */
	gnutls_pk_algorithm_t pk;	/* RSA or ECDSA */
	gnutls_ecc_curve_t curve;	/* TLS 1.3 ECDSA: the curve; else 0 */
	unsigned int signer;		/* enum signer_tls_algo */
	unsigned int flags;		/* for gnutls_privkey_sign_hash2() */
	unsigned int hash_len;		/* 0: a DigestInfo, up to the max */
};

/**
 * The scheme GnuTLS calls @algo, for a key of type @pk (and, for ECDSA,
 * curve @curve): what the request side may offer and sign.
 *
 * @ret scheme		an entry of the table, or NULL: not one we make
 */
const struct tlsscheme *tlsscheme_by_gnutls(gnutls_sign_algorithm_t algo,
					    gnutls_pk_algorithm_t pk,
					    gnutls_ecc_curve_t curve);

/**
 * The scheme the signer makes for wire name @signer (enum
 * signer_tls_algo): the first entry of that name, whose GnuTLS algorithm
 * names no curve.
 *
 * @ret scheme		an entry of the table, or NULL: out of range
 */
const struct tlsscheme *tlsscheme_by_signer(unsigned int signer);

#endif
