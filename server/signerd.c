/* signerd.c: the signer process of podboot serve: the only holder of the
 * code-signing and TLS private keys, answering typed requests. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>

#include "error.h"
#include "log.h"
#include "pki.h"
#include "rng.h"
#include "signer.h"
#include "signer_client.h"
#include "signer_proto.h"

/* Generations whose TLS key is kept: a reload drains the old daemons,
 * whose handshakes already under way still need their key. */
#define SIGNERD_TLS_GENS 4
/* A request side that waits this long for a reply gives up. */
#define SIGNERD_REPLY_TIMEOUT_S 30

/* One generation's TLS key: one copy per channel thread, so that
 * handshake signatures never wait for each other. */
struct signerd_tls {
	unsigned int gen;		/* 0: empty */
	mbedtls_pk_context key[SIGNER_CHANNELS_MAX];
};

struct signerd;

/* One channel and the thread that answers on it. */
struct signerd_chan {
	struct signerd *d;
	size_t i;
	int fd;
	struct rng rng;
	pthread_t thread;
	unsigned char buf[SIGNER_PROTO_MAX];
};

struct signerd {
	struct signer *codesign;	/* the in-process key holder */
	char tls_key[SIGNER_PATH_MAX];
	pthread_rwlock_t tls_lock;
	struct signerd_tls tls[SIGNERD_TLS_GENS];
	size_t n;
	struct signerd_chan *chan;	/* n of them */
};

/* ---- requests --------------------------------------------------------- */

static void signerd_ident(struct signerd *d, struct signer_wire_ident *w)
{
	memset(w, 0, sizeof(*w));
	memcpy(w->id, signer_id(d->codesign), sizeof(w->id));
	snprintf(w->cn, sizeof(w->cn), "%s", signer_cn(d->codesign));
	snprintf(w->subject, sizeof(w->subject), "%s",
		 signer_subject(d->codesign));
}

/* SIGN: a CMS signature of the digest, and who made it. */
static int signerd_sign(struct signerd_chan *c, const void *body)
{
	struct signer_req_sign q;
	struct signer_wire_ident w;
	unsigned char *der = NULL;
	size_t der_len = 0;
	int rc;

	memcpy(&q, body, sizeof(q));
	rc = signer_sign_digest(c->d->codesign,
				digest_by_md((mbedtls_md_type_t)q.md), q.hash,
				&der, &der_len);
	signerd_ident(c->d, &w);
	if (rc == 0 && der_len > SIGNER_REPLY_DATA_MAX)
		rc = -PB_ETOOBIG;
	rc = signer_proto_reply(c->fd, SIGNER_MSG_SIGN, rc, &w, der,
				rc == 0 ? der_len : 0);
	free(der);
	return rc;
}

/* Wipe and empty a TLS key slot (its @n copies). */
static void signerd_tls_clear(struct signerd_tls *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mbedtls_pk_free(&t->key[i]);	/* wipes the key */
	t->gen = 0;
}

/*
 * Load the TLS key file into one copy per channel, and into the slot of
 * @gen (or the oldest one).  Replies with the public key, for the
 * request side to compare with the certificate it presents.
 */
