/* store_pg.c: the PostgreSQL backend of the store (libpq), for replicas
 * that share one database: store.c's SQL in PostgreSQL's dialect,
 * migrations under an advisory lock, and reconnection when the server
 * goes away. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "num.h"
#include "error.h"
#include "log.h"
#include "store.h"
#include "store_int.h"

/* The advisory lock that one migrator at a time holds ("podboot"). */
#define STORE_PG_MIGRATE_LOCK "31632610254286708"
/* Reconnection: attempts, and the first pause (doubled, at most 2 s). */
#define STORE_PG_RETRIES 12
#define STORE_PG_PAUSE_MS 100
/* libpq's type oids of the parameters store.c binds. */
#define STORE_PG_TEXT 25
#define STORE_PG_INT8 20

/* Statements prepared on one connection, at most (others run unnamed). */
#define STORE_PG_PREPARED 96

/* A statement in PostgreSQL's dialect and the parameters it names. */
struct store_pg_sql {
	int nparams;
	char sql[];
};

/*
 * The statements prepared on one connection (named "pb" and their index):
 * each known by its parameters' types and its SQL, so that the same text
 * bound with other types is a statement of its own.  The server forgets
 * them with the connection, and so does this list.
 */
struct store_pg_prepared {
	unsigned int n;
	struct {
		unsigned long hash;
		char *key;	/* one letter per parameter's type, then SQL */
	} e[STORE_PG_PREPARED];
};

/* The connection of @st. */
static PGconn *store_pg_conn(struct store *st)
{
	return st->db;
}

/* Keep libpq's text for @res (or the connection's) as the last error. */
static void store_pg_keep_error(struct store *st, const PGresult *res)
{
	const char *msg = res ? PQresultErrorMessage(res) : "";

	if (!msg[0])
		msg = st->db ? PQerrorMessage(store_pg_conn(st)) : "no server";
	snprintf(st->err, sizeof(st->err), "%s", msg);
	st->err[strcspn(st->err, "\n")] = '\0';
}

/* The last error's text. */
static const char *store_pg_errmsg(struct store *st)
{
	return st->err[0] ? st->err : "unknown PostgreSQL error";
}

/* Server notices (NOTICE: relation exists, ...) are not errors. */
static void store_pg_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/*
 * The options of a connection that plans its prepared statements once
 * (st->generic_plans): the URL's own options, if any, and
 * plan_cache_mode.  PostgreSQL would otherwise plan the batched claim
 * (store_replica.c) again at every run, its arrays' lengths making each
 * custom plan look cheaper than the generic one: half a millisecond each
 * time, more than the statement itself.
 */
static void store_pg_generic_options(const struct store *st, char *out,
				     size_t size)
{
	PQconninfoOption *o = PQconninfoParse(st->url, NULL), *i;
	const char *own = "";

	for (i = o; i && i->keyword; i++)
		if (strcmp(i->keyword, "options") == 0 && i->val)
			own = i->val;
	snprintf(out, size, "%s%s-c plan_cache_mode=force_generic_plan", own,
		 own[0] ? " " : "");
	PQconninfoFree(o);
}

/* Connect to @st->url; 0 or -PB_ESTORE with the error kept. */
static int store_pg_connect(struct store *st)
{
	const char *keys[] = { "dbname", "connect_timeout",
			       "application_name", "password", NULL, NULL };
	const char *vals[] = { st->url, "5", "podboot", st->password, NULL,
			       NULL };
	char options[512];
	int n = 3;
	PGconn *c;

	if (st->password)
		n++;	/* else libpq reads PGPASSWORD itself */
	if (st->generic_plans) {
		store_pg_generic_options(st, options, sizeof(options));
		keys[n] = "options";
		vals[n++] = options;
	}
	keys[n] = NULL;
	c = PQconnectdbParams(keys, vals, 1);
	st->db = c;
	if (!c || PQstatus(c) != CONNECTION_OK) {
		store_pg_keep_error(st, NULL);
		return -PB_ESTORE;
	}
	PQsetNoticeProcessor(c, store_pg_notice, NULL);
	snprintf(st->path, sizeof(st->path), "PostgreSQL database %s on %s",
		 PQdb(c), PQhost(c));
	return 0;
}

/* Forget the statements prepared on @st's connection (it is gone). */
static void store_pg_forget(struct store *st)
{
	struct store_pg_prepared *pp = st->prepared;
	unsigned int i;

	if (!pp)
		return;
	for (i = 0; i < pp->n; i++)
		free(pp->e[i].key);
	free(pp);
	st->prepared = NULL;
}

/* Drop the connection. */
static void store_pg_close(struct store *st)
{
	store_pg_forget(st);
	PQfinish(store_pg_conn(st));
	st->db = NULL;
}

