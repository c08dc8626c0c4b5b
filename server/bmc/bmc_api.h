/* bmc_api.h: the BMC routes of podboot serve: actions on a node's BMC and
 * a pod's reinstall become jobs (202 and a Location), and the jobs are
 * read back; scope "bmc". */
#ifndef PODBOOT_BMC_API_H
#define PODBOOT_BMC_API_H

#include <stddef.h>

#include "bmc_job.h"
#include "bmc_ops.h"
#include "config.h"
#include "http.h"
#include "server.h"

/* Seconds a client is told to wait when the queue is full. */
#define BMC_API_RETRY_S 30

/* A request's action and body, checked. */
struct bmc_api_args {
	const char *action;		/* the API's name, static */
	struct bmc_req req;		/* its strings point below */
	char arg[1100], uri[1100], iso[1100];
	char (*nodes)[CONFIG_NAME_MAX];	/* a pod's list, or NULL: all */
	size_t n_nodes;
};

/**
 * Check action @action (power, on, off, cycle, media-insert, media-eject,
 * boot-once, secure-boot, secure-boot-on, secure-boot-off,
 * secure-boot-enrol-db, reinstall; a pod's (@pod) only reinstall) and its
 * JSON body (@len bytes of @body; empty is {}) into @a: media-insert {"url"},
 * boot-once {"target", "uri"?}, reinstall {"iso"?, "timeout_s"?} and for
 * a pod "nodes"?: [names]; any other member is refused.
 *
 * @ret rc		0 (bmc_api_args_free() @a), -ENOENT (no such
 *			action), or -EINVAL with @err saying why
 */
int bmc_api_parse(const char *action, int pod, const char *body, size_t len,
		  struct bmc_api_args *a, char *err, size_t size);

/** Free what bmc_api_parse() allocated in @a; safe twice. */
void bmc_api_args_free(struct bmc_api_args *a);

/* POST /api/v1/nodes/ID/bmc/ACTION, POST /api/v1/pods/NAME/bmc/reinstall,
 * GET /api/v1/bmc/jobs[/ID]. */
extern const struct http_route routes_bmc[];

/**
 * Start podboot serve's BMC jobs (BMC_JOB_WORKERS workers, steps into
 * @srv's store, each job holding the generation current when it was
 * accepted) as @srv->bmc.
 *
 * @ret rc		0 (bmc_api_jobs_stop() them), or a negative error
 */
int bmc_api_jobs_start(struct server *srv);

/**
 * Stop them (after the listeners): queued jobs cancelled, running
 * reinstalls told to stop following, workers joined, jobs freed.
 */
void bmc_api_jobs_stop(struct server *srv);

#endif
