/* template.h: {{name}} substitution for boot scripts and kickstarts. */
#ifndef PODBOOT_TEMPLATE_H
#define PODBOOT_TEMPLATE_H

#include <stddef.h>

/** One variable: name without braces, and its value. */
struct template_var {
	const char *name;
	const char *value;
};

/**
 * Render @tpl, replacing each {{name}} by its value from @vars (a
 * NULL-name-terminated list).  Text outside {{ }} is copied unchanged,
 * so iPXE's own ${...} settings pass through.
 *
 * @v out		output buffer, always NUL-terminated on success
 * @v size		its size
 * @v len		receives the output length (may be NULL)
 * @v unknown		on -EINVAL, receives the unknown name (64 bytes)
 * @ret rc		0, -EINVAL for an unknown or unterminated {{, or
 *			-PB_ETOOBIG if the result does not fit
 */
int template_render(const char *tpl, const struct template_var *vars,
		    char *out, size_t size, size_t *len, char unknown[64]);

#endif
