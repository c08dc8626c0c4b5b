/* bmc_secureboot.c: "podboot bmc NODE secure-boot ...": the system's
 * Redfish SecureBoot resource (found from its SecureBoot link) read and
 * switched, and the operator's UEFI db certificate posted to the db of its
 * SecureBootDatabases; each action an audit event like the other bmc
 * commands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/x509_crt.h>

#include "bmc_client.h"
#include "bmc_http.h"
#include "bmc_secureboot.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "pki.h"
#include "store.h"

/* The secure-boot words and what each is called. */
static const struct {
	const char *w2;
	enum bmc_verb verb;
	const char *what;
} bmc_sb_words[] = {
	{ NULL, BMC_SB_STATUS, "secure-boot status" },
	{ "status", BMC_SB_STATUS, "secure-boot status" },
	{ "on", BMC_SB_ON, "secure-boot on" },
	{ "off", BMC_SB_OFF, "secure-boot off" },
	{ "enrol-db", BMC_SB_ENROL_DB, "secure-boot enrol-db" },
};

#define BMC_SB_N (sizeof(bmc_sb_words) / sizeof(bmc_sb_words[0]))

int bmc_sb_verb(enum bmc_verb v)
{
	return v == BMC_SB_STATUS || v == BMC_SB_ON || v == BMC_SB_OFF ||
	       v == BMC_SB_ENROL_DB;
}

int bmc_verb_reads(enum bmc_verb v)
{
	return v == BMC_POWER_STATUS || v == BMC_SB_STATUS;
}

const char *bmc_sb_what(enum bmc_verb v)
{
	size_t i;

	for (i = 0; i < BMC_SB_N; i++)
		if (bmc_sb_words[i].verb == v)
			return bmc_sb_words[i].what;
	return bmc_what(v);
}

int bmc_sb_req_parse(int argc, char **argv, const char *uri, const char *cert,
		     struct bmc_req *req, char *err, size_t size)
{
	size_t i;
	int rc;

	if (argc < 1 || strcmp(argv[0], "secure-boot") != 0) {
		if ((rc = bmc_req_parse(argc, argv, uri, req, err, size)) != 0)
			return rc;
		if (cert) {
			snprintf(err, size, "--cert goes with secure-boot "
				 "enrol-db only");
			return -PB_EUSAGE;
		}
		return 0;
	}
	memset(req, 0, sizeof(*req));
	for (i = 0; i < BMC_SB_N && argc <= 2; i++)
		if (argc == 1 ? !bmc_sb_words[i].w2 :
		    bmc_sb_words[i].w2 && !strcmp(argv[1], bmc_sb_words[i].w2))
			break;
	if (i == BMC_SB_N || argc > 2) {
		snprintf(err, size, "expected secure-boot [status|on|off|"
			 "enrol-db]");
		return -PB_EUSAGE;
	}
	if (uri || (cert && bmc_sb_words[i].verb != BMC_SB_ENROL_DB)) {
		snprintf(err, size, "secure-boot takes no --uri, and --cert "
			 "with enrol-db only");
		return -PB_EUSAGE;
	}
	req->verb = bmc_sb_words[i].verb;
	req->arg = cert;
	return 0;
}

/* Member @key of @o as text: a string, true/false, or "-" when absent. */
static const char *bmc_sb_member(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	return "-";
}

void bmc_sb_state_text(const json_t *sb, char *out, size_t size)
{
	snprintf(out, size, "SecureBootEnable %s, SecureBootCurrentBoot %.40s, "
		 "SecureBootMode %.40s%s", bmc_sb_member(sb, "SecureBootEnable"),
		 bmc_sb_member(sb, "SecureBootCurrentBoot"),
		 bmc_sb_member(sb, "SecureBootMode"),
		 json_object_get(sb, "SecureBootDatabases") ?
			 ", SecureBootDatabases offered" : "");
}

