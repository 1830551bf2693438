/*
 * files.h - turning the paths on a command line into release files.
 *
 * A file is taken as given; a directory is walked recursively for release
 * files (*.xml, but not site.xml), skipping hidden entries and symbolic
 * links (a link in an archive could point anywhere), in sorted order so
 * every run sees the same order.
 */
#ifndef PR_FILES_H
#define PR_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* What identifies a file's version without reading it (lstat). */
struct file_stat {
	uint64_t size, mtime_ns, ino, dev;
	int ok;         /* 0: it could not be looked at */
};

struct file_list {
	char **paths;
	size_t nr, alloc;
	struct file_stat *stats;   /* [nr], only from files_collect_stat() */
};

/* Adds the release files at path to list.  0, or -1 when path cannot be
 * read (a system error was reported). */
int files_collect(struct file_list *list, const char *path, struct diag *d);
/* The same, with each file's stat in list->stats, taken while walking
 * (fstatat relative to its folder: no path resolved per file). */
int files_collect_stat(struct file_list *list, const char *path, struct diag *d);
/*
 * files_collect_stat() begun on helper threads (util.h, threads_start()):
 * the caller does other work meanwhile, then files_walk_finish() has its
 * thread help with what is left, appends the files to list (NULL: drops
 * them) and reports to d what the walk found wrong (NULL: drops it), in
 * the order files_collect_stat() would; it frees fw and returns what
 * files_collect_stat() would.  like: how the messages will be reported
 * (diag_hold()).
 */
struct files_walk;
struct files_walk *files_walk_start(const char *path, const struct diag *like);
/* The path it walks (lent). */
const char *files_walk_path(const struct files_walk *fw);
int files_walk_finish(struct files_walk *fw, struct file_list *list, struct diag *d);
/* Takes the stat of list->paths[i] again (a list with stats).  0, or -1
 * when it is no longer a regular file (errno). */
int files_restat(struct file_list *list, size_t i);
void files_release(struct file_list *list);
/* Whether a walk takes a file of this name (not a path) as a release. */
int files_is_release_name(const char *name);

#endif
