/* remote_write.c: the remote-write sender: pushed samples and the
 * server's own counters to Prometheus-compatible TSDBs (protobuf,
 * snappy, HTTP POST), through a bounded queue per target and one sender
 * thread with back-off. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <snappy-c.h>

#include "alert.h"
#include "fileio.h"
#include "log.h"
#include "claimer.h"
#include "remote_write.h"
#include "remote_write_enc.h"
#include "server.h"

#define RW_FLUSH_MS 1000		/* a partial batch waits at most this */
#define RW_SELF_S 15			/* the server's own counters, period */
#define RW_POST_TIMEOUT_S 10
#define RW_TOKEN_MAX 4096
#define RW_SELF_EXPO_MAX (64u << 20)
#define RW_SERIES_MAX (64u << 10)	/* one encoded series */

/* One target: its queue, the batch in flight and its counters. */
struct rw_target {
	char url[256];
	char token_file[4096];
	size_t batch_max;
	struct rw_queue q;
	struct rw_blob *batch;		/* taken, not yet delivered */
	size_t batch_n;
	unsigned int backoff_ms;
	long long next_try_ms;
	int failing;			/* for one log line per outage */
	unsigned long long samples, rejected, failed, retries;
};

struct remote_write {
	struct server *srv;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
	struct rw_target t[CONFIG_RW_MAX];
	char replica[300];		/* label "replica" on a shared store */
};

/* Milliseconds on the monotonic clock. */
static long long rw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds since the Unix epoch: the samples' timestamps. */
static long long rw_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Forget what target @t held: queue, batch, counters. */
static void rw_target_reset(struct rw_target *t)
{
	size_t i;

	for (i = 0; i < t->batch_n; i++)
		free(t->batch[i].data);
	free(t->batch);
	rw_queue_free(&t->q);
	memset(t, 0, sizeof(*t));
}

/*
 * Make the targets those of @cfg: a slot whose URL or sizes changed
 * starts afresh.  The caller holds rw->lock.
 */
static void rw_sync(struct remote_write *rw, const struct config *cfg)
{
	const struct config_remote_write *c;
	struct rw_target *t;
	size_t i;

	for (i = 0; i < CONFIG_RW_MAX; i++) {
		t = &rw->t[i];
		c = i < cfg->n_rw ? &cfg->rw[i] : NULL;
		if (c && strcmp(t->url, c->url) == 0 &&
		    t->q.cap == c->queue_samples &&
		    t->batch_max == c->batch_samples)
			continue;
		if (!c && !t->url[0])
			continue;
		rw_target_reset(t);
		if (!c)
			continue;
		if (rw_queue_init(&t->q, c->queue_samples) != 0 ||
		    !(t->batch = calloc(c->batch_samples, sizeof(*t->batch)))) {
			rw_target_reset(t);
			continue;
		}
		snprintf(t->url, sizeof(t->url), "%s", c->url);
		snprintf(t->token_file, sizeof(t->token_file), "%s",
			 c->bearer_token_file);
		t->batch_max = c->batch_samples;
	}
}

/* ---- building series -------------------------------------------------- */

/* What one push's series get besides their own labels. */
struct rw_build {
	struct rw_extra x;		/* pod, node, grouping labels */
	const char *prefix;		/* only names starting so, or NULL */
	long long ts_ms;
	struct pbuf enc;		/* scratch */
	struct rw_blob *out;
	size_t n, cap;
};

/* promtext_parse callback: encode one sample into @ctx's list. */
static int rw_build_sample(void *ctx, const struct prom_sample *s)
{
	struct rw_build *b = ctx;
	struct rw_label l[RW_LABELS_MAX];
	struct rw_blob *grown;
	size_t n;

	if (b->prefix && strncmp(s->name, b->prefix, strlen(b->prefix)) != 0)
		return 0;
	n = rw_enc_labels(&b->x, s, l);
	if (rw_enc_series(&b->enc, l, n, s->value, b->ts_ms) != 0)
		return 0;	/* unencodable: left out, not fatal */
	if (b->n == b->cap) {
		grown = realloc(b->out, (b->cap * 2 + 64) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		b->out = grown;
		b->cap = b->cap * 2 + 64;
	}
	b->out[b->n].data = malloc(b->enc.len);
	if (!b->out[b->n].data)
		return -ENOMEM;
	memcpy(b->out[b->n].data, b->enc.data, b->enc.len);
	b->out[b->n++].len = b->enc.len;
	return 0;
}

/* Encode every sample of the text document @text (@len bytes). */
static int rw_build_doc(struct rw_build *b, const char *text, size_t len,
			size_t max_samples)
{
	const struct prom_limits lim = { 65536, max_samples };
	char err[128];

	pbuf_init(&b->enc, RW_SERIES_MAX);
	return promtext_parse(text, len, &lim, rw_build_sample, NULL, b, err,
			      sizeof(err));
}

/* Free what @b built that was not handed on. */
static void rw_build_free(struct rw_build *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->out[i].data);
	free(b->out);
	pbuf_free(&b->enc);
}

