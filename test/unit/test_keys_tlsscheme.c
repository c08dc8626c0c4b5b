/* test_keys_tlsscheme.c: the one table of TLS handshake schemes, as the
 * request side (tlskey.c) and the signer (signerd_tls.c) look it up. */
#include "signer_proto.h"
#include "tlsscheme.h"
#include "unit.h"

/* Every wire name the signer accepts has a scheme; others have none. */
static void test_by_signer_covers_the_wire(void)
{
	unsigned int a;

	CU_ASSERT_PTR_NULL(tlsscheme_by_signer(0));
	CU_ASSERT_PTR_NULL(tlsscheme_by_signer(SIGNER_TLS_ALGO_MAX));
	for (a = 1; a < SIGNER_TLS_ALGO_MAX; a++) {
		const struct tlsscheme *e = tlsscheme_by_signer(a);

		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(e->signer, a);
		/* The signer signs with the plain name, never a curve's. */
		CU_ASSERT_EQUAL(e->curve, 0);
	}
}

/* What the signer makes for a few names: algorithm, flags, input. */
static void test_by_signer_entries(void)
{
	const struct tlsscheme *e;

	e = tlsscheme_by_signer(SIGNER_TLS_RSA_PKCS1);
	CU_ASSERT_EQUAL(e->algo, GNUTLS_SIGN_RSA_RAW);
	CU_ASSERT_EQUAL(e->flags, GNUTLS_PRIVKEY_SIGN_FLAG_TLS1_RSA);
	CU_ASSERT_EQUAL(e->hash_len, 0);
	e = tlsscheme_by_signer(SIGNER_TLS_ECDSA_SHA256);
	CU_ASSERT_EQUAL(e->algo, GNUTLS_SIGN_ECDSA_SHA256);
	CU_ASSERT_EQUAL(e->pk, GNUTLS_PK_ECDSA);
	CU_ASSERT_EQUAL(e->flags, 0);
	CU_ASSERT_EQUAL(e->hash_len, 32);
	e = tlsscheme_by_signer(SIGNER_TLS_RSA_PSS_SHA384);
	CU_ASSERT_EQUAL(e->algo, GNUTLS_SIGN_RSA_PSS_RSAE_SHA384);
	CU_ASSERT_EQUAL(e->hash_len, 48);
	e = tlsscheme_by_signer(SIGNER_TLS_ECDSA_SHA1);
	CU_ASSERT_EQUAL(e->algo, GNUTLS_SIGN_ECDSA_SHA1);
	CU_ASSERT_EQUAL(e->hash_len, 20);
}

/* The request side: a scheme only with a key of its type and curve. */
static void test_by_gnutls(void)
{
	const struct tlsscheme *e;

	e = tlsscheme_by_gnutls(GNUTLS_SIGN_RSA_PSS_RSAE_SHA256, GNUTLS_PK_RSA,
				0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->signer, SIGNER_TLS_RSA_PSS_SHA256);
	CU_ASSERT_PTR_NULL(tlsscheme_by_gnutls(GNUTLS_SIGN_RSA_PSS_RSAE_SHA256,
					       GNUTLS_PK_ECDSA, 0));
	CU_ASSERT_PTR_NULL(tlsscheme_by_gnutls(GNUTLS_SIGN_ECDSA_SHA256,
					       GNUTLS_PK_RSA, 0));
	/* TLS 1.3 ECDSA names the curve: only a key on it matches. */
	e = tlsscheme_by_gnutls(GNUTLS_SIGN_ECDSA_SECP384R1_SHA384,
				GNUTLS_PK_ECDSA, GNUTLS_ECC_CURVE_SECP384R1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->signer, SIGNER_TLS_ECDSA_SHA384);
	CU_ASSERT_PTR_NULL(tlsscheme_by_gnutls(GNUTLS_SIGN_ECDSA_SECP384R1_SHA384,
					       GNUTLS_PK_ECDSA,
					       GNUTLS_ECC_CURVE_SECP256R1));
	/* TLS 1.2's defaults for clients that offer nothing better. */
	CU_ASSERT_PTR_NOT_NULL(tlsscheme_by_gnutls(GNUTLS_SIGN_ECDSA_SHA1,
						   GNUTLS_PK_ECDSA,
						   GNUTLS_ECC_CURVE_SECP256R1));
	CU_ASSERT_PTR_NOT_NULL(tlsscheme_by_gnutls(GNUTLS_SIGN_RSA_SHA1,
						   GNUTLS_PK_RSA, 0));
	CU_ASSERT_PTR_NULL(tlsscheme_by_gnutls(GNUTLS_SIGN_DSA_SHA256,
					       GNUTLS_PK_DSA, 0));
}

static const CU_TestInfo tests[] = {
	{ "every wire name has one scheme", test_by_signer_covers_the_wire },
	{ "what the signer makes for a name", test_by_signer_entries },
	{ "what the request side may offer", test_by_gnutls },
	CU_TEST_INFO_NULL,
};

/* Register the suite "keys_tlsscheme". */
static int suite_keys_tlsscheme_register(void)
{
	return unit_add_suite("keys_tlsscheme", NULL, NULL, tests);
}

UNIT_SUITE(suite_keys_tlsscheme_register)
