/* store_replica.c: state that replicas sharing one PostgreSQL database
 * must agree on beyond the nodes: the configuration generation that a
 * reload on any replica bumps (the others follow), and the push sequence
 * numbers any replica has taken (a push replayed to another replica is a
 * duplicate there too). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pbuf.h"
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

/* One statement: a key taken before conflicts (nothing changes), and so
 * does a generation older than one seen or a seq a window below the
 * newest of its epoch, whose rows are gone.  Each test reads a newest
 * value off the end of a primary-key range: PostgreSQL's generic plan of
 * the prepared claim then walks the index whatever the statistics say
 * (with EXISTS tests, once a node's rows were most of the table, it read
 * the whole table for every claim of any node).  With STORE_CLAIM_NODE,
 * the node's row must still be at ?2 in pod ?7. */
#define STORE_CLAIM_SQL(node)                                                 \
	"INSERT INTO push_seen (id, generation, epoch, seq, at) "            \
	"SELECT ?1, ?2, ?3, ?4, ?5 WHERE " node "coalesce((SELECT "          \
	"max(generation) FROM push_seen WHERE id = ?1), 0) <= ?2 AND "       \
	"coalesce((SELECT max(seq) FROM push_seen WHERE id = ?1 AND "        \
	"generation = ?2 AND epoch = ?3), 0) < ?4 + ?6 "                     \
	"ON CONFLICT (id, generation, epoch, seq) DO NOTHING"
#define STORE_CLAIM_NODE                                                      \
	"EXISTS (SELECT 1 FROM nodes WHERE id = ?1 AND generation = ?2 AND " \
	"pod = ?7) AND "

/* The same tests row by row over arrays (?1 ids, ?2 generations, ?3
 * epochs, ?4 seqs, ?7 pods: NULL where the node is not checked), in one
 * statement; the keys taken come back.  A key twice: the second row
 * conflicts with the first.  Where the node's row is checked, its
 * generation is the newest there is (generations only grow), which
 * makes the test for an older generation than one seen redundant: each
 * row costs one index probe less. */
#define STORE_CLAIMS_SQL                                                      \
	"WITH c AS (SELECT * FROM unnest(?1::text[], ?2::bigint[], "         \
	"?3::bigint[], ?4::bigint[], ?7::text[]) AS c(id, generation, "      \
	"epoch, seq, pod)) INSERT INTO push_seen (id, generation, epoch, "   \
	"seq, at) SELECT c.id, c.generation, c.epoch, c.seq, ?5 FROM c "     \
	"WHERE CASE WHEN c.pod IS NULL THEN coalesce((SELECT "               \
	"max(p.generation) FROM push_seen p WHERE p.id = c.id), 0) <= "      \
	"c.generation ELSE EXISTS (SELECT 1 FROM nodes n WHERE n.id = c.id " \
	"AND n.generation = c.generation AND n.pod = c.pod) END "            \
	"AND coalesce((SELECT max(p.seq) FROM push_seen p WHERE p.id = "     \
	"c.id AND p.generation = c.generation AND p.epoch = c.epoch), 0) < " \
	"c.seq + ?6 ON CONFLICT (id, generation, epoch, seq) DO NOTHING "    \
	"RETURNING id, generation, epoch, seq"

/* The arrays of STORE_CLAIMS_SQL, and their parameters. */
#define STORE_CLAIM_ARRAYS 5
static const int store_claim_param[STORE_CLAIM_ARRAYS] = { 1, 2, 3, 4, 7 };

/*
 * Claim @c alone with the one-row statement (the caller holds session
 * @st): its rc.
 */
static int store_claim_one(struct store *st, const struct store_push_claim *c)
{
	struct store_stmt s = { 0 };
	int rc;

	if (!store_seen_key_ok(&c->k))
		return -EINVAL;
	rc = store_stmt_open(st, &s,
			     c->pod ? STORE_CLAIM_SQL(STORE_CLAIM_NODE)
				    : STORE_CLAIM_SQL(""),
			     "claiming a push");
	if (rc == 0 && (store_seen_bind(&s, &c->k) ||
			store_bind_int(&s, 5, (long long)time(NULL)) ||
			store_bind_int(&s, 6, STORE_SEEN_WINDOW) ||
			(c->pod && store_bind_text(&s, 7, c->pod)) ||
			store_stmt_step(&s) < 0))
		rc = store_fail(st, "claiming a push");
	if (rc == 0)
		rc = store_changes(st) == 1 ? 0 : 1;
	store_stmt_close(&s);
	return rc;
}

/* Append element @text (NULL: a NULL element), double-quoted if @quote,
 * to array literal @b, whose brace is open: 0, or nonzero when it does
 * not fit. */
static int store_array_add(struct pbuf *b, const char *text, int quote)
{
	const char *p;
	int rc = b->len > 1 ? pbuf_append(b, ",", 1) : 0;

	if (!text)
		return rc || pbuf_append(b, "NULL", 4);
	if (!quote)
		return rc || pbuf_append(b, text, strlen(text));
	rc = rc || pbuf_append(b, "\"", 1);
	for (p = text; *p && rc == 0; p++)
		rc = ((*p == '"' || *p == '\\') && pbuf_append(b, "\\", 1)) ||
		     pbuf_append(b, p, 1);
	return rc || pbuf_append(b, "\"", 1);
}

