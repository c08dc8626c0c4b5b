/* tokeninfo.c: GET /api/v1/token: the name and scopes of the bearer token
 * presented, so that a client (the console) offers only what the token
 * may do.  It tells the holder of a valid secret nothing it lacks. */
#include "config.h"
#include "http.h"
#include "ui.h"

/* GET /api/v1/token: {"token": NAME, "scopes": [...]}; 401 for a missing
 * or unknown token. */
static int tokeninfo_get(struct http_req *r)
{
	static const char *const none[] = { NULL };
	const struct config_token *tok;
	const char *secret;
	json_t *scopes, *out;
	size_t i;
	int rc;

	if ((rc = http_args_only(r, none)) != 0)
		return rc;
	secret = http_bearer(r);
	if (!secret)
		return http_refuse(r, 401, "missing bearer token "
					   "(Authorization: Bearer TOKEN)");
	tok = config_token_find(r->gen->cfg, secret);
	if (!tok)
		return http_refuse(r, 401, "unknown token");
	scopes = json_array();
	for (i = 0; scopes && i < tok->n_scopes; i++)
		json_array_append_new(scopes, json_string(tok->scopes[i]));
	out = scopes ? json_pack("{s:s, s:o}", "token", tok->name,
				 "scopes", scopes) : NULL;
	if (!out)
		return http_refuse(r, 503, "out of memory");
	http_reply_json(r, 200, out);
	return 0;
}

const struct http_route routes_tokeninfo[] = {
	{ "GET", "/api/v1/token", 1, tokeninfo_get, NULL, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 },
};
