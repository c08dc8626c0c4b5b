/* ui_int.h: the console's pure parts, for ui.c and its unit suite: which
 * compiled-in file a path names, its ETag, and whether a request's
 * If-None-Match matches it. */
#ifndef PODBOOT_UI_INT_H
#define PODBOOT_UI_INT_H

#include <stddef.h>

/* What every console reply carries: the page may load script, style,
 * images and API calls from its own origin only, no inline script or
 * style, no plugin, no frame around it, no form posted anywhere. */
#define UI_CSP "default-src 'none'; script-src 'self'; style-src 'self'; " \
	"connect-src 'self'; img-src 'self'; base-uri 'none'; " \
	"form-action 'none'; frame-ancestors 'none'"

#define UI_ETAG_SIZE 67		/* '"', 64 hex digits, '"', NUL */

struct ui_asset {
	const char *name;		/* path under /ui/ */
	const char *type;		/* Content-Type */
	const unsigned char *data;
	size_t len;
	char etag[UI_ETAG_SIZE];	/* "SHA-256 of data", set once */
};

/**
 * The compiled-in file that @name (the path after "/ui/") names: "" is
 * index.html; anything but an exact file name (a subfolder, "..", a
 * query) names none.  ETags are computed on the first call.
 *
 * @ret asset		or NULL (the caller answers 404)
 */
const struct ui_asset *ui_asset_find(const char *name);

/**
 * 1 if @if_none_match (the request's header, or NULL) names @etag: the
 * exact value or one member of a comma-separated list, W/ allowed, or
 * "*"; 0 otherwise (the whole file is sent).
 */
int ui_etag_matches(const char *if_none_match, const char *etag);

#endif
