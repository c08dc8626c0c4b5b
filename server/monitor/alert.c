/* alert.c: alert rules over the fleet's latest values: pending, firing,
 * resolved, as Prometheus defines them, sent to Alertmanager. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "num.h"
#include "alert.h"
#include "alert_snmp.h"
#include "alert_state.h"
#include "error.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "store.h"
#include "template.h"

#define ALERT_BUCKETS 4096
#define ALERT_NODE_DOWN "NodeDown"
#define ALERT_POST_TIMEOUT_S 5

struct alerts {
	struct server *srv;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
	struct alert *buckets[ALERT_BUCKETS];
	unsigned long long sent, errors, evaluations;
	unsigned long long traps, trap_errors;	/* SNMP */
	/* Replicas on one PostgreSQL: only the leader sends (store_leader.c);
	 * every replica evaluates, so that each lists the alerts. */
	struct store_leader *leader;
	int leading;
	unsigned long long takeovers;	/* times this replica began leading */
	long long lead_since;		/* when it last began leading */
	/* The back-off of each configured Alertmanager, by its URL. */
	struct {
		char url[256];
		struct alert_backoff b;
	} am[CONFIG_AM_MAX];
};

/* FNV-1a of @rule and @node, as a bucket index. */
static size_t alert_hash(const char *rule, const char *node)
{
	return num_fnv1a(num_fnv1a(NUM_FNV1A_INIT, rule), node) % ALERT_BUCKETS;
}

/*
 * The alert of @rule for @node, or NULL; with @create, a new one
 * (resolved, as if never held) when there is none, which @a owns.  NULL
 * also when allocation fails.  The caller holds a->lock.
 */
static struct alert *alert_find(struct alerts *a, const char *rule,
				const char *node, int create)
{
	size_t b = alert_hash(rule, node);
	struct alert *x;

	for (x = a->buckets[b]; x; x = x->next)
		if (strcmp(x->rule, rule) == 0 && strcmp(x->node, node) == 0)
			return x;
	if (!create || !(x = calloc(1, sizeof(*x))))
		return NULL;
	snprintf(x->rule, sizeof(x->rule), "%s", rule);
	snprintf(x->node, sizeof(x->node), "%s", node);
	x->state = ALERT_RESOLVED;	/* becomes pending below */
	x->next = a->buckets[b];
	a->buckets[b] = x;
	return x;
}

/* ---- evaluation ------------------------------------------------------- */

/* Is node @id down (alert_state_node_down, from what it pushed and the
 * store)?  A node that never pushed here counts from @since: the later
 * of the start and the moment this replica began leading (pushes follow
 * the leader; before, they went to another replica). */
static int alert_node_down(struct server *srv, const struct config *cfg,
			   const char *id, long long since, long long now)
{
	struct metrics_node_info info;
	struct store_node n;

	metrics_node_info(srv->metrics, cfg, id, &info);
	/* The store is read only for a node that never pushed. */
	if (!info.known && store_node_get(srv->store, id, &n) != 0)
		return 0;
	return alert_state_node_down(info.known, info.up,
				     !info.known && n.state == NODE_INSTALLED,
				     since, cfg->down_after, now);
}

/* Hold every alert whose condition holds at @now: NodeDown and every
 * rule, for every configured node.  The caller holds a->lock. */
static void alert_evaluate(struct alerts *a, const struct config *cfg,
			   long long now)
{
	const struct config_node *cn;
	struct alert *x;
	size_t r, i;
	double v;

	for (i = 0; i < cfg->n_nodes; i++) {
		cn = &cfg->nodes[i];
		if (alert_node_down(a->srv, cfg, cn->hostname,
				    a->lead_since > a->srv->started ?
					    a->lead_since : a->srv->started,
				    now)) {
			x = alert_find(a, ALERT_NODE_DOWN, cn->hostname, 1);
			if (x)
				alert_state_hold(x, cn->pod->name, 1, 0, now);
		}
		for (r = 0; r < cfg->n_alerts; r++) {
			if (!metrics_rule_holds(a->srv->metrics, cfg,
						cn->hostname, &cfg->alerts[r],
						&v))
				continue;
			x = alert_find(a, cfg->alerts[r].name, cn->hostname, 1);
			if (x)
				alert_state_hold(x, cn->pod->name, v,
					   cfg->alerts[r].for_s, now);
		}
	}
}

