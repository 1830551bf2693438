/* cmd_check.c - pr-publish check: everything publishing would do, changing nothing. */
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "check.h"
#include "cli.h"
#include "datetime.h"
#include "files.h"
#include "publish.h"
#include "render.h"
#include "site_output.h"
#include "util.h"

static struct common_options common;

const struct option check_options[] = {
	COMMON_OPTIONS(&common),
	OPT_END(),
};

const struct command_help check_help = {
	"check",
	"[OPTIONS] [PATH...]",
	"run every check publishing would (validate, spell, trial render)",
	"Validates and spell-checks each release (files, or folders recursively;\n"
	"without PATH, releases/ next to the site file), checks that language\n"
	"versions agree, and renders them into a temporary folder that is then\n"
	"deleted: the same checks as 'pr-publish publish', with nothing changed.",
};

/* Renders rels into a temporary folder, deleted afterwards. */
static int trial_render(const struct site *site, const char *root, struct release **rels,
			size_t nr, time_t now, struct diag *d)
{
	struct renderer *r = publish_renderer(root, d);
	struct build_options bo;
	struct build_result res;
	char tmpl[] = "/tmp/pr-publish-check-XXXXXX";
	char *out;
	int ret = -1;

	if (!r)
		return -1;
	if (!mkdtemp(tmpl)) {
		diag_system_error(d, "cannot make a temporary folder for the trial render");
		render_free(r);
		return -1;
	}
	out = xasprintf("%s/site", tmpl);
	memset(&bo, 0, sizeof(bo));
	memset(&res, 0, sizeof(res));
	bo.out_dir = out;
	bo.force = 1;
	bo.now = now;
	ret = build_site(&res, &bo, site, rels, nr, r, d);
	build_result_release(&res);
	output_remove_tree(tmpl);
	free(out);
	render_free(r);
	return ret;
}

int cmd_check(int argc, const char **argv)
{
	struct file_list files = { NULL, 0, 0 };
	struct release **rels = NULL;
	struct checker *c = NULL;
	struct site *site = NULL;
	struct diag d;
	char *root = NULL, *verdicts;
	const char *why;
	time_t now;
	size_t i, nr = 0;
	int nr_args, ret, system_error = 0;

	memset(&common, 0, sizeof(common));
	nr_args = options_parse(argc, argv, check_options, &check_help);
	if (nr_args == OPTIONS_HELP)
		return EXIT_CLEAN;
	if (nr_args < 0)
		return EXIT_USAGE;
	ret = common_setup_diag(&common, "check", &d);
	if (ret)
		return ret;
	if (clock_now(&now, &why) < 0) {
		diag_system_error(&d, "%s", why);
		return EXIT_USAGE;
	}
	ret = common_load_site(&common, &d, &site);
	if (ret)
		goto out;
	root = common_archive_root(site);
	if (common_collect_releases(site, argv, (size_t)nr_args, &files, &d) < 0)
		system_error = 1;

	rels = xcalloc(files.nr + 1, sizeof(*rels));
	c = checker_new(site, root, &d, now, CHECK_SPELLING);
	checker_leave_to_exit(c);
	verdicts = common_verdicts_dir(root);
	checker_set_verdicts(c, verdicts);
	free(verdicts);
	/* The dictionaries load in the background while files are parsed. */
	for (i = 0; i < files.nr; i++)
		checker_preload_file(c, files.paths[i]);
	for (i = 0; i < files.nr; i++) {
		struct release *rel = NULL;

		d.files++;
		ret = release_load(&rel, files.paths[i], &d);
		if (ret == XMLDOC_SYSTEM)
			system_error = 1;
		if (ret)
			continue;
		if (checker_check(c, rel))
			system_error = 1;
		rels[nr++] = rel;
	}
	checker_finish(c);
	/* Rendering is tried only on releases that passed everything else. */
	if (!system_error && !diag_failed(&d) && nr &&
	    trial_render(site, root, rels, nr, now, &d) < 0)
		system_error = 1;
	diag_summary(&d, "check");
	if (system_error)
		ret = EXIT_SYSTEM;
	else
		ret = diag_failed(&d) ? EXIT_FINDINGS : EXIT_CLEAN;
out:
	for (i = 0; i < nr; i++)
		release_free(rels[i]);
	free(rels);
	checker_free(c);
	files_release(&files);
	free(root);
	site_free(site);
	return ret;
}
