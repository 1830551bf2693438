/* schema.c - compiled-in RELAX NG schemas and readable validation errors. */
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>

#include "util.h"

extern const unsigned char embedded_release_rng[], embedded_site_rng[];
extern const size_t embedded_release_rng_len, embedded_site_rng_len;

static xmlRelaxNGPtr compiled[2];

static void ignore_error(void *data, xmlErrorPtr err)
{
	(void)data;
	(void)err;
}

static xmlRelaxNGPtr get_schema(enum schema_id id)
{
	xmlRelaxNGParserCtxtPtr pctxt;
	const unsigned char *data = id == SCHEMA_RELEASE ? embedded_release_rng : embedded_site_rng;
	size_t len = id == SCHEMA_RELEASE ? embedded_release_rng_len : embedded_site_rng_len;

	if (compiled[id])
		return compiled[id];
	pctxt = xmlRelaxNGNewMemParserCtxt((const char *)data, (int)len);
	if (!pctxt)
		return NULL;
	xmlRelaxNGSetParserStructuredErrors(pctxt, ignore_error, NULL);
	compiled[id] = xmlRelaxNGParse(pctxt);
	xmlRelaxNGFreeParserCtxt(pctxt);
	return compiled[id];
}

void schema_release_all(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(compiled); i++) {
		if (compiled[i])
			xmlRelaxNGFree(compiled[i]);
		compiled[i] = NULL;
	}
}

struct schema_error {
	const xmlNode *node;
	int line;
	int generic;    /* a follow-on message, dropped when others exist */
	char *message;
};

struct collect {
	struct schema_error *errs;
	size_t nr, alloc;
};

/* Required attributes, so that "failed to validate attributes" can say which. */
static const struct {
	const char *element, *attrs[3];
} required_attrs[] = {
	{ "release", { "id", "xml:lang", NULL } },
	{ "source", { "ref", NULL } },
	{ "field", { "ref", NULL } },
	{ "country", { "ref", NULL } },
	{ "person", { "id", NULL } },
	{ "a", { "href", NULL } },
	{ "span", { "xml:lang", NULL } },
	{ "correction", { "date", NULL } },
	{ "language", { "code", NULL } },
	{ "label", { "xml:lang", NULL } },
	{ "term", { "key", NULL } },
};

static int has_attr(const xmlNode *node, const char *name)
{
	if (!strcmp(name, "xml:lang"))
		return xmlHasNsProp((xmlNode *)node, BAD_CAST "lang", XML_XML_NAMESPACE) != NULL;
	return xmlHasProp((xmlNode *)node, BAD_CAST name) != NULL;
}

static void describe_attrs(struct strbuf *out, const xmlNode *node)
{
	size_t i, j;

	if (node && node->type == XML_ELEMENT_NODE) {
		for (i = 0; i < ARRAY_SIZE(required_attrs); i++) {
			if (strcmp(required_attrs[i].element, (const char *)node->name))
				continue;
			for (j = 0; required_attrs[i].attrs[j]; j++) {
				if (!has_attr(node, required_attrs[i].attrs[j])) {
					strbuf_addf(out, "element '%s' needs a '%s' attribute",
						    node->name, required_attrs[i].attrs[j]);
					return;
				}
			}
		}
		/* Name the attribute whose value is wrong, if we can tell. */
		strbuf_addf(out, "element '%s' has an attribute that is not allowed or whose value "
			    "is not valid", node->name);
		if (!strcmp((const char *)node->name, "release"))
			strbuf_addstr(out, " (id is YYYY-MM-DD-words-with-hyphens, xml:lang a "
				      "language code such as 'en')");
		else if (xmlHasProp((xmlNode *)node, BAD_CAST "ref"))
			strbuf_addstr(out, " (ref is a taxonomy key: lowercase words joined by hyphens)");
		return;
	}
	strbuf_addstr(out, "an attribute is missing or not valid");
}

static const char *value_hint(const xmlNode *node)
{
	const char *name = node && node->type == XML_ELEMENT_NODE ? (const char *)node->name : "";

	if (!strcmp(name, "date"))
		return "; dates are written YYYY-MM-DD, e.g. 2020-10-15";
	if (!strcmp(name, "embargo"))
		return "; an embargo is a date and time with its zone, e.g. 2020-10-15T09:00:00+02:00";
	if (!strcmp(name, "page-size") || !strcmp(name, "feed-items"))
		return "; a whole number above zero";
	return "";
}

