/* store.c: podboot serve's durable state in SQLite (WAL) in the data dir. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "datadir.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "redact.h"
#include "store.h"
#include "utf8.h"

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

static const char *const store_state_names[NODE_STATE_COUNT] = {
	[NODE_DISCOVERED] = "discovered", [NODE_ARMED] = "armed",
	[NODE_BOOTING] = "booting",	  [NODE_INSTALLING] = "installing",
	[NODE_INSTALLED] = "installed",	  [NODE_FAILED] = "failed",
};

/*
 * Step i takes the database from user_version i to i + 1, in one
 * transaction.  Append only: never edit a step that has been released.
 */
static const char *const store_migrations[] = {
	/* 1: nodes, the artifact catalogue, the audit log */
	"CREATE TABLE nodes ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" mac TEXT NOT NULL,"
	" uuid TEXT NOT NULL DEFAULT '',"
	" serial TEXT NOT NULL DEFAULT '',"
	" pod TEXT NOT NULL DEFAULT '',"
	" state INTEGER NOT NULL,"
	" generation INTEGER NOT NULL DEFAULT 0,"
	" updated INTEGER NOT NULL);"
	"CREATE INDEX nodes_pod ON nodes (pod, id);"
	"CREATE INDEX nodes_state ON nodes (state, id);"
	"CREATE TABLE artifacts ("
	" name TEXT NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" size INTEGER NOT NULL,"
	" signer TEXT NOT NULL,"
	" created INTEGER NOT NULL,"
	/* orders versions where created (seconds) cannot */
	" seq INTEGER NOT NULL UNIQUE,"
	" PRIMARY KEY (name, sha256));"
	"CREATE INDEX artifacts_name_seq ON artifacts (name, seq DESC);"
	"CREATE INDEX artifacts_sha256 ON artifacts (sha256);"
	"CREATE TABLE events ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" ts INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" subject TEXT NOT NULL,"
	" detail TEXT NOT NULL);",
	/* 2: where each node's metric pushes stand, across restarts */
	"CREATE TABLE push_state ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" last_seq INTEGER NOT NULL,"
	" pushes INTEGER NOT NULL,"
	" duplicates INTEGER NOT NULL,"
	" gaps INTEGER NOT NULL,"
	" replays INTEGER NOT NULL);",
	/* 3: discovered machines assigned through the API */
	"CREATE TABLE assignments ("
	" mac TEXT PRIMARY KEY NOT NULL,"
	" hostname TEXT NOT NULL UNIQUE,"
	" pod TEXT NOT NULL,"
	" profile TEXT NOT NULL DEFAULT '',"
	" address TEXT NOT NULL DEFAULT '',"
	" created INTEGER NOT NULL);",
	/* 4: the token generation a node's sequence numbers belong to (a
	 * reinstalled agent counts from 1 again); pushes so far were made
	 * under the node's current generation. */
	"ALTER TABLE push_state ADD COLUMN"
	" generation INTEGER NOT NULL DEFAULT 0;"
	"UPDATE push_state SET generation = COALESCE("
	" (SELECT generation FROM nodes WHERE nodes.id = push_state.id), 0);",
	/* 5: refusals and other events are pruned apart; each prune walks
	 * only its own class's rows */
	"CREATE INDEX events_refusals ON events (id) WHERE kind = 'refusal';"
	"CREATE INDEX events_others ON events (id) WHERE kind <> 'refusal';",
	/* 6: the agent epoch a node's sequence numbers belong to (an agent
	 * that lost its sequence file counts from 1 in a new epoch); 0 for
	 * agents without epochs */
	"ALTER TABLE push_state ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;",
};

#define STORE_SCHEMA_LATEST \
	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

enum store_stmt_id {
	STMT_NODE_GET,
	STMT_NODE_ENSURE,
	STMT_NODE_DISCOVER,
	STMT_NODE_SET_STATE,
	STMT_NODE_LIST,
	STMT_NODE_LIST_POD,
	STMT_NODE_LIST_STATE,
	STMT_NODE_LIST_POD_STATE,
	STMT_ARTIFACT_ADD,
	STMT_ARTIFACT_DOOMED,
	STMT_ARTIFACT_PRUNE,
	STMT_ARTIFACT_CURRENT,
	STMT_ARTIFACT_BY_SHA,
	STMT_ARTIFACT_LIST,
	STMT_EVENT_ADD,
	STMT_EVENT_LIST,
	STMT_EVENT_TRIM,
	STMT_EVENT_TRIM_REFUSALS,
	STMT_COUNT
};

#define NODE_COLS "id, mac, uuid, serial, pod, state, generation, updated"
#define NODE_INSERT \
	"INSERT INTO nodes (" NODE_COLS ") " \
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7) ON CONFLICT (id) "
/* The node lists page by id: ?1 last id seen, ?2 pod, ?3 state, ?4 rows. */
#define NODE_LIST(filter) \
	"SELECT " NODE_COLS " FROM nodes WHERE " filter "id > ?1 " \
	"ORDER BY id LIMIT ?4"
/* Retention of one class of events (see migration 5): ?1 is the number
 * kept less one. */
#define EVENT_TRIM(class) \
	"DELETE FROM events WHERE " class " AND id < (SELECT id FROM events " \
	"WHERE " class " ORDER BY id DESC LIMIT 1 OFFSET ?1)"
#define ARTIFACT_COLS \
	"name, sha256, size, signer, created, " \
	"seq = (SELECT max(seq) FROM artifacts b WHERE b.name = a.name), seq"
/* The seq of the version of ?1 that is newest after ?2 newer ones. */
#define ARTIFACT_KEEP_EDGE \
	"(SELECT seq FROM artifacts WHERE name = ?1 " \
	"ORDER BY seq DESC LIMIT 1 OFFSET ?2)"

