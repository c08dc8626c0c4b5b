/* serve.c: "podboot serve": load, listen, reload on SIGHUP, drain on
 * SIGTERM. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <mbedtls/platform_util.h>

#include "alert.h"
#include "api.h"
#include "artifact.h"
#include "boot.h"
#include "cmd.h"
#include "datadir.h"
#include "error.h"
#include "fileio.h"
#include "http.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "node.h"
#include "pki.h"
#include "server.h"
#include "tlskey.h"
#include "servekeys.h"

#define SERVE_SECRET "node-token.key"
#define SERVE_DRAIN_S 30		/* SIGTERM: requests in flight */
#define SERVE_RELOAD_DRAIN_S 3600	/* reload: long downloads finish */

/* What the HTTP front serves: each room's routes, first match wins. */
static const struct http_route *const serve_routes[] = {
	routes_boot, routes_artifact, routes_node, routes_api, routes_ingest,
	routes_alert, NULL,
};

/* Certificates that expire this soon are warned about (log, /healthz). */
#define SERVE_CERT_WARN_DAYS 14

/* The certificates the server presents or signs with, and how to renew
 * each. */
static const struct {
	size_t off;			/* of the path in struct config */
	const char *what;
	const char *renew;
} serve_certs[] = {
	{ offsetof(struct config, tls_cert), "TLS certificate",
	  "podboot keys issue-server" },
	{ offsetof(struct config, codesign_cert), "code-signing certificate",
	  "podboot keys rotate-codesign" },
	{ offsetof(struct config, root_cert), "root certificate",
	  "podboot keys init --force, and new firmware" },
};

/*
 * Every certificate in @path against this machine's clock @now: one line
 * and -PB_ECMS_NOT_YET_VALID or -PB_ECMS_EXPIRED for the first outside
 * its validity; the earliest expiry is kept in @gen.  A file that does not
 * parse is left to the loaders that follow, which say so.
 */
static int serve_clock_file(struct server_gen *gen, size_t i, time_t now)
{
	const char *path = (const char *)gen->cfg + serve_certs[i].off;
	char a[PKI_DATE_MAX], b[PKI_DATE_MAX], c[PKI_DATE_MAX];
	const mbedtls_x509_crt *crt;
	mbedtls_x509_crt chain;
	time_t from, to;
	int rc = 0;

	mbedtls_x509_crt_init(&chain);
	if (pki_cert_load(&chain, path) != 0)
		goto out;
	for (crt = &chain; crt && crt->raw.len && rc == 0; crt = crt->next) {
		pki_cert_validity(crt, &from, &to);
		pki_date_string(from, a);
		pki_date_string(to, b);
		pki_date_string(now, c);
		if (now < from || now > to) {
			log_error("%s %s is valid from %s to %s, but this "
				  "machine's time is %s: %s; fix the clock "
				  "(NTP) or renew: %s", serve_certs[i].what,
				  path, a, b, c,
				  now < from ? "not yet valid" : "expired",
				  serve_certs[i].renew);
			rc = now < from ? -PB_ECMS_NOT_YET_VALID :
					  -PB_ECMS_EXPIRED;
		} else if (!gen->cert_first[0] || to < gen->cert_not_after) {
			snprintf(gen->cert_first, sizeof(gen->cert_first),
				 "%s", path);
			gen->cert_not_after = (long long)to;
			gen->cert_first_what = serve_certs[i].what;
		}
	}
out:
	mbedtls_x509_crt_free(&chain);
	return rc;
}

/* The certificates in use against the clock (start, reload, --check). */
static int serve_clock_check(struct server_gen *gen)
{
	time_t now = time(NULL);
	char date[PKI_DATE_MAX];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(serve_certs) / sizeof(serve_certs[0]); i++)
		if ((rc = serve_clock_file(gen, i, now)) != 0)
			return rc;
	if (gen->cert_first[0] &&
	    gen->cert_not_after - (long long)now <
		    SERVE_CERT_WARN_DAYS * 86400LL) {
		pki_date_string((time_t)gen->cert_not_after, date);
		log_warn("%s %s expires on %s, in less than %d days: renew "
			 "it (podboot keys)", gen->cert_first_what,
			 gen->cert_first, date, SERVE_CERT_WARN_DAYS);
	}
	return 0;
}