/* Unseen this round: pending resets, firing resolves; old ones go. */
static void alert_settle(struct alerts *a, long long now)
{
	struct alert **pp, *x;
	size_t b;

	for (b = 0; b < ALERT_BUCKETS; b++) {
		for (pp = &a->buckets[b]; (x = *pp);) {
			if (alert_state_settle(x, now)) {
				*pp = x->next;
				free(x);
				continue;
			}
			pp = &x->next;
		}
	}
}

/* ---- notification ----------------------------------------------------- */

/* @t as an RFC 3339 UTC time. */
static void alert_time(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The configured rule @name, or NULL (NodeDown is no rule). */
static const struct config_alert *alert_rule(const struct config *cfg,
					     const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_alerts; i++)
		if (strcmp(cfg->alerts[i].name, name) == 0)
			return &cfg->alerts[i];
	return NULL;
}

/* Labels and annotations of @x in Alertmanager's form. */
static json_t *alert_json(const struct alert *x, const struct config *cfg,
			  long long now)
{
	const struct config_alert *rule = alert_rule(cfg, x->rule);
	char starts[32], ends[32], value[40], text[1024], unknown[64];
	json_t *labels, *ann;
	size_t i;
	const struct template_var vars[] = {
		{ "node", x->node }, { "pod", x->pod },
		{ "value", value },  { "alertname", x->rule },
		{ NULL, NULL },
	};

	snprintf(value, sizeof(value), "%g", x->value);
	labels = json_pack("{s:s, s:s, s:s}", "alertname", x->rule, "node",
			   x->node, "pod", x->pod);
	ann = json_object();
	if (!rule && strcmp(x->rule, ALERT_NODE_DOWN) == 0) {
		json_object_set_new(labels, "severity", json_string("critical"));
		snprintf(text, sizeof(text), "%s in pod %s stopped pushing "
					     "metrics", x->node, x->pod);
		json_object_set_new(ann, "summary", json_string(text));
	}
	for (i = 0; rule && i < rule->n_labels; i++)
		json_object_set_new(labels, rule->labels[i].name,
				    json_string(rule->labels[i].value));
	for (i = 0; rule && i < rule->n_annotations; i++) {
		if (template_render(rule->annotations[i].value, vars, text,
				    sizeof(text), NULL, unknown) != 0)
			snprintf(text, sizeof(text), "%s",
				 rule->annotations[i].value);
		json_object_set_new(ann, rule->annotations[i].name,
				    json_string(text));
	}
	alert_time(x->fired_at, starts);
	/* Firing: valid until four resend periods from now (as Prometheus
	 * does), so that Alertmanager resolves it if we fall silent. */
	alert_time(x->state == ALERT_FIRING ?
			   now + 4 * (long long)cfg->resend_s :
			   x->resolved_at,
		   ends);
	snprintf(text, sizeof(text), "%s/api/v1/alerts", cfg->base_url);
	return json_pack("{s:o, s:o, s:s, s:s, s:s}", "labels", labels,
			 "annotations", ann, "startsAt", starts, "endsAt", ends,
			 "generatorURL", text);
}

/* Alerts due: newly firing or resolved, or firing and due for resend. */
static json_t *alert_due(struct alerts *a, const struct config *cfg,
			 long long now)
{
	json_t *batch = json_array();
	struct alert *x;
	size_t b;

	for (b = 0; batch && b < ALERT_BUCKETS; b++)
		for (x = a->buckets[b]; x; x = x->next) {
			if (alert_state_due(x, cfg->resend_s, now))
				json_array_append_new(batch,
						      alert_json(x, cfg, now));
		}
	return batch;
}

/* Mark what alert_due returned as sent at @now. */
static void alert_mark_sent(struct alerts *a, const struct config *cfg,
			    long long now)
{
	struct alert *x;
	size_t b;

	for (b = 0; b < ALERT_BUCKETS; b++)
		for (x = a->buckets[b]; x; x = x->next) {
			if (!alert_state_due(x, cfg->resend_s, now))
				continue;
			x->last_sent = now;
			if (store_alert_sent_set(a->srv->store, x->rule,
						 x->node,
						 x->state == ALERT_FIRING,
						 now) != 0)
				log_warn("alert %s of %s: sent, but not "
					 "recorded in the store: a new leader "
					 "may send it again", x->rule,
					 x->node);
		}
}

/*
 * Alerts this process has not sent in their state yet, checked against
 * what any leader sent (the store): a firing alert another replica sent
 * counts as sent then (resent only after resend_s), and a resolution is
 * sent only for an alert the store holds as firing.  This is what keeps
 * a new leader from sending again what the old one did.  The caller
 * holds a->lock.
 */
