/* forward.c: a relay's forwarder: its spooled batches go upstream, in order. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "batch.h"
#include "clock.h"
#include "error.h"
#include "forward.h"
#include "frame.h"
#include "log.h"
#include "num.h"
#include "spool.h"
#include "upstream.h"

#define FORWARD_IDLE_MS 5000		/* rescan the spool this often */
#define FORWARD_BACKOFF_MAX_MS 30000

struct forward {
	const struct options *o;
	volatile sig_atomic_t *stop;
	struct spool spool;
	struct upstream up;
	int backlog;			/* batches go late: mark replays */
	struct ratelimit replay;	/* --replay-rate-kbps: a backlog */
	struct ratelimit_shared *link;	/* --wan-rate-kbps: the pod link */
	struct {			/* the catch-up under way */
		long long start;	/* monotonic ms of its first request */
		uint64_t batches, bytes, paced_ms;
	} cu;
	uint64_t sent[BATCH_FRAMES_MAX];	/* spool entries sent */
	size_t n_sent;
	char token[OPTIONS_TOKEN_MAX + 1];	/* the relay token */
};

/* Append the frames of one spooled batch; as replays in a backlog. */
static int forward_append(struct forward *fw, const struct spool_item *it,
			  struct pbuf *out, size_t *frames)
{
	struct frame f;
	size_t off = 0, mark = out->len, n = 0;
	int rc;

	while ((rc = frame_next(it->body, it->len, &off, SPOOL_ITEM_MAX,
				&f)) == 0) {
		f.replay |= fw->backlog;
		rc = frame_encode(out, &f);
		if (rc != 0)
			break;
		n++;
	}
	if (rc == 1 && *frames + n > BATCH_FRAMES_MAX)
		rc = -PB_ETOOBIG;
	if (rc != 1) {
		mbedtls_platform_zeroize(out->data + mark, out->len - mark);
		out->len = mark;
		out->overflow = 0;
		return rc;
	}
	*frames += n;
	return 0;
}

/*
 * Merge the oldest spooled batches, in order, into one request of at
 * most BATCH_BYTES_MAX bytes and BATCH_FRAMES_MAX frames; under a cap,
 * no more batches once it holds @limit bytes (one bucket's worth), so
 * that a backlog goes in small steps, not in one burst at line speed.
 * Batches that cannot be read are dropped.
 */
static void forward_collect(struct forward *fw, struct pbuf *out,
			    uint64_t limit)
{
	uint64_t seqs[BATCH_FRAMES_MAX];
	struct spool_item it;
	size_t n, i, frames = 0;
	int rc;

	n = fw->spool.n < BATCH_FRAMES_MAX ? fw->spool.n : BATCH_FRAMES_MAX;
	for (i = 0; i < n; i++)
		seqs[i] = fw->spool.entries[i].seq;
	fw->n_sent = 0;
	for (i = 0; i < n && !(fw->n_sent && out->len >= limit); i++) {
		rc = spool_read(&fw->spool, seqs[i], &it);
		if (rc == -ENOENT) {		/* the listener dropped it */
			spool_remove(&fw->spool, seqs[i]);
			continue;
		}
		if (rc == 0)
			rc = forward_append(fw, &it, out, &frames);
		spool_item_free(&it);
		if (rc == -PB_ETOOBIG && fw->n_sent)
			break;			/* the next request takes it */
		if (rc != 0) {
			log_warn("spool: batch %" PRIu64 " unusable (%s): "
				 "dropped", seqs[i], pb_strerror(rc));
			spool_drop(&fw->spool, seqs[i]);
			continue;
		}
		fw->sent[fw->n_sent++] = seqs[i];
	}
}

/* Log the frames the upstream refused ({"frames": [{"status": N}...]}). */
static void forward_results(const struct pbuf *batch, const char *json)
{
	const char *p = json;
	struct frame f;
	size_t off = 0, k, n;
	uint64_t status;

	for (k = 0; (p = strstr(p, "\"status\"")) != NULL; k++) {
		p += 8;
		p += strspn(p, " \t\r\n:");
		n = strspn(p, "0123456789");
		if (frame_next((const unsigned char *)batch->data, batch->len,
			       &off, SPOOL_ITEM_MAX, &f) != 0)
			break;
		if (num_parse_u64(p, n, 999, &status) == 0 &&
		    (status < 200 || status > 299))
			log_warn("upstream refused push seq %" PRIu64
				 " (frame %zu): status %" PRIu64, f.seq, k + 1,
				 status);
	}
}

