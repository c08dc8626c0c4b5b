/* relay.c: relay mode: take the pod's pushes, forward them in batches. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>

#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "batch.h"
#include "cache_fetch.h"
#include "cache_pool.h"
#include "cache_serve.h"
#include "clock.h"
#include "error.h"
#include "forward.h"
#include "log.h"
#include "ratelimit.h"
#include "relay.h"
#include "relayconn.h"
#include "rng.h"
#include "spool.h"

#define RELAY_RESTART_MS 1000		/* between forwarder restarts */
#define RELAY_DRAIN_MS 2000		/* answering on shutdown */

_Static_assert(OPTIONS_CACHE_WORKERS_MAX <= CACHE_POOL_MAX,
	       "--cache-workers allows more threads than the pool has");

/* The listener's state. */
struct relay {
	const struct options *o;
	volatile sig_atomic_t *stop;
	mbedtls_net_context listen;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt cert;
	mbedtls_pk_context key;
	struct rng rng;
	int tls_ready;
	struct relayconn *conns;
	unsigned n_conns;
	struct relayconn_shared shared;	/* what the connections share */
	struct batch batch;		/* the open batch */
	struct spool spool;
	pid_t forwarder;
	int wake[2];			/* a byte tells the forwarder */
	long long forwarder_start;	/* monotonic ms of the last start */
	struct cache_serve cache;	/* the artifact cache (--cache-dir) */
	int fetch_req[2], fetch_res[2];	/* pipes to and from the fetcher */
	pid_t fetcher;
	long long fetcher_start;
	struct ratelimit_shared *link;	/* --wan-rate-kbps: both children */
	struct cache_pool *pool;	/* threads streaming cache answers */
};

/* ---- TLS -------------------------------------------------------------- */

/* Certificate chain and key, checked to belong together. */
static int relay_tls_load(struct relay *r, const struct options *o)
{
	struct stat st;
	int ret;

	mbedtls_ssl_config_init(&r->conf);
	mbedtls_x509_crt_init(&r->cert);
	mbedtls_pk_init(&r->key);
	r->tls_ready = 1;
	if ((ret = rng_init(&r->rng, "podboot-agent relay")) != 0)
		return ret;
	if ((ret = mbedtls_x509_crt_parse_file(&r->cert, o->cert)) != 0) {
		log_mbedtls(o->cert, ret);
		log_error("%s: not a PEM certificate chain", o->cert);
		return -PB_ECERT_PARSE;
	}
	/* Nodes check it too: fail here, not at every handshake. */
	if (mbedtls_x509_crt_check_extended_key_usage(
		    &r->cert, MBEDTLS_OID_SERVER_AUTH,
		    MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)) != 0) {
		log_error("%s: not a TLS server certificate "
			  "(extendedKeyUsage lacks serverAuth)", o->cert);
		return -PB_ECERT_PARSE;
	}
	if (stat(o->key, &st) == 0 && (st.st_mode & 077)) {
		log_error("%s: a private key others can read: chmod 600 %s",
			  o->key, o->key);
		return -EACCES;
	}
	if ((ret = mbedtls_pk_parse_keyfile(&r->key, o->key, NULL)) != 0) {
		log_mbedtls(o->key, ret);
		log_error("%s: not an unencrypted PEM private key", o->key);
		return -PB_EKEY_PARSE;
	}
	if (mbedtls_pk_check_pair(&r->cert.pk, &r->key) != 0) {
		log_error("%s and %s do not belong together", o->cert, o->key);
		return -PB_EKEY_MISMATCH;
	}
	return 0;
}

/* Load the relay's certificate and key and set up its TLS server
 * configuration (owned by @r until relay_tls_free()); 0 or an mbedTLS or
 * negative error, logged. */
