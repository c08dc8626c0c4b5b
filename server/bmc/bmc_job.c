/* bmc_job.c: BMC actions as jobs: the job's state machine, the table of
 * recent jobs, the bounded queue and the workers that run them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bmc_job.h"
#include "bmc_secureboot.h"
#include "error.h"
#include "log.h"

/* One step of a job, as it happened. */
struct bmc_job_step {
	long long at;			/* unix seconds */
	char node[CONFIG_NAME_MAX];
	char text[BMC_JOB_TEXT_MAX];
	int failed;
};

struct bmc_job {
	unsigned long long id;
	enum bmc_job_state state;
	int pod_job;			/* a pod's reinstall: @kids below */
	char action[32];
	char pod[CONFIG_NAME_MAX];
	char node[CONFIG_NAME_MAX];	/* "" for a pod job */
	char actor[CONFIG_NAME_MAX + 8];
	long long created, started, finished;
	struct bmc_job_step *steps;	/* at most BMC_JOB_STEPS_MAX */
	unsigned int n_steps;
	unsigned long dropped;		/* steps past the bound */
	char outcome[BMC_JOB_TEXT_MAX];
	char error[BMC_JOB_TEXT_MAX];
	/* what it runs: the request with its own copies of the strings */
	struct bmc_req req;
	char arg[1100], uri[1100], iso[1100];
	void *held;			/* ops.hold()'s, until it ends */
	/* a node job of a pod job; a pod job's node jobs */
	struct bmc_job *parent;
	int in_pod;			/* kept while its pod job runs */
	unsigned long long *kids;
	size_t n_kids, kids_left, kids_failed;
	struct bmc_job *next;
};

int bmc_job_next(enum bmc_job_state from, enum bmc_job_event ev,
		 enum bmc_job_state *to)
{
	if (from == BMC_JOB_QUEUED && ev == BMC_JOB_EV_START)
		*to = BMC_JOB_RUNNING;
	else if (from == BMC_JOB_QUEUED && ev == BMC_JOB_EV_CANCEL)
		*to = BMC_JOB_CANCELLED;
	else if (from == BMC_JOB_RUNNING && ev == BMC_JOB_EV_OK)
		*to = BMC_JOB_SUCCEEDED;
	else if (from == BMC_JOB_RUNNING && ev == BMC_JOB_EV_FAIL)
		*to = BMC_JOB_FAILED;
	else
		return -EINVAL;
	return 0;
}

int bmc_job_final(enum bmc_job_state s)
{
	return s == BMC_JOB_SUCCEEDED || s == BMC_JOB_FAILED ||
	       s == BMC_JOB_CANCELLED;
}

const char *bmc_job_state_name(enum bmc_job_state s)
{
	static const char *const names[] = {
		[BMC_JOB_QUEUED] = "queued", [BMC_JOB_RUNNING] = "running",
		[BMC_JOB_SUCCEEDED] = "succeeded", [BMC_JOB_FAILED] = "failed",
		[BMC_JOB_CANCELLED] = "cancelled",
	};

	return (unsigned int)s < sizeof(names) / sizeof(names[0]) ?
		names[s] : "?";
}

int bmc_job_admit(unsigned int waiting, unsigned int want, unsigned int max)
{
	if (want > max || waiting > max - want)
		return -EAGAIN;
	return 0;
}

int bmc_job_clash(enum bmc_verb a, enum bmc_verb b)
{
	return !bmc_verb_reads(a) && !bmc_verb_reads(b);
}

/* Move @j by @ev (a move the machine lacks is a bug: logged, ignored). */
static void bmc_job_move(struct bmc_job *j, enum bmc_job_event ev)
{
	enum bmc_job_state to;

	if (bmc_job_next(j->state, ev, &to) != 0) {
		log_error("bmc job %llu: no move from %s on event %d", j->id,
			  bmc_job_state_name(j->state), (int)ev);
		return;
	}
	j->state = to;
}