static int signerd_tls_load(struct signerd_chan *c, const void *body)
{
	struct signerd *d = c->d;
	struct signer_req_tls_load q;
	struct signerd_tls *t, fresh;
	unsigned char pub[PKI_PEM_MAX];
	size_t i, slot = 0;
	int len = 0, rc = 0;

	memcpy(&q, body, sizeof(q));
	for (i = 0; i < d->n; i++)
		mbedtls_pk_init(&fresh.key[i]);
	for (i = 0; i < d->n && rc == 0; i++)
		rc = pki_key_load(&fresh.key[i], d->tls_key);
	if (rc == 0 && !mbedtls_pk_can_do(&fresh.key[0], MBEDTLS_PK_RSA) &&
	    !mbedtls_pk_can_do(&fresh.key[0], MBEDTLS_PK_ECKEY))
		rc = -PB_EKEY_PARSE;
	if (rc == 0) {
		len = mbedtls_pk_write_pubkey_der(&fresh.key[0], pub,
						  sizeof(pub));
		if (len <= 0)
			rc = -PB_EKEY_PARSE;
	}
	if (rc != 0) {
		log_error("TLS key %s: %s", d->tls_key, pb_strerror(rc));
		signerd_tls_clear(&fresh, d->n);
		return signer_proto_reply(c->fd, SIGNER_MSG_TLS_LOAD, rc, NULL,
					  NULL, 0);
	}
	fresh.gen = q.gen;
	pthread_rwlock_wrlock(&d->tls_lock);
	for (i = 0; i < SIGNERD_TLS_GENS; i++)
		if (d->tls[i].gen == q.gen ||
		    (d->tls[slot].gen != q.gen && d->tls[i].gen < d->tls[slot].gen))
			slot = i;
	t = &d->tls[slot];
	signerd_tls_clear(t, d->n);
	*t = fresh;
	pthread_rwlock_unlock(&d->tls_lock);
	mbedtls_platform_zeroize(&fresh, sizeof(fresh));
	return signer_proto_reply(c->fd, SIGNER_MSG_TLS_LOAD, 0, NULL,
				  pub + sizeof(pub) - len, (size_t)len);
}

/* How each handshake algorithm signs: padding and digest. */
static const struct {
	int pk;				/* MBEDTLS_PK_RSA or _ECKEY */
	int pss;
	mbedtls_md_type_t md;		/* NONE: data is a DigestInfo */
} signerd_tls_algos[SIGNER_TLS_ALGO_MAX] = {
	[SIGNER_TLS_RSA_PKCS1] = { MBEDTLS_PK_RSA, 0, MBEDTLS_MD_NONE },
	[SIGNER_TLS_RSA_PKCS1_SHA256] = { MBEDTLS_PK_RSA, 0, MBEDTLS_MD_SHA256 },
	[SIGNER_TLS_RSA_PKCS1_SHA384] = { MBEDTLS_PK_RSA, 0, MBEDTLS_MD_SHA384 },
	[SIGNER_TLS_RSA_PKCS1_SHA512] = { MBEDTLS_PK_RSA, 0, MBEDTLS_MD_SHA512 },
	[SIGNER_TLS_RSA_PSS_SHA256] = { MBEDTLS_PK_RSA, 1, MBEDTLS_MD_SHA256 },
	[SIGNER_TLS_RSA_PSS_SHA384] = { MBEDTLS_PK_RSA, 1, MBEDTLS_MD_SHA384 },
	[SIGNER_TLS_RSA_PSS_SHA512] = { MBEDTLS_PK_RSA, 1, MBEDTLS_MD_SHA512 },
	[SIGNER_TLS_ECDSA_SHA256] = { MBEDTLS_PK_ECKEY, 0, MBEDTLS_MD_SHA256 },
	[SIGNER_TLS_ECDSA_SHA384] = { MBEDTLS_PK_ECKEY, 0, MBEDTLS_MD_SHA384 },
	[SIGNER_TLS_ECDSA_SHA512] = { MBEDTLS_PK_ECKEY, 0, MBEDTLS_MD_SHA512 },
};

/* Sign @len bytes of @data with @key as @algo says; @sig holds
 * MBEDTLS_PK_SIGNATURE_MAX_SIZE bytes. */
