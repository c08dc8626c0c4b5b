/* node.h: the install lifecycle seen from the node: tokens, kickstart,
 * completion, and the operator's re-arm (node tokens: nodetoken.h). */
#ifndef PODBOOT_NODE_H
#define PODBOOT_NODE_H

#include "http.h"

#include "server.h"
#include "store.h"

/**
 * Check that every profile's kickstart template can be read and uses only
 * known placeholders, so that --check and reload catch what would
 * otherwise fail a machine at install time.
 *
 * @v err		on failure, one line naming file and problem
 * @ret rc		0 or -PB_ECONFIG
 */
int node_check_kickstarts(const struct config *cfg, char *err, size_t size);

/** Routes of kickstarts, install reports and the operator's node actions. */
extern const struct http_route routes_node[];

#endif
