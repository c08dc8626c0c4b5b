/* store_artifact.c: the artifact catalogue: versions, pruning, listing. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "error.h"
#include "log.h"
#include "store.h"
#include "store_int.h"

/* Sha256 strings of pruned versions, kept until after the commit. */
struct store_shas {
	char (*sha)[STORE_SHA256_LEN + 1];
	size_t n;
	size_t cap;
};

/* ---- artifacts -------------------------------------------------------- */

/*
 * Append a copy of @sha to list @l, growing it; 0 or -ENOMEM.  The
 * caller frees l->sha.
 */
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
static int store_row_artifact(struct store *st, struct store_stmt *s,
			      struct store_artifact *a)
{
	memset(a, 0, sizeof(*a));
	if (store_col_key(st, s, a->name, sizeof(a->name)) != 0)
		return -PB_ESTORE;
	store_col_text(s, 1, a->sha256, sizeof(a->sha256));
	a->size = (unsigned long long)store_col_int(s, 2);
	store_col_text(s, 3, a->signer, sizeof(a->signer));
	a->created = store_col_int(s, 4);
	a->current = store_col_int(s, 5) ? 1 : 0;
	store_col_text(s, 7, a->signer_serial, sizeof(a->signer_serial));
	a->signer_not_after = store_col_int(s, 8);
	store_col_text(s, 9, a->uefi_sha256, sizeof(a->uefi_sha256));
	return 0;
}

/*
 * Insert version @a of an artifact (statement ARTIFACT_ADD), inside the
 * caller's transaction; 0, or -PB_ESTORE (logged).
 */
static int store_artifact_insert(struct store *st,
				 const struct store_artifact *a,
				 long long created)
{
	struct store_stmt *s = &st->stmt[STMT_ARTIFACT_ADD];

	return store_write(st, STMT_ARTIFACT_ADD,
			   store_bind_text(s, 1, a->name) ||
				   store_bind_text(s, 2, a->sha256) ||
				   store_bind_int(s, 3,
						      (long long)a->size) ||
				   store_bind_text(s, 4, a->signer) ||
				   store_bind_int(s, 5, created) ||
				   store_bind_text(s, 6, a->signer_serial) ||
				   store_bind_int(s, 7, a->signer_not_after) ||
				   store_bind_text(s, 8, a->uefi_sha256));
}

/* Bind @name and @keep to a statement using ARTIFACT_KEEP_EDGE; 0 or
 * non-zero (see store_first). */
static int store_bind_keep(struct store_stmt *s, const char *name,
			   unsigned int keep)
{
	return store_bind_text(s, 1, name) || store_bind_int(s, 2, keep);
}

/*
 * Delete versions of @name beyond the newest @keep, collecting in @gone
 * those whose blob no other name references; inside a transaction.
 */
static int store_artifact_prune(struct store *st, const char *name,
				unsigned int keep, struct store_shas *gone)
{
	struct store_stmt *s = &st->stmt[STMT_ARTIFACT_DOOMED];
	const char *sha;
	int rc, len;

	rc = store_first(st, STMT_ARTIFACT_DOOMED,
			 store_bind_keep(s, name, keep));
	while (rc == 1) {
		sha = store_col_raw(s, 0, &len);
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
				 store_bind_keep(&st->stmt[STMT_ARTIFACT_PRUNE],
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
	/* A version's seq is the newest plus one: one writer at a time. */
	if (rc == 0)
		rc = store_lock(st, "artifacts");
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
	    !FIELD_OK(a->signer_serial) ||
	    a->size > (unsigned long long)INT64_MAX)
		return -EINVAL;
	created = a->created ? a->created : (long long)time(NULL);
	st = store_hold(st);
	/* The blob is already on disk: the row must not be lost either. */
	rc = store_durable(st, 1);
	if (rc == 0)
		rc = store_artifact_txn(st, a, created, keep, &pruned);
	/* Never an error: the artifact is committed (see store_durable). */
	store_durable(st, 0);
	st = store_let_go(st);
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
	struct store_stmt *s;
	int rc;

	if (!name || !name[0] || !out)
		return -EINVAL;
	st = store_hold(st);
	s = &st->stmt[which];
	rc = store_first(st, which,
			 store_bind_text(s, 1, name) ||
				 (sha256 && store_bind_text(s, 2, sha256)));
	if (rc == 1)
		rc = store_row_artifact(st, s, out);
	else if (rc == 0)
		rc = -ENOENT;
	store_reset(st, which);
	st = store_let_go(st);
	return rc;
}

/* Listing versions: the cursor (name, seq) and the caller's callback. */
struct store_artifact_lister {
	struct store_list l;
	/* Names are never empty, so "" sorts before every row. */
	char after[FIELD_SIZE(struct store_artifact, name)];
	long long seq;
	int (*cb)(void *ctx, const struct store_artifact *a);
	void *ctx;
};

/* Bind the versions after the cursor (a store_list bind). */
static int store_artifact_bind(struct store_list *l, struct store_stmt *s,
			       unsigned int want)
{
	struct store_artifact_lister *a = (struct store_artifact_lister *)l;

	return store_bind_text(s, 1, a->after) ||
	       store_bind_int(s, 2, a->seq) ||
	       store_bind_int(s, 3, (int)want);
}

/* One version, and its seq for the cursor (a store_list row). */
static int store_artifact_row(struct store_list *l, struct store *st,
			      struct store_stmt *s, void *row)
{
	struct store_artifact_lister *a = (struct store_artifact_lister *)l;

	a->seq = store_col_int(s, 6);
	return store_row_artifact(st, s, row);
}

/* Hand one version to the caller (a store_list emit). */
static int store_artifact_emit(struct store_list *l, const void *row)
{
	struct store_artifact_lister *a = (struct store_artifact_lister *)l;

	return a->cb(a->ctx, row);
}

/* The name part of the cursor: the last version's (a store_list next). */
static void store_artifact_next(struct store_list *l, const void *row)
{
	struct store_artifact_lister *a = (struct store_artifact_lister *)l;
	const struct store_artifact *last = row;

	snprintf(a->after, sizeof(a->after), "%s", last->name);
}

int store_artifact_list(struct store *st,
			int (*cb)(void *ctx, const struct store_artifact *a),
			void *ctx)
{
	struct store_artifact_lister a = {
		.l = { STMT_ARTIFACT_LIST, sizeof(struct store_artifact),
		       store_artifact_bind, store_artifact_row,
		       store_artifact_emit, store_artifact_next },
		.cb = cb,
		.ctx = ctx,
	};

	if (!cb)
		return -EINVAL;
	return store_list_chunks(st, &a.l, SIZE_MAX);
}

int store_artifact_resigned(struct store *st, const char *sha256,
			    const char *signer, const char *serial,
			    long long not_after)
{
	struct store_stmt *s;
	int rc;

	if (!store_sha_valid(sha256) || !signer || !serial)
		return -EINVAL;
	st = store_hold(st);
	s = &st->stmt[STMT_ARTIFACT_RESIGNED];
	rc = store_write(st, STMT_ARTIFACT_RESIGNED,
			 store_bind_text(s, 1, sha256) ||
				 store_bind_text(s, 2, signer) ||
				 store_bind_text(s, 3, serial) ||
				 store_bind_int(s, 4, not_after));
	st = store_let_go(st);
	return rc;
}
