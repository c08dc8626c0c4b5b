/* api_stage2.c: GET /api/v1/nodes/ID/stage2: the stage2 the node's next
 * request would get, from boot_preview.c: read-only, unsigned, the node
 * token redacted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "boot_preview.h"
#include "error.h"

/* Artifact @a of a preview as JSON ({"name", "published": false} when it
 * is not published); the caller owns it, NULL when out of memory. */
static json_t *api_stage2_artifact(const struct config *cfg,
				   const struct store_artifact *a)
{
	json_t *o;

	if (!a->sha256[0])
		return json_pack("{s:s, s:b}", "name", a->name, "published", 0);
	o = api_artifact_json(cfg, a);
	if (o && json_object_set_new(o, "published", json_true()) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* Preview @p of node @id as JSON; the caller owns it, NULL when out of
 * memory. */
static json_t *api_stage2_json(const struct config *cfg, const char *id,
			       const struct boot_preview *p)
{
	json_t *arts = json_array();

	if (arts && p->has_profile &&
	    (api_append(arts, api_stage2_artifact(cfg, &p->kernel)) != 0 ||
	     api_append(arts, api_stage2_artifact(cfg, &p->initrd)) != 0)) {
		json_decref(arts);
		return NULL;
	}
	if (!arts)
		return NULL;
	return json_pack("{s:s, s:s, s:b, s:s%, s:s?, s:s?, s:o}", "node", id,
			 "verdict", p->verdict, "marks_booting",
			 p->marks_booting, "script", p->script, p->len,
			 "profile", p->has_profile ? p->profile : NULL, "why",
			 p->why[0] ? p->why : NULL, "artifacts", arts);
}

/* Declared in api_int.h. */
int api_node_stage2(struct http_req *r, const char *id)
{
	struct boot_preview *p;
	struct store_node n;
	char base[256];
	json_t *o;
	int rc;

	rc = config_name_valid(id) == 0 ?
		     store_node_get(r->srv->store, id, &n) : -ENOENT;
	if (rc == -ENOENT)
		return http_refuse(r, 404, "no such node");
	if (rc != 0)
		return http_refuse(r, 500, "reading the store: %s",
				   pb_strerror(rc));
	if (http_base_url(r, base, sizeof(base)) != 0)
		return http_status_rc(421);
	p = malloc(sizeof(*p));
	if (!p)
		return http_refuse(r, 503, "out of memory; try again");
	rc = boot_preview(r->srv, r->gen, &n, base, p);
	if (rc != 0) {
		rc = http_refuse(r, 503, "stage2 of %s: %s", id, p->why[0] ?
				 p->why : pb_strerror(rc));
		free(p);
		return rc;
	}
	o = api_stage2_json(r->gen->cfg, n.id, p);
	free(p);
	if (!o)
		return http_refuse(r, 503, "out of memory; try again");
	http_reply_json(r, 200, o);
	return 0;
}
