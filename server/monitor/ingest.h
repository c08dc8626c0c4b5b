/* ingest.h: metric pushes in, from nodes and relays, and the discovery
 * targets Prometheus scrapes. */
#ifndef PODBOOT_INGEST_H
#define PODBOOT_INGEST_H

#include "http.h"

/** Routes of pushes and service discovery, ended by a NULL prefix. */
extern const struct http_route routes_ingest[];

#endif
