/* cache_pool.c: a small fixed pool of threads that stream the cache's
 * answers to the pod's machines, so that a fan-out uses every core while
 * the listener goes on accepting, reading requests and taking pushes.
 *
 * Each worker runs its own poll loop over the connections it was given,
 * non-blocking, so a machine that reads slowly holds up no other.  A
 * connection belongs to one thread at a time: the listener gives it in
 * state RCS_FILE and takes it back through a queue; the lock guards the
 * queues and the load counts only. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/ssl.h>

#include "cache_pool.h"
#include "clock.h"
#include "log.h"
#include "relayconn.h"

#define CACHE_POOL_ROUND 8		/* chunks per connection per round */

/* One worker thread and what it holds. */
struct cache_worker {
	struct cache_pool *pool;
	unsigned index;
	pthread_t thread;
	int started;
	int wake[2];			/* a byte: new connections, or stop */
	/* given by the listener, not yet taken (under pool->lock) */
	struct relayconn **inbox;
	unsigned n_inbox;
	unsigned load;			/* held and not yet back (lock) */
	/* the worker's own */
	struct relayconn **conns;
	short *want;			/* poll events each waits for, or 0 */
	struct pollfd *pfd;
	unsigned *map;			/* pfd index -> conns index */
	unsigned n_conns;
	unsigned char *buf;		/* CACHE_SERVE_CHUNK file bytes */
};

struct cache_pool {
	pthread_mutex_t lock;
	const struct cache_serve *serve;
	unsigned max_conns;
	unsigned n_workers;
	int stop;			/* under lock */
	int done[2];			/* a byte: a connection came back */
	struct relayconn **back;	/* came back, for the listener */
	int *back_rc;
	unsigned n_back;
	struct cache_worker w[CACHE_POOL_MAX];
};

/* ---- the worker ------------------------------------------------------- */

/* Give @c back to the listener with @rc (0: its answer went out). */
static void cache_pool_return(struct cache_worker *w, struct relayconn *c,
			      int rc)
{
	struct cache_pool *p = w->pool;
	ssize_t n;

	pthread_mutex_lock(&p->lock);
	p->back[p->n_back] = c;
	p->back_rc[p->n_back++] = rc;
	w->load--;
	pthread_mutex_unlock(&p->lock);
	n = write(p->done[1], "", 1);	/* a full pipe wakes it already */
	(void)n;
}

/* Move what the listener gave into the worker's own list; 1 to stop. */
static int cache_pool_take(struct cache_worker *w)
{
	struct cache_pool *p = w->pool;
	char drain[64];
	unsigned i;
	int stop;

	while (read(w->wake[0], drain, sizeof(drain)) > 0)
		;
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < w->n_inbox; i++) {
		w->conns[w->n_conns] = w->inbox[i];
		w->want[w->n_conns++] = 0;
	}
	w->n_inbox = 0;
	stop = p->stop;
	pthread_mutex_unlock(&p->lock);
	return stop;
}

/*
 * Send what connection @i can take now, at most CACHE_POOL_ROUND chunks
 * (the others get their turn).  1 when it went back to the listener
 * (done or cut), else 0 with w->want[i] set: POLLOUT or POLLIN for the
 * socket, 0 to be tried again next round (more to send, or the download
 * has no more yet: *@waiting is then set).
 */
static int cache_pool_send(struct cache_worker *w, unsigned i, int *waiting,
			   int *again)
{
	struct relayconn *c = w->conns[i];
	unsigned k;
	int ret = CACHE_SEND_MORE;

	for (k = 0; k < CACHE_POOL_ROUND && ret == CACHE_SEND_MORE; k++)
		ret = cache_serve_send(c, w->pool->serve, w->buf,
				       CACHE_SERVE_CHUNK);
	w->want[i] = 0;
	switch (ret) {
	case CACHE_SEND_MORE:
		*again = 1;
		return 0;
	case CACHE_SEND_WAIT:
		*waiting = 1;
		return 0;
	case MBEDTLS_ERR_SSL_WANT_WRITE:
		w->want[i] = POLLOUT;
		return 0;
	case MBEDTLS_ERR_SSL_WANT_READ:
		w->want[i] = POLLIN;
		return 0;
	case CACHE_SEND_DONE:
		cache_pool_return(w, c, 0);
		return 1;
	default:
		if (ret != MBEDTLS_ERR_SSL_CONN_EOF && ret < -0x1000)
			log_mbedtls(c->peer, ret);
		cache_pool_return(w, c, ret < 0 ? ret : -EIO);
		return 1;
	}
}