static int signerd_tls_op(mbedtls_pk_context *key, unsigned int algo,
			  const uint8_t *data, size_t len, struct rng *rng,
			  unsigned char *sig, size_t *sig_len)
{
	mbedtls_md_type_t md = signerd_tls_algos[algo].md;
	const mbedtls_md_info_t *info = mbedtls_md_info_from_type(md);
	mbedtls_rsa_context *rsa;
	int ret;

	if (mbedtls_pk_get_type(key) != (mbedtls_pk_type_t)signerd_tls_algos[algo].pk ||
	    (info && mbedtls_md_get_size(info) != len))
		return -EBADMSG;
	if (signerd_tls_algos[algo].pk == MBEDTLS_PK_ECKEY) {
		ret = mbedtls_pk_sign(key, md, data, len, sig, sig_len,
				      rng_random, rng);
		return ret ? -PB_ESIGN : 0;
	}
	rsa = mbedtls_pk_rsa(*key);
	*sig_len = mbedtls_rsa_get_len(rsa);
	if (signerd_tls_algos[algo].pss) {
		/* TLS: MGF1 with the same digest, salt as long as it. */
		mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, md);
		ret = mbedtls_rsa_rsassa_pss_sign_ext(rsa, rng_random, rng, md,
						      (unsigned int)len, data,
						      (int)len, sig);
		mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15,
					MBEDTLS_MD_NONE);
	} else {
		ret = mbedtls_rsa_rsassa_pkcs1_v15_sign(rsa, rng_random, rng,
							MBEDTLS_RSA_PRIVATE, md,
							(unsigned int)len, data,
							sig);
	}
	return ret ? -PB_ESIGN : 0;
}

/* TLS_SIGN: a handshake signature with the generation's key, this
 * channel's copy; refused for a generation not loaded. */
static int signerd_tls_sign(struct signerd_chan *c, const void *body)
{
	struct signerd *d = c->d;
	struct signer_req_tls_sign q;
	unsigned char sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t i, sig_len = 0;
	int rc = -ENOENT;

	memcpy(&q, body, sizeof(q));
	pthread_rwlock_rdlock(&d->tls_lock);
	for (i = 0; i < SIGNERD_TLS_GENS; i++)
		if (d->tls[i].gen == q.gen)
			rc = signerd_tls_op(&d->tls[i].key[c->i], q.algo, q.data,
					    q.len, &c->rng, sig, &sig_len);
	pthread_rwlock_unlock(&d->tls_lock);
	if (rc != 0)
		log_error("TLS signature for configuration %u refused: %s",
			  q.gen, pb_strerror(rc));
	return signer_proto_reply(c->fd, SIGNER_MSG_TLS_SIGN, rc, NULL, sig,
				  rc == 0 ? sig_len : 0);
}

/* Answer one checked request on @c; 0 or the error of the reply. */
static int signerd_answer(struct signerd_chan *c, size_t len)
{
	struct signer_hdr h;
	struct signer_wire_ident w;
	const void *body = c->buf + sizeof(h);

	memset(&h, 0, sizeof(h));
	memcpy(&h, c->buf, len < sizeof(h) ? len : sizeof(h));
	if (signer_proto_check_request(c->buf, len) != 0) {
		log_error("signer: malformed request refused (%zu bytes, "
			  "type %u)", len, h.type);
		return signer_proto_reply(c->fd, h.type, -EBADMSG, NULL, NULL,
					  0);
	}
	switch (h.type) {
	case SIGNER_MSG_SIGN:
		return signerd_sign(c, body);
	case SIGNER_MSG_TLS_LOAD:
		return signerd_tls_load(c, body);
	case SIGNER_MSG_TLS_SIGN:
		return signerd_tls_sign(c, body);
	default:	/* SIGNER_MSG_IDENT */
		signerd_ident(c->d, &w);
		return signer_proto_reply(c->fd, h.type, 0, &w, NULL, 0);
	}
}

/* One channel's thread: requests until the request side hangs up. */
static void *signerd_thread(void *arg)
{
	struct signerd_chan *c = arg;
	size_t len;

	while (signer_proto_recv(c->fd, c->buf, &len) == 0)
		if (signerd_answer(c, len) != 0)
			break;
	mbedtls_platform_zeroize(c->buf, sizeof(c->buf));
	return NULL;
}

/* ---- the process ------------------------------------------------------ */

static void signerd_free(struct signerd *d)
{
	size_t i;

	for (i = 0; i < SIGNERD_TLS_GENS; i++)
		signerd_tls_clear(&d->tls[i], d->n);
	for (i = 0; d->chan && i < d->n; i++) {
		rng_free(&d->chan[i].rng);
		close(d->chan[i].fd);
	}
	free(d->chan);
	signer_free(d->codesign);
	pthread_rwlock_destroy(&d->tls_lock);
}

