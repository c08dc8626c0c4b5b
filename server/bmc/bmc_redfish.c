/* bmc_redfish.c: the decisions of podboot's Redfish client, as pure
 * functions over the service's JSON (bmc_redfish.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "bmc_redfish.h"
#include "error.h"

int bmc_rf_path_ok(const char *path)
{
	const unsigned char *p = (const unsigned char *)path;

	if (strncmp(path, "/redfish/v1", 11) != 0 || strstr(path, "..") ||
	    strchr(path, '?') || strchr(path, '#') ||
	    strlen(path) >= BMC_PATH_MAX)
		return 0;
	for (; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return 0;
	return 1;
}

/* Copy path @v into @out after checking it; 0, -EPROTO or -PB_ETOOBIG. */
static int bmc_rf_copy_path(const char *v, char *out, size_t size)
{
	if (!v || !bmc_rf_path_ok(v))
		return -EPROTO;
	if (strlen(v) >= size)
		return -PB_ETOOBIG;
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

int bmc_rf_link(const json_t *obj, const char *key, char *out, size_t size)
{
	json_t *l = json_object_get(obj, key);

	if (!json_is_object(l))
		return -ENOENT;
	l = json_object_get(l, "@odata.id");
	if (!json_is_string(l))
		return -ENOENT;
	return bmc_rf_copy_path(json_string_value(l), out, size);
}

int bmc_rf_sessions(const json_t *root, char *out, size_t size)
{
	if (bmc_rf_link(json_object_get(root, "Links"), "Sessions", out,
			size) == 0)
		return 0;
	if (!json_object_get(root, "SessionService"))
		return -ENOENT;
	return bmc_rf_copy_path("/redfish/v1/SessionService/Sessions", out,
				size);
}

/* Whether path @p names member @id: its last segment is @id. */
static int bmc_rf_path_is(const char *p, const char *id)
{
	size_t lp = strlen(p), li = strlen(id);

	while (lp > 1 && p[lp - 1] == '/')
		lp--;
	return lp > li && p[lp - li - 1] == '/' &&
	       strncmp(p + lp - li, id, li) == 0;
}

int bmc_rf_member(const json_t *coll, const char *id, char *out, size_t size)
{
	json_t *m = json_object_get(coll, "Members"), *v;
	size_t i;

	if (!json_is_array(m))
		return -ENOENT;
	json_array_foreach(m, i, v) {
		v = json_object_get(v, "@odata.id");
		if (!json_is_string(v))
			continue;
		if (!id || !*id || bmc_rf_path_is(json_string_value(v), id))
			return bmc_rf_copy_path(json_string_value(v), out,
						size);
	}
	return -ENOENT;
}

int bmc_rf_action(const json_t *res, const char *name, char *target,
		  size_t size, char *info, size_t info_size)
{
	json_t *a = json_object_get(json_object_get(res, "Actions"), name);
	json_t *t = json_object_get(a, "target");
	json_t *i = json_object_get(a, "@Redfish.ActionInfo");
	int rc;

	if (!json_is_string(t))
		return -ENOENT;
	if ((rc = bmc_rf_copy_path(json_string_value(t), target, size)) != 0)
		return rc;
	info[0] = '\0';
	if (json_is_string(i) &&
	    bmc_rf_copy_path(json_string_value(i), info, info_size) != 0)
		info[0] = '\0';
	return 0;
}

/* Whether array @list holds the string @value: 1, 0; -1 no array. */
static int bmc_rf_in(const json_t *list, const char *value)
{
	json_t *v;
	size_t i;

	if (!json_is_array(list))
		return -1;
	json_array_foreach(list, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), value) == 0)
			return 1;
	return 0;
}

int bmc_rf_allowed(const json_t *action, const json_t *info,
		   const char *param, const char *value)
{
	char key[128];
	json_t *p, *v;
	size_t i;

	snprintf(key, sizeof(key), "%s@Redfish.AllowableValues", param);
	if (json_is_array(json_object_get(action, key)))
		return bmc_rf_in(json_object_get(action, key), value);
	p = json_object_get(info, "Parameters");
	json_array_foreach(p, i, v) {
		json_t *n = json_object_get(v, "Name");

		if (json_is_string(n) && strcmp(json_string_value(n), param) == 0)
			return bmc_rf_in(json_object_get(v, "AllowableValues"),
					 value);
	}
	return -1;
}

