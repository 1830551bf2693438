/*
 * publish.h - the officer's loop on a git archive: publish, correct and
 * withdraw releases, and keep the rendered site on its own branch.
 *
 * Sources live on the main branch (the branch HEAD names):
 * releases/YYYY/<id>.<lang>.xml.  The rendered site is the tree of a
 * separate branch, "site", each of whose commits is built from one commit
 * of main and names it ("Source: <id>").  Two officers publishing never
 * conflict on it: it is derived data, rebuilt from main by whoever
 * publishes next, so it is pushed with force.
 *
 * Each publication is all or nothing.  Everything is checked first (the
 * same checker as `pr-publish check`); the commit is built on main's tip and
 * the site is rendered from it; then main is moved with a compare-and-swap
 * (retried on a new tip when another publisher won), the site branch
 * follows, and only then are the work tree, the index and the draft
 * touched.  Termination signals are held off during that last stretch;
 * publishers in one repository take turns through a lock file.
 */
#ifndef PR_PUBLISH_H
#define PR_PUBLISH_H

#include <time.h>

#include "archive.h"
#include "diag.h"
#include "site.h"

#define PUBLISH_SITE_BRANCH "refs/heads/site"

struct publish_options {
	time_t now;
	int werror;
	int quiet;
	const char *out_dir;   /* where the rendered site goes: <root>/public */
	int exiting;           /* the process ends afterwards: dictionaries are
				  left to the exit (checker_leave_to_exit) */
};

/* The stylesheets publishing renders with, compiled: the archive's own
 * stylesheets/ when it has one, else pr-publish's (datadir).  NULL with
 * the error reported. */
struct renderer;
struct renderer *publish_renderer(const char *root, struct diag *d);

/* Publishes the drafts (paths).  0, or EXIT_* codes from cli.h. */
int publish_drafts(struct archive *a, const struct site *site, const char *root,
		   const char *const *drafts, size_t nr, const struct publish_options *o,
		   struct diag *d);

/* Marks every language version of id (or only lang's) as withdrawn. */
int publish_withdraw(struct archive *a, const struct site *site, const char *root,
		     const char *id, const char *lang, const char *reason,
		     const struct publish_options *o, struct diag *d);

/* Renders the site of main's tip into o->out_dir and moves the site branch
 * to it (a rebuild, e.g. from cron when an embargo lifts). */
int publish_site(struct archive *a, const struct site *site, const char *root,
		 const struct publish_options *o, struct diag *d);

#endif
