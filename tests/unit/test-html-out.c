/*
 * test-html-out.c - html_out_page() against libxml2's HTML serialiser
 * (what xsltSaveResultToString() does for method="html", indent="no",
 * encoding UTF-8), byte for byte, on trees made to reach every rule:
 * every character in URI and other attributes and in text, control
 * characters, elements libxml2 writes without an end tag, script and
 * style, comments, boolean and value-less attributes, names in capitals
 * and names too long for the table, and a tree too deep for recursion.
 * Trees html_out_page() must refuse are refused, the buffer untouched.
 * Fragments: nodes written alone by html_out_nodes() and pasted into a
 * page give the page's own bytes; the table of fragments keeps the first
 * piece under a key, at the same address, through its growth.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLtree.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "fragments.h"
#include "html_out.h"
#include "tap.h"
#include "util.h"

/* A page as libxslt leaves it: an HTML document in UTF-8 with the
 * doctype of html.xsl, <html><head/><body/></html>. */
static xmlDocPtr new_page(xmlNodePtr *body)
{
	xmlDocPtr doc = htmlNewDocNoDtD(NULL, NULL);
	xmlNodePtr html = xmlNewDocNode(doc, NULL, BAD_CAST "html", NULL);

	xmlCreateIntSubset(doc, BAD_CAST "html", NULL, BAD_CAST "about:legacy-compat");
	xmlAddChild((xmlNodePtr)doc, html);
	xmlNewChild(html, NULL, BAD_CAST "head", NULL);
	*body = xmlNewChild(html, NULL, BAD_CAST "body", NULL);
	doc->encoding = xmlStrdup(BAD_CAST "UTF-8");
	return doc;
}

/* What xsltSaveResultToString() makes of doc for html.xsl's xsl:output. */
static xsltStylesheetPtr page_style;

static char *libxml2_bytes(xmlDocPtr doc, size_t *len)
{
	xmlChar *text = NULL;
	int n = 0;
	char *out;

	if (xsltSaveResultToString(&text, &n, doc, page_style) < 0)
		n = 0;
	out = xmalloc((size_t)n + 1);
	if (n)
		memcpy(out, text, (size_t)n);
	out[n] = '\0';
	*len = (size_t)n;
	xmlFree(text);
	return out;
}

static void load_style(void)
{
	static const char xsl[] =
		"<xsl:stylesheet version='1.0' xmlns:xsl='http://www.w3.org/1999/XSL/Transform'>"
		"<xsl:output method='html' encoding='UTF-8' indent='no'"
		" doctype-system='about:legacy-compat'/></xsl:stylesheet>";
	xmlDocPtr doc = xmlReadMemory(xsl, sizeof(xsl) - 1, "test.xsl", NULL, XML_PARSE_NONET);

	page_style = xsltParseStylesheetDoc(doc);
}

static int same_as_libxml2(xmlDocPtr doc, const char *what)
{
	struct strbuf mine = STRBUF_INIT;
	size_t len;
	char *theirs;
	int ret, same;

	ret = html_out_page(doc, &mine);
	theirs = libxml2_bytes(doc, &len);
	same = !ret && mine.len == len && !memcmp(mine.buf, theirs, len);
	if (!same)
		printf("# mine:   %s\n# libxml2: %s\n", ret ? "(refused)" : mine.buf, theirs);
	ok(same, "%s", what);
	strbuf_release(&mine);
	free(theirs);
	return same;
}