/* The first of @cands (NULL-terminated) that @action/@info allow, with
 * one no list forbids taken when no list names any. */
static const char *bmc_rf_first(const char *const *cands,
				const json_t *action, const json_t *info)
{
	const char *unknown = NULL;
	size_t i;
	int a;

	for (i = 0; cands[i]; i++) {
		a = bmc_rf_allowed(action, info, "ResetType", cands[i]);
		if (a == 1)
			return cands[i];
		if (a < 0 && !unknown)
			unknown = cands[i];
	}
	return unknown;
}

const char *bmc_rf_reset_type(enum bmc_power_verb verb, const char *state,
			      const json_t *action, const json_t *info)
{
	static const char *const on[] = { "On", "ForceOn", NULL };
	static const char *const off[] = { "ForceOff", NULL };
	static const char *const cycle[] = { "PowerCycle", "ForceRestart",
					     "GracefulRestart", NULL };

	if (verb == BMC_POWER_CYCLE && state && strcmp(state, "Off") == 0)
		verb = BMC_POWER_ON;
	return bmc_rf_first(verb == BMC_POWER_ON ? on :
			    verb == BMC_POWER_OFF ? off : cycle, action, info);
}

int bmc_rf_media_is_cd(const json_t *vm)
{
	return bmc_rf_in(json_object_get(vm, "MediaTypes"), "CD") == 1 ||
	       bmc_rf_in(json_object_get(vm, "MediaTypes"), "DVD") == 1;
}

int bmc_rf_boot_body(const json_t *sys, const char *target, const char *uri,
		     json_t **out)
{
	json_t *boot = json_object_get(sys, "Boot"), *b;
	const char *mode = json_string_value(json_object_get(
		boot, "BootSourceOverrideMode"));
	int err = 0;

	if (bmc_rf_in(json_object_get(boot, "BootSourceOverrideTarget@"
				      "Redfish.AllowableValues"), target) == 0)
		return -EINVAL;
	b = json_pack("{s:{s:s,s:s}}", "Boot", "BootSourceOverrideTarget",
		      target, "BootSourceOverrideEnabled", "Once");
	if (!b)
		return -ENOMEM;
	if (uri)
		err |= json_object_set_new(json_object_get(b, "Boot"),
					   "HttpBootUri", json_string(uri));
	/* HTTP boot is UEFI's: a system that shows another override mode
	 * is asked for UEFI, unless its own list leaves UEFI out. */
	if (strcmp(target, "UefiHttp") == 0 && mode &&
	    strcmp(mode, "UEFI") != 0 &&
	    bmc_rf_in(json_object_get(boot, "BootSourceOverrideMode@Redfish."
				      "AllowableValues"), "UEFI") != 0)
		err |= json_object_set_new(json_object_get(b, "Boot"),
					   "BootSourceOverrideMode",
					   json_string("UEFI"));
	if (err) {
		json_decref(b);
		return -ENOMEM;
	}
	*out = b;
	return 0;
}

/* The property that message @m's arguments name, for the Base registry's
 * messages about one property's value or writability; NULL for others. */
static const char *bmc_rf_msg_property(const json_t *m)
{
	static const struct {
		const char *id;		/* the MessageId's last part */
		size_t arg;		/* which MessageArgs is the property */
	} known[] = {
		{ "PropertyValueNotInList", 1 },
		{ "PropertyValueTypeError", 1 },
		{ "PropertyValueFormatError", 1 },
		{ "PropertyValueIncorrect", 0 },
		{ "PropertyNotWritable", 0 },
		{ "PropertyUnknown", 0 },
	};
	const char *id = json_string_value(json_object_get(m, "MessageId"));
	const char *last, *name;
	size_t i;

	if (!id)
		return NULL;
	last = strrchr(id, '.');
	last = last ? last + 1 : id;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(last, known[i].id) != 0)
			continue;
		name = json_string_value(json_array_get(json_object_get(
			m, "MessageArgs"), known[i].arg));
		return name;
	}
	return NULL;
}

