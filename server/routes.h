/* routes.h: each module's table of HTTP routes, ended by a NULL prefix. */
#ifndef PODBOOT_ROUTES_H
#define PODBOOT_ROUTES_H

#include "http.h"

extern const struct http_route routes_boot[];		/* boot.c */
extern const struct http_route routes_artifact[];	/* artifact.c */
extern const struct http_route routes_node[];		/* node.c */
extern const struct http_route routes_api[];		/* api.c */
extern const struct http_route routes_ingest[];		/* ingest.c */
extern const struct http_route routes_alert[];		/* alert.c */

#endif
