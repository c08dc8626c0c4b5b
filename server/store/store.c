/* store.c: podboot serve's durable state: the schema and its migrations
 * and every statement, written once for both backends (store_sqlite.c,
 * store_pg.c), opening and closing, and the SQL helpers the other store
 * files share. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

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
	/* 9: what the alert leader last sent of each alert (store_alert.c),
	 * so that the replica that takes over never sends it again */
	"CREATE TABLE alert_sent ("
	" rule TEXT NOT NULL,"
	" node TEXT NOT NULL,"
	" firing INTEGER NOT NULL,"
	" sent_at INTEGER NOT NULL,"
	" PRIMARY KEY (rule, node));",
	/* 10: what replicas share beyond nodes (store_replica.c): numbered
	 * values such as the configuration generation a reload bumps, and
	 * each node's push sequence numbers seen by any replica */
	"CREATE TABLE shared_values ("
	" name TEXT PRIMARY KEY,"
	" value INTEGER NOT NULL);"
	"CREATE TABLE push_seen ("
	" id TEXT NOT NULL,"
	" generation INTEGER NOT NULL,"
	" epoch INTEGER NOT NULL,"
	" seq INTEGER NOT NULL,"
	" at INTEGER NOT NULL,"
	" PRIMARY KEY (id, generation, epoch, seq));",
	/* 11: each epoch's pushes seen in one row, a window of the 1024
	 * seqs up to its newest (store_replica.c): a claim updates that row
	 * in place instead of adding a row and an index entry per push */
	"CREATE TABLE push_window ("
	" id TEXT NOT NULL,"
	" generation INTEGER NOT NULL,"
	" epoch INTEGER NOT NULL,"
	" top INTEGER NOT NULL,"
	" seen BIT(1024) NOT NULL,"
	" at INTEGER NOT NULL,"
	" PRIMARY KEY (id, generation, epoch));",
	/* 12: the rows of push_seen are in push_window (a shared store's
	 * step 11); a replica of an older podboot that still claims there
	 * gets an error, and its agents retry on another replica */
	"DROP TABLE push_seen;",
};

/*
 * What step i also does on a shared store (PostgreSQL), after the step
 * itself and in its transaction: moving rows only a shared store has, in
 * SQL that only PostgreSQL speaks.
 */
static const char *const store_migrations_shared[] = {
	/* 11: each epoch's window from its rows: bit k set where seq top - k
	 * was taken */
	[10] = "INSERT INTO push_window (id, generation, epoch, top, seen, at) "
	       "SELECT p.id, p.generation, p.epoch, e.top, "
	       "bit_or(B'1'::bit(1024) >> (e.top - p.seq)::int), e.at "
	       "FROM push_seen p JOIN (SELECT id, generation, epoch, "
	       "max(seq) AS top, max(at) AS at FROM push_seen "
	       "GROUP BY id, generation, epoch) e USING (id, generation, epoch) "
	       "WHERE e.top - p.seq < 1024 "
	       "GROUP BY p.id, p.generation, p.epoch, e.top, e.at",
};

#define STORE_SCHEMA_LATEST \
	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

/* Events of a class or subject, paged by id (see STMT_EVENT_LIST_KIND). */
#define EVENT_LIST_BY(filter) \
	"SELECT id, ts, kind, subject, detail FROM events WHERE " filter \
	" AND (?4 IS NULL OR subject = ?4) AND id > ?1 ORDER BY id LIMIT ?2"
#define NODE_INSERT \
	"INSERT INTO nodes (" NODE_COLS ") " \
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7) ON CONFLICT (id) "
/* The node lists page by id: ?1 last id seen, ?2 pod, ?3 state, ?4 rows. */
#define NODE_LIST(filter) \
	"SELECT " NODE_COLS " FROM nodes WHERE " filter "id > ?1 " \
	"ORDER BY id LIMIT ?4"
