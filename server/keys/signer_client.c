/* signer_client.c: the request side's end of the signer process: typed
 * requests over a pool of channels, and who signs. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "error.h"
#include "log.h"
#include "signer_client.h"
#include "signer_proto.h"

/* One channel: a request and its reply at a time. */
struct signer_chan {
	pthread_mutex_t lock;
	int fd;
	unsigned char buf[SIGNER_PROTO_MAX];
};

/* Who signs: replaced whole when a reply names another certificate; the
 * old ones kept until signer_client_free() so that pointers stay valid. */
struct signer_client_ident {
	struct signer_wire_ident w;
	struct signer_client_ident *older;
};

struct signer_client {
	struct signer_chan chan[SIGNER_CHANNELS_MAX];
	size_t n;
	pid_t pid;
	int pidfd;			/* the signer, to end it safely */
	atomic_int dead;
	pthread_mutex_t ident_lock;
	_Atomic(struct signer_client_ident *) ident;
};

/* Keep @w as the identity now, unless it already is. */
static void signer_client_ident_set(struct signer_client *c,
				    const struct signer_wire_ident *w)
{
	struct signer_client_ident *cur, *id;

	cur = atomic_load(&c->ident);
	if (cur && memcmp(cur->w.id, w->id, sizeof(w->id)) == 0)
		return;
	pthread_mutex_lock(&c->ident_lock);
	cur = atomic_load(&c->ident);
	if ((!cur || memcmp(cur->w.id, w->id, sizeof(w->id)) != 0) &&
	    (id = calloc(1, sizeof(*id)))) {
		id->w = *w;
		id->older = cur;
		atomic_store(&c->ident, id);
	}
	pthread_mutex_unlock(&c->ident_lock);
}

/*
 * The signer is gone, hangs or spoke out of turn: nothing more is asked
 * of it, and one still running is ended, so that podboot serve sees it
 * end (SIGCHLD) and stops.
 */
static int signer_client_lost(struct signer_client *c, int rc)
{
	if (atomic_exchange(&c->dead, 1) != 0)
		return -EPIPE;
	log_error("signer process %ld: %s: nothing can be signed; podboot "
		  "serve stops (restart it)", (long)c->pid,
		  rc == -EBADMSG ? "malformed reply" :
		  rc == -EAGAIN ? "no reply in time" : "gone");
	/* Through a pidfd: never another process that took a reaped PID. */
	if (c->pidfd >= 0)
		pidfd_send_signal(c->pidfd, SIGKILL, NULL, 0);
	return -EPIPE;
}

/* A free channel if there is one; else wait for one. */
static struct signer_chan *signer_client_chan(struct signer_client *c)
{
	static atomic_uint next;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (pthread_mutex_trylock(&c->chan[i].lock) == 0)
			return &c->chan[i];
	i = atomic_fetch_add(&next, 1) % c->n;
	pthread_mutex_lock(&c->chan[i].lock);
	return &c->chan[i];
}

/*
 * Ask and wait for the answer on one channel.  On 0, @r holds the reply's
 * fixed part and @out (if not NULL) a malloc'd copy of its data.
 */
static int signer_client_ask(struct signer_client *c, uint32_t type,
			     const void *body, size_t len,
			     struct signer_reply *r, unsigned char **out,
			     size_t *out_len)
{
	struct signer_chan *ch;
	const unsigned char *data;
	size_t got = 0;
	int rc;

	if (atomic_load(&c->dead))
		return -EPIPE;
	ch = signer_client_chan(c);
	rc = signer_proto_send(ch->fd, type, body, len);
	if (rc == 0)
		rc = signer_proto_recv(ch->fd, ch->buf, &got);
	if (rc == 0)
		rc = signer_proto_check_reply(ch->buf, got, type);
	if (rc == 0) {
		memcpy(r, ch->buf + sizeof(struct signer_hdr), sizeof(*r));
		data = ch->buf + sizeof(struct signer_hdr) + sizeof(*r);
		if (out && r->rc == 0 && !(*out = malloc(r->len ? r->len : 1)))
			rc = -ENOMEM;
		else if (out && r->rc == 0)
			memcpy(*out, data, r->len);
		if (out_len)
			*out_len = r->len;
		mbedtls_platform_zeroize(ch->buf, got);
	}
	pthread_mutex_unlock(&ch->lock);
	if (rc == -ENOMEM)
		return rc;
	if (rc != 0)
		return signer_client_lost(c, rc == -EWOULDBLOCK ? -EAGAIN : rc);
	return 0;
}