static void every_character(void)
{
	xmlNodePtr body, a, p, img;
	xmlDocPtr doc = new_page(&body);
	char all[256], *text = all;
	int c, n = 0;

	for (c = 1; c < 128; c++)
		all[n++] = (char)c;
	memcpy(all + n, "\xc3\xa9\xe2\x80\x93\xf0\x9f\x98\x80", 9);
	all[n + 9] = '\0';
	a = xmlNewChild(body, NULL, BAD_CAST "a", NULL);
	xmlNewProp(a, BAD_CAST "href", BAD_CAST text);
	xmlNewProp(a, BAD_CAST "title", BAD_CAST text);
	xmlNewProp(a, BAD_CAST "name", BAD_CAST " \t spaced name");
	xmlAddChild(a, xmlNewText(BAD_CAST text));
	p = xmlNewChild(body, NULL, BAD_CAST "p", NULL);
	xmlNewProp(p, BAD_CAST "name", BAD_CAST "not a URI: <b> & \"c\"");
	xmlNewProp(p, BAD_CAST "HREF", BAD_CAST "  /x y?a=1&b=<2>");
	xmlNewProp(p, BAD_CAST "data-very-long-attribute-name-beyond-the-table", BAD_CAST "&");
	img = xmlNewChild(p, NULL, BAD_CAST "img", NULL);
	xmlNewProp(img, BAD_CAST "src", BAD_CAST "https://example.org/\xc3\xa9 t.png");
	xmlNewProp(img, BAD_CAST "alt", BAD_CAST "");
	xmlNewProp(img, BAD_CAST "ismap", BAD_CAST "ismap");
	xmlNewProp(img, BAD_CAST "checked", NULL);
	xmlNewProp(img, BAD_CAST "title", NULL);
	a = xmlNewChild(p, NULL, BAD_CAST "a", NULL);
	xmlNewProp(a, BAD_CAST "href", BAD_CAST " \t\n ");
	xmlNewProp(a, BAD_CAST "src", BAD_CAST "");
	xmlNewProp(a, BAD_CAST "action", BAD_CAST "it's \"quoted\"");
	xmlNewProp(a, BAD_CAST "title", BAD_CAST "it's");
	xmlNewChild(p, NULL, BAD_CAST "form", NULL);
	xmlNewProp(p->last, BAD_CAST "action", BAD_CAST "/search?q=a b");
	same_as_libxml2(doc, "every character in URI and other attributes and in text");
	xmlFreeDoc(doc);
}

static void elements(void)
{
	static const char *const names[] = {
		"p", "ul", "ol", "li", "span", "div", "td", "tr", "option", "textarea", "br",
		"hr", "img", "meta", "link", "input", "embed", "source", "wbr", "html", "body",
		"title", "time", "nav", "article", "section", "header", "footer", "main",
		"aside", "h1", "h2", "strong", "em", "q", "blockquote", "dd", "dt", "colgroup",
		"x-element-with-a-long-custom-name", "P", "LI", "BR", "Script",
	};
	xmlNodePtr body, script, style, el;
	xmlDocPtr doc = new_page(&body);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		xmlNewChild(body, NULL, BAD_CAST names[i], NULL);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		el = xmlNewChild(body, NULL, BAD_CAST names[i], NULL);
		xmlAddChild(el, xmlNewText(BAD_CAST "x<y>&z"));
	}
	script = xmlNewChild(body, NULL, BAD_CAST "script", NULL);
	xmlNewProp(script, BAD_CAST "type", BAD_CAST "application/ld+json");
	xmlAddChild(script, xmlNewText(BAD_CAST "{\"a\":\"<b>&c\"}"));
	xmlAddChild(script, xmlNewText(BAD_CAST " and </p> more"));
	style = xmlNewChild(body, NULL, BAD_CAST "STYLE", NULL);
	xmlAddChild(style, xmlNewText(BAD_CAST "p > a { color: red }"));
	el = xmlNewChild(style, NULL, BAD_CAST "em", NULL);
	xmlAddChild(el, xmlNewText(BAD_CAST "in <em> in style"));
	xmlAddChild(style, xmlNewText(BAD_CAST "after & the em"));
	xmlAddChild(body, xmlNewComment(BAD_CAST " a <comment> & "));
	xmlAddChild(body, xmlNewText(BAD_CAST "after the comment"));
	same_as_libxml2(doc, "empty and void elements, script, style, comments, capitals");
	xmlFreeDoc(doc);
}