int bmc_sb_cert_pem(const char *path, char *pem, size_t size, char fp[65],
		    char *subject, size_t subject_size, char *err,
		    size_t err_size)
{
	mbedtls_x509_crt crt;
	unsigned char *buf = NULL;
	size_t len = 0, n;
	int rc;

	mbedtls_x509_crt_init(&crt);
	if ((rc = fileio_read(path, BMC_SB_CERT_FILE_MAX, &buf, &len)) != 0) {
		snprintf(err, err_size, "the db certificate %s: %s", path,
			 pb_strerror(rc));
		goto out;
	}
	/* PEM needs its NUL counted; DER is taken as it is. */
	n = len && memchr(buf, '\0', len) == NULL &&
	    strstr((char *)buf, "-----BEGIN") ? len + 1 : len;
	if (mbedtls_x509_crt_parse(&crt, buf, n) != 0 || crt.next) {
		snprintf(err, err_size, "%s holds no single X.509 certificate "
			 "(PEM or DER, as keys issue-uefi writes uefi-db.crt "
			 "and uefi-db.cer)", path);
		rc = -PB_ECERT_PARSE;
		goto out;
	}
	if ((rc = pki_cert_pem(&crt, (unsigned char *)pem, size, &n)) != 0) {
		snprintf(err, err_size, "%s: the certificate is too large",
			 path);
		goto out;
	}
	pki_fingerprint(&crt, fp);
	if (pki_name_string(&crt.subject, subject, subject_size) != 0)
		snprintf(subject, subject_size, "?");
out:
	mbedtls_x509_crt_free(&crt);
	free(buf);
	return rc;
}

/* GET @path into *@out with its ETag (header, else @odata.etag) in
 * @etag; the caller json_decref()s *@out. */
static int bmc_sb_get(struct bmc_client *c, const char *path, json_t **out,
		      char *etag, size_t etag_size)
{
	struct bmc_reply r;
	const char *e;
	int rc;

	rc = bmc_http_request(&c->http, "GET", path, NULL, NULL, &r);
	if (rc == 0 && !json_is_object(r.body)) {
		snprintf(c->http.err, sizeof(c->http.err), "GET %s: no JSON "
			 "object", path);
		rc = -EPROTO;
	}
	if (rc == 0) {
		e = json_string_value(json_object_get(r.body, "@odata.etag"));
		snprintf(etag, etag_size, "%s", r.etag[0] ? r.etag :
			 e ? e : "");
		*out = r.body;
		r.body = NULL;
	}
	bmc_reply_free(&r);
	return rc;
}

/* The SecureBoot resource of the system: its path into @path, it into
 * *@sb (json_decref() it), its ETag into @etag. */
static int bmc_sb_find(struct bmc_client *c, char *path, size_t size,
		       json_t **sb, char *etag, size_t etag_size)
{
	char tag[128];
	json_t *sys = NULL;
	int rc;

	if ((rc = bmc_sb_get(c, c->system, &sys, tag, sizeof(tag))) != 0)
		return rc;
	rc = bmc_rf_link(sys, "SecureBoot", path, size);
	json_decref(sys);
	if (rc != 0) {
		snprintf(c->http.err, sizeof(c->http.err), "the BMC's system "
			 "%s has no SecureBoot resource (Redfish "
			 "ComputerSystem.SecureBoot): switch Secure Boot in "
			 "the machine's setup menu", c->system);
		return -ENOTSUP;
	}
	return bmc_sb_get(c, path, sb, etag, etag_size);
}

/* "secure-boot status": the resource's state into @out. */
static int bmc_sb_status(struct bmc_client *c, char *out, size_t size)
{
	char path[BMC_PATH_MAX], etag[128];
	json_t *sb = NULL;
	int rc;

	if ((rc = bmc_sb_find(c, path, sizeof(path), &sb, etag,
			      sizeof(etag))) == 0)
		bmc_sb_state_text(sb, out, size);
	json_decref(sb);
	return rc;
}

/* PATCH @path with @body, If-Match @etag when there is one; a 428 (the
 * service wants If-Match) fetches the ETag and sends it again once. */
