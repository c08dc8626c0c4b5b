/* test_bmc_redfish.c: the Redfish client's decisions (bmc_redfish.c) and
 * its retry policy (bmc_http_retry_ms): links and paths, sessions or
 * basic authentication, members, actions and allowable values, reset
 * types, virtual CDs, boot override bodies, tasks, error text, pins. */
#include <errno.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "bmc_http.h"
#include "bmc_redfish.h"
#include "unit.h"

/* @text as JSON; the test fails when it does not parse. */
static json_t *j(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	return v;
}

static void test_paths(void)
{
	char out[BMC_PATH_MAX];
	json_t *o = j("{\"Systems\": {\"@odata.id\": \"/redfish/v1/Systems\"},"
		      " \"Evil\": {\"@odata.id\": \"/redfish/v1/../../etc\"},"
		      " \"Away\": {\"@odata.id\": \"https://x/redfish/v1\"},"
		      " \"Query\": {\"@odata.id\": \"/redfish/v1/S?a=b\"},"
		      " \"Space\": {\"@odata.id\": \"/redfish/v1/S a\"},"
		      " \"NoId\": {}}");

	CU_ASSERT_EQUAL(bmc_rf_link(o, "Systems", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "/redfish/v1/Systems");
	/* What the service names is followed only inside the service. */
	CU_ASSERT_EQUAL(bmc_rf_link(o, "Evil", out, sizeof(out)), -EPROTO);
	CU_ASSERT_EQUAL(bmc_rf_link(o, "Away", out, sizeof(out)), -EPROTO);
	CU_ASSERT_EQUAL(bmc_rf_link(o, "Query", out, sizeof(out)), -EPROTO);
	CU_ASSERT_EQUAL(bmc_rf_link(o, "Space", out, sizeof(out)), -EPROTO);
	CU_ASSERT_EQUAL(bmc_rf_link(o, "NoId", out, sizeof(out)), -ENOENT);
	CU_ASSERT_EQUAL(bmc_rf_link(o, "Managers", out, sizeof(out)), -ENOENT);
	CU_ASSERT_NOT_EQUAL(bmc_rf_link(o, "Systems", out, 5), 0);
	json_decref(o);
}

static void test_sessions(void)
{
	char out[BMC_PATH_MAX];
	json_t *links = j("{\"Links\": {\"Sessions\": {\"@odata.id\": "
			  "\"/redfish/v1/SessionService/Sessions\"}}}");
	json_t *svc = j("{\"SessionService\": {\"@odata.id\": "
			"\"/redfish/v1/SessionService\"}}");
	json_t *none = j("{\"Systems\": {\"@odata.id\": \"/redfish/v1/S\"}}");

	CU_ASSERT_EQUAL(bmc_rf_sessions(links, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "/redfish/v1/SessionService/Sessions");
	CU_ASSERT_EQUAL(bmc_rf_sessions(svc, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "/redfish/v1/SessionService/Sessions");
	/* No SessionService (sushy-tools): basic authentication. */
	CU_ASSERT_EQUAL(bmc_rf_sessions(none, out, sizeof(out)), -ENOENT);
	json_decref(links);
	json_decref(svc);
	json_decref(none);
}

static void test_members(void)
{
	char out[BMC_PATH_MAX];
	json_t *c = j("{\"Members\": [{\"@odata.id\": \"/redfish/v1/Systems/a1\"},"
		      " {\"@odata.id\": \"/redfish/v1/Systems/1/\"}]}");
	json_t *empty = j("{\"Members\": []}");

	CU_ASSERT_EQUAL(bmc_rf_member(c, "", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "/redfish/v1/Systems/a1");
	/* iLO's "1" is a whole segment, not the end of "a1". */
	CU_ASSERT_EQUAL(bmc_rf_member(c, "1", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "/redfish/v1/Systems/1/");
	CU_ASSERT_EQUAL(bmc_rf_member(c, "2", out, sizeof(out)), -ENOENT);
	CU_ASSERT_EQUAL(bmc_rf_member(empty, NULL, out, sizeof(out)), -ENOENT);
	json_decref(c);
	json_decref(empty);
}

static void test_actions(void)
{
	char t[BMC_PATH_MAX], info[BMC_PATH_MAX];
	json_t *sys = j("{\"Actions\": {\"#ComputerSystem.Reset\": {"
			"\"target\": \"/redfish/v1/Systems/1/Actions/R\","
			"\"@Redfish.ActionInfo\": \"/redfish/v1/Systems/1/RI\"}}}");
	json_t *ai = j("{\"Parameters\": [{\"Name\": \"ResetType\","
		       "\"AllowableValues\": [\"On\", \"ForceOff\"]}]}");
	json_t *listed = j("{\"ResetType@Redfish.AllowableValues\": "
			   "[\"On\", \"PowerCycle\"]}");

	CU_ASSERT_EQUAL(bmc_rf_action(sys, "#ComputerSystem.Reset", t,
				      sizeof(t), info, sizeof(info)), 0);
	CU_ASSERT_STRING_EQUAL(t, "/redfish/v1/Systems/1/Actions/R");
	CU_ASSERT_STRING_EQUAL(info, "/redfish/v1/Systems/1/RI");
	CU_ASSERT_EQUAL(bmc_rf_action(sys, "#VirtualMedia.InsertMedia", t,
				      sizeof(t), info, sizeof(info)), -ENOENT);
	/* The action's own list first, then ActionInfo, else unknown. */
	CU_ASSERT_EQUAL(bmc_rf_allowed(listed, ai, "ResetType", "PowerCycle"), 1);
	CU_ASSERT_EQUAL(bmc_rf_allowed(listed, ai, "ResetType", "ForceOff"), 0);
	CU_ASSERT_EQUAL(bmc_rf_allowed(NULL, ai, "ResetType", "ForceOff"), 1);
	CU_ASSERT_EQUAL(bmc_rf_allowed(NULL, ai, "ResetType", "Nmi"), 0);
	CU_ASSERT_EQUAL(bmc_rf_allowed(NULL, NULL, "ResetType", "On"), -1);
	json_decref(sys);
	json_decref(ai);
	json_decref(listed);
}

static void test_reset_types(void)
{
	json_t *sushy = j("{\"ResetType@Redfish.AllowableValues\": [\"On\","
			  "\"ForceOff\", \"GracefulShutdown\", \"GracefulRestart\","
			  "\"ForceRestart\", \"Nmi\", \"ForceOn\"]}");
	json_t *cycle = j("{\"ResetType@Redfish.AllowableValues\": [\"On\","
			  "\"ForceOff\", \"PowerCycle\", \"ForceRestart\"]}");
	json_t *forceon = j("{\"ResetType@Redfish.AllowableValues\": "
			    "[\"ForceOn\", \"GracefulShutdown\"]}");

	CU_ASSERT_STRING_EQUAL(bmc_rf_reset_type(BMC_POWER_ON, "Off", sushy,
						 NULL), "On");
	CU_ASSERT_STRING_EQUAL(bmc_rf_reset_type(BMC_POWER_OFF, "On", sushy,
						 NULL), "ForceOff");
	/* No PowerCycle offered: a forced restart. */
	CU_ASSERT_STRING_EQUAL(bmc_rf_reset_type(BMC_POWER_CYCLE, "On", sushy,
						 NULL), "ForceRestart");
	CU_ASSERT_STRING_EQUAL(bmc_rf_reset_type(BMC_POWER_CYCLE, "On", cycle,
						 NULL), "PowerCycle");
	/* A cycle of a machine that is off powers it on. */
	CU_ASSERT_STRING_EQUAL(bmc_rf_reset_type(BMC_POWER_CYCLE, "Off", cycle,
						 NULL), "On");
	CU_ASSERT_STRING_EQUAL(bmc_rf_reset_type(BMC_POWER_ON, "Off", forceon,
						 NULL), "ForceOn");
	/* Only a graceful shutdown: no "off" one can count on. */
	CU_ASSERT_PTR_NULL(bmc_rf_reset_type(BMC_POWER_OFF, "On", forceon,
					     NULL));
	/* No list at all: the first choice is tried. */
	CU_ASSERT_STRING_EQUAL(bmc_rf_reset_type(BMC_POWER_CYCLE, "On", NULL,
						 NULL), "PowerCycle");
	json_decref(sushy);
	json_decref(cycle);
	json_decref(forceon);
}

static void test_media_and_boot(void)
{
	json_t *cd = j("{\"MediaTypes\": [\"CD\", \"DVD\"]}");
	json_t *floppy = j("{\"MediaTypes\": [\"Floppy\", \"USBStick\"]}");
	json_t *sys = j("{\"Boot\": {\"BootSourceOverrideTarget@Redfish."
			"AllowableValues\": [\"Pxe\", \"Cd\", \"Hdd\"]}}");
	json_t *open_sys = j("{\"Boot\": {}}"), *body = NULL;

	CU_ASSERT_EQUAL(bmc_rf_media_is_cd(cd), 1);
	CU_ASSERT_EQUAL(bmc_rf_media_is_cd(floppy), 0);
	CU_ASSERT_EQUAL(bmc_rf_boot_body(sys, "Cd", NULL, &body), 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(
		body, "Boot"), "BootSourceOverrideEnabled")), "Once");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(
		body, "Boot"), "BootSourceOverrideTarget")), "Cd");
	CU_ASSERT_PTR_NULL(json_object_get(json_object_get(body, "Boot"),
					   "HttpBootUri"));
	json_decref(body);
	body = NULL;
	CU_ASSERT_EQUAL(bmc_rf_boot_body(sys, "UefiHttp", "http://h/x", &body),
			-EINVAL);
	CU_ASSERT_PTR_NULL(body);
	CU_ASSERT_EQUAL(bmc_rf_boot_body(open_sys, "UefiHttp", "http://h/x",
					 &body), 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(
		body, "Boot"), "HttpBootUri")), "http://h/x");
	json_decref(body);
	json_decref(cd);
	json_decref(floppy);
	json_decref(sys);
	json_decref(open_sys);
}

