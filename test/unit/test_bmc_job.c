/* test_bmc_job.c: BMC jobs: the job's state machine and the queue's
 * bound (bmc_job.c), the API's actions and bodies (bmc_api_parse), a
 * pod's nodes (bmc_pod_nodes), and a table run end to end on jobs that
 * fail before any BMC is reached. */
#include <errno.h>
#include <string.h>

#include "bmc_api.h"
#include "bmc_job.h"
#include "bmc_pod.h"
#include "config.h"
#include "test_config.h"
#include "unit.h"

#define T_BMC "bmc = { url = \"https://192.0.2.10\"; user = \"admin\"; " \
	"password_file = \"bmc.pass\"; tls_fingerprint = \"" \
	"abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789\";" \
	" };"

/* Pod a: n1 and n3 with a BMC, n2 without. */
#define T_POD_NODES \
	T_HEAD T_POD T_NODES \
	"  { hostname = \"n1\"; mac = \"52:54:00:00:00:01\"; pod = \"a\";\n" \
	"    " T_BMC " },\n" \
	"  { hostname = \"n2\"; mac = \"52:54:00:00:00:02\"; pod = \"a\"; },\n" \
	"  { hostname = \"n3\"; mac = \"52:54:00:00:00:03\"; pod = \"a\";\n" \
	"    " T_BMC " } );\n"

static void test_state_machine(void)
{
	enum bmc_job_state to = BMC_JOB_QUEUED;

	CU_ASSERT_EQUAL(bmc_job_next(BMC_JOB_QUEUED, BMC_JOB_EV_START, &to), 0);
	CU_ASSERT_EQUAL(to, BMC_JOB_RUNNING);
	CU_ASSERT_EQUAL(bmc_job_next(BMC_JOB_QUEUED, BMC_JOB_EV_CANCEL, &to),
			0);
	CU_ASSERT_EQUAL(to, BMC_JOB_CANCELLED);
	CU_ASSERT_EQUAL(bmc_job_next(BMC_JOB_RUNNING, BMC_JOB_EV_OK, &to), 0);
	CU_ASSERT_EQUAL(to, BMC_JOB_SUCCEEDED);
	CU_ASSERT_EQUAL(bmc_job_next(BMC_JOB_RUNNING, BMC_JOB_EV_FAIL, &to), 0);
	CU_ASSERT_EQUAL(to, BMC_JOB_FAILED);
	/* No outcome before it ran, no second start, no way back. */
	to = BMC_JOB_QUEUED;
	CU_ASSERT_EQUAL(bmc_job_next(BMC_JOB_QUEUED, BMC_JOB_EV_OK, &to),
			-EINVAL);
	CU_ASSERT_EQUAL(bmc_job_next(BMC_JOB_RUNNING, BMC_JOB_EV_START, &to),
			-EINVAL);
	CU_ASSERT_EQUAL(bmc_job_next(BMC_JOB_RUNNING, BMC_JOB_EV_CANCEL, &to),
			-EINVAL);
	CU_ASSERT_EQUAL(bmc_job_next(BMC_JOB_SUCCEEDED, BMC_JOB_EV_FAIL, &to),
			-EINVAL);
	CU_ASSERT_EQUAL(bmc_job_next(BMC_JOB_FAILED, BMC_JOB_EV_START, &to),
			-EINVAL);
	CU_ASSERT_EQUAL(bmc_job_next(BMC_JOB_CANCELLED, BMC_JOB_EV_START, &to),
			-EINVAL);
	CU_ASSERT_EQUAL(to, BMC_JOB_QUEUED);
	CU_ASSERT_FALSE(bmc_job_final(BMC_JOB_QUEUED));
	CU_ASSERT_FALSE(bmc_job_final(BMC_JOB_RUNNING));
	CU_ASSERT_TRUE(bmc_job_final(BMC_JOB_SUCCEEDED));
	CU_ASSERT_TRUE(bmc_job_final(BMC_JOB_FAILED));
	CU_ASSERT_TRUE(bmc_job_final(BMC_JOB_CANCELLED));
	CU_ASSERT_STRING_EQUAL(bmc_job_state_name(BMC_JOB_CANCELLED),
			       "cancelled");
}

