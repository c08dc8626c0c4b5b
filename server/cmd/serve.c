/* serve.c: "podboot serve": load, listen, reload on SIGHUP, drain on
 * SIGTERM. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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
#include "bmc_api.h"
#include "boot.h"
#include "claimer.h"
#include "cmd.h"
#include "cmdopt.h"
#include "datadir.h"
#include "error.h"
#include "fwimage.h"
#include "fileio.h"
#include "http.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "node.h"
#include "nodehint.h"
#include "pki.h"
#include "podcache.h"
#include "remote_write.h"
#include "server.h"
#include "tlskey.h"
#include "ui.h"
#include "servekeys.h"
#include "serve_dhcp.h"
#include "serve_int.h"


/* What the HTTP front serves: each room's routes, first match wins. */
static const struct http_route *const serve_routes[] = {
	routes_boot, routes_boot_fw, routes_artifact_resign, routes_artifact,
	routes_bmc, routes_node, routes_podcache, routes_api, routes_tokeninfo,
	routes_ui,
	routes_ingest, NULL,
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

/* 1 if @addr is an IPv4 127/8 or the IPv6 loopback address. */
static int serve_is_loopback(const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, addr, &a6) == 1 &&
	       IN6_IS_ADDR_LOOPBACK(&a6);
}

/*
 * The listening sockets of @cfg into @l: TLS, and plain HTTP when
 * configured (loopback only unless allowed).
 *
 * @ret rc		0 or a negative error, logged; @l keeps what opened
 */
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

/*
 * Daemons for @gen on @l's sockets, the plain one if it has a socket.
 *
 * @ret rc		0 or -EIO, logged; @l keeps what started
 */
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
static int serve_reload(struct server *srv, const char *path,
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
		return rc;
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
		return rc;
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
	serve_dhcp_post(srv, gen);	/* Kea follows, off this path */
	server_gen_put(old);
	return 0;
}

/*
 * A reload of @path refused with @rc (@why: what asked for it), as an
 * event naming this replica, so that the replicas' operator sees which
 * one still serves an older configuration.
 */
static void serve_reload_refused(struct server *srv, const char *path,
				 const char *why, int rc)
{
	char name[300];

	server_replica_name(srv, name, sizeof(name));
	store_event_add(srv->store, "reload-refused", name,
			"%s (%s): %s; still serving configuration %u", path,
			why, pb_strerror(rc), srv->gen->number);
}

/*
 * SIGHUP: reload @path; on a store replicas share, a reload that took
 * bumps the configuration generation there, which the other replicas
 * follow (serve_follow), and *@seen becomes it.
 */
static void serve_reload_signal(struct server *srv, const char *path,
				struct serve_listeners *l,
				struct serve_retired **retired,
				long long *seen)
{
	long long gen;
	int rc = serve_reload(srv, path, l, retired);

	if (rc != 0) {
		serve_reload_refused(srv, path, "SIGHUP", rc);
		return;
	}
	if (!store_shared(srv->store))
		return;
	rc = store_config_gen_bump(srv->store, &gen);
	if (rc != 0) {
		log_error("reloaded, but the other replicas were not told: %s",
			  pb_strerror(rc));
		return;
	}
	*seen = gen;
}

/*
 * On a store replicas share: if another replica reloaded since *@seen
 * (the generation in the store is newer), reload @path too, once per
 * generation, a refusal recorded as an event.
 */
static void serve_follow(struct server *srv, const char *path,
			 struct serve_listeners *l,
			 struct serve_retired **retired, long long *seen)
{
	long long gen;
	int rc;