/* iLO's boot quirks: the mode UEFI asked for UefiHttp only where the
 * system shows another one and allows UEFI; a refusal's property read
 * from RelatedProperties or the Base message's arguments; the medium's
 * own boot at the next reset. */
static void test_boot_quirks(void)
{
	json_t *legacy = j("{\"Boot\": {\"BootSourceOverrideMode\": \"Legacy\", "
			   "\"BootSourceOverrideMode@Redfish.AllowableValues\": "
			   "[\"Legacy\", \"UEFI\"]}}");
	json_t *only = j("{\"Boot\": {\"BootSourceOverrideMode\": \"Legacy\", "
			 "\"BootSourceOverrideMode@Redfish.AllowableValues\": "
			 "[\"Legacy\"]}}");
	json_t *by_args = j("{\"error\": {\"@Message.ExtendedInfo\": [{"
			    "\"MessageId\": \"Base.1.4.PropertyValueNotInList\", "
			    "\"MessageArgs\": [\"UEFI\", \"BootSourceOverrideMode\"]}]}}");
	json_t *by_rel = j("{\"error\": {\"@Message.ExtendedInfo\": [{"
			   "\"MessageId\": \"Base.1.0.GeneralError\", "
			   "\"RelatedProperties\": [\"#/Boot/BootSourceOverrideTarget\"]}]}}");
	json_t *other = j("{\"error\": {\"@Message.ExtendedInfo\": [{"
			  "\"MessageId\": \"iLO.2.15.UnsupportedOperation\"}]}}");
	json_t *hpe = j("{\"Oem\": {\"Hpe\": {\"BootOnNextServerReset\": false}}}");
	json_t *plain = j("{\"MediaTypes\": [\"CD\"]}"), *body = NULL;
	char prop[64], text[128];

	CU_ASSERT_EQUAL(bmc_rf_boot_body(legacy, "UefiHttp", "http://h/x",
					 &body), 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(
		body, "Boot"), "BootSourceOverrideMode")), "UEFI");
	json_decref(body);
	body = NULL;
	CU_ASSERT_EQUAL(bmc_rf_boot_body(legacy, "Cd", NULL, &body), 0);
	CU_ASSERT_PTR_NULL(json_object_get(json_object_get(body, "Boot"),
					   "BootSourceOverrideMode"));
	json_decref(body);
	body = NULL;
	CU_ASSERT_EQUAL(bmc_rf_boot_body(only, "UefiHttp", "http://h/x",
					 &body), 0);
	CU_ASSERT_PTR_NULL(json_object_get(json_object_get(body, "Boot"),
					   "BootSourceOverrideMode"));
	json_decref(body);
	CU_ASSERT_EQUAL(bmc_rf_refused_property(by_args, prop, sizeof(prop)),
			0);
	CU_ASSERT_STRING_EQUAL(prop, "BootSourceOverrideMode");
	CU_ASSERT_EQUAL(bmc_rf_refused_property(by_rel, prop, sizeof(prop)),
			0);
	CU_ASSERT_STRING_EQUAL(prop, "BootSourceOverrideTarget");
	CU_ASSERT_EQUAL(bmc_rf_refused_property(other, prop, sizeof(prop)),
			-ENOENT);
	CU_ASSERT_EQUAL(bmc_rf_refused_property(NULL, prop, sizeof(prop)),
			-ENOENT);
	bmc_rf_error_text(by_args, text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "Base.1.4.PropertyValueNotInList (UEFI, "
				     "BootSourceOverrideMode)");
	bmc_rf_error_text(other, text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "iLO.2.15.UnsupportedOperation");
	CU_ASSERT_EQUAL(bmc_rf_media_boot_next(hpe), 1);
	CU_ASSERT_EQUAL(bmc_rf_media_boot_next(plain), 0);
	json_decref(legacy);
	json_decref(only);
	json_decref(by_args);
	json_decref(by_rel);
	json_decref(other);
	json_decref(hpe);
	json_decref(plain);
}

