/* test_status_api.c: the status API's pure parts: the reply format, the
 * query-argument decisions, cells and text tables (widths, truncation),
 * and the JSON views of nodes, health, pods and certificates. */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "test_config.h"
#include "unit.h"

/* @t's text as a NUL-terminated copy; the caller frees it. */
static char *text_of(const struct pbuf *t)
{
	char *s = malloc(t->len + 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	memcpy(s, t->data, t->len);
	s[t->len] = '\0';
	return s;
}

/* @json (taken) rendered as @v says under a maximum of @max bytes. */
static char *render(json_t *json, const struct api_view *v, size_t max)
{
	struct pbuf t;
	char *s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	pbuf_init(&t, max);
	CU_ASSERT_EQUAL(api_render(&t, json, v), 0);
	s = text_of(&t);
	pbuf_free(&t);
	json_decref(json);
	return s;
}

/* @v (taken) as one cell. */
static void cell_is(json_t *v, const char *want)
{
	char out[API_CELL_MAX];

	api_cell(v, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, want);
	json_decref(v);
}

static void test_format(void)
{
	int text = -1;

	CU_ASSERT_EQUAL(api_format(NULL, &text), 0);
	CU_ASSERT_EQUAL(text, 0);
	CU_ASSERT_EQUAL(api_format("json", &text), 0);
	CU_ASSERT_EQUAL(text, 0);
	CU_ASSERT_EQUAL(api_format("text", &text), 0);
	CU_ASSERT_EQUAL(text, 1);
	CU_ASSERT_EQUAL(api_format("TEXT", &text), -EINVAL);
	CU_ASSERT_EQUAL(text, 0);
	CU_ASSERT_EQUAL(api_format("", &text), -EINVAL);
	CU_ASSERT_EQUAL(api_format("xml", &text), -EINVAL);
	CU_ASSERT_EQUAL(api_format("text ", &text), -EINVAL);
}

static void test_number(void)
{
	unsigned long long v = 100;

	/* absent: the default stays */
	CU_ASSERT_EQUAL(api_number(NULL, 1, 1000, &v), 0);
	CU_ASSERT_EQUAL(v, 100);
	CU_ASSERT_EQUAL(api_number("1", 1, 1000, &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(api_number("1000", 1, 1000, &v), 0);
	CU_ASSERT_EQUAL(v, 1000);
	/* refused ones leave it alone */
	CU_ASSERT_EQUAL(api_number("0", 1, 1000, &v), -EINVAL);
	CU_ASSERT_EQUAL(api_number("1001", 1, 1000, &v), -EINVAL);
	CU_ASSERT_EQUAL(api_number("", 1, 1000, &v), -EINVAL);
	CU_ASSERT_EQUAL(api_number("-1", 0, 1000, &v), -EINVAL);
	CU_ASSERT_EQUAL(api_number("+5", 0, 1000, &v), -EINVAL);
	CU_ASSERT_EQUAL(api_number("5x", 0, 1000, &v), -EINVAL);
	CU_ASSERT_EQUAL(api_number("99999999999999999999999", 0, 1000, &v),
			-EINVAL);
	CU_ASSERT_EQUAL(v, 1000);
	CU_ASSERT_EQUAL(api_number("0", 0, 9223372036854775807ULL, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(api_number("9223372036854775807", 0,
				   9223372036854775807ULL, &v), 0);
	CU_ASSERT_EQUAL(v, 9223372036854775807ULL);
	CU_ASSERT_EQUAL(api_number("9223372036854775808", 0,
				   9223372036854775807ULL, &v), -EINVAL);
}

static void test_state(void)
{
	char names[160] = "unchanged";
	int st = -1;

	CU_ASSERT_EQUAL(api_state("armed", &st, names, sizeof(names)), 0);
	CU_ASSERT_EQUAL(st, NODE_ARMED);
	CU_ASSERT_STRING_EQUAL(names, "unchanged");
	CU_ASSERT_EQUAL(api_state("failed", &st, names, sizeof(names)), 0);
	CU_ASSERT_EQUAL(st, NODE_FAILED);
	st = -1;
	CU_ASSERT_EQUAL(api_state("Armed", &st, names, sizeof(names)),
			-EINVAL);
	CU_ASSERT_EQUAL(st, -1);
	CU_ASSERT_STRING_EQUAL(names, "discovered, armed, booting, "
				      "installing, installed, failed");
	/* a short buffer is cut, never overrun */
	CU_ASSERT_EQUAL(api_state("x", &st, names, 12), -EINVAL);
	CU_ASSERT_STRING_EQUAL(names, "discovered,");
}

static void test_cell(void)
{
	json_t *v = json_string("abcdef");
	char small[4];

	cell_is(json_string("demo-1"), "demo-1");
	cell_is(json_string("a\x1b[2Jb\x7f"), "a?[2Jb?");
	cell_is(json_string("tab\there"), "tab?here");
	cell_is(json_integer(-42), "-42");
	cell_is(json_true(), "yes");
	cell_is(json_false(), "no");
	cell_is(json_null(), "-");
	cell_is(NULL, "-");
	cell_is(json_real(1.5), "-");
	cell_is(json_pack("[s, s]", "8.8.8.8", "1.1.1.1"), "8.8.8.8,1.1.1.1");
	cell_is(json_pack("[s, i]", "a", 1), "a,?");
	cell_is(json_array(), "");
	/* cut to the room given, NUL-terminated */
	api_cell(v, small, sizeof(small));
	CU_ASSERT_STRING_EQUAL(small, "abc");
	json_decref(v);
}

static void test_table(void)
{
	char *s = render(json_pack("[{s:i, s:s, s:s, s:s, s:s}, "
				   "{s:i, s:s, s:s, s:s, s:s}]",
				   "id", 7, "time", "T1", "kind", "state",
				   "subject", "demo-1", "detail", "armed",
				   "id", 12345, "time", "T2", "kind", "rearm",
				   "subject", "n", "detail", "x\ny"),
			 &api_view_events, API_TEXT_MAX - API_TEXT_NOTE);

	CU_ASSERT_STRING_EQUAL(s,
		"ID     TIME  KIND   SUBJECT  DETAIL\n"
		"7      T1    state  demo-1   armed\n"
		"12345  T2    rearm  n        x?y\n");
	free(s);
	/* an empty list: the header only */
	s = render(json_array(), &api_view_events, 1024);
	CU_ASSERT_STRING_EQUAL(s, "ID  TIME  KIND  SUBJECT  DETAIL\n");
	free(s);
}

/* One object is a table of one row; a nested member a second table. */
static void test_table_nested(void)
{
	char *s = render(json_pack("{s:s, s:s, s:s, s:s, s:i, s:n, s:s, s:s,"
				   " s:[{s:i, s:s, s:s, s:s, s:s}]}",
				   "id", "n1", "mac", "m", "pod", "a",
				   "state", "armed", "generation", 2,
				   "profile", "address", "10.0.0.1",
				   "updated_at", "T", "events",
				   "id", 1, "time", "T0", "kind", "k",
				   "subject", "n1", "detail", "d"),
			 &api_view_node, 4096);

	CU_ASSERT_STRING_EQUAL(s,
		"NODE  MAC  POD  STATE  GEN  PROFILE  ADDRESS   UPDATED\n"
		"n1    m    a    armed  2    -        10.0.0.1  T\n"
		"\n"
		"ID  TIME  KIND  SUBJECT  DETAIL\n"
		"1   T0    k     n1       d\n");
	free(s);
	/* a nested pod member: "a.b" columns */
	s = render(json_pack("[{s:s, s:{s:i}}]", "name", "a", "node_counts",
			     "total", 3), &api_view_pods, 4096);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\na    -     -        -             "
					 "-           3      -           -  "));
	free(s);
}

/* Cells wider than API_WIDTH_MAX overflow their column, not widen it. */
static void test_table_width(void)
{
	char wide[API_WIDTH_MAX + 11];
	char *s, *line2;

	memset(wide, 'w', sizeof(wide) - 1);
	wide[sizeof(wide) - 1] = '\0';
	s = render(json_pack("[{s:s, s:s}, {s:s, s:s}]", "name", wide,
			     "sha256", "h1", "name", "b", "sha256", "h2"),
		   &api_view_artifacts, 4096);
	/* the header pads NAME to API_WIDTH_MAX, then two blanks */
	CU_ASSERT_EQUAL(strcspn(s, "S"), API_WIDTH_MAX + 2);
	line2 = strchr(s, '\n') + 1;
	CU_ASSERT_EQUAL(strncmp(line2, wide, strlen(wide)), 0);
	CU_ASSERT_EQUAL(strncmp(line2 + strlen(wide), "  h1  ", 6), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\nb"));
	free(s);
}

/* Past the maximum: whole lines only, then the note. */
static void test_table_truncated(void)
{
	json_t *rows = json_array();
	char *s, *note;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rows);
	for (i = 0; i < 50; i++)
		json_array_append_new(rows, json_pack("{s:i, s:s}", "id",
						      (int)i, "kind", "k"));
	s = render(rows, &api_view_events, 100);
	note = strstr(s, "... output truncated at 8 MiB\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(note);
	CU_ASSERT_STRING_EQUAL(note, "... output truncated at 8 MiB\n");
	CU_ASSERT(note - s <= 100);
	CU_ASSERT(note > s && note[-1] == '\n');	/* no half line */
	CU_ASSERT_EQUAL(strncmp(s, "ID  TIME  KIND  SUBJECT  DETAIL\n", 32),
			0);
	free(s);
}

static void test_iso(void)
{
	char out[API_ISO_SIZE];

	api_iso(0, out);
	CU_ASSERT_STRING_EQUAL(out, "1970-01-01T00:00:00Z");
	api_iso(1700000000, out);
	CU_ASSERT_STRING_EQUAL(out, "2023-11-14T22:13:20Z");
	api_iso(9223372036854775807LL, out);
	CU_ASSERT_STRING_EQUAL(out, "1970-01-01T00:00:00Z");
}

/* A store node as the store would return it. */
static struct store_node node_of(const char *id, enum node_state state)
{
	struct store_node n;

	memset(&n, 0, sizeof(n));
	snprintf(n.id, sizeof(n.id), "%s", id);
	snprintf(n.mac, sizeof(n.mac), "%s", MAC1);
	n.state = state;
	n.generation = 3;
	n.updated = 86400;
	return n;
}

static void test_node_view(void)
{
	struct config *cfg = test_config_ok("status-node.conf",
		T_HEAD T_POD T_NODES
		"  { hostname = \"n1\"; mac = \"" MAC1 "\"; pod = \"a\";\n"
		"    address = \"192.0.2.10\"; }\n);\n");
	struct store_node n = node_of("n1", NODE_ARMED);
	char err[CONFIG_ERR_MAX];
	json_t *o;

	snprintf(n.pod, sizeof(n.pod), "a");
	snprintf(n.serial, sizeof(n.serial), "SN1");
	/* brief: six members, nothing of the configuration */
	o = api_node_json(NULL, &n, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(json_object_size(o), 6);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "state")),
			       "armed");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(o, "generation")),
			3);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o,
							"updated_at")),
			       "1970-01-02T00:00:00Z");
	json_decref(o);
	/* full and configured: what the configuration says too */
	o = api_node_json(cfg, &n, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT(json_is_true(json_object_get(o, "configured")));
	/* a node of the file was not assigned through the API */
	CU_ASSERT(json_is_false(json_object_get(o, "assigned")));
	CU_ASSERT(json_is_null(json_object_get(o, "uuid")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "serial")),
			       "SN1");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o,
							"hostname")), "n1");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o,
							"address")),
			       "192.0.2.10");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o,
							"profile")), "p");
	json_decref(o);
	/* full but unknown to the configuration (a discovered machine) */
	n = node_of("mac-525400000001", NODE_DISCOVERED);
	o = api_node_json(cfg, &n, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT(json_is_false(json_object_get(o, "configured")));
	CU_ASSERT(json_is_null(json_object_get(o, "pod")));
	CU_ASSERT_PTR_NULL(json_object_get(o, "hostname"));
	CU_ASSERT(json_is_false(json_object_get(o, "assigned")));
	CU_ASSERT_EQUAL(json_object_size(o), 11);
	json_decref(o);
	/* assigned through the API: configured, and assigned */
	CU_ASSERT_EQUAL_FATAL(config_add_node(cfg, "late-1",
					      "52:54:00:00:00:02", "a", NULL,
					      NULL, err, sizeof(err)), 0);
	n = node_of("late-1", NODE_ARMED);
	o = api_node_json(cfg, &n, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT(json_is_true(json_object_get(o, "configured")));
	CU_ASSERT(json_is_true(json_object_get(o, "assigned")));
	json_decref(o);
	config_free(cfg);
}

static void test_health_view(void)
{
	struct metrics_node_info info;
	json_t *o;

	memset(&info, 0, sizeof(info));
	o = api_health_json(&info, json_object());
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT(json_is_false(json_object_get(o, "up")));
	CU_ASSERT(json_is_null(json_object_get(o, "last_push_at")));
	CU_ASSERT_EQUAL(json_object_size(json_object_get(o, "metrics")), 0);
	json_decref(o);
	info.up = 1;
	info.last_push = 1700000000;
	info.pushes = 9;
	info.gaps = 2;
	o = api_health_json(&info, json_pack("{s:f}", "load1", 0.5));
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT(json_is_true(json_object_get(o, "up")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o,
							"last_push_at")),
			       "2023-11-14T22:13:20Z");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(o, "pushes")), 9);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(o, "gaps")), 2);
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(
		json_object_get(o, "metrics"), "load1")), 0.5, 1e-9);
	json_decref(o);
}

