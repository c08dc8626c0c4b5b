/* store_leader.c: which replica leads (evaluates and sends alerts): the
 * holder of a session-level PostgreSQL advisory lock, taken on a
 * connection of its own so that it lives and dies with the process. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "error.h"
#include "log.h"
#include "store.h"
#include "store_int.h"

/* The advisory lock of the alert leader ("podboot" + 1: not the
 * migration lock, which store_pg.c takes on the store's connection). */
#define STORE_LEADER_LOCK "31632610254286709"

/*
 * One replica's seat in the election: @conn holds the lock while @held.
 * On SQLite (@st's backend is not PostgreSQL) the process always leads.
 */
struct store_leader {
	struct store *st;
	PGconn *conn;
	int held;
	int warned;		/* the database's absence was logged */
};

int store_leader_open(struct store *st, struct store_leader **out)
{
	struct store_leader *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->st = st;
	*out = l;
	return 0;
}

/*
 * Connect (or connect again) to the store's database; 0 or -PB_ESTORE,
 * logged once per outage.  Keepalives make a leader whose host vanished
 * without closing the connection lose it (and the server the lock) within
 * about 20 s.
 */
static int store_leader_connect(struct store_leader *l)
{
	const char *keys[] = { "dbname", "connect_timeout", "application_name",
			       "keepalives_idle", "keepalives_interval",
			       "keepalives_count", "password", NULL };
	const char *vals[] = { l->st->url, "3", "podboot-leader", "5", "5",
			       "3", l->st->password, NULL };

	if (l->conn && PQstatus(l->conn) == CONNECTION_OK)
		return 0;
	PQfinish(l->conn);
	if (!l->st->password)
		keys[6] = NULL;	/* libpq reads PGPASSWORD itself */
	l->conn = PQconnectdbParams(keys, vals, 1);
	if (l->conn && PQstatus(l->conn) == CONNECTION_OK) {
		l->warned = 0;
		return 0;
	}
	if (!l->warned)
		log_warn("alert leader: cannot reach %s (%s); not leading "
			 "until it answers", l->st->path,
			 l->conn ? strtok(PQerrorMessage(l->conn), "\n") :
				   "out of memory");
	l->warned = 1;
	PQfinish(l->conn);
	l->conn = NULL;
	return -PB_ESTORE;
}

/* Run @sql (one boolean or no row) on the leader's connection: 1 for a
 * true value, 0 for false or no row, -PB_ESTORE if it failed. */
static int store_leader_query(struct store_leader *l, const char *sql)
{
	PGresult *res = PQexec(l->conn, sql);
	int rc = -PB_ESTORE;

	if (res && PQresultStatus(res) == PGRES_TUPLES_OK)
		rc = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return rc;
}

int store_leader_poll(struct store_leader *l)
{
	int was = l->held, rc;

	if (l->st->be != &store_pg_backend)
		return 1;
	if (store_leader_connect(l) != 0) {
		l->held = 0;
	} else if (l->held) {
		/* The lock lives as long as this session: is it still up? */
		rc = store_leader_query(l, "SELECT true");
		l->held = rc == 1;
	} else {
		rc = store_leader_query(l, "SELECT pg_try_advisory_lock("
					   STORE_LEADER_LOCK ")");
		l->held = rc == 1;
	}
	if (l->held != was)
		log_info("alert leader: %s", l->held ?
			 "this replica leads (evaluates and sends alerts)" :
			 "this replica no longer leads");
	return l->held;
}

void store_leader_close(struct store_leader *l)
{
	if (!l)
		return;
	/* Closing the session releases the lock at once. */
	PQfinish(l->conn);
	free(l);
}
