/* tlsscheme.c: the one table of TLS handshake signature schemes, read by
 * the request side (tlskey.c) and the signer (signerd_tls.c). */
#include <stddef.h>

#include "signer_proto.h"
#include "tlsscheme.h"

/*
 * Every scheme we make.  An entry per wire name first (the signer signs
 * with the first entry of a name); then TLS 1.3's ECDSA schemes, which
 * name the curve and are signed like the plain ones.
 */
static const struct tlsscheme tlsscheme_table[] = {
	{ GNUTLS_SIGN_RSA_RAW, GNUTLS_PK_RSA, 0, SIGNER_TLS_RSA_PKCS1,
	  GNUTLS_PRIVKEY_SIGN_FLAG_TLS1_RSA, 0 },
	{ GNUTLS_SIGN_RSA_SHA256, GNUTLS_PK_RSA, 0,
	  SIGNER_TLS_RSA_PKCS1_SHA256, 0, 32 },
	{ GNUTLS_SIGN_RSA_SHA384, GNUTLS_PK_RSA, 0,
	  SIGNER_TLS_RSA_PKCS1_SHA384, 0, 48 },
	{ GNUTLS_SIGN_RSA_SHA512, GNUTLS_PK_RSA, 0,
	  SIGNER_TLS_RSA_PKCS1_SHA512, 0, 64 },
	{ GNUTLS_SIGN_RSA_PSS_RSAE_SHA256, GNUTLS_PK_RSA, 0,
	  SIGNER_TLS_RSA_PSS_SHA256, 0, 32 },
	{ GNUTLS_SIGN_RSA_PSS_RSAE_SHA384, GNUTLS_PK_RSA, 0,
	  SIGNER_TLS_RSA_PSS_SHA384, 0, 48 },
	{ GNUTLS_SIGN_RSA_PSS_RSAE_SHA512, GNUTLS_PK_RSA, 0,
	  SIGNER_TLS_RSA_PSS_SHA512, 0, 64 },
	{ GNUTLS_SIGN_ECDSA_SHA256, GNUTLS_PK_ECDSA, 0,
	  SIGNER_TLS_ECDSA_SHA256, 0, 32 },
	{ GNUTLS_SIGN_ECDSA_SHA384, GNUTLS_PK_ECDSA, 0,
	  SIGNER_TLS_ECDSA_SHA384, 0, 48 },
	{ GNUTLS_SIGN_ECDSA_SHA512, GNUTLS_PK_ECDSA, 0,
	  SIGNER_TLS_ECDSA_SHA512, 0, 64 },
	/* TLS 1.2 clients that offer no better (busybox wget). */
	{ GNUTLS_SIGN_ECDSA_SHA1, GNUTLS_PK_ECDSA, 0,
	  SIGNER_TLS_ECDSA_SHA1, 0, 20 },
	{ GNUTLS_SIGN_ECDSA_SHA224, GNUTLS_PK_ECDSA, 0,
	  SIGNER_TLS_ECDSA_SHA224, 0, 28 },
	{ GNUTLS_SIGN_RSA_SHA1, GNUTLS_PK_RSA, 0,
	  SIGNER_TLS_RSA_PKCS1_SHA1, 0, 20 },
	/* TLS 1.3: ECDSA by the key's curve. */
	{ GNUTLS_SIGN_ECDSA_SECP256R1_SHA256, GNUTLS_PK_ECDSA,
	  GNUTLS_ECC_CURVE_SECP256R1, SIGNER_TLS_ECDSA_SHA256, 0, 32 },
	{ GNUTLS_SIGN_ECDSA_SECP384R1_SHA384, GNUTLS_PK_ECDSA,
	  GNUTLS_ECC_CURVE_SECP384R1, SIGNER_TLS_ECDSA_SHA384, 0, 48 },
	{ GNUTLS_SIGN_ECDSA_SECP521R1_SHA512, GNUTLS_PK_ECDSA,
	  GNUTLS_ECC_CURVE_SECP521R1, SIGNER_TLS_ECDSA_SHA512, 0, 64 },
};

#define TLSSCHEME_N (sizeof(tlsscheme_table) / sizeof(tlsscheme_table[0]))

const struct tlsscheme *tlsscheme_by_gnutls(gnutls_sign_algorithm_t algo,
					    gnutls_pk_algorithm_t pk,
					    gnutls_ecc_curve_t curve)
{
	const struct tlsscheme *e;

	for (e = tlsscheme_table; e < tlsscheme_table + TLSSCHEME_N; e++)
		if (e->algo == algo && e->pk == pk &&
		    (!e->curve || e->curve == curve))
			return e;
	return NULL;
}

const struct tlsscheme *tlsscheme_by_signer(unsigned int signer)
{
	const struct tlsscheme *e;

	for (e = tlsscheme_table; e < tlsscheme_table + TLSSCHEME_N; e++)
		if (e->signer == signer)
			return e;
	return NULL;
}
