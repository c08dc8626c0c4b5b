/* signer_proto.c: checks, sends and receives the signer's typed messages. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <mbedtls/md.h>

#include "digest.h"
#include "error.h"
#include "signer_proto.h"

/* Exact body size of each request type (0: not a request). */
static const size_t signer_proto_body[SIGNER_MSG_MAX] = {
	[SIGNER_MSG_SIGN] = sizeof(struct signer_req_sign),
	[SIGNER_MSG_IDENT] = 0,
	[SIGNER_MSG_TLS_LOAD] = sizeof(struct signer_req_tls_load),
	[SIGNER_MSG_TLS_SIGN] = sizeof(struct signer_req_tls_sign),
	[SIGNER_MSG_UEFI_SIGN] = sizeof(struct signer_req_uefi_sign),
};

/* SIGN: a SHA-2 digest the CMS code supports, of exactly its size. */
static int signer_proto_check_sign(const struct signer_req_sign *q)
{
	const struct digest_alg *alg = digest_by_md((mbedtls_md_type_t)q->md);

	/* Only the digests a CMS signature for iPXE may use. */
	if (!alg || (q->md != MBEDTLS_MD_SHA256 && q->md != MBEDTLS_MD_SHA384 &&
		     q->md != MBEDTLS_MD_SHA512) ||
	    q->hash_len != digest_size(alg))
		return -EBADMSG;
	return 0;
}

/* UEFI_SIGN: a SHA-256 image hash (what UEFI db signatures carry). */
static int signer_proto_check_uefi(const struct signer_req_uefi_sign *q)
{
	if (q->md != MBEDTLS_MD_SHA256 || q->hash_len != SIGNER_UEFI_HASH_LEN)
		return -EBADMSG;
	return 0;
}

/* TLS_SIGN: a generation, a known scheme, 1 .. SIGNER_PROTO_IN_MAX bytes. */
static int signer_proto_check_tls_sign(const struct signer_req_tls_sign *q)
{
	if (q->gen == 0 || q->algo == 0 || q->algo >= SIGNER_TLS_ALGO_MAX ||
	    q->len == 0 || q->len > sizeof(q->data))
		return -EBADMSG;
	return 0;
}

int signer_proto_check_request(const void *buf, size_t len)
{
	struct signer_hdr h;
	const void *body = (const char *)buf + sizeof(h);
	struct signer_req_sign qs;
	struct signer_req_tls_load ql;
	struct signer_req_tls_sign qt;
	struct signer_req_uefi_sign qu;

	if (len < sizeof(h) || len > SIGNER_PROTO_MAX)
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	if (h.type == 0 || h.type >= SIGNER_MSG_MAX ||
	    h.len != signer_proto_body[h.type] || len - sizeof(h) != h.len)
		return -EBADMSG;
	switch (h.type) {
	case SIGNER_MSG_SIGN:
		memcpy(&qs, body, sizeof(qs));
		return signer_proto_check_sign(&qs);
	case SIGNER_MSG_TLS_LOAD:
		memcpy(&ql, body, sizeof(ql));
		return ql.gen ? 0 : -EBADMSG;
	case SIGNER_MSG_TLS_SIGN:
		memcpy(&qt, body, sizeof(qt));
		return signer_proto_check_tls_sign(&qt);
	case SIGNER_MSG_UEFI_SIGN:
		memcpy(&qu, body, sizeof(qu));
		return signer_proto_check_uefi(&qu);
	default:
		return 0;
	}
}

int signer_proto_check_reply(const void *buf, size_t len, uint32_t type)
{
	struct signer_hdr h;
	struct signer_reply r;

	if (len < sizeof(h) + sizeof(r) || len > SIGNER_PROTO_MAX)
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	memcpy(&r, (const char *)buf + sizeof(h), sizeof(r));
	if (h.type != type || h.len != len - sizeof(h) ||
	    r.len != h.len - sizeof(r) || r.rc > 0 ||
	    memchr(r.ident.cn, 0, sizeof(r.ident.cn)) == NULL ||
	    memchr(r.ident.subject, 0, sizeof(r.ident.subject)) == NULL ||
	    memchr(r.ident.serial, 0, sizeof(r.ident.serial)) == NULL)
		return -EBADMSG;
	return 0;
}

/* One datagram from @n pieces; a gone peer is -EPIPE, never SIGPIPE. */
static int signer_proto_sendv(int fd, struct iovec *iov, int n)
{
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)n };
	ssize_t w;

	do
		w = sendmsg(fd, &m, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return errno == ECONNRESET ? -EPIPE : -errno;
	return 0;
}

int signer_proto_send(int fd, uint32_t type, const void *body, size_t len)
{
	struct signer_hdr h = { .type = type, .len = (uint32_t)len };
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)body, .iov_len = len },
	};

	if (len > SIGNER_PROTO_MAX - sizeof(h))
		return -PB_ETOOBIG;
	return signer_proto_sendv(fd, iov, len ? 2 : 1);
}

int signer_proto_reply(int fd, uint32_t type, int rc,
		       const struct signer_wire_ident *ident,
		       const void *data, size_t len)
{
	struct signer_reply r;
	struct signer_hdr h = { .type = type };
	struct iovec iov[3] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = &r, .iov_len = sizeof(r) },
		{ .iov_base = (void *)data, .iov_len = len },
	};

	if (len > SIGNER_REPLY_DATA_MAX)
		return -PB_ETOOBIG;
	memset(&r, 0, sizeof(r));
	r.rc = rc > 0 ? -EINVAL : rc;
	r.len = (uint32_t)len;
	if (ident)
		r.ident = *ident;
	r.ident.cn[sizeof(r.ident.cn) - 1] = '\0';
	r.ident.subject[sizeof(r.ident.subject) - 1] = '\0';
	h.len = (uint32_t)(sizeof(r) + len);
	return signer_proto_sendv(fd, iov, len ? 3 : 2);
}

int signer_proto_recv(int fd, void *buf, size_t *len)
{
	ssize_t n;

	do
		n = recv(fd, buf, SIGNER_PROTO_MAX, MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ECONNRESET ? -EPIPE : -errno;
	if (n == 0)
		return -EPIPE;	/* the other end closed */
	*len = (size_t)n;
	return 0;
}
