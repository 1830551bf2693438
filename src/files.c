/* files.c - collecting release files from paths; see files.h. */
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

/* By name, after the type byte. */
static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

static void add(struct file_list *list, char *path)
{
	ALLOC_GROW(list->paths, list->nr + 1, list->alloc);
	list->paths[list->nr++] = path;
}

static int is_release_name(const char *name)
{
	return ends_with(name, ".xml") && strcmp(name, "site.xml") && name[0] != '.';
}

static int walk(struct file_list *list, const char *dir, struct diag *d, int depth)
{
	DIR *dh;
	struct dirent *de;
	char **names = NULL;
	size_t nr = 0, alloc = 0, i;
	int ret = 0;

	if (depth > 32) {
		diag_system_error(d, "'%s': directories nested too deeply", dir);
		return -1;
	}
	dh = opendir(dir);
	if (!dh) {
		diag_system_error(d, "cannot read directory '%s': %s", dir, strerror(errno));
		return -1;
	}
	/* Each name carries its type from readdir in its first byte (no
	 * lstat per file, where the file system tells). */
	while ((de = readdir(dh))) {
		char *name;

		if (de->d_name[0] == '.')
			continue;
		ALLOC_GROW(names, nr + 1, alloc);
		name = xmalloc(strlen(de->d_name) + 2);
		name[0] = (char)(de->d_type == DT_REG ? 'f' : de->d_type == DT_DIR ? 'd'
								   : de->d_type == DT_UNKNOWN ? '?' : 'o');
		strcpy(name + 1, de->d_name);
		names[nr++] = name;
	}
	closedir(dh);
	if (nr)
		qsort(names, nr, sizeof(*names), name_cmp);
	for (i = 0; i < nr; i++) {
		struct stat st;
		const char *name = names[i] + 1;
		char *path = xasprintf("%s%s%s", dir, ends_with(dir, "/") ? "" : "/", name);
		char type = names[i][0];

		if (type == '?') {
			if (lstat(path, &st) < 0) {
				free(path);
				continue;
			}
			type = S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : 'o';
		}
		if (type == 'd') {
			if (walk(list, path, d, depth + 1) < 0)
				ret = -1;
			free(path);
		} else if (type == 'f' && is_release_name(name)) {
			add(list, path);
		} else {
			free(path);
		}
	}
	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	return ret;
}

int files_collect(struct file_list *list, const char *path, struct diag *d)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		diag_system_error(d, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return walk(list, path, d, 0);
	add(list, xstrdup(path));
	return 0;
}

void files_release(struct file_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		free(list->paths[i]);
	free(list->paths);
	list->paths = NULL;
	list->nr = list->alloc = 0;
}
