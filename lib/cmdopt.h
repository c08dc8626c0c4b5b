/* cmdopt.h: option tables shared by podboot's commands and the agent: one
 * row per option says its names, what it takes, where the value goes and
 * its help line. */
#ifndef PODBOOT_CMDOPT_H
#define PODBOOT_CMDOPT_H

#include <stddef.h>
#include <stdio.h>

/* What an option takes and how its value is stored at @off. */
enum cmdopt_kind {
	CMDOPT_FLAG,		/* no argument: int set to 1 */
	CMDOPT_STR,		/* const char * pointing into argv */
	CMDOPT_BUF,		/* copied into char[size]; not empty */
	CMDOPT_UINT,		/* unsigned within [min, max] (lib/num.c) */
	CMDOPT_CALL,		/* call(opts, arg) parses it */
	CMDOPT_HELP,		/* --help: the caller prints the usage */
};

/* Where an option may be given (a program with a settings file). */
enum cmdopt_where { CMDOPT_BOTH, CMDOPT_CLI, CMDOPT_FILE };

struct cmdopt {
	const char *name;	/* --name */
	char letter;		/* -letter, or 0 for a long option only */
	enum cmdopt_kind kind;
	size_t off;		/* of the value in the options struct */
	size_t size;		/* CMDOPT_BUF: the buffer's size */
	unsigned min, max;	/* CMDOPT_UINT */
	int (*call)(void *opts, const char *arg);	/* CMDOPT_CALL */
	const char *arg;	/* name of the argument in help; NULL none */
	const char *help;	/* one line, or NULL */
	enum cmdopt_where where;
	int tag;		/* the program's own, e.g. a finer kind */
};

/* A row's .off and .size: those of @field of @type. */
#define CMDOPT_AT(type, field) .off = offsetof(type, field), \
	.size = sizeof(((type *)0)->field)

/* cmdopt_getopt(): --help was given and its usage printed on stdout. */
#define CMDOPT_HELP_SHOWN 1

/* Most rows a table may have. */
#define CMDOPT_MAX 48

/**
 * The row of @tab named @name (@len bytes) or, when @letter is not 0, the
 * row with that letter.
 *
 * @ret row		or NULL
 */
const struct cmdopt *cmdopt_find(const struct cmdopt *tab, size_t n,
				 const char *name, size_t len, char letter);

/**
 * Store @arg (NULL for a flag) as row @d says, into @opts.
 *
 * @ret rc		0, -EINVAL (empty, not a number, a call's refusal),
 *			-ERANGE (number outside the row's range),
 *			-PB_ETOOBIG (too long for the buffer), or what
 *			the row's call returned
 */
int cmdopt_store(const struct cmdopt *d, void *opts, const char *arg);

/**
 * Parse @argv with getopt_long(), from argv[1] on, by the @n rows of
 * @tab (rows of CMDOPT_FILE are skipped), storing every value into @opts.
 * An unknown option or a missing argument is reported by getopt_long(),
 * then @usage(stderr) runs; --help runs @usage(stdout).  A refused value
 * is logged (--NAME and why); a row's call logs its own error.  Operands are left at argv[*first] to argv[argc-1].
 *
 * @ret rc		0, CMDOPT_HELP_SHOWN, -PB_EUSAGE after the usage,
 *			or the first error a row's store returned
 */
int cmdopt_getopt(const struct cmdopt *tab, size_t n, void *opts, int argc,
		  char **argv, void (*usage)(FILE *out), int *first);

/**
 * From now on, cmdopt_getopt() lists its table's command-line rows on
 * stdout (as cmdopt_usage() prints them) instead of parsing, and returns
 * CMDOPT_HELP_SHOWN: how "podboot --list-options COMMAND [SUB]" shows a
 * command's table to scripts/completion and the man page test.
 */
void cmdopt_list_only(void);

/**
 * Print one line per option of @tab given on the command line: letter,
 * --name, argument, help, in the agent's column layout.
 */
void cmdopt_usage(FILE *f, const struct cmdopt *tab, size_t n);

/**
 * As cmdopt_usage(), but a row without a help line is printed as its
 * names and argument alone, with no padding after them (a command's
 * "options:" list under its synopsis).
 */
void cmdopt_usage_list(FILE *f, const struct cmdopt *tab, size_t n);

#endif