	if (!store_shared(srv->store) ||
	    store_config_gen(srv->store, &gen) != 0 || gen <= *seen)
		return;
	log_info("another replica reloaded (configuration generation %lld "
		 "in the store): reloading %s", gen, path);
	*seen = gen;
	rc = serve_reload(srv, path, l, retired);
	if (rc != 0)
		serve_reload_refused(srv, path, "another replica's reload",
				     rc);
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

/* The usage text of "podboot serve", on @out. */
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

/*
 * --check: load the configuration of @path and its keys as a start would,
 * print a summary, and release it all.
 *
 * @ret rc		0 or a negative error, logged
 */
static int serve_check(const char *path)
{
	struct signer *signer = NULL;
	struct server_gen *gen = NULL;
	unsigned long long discovered = 0;
	size_t i, assigned = 0;
	int rc;

	rc = serve_gen_load(path, 1, &signer, &gen);
	/* The store is looked at, never required: --check judges the
	 * configuration, which a store it cannot read does not make wrong. */
	if (rc == 0 && serve_check_assignments(gen->cfg, &discovered) != 0)
		log_warn("%s: the store cannot be read: the node figures count "
			 "the configuration file's nodes only",
			 gen->cfg->data_dir);
	for (i = 0; rc == 0 && i < gen->cfg->n_nodes; i++)
		assigned += gen->cfg->nodes[i].assigned != 0;
	/* The figures /healthz shows as nodes and node_figures. */
	if (rc == 0)
		printf("%s: ok: %zu pods, %zu profiles, %zu nodes (%zu "
		       "configured, %zu assigned; %llu discovered), %zu "
		       "tokens; signing as %s\n",
		       path, gen->cfg->n_pods, gen->cfg->n_profiles,
		       gen->cfg->n_nodes, gen->cfg->n_nodes - assigned,
		       assigned, discovered, gen->cfg->n_tokens,
		       signer_subject(gen->signer));
	server_gen_put(gen);
	tlskey_free_all();
	signer_free(signer);
	return rc;
}

/* What "podboot serve" was asked to do. */
struct serve_opts {
	const char *config;		/* --config, $PODBOOT_CONFIG */
	int check;			/* --check */
	int reinit;			/* --reinit-store */
};

static const struct cmdopt serve_table[] = {
	{ .name = "config", .letter = 'c', .kind = CMDOPT_STR, .arg = "FILE",
	  .off = offsetof(struct serve_opts, config) },
	{ .name = "check", .kind = CMDOPT_FLAG,
	  .off = offsetof(struct serve_opts, check) },
	{ .name = "reinit-store", .kind = CMDOPT_FLAG,
	  .off = offsetof(struct serve_opts, reinit) },
	{ .name = "help", .letter = 'h', .kind = CMDOPT_HELP },
};

/*
 * The boot cache, metrics, alerts and the transfer watch of @srv.  What
 * started stays in @srv for serve_services_stop(), even on failure.
 *
 * @ret rc		0 or a negative error, logged
 */
static int serve_services(struct server *srv)
{
	int rc;

	srv->boot = boot_cache_new(2 * srv->gen->cfg->n_nodes + 1024);
	srv->hints = node_hints_new(srv->gen->cfg->n_nodes);
	srv->metrics = metrics_new();
	if (!srv->boot || !srv->hints || !srv->metrics)
		return -ENOMEM;
	if ((rc = metrics_load_state(srv->metrics, srv->store)) != 0 ||
	    (store_shared(srv->store) &&
	     (rc = claimer_start(&srv->claimer, srv->store)) != 0) ||
	    (rc = alerts_start(&srv->alerts, srv)) != 0 ||
	    (rc = remote_write_start(&srv->rw, srv)) != 0) {
		log_error("monitoring: %s", pb_strerror(rc));
		return rc;
	}
	rc = transfer_start(&srv->transfers, serve_transfer_limits, srv,
			    &srv->stats.transfers, &srv->stats.transfers_cut);
	if (rc != 0) {
		log_error("transfer watch: %s", pb_strerror(rc));
		return rc;
	}
	if ((rc = serve_dhcp_start(srv)) != 0) {
		log_error("DHCP worker: %s", pb_strerror(rc));
		return rc;
	}
	if ((rc = bmc_api_jobs_start(srv)) != 0)
		log_error("BMC workers: %s", pb_strerror(rc));
	return rc;
}

/* Undo serve_services(), whatever part of it ran. */
static void serve_services_stop(struct server *srv)
{
	bmc_api_jobs_stop(srv);	/* the listeners are stopped already */
	serve_dhcp_stop(srv);
	transfer_stop(&srv->transfers);
	boot_precompute_stop(srv);
	/* remote_write reads the alerts' gauges and the claimer's counts. */
	remote_write_stop(srv->rw);
	srv->rw = NULL;
	claimer_stop(srv->claimer);	/* no request is left to park */
	srv->claimer = NULL;
	alerts_stop(srv->alerts);
	if (srv->metrics && srv->store)
		metrics_save_state(srv->metrics, srv->store);
	metrics_free(srv->metrics);
	srv->metrics = NULL;
}

/* Seconds between saves of where pushes stand. */
#define SERVE_SAVE_S 60
/* Seconds between looks at the store for another replica's reload. */
#define SERVE_FOLLOW_S 1

/* Seconds on the monotonic clock. */
static long long serve_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

/*
 * Serve until SIGTERM, SIGINT or the signer's death: SIGHUP reloads
 * @path, and every minute where pushes stand is saved.  On a store
 * replicas share, every second a look for another replica's reload.
 * Main thread only; @l and @retired change with each reload.
 *
 * @ret rc		0, or -EPIPE when the signer process died
 */
static int serve_loop(struct server *srv, const char *path,
		      const sigset_t *sigs, struct serve_listeners *l,
		      struct serve_retired **retired)
{
	const int shared = store_shared(srv->store);
	const struct timespec wait = { shared ? SERVE_FOLLOW_S : SERVE_SAVE_S,
				       0 };
	long long save_at = serve_now_s() + SERVE_SAVE_S, seen = 0;
	int sig;

