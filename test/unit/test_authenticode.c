/* test_authenticode.c: Authenticode signatures written and checked:
 * the round trip, and each forgery refused for its own reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authenticode.h"
#include "error.h"
#include "keystore.h"
#include "test_pecoff.h"
#include "unit.h"

/* A signing identity of the unit key directory (@ecdsa: the ECDSA one). */
struct t_signer {
	mbedtls_pk_context key;
	mbedtls_x509_crt chain;		/* codesign.crt */
	mbedtls_x509_crt root;		/* root.crt */
	mbedtls_x509_crt leaf;		/* codesign.crt alone, to trust */
	struct rng rng;
};

/* Load @s from unit_keys(@ecdsa); CUnit-fatal on failure. */
static void t_signer_load(struct t_signer *s, int ecdsa)
{
	char key[512], crt[512], root[512];
	const char *dir = unit_keys(ecdsa);

	memset(s, 0, sizeof(*s));
	mbedtls_pk_init(&s->key);
	mbedtls_x509_crt_init(&s->chain);
	mbedtls_x509_crt_init(&s->root);
	mbedtls_x509_crt_init(&s->leaf);
	snprintf(key, sizeof(key), "%s/%s", dir, KEYSTORE_CODESIGN_KEY);
	snprintf(crt, sizeof(crt), "%s/%s", dir, KEYSTORE_CODESIGN_CRT);
	snprintf(root, sizeof(root), "%s/%s", dir, KEYSTORE_ROOT_CRT);
	CU_ASSERT_EQUAL_FATAL(keystore_load_signer(key, crt, NULL, &s->key,
						   &s->chain), 0);
	CU_ASSERT_EQUAL_FATAL(pki_cert_load(&s->root, root), 0);
	CU_ASSERT_EQUAL_FATAL(pki_cert_load(&s->leaf, crt), 0);
	CU_ASSERT_EQUAL_FATAL(rng_init(&s->rng, "unit authenticode"), 0);
}

/* Release @s. */
static void t_signer_free(struct t_signer *s)
{
	rng_free(&s->rng);
	mbedtls_x509_crt_free(&s->leaf);
	mbedtls_x509_crt_free(&s->root);
	mbedtls_x509_crt_free(&s->chain);
	mbedtls_pk_free(&s->key);
}

/* Sign @in (@len bytes) with @s; the signed copy into *@out, *@out_len. */
static int t_sign(struct t_signer *s, const uint8_t *in, size_t len,
		  int append, uint8_t **out, size_t *out_len)
{
	struct pecoff pe;

	return authenticode_sign_image(&pe, in, len, append, &s->key,
				       &s->chain, &s->rng, out, out_len);
}

/* Check @buf against @trusted; the result into @r. */
static int t_verify(const uint8_t *buf, size_t len,
		    const mbedtls_x509_crt *trusted,
		    struct authenticode_result *r)
{
	struct pecoff pe;

	return authenticode_verify_image(&pe, buf, len, trusted, r);
}

/* Signed, then verified: by the signer itself and by its root. */
static void test_round_trip(void)
{
	struct authenticode_result r;
	struct t_signer s;
	uint8_t *in, *out;
	size_t len, out_len;

	t_signer_load(&s, 0);
	in = test_pe_image(1, 3, &len);
	CU_ASSERT_EQUAL(t_verify(in, len, &s.leaf, &r), -PB_EAUTH_NOT_SIGNED);
	CU_ASSERT_EQUAL_FATAL(t_sign(&s, in, len, 0, &out, &out_len), 0);
	CU_ASSERT_EQUAL(out_len % 8, 0);
	CU_ASSERT_EQUAL(t_verify(out, out_len, &s.leaf, &r), 0);
	CU_ASSERT_EQUAL(r.signatures, 1);
	CU_ASSERT_EQUAL(r.verified, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.signer, "podboot-codesign"));
	CU_ASSERT_EQUAL(r.digest_len, 32);
	CU_ASSERT_EQUAL(t_verify(out, out_len, &s.root, &r), 0);
	free(out);
	free(in);
	t_signer_free(&s);
}

/* A changed byte anywhere the hash covers: the image hash differs. */
static void test_tampered_image(void)
{
	struct authenticode_result r;
	struct t_signer s;
	uint8_t *in, *out;
	size_t len, out_len;

	t_signer_load(&s, 0);
	in = test_pe_image(0, 2, &len);
	CU_ASSERT_EQUAL_FATAL(t_sign(&s, in, len, 0, &out, &out_len), 0);
	out[0x200 + 0x210] ^= 0x80;		/* in the second section */
	CU_ASSERT_EQUAL(t_verify(out, out_len, &s.leaf, &r), -PB_EAUTH_DIGEST);
	out[0x200 + 0x210] ^= 0x80;
	out[0x58 + 8] ^= 1;			/* in the headers */
	CU_ASSERT_EQUAL(t_verify(out, out_len, &s.leaf, &r), -PB_EAUTH_DIGEST);
	out[0x58 + 8] ^= 1;
	out[0x58 + 64] ^= 1;			/* the CheckSum: not covered */
	CU_ASSERT_EQUAL(t_verify(out, out_len, &s.leaf, &r), 0);
	free(out);
	free(in);
	t_signer_free(&s);
}

