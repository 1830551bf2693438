/*
 * options.h - command-line options as data.
 *
 * Each command declares a table of struct option; options_parse() reads argv
 * with it and options_usage() prints the command's -h from the same table,
 * so the help can never forget an option.  Long options are matched exactly
 * (no abbreviations that a later option could make ambiguous); a near miss
 * gets a "did you mean".
 */
#ifndef PR_OPTIONS_H
#define PR_OPTIONS_H

#include <stdio.h>

enum option_type {
	OPTION_END,
	OPTION_FLAG,    /* value: int *, set to 1 */
	OPTION_STRING,  /* value: const char **, the argument */
	OPTION_LIST,    /* value: struct option_list *, every occurrence */
	OPTION_OPTARG,  /* value: const char **; "--name" alone sets it to "",
			 * "--name=VALUE" to VALUE (long form only) */
};

struct option_list {
	const char **items;
	size_t nr, alloc;
};

struct option {
	enum option_type type;
	int short_name;        /* 0 for none */
	const char *long_name;
	void *value;
	const char *argh;      /* the argument's name in help: FILE, WHEN */
	const char *help;
};

#define OPT_FLAG(s, l, v, h) { OPTION_FLAG, (s), (l), (v), NULL, (h) }
#define OPT_STRING(s, l, v, a, h) { OPTION_STRING, (s), (l), (v), (a), (h) }
#define OPT_LIST(s, l, v, a, h) { OPTION_LIST, (s), (l), (v), (a), (h) }
#define OPT_OPTARG(l, v, a, h) { OPTION_OPTARG, 0, (l), (v), (a), (h) }
#define OPT_END() { OPTION_END, 0, NULL, NULL, NULL, NULL }

struct command_help {
	const char *name;       /* "validate" */
	const char *synopsis;   /* "[OPTIONS] [PATH...]" */
	const char *summary;    /* one line, for the command list */
	const char *description;/* a paragraph for -h */
};

enum {
	OPTIONS_HELP = -1,   /* -h was given and help printed: exit 0 */
	OPTIONS_ERROR = -2,  /* a usage error was printed: exit 2 */
};

/* Parses argv[1..argc-1] (argv[0] is the command name).  Non-option
 * arguments are moved to the front of argv; returns their number. */
int options_parse(int argc, const char **argv, const struct option *opts,
		  const struct command_help *help);
void options_usage(FILE *out, const struct option *opts, const struct command_help *help);
void option_list_release(struct option_list *list);

#endif