/* Every statement, prepared once at open; @what names it in log lines. */
static const struct {
	const char *what;
	const char *sql;
} store_stmts[STMT_COUNT] = {
	[STMT_NODE_GET] = { "reading node",
		"SELECT " NODE_COLS " FROM nodes WHERE id = ?1" },
	[STMT_NODE_ENSURE] = { "recording configured node",
		NODE_INSERT "DO UPDATE SET mac = excluded.mac, "
		"uuid = excluded.uuid, serial = excluded.serial, "
		"pod = excluded.pod" },
	/* Bounded: no new row once ?8 machines are discovered. */
	[STMT_NODE_DISCOVER] = { "recording discovered node",
		"INSERT INTO nodes (" NODE_COLS ") "
		"SELECT ?1, ?2, ?3, ?4, ?5, ?6, 0, ?7 "
		"WHERE (SELECT COUNT(*) FROM nodes WHERE state = ?6) < ?8 "
		"ON CONFLICT (id) DO NOTHING" },
	[STMT_NODE_SET_STATE] = { "updating node state",
		"UPDATE nodes SET state = ?2, updated = ?3, "
		"generation = generation + ?4 WHERE id = ?1" },
	[STMT_NODE_LIST] = { "listing nodes", NODE_LIST("") },
	[STMT_NODE_LIST_POD] = { "listing nodes of a pod",
		NODE_LIST("pod = ?2 AND ") },
	[STMT_NODE_LIST_STATE] = { "listing nodes in a state",
		NODE_LIST("state = ?3 AND ") },
	[STMT_NODE_LIST_POD_STATE] = { "listing nodes of a pod in a state",
		NODE_LIST("pod = ?2 AND state = ?3 AND ") },
	/* Re-adding a version gives it a new seq: it becomes the newest. */
	[STMT_ARTIFACT_ADD] = { "recording artifact",
		"INSERT INTO artifacts "
		"(name, sha256, size, signer, created, seq) "
		"VALUES (?1, ?2, ?3, ?4, ?5, "
		"(SELECT coalesce(max(seq), 0) + 1 FROM artifacts)) "
		"ON CONFLICT (name, sha256) DO UPDATE SET "
		"size = excluded.size, signer = excluded.signer, "
		"created = excluded.created, seq = excluded.seq" },
	/* Versions to prune whose blob no other name references. */
	[STMT_ARTIFACT_DOOMED] = { "finding unreferenced artifact versions",
		"SELECT a.sha256 FROM artifacts a WHERE a.name = ?1 "
		"AND a.seq <= " ARTIFACT_KEEP_EDGE " AND NOT EXISTS "
		"(SELECT 1 FROM artifacts b WHERE b.sha256 = a.sha256 "
		"AND b.name <> ?1)" },
	[STMT_ARTIFACT_PRUNE] = { "pruning artifact versions",
		"DELETE FROM artifacts WHERE name = ?1 "
		"AND seq <= " ARTIFACT_KEEP_EDGE },
	[STMT_ARTIFACT_CURRENT] = { "reading artifact",
		"SELECT " ARTIFACT_COLS " FROM artifacts a WHERE name = ?1 "
		"ORDER BY seq DESC LIMIT 1" },
	[STMT_ARTIFACT_BY_SHA] = { "reading artifact version",
		"SELECT " ARTIFACT_COLS " FROM artifacts a "
		"WHERE name = ?1 AND sha256 = ?2" },
	/* Pages by (name, seq): ?1, ?2 the last row seen, ?3 rows. */
	[STMT_ARTIFACT_LIST] = { "listing artifacts",
		"SELECT " ARTIFACT_COLS " FROM artifacts a "
		"WHERE name > ?1 OR (name = ?1 AND seq < ?2) "
		"ORDER BY name, seq DESC LIMIT ?3" },
	[STMT_EVENT_ADD] = { "recording event",
		"INSERT INTO events (ts, kind, subject, detail) "
		"VALUES (?1, ?2, ?3, ?4)" },
	[STMT_EVENT_LIST] = { "listing events",
		"SELECT id, ts, kind, subject, detail FROM events "
		"WHERE id > ?1 ORDER BY id LIMIT ?2" },
	[STMT_EVENT_TRIM] = { "trimming old events",
		EVENT_TRIM("kind <> 'refusal'") },
	[STMT_EVENT_TRIM_REFUSALS] = { "trimming old refusal events",
		EVENT_TRIM("kind = 'refusal'") },
};

/* The two classes of events, each with its own retention. */
enum store_event_class {
	EVENTS_OTHER,
	EVENTS_REFUSAL,
	EVENTS_CLASSES
};

/* One client address's refusals in its current window. */
struct store_refusal_slot {
	char addr[64];		/* "" while the slot is free */
	long long start;	/* the window's first refusal, unix seconds */
	long long last;		/* its latest suppressed refusal */
	unsigned int recorded;	/* refusal events written one by one */
	unsigned long long suppressed;	/* only counted so far */
};

/*
 * One connection, opened without SQLite's own locking: @lock serialises
 * every use of @db, @stmt and the refusal table, and is never held while
 * calling back into the caller, so callbacks may use the store.
 */
struct store {
	pthread_mutex_t lock;
	sqlite3 *db;
	sqlite3_stmt *stmt[STMT_COUNT];
	int version;
	char path[PATH_MAX];
	unsigned int events_added[EVENTS_CLASSES];	/* since last trim */
	unsigned int events_keep[EVENTS_CLASSES];	/* newest kept */
	unsigned int refusals_per_window;
	unsigned int refusal_window_s;
	/* The addresses being coalesced; the last slot, subject "*", holds
	 * every address that finds the others taken. */
	struct store_refusal_slot refusals[STORE_REFUSAL_ADDRS + 1];
};

static void store_refusal_sweep(struct store *st, long long now, int all);

/* Sha256 strings of pruned versions, kept until after the commit. */
struct store_shas {
	char (*sha)[STORE_SHA256_LEN + 1];
	size_t n;
	size_t cap;
};

const char *store_state_name(enum node_state state)
{
	if ((unsigned int)state >= NODE_STATE_COUNT)
		return "unknown";
	return store_state_names[state];
}

