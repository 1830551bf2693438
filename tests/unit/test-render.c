/* test-render.c - which stylesheets may write to the releases they are
 * handed (render_releases_read_only()): those that name generate-id() in
 * themselves, in what they include or in what they import, however the
 * name is spelt in the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
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
	return tap_done();
}
