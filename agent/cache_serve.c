/* cache_serve.c: the relay listener's side of the artifact cache: answer
 * GET and HEAD of pinned artifacts from disk, ask the fetcher for misses
 * and stream a download to its readers while it arrives. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache_serve.h"
#include "clock.h"
#include "log.h"
#include "num.h"
#include "relayconn.h"

void cache_serve_init(struct cache_serve *s)
{
	memset(s, 0, sizeof(*s));
	s->req_fd = s->res_fd = -1;
}

/* ---- the fetcher's answers -------------------------------------------- */

/* Forget @hex as asked of the fetcher. */
static void cache_serve_unpend(struct cache_serve *s, const char *hex)
{
	unsigned i;

	for (i = 0; i < s->n_pending; i++)
		if (strcmp(s->pending[i], hex) == 0) {
			memcpy(s->pending[i], s->pending[--s->n_pending],
			       sizeof(s->pending[i]));
			return;
		}
}

/* One answer line: "ok HEX" or "fail HEX"; 1 for a commit. */
static int cache_serve_result(struct cache_serve *s, const char *line)
{
	const char *hex = strchr(line, ' ');

	if (!hex || !cache_hex_valid(hex + 1))
		return 0;
	cache_serve_unpend(s, hex + 1);
	if (strncmp(line, "fail ", 5) == 0) {
		memcpy(s->failed[s->next_failed].hex, hex + 1,
		       CACHE_HEX_LEN + 1);
		s->failed[s->next_failed].at = clock_now_ms();
		s->next_failed = (s->next_failed + 1) % CACHE_SERVE_FAILED_MAX;
		return 0;
	}
	return 1;
}

int cache_serve_results(struct cache_serve *s)
{
	char *nl;
	ssize_t n;
	int commits = 0;

	if (s->res_fd < 0)
		return 0;
	while ((n = read(s->res_fd, s->res + s->res_len,
			 sizeof(s->res) - 1 - s->res_len)) > 0) {
		s->res_len += (size_t)n;
		s->res[s->res_len] = '\0';
		while ((nl = strchr(s->res, '\n')) != NULL) {
			*nl = '\0';
			commits += cache_serve_result(s, s->res);
			s->res_len -= (size_t)(nl + 1 - s->res);
			memmove(s->res, nl + 1, s->res_len + 1);
		}
		if (s->res_len == sizeof(s->res) - 1)
			s->res_len = 0;
	}
	return commits;
}

/* 1 if the fetch of @hex failed after @since. */
static int cache_serve_failed(const struct cache_serve *s, const char *hex,
			      long long since)
{
	unsigned i;

	for (i = 0; i < CACHE_SERVE_FAILED_MAX; i++)
		if (s->failed[i].at >= since &&
		    strcmp(s->failed[i].hex, hex) == 0)
			return 1;
	return 0;
}

/* Ask the fetcher for @ref once, however many readers wait for it. */
static int cache_serve_ask(struct cache_serve *s, const struct cache_ref *ref)
{
	char line[CACHE_HEX_LEN + CACHE_NAME_MAX + 4];
	unsigned i;
	int n;

	for (i = 0; i < s->n_pending; i++)
		if (strcmp(s->pending[i], ref->hex) == 0)
			return 0;
	if (s->req_fd < 0 || s->n_pending == CACHE_SERVE_PENDING_MAX)
		return -EAGAIN;
	n = snprintf(line, sizeof(line), "%s %s\n", ref->hex, ref->name);
	if (write(s->req_fd, line, (size_t)n) != n)
		return -EAGAIN;
	memcpy(s->pending[s->n_pending++], ref->hex, CACHE_HEX_LEN + 1);
	log_debug("cache: miss sha256:%s (%s): fetching", ref->hex,
		  ref->name);
	return 0;
}

/* ---- opening an entry ------------------------------------------------- */

/* The status line and headers of a cache answer into c->out. */
static void cache_serve_headers(struct relayconn *c, const char *how)
{
	c->out.len = 0;
	c->out.overflow = 0;
	c->out_off = 0;
	pbuf_printf(&c->out, "HTTP/1.1 200 OK\r\nContent-Type: "
		    "application/octet-stream\r\nContent-Length: %" PRIu64
		    "\r\nX-Podboot-Sha256: %s\r\nX-Podboot-Cache: %s\r\n%s"
		    "\r\n", c->file_len, c->ref.hex, how,
		    c->close_after ? "Connection: close\r\n" : "");
}

