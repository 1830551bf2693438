/* cmd_validate.c - pr-publish validate: schema and semantic rules. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "datetime.h"
#include "files.h"
#include "util.h"
#include "validate.h"

static struct common_options common;

const struct option validate_options[] = {
	COMMON_OPTIONS(&common),
	OPT_END(),
};

const struct command_help validate_help = {
	"validate",
	"[OPTIONS] [PATH...]",
	"check releases against the schema and the site's taxonomy",
	"Checks each release file, and every release file under each directory,\n"
	"against the release schema and the semantic rules: real dates, known\n"
	"sources, fields of work and countries, ids that agree with file names and\n"
	"are unique, safe links, and language versions that agree.  Without PATH,\n"
	"checks the releases/ folder next to the site file.  Exit status: 0 clean,\n"
	"1 problems found, 2 usage error, 3 system error.",
};

int cmd_validate(int argc, const char **argv)
{
	struct file_list files = { NULL, 0, 0 };
	struct validator *v = NULL;
	struct site *site = NULL;
	struct diag d;
	const char *why;
	time_t now;
	int nr_args, i, ret, system_error = 0;

	memset(&common, 0, sizeof(common));
	nr_args = options_parse(argc, argv, validate_options, &validate_help);
	if (nr_args == OPTIONS_HELP)
		return EXIT_CLEAN;
	if (nr_args < 0)
		return EXIT_USAGE;
	ret = common_setup_diag(&common, "validate", &d);
	if (ret)
		return ret;
	if (clock_now(&now, &why) < 0) {
		diag_system_error(&d, "%s", why);
		return EXIT_USAGE;
	}
	ret = common_load_site(&common, &d, &site);
	if (ret)
		goto out;

	if (common_collect_releases(site, argv, (size_t)nr_args, &files, &d) < 0)
		system_error = 1;

	v = validator_new(site, &d, now);
	for (i = 0; i < (int)files.nr; i++)
		if (validator_check_file(v, files.paths[i]) == XMLDOC_SYSTEM)
			system_error = 1;
	validator_finish(v);
	diag_summary(&d, "validate");
	if (system_error)
		ret = EXIT_SYSTEM;
	else
		ret = diag_failed(&d) ? EXIT_FINDINGS : EXIT_CLEAN;
out:
	validator_free(v);
	files_release(&files);
	site_free(site);
	return ret;
}