int signer_client_new(struct signer_client **out, pid_t pid, const int *fds,
		      size_t n)
{
	struct signer_client *c = calloc(1, sizeof(*c));
	struct signer_reply r;
	size_t i, got = 0;
	int rc;

	*out = NULL;
	if (!c) {
		for (i = 0; i < n; i++)
			close(fds[i]);
		return -ENOMEM;
	}
	c->pid = pid;
	c->pidfd = pidfd_open(pid, 0);
	c->n = n;
	atomic_init(&c->dead, 0);
	atomic_init(&c->ident, NULL);
	pthread_mutex_init(&c->ident_lock, NULL);
	for (i = 0; i < n; i++) {
		pthread_mutex_init(&c->chan[i].lock, NULL);
		c->chan[i].fd = fds[i];
	}
	/* The hello: how loading the code-signing pair went. */
	rc = signer_proto_recv(c->chan[0].fd, c->chan[0].buf, &got);
	if (rc == 0)
		rc = signer_proto_check_reply(c->chan[0].buf, got,
					      SIGNER_MSG_IDENT);
	if (rc == 0) {
		memcpy(&r, c->chan[0].buf + sizeof(struct signer_hdr),
		       sizeof(r));
		rc = r.rc;
	}
	if (rc == 0)
		signer_client_ident_set(c, &r.ident);
	if (rc == 0 && !atomic_load(&c->ident))
		rc = -ENOMEM;
	if (rc != 0) {
		signer_client_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void signer_client_free(struct signer_client *c)
{
	struct signer_client_ident *id, *older;
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		close(c->chan[i].fd);
		pthread_mutex_destroy(&c->chan[i].lock);
	}
	/* Closed channels end the signer; it has nothing else to finish. */
	if (c->pid > 0)
		waitpid(c->pid, NULL, 0);
	if (c->pidfd >= 0)
		close(c->pidfd);
	for (id = atomic_load(&c->ident); id; id = older) {
		older = id->older;
		free(id);
	}
	pthread_mutex_destroy(&c->ident_lock);
	free(c);
}

pid_t signer_client_pid(const struct signer_client *c)
{
	return c->pid;
}

int signer_client_sign(struct signer_client *c, const struct digest_alg *alg,
		       const uint8_t *hash, unsigned char **der,
		       size_t *der_len)
{
	struct signer_req_sign q;
	struct signer_reply r;
	int rc;

	*der = NULL;
	memset(&q, 0, sizeof(q));
	q.md = (uint32_t)alg->md;
	q.hash_len = (uint32_t)digest_size(alg);
	if (q.hash_len > sizeof(q.hash))
		return -PB_ETOOBIG;
	memcpy(q.hash, hash, q.hash_len);
	rc = signer_client_ask(c, SIGNER_MSG_SIGN, &q, sizeof(q), &r, der,
			       der_len);
	if (rc != 0)
		return rc;
	signer_client_ident_set(c, &r.ident);
	return r.rc;
}

/* The common name of the certificate the signer last named. */
const char *signer_client_cn(struct signer_client *c)
{
	return atomic_load(&c->ident)->w.cn;
}

/* The subject of the certificate the signer last named. */
const char *signer_client_subject(struct signer_client *c)
{
	return atomic_load(&c->ident)->w.subject;
}

/* The serial of the certificate the signer last named, its notAfter
 * into *@not_after. */
const char *signer_client_serial(struct signer_client *c,
				 long long *not_after)
{
	const struct signer_client_ident *id = atomic_load(&c->ident);

	*not_after = (long long)id->w.not_after;
	return id->w.serial;
}

/* The SHA-256 of the certificate the signer names (@check: ask it now,
 * an IDENT round trip); valid until signer_client_free(). */
const uint8_t *signer_client_id(struct signer_client *c, int check)
{
	struct signer_reply r;

	/* The signer looks at the files first: after a rotation the id
	 * names the new certificate.  A dead signer leaves the last one. */
	if (check && signer_client_ask(c, SIGNER_MSG_IDENT, NULL, 0, &r, NULL,
				       NULL) == 0 && r.rc == 0)
		signer_client_ident_set(c, &r.ident);
	return atomic_load(&c->ident)->w.id;
}

int signer_client_call(struct signer_client *c, uint32_t type,
		       const void *body, size_t len, unsigned char **out,
		       size_t *out_len)
{
	struct signer_reply r;
	int rc;

	*out = NULL;
	rc = signer_client_ask(c, type, body, len, &r, out, out_len);
	return rc != 0 ? rc : r.rc;
}
