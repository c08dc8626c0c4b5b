/* api_json.c: the status API's JSON of the model: nodes, their health,
 * pods and their counts, events, artifacts, certificates.  Pure: each is
 * built from its inputs alone (api_read.c gathers them). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api_int.h"

/* Empty strings are absent values: @s, or NULL (null in JSON). */
static const char *api_opt(const char *s)
{
	return s && *s ? s : NULL;
}

/* Declared in api_int.h. */
void api_iso(long long when, char out[API_ISO_SIZE])
{
	time_t t = (time_t)when;
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    strftime(out, API_ISO_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, API_ISO_SIZE, "1970-01-01T00:00:00Z");
}

/* Declared in api_int.h. */
int api_append(json_t *arr, json_t *item)
{
	return json_array_append_new(arr, item) == 0 ? 0 : -ENOMEM;
}

/* @n addresses of @list as a JSON array of strings; the caller owns the
 * result, NULL when out of memory. */
static json_t *api_addrs_json(const char (*list)[64], size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < n; i++) {
		if (api_append(arr, json_string(list[i])) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

/*
 * A pod network as JSON: cidr (address/prefix), prefix, gateway (null when
 * none), vlan (0: untagged), dns and ntp (arrays), and, only where set,
 * relay, pool_start and pool_end (podboot dhcp's settings; unset, the
 * gateway and the upper half of cidr apply).  The caller owns the result,
 * NULL when out of memory.
 */
static json_t *api_net_json(const struct config_net *net)
{
	return json_pack("{s:s, s:i, s:s?, s:I, s:o, s:o, s:s*, s:s*, s:s*}",
			 "cidr", net->cidr, "prefix", net->prefix,
			 "gateway", api_opt(net->gateway), "vlan",
			 (json_int_t)net->vlan, "dns",
			 api_addrs_json(net->dns, net->n_dns), "ntp",
			 api_addrs_json(net->ntp, net->n_ntp), "relay",
			 api_opt(net->relay), "pool_start",
			 api_opt(net->pool_start), "pool_end",
			 api_opt(net->pool_end));
}

/* Declared in api_int.h. */
json_t *api_health_json(const struct metrics_node_info *info,
			json_t *metrics)
{
	char when[API_ISO_SIZE];
	json_t *o;

	api_iso(info->last_push, when);
	o = json_pack("{s:b, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "up",
		      info->up, "last_push_at", info->last_push ? when : NULL,
		      "interval_s", (json_int_t)info->interval, "series",
		      (json_int_t)info->series, "last_seq",
		      (json_int_t)info->last_seq, "pushes",
		      (json_int_t)info->pushes, "duplicates",
		      (json_int_t)info->duplicates, "gaps",
		      (json_int_t)info->gaps, "replays",
		      (json_int_t)info->replays);
	if (o && metrics)
		json_object_set_new(o, "metrics", metrics);
	else
		json_decref(metrics);
	return o;
}

/* Declared in api_int.h. */
json_t *api_node_json(const struct config *cfg, const struct store_node *n,
		      int full)
{
	const struct config_node *cn = full ? config_node_by_id(cfg, n->id) :
					      NULL;
	char when[API_ISO_SIZE];
	json_t *o;

	api_iso(n->updated, when);
	o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "id", n->id, "mac",
		      n->mac, "state", store_state_name(n->state),
		      "generation", (json_int_t)n->generation, "updated",
		      (json_int_t)n->updated, "updated_at", when);
	if (o && full &&
	    json_object_update_new(o, json_pack("{s:s?, s:s?, s:s?, s:b, "
						"s:b}",
						"uuid", api_opt(n->uuid),
						"serial", api_opt(n->serial),
						"pod", api_opt(n->pod),
						"configured", cn != NULL,
						"assigned",
						cn && cn->assigned)))
		goto fail;
	if (o && cn &&
	    json_object_update_new(o, json_pack("{s:s, s:s?, s:s?}",
						"hostname", cn->hostname,
						"address", api_opt(cn->address),
						"profile", cn->profile ?
						cn->profile->name : NULL)))
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* Declared in api_int.h. */
json_t *api_event_json(const struct store_event *e, json_error_t *err)
{
	char when[API_ISO_SIZE];

	api_iso(e->ts, when);
	return json_pack_ex(err, 0, "{s:I, s:I, s:s, s:s, s:s, s:s}", "id",
			    (json_int_t)e->id, "ts", (json_int_t)e->ts, "time",
			    when, "kind", e->kind, "subject", e->subject,
			    "detail", e->detail);
}

/* Declared in api_int.h. */
json_t *api_artifact_json(const struct config *cfg,
			  const struct store_artifact *a)
{
	char when[API_ISO_SIZE], until[API_ISO_SIZE], url[512];

	api_iso(a->created, when);
	api_iso(a->signer_not_after, until);
	snprintf(url, sizeof(url), "%s/artifacts/%s@sha256:%s", cfg->base_url,
		 a->name, a->sha256);
	/* Versions published before podboot recorded it: serial unknown. */
	return json_pack("{s:s, s:s, s:I, s:s, s:s?, s:s?, s:I, s:s, s:b, "
			 "s:s}", "name", a->name, "sha256", a->sha256, "size",
			 (json_int_t)a->size, "signer", a->signer,
			 "signer_serial", api_opt(a->signer_serial),
			 "signer_not_after",
			 a->signer_not_after ? until : NULL, "created",
			 (json_int_t)a->created, "created_at", when,
			 "current", a->current, "url", url);
}

/* Declared in api_int.h. */
int api_health_of(const struct store_node *n, int up, int known)
{
	if (up)
		return API_HEALTH_UP;
	if (known || n->state == NODE_INSTALLED)
		return API_HEALTH_DOWN;
	return API_HEALTH_UNKNOWN;
}

/* Declared in api_int.h. */
void api_counts_add(struct api_counts *c, const struct store_node *n,
		    int up, int known)
{
	int h = api_health_of(n, up, known);

	if ((unsigned int)n->state < NODE_STATE_COUNT)
		c->count[n->state]++;
	c->total++;
	if (h == API_HEALTH_UP)
		c->up++;
	else if (h == API_HEALTH_DOWN)
		c->down++;
}

/* Declared in api_int.h. */
int api_counts_match(const struct api_counts *c, int state, int health)
{
	unsigned long long by_health[API_HEALTH_COUNT];

	by_health[API_HEALTH_UP] = c->up;
	by_health[API_HEALTH_DOWN] = c->down;
	by_health[API_HEALTH_UNKNOWN] = c->total - c->up - c->down;
	if (state >= 0 && (state >= NODE_STATE_COUNT || !c->count[state]))
		return 0;
	if (health >= 0 && (health >= API_HEALTH_COUNT || !by_health[health]))
		return 0;
	return 1;
}

/* {"total": N, "up": N, "down": N, "discovered": N, ...} of @c; the
 * caller owns the result, NULL when out of memory. */
static json_t *api_counts_json(const struct api_counts *c)
{
	json_t *o = json_pack("{s:I, s:I, s:I}", "total", (json_int_t)c->total,
			      "up", (json_int_t)c->up, "down",
			      (json_int_t)c->down);
	json_int_t n;
	int i;

	for (i = 0; o && i < NODE_STATE_COUNT; i++) {
		n = (json_int_t)c->count[i];
		if (json_object_set_new(o, store_state_name((enum node_state)i),
					json_integer(n)) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

/* Declared in api_int.h. */
json_t *api_pod_view(const struct config_pod *p, const struct api_counts *c,
		     json_t *nodes)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:o, s:o, s:o}", "name",
			      p->name, "site", p->site, "profile", p->profile,
			      "allow_unverified", p->allow_unverified,
			      "provisioning", api_net_json(&p->prov),
			      "management", api_net_json(&p->mgmt),
			      "node_counts", api_counts_json(c));

	if (o && nodes && json_object_set(o, "nodes", nodes) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* Declared in api_int.h. */
json_t *api_certificates_json(const struct server_gen *gen, long long now)
{
	long long left = gen->cert_not_after - now;
	char when[API_ISO_SIZE];

	if (!gen->cert_first_what)
		return json_object();
	api_iso(gen->cert_not_after, when);
	return json_pack("{s:s, s:s, s:I, s:b}", "first_to_expire",
			 gen->cert_first_what, "not_after", when, "days_left",
			 (json_int_t)(left / 86400), "expiring_soon",
			 left < 14 * 86400LL);
}
