/*
 * watch.h - what changed in the folders a build reads (inotify).
 *
 * `pr-publish build --watch` builds, then waits here for the releases,
 * the site file or the stylesheets to change, and builds again.  A watch
 * names the release files something happened to (the caller looks at
 * each: an editor that saves by renaming makes a file go and come back),
 * and says when a list of those cannot describe what happened (a folder
 * made or removed, events lost): the caller then walks the releases
 * again.  It never reads a file.
 */
#ifndef PR_WATCH_H
#define PR_WATCH_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "diag.h"

struct watch;

/* After a file was closed or renamed into place: more of the same save? */
#define WATCH_SETTLED_MS 2

/* What changed since the last watch_wait(). */
struct watch_changes {
	char **touched;     /* release files written, made, removed or renamed (as walked), owned */
	size_t nr_touched, alloc_touched;
	int rescan;         /* folders came or went, or events were lost: walk again */
	int site;           /* the site file changed */
	int sheets;         /* a stylesheet changed */
	int writing;        /* the last event was a write to a file still open */
	struct timespec first;   /* when the first of them was seen (CLOCK_MONOTONIC) */
};

/* 0 and *out (the caller's, watch_free()), or -1 with a system error
 * reported (no inotify: too many watches, or not Linux). */
int watch_open(struct watch **out, struct diag *d);
/* Watches dir and every folder under it for release files ('releases').
 * 0, or -1 reported. */
int watch_releases(struct watch *w, const char *dir, struct diag *d);
/* Watches the file at path (through its folder: editors replace files). */
int watch_site_file(struct watch *w, const char *path, struct diag *d);
/* Watches the stylesheets' folder. */
int watch_stylesheets(struct watch *w, const char *dir, struct diag *d);

/*
 * Waits for a change, then until nothing more has changed for quiet_ms
 * while a file is being written (an editor's save is several events), or
 * for WATCH_SETTLED_MS once the last file was closed or renamed into
 * place, and fills *out (emptied first).
 * timeout_ms: give up after that long (-1: never).  The signal mask is
 * sigmask while waiting (ppoll()), so a caller may block the signals that
 * stop it everywhere else.  1 when something changed, 0 on the timeout,
 * -1 when interrupted by a signal (or on an error, reported).
 */
int watch_wait(struct watch *w, int timeout_ms, int quiet_ms, const sigset_t *sigmask,
	       struct watch_changes *out, struct diag *d);
void watch_changes_release(struct watch_changes *c);
void watch_free(struct watch *w);

#endif