static void test_tasks(void)
{
	char msg[160];
	json_t *run = j("{\"TaskState\": \"Running\"}");
	json_t *done = j("{\"TaskState\": \"Completed\", \"TaskStatus\": \"OK\"}");
	json_t *crit = j("{\"TaskState\": \"Completed\", \"TaskStatus\": "
			 "\"Critical\", \"Messages\": [{\"Message\": \"no\"}]}");
	json_t *exc = j("{\"TaskState\": \"Exception\", \"Messages\": "
			"[{\"Message\": \"Image not found\"}]}");

	CU_ASSERT_EQUAL(bmc_rf_task_state(run, msg, sizeof(msg)),
			BMC_TASK_RUNNING);
	CU_ASSERT_EQUAL(bmc_rf_task_state(done, msg, sizeof(msg)),
			BMC_TASK_DONE);
	CU_ASSERT_EQUAL(bmc_rf_task_state(NULL, msg, sizeof(msg)),
			BMC_TASK_DONE);
	CU_ASSERT_EQUAL(bmc_rf_task_state(crit, msg, sizeof(msg)),
			BMC_TASK_FAILED);
	CU_ASSERT_STRING_EQUAL(msg, "no");
	CU_ASSERT_EQUAL(bmc_rf_task_state(exc, msg, sizeof(msg)),
			BMC_TASK_FAILED);
	CU_ASSERT_STRING_EQUAL(msg, "Image not found");
	json_decref(run);
	json_decref(done);
	json_decref(crit);
	json_decref(exc);
}