static void test_admit(void)
{
	CU_ASSERT_EQUAL(bmc_job_admit(0, 1, 1), 0);
	CU_ASSERT_EQUAL(bmc_job_admit(1, 1, 1), -EAGAIN);
	CU_ASSERT_EQUAL(bmc_job_admit(2, 3, 5), 0);
	CU_ASSERT_EQUAL(bmc_job_admit(3, 3, 5), -EAGAIN);
	/* A pod larger than the bound is refused whole, never wrapped. */
	CU_ASSERT_EQUAL(bmc_job_admit(0, 6, 5), -EAGAIN);
	CU_ASSERT_EQUAL(bmc_job_admit(4294967295u, 1, 4294967295u), -EAGAIN);
	CU_ASSERT_EQUAL(bmc_job_admit(1, 4294967295u, 4294967295u), -EAGAIN);
}

static void test_clash(void)
{
	/* Two actions on one machine fight; a status read fights nothing. */
	CU_ASSERT_TRUE(bmc_job_clash(BMC_REINSTALL, BMC_DO_CYCLE));
	CU_ASSERT_TRUE(bmc_job_clash(BMC_DO_ON, BMC_DO_OFF));
	CU_ASSERT_TRUE(bmc_job_clash(BMC_MEDIA_INSERT, BMC_REINSTALL));
	CU_ASSERT_FALSE(bmc_job_clash(BMC_REINSTALL, BMC_POWER_STATUS));
	CU_ASSERT_FALSE(bmc_job_clash(BMC_POWER_STATUS, BMC_DO_OFF));
	CU_ASSERT_FALSE(bmc_job_clash(BMC_POWER_STATUS, BMC_POWER_STATUS));
}

/* bmc_api_parse() of @action with body @body; 0 or its error. */
static int t_parse(const char *action, int pod, const char *body,
		   struct bmc_api_args *a)
{
	char err[300];

	return bmc_api_parse(action, pod, body, strlen(body), a, err,
			     sizeof(err));
}

