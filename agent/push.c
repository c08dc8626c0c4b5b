/* push.c: agent mode: collect, compress, deliver or spool, replay. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "gzip.h"
#include "clock.h"
#include "log.h"
#include "push.h"

int push_init(struct push *p, const struct options *o)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->o = o;
	rc = spool_open(&p->spool, o->spool, "push",
			(uint64_t)o->spool_max_mb << 20, SPOOL_OWNER);
	if (rc != 0) {
		log_error("spool %s: %s", o->spool, pb_strerror(rc));
		return rc;
	}
	if (p->spool.n)
		log_info("spool %s holds %zu batches to replay", o->spool,
			 p->spool.n);
	ratelimit_init(&p->replay, o->replay_rate_kbps, clock_now_ms());
	return upstream_init(&p->up, o, o->token);
}

void push_free(struct push *p)
{
	upstream_free(&p->up);
	spool_close(&p->spool);
}

/* Send one batch: fresh (@replay 0) or from the spool. */
static enum upstream_result push_send(struct push *p, uint64_t seq,
				      unsigned interval, int replay,
				      const void *body, size_t len)
{
	struct upstream_req req = {
		.path = "/api/v1/push",
		.content_type = "text/plain; version=0.0.4",
		.encoding = "gzip",
		.node_headers = 1,
		.seq = seq,
		.interval = interval,
		.replay = replay,
		.epoch = p->spool.epoch,
		.body = body,
		.len = len,
	};
	struct https_resp resp;
	enum upstream_result r;

	https_resp_init(&resp);
	r = upstream_post(&p->up, &req, &resp);
	https_resp_free(&resp);
	if (r == UPSTREAM_DELIVERED)
		p->st.last_push = (double)time(NULL);
	else if (r == UPSTREAM_REJECTED)
		p->st.push_rejected++;
	else
		p->st.push_failures++;
	return r;
}

/*
 * Replay the spool in sequence order until it is empty, an upstream
 * fails, or @deadline passes.  Sets *@fresh_out when batch @fresh left
 * the spool (delivered or rejected).
 */
static void push_replay(struct push *p, uint64_t fresh, time_t deadline,
			enum push_outcome *fresh_out)
{
	uint64_t seq, sent = 0, bytes = p->replay.bytes;
	uint64_t paced = p->replay.waited_ms;
	long long start = clock_now_ms();
	struct spool_item it;
	enum upstream_result r;
	int rc;

	while (p->spool.n && (!deadline || time(NULL) < deadline)) {
		seq = p->spool.entries[0].seq;
		rc = spool_read(&p->spool, seq, &it);
		if (rc != 0) {
			log_warn("spool: batch %" PRIu64 " unreadable (%s): "
				 "dropped", seq, pb_strerror(rc));
			spool_drop(&p->spool, seq);
			continue;
		}
		/* The catch-up after an outage waits its turn under the
		 * cap before each batch, so that a backlog does not flood
		 * the link or the server. */
		ratelimit_pace(&p->replay, it.len);
		r = push_send(p, seq, it.interval, seq != fresh, it.body,
			      it.len);
		spool_item_free(&it);
		if (r == UPSTREAM_RETRY)
			break;
		sent++;
		spool_remove(&p->spool, seq);
		if (seq == fresh)
			*fresh_out = r == UPSTREAM_DELIVERED ? PUSH_DELIVERED :
							       PUSH_REJECTED;
	}
	p->st.replay_bytes += p->replay.bytes - bytes;
	p->st.replay_paced_ms += p->replay.waited_ms - paced;
	if (sent > 1 || (sent == 1 && p->spool.n))
		log_info("replay: %" PRIu64 " batches, %" PRIu64 " bytes in "
			 "%lld ms, %" PRIu64 " ms paced by --replay-rate-kbps; "
			 "%zu left", sent, p->replay.bytes - bytes,
			 clock_now_ms() - start, p->replay.waited_ms - paced,
			 p->spool.n);
}

/* Keep batch @seq for later; 0 or a negative error (logged). */
static int push_keep(struct push *p, uint64_t seq, const void *body,
		     size_t len)
{
	int rc;

	rc = spool_put(&p->spool, seq, p->o->interval, body, len);
	if (rc != 0)
		log_error("spool %s: batch %" PRIu64 " lost: %s", p->o->spool,
			  seq, pb_strerror(rc));
	return rc;
}

