/* cms_int.h: what the CMS writer (cms_sign.c) and verifier (cms_verify.c)
 * share: the object identifiers and DER tags of the one form iPXE takes. */
#ifndef PODBOOT_CMS_INT_H
#define PODBOOT_CMS_INT_H

#include <mbedtls/asn1.h>

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

#endif