/* Append step @text of @node, at @at (0: now), to @j (t->lock held). */
static void bmc_job_add_step(struct bmc_job *j, const char *node,
			     const char *text, int failed, long long at)
{
	struct bmc_job_step *s;

	if (failed)
		snprintf(j->error, sizeof(j->error), "%s", text);
	if (j->n_steps >= BMC_JOB_STEPS_MAX) {
		j->dropped++;
		return;
	}
	if (!j->steps && !(j->steps = calloc(BMC_JOB_STEPS_MAX,
					     sizeof(*j->steps)))) {
		j->dropped++;
		return;
	}
	s = &j->steps[j->n_steps++];
	s->at = at > 0 ? at : (long long)time(NULL);
	s->failed = failed;
	snprintf(s->node, sizeof(s->node), "%s", node);
	snprintf(s->text, sizeof(s->text), "%s", text);
}

/* Free @j and drop what it holds. */
static void bmc_job_free(struct bmc_jobs *t, struct bmc_job *j)
{
	if (j->held && t->ops.release)
		t->ops.release(j->held);
	free(j->steps);
	free(j->kids);
	free(j);
}

/* Drop the oldest final jobs beyond BMC_JOB_KEEP (t->lock held).  A pod
 * job is final only after its node jobs, so none points at a freed one. */
