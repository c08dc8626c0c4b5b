/* bmc_client.c: one BMC over Redfish: session, discovery from the service
 * root, tasks followed to their end, and power, virtual media and boot
 * override. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mbedtls/platform_util.h>

#include "bmc_client.h"
#include "error.h"
#include "log.h"

/* Most VirtualMedia members looked at for a CD drive. */
#define BMC_MEDIA_MAX 16

/* GET @path into *@out (the caller json_decref()s it). */
static int bmc_get(struct bmc_client *c, const char *path, json_t **out)
{
	struct bmc_reply r;
	int rc;

	if ((rc = bmc_http_request(&c->http, "GET", path, NULL, NULL, &r)) == 0 &&
	    !r.body) {
		snprintf(c->http.err, sizeof(c->http.err), "GET %s: no body",
			 path);
		rc = -EPROTO;
	}
	if (rc == 0) {
		*out = r.body;
		r.body = NULL;
	}
	bmc_reply_free(&r);
	return rc;
}

/*
 * Follow the task monitor at @monitor until the task ends, at most
 * BMC_TASK_WAIT_S, polling as the service's Retry-After says (1 s else).
 */
static int bmc_task_follow(struct bmc_client *c, const char *monitor)
{
	time_t end = time(NULL) + BMC_TASK_WAIT_S;
	struct bmc_reply r;
	enum bmc_task st;
	char msg[160];
	int rc;

	for (;;) {
		rc = bmc_http_request(&c->http, "GET", monitor, NULL, NULL, &r);
		st = rc ? BMC_TASK_FAILED : bmc_rf_task_state(
			r.status == 202 && !r.body ? NULL : r.body, msg,
			sizeof(msg));
		if (rc == 0 && r.status == 202 && st == BMC_TASK_DONE)
			st = BMC_TASK_RUNNING;	/* a monitor still busy */
		if (rc == 0 && st == BMC_TASK_FAILED) {
			snprintf(c->http.err, sizeof(c->http.err),
				 "task %s: %s", monitor, msg);
			rc = -EPROTO;
		}
		if (st != BMC_TASK_RUNNING || time(NULL) >= end)
			break;
		nanosleep(&(struct timespec){ r.retry_after &&
			r.retry_after < 30 ? r.retry_after : 1, 0 }, NULL);
		bmc_reply_free(&r);
	}
	bmc_reply_free(&r);
	if (rc == 0 && st == BMC_TASK_RUNNING) {
		snprintf(c->http.err, sizeof(c->http.err), "task %s: still "
			 "running after %d s", monitor, BMC_TASK_WAIT_S);
		rc = -ETIMEDOUT;
	}
	return rc;
}

/* @method @path with @body (If-Match @etag): a 202 is followed to the
 * task's end. */
static int bmc_send(struct bmc_client *c, const char *method, const char *path,
		    const json_t *body, const char *etag)
{
	struct bmc_reply r;
	char monitor[BMC_PATH_MAX];
	int rc;

	rc = bmc_http_request(&c->http, method, path, body, etag, &r);
	snprintf(monitor, sizeof(monitor), "%s", r.location);
	bmc_reply_free(&r);
	if (rc == 0 && r.status == 202 && monitor[0])
		rc = bmc_task_follow(c, monitor);
	return rc;
}

/* Log in: a session when the service has a SessionService, else basic
 * authentication on every request. */
static int bmc_login(struct bmc_client *c)
{
	char coll[BMC_PATH_MAX];
	struct bmc_reply r;
	json_t *body, *pw;
	int rc;

	if (bmc_rf_sessions(c->root, coll, sizeof(coll)) != 0) {
		log_info("bmc %s: the service has no SessionService: basic "
			 "authentication", c->http.node);
		c->http.basic = 1;
		return 0;
	}
	body = json_pack("{s:s,s:s}", "UserName", c->http.user, "Password",
			 c->http.password);
	if (!body)
		return -ENOMEM;
	rc = bmc_http_request(&c->http, "POST", coll, body, NULL, &r);
	pw = json_object_get(body, "Password");
	mbedtls_platform_zeroize((char *)json_string_value(pw),
				 strlen(json_string_value(pw)));
	json_decref(body);
	if (rc == 0 && !r.token[0]) {
		snprintf(c->http.err, sizeof(c->http.err), "POST %s: no "
			 "X-Auth-Token in the reply", coll);
		rc = -EPROTO;
	}
	if (rc == 0) {
		memcpy(c->http.token, r.token, sizeof(c->http.token));
		snprintf(c->session, sizeof(c->session), "%s", r.location);
	}
	bmc_reply_free(&r);
	return rc;
}

