/*
 * fragments.h - pieces of pages made once in a build, pasted into every
 * page that shows them.
 *
 * A listing shows each release's teaser, and every page the same header
 * and footer: made by XSLT for each page, they were a third of a full
 * build's CPU time.  html.xsl wraps such a piece in <pr:fragment key="...">
 * (render.h), whose key names everything the piece is made of (the
 * teaser's release and language) but the holes a page fills in (its way
 * back to the site's root: html_out_paste()); the first
 * page to show a piece makes it and adds its bytes here, the others paste
 * them (html_out_paste()).
 *
 * A table from key to bytes, shared by the threads of a build: one lock,
 * held for a lookup or an addition, never while a piece is made.  When two
 * threads make the same piece at once, the first added is kept and the
 * other's dropped: the bytes are the same.  A piece keeps its address
 * until fragments_clear(), so pages may point at it meanwhile.
 */
#ifndef PR_FRAGMENTS_H
#define PR_FRAGMENTS_H

#include <stddef.h>

#include "html_out.h"

struct fragments;

struct fragments *fragments_new(void);
/* Frees t and every piece: no page may still point at one. */
void fragments_free(struct fragments *t);
/* Drops every piece; the same rule. */
void fragments_clear(struct fragments *t);

/* The piece under key, or NULL. */
const struct html_fragment *fragments_get(struct fragments *t, const char *key);
/* Adds a copy of bytes, with its nr_holes holes (struct html_fragment),
 * under key, unless a piece is there already: the piece kept under key,
 * either way. */
const struct html_fragment *fragments_add(struct fragments *t, const char *key,
					  const char *bytes, size_t len,
					  const size_t *holes, size_t nr_holes);

/* How many pieces, and their bytes (for tests and measurements). */
size_t fragments_count(struct fragments *t, size_t *bytes);

#endif