/* Up, down (pushed once, or installed), or neither (never expected to
 * push); and the pod view's counts. */
static void test_counts(void)
{
	struct config *cfg = test_config_ok("status-pod.conf", T_HEAD T_POD);
	struct store_node n;
	struct api_counts c;
	json_t *o, *counts;

	memset(&c, 0, sizeof(c));
	n = node_of("a1", NODE_INSTALLED);
	api_counts_add(&c, &n, 1, 1);		/* up */
	api_counts_add(&c, &n, 0, 0);		/* installed, silent: down */
	n = node_of("a2", NODE_ARMED);
	api_counts_add(&c, &n, 0, 0);		/* neither */
	api_counts_add(&c, &n, 0, 1);		/* pushed once: down */
	n.state = NODE_STATE_COUNT;		/* out of range: total only */
	api_counts_add(&c, &n, 0, 0);
	CU_ASSERT_EQUAL(c.total, 5);
	CU_ASSERT_EQUAL(c.up, 1);
	CU_ASSERT_EQUAL(c.down, 2);
	CU_ASSERT_EQUAL(c.count[NODE_INSTALLED], 2);
	CU_ASSERT_EQUAL(c.count[NODE_ARMED], 2);
	o = api_pod_view(&cfg->pods[0], &c, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "name")),
			       "a");
	CU_ASSERT_PTR_NULL(json_object_get(o, "nodes"));
	counts = json_object_get(o, "node_counts");
	CU_ASSERT_EQUAL(json_object_size(counts), 3 + NODE_STATE_COUNT);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(counts, "total")),
			5);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(counts, "armed")),
			2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(counts,
							   "failed")), 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
		json_object_get(o, "provisioning"), "cidr")), "192.0.2.0/24");
	json_decref(o);
	config_free(cfg);
}

