/* store_node.c: nodes and their lifecycle state (the one-shot rule's
 * record). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "error.h"
#include "log.h"
#include "store.h"
#include "store_int.h"
#include "utf8.h"

/* ---- nodes ------------------------------------------------------------ */

/* Fill @n from the current row of a NODE_COLS statement. */
static int store_row_node(struct store *st, struct store_stmt *s,
			  struct store_node *n)
{
	long long state = store_col_int(s, 5);

	memset(n, 0, sizeof(*n));
	if (store_col_key(st, s, n->id, sizeof(n->id)) != 0)
		return -PB_ESTORE;
	store_col_text(s, 1, n->mac, sizeof(n->mac));
	store_col_text(s, 2, n->uuid, sizeof(n->uuid));
	store_col_text(s, 3, n->serial, sizeof(n->serial));
	store_col_text(s, 4, n->pod, sizeof(n->pod));
	n->generation = (unsigned int)store_col_int(s, 6);
	n->updated = store_col_int(s, 7);
	/* NODE_BIT() of a wild value would be undefined: refuse it. */
	if (state < 0 || state >= NODE_STATE_COUNT) {
		log_error("%s: node %s has unknown state %lld", st->path,
			  n->id, state);
		return -PB_ESTORE;
	}
	n->state = (enum node_state)state;
	return 0;
}

/* Read node @id; the caller holds the lock. */
static int store_node_read(struct store *st, const char *id,
			   struct store_node *out)
{
	struct store_stmt *s = &st->stmt[STMT_NODE_GET];
	int rc;

	rc = store_first(st, STMT_NODE_GET, store_bind_text(s, 1, id));
	if (rc == 1)
		rc = store_row_node(st, s, out);
	else if (rc == 0)
		rc = -ENOENT;
	store_reset(st, STMT_NODE_GET);
	return rc;
}

/* Insert @n in @state (statement @which decides what a conflict does). */
static int store_node_insert(struct store *st, enum store_stmt_id which,
			     const struct store_node *n, enum node_state state,
			     unsigned int cap)
{
	struct store_stmt *s;
	int rc;

	if (!n || !store_id_valid(n->id) || !FIELD_OK(n->mac) ||
	    !FIELD_OK(n->uuid) || !FIELD_OK(n->serial) || !FIELD_OK(n->pod))
		return -EINVAL;
	st = store_hold(st);
	s = &st->stmt[which];
	/* Bounded inserts (discovery) look first: a machine asking again is
	 * the common case, and needs no count of the others. */
	if (cap && store_node_read(st, n->id, &(struct store_node){ 0 }) == 0) {
		st = store_let_go(st);
		return 1;
	}
	rc = store_write(st, which,
			 store_bind_text(s, 1, n->id) ||
				 store_bind_text(s, 2, n->mac) ||
				 store_bind_text(s, 3, n->uuid) ||
				 store_bind_text(s, 4, n->serial) ||
				 store_bind_text(s, 5, n->pod) ||
				 store_bind_int(s, 6, (int)state) ||
				 store_bind_int(s, 7,
						    (long long)time(NULL)) ||
				 (cap && store_bind_int(s, 8, cap)));
	if (rc == 0 && cap && store_changes(st) == 0)
		rc = -ENOSPC;	/* the bound is reached */
	st = store_let_go(st);
	return rc;
}

int store_node_ensure(struct store *st, const struct store_node *n)
{
	return store_node_insert(st, STMT_NODE_ENSURE, n, NODE_ARMED, 0);
}

int store_node_discover(struct store *st, const struct store_node *n,
			unsigned int max)
{
	return store_node_insert(st, STMT_NODE_DISCOVER, n, NODE_DISCOVERED,
				 max ? max : 1);
}

int store_node_get(struct store *st, const char *id, struct store_node *out)
{
	int rc;

	if (!store_id_valid(id) || !out)
		return -EINVAL;
	st = store_hold(st);
	rc = store_node_read(st, id, out);
	st = store_let_go(st);
	return rc;
}