/* The array literals of claims @c[0..@n) into @arr (initialised). */
static int store_claim_arrays(struct pbuf *arr, const struct store_push_claim *c,
			      size_t n)
{
	char num[3][24];
	size_t i;
	int rc = 0;

	for (i = 0; i < STORE_CLAIM_ARRAYS; i++)
		rc = rc || pbuf_append(&arr[i], "{", 1);
	for (i = 0; i < n && rc == 0; i++) {
		snprintf(num[0], sizeof(num[0]), "%llu", c[i].k.generation);
		snprintf(num[1], sizeof(num[1]), "%llu", c[i].k.epoch);
		snprintf(num[2], sizeof(num[2]), "%llu", c[i].k.seq);
		rc = store_array_add(&arr[0], c[i].k.id, 1) ||
		     store_array_add(&arr[1], num[0], 0) ||
		     store_array_add(&arr[2], num[1], 0) ||
		     store_array_add(&arr[3], num[2], 0) ||
		     store_array_add(&arr[4], c[i].pod, 1);
	}
	for (i = 0; i < STORE_CLAIM_ARRAYS && rc == 0; i++)
		rc = pbuf_append(&arr[i], "}", 1);
	return rc;
}

/* Mark taken the first claim of @c[0..@n) still untaken whose key is the
 * current row of @s (a key STORE_CLAIMS_SQL returned). */
static void store_claim_took(struct store_stmt *s, struct store_push_claim *c,
			     size_t n)
{
	char id[192];
	long long gen, epoch, seq;
	size_t i;

	store_col_text(s, 0, id, sizeof(id));
	gen = store_col_int(s, 1);
	epoch = store_col_int(s, 2);
	seq = store_col_int(s, 3);
	for (i = 0; i < n; i++)
		if (c[i].rc == 1 && strcmp(c[i].k.id, id) == 0 &&
		    (long long)c[i].k.generation == gen &&
		    (long long)c[i].k.epoch == epoch &&
		    (long long)c[i].k.seq == seq) {
			c[i].rc = 0;
			return;
		}
}

/*
 * Claim @c[0..@n), every key valid, with STORE_CLAIMS_SQL (the caller
 * holds session @st): each rc 0 or 1, or every rc the error.
 */
static void store_claim_many(struct store *st, struct store_push_claim *c,
			     size_t n)
{
	struct pbuf arr[STORE_CLAIM_ARRAYS];
	struct store_stmt s = { 0 };
	size_t i;
	int rc, step = 0, bad = 0;

	for (i = 0; i < STORE_CLAIM_ARRAYS; i++)
		pbuf_init(&arr[i], 64 * 1024);
	for (i = 0; i < n; i++)
		c[i].rc = 1;
	rc = store_claim_arrays(arr, c, n) ? -ENOMEM
					    : store_stmt_open(st, &s,
							      STORE_CLAIMS_SQL,
							      "claiming pushes");
	for (i = 0; i < STORE_CLAIM_ARRAYS && rc == 0; i++)
		bad = bad || store_bind_text(&s, store_claim_param[i],
					     arr[i].data);
	if (rc == 0 && (bad || store_bind_int(&s, 5, (long long)time(NULL)) ||
			store_bind_int(&s, 6, STORE_SEEN_WINDOW)))
		rc = store_fail(st, "claiming pushes");
	while (rc == 0 && (step = store_stmt_step(&s)) == 1)
		store_claim_took(&s, c, n);
	if (rc == 0 && step < 0)
		rc = store_fail(st, "claiming pushes");
	store_stmt_close(&s);
	for (i = 0; i < STORE_CLAIM_ARRAYS; i++)
		pbuf_free(&arr[i]);
	for (i = 0; i < n && rc != 0; i++)
		c[i].rc = rc;
}

void store_push_claims(struct store *st, struct store_push_claim *c,
		       size_t n)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		c[i].rc = -EINVAL;
		if (store_seen_key_ok(&c[i].k))
			m++;
	}
	/* A batch on the session kept for batches (its plan made once). */
	if (m == n && n > 1 && st->claims) {
		pthread_mutex_lock(&st->claims->lock);
		store_claim_many(st->claims, c, n);
		pthread_mutex_unlock(&st->claims->lock);
		return;
	}
	st = store_hold(st);
	for (i = 0; i < n; i++)
		if (store_seen_key_ok(&c[i].k))
			c[i].rc = store_claim_one(st, &c[i]);
	st = store_let_go(st);
}

int store_push_claim(struct store *st, const struct store_push_key *k)
{
	struct store_push_claim c = { *k, NULL, 0 };

	store_push_claims(st, &c, 1);
	return c.rc;
}

int store_push_claim_node(struct store *st, const struct store_push_key *k,
			  const char *pod)
{
	/* The node's row is read by the same statement as the claim. */
	struct store_push_claim c = { *k, pod, 0 };

	store_push_claims(st, &c, 1);
	return c.rc;
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
