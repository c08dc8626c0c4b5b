/* fuzz_config: podboot serve's configuration loader (server/config/config.c): the
 * file an operator edits, and what SIGHUP reloads.  Each input is written
 * to a file in a private directory and loaded. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

static char fuzz_config_dir[] = "/tmp/podboot-fuzz-config-XXXXXX";
static char fuzz_config_path[64];
static char fuzz_config_ks[80];

const char *__lsan_default_suppressions(void);

/*
 * libconfig 1.5's parser drops the string token it holds when a syntax
 * error follows it (no %destructor in its grammar): 64 bytes per failed
 * load, inside libconfig (corpus/config/libconfig-leak-min.conf).  Not
 * podboot's to fix; every other leak still fails the harness.
 */
const char *__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

/* Remove the private directory when libFuzzer exits. */
static void fuzz_config_cleanup(void)
{
	unlink(fuzz_config_path);
	unlink(fuzz_config_ks);
	rmdir(fuzz_config_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *f;

	(void)argc;
	(void)argv;
	if (!mkdtemp(fuzz_config_dir))
		abort();
	snprintf(fuzz_config_path, sizeof(fuzz_config_path), "%s/podboot.conf",
		 fuzz_config_dir);
	/* A kickstart template beside the file, for profiles that name it. */
	snprintf(fuzz_config_ks, sizeof(fuzz_config_ks), "%s/ks.cfg",
		 fuzz_config_dir);
	atexit(fuzz_config_cleanup);
	if (!(f = fopen(fuzz_config_ks, "w")))
		abort();
	fputs("# kickstart for {{hostname}}\n", f);
	fclose(f);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = NULL;
	char err[CONFIG_ERR_MAX];
	size_t i;
	int fd, rc;

	fd = open(fuzz_config_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	rc = config_load(fuzz_config_path, &cfg, err, sizeof(err));
	FUZZ_ASSERT(memchr(err, 0, sizeof(err)));
	if (rc != 0) {
		FUZZ_ASSERT(cfg == NULL && err[0] != '\0');
		return 0;
	}
	/* A loaded model is consistent: every node is found by its keys. */
	for (i = 0; i < cfg->n_nodes; i++) {
		const struct config_node *n = &cfg->nodes[i];

		FUZZ_ASSERT(n->pod && n->profile);
		FUZZ_ASSERT(config_node_by_mac(cfg, n->mac) == n);
		FUZZ_ASSERT(config_node_by_id(cfg, n->hostname) == n);
		(void)config_pod_boot_allowed(n->pod, "192.0.2.7");
		(void)config_pod_boot_allowed(n->pod, "2001:db8::7");
	}
	for (i = 0; i < cfg->n_tokens; i++)
		(void)config_token_allows(&cfg->tokens[i], "upload:a/b");
	(void)config_add_node(cfg, "fuzz-added", "02:00:00:00:00:01",
			      cfg->n_pods ? cfg->pods[0].name : "none", NULL,
			      NULL, err, sizeof(err));
	config_free(cfg);
	return 0;
}
