/* store.c: podboot serve's durable state in SQLite (WAL) in the data dir:
 * the schema and its migrations, opening and closing, and the SQL helpers
 * the other store files share. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "datadir.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "store.h"
#include "store_int.h"

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
	/* 7: the serial and notAfter of the certificate that signed each
	 * version (rotations are audited by them); unknown before */
	"ALTER TABLE artifacts ADD COLUMN"
	" signer_serial TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE artifacts ADD COLUMN"
	" signer_not_after INTEGER NOT NULL DEFAULT 0;",
	/* 8: the Authenticode-signed variant of an EFI kernel (its own
	 * content address, blob and .sig); '' for none */
	"ALTER TABLE artifacts ADD COLUMN uefi_sha256 TEXT NOT NULL DEFAULT '';",
};

#define STORE_SCHEMA_LATEST \
	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

#define NODE_COLS "id, mac, uuid, serial, pod, state, generation, updated"
#define NODE_INSERT \
	"INSERT INTO nodes (" NODE_COLS ") " \
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7) ON CONFLICT (id) "
/* The node lists page by id: ?1 last id seen, ?2 pod, ?3 state, ?4 rows. */
#define NODE_LIST(filter) \
	"SELECT " NODE_COLS " FROM nodes WHERE " filter "id > ?1 " \
	"ORDER BY id LIMIT ?4"
/* The node counts: ?1 pod, ?2 state (each bound where it is named). */
#define NODE_COUNT(filter) "SELECT count(*) FROM nodes WHERE " filter "1"
/* Retention of one class of events (see migration 5): ?1 is the number
 * kept less one. */
#define EVENT_TRIM(class) \
	"DELETE FROM events WHERE " class " AND id < (SELECT id FROM events " \
	"WHERE " class " ORDER BY id DESC LIMIT 1 OFFSET ?1)"
#define ARTIFACT_COLS \
	"name, sha256, size, signer, created, " \
	"seq = (SELECT max(seq) FROM artifacts b WHERE b.name = a.name), seq, " \
	"signer_serial, signer_not_after, uefi_sha256"
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
	[STMT_NODE_COUNT] = { "counting nodes", NODE_COUNT("") },
	[STMT_NODE_COUNT_POD] = { "counting nodes of a pod",
		NODE_COUNT("pod = ?1 AND ") },
	[STMT_NODE_COUNT_STATE] = { "counting nodes in a state",
		NODE_COUNT("state = ?2 AND ") },
	[STMT_NODE_COUNT_POD_STATE] = { "counting nodes of a pod in a state",
		NODE_COUNT("pod = ?1 AND state = ?2 AND ") },
	/* Re-adding a version gives it a new seq: it becomes the newest. */
	[STMT_ARTIFACT_ADD] = { "recording artifact",
		"INSERT INTO artifacts "
		"(name, sha256, size, signer, created, seq, signer_serial, "
		"signer_not_after, uefi_sha256) "
		"VALUES (?1, ?2, ?3, ?4, ?5, "
		"(SELECT coalesce(max(seq), 0) + 1 FROM artifacts), ?6, ?7, "
		"?8) "
		"ON CONFLICT (name, sha256) DO UPDATE SET "
		"size = excluded.size, signer = excluded.signer, "
		"created = excluded.created, seq = excluded.seq, "
		"signer_serial = excluded.signer_serial, "
		"signer_not_after = excluded.signer_not_after, "
		"uefi_sha256 = excluded.uefi_sha256" },
	/* A re-sign: every version of the blob ?1 names its new signer. */
	[STMT_ARTIFACT_RESIGNED] = { "recording a new signature",
		"UPDATE artifacts SET signer = ?2, signer_serial = ?3, "
		"signer_not_after = ?4 WHERE sha256 = ?1" },
	/* Versions to prune whose blob no other name references. */
	[STMT_ARTIFACT_DOOMED] = { "finding unreferenced artifact versions",
		"SELECT a.sha256 FROM artifacts a WHERE a.name = ?1 "
		"AND a.seq <= " ARTIFACT_KEEP_EDGE " AND NOT EXISTS "
		"(SELECT 1 FROM artifacts b WHERE b.sha256 = a.sha256 "
		"AND b.name <> ?1) UNION "
		"SELECT a.uefi_sha256 FROM artifacts a WHERE a.name = ?1 "
		"AND a.uefi_sha256 <> '' "
		"AND a.seq <= " ARTIFACT_KEEP_EDGE " AND NOT EXISTS "
		"(SELECT 1 FROM artifacts b WHERE b.uefi_sha256 = a.uefi_sha256 "
		"AND b.name <> ?1)" },
	[STMT_ARTIFACT_PRUNE] = { "pruning artifact versions",
		"DELETE FROM artifacts WHERE name = ?1 "
		"AND seq <= " ARTIFACT_KEEP_EDGE },
	[STMT_ARTIFACT_CURRENT] = { "reading artifact",
		"SELECT " ARTIFACT_COLS " FROM artifacts a WHERE name = ?1 "
		"ORDER BY seq DESC LIMIT 1" },
	[STMT_ARTIFACT_BY_SHA] = { "reading artifact version",
		"SELECT " ARTIFACT_COLS " FROM artifacts a "
		"WHERE name = ?1 AND (sha256 = ?2 OR uefi_sha256 = ?2) "
		"ORDER BY sha256 = ?2 DESC LIMIT 1" },
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
int store_fail(struct store *st, const char *what)
{
	log_error("%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
	return -PB_ESTORE;
}

/* Run @sql (no rows wanted); 0 or -PB_ESTORE, logged as @what. */
int store_exec(struct store *st, const char *sql, const char *what)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, what);
	return 0;
}