static void deep(void)
{
	xmlNodePtr body, at;
	xmlDocPtr doc = new_page(&body);
	int i;

	at = body;
	for (i = 0; i < 100000; i++)
		at = xmlNewChild(at, NULL, BAD_CAST(i % 2 ? "span" : "div"), NULL);
	xmlAddChild(at, xmlNewText(BAD_CAST "bottom"));
	/* libxml2 2.9 recurses here too deeply for a comparison: the bytes
	 * are checked by their shape instead. */
	{
		struct strbuf mine = STRBUF_INIT;

		ok(!html_out_page(doc, &mine) && strstr(mine.buf, "<span>bottom</span></div>") &&
			   mine.len > 100000 * 11,
		   "a tree 100,000 deep is written, without recursion");
		strbuf_release(&mine);
	}
	xmlFreeDoc(doc);
}

static void refused(void)
{
	struct strbuf out = STRBUF_INIT;
	xmlNodePtr body, el;
	xmlDocPtr doc;
	xmlNsPtr ns;

	strbuf_addstr(&out, "kept");
	doc = new_page(&body);
	ns = xmlNewNs(body, BAD_CAST "urn:x", BAD_CAST "x");
	xmlNewChild(body, ns, BAD_CAST "thing", NULL);
	ok(html_out_page(doc, &out) < 0 && !strcmp(out.buf, "kept"),
	   "a namespace is refused, the buffer as it was");
	xmlFreeDoc(doc);

	doc = new_page(&body);
	el = xmlNewText(BAD_CAST "<b>raw</b>");
	el->name = xmlStringTextNoenc;
	xmlAddChild(body, el);
	ok(html_out_page(doc, &out) < 0 && !strcmp(out.buf, "kept"),
	   "text for output without escaping is refused");
	xmlFreeDoc(doc);

	doc = new_page(&body);
	xmlAddChild(body, xmlNewCDataBlock(doc, BAD_CAST "x", 1));
	ok(html_out_page(doc, &out) < 0, "CDATA is refused");
	xmlFreeDoc(doc);

	doc = new_page(&body);
	xmlFree((xmlChar *)doc->encoding);
	doc->encoding = xmlStrdup(BAD_CAST "ISO-8859-1");
	ok(html_out_page(doc, &out) < 0, "an encoding other than UTF-8 is refused");
	xmlFreeDoc(doc);
	strbuf_release(&out);
}

static void empty(void)
{
	struct strbuf out = STRBUF_INIT;
	xmlDocPtr doc = htmlNewDocNoDtD(NULL, NULL);

	doc->encoding = xmlStrdup(BAD_CAST "UTF-8");
	ok(!html_out_page(doc, &out) && out.len == 0, "an empty result writes nothing");
	xmlCreateIntSubset(doc, BAD_CAST "html", NULL, BAD_CAST "about:legacy-compat");
	ok(!html_out_page(doc, &out) && out.len == 0, "nor does a doctype alone");
	xmlFreeDoc(doc);
	strbuf_release(&out);
}

/* A teaser as html.xsl makes it, in parent: hostile text included. */
static xmlNodePtr add_teaser(xmlNodePtr parent, const char *href)
{
	xmlNodePtr li = xmlNewChild(parent, NULL, BAD_CAST "li", NULL);
	xmlNodePtr h2 = xmlNewChild(li, NULL, BAD_CAST "h2", NULL);
	xmlNodePtr a = xmlNewChild(h2, NULL, BAD_CAST "a", BAD_CAST "A <script>&amp; \"x\"");

	xmlNewProp(a, BAD_CAST "href", BAD_CAST href);
	xmlNewChild(li, NULL, BAD_CAST "br", NULL);
	xmlAddChild(li, xmlNewText(BAD_CAST "tail \xc3\xa9 <b>"));
	return li;
}

