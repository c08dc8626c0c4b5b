/* bmc_ops.c: "podboot bmc NODE ...": the words parsed, the node's BMC
 * settings, password and pinned identity put together, the operation
 * run, and each action recorded as an audit event. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "bmc_client.h"
#include "bmc_ops.h"
#include "bmc_trust.h"
#include "error.h"
#include "log.h"
#include "store.h"

/* The words of each operation, and whether it takes an argument. */
static const struct {
	const char *w1, *w2;
	enum bmc_verb verb;
	int takes_arg;
	const char *what;	/* in events and output */
} bmc_words[] = {
	{ "trust", NULL, BMC_TRUST, 0, "trust" },
	{ "power", NULL, BMC_POWER_STATUS, 0, "power status" },
	{ "power", "status", BMC_POWER_STATUS, 0, "power status" },
	{ "power", "on", BMC_DO_ON, 0, "power on" },
	{ "power", "off", BMC_DO_OFF, 0, "power off" },
	{ "power", "cycle", BMC_DO_CYCLE, 0, "power cycle" },
	{ "media", "insert", BMC_MEDIA_INSERT, 1, "media insert" },
	{ "media", "eject", BMC_MEDIA_EJECT, 0, "media eject" },
	{ "boot-once", NULL, BMC_BOOT_ONCE, 1, "boot-once" },
	{ "reinstall", NULL, BMC_REINSTALL, 0, "reinstall" },
};

#define BMC_N_WORDS (sizeof(bmc_words) / sizeof(bmc_words[0]))

const char *bmc_what(enum bmc_verb v)
{
	size_t i;

	for (i = 0; i < BMC_N_WORDS; i++)
		if (bmc_words[i].verb == v)
			return bmc_words[i].what;
	return "?";
}

