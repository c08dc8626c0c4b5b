/* node.h: the install lifecycle seen from the node: tokens, kickstart,
 * completion, and the operator's re-arm. */
#ifndef PODBOOT_NODE_H
#define PODBOOT_NODE_H

#include "server.h"
#include "store.h"

/* "<id>.<64 hex>" and the NUL. */
#define NODE_TOKEN_MAX (64 + 1 + 64 + 1)

/**
 * The node's token for its current install: HMAC-SHA256 under the
 * server's secret of its id and generation, so that it is stable for one
 * install (stage2 renderings can be signed once) and dies at re-arm.
 */
void node_token(const struct server *srv, const char *id,
		unsigned int generation, char out[NODE_TOKEN_MAX]);

/**
 * Check a presented node token.
 *
 * @v out		receives the node it belongs to
 * @ret rc		0, or -EACCES for any token that is not the current
 *			one of an existing node (compared in constant time)
 */
int node_token_check(struct server *srv, const char *token,
		     struct store_node *out);

/**
 * Check that every profile's kickstart template can be read and uses only
 * known placeholders, so that --check and reload catch what would
 * otherwise fail a machine at install time.
 *
 * @v err		on failure, one line naming file and problem
 * @ret rc		0 or -PB_ECONFIG
 */
int node_check_kickstarts(const struct config *cfg, char *err, size_t size);

#endif
