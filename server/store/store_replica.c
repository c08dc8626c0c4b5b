/* store_replica.c: state that replicas sharing one PostgreSQL database
 * must agree on beyond the nodes: the configuration generation that a
 * reload on any replica bumps (the others follow), and the push sequence
 * numbers any replica has taken (a push replayed to another replica is a
 * duplicate there too). */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "store_int.h"

/* The name of the configuration generation in shared_values. */
#define STORE_CONFIG_GEN "config_generation"
/* Rows of one agent epoch kept in push_seen: seqs this far below the
 * newest are refused without a row (the monitor's window is as long). */
#define STORE_SEEN_WINDOW 1024
/* Rows of an agent epoch another epoch of the node followed this long
 * ago are dropped at the next save. */
#define STORE_SEEN_EPOCH_S 86400

int store_shared(const struct store *st)
{
	return st && st->be == &store_pg_backend;
}

/*
 * Run @sql, which returns one integer column, with the text ?1 @name;
 * its first row's value into *@v (0 and -ENOENT without a row).
 */
static int store_value_run(struct store *st, const char *sql,
			   const char *name, const char *what, long long *v)
{
	struct store_stmt s = { 0 };
	int rc;

	st = store_hold(st);
	rc = store_stmt_open(st, &s, sql, what);
	if (rc == 0 && store_bind_text(&s, 1, name) != 0)
		rc = store_fail(st, what);
	if (rc == 0) {
		rc = store_stmt_step(&s);
		if (rc == 1) {
			*v = store_col_int(&s, 0);
			rc = 0;
		} else if (rc == 0) {
			*v = 0;
			rc = -ENOENT;
		} else {
			rc = store_fail(st, what);
		}
	}
	store_stmt_close(&s);
	st = store_let_go(st);
	return rc;
}

int store_config_gen(struct store *st, long long *gen)
{
	int rc = store_value_run(st, "SELECT value FROM shared_values "
				     "WHERE name = ?1", STORE_CONFIG_GEN,
				 "reading the configuration generation", gen);

	return rc == -ENOENT ? 0 : rc;
}

int store_config_gen_bump(struct store *st, long long *gen)
{
	return store_value_run(st, "INSERT INTO shared_values (name, value) "
				   "VALUES (?1, 1) ON CONFLICT (name) DO "
				   "UPDATE SET value = shared_values.value + 1 "
				   "RETURNING value", STORE_CONFIG_GEN,
			       "bumping the configuration generation", gen);
}

/*
 * Bind a push's key (?1 id, ?2 generation, ?3 epoch, ?4 seq) to @s:
 * 0, or nonzero on a binding error.
 */
static int store_seen_bind(struct store_stmt *s,
			   const struct store_push_key *k)
{
	return store_bind_text(s, 1, k->id) ||
	       store_bind_int(s, 2, (long long)k->generation) ||
	       store_bind_int(s, 3, (long long)k->epoch) ||
	       store_bind_int(s, 4, (long long)k->seq);
}

/* Whether @k names a row push_seen keeps (numbers fit its columns). */
static int store_seen_key_ok(const struct store_push_key *k)
{
	return k->id && k->id[0] && strlen(k->id) < 192 && k->seq &&
	       k->seq < (1ULL << 62) && k->generation < (1ULL << 62) &&
	       k->epoch < (1ULL << 62);
}

/*
 * Claim push @k with @sql (store_push_claim()'s statement, with ?7 the
 * node's pod when @pod is not NULL): 0 taken, 1 not, or an error.
 */
static int store_claim(struct store *st, const struct store_push_key *k,
		       const char *sql, const char *pod)
{
	struct store_stmt s = { 0 };
	int rc;

	if (!store_seen_key_ok(k))
		return -EINVAL;
	st = store_hold(st);
	rc = store_stmt_open(st, &s, sql, "claiming a push");
	if (rc == 0 && (store_seen_bind(&s, k) ||
			store_bind_int(&s, 5, (long long)time(NULL)) ||
			store_bind_int(&s, 6, STORE_SEEN_WINDOW) ||
			(pod && store_bind_text(&s, 7, pod)) ||
			store_stmt_step(&s) < 0))
		rc = store_fail(st, "claiming a push");
	if (rc == 0)
		rc = store_changes(st) == 1 ? 0 : 1;
	store_stmt_close(&s);
	st = store_let_go(st);
	return rc;
}

