/* store_sqlite.c: the SQLite backend of the store (the embedded default):
 * one database file in WAL mode in the data directory, tied to it by the
 * directory's identity marker (datadir.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "datadir.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "store.h"
#include "store_int.h"

/* The connection of @st. */
static sqlite3 *store_sqlite_db(struct store *st)
{
	return st->db;
}

/* SQLite's text for the connection's last error. */
static const char *store_sqlite_errmsg(struct store *st)
{
	return st->db ? sqlite3_errmsg(store_sqlite_db(st)) : "no connection";
}

/* Run @sql without rows; 0 or -PB_ESTORE. */
static int store_sqlite_exec(struct store *st, const char *sql)
{
	return sqlite3_exec(store_sqlite_db(st), sql, NULL, NULL, NULL) ==
			       SQLITE_OK ? 0 : -PB_ESTORE;
}

/* Whether a transaction is open. */
static int store_sqlite_in_txn(struct store *st)
{
	return !sqlite3_get_autocommit(store_sqlite_db(st));
}

/* Run a one-row query, returning its first column as text and number. */
static int store_sqlite_first(struct store *st, const char *sql, char *text,
			      size_t size, long long *num)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	int rc = -PB_ESTORE;

	if (sqlite3_prepare_v2(store_sqlite_db(st), sql, -1, &s, NULL) !=
		    SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		store_fail(st, sql);
		goto out;
	}
	t = sqlite3_column_text(s, 0);
	if (text)
		snprintf(text, size, "%s", t ? (const char *)t : "");
	if (num)
		*num = sqlite3_column_int64(s, 0);
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

