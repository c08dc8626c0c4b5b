/* log.h: one-line diagnostics on standard error. */
#ifndef PODBOOT_LOG_H
#define PODBOOT_LOG_H

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/** Set the program name printed before each line (not copied). */
void log_set_program(const char *name);
/** Set the most verbose level printed (default LOG_LVL_INFO). */
void log_set_level(enum log_level level);
/** Print one line at @level, "program: text". */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/** Log an mbedTLS failure with mbedTLS's own text; returns nothing. */
void log_mbedtls(const char *what, int mbedtls_rc);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
