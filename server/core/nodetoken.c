/* nodetoken.c: per-node tokens, HMAC-SHA256 under the server's secret of a
 * node's id and install generation. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <nettle/hmac.h>

#include "digest.h"
#include "nodetoken.h"
#include "token.h"

void node_token(const struct server *srv, const char *id,
		unsigned int generation, char out[NODE_TOKEN_MAX])
{
	struct hmac_sha256_ctx ctx;
	uint8_t mac[SHA256_DIGEST_SIZE];
	char msg[96];
	int n;

	n = snprintf(msg, sizeof(msg), "podboot-node\n%s\n%u", id, generation);
	hmac_sha256_set_key(&ctx, sizeof(srv->node_secret), srv->node_secret);
	hmac_sha256_update(&ctx, (size_t)n, (const uint8_t *)msg);
	hmac_sha256_digest(&ctx, sizeof(mac), mac);
	n = snprintf(out, NODE_TOKEN_MAX, "%s.", id);
	digest_hex(mac, sizeof(mac), out + n);
}

int node_token_check(struct server *srv, const char *token,
		     struct store_node *out)
{
	char want[NODE_TOKEN_MAX];
	const char *dot = strrchr(token, '.');
	char id[64];
	size_t len;

	if (!dot || strlen(dot + 1) != 64)
		return -EACCES;
	len = (size_t)(dot - token);
	if (len == 0 || len >= sizeof(id))
		return -EACCES;
	memcpy(id, token, len);
	id[len] = '\0';
	if (store_node_get(srv->store, id, out) != 0)
		return -EACCES;
	node_token(srv, id, out->generation, want);
	return token_equal(token, want) ? 0 : -EACCES;
}