static void pasted(void)
{
	struct strbuf whole = STRBUF_INIT, piece = STRBUF_INIT, out = STRBUF_INIT;
	struct html_fragment f = { HTML_FRAGMENT_MAGIC, 0, NULL, 0, NULL }, bad = f;
	xmlNodePtr body, holder, style, ul;
	xmlDocPtr doc;
	int ret;

	/* The page with the teaser in place. */
	doc = new_page(&body);
	ul = xmlNewChild(body, NULL, BAD_CAST "ul", NULL);
	add_teaser(ul, "../2020/a b.html");
	xmlNewChild(body, NULL, BAD_CAST "p", BAD_CAST "after");
	ok(!html_out_page(doc, &whole), "a page with a teaser");
	xmlFreeDoc(doc);

	/* The same teaser made aside, then pasted twice over. */
	doc = new_page(&body);
	holder = xmlNewDocNode(doc, NULL, BAD_CAST "div", NULL);
	add_teaser(holder, "../2020/a b.html");
	ret = html_out_nodes(holder->children, &piece);
	ok(!ret && !strncmp(piece.buf, "<li><h2>", 8), "a fragment is its nodes alone: %s",
	   piece.buf);
	xmlFreeNode(holder);
	f.bytes = piece.buf;
	f.len = piece.len;
	ul = xmlNewChild(body, NULL, BAD_CAST "ul", NULL);
	xmlAddChild(ul, html_out_paste(doc, &f, "ignored"));
	xmlNewChild(body, NULL, BAD_CAST "p", BAD_CAST "after");
	ok(!html_out_page(doc, &out) && out.len == whole.len && !memcmp(out.buf, whole.buf, out.len),
	   "pasted, the page has the bytes it would have had");
	xmlFreeDoc(doc);

	/* The same with its holes: made with a mark for "../", pasted with
	 * "../" filled in. */
	{
		const char *mark = "MARK";
		char *at;
		size_t holes[2], nr = 0;

		strbuf_reset(&piece);
		doc = new_page(&body);
		holder = xmlNewDocNode(doc, NULL, BAD_CAST "div", NULL);
		add_teaser(holder, "MARK2020/a b.html#MARK");
		ok(!html_out_nodes(holder->children, &piece), "a fragment with marks");
		xmlFreeNode(holder);
		while (nr < 2 && (at = strstr(piece.buf, mark))) {
			memmove(at, at + 4, strlen(at + 4) + 1);
			piece.len -= 4;
			holes[nr++] = (size_t)(at - piece.buf);
		}
		f.bytes = piece.buf;
		f.len = piece.len;
		f.holes = holes;
		f.nr_holes = nr;
		strbuf_reset(&whole);
		ul = xmlNewChild(body, NULL, BAD_CAST "ul", NULL);
		add_teaser(ul, "../2020/a b.html#../");
		ok(!html_out_page(doc, &whole), "the page made whole");
		xmlUnlinkNode(ul);
		xmlFreeNode(ul);
		ul = xmlNewChild(body, NULL, BAD_CAST "ul", NULL);
		xmlAddChild(ul, html_out_paste(doc, &f, "../"));
		strbuf_reset(&out);
		ok(nr == 2 && !html_out_page(doc, &out) && out.len == whole.len &&
			   !memcmp(out.buf, whole.buf, out.len),
		   "pasted with its two holes filled, the bytes it would have had");
		xmlFreeDoc(doc);
		doc = new_page(&body);
		xmlAddChild(body, html_out_paste(doc, &f, NULL));
		strbuf_reset(&out);
		ok(!html_out_page(doc, &out) && !strstr(out.buf, "MARK") &&
			   strstr(out.buf, "href=\"2020/a%20b.html#\""),
		   "a paste with no fill leaves the holes empty");
		xmlFreeDoc(doc);
		f.holes = NULL;
		f.nr_holes = 0;
	}
	doc = new_page(&body);
	xmlNewChild(body, NULL, BAD_CAST "p", BAD_CAST "after");

	/* Inside a style element text is written raw, so no paste there. */
	strbuf_reset(&out);
	strbuf_addstr(&out, "kept");
	style = xmlNewChild(body, NULL, BAD_CAST "style", NULL);
	xmlAddChild(style, html_out_paste(doc, &f, NULL));
	ok(html_out_page(doc, &out) < 0 && !strcmp(out.buf, "kept"),
	   "a paste inside a style is refused");
	xmlUnlinkNode(style);
	xmlFreeNode(style);

	/* A processing instruction that is not a paste is refused. */
	bad.magic = 0;
	xmlAddChild(body, html_out_paste(doc, &bad, NULL));
	ok(html_out_page(doc, &out) < 0, "a processing instruction is refused");
	xmlFreeDoc(doc);

	/* What html_out_nodes() refuses leaves the buffer as it was. */
	doc = new_page(&body);
	holder = xmlNewDocNode(doc, NULL, BAD_CAST "div", NULL);
	xmlAddChild(holder, xmlNewCDataBlock(doc, BAD_CAST "x", 1));
	strbuf_reset(&out);
	strbuf_addstr(&out, "kept");
	ok(html_out_nodes(holder->children, &out) < 0 && !strcmp(out.buf, "kept"),
	   "a fragment with CDATA is refused, the buffer as it was");
	xmlFreeNode(holder);
	xmlFreeDoc(doc);
	strbuf_release(&whole);
	strbuf_release(&piece);
	strbuf_release(&out);
}

