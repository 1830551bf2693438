/*
 * render.h - turning input documents into HTML, feeds and sitemaps by XSLT.
 *
 * A renderer compiles the stylesheets of one folder once (html.xsl, rss.xsl,
 * atom.xsl, sitemap.xsl; they may xsl:include files beside them), loads the
 * UI strings (labels.xml) and the style sheet for browsers (style.css), and
 * then applies them to as many input documents as the build makes.
 *
 * Stylesheets are code we ship, but they run on text from releases, so they
 * run boxed in: libxslt's security preferences forbid reading and writing
 * files and the network (no document(), no exsl:document), and template
 * depth, variables and XPath operations are capped.  They get what they
 * need from the one input document and from these extension functions in
 * the namespace urn:x-pr-publish:
 *
 *   pr:format-date('2020-10-15', 'de')   15. Oktober 2020 (six languages;
 *                                        Russian months in the genitive)
 *   pr:format-month('2020-10', 'ru')     Октябрь 2020 (a heading)
 *   pr:upper('Wien')                     WIEN; Latin, Greek and Cyrillic
 *   pr:rfc822('2025-03-10T08:00:00Z')    Mon, 10 Mar 2025 08:00:00 +0000
 *   pr:label('contacts', 'fr' [, a, b])  a UI string, {1} {2} filled in
 *   pr:json(string)                      a JSON string literal safe inside
 *                                        <script> (no "</", no U+2028)
 *   pr:json-members('name', $x, ...)     ,"name":"..." for each pair, values
 *                                        as pr:json(); a pair whose value is
 *                                        an empty node-set is left out
 *   pr:safe-url(href)                    href if http(s):// or mailto:, else ''
 *   pr:markup(tree)                      the tree serialised as markup, for
 *                                        a feed's escaped HTML content
 *   pr:item([item])                      the whole <item> of a listing's
 *                                        (context) <item>, which names only
 *                                        its release (render_call_items())
 *   pr:release([item])                   the <release> of the (context) <item>
 *                                        (by its @id and @lang), from the
 *                                        release's own parsed document: input
 *                                        documents refer to releases rather
 *                                        than carry copies (render_set_releases)
 *
 * and two extension elements (the stylesheet names pr in its
 * extension-element-prefixes):
 *
 *   <pr:fragment key="teaser {@id} {$root}">...</pr:fragment>
 *                                        its content, made by the first page
 *                                        of a build with that key and pasted
 *                                        into the others as bytes
 *                                        (render_use_fragments(), fragments.h);
 *                                        the key must name all the content
 *                                        depends on but what a build holds
 *                                        constant; whole elements and text
 *                                        only, outside script and style
 *   <pr:fragment key="teaser {@id}" relative-to="root">
 *                                        the same, made once for pages at
 *                                        every depth: the content may only
 *                                        write out the global $root (a way
 *                                        back to the root, "../.."), which
 *                                        each paste fills in for its page
 *   <pr:feed-text>...</pr:feed-text>     its content (the context <item>'s
 *                                        release's text) written as HTML
 *                                        and that as text, escaped as the
 *                                        serialiser would; made and escaped
 *                                        once a release (struct render_memo)
 *
 * Threads: a renderer is compiled once, in one thread, and may then be used
 * by several at once through render_apply_quiet() (each call has its own
 * transform context over the shared, read-only compiled stylesheets);
 * nothing else may change it meanwhile.
 */
#ifndef PR_RENDER_H
#define PR_RENDER_H

#include <stddef.h>
#include <libxml/tree.h>

#include "diag.h"
#include "util.h"

#define RENDER_NS "urn:x-pr-publish"

enum render_kind {
	RENDER_HTML,
	RENDER_RSS,
	RENDER_ATOM,
	RENDER_SITEMAP,
	RENDER_NR
};

struct renderer;

/* Finds the stylesheet folder: <archive root>/stylesheets when it has
 * html.xsl (an archive may style its own site), else $PR_PUBLISH_STYLESHEETS
 * when set, else the ones shipped with pr-publish (datadir.h).  The caller
 * frees the result; NULL (a system error reported) when none is found. */