/*
 * Set node @id's state from @from to @to; the caller holds the lock in a
 * transaction.  Only a row still in @from changes: another replica that
 * moved the node since it was read wins, and this one gets -PB_ESTATE.
 */
static int store_node_set_state(struct store *st, const char *id,
				enum node_state from, enum node_state to,
				long long now, int rearm)
{
	struct store_stmt *s = &st->stmt[STMT_NODE_SET_STATE];
	int rc;

	rc = store_write(st, STMT_NODE_SET_STATE,
			 store_bind_text(s, 1, id) ||
				 store_bind_int(s, 2, (int)to) ||
				 store_bind_int(s, 3, now) ||
				 store_bind_int(s, 4, rearm ? 1 : 0) ||
				 store_bind_int(s, 5, (int)from));
	if (rc == 0 && store_changes(st) != 1)
		rc = -PB_ESTATE;
	return rc;
}

/* The event of a move from @from to @to (because of @why) into @out. */
static void store_move_detail(char *out, size_t size, enum node_state from,
			      enum node_state to, const char *why)
{
	snprintf(out, size, "%s -> %s%s%s", store_state_name(from),
		 store_state_name(to), why && why[0] ? ": " : "",
		 why ? why : "");
}

/*
 * Node @id's move and its event in one transaction of statements (SQLite:
 * no round trips); the caller holds the lock.  As store_node_transition,
 * with @n the row as it is after.
 */
static int store_node_transition_txn(struct store *st, const char *id,
				     unsigned int from_mask,
				     enum node_state to, int rearm,
				     const char *why, long long now,
				     struct store_node *n)
{
	/* Room to spare: the event's cleaning cuts it (see store_event_add). */
	char detail[2 * FIELD_SIZE(struct store_event, detail)];
	int rc, raced = 0;

	rc = store_begin(st);
	if (rc == 0)
		rc = store_node_read(st, id, n);
	if (rc != 0)
		goto out;
	if (!(from_mask & NODE_BIT(n->state))) {
		rc = -PB_ESTATE;
		goto out;
	}
	store_move_detail(detail, sizeof(detail), n->state, to, why);
	rc = store_node_set_state(st, id, n->state, to, now, rearm);
	raced = rc == -PB_ESTATE;
	if (rc == 0)
		rc = store_event_insert(st, now, rearm ? "rearm" : "state", id,
					detail);
	if (rc == 0)
		rc = store_commit(st);
	if (rc == 0) {
		n->state = to;
		n->updated = now;
		n->generation += rearm ? 1 : 0;
	}
out:
	if (rc != 0)
		store_rollback(st);
	/* Another replica changed the node between our read and our
	 * update: @n says what it is now, not what we read. */
	if (raced && store_node_read(st, id, n) != 0)
		rc = -PB_ESTORE;
	return rc;
}

/* PostgreSQL: NODE_SET_STATE and the move's event (?6 kind, ?7 detail)
 * in one statement, which is a transaction of its own.  The row comes
 * back with a last column 1 as moved, or 0 as the statement's snapshot
 * had it when it was not in ?5 (a caller that wanted only to know the
 * state then needs no second read); no row: no such node. */
#define STORE_MOVE_SQL                                                   \
	"WITH moved AS (" NODE_SET_STATE " RETURNING " NODE_COLS "), "  \
	"logged AS (INSERT INTO events (ts, kind, subject, detail) "    \
	"SELECT ?3, ?6, id, ?7 FROM moved) SELECT " NODE_COLS ", 1 "    \
	"FROM moved UNION ALL SELECT " NODE_COLS ", 0 FROM nodes WHERE " \
	"id = ?1 AND NOT EXISTS (SELECT 1 FROM moved)"

/*
 * Move node @id from @from to @to with its event in one round trip (the
 * caller holds the lock): 0 with @n the row as moved; 1 when the row was
 * not in @from (nothing changed), with @n the row as the statement found
 * it; -ENOENT without the row; or -PB_ESTORE (logged).
 */