int bmc_url_ok(const char *url)
{
	const char *p, *end;

	if (strncmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		p = url + 8;
	else
		return 0;
	end = p + strcspn(p, "/");
	if (end == p || memchr(p, '@', (size_t)(end - p)) || strlen(url) > 1024)
		return 0;
	for (p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return 0;
	return 1;
}

/* The word row matching @argv (@argc words), or NULL. */
static int bmc_req_row(int argc, char **argv, size_t *row)
{
	size_t i;
	int used;

	for (i = 0; i < BMC_N_WORDS; i++) {
		if (argc < 1 || strcmp(argv[0], bmc_words[i].w1) != 0)
			continue;
		if (bmc_words[i].w2 && (argc < 2 ||
					strcmp(argv[1], bmc_words[i].w2) != 0))
			continue;
		used = 1 + (bmc_words[i].w2 != NULL) + bmc_words[i].takes_arg;
		if (used != argc)
			continue;
		*row = i;
		return 0;
	}
	return -PB_EUSAGE;
}

int bmc_req_parse(int argc, char **argv, const char *uri,
		  struct bmc_req *req, char *err, size_t size)
{
	size_t row;

	memset(req, 0, sizeof(*req));
	if (bmc_req_row(argc, argv, &row) != 0) {
		snprintf(err, size, "expected trust, power [status|on|off|"
			 "cycle], media insert URL, media eject, boot-once "
			 "Cd|Pxe|UefiHttp or reinstall");
		return -PB_EUSAGE;
	}
	req->verb = bmc_words[row].verb;
	req->arg = bmc_words[row].takes_arg ? argv[argc - 1] : NULL;
	req->uri = uri;
	if (req->verb == BMC_MEDIA_INSERT && !bmc_url_ok(req->arg)) {
		snprintf(err, size, "'%.80s' is not an http:// or https:// URL "
			 "without user or password", req->arg);
		return -PB_EUSAGE;
	}
	if (req->verb == BMC_BOOT_ONCE && strcmp(req->arg, "Cd") != 0 &&
	    strcmp(req->arg, "Pxe") != 0 && strcmp(req->arg, "UefiHttp") != 0) {
		snprintf(err, size, "'%.40s' is not a boot target (expected "
			 "Cd, Pxe or UefiHttp)", req->arg);
		return -PB_EUSAGE;
	}
	if (uri && (req->verb != BMC_BOOT_ONCE ||
		    strcmp(req->arg, "UefiHttp") != 0 || !bmc_url_ok(uri))) {
		snprintf(err, size, "--uri takes an http:// or https:// URL, "
			 "with boot-once UefiHttp only");
		return -PB_EUSAGE;
	}
	return 0;
}

void bmc_event(struct store *st, const char *node, const char *detail)
{
	if (st && store_event_add(st, "bmc", node, "%s", detail) != 0)
		log_warn("bmc %s: the audit event could not be stored", node);
}

void bmc_record(const struct bmc_sink *sk, const char *node, const char *text,
		int failed)
{
	bmc_record_at(sk, node, text, failed, 0);
}

void bmc_record_at(const struct bmc_sink *sk, const char *node,
		   const char *text, int failed, long long at)
{
	char ev[2600];

	if (sk->actor) {
		snprintf(ev, sizeof(ev), "%s (by %s)", text, sk->actor);
		bmc_event(sk->st, node, ev);
	} else {
		bmc_event(sk->st, node, text);
	}
	if (sk->step) {
		sk->step(sk->ctx, node, text, failed, at);
	} else if (failed) {
		log_error("bmc %s: %s", node, text);
	} else {
		printf("%s: %s\n", node, text);
		fflush(stdout);
	}
}

/*
 * "trust": learn the BMC's key fingerprint on first use; a different one
 * only with @accept_change.  Pinned by the configuration: nothing to learn.
 */
static int bmc_do_trust(const struct config *cfg, const char *node,
			const struct config_bmc *b, int accept_change,
			struct store *st)
{
	char seen[65], known[65], err[300], ev[400];
	int rc, had;

	if (b->tls_ca[0] || b->tls_fingerprint[0]) {
		printf("%s: the BMC's identity is pinned in the configuration "
		       "(bmc.%s): nothing to learn\n", node,
		       b->tls_ca[0] ? "tls_ca" : "tls_fingerprint");
		return 0;
	}
	if ((rc = bmc_trust_fetch(b->url, seen, err, sizeof(err))) != 0) {
		log_error("bmc %s: %s", node, err);
		return rc;
	}
	had = bmc_trust_pin_load(cfg->data_dir, node, known) == 0;
	if (had && strcmp(known, seen) == 0) {
		printf("%s: the BMC shows the key already trusted, sha256 %s\n",
		       node, seen);
		return 0;
	}
	if (had && !accept_change) {
		snprintf(ev, sizeof(ev), "trust refused: the BMC's key changed "
			 "from sha256 %s to %s", known, seen);
		bmc_event(st, node, ev);
		log_error("bmc %s: the BMC's certificate key changed (trusted "
			  "sha256 %s, now %s): refused; if the change is "
			  "expected, podboot bmc %s trust --accept-change",
			  node, known, seen, node);
		return -EKEYREJECTED;
	}
	if ((rc = bmc_trust_pin_save(cfg->data_dir, node, seen)) != 0) {
		log_error("bmc %s: recording the fingerprint: %s", node,
			  pb_strerror(rc));
		return rc;
	}
	snprintf(ev, sizeof(ev), "trust: %s sha256 %s", had ? "changed to" :
		 "learned", seen);
	bmc_event(st, node, ev);
	printf("%s: trusted the BMC's key, sha256 %s\n", node, seen);
	return 0;
}

/* The libcurl pin of @b: configured, else learned.  0 or -ENOKEY. */
static int bmc_identity(const struct config *cfg, const char *node,
			const struct config_bmc *b, char *pin, size_t size)
{
	char hex[65];

	pin[0] = '\0';
	if (b->tls_ca[0])
		return 0;
	if (b->tls_fingerprint[0])
		return bmc_rf_pin(b->tls_fingerprint, pin, size);
	if (bmc_trust_pin_load(cfg->data_dir, node, hex) != 0)
		return -ENOKEY;
	return bmc_rf_pin(hex, pin, size);
}

/* Run the action of @req on open @c; the outcome's words in @out. */
static int bmc_act(struct bmc_client *c, const struct bmc_req *req,
		   char *out, size_t size)
{
	char sent[64], where[BMC_PATH_MAX], note[200];
	int rc;

	switch (req->verb) {
	case BMC_POWER_STATUS:
		return bmc_power_state(c, out, size);
	case BMC_DO_ON:
	case BMC_DO_OFF:
	case BMC_DO_CYCLE:
		rc = bmc_power(c, req->verb == BMC_DO_ON ? BMC_POWER_ON :
			       req->verb == BMC_DO_OFF ? BMC_POWER_OFF :
			       BMC_POWER_CYCLE, sent, sizeof(sent));
		snprintf(out, size, "ResetType %s", sent);
		return rc;
	case BMC_MEDIA_INSERT:
		rc = bmc_media_insert(c, req->arg, where, sizeof(where));
		snprintf(out, size, "%s into %s", req->arg, where);
		return rc;
	case BMC_MEDIA_EJECT:
		rc = bmc_media_eject(c, where, sizeof(where));
		snprintf(out, size, "%s", where);
		return rc;
	case BMC_BOOT_ONCE:
		rc = bmc_boot_once(c, req->arg, req->uri, note, sizeof(note));
		snprintf(out, size, "%s%s%s%s", req->arg, req->uri ? " " : "",
			 req->uri ? req->uri : "", note);
		return rc;
	default:
		return -EINVAL;
	}
}

int bmc_connect(const struct config *cfg, const char *node,
		const struct config_bmc *b, struct bmc_client *c, char *err,
		size_t err_size)
{
	char pin[64], password[BMC_PASSWORD_MAX];
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = bmc_identity(cfg, node, b, pin, sizeof(pin))) != 0) {
		snprintf(err, err_size, "no pinned identity for the BMC (run "
			 "podboot bmc %s trust, or set bmc.tls_fingerprint or "
			 "bmc.tls_ca)", node);
		return rc;
	}
	if ((rc = bmc_trust_password(b->password_file, password, err,
				     err_size)) != 0)
		return rc;
	rc = bmc_open(c, node, b->url, pin, b->tls_ca, b->user, password,
		      b->system);
	mbedtls_platform_zeroize(password, sizeof(password));
	if (rc != 0) {
		snprintf(err, err_size, "%s", c->http.err[0] ? c->http.err :
			 pb_strerror(rc));
		bmc_close(c);
	}
	return rc;
}

