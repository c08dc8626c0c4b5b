/* bmc_pod.h: reinstalling a whole pod (or a list of its nodes) through
 * their BMCs, with bounded concurrency: which nodes, and the command
 * line's run with progress and a final report. */
#ifndef PODBOOT_BMC_POD_H
#define PODBOOT_BMC_POD_H

#include <stddef.h>

#include "bmc_job.h"
#include "bmc_ops.h"
#include "config.h"

/**
 * The nodes of pod @pod in @cfg to reinstall, as hostnames pointing into
 * @cfg, into @out (room for BMC_JOB_POD_MAX): each of @want (@n_want
 * names, none twice, each a node of the pod with a bmc group), or with
 * @n_want 0 every node of the pod that has a bmc group.
 *
 * @ret rc		0 with their number in *@n; -ENOENT (no such pod, or
 *			a name that is not one of its nodes with a BMC) or
 *			-EINVAL (a name twice, none at all), @err saying which
 */
int bmc_pod_nodes(const struct config *cfg, const char *pod,
		  const char *const *want, size_t n_want, const char **out,
		  size_t *n, char *err, size_t size);

/**
 * "podboot bmc --pod POD reinstall": reinstall the nodes of @pod (all
 * with a BMC, or those named in @nodes_csv, "a,b,c"), at most @parallel
 * at once; a line per step per node on stdout (failures on stderr) as
 * they happen, then one line per node with its outcome.
 *
 * @ret rc		0 when every node was reinstalled; -EIO if any
 *			failed; -PB_EUSAGE or -ENOENT for a bad list
 */
int bmc_pod_run(const struct config *cfg, const char *pod,
		const char *nodes_csv, unsigned int parallel,
		const struct bmc_req *req);

#endif
