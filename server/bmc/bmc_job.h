/* bmc_job.h: BMC actions as jobs: a table of recent jobs, a bounded
 * queue, and a fixed pool of workers that run them, so that whoever asks
 * (an API request, the pod-wide command) never waits on a BMC. */
#ifndef PODBOOT_BMC_JOB_H
#define PODBOOT_BMC_JOB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include <jansson.h>

#include "bmc_ops.h"
#include "config.h"
#include "store.h"

#define BMC_JOB_WORKERS 4	/* jobs of podboot serve run at once */
#define BMC_JOB_WORKERS_MAX 64	/* --parallel's bound */
#define BMC_JOB_STEPS_MAX 64	/* steps a job keeps (then counts) */
#define BMC_JOB_KEEP 256	/* finished jobs kept to be read */
#define BMC_JOB_TEXT_MAX 512	/* one step, outcome or error */
#define BMC_JOB_POD_MAX 4096	/* nodes in one pod-wide job */

/** A job's states: queued, running, then one of the three final ones. */
enum bmc_job_state {
	BMC_JOB_QUEUED,
	BMC_JOB_RUNNING,
	BMC_JOB_SUCCEEDED,
	BMC_JOB_FAILED,
	BMC_JOB_CANCELLED,
};

/** What happens to a job. */
enum bmc_job_event {
	BMC_JOB_EV_START,	/* a worker takes it */
	BMC_JOB_EV_OK,		/* its action succeeded */
	BMC_JOB_EV_FAIL,	/* its action failed */
	BMC_JOB_EV_CANCEL,	/* podboot serve stops before it ran */
};

/**
 * The state a job in @from goes to on @ev, into *@to: queued starts or
 * is cancelled; running succeeds or fails; a final state never changes.
 *
 * @ret rc		0, or -EINVAL for a move the machine does not have
 */
int bmc_job_next(enum bmc_job_state from, enum bmc_job_event ev,
		 enum bmc_job_state *to);

/** 1 if @s is final (succeeded, failed, cancelled). */
int bmc_job_final(enum bmc_job_state s);

/** "queued", "running", "succeeded", "failed" or "cancelled". */
const char *bmc_job_state_name(enum bmc_job_state s);

/**
 * Whether @want more jobs may wait beside @waiting ones under the bound
 * @max, overflow-safe.
 *
 * @ret rc		0, or -EAGAIN: the queue is full
 */
int bmc_job_admit(unsigned int waiting, unsigned int want, unsigned int max);

/**
 * Whether an action @b may be queued for a node while a job of action @a
 * is unfinished there: only when either is a status read (two actions on
 * one machine would fight: a cycle in the middle of a reinstall).
 *
 * @ret clash		1 if they may not run side by side, else 0
 */
int bmc_job_clash(enum bmc_verb a, enum bmc_verb b);

/*
 * How a table holds the configuration a job runs with: @hold takes a
 * reference (podboot serve: the current generation), @config reads its
 * configuration, @release drops it when the job ends.
 */
struct bmc_jobs_ops {
	void *(*hold)(void *ctx);
	const struct config *(*config)(void *held);
	void (*release)(void *held);
	void *ctx;
};

/** What to run: an action on a node, or a pod's reinstall (@nodes). */
struct bmc_job_spec {
	const char *action;	/* the API's name: "on", "reinstall", ... */
	const char *pod;	/* the node's pod, or the pod of a pod job */
	const char *node;	/* NULL for a pod job */
	const char *actor;	/* "token NAME", or NULL (the command line) */
	struct bmc_req req;	/* its strings are copied */
};

struct bmc_job;

/** The jobs of one podboot serve, or of one pod-wide command. */
struct bmc_jobs {
	pthread_mutex_t lock;
	pthread_cond_t work;		/* a job was queued, or stop */
	pthread_cond_t done;		/* a job reached a final state */
	struct bmc_job *head, *tail;	/* every job kept, oldest first */
	size_t n_finished;		/* final jobs among them */
	unsigned int waiting;		/* queued node jobs */
	unsigned long long next_id;
	pthread_t workers[BMC_JOB_WORKERS_MAX];
	unsigned int n_workers;
	atomic_int stop;
	struct store *st;		/* the audit trail */
	int print;			/* steps also on stdout (the CLI) */
	struct bmc_jobs_ops ops;
	int ready;
};

/**
 * Start @n_workers workers (1 to BMC_JOB_WORKERS_MAX) over an empty
 * table; steps become events in @st; @print also prints them.
 *
 * @ret rc		0 (bmc_jobs_free() it), or a negative error
 */
int bmc_jobs_init(struct bmc_jobs *t, unsigned int n_workers,
		  struct store *st, int print, const struct bmc_jobs_ops *ops);

/**
 * Stop: queued jobs are cancelled, running reinstalls stop following
 * their node (they still eject), and the workers are joined.  Safe twice.
 */
void bmc_jobs_stop(struct bmc_jobs *t);

/** Stop, then free every job; safe on a table never started. */
void bmc_jobs_free(struct bmc_jobs *t);

/**
 * Queue @spec as one job, unless @max_waiting jobs wait already.
 *
 * @ret rc		0 with its id in *@id, -EAGAIN (the queue is full),
 *			-EBUSY (the node has a clashing job unfinished,
 *			bmc_job_clash()), -ESHUTDOWN, or -ENOMEM
 */
int bmc_jobs_submit(struct bmc_jobs *t, const struct bmc_job_spec *spec,
		    unsigned int max_waiting, unsigned long long *id);

/**
 * Queue a pod job for @spec (a reinstall) and one node job for each of
 * @nodes (@n of them), all or none: the pod job ends when the last node
 * job does, failed if any failed.
 *
 * @ret rc		0 with the pod job's id in *@id, -EAGAIN, -EBUSY
 *			(one of the nodes has a job unfinished), ...
 */
int bmc_jobs_submit_pod(struct bmc_jobs *t, const struct bmc_job_spec *spec,
			const char *const *nodes, size_t n,
			unsigned int max_waiting, unsigned long long *id);

/**
 * Wait until job @id is final.
 *
 * @ret rc		0 (the job succeeded), -EIO (it failed or was
 *			cancelled), -ENOENT (no such job)
 */
int bmc_jobs_wait(struct bmc_jobs *t, unsigned long long id);

/**
 * Job @id as JSON (id, kind, action, node or pod, actor, state, times,
 * steps, outcome, error; a pod job's nodes), or with @id 0 the list of
 * the newest @limit jobs without their steps.  The caller owns the result.
 *
 * @ret json		or NULL: no such job (or no memory)
 */
json_t *bmc_jobs_json(struct bmc_jobs *t, unsigned long long id,
		      unsigned int limit);

#endif