/*
 * The forgery the messageDigest attribute stops: a section changed and
 * the new image hash written over the old in the signature's content,
 * leaving the signed attributes (and their signature) as they were.
 */
static void t_swap_hash(uint8_t *out, size_t out_len,
			const struct authenticode_result *r)
{
	const struct digest_alg *alg = digest_by_md(MBEDTLS_MD_SHA256);
	uint8_t old[32];
	struct pecoff pe;
	uint8_t *at;

	/* the hash the signature carries, as the last check read it */
	CU_ASSERT_EQUAL_FATAL(r->digest_len, 32);
	memcpy(old, r->digest, 32);
	out[0x200 + 7] ^= 0x40;			/* in the first section */
	CU_ASSERT_EQUAL_FATAL(pecoff_parse(&pe, out, out_len), 0);
	at = memmem(out + pe.cert_off, pe.cert_size, old, 32);
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	pecoff_digest(&pe, alg, at);
	CU_ASSERT_EQUAL(memcmp(at, old, 32) != 0, 1);
}

/* The signature value changed; a stranger's certificate trusted; the
 * image changed and its new hash put in the content. */
static void test_forged(void)
{
	struct authenticode_result r;
	struct t_signer s, other;
	uint8_t *in, *out;
	size_t len, out_len, last;

	t_signer_load(&s, 0);
	t_signer_load(&other, 1);
	in = test_pe_image(1, 1, &len);
	CU_ASSERT_EQUAL_FATAL(t_sign(&s, in, len, 0, &out, &out_len), 0);
	CU_ASSERT_EQUAL(t_verify(out, out_len, &other.root, &r),
			-PB_ECMS_UNTRUSTED);
	CU_ASSERT_EQUAL(t_verify(out, out_len, &other.leaf, &r),
			-PB_ECMS_UNTRUSTED);
	/* the RSA signature value ends the DER; padding follows it */
	last = out_len - 1;
	while (out[last] == 0)
		last--;
	out[last] ^= 1;
	CU_ASSERT_EQUAL(t_verify(out, out_len, &s.leaf, &r),
			-PB_ECMS_BAD_SIGNATURE);
	out[last] ^= 1;
	CU_ASSERT_EQUAL(t_verify(out, out_len, &s.leaf, &r), 0);
	t_swap_hash(out, out_len, &r);
	CU_ASSERT_EQUAL(t_verify(out, out_len, &s.leaf, &r),
			-PB_ECMS_BAD_SIGNATURE);
	free(out);
	free(in);
	t_signer_free(&other);
	t_signer_free(&s);
}

/* Signing again replaces the signature; --append adds one after it. */
static void test_resign(void)
{
	struct authenticode_result r;
	struct t_signer s;
	uint8_t *in, *one, *two, *both;
	size_t len, l1, l2, lb;

	t_signer_load(&s, 0);
	in = test_pe_image(1, 2, &len);
	CU_ASSERT_EQUAL_FATAL(t_sign(&s, in, len, 0, &one, &l1), 0);
	CU_ASSERT_EQUAL_FATAL(t_sign(&s, one, l1, 0, &two, &l2), 0);
	CU_ASSERT_EQUAL(l1, l2);
	CU_ASSERT_EQUAL(t_verify(two, l2, &s.leaf, &r), 0);
	CU_ASSERT_EQUAL(r.signatures, 1);
	CU_ASSERT_EQUAL_FATAL(t_sign(&s, one, l1, 1, &both, &lb), 0);
	CU_ASSERT(lb > l1);
	CU_ASSERT_EQUAL(t_verify(both, lb, &s.leaf, &r), 0);
	CU_ASSERT_EQUAL(r.signatures, 2);
	free(both);
	free(two);
	free(one);
	free(in);
	t_signer_free(&s);
}

/* UEFI verifies RSA only: an ECDSA key is refused before signing. */
static void test_ecdsa_refused(void)
{
	struct t_signer s;
	uint8_t *in, *out = NULL;
	size_t len, out_len = 0;

	t_signer_load(&s, 1);
	in = test_pe_image(1, 1, &len);
	CU_ASSERT_EQUAL(t_sign(&s, in, len, 0, &out, &out_len),
			-PB_EAUTH_KEY);
	CU_ASSERT_PTR_NULL(out);
	free(in);
	t_signer_free(&s);
}

static const CU_TestInfo tests[] = {
	{ "signed, verified by the signer and by its root", test_round_trip },
	{ "a changed image byte refused, the CheckSum not covered",
	  test_tampered_image },
	{ "a changed signature or a stranger's certificate refused",
	  test_forged },
	{ "signing again replaces; --append adds", test_resign },
	{ "ECDSA keys refused", test_ecdsa_refused },
	CU_TEST_INFO_NULL,
};

/* Register the authenticode suite. */
static int suite_authenticode_register(void)
{
	return unit_add_suite("authenticode", NULL, NULL, tests);
}

UNIT_SUITE(suite_authenticode_register)
