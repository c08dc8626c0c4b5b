/* store_assign.c: nodes assigned at run time, kept across restarts. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "error.h"
#include "store.h"
#include "store_int.h"

/*
 * Fill the assignment at @row from the current row of an assignment
 * query (a store_each_row() filler).
 */
static void store_fill_assign(struct store_stmt *s, void *row)
{
	struct store_assignment *a = row;

	store_col_text(s, 0, a->mac, sizeof(a->mac));
	store_col_text(s, 1, a->hostname, sizeof(a->hostname));
	store_col_text(s, 2, a->pod, sizeof(a->pod));
	store_col_text(s, 3, a->profile, sizeof(a->profile));
	store_col_text(s, 4, a->address, sizeof(a->address));
}

/*
 * One statement of an assignment transaction.  Its parameters, as many as
 * @sql names: ?1 hostname, ?2 MAC, ?3 pod, ?4 now, ?5 profile, ?6 address
 * (from @a), ?7 the armed state.  A row fills @out (an assignment) or
 * @state (a node's state); -ENOENT when @out wants a row and there is
 * none; -EEXIST for a constraint.
 */
static int store_assign_step(struct store *st, const char *sql,
			     const struct store_assignment *a,
			     struct store_assignment *out, int *state)
{
	const char *text[] = { a->hostname, a->mac, a->pod, NULL, a->profile,
			       a->address };
	struct store_stmt s;
	int rc, step, i;

	rc = store_stmt_open(st, &s, sql, "preparing an assignment change");
	/* Each backend passes on only the parameters @sql names. */
	for (i = 1; rc == 0 && i <= 7; i++) {
		if (i == 4 ? store_bind_int(&s, i, (long long)time(NULL)) :
		    i == 7 ? store_bind_int(&s, i, NODE_ARMED) :
		    store_bind_text(&s, i, text[i - 1]))
			rc = store_fail(st, "binding an assignment change");
	}
	if (rc == 0) {
		step = store_stmt_step(&s);
		if (step == 1 && out) {
			store_fill_assign(&s, out);
		} else if (step == 1 && state) {
			*state = (int)store_col_int(&s, 0);
		} else if (step == 0 && out) {
			rc = -ENOENT;	/* no such assignment */
		} else if (step == -EEXIST) {
			rc = -EEXIST;
		} else if (step < 0) {
			rc = store_fail(st, "changing an assignment");
		}
	}
	store_stmt_close(&s);
	return rc;
}

/* Hold a connection of *@st (*@st becomes it) and open an assignment
 * transaction on it; store_assign_end() closes it. */
static int store_assign_begin(struct store **st)
{
	*st = store_hold(*st);
	return store_begin(*st);
}

/* Commit or roll back the open transaction by @rc; let the connection
 * go; @rc. */
static int store_assign_end(struct store *st, int rc)
{
	if (rc == 0)
		rc = store_commit(st);
	if (rc != 0)
		store_rollback(st);
	store_let_go(st);
	return rc;
}

int store_assign_add(struct store *st, const struct store_assignment *a)
{
	int rc;

	rc = store_assign_begin(&st);
	if (rc == 0)
		rc = store_assign_step(st,
				       "INSERT INTO assignments (hostname, mac, "
				       "pod, created, profile, address) "
				       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
				       a, NULL, NULL);
	/* A row left by an earlier life of this hostname (unassigned, or
	 * removed from the file) starts over: armed, and a new generation,
	 * so that no token of that life is valid for this machine. */
	if (rc == 0)
		rc = store_assign_step(st,
				       "UPDATE nodes SET mac = ?2, pod = ?3, "
				       "uuid = '', serial = '', state = ?7, "
				       "generation = generation + 1, "
				       "updated = ?4 WHERE id = ?1",
				       a, NULL, NULL);
	return store_assign_end(st, rc);
}

int store_assign_remove(struct store *st, const char *hostname,
			struct store_assignment *out)
{
	struct store_assignment key, found;
	int rc, state = -1;

	memset(&key, 0, sizeof(key));
	memset(&found, 0, sizeof(found));
	snprintf(key.hostname, sizeof(key.hostname), "%s", hostname);
	rc = store_assign_begin(&st);
	if (rc == 0)
		rc = store_assign_step(st,
				       "SELECT mac, hostname, pod, profile, "
				       "address FROM assignments "
				       "WHERE hostname = ?1",
				       &key, &found, NULL);
	if (rc == 0)
		rc = store_assign_step(st,
				       "SELECT state FROM nodes "
				       "WHERE id = ?1 AND mac = ?2",
				       &found, NULL, &state);
	if (rc == 0 && state == NODE_INSTALLING)
		rc = -PB_ESTATE;
	if (rc == 0)
		rc = store_assign_step(st,
				       "DELETE FROM assignments "
				       "WHERE hostname = ?1",
				       &found, NULL, NULL);
	/* The row stays (its events and generation with it); the new
	 * generation revokes the machine's tokens now. */
	if (rc == 0)
		rc = store_assign_step(st,
				       "UPDATE nodes SET "
				       "generation = generation + 1, "
				       "updated = ?4 WHERE id = ?1 AND mac = ?2",
				       &found, NULL, NULL);
	if (rc == 0 && out)
		*out = found;
	return store_assign_end(st, rc);
}

/* A list's caller: its callback and context. */
struct store_assignment_lister {
	int (*cb)(void *ctx, const struct store_assignment *row);
	void *ctx;
};

/* Hand one row to the caller (a store_each_row() emit). */
static int store_assign_emit(void *ctx, const void *row)
{
	struct store_assignment_lister *q = ctx;

	return q->cb(q->ctx, row);
}

int store_assign_list(struct store *st,
		      int (*cb)(void *ctx, const struct store_assignment *a),
		      void *ctx)
{
	struct store_assignment_lister q = { cb, ctx };

	return store_each_row(st,
			      "SELECT mac, hostname, pod, profile, address "
			      "FROM assignments ORDER BY created, mac",
			      "reading assignments",
			      sizeof(struct store_assignment),
			      store_fill_assign, store_assign_emit, &q);
}