/* POST the merged batch (after @paced ms under the caps); remove its
 * spool entries unless kept. */
static enum upstream_result forward_send(struct forward *fw,
					 const struct pbuf *batch,
					 long long paced)
{
	struct upstream_req req = {
		.path = "/api/v1/push/batch",
		.content_type = "application/x-podboot-batch",
		.seq = fw->sent[0],
		.body = batch->data,
		.len = batch->len,
	};
	struct https_resp resp;
	enum upstream_result r;
	size_t i;

	https_resp_init(&resp);
	r = upstream_post(&fw->up, &req, &resp);
	if (r == UPSTREAM_DELIVERED && resp.body.data)
		forward_results(batch, resp.body.data);
	/* A refused relay token is this relay's mistake, not the data's. */
	if (r == UPSTREAM_REJECTED && (resp.status == 401 ||
				       resp.status == 403))
		r = UPSTREAM_RETRY;
	https_resp_free(&resp);
	for (i = 0; r != UPSTREAM_RETRY && i < fw->n_sent; i++) {
		if (r == UPSTREAM_DELIVERED)
			spool_remove(&fw->spool, fw->sent[i]);
		else
			spool_drop(&fw->spool, fw->sent[i]);
	}
	if (r != UPSTREAM_RETRY)
		log_debug("batches %" PRIu64 "..%" PRIu64 " %s (%zu bytes, "
			  "%s, %lld ms paced)", fw->sent[0],
			  fw->sent[fw->n_sent - 1],
			  r == UPSTREAM_DELIVERED ? "delivered" : "refused",
			  batch->len, fw->backlog ? "catch-up" : "live",
			  paced);
	return r;
}

/*
 * Milliseconds until the spool is due upstream: at once in a backlog or
 * when a request's worth waits; else when the oldest batch has gathered
 * pushes for the batch interval.
 */
static long long forward_due(const struct forward *fw)
{
	long long age;

	if (fw->backlog || fw->spool.bytes >= BATCH_BYTES_MAX / 2)
		return 0;
	age = ((long long)time(NULL) - fw->spool.entries[0].mtime) * 1000;
	if (age < 0)
		age = 0;		/* the clock went back */
	age = (long long)fw->o->batch_interval * 1000 - age;
	return age > 0 ? age : 0;
}

/* Sleep @ms; with @wake_fd, a byte on it ends the sleep.  The pipe is
 * emptied either way. */
static void forward_sleep(int wake_fd, int ms, int wakeable)
{
	struct pollfd p = { .fd = wake_fd, .events = POLLIN };
	char buf[256];

	poll(&p, wakeable ? 1 : 0, ms);
	while (read(wake_fd, buf, sizeof(buf)) > 0)
		;
}

/* The most one request may merge: the smallest bucket in force (the
 * link's; in a backlog, the catch-up's too), else BATCH_BYTES_MAX. */
static uint64_t forward_limit(const struct forward *fw)
{
	uint64_t limit = BATCH_BYTES_MAX, rate, burst;

	ratelimit_shared_get(fw->link, &rate, &burst);
	if (rate && burst < limit)
		limit = burst;
	burst = (uint64_t)fw->replay.burst / 1000;
	if (fw->backlog && fw->replay.rate && burst < limit)
		limit = burst;
	return limit;
}

/*
 * Take @n bytes from the pod link's bucket and, in a backlog, from the
 * catch-up's; wait as the slower of the two says, before the request
 * goes: over any span, what crossed is at most a bucket plus the rate
 * times the span.  Live batches leave the catch-up's bucket alone.
 *
 * @ret ms		the milliseconds waited
 */