static int relay_tls_init(struct relay *r, const struct options *o)
{
	int ret;

	ret = relay_tls_load(r, o);
	if (ret != 0)
		return ret;
	ret = mbedtls_ssl_config_defaults(&r->conf, MBEDTLS_SSL_IS_SERVER,
					  MBEDTLS_SSL_TRANSPORT_STREAM,
					  MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret == 0)
		ret = mbedtls_ssl_conf_own_cert(&r->conf, &r->cert, &r->key);
	if (ret != 0) {
		log_mbedtls("TLS server configuration", ret);
		return -EIO;
	}
	mbedtls_ssl_conf_rng(&r->conf, rng_random, &r->rng);
	mbedtls_ssl_conf_min_version(&r->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
	return 0;
}

/* Free what relay_tls_init() set up, wiping the key; idempotent. */
static void relay_tls_free(struct relay *r)
{
	if (!r->tls_ready)
		return;
	mbedtls_ssl_config_free(&r->conf);
	mbedtls_x509_crt_free(&r->cert);
	mbedtls_pk_free(&r->key);	/* wipes the key */
	rng_free(&r->rng);
	r->tls_ready = 0;
}

int relay_check(const struct options *o)
{
	char token[OPTIONS_TOKEN_MAX + 1];
	struct relay r;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = relay_tls_load(&r, o);
	relay_tls_free(&r);
	if (rc == 0)
		rc = options_read_token(o->relay_token_file, token);
	mbedtls_platform_zeroize(token, sizeof(token));
	return rc;
}

/* ---- the batch -------------------------------------------------------- */

/* Wake the forwarder; a full pipe already wakes it. */
static void relay_wake(struct relay *r)
{
	ssize_t n = write(r->wake[1], "", 1);

	(void)n;
}

/*
 * Batch @id was sealed (batch_seal() calls this): answer the pushes it
 * holds, and wake the forwarder if it went to the spool.
 */
static void relay_sealed(void *ctx, uint64_t id, int ok)
{
	struct relay *r = ctx;
	unsigned i;

	for (i = 0; i < r->n_conns; i++)
		if (r->conns[i].state == RCS_WAIT && r->conns[i].wait_id == id)
			relayconn_sealed(&r->conns[i], &r->shared, ok);
	if (ok)
		relay_wake(r);
}

/* ---- the forwarder process -------------------------------------------- */

/*
 * Close the connections and the listener, wipe the TLS key and the open
 * batch: on exit, and in a child the listener forks (@child: a restarted
 * forwarder or fetcher), which needs none of it.  A child closes its
 * copies of the sockets without the shutdown() mbedtls_net_free() does,
 * which would cut the listener's own: its listening socket and every
 * machine's connection.  In a child, a connection a pool worker was
 * streaming may have its answer buffer half-grown (the worker is not
 * there to finish): the child forgets that buffer rather than free it,
 * and still wipes the connection's TLS state.
 */
static void relay_release(struct relay *r, int child)
{
	unsigned i;

	for (i = 0; r->conns && i < r->n_conns; i++) {
		struct relayconn *c = &r->conns[i];

		if (child && c->state != RCS_FREE && c->net.fd >= 0) {
			close(c->net.fd);
			c->net.fd = -1;
		}
		if (child && r->pool && c->state == RCS_FILE)
			pbuf_init(&c->out, 0);
		relayconn_free(c, &r->shared);
		pbuf_free(&c->out);
	}
	if (child && r->listen.fd >= 0) {
		close(r->listen.fd);
		r->listen.fd = -1;
	}
	mbedtls_net_free(&r->listen);
	relay_tls_free(r);
	batch_free(&r->batch);
	spool_close(&r->spool);
}

/*
 * Fork a child that dies with its parent, drops what the listener holds
 * (connections, TLS key, open batch) and exits with @run(@r)'s verdict;
 * its pid into *@pid, the time into *@start.  0, or a negative errno
 * when fork() fails (logged).
 */
static int relay_spawn(struct relay *r, pid_t *pid, long long *start,
		       int (*run)(struct relay *r))
{
	pid_t p;

	*start = clock_now_ms();
	p = fork();
	if (p < 0) {
		log_error("fork: %s", strerror(errno));
		return -errno;
	}
	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		relay_release(r, 1);
		_exit(run(r) ? 1 : 0);
	}
	*pid = p;
	log_debug("child started, pid %ld", (long)p);
	return 0;
}

