/* test-render.c - which stylesheets may write to the releases they are
 * handed (render_releases_read_only()): those that name generate-id() in
 * themselves, in what they include or in what they import, however the
 * name is spelt in the file.  Then pr:json-members() and <pr:fragment>:
 * pieces made once and pasted give the bytes of pages made without them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "diag.h"
#include "fragments.h"
#include "render.h"
#include "tap.h"
#include "util.h"
#include "xmldoc.h"

#define XSL_OPEN "<?xml version=\"1.0\"?>\n" \
	"<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\"\n" \
	"                xmlns:pr=\"urn:x-pr-publish\">\n"
#define XSL_CLOSE "</xsl:stylesheet>\n"

/* A template that reads the release of the context item. */
static const char reads[] = "<xsl:template name=\"t\">"
			    "<xsl:value-of select=\"pr:release()/headline\"/></xsl:template>\n";

static void put(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	free(path);
}

/* A stylesheet folder whose four stylesheets include common.xsl, which
 * holds body; html.xsl also imports imported.xsl, which holds imported.
 * -1 when it does not compile, else render_releases_read_only(). */
static int read_only(const char *body, const char *imported)
{
	char dir[] = "/tmp/test-render-XXXXXX";
	const char *const sheets[] = { "html.xsl", "rss.xsl", "atom.xsl", "sitemap.xsl" };
	struct renderer *r = NULL;
	struct diag d;
	char *text, *cmd;
	size_t i;
	int ret = -1;

	if (!mkdtemp(dir))
		return -1;
	diag_init(&d, DIAG_FORMAT_TEXT);
	d.quiet = 1;
	put(dir, "labels.xml", "<labels/>\n");
	put(dir, "style.css", "body { margin: 0 }\n");
	text = xasprintf(XSL_OPEN "%s" XSL_CLOSE, body);
	put(dir, "common.xsl", text);
	free(text);
	text = xasprintf(XSL_OPEN "%s" XSL_CLOSE, imported);
	put(dir, "imported.xsl", text);
	free(text);
	for (i = 0; i < ARRAY_SIZE(sheets); i++)
		put(dir, sheets[i], i ? XSL_OPEN "<xsl:include href=\"common.xsl\"/>\n" XSL_CLOSE
				      : XSL_OPEN "<xsl:import href=\"imported.xsl\"/>\n"
						 "<xsl:include href=\"common.xsl\"/>\n" XSL_CLOSE);
	if (!render_new(&r, dir, &d))
		ret = render_releases_read_only(r);
	render_free(r);
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd))
		ret = -1;
	free(cmd);
	return ret;
}

/* html.xsl (method html, as ours) made of templates, applied to input
 * with pieces kept in t (or none): the page, or NULL when it fails. */
static char *apply(const char *templates, const char *input, struct fragments *t)
{
	char dir[] = "/tmp/test-render-XXXXXX";
	const char *const others[] = { "rss.xsl", "atom.xsl", "sitemap.xsl" };
	struct renderer *r = NULL;
	struct diag d;
	char *text, *cmd, *out = NULL;
	xmlDocPtr doc;
	size_t i, len;

	if (!mkdtemp(dir))
		return NULL;
	diag_init(&d, DIAG_FORMAT_TEXT);
	d.quiet = 1;
	put(dir, "labels.xml", "<labels/>\n");
	put(dir, "style.css", "body { margin: 0 }\n");
	for (i = 0; i < ARRAY_SIZE(others); i++)
		put(dir, others[i], XSL_OPEN XSL_CLOSE);
	text = xasprintf("<?xml version=\"1.0\"?>\n"
			 "<xsl:stylesheet version=\"1.0\" "
			 "xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" "
			 "xmlns:pr=\"urn:x-pr-publish\" extension-element-prefixes=\"pr\">\n"
			 "<xsl:output method=\"html\" encoding=\"UTF-8\" indent=\"no\"/>\n"
			 "%s" XSL_CLOSE, templates);
	put(dir, "html.xsl", text);
	free(text);
	doc = xmlReadMemory(input, (int)strlen(input), "input.xml", NULL, XML_PARSE_NONET);
	if (doc && !render_new(&r, dir, &d)) {
		render_use_fragments(r, t);
		if (render_apply(r, RENDER_HTML, doc, &out, &len) < 0)
			out = NULL;
	}
	xmlFreeDoc(doc);
	render_free(r);
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd)) {
		free(out);
		out = NULL;
	}
	free(cmd);
	return out;
}

