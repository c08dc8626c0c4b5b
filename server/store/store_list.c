/* store_list.c: how the store's list functions read rows: a chunk at a
 * time under the lock, or all at once, then hand each row to the caller
 * with the lock released (so a slow or re-entrant caller stalls nobody). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/*
 * Read up to @want rows of @l's statement (bound by @l->bind) into @buf;
 * the caller holds the lock.  @n receives how many were read.
 * Returns 0 or a negative error.
 */
static int store_list_fetch(struct store *st, struct store_list *l,
			    unsigned int want, unsigned char *buf,
			    unsigned int *n)
{
	struct store_stmt *s = &st->stmt[l->stmt];
	int rc;

	*n = 0;
	rc = store_first(st, l->stmt, l->bind(l, s, want));
	while (rc == 1 && *n < want) {
		memset(buf + *n * l->size, 0, l->size);
		rc = l->row(l, st, s, buf + *n * l->size);
		if (rc == 0 && ++*n < want)
			rc = store_step(st, l->stmt);
	}
	store_reset(st, l->stmt);
	return rc < 0 ? rc : 0;
}

int store_list_chunks(struct store *st, struct store_list *l, size_t limit)
{
	unsigned char *buf;
	unsigned int n, i, want;
	int rc = 0;

	buf = calloc(STORE_CHUNK, l->size);
	if (!buf)
		return -ENOMEM;
	while (limit > 0) {
		want = limit < STORE_CHUNK ? (unsigned int)limit : STORE_CHUNK;
		st = store_hold(st);
		rc = store_list_fetch(st, l, want, buf, &n);
		st = store_let_go(st);
		for (i = 0; rc == 0 && i < n; i++)
			rc = l->emit(l, buf + i * l->size);
		if (rc != 0 || n < want)
			break;
		l->next(l, buf + (n - 1) * l->size);
		limit -= n;
	}
	free(buf);
	return rc;
}

/*
 * Read every row of @sql into a malloc'd array of @size-byte rows, each
 * filled by @fill, under the lock; callbacks then run without it.
 */
static int store_read_rows(struct store *st, const char *sql,
		    const char *what, size_t size,
		    void (*fill)(struct store_stmt *s, void *row),
		    void **out, size_t *count)
{
	unsigned char *rows = NULL, *tmp;
	size_t n = 0, cap = 0;
	struct store_stmt s;
	int rc, step = 0;

	st = store_hold(st);
	rc = store_stmt_open(st, &s, sql, what);
	while (rc == 0 && (step = store_stmt_step(&s)) == 1) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			tmp = realloc(rows, cap * size);
			if (!tmp) {
				rc = -ENOMEM;
				break;
			}
			rows = tmp;
		}
		memset(rows + n * size, 0, size);
		fill(&s, rows + n * size);
		n++;
	}
	if (rc == 0 && step != 0)
		rc = store_fail(st, what);
	store_stmt_close(&s);
	st = store_let_go(st);
	if (rc != 0) {
		free(rows);
		rows = NULL;
		n = 0;
	}
	*out = rows;
	*count = n;
	return rc;
}

int store_each_row(struct store *st, const char *sql, const char *what,
		   size_t size, void (*fill)(struct store_stmt *s, void *row),
		   int (*emit)(void *ctx, const void *row), void *ctx)
{
	unsigned char *rows;
	void *raw;
	size_t n, i;
	int rc;

	rc = store_read_rows(st, sql, what, size, fill, &raw, &n);
	rows = raw;
	for (i = 0; rc == 0 && i < n; i++)
		rc = emit(ctx, rows + i * size);
	free(rows);
	return rc;
}