/* The string at @key of @o, or NULL. */
static const char *str_at(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Both networks of a pod, in JSON and in the text table: the
 * provisioning one with every DHCP setting, the management one with
 * only its own; unset relay and pool are left out. */
static void test_pod_networks(void)
{
	struct config *cfg = test_config_ok("status-nets.conf", T_HEAD
		"pods = ( { name = \"a\"; profile = \"p\";\n"
		"  provisioning = { cidr = \"10.10.1.0/24\"; gateway = "
		"\"10.10.1.1\"; vlan = 40; dns = [ \"10.9.0.53\" ];"
		" ntp = [ \"10.9.0.123\" ]; relay = \"10.10.1.2\";"
		" pool_start = \"10.10.1.100\"; pool_end = \"10.10.1.150\"; };\n"
		"  management = { cidr = \"10.20.0.0/23\"; gateway = "
		"\"10.20.1.254\"; vlan = 41;"
		" dns = [ \"10.8.0.53\", \"10.8.0.54\" ]; }; } );\n");
	struct api_counts c;
	json_t *o, *p, *m;
	char *s;

	memset(&c, 0, sizeof(c));
	o = api_pod_view(&cfg->pods[0], &c, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	p = json_object_get(o, "provisioning");
	m = json_object_get(o, "management");
	CU_ASSERT_STRING_EQUAL(str_at(p, "cidr"), "10.10.1.0/24");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(p, "prefix")), 24);
	CU_ASSERT_STRING_EQUAL(str_at(p, "gateway"), "10.10.1.1");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(p, "vlan")), 40);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
		json_object_get(p, "dns"), 0)), "10.9.0.53");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
		json_object_get(p, "ntp"), 0)), "10.9.0.123");
	CU_ASSERT_STRING_EQUAL(str_at(p, "relay"), "10.10.1.2");
	CU_ASSERT_STRING_EQUAL(str_at(p, "pool_start"), "10.10.1.100");
	CU_ASSERT_STRING_EQUAL(str_at(p, "pool_end"), "10.10.1.150");
	CU_ASSERT_STRING_EQUAL(str_at(m, "cidr"), "10.20.0.0/23");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(m, "prefix")), 23);
	CU_ASSERT_STRING_EQUAL(str_at(m, "gateway"), "10.20.1.254");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(m, "vlan")), 41);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(m, "dns")), 2);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(m, "ntp")), 0);
	/* what is not set is not shown */
	CU_ASSERT_PTR_NULL(json_object_get(m, "relay"));
	CU_ASSERT_PTR_NULL(json_object_get(m, "pool_start"));
	CU_ASSERT_PTR_NULL(json_object_get(m, "pool_end"));
	/* the text row: each network's gateway and VLAN in its own column */
	s = render(json_pack("[o]", o), &api_view_pods, 4096);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "  PROV_GATEWAY  PROV_VLAN  "
					 "MGMT_GATEWAY  MGMT_VLAN\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "  10.10.1.1     40         "
					 "10.20.1.254   41\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "  10.10.1.0/24  10.20.0.0/23  "));
	free(s);
	config_free(cfg);
}