/*
 * Hand @b's series to every target's queue (copies for all but the
 * last), waking the sender if a batch is full.
 */
static void rw_enqueue(struct remote_write *rw, const struct config *cfg,
		       struct rw_build *b)
{
	struct rw_blob copy;
	size_t i, k, last = 0;
	int wake = 0;

	pthread_mutex_lock(&rw->lock);
	rw_sync(rw, cfg);
	for (k = 0; k < CONFIG_RW_MAX; k++)
		if (rw->t[k].url[0])
			last = k;
	for (k = 0; k < CONFIG_RW_MAX; k++) {
		if (!rw->t[k].url[0])
			continue;
		for (i = 0; i < b->n; i++) {
			copy = b->out[i];
			if (k != last) {
				copy.data = malloc(copy.len);
				if (!copy.data)
					continue;
				memcpy(copy.data, b->out[i].data, copy.len);
			} else {
				b->out[i].data = NULL;
			}
			rw_queue_push(&rw->t[k].q, copy);
		}
		wake |= rw->t[k].q.n >= rw->t[k].batch_max;
	}
	if (wake)
		pthread_cond_signal(&rw->wake);
	pthread_mutex_unlock(&rw->lock);
}

/* promtext_parse callback: keep the one sample's labels in @ctx. */
static int rw_group_copy(void *ctx, const struct prom_sample *s)
{
	memcpy(ctx, s, sizeof(*s));
	return 0;
}

/* Parse a push's grouping labels (job="x",...) into @g; 0 or -EINVAL. */
static int rw_group(const char *group, struct prom_sample *g)
{
	const struct prom_limits lim = { 65536, 1 };
	char line[4096], err[64];
	int n;

	n = snprintf(line, sizeof(line), "g{%s} 0\n", group);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -EINVAL;
	memset(g, 0, sizeof(*g));
	return promtext_parse(line, (size_t)n, &lim, rw_group_copy, NULL, g,
			      err, sizeof(err));
}

void remote_write_push(struct remote_write *rw, const struct config *cfg,
		       const struct metrics_push *p)
{
	struct rw_build b;
	struct prom_sample *g = NULL;

	if (!rw || !cfg->n_rw)
		return;
	memset(&b, 0, sizeof(b));
	b.x.replica = rw->replica[0] ? rw->replica : NULL;
	if (p->pod[0] || p->node[0]) {
		b.x.pod = p->pod;
		b.x.node = p->node;
	}
	if (p->group_labels && p->group_labels[0]) {
		g = malloc(sizeof(*g));
		if (!g || rw_group(p->group_labels, g) != 0)
			goto out;
		b.x.group = g;
	}
	b.ts_ms = rw_wall_ms();
	/* The push was already accepted: a failure here only loses what
	 * was built, which the next push supersedes. */
	if (rw_build_doc(&b, p->text, p->len, cfg->max_series_node) == 0)
		rw_enqueue(rw, cfg, &b);
out:
	rw_build_free(&b);
	free(g);
}

/* ---- sending ---------------------------------------------------------- */

/* libcurl write callback: the receiver's reply body is not read. */
static size_t rw_discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

/*
 * "Authorization: Bearer TOKEN" from @file into @hdr (@size bytes), the
 * token's trailing whitespace cut; 0 or a negative error.  The caller
 * wipes @hdr.
 */
static int rw_token_header(const char *file, char *hdr, size_t size)
{
	unsigned char *tok = NULL;
	size_t len = 0, size_read;
	int rc;

	if ((rc = fileio_read(file, RW_TOKEN_MAX, &tok, &len)) != 0)
		return rc;
	size_read = len;
	while (len && strchr(" \t\r\n", tok[len - 1]))
		len--;
	rc = len && !memchr(tok, '\n', len) &&
			     (size_t)snprintf(hdr, size,
					      "Authorization: Bearer %.*s",
					      (int)len, tok) < size ?
		     0 :
		     -EINVAL;
	explicit_bzero(tok, size_read);
	free(tok);
	return rc;
}

