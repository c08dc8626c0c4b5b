/* test_signer_proto.c: the signer process's typed messages: what the
 * signer accepts, and a live signer process end to end. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/md.h>

#include "authenticode.h"
#include "keystore.h"
#include "pki.h"
#include "signer.h"
#include "signer_proto.h"
#include "test_pecoff.h"
#include "unit.h"

/* A request datagram of @type with @body, into @buf; its size. */
static size_t msg(unsigned char *buf, uint32_t type, const void *body,
		  size_t len)
{
	struct signer_hdr h = { .type = type, .len = (uint32_t)len };

	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), body, len);
	return sizeof(h) + len;
}

static struct signer_req_sign sign_req(uint32_t md, uint32_t hash_len)
{
	struct signer_req_sign q;

	memset(&q, 0x42, sizeof(q));
	q.md = md;
	q.hash_len = hash_len;
	return q;
}

static void test_requests_accepted(void)
{
	static unsigned char buf[SIGNER_PROTO_MAX];
	struct signer_req_sign qs = sign_req(MBEDTLS_MD_SHA256, 32);
	struct signer_req_tls_load ql = { .gen = 1 };
	struct signer_req_tls_sign qt = { .gen = 3, .algo = SIGNER_TLS_RSA_PKCS1,
					  .len = SIGNER_PROTO_IN_MAX };
	struct signer_req_uefi_sign qu = { .md = MBEDTLS_MD_SHA256,
					   .hash_len = SIGNER_UEFI_HASH_LEN };

	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_SIGN, &qs, sizeof(qs))), 0);
	qs = sign_req(MBEDTLS_MD_SHA512, 64);
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_SIGN, &qs, sizeof(qs))), 0);
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_IDENT, NULL, 0)), 0);
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_TLS_LOAD, &ql, sizeof(ql))), 0);
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_TLS_SIGN, &qt, sizeof(qt))), 0);
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_UEFI_SIGN, &qu, sizeof(qu))), 0);
}

static void test_requests_refused(void)
{
	static unsigned char buf[SIGNER_PROTO_MAX + 64];
	struct signer_req_sign qs = sign_req(MBEDTLS_MD_SHA256, 32);
	struct signer_req_tls_load ql = { .gen = 0 };
	struct signer_req_tls_sign qt = { .gen = 3, .algo = SIGNER_TLS_RSA_PKCS1,
					  .len = 32 };
	size_t n;

	/* Unknown types, and none at all. */
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, 0, NULL, 0)), -EBADMSG);
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_MAX, NULL, 0)), -EBADMSG);
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, 99, NULL, 0)), -EBADMSG);
	CU_ASSERT_EQUAL(signer_proto_check_request(buf, 3), -EBADMSG);
	/* Bodies one byte short or long, or not the header's length. */
	n = msg(buf, SIGNER_MSG_SIGN, &qs, sizeof(qs));
	CU_ASSERT_EQUAL(signer_proto_check_request(buf, n - 1), -EBADMSG);
	CU_ASSERT_EQUAL(signer_proto_check_request(buf, n + 1), -EBADMSG);
	n = msg(buf, SIGNER_MSG_IDENT, &qs, 8);
	CU_ASSERT_EQUAL(signer_proto_check_request(buf, n), -EBADMSG);
	/* Truncated by the receiver: larger than any message. */
	n = msg(buf, SIGNER_MSG_SIGN, &qs, sizeof(qs));
	CU_ASSERT_EQUAL(signer_proto_check_request(buf, SIGNER_PROTO_MAX + 1),
			-EBADMSG);
	/* Digests: only SHA-2 ones, and exactly their size. */
	qs = sign_req(MBEDTLS_MD_SHA1, 20);
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_SIGN, &qs, sizeof(qs))), -EBADMSG);
	qs = sign_req(MBEDTLS_MD_SHA256, 31);
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_SIGN, &qs, sizeof(qs))), -EBADMSG);
	qs = sign_req(MBEDTLS_MD_SHA256, 0xffffffffu);
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_SIGN, &qs, sizeof(qs))), -EBADMSG);
	qs = sign_req(1000, 32);
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_SIGN, &qs, sizeof(qs))), -EBADMSG);
	/* Generation 0 does not exist. */
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_TLS_LOAD, &ql, sizeof(ql))), -EBADMSG);
	/* Handshake input: known algorithm, 1 .. SIGNER_PROTO_IN_MAX bytes. */
	qt.len = SIGNER_PROTO_IN_MAX + 1;
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_TLS_SIGN, &qt, sizeof(qt))), -EBADMSG);
	qt.len = 0;
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_TLS_SIGN, &qt, sizeof(qt))), -EBADMSG);
	qt.len = 32;
	qt.algo = SIGNER_TLS_ALGO_MAX;
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_TLS_SIGN, &qt, sizeof(qt))), -EBADMSG);
	qt.algo = 0;
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_TLS_SIGN, &qt, sizeof(qt))), -EBADMSG);
}

