/*
 * archive.h - the git archive: reading releases from git objects and
 * committing publications, with libgit2.
 *
 * An archive is a git repository whose main branch (the branch HEAD names)
 * holds site.xml and releases/YYYY/<id>.<lang>.xml.  Commits are made from
 * the branch's tip tree plus the changes, never from whatever else is
 * staged, and the branch is moved with a compare-and-swap: when another
 * publisher moved it first, the change is applied again on the new tip and
 * retried, so concurrent publishers all land and none is lost.
 *
 * Blobs are read only through the object database, after their size is
 * checked, and only from regular-file entries: symbolic links and
 * submodules are refused by mode.
 */
#ifndef PR_ARCHIVE_H
#define PR_ARCHIVE_H

#include <stddef.h>
#include "gitlib.h"

#include "diag.h"

struct index_prefetch;

struct archive {
	git_repository *repo;
	char *workdir;      /* with a trailing '/', NULL for a bare repository */
	int lock_fd;        /* pr-publish.mutex while archive_lock() holds it, else -1 */
	struct index_prefetch *prefetch;    /* archive_index_prefetch() */
};

enum archive_open_mode {
	ARCHIVE_OPEN_DISCOVER,  /* path, or the repository around it */
	ARCHIVE_OPEN_FROM_ENV,  /* a hook: GIT_DIR, GIT_OBJECT_DIRECTORY (quarantine)... */
};

/* Starts libgit2's initialisation on a thread, for a command that will
 * open the archive; archive_init_end() (at exit) joins it. */
void archive_init_early(void);
void archive_init_end(void);

/* 0 and *out (archive_free) or XMLDOC_SYSTEM with the error reported. */
int archive_open(struct archive **out, const char *path, enum archive_open_mode mode,
		 struct diag *d);
void archive_free(struct archive *a);

/* The branch publications go to: HEAD's target, e.g. "refs/heads/main". */
int archive_branch(struct archive *a, char **out, struct diag *d);

/*
 * Reads the blob at path in tree.  Returns 0 with *buf (free()) and *len,
 * 1 when there is no such path, XMLDOC_INVALID when the entry is not a
 * regular file or is over max bytes (reported against path), or
 * XMLDOC_SYSTEM.
 */
int archive_read_blob(struct archive *a, const git_tree *tree, const char *path,
		      size_t max, char **buf, size_t *len, struct diag *d);
/* The same for a blob known by id and mode (an index entry, a diff). */
int archive_read_blob_id(struct archive *a, const git_oid *id, unsigned mode, const char *path,
			 size_t max, char **buf, size_t *len, struct diag *d);

struct archive_change {
	const char *path;   /* in the tree: releases/2020/x.en.xml */
	const char *data;   /* the new content; NULL removes the path */
	size_t len;
};

/*
 * Commits the changes on top of refname's tip, authored by git's configured
 * user, moving refname only if it still points where it did (retrying on a
 * new tip up to a limit).  The work tree and index are not touched.
 * Returns 0 (and *out, the new commit), 1 when the changes change nothing,
 * or XMLDOC_SYSTEM.
 */
int archive_commit(struct archive *a, const char *refname, const struct archive_change *changes,
		   size_t nr, const char *message, git_oid *out, struct diag *d);

/*
 * The two halves of archive_commit, for callers that must do something
 * between making the commit and moving the branch (render the site).
 * archive_make_commit builds the commit on refname's current tip (*tip,
 * zero when the branch is unborn): 0, 1 when nothing changes, or
 * XMLDOC_SYSTEM.  archive_move_ref moves refname from tip to id: 0,
 * ARCHIVE_RACE when it moved meanwhile (make the commit again on the new
 * tip), or XMLDOC_SYSTEM.
 */
#define ARCHIVE_RACE (-100)
int archive_make_commit(struct archive *a, const char *refname,
			const struct archive_change *changes, size_t nr, const char *message,
			git_oid *out, git_oid *tip, struct diag *d);
int archive_move_ref(struct archive *a, const char *refname, const git_oid *id,
		     const git_oid *tip, const char *message, struct diag *d);

/*
 * Publishers take turns: archive_lock() waits for <git dir>/pr-publish.mutex
 * (an flock, which the kernel drops when its holder dies) and returns 0, or
 * XMLDOC_SYSTEM (reported).  While it is held, archive_move_ref() writes
 * each move into that file first, so that what a SIGKILL (which cannot be
 * held off) cuts in the middle of a move is known to be ours: the next
 * archive_lock() removes the ref's lock file if it holds the new id (as
 * libgit2 leaves it), and the entries the move added to the reflogs of the
 * ref and HEAD; the ref stays where it was, as if the move was not begun.
 * A lock file of anyone else is left alone.
 */
int archive_lock(struct archive *a, struct diag *d);
void archive_unlock(struct archive *a);

/*
 * Makes the index show the changes (whose files the work tree has now) in
 * one write, with the archive's lock held: a SIGKILL may leave git's
 * index.lock, which the next archive_lock() recognises and finishes (see
 * archive.c).  Waits while git holds the index.  0 or XMLDOC_SYSTEM
 * (reported).
 */
int archive_index_update(struct archive *a, const struct archive_change *changes, size_t nr,
			 struct diag *d);
/* Starts reading the index on a thread of its own, for the next
 * archive_index_update() (which checks that it is still current);
 * archive_unlock() drops it if unused.  With the lock held only. */
void archive_index_prefetch(struct archive *a);

/* A commit of tree with an optional parent (the site branch's). */
int archive_commit_tree(struct archive *a, const git_oid *tree, const git_oid *parent,
			const char *message, git_oid *out, struct diag *d);

/* Reports libgit2's last error as a system error, prefixed by what. */
void archive_report_git_error(struct diag *d, const char *what);

#endif