static long long forward_pace(struct forward *fw, uint64_t n)
{
	long long now = clock_now_ms(), ms, late;

	ms = ratelimit_shared_take(fw->link, n, now);
	late = fw->backlog ? ratelimit_take(&fw->replay, n, now) : 0;
	if (late > ms)
		ms = late;
	ratelimit_sleep(ms);
	return ms;
}

/* Log the catch-up so far, @how it ended, and start counting anew. */
static void forward_catchup_end(struct forward *fw, const char *how)
{
	if (fw->cu.batches)
		log_info("catch-up %s: %" PRIu64 " batches, %" PRIu64
			 " bytes in %lld ms, %" PRIu64 " ms paced by "
			 "--replay-rate-kbps and --wan-rate-kbps; %zu left",
			 how, fw->cu.batches, fw->cu.bytes,
			 clock_now_ms() - fw->cu.start, fw->cu.paced_ms,
			 fw->spool.n);
	memset(&fw->cu, 0, sizeof(fw->cu));
}

/* One step: wait, or send the oldest batches (then back off if no
 * upstream took them). */
static void forward_step(struct forward *fw, int wake_fd, int *backoff)
{
	struct pbuf batch;
	long long due, paced;
	int r;

	spool_scan(&fw->spool);
	if (fw->spool.n == 0) {
		if (fw->backlog)
			forward_catchup_end(fw, "done");
		fw->backlog = 0;
		forward_sleep(wake_fd, FORWARD_IDLE_MS, 1);
		return;
	}
	due = forward_due(fw);
	if (due > 0) {
		forward_sleep(wake_fd, (int)due, 1);
		return;
	}
	pbuf_init(&batch, BATCH_BYTES_MAX);
	forward_collect(fw, &batch, forward_limit(fw));
	if (fw->backlog && !fw->cu.batches)
		fw->cu.start = clock_now_ms();
	paced = fw->n_sent ? forward_pace(fw, batch.len) : 0;
	if (*fw->stop)		/* stopped while it waited: kept for later */
		r = UPSTREAM_RETRY;
	else
		r = fw->n_sent ? forward_send(fw, &batch, paced) :
				 UPSTREAM_DELIVERED;
	if (r != UPSTREAM_RETRY && fw->backlog) {
		fw->cu.batches += fw->n_sent;
		fw->cu.bytes += batch.len;
		fw->cu.paced_ms += (uint64_t)paced;
	}
	if (batch.data)
		mbedtls_platform_zeroize(batch.data, batch.len);
	pbuf_free(&batch);
	if (*fw->stop)
		return;
	if (r != UPSTREAM_RETRY) {
		*backoff = 0;
		return;
	}
	if (fw->backlog)
		forward_catchup_end(fw, "cut short");
	fw->backlog = 1;
	*backoff = *backoff ? *backoff * 2 : 1000;
	if (*backoff > FORWARD_BACKOFF_MAX_MS)
		*backoff = FORWARD_BACKOFF_MAX_MS;
	/* New batches must not end the pause: every push would. */
	forward_sleep(wake_fd, *backoff, 0);
}

int forward_run(const struct options *o, struct ratelimit_shared *link,
		int wake_fd, volatile sig_atomic_t *stop)
{
	struct forward *fw;
	int backoff = 0, rc;

	fw = calloc(1, sizeof(*fw));
	if (!fw)
		return -ENOMEM;
	fw->o = o;
	fw->stop = stop;
	fw->link = link;
	ratelimit_init(&fw->replay, o->replay_rate_kbps, clock_now_ms());
	rc = options_read_token(o->relay_token_file, fw->token);
	if (rc == 0)
		rc = spool_open(&fw->spool, o->spool, "batch",
				(uint64_t)o->spool_max_mb << 20, SPOOL_SHARED);
	if (rc == 0)
		rc = upstream_init(&fw->up, o, fw->token);
	if (rc != 0)
		goto out;
	fw->backlog = fw->spool.n != 0;
	while (!*stop)
		forward_step(fw, wake_fd, &backoff);
out:
	upstream_free(&fw->up);
	spool_close(&fw->spool);
	mbedtls_platform_zeroize(fw->token, sizeof(fw->token));
	free(fw);
	return rc;
}
