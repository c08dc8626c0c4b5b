/* template.c: {{name}} substitution for boot scripts and kickstarts. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "template.h"

/* The value of the variable named by @len bytes at @name, or NULL. */
static const char *template_lookup(const struct template_var *vars,
				   const char *name, size_t len)
{
	for (; vars->name; vars++)
		if (strlen(vars->name) == len &&
		    memcmp(vars->name, name, len) == 0)
			return vars->value;
	return NULL;
}

int template_render(const char *tpl, const struct template_var *vars,
		    char *out, size_t size, size_t *len, char unknown[64])
{
	const char *p = tpl, *open, *close, *value;
	size_t off = 0, n;

	if (size == 0)
		return -PB_ETOOBIG;
	while (*p) {
		open = strstr(p, "{{");
		n = open ? (size_t)(open - p) : strlen(p);
		if (n >= size - off)
			return -PB_ETOOBIG;
		memcpy(out + off, p, n);
		off += n;
		if (!open)
			break;
		close = strstr(open + 2, "}}");
		if (!close) {
			snprintf(unknown, 64, "%.40s", open);
			return -EINVAL;
		}
		value = template_lookup(vars, open + 2,
					(size_t)(close - open - 2));
		if (!value) {
			snprintf(unknown, 64, "%.*s",
				 (int)(close - open - 2 < 60 ?
					       close - open - 2 : 60),
				 open + 2);
			return -EINVAL;
		}
		n = strlen(value);
		if (n >= size - off)
			return -PB_ETOOBIG;
		memcpy(out + off, value, n);
		off += n;
		p = close + 2;
	}
	out[off] = '\0';
	if (len)
		*len = off;
	return 0;
}
