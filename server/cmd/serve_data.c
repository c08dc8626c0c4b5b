/* serve_data.c: the data directory of "podboot serve" at start-up: the
 * lock, the store, the node-token secret and the nodes it records. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "artifact.h"
#include "datadir.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "rng.h"
#include "serve_int.h"

#define SERVE_SECRET "node-token.key"

/* The secret behind node tokens: made once, kept 0600 in the data dir;
 * @again: the second look, after another replica made it first. */
static int serve_secret_read(struct server *srv, int again)
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
	/* A replica starting at the same moment wrote it first: every
	 * replica must sign node tokens with the one secret, so take it. */
	if (rc == -EEXIST && !again) {
		mbedtls_platform_zeroize(srv->node_secret,
					 sizeof(srv->node_secret));
		return serve_secret_read(srv, 1);
	}
	return rc;
}

/* One stored assignment joins the nodes of the configuration @ctx. */
static int serve_assignment(void *ctx, const struct store_assignment *a)
{
	char err[CONFIG_ERR_MAX];

	if (config_add_node(ctx, a->hostname, a->mac, a->pod, a->profile,
			    a->address, err, sizeof(err)) != 0)
		log_warn("assignment ignored: %s", err);
	return 0;
}

int serve_assignments(struct server *srv, struct config *cfg)
{
	return store_assign_list(srv->store, serve_assignment, cfg);
}

int serve_check_assignments(struct config *cfg,
			    unsigned long long *discovered)
{
	return store_peek(cfg->data_dir, serve_assignment, cfg, discovered);
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

int serve_sync_nodes(struct server *srv, const struct config *cfg)
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

int serve_datadir(struct server *srv, int reinit, int *lock)
{
	struct config *cfg = srv->gen->cfg;
	int rc;

	/* The lock comes before anything in the directory is touched: a
	 * second server must change nothing of the first one's. */
	if ((rc = fileio_mkdirs(srv->data_dir, 0700)) != 0) {
		log_error("data directory %s: %s", srv->data_dir,
			  pb_strerror(rc));
		return rc;
	}
	/* Replicas on PostgreSQL share the directory (docs/operations.md). */
	if ((rc = datadir_lock_mode(srv->data_dir, lock,
				    cfg->store_url[0] != '\0')) != 0)
		return rc;
	/* The store is checked before anything is written beside it. */
	if (reinit && (rc = datadir_set_aside(srv->data_dir)) != 0)
		return rc;
	if ((rc = store_open_url(&srv->store, srv->data_dir, cfg->store_url,
				 cfg->store_password_file)) != 0) {
		log_error("store in %s: %s", srv->data_dir, pb_strerror(rc));
		return rc;
	}
	if ((rc = artifact_dirs(srv->data_dir)) != 0 ||
	    (rc = artifact_clean_tmp(srv->data_dir,
				     cfg->store_url[0] ? ARTIFACT_TMP_STALE_S
						       : 0)) != 0) {
		log_error("data directory %s: %s", srv->data_dir,
			  pb_strerror(rc));
		return rc;
	}
	if ((rc = serve_secret_read(srv, 0)) != 0) {
		log_error("node token secret: %s", pb_strerror(rc));
		return rc;
	}
	if ((rc = serve_assignments(srv, cfg)) != 0 ||
	    (rc = serve_sync_nodes(srv, cfg)) != 0 ||
	    (reinit && (rc = serve_lock_nodes(srv, cfg)) != 0))
		log_error("store in %s: %s", srv->data_dir, pb_strerror(rc));
	return rc;
}

