/* boot_int.h: what the stage2 files share (boot.c serves, boot_render.c
 * renders, boot_cache.c keeps signatures, boot_precompute.c signs ahead),
 * and nothing else includes. */
#ifndef PODBOOT_BOOT_INT_H
#define PODBOOT_BOOT_INT_H

#include <stddef.h>

#include "server.h"
#include "store.h"

#define BOOT_SCRIPT_MAX 8192

/** A rendered stage2 script. */
struct boot_render {
	char script[BOOT_SCRIPT_MAX];
	size_t len;
};

/** Everything a node's installer script says. */
struct boot_install_in {
	const char *node;		/* the node's id */
	const char *hostname, *mac, *address;
	const char *pod, *profile;
	const char *cmdline;		/* the profile's cmdline template */
	unsigned int generation;
	const char *base;		/* the URL the script points at */
	const char *kernel, *kernel_sha256;
	const char *initrd, *initrd_sha256;
	const char *token;		/* the node's token for its kickstart */
	const char *signer;		/* CN that imgverify demands; NULL:
					 * unverified (plain HTTP) */
	const char *cache;		/* the pod's cache, tried first; NULL */
};

/** The local-boot script into @out. */
void boot_render_local(struct boot_render *out);

/**
 * The discovery script for a server at @base into @out; with @signer, it
 * verifies the next stage2 against that signer's CN.
 *
 * @ret rc		0 or template_render()'s error
 */
int boot_render_discover(const char *base, const char *signer,
			 struct boot_render *out);

/**
 * A node's installer script from @in into @out: kernel and initrd by
 * hash, each verified when @in->signer is set, the profile's cmdline
 * filled in.
 *
 * @v err		on failure, one line saying what (an unknown cmdline
 *			placeholder, a script that does not fit)
 * @ret rc		0, -EINVAL (unknown placeholder) or -PB_ETOOBIG
 */
int boot_render_install(const struct boot_install_in *in,
			struct boot_render *out, char *err, size_t err_size);

/** 1 if @mac is one firmware reports when it has none (all zeros or all
 * ones): never a machine's own; else 0. */
int boot_mac_placeholder(const char *mac);

/**
 * The digest stage2 pins for kernel @k: its uefi variant's (URL and .sig
 * for imgverify) on a node with Secure Boot when the variant exists,
 * else the original's.
 *
 * @v secure_boot	the node's or its profile's secure_boot
 * @ret sha256		k->uefi_sha256 or k->sha256
 */
const char *boot_kernel_digest(const struct store_artifact *k,
			       int secure_boot);

/**
 * Gather what node @cn (row @sn) needs from the store and keys, and
 * render its installer for @base, verified unless @verified is 0.
 *
 * @ret rc		0, -ENOENT (kernel or initrd not published), or
 *			boot_render_install()'s error; @err says which
 */
int boot_install(struct server *srv, struct server_gen *gen,
		 const struct config_node *cn, const struct store_node *sn,
		 const char *base, int verified, struct boot_render *out,
		 char *err, size_t err_size);

/**
 * boot_install() with @token in the kickstart URL instead of the node's
 * own (boot_preview.c passes a redacted one); @token is not taken.
 *
 * @ret rc		as boot_install()
 */
int boot_install_token(struct server *srv, struct server_gen *gen,
		       const struct config_node *cn,
		       const struct store_node *sn, const char *base,
		       int verified, const char *token,
		       struct boot_render *out, char *err, size_t err_size);

/** The latest version of artifact @name into @out; 0 or -ENOENT. */
int boot_artifact(struct server *srv, const char *name,
		  struct store_artifact *out);

/**
 * The detached signature of @script, from the cache or made now (and
 * cached).  The caller frees *@der.
 *
 * @ret rc		0, or signer_sign_digest()'s error (-EPIPE: the
 *			signer is gone)
 */
int boot_sign(struct server *srv, struct server_gen *gen,
	      const char *script, size_t len, unsigned char **der,
	      size_t *der_len);

#endif
