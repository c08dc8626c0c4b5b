/* cache_fetch.c: the cache's fetcher process: one upstream download per
 * digest, resumed with Range, verified before it is committed. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "cache_fetch.h"
#include "cache_report.h"
#include "clock.h"
#include "cms.h"
#include "digest.h"
#include "error.h"
#include "https.h"
#include "log.h"
#include "num.h"
#include "ratelimit.h"

#define CACHE_FETCH_BACKOFF_MAX_MS 4000
#define CACHE_FETCH_LINE_MAX 160	/* "HEX NAME\n" */
#define CACHE_FETCH_REPORT_MS 1000	/* reports at most this often */
#define CACHE_FETCH_RETRY_MS 5000	/* after a failed report */

/* The fetcher's state. */
struct cache_fetch {
	const struct options *o;
	const struct cache *c;
	volatile sig_atomic_t *stop;
	struct https_client client;
	mbedtls_x509_crt roots;		/* --ca: what a .sig must chain to */
	unsigned server;		/* the upstream in use */
	char token[OPTIONS_TOKEN_MAX + 1];	/* the relay token (--pod) */
	long long next_set;		/* monotonic ms of the next ask */
	struct cache_tally tally;	/* the listener's totals (--pod) */
	int dirty;			/* something to report */
	long long next_report;		/* monotonic ms, earliest report */
	long long since;		/* unix seconds the fetcher started */
	struct ratelimit_shared *wan;	/* --wan-rate-kbps: the pod link */
	uint64_t waited_ms;		/* all this process waited for it */
	struct https_conn conn;		/* upstream: the .sig and its file */
};

/* One download into HEX.part. */
struct cache_dl {
	struct cache_fetch *f;
	const char *hex;
	int fd;				/* HEX.part */
	uint64_t off;			/* bytes in HEX.part */
	uint64_t total;			/* the file's size; 0 until known */
	uint64_t received;		/* body bytes from upstream, all tries */
	int status;			/* of the last answer */
	int restarted;			/* the upstream ignored Range */
	struct digest sum;		/* SHA-256 of HEX.part's bytes ... */
	uint64_t hashed;		/* ... so far, from byte 0 */
	uint8_t sha256[32];		/* the whole file's, once checked */
};

/* "GET BASE/artifacts/NAME@sha256:HEX[.sig]" with a Range from @off; a
 * .sig keeps the connection for the file that follows it. */
static int cache_fetch_head(const struct url *u, const char *name,
			    const char *hex, int sig, uint64_t off, char *buf,
			    size_t size)
{
	char range[64] = "";
	int n;

	if (off)
		snprintf(range, sizeof(range), "Range: bytes=%" PRIu64 "-\r\n",
			 off);
	n = snprintf(buf, size, "GET %s/artifacts/%s@sha256:%s%s HTTP/1.1\r\n"
		     "Host: %s\r\nUser-Agent: podboot-agent cache\r\n%s"
		     "Connection: %s\r\n\r\n", u->path, name, hex,
		     sig ? ".sig" : "", u->authority, range,
		     sig ? "keep-alive" : "close");
	return n > 0 && (size_t)n < size ? n : -PB_ETOOBIG;
}

/* ---- the file, resumable ---------------------------------------------- */

/* Write the expected size of @hex into HEX.len (streaming readers need
 * it for their Content-Length) once it is known. */
static int cache_fetch_len(struct cache_dl *d)
{
	char path[PATH_MAX], tmp[PATH_MAX], text[32];
	int fd, rc, n;

	if (cache_path(d->f->c, d->hex, ".len", path, sizeof(path)) ||
	    cache_path(d->f->c, d->hex, ".len.tmp", tmp, sizeof(tmp)))
		return -PB_ETOOBIG;
	n = snprintf(text, sizeof(text), "%" PRIu64 "\n", d->total);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	rc = write(fd, text, (size_t)n) == n ? 0 : -EIO;
	close(fd);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	return rc;
}

/* Start HEX.part over as a new file: readers of the old one see it go. */
static int cache_fetch_restart(struct cache_dl *d)
{
	char path[PATH_MAX];

	if (cache_path(d->f->c, d->hex, ".part", path, sizeof(path)))
		return -PB_ETOOBIG;
	if (d->fd >= 0)
		close(d->fd);
	unlink(path);
	d->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	d->off = 0;
	digest_init(&d->sum, digest_by_name("sha256"));
	d->hashed = 0;
	return d->fd < 0 ? -errno : 0;
}

