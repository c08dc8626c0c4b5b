/* kea_leases.h: Kea's leases of machines podboot.conf does not know,
 * recorded as discovered before they ever fetch stage2. */
#ifndef PODBOOT_KEA_LEASES_H
#define PODBOOT_KEA_LEASES_H

#include <stddef.h>

#include "config.h"
#include "store.h"

/* What one pass over Kea's leases found. */
struct kea_lease_counts {
	unsigned int leases;		/* active leases Kea holds */
	unsigned int known;		/* of configured machines */
	unsigned int recorded;		/* unknown, recorded now */
	unsigned int before;		/* unknown, recorded before */
	unsigned int skipped;		/* unknown, not recorded: the bound,
					 * or policy.unknown not "discover" */
	unsigned int bad;		/* without a usable MAC */
};

/**
 * Ask the Kea at @socket for its leases (lease4-get-all, from Kea's
 * lease commands hook) and record each unknown machine's MAC as
 * discovered in @st, within policy.max_discovered; nothing is recorded
 * unless policy.unknown is "discover".
 *
 * @ret rc		0; -PB_ECONFIG when Kea refused or lacks the hook
 *			(reason in @err); -errno, -EPROTO or -ETIMEDOUT
 *			for the socket; a store error
 */
int kea_leases_discover(const struct config *cfg, struct store *st,
			const char *socket, struct kea_lease_counts *c,
			char *err, size_t err_size);

#endif