/* <p> holding the value of select over input is want. */
static void value_is(const char *select, const char *input, const char *want, const char *what)
{
	char *templates = xasprintf("<xsl:template match=\"/\"><p><xsl:value-of select=\"%s\"/>"
				    "</p></xsl:template>\n", select);
	char *out = apply(templates, input, NULL);
	char *wanted = xasprintf("<p>%s</p>\n", want);

	ok(out && !strcmp(out, wanted), "%s: %s", what, out ? out : "(none)");
	free(out);
	free(wanted);
	free(templates);
}

static void json_members(void)
{
	char *out;

	value_is("pr:json-members('a', string(x/@a), 'b', x/b, 'c', x/none, 'd&lt;', x/d)",
		 "<x a=\"1\"><b>two</b><b>three</b><d>q\"&lt;/script&gt;\n</d></x>",
		 ",\"a\":\"1\",\"b\":\"two\",\"d\\u003c\":\"q\\\"\\u003c/script\\u003e\\n\"",
		 "pr:json-members: strings, a node-set's first node, an empty one left out");
	/* Runs of plain ASCII between what is escaped, at both ends too. */
	value_is("pr:json(string(x))",
		 "<x>\"ab\\c\td&amp;\xe2\x80\xa8 \xc3\xa9t\xc3\xa9 \xe2\x80\x93 x&gt;</x>",
		 "\"\\\"ab\\\\c\\td\\u0026\\u2028 \xc3\xa9t\xc3\xa9 \xe2\x80\x93 x\\u003e\"",
		 "pr:json: escapes between runs of plain text");
	out = apply("<xsl:template match=\"/\"><p><xsl:value-of select=\""
		    "pr:json-members('a')\"/></p></xsl:template>\n", "<x/>", NULL);
	ok(!out, "pr:json-members with a name and no value fails the page");
	free(out);
}

static void fragment(void)
{
	static const char sheet[] =
		"<xsl:template match=\"/\"><ul><xsl:apply-templates select=\"x/i\"/></ul>"
		"</xsl:template>\n"
		"<xsl:template match=\"i\"><pr:fragment key=\"i {@k}\">"
		"<li class=\"{@k}\">A &amp; <b><xsl:value-of select=\"@v\"/></b></li>"
		"</pr:fragment><xsl:text> after </xsl:text></xsl:template>\n";
	/* Three with key a (the second and third pasted), one with b: a
	 * piece made once shows what the first made (@v), as the key says. */
	static const char input[] =
		"<x><i k=\"a\" v=\"1\"/><i k=\"b\" v=\"2\"/><i k=\"a\" v=\"1\"/>"
		"<i k=\"a\" v=\"&lt;3\"/></x>";
	struct fragments *t = fragments_new();
	char *plain = apply(sheet, input, NULL), *pasted = apply(sheet, input, t);
	size_t bytes, n = fragments_count(t, &bytes);

	ok(plain && strstr(plain, "<li class=\"a\">A &amp; <b>1</b></li> after <li class=\"b\">"),
	   "without a table, pr:fragment is its content: %s", plain ? plain : "(none)");
	ok(plain && pasted && !strcmp(plain, "<ul><li class=\"a\">A &amp; <b>1</b></li> after "
					    "<li class=\"b\">A &amp; <b>2</b></li> after "
					    "<li class=\"a\">A &amp; <b>1</b></li> after "
					    "<li class=\"a\">A &amp; <b>&lt;3</b></li> after </ul>\n"),
	   "the plain page as it is");
	ok(pasted && !strcmp(pasted, "<ul><li class=\"a\">A &amp; <b>1</b></li> after "
				     "<li class=\"b\">A &amp; <b>2</b></li> after "
				     "<li class=\"a\">A &amp; <b>1</b></li> after "
				     "<li class=\"a\">A &amp; <b>1</b></li> after </ul>\n"),
	   "with one, a key's piece is pasted wherever the key is: %s", pasted ? pasted : "(none)");
	ok(n == 2, "two pieces kept (%zu, %zu bytes)", n, bytes);
	free(plain);
	free(pasted);
	fragments_free(t);
	plain = apply("<xsl:template match=\"/\"><p><pr:fragment>x</pr:fragment></p></xsl:template>\n",
		      "<x/>", t = fragments_new());
	ok(!plain, "a pr:fragment without a key fails the page");
	free(plain);
	fragments_free(t);
}