static void alert_adopt(struct alerts *a, long long now)
{
	struct store_alert_sent sent;
	struct alert *x;
	size_t b;
	int rc;

	for (b = 0; b < ALERT_BUCKETS; b++)
		for (x = a->buckets[b]; x; x = x->next) {
			if (x->last_sent || x->state == ALERT_PENDING)
				continue;
			rc = store_alert_sent_get(a->srv->store, x->rule,
						  x->node, &sent);
			if (rc != 0 && rc != -ENOENT)
				continue;	/* logged; ask next round */
			if (x->state == ALERT_FIRING && rc == 0 &&
			    sent.firing)
				x->last_sent = sent.sent_at;
			else if (x->state == ALERT_RESOLVED &&
				 (rc == -ENOENT || !sent.firing))
				x->last_sent = now;	/* nothing to resolve */
		}
}

/* libcurl write callback: Alertmanager's reply body is not read. */
static size_t alert_discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

/* POST @body to one Alertmanager's v2 API; 0, or -EIO with what failed
 * in @why (@size bytes). */
static int alert_post(const char *base, const char *body, char *why,
		      size_t size)
{
	struct curl_slist *hdrs = NULL;
	char url[320];
	long code = 0;
	CURL *c;
	CURLcode cr;

	c = curl_easy_init();
	if (!c)
		return -ENOMEM;
	snprintf(url, sizeof(url), "%s/api/v2/alerts", base);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)ALERT_POST_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, alert_discard);
	cr = curl_easy_perform(c);
	if (cr == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	if (cr != CURLE_OK || code < 200 || code >= 300) {
		snprintf(why, size, "%s: %s", url,
			 cr != CURLE_OK ? curl_easy_strerror(cr) :
					  "refused the alerts");
		return -EIO;
	}
	return 0;
}

/* The back-off of Alertmanager @url, slot @i (a new URL there starts
 * afresh). */
static struct alert_backoff *alert_am(struct alerts *a, size_t i,
				      const char *url)
{
	if (strcmp(a->am[i].url, url) != 0) {
		snprintf(a->am[i].url, sizeof(a->am[i].url), "%s", url);
		memset(&a->am[i].b, 0, sizeof(a->am[i].b));
	}
	return &a->am[i].b;
}

/*
 * One attempt at Alertmanager @i of @cfg with @body (@queued alerts) if
 * its back-off allows: one line on its first failure, a summary at most
 * every ALERT_SUMMARY_S, one line when it answers again.  1 if it took
 * the alerts, 0 if not tried, -EIO if it failed.
 */
static int alert_try(struct alerts *a, const struct config *cfg, size_t i,
		     const char *body, size_t queued, long long now)
{
	struct alert_backoff *b = alert_am(a, i, cfg->alertmanagers[i]);
	char why[512];

	if (!alert_backoff_due(b, now))
		return 0;
	if (alert_post(cfg->alertmanagers[i], body, why, sizeof(why)) == 0) {
		if (alert_backoff_ok(b) == ALERT_LINE_RECOVERED)
			log_info("alertmanager %s: reachable again; %zu alerts "
				 "delivered", cfg->alertmanagers[i], queued);
		return 1;
	}
	switch (alert_backoff_failed(b, now, cfg->eval_s)) {
	case ALERT_LINE_FIRST:
		log_warn("alertmanager %s (unreachable: alerts are kept and "
			 "retried with back-off, up to %d s)", why,
			 ALERT_BACKOFF_MAX_S);
		break;
	case ALERT_LINE_SUMMARY:
		log_warn("alertmanager %s: still unreachable: %llu attempts, "
			 "%zu alerts queued", cfg->alertmanagers[i],
			 b->attempts, queued);
		b->attempts = 0;
		break;
	default:
		break;
	}
	return -EIO;
}

/* Send what is due to every Alertmanager whose back-off allows; marked
 * sent if any took it, kept for the next round if none did. */
static void alert_notify(struct alerts *a, const struct config *cfg,
			 long long now)
{
	json_t *batch;
	char *body = NULL;
	size_t i, ok = 0, queued = 0;
	int rc;

	if (!a->leading)
		return;
	pthread_mutex_lock(&a->lock);
	if (cfg->n_alertmanagers)
		alert_adopt(a, now);
	batch = alert_due(a, cfg, now);
	pthread_mutex_unlock(&a->lock);
	if (batch && json_array_size(batch) && cfg->n_alertmanagers) {
		queued = json_array_size(batch);
		body = json_dumps(batch, JSON_COMPACT);
	}
	json_decref(batch);
	if (!body)
		return;
	for (i = 0; i < cfg->n_alertmanagers && i < CONFIG_AM_MAX; i++) {
		rc = alert_try(a, cfg, i, body, queued, now);
		if (rc > 0)
			ok++;
		else if (rc < 0)
			a->errors++;
	}
	free(body);
	if (ok) {
		a->sent++;
		pthread_mutex_lock(&a->lock);
		alert_mark_sent(a, cfg, now);
		pthread_mutex_unlock(&a->lock);
	}
}

