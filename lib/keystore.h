/* keystore.h: the key directory: the ceremony that fills it and its layout. */
#ifndef PODBOOT_KEYSTORE_H
#define PODBOOT_KEYSTORE_H

#include <limits.h>
#include <stddef.h>

#include "pki.h"

/* A TLS server identity: PREFIX.key, PREFIX.crt, PREFIX-chain.crt. */
#define KEYSTORE_KEY_EXT ".key"
#define KEYSTORE_CRT_EXT ".crt"
#define KEYSTORE_CHAIN_EXT "-chain.crt"

/* File names inside a key directory. */
#define KEYSTORE_ROOT_CRT "root.crt"
#define KEYSTORE_ROOT_KEY "root.key"
#define KEYSTORE_CODESIGN_CRT "codesign.crt"
#define KEYSTORE_CODESIGN_KEY "codesign.key"
#define KEYSTORE_SERVER "server"
#define KEYSTORE_SERVER_CRT KEYSTORE_SERVER KEYSTORE_CRT_EXT
#define KEYSTORE_SERVER_CHAIN KEYSTORE_SERVER KEYSTORE_CHAIN_EXT
#define KEYSTORE_SERVER_KEY KEYSTORE_SERVER KEYSTORE_KEY_EXT
#define KEYSTORE_RETIRED "retired"
/* The UEFI db signing key (keys issue-uefi, import-uefi), apart from the
 * CMS code-signing key: its key, its certificate (PEM) and the same
 * certificate in DER, the form firmware setup menus enrol. */
#define KEYSTORE_UEFI_KEY "uefi-db.key"
#define KEYSTORE_UEFI_CRT "uefi-db.crt"
#define KEYSTORE_UEFI_CER "uefi-db.cer"
/** Where keys issue-server writes by default: DIR/issued/NAME.*. */
#define KEYSTORE_ISSUED "issued"

/** Common name of the code-signing certificate: what stage1 pins. */
#define KEYSTORE_CODESIGN_CN "podboot-codesign"

struct keystore_init_opts {
	const char *dir;		/* created 0700 if missing */
	const char *server_name;	/* the TLS certificate's CN and a SAN */
	const char *const *names;	/* further DNS names or IP literals */
	size_t n_names;
	const char *org;		/* O= of every subject */
	enum pki_algo algo;
	unsigned int root_days;
	unsigned int leaf_days;
	int force;			/* replace existing keys */
};

/**
 * The key ceremony: a self-signed root CA, a code-signing certificate and
 * a TLS server certificate under it, private keys 0600.
 *
 * @v opts		what to create
 * @v fingerprint	receives the root's SHA-256 fingerprint in hex
 * @ret rc		0, -PB_EKEYS_EXIST without --force, or another error
 */
int keystore_init(const struct keystore_init_opts *opts, char fingerprint[65]);

/**
 * Issue a new code-signing key and certificate under the existing root.
 * The old certificate moves to retired/codesign-SERIAL.crt; its key is
 * replaced, since nothing may sign with it again.  Signatures it made keep
 * verifying until it expires: they carry the certificate.
 *
 * @v dir		key directory holding root.crt and root.key
 * @v days		validity of the new certificate
 * @v serial		receives the new certificate's serial in hex (65 bytes)
 * @ret rc		0 or a negative error
 */
int keystore_rotate_codesign(const char *dir, unsigned int days,
			     char serial[65]);

/** The files of one TLS server identity, as full paths. */
struct keystore_server_files {
	char key[PATH_MAX];		/* private key, mode 0600 */
	char crt[PATH_MAX];		/* the certificate alone */
	char chain[PATH_MAX];		/* the certificate, then the root */
};

struct keystore_issue_opts {
	const char *dir;		/* holds root.crt and root.key */
	const char *name;		/* CN and first subjectAltName */
	const char *const *names;	/* further DNS names or IP literals */
	size_t n_names;
	const char *prefix;		/* output prefix; NULL: DIR/issued/NAME */
	enum pki_algo algo;
	int algo_given;			/* else the root key's algorithm */
	unsigned int days;
	int force;			/* replace existing files */
};

