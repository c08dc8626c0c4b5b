/* boot_int.h: what boot.c and boot_cache.c share, and nothing else
 * includes. */
#ifndef PODBOOT_BOOT_INT_H
#define PODBOOT_BOOT_INT_H

#include <stddef.h>

#include "server.h"
#include "store.h"

int boot_artifact(struct server *srv, const char *name,
		  struct store_artifact *out);
int boot_sign(struct server *srv, struct server_gen *gen,
	      const char *script, size_t len, unsigned char **der,
	      size_t *der_len);

#endif
