/* test-xmldoc.c - the trusted reading gives the tree of the checked one,
 * and is no less safe. */
#include <string.h>

#include <libxml/tree.h>

#include "diag.h"
#include "tap.h"
#include "xmldoc.h"

static const char release[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<release xmlns=\"urn:x\" id=\"a\">\n  <headline>Österreich &amp; l’OSCE</headline>\n"
	"  <body><p>One <em>two</em> three.</p></body>\n</release>\n";

static char *dump(const struct xmldoc *x)
{
	xmlChar *mem = NULL;
	int len = 0;

	xmlDocDumpMemory(x->doc, &mem, &len);
	return (char *)mem;
}

static int trusted_result(const char *s, size_t *errors)
{
	struct diag d;
	struct xmldoc *x = NULL;
	int ret;

	diag_init(&d, DIAG_FORMAT_TEXT);
	d.quiet = 1;
	ret = xmldoc_parse_memory_trusted(&x, "t.xml", s, strlen(s), &d);
	*errors = d.errors;
	xmldoc_free(x);
	return ret;
}

int main(void)
{
	struct diag d;
	struct xmldoc *checked = NULL, *trusted = NULL;
	char *a, *b;
	size_t errors;

	xmldoc_init();
	diag_init(&d, DIAG_FORMAT_TEXT);
	d.quiet = 1;
	ok(xmldoc_parse_memory(&checked, "c.xml", release, strlen(release), &d) == XMLDOC_OK,
	   "a release reads");
	ok(xmldoc_parse_memory_trusted(&trusted, "t.xml", release, strlen(release), &d) ==
	   XMLDOC_OK, "and reads trusted");
	a = dump(checked);
	b = dump(trusted);
	ok(a && b && !strcmp(a, b), "to the same tree");
	ok(checked->nr_pos > 0 && trusted->nr_pos == 0 && trusted->nr_lines == 0,
	   "without the positions, which only findings need");
	xmlFree(a);
	xmlFree(b);
	xmldoc_free(checked);
	xmldoc_free(trusted);

	ok(trusted_result("<!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>", &errors) ==
	   XMLDOC_INVALID && errors == 1, "a DOCTYPE is still refused");
	ok(trusted_result("<r><a></r>", &errors) == XMLDOC_INVALID && errors == 1,
	   "bad XML is still an error");
	ok(trusted_result("<r>\xFF</r>", &errors) == XMLDOC_INVALID && errors == 1,
	   "invalid UTF-8 is still an error (the parser's)");
	return tap_done();
}
