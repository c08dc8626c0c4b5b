/* bmc_secureboot.h: "podboot bmc NODE secure-boot ...": UEFI Secure Boot
 * through the system's Redfish SecureBoot resource (status, on, off) and
 * the operator's db certificate posted to its SecureBootDatabases. */
#ifndef PODBOOT_BMC_SECUREBOOT_H
#define PODBOOT_BMC_SECUREBOOT_H

#include <stddef.h>

#include <jansson.h>

#include "bmc_ops.h"
#include "config.h"

/* Largest certificate file read for enrol-db. */
#define BMC_SB_DB_SCAN 64		/* db members read for a duplicate */
#define BMC_SB_CERT_FILE_MAX (64u * 1024)

/**
 * Parse the words after the node as bmc_req_parse() does, and also
 * "secure-boot [status|on|off|enrol-db]"; @cert (enrol-db's certificate
 * file, or NULL) goes into @req->arg and is refused with any other verb.
 *
 * @ret rc		0, or -PB_EUSAGE with @err saying why
 */
int bmc_sb_req_parse(int argc, char **argv, const char *uri, const char *cert,
		     struct bmc_req *req, char *err, size_t size);

/** 1 if @v is one of the secure-boot operations, else 0. */
int bmc_sb_verb(enum bmc_verb v);

/** 1 if @v only reads (power status, secure-boot status), else 0. */
int bmc_verb_reads(enum bmc_verb v);

/** What @v is called in events and output ("secure-boot on"). */
const char *bmc_sb_what(enum bmc_verb v);

/**
 * One line for SecureBoot resource @sb: SecureBootEnable,
 * SecureBootCurrentBoot and SecureBootMode as the service shows them
 * ("-" for a member it lacks), and whether it has SecureBootDatabases.
 */
void bmc_sb_state_text(const json_t *sb, char *out, size_t size);

/**
 * The certificate in file @path (PEM or DER, one certificate, at most
 * BMC_SB_CERT_FILE_MAX bytes) as PEM in @pem, its SHA-256 fingerprint in
 * @fp and its subject in @subject.  A private key or anything else is
 * refused.
 *
 * @ret rc		0, or a negative error with @err saying why
 */
int bmc_sb_cert_pem(const char *path, char *pem, size_t size, char fp[65],
		    char *subject, size_t subject_size, char *err,
		    size_t err_size);

/**
 * As bmc_action(), for every verb: the secure-boot ones here (enrol-db's
 * certificate from @req->arg, else @cfg's server.uefi_cert), the others
 * through bmc_action().  A status read is no event.
 *
 * @ret rc		0 or a negative error (-ENOTSUP: the BMC lacks the
 *			resource; @err names it)
 */
int bmc_sb_action(const struct config *cfg, const char *node,
		  const struct config_bmc *b, const struct bmc_req *req,
		  const struct bmc_sink *sk, char *out, size_t size, char *err,
		  size_t err_size);

/**
 * As bmc_run() for every verb: a secure-boot one run here from the
 * command line (its status printed, an action recorded as a "bmc" event
 * of @node in @cfg's store), the others by bmc_run().
 *
 * @ret rc		0 or a negative error, logged as one line
 */
int bmc_sb_run(const struct config *cfg, const char *node,
	       const struct bmc_req *req);

#endif