static void test_certificates(void)
{
	struct server_gen gen;
	json_t *o;

	memset(&gen, 0, sizeof(gen));
	o = api_certificates_json(&gen, 0);
	CU_ASSERT_EQUAL(json_object_size(o), 0);
	json_decref(o);
	gen.cert_first_what = "TLS certificate";
	gen.cert_not_after = 86400LL * 100;
	o = api_certificates_json(&gen, 86400LL * 86);	/* 14 days left */
	CU_ASSERT(json_is_false(json_object_get(o, "expiring_soon")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(o, "days_left")),
			14);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o,
							"not_after")),
			       "1970-04-11T00:00:00Z");
	json_decref(o);
	o = api_certificates_json(&gen, 86400LL * 86 + 1);
	CU_ASSERT(json_is_true(json_object_get(o, "expiring_soon")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(o, "days_left")),
			13);
	json_decref(o);
}

/* A node's health, by name and from what monitoring says; which pods a
 * filter shows. */
static void test_health_filter(void)
{
	struct store_node n = node_of("a1", NODE_INSTALLED);
	struct api_counts c;
	int h = -1;

	CU_ASSERT_EQUAL(api_health_parse("up", &h), 0);
	CU_ASSERT_EQUAL(h, API_HEALTH_UP);
	CU_ASSERT_EQUAL(api_health_parse("down", &h), 0);
	CU_ASSERT_EQUAL(h, API_HEALTH_DOWN);
	CU_ASSERT_EQUAL(api_health_parse("unknown", &h), 0);
	CU_ASSERT_EQUAL(h, API_HEALTH_UNKNOWN);
	CU_ASSERT_EQUAL(api_health_parse("Up", &h), -EINVAL);
	CU_ASSERT_EQUAL(api_health_parse(NULL, &h), -EINVAL);
	CU_ASSERT_STRING_EQUAL(api_health_name(API_HEALTH_DOWN), "down");
	CU_ASSERT_STRING_EQUAL(api_health_name(99), "unknown");
	/* as the pod counts count it */
	CU_ASSERT_EQUAL(api_health_of(&n, 1, 1), API_HEALTH_UP);
	CU_ASSERT_EQUAL(api_health_of(&n, 0, 0), API_HEALTH_DOWN);
	n.state = NODE_ARMED;
	CU_ASSERT_EQUAL(api_health_of(&n, 0, 0), API_HEALTH_UNKNOWN);
	CU_ASSERT_EQUAL(api_health_of(&n, 0, 1), API_HEALTH_DOWN);
	/* a pod is shown if one of its nodes has that state and health */
	memset(&c, 0, sizeof(c));
	CU_ASSERT_TRUE(api_counts_match(&c, -1, -1));
	CU_ASSERT_FALSE(api_counts_match(&c, NODE_ARMED, -1));
	CU_ASSERT_FALSE(api_counts_match(&c, -1, API_HEALTH_UNKNOWN));
	api_counts_add(&c, &n, 0, 0);		/* armed, unknown */
	CU_ASSERT_TRUE(api_counts_match(&c, NODE_ARMED, -1));
	CU_ASSERT_TRUE(api_counts_match(&c, -1, API_HEALTH_UNKNOWN));
	CU_ASSERT_FALSE(api_counts_match(&c, -1, API_HEALTH_DOWN));
	CU_ASSERT_FALSE(api_counts_match(&c, NODE_FAILED, -1));
	CU_ASSERT_FALSE(api_counts_match(&c, NODE_STATE_COUNT, -1));
	n.state = NODE_INSTALLED;
	api_counts_add(&c, &n, 0, 1);		/* installed, down */
	CU_ASSERT_TRUE(api_counts_match(&c, NODE_INSTALLED, API_HEALTH_DOWN));
	CU_ASSERT_FALSE(api_counts_match(&c, -1, API_HEALTH_UP));
	CU_ASSERT_FALSE(api_counts_match(&c, -1, API_HEALTH_COUNT));
}