int bmc_rf_refused_property(const json_t *body, char *out, size_t size)
{
	json_t *m, *rel;
	const char *name, *slash;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(body, "error"),
					   "@Message.ExtendedInfo"), i, m) {
		/* RelatedProperties is a JSON pointer, "#/Boot/NAME". */
		rel = json_array_get(json_object_get(m, "RelatedProperties"),
				     0);
		name = json_string_value(rel);
		if (name && (slash = strrchr(name, '/')) != NULL)
			name = slash + 1;
		if (!name || !name[0])
			name = bmc_rf_msg_property(m);
		if (name && name[0] && strlen(name) < size) {
			snprintf(out, size, "%s", name);
			return 0;
		}
	}
	return -ENOENT;
}

int bmc_rf_media_boot_next(const json_t *vm)
{
	return json_is_boolean(json_object_get(json_object_get(
		json_object_get(vm, "Oem"), "Hpe"), "BootOnNextServerReset"));
}

/* The first message of @task's Messages into @msg. */
static void bmc_rf_task_msg(const json_t *task, char *msg, size_t size)
{
	json_t *m = json_object_get(json_array_get(json_object_get(
		task, "Messages"), 0), "Message");

	snprintf(msg, size, "%s", json_is_string(m) ? json_string_value(m) :
		 "the task failed without a message");
}

enum bmc_task bmc_rf_task_state(const json_t *task, char *msg, size_t size)
{
	const char *st = json_string_value(json_object_get(task, "TaskState"));
	const char *status = json_string_value(json_object_get(task,
							       "TaskStatus"));

	if (!task || !st)
		return BMC_TASK_DONE;
	if (strcmp(st, "Completed") == 0 &&
	    (!status || strcmp(status, "Critical") != 0))
		return BMC_TASK_DONE;
	if (strcmp(st, "Completed") == 0 || strcmp(st, "Exception") == 0 ||
	    strcmp(st, "Killed") == 0 || strcmp(st, "Cancelled") == 0 ||
	    strcmp(st, "Interrupted") == 0) {
		bmc_rf_task_msg(task, msg, size);
		return BMC_TASK_FAILED;
	}
	return BMC_TASK_RUNNING;
}

void bmc_rf_error_text(const json_t *body, char *out, size_t size)
{
	json_t *e = json_object_get(body, "error");
	json_t *x = json_array_get(json_object_get(e, "@Message.ExtendedInfo"),
				   0);
	json_t *m = json_object_get(x, "Message"), *a;
	const char *id = json_string_value(json_object_get(x, "MessageId"));
	size_t i, len;

	/* iLO gives the MessageId and its arguments alone: those, rather
	 * than a general "see ExtendedInfo". */
	if (!json_is_string(m) && id) {
		snprintf(out, size, "%s", id);
		json_array_foreach(json_object_get(x, "MessageArgs"), i, a) {
			len = strlen(out);
			if (json_is_string(a) && len < size)
				snprintf(out + len, size - len, "%s%s",
					 i ? ", " : " (", json_string_value(a));
		}
		len = strlen(out);
		if (json_array_size(json_object_get(x, "MessageArgs")) &&
		    len < size)
			snprintf(out + len, size - len, ")");
		return;
	}
	if (!json_is_string(m))
		m = json_object_get(e, "message");
	snprintf(out, size, "%s", json_is_string(m) ? json_string_value(m) :
		 "");
}

int bmc_rf_pin(const char *hex, char *out, size_t size)
{
	unsigned char bin[32];
	size_t i, olen = 0;
	unsigned int b;

	if (strlen(hex) != 64 || size < 8 + 45)
		return size < 8 + 45 ? -PB_ETOOBIG : -EINVAL;
	for (i = 0; i < 32; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -EINVAL;
		bin[i] = (unsigned char)b;
	}
	memcpy(out, "sha256//", 8);
	if (mbedtls_base64_encode((unsigned char *)out + 8, size - 8, &olen,
				  bin, sizeof(bin)) != 0)
		return -PB_ETOOBIG;
	return 0;
}