/* UEFI_SIGN: a SHA-256 image hash of exactly 32 bytes, nothing else. */
static void test_uefi_requests_refused(void)
{
	static unsigned char buf[SIGNER_PROTO_MAX];
	struct signer_req_uefi_sign q = { .md = MBEDTLS_MD_SHA256,
					  .hash_len = SIGNER_UEFI_HASH_LEN };
	struct signer_req_sign qs = sign_req(MBEDTLS_MD_SHA256, 32);
	size_t n;

	n = msg(buf, SIGNER_MSG_UEFI_SIGN, &q, sizeof(q));
	CU_ASSERT_EQUAL(signer_proto_check_request(buf, n), 0);
	CU_ASSERT_EQUAL(signer_proto_check_request(buf, n - 1), -EBADMSG);
	CU_ASSERT_EQUAL(signer_proto_check_request(buf, n + 1), -EBADMSG);
	/* a SIGN body under the UEFI type: not its size */
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_UEFI_SIGN, &qs, sizeof(qs))), -EBADMSG);
	q.md = MBEDTLS_MD_SHA512;
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_UEFI_SIGN, &q, sizeof(q))), -EBADMSG);
	q.md = MBEDTLS_MD_SHA1;
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_UEFI_SIGN, &q, sizeof(q))), -EBADMSG);
	q.md = MBEDTLS_MD_SHA256;
	q.hash_len = 31;
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_UEFI_SIGN, &q, sizeof(q))), -EBADMSG);
	q.hash_len = 0xffffffffu;
	CU_ASSERT_EQUAL(signer_proto_check_request(buf,
		msg(buf, SIGNER_MSG_UEFI_SIGN, &q, sizeof(q))), -EBADMSG);
}

/* A reply datagram as the signer sends it, for the request side's check. */
static size_t reply(unsigned char *buf, uint32_t type, int32_t rc,
		    uint32_t data_len)
{
	struct signer_hdr h = { .type = type };
	struct signer_reply r;

	memset(&r, 0, sizeof(r));
	r.rc = rc;
	r.len = data_len;
	h.len = (uint32_t)sizeof(r) + data_len;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &r, sizeof(r));
	memset(buf + sizeof(h) + sizeof(r), 0x30, data_len);
	return sizeof(h) + sizeof(r) + data_len;
}

static void test_replies(void)
{
	static unsigned char buf[SIGNER_PROTO_MAX];
	struct signer_reply *r = (void *)(buf + sizeof(struct signer_hdr));
	size_t n;

	n = reply(buf, SIGNER_MSG_SIGN, 0, 100);
	CU_ASSERT_EQUAL(signer_proto_check_reply(buf, n, SIGNER_MSG_SIGN), 0);
	CU_ASSERT_EQUAL(signer_proto_check_reply(buf, n, SIGNER_MSG_IDENT),
			-EBADMSG);
	CU_ASSERT_EQUAL(signer_proto_check_reply(buf, n - 1, SIGNER_MSG_SIGN),
			-EBADMSG);
	n = reply(buf, SIGNER_MSG_SIGN, 5, 0);
	CU_ASSERT_EQUAL(signer_proto_check_reply(buf, n, SIGNER_MSG_SIGN),
			-EBADMSG);
	n = reply(buf, SIGNER_MSG_SIGN, 0, 0);
	memset(r->ident.cn, 'x', sizeof(r->ident.cn));
	CU_ASSERT_EQUAL(signer_proto_check_reply(buf, n, SIGNER_MSG_SIGN),
			-EBADMSG);
	/* the serial is text the API shows: it must end inside its field */
	n = reply(buf, SIGNER_MSG_SIGN, 0, 0);
	memset(r->ident.serial, 'a', sizeof(r->ident.serial));
	CU_ASSERT_EQUAL(signer_proto_check_reply(buf, n, SIGNER_MSG_SIGN),
			-EBADMSG);
	r->ident.serial[sizeof(r->ident.serial) - 1] = '\0';
	CU_ASSERT_EQUAL(signer_proto_check_reply(buf, n, SIGNER_MSG_SIGN), 0);
	n = reply(buf, SIGNER_MSG_SIGN, 0, (uint32_t)SIGNER_REPLY_DATA_MAX);
	CU_ASSERT_EQUAL(signer_proto_check_reply(buf, n, SIGNER_MSG_SIGN), 0);
}

/* A real signer process: it signs, and once it is gone, signing fails
 * with -EPIPE rather than hanging or crashing. */
