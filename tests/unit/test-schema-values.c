/* test-schema-values.c - taking a schema's patterns out never changes a
 * verdict: for each small schema and each document, libxml2 on the whole
 * schema and libxml2 on what schema_values_take() left, followed by
 * schema_values_check(), agree.  The schemas hold the shapes the reader
 * must leave to libxml2 as well as those it takes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>

#include "schema_values.h"
#include "tap.h"

#define RNG_HEAD "<grammar xmlns=\"http://relaxng.org/ns/structure/1.0\" " \
	"datatypeLibrary=\"http://www.w3.org/2001/XMLSchema-datatypes\">"
#define KEY "<data type=\"token\"><param name=\"pattern\">[a-z]+(-[a-z]+)*</param>" \
	"<param name=\"maxLength\">8</param></data>"

struct schema_case {
	const char *what;
	const char *rng;
	int takes;              /* whether any param should be taken */
	const char *docs[8];
};

static const struct schema_case cases[] = {
	{ "a patterned attribute and element text, through defines", RNG_HEAD
	  "<start><element name=\"r\"><attribute name=\"k\"><ref name=\"key\"/></attribute>"
	  "<optional><attribute name=\"xml:lang\"><ref name=\"key\"/></attribute></optional>"
	  "<element name=\"d\"><ref name=\"key\"/></element></element></start>"
	  "<define name=\"key\">" KEY "</define></grammar>", 1,
	  { "<r k='ab'><d>cd</d></r>", "<r k=' ab '><d>\n cd-ef\t</d></r>", "<r k='Ab'><d>cd</d></r>",
	    "<r k='ab'><d>c d</d></r>", "<r k='abcdefghi'><d>cd</d></r>",
	    "<r k='ab' xml:lang='x-'><d>cd</d></r>", "<r k='ab'><d>c<!-- -->d</d></r>",
	    "<r k='ab'><d/></r>" } },
	{ "a pattern in a choice stays with libxml2", RNG_HEAD
	  "<start><element name=\"r\"><attribute name=\"k\"><choice>" KEY
	  "<value>ANY</value></choice></attribute></element></start></grammar>", 0,
	  { "<r k='ab'/>", "<r k='ANY'/>", "<r k='Ab'/>", NULL } },
	{ "a define used whole and in a choice stays with libxml2", RNG_HEAD
	  "<start><element name=\"r\"><attribute name=\"k\"><ref name=\"key\"/></attribute>"
	  "<optional><attribute name=\"m\"><choice><ref name=\"key\"/><value>ANY</value></choice>"
	  "</attribute></optional><optional><attribute name=\"n\"><list><ref name=\"key\"/>"
	  "</list></attribute></optional></element></start>"
	  "<define name=\"key\">" KEY "</define></grammar>", 0,
	  { "<r k='ab'/>", "<r k='Ab'/>", "<r k='ab' m='ANY'/>", "<r k='ab' m='cd'/>",
	    "<r k='ab' m='CD'/>", "<r k='ab' n='cd'/>", "<r k='ab' n='CD'/>", NULL } },
	{ "elements in a namespace stay with libxml2",
	  "<grammar xmlns=\"http://relaxng.org/ns/structure/1.0\" ns=\"urn:x\" "
	  "datatypeLibrary=\"http://www.w3.org/2001/XMLSchema-datatypes\">"
	  "<start><element name=\"r\"><element name=\"d\">" KEY "</element></element></start>"
	  "</grammar>", 0,
	  { "<r xmlns='urn:x'><d>ab</d></r>", "<r xmlns='urn:x'><d>AB</d></r>", NULL } },
	{ "a name with white space around it stays with libxml2", RNG_HEAD
	  "<start><element name=\" r \"><attribute name=\" k \">" KEY "</attribute></element>"
	  "</start></grammar>", 0,
	  { "<r k='ab'/>", "<r k='AB'/>", NULL } },
	{ "an element patterned in one place and not in another", RNG_HEAD
	  "<start><element name=\"r\"><element name=\"d\">" KEY "</element>"
	  "<element name=\"s\"><element name=\"d\"><text/></element></element></element></start>"
	  "</grammar>", 0,
	  { "<r><d>ab</d><s><d>AB</d></s></r>", "<r><d>AB</d><s><d>ab</d></s></r>", NULL } },
	{ "a pattern in a list stays with libxml2", RNG_HEAD
	  "<start><element name=\"r\"><attribute name=\"k\"><list><oneOrMore>" KEY
	  "</oneOrMore></list></attribute></element></start></grammar>", 0,
	  { "<r k='ab cd'/>", "<r k='ab CD'/>", NULL } },
	{ "element text or a child element stays with libxml2", RNG_HEAD
	  "<start><element name=\"r\"><element name=\"d\"><choice><element name=\"e\"><empty/>"
	  "</element>" KEY "</choice></element></element></start></grammar>", 0,
	  { "<r><d><e/></d></r>", "<r><d>ab</d></r>", "<r><d>AB</d></r>", NULL } },
	{ "a facet it does not check stays with libxml2", RNG_HEAD
	  "<start><element name=\"r\"><attribute name=\"k\"><data type=\"token\">"
	  "<param name=\"pattern\">[a-z]+</param><param name=\"minLength\">3</param></data>"
	  "</attribute></element></start></grammar>", 0,
	  { "<r k='abc'/>", "<r k='ab'/>", "<r k='ABC'/>", NULL } },
	{ "an attribute of the same name patterned two ways", RNG_HEAD
	  "<start><element name=\"r\"><choice><group><attribute name=\"k\">" KEY "</attribute>"
	  "<attribute name=\"t\"><value>a</value></attribute></group>"
	  "<group><attribute name=\"k\"><data type=\"token\"><param name=\"pattern\">[0-9]+"
	  "</param></data></attribute><attribute name=\"t\"><value>b</value></attribute></group>"
	  "</choice></element></start></grammar>", 0,
	  { "<r k='ab' t='a'/>", "<r k='12' t='b'/>", "<r k='12' t='a'/>", "<r k='ab' t='b'/>",
	    NULL } },
};