	if (shared && store_config_gen(srv->store, &seen) != 0)
		seen = 0;
	for (;;) {
		sig = sigtimedwait(sigs, NULL, &wait);
		/* Every minute, persist where pushes stand (duplicates stay
		 * recognisable after a crash). */
		if (serve_now_s() >= save_at) {
			metrics_save_state(srv->metrics, srv->store);
			save_at = serve_now_s() + SERVE_SAVE_S;
		}
		if (sig < 0) {
			serve_follow(srv, path, l, retired, &seen);
			continue;
		}
		if (sig == SIGHUP) {
			serve_reload_signal(srv, path, l, retired, &seen);
			continue;
		}
		if (sig == SIGCHLD && !servekeys_died(srv))
			continue;
		log_info("signal %d: draining requests in flight", sig);
		return sig == SIGCHLD ? -EPIPE : 0;
	}
}

/* Signals are taken synchronously by this thread only: @sigs. */
static void serve_signals(sigset_t *sigs)
{
	sigemptyset(sigs);
	sigaddset(sigs, SIGHUP);
	sigaddset(sigs, SIGTERM);
	sigaddset(sigs, SIGINT);
	sigaddset(sigs, SIGCHLD);	/* the signer process ended */
	pthread_sigmask(SIG_BLOCK, sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* A new, empty server; NULL without memory.  serve_free() frees it. */
static struct server *serve_new(void)
{
	struct server *srv = calloc(1, sizeof(*srv));

	if (!srv)
		return NULL;
	pthread_mutex_init(&srv->gen_lock, NULL);
	pthread_mutex_init(&srv->dhcp_lock, NULL);
	pthread_mutex_init(&srv->fw_lock, NULL);
	srv->started = (long long)time(NULL);
	return srv;
}

/* Free @srv: its generation, TLS keys, signer process and secret. */
static void serve_free(struct server *srv)
{
	server_gen_put(srv->gen);
	tlskey_free_all();
	signer_free(srv->signer);
	pthread_mutex_destroy(&srv->gen_lock);
	pthread_mutex_destroy(&srv->dhcp_lock);
	fwimages_put(srv->fw);
	pthread_mutex_destroy(&srv->fw_lock);
	mbedtls_platform_zeroize(srv->node_secret, sizeof(srv->node_secret));
	free(srv);
}

/*
 * Listen where @srv's configuration says and serve until told to stop,
 * then drain every generation (none outlives @srv) and log why.
 *
 * @ret rc		0 or a negative error, logged
 */
static int serve_listen_loop(struct server *srv, const char *path,
			     const sigset_t *sigs)
{
	const struct config *cfg = srv->gen->cfg;
	struct serve_listeners l = { -1, -1, NULL, NULL };
	struct serve_retired *retired = NULL;
	int rc;

	if ((rc = serve_open_listeners(cfg, &l)) != 0 ||
	    (rc = serve_start_daemons(srv, srv->gen, &l)) != 0)
		goto err_listen;
	boot_precompute(srv, srv->gen);
	store_event_add(srv->store, "start", path, "listening on %s port %u",
			cfg->listen, cfg->port);
	log_info("serving %s on https://%s:%u (base URL %s)", path,
		 cfg->listen, cfg->port, cfg->base_url);
	serve_dhcp_post(srv, srv->gen);
	rc = serve_loop(srv, path, sigs, &l, &retired);
	/* Every generation still draining, the current one too, gets
	 * SERVE_DRAIN_S. */
	serve_retire(&retired, &l, SERVE_DRAIN_S);
	serve_reap(&retired, 1);
	store_event_add(srv->store, "stop", path, rc ? "signer process died" :
						      "clean shutdown");
	return rc;
err_listen:
	if (l.tls)
		MHD_stop_daemon(l.tls);
	if (l.plain)
		MHD_stop_daemon(l.plain);
	return rc;
}

/*
 * Run the server of @o->config: load it (the signer process first, while
 * this process has one thread and no key), take the data directory,
 * start the services and serve until a signal ends it.
 *
 * @ret rc		0, -EPIPE when the signer died, or another error
 */
static int serve_run(const struct serve_opts *o)
{
	struct server *srv;
	sigset_t sigs;
	int lock = -1, rc;

	serve_signals(&sigs);
	if (!(srv = serve_new()))
		return -ENOMEM;
	rc = serve_gen_load(o->config, 1, &srv->signer, &srv->gen);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != 0)
		goto err_gen;
	tlskey_use(srv->gen->tls);
	snprintf(srv->data_dir, sizeof(srv->data_dir), "%s",
		 srv->gen->cfg->data_dir);
	if ((rc = serve_datadir(srv, o->reinit, &lock)) != 0)
		goto err_datadir;
	if ((rc = serve_services(srv)) != 0)
		goto err_services;
	rc = serve_listen_loop(srv, o->config, &sigs);
err_services:
	serve_services_stop(srv);
err_datadir:
	store_close(srv->store);
	datadir_unlock(lock);
	boot_cache_free(srv->boot);
	node_hints_free(srv->hints);
err_gen:
	serve_free(srv);
	curl_global_cleanup();
	return rc;
}

/* "podboot serve": parse, then serve_check() or serve_run(). */
int serve_main(int argc, char **argv)
{
	struct serve_opts o = { .config = getenv("PODBOOT_CONFIG") };
	int first = 0, rc;

	rc = cmdopt_getopt(serve_table, CMD_N(serve_table), &o, argc, argv,
			   serve_usage, &first);
	if (rc != 0)
		return rc == CMDOPT_HELP_SHOWN ? 0 : rc;
	if (first != argc) {
		serve_usage(stderr);
		return -PB_EUSAGE;
	}
	o.config = cmd_config_path(o.config);
	return o.check ? serve_check(o.config) : serve_run(&o);
}