static void bmc_jobs_prune(struct bmc_jobs *t)
{
	struct bmc_job **pp = &t->head, *j;

	while (t->n_finished > BMC_JOB_KEEP && *pp) {
		j = *pp;
		if (!bmc_job_final(j->state) || j->in_pod) {
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		if (t->tail == j)
			t->tail = NULL;
		t->n_finished--;
		bmc_job_free(t, j);
	}
	for (t->tail = t->head; t->tail && t->tail->next;)
		t->tail = t->tail->next;
}

/* Job @id in the table (t->lock held), or NULL. */
static struct bmc_job *bmc_jobs_find(struct bmc_jobs *t,
				     unsigned long long id)
{
	struct bmc_job *j;

	for (j = t->head; j; j = j->next)
		if (j->id == id)
			return j;
	return NULL;
}

/* The pod job @p learns that one of its node jobs ended (@failed); the
 * last one ends it, and its node jobs may then be pruned. */
static void bmc_job_kid_done(struct bmc_jobs *t, struct bmc_job *p,
			     int failed)
{
	struct bmc_job *k;
	size_t i;

	p->kids_failed += failed != 0;
	if (--p->kids_left > 0)
		return;
	for (i = 0; i < p->n_kids; i++)
		if ((k = bmc_jobs_find(t, p->kids[i])))
			k->in_pod = 0;
	if (p->state == BMC_JOB_QUEUED)
		bmc_job_move(p, BMC_JOB_EV_START);
	bmc_job_move(p, p->kids_failed ? BMC_JOB_EV_FAIL : BMC_JOB_EV_OK);
	p->finished = time(NULL);
	snprintf(p->outcome, sizeof(p->outcome), "%zu of %zu nodes "
		 "reinstalled", p->n_kids - p->kids_failed, p->n_kids);
	if (p->kids_failed)
		snprintf(p->error, sizeof(p->error), "%zu of %zu nodes failed",
			 p->kids_failed, p->n_kids);
	t->n_finished++;
}

/* @j reached a final state (t->lock held): its parent learns, waiters
 * wake, the configuration is released, old jobs go. */
static void bmc_job_ended(struct bmc_jobs *t, struct bmc_job *j)
{
	j->finished = time(NULL);
	t->n_finished++;
	if (j->held && t->ops.release) {
		t->ops.release(j->held);
		j->held = NULL;
	}
	if (j->parent) {
		bmc_job_kid_done(t, j->parent, j->state != BMC_JOB_SUCCEEDED);
		j->parent = NULL;
	}
	pthread_cond_broadcast(&t->done);
	bmc_jobs_prune(t);
}

/* What a worker passes to the sink: the table and the job. */
struct bmc_job_run {
	struct bmc_jobs *t;
	struct bmc_job *j;
};

/* The sink's step: onto the job (and its pod job), printed for the
 * command line. */
static void bmc_job_step(void *ctx, const char *node, const char *text,
			 int failed, long long at)
{
	struct bmc_job_run *run = ctx;
	struct bmc_jobs *t = run->t;

	pthread_mutex_lock(&t->lock);
	bmc_job_add_step(run->j, node, text, failed, at);
	if (t->print && failed)
		log_error("bmc %s: %s", node, text);
	else if (t->print) {
		printf("%s: %s\n", node, text);
		fflush(stdout);
	}
	pthread_mutex_unlock(&t->lock);
}

/* Run job @j (no lock held); the outcome goes into @j under the lock. */
static void bmc_job_run(struct bmc_jobs *t, struct bmc_job *j)
{
	const struct config *cfg = t->ops.config(j->held);
	const struct config_node *n = config_node_by_id(cfg, j->node);
	struct bmc_job_run run = { t, j };
	struct bmc_sink sk = {
		.st = t->st, .actor = j->actor[0] ? j->actor : NULL,
		.step = bmc_job_step, .ctx = &run, .stop = &t->stop,
	};
	char out[1200] = "", err[1200] = "";
	int rc;

	if (!n || !n->bmc) {
		snprintf(err, sizeof(err), "node %s %s", j->node, n ?
			 "has no bmc group" : "is not configured");
		bmc_job_step(&run, j->node, err, 1, 0);
		rc = -ENOENT;
	} else if (j->req.verb == BMC_REINSTALL) {
		rc = bmc_reinstall(cfg, n, &j->req, &sk);
		snprintf(out, sizeof(out), "%s", rc == 0 ? "installed" : "");
	} else {
		rc = bmc_sb_action(cfg, n->hostname, n->bmc, &j->req, &sk,
				   out, sizeof(out), err, sizeof(err));
	}
	pthread_mutex_lock(&t->lock);
	/* Cut to the job's fields: the steps and events have them whole. */
	snprintf(j->outcome, sizeof(j->outcome), "%.*s",
		 (int)sizeof(j->outcome) - 1, out);
	if (rc != 0 && !j->error[0])
		snprintf(j->error, sizeof(j->error), "%.*s",
			 (int)sizeof(j->error) - 1, err[0] ? err :
			 pb_strerror(rc));
	bmc_job_move(j, rc == 0 ? BMC_JOB_EV_OK : BMC_JOB_EV_FAIL);
	bmc_job_ended(t, j);
	pthread_mutex_unlock(&t->lock);
}

/* The oldest queued node job (t->lock held), or NULL. */
static struct bmc_job *bmc_jobs_first_queued(struct bmc_jobs *t)
{
	struct bmc_job *j;

	for (j = t->head; j; j = j->next)
		if (!j->pod_job && j->state == BMC_JOB_QUEUED)
			return j;
	return NULL;
}

/* A worker: take the oldest queued job, run it, until stop. */
static void *bmc_jobs_worker(void *arg)
{
	struct bmc_jobs *t = arg;
	struct bmc_job *j = NULL;

	pthread_mutex_lock(&t->lock);
	for (;;) {
		while (!atomic_load(&t->stop) && !(j = bmc_jobs_first_queued(t)))
			pthread_cond_wait(&t->work, &t->lock);
		if (atomic_load(&t->stop))
			break;
		bmc_job_move(j, BMC_JOB_EV_START);
		j->started = time(NULL);
		t->waiting--;
		if (j->parent && j->parent->state == BMC_JOB_QUEUED) {
			bmc_job_move(j->parent, BMC_JOB_EV_START);
			j->parent->started = j->started;
		}
		pthread_mutex_unlock(&t->lock);
		bmc_job_run(t, j);
		pthread_mutex_lock(&t->lock);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

int bmc_jobs_init(struct bmc_jobs *t, unsigned int n_workers,
		  struct store *st, int print, const struct bmc_jobs_ops *ops)
{
	unsigned int i;
	int rc;

	memset(t, 0, sizeof(*t));
	if (n_workers < 1 || n_workers > BMC_JOB_WORKERS_MAX)
		return -EINVAL;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->work, NULL);
	pthread_cond_init(&t->done, NULL);
	t->st = st;
	t->print = print;
	t->ops = *ops;
	t->next_id = 1;
	t->ready = 1;
	for (i = 0; i < n_workers; i++) {
		if ((rc = pthread_create(&t->workers[i], NULL, bmc_jobs_worker,
					 t)) != 0) {
			bmc_jobs_free(t);
			return -rc;
		}
		t->n_workers++;
	}
	return 0;
}

void bmc_jobs_stop(struct bmc_jobs *t)
{
	struct bmc_job *j;
	unsigned int i;

	if (!t->ready)
		return;
	pthread_mutex_lock(&t->lock);
	atomic_store(&t->stop, 1);
	for (j = t->head; j; j = j->next) {
		if (j->pod_job || j->state != BMC_JOB_QUEUED)
			continue;
		bmc_job_move(j, BMC_JOB_EV_CANCEL);
		snprintf(j->error, sizeof(j->error), "cancelled: podboot "
			 "serve stopped before it ran");
		t->waiting--;
		bmc_job_ended(t, j);
	}
	pthread_cond_broadcast(&t->work);
	pthread_mutex_unlock(&t->lock);
	for (i = 0; i < t->n_workers; i++)
		pthread_join(t->workers[i], NULL);
	t->n_workers = 0;
}

void bmc_jobs_free(struct bmc_jobs *t)
{
	struct bmc_job *j, *next;

	if (!t->ready)
		return;
	bmc_jobs_stop(t);
	for (j = t->head; j; j = next) {
		next = j->next;
		bmc_job_free(t, j);
	}
	pthread_cond_destroy(&t->done);
	pthread_cond_destroy(&t->work);
	pthread_mutex_destroy(&t->lock);
	memset(t, 0, sizeof(*t));
}

/* A new job of @spec (for node @node, NULL: the pod job), not yet in the
 * table; NULL without memory. */
static struct bmc_job *bmc_job_new(struct bmc_jobs *t,
				   const struct bmc_job_spec *spec,
				   const char *node)
{
	struct bmc_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->state = BMC_JOB_QUEUED;
	j->created = time(NULL);
	j->pod_job = node == NULL;
	snprintf(j->action, sizeof(j->action), "%s", spec->action);
	snprintf(j->pod, sizeof(j->pod), "%s", spec->pod ? spec->pod : "");
	snprintf(j->node, sizeof(j->node), "%s", node ? node : "");
	snprintf(j->actor, sizeof(j->actor), "%s", spec->actor ?
		 spec->actor : "");
	j->req = spec->req;
	j->req.arg = j->req.uri = j->req.iso = NULL;
	if (spec->req.arg)
		j->req.arg = strncpy(j->arg, spec->req.arg, sizeof(j->arg) - 1);
	if (spec->req.uri)
		j->req.uri = strncpy(j->uri, spec->req.uri, sizeof(j->uri) - 1);
	if (spec->req.iso)
		j->req.iso = strncpy(j->iso, spec->req.iso, sizeof(j->iso) - 1);
	if (node && t->ops.hold && !(j->held = t->ops.hold(t->ops.ctx))) {
		free(j);
		return NULL;
	}
	return j;
}

/* 1 if node @node has an unfinished job that clashes with @verb (t->lock
 * held). */
static int bmc_jobs_busy(struct bmc_jobs *t, const char *node,
			 enum bmc_verb verb)
{
	const struct bmc_job *j;

	for (j = t->head; j; j = j->next)
		if (!j->pod_job && !bmc_job_final(j->state) &&
		    strcmp(j->node, node) == 0 &&
		    bmc_job_clash(j->req.verb, verb))
			return 1;
	return 0;
}

/* Put @j at the end of the table with the next id (t->lock held). */
static void bmc_jobs_append(struct bmc_jobs *t, struct bmc_job *j)
{
	j->id = t->next_id++;
	if (t->tail)
		t->tail->next = j;
	else
		t->head = j;
	t->tail = j;
	if (!j->pod_job)
		t->waiting++;
}

int bmc_jobs_submit(struct bmc_jobs *t, const struct bmc_job_spec *spec,
		    unsigned int max_waiting, unsigned long long *id)
{
	struct bmc_job *j;
	int rc = 0;

	if (!(j = bmc_job_new(t, spec, spec->node)))
		return -ENOMEM;
	pthread_mutex_lock(&t->lock);
	if (atomic_load(&t->stop))
		rc = -ESHUTDOWN;
	else if (bmc_jobs_busy(t, j->node, j->req.verb))
		rc = -EBUSY;
	else
		rc = bmc_job_admit(t->waiting, 1, max_waiting);
	if (rc == 0) {
		bmc_jobs_append(t, j);
		*id = j->id;
		pthread_cond_signal(&t->work);
	}
	pthread_mutex_unlock(&t->lock);
	if (rc != 0)
		bmc_job_free(t, j);
	return rc;
}

/* Free the @n jobs of @kids (not in the table) and @pod. */
static void bmc_jobs_drop(struct bmc_jobs *t, struct bmc_job *pod,
			  struct bmc_job **kids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (kids[i])
			bmc_job_free(t, kids[i]);
	free(kids);
	if (pod)
		bmc_job_free(t, pod);
}

int bmc_jobs_submit_pod(struct bmc_jobs *t, const struct bmc_job_spec *spec,
			const char *const *nodes, size_t n,
			unsigned int max_waiting, unsigned long long *id)
{
	struct bmc_job *pod, **kids;
	size_t i;
	int rc = 0;

	if (n == 0 || n > BMC_JOB_POD_MAX)
		return -EINVAL;
	pod = bmc_job_new(t, spec, NULL);
	kids = calloc(n, sizeof(*kids));
	if (pod)
		pod->kids = calloc(n, sizeof(*pod->kids));
	for (i = 0; pod && pod->kids && kids && i < n; i++)
		if (!(kids[i] = bmc_job_new(t, spec, nodes[i])))
			break;
	if (!pod || !pod->kids || !kids || i < n) {
		bmc_jobs_drop(t, pod, kids, n);
		return -ENOMEM;
	}
	pthread_mutex_lock(&t->lock);
	rc = atomic_load(&t->stop) ? -ESHUTDOWN :
	     bmc_job_admit(t->waiting, (unsigned int)n, max_waiting);
	for (i = 0; rc == 0 && i < n; i++)
		if (bmc_jobs_busy(t, nodes[i], spec->req.verb))
			rc = -EBUSY;
	if (rc == 0) {
		bmc_jobs_append(t, pod);
		pod->n_kids = pod->kids_left = n;
		for (i = 0; i < n; i++) {
			kids[i]->parent = pod;
			kids[i]->in_pod = 1;
			bmc_jobs_append(t, kids[i]);
			pod->kids[i] = kids[i]->id;
		}
		*id = pod->id;
		pthread_cond_broadcast(&t->work);
	}
	pthread_mutex_unlock(&t->lock);
	if (rc != 0)
		bmc_jobs_drop(t, pod, kids, n);
	else
		free(kids);
	return rc;
}

int bmc_jobs_wait(struct bmc_jobs *t, unsigned long long id)
{
	struct bmc_job *j;
	int rc;

	pthread_mutex_lock(&t->lock);
	while ((j = bmc_jobs_find(t, id)) && !bmc_job_final(j->state))
		pthread_cond_wait(&t->done, &t->lock);
	rc = !j ? -ENOENT : j->state == BMC_JOB_SUCCEEDED ? 0 : -EIO;
	pthread_mutex_unlock(&t->lock);
	return rc;
}

/* The summary of @j (no steps) as JSON (t->lock held). */
static json_t *bmc_job_summary(const struct bmc_job *j)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "id",
			      (json_int_t)j->id, "kind", j->pod_job ? "pod" :
			      "node", "action", j->action, "state",
			      bmc_job_state_name(j->state), "pod", j->pod,
			      "created", (json_int_t)j->created);

	if (!o)
		return NULL;
	if (!j->pod_job)
		json_object_set_new(o, "node", json_string(j->node));
	json_object_set_new(o, "actor", json_string(j->actor));
	if (j->started)
		json_object_set_new(o, "started", json_integer(j->started));
	if (j->finished)
		json_object_set_new(o, "finished", json_integer(j->finished));
	if (j->outcome[0])
		json_object_set_new(o, "outcome", json_string(j->outcome));
	if (j->error[0])
		json_object_set_new(o, "error", json_string(j->error));
	return o;
}

