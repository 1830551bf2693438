/* datadir.c - finding pr-publish's own files; see datadir.h. */
#include "datadir.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int has_data(const char *dir)
{
	char *a = xasprintf("%s/stylesheets", dir), *b = xasprintf("%s/dictionaries", dir);
	int yes = is_dir(a) || is_dir(b);

	free(a);
	free(b);
	return yes;
}

const char *datadir(void)
{
	static char *found;
	static int looked;
	const char *env = getenv("PR_PUBLISH_DATADIR");
	char exe[PATH_MAX], *slash;
	const char *const rel[] = { "", "/..", "/../share/pr-publish" };
	ssize_t n;
	size_t i;

	if (env && *env)
		return env;
	if (looked)
		return found;
	looked = 1;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	for (i = 0; i < ARRAY_SIZE(rel); i++) {
		char *cand = xasprintf("%s%s", exe, rel[i]);
		char *real = realpath(cand, NULL);
		free(cand);
		if (real && has_data(real)) {
			found = real;
			return found;
		}
		free(real);
	}
	return NULL;
}

char *datadir_sub(const char *name)
{
	const char *dir = datadir();
	char *path;

	if (!dir)
		return NULL;
	path = xasprintf("%s/%s", dir, name);
	if (is_dir(path))
		return path;
	free(path);
	return NULL;
}
