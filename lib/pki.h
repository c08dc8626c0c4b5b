/* pki.h: keys and X.509 certificates for podboot's trust chain (mbedTLS). */
#ifndef PODBOOT_PKI_H
#define PODBOOT_PKI_H

#include <stddef.h>
#include <time.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "rng.h"

enum pki_algo { PKI_RSA, PKI_ECDSA };

/** What a certificate is for; decides its extensions. */
enum pki_profile {
	PKI_PROFILE_ROOT,	/* CA:true, pathlen 0, keyCertSign, cRLSign */
	PKI_PROFILE_CODESIGN,	/* digitalSignature, codeSigning */
	PKI_PROFILE_SERVER,	/* digitalSignature, serverAuth, SANs */
};

/** Most subjectAltNames one certificate carries. */
#define PKI_MAX_SANS 32
/** Largest PEM certificate or key we write or read. */
#define PKI_PEM_MAX 16384

struct pki_cert_spec {
	enum pki_profile profile;
	const char *subject;		/* "CN=...,O=..." */
	time_t not_before;
	time_t not_after;
	const char *const *dns;		/* server only: DNS names */
	size_t n_dns;
	const char *const *ips;		/* server only: IPv4/IPv6 literals */
	size_t n_ips;
};

/** Parse "rsa" or "ecdsa"; 0 or -PB_EUSAGE. */
int pki_algo_parse(const char *name, enum pki_algo *algo);

/**
 * Generate a key pair: RSA 3072 or ECDSA P-256.
 *
 * @v key		initialised, empty context; filled on success
 * @ret rc		0 or -PB_EKEYGEN
 */
int pki_key_generate(mbedtls_pk_context *key, enum pki_algo algo,
		     struct rng *rng);

struct fileio_staged;

/** Write @key as PEM to @path, mode 0600, atomically; wipes the buffer. */
int pki_key_save(mbedtls_pk_context *key, const char *path, int flags);

/**
 * Stage @key as PEM, mode 0600, to be put at @path by fileio_place()
 * (fileio.h); wipes the buffer.
 *
 * @v key		private key
 * @v st		receives the staged file
 * @v path		its destination
 * @ret rc		0 or a negative error (nothing left behind)
 */
int pki_key_stage(mbedtls_pk_context *key, struct fileio_staged *st,
		  const char *path);

/** Load an unencrypted private key from @path into an empty @key. */
int pki_key_load(mbedtls_pk_context *key, const char *path);

/** Load every certificate of a PEM or DER file, appended to @crt. */
int pki_cert_load(mbedtls_x509_crt *crt, const char *path);

/**
 * Issue a certificate.
 *
 * @v spec		profile, subject, validity and names
 * @v subject_key	public key to certify
 * @v issuer_key	signing key (the subject key for a self-signed root)
 * @v issuer		issuer's certificate, or NULL for self-signed
 * @v pem		output buffer (PKI_PEM_MAX bytes is always enough)
 * @v size		its size
 * @ret rc		0, -PB_EBAD_NAME for a bad SAN, or -PB_ECERT_WRITE
 */
int pki_cert_issue(const struct pki_cert_spec *spec,
		   mbedtls_pk_context *subject_key,
		   mbedtls_pk_context *issuer_key,
		   const mbedtls_x509_crt *issuer, struct rng *rng,
		   unsigned char *pem, size_t size);

/** 0 if @key is the private half of @crt's key, else -PB_EKEY_MISMATCH. */
int pki_check_pair(const mbedtls_x509_crt *crt, mbedtls_pk_context *key);

/**
 * Cheap check that @key's public half is @crt's public key (DER
 * comparison; no private-key operation): 0 or -PB_EKEY_MISMATCH.
 */
int pki_same_public_key(const mbedtls_x509_crt *crt, mbedtls_pk_context *key);

/** SHA-256 of the DER certificate as 64 lower-case hex digits. */
void pki_fingerprint(const mbedtls_x509_crt *crt, char hex[65]);

/** Serial number as hex into @hex (at most 2 * 32 + 1 bytes). */
void pki_serial_hex(const mbedtls_x509_crt *crt, char *hex, size_t size);

/**
 * Rebuild a distinguished name string ("CN=a,O=b") from a parsed name, in
 * the form mbedtls_x509write_crt_set_issuer_name() reads back into the
 * same DER.
 *
 * @ret rc		0, or -PB_ETOOBIG / -PB_ECERT_PARSE
 */
int pki_name_string(const mbedtls_x509_name *name, char *out, size_t size);

/** Validity of @crt as time_t values. */
void pki_cert_validity(const mbedtls_x509_crt *crt, time_t *from,
		       time_t *to);

/** Size of a pki_date_string() buffer. */
#define PKI_DATE_MAX 32

/** @t as "YYYY-MM-DD hh:mm:ss UTC", for messages. */
void pki_date_string(time_t t, char out[PKI_DATE_MAX]);

/** 1 if @crt's CN equals @name or a DNS subjectAltName matches it. */
int pki_cert_has_name(const mbedtls_x509_crt *crt, const char *name);

/** 1 if @name is a valid DNS host name (labels of [a-z0-9-]). */
int pki_dns_name_valid(const char *name);

/**
 * Parse an IPv4 or IPv6 address literal.
 *
 * @v text		"192.0.2.1", "2001:db8::1"
 * @v addr		receives the address in network order
 * @v len		receives 4 or 16
 * @ret rc		0 or -PB_EBAD_NAME
 */
int pki_ip_parse(const char *text, unsigned char addr[16], size_t *len);

/**
 * The subjectAltNames of @crt as "DNS:a, DNS:b, IP:192.0.2.1", in
 * certificate order; other kinds of name show as "other".
 *
 * @ret rc		0, or -PB_ETOOBIG if @out is too small
 */
int pki_san_string(const mbedtls_x509_crt *crt, char *out, size_t size);

/**
 * @crt (its first certificate) as PEM, NUL-terminated, for chain files.
 *
 * @v pem		output buffer (PKI_PEM_MAX bytes is always enough)
 * @v len		receives the length without the NUL
 * @ret rc		0 or -PB_ETOOBIG
 */
int pki_cert_pem(const mbedtls_x509_crt *crt, unsigned char *pem,
		 size_t size, size_t *len);

#endif
