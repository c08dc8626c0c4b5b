/* bmc_pod.c: a pod's reinstall through its nodes' BMCs: the nodes chosen
 * from the configuration, and "podboot bmc --pod" run over a job table of
 * its own (bmc_job.c), one failing BMC never stopping the others. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmc_pod.h"
#include "error.h"
#include "log.h"
#include "store.h"

int bmc_pod_nodes(const struct config *cfg, const char *pod,
		  const char *const *want, size_t n_want, const char **out,
		  size_t *n, char *err, size_t size)
{
	const struct config_node *cn;
	size_t i, k;

	*n = 0;
	if (!config_pod_by_name(cfg, pod)) {
		snprintf(err, size, "no pod %.64s in the configuration", pod);
		return -ENOENT;
	}
	if (n_want > BMC_JOB_POD_MAX) {
		snprintf(err, size, "more than %d nodes", BMC_JOB_POD_MAX);
		return -EINVAL;
	}
	for (i = 0; i < n_want; i++) {
		cn = config_node_by_id(cfg, want[i]);
		if (!cn || strcmp(cn->pod->name, pod) != 0 || !cn->bmc) {
			snprintf(err, size, "%.64s is not a node of pod %.64s "
				 "with a bmc group", want[i], pod);
			return -ENOENT;
		}
		for (k = 0; k < *n; k++)
			if (strcmp(out[k], cn->hostname) == 0) {
				snprintf(err, size, "node %.64s is named "
					 "twice", want[i]);
				return -EINVAL;
			}
		out[(*n)++] = cn->hostname;
	}
	for (i = 0; n_want == 0 && i < cfg->n_nodes; i++) {
		cn = &cfg->nodes[i];
		if (cn->bmc && strcmp(cn->pod->name, pod) == 0 &&
		    *n < BMC_JOB_POD_MAX)
			out[(*n)++] = cn->hostname;
	}
	if (*n == 0) {
		snprintf(err, size, "pod %.64s has no node with a bmc group",
			 pod);
		return -EINVAL;
	}
	return 0;
}

/* The command line's jobs hold the one configuration it loaded. */
static void *bmc_pod_hold(void *ctx)
{
	return ctx;
}

/* The configuration a hold stands for: itself. */
static const struct config *bmc_pod_config(void *held)
{
	return held;
}

/* Split @csv ("a,b,c") into @names (pointers into @csv, which it cuts). */
static int bmc_pod_split(char *csv, const char **names, size_t *n)
{
	char *save = NULL, *w;

	*n = 0;
	for (w = strtok_r(csv, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (*n >= BMC_JOB_POD_MAX)
			return -PB_EUSAGE;
		names[(*n)++] = w;
	}
	return *n ? 0 : -PB_EUSAGE;
}

/* The final report: one line per node of pod job @id in @t. */
static void bmc_pod_report(struct bmc_jobs *t, unsigned long long id,
			   const char *pod)
{
	json_t *job = bmc_jobs_json(t, id, 0), *k;
	const char *node, *state, *error;
	size_t i;

	if (!job)
		return;
	printf("pod %s: %s\n", pod, json_string_value(json_object_get(
		job, "outcome")) ?: "no outcome");
	json_array_foreach(json_object_get(job, "nodes"), i, k) {
		node = json_string_value(json_object_get(k, "node"));
		state = json_string_value(json_object_get(k, "state"));
		error = json_string_value(json_object_get(k, "error"));
		printf("  %s: %s%s%s\n", node ? node : "?", state ? state : "?",
		       error ? ": " : "", error ? error : "");
	}
	fflush(stdout);
	json_decref(job);
}

int bmc_pod_run(const struct config *cfg, const char *pod,
		const char *nodes_csv, unsigned int parallel,
		const struct bmc_req *req)
{
	const char **want = NULL, **nodes = NULL;
	struct bmc_jobs_ops ops = { bmc_pod_hold, bmc_pod_config, NULL,
				    (void *)cfg };
	struct bmc_job_spec spec = { "reinstall", pod, NULL, NULL, *req };
	struct bmc_jobs t = { 0 };
	struct store *st = NULL;
	unsigned long long id;
	char *csv = NULL, err[256];
	size_t n_want = 0, n = 0;
	int rc;

	want = calloc(BMC_JOB_POD_MAX, sizeof(*want));
	nodes = calloc(BMC_JOB_POD_MAX, sizeof(*nodes));
	if (!want || !nodes || (nodes_csv && !(csv = strdup(nodes_csv)))) {
		rc = -ENOMEM;
		goto out;
	}
	if (csv && (rc = bmc_pod_split(csv, want, &n_want)) != 0) {
		log_error("bmc: --nodes takes names separated by commas");
		goto out;
	}
	if ((rc = bmc_pod_nodes(cfg, pod, want, n_want, nodes, &n, err,
				sizeof(err))) != 0) {
		log_error("bmc --pod %s: %s", pod, err);
		goto out;
	}
	if ((rc = store_open(&st, cfg->data_dir)) != 0) {
		log_error("data directory %s: %s", cfg->data_dir,
			  pb_strerror(rc));
		goto out;
	}
	if ((rc = bmc_jobs_init(&t, parallel, st, 1, &ops)) != 0 ||
	    (rc = bmc_jobs_submit_pod(&t, &spec, nodes, n, (unsigned int)n,
				      &id)) != 0) {
		log_error("bmc --pod %s: starting: %s", pod, pb_strerror(rc));
		goto out;
	}
	printf("pod %s: reinstalling %zu node%s, %u at once\n", pod, n,
	       n == 1 ? "" : "s", parallel);
	fflush(stdout);
	rc = bmc_jobs_wait(&t, id);
	bmc_pod_report(&t, id, pod);
out:
	bmc_jobs_free(&t);
	store_close(st);
	free(csv);
	free(nodes);
	free(want);
	return rc;
}
