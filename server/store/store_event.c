/* store_event.c: the audit trail: events, coalesced refusals, retention. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "redact.h"
#include "store.h"
#include "store_int.h"
#include "utf8.h"

/* ---- events ----------------------------------------------------------- */

/* The retention class of events of @kind: refusals are kept apart. */
static enum store_event_class store_event_class(const char *kind)
{
	return strcmp(kind, "refusal") == 0 ? EVENTS_REFUSAL : EVENTS_OTHER;
}

/* Unix seconds as ISO-8601 UTC, or the number if unrepresentable. */
static void store_iso(long long when, char out[32])
{
	time_t t = (time_t)when;
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "%lld", when);
}

/* Insert one event, its text cleaned; the caller holds the lock. */
int store_event_insert(struct store *st, long long ts,
		       const char *kind, const char *subject,
		       const char *detail)
{
	char k[FIELD_SIZE(struct store_event, kind)];
	char sub[FIELD_SIZE(struct store_event, subject)];
	char det[FIELD_SIZE(struct store_event, detail)];
	struct store_stmt *s = &st->stmt[STMT_EVENT_ADD];
	int rc;

	utf8_clean_str(k, sizeof(k), kind);
	utf8_clean_str(sub, sizeof(sub), subject);
	utf8_clean_str(det, sizeof(det), detail);
	rc = store_write(st, STMT_EVENT_ADD,
			 store_bind_int(s, 1, ts) ||
				 store_bind_text(s, 2, k) ||
				 store_bind_text(s, 3, sub) ||
				 store_bind_text(s, 4, det));
	if (rc == 0)
		st->events_added[store_event_class(k)]++;
	return rc;
}

/*
 * Bounded audit trail: once a hundredth of a class's limit has been added,
 * delete that class's events beyond its newest events_keep.  The classes
 * are pruned apart, so refusals never push other events out.  The caller
 * holds the lock; a failure is logged and the prune retried next time.
 */
static void store_event_retain(struct store *st)
{
	static const enum store_stmt_id trim[EVENTS_CLASSES] = {
		[EVENTS_OTHER] = STMT_EVENT_TRIM,
		[EVENTS_REFUSAL] = STMT_EVENT_TRIM_REFUSALS,
	};
	int c;

	for (c = 0; c < EVENTS_CLASSES; c++) {
		if (st->events_added[c] < st->events_keep[c] / 100 + 1)
			continue;
		st->events_added[c] = 0;
		store_write(st, trim[c],
			    store_bind_int(&st->stmt[trim[c]], 1,
					       st->events_keep[c] - 1));
	}
}

/* Whether @slot's window has ended at @now (a clock set back ends it). */
static int store_refusal_ended(const struct store *st,
			       const struct store_refusal_slot *slot,
			       long long now)
{
	return now < slot->start || now - slot->start >= st->refusal_window_s;
}

/* Sum up what @slot suppressed, if anything, in one event and free the
 * slot; the caller holds the lock. */
static void store_refusal_close(struct store *st,
				struct store_refusal_slot *slot, long long now)
{
	char detail[FIELD_SIZE(struct store_event, detail)];
	char from[32], last[32];
	int shared = slot == &st->refusals[STORE_REFUSAL_ADDRS];

	if (slot->suppressed > 0) {
		store_iso(slot->start, from);
		store_iso(slot->last, last);
		snprintf(detail, sizeof(detail),
			 "%llu more refusals from %s suppressed (%u recorded "
			 "one by one in the %u s from %s; the last at %s)",
			 slot->suppressed,
			 shared ? "other addresses" : slot->addr,
			 slot->recorded, st->refusal_window_s, from, last);
		store_event_insert(st, now, "refusal", slot->addr, detail);
	}
	memset(slot, 0, sizeof(*slot));
}

/* Close the slots whose window has ended at @now, or all of them with
 * @all; the caller holds the lock. */
void store_refusal_sweep(struct store *st, long long now, int all)
{
	size_t i;

	for (i = 0; i <= STORE_REFUSAL_ADDRS; i++)
		if (st->refusals[i].addr[0] &&
		    (all || store_refusal_ended(st, &st->refusals[i], now)))
			store_refusal_close(st, &st->refusals[i], now);
}

/*
 * The slot counting @client's refusals: its own, else a free one, else
 * (every slot is in an open window) the shared last one, subject "*".
 * Ended windows are swept first, so a slot found is current.  The caller
 * holds the lock.
 */
