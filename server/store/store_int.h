/* store_int.h: what the files of the store share, and nothing else
 * includes: the connection, its statements, the SQL helpers, and the
 * table of operations each backend (SQLite, PostgreSQL) provides. */
#ifndef PODBOOT_STORE_INT_H
#define PODBOOT_STORE_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "datadir.h"
#include "store.h"

/*
 * The audit trail keeps the newest STORE_EVENTS_KEEP events other than
 * refusals and, apart from them, the newest STORE_REFUSALS_KEEP refusals:
 * refusals, which anyone can cause, never push other events out.
 */
#define STORE_EVENTS_KEEP 100000
#define STORE_REFUSALS_KEEP 20000
/* Refusals recorded one by one per client address and window. */
#define STORE_REFUSALS_PER_WINDOW 10
#define STORE_REFUSAL_WINDOW_S 60
#define STORE_DB_NAME DATADIR_DB
/* How long a statement waits for another process's lock, in ms. */
#define STORE_BUSY_MS 5000
/* Rows a list function reads per hold of the lock; see store_node_list. */
#define STORE_CHUNK 64
#define STORE_SHA256_LEN 64

#define FIELD_SIZE(type, field) sizeof(((type *)0)->field)
/* A fixed-size string field holds its NUL. */
#define FIELD_OK(f) (memchr((f), '\0', sizeof(f)) != NULL)

enum store_stmt_id {
	STMT_NODE_GET,
	STMT_NODE_ENSURE,
	STMT_NODE_DISCOVER,
	STMT_NODE_SET_STATE,
	STMT_NODE_LIST,
	STMT_NODE_LIST_POD,
	STMT_NODE_LIST_STATE,
	STMT_NODE_LIST_POD_STATE,
	STMT_NODE_COUNT,
	STMT_NODE_COUNT_POD,
	STMT_NODE_COUNT_STATE,
	STMT_NODE_COUNT_POD_STATE,
	STMT_ARTIFACT_ADD,
	STMT_ARTIFACT_DOOMED,
	STMT_ARTIFACT_PRUNE,
	STMT_ARTIFACT_CURRENT,
	STMT_ARTIFACT_BY_SHA,
	STMT_ARTIFACT_LIST,
	STMT_ARTIFACT_RESIGNED,
	STMT_EVENT_ADD,
	STMT_EVENT_LIST,
	STMT_EVENT_LIST_KIND,
	STMT_EVENT_LIST_REFUSALS,
	STMT_EVENT_LIST_SUBJECT,
	STMT_EVENT_TRIM,
	STMT_EVENT_TRIM_REFUSALS,
	STMT_EVENT_LAST,
	STMT_COUNT
};

/* A node's columns, in the order store_row_node() reads them. */
#define NODE_COLS "id, mac, uuid, serial, pod, state, generation, updated"
/* A node's move from state ?5 to ?2 at ?3 (generation + ?4): only from
 * the state just read, so that of two replicas handing out the same armed
 * node one changes no row.  STMT_NODE_SET_STATE, and the PostgreSQL
 * one-statement move of store_node.c. */
#define NODE_SET_STATE \
	"UPDATE nodes SET state = ?2, updated = ?3, " \
	"generation = generation + ?4 WHERE id = ?1 AND state = ?5"

/* The two classes of events, each with its own retention. */
enum store_event_class {
	EVENTS_OTHER,
	EVENTS_REFUSAL,
	EVENTS_CLASSES
};

/* The most parameters (?1 .. ?N) a statement takes. */
#define STORE_PARAMS 12

/*
 * One statement of either backend.  Parameters are kept here until the
 * statement first runs: text by pointer (it must outlive the run, as
 * SQLite's SQLITE_STATIC), numbers by value.  @h is the backend's handle
 * (a prepared sqlite3_stmt, or the SQL in PostgreSQL's dialect), @res its
 * result rows (PostgreSQL) and @row the current one.
 */
struct store_stmt {
	struct store *st;
	const char *what;
	void *h;
	void *res;
	int row;
	int started;
	int nparams;		/* the highest ?N bound */
	const char *text[STORE_PARAMS];
	long long num[STORE_PARAMS];
	unsigned char kind[STORE_PARAMS];	/* STORE_P_NULL, _TEXT, _INT */
};

