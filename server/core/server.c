/* server.c: generations of the running server's configuration, shared by
 * every request and released by the last one that holds it. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "server.h"

struct server_gen *server_gen_get(struct server *srv)
{
	struct server_gen *gen;

	pthread_mutex_lock(&srv->gen_lock);
	gen = srv->gen;
	atomic_fetch_add(&gen->refs, 1);
	pthread_mutex_unlock(&srv->gen_lock);
	return gen;
}

void server_gen_free(struct server_gen *gen)
{
	/* gen->tls stays until tlskey_free_all(): a handshake may use it. */
	free(gen->tls_cert_pem);
	config_free(gen->cfg);
	free(gen);
}

void server_gen_put(struct server_gen *gen)
{
	if (gen && atomic_fetch_sub(&gen->refs, 1) == 1)
		server_gen_free(gen);
}

void server_replica_name(struct server *srv, char *out, size_t size)
{
	struct server_gen *gen = server_gen_get(srv);
	char host[256];

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(out, size, "%s:%u", host, gen->cfg->port);
	server_gen_put(gen);
}
