/* claimer.c: the queue and thread of claimer.h.  The thread takes every
 * claim waiting (up to CLAIMER_BATCH) into one store_push_claims() call,
 * so the batch grows with the load by itself: one claim at a time when
 * pushes are few, many per statement when they come faster than one
 * transaction a claim allows.  Before it takes a batch it yields its CPU
 * once: the request threads that are runnable then (parsing pushes whose
 * claims are about to come) queue theirs into this batch instead of the
 * next; with nothing else runnable the yield returns at once, so an idle
 * server pays no wait and there is no timer to tune. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "claimer.h"

/* The most claims one statement takes. */
#define CLAIMER_BATCH 64

struct claimer {
	struct store *st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more;		/* a claim came, or stop */
	struct claimer_item *head, **tail;
	int stopping;
	unsigned long long batches, claims;	/* taken so far */
};

/* Take the claims of list @batch (@n of them) and tell their owners. */
static void claimer_run(struct claimer *cl, struct claimer_item *batch,
			size_t n)
{
	struct store_push_claim c[CLAIMER_BATCH];
	struct claimer_item *it, *next;
	size_t i;

	for (it = batch, i = 0; i < n; it = it->next, i++)
		c[i] = it->c;
	store_push_claims(cl->st, c, n);
	for (it = batch, i = 0; i < n; it = next, i++) {
		next = it->next;
		it->c.rc = c[i].rc;
		it->done(it->arg);
	}
}

/* The thread: batches until stopped with nothing queued. */
static void *claimer_thread(void *arg)
{
	struct claimer *cl = arg;
	struct claimer_item *batch, *it;
	size_t n;

	pthread_mutex_lock(&cl->lock);
	for (;;) {
		while (!cl->head && !cl->stopping)
			pthread_cond_wait(&cl->more, &cl->lock);
		if (!cl->head)
			break;
		/* Let the pushes being parsed join (the header's yield). */
		pthread_mutex_unlock(&cl->lock);
		sched_yield();
		pthread_mutex_lock(&cl->lock);
		batch = it = cl->head;
		for (n = 1; it->next && n < CLAIMER_BATCH; n++)
			it = it->next;
		cl->head = it->next;
		if (!cl->head)
			cl->tail = &cl->head;
		it->next = NULL;
		cl->batches++;
		cl->claims += n;
		pthread_mutex_unlock(&cl->lock);
		claimer_run(cl, batch, n);
		pthread_mutex_lock(&cl->lock);
	}
	pthread_mutex_unlock(&cl->lock);
	return NULL;
}

int claimer_start(struct claimer **out, struct store *st)
{
	struct claimer *cl = calloc(1, sizeof(*cl));

	*out = NULL;
	if (!cl)
		return -ENOMEM;
	cl->st = st;
	cl->tail = &cl->head;
	pthread_mutex_init(&cl->lock, NULL);
	pthread_cond_init(&cl->more, NULL);
	if (pthread_create(&cl->thread, NULL, claimer_thread, cl) != 0) {
		pthread_cond_destroy(&cl->more);
		pthread_mutex_destroy(&cl->lock);
		free(cl);
		return -EAGAIN;
	}
	*out = cl;
	return 0;
}

int claimer_submit(struct claimer *cl, struct claimer_item *it)
{
	if (!cl)
		return -ESHUTDOWN;
	it->next = NULL;
	pthread_mutex_lock(&cl->lock);
	if (cl->stopping) {
		pthread_mutex_unlock(&cl->lock);
		return -ESHUTDOWN;
	}
	*cl->tail = it;
	cl->tail = &it->next;
	pthread_cond_signal(&cl->more);
	pthread_mutex_unlock(&cl->lock);
	return 0;
}

void claimer_counts(struct claimer *cl, unsigned long long *batches,
		    unsigned long long *claims)
{
	*batches = *claims = 0;
	if (!cl)
		return;
	pthread_mutex_lock(&cl->lock);
	*batches = cl->batches;
	*claims = cl->claims;
	pthread_mutex_unlock(&cl->lock);
}

int claimer_expose(struct claimer *cl, struct pbuf *out)
{
	unsigned long long batches, claims;

	if (!cl)
		return 0;
	claimer_counts(cl, &batches, &claims);
	return pbuf_printf(out,
			   "# HELP podboot_push_claim_batches_total Statements "
			   "that claimed pushes in the shared store.\n"
			   "# TYPE podboot_push_claim_batches_total counter\n"
			   "podboot_push_claim_batches_total %llu\n"
			   "# HELP podboot_push_claims_total Push claims those "
			   "statements held.\n"
			   "# TYPE podboot_push_claims_total counter\n"
			   "podboot_push_claims_total %llu\n",
			   batches, claims);
}

void claimer_stop(struct claimer *cl)
{
	if (!cl)
		return;
	pthread_mutex_lock(&cl->lock);
	cl->stopping = 1;
	pthread_cond_signal(&cl->more);
	pthread_mutex_unlock(&cl->lock);
	pthread_join(cl->thread, NULL);
	pthread_cond_destroy(&cl->more);
	pthread_mutex_destroy(&cl->lock);
	free(cl);
}