enum { STORE_P_NULL, STORE_P_TEXT, STORE_P_INT };

/*
 * What differs between SQLite and PostgreSQL, and nothing else: the SQL
 * (schema, migrations, statements) is written once, in store.c, and each
 * backend turns it into its dialect.  Every function returns 0 or a
 * negative error unless said otherwise.
 */
struct store_backend {
	const char *name;
	/* Connect (and check what is there) for store_open(). */
	int (*open)(struct store *st, const char *data_dir);
	void (*close)(struct store *st);
	/* Run SQL without rows; -PB_ESTORE (not logged). */
	int (*exec)(struct store *st, const char *sql);
	const char *(*errmsg)(struct store *st);
	int (*in_txn)(struct store *st);
	const char *begin_sql;
	/* Prepare @sql (store.c's dialect) into @s->h. */
	int (*prepare)(struct store *st, struct store_stmt *s,
		       const char *sql);
	/* 1 for a row, 0 when done, -EEXIST (a constraint), -PB_ESTORE. */
	int (*step)(struct store_stmt *s);
	void (*reset)(struct store_stmt *s);
	void (*finalize)(struct store_stmt *s);
	/* Column @col of the current row: its text (NULL for NULL) and
	 * length in bytes. */
	const char *(*col)(struct store_stmt *s, int col, int *len);
	/* Rows the last write statement changed. */
	long long (*changes)(struct store *st);
	/* The schema version, read and written inside the migration's
	 * transaction; the lock keeps other processes from migrating. */
	int (*version_get)(struct store *st, long long *v);
	int (*version_set)(struct store *st, long long v);
	int (*migrate_lock)(struct store *st, int on);
	/* A migration step in this dialect; the caller frees it. */
	char *(*dialect)(const char *sql);
	/* Keep other connections' writes out of @table until the open
	 * transaction ends (SQLite's BEGIN IMMEDIATE already does). */
	int (*lock)(struct store *st, const char *table);
	/* Ask for (or stop asking for) commits that survive a power cut. */
	int (*durable)(struct store *st, int on);
};

extern const struct store_backend store_sqlite_backend;
extern const struct store_backend store_pg_backend;

/* One client address's refusals in its current window. */
struct store_refusal_slot {
	char addr[64];		/* "" while the slot is free */
	long long start;	/* the window's first refusal, unix seconds */
	long long last;		/* its latest suppressed refusal */
	unsigned int recorded;	/* refusal events written one by one */
	unsigned long long suppressed;	/* only counted so far */
};

/*
 * One connection (SQLite's own locking off): @lock serialises every use
 * of @db, @stmt and the refusal table, and is never held while calling
 * back into the caller, so callbacks may use the store.  @path names the
 * store in log lines (the database file, or PostgreSQL's database and
 * host: never a password).
 */
struct store {
	pthread_mutex_t lock;
	const struct store_backend *be;
	void *db;		/* sqlite3 *, or PGconn * */
	struct store_stmt stmt[STMT_COUNT];
	int version;
	char path[PATH_MAX];
	char *url;		/* PostgreSQL: the connection string */
	char *password;		/* PostgreSQL: from password_file; wiped */
	int txn;		/* PostgreSQL: a transaction is open */
	long long changes;	/* PostgreSQL: rows the last write changed */
	char err[256];		/* PostgreSQL: the last error's text */
	void *prepared;		/* PostgreSQL: statements prepared on @db
				 * (store_pg.c), dropped with it */
	unsigned int events_added[EVENTS_CLASSES];	/* since last trim */
	unsigned int events_keep[EVENTS_CLASSES];	/* newest kept */
	unsigned int refusals_per_window;
	unsigned int refusal_window_s;
	/* The addresses being coalesced; the last slot, subject "*", holds
	 * every address that finds the others taken. */
	struct store_refusal_slot refusals[STORE_REFUSAL_ADDRS + 1];
	/* PostgreSQL: sessions (store_pool.c), each a store with its own
	 * connection whose @top is this one; @pool_lock guards their
	 * @pool_busy flags, @pool_free wakes a thread waiting for one. */
	struct store *top;
	struct store **pool;
	unsigned int n_pool;
	int pool_busy;
	pthread_mutex_t pool_lock;
	pthread_cond_t pool_free;
	/* PostgreSQL: the session that takes batches of push claims
	 * (store_replica.c), its statements planned once. */
	struct store *claims;
	int generic_plans;
};