static void test_api_bodies(void)
{
	struct bmc_api_args a;

	CU_ASSERT_EQUAL(t_parse("on", 0, "", &a), 0);
	CU_ASSERT_EQUAL(a.req.verb, BMC_DO_ON);
	CU_ASSERT_EQUAL(t_parse("power", 0, "{}", &a), 0);
	CU_ASSERT_EQUAL(a.req.verb, BMC_POWER_STATUS);
	CU_ASSERT_EQUAL(t_parse("cycle", 0, "", &a), 0);
	CU_ASSERT_EQUAL(a.req.verb, BMC_DO_CYCLE);
	CU_ASSERT_EQUAL(t_parse("media-insert", 0,
				"{\"url\": \"https://h/m/a.iso\"}", &a), 0);
	CU_ASSERT_EQUAL(a.req.verb, BMC_MEDIA_INSERT);
	CU_ASSERT_STRING_EQUAL(a.req.arg, "https://h/m/a.iso");
	CU_ASSERT_EQUAL(t_parse("boot-once", 0, "{\"target\": \"UefiHttp\", "
				"\"uri\": \"http://h/ipxe.efi\"}", &a), 0);
	CU_ASSERT_STRING_EQUAL(a.req.arg, "UefiHttp");
	CU_ASSERT_STRING_EQUAL(a.req.uri, "http://h/ipxe.efi");
	CU_ASSERT_EQUAL(t_parse("reinstall", 0, "", &a), 0);
	CU_ASSERT_EQUAL(a.req.timeout_s, 3600);
	CU_ASSERT_PTR_NULL(a.req.iso);
	CU_ASSERT_EQUAL(t_parse("reinstall", 0, "{\"iso\": \"https://h/x.iso\","
				" \"timeout_s\": 60}", &a), 0);
	CU_ASSERT_STRING_EQUAL(a.req.iso, "https://h/x.iso");
	CU_ASSERT_EQUAL(a.req.timeout_s, 60);
	CU_ASSERT_EQUAL(t_parse("reinstall", 1, "{\"nodes\": [\"n1\", \"n3\"]}",
				&a), 0);
	CU_ASSERT_EQUAL(a.n_nodes, 2);
	CU_ASSERT_STRING_EQUAL(a.nodes[1], "n3");
	bmc_api_args_free(&a);
	bmc_api_args_free(&a);
	/* Unknown actions; a pod has reinstall only; trust is not offered. */
	CU_ASSERT_EQUAL(t_parse("reboot", 0, "", &a), -ENOENT);
	CU_ASSERT_EQUAL(t_parse("trust", 0, "", &a), -ENOENT);
	CU_ASSERT_EQUAL(t_parse("on", 1, "", &a), -ENOENT);
	/* Bodies refused: not an object, a member the action lacks, a
	 * wrong type, a URL with a password, a bad target or timeout. */
	CU_ASSERT_EQUAL(t_parse("on", 0, "[]", &a), -EINVAL);
	CU_ASSERT_EQUAL(t_parse("on", 0, "{", &a), -EINVAL);
	CU_ASSERT_EQUAL(t_parse("on", 0, "{\"url\": \"https://h/\"}", &a),
			-EINVAL);
	CU_ASSERT_EQUAL(t_parse("media-insert", 0, "{}", &a), -EINVAL);
	CU_ASSERT_EQUAL(t_parse("media-insert", 0, "{\"url\": 7}", &a),
			-EINVAL);
	CU_ASSERT_EQUAL(t_parse("media-insert", 0,
				"{\"url\": \"https://u:p@h/a.iso\"}", &a),
			-EINVAL);
	CU_ASSERT_EQUAL(t_parse("media-insert", 0, "{\"url\": \"https://h/a\","
				" \"url\": \"https://h/b\"}", &a), -EINVAL);
	CU_ASSERT_EQUAL(t_parse("boot-once", 0, "{\"target\": \"Hdd\"}", &a),
			-EINVAL);
	CU_ASSERT_EQUAL(t_parse("boot-once", 0, "{\"target\": \"Cd\", "
				"\"uri\": \"http://h/x\"}", &a), -EINVAL);
	CU_ASSERT_EQUAL(t_parse("reinstall", 0, "{\"timeout_s\": 0}", &a),
			-EINVAL);
	CU_ASSERT_EQUAL(t_parse("reinstall", 0, "{\"timeout_s\": \"60\"}", &a),
			-EINVAL);
	CU_ASSERT_EQUAL(t_parse("reinstall", 0, "{\"iso\": \"ftp://h/x\"}",
				&a), -EINVAL);
	CU_ASSERT_EQUAL(t_parse("reinstall", 0, "{\"nodes\": [\"n1\"]}", &a),
			-EINVAL);
	CU_ASSERT_EQUAL(t_parse("reinstall", 1, "{\"nodes\": []}", &a),
			-EINVAL);
	CU_ASSERT_EQUAL(t_parse("reinstall", 1, "{\"nodes\": [1]}", &a),
			-EINVAL);
	CU_ASSERT_PTR_NULL(a.nodes);
}