/*
 * Configuration, signing identity and TLS credentials: all or nothing.
 * The keys stay in the signer process, which *@signer asks.  At the first
 * load (*@signer NULL) the signer is started here: once the configuration
 * is known good, before this process starts a thread or reads a key.
 */
static int serve_gen_load(const char *path, unsigned int number,
			  struct signer **signer, struct server_gen **out)
{
	struct server_gen *gen = calloc(1, sizeof(*gen));
	char err[CONFIG_ERR_MAX];
	int rc;

	*out = NULL;
	if (!gen)
		return -ENOMEM;
	atomic_init(&gen->refs, 1);
	gen->number = number;
	rc = config_load(path, &gen->cfg, err, sizeof(err));
	if (rc == 0)
		rc = boot_check_cmdlines(gen->cfg, err, sizeof(err));
	if (rc == 0)
		rc = node_check_kickstarts(gen->cfg, err, sizeof(err));
	if (rc != 0) {
		log_error("%s", err);
		goto err;
	}
	if ((rc = serve_clock_check(gen)) != 0)
		goto err;
	if (!*signer && (rc = servekeys_start(gen->cfg, signer)) != 0)
		goto err;
	gen->signer = *signer;
	if ((rc = servekeys_tls_load(gen)) != 0)
		goto err;
	*out = gen;
	return 0;
err:
	server_gen_free(gen);
	return rc;
}

/* ---- start-up --------------------------------------------------------- */

/* The secret behind node tokens: made once, kept 0600 in the data dir. */
static int serve_secret(struct server *srv)
{
	struct rng rng = { .seeded = 0 };
	char path[PATH_MAX];
	unsigned char *buf;
	size_t len;
	int rc;

	rc = fileio_join(path, sizeof(path), srv->data_dir, SERVE_SECRET);
	if (rc != 0)
		return rc;
	rc = fileio_read(path, 64, &buf, &len);
	if (rc == 0 && len == sizeof(srv->node_secret)) {
		memcpy(srv->node_secret, buf, len);
		mbedtls_platform_zeroize(buf, len);
		free(buf);
		return 0;
	}
	if (rc == 0) {
		free(buf);
		log_error("%s: expected %zu bytes", path,
			  sizeof(srv->node_secret));
		return -EINVAL;
	}
	if (rc != -ENOENT)
		return rc;
	rc = rng_init(&rng, "podboot node secret");
	if (rc == 0 && rng_random(&rng, srv->node_secret,
				  sizeof(srv->node_secret)) != 0)
		rc = -PB_ERNG;
	rng_free(&rng);
	if (rc == 0)
		rc = fileio_write(path, srv->node_secret,
				  sizeof(srv->node_secret), 0600, FILEIO_EXCL);
	return rc;
}

static int serve_assignment(void *ctx, const struct store_assignment *a)
{
	char err[CONFIG_ERR_MAX];

	if (config_add_node(ctx, a->hostname, a->mac, a->pod, a->profile,
			    a->address, err, sizeof(err)) != 0)
		log_warn("assignment ignored: %s", err);
	return 0;
}

/* Machines assigned through the API join the file's nodes. */
static int serve_assignments(struct server *srv, struct config *cfg)
{
	return store_assign_list(srv->store, serve_assignment, cfg);
}

/*
 * After --reinit-store: every node the configuration and the API's
 * assignments know is locked as installed, so that a machine that was
 * installed before the store was lost boots its disk, not the installer,
 * until an operator re-arms it.
 */
