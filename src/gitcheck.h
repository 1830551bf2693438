/*
 * gitcheck.h - checking releases as git holds them, for the hooks.
 *
 * A run checks the releases a change adds or modifies in one state (the
 * index for pre-commit, each pushed commit's tree for pre-receive): blobs are read
 * through the object database only (archive_read_blob_id: size first,
 * regular files only), each must sit at its canonical path
 * releases/YYYY/<id>.<lang>.xml, and the published language versions of
 * the same id in that state take part in the rules across files.  The site
 * file is read from the same state (parsed like any untrusted input);
 * nothing else (schema, stylesheets, dictionaries) is ever taken from it.
 */
#ifndef PR_GITCHECK_H
#define PR_GITCHECK_H

#include <time.h>
#include "gitlib.h"

#include "archive.h"
#include "diag.h"

struct gitcheck_change {
	char *path;
	git_oid id;
	unsigned mode;
};

struct gitcheck_list {
	struct gitcheck_change *items;
	size_t nr, alloc;
};

struct gitcheck;

struct gitcheck *gitcheck_new(struct archive *a, struct diag *d, time_t now);
void gitcheck_free(struct gitcheck *gc);

/* Adds a change if its path is a release path (or the releases folder). */
void gitcheck_list_add(struct gitcheck_list *list, const char *path, const git_oid *id,
		       unsigned mode);
void gitcheck_list_release(struct gitcheck_list *list);

/*
 * Checks the changes against tree (the state they belong to); site_id is
 * the blob of site.xml in that state, or NULL when the tree has none.
 * Blobs already checked at the same path in this gitcheck are skipped.
 * Returns 0, or XMLDOC_SYSTEM on errors reading git.
 */
int gitcheck_run(struct gitcheck *gc, const git_tree *tree, const struct gitcheck_list *changes);
/*
 * The same against the stage-0 entries of index (pre-commit: the staged
 * state, looked up entry by entry instead of being written out as trees,
 * which at 12,500 releases costs more than the check).  The index must
 * have no conflicts.
 */
int gitcheck_run_index(struct gitcheck *gc, git_index *index, const struct gitcheck_list *changes);

/* For the one-shot hooks: the last checker's dictionaries are left to the
 * process's end (speller_leave_to_exit()). */
void gitcheck_leave_to_exit(struct gitcheck *gc);

/* Releases checked so far. */
size_t gitcheck_count(const struct gitcheck *gc);

#endif