/* Pages: what is listed after the cursor, the total, the next cursor. */
static void test_pager(void)
{
	static const char *const ids[] = { "a", "b", "c", "d", "e" };
	struct api_pager p;
	int listed = 0;
	size_t i;

	memset(&p, 0, sizeof(p));
	p.limit = 2;
	for (i = 0; i < 5; i++)
		listed += api_pager_offer(&p, ids[i]);
	CU_ASSERT_EQUAL(listed, 2);
	CU_ASSERT_EQUAL(p.matched, 5);
	CU_ASSERT_STRING_EQUAL(api_pager_next(&p), "b");
	/* the next page starts after "b" */
	memset(&p, 0, sizeof(p));
	p.limit = 2;
	p.after = "b";
	CU_ASSERT_FALSE(api_pager_offer(&p, "a"));
	CU_ASSERT_FALSE(api_pager_offer(&p, "b"));
	CU_ASSERT_TRUE(api_pager_offer(&p, "c"));
	CU_ASSERT_TRUE(api_pager_offer(&p, "d"));
	CU_ASSERT_FALSE(api_pager_offer(&p, "e"));
	CU_ASSERT_STRING_EQUAL(api_pager_next(&p), "d");
	/* the last page: no next cursor */
	memset(&p, 0, sizeof(p));
	p.limit = 2;
	p.after = "d";
	for (i = 0; i < 5; i++)
		api_pager_offer(&p, ids[i]);
	CU_ASSERT_EQUAL(p.taken, 1);
	CU_ASSERT_STRING_EQUAL(p.last, "e");
	CU_ASSERT_PTR_NULL(api_pager_next(&p));
	/* exactly full: no next either */
	memset(&p, 0, sizeof(p));
	p.limit = 5;
	for (i = 0; i < 5; i++)
		api_pager_offer(&p, ids[i]);
	CU_ASSERT_PTR_NULL(api_pager_next(&p));
}

