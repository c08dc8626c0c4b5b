/* bmc_redfish.h: the decisions of a Redfish client as pure functions over
 * the service's JSON: links, actions, allowable values, reset types,
 * virtual media, tasks, error text.  No I/O: unit-tested alone. */
#ifndef PODBOOT_BMC_REDFISH_H
#define PODBOOT_BMC_REDFISH_H

#include <stddef.h>

#include <jansson.h>

/* Longest resource path we follow (an @odata.id or an action target). */
#define BMC_PATH_MAX 512

/** What "power" may be asked to do. */
enum bmc_power_verb { BMC_POWER_ON, BMC_POWER_OFF, BMC_POWER_CYCLE };

/** Where a Redfish task stands. */
enum bmc_task { BMC_TASK_RUNNING, BMC_TASK_DONE, BMC_TASK_FAILED };

/**
 * A resource path: @obj[@key]["@odata.id"], a path of the service (it
 * starts with "/redfish/v1", holds no "..", no query, no control
 * character, fits @size).
 *
 * @ret rc		0, -ENOENT (no such link) or -EPROTO (not a path
 *			of the service)
 */
int bmc_rf_link(const json_t *obj, const char *key, char *out, size_t size);

/** Whether @path is a path of the service podboot will request: 1 or 0. */
int bmc_rf_path_ok(const char *path);

/**
 * The session collection of service root @root: Links.Sessions, else
 * SessionService's Sessions under the usual path.
 *
 * @ret rc		0, -ENOENT when the service has no SessionService
 *			(the caller then uses basic authentication)
 */
int bmc_rf_sessions(const json_t *root, char *out, size_t size);

/**
 * The member of collection @coll whose path ends in "/@id" (@id "" or
 * NULL: the first member).
 *
 * @ret rc		0, -ENOENT (no such member) or -EPROTO
 */
int bmc_rf_member(const json_t *coll, const char *id, char *out, size_t size);

/**
 * The target of action @name ("#ComputerSystem.Reset") of resource @res,
 * and its @Redfish.ActionInfo path in @info ("" when it has none).
 *
 * @ret rc		0, -ENOENT or -EPROTO
 */
int bmc_rf_action(const json_t *res, const char *name, char *target,
		  size_t size, char *info, size_t info_size);

/**
 * Whether @value is allowed for parameter @param: by the action's
 * "PARAM@Redfish.AllowableValues", else by ActionInfo @info's Parameters
 * (either may be NULL).
 *
 * @ret allowed		1 allowed, 0 not, -1 no list says (try it)
 */
int bmc_rf_allowed(const json_t *action, const json_t *info,
		   const char *param, const char *value);

/**
 * The ResetType that does @verb on a system in PowerState @state, among
 * what @action and @info allow: On (ForceOn), ForceOff (GracefulShutdown
 * is not an "off" one can wait for), and for a cycle PowerCycle, else
 * ForceRestart, else GracefulRestart; a cycle of a machine that is off
 * is On.
 *
 * @ret type		static text, or NULL when none is allowed
 */
const char *bmc_rf_reset_type(enum bmc_power_verb verb, const char *state,
			      const json_t *action, const json_t *info);

/** Whether VirtualMedia @vm takes a CD or DVD image: 1 or 0. */
int bmc_rf_media_is_cd(const json_t *vm);

/**
 * The body of a boot override once to @target ("Cd", "Pxe", "UefiHttp"),
 * with HttpBootUri @uri when not NULL, after checking @target against
 * the system @sys's Boot.BootSourceOverrideTarget@Redfish.AllowableValues.
 * For UefiHttp, BootSourceOverrideMode "UEFI" is added when the system
 * shows another mode and its allowable modes (if listed) hold UEFI.
 *
 * @ret rc		0 (the caller json_decref()s *@out), -EINVAL (not
 *			allowed by the system), -ENOMEM
 */
int bmc_rf_boot_body(const json_t *sys, const char *target, const char *uri,
		     json_t **out);

/**
 * The property a 4xx Redfish error body @body refuses: the first
 * @Message.ExtendedInfo entry's RelatedProperties, else the property its
 * MessageArgs name for the Base messages PropertyValueNotInList,
 * PropertyValueTypeError, PropertyValueFormatError,
 * PropertyValueIncorrect, PropertyNotWritable and PropertyUnknown.
 *
 * @ret rc		0 with the name (the pointer's last part) in @out,
 *			or -ENOENT
 */
int bmc_rf_refused_property(const json_t *body, char *out, size_t size);

/**
 * 1 if VirtualMedia @vm offers to boot itself at the next reset
 * (HPE iLO's Oem.Hpe.BootOnNextServerReset, a boolean), else 0.
 */
int bmc_rf_media_boot_next(const json_t *vm);

/**
 * Where task @task (a Task resource, or NULL for a monitor that answered
 * without a body) stands, from its TaskState and TaskStatus; its first
 * message in @msg when it failed.
 */
enum bmc_task bmc_rf_task_state(const json_t *task, char *msg, size_t size);

/**
 * One line for a failed request from the Redfish error body @body
 * (error.@Message.ExtendedInfo[0].Message, else its MessageId with its
 * MessageArgs, else error.message), or "".
 */
void bmc_rf_error_text(const json_t *body, char *out, size_t size);

/**
 * The SHA-256 pin @hex (64 lower-case hex digits) as libcurl's
 * CURLOPT_PINNEDPUBLICKEY: "sha256//BASE64".
 *
 * @ret rc		0, -EINVAL or -PB_ETOOBIG
 */
int bmc_rf_pin(const char *hex, char *out, size_t size);

#endif