static struct store_refusal_slot *store_refusal_slot(struct store *st,
						     const char *client,
						     long long now)
{
	struct store_refusal_slot *slot, *free_slot = NULL;
	size_t i;

	for (i = 0; i < STORE_REFUSAL_ADDRS; i++) {
		slot = &st->refusals[i];
		if (!slot->addr[0]) {
			if (!free_slot)
				free_slot = slot;
		} else if (strncmp(slot->addr, client,
				   sizeof(slot->addr) - 1) == 0) {
			return slot;	/* (an address too long is cut) */
		}
	}
	slot = free_slot ? free_slot : &st->refusals[STORE_REFUSAL_ADDRS];
	if (!slot->addr[0]) {
		snprintf(slot->addr, sizeof(slot->addr), "%s",
			 free_slot ? client : "*");
		slot->start = now;
	}
	return slot;
}

void store_set_event_limit(struct store *st, unsigned int keep)
{
	pthread_mutex_lock(&st->lock);
	st->events_keep[EVENTS_OTHER] = keep ? keep : 1;
	pthread_mutex_unlock(&st->lock);
	store_pool_limits(st);
}

void store_set_refusal_limit(struct store *st, unsigned int keep,
			     unsigned int per_window, unsigned int window_s)
{
	pthread_mutex_lock(&st->lock);
	if (keep)
		st->events_keep[EVENTS_REFUSAL] = keep;
	if (per_window)
		st->refusals_per_window = per_window;
	if (window_s)
		st->refusal_window_s = window_s;
	pthread_mutex_unlock(&st->lock);
	store_pool_limits(st);
}

