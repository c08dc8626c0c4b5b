/* spool.c: a bounded on-disk queue of batches, kept in sequence order. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "error.h"
#include "fileio.h"
#include "log.h"
#include "num.h"
#include "spool.h"

#define SPOOL_NAME_DIGITS 20
#define SPOOL_SUFFIX ".batch"
#define SPOOL_HEAD_MAX 100		/* "PODBOOT-SPOOL 1 ..." line */
#define SPOOL_STATE "seq"

/* The path of entry @seq. */
static int spool_path(const struct spool *sp, uint64_t seq, char *out,
		      size_t size)
{
	char name[SPOOL_NAME_DIGITS + sizeof(SPOOL_SUFFIX)];

	snprintf(name, sizeof(name), "%020" PRIu64 SPOOL_SUFFIX, seq);
	return fileio_join(out, size, sp->dir, name);
}

/* Sequence number of an entry's file name; 0 if it is not one. */
static uint64_t spool_name_seq(const char *name)
{
	uint64_t seq;

	if (strlen(name) != SPOOL_NAME_DIGITS + strlen(SPOOL_SUFFIX) ||
	    strcmp(name + SPOOL_NAME_DIGITS, SPOOL_SUFFIX) != 0 ||
	    num_parse_u64(name, SPOOL_NAME_DIGITS, SPOOL_SEQ_MAX, &seq) != 0)
		return 0;
	return seq;
}

