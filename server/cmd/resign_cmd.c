/* resign_cmd.c: "podboot resign": after a rotation of the code-signing
 * key, sign every current artifact again, offline (as the server's POST
 * /api/v1/artifacts/resign does). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "artifact.h"
#include "cmd.h"
#include "cmdopt.h"
#include "config.h"
#include "error.h"
#include "log.h"
#include "signer.h"
#include "store.h"

/* The usage text of "podboot resign", on @out. */
static void resign_usage(FILE *out)
{
	fprintf(out,
		"usage: podboot resign [--config FILE]\n\n"
		"Signs every current artifact of the configuration's data\n"
		"directory (default $PODBOOT_CONFIG, else podboot.conf) again\n"
		"with its code-signing key: run it after 'podboot keys\n"
		"rotate-codesign'.  Each blob is checked against its hash\n"
		"first; one that does not match is not signed, and the exit\n"
		"status is 1.  Safe while the server runs.\n");
}

/* What "podboot resign" was asked to do. */
struct resign_opts {
	const char *config;		/* --config, $PODBOOT_CONFIG */
};

static const struct cmdopt resign_table[] = {
	{ .name = "config", .letter = 'c', .kind = CMDOPT_STR, .arg = "FILE",
	  .off = offsetof(struct resign_opts, config) },
	{ .name = "help", .letter = 'h', .kind = CMDOPT_HELP },
};

/* One line per version of @list, as @what ("re-signed", "NOT re-signed"). */
static void resign_print(json_t *list, const char *what)
{
	const char *err;
	json_t *x;
	size_t i;

	json_array_foreach(list, i, x) {
		err = json_string_value(json_object_get(x, "error"));
		printf("%s %s sha256:%s%s%s\n", what,
		       json_string_value(json_object_get(x, "name")),
		       json_string_value(json_object_get(x, "sha256")),
		       err ? ": " : "", err ? err : "");
	}
}

/*
 * Re-sign the current artifacts of @cfg's data directory with its
 * code-signing key, and say what was done.
 *
 * @ret rc		0; -EIO when a version could not be re-signed; or
 *			the error that stopped it, logged
 */
static int resign_run(const struct config *cfg)
{
	json_t *done = json_array(), *failed = json_array();
	struct signer *signer = NULL;
	struct store *st = NULL;
	long long not_after = 0;
	int rc = -ENOMEM;

	if (!done || !failed)
		goto out;
	if ((rc = signer_load(&signer, cfg->codesign_key, cfg->codesign_cert,
			      cfg->root_cert)) != 0)
		goto out;
	if ((rc = store_open_url(&st, cfg->data_dir, cfg->store_url,
				 cfg->store_password_file)) != 0) {
		log_error("data directory %s: %s", cfg->data_dir,
			  pb_strerror(rc));
		goto out;
	}
	rc = artifact_resign(st, signer, cfg->data_dir, "offline (podboot "
			     "resign)", done, failed);
	resign_print(done, "re-signed");
	resign_print(failed, "NOT re-signed");
	if (rc == 0)
		printf("%zu artifacts re-signed by %s, serial %s\n",
		       json_array_size(done), signer_subject(signer),
		       signer_serial(signer, &not_after));
	if (rc == 0 && json_array_size(failed))
		rc = -EIO;
out:
	store_close(st);
	signer_free(signer);
	json_decref(done);
	json_decref(failed);
	return rc;
}

/* "podboot resign": parse, load the configuration, resign_run(). */
int resign_main(int argc, char **argv)
{
	struct resign_opts o = { .config = getenv("PODBOOT_CONFIG") };
	char err[CONFIG_ERR_MAX];
	struct config *cfg = NULL;
	int first = 0, rc;

	rc = cmdopt_getopt(resign_table, CMD_N(resign_table), &o, argc, argv,
			   resign_usage, &first);
	if (rc != 0)
		return rc == CMDOPT_HELP_SHOWN ? 0 : rc;
	if (first != argc) {
		resign_usage(stderr);
		return -PB_EUSAGE;
	}
	rc = config_load(cmd_config_path(o.config), &cfg, err, sizeof(err));
	if (rc != 0) {
		log_error("%s", err);
		return rc;
	}
	rc = resign_run(cfg);
	config_free(cfg);
	return rc;
}