static void table(void)
{
	struct fragments *t = fragments_new();
	const struct html_fragment *first, *again, *f;
	size_t bytes, i, lost = 0;
	char key[32], text[32];

	ok(!fragments_get(t, "teaser x en ../"), "an empty table has nothing");
	first = fragments_add(t, "teaser x en ../", "<li>1</li>", 10, NULL, 0);
	again = fragments_add(t, "teaser x en ../", "<li>2</li>", 10, NULL, 0);
	ok(first == again && !memcmp(first->bytes, "<li>1</li>", 10) && first->len == 10,
	   "the first piece under a key is kept");
	ok(fragments_get(t, "teaser x en ../") == first && !fragments_get(t, "teaser x en ../../"),
	   "looked up by the whole key");
	/* Enough to grow the table several times: every piece still there,
	 * the first at the same address. */
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		snprintf(text, sizeof(text), "<p>%zu</p>", i);
		fragments_add(t, key, text, strlen(text), NULL, 0);
	}
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		snprintf(text, sizeof(text), "<p>%zu</p>", i);
		f = fragments_get(t, key);
		lost += !f || f->len != strlen(text) || memcmp(f->bytes, text, f->len) ||
			f->bytes[f->len] != '\0';
	}
	ok(!lost && fragments_get(t, "teaser x en ../") == first, "5,001 pieces, none lost");
	i = fragments_count(t, &bytes);
	ok(i == 5001 && bytes > 5000 * 8, "counted: %zu pieces, %zu bytes", i, bytes);
	fragments_clear(t);
	ok(fragments_count(t, &bytes) == 0 && bytes == 0 && !fragments_get(t, "k1"),
	   "cleared, the table is empty");
	ok(fragments_add(t, "k1", "", 0, NULL, 0)->len == 0, "and takes pieces again, empty ones too");
	{
		size_t holes[3] = { 0, 4, 4 };
		const struct html_fragment *h = fragments_add(t, "k2", "<p></p>", 7, holes, 3);

		holes[1] = 99;
		ok(h->nr_holes == 3 && h->holes[0] == 0 && h->holes[1] == 4 && h->holes[2] == 4 &&
			   !strcmp(h->bytes, "<p></p>") && fragments_get(t, "k2") == h,
		   "a piece keeps a copy of its holes");
	}
	fragments_free(t);
}

int main(void)
{
	load_style();
	ok(page_style != NULL, "html.xsl's xsl:output, compiled");
	every_character();
	elements();
	deep();
	refused();
	empty();
	pasted();
	table();
	xsltFreeStylesheet(page_style);
	xmlCleanupParser();
	return tap_done();
}
