/* log.c: one-line diagnostics on standard error. */
#include <stdarg.h>
#include <stdio.h>

#include <mbedtls/error.h>

#include "log.h"
#include "redact.h"

static const char *log_program = "podboot";
static enum log_level log_level = LOG_LVL_INFO;

void log_set_program(const char *name)
{
	log_program = name;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = { "error: ", "warning: ", "",
					      "debug: " };
	char line[1024];
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	redact_secrets(line);	/* whatever a caller passed: never a token */
	fprintf(stderr, "%s: %s%s\n", log_program, prefix[level], line);
}

void log_mbedtls(const char *what, int mbedtls_rc)
{
	char text[160];

	mbedtls_strerror(mbedtls_rc, text, sizeof(text));
	log_debug("%s: mbedTLS -0x%04x: %s", what, (unsigned)-mbedtls_rc,
		  text);
}
