/* server.h: the running server's shared state, as request handlers see it. */
#ifndef PODBOOT_SERVER_H
#define PODBOOT_SERVER_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "signer.h"
#include "store.h"
#include "transfer.h"

struct tlskey;

/*
 * One generation of configuration and keys.  SIGHUP builds a new one and
 * swaps it in; requests that started under the old one keep it (reference
 * counted) until they finish.
 */
struct server_gen {
	atomic_uint refs;
	unsigned int number;		/* 1, 2, ... per reload */
	struct config *cfg;
	struct signer *signer;		/* srv->signer, borrowed */
	char *tls_cert_pem;		/* NUL-terminated */
	struct tlskey *tls;		/* the key is in the signer process */
	/* The certificate in use that expires first, for /healthz. */
	char cert_first[PATH_MAX];	/* its file */
	const char *cert_first_what;	/* "TLS certificate", ... */
	long long cert_not_after;	/* unix seconds */
};

/* Counters for /metrics and the status API; updated with atomics. */
struct server_stats {
	atomic_ullong requests;
	atomic_ullong refusals;		/* 4xx answers */
	atomic_ullong stage2_served;
	atomic_ullong signatures;	/* signatures made (cache misses) */
	atomic_ullong uploads;
	atomic_ullong upload_bytes;
	atomic_ullong transfers;	/* reserved bodies in flight */
	atomic_ullong transfers_cut;	/* below limits.min_rate */
	atomic_ullong transfers_refused; /* beyond limits.max_transfers */
};

/* The latest apply of a configuration to Kea (dhcp.kea_socket), as
 * /healthz shows it. */
struct server_dhcp {
	unsigned int gen;		/* the configuration; 0: none yet */
	int rc;				/* 0: Kea runs it; else why not */
	long long at;			/* unix seconds */
	char text[512];			/* Kea's answer or why not, one line */
};

struct serve_dhcp;
struct claimer;
struct fwimages;
struct bmc_jobs;

struct server {
	pthread_mutex_t gen_lock;
	struct server_gen *gen;		/* current; take with server_gen_get */
	struct signer *signer;		/* client of the signer process */
	struct store *store;
	struct boot_cache *boot;	/* signed stage2 renderings */
	struct node_hints *hints;	/* nodes lately read (nodehint.h) */
	struct claimer *claimer;	/* push claims in batches (shared
					 * store only) */
	struct metrics *metrics;	/* latest samples of the fleet */
	struct alerts *alerts;		/* rule states and notifications */
	struct remote_write *rw;	/* samples on to TSDBs */
	char data_dir[4096];
	uint8_t node_secret[32];	/* keys the per-node tokens */
	long long started;		/* unix seconds */
	pthread_t pre_thread;		/* boot_precompute's worker */
	int pre_running;
	atomic_int pre_stop;		/* asks the worker to stop early */
	/* The latest precompute, as /healthz shows it. */
	atomic_uint pre_gen;		/* the configuration it signs for */
	atomic_uint pre_ready;		/* armed nodes' signatures ready */
	atomic_int pre_busy;		/* 1 while it runs */
	struct server_stats stats;
	struct transfers transfers;	/* bodies in flight, all daemons */
	pthread_mutex_t dhcp_lock;	/* guards dhcp */
	struct server_dhcp dhcp;
	struct serve_dhcp *dhcp_worker;	/* applies to Kea (server/cmd) */
	pthread_mutex_t fw_lock;	/* guards fw */
	struct fwimages *fw;		/* checked firmware served; NULL: none */
	struct bmc_jobs *bmc;		/* BMC jobs of the API (server/bmc) */
};

/** The current generation, with a reference the caller must put. */
struct server_gen *server_gen_get(struct server *srv);
/**
 * Free @gen, its configuration and certificate text, when no request
 * holds it (its loader on failure; server_gen_put() for the last
 * reference).  The TLS key handle stays until tlskey_free_all().
 */
void server_gen_free(struct server_gen *gen);
/** Drop a reference taken by server_gen_get(); NULL is fine. */
void server_gen_put(struct server_gen *gen);
/**
 * This replica's name among those that share one store: the host's name
 * and the configured port ("host:8443"), which tells two replicas on one
 * host apart.  Names events and the remote_write label "replica".
 */
void server_replica_name(struct server *srv, char *out, size_t size);

#endif