/*
 * POST the snappy-compressed WriteRequest @body (@len bytes) to @url,
 * with the token of @token_file if not ""; the HTTP status in *@status
 * (0 when no reply came).  0, or a negative error before anything was
 * sent.
 */
static int rw_post(const char *url, const char *token_file, const char *body,
		   size_t len, long *status)
{
	struct curl_slist *h = NULL;
	char auth[RW_TOKEN_MAX + 32] = "";
	CURL *c;
	int rc = 0;

	*status = 0;
	if (token_file[0] &&
	    (rc = rw_token_header(token_file, auth, sizeof(auth))) != 0)
		return rc;
	if (!(c = curl_easy_init())) {
		rc = -ENOMEM;
		goto out;
	}
	h = curl_slist_append(h, "Content-Type: application/x-protobuf");
	h = curl_slist_append(h, "Content-Encoding: snappy");
	h = curl_slist_append(h, "X-Prometheus-Remote-Write-Version: 0.1.0");
	h = curl_slist_append(h, "User-Agent: podboot");
	if (auth[0])
		h = curl_slist_append(h, auth);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)RW_POST_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, rw_discard);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
out:
	explicit_bzero(auth, sizeof(auth));
	return rc;
}

/* The WriteRequest of @b (@n series), snappy-compressed, into *@out
 * (@len bytes; the caller frees it); 0 or a negative error. */
static int rw_compress(const struct rw_blob *b, size_t n, char **out,
		       size_t *len)
{
	struct pbuf req;
	int rc;

	*out = NULL;
	pbuf_init(&req, (size_t)1 << 30);
	if ((rc = rw_enc_request(&req, b, n)) != 0)
		goto out;
	*len = snappy_max_compressed_length(req.len);
	if (!(*out = malloc(*len ? *len : 1))) {
		rc = -ENOMEM;
		goto out;
	}
	if (snappy_compress(req.data ? req.data : "", req.len, *out, len) !=
	    SNAPPY_OK) {
		free(*out);
		*out = NULL;
		rc = -EIO;
	}
out:
	pbuf_free(&req);
	return rc;
}

/* Free the batch in flight of @t.  The caller holds the lock. */
static void rw_batch_drop(struct rw_target *t)
{
	size_t i;

	for (i = 0; i < t->batch_n; i++)
		free(t->batch[i].data);
	t->batch_n = 0;
}

/* Account one attempt at @t's batch that ended with @v (status @status)
 * at @now.  The caller holds the lock. */
static void rw_settle(struct rw_target *t, enum rw_verdict v, long status,
		      long long now)
{
	switch (v) {
	case RW_SENT:
		t->samples += t->batch_n;
		rw_batch_drop(t);
		t->backoff_ms = 0;
		t->next_try_ms = 0;
		if (t->failing)
			log_info("remote_write %s: reachable again", t->url);
		t->failing = 0;
		return;
	case RW_RETRY:
		t->failed++;
		t->retries++;
		t->backoff_ms = rw_enc_backoff(t->backoff_ms);
		t->next_try_ms = now + t->backoff_ms;
		if (!t->failing)
			log_warn("remote_write %s: %s%ld: samples are queued "
				 "(queue_samples) and retried with back-off",
				 t->url, status ? "HTTP " : "unreachable ",
				 status);
		t->failing = 1;
		return;
	case RW_REJECT:
		t->failed++;
		t->rejected += t->batch_n;
		log_warn("remote_write %s: HTTP %ld: %zu samples refused, "
			 "dropped (not retried)", t->url, status, t->batch_n);
		rw_batch_drop(t);
		return;
	}
}

/*
 * One attempt at target @t if it has samples and its back-off allows:
 * the lock is released while the request runs.  1 if it tried.
 */
