/* common.c - set-up shared by the commands; see cli.h. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "spell.h"
#include "files.h"
#include "util.h"

int common_setup_diag(const struct common_options *c, const char *cmd, struct diag *d)
{
	enum diag_format format = DIAG_FORMAT_TEXT;
	int tty = isatty(STDERR_FILENO);

	if (c->format && !strcmp(c->format, "json")) {
		format = DIAG_FORMAT_JSON;
	} else if (c->format && strcmp(c->format, "text")) {
		fprintf(stderr, "pr-publish %s: unknown format '%s'\n"
			"hint: --format takes 'text' or 'json'\n", cmd, c->format);
		return EXIT_USAGE;
	}
	diag_init(d, format);
	d->werror = c->werror;
	d->quiet = c->quiet;
	if (!c->color || !strcmp(c->color, "auto")) {
		d->color = tty && !getenv("NO_COLOR");
		d->show_source = tty;
	} else if (!strcmp(c->color, "always")) {
		d->color = d->show_source = 1;
	} else if (!strcmp(c->color, "never")) {
		d->color = 0;
		d->show_source = tty;
	} else {
		fprintf(stderr, "pr-publish %s: unknown --color value '%s'\n"
			"hint: --color takes 'auto', 'always' or 'never'\n", cmd, c->color);
		return EXIT_USAGE;
	}
	return 0;
}

/* site.xml here or in the nearest folder above, as a relative path
 * ("site.xml", "../site.xml") so that findings name short paths. */
static char *find_site_upwards(void)
{
	struct strbuf up = STRBUF_INIT;
	char dir[PATH_MAX];
	int depth;

	if (!getcwd(dir, sizeof(dir)))
		return NULL;
	for (depth = 0; depth < 64; depth++) {
		char *slash;

		strbuf_addstr(&up, "site.xml");
		if (!access(up.buf, R_OK))
			return strbuf_detach(&up);
		up.len -= strlen("site.xml");
		strbuf_addstr(&up, "../");
		slash = strrchr(dir, '/');
		if (!slash || !slash[1])
			break;
		*slash = slash == dir ? '/' : '\0';
		if (slash == dir)
			slash[1] = '\0';
	}
	strbuf_release(&up);
	return NULL;
}

char *common_site_path(const struct common_options *c)
{
	const char *env = getenv("PR_PUBLISH_SITE");

	if (c->site)
		return xstrdup(c->site);
	if (env && *env)
		return xstrdup(env);
	return find_site_upwards();
}

int common_load_site_at(const char *path, struct diag *d, struct site **out)
{
	int ret;

	*out = NULL;
	if (!path) {
		diag_system_error(d, "no site.xml in this directory or any above; "
				  "run in an archive or pass --site FILE");
		return EXIT_SYSTEM;
	}
	ret = site_load(out, path, d);
	if (ret == XMLDOC_SYSTEM)
		return EXIT_SYSTEM;
	if (ret)
		return EXIT_FINDINGS;
	return 0;
}

int common_load_site(const struct common_options *c, struct diag *d, struct site **out)
{
	char *path = common_site_path(c);
	int ret = common_load_site_at(path, d, out);

	free(path);
	return ret;
}

char *common_root_of(const char *site_path)
{
	const char *slash = strrchr(site_path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == site_path)
		return xstrdup("/");
	return xstrndup(site_path, (size_t)(slash - site_path));
}

char *common_archive_root(const struct site *site)
{
	return common_root_of(site->path);
}

char *common_verdicts_dir(const char *root)
{
	char *git = xasprintf("%s/.git", root), *dir = NULL;
	struct stat st;

	if (!lstat(git, &st) && S_ISDIR(st.st_mode))
		dir = xasprintf("%s/" SPELL_VERDICTS_FOLDER, git);
	free(git);
	return dir;
}

char *common_releases_dir(const char *root)
{
	return strcmp(root, ".") ? xasprintf("%s/releases", root) : xstrdup("releases");
}

int common_collect_releases(const struct site *site, const char *const *paths, size_t nr,
			    struct file_list *files, struct diag *d)
{
	size_t i;
	int ret = 0;

	if (!nr) {
		char *root = common_archive_root(site);
		char *dir = common_releases_dir(root);

		ret = files_collect(files, dir, d);
		free(dir);
		free(root);
		return ret;
	}
	for (i = 0; i < nr; i++)
		if (files_collect(files, paths[i], d) < 0)
			ret = -1;
	return ret;
}