/*
 * The signer process: load the code-signing pair, say hello on channel 0
 * (the result and who signs), answer until every channel is closed.
 * Never returns.
 */
static void signerd_main(struct signerd *d, const struct signer_paths *p)
{
	struct signer_wire_ident w;
	size_t i, started = 0;
	int rc;

	rc = signer_load(&d->codesign, p->codesign_key, p->codesign_cert,
			 p->root_cert);
	if (rc != 0)
		log_error("code-signing key %s and certificate %s: %s",
			  p->codesign_key, p->codesign_cert, pb_strerror(rc));
	for (i = 0; rc == 0 && i < d->n; i++)
		rc = rng_init(&d->chan[i].rng, "podboot signer tls");
	if (rc == 0)
		signerd_ident(d, &w);
	signer_proto_reply(d->chan[0].fd, SIGNER_MSG_IDENT, rc,
			   rc == 0 ? &w : NULL, NULL, 0);
	for (i = 0; rc == 0 && i < d->n; i++) {
		if (pthread_create(&d->chan[i].thread, NULL, signerd_thread,
				   &d->chan[i]) != 0)
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(d->chan[i].thread, NULL);
	signerd_free(d);
	_exit(rc == 0 ? 0 : 1);
}

/* In the child: nothing but the channels; dies with its parent. */
static void signerd_child(struct signerd *d, const struct signer_paths *p,
			  int (*sv)[2], pid_t parent)
{
	sigset_t none;
	size_t i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "podboot-signer");
	/* Same user as the request side, which may not ptrace this process
	 * nor read its memory through /proc (root still can), nor get a
	 * core dump of it. */
	prctl(PR_SET_DUMPABLE, 0);
	/* Stopping is the request side's business: it closes the channels
	 * once its requests have drained. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	for (i = 0; i < d->n; i++) {
		close(sv[i][0]);
		d->chan[i].d = d;
		d->chan[i].i = i;
		d->chan[i].fd = sv[i][1];
	}
	if (getppid() != parent)	/* it died before PDEATHSIG was set */
		_exit(1);
	signerd_main(d, p);
}

/* How many channels (and signer threads) to open. */
static size_t signerd_channels(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = cpus < 1 ? 2 : 2 * (size_t)cpus;

	/* Two per CPU: one signs while the other's reply travels. */
	return n > SIGNER_CHANNELS_MAX ? SIGNER_CHANNELS_MAX : n;
}

/* The parent's ends: a bounded wait for every reply. */
static void signerd_parent_ends(int (*sv)[2], size_t n, int *fds)
{
	struct timeval tv = { SIGNERD_REPLY_TIMEOUT_S, 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		close(sv[i][1]);
		fds[i] = sv[i][0];
		setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
}

int signerd_start(const struct signer_paths *p, struct signer_client **out)
{
	static struct signerd d;	/* the child's; in the parent unused */
	int sv[SIGNER_CHANNELS_MAX][2], fds[SIGNER_CHANNELS_MAX];
	size_t i, n = signerd_channels();
	pid_t pid, parent = getpid();
	int rc;

	*out = NULL;
	if (snprintf(d.tls_key, sizeof(d.tls_key), "%s", p->tls_key) >=
	    (int)sizeof(d.tls_key))
		return -ENAMETOOLONG;
	for (i = 0; i < n; i++)
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
			       sv[i]) != 0) {
			rc = -errno;
			goto err_sockets;
		}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto err_sockets;
	}
	if (pid == 0) {
		d.n = n;
		d.chan = calloc(n, sizeof(*d.chan));
		pthread_rwlock_init(&d.tls_lock, NULL);
		if (!d.chan)
			_exit(1);
		signerd_child(&d, p, sv, parent);
	}
	signerd_parent_ends(sv, n, fds);
	rc = signer_client_new(out, pid, fds, n);
	if (rc != 0)
		waitpid(pid, NULL, 0);
	return rc;
err_sockets:
	while (i-- > 0) {
		close(sv[i][0]);
		close(sv[i][1]);
	}
	return rc;
}