/* Find the system (@id, "" the first) and its manager. */
static int bmc_discover(struct bmc_client *c, const char *id)
{
	char coll[BMC_PATH_MAX];
	json_t *j = NULL;
	int rc;

	if ((rc = bmc_rf_link(c->root, "Systems", coll, sizeof(coll))) != 0 ||
	    (rc = bmc_get(c, coll, &j)) != 0 ||
	    (rc = bmc_rf_member(j, id, c->system, sizeof(c->system))) != 0) {
		if (!c->http.err[0] || rc == -ENOENT)
			snprintf(c->http.err, sizeof(c->http.err), "the "
				 "service names no ComputerSystem%s%s",
				 id && *id ? " " : "", id ? id : "");
		json_decref(j);
		return rc ? rc : -ENOENT;
	}
	json_decref(j);
	j = NULL;
	/* The manager is optional: media may sit under the System. */
	if (bmc_rf_link(c->root, "Managers", coll, sizeof(coll)) == 0 &&
	    bmc_get(c, coll, &j) == 0)
		bmc_rf_member(j, NULL, c->manager, sizeof(c->manager));
	json_decref(j);
	return 0;
}

int bmc_open(struct bmc_client *c, const char *node, const char *url,
	     const char *pin, const char *ca, const char *user,
	     const char *password, const char *system_id)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = bmc_http_init(&c->http, node, url, pin, ca, user,
				password)) != 0)
		return rc;
	c->open = 1;
	if ((rc = bmc_get(c, "/redfish/v1/", &c->root)) != 0 ||
	    (rc = bmc_login(c)) != 0 || (rc = bmc_discover(c, system_id)) != 0)
		return rc;
	return 0;
}

void bmc_close(struct bmc_client *c)
{
	struct bmc_reply r;

	if (!c->open)
		return;
	if (c->session[0] && c->http.token[0]) {
		if (bmc_http_request(&c->http, "DELETE", c->session, NULL,
				     NULL, &r) != 0)
			log_warn("bmc %s: closing the session: %s",
				 c->http.node, c->http.err);
		bmc_reply_free(&r);
	}
	json_decref(c->root);
	c->root = NULL;
	bmc_http_free(&c->http);
	c->open = 0;
}

int bmc_power_state(struct bmc_client *c, char *out, size_t size)
{
	json_t *sys;
	const char *st;
	int rc;

	if ((rc = bmc_get(c, c->system, &sys)) != 0)
		return rc;
	st = json_string_value(json_object_get(sys, "PowerState"));
	snprintf(out, size, "%s", st ? st : "Unknown");
	json_decref(sys);
	return 0;
}

int bmc_power(struct bmc_client *c, enum bmc_power_verb verb, char *sent,
	      size_t size)
{
	char target[BMC_PATH_MAX], info_path[BMC_PATH_MAX];
	json_t *sys = NULL, *info = NULL, *body = NULL;
	const char *type;
	int rc;

	if ((rc = bmc_get(c, c->system, &sys)) != 0)
		return rc;
	if ((rc = bmc_rf_action(sys, "#ComputerSystem.Reset", target,
				sizeof(target), info_path,
				sizeof(info_path))) != 0) {
		snprintf(c->http.err, sizeof(c->http.err), "%s has no "
			 "#ComputerSystem.Reset action", c->system);
		goto out;
	}
	if (info_path[0] && bmc_get(c, info_path, &info) != 0)
		info = NULL;
	type = bmc_rf_reset_type(verb, json_string_value(json_object_get(
			sys, "PowerState")), json_object_get(json_object_get(
			sys, "Actions"), "#ComputerSystem.Reset"), info);
	if (!type) {
		snprintf(c->http.err, sizeof(c->http.err), "%s allows no "
			 "ResetType that does this", c->system);
		rc = -ENOTSUP;
		goto out;
	}
	snprintf(sent, size, "%s", type);
	if (!(body = json_pack("{s:s}", "ResetType", type))) {
		rc = -ENOMEM;
		goto out;
	}
	rc = bmc_send(c, "POST", target, body, NULL);
out:
	json_decref(body);
	json_decref(info);
	json_decref(sys);
	return rc;
}

