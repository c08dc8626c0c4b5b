/* api_podset.c: GET /api/v1/pods/NAME/artifact-set: the artifacts a pod's
 * cache should hold, each at its current digest, for its relay; and the
 * same set in the pod's view, with what its cache reported holding and
 * serving (podcache.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api_int.h"
#include "config.h"
#include "error.h"
#include "http.h"
#include "pbuf.h"
#include "podcache.h"
#include "podset.h"
#include "server.h"
#include "store.h"

#define API_PODSET_SUFFIX "/artifact-set"
#define API_PODSET_TEXT_MAX (256u << 10)

/* One name of the set, at its current version (sha256 null when no
 * version is published yet), appended to @arr. */
static int api_podset_item(struct http_req *r, const char *name, json_t *arr)
{
	struct store_artifact a;
	json_t *o;
	int rc;

	rc = store_artifact_get(r->srv->store, name, NULL, &a);
	if (rc != 0 && rc != -ENOENT)
		return rc;
	o = rc == 0 ? json_pack("{s:s, s:s, s:I}", "name", name, "sha256",
				a.sha256, "size", (json_int_t)a.size) :
		      json_pack("{s:s, s:n, s:n}", "name", name, "sha256",
				"size");
	if (!o || json_array_append_new(arr, o) != 0)
		return -ENOMEM;
	return 0;
}

/* The set as text: "SHA256 NAME" lines ("-" for none published). */
static void api_podset_text(struct http_req *r, json_t *arr)
{
	struct pbuf t;
	json_t *o;
	size_t i;

	pbuf_init(&t, API_PODSET_TEXT_MAX);
	json_array_foreach(arr, i, o) {
		const char *sha = json_string_value(json_object_get(o,
								    "sha256"));

		pbuf_printf(&t, "%s %s\n", sha ? sha : "-",
			    json_string_value(json_object_get(o, "name")));
	}
	if (t.overflow)
		http_reply_error(r, 500, "the artifact set is too long");
	else
		http_reply_data(r, 200, "text/plain; charset=utf-8",
				t.data ? t.data : "", t.len);
	pbuf_free(&t);
}

int api_podset(struct http_req *r)
{
	char name[CONFIG_NAME_MAX];
	const struct config_pod *p;
	static struct podset set;	/* 33 KiB: not on the stack */
	size_t len = strlen(r->rest), i;
	json_t *arr;
	int rc = 0;

	if (len <= strlen(API_PODSET_SUFFIX) ||
	    strcmp(r->rest + len - strlen(API_PODSET_SUFFIX),
		   API_PODSET_SUFFIX) != 0 ||
	    len - strlen(API_PODSET_SUFFIX) >= sizeof(name))
		return http_refuse(r, 404, "no such path");
	memcpy(name, r->rest, len - strlen(API_PODSET_SUFFIX));
	name[len - strlen(API_PODSET_SUFFIX)] = '\0';
	if (!http_require_scope(r, "relay"))
		return -EACCES;
	p = config_pod_by_name(r->gen->cfg, name);
	if (!p)
		return http_refuse(r, 404, "no pod %s is configured", name);
	if (podset_names(r->gen->cfg, p, &set) != 0)
		return http_refuse(r, 500, "pod %s: its artifact set is over "
					   "%d names", name, PODSET_MAX);
	arr = json_array();
	for (i = 0; arr && rc == 0 && i < set.n; i++)
		rc = api_podset_item(r, set.names[i], arr);
	if (!arr || rc != 0) {
		json_decref(arr);
		return http_refuse(r, 500, "the artifact catalogue: %s",
				   pb_strerror(rc ? rc : -ENOMEM));
	}
	if (http_wants_text(r)) {
		api_podset_text(r, arr);
		json_decref(arr);
		return 0;
	}
	http_reply_json(r, 200, json_pack("{s:s, s:o}", "pod", name,
					  "artifact_set", arr));
	return 0;
}

/* The ISO time of @when into a new JSON string, or JSON null for 0. */
static json_t *api_podset_when(long long when)
{
	char iso[API_ISO_SIZE];

	if (!when)
		return json_null();
	api_iso(when, iso);
	return json_string(iso);
}

