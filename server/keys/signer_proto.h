/* signer_proto.h: the typed messages between podboot serve and its signer
 * process (privilege separation: docs/security.md). */
#ifndef PODBOOT_SIGNER_PROTO_H
#define PODBOOT_SIGNER_PROTO_H

#include <stddef.h>
#include <stdint.h>

/*
 * One message per SOCK_SEQPACKET datagram, in host byte order (both ends
 * are the same binary): a fixed header, then a body whose size the type
 * fixes exactly for requests, and bounds for replies.  Anything else is
 * refused.
 */
enum signer_msg {
	SIGNER_MSG_SIGN = 1,	/* CMS signature of a digest (code signing) */
	SIGNER_MSG_IDENT,	/* who signs now, after the file check */
	SIGNER_MSG_TLS_LOAD,	/* load the TLS key for generation N */
	SIGNER_MSG_TLS_SIGN,	/* a handshake signature, generation N's key */
	SIGNER_MSG_UEFI_SIGN,	/* Authenticode SignedData of an image hash */
	SIGNER_MSG_MAX
};

/** Channels to a signer process, at most. */
#define SIGNER_CHANNELS_MAX 16

/** Largest datagram either way, header included. */
#define SIGNER_PROTO_MAX (64 * 1024)
/** Largest digest or handshake input a request carries (DigestInfo). */
#define SIGNER_PROTO_IN_MAX 128

struct signer_hdr {
	uint32_t type;		/* enum signer_msg */
	uint32_t len;		/* bytes after the header */
};

/* SIGNER_MSG_SIGN */
struct signer_req_sign {
	uint32_t md;		/* mbedtls_md_type_t the signer supports */
	uint32_t hash_len;	/* exactly that digest's size */
	uint8_t hash[SIGNER_PROTO_IN_MAX];
};

/* SIGNER_MSG_UEFI_SIGN: the request side parses the image (lib/pecoff.c)
 * and sends only its SHA-256 Authenticode hash; the signer answers with
 * the PKCS#7 SignedData over SpcIndirectDataContent, made with the UEFI
 * key, which the request side embeds.  The signer never parses an
 * uploaded PE. */
#define SIGNER_UEFI_HASH_LEN 32
struct signer_req_uefi_sign {
	uint32_t md;		/* MBEDTLS_MD_SHA256, nothing else */
	uint32_t hash_len;	/* SIGNER_UEFI_HASH_LEN */
	uint8_t hash[SIGNER_UEFI_HASH_LEN];
};

/* SIGNER_MSG_TLS_LOAD */
struct signer_req_tls_load {
	uint32_t gen;		/* configuration generation, 1, 2, ... */
};

/* SIGNER_MSG_TLS_SIGN */
struct signer_req_tls_sign {
	uint32_t gen;
	uint32_t algo;		/* enum signer_tls_algo */
	uint32_t len;		/* of data: 1 .. SIGNER_PROTO_IN_MAX */
	uint8_t data[SIGNER_PROTO_IN_MAX];
};

/* The handshake signatures the signer makes (TLS 1.2 and 1.3). */
enum signer_tls_algo {
	SIGNER_TLS_RSA_PKCS1 = 1,	/* data: a DigestInfo */
	SIGNER_TLS_RSA_PKCS1_SHA256,	/* data: the hash (TLS 1.2) */
	SIGNER_TLS_RSA_PKCS1_SHA384,
	SIGNER_TLS_RSA_PKCS1_SHA512,
	SIGNER_TLS_RSA_PSS_SHA256,	/* data: the hash; salt = hash size */
	SIGNER_TLS_RSA_PSS_SHA384,
	SIGNER_TLS_RSA_PSS_SHA512,
	SIGNER_TLS_ECDSA_SHA256,	/* data: the hash; DER (r, s) out */
	SIGNER_TLS_ECDSA_SHA384,
	SIGNER_TLS_ECDSA_SHA512,
	/* TLS 1.2 clients that offer no better (busybox wget, the e2e
	 * installer): what GnuTLS signed with an in-process key too. */
	SIGNER_TLS_ECDSA_SHA1,
	SIGNER_TLS_ECDSA_SHA224,
	SIGNER_TLS_RSA_PKCS1_SHA1,
	SIGNER_TLS_ALGO_MAX
};

/* Who signs with the code-signing key: in every SIGN and IDENT reply. */
struct signer_wire_ident {
	char cn[128];		/* NUL-terminated */
	char subject[256];	/* NUL-terminated */
	uint8_t id[32];		/* SHA-256 of the signing certificate */
	char serial[80];	/* its serial, hex; NUL-terminated */
	int64_t not_after;	/* its notAfter, unix seconds */
};

/* Every reply: the header (type of the request), this, then len bytes of
 * DER (a CMS signature, a public key, a handshake signature). */
struct signer_reply {
	int32_t rc;		/* 0 or a negative error */
	uint32_t len;
	struct signer_wire_ident ident;
};

/** Largest payload after a reply's fixed part. */
#define SIGNER_REPLY_DATA_MAX \
	(SIGNER_PROTO_MAX - sizeof(struct signer_hdr) - \
	 sizeof(struct signer_reply))

/**
 * Check a request datagram as the signer receives it: known type, the
 * exact body size for that type, every field in range.
 *
 * @v buf		the datagram
 * @v len		its size as received (may exceed SIGNER_PROTO_MAX
 *			when truncated: refused)
 * @ret rc		0, or -EBADMSG for anything else
 */
int signer_proto_check_request(const void *buf, size_t len);

/**
 * Check a reply datagram to a request of @type as the request side
 * receives it.
 *
 * @ret rc		0, or -EBADMSG
 */
int signer_proto_check_reply(const void *buf, size_t len, uint32_t type);

/**
 * Send one datagram: header of @type, then @body of @len bytes.
 *
 * @ret rc		0, -EPIPE when the other end is gone, -errno
 */
int signer_proto_send(int fd, uint32_t type, const void *body, size_t len);

/**
 * Send a reply of @type: @rc, the identity (may be NULL: zeros), @data.
 *
 * @ret rc		0, -EPIPE, -errno, -PB_ETOOBIG
 */
int signer_proto_reply(int fd, uint32_t type, int rc,
		       const struct signer_wire_ident *ident,
		       const void *data, size_t len);

/**
 * Receive one datagram into @buf (SIGNER_PROTO_MAX bytes).
 *
 * @v len		receives its full size (larger than the buffer
 *			when it was truncated)
 * @ret rc		0; -EPIPE at end of stream; -errno
 */
int signer_proto_recv(int fd, void *buf, size_t *len);

#endif
