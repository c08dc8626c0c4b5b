/* ui.h: the fleet web console, served at /ui/. */
#ifndef PODBOOT_UI_H
#define PODBOOT_UI_H

#include "http.h"

/** Routes of /ui and /ui/FILE, ended by a NULL prefix. */
extern const struct http_route routes_ui[];

/** Routes of /api/v1/token (the presented token's name and scopes). */
extern const struct http_route routes_tokeninfo[];

#endif