/* Drop connection @i from the worker's list (the last one takes its
 * place). */
static void cache_pool_forget(struct cache_worker *w, unsigned i)
{
	w->n_conns--;
	w->conns[i] = w->conns[w->n_conns];
	w->want[i] = w->want[w->n_conns];
}

/*
 * One round: step every connection that is ready (its socket's event
 * came, or it waits for no socket), hand back those done or past their
 * deadline, then poll until a socket, a new connection or the tick.
 */
static void cache_pool_round(struct cache_worker *w)
{
	long long now = clock_now_ms(), next = now + 1000;
	unsigned i = 0, n = 0;
	int waiting = 0, again = 0;

	while (i < w->n_conns) {
		struct relayconn *c = w->conns[i];

		if (c->deadline <= now) {
			log_info("%s: cache: sha256:%s: the machine stopped "
				 "reading: closing", c->peer, c->ref.hex);
			cache_pool_return(w, c, -ETIMEDOUT);
			cache_pool_forget(w, i);
			continue;
		}
		if (!w->want[i] && cache_pool_send(w, i, &waiting, &again)) {
			cache_pool_forget(w, i);
			continue;
		}
		if (c->deadline < next)
			next = c->deadline;
		i++;
	}
	w->pfd[n].fd = w->wake[0];
	w->pfd[n++].events = POLLIN;
	for (i = 0; i < w->n_conns; i++) {
		if (!w->want[i])
			continue;
		w->pfd[n].fd = w->conns[i]->net.fd;
		w->pfd[n].events = w->want[i];
		w->map[n++] = i;
	}
	if (waiting && next > now + CACHE_SERVE_TICK_MS)
		next = now + CACHE_SERVE_TICK_MS;
	if (poll(w->pfd, n, again ? 0 : (int)(next - now)) <= 0)
		return;
	for (i = 1; i < n; i++)
		if (w->pfd[i].revents)
			w->want[w->map[i]] = 0;	/* step it next round */
}

/* The worker's body: rounds until the pool stops. */
static void *cache_pool_main(void *arg)
{
	struct cache_worker *w = arg;

	while (!cache_pool_take(w))
		cache_pool_round(w);
	return NULL;
}

/* ---- the listener's side ---------------------------------------------- */

void cache_pool_give(struct cache_pool *p, struct relayconn *c)
{
	struct cache_worker *w = &p->w[0];
	unsigned i;
	ssize_t n;

	pthread_mutex_lock(&p->lock);
	for (i = 1; i < p->n_workers; i++)
		if (p->w[i].load < w->load)
			w = &p->w[i];
	w->inbox[w->n_inbox++] = c;
	w->load++;
	pthread_mutex_unlock(&p->lock);
	log_debug("%s: cache: sha256:%s streamed by worker %u", c->peer,
		  c->ref.hex, w->index + 1);
	n = write(w->wake[1], "", 1);	/* a full pipe wakes it already */
	(void)n;
}

int cache_pool_fd(const struct cache_pool *p)
{
	return p->done[0];
}

struct relayconn *cache_pool_back(struct cache_pool *p, int *rc)
{
	struct relayconn *c = NULL;
	char drain[64];

	pthread_mutex_lock(&p->lock);
	if (p->n_back) {
		c = p->back[--p->n_back];
		*rc = p->back_rc[p->n_back];
	}
	pthread_mutex_unlock(&p->lock);
	if (!c)
		while (read(p->done[0], drain, sizeof(drain)) > 0)
			;
	return c;
}