/* "bytes FIRST-LAST/TOTAL" must start where HEX.part ends. */
static int cache_fetch_range(struct cache_dl *d, const char *cr)
{
	unsigned long long first, last, total;
	int end = 0;

	if (!cr || sscanf(cr, "bytes %llu-%llu/%llu%n", &first, &last, &total,
			  &end) != 3 || cr[end] != '\0' || first != d->off ||
	    last + 1 != total)
		return -EBADMSG;
	d->total = total;
	return 0;
}

/* The answer's head: 206 from our offset, or 200 (from byte 0). */
static int cache_fetch_on_head(struct cache_dl *d, const struct httpmsg *m)
{
	const char *cl = httpmsg_get(m, "Content-Length");
	size_t len;
	int rc;

	d->status = m->status;
	if (m->status == 206)
		rc = cache_fetch_range(d, httpmsg_get(m, "Content-Range"));
	else if (m->status != 200)
		return -ENOENT;
	else if (!cl || httpmsg_content_length(m, SIZE_MAX, &len) != 0)
		return -EBADMSG;
	else if (d->off) {	/* Range ignored: from the start again */
		log_info("cache: sha256:%s: upstream ignored Range; "
			 "restarting", d->hex);
		d->restarted = 1;
		d->total = len;
		rc = cache_fetch_restart(d);
	} else {
		d->total = len;
		rc = 0;
	}
	return rc == 0 ? cache_fetch_len(d) : rc;
}

/* https_stream()'s sink: the head, then body bytes appended to .part. */
static int cache_fetch_sink(void *ctx, const struct httpmsg *m,
			    const unsigned char *buf, size_t len)
{
	struct cache_dl *d = ctx;
	ssize_t n;

	if (!buf)
		return cache_fetch_on_head(d, m);
	if (d->off + len > d->total)
		return -EBADMSG;
	n = pwrite(d->fd, buf, len, (off_t)d->off);
	if (n != (ssize_t)len)
		return -EIO;
	/* Hashed as it arrives: the check at the end then costs nothing,
	 * where hashing the file then kept every reader's last byte waiting
	 * (2.5 s a GB here). */
	if (d->hashed == d->off) {
		digest_update(&d->sum, buf, len);
		d->hashed += len;
	}
	d->off += len;
	d->received += len;
	/* Reading slower makes TCP slow the sender: the pod's link keeps
	 * room for its other traffic. */
	d->f->waited_ms += ratelimit_shared_pace(d->f->wan, len);
	return 0;
}

/* One attempt from d->off; 0 when the file is whole. */
static int cache_fetch_try(struct cache_dl *d, const char *name)
{
	const struct url *u = &d->f->o->servers[d->f->server];
	char head[1024], why[HTTPS_WHY_MAX];
	int n, rc;

	n = cache_fetch_head(u, name, d->hex, 0, d->off, head, sizeof(head));
	if (n < 0)
		return n;
	rc = https_stream_on(&d->f->conn, &d->f->client, u, head, (size_t)n,
			     cache_fetch_sink, d, why);
	https_conn_close(&d->f->conn);	/* the file asked to close it */
	if (rc != 0)
		log_error("cache: %s: sha256:%s after byte %" PRIu64 ": %s",
			  u->text, d->hex, d->off, why);
	return rc;
}

/* 1 for a failure worth a retry: the link, not the answer. */
static int cache_fetch_transient(int rc)
{
	return rc == -ECONNRESET || rc == -ETIMEDOUT || rc == -EPIPE ||
	       rc == -ECONNREFUSED || rc == -EPROTO || rc == -EHOSTUNREACH ||
	       rc == -EIO;
}

/* Sleep @ms unless told to stop. */
static void cache_fetch_nap(struct cache_fetch *f, unsigned ms)
{
	long long until = clock_now_ms() + ms;

	while (!*f->stop && clock_now_ms() < until)
		poll(NULL, 0, 50);
}

/* Hash what an earlier run of the relay left in HEX.part, so that the
 * bytes that follow extend the running digest. */