static int store_node_move(struct store *st, const char *id,
			   enum node_state from, enum node_state to,
			   int rearm, const char *why, long long now,
			   struct store_node *n)
{
	char detail[2 * FIELD_SIZE(struct store_event, detail)];
	char det[FIELD_SIZE(struct store_event, detail)];
	struct store_stmt s = { 0 };
	int rc;

	store_move_detail(detail, sizeof(detail), from, to, why);
	utf8_clean_str(det, sizeof(det), detail);
	rc = store_stmt_open(st, &s, STORE_MOVE_SQL, "moving a node");
	if (rc == 0 && (store_bind_text(&s, 1, id) ||
			store_bind_int(&s, 2, (int)to) ||
			store_bind_int(&s, 3, now) ||
			store_bind_int(&s, 4, rearm ? 1 : 0) ||
			store_bind_int(&s, 5, (int)from) ||
			store_bind_text(&s, 6, rearm ? "rearm" : "state") ||
			store_bind_text(&s, 7, det)))
		rc = store_fail(st, "moving a node");
	if (rc == 0) {
		rc = store_stmt_step(&s);
		if (rc == 1) {
			rc = store_row_node(st, &s, n);
			if (rc == 0 && store_col_int(&s, 8) == 0)
				rc = 1;
		} else if (rc == 0) {
			rc = -ENOENT;
		} else {
			rc = store_fail(st, "moving a node");
		}
	}
	if (rc == 0)
		st->events_added[EVENTS_OTHER]++;
	store_stmt_close(&s);
	return rc;
}

/*
 * Node @id's move on PostgreSQL, each step one round trip (the caller
 * holds the lock); as store_node_transition, with @n the row after.  A
 * move from a single state (the stage2 hand-out: armed only) is tried at
 * once, without reading the row first: a row in another state comes back
 * from the same statement.
 */
static int store_node_transition_one(struct store *st, const char *id,
				     unsigned int from_mask,
				     enum node_state to, int rearm,
				     const char *why, long long now,
				     struct store_node *n)
{
	int single = from_mask && !(from_mask & (from_mask - 1)), rc;

	if (single) {
		rc = store_node_move(st, id,
				     (enum node_state)__builtin_ctz(from_mask),
				     to, rearm, why, now, n);
		/* Found in another state: that is the answer.  Found in the
		 * state to leave, yet not moved: another replica moved it
		 * while this statement ran; read what it is now. */
		if (rc == 1 && !(from_mask & NODE_BIT(n->state)))
			return -PB_ESTATE;
		if (rc == -ENOENT)
			return -ENOENT;
	} else {
		rc = store_node_read(st, id, n);
		if (rc != 0)
			return rc;
		if (!(from_mask & NODE_BIT(n->state)))
			return -PB_ESTATE;
		rc = store_node_move(st, id, n->state, to, rearm, why, now, n);
	}
	if (rc <= 0 && rc != -ENOENT)
		return rc;
	/* Not moved (with several states, another replica moved it, or
	 * forgot it, since our read): @n says what it is now. */
	rc = store_node_read(st, id, n);
	if (rc == 0)
		return -PB_ESTATE;
	return rc == -ENOENT && single ? -ENOENT : -PB_ESTORE;
}

int store_node_transition(struct store *st, const char *id,
			  unsigned int from_mask, enum node_state to,
			  int rearm, const char *why, struct store_node *out)
{
	long long now = (long long)time(NULL);
	struct store_node n;
	int rc;

	if (!store_id_valid(id) || (unsigned int)to >= NODE_STATE_COUNT)
		return -EINVAL;
	memset(&n, 0, sizeof(n));
	st = store_hold(st);
	if (store_shared(st))
		rc = store_node_transition_one(st, id, from_mask, to, rearm,
					       why, now, &n);
	else
		rc = store_node_transition_txn(st, id, from_mask, to, rearm,
					       why, now, &n);
	st = store_let_go(st);
	if (out && (rc == 0 || rc == -PB_ESTATE))
		*out = n;
	return rc;
}