static int serve_lock_nodes(struct server *srv, const struct config *cfg)
{
	struct store_node n;
	size_t i;
	int rc;

	for (i = 0; i < cfg->n_nodes; i++) {
		rc = store_node_transition(srv->store, cfg->nodes[i].hostname,
					   ~0u, NODE_INSTALLED, 0,
					   "store re-initialised: locked "
					   "until re-armed", &n);
		if (rc != 0)
			return rc;
	}
	log_warn("store re-initialised: %zu known nodes locked as installed; "
		 "re-arm the ones to reinstall", cfg->n_nodes);
	return 0;
}

/* Every configured node exists in the store (new ones armed). */
static int serve_sync_nodes(struct server *srv, const struct config *cfg)
{
	struct store_node n;
	size_t i;
	int rc;

	for (i = 0; i < cfg->n_nodes; i++) {
		memset(&n, 0, sizeof(n));
		snprintf(n.id, sizeof(n.id), "%s", cfg->nodes[i].hostname);
		memcpy(n.mac, cfg->nodes[i].mac, sizeof(n.mac));
		memcpy(n.uuid, cfg->nodes[i].uuid, sizeof(n.uuid));
		memcpy(n.serial, cfg->nodes[i].serial, sizeof(n.serial));
		snprintf(n.pod, sizeof(n.pod), "%s", cfg->nodes[i].pod->name);
		rc = store_node_ensure(srv->store, &n);
		if (rc != 0)
			return rc;
	}
	return 0;
}

struct serve_listeners {
	int tls_fd;
	int plain_fd;
	struct MHD_Daemon *tls;
	struct MHD_Daemon *plain;
};

static int serve_is_loopback(const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, addr, &a6) == 1 &&
	       IN6_IS_ADDR_LOOPBACK(&a6);
}

static int serve_open_listeners(const struct config *cfg,
				struct serve_listeners *l)
{
	l->tls_fd = http_listen(cfg->listen, cfg->port);
	if (l->tls_fd < 0) {
		log_error("listening on %s port %u: %s", cfg->listen, cfg->port,
			  pb_strerror(l->tls_fd));
		return l->tls_fd;
	}
	l->plain_fd = -1;
	if (!cfg->plain_port)
		return 0;
	if (!serve_is_loopback(cfg->listen) && !cfg->plain_allow_nonlocal) {
		log_error("plain_port is for loopback test rigs: listen on "
			  "127.0.0.1 or set plain_allow_nonlocal = true");
		return -PB_ECONFIG;
	}
	l->plain_fd = http_listen(cfg->listen, cfg->plain_port);
	if (l->plain_fd < 0) {
		log_error("listening on %s port %u: %s", cfg->listen,
			  cfg->plain_port, pb_strerror(l->plain_fd));
		return l->plain_fd;
	}
	log_warn("plain HTTP on %s port %u: unverified boot for pods that "
		 "allow it", cfg->listen, cfg->plain_port);
	return 0;
}

static int serve_start_daemons(struct server *srv, struct server_gen *gen,
			       struct serve_listeners *l)
{
	l->tls = http_start(srv, gen, serve_routes, l->tls_fd, 0);
	if (!l->tls) {
		log_error("starting the HTTPS daemon failed (certificate, key "
			  "or TLS priorities not accepted by GnuTLS)");
		return -EIO;
	}
	if (l->plain_fd >= 0) {
		l->plain = http_start(srv, gen, serve_routes, l->plain_fd, 1);
		if (!l->plain) {
			log_error("starting the plain HTTP daemon failed");
			return -EIO;
		}
	}
	return 0;
}