static int cache_fetch_hash_prefix(struct cache_dl *d)
{
	static unsigned char buf[64u << 10];
	ssize_t n;

	digest_init(&d->sum, digest_by_name("sha256"));
	for (d->hashed = 0; d->hashed < d->off; d->hashed += (uint64_t)n) {
		n = pread(d->fd, buf, d->off - d->hashed < sizeof(buf) ?
			  (size_t)(d->off - d->hashed) : sizeof(buf),
			  (off_t)d->hashed);
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		digest_update(&d->sum, buf, (size_t)n);
	}
	return 0;
}

/* Open HEX.part, keeping what an earlier run left: the download
 * resumes from its size. */
static int cache_fetch_open(struct cache_dl *d)
{
	char path[PATH_MAX];
	struct stat st;

	if (cache_path(d->f->c, d->hex, ".part", path, sizeof(path)))
		return -PB_ETOOBIG;
	d->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->fd < 0 || fstat(d->fd, &st) != 0)
		return -errno;
	d->off = (uint64_t)st.st_size;
	return cache_fetch_hash_prefix(d);
}

/*
 * The .sig (into @sig, 200 only) and the file's first try, asked together
 * on one connection: the file's bytes start one WAN round trip after the
 * handshake, not two.  *@tries counts the file's tries (0 or 1) and
 * *@whole is set when it arrived whole; a .sig in hand with the file cut
 * short or not answered leaves the file to cache_fetch_file().
 */
static int cache_fetch_sig_and_file(struct cache_dl *d, const char *name,
				    struct https_resp *sig, unsigned *tries,
				    int *whole)
{
	struct cache_fetch *f = d->f;
	const struct url *u = &f->o->servers[f->server];
	char heads[2048], why[HTTPS_WHY_MAX];
	int n1, n2, streamed, rc;

	*whole = 0;
	*tries = 0;
	n1 = cache_fetch_head(u, name, d->hex, 1, 0, heads, sizeof(heads));
	if (n1 < 0)
		return n1;
	n2 = cache_fetch_head(u, name, d->hex, 0, d->off, heads + n1,
			      sizeof(heads) - (size_t)n1);
	if (n2 < 0)
		return n2;
	rc = https_request_then_stream(&f->conn, &f->client, u, heads,
				       (size_t)n1, (size_t)(n1 + n2), sig,
				       cache_fetch_sink, d, &streamed, why);
	if (!streamed) {
		if (rc != 0)
			log_error("cache: %s: %s.sig: %s", u->text, d->hex,
				  why);
		else if (sig->status != 200)
			log_error("cache: %s: %s@sha256:%s.sig: HTTP %d",
				  u->text, name, d->hex, sig->status);
		return rc ? rc : sig->status == 200 ? 0 : -ENOENT;
	}
	if (rc != 0)
		log_error("cache: %s: sha256:%s after byte %" PRIu64 ": %s",
			  u->text, d->hex, d->off, why);
	*tries = 1;
	*whole = rc == 0;
	/* the .sig is in hand: what went wrong is the file's, retried */
	return cache_fetch_transient(rc) ? 0 : rc;
}

/* Download the rest of HEX.part with bounded tries, @tried of them
 * made already, and a doubling back-off. */
static int cache_fetch_file(struct cache_dl *d, const char *name,
			    unsigned tried)
{
	unsigned wait = CACHE_FETCH_BACKOFF_MS, i;
	int rc = -EIO;

	for (i = tried; i < CACHE_FETCH_TRIES && !*d->f->stop; i++) {
		if (i) {
			cache_fetch_nap(d->f, wait);
			wait = wait * 2 > CACHE_FETCH_BACKOFF_MAX_MS ?
				       CACHE_FETCH_BACKOFF_MAX_MS : wait * 2;
			d->f->server = (d->f->server + 1) %
				       d->f->o->n_servers;
			log_info("cache: sha256:%s: resuming at byte %" PRIu64,
				 d->hex, d->off);
		}
		rc = cache_fetch_try(d, name);
		if (rc == 0 || !cache_fetch_transient(rc))
			break;
	}
	return rc;
}

/* ---- verify and commit ------------------------------------------------ */