static int bmc_sb_patch(struct bmc_client *c, const char *path,
			const json_t *body, char *etag, size_t etag_size)
{
	struct bmc_reply r;
	json_t *again = NULL;
	int rc;

	rc = bmc_http_request(&c->http, "PATCH", path, body,
			      etag[0] ? etag : NULL, &r);
	if (rc != 0 && r.status == 428 && !etag[0]) {
		bmc_reply_free(&r);
		if ((rc = bmc_sb_get(c, path, &again, etag, etag_size)) != 0)
			return rc;
		json_decref(again);
		if (!etag[0]) {
			snprintf(c->http.err, sizeof(c->http.err), "PATCH %s: "
				 "the BMC wants If-Match (428) but shows no "
				 "ETag", path);
			return -EPROTO;
		}
		rc = bmc_http_request(&c->http, "PATCH", path, body, etag, &r);
	}
	bmc_reply_free(&r);
	return rc;
}

/* "secure-boot on|off": PATCH SecureBootEnable, then read it back; the
 * state after into @out. */
static int bmc_sb_set(struct bmc_client *c, int on, char *out, size_t size)
{
	char path[BMC_PATH_MAX], etag[128], state[300];
	json_t *sb = NULL, *body = NULL;
	int rc;

	if ((rc = bmc_sb_find(c, path, sizeof(path), &sb, etag,
			      sizeof(etag))) != 0)
		goto out;
	if (!json_is_boolean(json_object_get(sb, "SecureBootEnable"))) {
		snprintf(c->http.err, sizeof(c->http.err), "%s shows no "
			 "SecureBootEnable to change", path);
		rc = -ENOTSUP;
		goto out;
	}
	if (!(body = json_pack("{s:b}", "SecureBootEnable", on))) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = bmc_sb_patch(c, path, body, etag, sizeof(etag))) != 0)
		goto out;
	json_decref(sb);
	sb = NULL;
	if ((rc = bmc_sb_get(c, path, &sb, etag, sizeof(etag))) != 0)
		goto out;
	bmc_sb_state_text(sb, state, sizeof(state));
	if (json_is_true(json_object_get(sb, "SecureBootEnable")) != !!on) {
		snprintf(c->http.err, sizeof(c->http.err), "the BMC took the "
			 "PATCH but reads %s", state);
		rc = -EIO;
		goto out;
	}
	/* The firmware applies it at its next boot: say when it differs. */
	snprintf(out, size, "%s%s", state, strcmp(bmc_sb_member(sb,
		 "SecureBootCurrentBoot"), on ? "Enabled" : "Disabled") ?
		 " (takes effect at the next boot)" : "");
out:
	json_decref(body);
	json_decref(sb);
	return rc;
}

/* The Certificates collection of the db of the SecureBootDatabases of
 * @sb (at @sb_path) into @out; -ENOTSUP naming what the BMC lacks. */
static int bmc_sb_db_certs(struct bmc_client *c, const json_t *sb,
			   const char *sb_path, char *out, size_t size)
{
	char path[BMC_PATH_MAX], etag[128];
	json_t *j = NULL;
	int rc;

	if (bmc_rf_link(sb, "SecureBootDatabases", path, sizeof(path)) != 0) {
		snprintf(c->http.err, sizeof(c->http.err), "the BMC's %s has "
			 "no SecureBootDatabases (Redfish SecureBoot 1.1): it "
			 "cannot take a db certificate; enrol it in the "
			 "machine's setup menu or with scripts/uefi-enrol-media "
			 "(docs/secure-boot.md)", sb_path);
		return -ENOTSUP;
	}
	if ((rc = bmc_sb_get(c, path, &j, etag, sizeof(etag))) != 0)
		return rc;
	rc = bmc_rf_member(j, "db", out, size);
	json_decref(j);
	j = NULL;
	if (rc != 0) {
		snprintf(c->http.err, sizeof(c->http.err), "the BMC's %s "
			 "lists no db database", path);
		return -ENOTSUP;
	}
	snprintf(path, sizeof(path), "%s", out);
	if ((rc = bmc_sb_get(c, path, &j, etag, sizeof(etag))) != 0)
		return rc;
	rc = bmc_rf_link(j, "Certificates", out, size);
	json_decref(j);
	if (rc != 0) {
		snprintf(c->http.err, sizeof(c->http.err), "the BMC's db "
			 "database %s has no Certificates collection to post "
			 "to", path);
		return -ENOTSUP;
	}
	return 0;
}