int store_event_add(struct store *st, const char *kind, const char *subject,
		    const char *detail_fmt, ...)
{
	/* Twice the field: cleaning, not formatting, decides where text is
	 * cut (on a character boundary). */
	char detail[2 * FIELD_SIZE(struct store_event, detail)];
	char subj[2 * FIELD_SIZE(struct store_event, subject)];
	long long now = (long long)time(NULL);
	va_list ap;
	int rc;

	if (!kind || !subject || !detail_fmt)
		return -EINVAL;
	va_start(ap, detail_fmt);
	vsnprintf(detail, sizeof(detail), detail_fmt, ap);
	va_end(ap);
	snprintf(subj, sizeof(subj), "%s", subject);
	/* The audit trail is read with a status token: no secret in it. */
	redact_secrets(detail);
	redact_secrets(subj);
	pthread_mutex_lock(&st->lock);
	store_refusal_sweep(st, now, 0);
	rc = store_event_insert(st, now, kind, subj, detail);
	store_event_retain(st);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int store_refusal_add(struct store *st, const char *client,
		      const char *detail_fmt, ...)
{
	char detail[2 * FIELD_SIZE(struct store_event, detail)];
	long long now = (long long)time(NULL);
	struct store_refusal_slot *slot;
	va_list ap;
	int rc = 0;

	if (!client || !detail_fmt)
		return -EINVAL;
	if (!client[0])
		client = "?";	/* "" marks a free slot */
	va_start(ap, detail_fmt);
	vsnprintf(detail, sizeof(detail), detail_fmt, ap);
	va_end(ap);
	redact_secrets(detail);		/* refused paths may carry tokens */
	pthread_mutex_lock(&st->lock);
	store_refusal_sweep(st, now, 0);
	slot = store_refusal_slot(st, client, now);
	if (slot->recorded < st->refusals_per_window) {
		slot->recorded++;
		rc = store_event_insert(st, now, "refusal", client, detail);
	} else {
		slot->suppressed++;
		slot->last = now;
	}
	store_event_retain(st);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* Copy an event's text column, cleaned as store_event_insert cleans: a
 * row an older podboot wrote may hold any bytes. */
static void store_col_event_text(struct store_stmt *s, int col, char *buf,
				 size_t size)
{
	int len = 0;
	const char *text = store_col_raw(s, col, &len);

	utf8_clean(buf, size, text ? text : "",
			 text && len > 0 ? (size_t)len : 0);
}

/* Fill @e from the current row of the event list. */
static void store_row_event(struct store_stmt *s, struct store_event *e)
{
	e->id = store_col_int(s, 0);
	e->ts = store_col_int(s, 1);
	store_col_event_text(s, 2, e->kind, sizeof(e->kind));
	store_col_event_text(s, 3, e->subject, sizeof(e->subject));
	store_col_event_text(s, 4, e->detail, sizeof(e->detail));
}

/* Listing events: the cursor and the caller's callback. */
struct store_event_lister {
	struct store_list l;
	long long after;		/* the last id seen */
	const char *kind, *subject;	/* store_event_list_by()'s filter */
	int (*cb)(void *ctx, const struct store_event *e);
	void *ctx;
};

/* Bind the events after the cursor (a store_list bind). */
static int store_event_bind(struct store_list *l, struct store_stmt *s,
			    unsigned int want)
{
	struct store_event_lister *q = (struct store_event_lister *)l;

	return store_bind_int(s, 1, q->after) ||
	       store_bind_int(s, 2, want) ||
	       (q->kind && store_bind_text(s, 3, q->kind)) ||
	       (q->subject && store_bind_text(s, 4, q->subject));
}

/* One event (a store_list row); always 0. */
static int store_event_row(struct store_list *l, struct store *st,
			   struct store_stmt *s, void *row)
{
	(void)l;
	(void)st;
	store_row_event(s, row);
	return 0;
}

/* Hand one event to the caller (a store_list emit). */
static int store_event_emit(struct store_list *l, const void *row)
{
	struct store_event_lister *q = (struct store_event_lister *)l;

	return q->cb(q->ctx, row);
}

/* The cursor: the last event's id (a store_list next). */
static void store_event_next(struct store_list *l, const void *row)
{
	struct store_event_lister *q = (struct store_event_lister *)l;
	const struct store_event *last = row;

	q->after = last->id;
}

/*
 * Every list function reads STORE_CHUNK rows at a time under the lock and
 * calls back with the lock released (store_list_chunks()): a slow
 * callback (a client reading JSON) never stalls the boot path, and a
 * callback may use the store.
 */
int store_event_list(struct store *st, long long after, unsigned int limit,
		     int (*cb)(void *ctx, const struct store_event *e),
		     void *ctx)
{
	struct store_event_lister q = {
		.l = { STMT_EVENT_LIST, sizeof(struct store_event),
		       store_event_bind, store_event_row, store_event_emit,
		       store_event_next },
		.after = after,
		.cb = cb,
		.ctx = ctx,
	};

	if (!cb)
		return -EINVAL;
	/* A reader sees the summary of a refusal window that has ended. */
	pthread_mutex_lock(&st->lock);
	store_refusal_sweep(st, (long long)time(NULL), 0);
	pthread_mutex_unlock(&st->lock);
	return store_list_chunks(st, &q.l, limit);
}

/* Declared in store.h: as store_event_list(), on the statement of the
 * filter given: a kind walks its class's index (migration 5), refusal or
 * not, so a flood of refusals is never scanned for uploads. */
int store_event_list_by(struct store *st, const char *kind,
			const char *subject, long long after,
			unsigned int limit,
			int (*cb)(void *ctx, const struct store_event *e),
			void *ctx)
{
	struct store_event_lister q = {
		.l = { !kind ? STMT_EVENT_LIST_SUBJECT :
		       strcmp(kind, "refusal") == 0 ? STMT_EVENT_LIST_REFUSALS :
						      STMT_EVENT_LIST_KIND,
		       sizeof(struct store_event), store_event_bind,
		       store_event_row, store_event_emit, store_event_next },
		.after = after, .kind = kind, .subject = subject,
		.cb = cb, .ctx = ctx,
	};

	if (!cb || (!kind && !subject))
		return -EINVAL;
	pthread_mutex_lock(&st->lock);
	store_refusal_sweep(st, (long long)time(NULL), 0);
	pthread_mutex_unlock(&st->lock);
	return store_list_chunks(st, &q.l, limit);
}

/* Declared in store.h: max(id) of the events table, through its key. */
int store_event_last_id(struct store *st, long long *id)
{
	struct store_stmt *s = &st->stmt[STMT_EVENT_LAST];
	int rc;

	*id = 0;
	st = store_hold(st);
	s = &st->stmt[STMT_EVENT_LAST];
	rc = store_first(st, STMT_EVENT_LAST, 0);
	if (rc == 1)
		*id = store_col_int(s, 0);
	store_reset(st, STMT_EVENT_LAST);
	store_let_go(st);
	return rc < 0 ? rc : 0;
}