/* One statement: a key taken before conflicts (nothing changes), and so
 * does a generation older than one seen or a seq a window below the
 * newest of its epoch, whose rows are gone.  Each test reads a newest
 * value off the end of a primary-key range: PostgreSQL's generic plan of
 * the prepared claim then walks the index whatever the statistics say
 * (with EXISTS tests, once a node's rows were most of the table, it read
 * the whole table for every claim of any node). */
#define STORE_CLAIM_SQL(node)                                                 \
	"INSERT INTO push_seen (id, generation, epoch, seq, at) "            \
	"SELECT ?1, ?2, ?3, ?4, ?5 WHERE " node "coalesce((SELECT "          \
	"max(generation) FROM push_seen WHERE id = ?1), 0) <= ?2 AND "       \
	"coalesce((SELECT max(seq) FROM push_seen WHERE id = ?1 AND "        \
	"generation = ?2 AND epoch = ?3), 0) < ?4 + ?6 "                     \
	"ON CONFLICT (id, generation, epoch, seq) DO NOTHING"

int store_push_claim(struct store *st, const struct store_push_key *k)
{
	return store_claim(st, k, STORE_CLAIM_SQL(""), NULL);
}

int store_push_claim_node(struct store *st, const struct store_push_key *k,
			  const char *pod)
{
	/* The node's row is read by the same statement as the claim. */
	return store_claim(st, k,
			   STORE_CLAIM_SQL("EXISTS (SELECT 1 FROM nodes WHERE "
					   "id = ?1 AND generation = ?2 AND "
					   "pod = ?7) AND "),
			   pod);
}

int store_push_unclaim(struct store *st, const struct store_push_key *k)
{
	struct store_stmt s = { 0 };
	int rc;

	if (!store_seen_key_ok(k))
		return -EINVAL;
	st = store_hold(st);
	rc = store_stmt_open(st, &s,
			     "DELETE FROM push_seen WHERE id = ?1 AND "
			     "generation = ?2 AND epoch = ?3 AND seq = ?4",
			     "giving a push back");
	if (rc == 0 && (store_seen_bind(&s, k) || store_stmt_step(&s) < 0))
		rc = store_fail(st, "giving a push back");
	store_stmt_close(&s);
	st = store_let_go(st);
	return rc;
}

int store_push_seen_trim(struct store *st)
{
	struct store_stmt s = { 0 };
	int rc;

	st = store_hold(st);
	/* Seqs a window below the newest of their epoch (claims refuse
	 * them without rows), generations a newer one replaced (their
	 * tokens are void), and epochs another followed a day ago.  Each
	 * row is compared with its node's epochs (newest seq and time of
	 * each), not with every row of its node: a node's rows cost their
	 * number, not its square. */
	rc = store_stmt_open(st, &s,
			     "WITH e AS (SELECT id, generation, epoch, "
			     "max(seq) AS seq, max(at) AS at FROM push_seen "
			     "GROUP BY id, generation, epoch) "
			     "DELETE FROM push_seen WHERE EXISTS (SELECT 1 "
			     "FROM e WHERE e.id = push_seen.id AND "
			     "(e.generation > push_seen.generation OR "
			     "(e.generation = push_seen.generation AND "
			     "e.epoch = push_seen.epoch AND "
			     "e.seq >= push_seen.seq + ?1) OR "
			     "(e.generation = push_seen.generation AND "
			     "e.epoch <> push_seen.epoch AND "
			     "e.at > push_seen.at + ?2)))",
			     "trimming pushes seen");
	if (rc == 0 && (store_bind_int(&s, 1, STORE_SEEN_WINDOW) ||
			store_bind_int(&s, 2, STORE_SEEN_EPOCH_S) ||
			store_stmt_step(&s) < 0))
		rc = store_fail(st, "trimming pushes seen");
	store_stmt_close(&s);
	st = store_let_go(st);
	return rc;
}