/*
 * The CD VirtualMedia of collection @coll into @where, its resource in
 * *@vm; -ENOENT when none takes a CD.
 */
static int bmc_media_in(struct bmc_client *c, const char *coll, char *where,
			size_t size, json_t **vm)
{
	json_t *list, *m, *id;
	size_t i;
	int rc;

	if ((rc = bmc_get(c, coll, &list)) != 0)
		return rc;
	rc = -ENOENT;
	json_array_foreach(json_object_get(list, "Members"), i, m) {
		id = json_object_get(m, "@odata.id");
		if (i >= BMC_MEDIA_MAX || !json_is_string(id) ||
		    !bmc_rf_path_ok(json_string_value(id)) ||
		    bmc_get(c, json_string_value(id), vm) != 0)
			continue;
		if (bmc_rf_media_is_cd(*vm)) {
			snprintf(where, size, "%s", json_string_value(id));
			rc = 0;
			break;
		}
		json_decref(*vm);
		*vm = NULL;
	}
	json_decref(list);
	return rc;
}

/* The virtual CD: under the System (recent iDRAC, sushy-tools), else
 * under the Manager. */
static int bmc_media_find(struct bmc_client *c, char *where, size_t size,
			  json_t **vm)
{
	char coll[BMC_PATH_MAX];
	json_t *res;
	const char *owner[2] = { c->system, c->manager };
	size_t i;

	for (i = 0; i < 2; i++) {
		if (!owner[i][0] || bmc_get(c, owner[i], &res) != 0)
			continue;
		if (bmc_rf_link(res, "VirtualMedia", coll, sizeof(coll)) == 0 &&
		    bmc_media_in(c, coll, where, size, vm) == 0) {
			json_decref(res);
			return 0;
		}
		json_decref(res);
	}
	snprintf(c->http.err, sizeof(c->http.err), "neither the system nor "
		 "its manager has a virtual CD (VirtualMedia with MediaTypes "
		 "CD or DVD)");
	return -ENOENT;
}

/* Run VirtualMedia @vm's action @name with @body (NULL: {}). */
static int bmc_media_action(struct bmc_client *c, const json_t *vm,
			    const char *where, const char *name, json_t *body)
{
	char target[BMC_PATH_MAX], info[BMC_PATH_MAX];
	json_t *empty = NULL;
	int rc;

	if (bmc_rf_action(vm, name, target, sizeof(target), info,
			  sizeof(info)) != 0) {
		snprintf(c->http.err, sizeof(c->http.err), "%s has no %s "
			 "action", where, name);
		return -ENOTSUP;
	}
	if (!body && !(body = empty = json_object()))
		return -ENOMEM;
	rc = bmc_send(c, "POST", target, body, NULL);
	json_decref(empty);
	return rc;
}

int bmc_media_eject(struct bmc_client *c, char *where, size_t size)
{
	json_t *vm = NULL;
	int rc;

	if ((rc = bmc_media_find(c, where, size, &vm)) != 0)
		return rc;
	if (json_is_false(json_object_get(vm, "Inserted")))
		log_info("bmc %s: %s holds no image", c->http.node, where);
	else
		rc = bmc_media_action(c, vm, where, "#VirtualMedia.EjectMedia",
				      NULL);
	json_decref(vm);
	return rc;
}

int bmc_media_insert(struct bmc_client *c, const char *url, char *where,
		     size_t size)
{
	json_t *vm = NULL, *body = NULL;
	int rc;

	if ((rc = bmc_media_find(c, where, size, &vm)) != 0)
		return rc;
	/* A drive that holds an image refuses another on most BMCs. */
	if (json_is_true(json_object_get(vm, "Inserted")) &&
	    (rc = bmc_media_action(c, vm, where, "#VirtualMedia.EjectMedia",
				   NULL)) != 0)
		goto out;
	if (!(body = json_pack("{s:s,s:b,s:b}", "Image", url, "Inserted", 1,
			       "WriteProtected", 1))) {
		rc = -ENOMEM;
		goto out;
	}
	rc = bmc_media_action(c, vm, where, "#VirtualMedia.InsertMedia", body);
	/* Supermicro refuses Inserted and WriteProtected (400): the image
	 * alone, as such BMCs take it. */
	if (rc == -EPROTO && c->http.status == 400) {
		log_info("bmc %s: InsertMedia refused its Inserted and "
			 "WriteProtected: again with the Image alone",
			 c->http.node);
		json_decref(body);
		if (!(body = json_pack("{s:s}", "Image", url))) {
			rc = -ENOMEM;
			goto out;
		}
		rc = bmc_media_action(c, vm, where, "#VirtualMedia.InsertMedia",
				      body);
	}
out:
	json_decref(body);
	json_decref(vm);
	return rc;
}