/* ?kind= of the events: the kinds podboot records, nothing else. */
static void test_event_kind(void)
{
	char long_kind[API_EVENT_KIND_MAX + 1];

	CU_ASSERT_EQUAL(api_event_kind("upload"), 0);
	CU_ASSERT_EQUAL(api_event_kind("resign"), 0);
	CU_ASSERT_EQUAL(api_event_kind("push_gap"), 0);
	CU_ASSERT_EQUAL(api_event_kind(NULL), -EINVAL);
	CU_ASSERT_EQUAL(api_event_kind(""), -EINVAL);
	CU_ASSERT_EQUAL(api_event_kind("Upload"), -EINVAL);
	CU_ASSERT_EQUAL(api_event_kind("upload'--"), -EINVAL);
	CU_ASSERT_EQUAL(api_event_kind("up load"), -EINVAL);
	CU_ASSERT_EQUAL(api_event_kind("upload%"), -EINVAL);
	memset(long_kind, 'a', sizeof(long_kind) - 1);
	long_kind[sizeof(long_kind) - 1] = '\0';
	CU_ASSERT_EQUAL(api_event_kind(long_kind), -EINVAL);
	long_kind[API_EVENT_KIND_MAX - 1] = '\0';	/* 31 letters */
	CU_ASSERT_EQUAL(api_event_kind(long_kind), 0);
}