/* The SHA-256 fingerprint of the one certificate in @pem into @fp; 0,
 * or -PB_ECERT_PARSE (not PEM, or not one certificate). */
static int bmc_sb_pem_fp(const char *pem, char fp[65])
{
	mbedtls_x509_crt crt;
	int rc = -PB_ECERT_PARSE;

	mbedtls_x509_crt_init(&crt);
	if (pem && strstr(pem, "-----BEGIN") &&
	    mbedtls_x509_crt_parse(&crt, (const unsigned char *)pem,
				   strlen(pem) + 1) == 0 && !crt.next) {
		pki_fingerprint(&crt, fp);
		rc = 0;
	}
	mbedtls_x509_crt_free(&crt);
	return rc;
}

/*
 * Whether the db's Certificates collection @certs already holds the
 * certificate of fingerprint @fp (its member's path into @where): 1 if
 * so, 0 if not, or a negative error.  Members that are not one PEM
 * certificate (another type, or none shown) are passed over; at most
 * BMC_SB_DB_SCAN members are read.
 */
static int bmc_sb_db_has(struct bmc_client *c, const char *certs,
			 const char *fp, char *where, size_t size)
{
	char etag[128], mfp[65];
	json_t *coll = NULL, *m = NULL, *members;
	const char *p;
	size_t i;
	int rc, found = 0;

	if ((rc = bmc_sb_get(c, certs, &coll, etag, sizeof(etag))) != 0)
		return rc;
	members = json_object_get(coll, "Members");
	for (i = 0; !found && i < json_array_size(members) &&
		    i < BMC_SB_DB_SCAN; i++) {
		p = json_string_value(json_object_get(
			json_array_get(members, i), "@odata.id"));
		if (!p || !bmc_rf_path_ok(p) || strlen(p) >= size)
			continue;
		if ((rc = bmc_sb_get(c, p, &m, etag, sizeof(etag))) != 0)
			break;
		if (bmc_sb_pem_fp(json_string_value(json_object_get(
				  m, "CertificateString")), mfp) == 0 &&
		    strcmp(mfp, fp) == 0) {
			snprintf(where, size, "%s", p);
			found = 1;
		}
		json_decref(m);
		m = NULL;
	}
	json_decref(coll);
	return rc ? rc : found;
}

/* "secure-boot enrol-db": the certificate of file @cert POSTed as PEM
 * to the db's Certificates, unless db holds it already; what was added,
 * and where, into @out. */
static int bmc_sb_enrol(struct bmc_client *c, const char *cert, char *out,
			size_t size)
{
	char sb_path[BMC_PATH_MAX], certs[BMC_PATH_MAX], etag[128];
	char pem[PKI_PEM_MAX], fp[65], subject[256], have[BMC_PATH_MAX];
	struct bmc_reply r;
	json_t *sb = NULL, *body = NULL;
	int rc;

	if ((rc = bmc_sb_cert_pem(cert, pem, sizeof(pem), fp, subject,
				  sizeof(subject), c->http.err,
				  sizeof(c->http.err))) != 0)
		return rc;
	if ((rc = bmc_sb_find(c, sb_path, sizeof(sb_path), &sb, etag,
			      sizeof(etag))) != 0 ||
	    (rc = bmc_sb_db_certs(c, sb, sb_path, certs, sizeof(certs))) != 0)
		goto out;
	/* Enrolling it twice would fill the firmware's variable store */
	rc = bmc_sb_db_has(c, certs, fp, have, sizeof(have));
	if (rc < 0)
		goto out;
	if (rc == 1) {
		snprintf(out, size, "db certificate %.200s (sha256 %s) is in "
			 "db already, as %s: nothing added", subject, fp, have);
		rc = 0;
		goto out;
	}
	if (!(body = json_pack("{s:s,s:s}", "CertificateString", pem,
			       "CertificateType", "PEM"))) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = bmc_http_request(&c->http, "POST", certs, body, NULL,
				   &r)) == 0)
		snprintf(out, size, "db certificate %.200s (sha256 %s) added "
			 "to %s%s%s", subject, fp, certs, r.location[0] ?
			 " as " : "", r.location);
	bmc_reply_free(&r);