/* A pod job's node jobs: id, node, state and latest step of each. */
static json_t *bmc_job_kids(struct bmc_jobs *t, const struct bmc_job *p)
{
	json_t *a = json_array(), *o;
	const struct bmc_job *k;
	size_t i;

	for (i = 0; a && i < p->n_kids; i++) {
		if (!(k = bmc_jobs_find(t, p->kids[i])))
			continue;	/* pruned: the pod job's outcome stays */
		o = json_pack("{s:I, s:s, s:s}", "job", (json_int_t)k->id,
			      "node", k->node, "state",
			      bmc_job_state_name(k->state));
		if (o && k->n_steps)
			json_object_set_new(o, "step", json_string(
				k->steps[k->n_steps - 1].text));
		if (o && k->error[0])
			json_object_set_new(o, "error", json_string(k->error));
		json_array_append_new(a, o);
	}
	return a;
}

/* Job @j in full as JSON (t->lock held). */
static json_t *bmc_job_full(struct bmc_jobs *t, const struct bmc_job *j)
{
	json_t *o = bmc_job_summary(j), *steps = json_array();
	unsigned int i;

	for (i = 0; o && steps && i < j->n_steps; i++)
		json_array_append_new(steps, json_pack(
			"{s:I, s:s, s:s, s:b}", "at", (json_int_t)j->steps[i].at,
			"node", j->steps[i].node, "text", j->steps[i].text,
			"failed", j->steps[i].failed));
	if (o) {
		json_object_set_new(o, "steps", steps);
		steps = NULL;
		if (j->dropped)
			json_object_set_new(o, "steps_dropped",
					    json_integer((json_int_t)j->dropped));
		if (j->pod_job)
			json_object_set_new(o, "nodes", bmc_job_kids(t, j));
	}
	json_decref(steps);
	return o;
}

json_t *bmc_jobs_json(struct bmc_jobs *t, unsigned long long id,
		      unsigned int limit)
{
	json_t *out = NULL, *jobs;
	struct bmc_job *j;
	size_t n = 0, skip;

	pthread_mutex_lock(&t->lock);
	if (id) {
		if ((j = bmc_jobs_find(t, id)))
			out = bmc_job_full(t, j);
		pthread_mutex_unlock(&t->lock);
		return out;
	}
	for (j = t->head; j; j = j->next)
		n++;
	skip = n > limit ? n - limit : 0;
	jobs = json_array();
	for (j = t->head; jobs && j; j = j->next)
		if (skip > 0)
			skip--;
		else
			json_array_append_new(jobs, bmc_job_summary(j));
	pthread_mutex_unlock(&t->lock);
	if (jobs)
		out = json_pack("{s:o, s:I}", "jobs", jobs, "total",
				(json_int_t)n);
	return out;
}
