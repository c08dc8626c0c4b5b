/* promtext.c: the Prometheus text format's vocabulary, shared by its
 * parser (promtext_parse.c) and writer (promtext_write.c): the grammar of
 * metric and label names and the words of # TYPE lines. */
#include <errno.h>
#include <string.h>

#include "promtext.h"
#include "promtext_int.h"

static const struct {
	const char *word;
	enum prom_type type;
} promtext_types[] = {
	{ "untyped", PROM_UNTYPED },	 { "counter", PROM_COUNTER },
	{ "gauge", PROM_GAUGE },	 { "histogram", PROM_HISTOGRAM },
	{ "summary", PROM_SUMMARY },
};

#define PROMTEXT_N_TYPES (sizeof(promtext_types) / sizeof(promtext_types[0]))

/* ---- names ------------------------------------------------------------ */

/* 1 if @c may stand in a name; @metric allows ':', @first refuses digits. */
static int promtext_name_char(char c, int metric, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (c == ':' && metric) || (!first && c >= '0' && c <= '9');
}

/* 1 if @name matches the name grammar (promtext_int.h says which). */
int promtext_name_valid(const char *name, int metric)
{
	size_t i = 0;

	/* Look no further than one byte past the longest name. */
	while (i <= PROM_NAME_MAX && name[i] &&
	       promtext_name_char(name[i], metric, i == 0))
		i++;
	return i > 0 && i <= PROM_NAME_MAX && name[i] == '\0';
}

int promtext_metric_name_valid(const char *name)
{
	return name && promtext_name_valid(name, 1);
}

int promtext_label_name_valid(const char *name)
{
	return name && promtext_name_valid(name, 0) &&
	       strncmp(name, "__", 2) != 0;
}

/* ---- types ------------------------------------------------------------ */

int promtext_type_parse(const char *word, size_t n, enum prom_type *type)
{
	size_t i = 0;

	while (i < PROMTEXT_N_TYPES &&
	       (strlen(promtext_types[i].word) != n ||
		memcmp(promtext_types[i].word, word, n) != 0))
		i++;
	if (i == PROMTEXT_N_TYPES)
		return -ENOENT;
	*type = promtext_types[i].type;
	return 0;
}

const char *promtext_type_word(enum prom_type type)
{
	size_t i = 0;

	while (i < PROMTEXT_N_TYPES && promtext_types[i].type != type)
		i++;
	return i < PROMTEXT_N_TYPES ? promtext_types[i].word : NULL;
}