/* The node counts: ?1 pod, ?2 state (each bound where it is named). */
#define NODE_COUNT(filter) "SELECT count(*) FROM nodes WHERE " filter "1 = 1"
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
	[STMT_NODE_SET_STATE] = { "updating node state", NODE_SET_STATE },
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
	/* ?1 the last id seen, ?2 rows, ?3 kind, ?4 subject (NULL: any);
	 * each walks the index of its class (migration 5) */
	[STMT_EVENT_LIST_KIND] = { "listing events of a kind",
		EVENT_LIST_BY("kind <> 'refusal' AND kind = ?3") },
	[STMT_EVENT_LIST_REFUSALS] = { "listing refusal events",
		EVENT_LIST_BY("kind = 'refusal'") },
	[STMT_EVENT_LIST_SUBJECT] = { "listing events of a subject",
		EVENT_LIST_BY("subject = ?4") },
	[STMT_EVENT_TRIM] = { "trimming old events",
		EVENT_TRIM("kind <> 'refusal'") },
	[STMT_EVENT_TRIM_REFUSALS] = { "trimming old refusal events",
		EVENT_TRIM("kind = 'refusal'") },
	/* The primary key's end: no scan, in SQLite or PostgreSQL. */
	[STMT_EVENT_LAST] = { "reading the newest event id",
		"SELECT coalesce(max(id), 0) FROM events" },
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
	log_error("%s: %s: %s", st->path, what, st->be->errmsg(st));
	return -PB_ESTORE;
}

/* Run @sql (no rows wanted); 0 or -PB_ESTORE, logged as @what. */
int store_exec(struct store *st, const char *sql, const char *what)
{
	if (st->be->exec(st, sql) != 0)
		return store_fail(st, what);
	return 0;
}

/* Start a write transaction (SQLite: taking the write lock at once, so
 * that no upgrade deadlock with another process is possible). */
int store_begin(struct store *st)
{
	return store_exec(st, st->be->begin_sql, "starting a transaction");
}

/* Commit the open transaction; 0, or -PB_ESTORE (logged). */
int store_commit(struct store *st)
{
	return store_exec(st, "COMMIT", "committing");
}

/* Roll back the open transaction, if any (SQLite may have done so). */
void store_rollback(struct store *st)
{
	if (st->be->in_txn(st))
		store_exec(st, "ROLLBACK", "rolling back");
}

/* Keep parameter ?@i of @s: 0, or -ERANGE outside 1..STORE_PARAMS. */
static int store_bind(struct store_stmt *s, int i, int kind,
		      const char *text, long long v)
{
	if (i < 1 || i > STORE_PARAMS)
		return -ERANGE;
	s->kind[i - 1] = (unsigned char)kind;
	s->text[i - 1] = text;
	s->num[i - 1] = v;
	if (i > s->nparams)
		s->nparams = i;
	return 0;
}

/* Bind text (NULL for NULL) that outlives the statement's use. */
int store_bind_text(struct store_stmt *s, int i, const char *text)
{
	return store_bind(s, i, text ? STORE_P_TEXT : STORE_P_NULL, text, 0);
}

/* Bind a number to parameter ?@i. */
int store_bind_int(struct store_stmt *s, int i, long long v)
{
	return store_bind(s, i, STORE_P_INT, NULL, v);
}

/* Make @s ready for its next use: no rows, no parameters. */
void store_stmt_reset(struct store_stmt *s)
{
	if (s->h)
		s->st->be->reset(s);
	s->started = 0;
	s->nparams = 0;
	memset(s->kind, 0, sizeof(s->kind));
}

/*
 * Prepare @sql (written with ?N parameters) as @s for store @st; @what
 * names it in log lines.  0, or -PB_ESTORE (logged).
 */
int store_stmt_open(struct store *st, struct store_stmt *s, const char *sql,
		    const char *what)
{
	memset(s, 0, sizeof(*s));
	s->st = st;
	s->what = what;
	if (st->be->prepare(st, s, sql) != 0)
		return store_fail(st, what);
	return 0;
}

/* Step @s: 1 for a row, 0 when done, -EEXIST for a broken constraint,
 * or -PB_ESTORE (not logged). */
int store_stmt_step(struct store_stmt *s)
{
	int rc = s->st->be->step(s);

	s->started = 1;
	return rc;
}

/* Release @s; a never-opened (zeroed) one is fine. */
void store_stmt_close(struct store_stmt *s)
{
	if (s->st && s->h)
		s->st->be->finalize(s);
	s->h = NULL;
}

/* Rows the last write changed. */
long long store_changes(struct store *st)
{
	return st->be->changes(st);
}

/* Keep other writers out of @table (a name of the schema's) until the
 * open transaction ends; 0 or -PB_ESTORE (logged). */
