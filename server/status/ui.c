/* ui.c: the fleet web console's static files (ui/, compiled in by
 * ui_assets.S), served at /ui/ with a strict Content-Security-Policy and
 * ETags; docs/console.md says what the console shows. */
#include <pthread.h>
#include <string.h>

#include "digest.h"
#include "ui.h"
#include "ui_int.h"

/* Bounds of each file, from ui_assets.S. */
extern const unsigned char ui_index_html[], ui_index_html_end[];
extern const unsigned char ui_app_js[], ui_app_js_end[];
extern const unsigned char ui_app_css[], ui_app_css_end[];
extern const unsigned char ui_favicon_svg[], ui_favicon_svg_end[];

static struct ui_asset ui_assets[] = {
	{ "index.html", "text/html; charset=utf-8", NULL, 0, "" },
	{ "app.js", "text/javascript; charset=utf-8", NULL, 0, "" },
	{ "app.css", "text/css; charset=utf-8", NULL, 0, "" },
	{ "favicon.svg", "image/svg+xml", NULL, 0, "" },
};

static pthread_once_t ui_once = PTHREAD_ONCE_INIT;

/* Fill in each file's bounds and ETag (the SHA-256 of its bytes): once. */
static void ui_assets_init(void)
{
	const unsigned char *bounds[][2] = {
		{ ui_index_html, ui_index_html_end },
		{ ui_app_js, ui_app_js_end },
		{ ui_app_css, ui_app_css_end },
		{ ui_favicon_svg, ui_favicon_svg_end },
	};
	uint8_t sum[32];
	size_t i;

	for (i = 0; i < sizeof(ui_assets) / sizeof(ui_assets[0]); i++) {
		ui_assets[i].data = bounds[i][0];
		ui_assets[i].len = (size_t)(bounds[i][1] - bounds[i][0]);
		digest_sha256(ui_assets[i].data, ui_assets[i].len, sum);
		ui_assets[i].etag[0] = '"';
		digest_hex(sum, sizeof(sum), ui_assets[i].etag + 1);
		memcpy(ui_assets[i].etag + 65, "\"", 2);
	}
}

const struct ui_asset *ui_asset_find(const char *name)
{
	size_t i;

	pthread_once(&ui_once, ui_assets_init);
	if (!name)
		return NULL;
	if (!*name)
		name = "index.html";
	for (i = 0; i < sizeof(ui_assets) / sizeof(ui_assets[0]); i++)
		if (strcmp(ui_assets[i].name, name) == 0)
			return &ui_assets[i];
	return NULL;
}

int ui_etag_matches(const char *if_none_match, const char *etag)
{
	size_t n = strlen(etag);
	const char *p = if_none_match;

	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p == '*' || (strncmp(p, etag, n) == 0 &&
				  (p[n] == '\0' || p[n] == ',' ||
				   p[n] == ' ' || p[n] == '\t')))
			return 1;
		p = strchr(p, ',');
	}
	return 0;
}

/* Add the headers every console reply carries to @resp: the policy, no
 * type sniffing, no referrer, revalidation by @etag. */
static void ui_headers(struct MHD_Response *resp, const char *etag)
{
	MHD_add_response_header(resp, "Content-Security-Policy", UI_CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-cache");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
}

/* GET /ui/FILE: the file, or 304 when the client holds it already. */
static int ui_get(struct http_req *r)
{
	static const char *const none[] = { NULL };
	const struct ui_asset *a;
	struct MHD_Response *resp;
	int rc, fresh;

	if ((rc = http_args_only(r, none)) != 0)
		return rc;
	a = ui_asset_find(r->rest);
	if (!a)
		return http_refuse(r, 404, "no such file in the console");
	fresh = ui_etag_matches(http_header(r, "If-None-Match"), a->etag);
	resp = fresh ? http_response_data("", 0, NULL) :
		       http_response_data(a->data, a->len, a->type);
	if (!resp)
		return http_refuse(r, 503, "out of memory");
	ui_headers(resp, a->etag);
	http_queue(r, fresh ? 304 : 200, resp);
	return 0;
}

/* GET /ui: the console lives at /ui/ (its files are relative to it). */
static int ui_redirect(struct http_req *r)
{
	struct MHD_Response *resp = http_response_data("", 0, NULL);

	if (!resp)
		return http_refuse(r, 503, "out of memory");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, "/ui/");
	http_queue(r, 301, resp);
	return 0;
}

const struct http_route routes_ui[] = {
	{ "GET", "/ui", 1, ui_redirect, NULL, NULL, NULL, 0 },
	{ "GET", "/ui/", 0, ui_get, NULL, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 },
};
