/* bmc_http.h: requests to one BMC's Redfish service over libcurl: the
 * pinned TLS identity, the credentials, bounded bodies and retries, and
 * one log line per request that never holds a credential. */
#ifndef PODBOOT_BMC_HTTP_H
#define PODBOOT_BMC_HTTP_H

#include <stddef.h>

#include <curl/curl.h>
#include <jansson.h>

#include "bmc_redfish.h"

/* Largest reply body taken from a BMC. */
#define BMC_BODY_MAX (1u << 20)
/* Attempts of one request (the first and the retries). */
#define BMC_ATTEMPTS 4

/** A connection's settings and credentials. */
struct bmc_http {
	CURL *curl;
	char node[64];		/* for the log */
	char base[256];		/* https://host[:port] */
	char pin[64];		/* "sha256//BASE64", or "" with @ca */
	char ca[4096];		/* CA file, or "" with @pin */
	char user[64];
	char *password;		/* owned, wiped by bmc_http_free() */
	char token[512];	/* X-Auth-Token of the session, or "" */
	int basic;		/* no session: basic authentication */
	unsigned int backoff_ms;	/* first retry's wait, then doubled */
	long status;		/* HTTP status of the last reply, or 0 */
	char err[1200];		/* the last failure, one line */
};

/** One reply. */
struct bmc_reply {
	long status;
	json_t *body;		/* the JSON body, or NULL */
	char etag[128];
	char location[BMC_PATH_MAX];	/* a path of the service, or "" */
	char token[512];	/* X-Auth-Token, or "" */
	unsigned int retry_after;	/* seconds, 0: none said */
};

/**
 * Set up @h for the BMC at @base, pinned by @pin (libcurl's
 * "sha256//BASE64") or verified by CA file @ca with its name checked.
 * Takes a copy of @password (wiped at the end).
 *
 * @ret rc		0, -EINVAL (neither pin nor CA), -ENOMEM
 */
int bmc_http_init(struct bmc_http *h, const char *node, const char *base,
		  const char *pin, const char *ca, const char *user,
		  const char *password);

/**
 * Send @method @path (a path of the service) with JSON @body (or NULL)
 * and If-Match @if_match (or NULL), retrying transport failures and
 * 502/503/504 with back-off (at most BMC_ATTEMPTS; a POST only when it
 * cannot have been received).  Fills @r (bmc_reply_free() it).
 *
 * @ret rc		0 for a 2xx reply; -EKEYREJECTED (TLS identity not
 *			the pinned one), -EACCES (401, 403), -ENOENT (404),
 *			-EPROTO (other status, or a body that is not JSON),
 *			-ECONNREFUSED, -ETIMEDOUT, -EIO; @h->err says why
 */
int bmc_http_request(struct bmc_http *h, const char *method, const char *path,
		     const json_t *body, const char *if_match,
		     struct bmc_reply *r);

/**
 * How long to wait before attempt @attempt (1 is the first retry) of
 * @method after libcurl's @cc and HTTP @status, or -1: do not retry.
 */
long bmc_http_retry_ms(const char *method, int cc, long status,
		       unsigned int attempt, unsigned int backoff_ms);

/** Free what @r holds; safe twice. */
void bmc_reply_free(struct bmc_reply *r);

/** Wipe the credentials and free @h; safe twice. */
void bmc_http_free(struct bmc_http *h);

#endif
