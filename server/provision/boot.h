/* boot.h: stage2 boot scripts: rendered per machine, signed, cached. */
#ifndef PODBOOT_BOOT_H
#define PODBOOT_BOOT_H

#include "http.h"

#include <stddef.h>

#include "server.h"

struct boot_cache;

/** A cache of signatures keyed by the SHA-256 of the signed script. */
struct boot_cache *boot_cache_new(size_t capacity);
/** Free; NULL is fine. */
void boot_cache_free(struct boot_cache *c);
/** Drop every entry (keys or artifacts changed). */
void boot_cache_clear(struct boot_cache *c);
/** Entries held now. */
size_t boot_cache_size(struct boot_cache *c);

/**
 * Render and sign, in a background thread, the stage2 every configured
 * node would get now, so that a boot storm finds its signatures ready.
 * Takes its own reference on @gen; a worker still running from an
 * earlier call is stopped first.
 */
void boot_precompute(struct server *srv, struct server_gen *gen);

/** Stop and join the precompute worker, if any. */
void boot_precompute_stop(struct server *srv);

/**
 * Check every profile's cmdline for unknown {{placeholders}}.
 *
 * @v err		on failure, one line naming file, profile and name
 * @ret rc		0 or -PB_ECONFIG
 */
int boot_check_cmdlines(const struct config *cfg, char *err, size_t size);

/** Routes of stage2 and its signature, ended by a NULL prefix. */
extern const struct http_route routes_boot[];

/** Routes of the checked first-stage firmware (boot_fw.c): GET and HEAD
 * /boot/fw/POD/FILE on both listeners, ended by a NULL prefix. */
extern const struct http_route routes_boot_fw[];

#endif
