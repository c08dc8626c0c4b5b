/* cmdopt.c: option tables shared by podboot's commands and the agent:
 * lookup, storing a value, getopt_long() over a table, the help lines. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cmdopt.h"
#include "error.h"
#include "log.h"
#include "num.h"

/* Set by cmdopt_list_only(): list the table, parse nothing. */
static int cmdopt_listing;

void cmdopt_list_only(void)
{
	cmdopt_listing = 1;
}

const struct cmdopt *cmdopt_find(const struct cmdopt *tab, size_t n,
				 const char *name, size_t len, char letter)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (letter ? tab[i].letter == letter :
			     strlen(tab[i].name) == len &&
				     strncmp(tab[i].name, name, len) == 0)
			return &tab[i];
	}
	return NULL;
}

int cmdopt_store(const struct cmdopt *d, void *opts, const char *arg)
{
	char *field = (char *)opts + d->off;

	switch (d->kind) {
	case CMDOPT_FLAG:
		*(int *)field = 1;
		return 0;
	case CMDOPT_STR:
		*(const char **)field = arg;
		return 0;
	case CMDOPT_BUF:
		if (!*arg)
			return -EINVAL;
		if (strlen(arg) >= d->size)
			return -PB_ETOOBIG;
		memcpy(field, arg, strlen(arg) + 1);
		return 0;
	case CMDOPT_UINT:
		return num_parse_uint(arg, d->min, d->max, (unsigned *)field);
	case CMDOPT_CALL:
		return d->call(opts, arg);
	case CMDOPT_HELP:
		return 0;
	}
	return -EINVAL;
}

/*
 * The getopt_long() tables for the command-line rows of @tab: @longopts
 * (CMDOPT_MAX + 1 entries) with val = row index + 256, and @shorts ("+"
 * not used: operands may come between options, as getopt permutes them).
 */
static int cmdopt_tables(const struct cmdopt *tab, size_t n,
			 struct option *longopts, char *shorts)
{
	size_t i, k = 0, s = 0;

	if (n > CMDOPT_MAX)
		return -PB_ETOOBIG;
	for (i = 0; i < n; i++) {
		if (tab[i].where == CMDOPT_FILE)
			continue;
		longopts[k].name = tab[i].name;
		longopts[k].has_arg = tab[i].arg ? required_argument :
						   no_argument;
		longopts[k].flag = NULL;
		longopts[k++].val = (int)i + 256;
		if (tab[i].letter) {
			shorts[s++] = tab[i].letter;
			if (tab[i].arg)
				shorts[s++] = ':';
		}
	}
	memset(&longopts[k], 0, sizeof(longopts[k]));
	shorts[s] = '\0';
	return 0;
}

/* The row getopt_long() returned @c for: by val, or by letter. */
static const struct cmdopt *cmdopt_row(const struct cmdopt *tab, size_t n,
				       int c)
{
	if (c >= 256 && (size_t)(c - 256) < n)
		return &tab[c - 256];
	return c > 0 && c < 256 ? cmdopt_find(tab, n, NULL, 0, (char)c) :
				  NULL;
}

/*
 * Say why row @d refused @arg (@rc from cmdopt_store()) for the kinds
 * whose refusal the table itself words: an empty or too long value, a
 * number out of range.  A row's call words its own.
 */
static void cmdopt_refusal(const struct cmdopt *d, const char *arg, int rc)
{
	if (d->kind == CMDOPT_UINT)
		log_error("--%s '%.40s' is not a whole number from %u to %u",
			  d->name, arg, d->min, d->max);
	else if (d->kind == CMDOPT_BUF && rc == -PB_ETOOBIG)
		log_error("--%s '%.40s...' is too long (at most %zu bytes)",
			  d->name, arg, d->size - 1);
	else if (d->kind == CMDOPT_BUF)
		log_error("--%s needs a value that is not empty", d->name);
}

int cmdopt_getopt(const struct cmdopt *tab, size_t n, void *opts, int argc,
		  char **argv, void (*usage)(FILE *out), int *first)
{
	struct option longopts[CMDOPT_MAX + 1];
	char shorts[2 * CMDOPT_MAX + 1];
	const struct cmdopt *d;
	int c, rc;

	if ((rc = cmdopt_tables(tab, n, longopts, shorts)) != 0)
		return rc;
	if (cmdopt_listing) {
		cmdopt_usage(stdout, tab, n);
		return CMDOPT_HELP_SHOWN;
	}
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		d = cmdopt_row(tab, n, c);
		if (!d) {
			usage(stderr);
			return -PB_EUSAGE;
		}
		if (d->kind == CMDOPT_HELP) {
			usage(stdout);
			return CMDOPT_HELP_SHOWN;
		}
		if ((rc = cmdopt_store(d, opts, optarg)) != 0) {
			cmdopt_refusal(d, optarg, rc);
			return rc;
		}
	}
	*first = optind;
	return 0;
}

/*
 * One line per command-line row of @tab on @f: letter, --name, argument,
 * and the help text in a column; a row without help ends after its
 * argument unless @pad_bare (the agent's layout pads every line).
 */
static void cmdopt_lines(FILE *f, const struct cmdopt *tab, size_t n,
			 int pad_bare)
{
	char left[64];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct cmdopt *d = &tab[i];
		const char *l;

		if (d->where == CMDOPT_FILE)
			continue;
		snprintf(left, sizeof(left), "%s%c%s--%s%s%s",
			 d->letter ? "-" : "", d->letter ? d->letter : ' ',
			 d->letter ? ", " : "  ", d->name, d->arg ? " " : "",
			 d->arg ? d->arg : "");
		l = d->letter ? left : left + 1;
		if (d->help || pad_bare)
			fprintf(f, "  %-30s %s\n", l, d->help ? d->help : "");
		else
			fprintf(f, "  %s\n", l);
	}
}

void cmdopt_usage(FILE *f, const struct cmdopt *tab, size_t n)
{
	cmdopt_lines(f, tab, n, 1);
}

void cmdopt_usage_list(FILE *f, const struct cmdopt *tab, size_t n)
{
	cmdopt_lines(f, tab, n, 0);
}