/* Whole files of @sha256 that report @rep says were served. */
static unsigned long long api_podset_served(const struct podcache_report *rep,
					    const char *sha256)
{
	unsigned long long n = 0;
	size_t i;

	for (i = 0; rep && i < rep->n_served; i++)
		if (strcmp(rep->served[i].sha256, sha256) == 0)
			n += rep->served[i].count;
	return n;
}

/* Each item of the set @arr (api_podset_item's) with its publication
 * time, when the cache first held it and how often it served it. */
static int api_podset_mark(struct http_req *r, json_t *arr,
			   const struct podcache_report *rep)
{
	struct store_artifact a;
	const char *sha;
	json_t *o;
	size_t i;
	int rc = 0;

	json_array_foreach(arr, i, o) {
		sha = json_string_value(json_object_get(o, "sha256"));
		if (sha && (rc = store_artifact_get(r->srv->store,
				json_string_value(json_object_get(o, "name")),
				sha, &a)) != 0)
			return rc;
		if (json_object_set_new(o, "created_at",
					sha ? api_podset_when(a.created) :
					      json_null()) != 0 ||
		    json_object_set_new(o, "cached_at",
					sha && rep ? api_podset_when(
						podcache_held_at(rep, sha)) :
						     json_null()) != 0 ||
		    json_object_set_new(o, "served_from_cache", json_integer(
					(json_int_t)(sha ? api_podset_served(
						rep, sha) : 0))) != 0)
			return -ENOMEM;
	}
	return 0;
}

/* The name in the set @arr of digest @sha256, or NULL. */
static const char *api_podset_name(json_t *arr, const char *sha256)
{
	const char *sha;
	json_t *o;
	size_t i;

	json_array_foreach(arr, i, o) {
		sha = json_string_value(json_object_get(o, "sha256"));
		if (sha && strcmp(sha, sha256) == 0)
			return json_string_value(json_object_get(o, "name"));
	}
	return NULL;
}

/* The report @rep as the pod view's "cache", naming digests of @arr. */
static json_t *api_podset_cache(const struct podcache_report *rep,
				json_t *arr)
{
	json_t *served = json_array(), *o;
	size_t i;

	for (i = 0; served && i < rep->n_served; i++) {
		const struct podcache_served *s = &rep->served[i];

		o = json_pack("{s:s, s:s?, s:s, s:I, s:I}", "node", s->who,
			      "artifact", api_podset_name(arr, s->sha256),
			      "sha256", s->sha256, "count",
			      (json_int_t)s->count, "bytes",
			      (json_int_t)s->bytes);
		if (api_append(served, o) != 0) {
			json_decref(served);
			return NULL;
		}
	}
	if (!served)
		return NULL;
	return json_pack("{s:o, s:o, s:I, s:o}", "reported_at",
			 api_podset_when(rep->reported), "since",
			 api_podset_when(rep->since), "held",
			 (json_int_t)rep->n_held, "served", served);
}

int api_pod_artifacts(struct http_req *r, const struct config_pod *p,
		      json_t *pod)
{
	/* 150 and 33 KiB: not on a connection thread's stack */
	struct podcache_report *rep = malloc(sizeof(*rep));
	struct podset *set = malloc(sizeof(*set));
	json_t *arr = rep && set ? json_array() : NULL, *cache = NULL;
	int has, rc = 0;
	size_t i;

	if (!arr)
		goto out;
	has = podcache_get(p->name, rep) == 0;
	if (podset_names(r->gen->cfg, p, set) != 0)
		set->n = 0;	/* over PODSET_MAX: --check refuses that */
	for (i = 0; rc == 0 && i < set->n; i++)
		rc = api_podset_item(r, set->names[i], arr);
	if (rc == 0)
		rc = api_podset_mark(r, arr, has ? rep : NULL);
	if (rc == 0)
		cache = has ? api_podset_cache(rep, arr) : json_null();
out:
	if (rc == 0 && (!arr || !cache ||
			json_object_set(pod, "artifacts", arr) != 0 ||
			json_object_set(pod, "cache", cache) != 0))
		rc = -ENOMEM;
	json_decref(arr);
	json_decref(cache);
	free(rep);
	free(set);
	return rc;
}