/* A pipe, both ends non-blocking and closed on exec. */
static int cache_pool_pipe(int fd[2])
{
	return pipe2(fd, O_NONBLOCK | O_CLOEXEC) == 0 ? 0 : -errno;
}

/* Worker @w's memory and wake-up pipe; 0 or -ENOMEM / -errno. */
static int cache_pool_worker_init(struct cache_pool *p, unsigned i)
{
	struct cache_worker *w = &p->w[i];
	unsigned max = p->max_conns;

	w->pool = p;
	w->index = i;
	w->inbox = calloc(max, sizeof(*w->inbox));
	w->conns = calloc(max, sizeof(*w->conns));
	w->want = calloc(max, sizeof(*w->want));
	w->pfd = calloc(max + 1, sizeof(*w->pfd));
	w->map = calloc(max + 1, sizeof(*w->map));
	w->buf = malloc(CACHE_SERVE_CHUNK);
	if (!w->inbox || !w->conns || !w->want || !w->pfd || !w->map ||
	    !w->buf)
		return -ENOMEM;
	return cache_pool_pipe(w->wake);
}

/* Start worker @i's thread, named cache-worker-N, with every signal
 * blocked (it inherits the mask set around pthread_create). */
static int cache_pool_worker_start(struct cache_pool *p, unsigned i)
{
	struct cache_worker *w = &p->w[i];
	sigset_t all, old;
	char name[16];
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, cache_pool_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -rc;
	w->started = 1;
	snprintf(name, sizeof(name), "cache-worker-%u", i + 1);
	pthread_setname_np(w->thread, name);
	return 0;
}

int cache_pool_start(struct cache_pool **out, unsigned workers,
		     unsigned max_conns, const struct cache_serve *s)
{
	struct cache_pool *p;
	unsigned i;
	int rc;

	*out = NULL;
	if (workers < 1 || workers > CACHE_POOL_MAX || max_conns < 1)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	p->serve = s;
	p->max_conns = max_conns;
	p->done[0] = p->done[1] = -1;
	for (i = 0; i < CACHE_POOL_MAX; i++)
		p->w[i].wake[0] = p->w[i].wake[1] = -1;
	p->back = calloc(max_conns, sizeof(*p->back));
	p->back_rc = calloc(max_conns, sizeof(*p->back_rc));
	rc = p->back && p->back_rc ? cache_pool_pipe(p->done) : -ENOMEM;
	for (i = 0; rc == 0 && i < workers; i++) {
		rc = cache_pool_worker_init(p, i);
		if (rc == 0)
			rc = cache_pool_worker_start(p, i);
		if (rc == 0)
			p->n_workers = i + 1;
	}
	if (rc != 0) {
		log_error("cache: starting %u streaming threads: %s", workers,
			  strerror(-rc));
		cache_pool_stop(p);
		return rc;
	}
	*out = p;
	return 0;
}

/* Free worker @w's memory and pipe (its thread has ended). */
static void cache_pool_worker_free(struct cache_worker *w)
{
	unsigned i;

	for (i = 0; i < 2; i++)
		if (w->wake[i] >= 0)
			close(w->wake[i]);
	free(w->inbox);
	free(w->conns);
	free(w->want);
	free(w->pfd);
	free(w->map);
	free(w->buf);
}

void cache_pool_stop(struct cache_pool *p)
{
	unsigned i;
	ssize_t n;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < CACHE_POOL_MAX; i++) {
		if (!p->w[i].started)
			continue;
		n = write(p->w[i].wake[1], "", 1);
		(void)n;
		pthread_join(p->w[i].thread, NULL);
	}
	for (i = 0; i < CACHE_POOL_MAX; i++)
		cache_pool_worker_free(&p->w[i]);
	for (i = 0; i < 2; i++)
		if (p->done[i] >= 0)
			close(p->done[i]);
	free(p->back);
	free(p->back_rc);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
