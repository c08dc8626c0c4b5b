/* nodetoken.h: the per-node credential, made and checked for both rooms
 * that take it (provisioning's kickstart and reports, monitoring's pushes).
 */
#ifndef PODBOOT_NODETOKEN_H
#define PODBOOT_NODETOKEN_H

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

#endif
