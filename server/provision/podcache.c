/* podcache.c: what each pod's artifact cache last reported (PUT
 * /api/v1/pods/NAME/cache, relay token): the digests it holds, since when,
 * and the whole files it served to each machine; kept in memory. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "config.h"
#include "error.h"
#include "pbuf.h"
#include "podcache.h"
#include "server.h"

#define PODCACHE_SUFFIX "/cache"

/* One pod's report, held. */
struct podcache_pod {
	char name[CONFIG_NAME_MAX];
	struct podcache_report *rep;
};

/* Every pod's last report: the one table of the process. */
static struct {
	pthread_mutex_t lock;
	struct podcache_pod *pods;
	size_t n;
} podcache = { PTHREAD_MUTEX_INITIALIZER, NULL, 0 };

/* 1 if @s is 64 lower-case hex digits. */
static int podcache_hex(const char *s)
{
	size_t i;

	for (i = 0; s && s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 64;
}

/* 1 if @s names a machine as a cache reports it: a node id or an IP
 * address, [A-Za-z0-9._:-]{1,PODCACHE_WHO_MAX}. */
static int podcache_who(const char *s)
{
	size_t i;

	for (i = 0; s && s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_' || s[i] == '-' || s[i] == ':'))
			return 0;
	return i > 0 && i <= PODCACHE_WHO_MAX;
}

/* The "held" list of @o into @out; 0 or -EINVAL with @why. */
static int podcache_parse_held(json_t *held, struct podcache_report *out,
			       char *why, size_t why_size)
{
	json_t *v;
	size_t i;

	if (!json_is_array(held) || json_array_size(held) > PODCACHE_HELD_MAX) {
		snprintf(why, why_size, "held must be a list of at most %d "
			 "digests", PODCACHE_HELD_MAX);
		return -EINVAL;
	}
	json_array_foreach(held, i, v) {
		if (!podcache_hex(json_string_value(v))) {
			snprintf(why, why_size, "held[%zu] is not a sha256 "
				 "in lower-case hex", i);
			return -EINVAL;
		}
		memcpy(out->held[i], json_string_value(v), 65);
	}
	out->n_held = json_array_size(held);
	return 0;
}

/* The "served" list into @out; 0 or -EINVAL with @why. */
static int podcache_parse_served(json_t *served, struct podcache_report *out,
				 char *why, size_t why_size)
{
	json_int_t count, bytes;
	const char *who, *sha;
	json_t *v;
	size_t i;

	if (!json_is_array(served) ||
	    json_array_size(served) > PODCACHE_SERVED_MAX) {
		snprintf(why, why_size, "served must be a list of at most %d "
			 "entries", PODCACHE_SERVED_MAX);
		return -EINVAL;
	}
	json_array_foreach(served, i, v) {
		if (json_unpack(v, "{s:s, s:s, s:I, s:I}", "node", &who,
				"sha256", &sha, "count", &count, "bytes",
				&bytes) != 0 ||
		    !podcache_who(who) || !podcache_hex(sha) || count < 0 ||
		    bytes < 0) {
			snprintf(why, why_size, "served[%zu] must be {\"node\": "
				 "ID or address, \"sha256\": HEX, \"count\": N, "
				 "\"bytes\": N}", i);
			return -EINVAL;
		}
		snprintf(out->served[i].who, sizeof(out->served[i].who), "%s",
			 who);
		memcpy(out->served[i].sha256, sha, 65);
		out->served[i].count = (unsigned long long)count;
		out->served[i].bytes = (unsigned long long)bytes;
	}
	out->n_served = json_array_size(served);
	return 0;
}

int podcache_parse(const char *body, size_t len, struct podcache_report *out,
		   char *why, size_t why_size)
{
	json_t *o, *since;
	int rc = -EINVAL;

	memset(out, 0, sizeof(*out));
	o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	since = json_object_get(o, "since");
	if (!json_is_object(o) || !json_is_integer(since) ||
	    json_integer_value(since) < 0) {
		snprintf(why, why_size, "expected JSON {\"since\": UNIX_TIME, "
			 "\"held\": [...], \"served\": [...]}");
		goto out;
	}
	out->since = json_integer_value(since);
	rc = podcache_parse_held(json_object_get(o, "held"), out, why,
				 why_size);
	if (rc == 0)
		rc = podcache_parse_served(json_object_get(o, "served"), out,
					   why, why_size);
out:
	json_decref(o);
	return rc;
}

long long podcache_held_at(const struct podcache_report *rep,
			   const char *sha256)
{
	size_t i;

	for (i = 0; i < rep->n_held; i++)
		if (strcmp(rep->held[i], sha256) == 0)
			return rep->held_at[i];
	return 0;
}

/* The slot of pod @pod, or NULL; the caller holds the lock. */
static struct podcache_pod *podcache_find(const char *pod)
{
	size_t i;

	for (i = 0; i < podcache.n; i++)
		if (strcmp(podcache.pods[i].name, pod) == 0)
			return &podcache.pods[i];
	return NULL;
}

/* A new slot for pod @pod with report @rep (taken); the caller holds the
 * lock.  0, -ENOMEM or -ENOSPC. */
static int podcache_add(const char *pod, struct podcache_report *rep)
{
	struct podcache_pod *p;

	if (podcache.n == PODCACHE_PODS_MAX)
		return -ENOSPC;
	p = realloc(podcache.pods, (podcache.n + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	podcache.pods = p;
	p = &podcache.pods[podcache.n++];
	snprintf(p->name, sizeof(p->name), "%s", pod);
	p->rep = rep;
	return 0;
}

int podcache_put(const char *pod, struct podcache_report *rep,
		 long long now)
{
	struct podcache_report *copy = malloc(sizeof(*copy));
	struct podcache_pod *p;
	size_t i;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&podcache.lock);
	p = podcache_find(pod);
	rep->reported = now;
	for (i = 0; i < rep->n_held; i++) {
		long long was = p ? podcache_held_at(p->rep, rep->held[i]) : 0;

		rep->held_at[i] = was ? was : now;
	}
	memcpy(copy, rep, sizeof(*copy));
	if (p) {
		free(p->rep);
		p->rep = copy;
	} else {
		rc = podcache_add(pod, copy);
	}
	pthread_mutex_unlock(&podcache.lock);
	if (rc != 0)
		free(copy);
	return rc;
}

int podcache_get(const char *pod, struct podcache_report *out)
{
	struct podcache_pod *p;
	int rc = -ENOENT;

	pthread_mutex_lock(&podcache.lock);
	p = podcache_find(pod);
	if (p) {
		memcpy(out, p->rep, sizeof(*out));
		rc = 0;
	}
	pthread_mutex_unlock(&podcache.lock);
	return rc;
}

void podcache_clear(void)
{
	size_t i;

	pthread_mutex_lock(&podcache.lock);
	for (i = 0; i < podcache.n; i++)
		free(podcache.pods[i].rep);
	free(podcache.pods);
	podcache.pods = NULL;
	podcache.n = 0;
	pthread_mutex_unlock(&podcache.lock);
}

/* ---- PUT /api/v1/pods/NAME/cache ------------------------------------- */

/* The route's start: the relay token, a configured pod, a bounded body
 * buffer (r->ctx, freed by podcache_cleanup). */
static int podcache_start(struct http_req *r)
{
	size_t len = strlen(r->rest), suf = strlen(PODCACHE_SUFFIX);
	char name[CONFIG_NAME_MAX];

	if (len <= suf || strcmp(r->rest + len - suf, PODCACHE_SUFFIX) != 0 ||
	    len - suf >= sizeof(name))
		return http_refuse(r, 404, "expected /api/v1/pods/NAME/cache");
	memcpy(name, r->rest, len - suf);
	name[len - suf] = '\0';
	if (!http_require_scope(r, "relay"))
		return -EACCES;
	if (!config_pod_by_name(r->gen->cfg, name))
		return http_refuse(r, 404, "no pod %s is configured", name);
	if (http_small_body_begin(r, PODCACHE_BODY_MAX) != 0)
		return http_refuse(r, 503, "out of memory; try again");
	return 0;
}

/* The body is in: check it, keep it, answer what was kept. */
static int podcache_finish(struct http_req *r)
{
	size_t len = strlen(r->rest) - strlen(PODCACHE_SUFFIX);
	char name[CONFIG_NAME_MAX], why[160];
	struct podcache_report *rep;
	struct pbuf *b = r->ctx;
	int rc;

	memcpy(name, r->rest, len);
	name[len] = '\0';
	rep = malloc(sizeof(*rep));
	if (!rep)
		return http_refuse(r, 503, "out of memory; try again");
	rc = podcache_parse(b->data ? b->data : "", b->len, rep, why,
			    sizeof(why));
	if (rc != 0) {
		free(rep);
		return http_refuse(r, 400, "%s", why);
	}
	rc = podcache_put(name, rep, (long long)time(NULL));
	if (rc == 0)
		http_reply_json(r, 200, json_pack("{s:s, s:I, s:I}", "pod",
						  name, "held",
						  (json_int_t)rep->n_held,
						  "served",
						  (json_int_t)rep->n_served));
	free(rep);
	if (rc != 0)
		return http_refuse(r, 503, "keeping pod %s's report: %s", name,
				   pb_strerror(rc));
	return 0;
}

const struct http_route routes_podcache[] = {
	{ "PUT", "/api/v1/pods/", 0, podcache_start, http_small_body,
	  podcache_finish, http_small_body_cleanup, 0 },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 },
};