int bmc_action(const struct config *cfg, const char *node,
	       const struct config_bmc *b, const struct bmc_req *req,
	       const struct bmc_sink *sk, char *out, size_t size, char *err,
	       size_t err_size)
{
	struct bmc_sink quiet = *sk;
	char ev[2500];
	struct bmc_client c;
	int rc;

	quiet.st = req->verb == BMC_POWER_STATUS ? NULL : sk->st;
	out[0] = err[0] = '\0';
	if ((rc = bmc_connect(cfg, node, b, &c, err, err_size)) == 0) {
		if ((rc = bmc_act(&c, req, out, size)) != 0)
			snprintf(err, err_size, "%s", c.http.err[0] ?
				 c.http.err : pb_strerror(rc));
		bmc_close(&c);
	}
	if (rc == 0 && req->verb == BMC_POWER_STATUS)
		return 0;
	if (rc == 0)
		snprintf(ev, sizeof(ev), "%s: %s", bmc_what(req->verb), out);
	else
		snprintf(ev, sizeof(ev), "%s failed: %s", bmc_what(req->verb),
			 err);
	bmc_record(&quiet, node, ev, rc != 0);	/* a read is no event */
	return rc;
}

/* Run an operation other than trust on @b's BMC from the command line. */
static int bmc_do(const struct config *cfg, const char *node,
		  const struct config_bmc *b, const struct bmc_req *req,
		  struct store *st)
{
	struct bmc_sink sk = { .st = st };
	char out[1200], err[1200];
	int rc;

	rc = bmc_action(cfg, node, b, req, &sk, out, sizeof(out), err,
			sizeof(err));
	if (rc == 0 && req->verb == BMC_POWER_STATUS)
		printf("%s: %s\n", node, out);
	return rc;
}

int bmc_run(const struct config *cfg, const char *node,
	    const struct bmc_req *req)
{
	const struct config_node *n = config_node_by_id(cfg, node);
	struct store *st = NULL;
	int rc;

	if (req->iso && (req->verb != BMC_REINSTALL || !bmc_url_ok(req->iso))) {
		log_error("bmc: --iso takes an http:// or https:// URL without "
			  "user or password, with reinstall only");
		return -PB_EUSAGE;
	}
	if (!n || !n->bmc) {
		log_error("bmc %s: %s", node, n ? "the node has no bmc group "
			  "in the configuration" : "no such node in the "
			  "configuration");
		return -ENOENT;
	}
	if (req->verb != BMC_POWER_STATUS &&
	    (rc = store_open(&st, cfg->data_dir)) != 0) {
		log_error("data directory %s: %s", cfg->data_dir,
			  pb_strerror(rc));
		return rc;
	}
	if (req->verb == BMC_TRUST)
		rc = bmc_do_trust(cfg, node, n->bmc, req->accept_change, st);
	else if (req->verb == BMC_REINSTALL)
		rc = bmc_reinstall(cfg, n, req, &(struct bmc_sink){ .st = st });
	else
		rc = bmc_do(cfg, node, n->bmc, req, st);
	store_close(st);
	return rc;
}