/* ?state= of the alerts: the three states, nothing else. */
static void test_alert_state(void)
{
	CU_ASSERT_EQUAL(api_alert_state("firing"), 0);
	CU_ASSERT_EQUAL(api_alert_state("pending"), 0);
	CU_ASSERT_EQUAL(api_alert_state("resolved"), 0);
	CU_ASSERT_EQUAL(api_alert_state(NULL), -EINVAL);
	CU_ASSERT_EQUAL(api_alert_state(""), -EINVAL);
	CU_ASSERT_EQUAL(api_alert_state("Firing"), -EINVAL);
	CU_ASSERT_EQUAL(api_alert_state("firing "), -EINVAL);
	CU_ASSERT_EQUAL(api_alert_state("inactive"), -EINVAL);
}

/* "NAME/NODE" of each alert of @arr, joined with commas, into @out. */
static void alerts_names(json_t *arr, char *out, size_t size)
{
	json_t *x;
	size_t i, len;

	out[0] = '\0';
	json_array_foreach(arr, i, x) {
		len = strlen(out);
		snprintf(out + len, size - len, "%s%s/%s", i ? "," : "",
			 json_string_value(json_object_get(x, "alertname")),
			 json_string_value(json_object_get(x, "node")));
	}
}

/* Pages of alerts: the state filter, the order, total, offset, limit. */
static void test_alerts_page(void)
{
	json_t *all = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}, "
				"{s:s, s:s, s:s}, {s:s, s:s, s:s}, "
				"{s:s, s:s, s:s}]",
				"alertname", "HighLoad", "node", "b",
				"state", "resolved",
				"alertname", "NodeDown", "node", "b",
				"state", "firing",
				"alertname", "HighLoad", "node", "c",
				"state", "pending",
				"alertname", "HighLoad", "node", "a",
				"state", "firing",
				"alertname", "NodeDown", "node", "a",
				"state", "firing");
	unsigned long long total = 99;
	json_t *page = NULL;
	char names[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(all);
	/* every alert: firing first, then by name and node */
	CU_ASSERT_EQUAL(api_alerts_page(all, NULL, 0, 100, &page, &total), 0);
	alerts_names(page, names, sizeof(names));
	CU_ASSERT_STRING_EQUAL(names, "HighLoad/a,NodeDown/a,NodeDown/b,"
				      "HighLoad/c,HighLoad/b");
	CU_ASSERT_EQUAL(total, 5);
	json_decref(page);
	/* firing only: three, the page of one counts them all */
	CU_ASSERT_EQUAL(api_alerts_page(all, "firing", 0, 1, &page, &total),
			0);
	alerts_names(page, names, sizeof(names));
	CU_ASSERT_STRING_EQUAL(names, "HighLoad/a");
	CU_ASSERT_EQUAL(total, 3);
	json_decref(page);
	/* the next page of two */
	CU_ASSERT_EQUAL(api_alerts_page(all, "firing", 1, 2, &page, &total),
			0);
	alerts_names(page, names, sizeof(names));
	CU_ASSERT_STRING_EQUAL(names, "NodeDown/a,NodeDown/b");
	json_decref(page);
	/* past the end: an empty page, the total still known */
	CU_ASSERT_EQUAL(api_alerts_page(all, "firing", 3, 2, &page, &total),
			0);
	CU_ASSERT_EQUAL(json_array_size(page), 0);
	CU_ASSERT_EQUAL(total, 3);
	json_decref(page);
	CU_ASSERT_EQUAL(api_alerts_page(all, NULL, 1000000, 2, &page, &total),
			0);
	CU_ASSERT_EQUAL(json_array_size(page), 0);
	CU_ASSERT_EQUAL(total, 5);
	json_decref(page);
	/* the one resolved alert */
	CU_ASSERT_EQUAL(api_alerts_page(all, "resolved", 0, 10, &page,
					&total), 0);
	alerts_names(page, names, sizeof(names));
	CU_ASSERT_STRING_EQUAL(names, "HighLoad/b");
	CU_ASSERT_EQUAL(total, 1);
	json_decref(page);
	/* the list given is left as it was */
	CU_ASSERT_EQUAL(json_array_size(all), 5);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
			json_array_get(all, 0), "state")), "resolved");
	json_decref(all);
	/* an empty list */
	all = json_array();
	CU_ASSERT_EQUAL(api_alerts_page(all, "pending", 0, 10, &page, &total),
			0);
	CU_ASSERT_EQUAL(json_array_size(page), 0);
	CU_ASSERT_EQUAL(total, 0);
	json_decref(page);
	json_decref(all);
}

