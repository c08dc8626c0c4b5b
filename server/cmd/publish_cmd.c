/* publish_cmd.c: "podboot publish": sign and publish a file offline, the
 * same way an upload to a running server does. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "artifact.h"
#include "cmd.h"
#include "cmdopt.h"
#include "config.h"
#include "error.h"
#include "log.h"
#include "pki.h"
#include "signer.h"
#include "store.h"

/* The usage text of "podboot publish", on @out. */
static void publish_usage(FILE *out)
{
	fprintf(out,
		"usage: podboot publish [--config FILE] NAME PATH\n\n"
		"Signs PATH and publishes it as the newest version of artifact\n"
		"NAME in the data directory of the configuration (default\n"
		"$PODBOOT_CONFIG, else podboot.conf).  Safe while the server\n"
		"runs: the catalogue is shared through the database.\n");
}

int publish_files(const char *data_dir, const char *store_url,
		  const char *store_password_file, const char *key,
		  const char *cert, const char *root, const char *uefi_key,
		  const char *uefi_cert, unsigned int keep,
		  const char *const *names, const char *const *paths,
		  size_t count)
{
	struct store_artifact a;
	struct signer *signer = NULL;
	struct store *st = NULL;
	char until[PKI_DATE_MAX];
	size_t i;
	int fd, rc;

	if ((rc = signer_load(&signer, key, cert, root)) != 0)
		return rc;
	signer_set_uefi(signer, uefi_key, uefi_cert);
	if ((rc = artifact_dirs(data_dir)) != 0 ||
	    (rc = store_open_url(&st, data_dir, store_url,
				 store_password_file)) != 0) {
		log_error("data directory %s: %s", data_dir, pb_strerror(rc));
		goto out;
	}
	for (i = 0; i < count; i++) {
		fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
			log_error("%s: %s", paths[i], pb_strerror(rc));
			goto out;
		}
		rc = artifact_import(st, signer, data_dir, keep, names[i], fd,
				     &a);
		close(fd);
		if (rc != 0) {
			log_error("publishing %s as %s: %s", paths[i], names[i],
				  pb_strerror(rc));
			goto out;
		}
		pki_date_string((time_t)a.signer_not_after, until);
		store_event_add(st, "upload", a.name,
				"sha256 %s, %llu bytes, published offline, "
				"signed by %s (serial %s, valid until %s)",
				a.sha256, a.size, a.signer, a.signer_serial,
				until);
		printf("published %s sha256:%s (%llu bytes)\n", a.name, a.sha256,
		       a.size);
		if (a.uefi_sha256[0])
			printf("published %s uefi variant sha256:%s\n", a.name,
			       a.uefi_sha256);
	}
out:
	store_close(st);
	signer_free(signer);
	return rc;
}

/* What "podboot publish" was asked to do. */
struct publish_opts {
	const char *config;		/* --config, $PODBOOT_CONFIG */
	const char *name, *path;	/* the operands */
};

static const struct cmdopt publish_table[] = {
	{ .name = "config", .letter = 'c', .kind = CMDOPT_STR, .arg = "FILE",
	  .off = offsetof(struct publish_opts, config) },
	{ .name = "help", .letter = 'h', .kind = CMDOPT_HELP },
};

/*
 * Publish @o->path as artifact @o->name in the data directory of the
 * configuration @o->config.  The configuration is released here.
 *
 * @ret rc		0 or a negative error, logged
 */
static int publish_run(const struct publish_opts *o)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = NULL;
	int rc;

	if (config_artifact_name_valid(o->name) != 0) {
		log_error("'%s' is not a valid artifact name (segments of "
			  "[A-Za-z0-9._+-] joined by /, not ending in .sig)",
			  o->name);
		return -PB_EBAD_NAME;
	}
	rc = config_load(o->config, &cfg, err, sizeof(err));
	if (rc != 0) {
		log_error("%s", err);
		return rc;
	}
	rc = publish_files(cfg->data_dir, cfg->store_url,
			   cfg->store_password_file, cfg->codesign_key,
			   cfg->codesign_cert, cfg->root_cert, cfg->uefi_key,
			   cfg->uefi_cert, cfg->keep_versions, &o->name,
			   &o->path, 1);
	config_free(cfg);
	return rc;
}

/* "podboot publish": parse, then publish_run(); 0 or an error. */
int publish_main(int argc, char **argv)
{
	struct publish_opts o = { .config = getenv("PODBOOT_CONFIG") };
	int first = 0, rc;

	rc = cmdopt_getopt(publish_table, CMD_N(publish_table), &o, argc, argv,
			   publish_usage, &first);
	if (rc != 0)
		return rc == CMDOPT_HELP_SHOWN ? 0 : rc;
	if (first != argc - 2) {
		publish_usage(stderr);
		return -PB_EUSAGE;
	}
	o.config = cmd_config_path(o.config);
	o.name = argv[first];
	o.path = argv[first + 1];
	return publish_run(&o);
}