/* One trap to send: its alert in Alertmanager's form and its key. */
struct alert_trap {
	json_t *json;
	enum alert_state state;
	char rule[CONFIG_NAME_MAX], node[64], value[40];
};

/*
 * SNMP traps (monitoring.snmp_traps) for the alerts whose state changed
 * since their last trap: one per firing and one per resolution, never
 * resends.  An alert counts as trapped once any receiver took it; when
 * none did, the next evaluation tries again.  At most 64 a round.
 */
static void alert_traps(struct alerts *a, const struct config *cfg,
			long long now)
{
	struct alert_trap t[64];
	struct alert *x;
	size_t b, n = 0, i, r, ok;

	if (!cfg->n_snmp || !a->leading)
		return;
	pthread_mutex_lock(&a->lock);
	for (b = 0; b < ALERT_BUCKETS && n < 64; b++)
		for (x = a->buckets[b]; x && n < 64; x = x->next) {
			if (!alert_state_trap_due(x))
				continue;
			t[n].json = alert_json(x, cfg, now);
			t[n].state = x->state;
			snprintf(t[n].rule, sizeof(t[n].rule), "%s", x->rule);
			snprintf(t[n].node, sizeof(t[n].node), "%s", x->node);
			snprintf(t[n].value, sizeof(t[n].value), "%g",
				 x->value);
			if (t[n].json)
				n++;
		}
	pthread_mutex_unlock(&a->lock);
	for (i = 0; i < n; i++) {
		for (r = 0, ok = 0; r < cfg->n_snmp; r++)
			if (alert_snmp_send(&cfg->snmp[r],
					    t[i].state == ALERT_FIRING,
					    t[i].json, t[i].value) == 0)
				ok++;
			else
				a->trap_errors++;
		json_decref(t[i].json);
		if (!ok)
			continue;
		a->traps++;
		pthread_mutex_lock(&a->lock);
		x = alert_find(a, t[i].rule, t[i].node, 0);
		if (x && x->state == t[i].state && t[i].state == ALERT_FIRING)
			x->trap_fired = x->fired_at;
		else if (x && x->state == t[i].state)
			x->trap_resolved = x->resolved_at;
		pthread_mutex_unlock(&a->lock);
	}
}

/* The evaluator: every eval_s seconds evaluate, settle and notify,
 * until alerts_stop(). */
