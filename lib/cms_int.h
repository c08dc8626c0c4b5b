/* cms_int.h: what the CMS writer (cms_sign.c) and verifier (cms_verify.c)
 * share: the object identifiers and DER tags of the one form iPXE takes. */
#ifndef PODBOOT_CMS_INT_H
#define PODBOOT_CMS_INT_H

#include <mbedtls/asn1.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "digest.h"

/* Object identifiers (DER contents) this module writes or reads. */
#define OID_SIGNED_DATA "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02"
#define OID_DATA "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01"
#define OID_ECDSA_SHA "\x2a\x86\x48\xce\x3d\x04\x03"	/* + 1..4 */
#define OID_ECDSA_SHA1 "\x2a\x86\x48\xce\x3d\x04\x01"
#define OID_LEN(oid) (sizeof(oid) - 1)

#define TAG_SEQ (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define TAG_SET (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET)
#define TAG_CTX0 (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED)
#define TAG_CTX1 (TAG_CTX0 | 1)
#define TAG_SKI (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0)

/*
 * DER writers of cms_sign.c that the Authenticode writer (authenticode.c)
 * shares.  Each writes backwards, ending at *@p and not before @start,
 * and returns the length written or a negative mbedTLS error.
 */
/** AlgorithmIdentifier of @oid with absent parameters. */
int cms_write_alg_noparams(unsigned char **p, unsigned char *start,
			   const char *oid, size_t oid_len);
/** signatureAlgorithm for @key: rsaEncryption or ecdsa-with-SHAx. */
int cms_write_sig_alg(unsigned char **p, unsigned char *start,
		      mbedtls_pk_context *key, const struct digest_alg *alg);
/** Length and @tag before the @len bytes just written. */
int cms_wrap(unsigned char **p, unsigned char *start, size_t len,
	     unsigned char tag);
/** issuerAndSerialNumber of @crt. */
int cms_write_signer_id(unsigned char **p, unsigned char *start,
			const mbedtls_x509_crt *crt);
/** certificates [0] IMPLICIT: every certificate of @chain, in order. */
int cms_write_certs(unsigned char **p, unsigned char *start,
		    const mbedtls_x509_crt *chain);
/**
 * Around the @len bytes of SignedData fields just written (from
 * digestAlgorithms on): version 1, the SignedData SEQUENCE, [0], the
 * signedData type and the ContentInfo SEQUENCE.  Returns the whole
 * length, @len included.
 */
int cms_wrap_signed_data(unsigned char **p, unsigned char *start, size_t len);

#endif
