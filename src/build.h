/*
 * build.h - the website of an archive: which pages and feeds, made of what.
 *
 * build_site() takes the validated releases and decides the outputs: one
 * page per release and language; per language the newest releases, an
 * archive by year and month, a listing per field of work and per source
 * (paginated by the site's page size from the oldest, so that a numbered
 * page never changes when newer releases come; the listing's index.html
 * shows the newest) and the indexes of those; RSS and
 * Atom feeds per language, field and source (feed-items long); a sitemap
 * index of one sitemap per year and one of the other pages, a language
 * chooser and the CSS.  Releases under an embargo that has not
 * lifted at opts->now are left out everywhere.
 *
 * For each output it builds ONE small input document (the site's <site>,
 * the listed items' metadata, paths); the stylesheets reach a release's
 * full text through pr:release() instead of a copy (render.h).  An output
 * is known by a hash of the renderer's key, the site file, its input
 * document and the bytes of the release files it shows in full; only what
 * the previous build did not already make from the same hash is rendered
 * (see site_output.h).  Hashing and rendering run on one thread per core
 * (PR_PUBLISH_THREADS=N to choose), each with its own transform context;
 * the outputs do not depend on the number.  A release shown in full by
 * several outputs (its page, the feeds it is in) is loaded once for them
 * and read by all, on any thread, unless the stylesheets may write to it
 * (render_releases_read_only()).  PR_PUBLISH_DUMP_INPUTS=DIR
 * also writes every input document, releases copied in, under DIR (for
 * comparing with xsltproc; tools/bench-build.sh).  Items are ordered
 * by date (newest first), then id, then language, and nothing depends on
 * the clock, the file system's order or the machine: the same archive
 * gives the same bytes.
 */
#ifndef PR_BUILD_H
#define PR_BUILD_H

#include <stddef.h>
#include <time.h>

#include "diag.h"
#include "release.h"
#include "render.h"
#include "site.h"
#include "site_output.h"
#include "summary.h"

struct build_options {
	const char *out_dir;
	int force;           /* render everything, whatever the manifest says */
	time_t now;          /* for embargoes */
	/* Called now and then while rendering; may be NULL. */
	void (*progress)(void *data, size_t done, size_t total);
	void *progress_data;
	/* When set, the build renders into this tree (the caller opened it
	 * on out_dir) and only prepares it (output_tree_prepare()): the
	 * caller commits it or drops it. */
	struct output_tree *tree;
	/* Else, when set: out_dir, opened by the caller (output_tree_open())
	 * and the build's from here on, committed and freed as if it had
	 * opened it itself, whatever becomes of the build. */
	struct output_tree *opened;
	/* build --watch: where the last build in this process left what its
	 * plan was (NULL: none yet), replaced by this one's; NULL for none. */
	struct build_memo **memo;
	/* The process ends after this build: the plan's memory (12,500
	 * entries, their texts, the releases still loaded: ~25 ms of frees
	 * at the end of a full build) is left to it (util.h,
	 * free_at_exit()).  Not with memo: a watch keeps the plan. */
	int exiting;
};

struct build_result {
	size_t releases;        /* language versions published */
	size_t embargoed;       /* language versions held back */
	size_t pages, feeds, other;                   /* outputs made */
	size_t pages_written, feeds_written, other_written;
	struct output_stats out;
	char *next_embargo;     /* "2026-12-01T08:00:00Z" or NULL; freed by release */
	char *next_embargo_id;
};

/* Renders the site of site and rels (validated; lent) into opts->out_dir.
 * 0, or -1 with errors reported and the previous output left as it was. */
int build_site(struct build_result *out, const struct build_options *opts,
	       const struct site *site, struct release *const *rels, size_t nr,
	       struct renderer *r, struct diag *d);
void build_result_release(struct build_result *res);

/*
 * What a build's plan leaves for the next build in the same process (build
 * --watch): its entries and each output's hash.  When the next build has
 * the same renderer, site file and entries in the same order, and the
 * releases that changed changed nothing its listings are made of (the
 * usual save of a headline or a paragraph), only the outputs that show one
 * of those are hashed again; the others keep their hash.
 */
struct build_memo;
void build_memo_free(struct build_memo *m);

/* Where the full text of a release comes from when an output that shows
 * it in full is rendered (its page, a feed it is in); nothing else needs
 * it.  load() gives the release of source i (0, or -1 with a message in
 * err; it must check that the bytes are still those summarised), and
 * unload(), when not NULL, takes it back.  Called from several threads;
 * what load() gives is only read until unload() has it back. */
struct build_loader {
	int (*load)(void *data, size_t i, struct release **out, struct strbuf *err);
	void (*unload)(void *data, size_t i, struct release *rel);
	void *data;
};

/* build_site() from summaries (validated; lent): a release is parsed only
 * while an output that shows it in full is rendered. */
int build_site_summaries(struct build_result *out, const struct build_options *opts,
			 const struct site *site, struct release_summary *const *sums, size_t nr,
			 const struct build_loader *loader, struct renderer *r, struct diag *d);

#endif
