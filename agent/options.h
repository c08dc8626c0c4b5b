/* options.h: podboot-agent's settings, from flags and an agent.conf file. */
#ifndef PODBOOT_AGENT_OPTIONS_H
#define PODBOOT_AGENT_OPTIONS_H

#include <limits.h>
#include <stdio.h>

#include "url.h"

#define OPTIONS_SERVERS_MAX 8		/* upstream URLs */
#define OPTIONS_TOKEN_MAX 256		/* bearer token bytes */
#define OPTIONS_FILE_MAX (64 * 1024)	/* agent.conf */

struct options {
	char config[PATH_MAX];		/* --config, "" for none */
	struct url servers[OPTIONS_SERVERS_MAX];
	unsigned n_servers;
	int servers_from_cli;		/* --server replaces the file's list */
	char token[OPTIONS_TOKEN_MAX + 1];	/* wiped by options_free */
	char token_file[PATH_MAX];
	char ca[PATH_MAX];
	unsigned interval;		/* seconds between collections */
	char spool[PATH_MAX];
	unsigned spool_max_mb;
	unsigned timeout;		/* connect and I/O, seconds */
	unsigned failback;		/* seconds before retrying the first */
	char procfs[PATH_MAX];
	int once, print, check, spool_list, verbose, help, version;
	unsigned spool_show;		/* a batch to print; 0 none */
	/* relay mode */
	int relay;
	char listen[URL_MAX + 1];	/* ADDR:PORT */
	char listen_host[URL_MAX + 1];
	char listen_port[6];
	char cert[PATH_MAX];
	char key[PATH_MAX];
	char relay_token_file[PATH_MAX];
	unsigned batch_interval;	/* seconds pushes gather, relay */
	unsigned max_conns;
	char cache_dir[PATH_MAX];	/* "" for no artifact cache */
	unsigned cache_max_mb;
	unsigned cache_workers;		/* threads streaming cache answers */
	unsigned wan_rate_kbps;		/* the cache's fetches; 0: no cap */
	unsigned replay_rate_kbps;	/* spooled catch-up; 0: no cap */
	char pod[64];			/* its artifact set is kept, or "" */
	unsigned cache_set_interval;	/* seconds between asks for the set */
};

#define OPTIONS_CACHE_WORKERS_MAX 16	/* --cache-workers */

/** Defaults for every setting. */
void options_init(struct options *o);

/** Wipe the token; safe to call twice. */
void options_free(struct options *o);

/**
 * Apply the command line, reading --config (if given) first so that flags
 * override the file.  Prints one line naming the problem on failure.
 *
 * @v o			settings, after options_init()
 * @v argc, argv	as main() got them
 * @ret rc		0, -PB_EUSAGE for a usage error, -PB_ECONFIG for a
 *			bad file, or another negative error
 */
int options_parse(struct options *o, int argc, char **argv);

/**
 * Check that the settings fit the mode and read the token into o->token.
 *
 * @ret rc		0 or -PB_ECONFIG (one line says what to fix)
 */
int options_finish(struct options *o);

/**
 * Read a bearer token from @path into @out (OPTIONS_TOKEN_MAX + 1 bytes):
 * the file must be readable by its owner only; trailing whitespace is
 * dropped; the token must be a b64token (RFC 6750).
 *
 * @ret rc		0 or a negative error, logged
 */
int options_read_token(const char *path, char *out);

/** Print the usage text on @f. */
void options_usage(FILE *f);

#endif
