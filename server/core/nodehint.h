/* nodehint.h: nodes as this replica last read them from a shared store.
 * A hint lets a request skip a round trip to PostgreSQL where something
 * else confirms it (a push's claim checks the node's row in the same
 * statement) or where a moment's staleness changes nothing (the .sig of
 * the stage2 this replica rendered an instant ago). */
#ifndef PODBOOT_NODEHINT_H
#define PODBOOT_NODEHINT_H

#include <stddef.h>

#include "store.h"

struct node_hints;

/**
 * A table of hints for about @nodes nodes (the configuration's count; a
 * fleet that grows past it only misses more often).
 *
 * @ret hints		NULL when out of memory
 */
struct node_hints *node_hints_new(size_t nodes);

/** Free @h (NULL is fine). */
void node_hints_free(struct node_hints *h);

/**
 * Remember node @n as just read (or moved) in the store: its id, pod,
 * state and generation, stamped now.  Without a table (@h NULL) nothing
 * happens.
 */
void node_hint_put(struct node_hints *h, const struct store_node *n);

/**
 * What was remembered of node @id, at most @max_age_ms old (0: any age).
 *
 * @v out		id, pod, state and generation filled, the rest zero
 * @ret rc		0, or -ENOENT (none, too old, or no table)
 */
int node_hint_get(struct node_hints *h, const char *id, long long max_age_ms,
		  struct store_node *out);

#endif