/* Keys read without libxslt ({@name}, {$name}, text) mean what libxslt
 * would make of them: a local variable hides the global, a missing
 * attribute is empty, {{ is a brace; other keys are libxslt's. */
static void keys(void)
{
	static const char *const templates[] = {
		/* a local $g over the global one: a piece for each @k */
		"<xsl:variable name=\"g\" select=\"'G'\"/>\n"
		"<xsl:template match=\"/\"><ul><xsl:apply-templates select=\"x/i\"/></ul>"
		"</xsl:template>\n"
		"<xsl:template match=\"i\"><xsl:variable name=\"g\" select=\"string(@k)\"/>"
		"<pr:fragment key=\"{$g}\"><li><xsl:value-of select=\"$g\"/></li></pr:fragment>"
		"</xsl:template>\n",
		/* braces, and an attribute some items lack */
		"<xsl:template match=\"/\"><ul><xsl:apply-templates select=\"x/i\"/></ul>"
		"</xsl:template>\n"
		"<xsl:template match=\"i\"><pr:fragment key=\"{{i}} {@k}{@none}\">"
		"<li><xsl:value-of select=\"concat(@k, '|', @none)\"/></li></pr:fragment>"
		"</xsl:template>\n",
		/* an expression: libxslt's */
		"<xsl:template match=\"/\"><ul><xsl:apply-templates select=\"x/i\"/></ul>"
		"</xsl:template>\n"
		"<xsl:template match=\"i\"><pr:fragment key=\"{concat(@k, '!')}\">"
		"<li><xsl:value-of select=\"@k\"/></li></pr:fragment></xsl:template>\n",
		/* a global that is no string: libxslt's string() of it */
		"<xsl:variable name=\"n\" select=\"/x/i\"/>\n"
		"<xsl:template match=\"/\"><ul><xsl:apply-templates select=\"x/i\"/></ul>"
		"</xsl:template>\n"
		"<xsl:template match=\"i\"><pr:fragment key=\"{$n} {@k}\">"
		"<li><xsl:value-of select=\"@k\"/></li></pr:fragment></xsl:template>\n",
	};
	static const char input[] = "<x><i k=\"a\"/><i k=\"b\"/><i k=\"a\"/><i/></x>";
	size_t i, n;

	for (i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
		struct fragments *t = fragments_new();
		char *plain = apply(templates[i], input, NULL), *pasted = apply(templates[i], input, t);

		n = fragments_count(t, NULL);
		ok(plain && pasted && !strcmp(plain, pasted) && n == 3,
		   "key %zu: %zu pieces, the page as made whole: %s", i, n, pasted ? pasted : "(none)");
		free(plain);
		free(pasted);
		fragments_free(t);
	}
}

/* pr:feed-text writes its content as escaped markup, byte for byte what
 * pr:markup() and the serialiser make of it. */
static void feed_text(void)
{
	static const char content[] =
		"<b>A &amp; B</b><xsl:text>&#13;&lt;x&gt; \xc3\xa9 ]]&gt;</xsl:text>"
		"<i><xsl:value-of select=\"x\"/></i>";
	static const char input[] = "<x>&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp;</x>";
	char *sheet = xasprintf("<xsl:template match=\"/\"><p><pr:feed-text>%s</pr:feed-text></p>"
				"</xsl:template>\n", content);
	char *plain = xasprintf("<xsl:template match=\"/\"><xsl:variable name=\"h\">%s</xsl:variable>"
				"<p><xsl:value-of select=\"pr:markup($h)\"/></p></xsl:template>\n",
				content);
	char *a = apply(sheet, input, NULL), *b = apply(plain, input, NULL);

	ok(a && b && !strcmp(a, b) && strstr(a, "&amp;lt;script&amp;gt;") &&
		   strstr(a, "&lt;b&gt;A &amp;amp; B&lt;/b&gt;&amp;#13;"),
	   "pr:feed-text: the markup escaped as the serialiser escapes text: %s", a ? a : "(none)");
	free(a);
	free(b);
	free(sheet);
	free(plain);
}

/* relative-to: one piece for pages at every depth, each with its way back
 * to the root filled in. */