static const CU_TestInfo tests[] = {
	{ "format: json or text, nothing else", test_format },
	{ "numbers: bounds, junk, the default", test_number },
	{ "states: names, and the list when refused", test_state },
	{ "cells: kinds and control bytes", test_cell },
	{ "tables: aligned columns", test_table },
	{ "tables: one object and a nested table", test_table_nested },
	{ "tables: a wide cell overflows its column", test_table_width },
	{ "tables: whole lines, then the truncation note",
	  test_table_truncated },
	{ "times: ISO-8601 UTC", test_iso },
	{ "node view: brief, configured, discovered", test_node_view },
	{ "health view: silent and up", test_health_view },
	{ "pod view: counts by state and health", test_counts },
	{ "pod view: both networks, in JSON and text", test_pod_networks },
	{ "certificates: days left and expiring soon", test_certificates },
	{ "health: names, of a node, pod filters", test_health_filter },
	{ "pages: cursor, total, next", test_pager },
	{ "events: the kinds ?kind= takes", test_event_kind },
	{ "alerts: the states ?state= takes", test_alert_state },
	{ "alerts: filter, order and pages", test_alerts_page },
	CU_TEST_INFO_NULL,
};

/* Register the suite "status_api". */
static int suite_status_api_register(void)
{
	return unit_add_suite("status_api", NULL, NULL, tests);
}

UNIT_SUITE(suite_status_api_register)
