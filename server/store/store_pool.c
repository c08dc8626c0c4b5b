/* store_pool.c: PostgreSQL sessions beside the store's own connection,
 * so that the HTTP threads of one replica do not queue on one connection.
 * Each session is a store of its own (connection, prepared statements,
 * open transaction) that one thread holds at a time: a transaction never
 * leaves its connection.  SQLite has no sessions: its one connection is
 * the store itself.  The refusal table and event limits stay with the
 * store (sessions get the limits copied). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "store.h"
#include "store_int.h"

/* Sessions per store: as many as libmicrohttpd's default threads (two
 * per processor), at least 2, at most STORE_POOL_MAX. */
#define STORE_POOL_MAX 8

struct store *store_hold(struct store *st)
{
	unsigned int i;

	if (!st->n_pool) {
		pthread_mutex_lock(&st->lock);
		return st;
	}
	pthread_mutex_lock(&st->pool_lock);
	for (;;) {
		for (i = 0; i < st->n_pool; i++)
			if (!st->pool[i]->pool_busy)
				break;
		if (i < st->n_pool)
			break;
		pthread_cond_wait(&st->pool_free, &st->pool_lock);
	}
	st->pool[i]->pool_busy = 1;
	pthread_mutex_unlock(&st->pool_lock);
	pthread_mutex_lock(&st->pool[i]->lock);
	return st->pool[i];
}

struct store *store_let_go(struct store *s)
{
	struct store *top = s->top;

	pthread_mutex_unlock(&s->lock);
	if (!top)
		return s;
	pthread_mutex_lock(&top->pool_lock);
	s->pool_busy = 0;
	pthread_cond_signal(&top->pool_free);
	pthread_mutex_unlock(&top->pool_lock);
	return top;
}

void store_pool_limits(struct store *st)
{
	unsigned int i;

	for (i = 0; i < st->n_pool; i++) {
		pthread_mutex_lock(&st->pool[i]->lock);
		memcpy(st->pool[i]->events_keep, st->events_keep,
		       sizeof(st->events_keep));
		pthread_mutex_unlock(&st->pool[i]->lock);
	}
}

/* Close session @s (its password and URL are the store's). */
static void store_session_close(struct store *s)
{
	s->password = NULL;
	s->url = NULL;
	store_close(s);
}

/*
 * A new session of @top, connected and prepared (with @generic, its
 * statements planned once: store_pg.c): 0, -ENOMEM or -PB_ESTORE
 * (logged).
 */
static int store_session_open(struct store *top, struct store **out,
			      int generic)
{
	struct store *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return -ENOMEM;
	}
	s->be = top->be;
	s->top = top;
	s->generic_plans = generic;
	s->url = top->url;
	s->password = top->password;
	s->version = top->version;
	memcpy(s->events_keep, top->events_keep, sizeof(s->events_keep));
	s->refusals_per_window = top->refusals_per_window;
	s->refusal_window_s = top->refusal_window_s;
	rc = s->be->open(s, NULL);
	if (rc == 0)
		rc = store_prepare(s);
	if (rc != 0) {
		store_session_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

int store_pool_open(struct store *st)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int n = cpus < 1 ? 2 : (unsigned int)(2 * cpus), i;
	int rc = 0;

	if (st->be != &store_pg_backend)
		return 0;
	if (n > STORE_POOL_MAX)
		n = STORE_POOL_MAX;
	st->pool = calloc(n, sizeof(*st->pool));
	if (!st->pool)
		return -ENOMEM;
	if (pthread_mutex_init(&st->pool_lock, NULL) != 0) {
		free(st->pool);
		st->pool = NULL;
		return -ENOMEM;
	}
	pthread_cond_init(&st->pool_free, NULL);
	for (i = 0; i < n && rc == 0; i++)
		rc = store_session_open(st, &st->pool[i], 0);
	st->n_pool = rc == 0 ? n : i - 1;
	if (rc == 0)
		rc = store_session_open(st, &st->claims, 1);
	if (rc != 0) {
		store_pool_close(st);
		return rc;
	}
	log_debug("%s: %u sessions", st->path, n);
	return 0;
}

void store_pool_close(struct store *st)
{
	unsigned int i;

	if (!st->pool)
		return;
	for (i = 0; i < st->n_pool; i++)
		store_session_close(st->pool[i]);
	if (st->claims)
		store_session_close(st->claims);
	st->claims = NULL;
	free(st->pool);
	st->pool = NULL;
	st->n_pool = 0;
	pthread_cond_destroy(&st->pool_free);
	pthread_mutex_destroy(&st->pool_lock);
}
