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

#include <gnutls/gnutls.h>
#include <mbedtls/platform_util.h>

#include "error.h"
#include "log.h"
#include "signer.h"
#include "signer_client.h"
#include "signer_proto.h"
#include "signerd_tls.h"

/* A request side that waits this long for a reply gives up. */
#define SIGNERD_REPLY_TIMEOUT_S 30

struct signerd;

/* One channel and the thread that answers on it. */
struct signerd_chan {
	struct signerd *d;
	size_t i;
	int fd;
	pthread_t thread;
	unsigned char buf[SIGNER_PROTO_MAX];
};

struct signerd {
	struct signer *codesign;	/* the in-process key holder */
	struct signerd_tls *tls;	/* the TLS keys by generation */
	char uefi_key[SIGNER_PATH_MAX];	/* "" when EFI kernels go unsigned */
	char uefi_cert[SIGNER_PATH_MAX];
	size_t n;
	struct signerd_chan *chan;	/* n of them */
};

/* ---- requests --------------------------------------------------------- */

/* Fill @w with who signs now (the key holder checks the files first). */
static void signerd_ident(struct signerd *d, struct signer_wire_ident *w)
{
	long long not_after = 0;

	memset(w, 0, sizeof(*w));
	memcpy(w->id, signer_id(d->codesign), sizeof(w->id));
	snprintf(w->cn, sizeof(w->cn), "%s", signer_cn(d->codesign));
	snprintf(w->subject, sizeof(w->subject), "%s",
		 signer_subject(d->codesign));
	snprintf(w->serial, sizeof(w->serial), "%s",
		 signer_serial(d->codesign, &not_after));
	w->not_after = not_after;
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

/* UEFI_SIGN: Authenticode SignedData over the SpcIndirectDataContent of
 * the image hash the request side computed; the image never comes here.
 * The pair is read for each signature (a rotation is picked up at once;
 * EFI kernel uploads are rare). */
static int signerd_uefi_sign(struct signerd_chan *c, const void *body)
{
	struct signer_req_uefi_sign q;
	unsigned char *der = NULL;
	size_t der_len = 0;
	int rc;

	memcpy(&q, body, sizeof(q));
	rc = signer_uefi_sign_files(c->d->uefi_key, c->d->uefi_cert, q.hash,
				    &der, &der_len);
	if (rc == 0 && der_len > SIGNER_REPLY_DATA_MAX)
		rc = -PB_ETOOBIG;
	if (rc != 0)
		log_error("UEFI signature refused: %s", pb_strerror(rc));
	rc = signer_proto_reply(c->fd, SIGNER_MSG_UEFI_SIGN, rc, NULL, der,
				rc == 0 ? der_len : 0);
	free(der);
	return rc;
}

/* Reply to a request of @type with @rc and, on success, @len bytes of
 * @data; takes @data (GnuTLS's memory) and frees it.  The reply's rc. */
static int signerd_reply_gnutls(struct signerd_chan *c, uint32_t type, int rc,
				unsigned char *data, size_t len)
{
	rc = signer_proto_reply(c->fd, type, rc, NULL, data, rc == 0 ? len : 0);
	gnutls_free(data);
	return rc;
}

/* TLS_LOAD: the key file read again for the generation; the reply is
 * its public half, for the request side to compare with its certificate. */
static int signerd_tls_load_req(struct signerd_chan *c, const void *body)
{
	struct signer_req_tls_load q;
	unsigned char *pub = NULL;
	size_t len = 0;
	int rc;

	memcpy(&q, body, sizeof(q));
	rc = signerd_tls_load(c->d->tls, q.gen, &pub, &len);
	return signerd_reply_gnutls(c, SIGNER_MSG_TLS_LOAD, rc, pub, len);
}

/* TLS_SIGN: a handshake signature with the generation's key, this
 * channel's copy; refused for a generation not loaded. */
static int signerd_tls_sign_req(struct signerd_chan *c, const void *body)
{
	struct signer_req_tls_sign q;
	unsigned char *sig = NULL;
	size_t len = 0;
	int rc;

	memcpy(&q, body, sizeof(q));
	rc = signerd_tls_sign(c->d->tls, q.gen, c->i, q.algo, q.data, q.len,
			      &sig, &len);
	if (rc != 0)
		log_error("TLS signature for configuration %u refused: %s",
			  q.gen, pb_strerror(rc));
	return signerd_reply_gnutls(c, SIGNER_MSG_TLS_SIGN, rc, sig, len);
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
		return signerd_tls_load_req(c, body);
	case SIGNER_MSG_TLS_SIGN:
		return signerd_tls_sign_req(c, body);
	case SIGNER_MSG_UEFI_SIGN:
		return signerd_uefi_sign(c, body);
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

/* Free the keys and close the channels: the signer's end, before exit. */
static void signerd_free(struct signerd *d)
{
	size_t i;

	signerd_tls_free(d->tls);
	for (i = 0; d->chan && i < d->n; i++)
		close(d->chan[i].fd);
	free(d->chan);
	signer_free(d->codesign);
}

/* Keep the UEFI pair's paths (if any) and check that it signs now, so
 * that a bad pair stops the start rather than the first upload. */
static int signerd_uefi_check(struct signerd *d, const struct signer_paths *p)
{
	uint8_t hash[SIGNER_UEFI_HASH_LEN] = { 0 };
	unsigned char *der = NULL;
	size_t der_len = 0;
	int rc;

	if (!p->uefi_key || !p->uefi_key[0])
		return 0;
	snprintf(d->uefi_key, sizeof(d->uefi_key), "%s", p->uefi_key);
	snprintf(d->uefi_cert, sizeof(d->uefi_cert), "%s",
		 p->uefi_cert ? p->uefi_cert : "");
	rc = signer_uefi_sign_files(d->uefi_key, d->uefi_cert, hash, &der,
				    &der_len);
	if (rc != 0)
		log_error("UEFI key %s and certificate %s: %s", d->uefi_key,
			  d->uefi_cert, pb_strerror(rc));
	free(der);
	return rc;
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
	if (rc == 0)
		rc = signerd_tls_new(&d->tls, p->tls_key, d->n);
	if (rc == 0)
		rc = signerd_uefi_check(d, p);
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