static void *alert_thread(void *arg)
{
	struct alerts *a = arg;
	struct server_gen *gen;
	struct timespec until;
	long long now;

	int lead;

	pthread_mutex_lock(&a->lock);
	while (!a->stop) {
		pthread_mutex_unlock(&a->lock);
		lead = store_leader_poll(a->leader);
		gen = server_gen_get(a->srv);
		now = (long long)time(NULL);
		pthread_mutex_lock(&a->lock);
		if (lead && !a->leading) {
			a->takeovers++;
			a->lead_since = now;
		}
		a->leading = lead;
		alert_evaluate(a, gen->cfg, now);
		alert_settle(a, now);
		a->evaluations++;
		pthread_mutex_unlock(&a->lock);
		alert_notify(a, gen->cfg, now);
		alert_traps(a, gen->cfg, now);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += gen->cfg->eval_s;
		server_gen_put(gen);
		pthread_mutex_lock(&a->lock);
		if (!a->stop)
			pthread_cond_timedwait(&a->wake, &a->lock, &until);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

int alerts_start(struct alerts **out, struct server *srv)
{
	struct alerts *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (!a)
		return -ENOMEM;
	a->srv = srv;
	if (store_leader_open(srv->store, &a->leader) != 0) {
		free(a);
		return -ENOMEM;
	}
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->wake, NULL);
	if (pthread_create(&a->thread, NULL, alert_thread, a) != 0) {
		store_leader_close(a->leader);
		pthread_cond_destroy(&a->wake);
		pthread_mutex_destroy(&a->lock);
		free(a);
		return -EAGAIN;
	}
	*out = a;
	return 0;
}

void alerts_stop(struct alerts *a)
{
	struct alert *x, *next;
	size_t b;

	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = 1;
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	store_leader_close(a->leader);
	for (b = 0; b < ALERT_BUCKETS; b++)
		for (x = a->buckets[b]; x; x = next) {
			next = x->next;
			free(x);
		}
	pthread_cond_destroy(&a->wake);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

int alerts_expose(struct alerts *a, struct pbuf *out)
{
	unsigned long long n[3] = { 0, 0, 0 };
	struct alert *x;
	size_t b;
	int rc, s;

	pthread_mutex_lock(&a->lock);
	for (b = 0; b < ALERT_BUCKETS; b++)
		for (x = a->buckets[b]; x; x = x->next)
			n[x->state]++;
	rc = pbuf_printf(out, "# HELP podboot_alerts Alerts by state.\n"
			      "# TYPE podboot_alerts gauge\n");
	for (s = 0; s < 3 && rc == 0; s++)
		rc = pbuf_printf(out, "podboot_alerts{state=\"%s\"} %llu\n",
				 alert_state_name((enum alert_state)s), n[s]);
	if (rc == 0)
		rc = pbuf_printf(out,
				 "# HELP podboot_alert_notifications_total "
				 "Batches of alerts delivered.\n"
				 "# TYPE podboot_alert_notifications_total "
				 "counter\n"
				 "podboot_alert_notifications_total %llu\n"
				 "# HELP podboot_alert_notify_errors_total "
				 "Deliveries an Alertmanager refused or "
				 "missed.\n"
				 "# TYPE podboot_alert_notify_errors_total "
				 "counter\n"
				 "podboot_alert_notify_errors_total %llu\n"
				 "# HELP podboot_alert_evaluations_total "
				 "Rounds of the alert rules evaluated.\n"
				 "# TYPE podboot_alert_evaluations_total "
				 "counter\n"
				 "podboot_alert_evaluations_total %llu\n"
				 "# HELP podboot_alert_traps_total "
				 "Alert state changes sent as SNMP traps.\n"
				 "# TYPE podboot_alert_traps_total counter\n"
				 "podboot_alert_traps_total %llu\n"
				 "# HELP podboot_alert_trap_errors_total "
				 "SNMP traps that could not be sent.\n"
				 "# TYPE podboot_alert_trap_errors_total "
				 "counter\n"
				 "podboot_alert_trap_errors_total %llu\n"
				 "# HELP podboot_alert_leader 1 while this "
				 "replica leads: evaluates and sends alerts.\n"
				 "# TYPE podboot_alert_leader gauge\n"
				 "podboot_alert_leader %d\n"
				 "# HELP podboot_alert_leader_takeovers_total "
				 "Times this replica began leading.\n"
				 "# TYPE podboot_alert_leader_takeovers_total "
				 "counter\n"
				 "podboot_alert_leader_takeovers_total %llu\n",
				 a->sent, a->errors, a->evaluations, a->traps,
				 a->trap_errors, a->leading, a->takeovers);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

/* Declared in alert.h. */
int alerts_leading(struct alerts *a)
{
	int lead;

	pthread_mutex_lock(&a->lock);
	lead = a->leading;
	pthread_mutex_unlock(&a->lock);
	return lead;
}

/* ---- GET /api/v1/alerts ----------------------------------------------- */

/* @x as GET /api/v1/alerts lists it; NULL if jansson fails. */
static json_t *alert_item(const struct alert *x)
{
	char t1[32], t2[32], t3[32];

	alert_time(x->active_at, t1);
	alert_time(x->fired_at, t2);
	alert_time(x->resolved_at, t3);
	return json_pack("{s:s, s:s, s:s, s:s, s:f, s:s, s:s*, s:s*}",
			 "alertname", x->rule, "node", x->node, "pod", x->pod,
			 "state", alert_state_name(x->state), "value",
			 x->value, "active_at", t1, "fired_at",
			 x->fired_at ? t2 : NULL, "resolved_at",
			 x->resolved_at ? t3 : NULL);
}

/* Declared in alert.h. */
int alerts_list(struct alerts *a, json_t *arr)
{
	const struct alert *x;
	size_t b;
	int rc = 0;

	pthread_mutex_lock(&a->lock);
	for (b = 0; rc == 0 && b < ALERT_BUCKETS; b++)
		for (x = a->buckets[b]; rc == 0 && x; x = x->next)
			if (json_array_append_new(arr, alert_item(x)) != 0)
				rc = -ENOMEM;
	pthread_mutex_unlock(&a->lock);
	return rc;
}