/* qsort order of spool entries: by sequence number. */
static int spool_entry_cmp(const void *a, const void *b)
{
	const struct spool_entry *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Append to the index, growing it within SPOOL_ENTRIES_MAX. */
static int spool_index_add(struct spool *sp, uint64_t seq, uint64_t size,
			   int64_t mtime)
{
	struct spool_entry *e;
	size_t cap;

	if (sp->n == sp->cap) {
		if (sp->cap >= SPOOL_ENTRIES_MAX)
			return -PB_ETOOBIG;
		cap = sp->cap ? sp->cap * 2 : 64;
		if (cap > SPOOL_ENTRIES_MAX)
			cap = SPOOL_ENTRIES_MAX;
		e = realloc(sp->entries, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		sp->entries = e;
		sp->cap = cap;
	}
	sp->entries[sp->n].seq = seq;
	sp->entries[sp->n].size = size;
	sp->entries[sp->n].mtime = mtime;
	sp->n++;
	sp->bytes += size;
	return 0;
}

/* Remove @seq from the index (not from the disk). */
static void spool_index_del(struct spool *sp, uint64_t seq)
{
	size_t i;

	for (i = 0; i < sp->n; i++) {
		if (sp->entries[i].seq != seq)
			continue;
		sp->bytes -= sp->entries[i].size;
		memmove(&sp->entries[i], &sp->entries[i + 1],
			(sp->n - i - 1) * sizeof(sp->entries[0]));
		sp->n--;
		return;
	}
}

/* Entries, and temporary files a crash left behind (@clean). */
static int spool_scan_dir(struct spool *sp, int clean)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	uint64_t seq;
	DIR *d;
	int rc = 0;

	d = opendir(sp->dir);
	if (!d)
		return -errno;
	sp->n = 0;
	sp->bytes = 0;
	while ((de = readdir(d)) != NULL) {
		if (fileio_join(path, sizeof(path), sp->dir, de->d_name) != 0)
			continue;
		if (clean && strstr(de->d_name, SPOOL_SUFFIX ".tmp.")) {
			unlink(path);
			continue;
		}
		seq = spool_name_seq(de->d_name);
		if (seq == 0 || lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		rc = spool_index_add(sp, seq, (uint64_t)st.st_size,
				     (int64_t)st.st_mtime);
		if (rc == -PB_ETOOBIG) {
			log_warn("%s: more than %d batches; ignoring the rest",
				 sp->dir, SPOOL_ENTRIES_MAX);
			rc = 0;
			break;
		}
		if (rc != 0)
			break;
	}
	closedir(d);
	if (sp->n)
		qsort(sp->entries, sp->n, sizeof(sp->entries[0]),
		      spool_entry_cmp);
	return rc;
}

int spool_scan(struct spool *sp)
{
	return spool_scan_dir(sp, 0);
}

/* A new epoch: random, 1 to SPOOL_SEQ_MAX (exact in JSON). */
static int spool_epoch_new(uint64_t *epoch)
{
	uint64_t v;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		return -EIO;
	v &= SPOOL_SEQ_MAX;
	*epoch = v ? v : 1;
	return 0;
}

/* "N" or "N EPOCH" (without the newline) of a sequence file. */
static int spool_state_parse(const char *s, size_t len, uint64_t *next,
			     uint64_t *epoch)
{
	const char *sp = memchr(s, ' ', len);

	*epoch = 0;
	if (!sp)
		return num_parse_u64(s, len, SPOOL_SEQ_MAX, next);
	if (num_parse_u64(s, (size_t)(sp - s), SPOOL_SEQ_MAX, next) != 0 ||
	    num_parse_u64(sp + 1, len - (size_t)(sp - s) - 1, SPOOL_SEQ_MAX,
			  epoch) != 0 || *epoch == 0)
		return -EINVAL;
	return 0;
}

/*
 * The persisted next sequence number and epoch.  Without a sequence file
 * (a new agent, or one whose file was lost) numbers start at 1 in a new
 * random epoch, so that the server does not take them for old batches.
 */
static int spool_state_read(struct spool *sp, uint64_t *next,
			    uint64_t *epoch)
{
	static const char tag[] = "PODBOOT-SPOOL-SEQ ";
	unsigned char *buf = NULL;
	char path[PATH_MAX];
	size_t len;
	int rc;

	*next = 1;
	rc = fileio_join(path, sizeof(path), sp->dir, SPOOL_STATE);
	if (rc != 0)
		return rc;
	rc = fileio_read(path, 64, &buf, &len);
	if (rc == -ENOENT)
		return spool_epoch_new(epoch);
	if (rc != 0)
		return rc;
	if (len < sizeof(tag) || memcmp(buf, tag, sizeof(tag) - 1) != 0 ||
	    buf[len - 1] != '\n' ||
	    spool_state_parse((char *)buf + sizeof(tag) - 1,
			      len - sizeof(tag), next, epoch) != 0) {
		log_error("%s: not a spool sequence file", path);
		rc = -EBADMSG;
	}
	free(buf);
	return rc;
}

/* Record @next (and the epoch, when there is one) in the spool's
 * sequence file, atomically and durably; 0 or a negative error. */
static int spool_state_write(struct spool *sp, uint64_t next)
{
	char path[PATH_MAX], line[64];
	int n, rc;

	rc = fileio_join(path, sizeof(path), sp->dir, SPOOL_STATE);
	if (rc != 0)
		return rc;
	if (sp->epoch)
		n = snprintf(line, sizeof(line), "PODBOOT-SPOOL-SEQ %" PRIu64
			     " %" PRIu64 "\n", next, sp->epoch);
	else
		n = snprintf(line, sizeof(line), "PODBOOT-SPOOL-SEQ %" PRIu64
			     "\n", next);
	return fileio_write(path, line, (size_t)n, 0600, 0);
}

int spool_open(struct spool *sp, const char *dir, const char *kind,
	       uint64_t max_bytes, int flags)
{
	uint64_t next;
	int rc;

	memset(sp, 0, sizeof(*sp));
	if (strlen(dir) >= sizeof(sp->dir) || strlen(kind) >= sizeof(sp->kind))
		return -PB_ETOOBIG;
	strcpy(sp->dir, dir);
	strcpy(sp->kind, kind);
	sp->max_bytes = max_bytes;
	sp->shared = !!(flags & SPOOL_SHARED);
	rc = flags & SPOOL_OWNER ? fileio_mkdirs(dir, 0700) : 0;
	if (rc == 0)
		rc = spool_scan_dir(sp, flags & SPOOL_OWNER);
	if (rc == 0)
		rc = spool_state_read(sp, &next, &sp->epoch);
	if (rc != 0)
		return rc;
	/* A lost state file must not reuse numbers still in the spool. */
	if (sp->n && sp->entries[sp->n - 1].seq >= next)
		next = sp->entries[sp->n - 1].seq + 1;
	sp->next_seq = next;
	return 0;
}

void spool_close(struct spool *sp)
{
	free(sp->entries);
	sp->entries = NULL;
	sp->n = sp->cap = 0;
	sp->bytes = 0;
}

int spool_next_seq(struct spool *sp, uint64_t *seq)
{
	int rc;

	if (sp->next_seq >= SPOOL_SEQ_MAX)
		return -ERANGE;
	rc = spool_state_write(sp, sp->next_seq + 1);
	if (rc != 0)
		return rc;
	*seq = sp->next_seq++;
	return 0;
}

/* Delete the oldest entries while over @bytes_max or @n_max (keeping
 * at least one). */
static void spool_trim(struct spool *sp, uint64_t bytes_max, size_t n_max)
{
	while (sp->n > 1 && (sp->bytes > bytes_max || sp->n > n_max)) {
		log_warn("%s: full (%" PRIu64 " bytes in %zu batches): "
			 "dropping the oldest, %" PRIu64, sp->dir, sp->bytes,
			 sp->n, sp->entries[0].seq);
		spool_drop(sp, sp->entries[0].seq);
	}
}

/* Write header and body as one file, atomically. */
static int spool_write(struct spool *sp, uint64_t seq, const char *head,
		       size_t hlen, const void *body, size_t len)
{
	char path[PATH_MAX];
	unsigned char *file;
	int rc;

	rc = spool_path(sp, seq, path, sizeof(path));
	if (rc != 0)
		return rc;
	file = malloc(hlen + len);
	if (!file)
		return -ENOMEM;
	memcpy(file, head, hlen);
	memcpy(file + hlen, body, len);
	rc = fileio_write(path, file, hlen + len, 0600, FILEIO_EXCL);
	mbedtls_platform_zeroize(file, hlen + len);
	free(file);
	return rc;
}

int spool_put(struct spool *sp, uint64_t seq, unsigned interval,
	      const void *body, size_t len)
{
	char head[SPOOL_HEAD_MAX];
	size_t hlen;
	int rc;

	hlen = (size_t)snprintf(head, sizeof(head), "PODBOOT-SPOOL 1 %s %"
				PRIu64 " %u %zu\n", sp->kind, seq, interval,
				len);
	if (len > SPOOL_ITEM_MAX || hlen + len > sp->max_bytes) {
		sp->dropped++;
		return -PB_ETOOBIG;
	}
	/* A shared index only misses deletions: it is rebuilt only when it
	 * says a limit is reached, before anything is dropped. */
	if (sp->shared && sp->n >= SPOOL_ENTRIES_MAX - 1 &&
	    (rc = spool_scan(sp)) != 0)
		return rc;
	spool_trim(sp, UINT64_MAX, SPOOL_ENTRIES_MAX - 1);
	rc = spool_write(sp, seq, head, hlen, body, len);
	if (rc != 0)
		return rc;
	rc = spool_index_add(sp, seq, hlen + len, (int64_t)time(NULL));
	if (rc == 0 && sp->n > 1 && sp->entries[sp->n - 2].seq > seq)
		qsort(sp->entries, sp->n, sizeof(sp->entries[0]),
		      spool_entry_cmp);
	if (rc == 0 && sp->shared && sp->bytes > sp->max_bytes)
		rc = spool_scan(sp);
	spool_trim(sp, sp->max_bytes, SPOOL_ENTRIES_MAX);
	return rc;
}

/* Next space-separated field of [*p, end) as a number up to @max. */
static int spool_field(const char **p, const char *end, uint64_t max,
		       uint64_t *v)
{
	const char *s = *p, *sp = memchr(s, ' ', (size_t)(end - s));
	size_t len = (size_t)((sp ? sp : end) - s);

	*p = sp ? sp + 1 : end;
	return num_parse_u64(s, len, max, v);
}

/* Check the header line of entry @seq's file content. */
static int spool_parse(struct spool *sp, uint64_t seq, struct spool_item *it)
{
	const char *p = (const char *)it->buf, *nl;
	char tag[SPOOL_HEAD_MAX];
	uint64_t fseq, interval, flen;
	size_t tlen;

	nl = memchr(p, '\n', it->buf_len < SPOOL_HEAD_MAX ? it->buf_len :
							    SPOOL_HEAD_MAX);
	tlen = (size_t)snprintf(tag, sizeof(tag), "PODBOOT-SPOOL 1 %s ",
				sp->kind);
	if (!nl || (size_t)(nl - p) <= tlen || memcmp(p, tag, tlen) != 0)
		return -EBADMSG;
	p += tlen;
	if (spool_field(&p, nl, SPOOL_SEQ_MAX, &fseq) != 0 || fseq != seq ||
	    spool_field(&p, nl, 3600, &interval) != 0 ||
	    spool_field(&p, nl, SPOOL_ITEM_MAX, &flen) != 0 || p != nl ||
	    flen != it->buf_len - (size_t)(nl + 1 - (const char *)it->buf))
		return -EBADMSG;
	it->seq = seq;
	it->interval = (unsigned)interval;
	it->body = (const unsigned char *)nl + 1;
	it->len = (size_t)flen;
	return 0;
}

int spool_read(struct spool *sp, uint64_t seq, struct spool_item *it)
{
	char path[PATH_MAX];
	int rc;

	memset(it, 0, sizeof(*it));
	rc = spool_path(sp, seq, path, sizeof(path));
	if (rc == 0)
		rc = fileio_read(path, SPOOL_ITEM_MAX + SPOOL_HEAD_MAX,
				 &it->buf, &it->buf_len);
	if (rc == -PB_ETOOBIG)
		rc = -EBADMSG;
	if (rc == 0)
		rc = spool_parse(sp, seq, it);
	if (rc != 0)
		spool_item_free(it);
	return rc;
}

void spool_item_free(struct spool_item *it)
{
	if (it->buf) {
		mbedtls_platform_zeroize(it->buf, it->buf_len);
		free(it->buf);
	}
	memset(it, 0, sizeof(*it));
}

int spool_remove(struct spool *sp, uint64_t seq)
{
	char path[PATH_MAX];
	int rc;

	rc = spool_path(sp, seq, path, sizeof(path));
	if (rc != 0)
		return rc;
	spool_index_del(sp, seq);
	if (unlink(path) != 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int spool_drop(struct spool *sp, uint64_t seq)
{
	sp->dropped++;
	return spool_remove(sp, seq);
}