static void relative(void)
{
	static const char sheet[] =
		"<xsl:variable name=\"root\" select=\"string(/x/@root)\"/>\n"
		"<xsl:template match=\"/\"><ul><xsl:apply-templates select=\"x/i\"/></ul>"
		"</xsl:template>\n"
		"<xsl:template match=\"i\"><pr:fragment key=\"i {@k}\" relative-to=\"root\">"
		"<li><a href=\"{$root}p/{@k}.html\">up: <xsl:value-of select=\"$root\"/></a>"
		"</li></pr:fragment></xsl:template>\n";
	static const char deep[] = "<x root=\"../../\"><i k=\"a\"/><i k=\"b\"/></x>";
	struct fragments *t = fragments_new();
	char *first = apply(sheet, "<x root=\"../\"><i k=\"a\"/></x>", t);
	char *plain = apply(sheet, deep, NULL), *pasted = apply(sheet, deep, t);
	char *top = apply(sheet, "<x root=\"\"><i k=\"a\"/></x>", t);
	size_t n = fragments_count(t, NULL);

	ok(first && !strcmp(first, "<ul><li><a href=\"../p/a.html\">up: ../</a></li></ul>\n"),
	   "a piece made at one depth: %s", first ? first : "(none)");
	ok(plain && pasted && !strcmp(plain, "<ul><li><a href=\"../../p/a.html\">up: ../../</a></li>"
					    "<li><a href=\"../../p/b.html\">up: ../../</a></li></ul>\n") &&
		   !strcmp(pasted, plain),
	   "pasted at another, the bytes of the page made whole: %s", pasted ? pasted : "(none)");
	ok(top && !strcmp(top, "<ul><li><a href=\"p/a.html\">up: </a></li></ul>\n"),
	   "and at the root: %s", top ? top : "(none)");
	ok(n == 2, "one piece a key, whatever the depth (%zu)", n);
	free(first);
	free(plain);
	free(pasted);
	free(top);

	/* A value other than a way back to the root: the content as it is. */
	fragments_clear(t);
	first = apply(sheet, "<x root=\"http://example.org/\"><i k=\"a\"/></x>", t);
	ok(first && strstr(first, "href=\"http://example.org/p/a.html\"") &&
		   fragments_count(t, NULL) == 0,
	   "a value that is no way back to the root is written, no piece kept");
	free(first);
	first = apply("<xsl:template match=\"/\"><p><pr:fragment key=\"k\" relative-to=\"nowhere\">"
		      "x</pr:fragment></p></xsl:template>\n", "<x/>", t);
	ok(!first, "relative-to a variable that is not there fails the page");
	free(first);

	/* A local $root hides the global: the content is made as it is. */
	fragments_clear(t);
	first = apply("<xsl:variable name=\"root\" select=\"'../'\"/>\n"
		      "<xsl:template match=\"/\"><p><xsl:apply-templates select=\"x/i\"/></p>"
		      "</xsl:template>\n"
		      "<xsl:template match=\"i\"><xsl:variable name=\"root\" select=\"string(@r)\"/>"
		      "<pr:fragment key=\"i\" relative-to=\"root\"><a href=\"{$root}x\"/></pr:fragment>"
		      "</xsl:template>\n",
		      "<x><i r=\"../\"/><i r=\"../../\"/></x>", t);
	ok(first && !strcmp(first, "<p><a href=\"../x\"></a><a href=\"../../x\"></a></p>\n") &&
		   fragments_count(t, NULL) == 0,
	   "a local variable of the name: the content as it is, no piece kept: %s",
	   first ? first : "(none)");
	free(first);
	fragments_free(t);
}

int main(void)
{
	xmldoc_init();
	ok(read_only(reads, "") == 1, "stylesheets that only read releases share them");
	ok(read_only("<xsl:template name=\"t\"><xsl:value-of select=\"generate-id(pr:release())\"/>"
		     "</xsl:template>\n", "") == 0,
	   "generate-id() in an included stylesheet: releases are not shared");
	ok(read_only(reads, "<xsl:template match=\"item\">"
			    "<a href=\"#{generate-id(pr:release())}\"/></xsl:template>\n") == 0,
	   "generate-id() in an attribute value template of an imported stylesheet");
	ok(read_only("<xsl:template name=\"t\"><xsl:value-of select=\"generate&#45;id(.)\"/>"
		     "</xsl:template>\n", "") == 0,
	   "generate-id() spelt with a character reference");
	ok(read_only("<xsl:variable name=\"v\" select=\"'x'\"/>\n"
		     "<xsl:template name=\"t\"><xsl:if test=\"$v\"><xsl:value-of "
		     "select=\"generate-id()\"/></xsl:if></xsl:template>\n", "") == 0,
	   "generate-id() deep in a template");
	json_members();
	fragment();
	keys();
	relative();
	feed_text();
	return tap_done();
}