/*
 * Why reload never calls MHD_quiesce_daemon() on an epoll daemon.
 *
 * libmicrohttpd 0.9.75's MHD_quiesce_daemon() sets each pool worker's
 * was_quiesced and then removes the listening socket from that worker's
 * epoll set itself, while the worker thread, in MHD_epoll(), removes the
 * very same socket when it sees was_quiesced or reaches its connection
 * limit.  Neither flag is atomic or locked: both sides read
 * listen_socket_in_epoll as true, both call EPOLL_CTL_DEL, the loser gets
 * ENOENT and MHD_PANIC()s ("Failed to remove listen FD from epoll set"),
 * aborting the process with uploads and pushes in flight.  Calling it from
 * our main thread instead of a background one does not help: the other
 * party is MHD's own worker, which no thread of ours can hold off.
 *
 * So http_start() runs its daemons on poll(), where quiescing touches no
 * kernel state: it only sets was_quiesced and wakes each worker through its
 * inter-thread channel, and the worker leaves the listening socket out of
 * its next poll set.  A worker that read the flag just before it was set
 * accepts one more connection, which is served and counted, so the drain
 * waits for it.  The main thread (the only one that starts, quiesces or hands over
 * daemons) quiesces the old daemons after the new ones accept on dups of
 * the same sockets; a retire thread then only waits and stops.  The
 * listening socket a quiesced daemon hands back stays open until that
 * daemon is stopped, so no worker ever polls a closed or reused fd.
 */

/* Daemons of one generation, no longer accepting, finishing their work. */
struct serve_retired {
	struct serve_retired *next;
	struct MHD_Daemon *tls, *plain;
	int tls_fd, plain_fd;		/* handed back by quiescing: ours */
	atomic_llong until;		/* stop then even if still busy */
	atomic_int done;
	pthread_t thread;
	int joinable;
};

static unsigned int serve_busy(struct serve_retired *r)
{
	return (r->tls ? http_connections(r->tls) : 0) +
	       (r->plain ? http_connections(r->plain) : 0);
}

/*
 * Let requests in flight finish (until @r->until), then stop.  Idle means
 * idle twice, 50 ms apart: a worker that accepted just as it was quiesced
 * has counted that connection by the second look.
 */
static void *serve_retire_thread(void *arg)
{
	struct serve_retired *r = arg;
	int idle = 0;

	while (idle < 2 && (long long)time(NULL) < atomic_load(&r->until)) {
		idle = serve_busy(r) > 0 ? 0 : idle + 1;
		if (idle < 2)
			usleep(50 * 1000);
	}
	if (r->tls)
		MHD_stop_daemon(r->tls);
	if (r->plain)
		MHD_stop_daemon(r->plain);
	if (r->tls_fd >= 0)
		close(r->tls_fd);
	if (r->plain_fd >= 0)
		close(r->plain_fd);
	atomic_store(&r->done, 1);
	return NULL;
}

