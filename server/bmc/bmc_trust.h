/* bmc_trust.h: what a BMC connection trusts and proves: the password
 * read from its 0600 file, and the BMC's TLS key fingerprint, learned on
 * first use and kept in the data directory. */
#ifndef PODBOOT_BMC_TRUST_H
#define PODBOOT_BMC_TRUST_H

#include <stddef.h>

/* Longest password read from a password file. */
#define BMC_PASSWORD_MAX 256

/**
 * Read the password from @path: a regular file of the user running
 * podboot that neither group nor others may read (mode 0600 or 0400),
 * not a symbolic link; one line, its newline dropped.
 *
 * @v out		BMC_PASSWORD_MAX bytes; the caller wipes it
 * @ret rc		0, -EPERM (group or others may read it, or another
 *			user owns it), -EINVAL (empty, or a control
 *			character), -PB_ETOOBIG, or -errno; @err says why
 */
int bmc_trust_password(const char *path, char *out, char *err,
		       size_t err_size);

/**
 * The learned fingerprint of node @node: @data_dir/bmc/NODE.pin.
 *
 * @ret rc		0 with 64 hex digits in @hex, -ENOENT (none learned
 *			yet), -EPROTO (the file is damaged)
 */
int bmc_trust_pin_load(const char *data_dir, const char *node, char hex[65]);

/** Record @hex as node @node's fingerprint (atomically, mode 0644). */
int bmc_trust_pin_save(const char *data_dir, const char *node,
		       const char *hex);

/**
 * Connect to @url without trusting it and without sending anything, and
 * take the SHA-256 of the public key (SubjectPublicKeyInfo, DER) of the
 * certificate it shows, as 64 hex digits.
 *
 * @ret rc		0, -ECONNREFUSED, -EIO, -EPROTO; @err says why
 */
int bmc_trust_fetch(const char *url, char hex[65], char *err,
		    size_t err_size);

/**
 * The SHA-256 of the public key of the PEM certificate @pem as 64 hex
 * digits.  0 or -EPROTO.
 */
int bmc_trust_pem_key_hash(const char *pem, char hex[65]);

#endif