static void test_error_text_and_pin(void)
{
	char out[128], pin[64];
	json_t *ext = j("{\"error\": {\"message\": \"General\", "
			"\"@Message.ExtendedInfo\": [{\"Message\": \"Bad\"}]}}");
	json_t *plain = j("{\"error\": {\"message\": \"General\"}}");

	bmc_rf_error_text(ext, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "Bad");
	bmc_rf_error_text(plain, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "General");
	bmc_rf_error_text(NULL, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "");
	/* SHA-256 of "" in libcurl's form. */
	CU_ASSERT_EQUAL(bmc_rf_pin("e3b0c44298fc1c149afbf4c8996fb92427ae41e4"
				   "649b934ca495991b7852b855", pin, sizeof(pin)),
			0);
	CU_ASSERT_STRING_EQUAL(pin, "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5"
				    "NMpJWZG3hSuFU=");
	CU_ASSERT_EQUAL(bmc_rf_pin("e3b0", pin, sizeof(pin)), -EINVAL);
	json_decref(ext);
	json_decref(plain);
}

static void test_retries(void)
{
	/* 503: waited out with back-off, then given up. */
	CU_ASSERT_EQUAL(bmc_http_retry_ms("GET", CURLE_OK, 503, 1, 500), 500);
	CU_ASSERT_EQUAL(bmc_http_retry_ms("GET", CURLE_OK, 503, 2, 500), 1000);
	CU_ASSERT_EQUAL(bmc_http_retry_ms("GET", CURLE_OK, 503, 3, 500), 2000);
	CU_ASSERT_EQUAL(bmc_http_retry_ms("GET", CURLE_OK, 503,
					  BMC_ATTEMPTS, 500), -1);
	/* An answer is an answer. */
	CU_ASSERT_EQUAL(bmc_http_retry_ms("GET", CURLE_OK, 200, 1, 500), -1);
	CU_ASSERT_EQUAL(bmc_http_retry_ms("POST", CURLE_OK, 401, 1, 500), -1);
	/* A POST is retried only when it cannot have arrived. */
	CU_ASSERT_EQUAL(bmc_http_retry_ms("POST", CURLE_COULDNT_CONNECT, 0, 1,
					  500), 500);
	CU_ASSERT_EQUAL(bmc_http_retry_ms("POST", CURLE_RECV_ERROR, 0, 1, 500),
			-1);
	CU_ASSERT_EQUAL(bmc_http_retry_ms("GET", CURLE_RECV_ERROR, 0, 1, 500),
			500);
	/* A refused identity is never retried. */
	CU_ASSERT_EQUAL(bmc_http_retry_ms("GET", CURLE_SSL_PINNEDPUBKEYNOTMATCH,
					  0, 1, 500), -1);
	CU_ASSERT_EQUAL(bmc_http_retry_ms("GET", CURLE_PEER_FAILED_VERIFICATION,
					  0, 1, 500), -1);
}

static CU_TestInfo tests[] = {
	{ "links stay inside the service", test_paths },
	{ "a session where the service has a SessionService", test_sessions },
	{ "collection members by id", test_members },
	{ "actions, ActionInfo and allowable values", test_actions },
	{ "reset types among the allowed ones", test_reset_types },
	{ "virtual CDs and boot override bodies", test_media_and_boot },
	{ "task states", test_tasks },
	{ "iLO's boot quirks", test_boot_quirks },
	{ "error text and libcurl pins", test_error_text_and_pin },
	{ "bounded retries", test_retries },
	CU_TEST_INFO_NULL,
};

/* Register the suite "bmc_redfish". */
static int suite_bmc_redfish_register(void)
{
	return unit_add_suite("bmc_redfish", NULL, NULL, tests);
}

UNIT_SUITE(suite_bmc_redfish_register)
