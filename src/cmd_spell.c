/* cmd_spell.c - pr-publish spell: every text in its own language. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "files.h"
#include "spell.h"
#include "util.h"
#include "xmldoc.h"

static struct common_options common;
static int opt_suggest, opt_text, opt_stats;
static const char *opt_lang, *opt_add;

const struct option spell_options[] = {
	COMMON_OPTIONS(&common),
	OPT_FLAG(0, "suggest", &opt_suggest, "suggest corrections (for the first 20 misspellings)"),
	OPT_FLAG(0, "text", &opt_text, "PATHs are plain text files, in the --lang language"),
	OPT_STRING(0, "lang", &opt_lang, "LANG", "language of --text and --add (default: the site's first)"),
	OPT_STRING(0, "add", &opt_add, "WORD", "add WORD (or WORD/MODEL) to dictionaries/: names.dic, or LANG.dic with --lang"),
	OPT_FLAG(0, "stats", &opt_stats, "print words checked, misspellings and timings per language"),
	OPT_END(),
};

const struct command_help spell_help = {
	"spell",
	"[OPTIONS] [PATH...] | --text [--lang LANG] FILE... | --add WORD [--lang LANG]",
	"spell-check releases, each text in its own language",
	"Checks the spelling of the headline, subtitle, summary, places, event,\n"
	"body, quotations, roles and organisations of people and contacts, notes\n"
	"and corrections of each release, each text with the hunspell dictionary\n"
	"of its nearest xml:lang (text in a language the site does not publish in\n"
	"is skipped).  The organisation's words are in dictionaries/ next to the\n"
	"site file (see dictionaries/README); taxonomy labels are always accepted.\n"
	"Misspellings are errors or warnings as the site's <spelling severity> says.\n"
	"Without PATH, checks the releases/ folder next to the site file.  Exit\n"
	"status: 0 clean, 1 misspellings found, 2 usage error, 3 system error (a\n"
	"dictionary that is not installed, a file that cannot be read).",
};

static char *read_text(const char *path, size_t *len, struct diag *d)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	struct strbuf sb = STRBUF_INIT;
	char chunk[65536];
	size_t n;

	if (!f) {
		diag_system_error(d, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (sb.len + n > XMLDOC_MAX_SIZE) {
			diag_system_error(d, "'%s' is larger than %u bytes", path, XMLDOC_MAX_SIZE);
			if (f != stdin)
				fclose(f);
			strbuf_release(&sb);
			return NULL;
		}
		strbuf_add(&sb, chunk, n);
	}
	if (ferror(f)) {
		diag_system_error(d, "cannot read '%s'", path);
		if (f != stdin)
			fclose(f);
		strbuf_release(&sb);
		return NULL;
	}
	if (f != stdin)
		fclose(f);
	*len = sb.len;
	return sb.buf ? strbuf_detach(&sb) : xstrdup("");
}

static void print_stats(struct speller *sp)
{
	const struct spell_stats *st;
	size_t nr, i;

	st = speller_stats(sp, &nr);
	for (i = 0; i < nr; i++) {
		char load[64];

		if (st[i].loaded)
			snprintf(load, sizeof(load), "dictionary loaded in %.3f s", st[i].load_seconds);
		else
			snprintf(load, sizeof(load), "dictionary not needed (kept verdicts)");
		fprintf(stderr,
			"spell: %s: %zu words, %zu misspelled (%zu capitalised, %zu other), "
			"%s, checked in %.3f s\n",
			st[i].lang, st[i].words, st[i].misspelled, st[i].misspelled_capitalised,
			st[i].misspelled - st[i].misspelled_capitalised, load, st[i].check_seconds);
	}
}

static int add_word(const struct site *site, struct diag *d)
{
	char *root = common_archive_root(site);
	char *dir = strcmp(root, ".") ? xasprintf("%s/dictionaries", root) : xstrdup("dictionaries");
	int ret;

	if (opt_lang && !site_language(site, opt_lang)) {
		diag_system_error(d, "'%s' is not a language of the site", opt_lang);
		ret = EXIT_USAGE;
		goto out;
	}
	ret = spell_list_add(dir, opt_lang, opt_add, d);
	if (ret == 1)
		printf("added '%s' to %s/%s.dic\n", opt_add, dir, opt_lang ? opt_lang : "names");
	else if (ret == 0)
		printf("'%s' is already in %s/%s.dic\n", opt_add, dir, opt_lang ? opt_lang : "names");
	ret = ret == SPELL_SYSTEM ? EXIT_SYSTEM : ret < 0 ? EXIT_USAGE : EXIT_CLEAN;
out:
	free(dir);
	free(root);
	return ret;
}

int cmd_spell(int argc, const char **argv)
{
	struct file_list files = { NULL, 0, 0 };
	struct speller *sp = NULL;
	struct site *site = NULL;
	struct diag d;
	char *root = NULL, *verdicts;
	int nr_args, i, ret, system_error = 0;

	memset(&common, 0, sizeof(common));
	opt_suggest = opt_text = opt_stats = 0;
	opt_lang = opt_add = NULL;
	nr_args = options_parse(argc, argv, spell_options, &spell_help);
	if (nr_args == OPTIONS_HELP)
		return EXIT_CLEAN;
	if (nr_args < 0)
		return EXIT_USAGE;
	if (opt_add && (nr_args || opt_text)) {
		fprintf(stderr, "pr-publish spell: --add takes no PATH and no --text\n");
		return EXIT_USAGE;
	}
	if (opt_text && !nr_args) {
		fprintf(stderr, "pr-publish spell: --text needs FILE (or - for standard input)\n");
		return EXIT_USAGE;
	}
	ret = common_setup_diag(&common, "spell", &d);
	if (ret)
		return ret;
	ret = common_load_site(&common, &d, &site);
	if (ret)
		goto out;
	if (opt_add) {
		ret = add_word(site, &d);
		goto out;
	}
	if (opt_lang && !site_language(site, opt_lang)) {
		fprintf(stderr, "pr-publish spell: '%s' is not a language of the site\n", opt_lang);
		ret = EXIT_USAGE;
		goto out;
	}

	root = common_archive_root(site);
	sp = speller_new(site, root, &d);
	speller_leave_to_exit(sp);
	verdicts = common_verdicts_dir(root);
	speller_set_verdicts(sp, verdicts);
	free(verdicts);
	if (opt_suggest)
		speller_set_suggest(sp, SPELL_MAX_SUGGEST_WORDS);

	if (opt_text) {
		const char *lang = opt_lang ? opt_lang : site->languages[0].code;
		for (i = 0; i < nr_args; i++) {
			size_t len = 0;
			char *buf = read_text(argv[i], &len, &d);
			if (!buf) {
				system_error = 1;
				continue;
			}
			d.files++;
			if (spell_check_text(sp, argv[i], buf, len, lang) == SPELL_SYSTEM)
				system_error = 1;
			free(buf);
		}
	} else {
		if (common_collect_releases(site, argv, (size_t)nr_args, &files, &d) < 0)
			system_error = 1;
		/* The dictionaries load in the background while files are parsed. */
		for (i = 0; i < (int)files.nr; i++)
			speller_preload_file(sp, files.paths[i]);
		for (i = 0; i < (int)files.nr; i++)
			if (spell_check_file(sp, files.paths[i]) == SPELL_SYSTEM)
				system_error = 1;
	}
	if (opt_stats)
		print_stats(sp);
	diag_summary(&d, "spell");
	if (system_error)
		ret = EXIT_SYSTEM;
	else
		ret = diag_failed(&d) ? EXIT_FINDINGS : EXIT_CLEAN;
out:
	speller_free(sp);
	free(root);
	files_release(&files);
	site_free(site);
	return ret;
}