int store_lock(struct store *st, const char *table)
{
	if (st->be->lock(st, table) != 0)
		return store_fail(st, "locking a table");
	return 0;
}

/* Ask for durable commits (@on) or the usual ones again. */
int store_durable(struct store *st, int on)
{
	return st->be->durable(st, on);
}

/* Step statement @id: 1 for a row, 0 when done, or -PB_ESTORE (logged). */
int store_step(struct store *st, enum store_stmt_id id)
{
	int rc = store_stmt_step(&st->stmt[id]);

	if (rc < 0)
		return store_fail(st, store_stmts[id].what);
	return rc;
}

/* Make statement @id ready for its next use (its error is logged). */
void store_reset(struct store *st, enum store_stmt_id id)
{
	store_stmt_reset(&st->stmt[id]);
}

/*
 * Step statement @id for the first time.  @bind_err is non-zero if binding
 * its parameters failed (the caller ORs the store_bind_* results).
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

/* Column @col of the current row of @s: its text, NULL for NULL, and
 * its length into *@len. */
const char *store_col_raw(struct store_stmt *s, int col, int *len)
{
	return s->st->be->col(s, col, len);
}

/* Column @col as a number (PostgreSQL's booleans are 1 and 0). */
long long store_col_int(struct store_stmt *s, int col)
{
	int len;
	const char *t = store_col_raw(s, col, &len);

	if (!t)
		return 0;
	if (t[0] == 't' || t[0] == 'f')
		return t[0] == 't';
	return strtoll(t, NULL, 10);
}

/*
 * Copy a text column into a fixed field, truncating safely.  Returns 0 if
 * the whole value fit, else -EINVAL (too long, or a NUL inside).
 */
int store_col_text(struct store_stmt *s, int col, char *buf, size_t size)
{
	int len = 0;
	const char *text = store_col_raw(s, col, &len);

	snprintf(buf, size, "%s", text ? text : "");
	return (size_t)len == strlen(buf) ? 0 : -EINVAL;
}

/*
 * Copy column 0, the key the lists page by, refusing a value that does
 * not fit: paging on a truncated key would return the same rows forever.
 */