/* The SHA-256 of the whole of HEX.part must be HEX. */
static int cache_fetch_digest(struct cache_dl *d)
{
	static const struct digest_alg *algs[1];
	uint8_t out[1][DIGEST_MAX_SIZE];
	char hex[CACHE_HEX_LEN + 1];
	int rc;

	algs[0] = digest_by_name("sha256");
	if (d->hashed == d->off && d->off == d->total) {
		digest_final(&d->sum, out[0]);
	} else {		/* not hashed in order: read it all again */
		if (lseek(d->fd, 0, SEEK_SET) != 0)
			return -errno;
		rc = digest_fd(d->fd, algs, 1, out, NULL);
		if (rc != 0)
			return rc;
	}
	digest_hex(out[0], 32, hex);
	memcpy(d->sha256, out[0], sizeof(d->sha256));
	return strcmp(hex, d->hex) == 0 ? 0 : -EBADMSG;
}

/* The .sig must be a valid CMS signature over HEX.part under --ca. */
static int cache_fetch_cms(struct cache_dl *d, const struct https_resp *sig)
{
	struct cms_verify_opts opts = {
		.roots = &d->f->roots, .name = NULL, .now = time(NULL),
	};

	if (lseek(d->fd, 0, SEEK_SET) != 0)
		return -errno;
	/* The digest just checked is the content's: not hashed again */
	return cms_verify_fd_sha256((const unsigned char *)sig->body.data,
				    sig->body.len, d->fd, d->sha256, &opts,
				    NULL);
}

/* Write @len bytes of @buf to @path, durably. */
static int cache_fetch_write(const char *path, const void *buf, size_t len)
{
	int fd, rc;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	rc = write(fd, buf, len) == (ssize_t)len && fsync(fd) == 0 ? 0 : -EIO;
	close(fd);
	return rc;
}

/* The .sig, then the file, renamed into place; then the record. */
static int cache_fetch_commit(struct cache_dl *d, const struct https_resp *sig)
{
	const struct cache *c = d->f->c;
	char tmp[PATH_MAX], path[PATH_MAX], part[PATH_MAX], len[PATH_MAX];
	char file[PATH_MAX];
	int rc;

	if (cache_path(c, d->hex, ".sig.part", tmp, sizeof(tmp)) ||
	    cache_path(c, d->hex, ".sig", path, sizeof(path)) ||
	    cache_path(c, d->hex, ".part", part, sizeof(part)) ||
	    cache_path(c, d->hex, ".len", len, sizeof(len)))
		return -PB_ETOOBIG;
	/* Verified: renaming the file releases the readers' last byte at
	 * once.  The .sig, the fsyncs (which may wait for the whole file to
	 * reach the disk) and then the record that makes it a hit follow;
	 * an entry without a record, after a crash, is fetched again. */
	rc = cache_path(c, d->hex, "", file, sizeof(file));
	if (rc == 0 && rename(part, file) != 0)
		rc = -errno;
	if (rc == 0)
		rc = cache_fetch_write(tmp, sig->body.data, sig->body.len);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc == 0 && fsync(d->fd) != 0)
		rc = -errno;
	if (rc == 0)
		rc = cache_record(c, d->hex);
	unlink(len);
	return rc;
}

/* Verify the whole file and its .sig; commit it or delete it. */
static int cache_fetch_verify(struct cache_dl *d, const char *name,
			      const struct https_resp *sig)
{
	int rc;

	rc = cache_fetch_digest(d);
	if (rc != 0) {
		cache_drop(d->f->c, d->hex, "does not match its digest");
		return rc;
	}
	rc = cache_fetch_cms(d, sig);
	if (rc != 0) {
		log_error("cache: %s@sha256:%s.sig: %s", name, d->hex,
			  pb_strerror(rc));
		cache_drop(d->f->c, d->hex, "has no valid signature");
		return rc;
	}
	rc = cache_fetch_commit(d, sig);
	if (rc != 0)
		cache_drop(d->f->c, d->hex, "could not be committed");
	return rc;
}

