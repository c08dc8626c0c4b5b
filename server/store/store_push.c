/* store_push.c: agents' push state (epoch and sequence) across restarts. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>


#include "store.h"
#include "store_int.h"

int store_push_save(struct store *st, const struct store_push_state *p,
		    size_t n)
{
	struct store_stmt s = { 0 };
	size_t i;
	int rc;

	st = store_hold(st);
	rc = store_begin(st);
	if (rc == 0)
		rc = store_stmt_open(st, &s,
				     "INSERT INTO push_state (id, "
				     "last_seq, pushes, duplicates, gaps, "
				     "replays, generation, epoch) "
				     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
				     "ON CONFLICT (id) DO UPDATE SET "
				     "last_seq = excluded.last_seq, "
				     "pushes = excluded.pushes, "
				     "duplicates = excluded.duplicates, "
				     "gaps = excluded.gaps, "
				     "replays = excluded.replays, "
				     "generation = excluded.generation, "
				     "epoch = excluded.epoch",
				     "preparing push state");
	for (i = 0; rc == 0 && i < n; i++) {
		store_stmt_reset(&s);
		if (store_bind_text(&s, 1, p[i].id) ||
		    store_bind_int(&s, 2, (long long)p[i].last_seq) ||
		    store_bind_int(&s, 3, (long long)p[i].pushes) ||
		    store_bind_int(&s, 4, (long long)p[i].duplicates) ||
		    store_bind_int(&s, 5, (long long)p[i].gaps) ||
		    store_bind_int(&s, 6, (long long)p[i].replays) ||
		    store_bind_int(&s, 7, (long long)p[i].generation) ||
		    store_bind_int(&s, 8, (long long)p[i].epoch) ||
		    store_stmt_step(&s) != 0)
			rc = store_fail(st, "saving push state");
	}
	store_stmt_close(&s);
	if (rc == 0)
		rc = store_commit(st);
	if (rc != 0)
		store_rollback(st);
	st = store_let_go(st);
	/* The pushes replicas took stay bounded (saved every minute). */
	if (rc == 0 && store_shared(st))
		rc = store_push_seen_trim(st);
	return rc;
}

/*
 * Fill the push state at @row from the current row of a push_state
 * query (a store_each_row() filler).
 */
static void store_fill_push(struct store_stmt *s, void *row)
{
	struct store_push_state *p = row;

	store_col_text(s, 0, p->id, sizeof(p->id));
	p->last_seq = (unsigned long long)store_col_int(s, 1);
	p->pushes = (unsigned long long)store_col_int(s, 2);
	p->duplicates = (unsigned long long)store_col_int(s, 3);
	p->gaps = (unsigned long long)store_col_int(s, 4);
	p->replays = (unsigned long long)store_col_int(s, 5);
	p->generation = (unsigned long long)store_col_int(s, 6);
	p->epoch = (unsigned long long)store_col_int(s, 7);
}

/* A list's caller: its callback and context. */
struct store_push_state_lister {
	int (*cb)(void *ctx, const struct store_push_state *row);
	void *ctx;
};

/* Hand one row to the caller (a store_each_row() emit). */
static int store_push_emit(void *ctx, const void *row)
{
	struct store_push_state_lister *q = ctx;

	return q->cb(q->ctx, row);
}

int store_push_load(struct store *st,
		    int (*cb)(void *ctx, const struct store_push_state *p),
		    void *ctx)
{
	struct store_push_state_lister q = { cb, ctx };

	return store_each_row(st,
			      "SELECT id, last_seq, pushes, duplicates, gaps, "
			      "replays, generation, epoch FROM push_state "
			      "ORDER BY id",
			      "reading push state",
			      sizeof(struct store_push_state),
			      store_fill_push, store_push_emit, &q);
}