int store_state_parse(const char *name, enum node_state *state)
{
	unsigned int i;

	for (i = 0; name && i < NODE_STATE_COUNT; i++) {
		if (strcmp(name, store_state_names[i]) == 0) {
			*state = (enum node_state)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Log the connection's last error while doing @what; -PB_ESTORE. */
static int store_fail(struct store *st, const char *what)
{
	log_error("%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
	return -PB_ESTORE;
}

/* Run @sql (no rows wanted); 0 or -PB_ESTORE, logged as @what. */
static int store_exec(struct store *st, const char *sql, const char *what)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, what);
	return 0;
}

/* Start a write transaction, taking the write lock at once (no upgrade
 * deadlock with another process). */
static int store_begin(struct store *st)
{
	return store_exec(st, "BEGIN IMMEDIATE", "starting a transaction");
}

static int store_commit(struct store *st)
{
	return store_exec(st, "COMMIT", "committing");
}

/* Roll back the open transaction, if any (SQLite may have done so). */
static void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		store_exec(st, "ROLLBACK", "rolling back");
}

/* Bind text that outlives the statement's use. */
static int store_bind_text(sqlite3_stmt *s, int i, const char *text)
{
	if (!text)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC);
}

/* Step statement @id: 1 for a row, 0 when done, or -PB_ESTORE (logged). */
static int store_step(struct store *st, enum store_stmt_id id)
{
	int rc = sqlite3_step(st->stmt[id]);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_fail(st, store_stmts[id].what);
}

/* Make statement @id ready for its next use (its error is logged). */
static void store_reset(struct store *st, enum store_stmt_id id)
{
	sqlite3_reset(st->stmt[id]);
	sqlite3_clear_bindings(st->stmt[id]);
}

/*
 * Step statement @id for the first time.  @bind_err is non-zero if binding
 * its parameters failed (the caller ORs the sqlite3_bind_* results).
 * 1 for a row, 0 when done, or -PB_ESTORE (logged).
 */
static int store_first(struct store *st, enum store_stmt_id id, int bind_err)
{
	if (bind_err)
		return store_fail(st, store_stmts[id].what);
	return store_step(st, id);
}

/* Run write statement @id once and reset it; @bind_err as store_first. */
static int store_write(struct store *st, enum store_stmt_id id, int bind_err)
{
	int rc = store_first(st, id, bind_err);

	store_reset(st, id);
	return rc < 0 ? rc : 0;
}

/*
 * Copy a text column into a fixed field, truncating safely.  Returns 0 if
 * the whole value fit, else -1 (too long, or a NUL inside).
 */
static int store_col_text(sqlite3_stmt *s, int col, char *buf, size_t size)
{
	const unsigned char *text = sqlite3_column_text(s, col);
	int len = sqlite3_column_bytes(s, col);

	snprintf(buf, size, "%s", text ? (const char *)text : "");
	return (size_t)len == strlen(buf) ? 0 : -1;
}

/*
 * Copy column 0, the key the lists page by, refusing a value that does
 * not fit: paging on a truncated key would return the same rows forever.
 */
static int store_col_key(struct store *st, sqlite3_stmt *s, char *buf,
			 size_t size)
{
	if (store_col_text(s, 0, buf, size) == 0)
		return 0;
	log_error("%s: key '%s...' is too long or holds a NUL; delete that "
		  "row",
		  st->path, buf);
	return -PB_ESTORE;
}

/* A node id the store could hold: non-empty and fits its field. */
static int store_id_valid(const char *id)
{
	return id && id[0] &&
	       strnlen(id, FIELD_SIZE(struct store_node, id)) <
		       FIELD_SIZE(struct store_node, id);
}

/* Lower-case hex of 64 digits: safe as a file name for @gone. */
static int store_sha_valid(const char *sha)
{
	size_t i;

	for (i = 0; i < STORE_SHA256_LEN; i++)
		if (!((sha[i] >= '0' && sha[i] <= '9') ||
		      (sha[i] >= 'a' && sha[i] <= 'f')))
			return 0;
	return sha[i] == '\0';
}

/* ---- opening and closing ---------------------------------------------- */

/* Run a one-row query, returning its first column as text and number. */
static int store_query_first(struct store *st, const char *sql, char *text,
			     size_t size, long long *num)
{
	sqlite3_stmt *s = NULL;
	int rc = -PB_ESTORE;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		store_fail(st, sql);
		goto out;
	}
	if (text)
		store_col_text(s, 0, text, size);
	if (num)
		*num = sqlite3_column_int64(s, 0);
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