/* Fetch, verify and commit entry @hex unless it is cached already. */
static int cache_fetch_one(struct cache_fetch *f, const char *hex,
			   const char *name)
{
	struct cache_dl d = { .f = f, .hex = hex, .fd = -1 };
	uint64_t waited = f->waited_ms;
	long long start = clock_now_ms();
	struct https_resp sig;
	unsigned tries = 0;
	int whole = 0, rc;

	if (cache_check(f->c, hex) == 0)
		return 0;
	https_resp_init(&sig);
	rc = cache_fetch_open(&d);
	if (rc == 0)
		rc = cache_fetch_sig_and_file(&d, name, &sig, &tries, &whole);
	if (rc == 0 && !whole)
		rc = cache_fetch_file(&d, name, tries);
	if (rc == 0 && d.off != d.total)
		rc = -EBADMSG;
	https_conn_close(&f->conn);
	if (rc == 0)
		rc = cache_fetch_verify(&d, name, &sig);
	else if (!cache_fetch_transient(rc) || *f->stop == 0)
		log_error("cache: sha256:%s (%s): fetch failed: %s", hex, name,
			  pb_strerror(rc));
	if (rc == 0)
		log_info("cache: sha256:%s (%s) fetched and verified: %" PRIu64
			 " bytes, %" PRIu64 " received from upstream in %lld "
			 "ms, %" PRIu64 " ms of it paced by --wan-rate-kbps",
			 hex, name, d.total, d.received,
			 clock_now_ms() - start, f->waited_ms - waited);
	if (d.fd >= 0)
		close(d.fd);
	https_resp_free(&sig);
	return rc;
}

/* ---- the request loop ------------------------------------------------- */

/* One request line "HEX NAME": fetch, then answer "ok HEX" or "fail HEX". */
static void cache_fetch_line(struct cache_fetch *f, char *line, int res_fd)
{
	struct cache_ref ref;
	char target[CACHE_FETCH_LINE_MAX + 32], out[CACHE_HEX_LEN + 8];
	char *sp = strchr(line, ' ');
	ssize_t w;
	int rc, n;

	if (strncmp(line, "served ", 7) == 0) {
		if (cache_tally_parse(&f->tally, line) == 0)
			f->dirty = 1;
		return;
	}
	if (!sp)
		return;
	*sp = '\0';
	if ((size_t)snprintf(target, sizeof(target), "/artifacts/%s@sha256:%s",
			     sp + 1, line) >= sizeof(target) ||
	    cache_parse_target(target, &ref) != 0)
		return;
	rc = cache_fetch_one(f, ref.hex, ref.name);
	f->dirty |= rc == 0;		/* the cache holds one more */
	n = snprintf(out, sizeof(out), "%s %s\n", rc == 0 ? "ok" : "fail",
		     ref.hex);
	w = write(res_fd, out, (size_t)n);
	(void)w;
}

/* ---- the pod's set ---------------------------------------------------- */

/* 1 if @s is a pod name as the server's grammar has it. */
static int cache_fetch_pod_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '_' || (i && s[i] == '.')))
			return 0;
	return i > 0;
}

/* GET the pod's set ("SHA256 NAME" lines) into @resp, with the relay
 * token. */
static int cache_fetch_set_get(struct cache_fetch *f, struct https_resp *resp)
{
	const struct url *u = &f->o->servers[f->server];
	char head[1024], why[HTTPS_WHY_MAX];
	struct https_conn hc;
	int n, rc;

	n = snprintf(head, sizeof(head), "GET %s/api/v1/pods/%s/artifact-set"
		     "?format=text HTTP/1.1\r\nHost: %s\r\nUser-Agent: "
		     "podboot-agent cache\r\nAuthorization: Bearer %s\r\n"
		     "Connection: close\r\n\r\n", u->path, f->o->pod,
		     u->authority, f->token);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -PB_ETOOBIG;
	https_conn_init(&hc);
	rc = https_request(&hc, &f->client, u, head, (size_t)n, NULL, 0, resp,
			   why);
	https_conn_close(&hc);
	mbedtls_platform_zeroize(head, sizeof(head));
	if (rc != 0)
		log_error("cache: %s: pod %s's artifact set: %s", u->text,
			  f->o->pod, why);
	else if (resp->status != 200)
		log_error("cache: %s: pod %s's artifact set: HTTP %d %s",
			  u->text, f->o->pod, resp->status, resp->body.data);
	return rc ? rc : resp->status == 200 ? 0 : -EACCES;
}

/* Keep the set's digests as DIR/pinned (what eviction spares). */
static int cache_fetch_pin(struct cache_fetch *f, const struct https_resp *r)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/pinned", f->c->dir) >=
		    sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/pinned.tmp", f->c->dir) >=
		    sizeof(tmp))
		return -PB_ETOOBIG;
	rc = cache_fetch_write(tmp, r->body.data, r->body.len);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	return rc;
}

/* Ask for the pod's set, pin it, and fetch what is not cached yet;
 * each fetch is reported on @res_fd as a request's would be. */