static void test_live(void)
{
	char key[512], crt[512], root[512], tls[512];
	const char *dir = unit_keys(0);
	struct signer_paths p = { key, crt, root, tls, NULL, NULL };
	uint8_t hash[32] = { 1, 2, 3 };
	unsigned char *der = NULL, *pub = NULL, *sig = NULL;
	size_t der_len = 0, pub_len = 0, sig_len = 0;
	struct signer *s = NULL;

	snprintf(key, sizeof(key), "%s/%s", dir, KEYSTORE_CODESIGN_KEY);
	snprintf(crt, sizeof(crt), "%s/%s", dir, KEYSTORE_CODESIGN_CRT);
	snprintf(root, sizeof(root), "%s/%s", dir, KEYSTORE_ROOT_CRT);
	snprintf(tls, sizeof(tls), "%s/server.key", dir);
	CU_ASSERT_EQUAL_FATAL(signer_start(&s, &p), 0);
	CU_ASSERT(signer_pid(s) > 0);
	CU_ASSERT_STRING_EQUAL(signer_cn(s), KEYSTORE_CODESIGN_CN);
	CU_ASSERT_EQUAL(signer_sign_digest(s, digest_by_md(MBEDTLS_MD_SHA256),
					   hash, &der, &der_len), 0);
	CU_ASSERT(der_len > 256);
	CU_ASSERT_EQUAL(signer_tls_load(s, 1, &pub, &pub_len), 0);
	CU_ASSERT(pub_len > 256);
	CU_ASSERT_EQUAL(signer_tls_sign(s, 1, SIGNER_TLS_RSA_PSS_SHA256, hash,
					sizeof(hash), &sig, &sig_len), 0);
	CU_ASSERT(sig_len == 256 || sig_len == 384 || sig_len == 512);
	free(sig);
	/* A key the generation does not have; an ECDSA signature from an
	 * RSA key; a PSS input that is not its hash's size. */
	CU_ASSERT_NOT_EQUAL(signer_tls_sign(s, 2, SIGNER_TLS_RSA_PKCS1, hash,
					    sizeof(hash), &sig, &sig_len), 0);
	CU_ASSERT_NOT_EQUAL(signer_tls_sign(s, 1, SIGNER_TLS_ECDSA_SHA256,
					    hash, sizeof(hash), &sig,
					    &sig_len), 0);
	CU_ASSERT_NOT_EQUAL(signer_tls_sign(s, 1, SIGNER_TLS_RSA_PSS_SHA384,
					    hash, sizeof(hash), &sig,
					    &sig_len), 0);
	free(der);
	der = NULL;
	kill(signer_pid(s), SIGKILL);
	CU_ASSERT_EQUAL(signer_sign_digest(s, digest_by_md(MBEDTLS_MD_SHA256),
					   hash, &der, &der_len), -EPIPE);
	CU_ASSERT_PTR_NULL(der);
	free(pub);
	signer_free(s);
}

/* A UEFI db pair issued once into the unit tmpdir; its paths. */
static void uefi_pair(char *key, char *crt, size_t size)
{
	static int made;
	struct keystore_uefi_opts o = { .cn = "unit UEFI db", .days = 30,
					.bits = 2048 };
	mbedtls_x509_crt c;
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/uefi-signer", unit_tmpdir());
	o.dir = dir;
	if (!made) {
		mbedtls_x509_crt_init(&c);
		CU_ASSERT_EQUAL_FATAL(keystore_uefi_issue(&o, &c), 0);
		mbedtls_x509_crt_free(&c);
		made = 1;
	}
	snprintf(key, size, "%s/%s", dir, KEYSTORE_UEFI_KEY);
	snprintf(crt, size, "%s/%s", dir, KEYSTORE_UEFI_CRT);
}

/* The split: the request side hashes and embeds, the signer process
 * signs the hash with the UEFI key; the image verifies against the UEFI
 * certificate, as the firmware checks it.  Without the pair: -ENOTSUP. */