/* Main thread only: stop @d accepting; the socket it gives back is ours. */
static int serve_quiesce(struct MHD_Daemon *d, int fd)
{
	if (!d) {
		/* Never handed to a daemon (a failed start): ours already. */
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* -1 if MHD refused: then MHD_stop_daemon() closes the socket. */
	return MHD_quiesce_daemon(d);
}

/*
 * Main thread only: the daemons in @l stop accepting now and drain in a
 * thread of their own for at most @seconds; @l is emptied.  The record
 * joins @list, reaped by serve_reap().
 */
static void serve_retire(struct serve_retired **list,
			 struct serve_listeners *l, unsigned int seconds)
{
	struct serve_retired *r = calloc(1, sizeof(*r));
	int tls_fd, plain_fd;

	tls_fd = serve_quiesce(l->tls, l->tls_fd);
	plain_fd = serve_quiesce(l->plain, l->plain_fd);
	if (!r) {
		/* No memory for a record: drain here, bounded. */
		struct serve_retired tmp = { .tls = l->tls, .plain = l->plain,
					     .tls_fd = tls_fd,
					     .plain_fd = plain_fd };

		atomic_init(&tmp.until, (long long)time(NULL) + SERVE_DRAIN_S);
		serve_retire_thread(&tmp);
		goto out;
	}
	r->tls = l->tls;
	r->plain = l->plain;
	r->tls_fd = tls_fd;
	r->plain_fd = plain_fd;
	atomic_init(&r->until, (long long)time(NULL) + seconds);
	atomic_init(&r->done, 0);
	r->joinable = pthread_create(&r->thread, NULL, serve_retire_thread,
				     r) == 0;
	if (!r->joinable) {
		atomic_store(&r->until, (long long)time(NULL) + SERVE_DRAIN_S);
		serve_retire_thread(r);
	}
	r->next = *list;
	*list = r;
out:
	l->tls = l->plain = NULL;
	l->tls_fd = l->plain_fd = -1;
}

/*
 * Main thread only: free the drained generations in @list; with @all,
 * cut every drain to SERVE_DRAIN_S from now and wait for all of them
 * (SIGTERM: nothing may outlive the server it uses).
 */
static void serve_reap(struct serve_retired **list, int all)
{
	long long cut = (long long)time(NULL) + SERVE_DRAIN_S;
	struct serve_retired **p = list, *r;

	while ((r = *p)) {
		if (all && atomic_load(&r->until) > cut)
			atomic_store(&r->until, cut);
		if (!all && !atomic_load(&r->done)) {
			p = &r->next;
			continue;
		}
		if (r->joinable)
			pthread_join(r->thread, NULL);
		*p = r->next;
		free(r);
	}
}

/*
 * Start daemons for @gen on duplicates of the listening sockets, so that
 * the old daemons keep serving until the new ones are up.  On failure
 * @next holds whatever did start, for the caller to retire gracefully
 * (a started daemon may already have accepted a request).
 */
static int serve_restart_daemons(struct server *srv, struct server_gen *gen,
				 struct serve_listeners *l,
				 struct serve_listeners *next)
{
	*next = *l;
	next->tls = next->plain = NULL;
	next->tls_fd = dup(l->tls_fd);
	next->plain_fd = l->plain_fd >= 0 ? dup(l->plain_fd) : -1;
	if (next->tls_fd < 0 || (l->plain_fd >= 0 && next->plain_fd < 0))
		return -errno;
	return serve_start_daemons(srv, gen, next);
}

/*
 * SIGHUP: new configuration and keys on the same listening sockets.  Main
 * thread only; the replaced daemons join @retired.
 */
static void serve_reload(struct server *srv, const char *path,
			 struct serve_listeners *l,
			 struct serve_retired **retired)
{
	const struct config *cur = srv->gen->cfg;
	struct server_gen *gen, *old;
	struct serve_listeners next;
	int rc;

	serve_reap(retired, 0);
	rc = serve_gen_load(path, srv->gen->number + 1, &srv->signer, &gen);
	if (rc != 0) {
		log_error("reload refused; still serving configuration %u",
			  srv->gen->number);
		return;
	}
	if (strcmp(gen->cfg->listen, cur->listen) != 0 ||
	    gen->cfg->port != cur->port ||
	    gen->cfg->plain_port != cur->plain_port ||
	    strcmp(gen->cfg->data_dir, cur->data_dir) != 0)
		log_warn("listen address, ports or data_dir changed: they "
			 "take effect at the next restart");
	if (!servekeys_same(gen->cfg, cur))
		log_warn("key or certificate paths changed: the signer "
			 "process keeps the old ones until the next restart");
	rc = serve_assignments(srv, gen->cfg);
	if (rc == 0)
		rc = serve_sync_nodes(srv, gen->cfg);
	if (rc == 0) {
		rc = serve_restart_daemons(srv, gen, l, &next);
		if (rc != 0)	/* half started: the old ones go on */
			serve_retire(retired, &next, SERVE_DRAIN_S);
	}
	if (rc != 0) {
		log_error("reload refused: %s; still serving configuration %u",
			  pb_strerror(rc), srv->gen->number);
		server_gen_put(gen);
		return;
	}
	pthread_mutex_lock(&srv->gen_lock);
	old = srv->gen;
	srv->gen = gen;
	tlskey_use(gen->tls);
	pthread_mutex_unlock(&srv->gen_lock);
	/* The old generation's precompute ends before the cache empties,
	 * so that nothing it signs lands in the emptied cache. */
	boot_precompute_stop(srv);
	boot_cache_clear(srv->boot);
	boot_precompute(srv, gen);
	serve_retire(retired, l, SERVE_RELOAD_DRAIN_S);
	*l = next;
	log_info("reloaded %s: configuration %u, %zu nodes", path, gen->number,
		 gen->cfg->n_nodes);
	store_event_add(srv->store, "reload", path, "configuration %u",
			gen->number);
	server_gen_put(old);
}

/* The transfer watch's limits: those of the configuration serving now. */
static void serve_transfer_limits(void *ctx, unsigned int *rate,
				  unsigned int *grace_s)
{
	struct server_gen *gen = server_gen_get(ctx);

	*rate = gen->cfg->min_rate;
	*grace_s = gen->cfg->min_rate_grace_s;
	server_gen_put(gen);
}

static void serve_usage(FILE *out)
{
	fprintf(out,
		"usage: podboot serve [--config FILE] [--check] "
		"[--reinit-store]\n\n"
		"Runs the boot and signing server described by FILE (default\n"
		"$PODBOOT_CONFIG, else podboot.conf).  --check validates the\n"
		"configuration and the keys it names, then exits.  SIGHUP\n"
		"reloads configuration and certificates; SIGTERM drains\n"
		"requests in flight and exits.  --reinit-store sets a\n"
		"damaged or lost database aside and starts a new one with\n"
		"every configured node locked as installed.  One server per\n"
		"data directory: a second one exits at once.\n");
}

static int serve_check(const char *path)
{
	struct signer *signer = NULL;
	struct server_gen *gen = NULL;
	int rc;

	rc = serve_gen_load(path, 1, &signer, &gen);
	if (rc == 0)
		printf("%s: ok: %zu pods, %zu profiles, %zu nodes, %zu tokens; "
		       "signing as %s\n",
		       path, gen->cfg->n_pods, gen->cfg->n_profiles,
		       gen->cfg->n_nodes, gen->cfg->n_tokens,
		       signer_subject(gen->signer));
	server_gen_put(gen);
	tlskey_free_all();
	signer_free(signer);
	return rc;
}

int serve_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "reinit-store", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("PODBOOT_CONFIG");
	struct serve_listeners l = { -1, -1, NULL, NULL };
	struct serve_retired *retired = NULL;
	const struct timespec save_every = { 60, 0 };
	struct server *srv;
	struct server_gen *gen;
	sigset_t sigs;
	int check = 0, reinit = 0, lock = -1, sig, c, rc;

	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'k': check = 1; break;
		case 'r': reinit = 1; break;
		case 'h': serve_usage(stdout); return 0;
		default: serve_usage(stderr); return -PB_EUSAGE;
		}
	}
	if (optind != argc) {
		serve_usage(stderr);
		return -PB_EUSAGE;
	}
	if (!path || !*path)
		path = "podboot.conf";
	if (check)
		return serve_check(path);

	/* Signals are taken synchronously by this thread only. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGCHLD);	/* the signer process ended */
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	pthread_mutex_init(&srv->gen_lock, NULL);
	srv->started = (long long)time(NULL);
	/* First of all, while this process has one thread and no key: the
	 * configuration, then the signer process. */
	rc = serve_gen_load(path, 1, &srv->signer, &gen);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != 0)
		goto out;
	srv->gen = gen;
	tlskey_use(gen->tls);
	snprintf(srv->data_dir, sizeof(srv->data_dir), "%s",
		 gen->cfg->data_dir);
	/* The lock comes before anything in the directory is touched: a
	 * second server must change nothing of the first one's. */
	if ((rc = fileio_mkdirs(srv->data_dir, 0700)) != 0) {
		log_error("data directory %s: %s", srv->data_dir,
			  pb_strerror(rc));
		goto out;
	}
	if ((rc = datadir_lock(srv->data_dir, &lock)) != 0)
		goto out;
	/* The store is checked before anything is written beside it. */
	if (reinit && (rc = datadir_set_aside(srv->data_dir)) != 0)
		goto out;
	if ((rc = store_open(&srv->store, srv->data_dir)) != 0) {
		log_error("store in %s: %s", srv->data_dir, pb_strerror(rc));
		goto out;
	}
	if ((rc = artifact_dirs(srv->data_dir)) != 0 ||
	    (rc = artifact_clean_tmp(srv->data_dir)) != 0) {
		log_error("data directory %s: %s", srv->data_dir,
			  pb_strerror(rc));
		goto out;
	}
	if ((rc = serve_secret(srv)) != 0) {
		log_error("node token secret: %s", pb_strerror(rc));
		goto out;
	}
	if ((rc = serve_assignments(srv, gen->cfg)) != 0 ||
	    (rc = serve_sync_nodes(srv, gen->cfg)) != 0 ||
	    (reinit && (rc = serve_lock_nodes(srv, gen->cfg)) != 0)) {
		log_error("store in %s: %s", srv->data_dir, pb_strerror(rc));
		goto out;
	}
	srv->boot = boot_cache_new(2 * gen->cfg->n_nodes + 1024);
	srv->metrics = metrics_new();
	if (!srv->boot || !srv->metrics) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = metrics_load_state(srv->metrics, srv->store)) != 0 ||
	    (rc = alerts_start(&srv->alerts, srv)) != 0) {
		log_error("monitoring: %s", pb_strerror(rc));
		goto out;
	}
	if ((rc = transfer_start(&srv->transfers, serve_transfer_limits, srv,
				 &srv->stats.transfers,
				 &srv->stats.transfers_cut)) != 0) {
		log_error("transfer watch: %s", pb_strerror(rc));
		goto out;
	}
	if ((rc = serve_open_listeners(gen->cfg, &l)) != 0 ||
	    (rc = serve_start_daemons(srv, gen, &l)) != 0)
		goto out;
	boot_precompute(srv, gen);
	store_event_add(srv->store, "start", path, "listening on %s port %u",
			gen->cfg->listen, gen->cfg->port);
	log_info("serving %s on https://%s:%u (base URL %s)", path,
		 gen->cfg->listen, gen->cfg->port, gen->cfg->base_url);
	for (;;) {
		/* Every minute, persist where pushes stand (duplicates stay
		 * recognisable after a crash). */
		sig = sigtimedwait(&sigs, NULL, &save_every);
		if (sig < 0) {
			metrics_save_state(srv->metrics, srv->store);
			continue;
		}
		if (sig == SIGHUP) {
			serve_reload(srv, path, &l, &retired);
			continue;
		}
		if (sig == SIGCHLD && !servekeys_died(srv))
			continue;
		log_info("signal %d: draining requests in flight", sig);
		break;
	}
	/* Every generation still draining, the current one too, gets
	 * SERVE_DRAIN_S; none outlives srv. */
	serve_retire(&retired, &l, SERVE_DRAIN_S);
	serve_reap(&retired, 1);
	rc = sig == SIGCHLD ? -EPIPE : 0;
	store_event_add(srv->store, "stop", path, rc ? "signer process died" :
						      "clean shutdown");
out:
	serve_reap(&retired, 1);
	if (l.tls)
		MHD_stop_daemon(l.tls);
	if (l.plain)
		MHD_stop_daemon(l.plain);
	transfer_stop(&srv->transfers);
	boot_precompute_stop(srv);
	alerts_stop(srv->alerts);
	if (srv->metrics && srv->store)
		metrics_save_state(srv->metrics, srv->store);
	metrics_free(srv->metrics);
	store_close(srv->store);
	datadir_unlock(lock);
	boot_cache_free(srv->boot);
	server_gen_put(srv->gen);
	tlskey_free_all();
	signer_free(srv->signer);
	pthread_mutex_destroy(&srv->gen_lock);
	mbedtls_platform_zeroize(srv->node_secret, sizeof(srv->node_secret));
	free(srv);
	curl_global_cleanup();
	return rc;
}
