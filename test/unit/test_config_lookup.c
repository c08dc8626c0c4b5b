/* test_config_lookup.c: lookups over many nodes; tokens and scopes. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "fileio.h"
#include "test_config.h"
#include "token.h"
#include "unit.h"

/* ---- Lookups over many nodes ---- */

#define N_MANY 10000

/* Node @j of the generated configuration. */
static void test_many_ids(unsigned int j, char mac[18], char uuid[37],
			  char serial[16], char host[16])
{
	snprintf(mac, 18, "52:54:%02x:%02x:%02x:%02x", (j >> 24) & 0xff,
		 (j >> 16) & 0xff, (j >> 8) & 0xff, j & 0xff);
	snprintf(uuid, 37, "%08x-1111-4222-8333-%012x", j * 2654435761u,
		 j + 1);
	snprintf(serial, 16, "SN%05u", j);
	snprintf(host, 16, "node-%05u", j);
}

static void test_many_nodes(void)
{
	char mac[18], uuid[37], serial[16], host[16], upper[37];
	const struct config_node *n;
	struct config *cfg;
	size_t size = N_MANY * 200 + 1024, len, i, k;
	unsigned int j;
	char *text;

	text = malloc(size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	len = (size_t)snprintf(text, size, "%s%s%s", T_HEAD, T_POD,
			       "nodes = (\n");
	for (i = 0; i < N_MANY; i++) {
		/* A permutation, so the file is not in MAC order. */
		j = (unsigned int)((i * 7919) % N_MANY);
		test_many_ids(j, mac, uuid, serial, host);
		if (j % 2) {
			/* Half in the dashed upper-case form. */
			for (k = 0; mac[k]; k++)
				mac[k] = mac[k] == ':' ? '-' :
					 (char)(mac[k] >= 'a' ? mac[k] - 32 :
								 mac[k]);
		}
		len += (size_t)snprintf(text + len, size - len,
			"  { hostname = \"%s\"; mac = \"%s\"; uuid = \"%s\";\n"
			"    serial = \"%s\"; pod = \"a\"; }%s\n",
			host, mac, uuid, serial, i + 1 < N_MANY ? "," : "");
		CU_ASSERT_FATAL(len < size);
	}
	snprintf(text + len, size - len, ");\n");
	cfg = test_config_ok("many.conf", text);
	free(text);

	CU_ASSERT_EQUAL_FATAL(cfg->n_nodes, N_MANY);
	for (i = 1; i < cfg->n_nodes; i++)
		CU_ASSERT_FATAL(strcmp(cfg->nodes[i - 1].mac,
				       cfg->nodes[i].mac) < 0);
	for (j = 0; j < N_MANY; j++) {
		test_many_ids(j, mac, uuid, serial, host);
		n = config_node_by_mac(cfg, mac);
		CU_ASSERT_PTR_NOT_NULL_FATAL(n);
		CU_ASSERT_STRING_EQUAL(n->hostname, host);
		CU_ASSERT_PTR_EQUAL(n->profile, &cfg->profiles[0]);
		if (j % 97)
			continue;
		for (k = 0; k < 37; k++)
			upper[k] = (char)(uuid[k] >= 'a' ? uuid[k] - 32 :
							   uuid[k]);
		CU_ASSERT_PTR_EQUAL(config_node_by_uuid(cfg, upper), n);
		CU_ASSERT_PTR_EQUAL(config_node_by_serial(cfg, serial), n);
		CU_ASSERT_PTR_EQUAL(config_node_by_id(cfg, host), n);
	}
	/* Missing ones, and hostile input. */
	test_many_ids(N_MANY, mac, uuid, serial, host);
	CU_ASSERT_PTR_NULL(config_node_by_mac(cfg, mac));
	CU_ASSERT_PTR_NULL(config_node_by_mac(cfg, "00:00:00:00:00:00"));
	CU_ASSERT_PTR_NULL(config_node_by_mac(cfg, "ff:ff:ff:ff:ff:ff"));
	CU_ASSERT_PTR_NULL(config_node_by_uuid(cfg, uuid));
	CU_ASSERT_PTR_NULL(config_node_by_serial(cfg, serial));
	CU_ASSERT_PTR_NULL(config_node_by_id(cfg, host));
	CU_ASSERT_PTR_NULL(config_node_by_mac(cfg, "52:54:00:00:00"));
	CU_ASSERT_PTR_NULL(config_node_by_mac(cfg, NULL));
	CU_ASSERT_PTR_NULL(config_node_by_uuid(cfg, "x"));
	CU_ASSERT_PTR_NULL(config_node_by_uuid(cfg, NULL));
	CU_ASSERT_PTR_NULL(config_node_by_serial(cfg, ""));
	CU_ASSERT_PTR_NULL(config_node_by_serial(cfg, NULL));
	CU_ASSERT_PTR_NULL(config_node_by_id(cfg, "../node-00001"));
	CU_ASSERT_PTR_NULL(config_node_by_id(cfg, "NODE-00001"));
	CU_ASSERT_PTR_NULL(config_node_by_id(cfg, NULL));
	CU_ASSERT_PTR_NULL(config_node_by_mac(NULL, MAC1));
	CU_ASSERT_PTR_NULL(config_pod_by_name(cfg, NULL));
	CU_ASSERT_PTR_NULL(config_pod_by_name(NULL, "a"));
	config_free(cfg);
}

static void test_tokens(void)
{
	static const char *const secrets[] = {
		"secret-one", "secret-two", "secret-three", "secret-four",
	};
	/* What each token (by position) is granted. */
	static const struct {
		size_t token;
		const char *scope;
		int granted;
	} allows[] = {
		/* 0: the prefix "upload:el9/" and "status". */
		{ 0, "upload:el9/vmlinuz", 1 },
		{ 0, "upload:el9/x86_64/initrd.img", 1 },
		{ 0, "status", 1 },
		{ 0, "upload:el9", 0 },
		{ 0, "upload:el10/vmlinuz", 0 },
		{ 0, "upload:el9/../el10/vmlinuz", 0 },
		{ 0, "upload:el9//x", 0 },
		{ 0, "upload:el9/*", 0 },
		{ 0, "upload:el9/", 0 },
		{ 0, "rearm", 0 },
		/* 1: exactly "upload:exact.img". */
		{ 1, "upload:exact.img", 1 },
		{ 1, "upload:exact.img2", 0 },
		{ 1, "upload:exact", 0 },
		{ 1, "upload:exact.img/x", 0 },
		{ 1, "status", 0 },
		/* 2: "rearm" and any upload, of valid names only. */
		{ 2, "upload:anything/at-all.img", 1 },
		{ 2, "rearm", 1 },
		{ 2, "status", 0 },
		/* rearm is no power over BMCs: that is scope bmc alone. */
		{ 2, "bmc", 0 },
		{ 2, "upload:", 0 },
		{ 2, "upload:*", 0 },
		{ 2, "upload:../../etc/passwd", 0 },
		{ 2, "upload:/etc/passwd", 0 },
		{ 2, "admin", 0 },
		{ 2, "rearm ", 0 },
		{ 2, "", 0 },
		/* 3: the prefix "upload:demo-" is text, not a directory. */
		{ 3, "upload:demo-vmlinuz", 1 },
		{ 3, "upload:demo-/x", 1 },
		{ 3, "upload:demo/vmlinuz", 0 },
	};
	char hashes[4][TOKEN_HASH_SIZE], text[2048];
	const struct config_token *t1, *t2, *t3, *t4, *tok;
	struct config_token forged;
	struct config *cfg;
	size_t i;

	for (i = 0; i < 4; i++)
		token_hash(secrets[i], hashes[i]);
	snprintf(text, sizeof(text), T_HEAD "tokens = (\n"
		 "  { name = \"builder\"; sha256 = \"%s\";\n"
		 "    scopes = [ \"upload:el9/*\", \"status\" ]; },\n"
		 "  { name = \"exact\"; sha256 = \"%s\";\n"
		 "    scopes = [ \"upload:exact.img\" ]; },\n"
		 "  { name = \"admin\"; sha256 = \"%s\";\n"
		 "    scopes = [ \"rearm\", \"upload:*\" ]; },\n"
		 "  { name = \"dash\"; sha256 = \"%s\";\n"
		 "    scopes = [ \"upload:demo-*\" ]; }\n);\n",
		 hashes[0], hashes[1], hashes[2], hashes[3]);
	cfg = test_config_ok("tokens.conf", text);
	CU_ASSERT_EQUAL_FATAL(cfg->n_tokens, 4);

	/* Every token found by its own secret, wherever it is in the list. */
	t1 = config_token_find(cfg, secrets[0]);
	t2 = config_token_find(cfg, secrets[1]);
	t3 = config_token_find(cfg, secrets[2]);
	t4 = config_token_find(cfg, secrets[3]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t4);
	CU_ASSERT_STRING_EQUAL(t1->name, "builder");
	CU_ASSERT_STRING_EQUAL(t2->name, "exact");
	CU_ASSERT_STRING_EQUAL(t3->name, "admin");
	CU_ASSERT_STRING_EQUAL(t4->name, "dash");
	/* Forgeries: a wrong secret, the stored hash itself, near misses. */
	CU_ASSERT_PTR_NULL(config_token_find(cfg, "secret-five"));
	CU_ASSERT_PTR_NULL(config_token_find(cfg, hashes[0]));
	CU_ASSERT_PTR_NULL(config_token_find(cfg, "secret-one "));
	CU_ASSERT_PTR_NULL(config_token_find(cfg, "Secret-one"));
	CU_ASSERT_PTR_NULL(config_token_find(cfg, ""));
	CU_ASSERT_PTR_NULL(config_token_find(cfg, NULL));
	CU_ASSERT_PTR_NULL(config_token_find(NULL, secrets[0]));

	for (i = 0; i < sizeof(allows) / sizeof(allows[0]); i++) {
		tok = &cfg->tokens[allows[i].token];
		if (config_token_allows(tok, allows[i].scope) !=
		    allows[i].granted)
			fprintf(stderr, "\n    %s with \"%s\": want %d\n",
				tok->name, allows[i].scope, allows[i].granted);
		CU_ASSERT_EQUAL(config_token_allows(tok, allows[i].scope),
				allows[i].granted);
	}
	CU_ASSERT(!config_token_allows(t3, NULL));
	CU_ASSERT(!config_token_allows(NULL, "rearm"));

	/* A model built by hand with a bare "*" grants nothing. */
	memset(&forged, 0, sizeof(forged));
	strcpy(forged.scopes[0], "*");
	strcpy(forged.scopes[1], "upl*");
	forged.n_scopes = 2;
	CU_ASSERT(!config_token_allows(&forged, "upload:x"));
	CU_ASSERT(!config_token_allows(&forged, "rearm"));
	config_free(cfg);
}

/* ---- Assignments: which field is not valid ---- */

/* config_assign_check() of one assignment: the field it names, and that
 * the reason says which field and why (@needle). */
static void test_assign_one(const struct config *cfg, const char *host,
			    const char *mac, const char *pod,
			    const char *prof, const char *addr,
			    enum config_assign_field want, const char *needle)
{
	char why[256] = "";

	CU_ASSERT_EQUAL(config_assign_check(cfg, host, mac, pod, prof, addr,
					    why, sizeof(why)), want);
	if (needle && !strstr(why, needle)) {
		fprintf(stderr, "\nassign reason '%s' lacks '%s'\n", why,
			needle);
		CU_FAIL("the reason names the field");
	}
}

static void test_assign_fields(void)
{
	struct config *cfg = test_config_ok("assign.conf",
					    T_HEAD T_POD);
	char err[256] = "";

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	test_assign_one(cfg, "n1", MAC1, "a", NULL, NULL, CONFIG_ASSIGN_OK,
			NULL);
	test_assign_one(cfg, "n1", MAC1, "a", "p", "192.0.2.9",
			CONFIG_ASSIGN_OK, NULL);
	test_assign_one(cfg, "N_1", MAC1, "a", NULL, NULL,
			CONFIG_ASSIGN_HOSTNAME, "hostname is not valid");
	test_assign_one(cfg, "mac-525400000001", MAC1, "a", NULL, NULL,
			CONFIG_ASSIGN_HOSTNAME, "not of the form mac-HEX");
	test_assign_one(cfg, NULL, MAC1, "a", NULL, NULL,
			CONFIG_ASSIGN_HOSTNAME, "hostname");
	test_assign_one(cfg, "n1", "52:54:00:00:00", "a", NULL, NULL,
			CONFIG_ASSIGN_MAC, "MAC is not valid");
	test_assign_one(cfg, "n1", MAC1, "b", NULL, NULL, CONFIG_ASSIGN_POD,
			"pod is not valid (no such pod");
	test_assign_one(cfg, "n1", MAC1, "B/", NULL, NULL, CONFIG_ASSIGN_POD,
			"pod is not valid (not a name)");
	test_assign_one(cfg, "n1", MAC1, NULL, NULL, NULL, CONFIG_ASSIGN_POD,
			"pod");
	test_assign_one(cfg, "n1", MAC1, "a", "q", NULL, CONFIG_ASSIGN_PROFILE,
			"profile is not valid (no such profile");
	test_assign_one(cfg, "n1", MAC1, "a", NULL, "192.0.2.300",
			CONFIG_ASSIGN_ADDRESS, "address is not valid");
	test_assign_one(cfg, "n1", MAC1, "a", NULL, "2001:db8::7",
			CONFIG_ASSIGN_OK, NULL);
	/* the first bad field is named, in the documented order */
	test_assign_one(cfg, "n1", MAC1, "b", "q", "x", CONFIG_ASSIGN_POD,
			"pod");
	/* config_add_node() refuses with the same reason */
	CU_ASSERT_EQUAL(config_add_node(cfg, "n1", MAC1, "a", "q", "", err,
					sizeof(err)), -PB_EBAD_NAME);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "profile is not valid"));
	CU_ASSERT_EQUAL(config_add_node(cfg, "n1", MAC1, "a", "", "", err,
					sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL(config_node_by_id(cfg, "n1"));
	config_free(cfg);
}

static const CU_TestInfo tests[] = {
	{ "lookups over 10,000 nodes", test_many_nodes },
	{ "token find and scopes", test_tokens },
	{ "assignments: the field not valid", test_assign_fields },
	CU_TEST_INFO_NULL,
};

static int suite_config_lookup_register(void)
{
	return unit_add_suite("config_lookup", NULL, NULL, tests);
}

UNIT_SUITE(suite_config_lookup_register)
