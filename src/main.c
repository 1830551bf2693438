/*
 * main.c - the pr-publish command: a table of subcommands, as git's.
 *
 * Each command lives in cmd_<name>.c; this file finds it, answers help and
 * --version, and turns unknown commands into a one-line error with a hint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#ifdef PR_PUBLISH_MIMALLOC
#include <mimalloc.h>
#endif

#include "archive.h"
#include "cli.h"
#include "schema.h"
#include "spell.h"
#include "util.h"
#include "xmldoc.h"

#ifndef PR_PUBLISH_VERSION
#define PR_PUBLISH_VERSION "0.1.0"
#endif

const char pr_publish_version[] = PR_PUBLISH_VERSION;

#ifdef PR_PUBLISH_MIMALLOC
/*
 * Memory in 2 MiB pages where the kernel has them (transparent huge pages
 * on request): a publication or a build after one change fills some 25 MB
 * of fresh memory, and a page fault for every 4 KiB of it cost them 10 ms
 * in 100.  Set before any library's initialisation, which is when
 * mimalloc maps the main thread's first 32 MiB: an ELF pre-initialiser,
 * which only a program can have.
 */
static void prefer_large_pages(void)
{
	mi_option_enable(mi_option_large_os_pages);
}

__attribute__((section(".preinit_array"), used)) static void (*const preinit)(void) =
	prefer_large_pages;
#endif

static int cmd_help(int argc, const char **argv);

static const struct option no_options[] = { OPT_END() };

static const struct command_help help_help = {
	"help", "[COMMAND]", "show help for pr-publish or one of its commands", NULL,
};

static const struct command commands[] = {
	/* In the order an officer meets them. */
	{ "help", cmd_help, &help_help, no_options },
	{ "new", cmd_new, &new_help, new_options },
	{ "check", cmd_check, &check_help, check_options },
	{ "validate", cmd_validate, &validate_help, validate_options },
	{ "spell", cmd_spell, &spell_help, spell_options },
	{ "build", cmd_build, &build_help, build_options },
	{ "publish", cmd_publish, &publish_help, publish_options },
	{ "withdraw", cmd_withdraw, &withdraw_help, withdraw_options },
	{ "log", cmd_log, &log_help, log_options },
	{ "hook", cmd_hook, &hook_help, hook_options },
};

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void print_overview(FILE *out)
{
	size_t i;

	fprintf(out,
		"usage: pr-publish COMMAND [OPTIONS] [ARGS]\n"
		"       pr-publish --version | --help\n\n"
		"Validates, spell-checks, renders and archives press releases.\n\n"
		"commands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-12s%s\n", commands[i].name, commands[i].help->summary);
	fprintf(out,
		"\nexit status: 0 clean, 1 problems found in the input, 2 usage error,\n"
		"3 system error.  'pr-publish help COMMAND' or 'pr-publish COMMAND -h'\n"
		"describes a command; 'man pr-publish' has the whole manual.\n");
}

static int cmd_help(int argc, const char **argv)
{
	const struct command *cmd;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		options_usage(stdout, no_options, &help_help);
		return EXIT_CLEAN;
	}
	if (argc < 2) {
		print_overview(stdout);
		return EXIT_CLEAN;
	}
	if (argc > 2) {
		fprintf(stderr, "pr-publish help: too many arguments\n"
			"hint: 'pr-publish help COMMAND'\n");
		return EXIT_USAGE;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "pr-publish help: no such command '%s'\n"
			"hint: 'pr-publish help' lists the commands\n", argv[1]);
		return EXIT_USAGE;
	}
	options_usage(stdout, cmd->options, cmd->help);
	return EXIT_CLEAN;
}

static void unknown_command(const char *name)
{
	const char *best = NULL;
	size_t i, best_dist = 3;
	struct strbuf esc = STRBUF_INIT;

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		size_t dist = strlen(name) < 64 ? edit_distance(name, commands[i].name) : 99;
		if (dist < best_dist) {
			best_dist = dist;
			best = commands[i].name;
		}
	}
	diag_escape(&esc, name, strlen(name));
	fprintf(stderr, "pr-publish: '%s' is not a pr-publish command\n", esc.buf ? esc.buf : "");
	if (best)
		fprintf(stderr, "hint: did you mean '%s'?\n", best);
	fprintf(stderr, "hint: 'pr-publish help' lists the commands\n");
	strbuf_release(&esc);
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	const char **args = (const char **)argv;
	int ret;

	if (argc < 2) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v")) {
		printf("pr-publish %s (libxml2 %s)\n", pr_publish_version, xmlParserVersion);
		return EXIT_CLEAN;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_overview(stdout);
		return EXIT_CLEAN;
	}
	if (argv[1][0] == '-') {
		fprintf(stderr, "pr-publish: unknown option '%s'\n"
			"hint: options go after the command: pr-publish COMMAND [OPTIONS]\n", argv[1]);
		return EXIT_USAGE;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		unknown_command(argv[1]);
		return EXIT_USAGE;
	}
	xmldoc_init();
	ret = cmd->fn(argc - 1, args + 1);
	spell_prefetch_end();
	archive_init_end();
	schema_release_all();
	xmlCleanupParser();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("pr-publish: cannot write output");
		return EXIT_SYSTEM;
	}
	return ret;
}