/* Open the database file and set the connection up. */
static int store_sqlite_connect(struct store *st, int create)
{
	sqlite3 *db = NULL;
	char mode[16];
	int rc;

	/* Only a fresh data directory gets a new database: see datadir.c. */
	rc = sqlite3_open_v2(st->path, &db,
			     SQLITE_OPEN_READWRITE |
				     (create ? SQLITE_OPEN_CREATE : 0) |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	st->db = db;
	if (rc != SQLITE_OK) {
		log_error("%s: opening database: %s", st->path,
			  db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		return -PB_ESTORE;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, STORE_BUSY_MS);
	/* Refuse SQL that could corrupt the file (writable_schema etc.). */
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	rc = store_sqlite_first(st, "PRAGMA journal_mode=WAL", mode,
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

/* A database that opens may still be damaged inside: check its pages. */
static int store_sqlite_quick_check(struct store *st)
{
	char result[128];
	int rc;

	rc = store_sqlite_first(st, "PRAGMA quick_check", result,
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
static int store_sqlite_identity(struct store *st, const char *data_dir,
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
		rc = store_sqlite_first(st, "SELECT id FROM store_identity",
					id, sizeof(id), NULL);
	if (rc == 0)
		rc = store_sqlite_first(st, "SELECT count(*) FROM "
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

/* Open podboot.db in @data_dir: created only in a fresh directory,
 * checked, and tied to the directory. */
static int store_sqlite_open(struct store *st, const char *data_dir)
{
	char marker[DATADIR_ID_LEN + 1];
	enum datadir_store found;
	int rc;

	rc = fileio_join(st->path, sizeof(st->path), data_dir, STORE_DB_NAME);
	if (rc != 0) {
		log_error("%s: data directory name too long", data_dir);
		return rc;
	}
	rc = datadir_store_check(data_dir, &found, marker);
	if (rc == 0)
		rc = store_sqlite_connect(st, found == DATADIR_FRESH);
	if (rc == 0 && found != DATADIR_FRESH)
		rc = store_sqlite_quick_check(st);
	if (rc == 0)
		rc = store_sqlite_identity(st, data_dir, found, marker);
	return rc;
}

/* Close the connection. */
static void store_sqlite_close(struct store *st)
{
	if (sqlite3_close(store_sqlite_db(st)) != SQLITE_OK)
		store_fail(st, "closing");
	st->db = NULL;
}

/* Prepare @sql once, for the store's life. */
static int store_sqlite_prepare(struct store *st, struct store_stmt *s,
				const char *sql)
{
	sqlite3_stmt *h = NULL;

	if (sqlite3_prepare_v3(store_sqlite_db(st), sql, -1,
			       SQLITE_PREPARE_PERSISTENT, &h, NULL) !=
	    SQLITE_OK)
		return -PB_ESTORE;
	s->h = h;
	return 0;
}

/* Bind @s's kept parameters to its statement; 0 or an SQLite error. */
static int store_sqlite_bind(struct store_stmt *s)
{
	sqlite3_stmt *h = s->h;
	int i, rc = SQLITE_OK, n = sqlite3_bind_parameter_count(h);

	/* Parameters beyond those the SQL names are left out. */
	for (i = 0; rc == SQLITE_OK && i < s->nparams && i < n; i++) {
		if (s->kind[i] == STORE_P_TEXT)
			rc = sqlite3_bind_text(h, i + 1, s->text[i], -1,
					       SQLITE_STATIC);
		else if (s->kind[i] == STORE_P_INT)
			rc = sqlite3_bind_int64(h, i + 1, s->num[i]);
		else
			rc = sqlite3_bind_null(h, i + 1);
	}
	return rc;
}

/* Step: 1 row, 0 done, -EEXIST (constraint), -PB_ESTORE. */
static int store_sqlite_step(struct store_stmt *s)
{
	int rc;

	if (!s->started && store_sqlite_bind(s) != SQLITE_OK)
		return -PB_ESTORE;
	rc = sqlite3_step(s->h);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return -EEXIST;
	return -PB_ESTORE;
}

/* Reset the statement and its bindings. */
static void store_sqlite_reset(struct store_stmt *s)
{
	sqlite3_reset(s->h);
	sqlite3_clear_bindings(s->h);
}

/* Free the statement. */
static void store_sqlite_finalize(struct store_stmt *s)
{
	sqlite3_finalize(s->h);
	s->h = NULL;
}

/* Column @col of the current row as text. */
static const char *store_sqlite_col(struct store_stmt *s, int col, int *len)
{
	const unsigned char *t = sqlite3_column_text(s->h, col);

	*len = sqlite3_column_bytes(s->h, col);
	return (const char *)t;
}

/* Rows the last write changed. */
static long long store_sqlite_changes(struct store *st)
{
	return sqlite3_changes(store_sqlite_db(st));
}

/* The schema version: SQLite's user_version. */
static int store_sqlite_version_get(struct store *st, long long *v)
{
	return store_sqlite_first(st, "PRAGMA user_version", NULL, 0, v);
}

/* Set the schema version. */
static int store_sqlite_version_set(struct store *st, long long v)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", v);
	return store_sqlite_exec(st, sql);
}

/* BEGIN IMMEDIATE already keeps a second migrator out: no lock. */
static int store_sqlite_migrate_lock(struct store *st, int on)
{
	(void)st;
	(void)on;
	return 0;
}

/* The migrations are written in SQLite's dialect: a copy. */
static char *store_sqlite_dialect(const char *sql)
{
	return strdup(sql);
}

/* BEGIN IMMEDIATE holds the database's write lock already. */
static int store_sqlite_lock(struct store *st, const char *table)
{
	(void)st;
	(void)table;
	return 0;
}

/* synchronous=FULL while @on, else NORMAL. */
static int store_sqlite_durable(struct store *st, int on)
{
	if (on)
		return store_exec(st, "PRAGMA synchronous=FULL",
				  "asking for a durable commit");
	/*
	 * Failing to relax again only costs speed; the caller's commit
	 * stands, and reporting an error could make it undo work the
	 * database now references.
	 */
	if (store_sqlite_exec(st, "PRAGMA synchronous=NORMAL") != 0)
		log_warn("%s: restoring synchronous=NORMAL: %s", st->path,
			 store_sqlite_errmsg(st));
	return 0;
}

const struct store_backend store_sqlite_backend = {
	.name = "sqlite",
	.open = store_sqlite_open,
	.close = store_sqlite_close,
	.exec = store_sqlite_exec,
	.errmsg = store_sqlite_errmsg,
	.in_txn = store_sqlite_in_txn,
	.begin_sql = "BEGIN IMMEDIATE",
	.prepare = store_sqlite_prepare,
	.step = store_sqlite_step,
	.reset = store_sqlite_reset,
	.finalize = store_sqlite_finalize,
	.col = store_sqlite_col,
	.changes = store_sqlite_changes,
	.version_get = store_sqlite_version_get,
	.version_set = store_sqlite_version_set,
	.migrate_lock = store_sqlite_migrate_lock,
	.dialect = store_sqlite_dialect,
	.lock = store_sqlite_lock,
	.durable = store_sqlite_durable,
};