/* Listing nodes: the filter, the cursor and the caller's callback. */
struct store_node_lister {
	struct store_list l;
	char after[FIELD_SIZE(struct store_node, id)];	/* "" first */
	const char *pod;
	int state;
	int (*cb)(void *ctx, const struct store_node *n);
	void *ctx;
};

/* Bind the nodes after the cursor (a store_list bind). */
static int store_node_bind(struct store_list *l, struct store_stmt *s,
			   unsigned int want)
{
	struct store_node_lister *q = (struct store_node_lister *)l;

	return store_bind_text(s, 1, q->after) ||
	       store_bind_text(s, 2, q->pod) ||
	       store_bind_int(s, 3, q->state) ||
	       store_bind_int(s, 4, (int)want);
}

/* One node (a store_list row). */
static int store_node_row(struct store_list *l, struct store *st,
			  struct store_stmt *s, void *row)
{
	(void)l;
	return store_row_node(st, s, row);
}

/* Hand one node to the caller (a store_list emit). */
static int store_node_emit(struct store_list *l, const void *row)
{
	struct store_node_lister *q = (struct store_node_lister *)l;

	return q->cb(q->ctx, row);
}

/* The cursor: the last node's id (a store_list next). */
static void store_node_next(struct store_list *l, const void *row)
{
	struct store_node_lister *q = (struct store_node_lister *)l;
	const struct store_node *last = row;

	snprintf(q->after, sizeof(q->after), "%s", last->id);
}

int store_node_list(struct store *st, const char *pod, int state,
		    int (*cb)(void *ctx, const struct store_node *n),
		    void *ctx)
{
	return store_node_page(st, pod, state, NULL, SIZE_MAX, cb, ctx);
}

int store_node_page(struct store *st, const char *pod, int state,
		    const char *after, size_t limit,
		    int (*cb)(void *ctx, const struct store_node *n),
		    void *ctx)
{
	static const enum store_stmt_id by_filter[2][2] = {
		{ STMT_NODE_LIST, STMT_NODE_LIST_STATE },
		{ STMT_NODE_LIST_POD, STMT_NODE_LIST_POD_STATE },
	};
	struct store_node_lister q = {
		.l = { by_filter[pod != NULL][state >= 0],
		       sizeof(struct store_node), store_node_bind,
		       store_node_row, store_node_emit, store_node_next },
		.pod = pod,
		.state = state,
		.cb = cb,
		.ctx = ctx,
	};

	if (!cb || state < -1 || state >= NODE_STATE_COUNT ||
	    (after && strlen(after) >= sizeof(q.after)))
		return -EINVAL;
	snprintf(q.after, sizeof(q.after), "%s", after ? after : "");
	return store_list_chunks(st, &q.l, limit);
}

int store_node_count(struct store *st, const char *pod, int state,
		     unsigned long long *count)
{
	static const enum store_stmt_id by_filter[2][2] = {
		{ STMT_NODE_COUNT, STMT_NODE_COUNT_STATE },
		{ STMT_NODE_COUNT_POD, STMT_NODE_COUNT_POD_STATE },
	};
	enum store_stmt_id id = by_filter[pod != NULL][state >= 0];
	struct store_stmt *s;
	int rc;

	*count = 0;
	if (state < -1 || state >= NODE_STATE_COUNT)
		return -EINVAL;
	st = store_hold(st);
	s = &st->stmt[id];
	rc = store_first(st, id, (pod && store_bind_text(s, 1, pod)) ||
				 (state >= 0 && store_bind_int(s, 2, state)));
	if (rc == 1 && store_col_int(s, 0) > 0)
		*count = (unsigned long long)store_col_int(s, 0);
	store_reset(st, id);
	st = store_let_go(st);
	return rc < 0 ? rc : 0;
}
