/* api_podset.c: GET /api/v1/pods/NAME/artifact-set: the artifacts a pod's
 * cache should hold, each at its current digest, for its relay. */
#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "api_int.h"
#include "config.h"
#include "error.h"
#include "http.h"
#include "pbuf.h"
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
