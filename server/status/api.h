/* api.h: the read-only status API: nodes, pods, artifacts, events. */
#ifndef PODBOOT_API_H
#define PODBOOT_API_H

#include "http.h"

/** Routes of /api/v1 (reads) and /healthz, ended by a NULL prefix. */
extern const struct http_route routes_api[];

#endif
