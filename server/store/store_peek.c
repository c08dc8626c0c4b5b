/* store_peek.c: a read-only look into a data directory's store, for
 * commands that must not change it (serve --check): the assignments and
 * how many machines are discovered, while a server may hold the store. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "datadir.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "store.h"

/* Log SQLite's text for @db while doing @what on @path; -PB_ESTORE. */
static int store_peek_fail(sqlite3 *db, const char *path, const char *what)
{
	log_error("%s: %s: %s", path, what,
		  db ? sqlite3_errmsg(db) : "out of memory");
	return -PB_ESTORE;
}

/* The text of column @col of @s into @buf (@size bytes, cut to fit). */
static void store_peek_col(sqlite3_stmt *s, int col, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(buf, size, "%s", t ? (const char *)t : "");
}

/* The first column of the one row of @sql as a number into *@out. */
static int store_peek_number(sqlite3 *db, const char *path, const char *sql,
			     long long *out)
{
	sqlite3_stmt *s = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW)
		rc = store_peek_fail(db, path, "reading");
	else
		*out = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc;
}

/* Each assignment of @db, oldest first (as store_assign_list), to @cb. */
static int store_peek_assignments(sqlite3 *db, const char *path,
				  int (*cb)(void *ctx,
					    const struct store_assignment *a),
				  void *ctx)
{
	struct store_assignment a;
	sqlite3_stmt *s = NULL;
	int rc = 0, step;

	if (sqlite3_prepare_v2(db, "SELECT mac, hostname, pod, profile, "
			       "address FROM assignments ORDER BY created, mac",
			       -1, &s, NULL) != SQLITE_OK)
		return store_peek_fail(db, path, "reading assignments");
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&a, 0, sizeof(a));
		store_peek_col(s, 0, a.mac, sizeof(a.mac));
		store_peek_col(s, 1, a.hostname, sizeof(a.hostname));
		store_peek_col(s, 2, a.pod, sizeof(a.pod));
		store_peek_col(s, 3, a.profile, sizeof(a.profile));
		store_peek_col(s, 4, a.address, sizeof(a.address));
		rc = cb(ctx, &a);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_peek_fail(db, path, "reading assignments");
	sqlite3_finalize(s);
	return rc;
}

/* Declared in store.h. */
int store_peek(const char *data_dir,
	       int (*cb)(void *ctx, const struct store_assignment *a),
	       void *ctx, unsigned long long *discovered)
{
	char path[PATH_MAX], sql[96];
	long long version = 0, n = 0;
	sqlite3 *db = NULL;
	int rc;

	*discovered = 0;
	rc = fileio_join(path, sizeof(path), data_dir, DATADIR_DB);
	if (rc != 0)
		return rc;
	if (access(path, F_OK) != 0)
		return 0;	/* a fresh data directory: nothing yet */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		rc = store_peek_fail(db, path, "opening read-only");
		goto out;
	}
	sqlite3_busy_timeout(db, 5000);
	rc = store_peek_number(db, path, "PRAGMA user_version", &version);
	if (rc != 0 || version < 3)	/* assignments came with schema 3 */
		goto out;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM nodes WHERE state = %d",
		 (int)NODE_DISCOVERED);
	rc = store_peek_number(db, path, sql, &n);
	if (rc == 0)
		rc = store_peek_assignments(db, path, cb, ctx);
	*discovered = n > 0 ? (unsigned long long)n : 0;
out:
	sqlite3_close(db);
	return rc;
}