static void test_uefi_live(void)
{
	char key[512], crt[512], root[512], tls[512], ukey[512], ucrt[512];
	const char *dir = unit_keys(0);
	struct signer_paths p = { key, crt, root, tls, ukey, ucrt };
	struct authenticode_result res;
	mbedtls_x509_crt trusted;
	struct pecoff pe;
	uint8_t hash[32], *img, *work = NULL;
	unsigned char *der = NULL;
	size_t len, work_len = 0, der_len = 0;
	struct signer *s = NULL;

	snprintf(key, sizeof(key), "%s/%s", dir, KEYSTORE_CODESIGN_KEY);
	snprintf(crt, sizeof(crt), "%s/%s", dir, KEYSTORE_CODESIGN_CRT);
	snprintf(root, sizeof(root), "%s/%s", dir, KEYSTORE_ROOT_CRT);
	snprintf(tls, sizeof(tls), "%s/server.key", dir);
	uefi_pair(ukey, ucrt, sizeof(ukey));
	CU_ASSERT_EQUAL_FATAL(signer_start(&s, &p), 0);
	img = test_pe_image(1, 2, &len);
	CU_ASSERT_EQUAL_FATAL(authenticode_split(&pe, img, len, 0, hash, &work,
						 &work_len), 0);
	CU_ASSERT_EQUAL_FATAL(signer_uefi_sign(s, hash, &der, &der_len), 0);
	CU_ASSERT_EQUAL_FATAL(pecoff_append_cert(&pe, &work, &work_len, der,
						 der_len), 0);
	mbedtls_x509_crt_init(&trusted);
	CU_ASSERT_EQUAL_FATAL(pki_cert_load(&trusted, ucrt), 0);
	CU_ASSERT_EQUAL(authenticode_verify_image(&pe, work, work_len,
						  &trusted, &res), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.signer, "unit UEFI db"));
	/* the code-signing certificate is not what signed it */
	mbedtls_x509_crt_free(&trusted);
	mbedtls_x509_crt_init(&trusted);
	CU_ASSERT_EQUAL_FATAL(pki_cert_load(&trusted, crt), 0);
	CU_ASSERT_NOT_EQUAL(authenticode_verify_image(&pe, work, work_len,
						      &trusted, &res), 0);
	mbedtls_x509_crt_free(&trusted);
	free(der);
	der = NULL;
	signer_free(s);
	/* no UEFI pair configured: refused, nothing signed */
	p.uefi_key = NULL;
	p.uefi_cert = NULL;
	CU_ASSERT_EQUAL_FATAL(signer_start(&s, &p), 0);
	CU_ASSERT_EQUAL(signer_uefi_sign(s, hash, &der, &der_len), -ENOTSUP);
	CU_ASSERT_PTR_NULL(der);
	signer_free(s);
	free(work);
	free(img);
}

/* The request side's idea of who signs follows a rotation on disk (no
 * reload): the same identity while the files stay, the new one after,
 * so that a cache keyed by it misses. */
static void test_ident_follows_rotation(void)
{
	struct keystore_init_opts opts = {
		.server_name = "boot.example.net",
		.org = "podboot unit",
		.algo = PKI_ECDSA,
		.root_days = 3650,
		.leaf_days = 30,
	};
	char dir[256], key[512], crt[512], root[512], tls[512], fpr[65];
	char serial[65];
	struct signer_paths p = { key, crt, root, tls, NULL, NULL };
	struct signer *s = NULL;
	const uint8_t *id;
	uint8_t before[32];

	snprintf(dir, sizeof(dir), "%s/keys-rotate", unit_tmpdir());
	opts.dir = dir;
	CU_ASSERT_EQUAL_FATAL(keystore_init(&opts, fpr), 0);
	snprintf(key, sizeof(key), "%s/%s", dir, KEYSTORE_CODESIGN_KEY);
	snprintf(crt, sizeof(crt), "%s/%s", dir, KEYSTORE_CODESIGN_CRT);
	snprintf(root, sizeof(root), "%s/%s", dir, KEYSTORE_ROOT_CRT);
	snprintf(tls, sizeof(tls), "%s/server.key", dir);
	CU_ASSERT_EQUAL_FATAL(signer_start(&s, &p), 0);
	id = signer_id(s);
	memcpy(before, id, sizeof(before));
	CU_ASSERT_PTR_EQUAL(signer_id(s), id);
	CU_ASSERT_EQUAL(memcmp(signer_id(s), before, sizeof(before)), 0);
	CU_ASSERT_EQUAL_FATAL(keystore_rotate_codesign(dir, 30, serial), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(signer_id(s), before, sizeof(before)), 0);
	signer_free(s);
}

static const CU_TestInfo tests[] = {
	{ "who signs follows a rotation on disk", test_ident_follows_rotation },
	{ "well-formed requests are accepted", test_requests_accepted },
	{ "anything else is refused", test_requests_refused },
	{ "replies are checked too", test_replies },
	{ "UEFI requests: SHA-256 of 32 bytes only", test_uefi_requests_refused },
	{ "the signer signs an image hash with the UEFI key", test_uefi_live },
	{ "a live signer process signs; a dead one fails cleanly", test_live },
	CU_TEST_INFO_NULL,
};

static int suite_signer_proto_register(void)
{
	return unit_add_suite("signer_proto", NULL, NULL, tests);
}

UNIT_SUITE(suite_signer_proto_register)