static int rw_attempt(struct remote_write *rw, struct rw_target *t)
{
	long long now = rw_now_ms();
	char *body = NULL;
	size_t len = 0;
	long status = 0;
	int rc, url_kept;
	char url[256], token_file[4096];

	if (!t->url[0] || now < t->next_try_ms)
		return 0;
	if (!t->batch_n)
		t->batch_n = rw_queue_take(&t->q, t->batch, t->batch_max);
	if (!t->batch_n)
		return 0;
	snprintf(url, sizeof(url), "%s", t->url);
	snprintf(token_file, sizeof(token_file), "%s", t->token_file);
	rc = rw_compress(t->batch, t->batch_n, &body, &len);
	pthread_mutex_unlock(&rw->lock);
	if (rc == 0)
		rc = rw_post(url, token_file, body, len, &status);
	free(body);
	pthread_mutex_lock(&rw->lock);
	/* A reload may have replaced the target while we sent. */
	url_kept = strcmp(url, t->url) == 0 && t->batch_n;
	if (url_kept)
		rw_settle(t, rc == 0 ? rw_enc_verdict(status != 0, status) :
				       RW_RETRY,
			  status, rw_now_ms());
	return 1;
}

/* ---- the server's own counters --------------------------------------- */

/*
 * Queue the server's own series (podboot_*, as /metrics shows them) at
 * the current time.  Takes and releases rw->lock itself.
 */
static void rw_self(struct remote_write *rw, const struct config *cfg)
{
	struct server *srv = rw->srv;
	struct rw_build b;
	struct pbuf expo;
	int rc;

	memset(&b, 0, sizeof(b));
	b.x.replica = rw->replica[0] ? rw->replica : NULL;
	b.prefix = "podboot_";
	b.ts_ms = rw_wall_ms();
	pbuf_init(&expo, RW_SELF_EXPO_MAX);
	rc = metrics_expose(srv->metrics, cfg, srv->store, &srv->stats, &expo);
	if (rc == 0)
		rc = alerts_expose(srv->alerts, &expo);
	if (rc == 0)
		rc = claimer_expose(srv->claimer, &expo);
	if (rc == 0)
		rc = remote_write_expose(rw, &expo);
	if (rc == 0 && rw_build_doc(&b, expo.data ? expo.data : "", expo.len,
				    cfg->max_series_total + 4096u) == 0)
		rw_enqueue(rw, cfg, &b);
	rw_build_free(&b);
	pbuf_free(&expo);
}

/* How long the sender may sleep, in ms: until a target's back-off ends
 * or its partial batch is due, at most RW_FLUSH_MS.  Lock held. */
static long long rw_idle_ms(const struct remote_write *rw, long long now)
{
	long long wait = RW_FLUSH_MS, d;
	size_t i;

	for (i = 0; i < CONFIG_RW_MAX; i++) {
		if (!rw->t[i].url[0] || (!rw->t[i].q.n && !rw->t[i].batch_n))
			continue;
		d = rw->t[i].next_try_ms - now;
		if (d > 0 && d < wait)
			wait = d;
	}
	return wait;
}

/* Sleep @ms unless woken or stopped.  Lock held. */
static void rw_sleep(struct remote_write *rw, long long ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	if (!rw->stop)
		pthread_cond_timedwait(&rw->wake, &rw->lock, &until);
}

/* The sender: full batches at once, partial ones every RW_FLUSH_MS, the
 * server's counters every RW_SELF_S, until remote_write_stop(). */
static void *rw_thread(void *arg)
{
	struct remote_write *rw = arg;
	struct server_gen *gen;
	long long self_due = 0, now;
	size_t i;
	int busy;

	pthread_mutex_lock(&rw->lock);
	while (!rw->stop) {
		pthread_mutex_unlock(&rw->lock);
		gen = server_gen_get(rw->srv);
		now = rw_now_ms();
		if (gen->cfg->n_rw && now >= self_due) {
			rw_self(rw, gen->cfg);
			self_due = now + RW_SELF_S * 1000;
		}
		pthread_mutex_lock(&rw->lock);
		rw_sync(rw, gen->cfg);
		for (i = 0, busy = 0; i < CONFIG_RW_MAX && !rw->stop; i++)
			busy |= rw_attempt(rw, &rw->t[i]);
		server_gen_put(gen);
		if (!busy)
			rw_sleep(rw, rw_idle_ms(rw, rw_now_ms()));
	}
	pthread_mutex_unlock(&rw->lock);
	return NULL;
}