/* Start a write transaction, taking the write lock at once (no upgrade
 * deadlock with another process). */
int store_begin(struct store *st)
{
	return store_exec(st, "BEGIN IMMEDIATE", "starting a transaction");
}

/* Commit the open transaction; 0, or -PB_ESTORE (logged). */
int store_commit(struct store *st)
{
	return store_exec(st, "COMMIT", "committing");
}

/* Roll back the open transaction, if any (SQLite may have done so). */
void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		store_exec(st, "ROLLBACK", "rolling back");
}

/* Bind text that outlives the statement's use. */
int store_bind_text(sqlite3_stmt *s, int i, const char *text)
{
	if (!text)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC);
}

/* Step statement @id: 1 for a row, 0 when done, or -PB_ESTORE (logged). */
int store_step(struct store *st, enum store_stmt_id id)
{
	int rc = sqlite3_step(st->stmt[id]);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_fail(st, store_stmts[id].what);
}

/* Make statement @id ready for its next use (its error is logged). */
void store_reset(struct store *st, enum store_stmt_id id)
{
	sqlite3_reset(st->stmt[id]);
	sqlite3_clear_bindings(st->stmt[id]);
}

/*
 * Step statement @id for the first time.  @bind_err is non-zero if binding
 * its parameters failed (the caller ORs the sqlite3_bind_* results).
 * 1 for a row, 0 when done, or -PB_ESTORE (logged).
 */
int store_first(struct store *st, enum store_stmt_id id, int bind_err)
{
	if (bind_err)
		return store_fail(st, store_stmts[id].what);
	return store_step(st, id);
}

/* Run write statement @id once and reset it; @bind_err as store_first. */
int store_write(struct store *st, enum store_stmt_id id, int bind_err)
{
	int rc = store_first(st, id, bind_err);

	store_reset(st, id);
	return rc < 0 ? rc : 0;
}

/*
 * Copy a text column into a fixed field, truncating safely.  Returns 0 if
 * the whole value fit, else -EINVAL (too long, or a NUL inside).
 */
int store_col_text(sqlite3_stmt *s, int col, char *buf, size_t size)
{
	const unsigned char *text = sqlite3_column_text(s, col);
	int len = sqlite3_column_bytes(s, col);

	snprintf(buf, size, "%s", text ? (const char *)text : "");
	return (size_t)len == strlen(buf) ? 0 : -EINVAL;
}

/*
 * Copy column 0, the key the lists page by, refusing a value that does
 * not fit: paging on a truncated key would return the same rows forever.
 */
int store_col_key(struct store *st, sqlite3_stmt *s, char *buf,
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
int store_id_valid(const char *id)
{
	return id && id[0] &&
	       strnlen(id, FIELD_SIZE(struct store_node, id)) <
		       FIELD_SIZE(struct store_node, id);
}

/* Lower-case hex of 64 digits: safe as a file name for @gone. */
int store_sha_valid(const char *sha)
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

/*
 * Prepare every statement of store_stmts[] on the connection; 0, or
 * -PB_ESTORE (logged, naming the statement's purpose).
 */
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