static void cache_fetch_set(struct cache_fetch *f, int res_fd)
{
	struct https_resp resp;
	char *line, *save = NULL;

	f->next_set = clock_now_ms() + 1000LL * f->o->cache_set_interval;
	f->dirty = 1;		/* evictions are the listener's: report anew */
	https_resp_init(&resp);
	if (cache_fetch_set_get(f, &resp) == 0 &&
	    cache_fetch_pin(f, &resp) == 0) {
		for (line = strtok_r(resp.body.data, "\n", &save); line &&
		     !*f->stop; line = strtok_r(NULL, "\n", &save)) {
			char hex[CACHE_HEX_LEN + 1];

			snprintf(hex, sizeof(hex), "%s", line);
			if (line[0] == '-' || line[CACHE_HEX_LEN] != ' ' ||
			    cache_check(f->c, hex) == 0)
				continue;
			log_info("cache: prefetching %s for pod %s", line,
				 f->o->pod);
			cache_fetch_line(f, line, res_fd);
		}
	}
	https_resp_free(&resp);
}

/* With --pod, tell the server what the cache holds and served, when
 * that changed, at most every CACHE_FETCH_REPORT_MS. */
static void cache_fetch_report(struct cache_fetch *f)
{
	struct pbuf body;
	long long now = clock_now_ms();
	int rc;

	if (!f->o->pod[0] || !f->dirty || now < f->next_report)
		return;
	pbuf_init(&body, CACHE_REPORT_BODY_MAX);
	rc = cache_report_body(f->c, &f->tally, f->since, &body);
	if (rc == 0)
		rc = cache_report_put(&f->client, &f->o->servers[f->server],
				      f->o->pod, f->token, &body);
	else
		log_error("cache: reporting pod %s's cache: %s", f->o->pod,
			  pb_strerror(rc));
	pbuf_free(&body);
	f->dirty = rc != 0;
	f->next_report = now + (rc == 0 ? CACHE_FETCH_REPORT_MS :
					  CACHE_FETCH_RETRY_MS);
}

/* Set up the TLS client and the roots a .sig must chain to. */
static int cache_fetch_init(struct cache_fetch *f, const struct options *o)
{
	int ret;

	mbedtls_x509_crt_init(&f->roots);
	if (o->wan_rate_kbps)
		log_info("cache: upstream fetches capped at %u kbit/s, "
			 "with the relay's forwarding", o->wan_rate_kbps);
	ret = https_client_init(&f->client, o->ca, o->timeout);
	if (ret != 0)
		return ret;
	ret = mbedtls_x509_crt_parse_file(&f->roots, o->ca);
	if (ret != 0) {
		log_mbedtls(o->ca, ret);
		return -PB_ECERT_PARSE;
	}
	if (!o->pod[0])
		return 0;
	if (!cache_fetch_pod_valid(o->pod)) {
		log_error("--pod %s: not a pod name", o->pod);
		return -PB_EBAD_NAME;
	}
	return options_read_token(o->relay_token_file, f->token);
}

int cache_fetch_run(const struct options *o, const struct cache *c,
		    struct ratelimit_shared *link, int req_fd, int res_fd,
		    volatile sig_atomic_t *stop)
{
	struct cache_fetch f = { .o = o, .c = c, .stop = stop, .wan = link };
	struct pollfd p = { .fd = req_fd, .events = POLLIN };
	char buf[CACHE_FETCH_LINE_MAX * 8], *nl;
	size_t have = 0;
	ssize_t n;
	int rc;

	https_conn_init(&f.conn);
	rc = cache_fetch_init(&f, o);
	f.next_set = clock_now_ms();
	f.since = (long long)time(NULL);
	while (rc == 0 && !*stop) {
		if (o->pod[0] && clock_now_ms() >= f.next_set)
			cache_fetch_set(&f, res_fd);
		cache_fetch_report(&f);
		if (poll(&p, 1, 500) <= 0)
			continue;
		n = read(req_fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			break;		/* the listener is gone */
		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = strchr(buf, '\n')) != NULL) {
			*nl = '\0';
			cache_fetch_line(&f, buf, res_fd);
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have + 1);
		}
		if (have == sizeof(buf) - 1)
			have = 0;	/* no line that long: drop it */
	}
	https_conn_close(&f.conn);
	https_client_free(&f.client);
	mbedtls_x509_crt_free(&f.roots);
	mbedtls_platform_zeroize(f.token, sizeof(f.token));
	return rc;
}
