/* promtext_int.h: what the parser and the writer of the Prometheus text
 * format share (promtext.c): the name grammar and the TYPE words. */
#ifndef PODBOOT_PROMTEXT_INT_H
#define PODBOOT_PROMTEXT_INT_H

#include <stddef.h>

#include "promtext.h"

/**
 * 1 if @name matches the metric (@metric 1: [a-zA-Z_:][a-zA-Z0-9_:]*) or
 * label ([a-zA-Z_][a-zA-Z0-9_]*) name grammar and has 1 to PROM_NAME_MAX
 * bytes; reserved "__" label names are not refused here.
 */
int promtext_name_valid(const char *name, int metric);

/**
 * The type whose lower-case TYPE word is the @n bytes at @word.
 *
 * @ret rc		0 and *@type set, or -ENOENT for no such word
 */
int promtext_type_parse(const char *word, size_t n, enum prom_type *type);

/** The TYPE word of @type, or NULL for a value outside the enum. */
const char *promtext_type_word(enum prom_type type);

#endif
