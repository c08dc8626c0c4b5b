/* inspect.h: --spool-list, --spool-show: what a spool directory holds. */
#ifndef PODBOOT_AGENT_INSPECT_H
#define PODBOOT_AGENT_INSPECT_H

#include <stdint.h>
#include <stdio.h>

/**
 * Print one line per spooled batch, oldest first ("SEQ BYTES KIND
 * interval=S"), and for a relay's batches one line per frame (its seq,
 * interval, replay flag, encoding and size; never the token).
 *
 * @ret rc		0 or a negative error (logged)
 */
int inspect_spool(const char *dir, FILE *out);

/**
 * Print spooled batch @seq as text: a push batch decompressed; for a
 * relay's batch, each frame's header (without its token) and text.
 *
 * @ret rc		0 or a negative error (logged)
 */
int inspect_show(const char *dir, uint64_t seq, FILE *out);

#endif