/* Open the database file and set the connection up. */
static int store_connect(struct store *st, int create)
{
	char mode[16];
	int rc;

	/* Only a fresh data directory gets a new database: see datadir.c. */
	rc = sqlite3_open_v2(st->path, &st->db,
			     SQLITE_OPEN_READWRITE |
				     (create ? SQLITE_OPEN_CREATE : 0) |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		log_error("%s: opening database: %s", st->path,
			  st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		return -PB_ESTORE;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	/* Refuse SQL that could corrupt the file (writable_schema etc.). */
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	rc = store_query_first(st, "PRAGMA journal_mode=WAL", mode,
			       sizeof(mode), NULL);
	if (rc != 0)
		return rc;
	if (strcmp(mode, "wal") != 0) {
		log_error("%s: the file system does not support WAL mode "
			  "(journal mode is %s); put the data directory on a "
			  "local file system",
			  st->path, mode);
		return -PB_ESTORE;
	}
	return store_exec(st,
			  "PRAGMA synchronous=NORMAL;"
			  "PRAGMA foreign_keys=ON;"
			  "PRAGMA trusted_schema=OFF;",
			  "setting connection options");
}

/*
 * Bring the schema up to date, one transaction per step.  The version is
 * read inside the transaction so that two processes opening the same new
 * database at once do not both migrate it.
 */
static int store_migrate(struct store *st)
{
	char sql[64];
	long long v = 0, first = -1;
	int rc;

	for (;;) {
		rc = store_begin(st);
		if (rc == 0)
			rc = store_query_first(st, "PRAGMA user_version", NULL,
					       0, &v);
		if (rc != 0)
			break;
		if (first < 0)
			first = v;
		if (v > STORE_SCHEMA_LATEST) {
			log_error("%s: schema version %lld is newer than this "
				  "podboot understands (%d); run a newer "
				  "podboot or restore a backup",
				  st->path, v, STORE_SCHEMA_LATEST);
			rc = -PB_ESCHEMA;
			break;
		}
		if (v < 0) {
			log_error("%s: invalid schema version %lld", st->path,
				  v);
			rc = -PB_ESTORE;
			break;
		}
		if (v == STORE_SCHEMA_LATEST) {
			rc = store_commit(st);
			break;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", v + 1);
		rc = store_exec(st, store_migrations[v], "migrating schema");
		if (rc == 0)
			rc = store_exec(st, sql, "setting schema version");
		if (rc == 0)
			rc = store_commit(st);
		if (rc != 0)
			break;
		if (first > 0)	/* a new database is created, not migrated */
			log_info("%s: schema migrated to version %lld",
				 st->path, v + 1);
	}
	if (rc != 0)
		store_rollback(st);
	else
		st->version = STORE_SCHEMA_LATEST;
	return rc;
}

static int store_prepare(struct store *st)
{
	int i;

	for (i = 0; i < STMT_COUNT; i++)
		if (sqlite3_prepare_v3(st->db, store_stmts[i].sql, -1,
				       SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
				       NULL) != SQLITE_OK)
			return store_fail(st, store_stmts[i].what);
	return 0;
}

/* A database that opens may still be damaged inside: check its pages. */
static int store_quick_check(struct store *st)
{
	char result[128];
	int rc;

	rc = store_query_first(st, "PRAGMA quick_check", result,
			       sizeof(result), NULL);
	if (rc != 0 || strcmp(result, "ok") != 0) {
		datadir_refuse(st->path, "fails SQLite's quick_check "
			       "(damaged)");
		return -PB_ESTORE;
	}
	return 0;
}

/*
 * The database's identity, made when it is created and recorded in the
 * data directory's marker: a marked directory only opens its own database
 * (or a backup of it).  A database without one (older podboot) gets one.
 */
static int store_identity(struct store *st, const char *data_dir,
			  enum datadir_store found, const char *marker)
{
	char id[DATADIR_ID_LEN + 1] = "";
	long long n = 0;
	int rc = 0;

	/* A marked directory's database is read, never given an identity. */
	if (found != DATADIR_EXISTING)
		rc = store_exec(st,
				"CREATE TABLE IF NOT EXISTS store_identity("
				" id TEXT NOT NULL);"
				"INSERT INTO store_identity(id)"
				" SELECT lower(hex(randomblob(16)))"
				" WHERE NOT EXISTS"
				" (SELECT 1 FROM store_identity);",
				"recording the store's identity");
	if (rc == 0)
		rc = store_query_first(st, "SELECT id FROM store_identity",
				       id, sizeof(id), NULL);
	if (rc == 0)
		rc = store_query_first(st, "SELECT count(*) FROM "
				       "store_identity", NULL, 0, &n);
	if (rc != 0)
		return rc;
	if (n != 1 || strlen(id) != DATADIR_ID_LEN) {
		datadir_refuse(st->path, "has no valid identity");
		return -PB_ESTORE;
	}
	if (found == DATADIR_EXISTING) {
		if (strcmp(id, marker) == 0)
			return 0;
		log_error("%s is database %s, not %s that this data directory "
			  "created; if it is a backup restored on purpose, "
			  "remove %s/" DATADIR_MARKER " and start again",
			  st->path, id, marker, data_dir);
		return -PB_ESTORE;
	}
	if (found == DATADIR_FRESH)
		log_info("%s: new store %s created", st->path, id);
	else
		log_info("%s: store %s adopted by this data directory",
			 st->path, id);
	return datadir_mark(data_dir, id);
}

int store_open(struct store **stp, const char *data_dir)
{
	char marker[DATADIR_ID_LEN + 1];
	enum datadir_store found;
	struct store *st;
	int rc;

	*stp = NULL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->events_keep[EVENTS_OTHER] = STORE_EVENTS_KEEP;
	st->events_keep[EVENTS_REFUSAL] = STORE_REFUSALS_KEEP;
	st->refusals_per_window = STORE_REFUSALS_PER_WINDOW;
	st->refusal_window_s = STORE_REFUSAL_WINDOW_S;
	rc = pthread_mutex_init(&st->lock, NULL);
	if (rc != 0) {
		free(st);
		return -rc;
	}
	rc = fileio_join(st->path, sizeof(st->path), data_dir, STORE_DB_NAME);
	if (rc != 0) {
		log_error("%s: data directory name too long", data_dir);
		goto err;
	}
	rc = datadir_store_check(data_dir, &found, marker);
	if (rc == 0)
		rc = store_connect(st, found == DATADIR_FRESH);
	if (rc == 0 && found != DATADIR_FRESH)
		rc = store_quick_check(st);
	if (rc == 0)
		rc = store_identity(st, data_dir, found, marker);
	if (rc == 0)
		rc = store_migrate(st);
	if (rc == 0)
		rc = store_prepare(st);
	if (rc != 0)
		goto err;
	*stp = st;
	return 0;

err:
	store_close(st);
	return rc;
}

void store_close(struct store *st)
{
	int i;

	if (!st)
		return;
	if (st->stmt[STMT_EVENT_ADD]) {
		/* What open refusal windows counted is not lost. */
		pthread_mutex_lock(&st->lock);
		store_refusal_sweep(st, (long long)time(NULL), 1);
		pthread_mutex_unlock(&st->lock);
	}
	for (i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	if (sqlite3_close(st->db) != SQLITE_OK)
		store_fail(st, "closing");
	pthread_mutex_destroy(&st->lock);
	free(st);
}

int store_schema_version(struct store *st)
{
	return st->version;
}

/* ---- event text ------------------------------------------------------- */

/* ---- events ----------------------------------------------------------- */

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
static int store_event_insert(struct store *st, long long ts,
			      const char *kind, const char *subject,
			      const char *detail)
{
	char k[FIELD_SIZE(struct store_event, kind)];
	char sub[FIELD_SIZE(struct store_event, subject)];
	char det[FIELD_SIZE(struct store_event, detail)];
	sqlite3_stmt *s = st->stmt[STMT_EVENT_ADD];
	int rc;

	utf8_clean_str(k, sizeof(k), kind);
	utf8_clean_str(sub, sizeof(sub), subject);
	utf8_clean_str(det, sizeof(det), detail);
	rc = store_write(st, STMT_EVENT_ADD,
			 sqlite3_bind_int64(s, 1, ts) ||
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
			    sqlite3_bind_int64(st->stmt[trim[c]], 1,
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
static void store_refusal_sweep(struct store *st, long long now, int all)
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
static void store_col_event_text(sqlite3_stmt *s, int col, char *buf,
				 size_t size)
{
	const char *text = (const char *)sqlite3_column_text(s, col);
	int len = sqlite3_column_bytes(s, col);

	utf8_clean(buf, size, text ? text : "",
			 text && len > 0 ? (size_t)len : 0);
}

/* Fill @e from the current row of the event list. */
static void store_row_event(sqlite3_stmt *s, struct store_event *e)
{
	e->id = sqlite3_column_int64(s, 0);
	e->ts = sqlite3_column_int64(s, 1);
	store_col_event_text(s, 2, e->kind, sizeof(e->kind));
	store_col_event_text(s, 3, e->subject, sizeof(e->subject));
	store_col_event_text(s, 4, e->detail, sizeof(e->detail));
}

/* Read up to @want events after @after into @buf; the caller holds the
 * lock. */
static int store_event_fetch(struct store *st, long long after,
			     unsigned int want, struct store_event *buf,
			     unsigned int *n)
{
	sqlite3_stmt *s = st->stmt[STMT_EVENT_LIST];
	int rc;

	*n = 0;
	rc = store_first(st, STMT_EVENT_LIST,
			 sqlite3_bind_int64(s, 1, after) ||
				 sqlite3_bind_int64(s, 2, want));
	while (rc == 1 && *n < want) {
		store_row_event(s, &buf[*n]);
		if (++*n < want)
			rc = store_step(st, STMT_EVENT_LIST);
	}
	store_reset(st, STMT_EVENT_LIST);
	return rc < 0 ? rc : 0;
}

/*
 * Every list function reads STORE_CHUNK rows at a time under the lock and
 * calls back with the lock released: a slow callback (a client reading
 * JSON) never stalls the boot path, and a callback may use the store.
 */
int store_event_list(struct store *st, long long after, unsigned int limit,
		     int (*cb)(void *ctx, const struct store_event *e),
		     void *ctx)
{
	struct store_event *buf;
	unsigned int n, i, want;
	int rc = 0;

	if (!cb)
		return -EINVAL;
	buf = calloc(STORE_CHUNK, sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	/* A reader sees the summary of a refusal window that has ended. */
	pthread_mutex_lock(&st->lock);
	store_refusal_sweep(st, (long long)time(NULL), 0);
	pthread_mutex_unlock(&st->lock);
	while (limit > 0) {
		want = limit < STORE_CHUNK ? limit : STORE_CHUNK;
		pthread_mutex_lock(&st->lock);
		rc = store_event_fetch(st, after, want, buf, &n);
		pthread_mutex_unlock(&st->lock);
		for (i = 0; rc == 0 && i < n; i++)
			rc = cb(ctx, &buf[i]);
		if (rc != 0 || n < want)
			break;
		after = buf[n - 1].id;
		limit -= n;
	}
	free(buf);
	return rc;
}

/* ---- nodes ------------------------------------------------------------ */

/* Fill @n from the current row of a NODE_COLS statement. */
static int store_row_node(struct store *st, sqlite3_stmt *s,
			  struct store_node *n)
{
	long long state = sqlite3_column_int64(s, 5);

	memset(n, 0, sizeof(*n));
	if (store_col_key(st, s, n->id, sizeof(n->id)) != 0)
		return -PB_ESTORE;
	store_col_text(s, 1, n->mac, sizeof(n->mac));
	store_col_text(s, 2, n->uuid, sizeof(n->uuid));
	store_col_text(s, 3, n->serial, sizeof(n->serial));
	store_col_text(s, 4, n->pod, sizeof(n->pod));
	n->generation = (unsigned int)sqlite3_column_int64(s, 6);
	n->updated = sqlite3_column_int64(s, 7);
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
	sqlite3_stmt *s = st->stmt[STMT_NODE_GET];
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
	sqlite3_stmt *s = st->stmt[which];
	int rc;

	if (!n || !store_id_valid(n->id) || !FIELD_OK(n->mac) ||
	    !FIELD_OK(n->uuid) || !FIELD_OK(n->serial) || !FIELD_OK(n->pod))
		return -EINVAL;
	pthread_mutex_lock(&st->lock);
	/* Bounded inserts (discovery) look first: a machine asking again is
	 * the common case, and needs no count of the others. */
	if (cap && store_node_read(st, n->id, &(struct store_node){ 0 }) == 0) {
		pthread_mutex_unlock(&st->lock);
		return 1;
	}
	rc = store_write(st, which,
			 store_bind_text(s, 1, n->id) ||
				 store_bind_text(s, 2, n->mac) ||
				 store_bind_text(s, 3, n->uuid) ||
				 store_bind_text(s, 4, n->serial) ||
				 store_bind_text(s, 5, n->pod) ||
				 sqlite3_bind_int(s, 6, (int)state) ||
				 sqlite3_bind_int64(s, 7,
						    (long long)time(NULL)) ||
				 (cap && sqlite3_bind_int64(s, 8, cap)));
	if (rc == 0 && cap && sqlite3_changes(st->db) == 0)
		rc = -ENOSPC;	/* the bound is reached */
	pthread_mutex_unlock(&st->lock);
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
	pthread_mutex_lock(&st->lock);
	rc = store_node_read(st, id, out);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* Set node @id's state; the caller holds the lock in a transaction. */
static int store_node_set_state(struct store *st, const char *id,
				enum node_state to, long long now, int rearm)
{
	sqlite3_stmt *s = st->stmt[STMT_NODE_SET_STATE];

	return store_write(st, STMT_NODE_SET_STATE,
			   store_bind_text(s, 1, id) ||
				   sqlite3_bind_int(s, 2, (int)to) ||
				   sqlite3_bind_int64(s, 3, now) ||
				   sqlite3_bind_int(s, 4, rearm ? 1 : 0));
}

int store_node_transition(struct store *st, const char *id,
			  unsigned int from_mask, enum node_state to,
			  int rearm, const char *why, struct store_node *out)
{
	/* Room to spare: the event's cleaning cuts it (see store_event_add). */
	char detail[2 * FIELD_SIZE(struct store_event, detail)];
	long long now = (long long)time(NULL);
	struct store_node n;
	int rc;

	if (!store_id_valid(id) || (unsigned int)to >= NODE_STATE_COUNT)
		return -EINVAL;
	memset(&n, 0, sizeof(n));
	pthread_mutex_lock(&st->lock);
	rc = store_begin(st);
	if (rc == 0)
		rc = store_node_read(st, id, &n);
	if (rc != 0)
		goto out;
	if (!(from_mask & NODE_BIT(n.state))) {
		rc = -PB_ESTATE;
		goto out;
	}
	snprintf(detail, sizeof(detail), "%s -> %s%s%s",
		 store_state_name(n.state), store_state_name(to),
		 why && why[0] ? ": " : "", why ? why : "");
	rc = store_node_set_state(st, id, to, now, rearm);
	if (rc == 0)
		rc = store_event_insert(st, now, rearm ? "rearm" : "state", id,
					detail);
	if (rc == 0)
		rc = store_commit(st);
	if (rc == 0) {
		n.state = to;
		n.updated = now;
		n.generation += rearm ? 1 : 0;
	}
out:
	if (rc != 0)
		store_rollback(st);
	pthread_mutex_unlock(&st->lock);
	if (out && (rc == 0 || rc == -PB_ESTATE))
		*out = n;
	return rc;
}

/* Read up to STORE_CHUNK nodes after id @after; the caller holds the
 * lock. */
static int store_node_fetch(struct store *st, enum store_stmt_id which,
			    const char *after, const char *pod, int state,
			    struct store_node *buf, unsigned int *n)
{
	sqlite3_stmt *s = st->stmt[which];
	int rc;

	*n = 0;
	rc = store_first(st, which,
			 store_bind_text(s, 1, after) ||
				 store_bind_text(s, 2, pod) ||
				 sqlite3_bind_int(s, 3, state) ||
				 sqlite3_bind_int(s, 4, STORE_CHUNK));
	while (rc == 1 && *n < STORE_CHUNK) {
		rc = store_row_node(st, s, &buf[*n]);
		if (rc == 0 && ++*n < STORE_CHUNK)
			rc = store_step(st, which);
	}
	store_reset(st, which);
	return rc < 0 ? rc : 0;
}

int store_node_list(struct store *st, const char *pod, int state,
		    int (*cb)(void *ctx, const struct store_node *n),
		    void *ctx)
{
	static const enum store_stmt_id by_filter[2][2] = {
		{ STMT_NODE_LIST, STMT_NODE_LIST_STATE },
		{ STMT_NODE_LIST_POD, STMT_NODE_LIST_POD_STATE },
	};
	enum store_stmt_id which = by_filter[pod != NULL][state >= 0];
	char after[FIELD_SIZE(struct store_node, id)] = "";
	struct store_node *buf;
	unsigned int n, i;
	int rc = 0;

	if (!cb || state < -1 || state >= NODE_STATE_COUNT)
		return -EINVAL;
	buf = calloc(STORE_CHUNK, sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	do {
		pthread_mutex_lock(&st->lock);
		rc = store_node_fetch(st, which, after, pod, state, buf, &n);
		pthread_mutex_unlock(&st->lock);
		for (i = 0; rc == 0 && i < n; i++)
			rc = cb(ctx, &buf[i]);
		if (n > 0)
			snprintf(after, sizeof(after), "%s", buf[n - 1].id);
	} while (rc == 0 && n == STORE_CHUNK);
	free(buf);
	return rc;
}

/* ---- artifacts -------------------------------------------------------- */

static int store_shas_push(struct store_shas *l, const char *sha)
{
	void *p;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 8;
		if (cap > SIZE_MAX / sizeof(*l->sha))
			return -ENOMEM;
		p = realloc(l->sha, cap * sizeof(*l->sha));
		if (!p)
			return -ENOMEM;
		l->sha = p;
		l->cap = cap;
	}
	snprintf(l->sha[l->n++], sizeof(*l->sha), "%s", sha);
	return 0;
}

/* Fill @a from the current row of an ARTIFACT_COLS statement. */
static int store_row_artifact(struct store *st, sqlite3_stmt *s,
			      struct store_artifact *a)
{
	memset(a, 0, sizeof(*a));
	if (store_col_key(st, s, a->name, sizeof(a->name)) != 0)
		return -PB_ESTORE;
	store_col_text(s, 1, a->sha256, sizeof(a->sha256));
	a->size = (unsigned long long)sqlite3_column_int64(s, 2);
	store_col_text(s, 3, a->signer, sizeof(a->signer));
	a->created = sqlite3_column_int64(s, 4);
	a->current = sqlite3_column_int(s, 5) ? 1 : 0;
	return 0;
}

static int store_artifact_insert(struct store *st,
				 const struct store_artifact *a,
				 long long created)
{
	sqlite3_stmt *s = st->stmt[STMT_ARTIFACT_ADD];

	return store_write(st, STMT_ARTIFACT_ADD,
			   store_bind_text(s, 1, a->name) ||
				   store_bind_text(s, 2, a->sha256) ||
				   sqlite3_bind_int64(s, 3,
						      (sqlite3_int64)a->size) ||
				   store_bind_text(s, 4, a->signer) ||
				   sqlite3_bind_int64(s, 5, created));
}

/* Bind @name and @keep to a statement using ARTIFACT_KEEP_EDGE; 0 or
 * non-zero (see store_first). */
static int store_bind_keep(sqlite3_stmt *s, const char *name,
			   unsigned int keep)
{
	return store_bind_text(s, 1, name) || sqlite3_bind_int64(s, 2, keep);
}

/*
 * Delete versions of @name beyond the newest @keep, collecting in @gone
 * those whose blob no other name references; inside a transaction.
 */
static int store_artifact_prune(struct store *st, const char *name,
				unsigned int keep, struct store_shas *gone)
{
	sqlite3_stmt *s = st->stmt[STMT_ARTIFACT_DOOMED];
	const char *sha;
	int rc;

	rc = store_first(st, STMT_ARTIFACT_DOOMED,
			 store_bind_keep(s, name, keep));
	while (rc == 1) {
		sha = (const char *)sqlite3_column_text(s, 0);
		rc = 0;
		/* The caller deletes files by this name: check it again. */
		if (sha && store_sha_valid(sha))
			rc = store_shas_push(gone, sha);
		else
			log_error("%s: artifact %s has an invalid sha256; "
				  "not deleting its blob",
				  st->path, name);
		if (rc == 0)
			rc = store_step(st, STMT_ARTIFACT_DOOMED);
	}
	store_reset(st, STMT_ARTIFACT_DOOMED);
	if (rc == 0)
		rc = store_write(st, STMT_ARTIFACT_PRUNE,
				 store_bind_keep(st->stmt[STMT_ARTIFACT_PRUNE],
						 name, keep));
	return rc;
}

/* Record @a and prune its name, in one transaction; the caller holds the
 * lock. */
static int store_artifact_txn(struct store *st, const struct store_artifact *a,
			      long long created, unsigned int keep,
			      struct store_shas *gone)
{
	int rc;

	rc = store_begin(st);
	if (rc == 0)
		rc = store_artifact_insert(st, a, created);
	if (rc == 0 && keep > 0)
		rc = store_artifact_prune(st, a->name, keep, gone);
	if (rc == 0)
		rc = store_commit(st);
	if (rc != 0) {
		store_rollback(st);
		gone->n = 0;
	}
	return rc;
}

int store_artifact_add(struct store *st, const struct store_artifact *a,
		       unsigned int keep,
		       void (*gone)(void *ctx, const char *sha256),
		       void *ctx)
{
	struct store_shas pruned = { NULL, 0, 0 };
	long long created;
	size_t i;
	int rc;

	if (!a || !a->name[0] || !FIELD_OK(a->name) ||
	    !store_sha_valid(a->sha256) || !FIELD_OK(a->signer) ||
	    a->size > (unsigned long long)INT64_MAX)
		return -EINVAL;
	created = a->created ? a->created : (long long)time(NULL);
	pthread_mutex_lock(&st->lock);
	/* The blob is already on disk: the row must not be lost either. */
	rc = store_exec(st, "PRAGMA synchronous=FULL",
			"asking for a durable commit");
	if (rc == 0)
		rc = store_artifact_txn(st, a, created, keep, &pruned);
	/*
	 * Failing to relax again only costs speed; the artifact is
	 * committed, and reporting an error could make the caller delete
	 * a blob the catalogue now references.
	 */
	if (sqlite3_exec(st->db, "PRAGMA synchronous=NORMAL", NULL, NULL,
			 NULL) != SQLITE_OK)
		log_warn("%s: restoring synchronous=NORMAL: %s", st->path,
			 sqlite3_errmsg(st->db));
	pthread_mutex_unlock(&st->lock);
	for (i = 0; rc == 0 && gone && i < pruned.n; i++)
		gone(ctx, pruned.sha[i]);
	free(pruned.sha);
	return rc;
}

int store_artifact_get(struct store *st, const char *name,
		       const char *sha256, struct store_artifact *out)
{
	enum store_stmt_id which =
		sha256 ? STMT_ARTIFACT_BY_SHA : STMT_ARTIFACT_CURRENT;
	sqlite3_stmt *s = st->stmt[which];
	int rc;

	if (!name || !name[0] || !out)
		return -EINVAL;
	pthread_mutex_lock(&st->lock);
	rc = store_first(st, which,
			 store_bind_text(s, 1, name) ||
				 (sha256 && store_bind_text(s, 2, sha256)));
	if (rc == 1)
		rc = store_row_artifact(st, s, out);
	else if (rc == 0)
		rc = -ENOENT;
	store_reset(st, which);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* Read up to STORE_CHUNK versions after (@name, @seq); the caller holds
 * the lock.  @seq receives the last row's seq. */
static int store_artifact_fetch(struct store *st, const char *name,
				long long *seq, struct store_artifact *buf,
				unsigned int *n)
{
	sqlite3_stmt *s = st->stmt[STMT_ARTIFACT_LIST];
	int rc;

	*n = 0;
	rc = store_first(st, STMT_ARTIFACT_LIST,
			 store_bind_text(s, 1, name) ||
				 sqlite3_bind_int64(s, 2, *seq) ||
				 sqlite3_bind_int(s, 3, STORE_CHUNK));
	while (rc == 1 && *n < STORE_CHUNK) {
		*seq = sqlite3_column_int64(s, 6);
		rc = store_row_artifact(st, s, &buf[*n]);
		if (rc == 0 && ++*n < STORE_CHUNK)
			rc = store_step(st, STMT_ARTIFACT_LIST);
	}
	store_reset(st, STMT_ARTIFACT_LIST);
	return rc < 0 ? rc : 0;
}

int store_artifact_list(struct store *st,
			int (*cb)(void *ctx, const struct store_artifact *a),
			void *ctx)
{
	/* Names are never empty, so "" sorts before every row. */
	char after[FIELD_SIZE(struct store_artifact, name)] = "";
	struct store_artifact *buf;
	long long seq = 0;
	unsigned int n, i;
	int rc = 0;

	if (!cb)
		return -EINVAL;
	buf = calloc(STORE_CHUNK, sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	do {
		pthread_mutex_lock(&st->lock);
		rc = store_artifact_fetch(st, after, &seq, buf, &n);
		pthread_mutex_unlock(&st->lock);
		for (i = 0; rc == 0 && i < n; i++)
			rc = cb(ctx, &buf[i]);
		if (n > 0)
			snprintf(after, sizeof(after), "%s", buf[n - 1].name);
	} while (rc == 0 && n == STORE_CHUNK);
	free(buf);
	return rc;
}

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
 * Read every row of @sql into a malloc'd array of @size-byte rows, each
 * filled by @fill, under the lock; callbacks then run without it.
 */
static int store_read_rows(struct store *st, const char *sql,
			   const char *what, size_t size,
			   void (*fill)(sqlite3_stmt *s, void *row),
			   void **out, size_t *count)
{
	unsigned char *rows = NULL, *tmp;
	size_t n = 0, cap = 0;
	sqlite3_stmt *s = NULL;
	int rc = 0, step = SQLITE_DONE;

	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		rc = store_fail(st, what);
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			tmp = realloc(rows, cap * size);
			if (!tmp) {
				rc = -ENOMEM;
				break;
			}
			rows = tmp;
		}
		memset(rows + n * size, 0, size);
		fill(s, rows + n * size);
		n++;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_fail(st, what);
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->lock);
	if (rc != 0) {
		free(rows);
		rows = NULL;
		n = 0;
	}
	*out = rows;
	*count = n;
	return rc;
}

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

int store_push_load(struct store *st,
		    int (*cb)(void *ctx, const struct store_push_state *p),
		    void *ctx)
{
	struct store_push_state *rows;
	void *raw;
	size_t n, i;
	int rc;

	rc = store_read_rows(st,
			     "SELECT id, last_seq, pushes, duplicates, gaps, "
			     "replays, generation, epoch FROM push_state "
			     "ORDER BY id",
			     "reading push state", sizeof(*rows),
			     store_fill_push, &raw, &n);
	rows = raw;
	for (i = 0; rc == 0 && i < n; i++)
		rc = cb(ctx, &rows[i]);
	free(rows);
	return rc;
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
	sqlite3_stmt *s = NULL;
	int rc = 0, step, i, n = 0;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		rc = store_fail(st, "preparing an assignment change");
	else
		n = sqlite3_bind_parameter_count(s);
	for (i = 1; rc == 0 && i <= n; i++) {
		if (i == 4 ? sqlite3_bind_int64(s, i, (sqlite3_int64)time(NULL)) :
		    i == 7 ? sqlite3_bind_int(s, i, NODE_ARMED) :
		    i <= 6 ? store_bind_text(s, i, text[i - 1]) : 1)
			rc = store_fail(st, "binding an assignment change");
	}
	if (rc == 0) {
		step = sqlite3_step(s);
		if (step == SQLITE_ROW && out) {
			store_col_text(s, 0, out->mac, sizeof(out->mac));
			store_col_text(s, 1, out->hostname,
				       sizeof(out->hostname));
			store_col_text(s, 2, out->pod, sizeof(out->pod));
			store_col_text(s, 3, out->profile,
				       sizeof(out->profile));
			store_col_text(s, 4, out->address,
				       sizeof(out->address));
		} else if (step == SQLITE_ROW && state) {
			*state = sqlite3_column_int(s, 0);
		} else if (step == SQLITE_DONE && out) {
			rc = -ENOENT;	/* no such assignment */
		} else if ((step & 0xff) == SQLITE_CONSTRAINT) {
			rc = -EEXIST;
		} else if (step != SQLITE_DONE) {
			rc = store_fail(st, "changing an assignment");
		}
	}
	sqlite3_finalize(s);
	return rc;
}

/* Lock and open an assignment transaction; store_assign_end() closes it. */
static int store_assign_begin(struct store *st)
{
	pthread_mutex_lock(&st->lock);
	return store_begin(st);
}

/* Commit or roll back the open transaction by @rc; unlock; @rc. */
static int store_assign_end(struct store *st, int rc)
{
	if (rc == 0)
		rc = store_commit(st);
	if (rc != 0)
		store_rollback(st);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int store_assign_add(struct store *st, const struct store_assignment *a)
{
	int rc;

	rc = store_assign_begin(st);
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
	rc = store_assign_begin(st);
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

static void store_fill_assign(sqlite3_stmt *s, void *row)
{
	struct store_assignment *a = row;

	store_col_text(s, 0, a->mac, sizeof(a->mac));
	store_col_text(s, 1, a->hostname, sizeof(a->hostname));
	store_col_text(s, 2, a->pod, sizeof(a->pod));
	store_col_text(s, 3, a->profile, sizeof(a->profile));
	store_col_text(s, 4, a->address, sizeof(a->address));
}

int store_assign_list(struct store *st,
		      int (*cb)(void *ctx, const struct store_assignment *a),
		      void *ctx)
{
	struct store_assignment *rows;
	void *raw;
	size_t n, i;
	int rc;

	rc = store_read_rows(st,
			     "SELECT mac, hostname, pod, profile, address "
			     "FROM assignments ORDER BY created, mac",
			     "reading assignments", sizeof(*rows),
			     store_fill_assign, &raw, &n);
	rows = raw;
	for (i = 0; rc == 0 && i < n; i++)
		rc = cb(ctx, &rows[i]);
	free(rows);
	return rc;
}