int remote_write_start(struct remote_write **out, struct server *srv)
{
	struct remote_write *rw = calloc(1, sizeof(*rw));

	*out = NULL;
	if (!rw)
		return -ENOMEM;
	rw->srv = srv;
	/* Replicas feeding one TSDB each write series of their own. */
	if (store_shared(srv->store))
		server_replica_name(srv, rw->replica, sizeof(rw->replica));
	pthread_mutex_init(&rw->lock, NULL);
	pthread_cond_init(&rw->wake, NULL);
	if (pthread_create(&rw->thread, NULL, rw_thread, rw) != 0) {
		pthread_cond_destroy(&rw->wake);
		pthread_mutex_destroy(&rw->lock);
		free(rw);
		return -EAGAIN;
	}
	*out = rw;
	return 0;
}

void remote_write_stop(struct remote_write *rw)
{
	size_t i;

	if (!rw)
		return;
	pthread_mutex_lock(&rw->lock);
	rw->stop = 1;
	pthread_cond_signal(&rw->wake);
	pthread_mutex_unlock(&rw->lock);
	pthread_join(rw->thread, NULL);
	for (i = 0; i < CONFIG_RW_MAX; i++)
		rw_target_reset(&rw->t[i]);
	pthread_cond_destroy(&rw->wake);
	pthread_mutex_destroy(&rw->lock);
	free(rw);
}

/* One family of the sender's metrics: HELP, TYPE, one line per target
 * (@reason adds a label; a NULL @help continues the family above);
 * @pick gives a target's value. */
static int rw_expose_family(struct remote_write *rw, struct pbuf *out,
			    const char *name, const char *type,
			    const char *help, const char *reason,
			    unsigned long long (*pick)(const struct rw_target *))
{
	size_t i;
	int rc = 0;

	if (help)
		rc = pbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name,
				 help, name, type);
	for (i = 0; i < CONFIG_RW_MAX && rc == 0; i++)
		if (rw->t[i].url[0])
			rc = pbuf_printf(out, "%s{url=\"%s\"%s%s%s} %llu\n",
					 name, rw->t[i].url,
					 reason ? ",reason=\"" : "",
					 reason ? reason : "",
					 reason ? "\"" : "", pick(&rw->t[i]));
	return rc;
}

/* Values of the sender's metrics, by target. */
static unsigned long long rw_v_samples(const struct rw_target *t)
{
	return t->samples;
}

/* Samples pushed out of a full queue. */
static unsigned long long rw_v_full(const struct rw_target *t)
{
	return t->q.dropped;
}

/* Samples a receiver refused with a 4xx (never retried). */
static unsigned long long rw_v_rejected(const struct rw_target *t)
{
	return t->rejected;
}

/* Requests that did not deliver. */
static unsigned long long rw_v_failed(const struct rw_target *t)
{
	return t->failed;
}

/* Samples waiting: queued and in flight. */
static unsigned long long rw_v_queue(const struct rw_target *t)
{
	return t->q.n + t->batch_n;
}

/* Attempts that will be retried after back-off. */
static unsigned long long rw_v_retries(const struct rw_target *t)
{
	return t->retries;
}

int remote_write_expose(struct remote_write *rw, struct pbuf *out)
{
	int rc;

	if (!rw)
		return 0;
	pthread_mutex_lock(&rw->lock);
	rc = rw_expose_family(rw, out, "podboot_remote_write_samples_total",
			      "counter", "Samples a remote-write target took.",
			      NULL, rw_v_samples);
	if (rc == 0)
		rc = rw_expose_family(rw, out,
				      "podboot_remote_write_dropped_total",
				      "counter", "Samples dropped: queue full, "
				      "or refused by the target (4xx).",
				      "queue_full", rw_v_full);
	if (rc == 0)
		rc = rw_expose_family(rw, out,
				      "podboot_remote_write_dropped_total",
				      "counter", NULL, "rejected",
				      rw_v_rejected);
	if (rc == 0)
		rc = rw_expose_family(rw, out,
				      "podboot_remote_write_failed_requests_total",
				      "counter", "Requests that did not deliver.",
				      NULL, rw_v_failed);
	if (rc == 0)
		rc = rw_expose_family(rw, out,
				      "podboot_remote_write_queue_length",
				      "gauge", "Samples waiting to be sent.",
				      NULL, rw_v_queue);
	if (rc == 0)
		rc = rw_expose_family(rw, out,
				      "podboot_remote_write_retries_total",
				      "counter", "Requests retried after a "
				      "network error, 5xx or 429.",
				      NULL, rw_v_retries);
	pthread_mutex_unlock(&rw->lock);
	return rc;
}