/* A committed entry (unchanged since it was verified): open it. */
static int cache_serve_open_hit(struct relayconn *c, struct cache_serve *s)
{
	char path[PATH_MAX];
	struct stat st;

	if (cache_path(&s->cache, c->ref.hex, c->ref.sig ? ".sig" : "", path,
		       sizeof(path)) != 0)
		return -ENOENT;
	c->file_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->file_fd < 0 || fstat(c->file_fd, &st) != 0)
		return -ENOENT;
	c->file_len = (uint64_t)st.st_size;
	cache_touch(&s->cache, c->ref.hex);
	cache_serve_headers(c, "hit");
	return 0;
}

/* A download under way: open its .part, whose final size is in .len. */
static int cache_serve_open_part(struct relayconn *c, struct cache_serve *s)
{
	char path[PATH_MAX], text[32];
	ssize_t n;
	int fd;

	if (c->ref.sig ||
	    cache_path(&s->cache, c->ref.hex, ".len", path, sizeof(path)))
		return -ENOENT;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 1)
		return -ENOENT;
	text[n - 1] = '\0';
	if (num_parse_u64(text, strlen(text), UINT64_MAX, &c->file_len) ||
	    cache_path(&s->cache, c->ref.hex, ".part", path, sizeof(path)))
		return -ENOENT;
	c->file_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->file_fd < 0)
		return -ENOENT;
	cache_serve_headers(c, "miss");
	return 0;
}

/* Waiting for a miss: serve once it is committed or being downloaded. */
static int cache_serve_wait(struct relayconn *c, struct relayconn_shared *sh)
{
	struct cache_serve *s = sh->cache;

	if ((cache_check(&s->cache, c->ref.hex) == 0 &&
	     cache_serve_open_hit(c, s) == 0) ||
	    cache_serve_open_part(c, s) == 0) {
		c->state = RCS_FILE;
		return RC_PROGRESS;
	}
	if (c->file_fd >= 0)
		close(c->file_fd);
	c->file_fd = -1;
	if (cache_serve_failed(s, c->ref.hex, c->wait_from))
		return relayconn_refuse(c, sh, 502, "the artifact could not be "
					"fetched and verified", 1);
	if (cache_serve_ask(s, &c->ref) != 0)
		return relayconn_refuse(c, sh, 503, "cache busy: retry", 1);
	c->events = 0;			/* the relay's tick steps it */
	return RC_STOP;
}

/* ---- streaming -------------------------------------------------------- */

/* Inode of @suffix of the entry, or 0. */
static ino_t cache_serve_ino(const struct cache_serve *s, const char *hex,
			     const char *suffix)
{
	char path[PATH_MAX];
	struct stat st;

	if (cache_path(&s->cache, hex, suffix, path, sizeof(path)) != 0 ||
	    stat(path, &st) != 0)
		return 0;
	return st.st_ino;
}

/*
 * How far c->file_fd may be sent now: all of a committed file; of a
 * download, what has arrived but its last byte, which waits for the
 * commit, so that no reader gets a whole file that failed verification.
 * -ESTALE when the download was dropped or started over.
 *
 * The commit renames HEX.part to HEX, never back, so .part is looked at
 * first: a rename between the two looks finds the file under its final
 * name.  (Looking at the final name first lost readers when the rename
 * fell between the looks: neither name held the file.)
 */
static int cache_serve_limit(const struct relayconn *c,
			     const struct cache_serve *s, uint64_t *limit)
{
	struct stat st;
	uint64_t have;

	if (fstat(c->file_fd, &st) != 0)
		return -errno;
	have = (uint64_t)st.st_size;
	if (!c->ref.sig &&
	    cache_serve_ino(s, c->ref.hex, ".part") == st.st_ino) {
		*limit = have < c->file_len ? have : c->file_len - 1;
		return 0;
	}
	if (c->ref.sig || cache_serve_ino(s, c->ref.hex, "") == st.st_ino) {
		if (have != c->file_len)
			return -ESTALE;
		*limit = have;
		return 0;
	}
	return -ESTALE;
}

/*
 * A whole file went to @c's reader: count it for the machine (the node
 * its URL names, else its address) and pass the totals to the fetcher,
 * which reports them.  A full pipe loses the line, not the count: the
 * next one carries the totals.
 */