/* Deliver batch @seq: straight if nothing waits, else after the spool. */
static void push_deliver(struct push *p, uint64_t seq, const void *body,
			 size_t len, unsigned replay_s, enum push_outcome *out)
{
	enum upstream_result r;

	if (p->spool.n == 0) {
		r = push_send(p, seq, p->o->interval, 0, body, len);
		if (r == UPSTREAM_DELIVERED)
			*out = PUSH_DELIVERED;
		else if (r == UPSTREAM_REJECTED)
			*out = PUSH_REJECTED;
		else
			*out = push_keep(p, seq, body, len) ? PUSH_FAILED :
							      PUSH_SPOOLED;
		return;
	}
	/* Older batches go first: this one waits its turn in the spool. */
	if (push_keep(p, seq, body, len) != 0) {
		*out = PUSH_FAILED;
		return;
	}
	*out = PUSH_SPOOLED;
	push_replay(p, seq, replay_s ? time(NULL) + replay_s : 0, out);
}

/* Collect into @text; the spool's state goes into the health first. */
static int push_collect(struct push *p, struct pbuf *text)
{
	p->st.spool_bytes = p->spool.bytes;
	p->st.spool_batches = p->spool.n;
	p->st.spool_dropped = p->spool.dropped;
	return collect_all(text, p->o->procfs, &p->st);
}

int push_round(struct push *p, unsigned replay_s, enum push_outcome *out)
{
	unsigned char *body = NULL;
	struct pbuf text;
	size_t len = 0;
	uint64_t seq;
	int rc;

	*out = PUSH_FAILED;
	pbuf_init(&text, COLLECT_TEXT_MAX);
	rc = push_collect(p, &text);
	if (rc == 0)
		rc = gzip_compress(text.data, text.len, PUSH_BODY_MAX, &body,
				   &len);
	if (rc != 0) {
		log_error("collection: %s", pb_strerror(rc));
		goto out;
	}
	rc = spool_next_seq(&p->spool, &seq);
	if (rc != 0) {
		log_error("spool %s: no sequence number: %s", p->o->spool,
			  pb_strerror(rc));
		goto out;
	}
	log_debug("batch %" PRIu64 ": %zu bytes, %zu compressed", seq,
		  text.len, len);
	push_deliver(p, seq, body, len, replay_s, out);
out:
	free(body);
	pbuf_free(&text);
	return rc;
}

/* Sleep until @next (monotonic), or until a signal sets *@stop. */
static void push_sleep(const struct timespec *next,
		       volatile sig_atomic_t *stop)
{
	while (!*stop &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL) ==
		       EINTR)
		;
}

/*
 * How long a round replays a backlog, at least: a replay bounded by the
 * interval alone never catches up once a push takes longer than the
 * interval (a slow disk at the relay, a long WAN), and the spool would
 * then grow for ever.  Collection waits while a round replays.
 */
#define PUSH_REPLAY_MIN_S 30

int push_run(const struct options *o, volatile sig_atomic_t *stop)
{
	enum push_outcome out;
	struct timespec next, now;
	struct push p;
	int rc;

	rc = push_init(&p, o);
	if (rc != 0)
		goto out;
	log_info("pushing every %u s to %s%s", o->interval, o->servers[0].text,
		 o->n_servers > 1 ? " and fallbacks" : "");
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!*stop) {
		push_round(&p, o->interval > PUSH_REPLAY_MIN_S ?
				       o->interval : PUSH_REPLAY_MIN_S, &out);
		next.tv_sec += o->interval;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (next.tv_sec < now.tv_sec)	/* a round overran: skip */
			next = now;
		push_sleep(&next, stop);
	}
	log_info("stopping: %zu batches in the spool", p.spool.n);
out:
	push_free(&p);
	return rc;
}

int push_once(const struct options *o)
{
	static const char *const said[] = { "delivered", "spooled",
					    "refused", "lost" };
	enum push_outcome out = PUSH_FAILED;
	struct push p;
	int rc;

	rc = push_init(&p, o);
	if (rc == 0)
		rc = push_round(&p, 0, &out);
	push_free(&p);
	if (rc != 0)
		return 1;
	log_info("batch %s", said[out]);
	return out == PUSH_DELIVERED ? 0 : out == PUSH_SPOOLED ? 3 : 1;
}

int push_print(const struct options *o)
{
	struct collect_stats st = { 0 };
	struct pbuf text;
	int rc;

	pbuf_init(&text, COLLECT_TEXT_MAX);
	rc = collect_all(&text, o->procfs, &st);
	if (rc == 0 && fwrite(text.data, 1, text.len, stdout) != text.len)
		rc = -EIO;
	if (rc == 0 && fflush(stdout) != 0)
		rc = -errno;
	if (rc != 0)
		log_error("--print: %s", pb_strerror(rc));
	pbuf_free(&text);
	return rc ? 1 : 0;
}