/* store_pool.c */

/**
 * A connection of @st for one thread, locked: one of its free sessions
 * (waiting for one), or, without sessions, @st itself.  Every function
 * that runs statements takes one, runs them and store_let_go()s it.
 */
struct store *store_hold(struct store *st);

/** Unlock @s from store_hold() and free it for others; returns the store
 * it belongs to (@s itself without sessions). */
struct store *store_let_go(struct store *s);

/**
 * Open @st's sessions (PostgreSQL only; SQLite has none): 0, -ENOMEM or
 * -PB_ESTORE (logged).
 */
int store_pool_open(struct store *st);

/** Close @st's sessions, if any. */
void store_pool_close(struct store *st);

/** Copy @st's event limits to its sessions. */
void store_pool_limits(struct store *st);

/* store.c */
int store_prepare(struct store *st);
int store_fail(struct store *st, const char *what);
int store_exec(struct store *st, const char *sql, const char *what);
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);
int store_bind_text(struct store_stmt *s, int i, const char *text);
int store_bind_int(struct store_stmt *s, int i, long long v);
int store_step(struct store *st, enum store_stmt_id id);
void store_reset(struct store *st, enum store_stmt_id id);
int store_first(struct store *st, enum store_stmt_id id, int bind_err);
int store_write(struct store *st, enum store_stmt_id id, int bind_err);
int store_col_text(struct store_stmt *s, int col, char *buf, size_t size);
const char *store_col_raw(struct store_stmt *s, int col, int *len);
long long store_col_int(struct store_stmt *s, int col);
int store_col_key(struct store *st, struct store_stmt *s, char *buf,
		  size_t size);
int store_stmt_open(struct store *st, struct store_stmt *s, const char *sql,
		    const char *what);
int store_stmt_step(struct store_stmt *s);
void store_stmt_reset(struct store_stmt *s);
void store_stmt_close(struct store_stmt *s);
long long store_changes(struct store *st);
int store_durable(struct store *st, int on);
int store_lock(struct store *st, const char *table);
int store_id_valid(const char *id);
int store_sha_valid(const char *sha);

/* store_list.c */

/*
 * One list read a chunk at a time: the statement and what differs between
 * the lists.  A list function embeds it first in its own context (the
 * cursor, the caller's callback) and passes it to store_list_chunks().
 */
struct store_list {
	enum store_stmt_id stmt;
	size_t size;			/* of one row */
	/* Bind the rows after the cursor, at most @want: 0, or an SQLite
	 * error (nonzero).  Text is bound by pointer: the cursor only
	 * moves in @next, after the statement is reset. */
	int (*bind)(struct store_list *l, struct store_stmt *s,
		    unsigned int want);
	/* Fill @row (zeroed) from the current row: 0 or a negative error. */
	int (*row)(struct store_list *l, struct store *st,
		   struct store_stmt *s, void *row);
	/* Give @row to the caller, lock released: 0, or its error (which
	 * ends the list and is returned). */
	int (*emit)(struct store_list *l, const void *row);
	/* Move the cursor past @row, the last of a full chunk. */
	void (*next)(struct store_list *l, const void *row);
};

/**
 * Read @l's rows, at most @limit (SIZE_MAX: all), STORE_CHUNK at a time
 * under the lock, and emit each with the lock released.
 *
 * @ret rc		0; -ENOMEM; a store error; the first error of emit
 */
int store_list_chunks(struct store *st, struct store_list *l, size_t limit);

/**
 * Read every row of @sql (each @size bytes, filled by @fill) under the
 * lock, then give each to @emit with @ctx, lock released.
 *
 * @ret rc		0; -ENOMEM; a store error (logged with @what); the
 *			first error of emit
 */
int store_each_row(struct store *st, const char *sql, const char *what,
		   size_t size, void (*fill)(struct store_stmt *s, void *row),
		   int (*emit)(void *ctx, const void *row), void *ctx);

/* store_event.c */
int store_event_insert(struct store *st, long long ts,
		       const char *kind, const char *subject,
		       const char *detail);
void store_refusal_sweep(struct store *st, long long now, int all);

#endif