char *render_find_stylesheets(const char *archive_root, struct diag *d);

/* Compiles the stylesheets in dir.  0 and *out (the caller's, render_free),
 * or -1 with the problems reported. */
int render_new(struct renderer **out, const char *dir, struct diag *d);
/* Where r reports from now on (render_new()'s d may have been a held one,
 * of the thread that compiled it). */
void render_set_diag(struct renderer *r, struct diag *d);
void render_free(struct renderer *r);

/* 64 hex digits: a digest of everything besides an input document that
 * decides an output (stylesheets, labels, CSS, this program's version). */
const char *render_key(const struct renderer *r);

/* The CSS file's bytes (lent). */
const char *render_css(const struct renderer *r, size_t *len);

/* Applies the stylesheet for kind to input.  0 and *out (malloc'd, the
 * caller's) with *len bytes, or -1 with an error reported. */
int render_apply(struct renderer *r, enum render_kind kind, xmlDocPtr input,
		 char **out, size_t *len);

/*
 * What rendering a release once keeps for the next output that shows it:
 * its full text as a feed gives it (pr:feed-html()), the same in every
 * feed it is in, RSS and Atom, whatever the feed.  Lent with a release by
 * whoever loaded it (zeroed at first), for as long as that release stays
 * loaded, to transformations on any thread; render_memo_clear() frees
 * what it holds.
 */
struct render_memo {
	char *feed_html;        /* set once (atomically), then only read */
	char *feed_text;        /* the same escaped as feed text (pr:feed-text) */
};
void render_memo_clear(struct render_memo *m);

/* What pr:release() may return: sorted by id, then lang; lent, and left
 * alone (read-only) while anything renders.  memo may be NULL (nothing is
 * kept: every output renders the release's text for itself). */
struct render_release {
	const char *id, *lang;
	const xmlNode *root;
	struct render_memo *memo;
};
void render_set_releases(struct renderer *r, const struct render_release *rels, size_t nr);

/* pr:item(): the whole <item> of a listed one of the input document,
 * which the caller made, or NULL (then pr:item() gives the node itself).
 * Set for this thread's transformations from now on (NULL: none). */
typedef xmlNodePtr (*render_item_fn)(void *data, const xmlNode *listed);
void render_call_items(render_item_fn fn, void *data);

/* Pages rendered from now on keep and paste <pr:fragment> pieces in t
 * (fragments.h; lent, shared by every thread), until NULL is set.  Without
 * a table, each page makes its own. */
struct fragments;
void render_use_fragments(struct renderer *r, struct fragments *t);

/* render_apply() for worker threads: reports nothing; on failure -1 and the
 * message in err (reset first). */
int render_apply_quiet(const struct renderer *r, enum render_kind kind, xmlDocPtr input,
		       char **out, size_t *len, struct strbuf *err);

/* 1 when the stylesheets only read the releases pr:release() hands them,
 * so that one loaded release may serve several transformations, at once
 * on several threads; 0 when they may write to them: they name
 * generate-id(), which libxslt (since 1.1.39) answers by writing an id
 * into the node itself, taken back only from the input document (the next
 * transformation would find it there). */
int render_releases_read_only(const struct renderer *r);

/* render_apply_quiet() with pr:release() finding rels (sorted as for
 * render_set_releases(), lent for the call) instead of the renderer's
 * table: each thread brings the releases its output needs. */
int render_apply_releases(const struct renderer *r, enum render_kind kind, xmlDocPtr input,
			  const struct render_release *rels, size_t nr, char **out, size_t *len,
			  struct strbuf *err);

/* The same formatting the stylesheets get, for C callers and tests:
 * "15 October 2020" in lang (English when lang is unknown); NULL when date
 * is not YYYY-MM-DD.  The result is the caller's. */
char *render_format_date(const char *date, const char *lang);
/* Upper-cases UTF-8 text (Latin, Greek, Cyrillic); the caller's. */
char *render_upper(const char *s);

#endif