static void test_pod_nodes(void)
{
	struct config *cfg = test_config_ok("pod.conf", T_POD_NODES);
	const char *out[BMC_JOB_POD_MAX];
	const char *want2[] = { "n3", "n1" }, *bad[] = { "n2" },
		   *twice[] = { "n1", "n1" }, *none[] = { "nx" };
	char err[200];
	size_t n = 9;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(bmc_pod_nodes(cfg, "a", NULL, 0, out, &n, err,
				      sizeof(err)), 0);
	CU_ASSERT_EQUAL(n, 2);	/* n2 has no BMC */
	CU_ASSERT_EQUAL(bmc_pod_nodes(cfg, "a", want2, 2, out, &n, err,
				      sizeof(err)), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_STRING_EQUAL(out[0], "n3");
	CU_ASSERT_EQUAL(bmc_pod_nodes(cfg, "a", bad, 1, out, &n, err,
				      sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "n2"));
	CU_ASSERT_EQUAL(bmc_pod_nodes(cfg, "a", none, 1, out, &n, err,
				      sizeof(err)), -ENOENT);
	CU_ASSERT_EQUAL(bmc_pod_nodes(cfg, "a", twice, 2, out, &n, err,
				      sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(bmc_pod_nodes(cfg, "b", NULL, 0, out, &n, err,
				      sizeof(err)), -ENOENT);
	config_free(cfg);
}

/* The table's configuration is the test's. */
static void *t_hold(void *ctx)
{
	return ctx;
}

/* The configuration a hold stands for. */
static const struct config *t_config(void *held)
{
	return held;
}

static void test_table(void)
{
	struct config *cfg = test_config_ok("pod.conf", T_POD_NODES);
	struct bmc_jobs_ops ops = { t_hold, t_config, NULL, cfg };
	const char *nodes[] = { "gone-1", "gone-2", "gone-3" };
	struct bmc_job_spec spec = { "on", "a", "gone-1", "token t", { 0 } };
	unsigned long long id = 0, pod = 0;
	struct bmc_jobs t;
	json_t *j;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	spec.req.verb = BMC_DO_ON;
	CU_ASSERT_EQUAL_FATAL(bmc_jobs_init(&t, 2, NULL, 0, &ops), 0);
	/* A node the configuration lost fails, without any BMC reached. */
	CU_ASSERT_EQUAL(bmc_jobs_submit(&t, &spec, 8, &id), 0);
	CU_ASSERT_EQUAL(bmc_jobs_wait(&t, id), -EIO);
	j = bmc_jobs_json(&t, id, 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "state")),
			       "failed");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "actor")),
			       "token t");
	CU_ASSERT_PTR_NOT_NULL(strstr(json_string_value(json_object_get(
		j, "error")), "not configured"));
	json_decref(j);
	/* A pod larger than the room left is refused whole. */
	spec.action = "reinstall";
	spec.node = NULL;
	spec.req.verb = BMC_REINSTALL;
	CU_ASSERT_EQUAL(bmc_jobs_submit_pod(&t, &spec, nodes, 3, 2, &pod),
			-EAGAIN);
	j = bmc_jobs_json(&t, 0, 100);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "jobs")), 1);
	json_decref(j);
	/* Taken, it ends when its last node job does, failed if any did. */
	CU_ASSERT_EQUAL(bmc_jobs_submit_pod(&t, &spec, nodes, 3, 3, &pod), 0);
	CU_ASSERT_EQUAL(bmc_jobs_wait(&t, pod), -EIO);
	j = bmc_jobs_json(&t, pod, 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "kind")),
			       "pod");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "nodes")), 3);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "error")),
			       "3 of 3 nodes failed");
	json_decref(j);
	CU_ASSERT_PTR_NULL(bmc_jobs_json(&t, 999, 0));
	bmc_jobs_stop(&t);
	CU_ASSERT_EQUAL(bmc_jobs_submit(&t, &spec, 8, &id), -ESHUTDOWN);
	bmc_jobs_free(&t);
	bmc_jobs_free(&t);
	config_free(cfg);
}

static CU_TestInfo tests[] = {
	{ "a job's states", test_state_machine },
	{ "the queue's bound", test_admit },
	{ "actions that may not run side by side", test_clash },
	{ "the API's actions and bodies", test_api_bodies },
	{ "a pod's nodes", test_pod_nodes },
	{ "a table: jobs, a pod job, stop", test_table },
	CU_TEST_INFO_NULL,
};

/* Register the suite "bmc_job". */
static int suite_bmc_job_register(void)
{
	return unit_add_suite("bmc_job", NULL, NULL, tests);
}

UNIT_SUITE(suite_bmc_job_register)