/* Sleep @ms milliseconds. */
static void store_pg_pause(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * The server went away: connect again, at most STORE_PG_RETRIES times
 * with growing pauses (about 15 s in all); whatever transaction was open
 * is lost.  0 or -PB_ESTORE, logged.
 */
static int store_pg_reconnect(struct store *st)
{
	unsigned int pause = STORE_PG_PAUSE_MS;
	int i;

	log_warn("%s: connection lost (%s); reconnecting", st->path,
		 store_pg_errmsg(st));
	st->txn = 0;
	store_pg_forget(st);	/* a new connection has none prepared */
	for (i = 1; i <= STORE_PG_RETRIES; i++) {
		if (PQstatus(store_pg_conn(st)) == CONNECTION_BAD)
			PQreset(store_pg_conn(st));
		if (PQstatus(store_pg_conn(st)) == CONNECTION_OK) {
			log_info("%s: reconnected after %d attempt%s",
				 st->path, i, i == 1 ? "" : "s");
			return 0;
		}
		store_pg_pause(pause);
		pause = pause * 2 > 2000 ? 2000 : pause * 2;
	}
	store_pg_keep_error(st, NULL);
	log_error("%s: no connection after %d attempts: %s", st->path,
		  STORE_PG_RETRIES, store_pg_errmsg(st));
	return -PB_ESTORE;
}

/* Whether @res is a success. */
static int store_pg_ok(const PGresult *res)
{
	return res && (PQresultStatus(res) == PGRES_COMMAND_OK ||
		       PQresultStatus(res) == PGRES_TUPLES_OK);
}

/* A string's hash (FNV-1a). */
static unsigned long store_pg_hash(const char *s)
{
	return num_fnv1a(NUM_FNV1A_INIT, s);
}

/*
 * The name of @key's statement (@sql with @n parameters of @types) on
 * @st's connection, prepared there on first use: 1 with @name filled, 0
 * to run it unnamed (no room left, or no memory), or -1 with *@res the
 * server's answer to a failed PREPARE (the statement's own error, or a
 * lost connection) for the caller.
 */
static int store_pg_named(struct store *st, const char *key, const char *sql,
			  int n, const Oid *types, char name[16],
			  PGresult **res)
{
	struct store_pg_prepared *pp = st->prepared;
	unsigned long h = store_pg_hash(key);
	unsigned int i;
	char *copy;

	*res = NULL;
	if (!pp) {
		pp = calloc(1, sizeof(*pp));
		if (!pp)
			return 0;
		st->prepared = pp;
	}
	for (i = 0; i < pp->n; i++)
		if (pp->e[i].hash == h && strcmp(pp->e[i].key, key) == 0)
			break;
	snprintf(name, 16, "pb%u", i);
	if (i < pp->n)
		return 1;
	if (pp->n == STORE_PG_PREPARED)
		return 0;
	copy = strdup(key);
	if (!copy)
		return 0;
	*res = PQprepare(store_pg_conn(st), name, sql, n, types);
	if (!store_pg_ok(*res)) {
		free(copy);
		return -1;
	}
	PQclear(*res);
	*res = NULL;
	pp->e[i].hash = h;
	pp->e[i].key = copy;
	pp->n++;
	return 1;
}

/*
 * Run @sql with @n parameters; a result the caller clears, or NULL
 * (error kept).  With @key (the parameters' types and the SQL), the
 * statement is prepared once per connection and runs by name after.  A
 * statement outside a transaction runs again once the connection is back
 * (prepared again there); inside one it fails (the transaction is gone).
 */
static PGresult *store_pg_run(struct store *st, const char *sql, int n,
			      const Oid *types, const char *const *vals,
			      const char *key)
{
	PGresult *res = NULL;
	char name[16];
	int tries, named;

	for (tries = 0; tries < 2; tries++) {
		named = key ? store_pg_named(st, key, sql, n, types, name,
					     &res)
			    : 0;
		/* Without parameters, several statements may run at once. */
		if (named > 0)
			res = PQexecPrepared(store_pg_conn(st), name, n, vals,
					     NULL, NULL, 0);
		else if (named == 0)
			res = types ? PQexecParams(store_pg_conn(st), sql, n,
						   types, vals, NULL, NULL, 0)
				    : PQexec(store_pg_conn(st), sql);
		if (res && (PQresultStatus(res) == PGRES_COMMAND_OK ||
			    PQresultStatus(res) == PGRES_TUPLES_OK))
			return res;
		store_pg_keep_error(st, res);
		if (PQstatus(store_pg_conn(st)) != CONNECTION_BAD)
			return res;	/* an error of the statement's own */
		PQclear(res);
		if (st->txn || tries > 0 || store_pg_reconnect(st) != 0)
			return NULL;
	}
	return NULL;
}

/*
 * Run @sql without rows (several statements are fine when it has no
 * parameters); 0 or -PB_ESTORE.  Tracks the transaction, and a ROLLBACK
 * on a lost connection only reconnects.
 */
static int store_pg_exec(struct store *st, const char *sql)
{
	int begin = strncmp(sql, "BEGIN", 5) == 0;
	int end = !begin && (strcmp(sql, "COMMIT") == 0 ||
			     strcmp(sql, "ROLLBACK") == 0);
	PGresult *res;
	int ok;

	if (strcmp(sql, "ROLLBACK") == 0 &&
	    PQstatus(store_pg_conn(st)) == CONNECTION_BAD) {
		st->txn = 0;
		return store_pg_reconnect(st);
	}
	res = store_pg_run(st, sql, 0, NULL, NULL, NULL);
	ok = store_pg_ok(res);
	if (res && !ok)
		store_pg_keep_error(st, res);
	PQclear(res);
	if (end || (begin && ok))
		st->txn = begin && ok;
	return ok ? 0 : -PB_ESTORE;
}

/* Whether a transaction is open. */
static int store_pg_in_txn(struct store *st)
{
	return st->txn;
}

/* Connect; PostgreSQL needs nothing of the data directory. */
static int store_pg_open(struct store *st, const char *data_dir)
{
	(void)data_dir;
	snprintf(st->path, sizeof(st->path), "PostgreSQL store");
	if (store_pg_connect(st) != 0) {
		log_error("%s: connecting: %s", st->path, store_pg_errmsg(st));
		return -PB_ESTORE;
	}
	log_debug("%s: connected", st->path);
	return 0;
}

/* @sql with ?N turned into $N, and the highest N it names; the caller
 * frees it.  NULL without memory. */
static struct store_pg_sql *store_pg_translate(const char *sql)
{
	struct store_pg_sql *p;
	size_t len = strlen(sql), i, o = 0;
	long v;
	char *end;

	p = malloc(sizeof(*p) + len + 1);
	if (!p)
		return NULL;
	p->nparams = 0;
	for (i = 0; i < len; i++) {
		if (sql[i] == '?' && sql[i + 1] >= '1' && sql[i + 1] <= '9') {
			v = strtol(sql + i + 1, &end, 10);
			if (v > p->nparams)
				p->nparams = (int)v;
			p->sql[o++] = '$';
			continue;
		}
		p->sql[o++] = sql[i];
	}
	p->sql[o] = '\0';
	return p;
}

/* Keep @sql in PostgreSQL's dialect (run at each first step: nothing
 * prepared on the server is lost when the connection is). */
static int store_pg_prepare(struct store *st, struct store_stmt *s,
			    const char *sql)
{
	struct store_pg_sql *p = store_pg_translate(sql);

	if (!p) {
		snprintf(st->err, sizeof(st->err), "out of memory");
		return -PB_ESTORE;
	}
	s->h = p;
	return 0;
}

/* Run @s with its parameters (each typed: text or bigint). */
static int store_pg_start(struct store_stmt *s)
{
	struct store_pg_sql *p = s->h;
	const char *vals[STORE_PARAMS];
	char num[STORE_PARAMS][24];
	Oid types[STORE_PARAMS];
	PGresult *res;
	const char *state;
	char *key;
	int i, rc;

	key = malloc(STORE_PARAMS + strlen(p->sql) + 1);
	for (i = 0; i < p->nparams && i < STORE_PARAMS; i++) {
		types[i] = s->kind[i] == STORE_P_INT ? STORE_PG_INT8
						     : STORE_PG_TEXT;
		if (key)
			key[i] = s->kind[i] == STORE_P_INT ? 'i' : 't';
		vals[i] = s->kind[i] == STORE_P_TEXT ? s->text[i] : NULL;
		if (s->kind[i] == STORE_P_INT) {
			snprintf(num[i], sizeof(num[i]), "%lld", s->num[i]);
			vals[i] = num[i];
		}
	}
	if (key)
		strcpy(key + i, p->sql);
	res = store_pg_run(s->st, p->sql, i, types, vals, key);
	free(key);
	if (store_pg_ok(res)) {
		s->res = res;
		s->row = 0;
		s->st->changes = strtoll(PQcmdTuples(res), NULL, 10);
		return 0;
	}
	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	/* Class 23: integrity constraint violation. */
	rc = state && strncmp(state, "23", 2) == 0 ? -EEXIST : -PB_ESTORE;
	PQclear(res);
	return rc;
}

/* Step: 1 row, 0 done, -EEXIST (constraint), -PB_ESTORE. */
static int store_pg_step(struct store_stmt *s)
{
	int rc;

	if (!s->started) {
		rc = store_pg_start(s);
		if (rc != 0)
			return rc;
	} else {
		s->row++;
	}
	return s->row < PQntuples(s->res) ? 1 : 0;
}

/* Drop the rows. */
static void store_pg_reset(struct store_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->row = 0;
}

/* Drop the rows and the SQL. */
static void store_pg_finalize(struct store_stmt *s)
{
	store_pg_reset(s);
	free(s->h);
	s->h = NULL;
}

/* Column @col of the current row as text. */
static const char *store_pg_col(struct store_stmt *s, int col, int *len)
{
	if (!s->res || col >= PQnfields(s->res) ||
	    PQgetisnull(s->res, s->row, col)) {
		*len = 0;
		return NULL;
	}
	*len = PQgetlength(s->res, s->row, col);
	return PQgetvalue(s->res, s->row, col);
}

/* Rows the last write changed. */
static long long store_pg_changes(struct store *st)
{
	return st->changes;
}

/* The schema version, from podboot_schema (made under the lock). */
static int store_pg_version_get(struct store *st, long long *v)
{
	PGresult *res = store_pg_run(st, "SELECT version FROM podboot_schema",
				     0, NULL, NULL, NULL);
	int rc = -PB_ESTORE;

	if (store_pg_ok(res) && PQntuples(res) == 1) {
		*v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		rc = 0;
	} else if (res) {
		store_pg_keep_error(st, res);
	}
	PQclear(res);
	return rc;
}

/* Set the schema version. */
static int store_pg_version_set(struct store *st, long long v)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "UPDATE podboot_schema SET version = %lld",
		 v);
	return store_pg_exec(st, sql);
}

