/* store_push.c: agents' push state (epoch and sequence) across restarts. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

int store_push_save(struct store *st, const struct store_push_state *p,
		    size_t n)
{
	sqlite3_stmt *s = NULL;
	size_t i;
	int rc;

	pthread_mutex_lock(&st->lock);
	rc = store_begin(st);
	if (rc == 0 &&
	    sqlite3_prepare_v2(st->db,
			       "INSERT OR REPLACE INTO push_state (id, "
			       "last_seq, pushes, duplicates, gaps, replays, "
			       "generation, epoch) "
			       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
			       -1, &s, NULL) != SQLITE_OK)
		rc = store_fail(st, "preparing push state");
	for (i = 0; rc == 0 && i < n; i++) {
		sqlite3_reset(s);
		if (store_bind_text(s, 1, p[i].id) ||
		    sqlite3_bind_int64(s, 2, (sqlite3_int64)p[i].last_seq) ||
		    sqlite3_bind_int64(s, 3, (sqlite3_int64)p[i].pushes) ||
		    sqlite3_bind_int64(s, 4, (sqlite3_int64)p[i].duplicates) ||
		    sqlite3_bind_int64(s, 5, (sqlite3_int64)p[i].gaps) ||
		    sqlite3_bind_int64(s, 6, (sqlite3_int64)p[i].replays) ||
		    sqlite3_bind_int64(s, 7, (sqlite3_int64)p[i].generation) ||
		    sqlite3_bind_int64(s, 8, (sqlite3_int64)p[i].epoch) ||
		    sqlite3_step(s) != SQLITE_DONE)
			rc = store_fail(st, "saving push state");
	}
	sqlite3_finalize(s);
	if (rc == 0)
		rc = store_commit(st);
	if (rc != 0)
		store_rollback(st);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/*
 * Fill the push state at @row from the current row of a push_state
 * query (a store_each_row() filler).
 */
static void store_fill_push(sqlite3_stmt *s, void *row)
{
	struct store_push_state *p = row;

	store_col_text(s, 0, p->id, sizeof(p->id));
	p->last_seq = (unsigned long long)sqlite3_column_int64(s, 1);
	p->pushes = (unsigned long long)sqlite3_column_int64(s, 2);
	p->duplicates = (unsigned long long)sqlite3_column_int64(s, 3);
	p->gaps = (unsigned long long)sqlite3_column_int64(s, 4);
	p->replays = (unsigned long long)sqlite3_column_int64(s, 5);
	p->generation = (unsigned long long)sqlite3_column_int64(s, 6);
	p->epoch = (unsigned long long)sqlite3_column_int64(s, 7);
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