static void cache_serve_count(struct relayconn *c, struct cache_serve *s)
{
	const struct cache_served *e;
	char line[CACHE_REPORT_LINE_MAX];
	int n;

	e = cache_tally_add(&s->tally, c->ref.node[0] ? c->ref.node : c->peer,
			    c->ref.hex, c->file_len);
	if (!e || s->req_fd < 0)
		return;
	n = cache_report_line(e, line, sizeof(line));
	if (n > 0 && write(s->req_fd, line, (size_t)n) != n)
		log_debug("cache: the fetcher's pipe is full: the count of "
			  "sha256:%s waits for the next reading", e->hex);
}

int cache_serve_send(struct relayconn *c, const struct cache_serve *s,
		     unsigned char *buf, size_t size)
{
	uint64_t limit = 0, want;
	ssize_t n;
	int ret;

	ret = relayconn_flush(c);
	if (ret != 0)
		return ret;
	if (c->head_only || c->file_off == c->file_len)
		return CACHE_SEND_DONE;
	ret = cache_serve_limit(c, s, &limit);
	if (ret != 0) {
		log_info("%s: cache: sha256:%s was dropped while being sent: "
			 "closing", c->peer, c->ref.hex);
		return ret;
	}
	if (c->file_off >= limit)
		return CACHE_SEND_WAIT;
	want = limit - c->file_off < size ? limit - c->file_off : size;
	n = pread(c->file_fd, buf, (size_t)want, (off_t)c->file_off);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	pbuf_append(&c->out, buf, (size_t)n);
	c->file_off += (uint64_t)n;
	c->deadline = clock_now_ms() + CACHE_SERVE_WAIT_MS;
	return CACHE_SEND_MORE;
}

void cache_serve_back(struct relayconn *c, struct relayconn_shared *sh,
		      int rc)
{
	if (c->state != RCS_FILE)
		return;
	if (rc != 0) {
		relayconn_free(c, sh);
		return;
	}
	if (!c->head_only && !c->ref.sig)
		cache_serve_count(c, sh->cache);
	c->state = RCS_REPLY;		/* relayconn_write() ends it */
	c->deadline = clock_now_ms() + RELAYCONN_REQ_MS;
	relayconn_step(c, sh);
}

int cache_serve_step(struct relayconn *c, struct relayconn_shared *sh)
{
	int ret = cache_serve_wait(c, sh);

	if (ret == RC_PROGRESS && c->state == RCS_FILE) {
		/* The pool streams it; cache_serve_back() when it is done. */
		c->events = 0;
		sh->cache->give(sh->cache->give_ctx, c);
		return RC_STOP;
	}
	return ret;
}

/* ---- the request ------------------------------------------------------ */

/* Why the cache will not answer @m, or NULL; *@status set. */
static const char *cache_serve_refusal(const struct httpmsg *m, int *status)
{
	const char *cl = httpmsg_get(m, "Content-Length");

	*status = 405;
	if (strcmp(m->method, "GET") != 0 && strcmp(m->method, "HEAD") != 0)
		return "the cache answers GET and HEAD only";
	/* Never cache what carries a secret: the central server answers. */
	*status = 403;
	if (httpmsg_get(m, "Authorization") || httpmsg_get(m, "Cookie") ||
	    strchr(m->target, '?'))
		return "the cache takes no credentials: ask the central server";
	*status = 400;
	if ((cl && strcmp(cl, "0") != 0) ||
	    httpmsg_get(m, "Transfer-Encoding"))
		return "a GET has no body";
	return NULL;
}

int cache_serve_route(struct relayconn *c, struct relayconn_shared *sh,
		      const struct httpmsg *m)
{
	const char *why;
	int status;

	why = cache_serve_refusal(m, &status);
	if (why)
		return relayconn_refuse(c, sh, status, why, 1);
	if (cache_parse_target(m->target, &c->ref) != 0)
		return relayconn_refuse(c, sh, 404, "the cache serves only "
					"/artifacts/NAME@sha256:HEX and its "
					".sig: ask the central server", 1);
	c->head_only = strcmp(m->method, "HEAD") == 0;
	c->wait_from = clock_now_ms();
	c->deadline = c->wait_from + CACHE_SERVE_WAIT_MS;
	c->state = RCS_CACHE_WAIT;
	return RC_PROGRESS;
}