/*
 * Take (@on) or release the advisory lock that one migrator holds at a
 * time, replicas waiting, and make the version's table under it.
 */
static int store_pg_migrate_lock(struct store *st, int on)
{
	if (!on)
		return store_pg_exec(st, "SELECT pg_advisory_unlock("
				     STORE_PG_MIGRATE_LOCK ")");
	if (store_exec(st, "SELECT pg_advisory_lock(" STORE_PG_MIGRATE_LOCK
		       ")", "waiting for the migration lock") != 0)
		return -PB_ESTORE;
	return store_exec(st,
			  "CREATE TABLE IF NOT EXISTS podboot_schema ("
			  " version BIGINT NOT NULL);"
			  "INSERT INTO podboot_schema (version) SELECT 0"
			  " WHERE NOT EXISTS (SELECT 1 FROM podboot_schema);",
			  "recording the schema version");
}

/* Append @s to @out at *@o (room is checked by the caller). */
static void store_pg_put(char *out, size_t *o, const char *s)
{
	size_t n = strlen(s);

	memcpy(out + *o, s, n);
	*o += n;
}

/*
 * A migration in PostgreSQL's dialect: 64-bit integers, an identity
 * column for AUTOINCREMENT, and text compared byte by byte (as SQLite
 * does, so that lists page in the same order).  The caller frees it.
 */