/* The forwarder's body: send the spool upstream (forward_run). */
static int relay_forwarder_main(struct relay *r)
{
	return forward_run(r->o, r->link, r->wake[0], r->stop);
}

/* Start the forwarder, while this process keeps accepting pushes. */
static int relay_fork(struct relay *r)
{
	return relay_spawn(r, &r->forwarder, &r->forwarder_start,
			   relay_forwarder_main);
}

/* Restart a forwarder that died, at most once a RELAY_RESTART_MS. */
static void relay_watch(struct relay *r)
{
	int status;

	if (r->forwarder > 0 && waitpid(r->forwarder, &status, WNOHANG) ==
					r->forwarder) {
		log_error("forwarder exited (status %d); restarting it",
			  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		r->forwarder = 0;
	}
	if (r->forwarder == 0 &&
	    clock_now_ms() - r->forwarder_start >= RELAY_RESTART_MS)
		relay_fork(r);
}

/* Stop child *@pid (SIGTERM) and reap it; nothing if none runs. */
static void relay_stop_child(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
		;
	*pid = 0;
}

/* ---- the cache's fetcher process -------------------------------------- */

/* The fetcher's body: download, verify and commit what the listener
 * asks for (cache_fetch_run), over the pipes' other ends. */
static int relay_fetcher_main(struct relay *r)
{
	close(r->fetch_req[1]);
	close(r->fetch_res[0]);
	return cache_fetch_run(r->o, &r->cache.cache, r->link,
			       r->fetch_req[0], r->fetch_res[1], r->stop);
}

/* Start the cache's fetcher (with --cache-dir).  Like the forwarder, it
 * never holds the TLS key; it reads the relay token only for --pod. */
static int relay_fork_fetcher(struct relay *r)
{
	if (!r->cache.cache.dir[0])
		return 0;
	return relay_spawn(r, &r->fetcher, &r->fetcher_start,
			   relay_fetcher_main);
}

/* Restart a fetcher that died; the misses it had are asked again. */
static void relay_watch_fetcher(struct relay *r)
{
	int status;

	if (r->fetcher > 0 &&
	    waitpid(r->fetcher, &status, WNOHANG) == r->fetcher) {
		log_error("cache fetcher exited (status %d); restarting it",
			  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		r->fetcher = 0;
		r->cache.n_pending = 0;
	}
	if (r->cache.cache.dir[0] && r->fetcher == 0 &&
	    clock_now_ms() - r->fetcher_start >= RELAY_RESTART_MS)
		relay_fork_fetcher(r);
}

/* cache_evict()'s test: 1 while a connection reads or waits for @hex. */
static int relay_cache_in_use(void *ctx, const char *hex)
{
	struct relay *r = ctx;
	unsigned i;

	for (i = 0; i < r->n_conns; i++)
		if ((r->conns[i].state == RCS_CACHE_WAIT ||
		     r->conns[i].state == RCS_FILE) &&
		    strcmp(r->conns[i].ref.hex, hex) == 0)
			return 1;
	return 0;
}

/* The fetcher's answers; after a commit, keep the cache to its bound. */
static void relay_cache_results(struct relay *r)
{
	if (cache_serve_results(&r->cache) > 0)
		cache_evict(&r->cache.cache, relay_cache_in_use, r);
}

/* Step the cache's readers that wait for bytes or a fetch (no fd event
 * tells them); 1 if any still waits. */
static int relay_cache_tick(struct relay *r)
{
	unsigned i;
	int waiting = 0;

	for (i = 0; i < r->n_conns; i++) {
		struct relayconn *c = &r->conns[i];

		if (c->state == RCS_CACHE_WAIT && !c->events)
			relayconn_step(c, &r->shared);
		if (c->state == RCS_CACHE_WAIT && !c->events)
			waiting = 1;
	}
	return waiting;
}

/* cache_serve's give: a pool worker streams @c from now on. */
static void relay_cache_give(void *ctx, struct relayconn *c)
{
	struct relay *r = ctx;

	cache_pool_give(r->pool, c);
}

/* Take back the connections the pool is done with: count, then close or
 * read the next request; a cut one is freed. */
static void relay_cache_back(struct relay *r)
{
	struct relayconn *c;
	int rc;

	while ((c = cache_pool_back(r->pool, &rc)) != NULL)
		cache_serve_back(c, &r->shared, rc);
}

/* The pool of streaming threads (--cache-workers), once the children
 * are forked; 0 or a negative errno (logged). */
static int relay_pool_start(struct relay *r, const struct options *o)
{
	int rc;

	if (!r->cache.cache.dir[0])
		return 0;
	rc = cache_pool_start(&r->pool, o->cache_workers, r->n_conns,
			      &r->cache);
	if (rc != 0)
		return rc;
	r->cache.give = relay_cache_give;
	r->cache.give_ctx = r;
	log_info("relay: %u threads stream the cache's answers",
		 o->cache_workers);
	return 0;
}

/* ---- the listener ----------------------------------------------------- */

/* A connection slot not in use, or NULL when all are busy. */
static struct relayconn *relay_free_slot(struct relay *r)
{
	unsigned i;

	for (i = 0; i < r->n_conns; i++)
		if (r->conns[i].state == RCS_FREE)
			return &r->conns[i];
	return NULL;
}

/* Accept waiting connections into free slots, each non-blocking and
 * starting its TLS handshake; stops when no slot is free or none waits. */
static void relay_accept(struct relay *r)
{
	mbedtls_net_context client;
	unsigned char ip[16];
	char peer[INET6_ADDRSTRLEN];
	struct relayconn *c;
	size_t iplen;
	int ret;

	while ((c = relay_free_slot(r)) != NULL) {
		mbedtls_net_init(&client);
		ret = mbedtls_net_accept(&r->listen, &client, ip, sizeof(ip),
					 &iplen);
		if (ret != 0) {
			if (ret != MBEDTLS_ERR_SSL_WANT_READ)
				log_mbedtls("accept", ret);
			return;
		}
		/* The handshake's messages go out as written (see https.c) */
		(void)setsockopt(client.fd, IPPROTO_TCP, TCP_NODELAY,
				 &(int){ 1 }, sizeof(int));
		if (mbedtls_net_set_nonblock(&client) != 0) {
			mbedtls_net_free(&client);
			continue;
		}
		if (!inet_ntop(iplen == 4 ? AF_INET : AF_INET6, ip, peer,
			       sizeof(peer)))
			strcpy(peer, "?");
		relayconn_start(c, &r->shared, &client, peer);
	}
}

/* Bind the listening socket of --listen, non-blocking; 0, or
 * -EADDRNOTAVAIL (logged). */
static int relay_listen(struct relay *r, const struct options *o)
{
	int ret;

	ret = mbedtls_net_bind(&r->listen, o->listen_host, o->listen_port,
			       MBEDTLS_NET_PROTO_TCP);
	if (ret == 0)
		ret = mbedtls_net_set_nonblock(&r->listen);
	if (ret != 0) {
		log_mbedtls(o->listen, ret);
		log_error("cannot listen on %s", o->listen);
		return -EADDRNOTAVAIL;
	}
	log_info("relay listening on https://%s, forwarding to %s%s",
		 o->listen, o->servers[0].text,
		 o->n_servers > 1 ? " and fallbacks" : "");
	return 0;
}

/* Poll timeout: the nearest connection deadline, at most 1 s (a tick
 * while cache readers wait for a fetch).  A pool worker keeps the
 * deadlines of the connections it streams. */
static int relay_timeout(const struct relay *r, long long now, int waiting)
{
	long long t = now + (waiting ? CACHE_SERVE_TICK_MS : 1000);
	unsigned i;

	for (i = 0; i < r->n_conns; i++)
		if (r->conns[i].state != RCS_FREE &&
		    r->conns[i].state != RCS_FILE && r->conns[i].deadline < t)
			t = r->conns[i].deadline;
	return t > now ? (int)(t - now) : 0;
}

/* One poll over the listener and the connections; then timers. */
static int relay_poll(struct relay *r, struct pollfd *p, unsigned *map,
		      int listening)
{
	unsigned n = 0, i;
	long long now;
	int ready, waiting = relay_cache_tick(r);

	if (r->cache.res_fd >= 0) {
		p[n].fd = r->cache.res_fd;
		p[n++].events = POLLIN;
	}
	if (r->pool) {
		p[n].fd = cache_pool_fd(r->pool);
		p[n++].events = POLLIN;
	}
	if (listening && relay_free_slot(r)) {
		p[n].fd = r->listen.fd;
		p[n++].events = POLLIN;
	}
	for (i = 0; i < r->n_conns; i++) {
		if (r->conns[i].state == RCS_FREE ||
		    r->conns[i].state == RCS_FILE || !r->conns[i].events)
			continue;
		p[n].fd = r->conns[i].net.fd;
		p[n].events = r->conns[i].events;
		map[n++] = i;
	}
	ready = poll(p, n, relay_timeout(r, clock_now_ms(), waiting));
	if (ready < 0 && errno != EINTR)
		return -errno;
	for (i = 0; ready > 0 && i < n; i++) {
		if (!p[i].revents)
			continue;
		if (p[i].fd == r->cache.res_fd)
			relay_cache_results(r);
		else if (r->pool && p[i].fd == cache_pool_fd(r->pool))
			relay_cache_back(r);
		else if (p[i].fd == r->listen.fd && listening)
			relay_accept(r);
		else
			relayconn_step(&r->conns[map[i]], &r->shared);
	}
	now = clock_now_ms();
	for (i = 0; i < r->n_conns; i++)
		if (r->conns[i].state != RCS_FREE &&
		    r->conns[i].state != RCS_FILE &&
		    r->conns[i].deadline <= now)
			relayconn_free(&r->conns[i], &r->shared);
	/* Group commit: what this round queued goes to disk together, and
	 * then its pushes are answered. */
	batch_seal(&r->batch);
	return 0;
}

/* 1 while an answer is still being written. */
static int relay_busy(const struct relay *r)
{
	unsigned i;

	for (i = 0; i < r->n_conns; i++)
		if (r->conns[i].state == RCS_REPLY)
			return 1;
	return 0;
}

/*
 * Serve until *r->stop: poll, step connections, restart a dead
 * forwarder.  Then stop listening, seal the open batch and give answers
 * in flight RELAY_DRAIN_MS to go out.  0 or a negative error.
 */
static int relay_loop(struct relay *r)
{
	struct pollfd *p;
	unsigned *map;
	long long until;
	int rc = 0;

	p = calloc(r->n_conns + 3, sizeof(*p));
	map = calloc(r->n_conns + 3, sizeof(*map));
	if (!p || !map) {
		rc = -ENOMEM;
		goto out;
	}
	while (rc == 0 && !*r->stop) {
		rc = relay_poll(r, p, map, 1);
		relay_watch(r);
		relay_watch_fetcher(r);
	}
	log_info("relay stopping");
	/* Stop: seal what is open and give the answers a moment to go. */
	mbedtls_net_free(&r->listen);
	batch_seal(&r->batch);
	until = clock_now_ms() + RELAY_DRAIN_MS;
	while (clock_now_ms() < until && relay_busy(r))
		relay_poll(r, p, map, 0);
out:
	free(p);
	free(map);
	return rc;
}

/* The cache directory, the fetcher's pipes, a first eviction. */
static int relay_cache_init(struct relay *r, const struct options *o)
{
	int rc;

	rc = cache_open(&r->cache.cache, o->cache_dir,
			(uint64_t)o->cache_max_mb << 20);
	if (rc != 0)
		return rc;
	if (pipe2(r->fetch_req, O_CLOEXEC) != 0 ||
	    pipe2(r->fetch_res, O_CLOEXEC) != 0)
		return -errno;
	/* The listener never blocks on the fetcher. */
	if (fcntl(r->fetch_req[1], F_SETFL, O_NONBLOCK) != 0 ||
	    fcntl(r->fetch_res[0], F_SETFL, O_NONBLOCK) != 0)
		return -errno;
	r->cache.req_fd = r->fetch_req[1];
	r->cache.res_fd = r->fetch_res[0];
	r->shared.cache = &r->cache;
	r->shared.cache_route = cache_serve_route;
	r->shared.cache_step = cache_serve_step;
	cache_evict(&r->cache.cache, NULL, NULL);
	log_info("relay caching artifacts in %s (at most %u MiB)",
		 o->cache_dir, o->cache_max_mb);
	return 0;
}

/* Everything but TLS, which waits until the forwarder is forked. */
static int relay_init(struct relay *r, const struct options *o,
		      volatile sig_atomic_t *stop)
{
	unsigned i;
	int rc;

	memset(r, 0, sizeof(*r));
	r->o = o;
	r->stop = stop;
	r->wake[0] = r->wake[1] = -1;
	r->fetch_req[0] = r->fetch_req[1] = -1;
	r->fetch_res[0] = r->fetch_res[1] = -1;
	cache_serve_init(&r->cache);
	mbedtls_net_init(&r->listen);
	batch_init(&r->batch, &r->spool, relay_sealed, r);
	r->shared.conf = &r->conf;
	r->shared.batch = &r->batch;
	rc = spool_open(&r->spool, o->spool, "batch",
			(uint64_t)o->spool_max_mb << 20,
			SPOOL_OWNER | SPOOL_SHARED);
	if (rc != 0) {
		log_error("spool %s: %s", o->spool, pb_strerror(rc));
		return rc;
	}
	if (pipe2(r->wake, O_NONBLOCK | O_CLOEXEC) != 0)
		return -errno;
	/* One bucket for the pod link, made before the children fork: the
	 * cache's fetches and the forwarder take from it together. */
	rc = ratelimit_shared_new(&r->link, o->wan_rate_kbps, clock_now_ms());
	if (rc != 0)
		return rc;
	if (o->wan_rate_kbps)
		log_info("relay: the pod link capped at %u kbit/s (forwarding "
			 "and cache fetches together)", o->wan_rate_kbps);
	if (o->replay_rate_kbps)
		log_info("relay: a catch-up after an outage capped at %u "
			 "kbit/s", o->replay_rate_kbps);
	r->conns = calloc(o->max_conns, sizeof(*r->conns));
	if (!r->conns)
		return -ENOMEM;
	r->n_conns = o->max_conns;
	for (i = 0; i < r->n_conns; i++)
		relayconn_init(&r->conns[i]);
	return o->cache_dir[0] ? relay_cache_init(r, o) : 0;
}

/* Stop the forwarder and free the connections, spool and pipe of @r. */
static void relay_free(struct relay *r)
{
	unsigned i;

	relay_stop_child(&r->forwarder);
	relay_stop_child(&r->fetcher);
	/* The workers first: then the listener owns every slot again. */
	cache_pool_stop(r->pool);
	r->pool = NULL;
	relay_release(r, 0);
	ratelimit_shared_free(r->link);
	r->link = NULL;
	free(r->conns);
	r->conns = NULL;
	for (i = 0; i < 2; i++) {
		if (r->wake[i] >= 0)
			close(r->wake[i]);
		if (r->fetch_req[i] >= 0)
			close(r->fetch_req[i]);
		if (r->fetch_res[i] >= 0)
			close(r->fetch_res[i]);
	}
}

int relay_run(const struct options *o, volatile sig_atomic_t *stop)
{
	struct relay r;
	int rc;

	rc = relay_init(&r, o, stop);
	/* The forwarder forks before the TLS key is loaded: it never has
	 * it, and the listener never has the relay token. */
	if (rc == 0)
		rc = relay_fork(&r);
	if (rc == 0)
		rc = relay_fork_fetcher(&r);
	if (rc == 0)
		rc = relay_tls_init(&r, o);
	/* Threads only now: the children above forked from one thread. */
	if (rc == 0)
		rc = relay_pool_start(&r, o);
	if (rc == 0)
		rc = relay_listen(&r, o);
	if (rc == 0)
		rc = relay_loop(&r);
	relay_free(&r);
	return rc;
}
