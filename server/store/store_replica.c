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
/* Seqs of one agent epoch a window tells apart: those this far below the
 * newest are refused as taken (the monitor's window is as long).  It is
 * the length of push_window.seen (migration 11): bit k is seq top - k. */
#define STORE_SEEN_WINDOW 1024
/* STORE_SEEN_WINDOW as SQL text (the length of a bit string). */
#define STORE_SQL_NUMBER_(n) #n
#define STORE_SQL_NUMBER(n) STORE_SQL_NUMBER_(n)
#define STORE_SEEN_BITS STORE_SQL_NUMBER(STORE_SEEN_WINDOW)
/* The window of an agent epoch another epoch of the node followed this
 * long ago is dropped at the next trim. */
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

/* Whether @k names a push push_window can tell (numbers fit its
 * columns). */
static int store_seen_key_ok(const struct store_push_key *k)
{
	return k->id && k->id[0] && strlen(k->id) < 192 && k->seq &&
	       k->seq < (1ULL << 62) && k->generation < (1ULL << 62) &&
	       k->epoch < (1ULL << 62);
}

/* Whether @a and @b are pushes of one window (node, generation, epoch). */
static int store_seen_same_window(const struct store_push_key *a,
				  const struct store_push_key *b)
{
	return a->generation == b->generation && a->epoch == b->epoch &&
	       strcmp(a->id, b->id) == 0;
}

/*
 * Claims over arrays (?1 ids, ?2 generations, ?3 epochs, ?4 seqs, ?7
 * pods: NULL where the node is not checked), no two of one window, in
 * one statement (PostgreSQL): each window is one row of push_window, its
 * newest seq (top) and a bit of each of the STORE_SEEN_WINDOW seqs up to
 * it, so that a claim updates one row in place (no index entry, no row
 * per push to trim).  A seq above top moves the window up; one in it is
 * taken if its bit is clear; one below it is refused as taken.  Where
 * the node's row is checked, the claim needs it at ?2 in pod ?7; where
 * it is not, a generation older than one seen is refused.  The windows
 * changed come back, one per claim taken.  CASE orders the tests: a
 * distance is cast to a bit index only when it is one.  Each test is a
 * value read by key, never EXISTS: for an EXISTS over arrays of unknown
 * length the generic plan (the claims session's) hashed the whole nodes
 * table at every batch.
 */
#define STORE_CLAIMS_SQL                                                      \
	"WITH c AS (SELECT * FROM unnest(?1::text[], ?2::bigint[], "         \
	"?3::bigint[], ?4::bigint[], ?7::text[]) AS c(id, generation, "      \
	"epoch, seq, pod)) INSERT INTO push_window AS w (id, generation, "   \
	"epoch, top, seen, at) SELECT c.id, c.generation, c.epoch, c.seq, "  \
	"B'1'::bit(" STORE_SEEN_BITS "), ?5 FROM c WHERE CASE WHEN c.pod "   \
	"IS NULL THEN coalesce((SELECT max(p.generation) FROM push_window " \
	"p WHERE p.id = c.id), 0) <= c.generation ELSE coalesce((SELECT "    \
	"n.generation = c.generation AND n.pod = c.pod FROM nodes n WHERE "  \
	"n.id = c.id), false) END ON CONFLICT (id, generation, epoch) DO "   \
	"UPDATE SET top = greatest(w.top, excluded.top), seen = CASE WHEN "  \
	"excluded.top > w.top THEN set_bit(w.seen >> least(excluded.top - " \
	"w.top, ?6)::int, 0, 1) ELSE set_bit(w.seen, (w.top - "              \
	"excluded.top)::int, 1) END, at = excluded.at WHERE CASE WHEN "      \
	"excluded.top > w.top THEN true WHEN w.top - excluded.top >= ?6 "    \
	"THEN false ELSE get_bit(w.seen, (w.top - excluded.top)::int) = 0 "  \
	"END RETURNING id, generation, epoch"