static char *store_pg_dialect(const char *sql)
{
	static const struct {
		const char *from, *to;
	} words[] = {
		{ "INTEGER PRIMARY KEY AUTOINCREMENT",
		  "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" },
		{ "INTEGER", "BIGINT" },
		{ " TEXT", " TEXT COLLATE \"C\"" },
	};
	size_t len = strlen(sql), o = 0, i, w;
	char *out = malloc(len * 4 + 1);

	if (!out)
		return NULL;
	for (i = 0; i < len;) {
		for (w = 0; w < sizeof(words) / sizeof(words[0]); w++)
			if (strncmp(sql + i, words[w].from,
				    strlen(words[w].from)) == 0)
				break;
		if (w < sizeof(words) / sizeof(words[0])) {
			store_pg_put(out, &o, words[w].to);
			i += strlen(words[w].from);
		} else {
			out[o++] = sql[i++];
		}
	}
	out[o] = '\0';
	return out;
}

/* Other replicas' writes to @table wait until this transaction ends
 * (readers do not). */
static int store_pg_lock(struct store *st, const char *table)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE",
		 table);
	return store_pg_exec(st, sql);
}

/* PostgreSQL's commits are durable (synchronous_commit) already. */
static int store_pg_durable(struct store *st, int on)
{
	(void)st;
	(void)on;
	return 0;
}

const struct store_backend store_pg_backend = {
	.name = "postgresql",
	.open = store_pg_open,
	.close = store_pg_close,
	.exec = store_pg_exec,
	.errmsg = store_pg_errmsg,
	.in_txn = store_pg_in_txn,
	.begin_sql = "BEGIN",
	.prepare = store_pg_prepare,
	.step = store_pg_step,
	.reset = store_pg_reset,
	.finalize = store_pg_finalize,
	.col = store_pg_col,
	.changes = store_pg_changes,
	.version_get = store_pg_version_get,
	.version_set = store_pg_version_set,
	.migrate_lock = store_pg_migrate_lock,
	.dialect = store_pg_dialect,
	.lock = store_pg_lock,
	.durable = store_pg_durable,
};
