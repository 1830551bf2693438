/*
 * html_out.h - a rendered page to bytes: the HTML serialiser.
 *
 * A page's result tree, as html.xsl makes it (xsl:output method="html",
 * indent="no", encoding UTF-8), written as libxml2's HTML serialiser
 * (htmlDocContentDumpFormatOutput(), which xsltSaveResultToString() calls)
 * writes it, byte for byte: the same doctype, the same end tags left out or
 * written (libxml2's own table of elements, looked up once per name), the
 * same escaping of text and attributes (URI attributes %-escaped as
 * xmlURIEscapeStr() does, the others with entities).  It takes half the
 * time: libxml2 looks every element and attribute up in its tables by name
 * with strcasecmp() (here: once per name and thread) and escapes text a
 * character at a time through its output buffers.  At 12,500 releases the
 * pages' serialisation went from ~0.7 s to ~0.37 s of a full build's ~6 s
 * of CPU.
 *
 * Only what our stylesheets make is written here: elements and attributes
 * without namespaces, text, comments.  A tree with anything else
 * (namespaces, CDATA, processing instructions, text marked for output
 * without escaping) is refused (-1) and the caller serialises it with
 * libxslt, so that the bytes are always libxml2's.
 */
#ifndef PR_HTML_OUT_H
#define PR_HTML_OUT_H

#include <libxml/tree.h>

#include "util.h"

/* Appends the page doc to out: 0, or -1 (out as it was) when doc holds
 * what only libxml2 writes. */
int html_out_page(xmlDocPtr doc, struct strbuf *out);

/*
 * A fragment: nodes written once (html_out_nodes()) and pasted as bytes
 * wherever a page holds a node that names it (html_out_paste()).  Text is
 * escaped the same whatever element it is in, but for script and style:
 * a fragment is only written outside them (a paste node inside one makes
 * html_out_page() refuse the page).  Only html_out_page() knows a paste
 * node; libxml2's serialiser would write a processing instruction, so a
 * page that holds one must be written here.
 */
struct html_fragment {
	unsigned magic;        /* HTML_FRAGMENT_MAGIC */
	size_t len;
	const char *bytes;
	/* Where, in bytes, each paste puts its node's fill (html_out_paste()),
	 * in increasing order: what makes one fragment serve pages that differ
	 * only there (a link's way back to the site's root). */
	size_t nr_holes;
	const size_t *holes;
};
#define HTML_FRAGMENT_MAGIC 0x46726167u

/* Appends first and its following siblings, with their descendants, as
 * html_out_page() writes them in a page: 0, or -1 (out as it was) when
 * they hold what only libxml2 writes. */
int html_out_nodes(const xmlNode *first, struct strbuf *out);

/* A node of doc (unlinked, the caller's) that html_out_page() writes as
 * f's bytes, with fill (copied; written as it is, so already as the page
 * would write it) in each of f's holes; f is lent for as long as the node
 * lives. */
xmlNodePtr html_out_paste(xmlDocPtr doc, const struct html_fragment *f, const char *fill);

#endif