/* The arrays of STORE_CLAIMS_SQL, and their parameters. */
#define STORE_CLAIM_ARRAYS 5
static const int store_claim_param[STORE_CLAIM_ARRAYS] = { 1, 2, 3, 4, 7 };

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

/* The array literals of the claims @c[i] of round @round (@in[i] ==
 * @round) into @arr (initialised). */
static int store_claim_arrays(struct pbuf *arr,
			      const struct store_push_claim *c,
			      const size_t *in, size_t round, size_t n)
{
	char num[3][24];
	size_t i;
	int rc = 0;

	for (i = 0; i < STORE_CLAIM_ARRAYS; i++)
		rc = rc || pbuf_append(&arr[i], "{", 1);
	for (i = 0; i < n && rc == 0; i++) {
		if (in[i] != round)
			continue;
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

/* Mark taken the claim of round @round whose window is the current row
 * of @s (one STORE_CLAIMS_SQL returned). */
static void store_claim_took(struct store_stmt *s, struct store_push_claim *c,
			     const size_t *in, size_t round, size_t n)
{
	char id[192];
	struct store_push_key k = { id, 0, 0, 0 };
	size_t i;

	store_col_text(s, 0, id, sizeof(id));
	k.generation = (unsigned long long)store_col_int(s, 1);
	k.epoch = (unsigned long long)store_col_int(s, 2);
	for (i = 0; i < n; i++)
		if (in[i] == round && store_seen_same_window(&c[i].k, &k)) {
			c[i].rc = 0;
			return;
		}
}

/*
 * Claim round @round of @c[0..@n) (the claims with @in[i] == @round, no
 * two of one window, every key valid) with STORE_CLAIMS_SQL on session
 * @st, which the caller holds: each rc 0 or 1; the error, or 0.
 */
static int store_claim_round(struct store *st, struct store_push_claim *c,
			     const size_t *in, size_t round, size_t n)
{
	struct pbuf arr[STORE_CLAIM_ARRAYS];
	struct store_stmt s = { 0 };
	size_t i;
	int rc, step = 0, bad = 0;

	for (i = 0; i < STORE_CLAIM_ARRAYS; i++)
		pbuf_init(&arr[i], 64 * 1024);
	for (i = 0; i < n; i++)
		if (in[i] == round)
			c[i].rc = 1;
	rc = store_claim_arrays(arr, c, in, round, n)
		     ? -ENOMEM
		     : store_stmt_open(st, &s, STORE_CLAIMS_SQL,
				       "claiming pushes");
	for (i = 0; i < STORE_CLAIM_ARRAYS && rc == 0; i++)
		bad = bad || store_bind_text(&s, store_claim_param[i],
					     arr[i].data);
	if (rc == 0 && (bad || store_bind_int(&s, 5, (long long)time(NULL)) ||
			store_bind_int(&s, 6, STORE_SEEN_WINDOW)))
		rc = store_fail(st, "claiming pushes");
	while (rc == 0 && (step = store_stmt_step(&s)) == 1)
		store_claim_took(&s, c, in, round, n);
	if (rc == 0 && step < 0)
		rc = store_fail(st, "claiming pushes");
	store_stmt_close(&s);
	for (i = 0; i < STORE_CLAIM_ARRAYS; i++)
		pbuf_free(&arr[i]);
	return rc;
}

/* Claims at most in one statement's rounds (store_claim_many()). */
#define STORE_CLAIM_MAX 256
/* The round of a claim in none: its key is not one push_window keeps. */
#define STORE_CLAIM_NONE ((size_t)-1)

/*
 * Claim @c[0..@n) (n at most STORE_CLAIM_MAX) on session @st, which the
 * caller holds.  A claim whose key push_window cannot keep is refused
 * alone (-EINVAL).  A claim of a window another claim before it in @c has
 * goes in the next round (one statement each: an update touches a row
 * once), so that the first of two claims of one key is the one taken.
 * Each rc 0 or 1; after an error, every claim not answered has it.
 */
static void store_claim_many(struct store *st, struct store_push_claim *c,
			     size_t n)
{
	size_t in[STORE_CLAIM_MAX], i, j, rounds = 0, round;
	int rc = 0;

	for (i = 0; i < n; i++) {
		in[i] = STORE_CLAIM_NONE;
		c[i].rc = -EINVAL;
		if (!store_seen_key_ok(&c[i].k))
			continue;
		in[i] = 0;
		for (j = 0; j < i; j++)
			if (in[j] != STORE_CLAIM_NONE && in[j] >= in[i] &&
			    store_seen_same_window(&c[i].k, &c[j].k))
				in[i] = in[j] + 1;
		if (in[i] + 1 > rounds)
			rounds = in[i] + 1;
	}
	for (round = 0; round < rounds && rc == 0; round++)
		rc = store_claim_round(st, c, in, round, n);
	for (i = 0; i < n && rc != 0; i++)
		if (in[i] != STORE_CLAIM_NONE && in[i] + 1 >= round)
			c[i].rc = rc;
}

void store_push_claims(struct store *st, struct store_push_claim *c,
		       size_t n)
{
	size_t i, k;

	if (!store_shared(st)) {
		/* A store of one process has nothing to agree on: the
		 * monitor's window in memory decides (metrics_seq.c). */
		for (i = 0; i < n; i++)
			c[i].rc = -ENOTSUP;
		return;
	}
	for (i = 0; i < n; i += k) {
		k = n - i < STORE_CLAIM_MAX ? n - i : STORE_CLAIM_MAX;
		if (st->claims) {
			/* On the session kept for claims, whose plan is made
			 * once: elsewhere PostgreSQL plans the statement
			 * again for each length of its arrays, which costs
			 * more than the claim. */
			pthread_mutex_lock(&st->claims->lock);
			store_claim_many(st->claims, c + i, k);
			pthread_mutex_unlock(&st->claims->lock);
		} else {
			st = store_hold(st);
			store_claim_many(st, c + i, k);
			st = store_let_go(st);
		}
	}
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

	if (!store_shared(st))
		return -ENOTSUP;
	if (!store_seen_key_ok(k))
		return -EINVAL;
	st = store_hold(st);
	/* Its bit cleared; the window stays where it is (a seq given back
	 * below the newest is taken again as a late one). */
	rc = store_stmt_open(st, &s,
			     "UPDATE push_window SET seen = set_bit(seen, "
			     "(top - ?4)::int, 0) WHERE id = ?1 AND "
			     "generation = ?2 AND epoch = ?3 AND top >= ?4 AND "
			     "top - ?4 < ?5",
			     "giving a push back");
	if (rc == 0 && (store_seen_bind(&s, k) ||
			store_bind_int(&s, 5, STORE_SEEN_WINDOW) ||
			store_stmt_step(&s) < 0))
		rc = store_fail(st, "giving a push back");
	store_stmt_close(&s);
	st = store_let_go(st);
	return rc;
}

int store_push_seen_trim(struct store *st)
{
	struct store_stmt s = { 0 };
	int rc;

	if (!store_shared(st))
		return -ENOTSUP;
	st = store_hold(st);
	/* The windows of generations a newer one replaced (their tokens
	 * are void), and of epochs another of the node's followed a day
	 * ago; a window's old seqs leave it as it moves. */
	rc = store_stmt_open(st, &s,
			     "DELETE FROM push_window AS w WHERE EXISTS "
			     "(SELECT 1 FROM push_window e WHERE e.id = w.id "
			     "AND (e.generation > w.generation OR "
			     "(e.generation = w.generation AND "
			     "e.epoch <> w.epoch AND e.at > w.at + ?1)))",
			     "trimming pushes seen");
	if (rc == 0 && (store_bind_int(&s, 1, STORE_SEEN_EPOCH_S) ||
			store_stmt_step(&s) < 0))
		rc = store_fail(st, "trimming pushes seen");
	store_stmt_close(&s);
	st = store_let_go(st);
	return rc;
}