/**
 * Issue a further TLS server key and certificate under the root, for a
 * relay or another server: CN=NAME, serverAuth, not a CA.  Writes
 * PREFIX.key (0600), PREFIX.crt and PREFIX-chain.crt (the certificate,
 * then the root), each atomically and, without force, only where no
 * file exists.  Every failure is logged here, in one line.
 *
 * @v opts		what to issue
 * @v files		receives the paths of the files
 * @v crt		initialised and empty; receives the new certificate
 * @ret rc		0, -PB_EKEYS_EXIST without force, -PB_EBAD_NAME,
 *			-ENOENT for a missing root key, or another error
 */
int keystore_issue_server(const struct keystore_issue_opts *opts,
			  struct keystore_server_files *files,
			  mbedtls_x509_crt *crt);

struct fileio_staged;

/**
 * Put staged @files in place in order (FILEIO_EXCL in @flags: only where
 * none exists), or, if one fails, take back all of them: the old files
 * stay, or with FILEIO_EXCL only those this run created are removed.
 * Each failure is logged, naming its file.
 *
 * @ret rc		0 or the first error
 */
int keystore_place(struct fileio_staged *files, size_t n, int flags);

/** What keys issue-uefi makes (keystore_uefi.c). */
struct keystore_uefi_opts {
	const char *dir;		/* created 0700 if missing */
	const char *cn;			/* the certificate's CN */
	unsigned int days;		/* its validity */
	unsigned int bits;		/* RSA 2048 or 3072 */
};

/**
 * Issue the operator's UEFI db signing key: RSA, a self-signed
 * certificate (digitalSignature, codeSigning, not a CA), written as
 * DIR/uefi-db.key (0600), DIR/uefi-db.crt (PEM) and DIR/uefi-db.cer (DER,
 * to enrol), all or none, never over an existing file.  Every failure
 * is logged here.
 *
 * @v o		what to issue
 * @v crt		initialised, empty; receives the certificate
 * @ret rc		0, -PB_EKEYS_EXIST, -PB_EUSAGE or another error
 */
int keystore_uefi_issue(const struct keystore_uefi_opts *o,
			mbedtls_x509_crt *crt);

/** What keys import-uefi takes in. */
struct keystore_uefi_import {
	const char *dir;		/* created 0700 if missing */
	const char *key;		/* the private key, PEM or DER */
	const char *cert;		/* its certificate, PEM or DER */
	const char *pass;		/* the key's passphrase, or NULL */
};

/**
 * Import an existing UEFI db key and certificate into DIR's uefi-db.*
 * files, as keystore_uefi_issue() writes them (the key unencrypted, mode
 * 0600): the key must be RSA of 2048 to 4096 bits and belong to the
 * certificate.  Every failure is logged here.
 *
 * @v o		what to import
 * @v crt		initialised, empty; receives the certificate
 * @ret rc		0, -PB_EKEYS_EXIST, -PB_EKEY_PARSE (unreadable, or
 *			encrypted and no or a wrong passphrase),
 *			-PB_EAUTH_KEY, -PB_EKEY_MISMATCH or another error
 */
int keystore_uefi_import(const struct keystore_uefi_import *o,
			 mbedtls_x509_crt *crt);

/** Path of @file inside @dir into @out; 0 or -PB_ETOOBIG. */
int keystore_path(char *out, size_t size, const char *dir, const char *file);

/**
 * Load a signing identity: key, certificate chain (signer first, then the
 * root so that signatures carry it to iPXE), checked to belong together.
 *
 * @v key_path		private key file
 * @v cert_path		signer certificate (PEM may hold intermediates too)
 * @v extra_path	further certificate to include (the root), or NULL
 * @v key		initialised context, filled
 * @v chain		initialised chain, filled
 */
int keystore_load_signer(const char *key_path, const char *cert_path,
			 const char *extra_path, mbedtls_pk_context *key,
			 mbedtls_x509_crt *chain);

#endif