/*
 * PATCH the system with boot override @body (If-Match @etag).  When the
 * BMC refuses (400) a property of it that the override can do without
 * (BootSourceOverrideMode, which iLO will not change), that property is
 * dropped, noted in @note, and the PATCH sent once more.
 */
static int bmc_boot_patch(struct bmc_client *c, json_t *body,
			  const char *etag, char *note, size_t note_size)
{
	static const char *const optional[] = { "BootSourceOverrideMode",
						NULL };
	json_t *boot = json_object_get(body, "Boot");
	struct bmc_reply r;
	char prop[64];
	size_t i;
	int rc;

	rc = bmc_http_request(&c->http, "PATCH", c->system, body, etag, &r);
	if (rc == -EPROTO && r.status == 400 &&
	    bmc_rf_refused_property(r.body, prop, sizeof(prop)) == 0) {
		for (i = 0; optional[i]; i++)
			if (strcmp(prop, optional[i]) == 0 &&
			    json_object_get(boot, prop))
				break;
		if (optional[i]) {
			log_info("bmc %s: the BMC refused %s %s: again "
				 "without it", c->http.node, prop,
				 json_string_value(json_object_get(boot,
								   prop)));
			snprintf(note, note_size, " (the BMC refused %s %s: "
				 "left as it is)", prop, json_string_value(
					 json_object_get(boot, prop)));
			json_object_del(boot, prop);
			bmc_reply_free(&r);
			return bmc_send(c, "PATCH", c->system, body, etag);
		}
	}
	/* A task (202) is followed as bmc_send() does. */
	if (rc == 0 && r.status == 202 && r.location[0])
		rc = bmc_task_follow(c, r.location);
	bmc_reply_free(&r);
	return rc;
}

int bmc_boot_once(struct bmc_client *c, const char *target, const char *uri,
		  char *note, size_t note_size)
{
	json_t *sys = NULL, *body = NULL;
	struct bmc_reply r;
	char etag[128];
	int rc;

	note[0] = '\0';
	memset(&r, 0, sizeof(r));
	if ((rc = bmc_http_request(&c->http, "GET", c->system, NULL, NULL,
				   &r)) != 0)
		goto out;
	snprintf(etag, sizeof(etag), "%s", r.etag);
	sys = r.body;
	r.body = NULL;
	if ((rc = bmc_rf_boot_body(sys, target, uri, &body)) == -EINVAL)
		snprintf(c->http.err, sizeof(c->http.err), "%s does not allow "
			 "BootSourceOverrideTarget %s", c->system, target);
	if (rc == 0)
		rc = bmc_boot_patch(c, body, etag[0] ? etag : NULL, note,
				    note_size);
out:
	bmc_reply_free(&r);
	json_decref(body);
	json_decref(sys);
	return rc;
}

int bmc_media_boot_next(struct bmc_client *c, const char *where)
{
	json_t *body;
	struct bmc_reply r;
	char etag[128];
	int rc;

	if ((rc = bmc_http_request(&c->http, "GET", where, NULL, NULL,
				   &r)) != 0) {
		bmc_reply_free(&r);
		return rc;
	}
	snprintf(etag, sizeof(etag), "%s", r.etag);
	rc = bmc_rf_media_boot_next(r.body);
	bmc_reply_free(&r);
	if (!rc)
		return -ENOTSUP;
	if (!(body = json_pack("{s:{s:{s:b}}}", "Oem", "Hpe",
			       "BootOnNextServerReset", 1)))
		return -ENOMEM;
	rc = bmc_send(c, "PATCH", where, body, etag[0] ? etag : NULL);
	json_decref(body);
	return rc;
}
