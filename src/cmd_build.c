/* cmd_build.c - pr-publish build: the archive as a website with feeds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "cli.h"
#include "datetime.h"
#include "files.h"
#include "render.h"
#include "util.h"
#include "validate.h"

static struct common_options common;
static const char *out_dir;
static int force;

const struct option build_options[] = {
	COMMON_OPTIONS(&common),
	OPT_STRING('o', "out", &out_dir, "DIR", "where the site goes (default: public/ beside site.xml)"),
	OPT_FLAG('f', "force", &force, "render every output, not only those whose input changed"),
	OPT_END(),
};

const struct command_help build_help = {
	"build",
	"[OPTIONS]",
	"render the archive as a multilingual website with RSS and Atom feeds",
	"Validates every release under releases/ next to the site file and, when\n"
	"all are valid, renders the website: a page per release and language,\n"
	"the newest releases, an archive by year and month, listings per field of\n"
	"work and per source, RSS 2.0 and Atom feeds, a sitemap.  The stylesheets\n"
	"come from stylesheets/ beside the site file, else $PR_PUBLISH_STYLESHEETS.\n"
	"Only outputs whose input changed are rendered again, and written aside\n"
	"until the build commits, so a failed build changes nothing; --force\n"
	"replaces the whole folder in a single rename.  One build of a folder at\n"
	"a time (a lock file beside it).\n"
	"Releases under embargo are left out until it lifts (the clock is\n"
	"$PR_PUBLISH_NOW when set); the next lifting is printed on stdout as\n"
	"'next embargo: INSTANT ID'.  Exit status: 0 built, 1 invalid releases\n"
	"(nothing written), 2 usage error, 3 system error.",
};

struct progress {
	int on;
	int shown;
};

static void show_progress(void *data, size_t done, size_t total)
{
	struct progress *pr = data;

	if (!pr->on || total < 200)
		return;
	fprintf(stderr, "\rbuild: %zu/%zu outputs (%zu%%)", done, total,
		total ? done * 100 / total : 100);
	fflush(stderr);
	pr->shown = 1;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Loads and validates every release; the loaded ones go to *rels. */
static int load_releases(struct site *site, time_t now, struct diag *d, struct release ***rels,
			 size_t *nr)
{
	struct file_list files = { NULL, 0, 0 };
	struct validator *v;
	char *root = common_archive_root(site);
	char *dir = strcmp(root, ".") ? xasprintf("%s/releases", root) : xstrdup("releases");
	size_t i, alloc = 0;
	int system_error = 0;

	*rels = NULL;
	*nr = 0;
	if (files_collect(&files, dir, d) < 0)
		system_error = 1;
	v = validator_new(site, d, now);
	for (i = 0; i < files.nr; i++) {
		struct release *rel;
		int ret;

		d->files++;
		ret = release_load(&rel, files.paths[i], d);
		if (ret == XMLDOC_SYSTEM)
			system_error = 1;
		if (ret)
			continue;
		validator_check_release(v, rel);
		ALLOC_GROW(*rels, *nr + 1, alloc);
		(*rels)[(*nr)++] = rel;
	}
	validator_finish(v);
	validator_free(v);
	files_release(&files);
	free(dir);
	free(root);
	if (system_error)
		return EXIT_SYSTEM;
	return diag_failed(d) ? EXIT_FINDINGS : 0;
}

int cmd_build(int argc, const char **argv)
{
	struct build_options opts;
	struct build_result res;
	struct progress progress = { 0, 0 };
	struct release **rels = NULL;
	struct renderer *r = NULL;
	struct site *site = NULL;
	struct timespec start;
	char *root = NULL, *sheets = NULL, *default_out = NULL;
	const char *why;
	struct diag d;
	size_t nr = 0, i;
	int nr_args, ret;

	memset(&common, 0, sizeof(common));
	memset(&res, 0, sizeof(res));
	out_dir = NULL;
	force = 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	nr_args = options_parse(argc, argv, build_options, &build_help);
	if (nr_args == OPTIONS_HELP)
		return EXIT_CLEAN;
	if (nr_args < 0)
		return EXIT_USAGE;
	if (nr_args > 0) {
		fprintf(stderr, "pr-publish build: unexpected argument '%s'\n"
			"hint: build renders the whole archive; use --out DIR for the target\n",
			argv[0]);
		return EXIT_USAGE;
	}
	ret = common_setup_diag(&common, "build", &d);
	if (ret)
		return ret;
	memset(&opts, 0, sizeof(opts));
	if (clock_now(&opts.now, &why) < 0) {
		diag_system_error(&d, "%s", why);
		return EXIT_USAGE;
	}
	ret = common_load_site(&common, &d, &site);
	if (ret)
		goto out;

	ret = load_releases(site, opts.now, &d, &rels, &nr);
	if (ret) {
		diag_summary(&d, "build");
		if (ret == EXIT_FINDINGS)
			fprintf(stderr, "pr-publish build: invalid releases; nothing was written\n");
		goto out;
	}

	root = common_archive_root(site);
	sheets = render_find_stylesheets(root, &d);
	if (!sheets || render_new(&r, sheets, &d) < 0) {
		ret = EXIT_SYSTEM;
		goto out;
	}
	if (!out_dir)
		out_dir = default_out = strcmp(root, ".") ? xasprintf("%s/public", root)
							   : xstrdup("public");
	opts.out_dir = out_dir;
	opts.force = force;
	progress.on = !common.quiet && isatty(STDERR_FILENO);
	opts.progress = show_progress;
	opts.progress_data = &progress;
	if (build_site(&res, &opts, site, rels, nr, r, &d) < 0) {
		if (progress.shown)
			fputc('\n', stderr);
		fprintf(stderr, "pr-publish build: failed; '%s' was left as it was\n", out_dir);
		ret = EXIT_SYSTEM;
		goto out;
	}
	if (progress.shown)
		fprintf(stderr, "\r\033[K");
	if (d.warnings)
		diag_summary(&d, "build");
	if (!common.quiet) {
		size_t unchanged = res.out.reused;

		if (res.out.unchanged)
			fprintf(stderr, "build: '%s' is up to date: %zu pages, %zu feeds, %zu other "
				"files unchanged (%.2fs)\n", out_dir, res.pages, res.feeds,
				res.other, seconds_since(&start));
		else
			fprintf(stderr, "build: %zu pages, %zu feeds, %zu other files rewritten; "
				"%zu unchanged; %zu removed; %zu releases published, %zu under "
				"embargo -> '%s' (%.2fs)\n", res.pages_written, res.feeds_written,
				res.other_written, unchanged, res.out.removed, res.releases,
				res.embargoed, out_dir, seconds_since(&start));
	}
	if (res.next_embargo)
		printf("next embargo: %s %s\n", res.next_embargo, res.next_embargo_id);
	ret = diag_failed(&d) ? EXIT_FINDINGS : EXIT_CLEAN;
out:
	build_result_release(&res);
	render_free(r);
	for (i = 0; i < nr; i++)
		release_free(rels[i]);
	free(rels);
	free(default_out);
	free(sheets);
	free(root);
	site_free(site);
	return ret;
}