out:
	json_decref(body);
	json_decref(sb);
	return rc;
}

/* Run secure-boot @req on open @c; the outcome's words in @out. */
static int bmc_sb_act(struct bmc_client *c, const struct config *cfg,
		      const struct bmc_req *req, char *out, size_t size)
{
	const char *cert = req->arg ? req->arg : cfg->uefi_cert;

	switch (req->verb) {
	case BMC_SB_STATUS:
		return bmc_sb_status(c, out, size);
	case BMC_SB_ON:
	case BMC_SB_OFF:
		return bmc_sb_set(c, req->verb == BMC_SB_ON, out, size);
	case BMC_SB_ENROL_DB:
		if (!cert || !cert[0]) {
			snprintf(c->http.err, sizeof(c->http.err), "no UEFI db "
				 "certificate: give --cert FILE (the key "
				 "ceremony's uefi-db.cer) or set "
				 "server.uefi_cert");
			return -ENOENT;
		}
		return bmc_sb_enrol(c, cert, out, size);
	default:
		return -EINVAL;
	}
}

int bmc_sb_action(const struct config *cfg, const char *node,
		  const struct config_bmc *b, const struct bmc_req *req,
		  const struct bmc_sink *sk, char *out, size_t size, char *err,
		  size_t err_size)
{
	struct bmc_sink quiet = *sk;
	struct bmc_client c;
	char ev[2500];
	int rc;

	if (!bmc_sb_verb(req->verb))
		return bmc_action(cfg, node, b, req, sk, out, size, err,
				  err_size);
	quiet.st = bmc_verb_reads(req->verb) ? NULL : sk->st;
	out[0] = err[0] = '\0';
	if ((rc = bmc_connect(cfg, node, b, &c, err, err_size)) == 0) {
		if ((rc = bmc_sb_act(&c, cfg, req, out, size)) != 0)
			snprintf(err, err_size, "%s", c.http.err[0] ?
				 c.http.err : pb_strerror(rc));
		bmc_close(&c);
	}
	if (rc == 0 && bmc_verb_reads(req->verb))
		return 0;
	if (rc == 0)
		snprintf(ev, sizeof(ev), "%s: %s", bmc_sb_what(req->verb),
			 out);
	else
		snprintf(ev, sizeof(ev), "%s failed: %s",
			 bmc_sb_what(req->verb), err);
	bmc_record(&quiet, node, ev, rc != 0);	/* a read is no event */
	return rc;
}

int bmc_sb_run(const struct config *cfg, const char *node,
	       const struct bmc_req *req)
{
	const struct config_node *n = config_node_by_id(cfg, node);
	struct store *st = NULL;
	char out[1200], err[1200];
	int rc;

	if (!bmc_sb_verb(req->verb))
		return bmc_run(cfg, node, req);
	if (!n || !n->bmc) {
		log_error("bmc %s: %s", node, n ? "the node has no bmc group "
			  "in the configuration" : "no such node in the "
			  "configuration");
		return -ENOENT;
	}
	if (!bmc_verb_reads(req->verb) &&
	    (rc = store_open(&st, cfg->data_dir)) != 0) {
		log_error("data directory %s: %s", cfg->data_dir,
			  pb_strerror(rc));
		return rc;
	}
	rc = bmc_sb_action(cfg, node, n->bmc, req,
			   &(struct bmc_sink){ .st = st }, out, sizeof(out),
			   err, sizeof(err));
	if (rc == 0 && bmc_verb_reads(req->verb))
		printf("%s: %s\n", node, out);
	store_close(st);
	return rc;
}
