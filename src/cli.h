/*
 * cli.h - what the commands (cmd_*.c) share: exit codes, the command table
 * entry, and the options every checking command takes.
 *
 * A command turns argv into calls of the modules and their result into an
 * exit code; only commands and main.c decide how the process ends.
 */
#ifndef PR_CLI_H
#define PR_CLI_H

#include "diag.h"
#include "options.h"
#include "site.h"

/* Exit codes, documented in README.md and pr-publish.1. */
enum exit_code {
	EXIT_CLEAN = 0,     /* nothing wrong */
	EXIT_FINDINGS = 1,  /* problems found in the input */
	EXIT_USAGE = 2,     /* bad command line */
	EXIT_SYSTEM = 3,    /* I/O error, missing file or dictionary, ... */
};

struct command {
	const char *name;
	int (*fn)(int argc, const char **argv);
	const struct command_help *help;
	const struct option *options;   /* for help and the man page test */
};

extern const char pr_publish_version[];

/* Options of every checking command, and what they set up. */
struct common_options {
	const char *site;       /* --site */
	const char *format;     /* --format text|json */
	const char *color;      /* --color auto|always|never */
	int werror;
	int quiet;
};

#define COMMON_OPTIONS(c) \
	OPT_STRING(0, "site", &(c)->site, "FILE", "the site file (default: site.xml here or above)"), \
	OPT_STRING(0, "format", &(c)->format, "FORMAT", "findings as 'text' (default) or 'json' lines"), \
	OPT_FLAG('W', "werror", &(c)->werror, "treat warnings as errors"), \
	OPT_STRING(0, "color", &(c)->color, "WHEN", "colour and source lines: auto, always, never"), \
	OPT_FLAG('q', "quiet", &(c)->quiet, "no summary line")

/* Sets up d from the options; returns EXIT_USAGE (message printed) on a bad
 * value, else 0. */
int common_setup_diag(const struct common_options *c, const char *cmd, struct diag *d);
/* Finds and loads the site file: --site, $PR_PUBLISH_SITE, or site.xml in
 * the current directory or the nearest one above.  Returns 0 or an exit code. */
int common_load_site(const struct common_options *c, struct diag *d, struct site **out);
/* The path common_load_site() loads (the caller's), or NULL when there is
 * no site file to find; common_load_site_at() loads it (NULL: the error
 * common_load_site() gives). */
char *common_site_path(const struct common_options *c);
int common_load_site_at(const char *path, struct diag *d, struct site **out);
/* The folder of the site file: the archive's root ("." for "site.xml"). */
char *common_archive_root(const struct site *site);
/* The same from the site file's path. */
char *common_root_of(const char *site_path);
/* root's releases/ folder, as the walk names it ("releases" for "."); the
 * caller's. */
char *common_releases_dir(const char *root);
/* Where spelling verdicts are kept for the archive at root
 * (speller_set_verdicts()): root/.git/pr-publish-spell when root is a git
 * work tree's top, else NULL (nothing kept).  The caller's. */
char *common_verdicts_dir(const char *root);
/* The release files of paths[0..nr), or of the archive's releases/ when
 * nr is 0, added to files.  0, or -1 when a path could not be read (a
 * system error was reported; the others are collected all the same). */
struct file_list;
int common_collect_releases(const struct site *site, const char *const *paths, size_t nr,
			    struct file_list *files, struct diag *d);

/* The commands. */
int cmd_check(int argc, const char **argv);
extern const struct command_help check_help;
extern const struct option check_options[];
int cmd_publish(int argc, const char **argv);
extern const struct command_help publish_help;
extern const struct option publish_options[];
int cmd_withdraw(int argc, const char **argv);
extern const struct command_help withdraw_help;
extern const struct option withdraw_options[];
int cmd_log(int argc, const char **argv);
extern const struct command_help log_help;
extern const struct option log_options[];
int cmd_new(int argc, const char **argv);
extern const struct command_help new_help;
extern const struct option new_options[];
int cmd_hook(int argc, const char **argv);
extern const struct command_help hook_help;
extern const struct option hook_options[];
int cmd_validate(int argc, const char **argv);
extern const struct command_help validate_help;
extern const struct option validate_options[];
int cmd_build(int argc, const char **argv);
extern const struct command_help build_help;
extern const struct option build_options[];
int cmd_spell(int argc, const char **argv);
extern const struct command_help spell_help;
extern const struct option spell_options[];

#endif