/* Turns one libxml2 RELAX NG message into ours. */
static int rephrase(struct strbuf *out, const xmlNode *node, const char *msg)
{
	char a[128], b[128];
	const char *where = node && node->type == XML_ELEMENT_NODE ? (const char *)node->name : "?";

	if (sscanf(msg, "Expecting an element %127[^,], got nothing", a) == 1) {
		strbuf_addf(out, "element '%s' is missing its '%s' element", where, a);
	} else if (sscanf(msg, "Expecting element %127[^,], got %127s", a, b) == 2) {
		strbuf_addf(out, "found element '%s' where '%s' is expected", b, a);
	} else if (sscanf(msg, "Did not expect element %127s there", a) == 1) {
		strbuf_addf(out, "element '%s' is not allowed here (check its place and spelling)", a);
	} else if (sscanf(msg, "Element %127s has extra content: %127s", a, b) == 2) {
		if (!strcmp(b, "text"))
			strbuf_addf(out, "element '%s' may not contain text directly; put it in an element "
				    "such as <p>", a);
		else
			strbuf_addf(out, "element '%s' is not allowed inside '%s' (check its place and "
				    "spelling)", b, a);
	} else if (sscanf(msg, "Invalid attribute %127s for element %127s", a, b) == 2) {
		strbuf_addf(out, "attribute '%s' is not allowed on element '%s'", a, b);
	} else if (sscanf(msg, "Element %127s failed to validate attributes", a) == 1) {
		describe_attrs(out, node);
		return 1;
	} else if (strstr(msg, "failed to validate content") ||
		   !strncmp(msg, "Error validating datatype", 25) ||
		   strstr(msg, "Invalid sequence in interleave") ||
		   !strncmp(msg, "Expecting a namespace", 21)) {
		strbuf_addf(out, "element '%s' does not have the structure a release needs", where);
		return 1;
	} else if (sscanf(msg, "Type %127s doesn't allow value '%127[^']'", a, b) == 2 ||
		   sscanf(msg, "Error validating value %127s", b) == 1) {
		strbuf_addf(out, "value '%s' in element '%s' is not valid%s", b, where, value_hint(node));
	} else if (!strncmp(msg, "Extra element", 13)) {
		strbuf_addf(out, "%s", msg);
	} else {
		size_t n = strlen(msg);
		while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			n--;
		strbuf_addstr(out, "does not match the schema: ");
		strbuf_add(out, msg, n);
	}
	return 0;
}

static void on_error(void *data, xmlErrorPtr err)
{
	struct collect *c = data;
	struct strbuf msg = STRBUF_INIT;
	struct schema_error *e;

	if (!err || !err->message)
		return;
	if (c->nr >= 100)
		return;  /* enough to go on with */
	ALLOC_GROW(c->errs, c->nr + 1, c->alloc);
	e = &c->errs[c->nr++];
	e->node = err->node;
	e->line = err->line;
	e->generic = rephrase(&msg, err->node, err->message);
	e->message = strbuf_detach(&msg);
}

int schema_validate(enum schema_id id, const struct xmldoc *x, struct diag *d)
{
	xmlRelaxNGPtr schema = get_schema(id);
	xmlRelaxNGValidCtxtPtr vctxt;
	struct collect c = { NULL, 0, 0 };
	size_t i, specific = 0;
	int ret;

	if (!schema) {
		diag_system_error(d, "the built-in %s schema does not compile; rebuild pr-publish",
				  id == SCHEMA_RELEASE ? "release" : "site");
		return XMLDOC_SYSTEM;
	}
	vctxt = xmlRelaxNGNewValidCtxt(schema);
	xmlRelaxNGSetValidStructuredErrors(vctxt, on_error, &c);
	ret = xmlRelaxNGValidateDoc(vctxt, x->doc);
	xmlRelaxNGFreeValidCtxt(vctxt);

	for (i = 0; i < c.nr; i++)
		specific += !c.errs[i].generic;
	for (i = 0; i < c.nr; i++) {
		struct diag_loc loc;
		size_t j;
		int dup = 0;

		/* Follow-on messages only when nothing more precise was said. */
		if (c.errs[i].generic && specific)
			continue;
		for (j = 0; j < i; j++)
			if (c.errs[j].node == c.errs[i].node && !strcmp(c.errs[j].message, c.errs[i].message))
				dup = 1;
		if (dup)
			continue;
		if (c.errs[i].node)
			xmldoc_loc_node(x, c.errs[i].node, &loc);
		else {
			memset(&loc, 0, sizeof(loc));
			loc.file = x->path;
			loc.line = c.errs[i].line;
		}
		diag_report(d, &loc, DIAG_ERROR, "schema", "%s", c.errs[i].message);
	}
	if (ret != 0 && c.nr == 0) {
		struct diag_loc loc = { x->path, 0, 0, NULL, 0 };
		diag_report(d, &loc, DIAG_ERROR, "schema", "the file does not match the %s schema",
			    id == SCHEMA_RELEASE ? "release" : "site");
	}
	for (i = 0; i < c.nr; i++)
		free(c.errs[i].message);
	free(c.errs);
	return ret == 0 ? 0 : XMLDOC_INVALID;
}