static xmlDocPtr parse(const char *s)
{
	return xmlReadMemory(s, (int)strlen(s), NULL, NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static void quiet(void *data, xmlErrorPtr err)
{
	(void)data;
	(void)err;
}

static xmlRelaxNGPtr compile(xmlDocPtr rng)
{
	xmlRelaxNGParserCtxtPtr p = xmlRelaxNGNewDocParserCtxt(rng);
	xmlRelaxNGPtr schema;

	xmlRelaxNGSetParserStructuredErrors(p, quiet, NULL);
	schema = xmlRelaxNGParse(p);
	xmlRelaxNGFreeParserCtxt(p);
	return schema;
}

static int libxml2_valid(xmlRelaxNGPtr schema, xmlDocPtr doc)
{
	xmlRelaxNGValidCtxtPtr v = xmlRelaxNGNewValidCtxt(schema);
	int ret;

	xmlRelaxNGSetValidStructuredErrors(v, quiet, NULL);
	ret = xmlRelaxNGValidateDoc(v, doc);
	xmlRelaxNGFreeValidCtxt(v);
	return ret == 0;
}

static void count_bad(void *data, const xmlNode *node, const char *attr, const char *value,
		      const char *define)
{
	(void)node;
	(void)attr;
	(void)value;
	(void)define;
	(*(int *)data)++;
}

int main(void)
{
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct schema_case *c = &cases[i];
		xmlDocPtr whole = parse(c->rng), taken = parse(c->rng);
		struct schema_values *v = schema_values_take(taken);
		xmlRelaxNGPtr full = compile(whole), rest = compile(taken);
		int valid = 0, invalid = 0;

		ok(full && rest, "%s: compiles", c->what);
		ok(!!v == c->takes, "%s: %s", c->what, c->takes ? "takes the params" : "takes none");
		for (j = 0; full && rest && j < sizeof(c->docs) / sizeof(c->docs[0]) && c->docs[j]; j++) {
			xmlDocPtr doc = parse(c->docs[j]);
			int bad = 0, want, got;

			want = libxml2_valid(full, doc);
			got = libxml2_valid(rest, doc);
			schema_values_check(v, doc, count_bad, &bad);
			got = got && !bad;
			ok(want == got, "%s: %s is %s", c->what, c->docs[j], want ? "valid" : "not valid");
			valid += want;
			invalid += !want;
			xmlFreeDoc(doc);
		}
		ok(valid && invalid, "%s: good and bad documents both", c->what);
		xmlRelaxNGFree(full);
		xmlRelaxNGFree(rest);
		schema_values_free(v);
		xmlFreeDoc(whole);
		xmlFreeDoc(taken);
	}
	xmlCleanupParser();
	return tap_done();
}