int store_col_key(struct store *st, struct store_stmt *s, char *buf,
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

/* Run migration step @v (0-based) in this backend's dialect. */
static int store_migrate_step(struct store *st, long long v)
{
	char *sql = st->be->dialect(store_migrations[v]);
	int rc;

	if (!sql)
		return -ENOMEM;
	rc = store_exec(st, sql, "migrating schema");
	free(sql);
	if (rc == 0 && store_shared(st) &&
	    (size_t)v < sizeof(store_migrations_shared) /
				sizeof(store_migrations_shared[0]) &&
	    store_migrations_shared[v])
		rc = store_exec(st, store_migrations_shared[v],
				"migrating a shared store's rows");
	if (rc == 0 && st->be->version_set(st, v + 1) != 0)
		rc = store_fail(st, "setting schema version");
	return rc;
}

/* Whether version @v is one this podboot can run on; 0 or the error. */
static int store_version_ok(struct store *st, long long v)
{
	if (v > STORE_SCHEMA_LATEST) {
		log_error("%s: schema version %lld is newer than this podboot "
			  "understands (%d); run a newer podboot or restore a "
			  "backup",
			  st->path, v, STORE_SCHEMA_LATEST);
		return -PB_ESCHEMA;
	}
	if (v < 0) {
		log_error("%s: invalid schema version %lld", st->path, v);
		return -PB_ESTORE;
	}
	return 0;
}

/*
 * Bring the schema up to date, one transaction per step.  The version is
 * read inside the transaction, under the backend's migration lock, so that
 * two processes opening the same new database at once do not both
 * migrate it.
 */
static int store_migrate(struct store *st)
{
	long long v = 0, first = -1;
	int rc;

	rc = st->be->migrate_lock(st, 1);
	while (rc == 0) {
		rc = store_begin(st);
		if (rc == 0 && st->be->version_get(st, &v) != 0)
			rc = store_fail(st, "reading schema version");
		if (rc == 0)
			rc = store_version_ok(st, v);
		if (rc != 0)
			break;
		if (first < 0)
			first = v;
		if (v == STORE_SCHEMA_LATEST) {
			rc = store_commit(st);
			break;
		}
		rc = store_migrate_step(st, v);
		if (rc == 0)
			rc = store_commit(st);
		if (rc == 0 && first > 0) /* a new database is not migrated */
			log_info("%s: schema migrated to version %lld",
				 st->path, v + 1);
	}
	if (rc != 0)
		store_rollback(st);
	else
		st->version = STORE_SCHEMA_LATEST;
	st->be->migrate_lock(st, 0);
	return rc;
}

/*
 * Prepare every statement of store_stmts[] on the connection; 0, or
 * -PB_ESTORE (logged, naming the statement's purpose).
 */
int store_prepare(struct store *st)
{
	int i, rc;

	for (i = 0; i < STMT_COUNT; i++) {
		rc = store_stmt_open(st, &st->stmt[i], store_stmts[i].sql,
				     store_stmts[i].what);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* A new store on backend @be, not yet connected; NULL without memory. */
static struct store *store_new(const struct store_backend *be)
{
	struct store *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	if (pthread_mutex_init(&st->lock, NULL) != 0) {
		free(st);
		return NULL;
	}
	st->be = be;
	st->events_keep[EVENTS_OTHER] = STORE_EVENTS_KEEP;
	st->events_keep[EVENTS_REFUSAL] = STORE_REFUSALS_KEEP;
	st->refusals_per_window = STORE_REFUSALS_PER_WINDOW;
	st->refusal_window_s = STORE_REFUSAL_WINDOW_S;
	return st;
}

/* Connect @st, migrate and prepare; on failure, close it. */
static int store_start(struct store **stp, struct store *st,
		       const char *data_dir)
{
	int rc;

	rc = st->be->open(st, data_dir);
	if (rc == 0)
		rc = store_migrate(st);
	if (rc == 0)
		rc = store_prepare(st);
	if (rc == 0)
		rc = store_pool_open(st);
	if (rc != 0) {
		store_close(st);
		return rc;
	}
	*stp = st;
	return 0;
}

int store_open(struct store **stp, const char *data_dir)
{
	return store_open_url(stp, data_dir, NULL, NULL);
}

/*
 * The password in @file (its first line; the file readable by its owner
 * only) into a new string; the caller wipes and frees it.  0, -EPERM for
 * a file others may read, or -errno; logged.
 */
static int store_read_password(const char *file, char **out)
{
	unsigned char *buf = NULL;
	struct stat sb;
	size_t len = 0;
	int rc;

	if (stat(file, &sb) != 0) {
		rc = -errno;
	} else if (sb.st_mode & 077) {
		log_error("store password_file %s: mode %04o lets others read "
			  "it; chmod 600 it",
			  file, (unsigned int)(sb.st_mode & 07777));
		return -EPERM;
	} else {
		rc = fileio_read(file, 4096, &buf, &len);
	}
	if (rc != 0) {
		log_error("store password_file %s: %s", file, pb_strerror(rc));
		return rc;
	}
	buf[strcspn((char *)buf, "\r\n")] = '\0';
	*out = (char *)buf;
	return 0;
}

int store_open_url(struct store **stp, const char *data_dir, const char *url,
		   const char *password_file)
{
	struct store *st;
	int rc = 0;

	*stp = NULL;
	st = store_new(url && url[0] ? &store_pg_backend
				     : &store_sqlite_backend);
	if (!st)
		return -ENOMEM;
	if (url && url[0]) {
		st->url = strdup(url);
		if (!st->url)
			rc = -ENOMEM;
		if (rc == 0 && password_file && password_file[0])
			rc = store_read_password(password_file, &st->password);
		if (rc != 0) {
			store_close(st);
			return rc;
		}
	}
	return store_start(stp, st, data_dir);
}

void store_close(struct store *st)
{
	int i;

	if (!st)
		return;
	store_pool_close(st);
	if (st->stmt[STMT_EVENT_ADD].h) {
		/* What open refusal windows counted is not lost. */
		pthread_mutex_lock(&st->lock);
		store_refusal_sweep(st, (long long)time(NULL), 1);
		pthread_mutex_unlock(&st->lock);
	}
	for (i = 0; i < STMT_COUNT; i++)
		store_stmt_close(&st->stmt[i]);
	if (st->db)
		st->be->close(st);
	if (st->password) {
		explicit_bzero(st->password, strlen(st->password));
		free(st->password);
	}
	free(st->url);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

int store_schema_version(struct store *st)
{
	return st->version;
}
