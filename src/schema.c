/* schema.c - compiled-in RELAX NG schemas and readable validation errors. */
#include "schema.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>

#include "schema_values.h"
#include "util.h"

extern const unsigned char embedded_release_rng[], embedded_site_rng[];
extern const size_t embedded_release_rng_len, embedded_site_rng_len;

/* A schema as compiled: libxml2's, and the value patterns it checks
 * itself, compiled once (schema_values.h). */
struct compiled {
	xmlRelaxNGPtr rng;
	struct schema_values *values;   /* NULL: libxml2 checks every value */
};

/* Compiled on first use, under the lock: releases are validated on several
 * threads at once (cmd_build.c).  A compiled schema is only read while
 * documents are validated against it, each with a context of its own. */
static struct compiled compiled[2];
static pthread_mutex_t compile_lock = PTHREAD_MUTEX_INITIALIZER;

static void ignore_error(void *data, xmlErrorPtr err)
{
	(void)data;
	(void)err;
}

static int compile(enum schema_id id, struct compiled *out)
{
	xmlRelaxNGParserCtxtPtr pctxt;
	const unsigned char *data = id == SCHEMA_RELEASE ? embedded_release_rng : embedded_site_rng;
	size_t len = id == SCHEMA_RELEASE ? embedded_release_rng_len : embedded_site_rng_len;
	xmlDocPtr doc;

	/* Our own bytes, but read as carefully as any: no network, no DTD. */
	doc = xmlReadMemory((const char *)data, (int)len, NULL, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -1;
	out->values = schema_values_take(doc);
	pctxt = xmlRelaxNGNewDocParserCtxt(doc);
	if (pctxt) {
		xmlRelaxNGSetParserStructuredErrors(pctxt, ignore_error, NULL);
		out->rng = xmlRelaxNGParse(pctxt);
		xmlRelaxNGFreeParserCtxt(pctxt);
	}
	xmlFreeDoc(doc);
	if (!out->rng) {
		schema_values_free(out->values);
		out->values = NULL;
		return -1;
	}
	return 0;
}

static const struct compiled *get_schema(enum schema_id id)
{
	const struct compiled *c = NULL;

	pthread_mutex_lock(&compile_lock);
	if (compiled[id].rng || !compile(id, &compiled[id]))
		c = &compiled[id];
	pthread_mutex_unlock(&compile_lock);
	return c;
}

int schema_prepare(enum schema_id id)
{
	return get_schema(id) ? 0 : -1;
}

void schema_release_all(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(compiled); i++) {
		if (compiled[i].rng)
			xmlRelaxNGFree(compiled[i].rng);
		schema_values_free(compiled[i].values);
		compiled[i].rng = NULL;
		compiled[i].values = NULL;
	}
}

struct schema_error {
	const xmlNode *node;
	char *attr;     /* the attribute at fault, when known */
	int line;
	int generic;    /* a follow-on message, dropped when others exist */
	char *message;
	size_t seq;     /* the order it came in */
};

struct collect {
	struct schema_error *errs;
	size_t nr, alloc;
	size_t from_libxml2;   /* the first errs[] are libxml2's */
	size_t bad_values;     /* values schema_values_check() found not valid */
};

/*
 * What the schemas say of attribute values, mirrored here so that "failed to
 * validate attributes" can name the attribute, quote its value and say what
 * a good one looks like.  The schemas stay the authority: this table only
 * words the message.
 */
enum value_kind {
	VALUE_KEY,     /* taxonomy key */
	VALUE_LANG,    /* language code */
	VALUE_ID,      /* release id */
	VALUE_DATE,    /* YYYY-MM-DD */
	VALUE_ENUM,    /* one of .choices */
	VALUE_ANY,     /* anything; never blamed */
};

static const struct attr_rule {
	const char *element, *attr;
	int required;
	enum value_kind kind;
	const char *choices;
} attr_rules[] = {
	{ "release", "id", 1, VALUE_ID, NULL },
	{ "release", "xml:lang", 1, VALUE_LANG, NULL },
	{ "release", "type", 0, VALUE_ENUM, "press-release, news, statement, media-advisory" },
	{ "release", "original-lang", 0, VALUE_LANG, NULL },
	{ "place", "country", 0, VALUE_KEY, NULL },
	{ "source", "ref", 1, VALUE_KEY, NULL },
	{ "field", "ref", 1, VALUE_KEY, NULL },
	{ "country", "ref", 1, VALUE_KEY, NULL },
	{ "event", "format", 0, VALUE_ENUM, "in-person, online, hybrid" },
	{ "person", "id", 1, VALUE_KEY, NULL },
	{ "q", "by", 0, VALUE_KEY, NULL },
	{ "blockquote", "by", 0, VALUE_KEY, NULL },
	{ "a", "href", 1, VALUE_ANY, NULL },
	{ "span", "xml:lang", 1, VALUE_LANG, NULL },
	{ "correction", "date", 1, VALUE_DATE, NULL },
	/* site.xml */
	{ "language", "code", 1, VALUE_LANG, NULL },
	{ "label", "xml:lang", 1, VALUE_LANG, NULL },
	{ "term", "key", 1, VALUE_KEY, NULL },
	{ "term", "parent", 0, VALUE_KEY, NULL },
	{ "term", "status", 0, VALUE_ENUM, "active, closed" },
	{ "spelling", "severity", 0, VALUE_ENUM, "warning, error" },
	/* xml:lang is allowed on most text elements */
	{ NULL, "xml:lang", 0, VALUE_LANG, NULL },
};

/* Elements a parent cannot do without, in document order. */
static const struct {
	const char *parent, *children[5];
} required_children[] = {
	{ "release", { "headline", "dateline", "sources", "body", NULL } },
	{ "dateline", { "date", "place", NULL } },
	{ "person", { "name", NULL } },
	{ "contact", { "name", NULL } },
	{ "event", { "name", NULL } },
};

static const char release_order[] =
	"headline, subtitle, summary, dateline, embargo, sources, fields, countries, event, "
	"people, body, contacts, notes, corrections";

/* Whether msg, after sscanf() set *n (with a trailing %n), was matched to
 * its end: sscanf() counts conversions, and a literal after the last one
 * that does not match goes unnoticed without this. */
static int matched(const char *msg, int n)
{
	if (n <= 0)
		return 0;
	while (msg[n] == '\n' || msg[n] == ' ')
		n++;
	return !msg[n];
}

static const char *attr_value(const xmlNode *node, const char *name)
{
	xmlAttr *a;

	if (!strcmp(name, "xml:lang"))
		a = xmlHasNsProp((xmlNode *)node, BAD_CAST "lang", XML_XML_NAMESPACE);
	else
		a = xmlHasProp((xmlNode *)node, BAD_CAST name);
	if (!a)
		return NULL;
	if (a->children && a->children->type == XML_TEXT_NODE && a->children->content)
		return (const char *)a->children->content;
	return "";
}

static int is_lower_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]+(-[a-z0-9]+)* */
static int words_ok(const char *s, size_t len)
{
	size_t i;

	if (!len || s[0] == '-' || s[len - 1] == '-')
		return 0;
	for (i = 0; i < len; i++)
		if (!is_lower_alnum((unsigned char)s[i]) && !(s[i] == '-' && s[i + 1] != '-'))
			return 0;
	return 1;
}

static int date_shape_ok(const char *s)
{
	size_t i;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !(s[i] >= '0' && s[i] <= '9'))
			return 0;
	return 1;
}

/* [a-z]{2,3}(-[A-Za-z0-9]{2,8})* */
static int lang_ok(const char *s)
{
	size_t n = 0;

	while (s[n] >= 'a' && s[n] <= 'z')
		n++;
	if (n < 2 || n > 3)
		return 0;
	s += n;
	while (*s == '-') {
		s++;
		for (n = 0; (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
			    (s[n] >= '0' && s[n] <= '9'); n++)
			;
		if (n < 2 || n > 8)
			return 0;
		s += n;
	}
	return !*s;
}

static int value_ok(const struct attr_rule *r, const char *raw)
{
	char v[128];
	size_t len;

	/* xsd:token: surrounding white space does not count */
	while (*raw == ' ' || *raw == '\t' || *raw == '\n' || *raw == '\r')
		raw++;
	len = strlen(raw);
	while (len && (raw[len - 1] == ' ' || raw[len - 1] == '\t' || raw[len - 1] == '\n' ||
		       raw[len - 1] == '\r'))
		len--;
	if (r->kind == VALUE_ANY)
		return 1;
	if (len >= sizeof(v))
		return 0;
	memcpy(v, raw, len);
	v[len] = '\0';
	switch (r->kind) {
	case VALUE_KEY:
		return len <= 64 && words_ok(v, len);
	case VALUE_LANG:
		return lang_ok(v);
	case VALUE_ID:
		return len <= 80 && len > 11 && date_shape_ok(v) && v[10] == '-' &&
		       words_ok(v + 11, len - 11);
	case VALUE_DATE:
		return len == 10 && date_shape_ok(v);
	case VALUE_ENUM: {
		const char *c = r->choices;
		while (c) {
			const char *comma = strchr(c, ',');
			size_t n = comma ? (size_t)(comma - c) : strlen(c);
			if (n == len && !memcmp(c, v, len))
				return 1;
			c = comma ? comma + 2 : NULL;
		}
		return 0;
	}
	case VALUE_ANY:
		break;
	}
	return 1;
}

static const char *value_help(const struct attr_rule *r)
{
	switch (r->kind) {
	case VALUE_KEY:
		return "a key is lowercase letters and digits in words joined by hyphens, "
		       "e.g. 'policing'";
	case VALUE_LANG:
		return "a language code is lowercase, e.g. 'en' or 'de'";
	case VALUE_ID:
		return "an id is the date and lowercase words joined by hyphens, "
		       "e.g. '2020-10-15-korea-conference'";
	case VALUE_DATE:
		return "dates are written YYYY-MM-DD, e.g. 2020-10-15";
	case VALUE_ENUM:
	case VALUE_ANY:
		break;
	}
	return NULL;
}

static const struct attr_rule *find_attr_rule(const char *element, const char *attr)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(attr_rules); i++)
		if ((!attr_rules[i].element || !strcmp(attr_rules[i].element, element)) &&
		    !strcmp(attr_rules[i].attr, attr))
			return &attr_rules[i];
	return NULL;
}

/* Appends 'value', cut short when long: a message is not the place for a
 * three-megabyte attribute. */
static void add_value(struct strbuf *out, const char *v)
{
	size_t n = strlen(v), cut = n;

	if (n > 60) {
		cut = 60;
		while (cut && ((unsigned char)v[cut] & 0xc0) == 0x80)
			cut--;
	}
	strbuf_addch(out, '\'');
	strbuf_add(out, v, cut);
	strbuf_addstr(out, cut < n ? "...'" : "'");
}

static void bad_value(struct strbuf *out, const xmlNode *node, const struct attr_rule *r,
		      const char *value)
{
	const char *help = value_help(r);

	strbuf_addf(out, "attribute '%s' of element '%s' has the value ", r->attr, node->name);
	add_value(out, value);
	strbuf_addstr(out, ", which is not valid; ");
	if (r->kind == VALUE_ENUM)
		strbuf_addf(out, "write one of: %s", r->choices);
	else
		strbuf_addstr(out, help ? help : "correct it");
}

/* "Element X failed to validate attributes": find the culprit ourselves.
 * Returns 0 when it could not, and the message says no more than libxml2's. */
static int describe_attrs(struct strbuf *out, const xmlNode *node, char **attr)
{
	const char *name = (const char *)node->name;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(attr_rules); i++) {
		const struct attr_rule *r = &attr_rules[i];
		if (r->element && !strcmp(r->element, name) && r->required &&
		    !attr_value(node, r->attr)) {
			strbuf_addf(out, "element '%s' needs the attribute '%s'; add it", name,
				    r->attr);
			return 1;
		}
	}
	for (i = 0; i < ARRAY_SIZE(attr_rules); i++) {
		const struct attr_rule *r = &attr_rules[i];
		const char *v;
		if (r->element && strcmp(r->element, name))
			continue;
		if (r != find_attr_rule(name, r->attr))
			continue;   /* a more specific rule was checked */
		v = attr_value(node, r->attr);
		if (v && !value_ok(r, v)) {
			bad_value(out, node, r, v);
			*attr = xstrdup(r->attr);
			return 1;
		}
	}
	strbuf_addf(out, "element '%s' has an attribute that is not allowed or whose value "
		    "is not valid", name);
	return 0;
}

static const char *element_value_hint(const xmlNode *node)
{
	const char *name = node && node->type == XML_ELEMENT_NODE ? (const char *)node->name : "";

	if (!strcmp(name, "date") || !strcmp(name, "end-date"))
		return "; dates are written YYYY-MM-DD, e.g. 2020-10-15";
	if (!strcmp(name, "embargo"))
		return "; an embargo is a date and time with its zone, e.g. 2020-10-15T09:00:00+02:00";
	if (!strcmp(name, "page-size") || !strcmp(name, "feed-items"))
		return "; a whole number above zero";
	if (!strcmp(name, "base-url"))
		return "; write an absolute address such as https://example.org/";
	return "";
}

static void bad_element_value(struct strbuf *out, const xmlNode *node)
{
	xmlChar *v = xmlNodeGetContent(node);
	const char *s = v ? (const char *)v : "";

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	strbuf_addstr(out, "value ");
	add_value(out, s);
	strbuf_addf(out, " in element '%s' is not valid%s", node->name, element_value_hint(node));
	xmlFree(v);
}

/* 'xi:include' for a prefixed element, 'p' otherwise. */
static void add_element_name(struct strbuf *out, const xmlNode *node, const char *fallback)
{
	if (node && node->type == XML_ELEMENT_NODE && node->ns && node->ns->prefix)
		strbuf_addf(out, "'%s:%s'", node->ns->prefix, node->name);
	else
		strbuf_addf(out, "'%s'", node && node->type == XML_ELEMENT_NODE ?
				     (const char *)node->name : fallback);
}

static int has_child(const xmlNode *parent, const char *name)
{
	const xmlNode *c;

	for (c = parent->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !c->ns && !strcmp((const char *)c->name, name))
			return 1;
	return 0;
}

static void unexpected_element(struct strbuf *out, const xmlNode *node, const char *name)
{
	const xmlNode *parent = node && node->type == XML_ELEMENT_NODE ? node->parent : NULL;
	size_t i, j;

	if (node && node->ns && node->ns->href &&
	    !strcmp((const char *)node->ns->href, "http://www.w3.org/2001/XInclude")) {
		strbuf_addstr(out, "XInclude (");
		add_element_name(out, node, name);
		strbuf_addstr(out, ") is not allowed in releases and is never followed; put the "
			      "text itself in the release");
		return;
	}
	if (parent && parent->type == XML_ELEMENT_NODE) {
		for (i = 0; i < ARRAY_SIZE(required_children); i++) {
			if (strcmp(required_children[i].parent, (const char *)parent->name))
				continue;
			for (j = 0; required_children[i].children[j]; j++) {
				if (!has_child(parent, required_children[i].children[j])) {
					strbuf_addf(out, "element '%s' is missing its '%s' element",
						    parent->name, required_children[i].children[j]);
					return;
				}
			}
		}
	}
	strbuf_addstr(out, "element ");
	add_element_name(out, node, name);
	strbuf_addstr(out, " is not allowed here (check its place and spelling)");
	if (parent && parent->type == XML_ELEMENT_NODE && !parent->parent->parent &&
	    !strcmp((const char *)parent->name, "release"))
		strbuf_addf(out, "; the elements of a release come in this order: %s", release_order);
}

static void text_not_allowed(struct strbuf *out, const char *element)
{
	if (!strcmp(element, "source") || !strcmp(element, "field") || !strcmp(element, "country"))
		strbuf_addf(out, "element '%s' must be empty, as in <%s ref=\"...\"/>; delete the "
			    "text inside it", element, element);
	else
		strbuf_addf(out, "element '%s' may not contain text directly; put the text in an "
			    "element such as <p>, or delete it", element);
}

/* Turns one libxml2 RELAX NG message into ours; returns 1 for follow-on
 * messages that say less than others about the same problem. */
static int rephrase(struct strbuf *out, const xmlNode *node, const char *msg, char **attr)
{
	char a[128], b[128];
	const char *where = node && node->type == XML_ELEMENT_NODE ? (const char *)node->name : "?";
	int n = -1;

	if (sscanf(msg, "Expecting an element %127[^,], got nothing%n", a, &n) == 1 &&
	    matched(msg, n)) {
		strbuf_addf(out, "element '%s' is missing its '%s' element", where, a);
	} else if (n = -1, sscanf(msg, "Expecting an element , got nothing%n", &n) == 0 &&
		   matched(msg, n)) {
		strbuf_addf(out, "element '%s' is incomplete: an element it needs is missing "
			    "(or delete the empty element)", where);
	} else if (n = -1, sscanf(msg, "Expecting element %127[^,], got %127s%n", a, b, &n) == 2 &&
		   matched(msg, n)) {
		strbuf_addf(out, "found element '%s' where '%s' is expected", b, a);
	} else if (n = -1, sscanf(msg, "Did not expect element %127s there%n", a, &n) == 1 &&
		   matched(msg, n)) {
		unexpected_element(out, node, a);
	} else if (n = -1, sscanf(msg, "Did not expect text in element %127s content%n", a, &n) == 1 &&
		   matched(msg, n)) {
		text_not_allowed(out, a);
	} else if (n = -1, sscanf(msg, "Element %127s has extra content: %127s%n", a, b, &n) == 2 &&
		   matched(msg, n)) {
		if (!strcmp(b, "text"))
			text_not_allowed(out, a);
		else
			strbuf_addf(out, "element '%s' is not allowed inside '%s' (check its place and "
				    "spelling)", b, a);
	} else if (n = -1, sscanf(msg, "Invalid attribute %127s for element %127s%n", a, b, &n) == 2 &&
		   matched(msg, n)) {
		const struct attr_rule *r = find_attr_rule(b, a);
		const char *v = node && node->type == XML_ELEMENT_NODE ? attr_value(node, a) : NULL;

		if (r && v && !value_ok(r, v) && (r->element || strcmp(a, "xml:lang") == 0))
			bad_value(out, node, r, v);
		else
			strbuf_addf(out, "attribute '%s' is not allowed on element '%s'; delete it", a, b);
		if (v)
			*attr = xstrdup(a);
	} else if (n = -1, sscanf(msg, "Element %127s failed to validate attributes%n", a, &n) == 1 &&
		   matched(msg, n)) {
		if (node && node->type == XML_ELEMENT_NODE) {
			return !describe_attrs(out, node, attr);
		}
		strbuf_addstr(out, "an attribute is missing or not valid");
		return 1;
	} else if (!strncmp(msg, "Error validating datatype", 25) &&
		   node && node->type == XML_ELEMENT_NODE) {
		bad_element_value(out, node);
	} else if ((n = -1, sscanf(msg, "Type %127s doesn't allow value '%127[^']'%n", a, b, &n) == 2 &&
		    matched(msg, n)) ||
		   (n = -1, sscanf(msg, "Error validating value %127s%n", b, &n) == 1 && matched(msg, n))) {
		if (node && node->type == XML_ELEMENT_NODE)
			bad_element_value(out, node);
		else
			strbuf_addf(out, "value '%s' in element '%s' is not valid", b, where);
	} else if (n = -1, sscanf(msg, "Expecting no namespace for element %127s%n", a, &n) == 1 &&
		   matched(msg, n)) {
		strbuf_addf(out, "element '%s' must not be in a namespace; delete its xmlns "
			    "attribute", a);
	} else if (strstr(msg, "failed to validate content") ||
		   !strncmp(msg, "Error validating datatype", 25) ||
		   strstr(msg, "Invalid sequence in interleave") ||
		   !strncmp(msg, "Expecting a namespace", 21)) {
		strbuf_addf(out, "element '%s' does not have the structure a release needs", where);
		return 1;
	} else {
		size_t len = strlen(msg);
		while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
			len--;
		strbuf_addstr(out, "does not match the schema: ");
		if (len && msg[0] >= 'A' && msg[0] <= 'Z' && !(msg[1] >= 'A' && msg[1] <= 'Z')) {
			strbuf_addch(out, (char)(msg[0] - 'A' + 'a'));
			strbuf_add(out, msg + 1, len - 1);
		} else {
			strbuf_add(out, msg, len);
		}
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
	e->attr = NULL;
	e->line = err->line;
	e->seq = c->nr - 1;
	e->generic = rephrase(&msg, err->node, err->message, &e->attr);
	e->message = strbuf_detach(&msg);
}

/* A value type's kind by the schema's name for it, for a message where
 * attr_rules has no rule. */
static enum value_kind kind_of_type(const char *define)
{
	if (!define)
		return VALUE_ANY;
	if (!strcmp(define, "key.type"))
		return VALUE_KEY;
	if (!strcmp(define, "lang.type"))
		return VALUE_LANG;
	if (!strcmp(define, "id.type"))
		return VALUE_ID;
	if (!strcmp(define, "date.type"))
		return VALUE_DATE;
	return VALUE_ANY;
}

/* schema_values_check(): a value the schema's patterns refuse. */
static void on_bad_value(void *data, const xmlNode *node, const char *attr, const char *value,
			 const char *define)
{
	struct collect *c = data;
	struct strbuf msg = STRBUF_INIT;
	struct schema_error *e;
	size_t i;

	c->bad_values++;
	/* libxml2 said something of this element already: that first. */
	for (i = 0; i < c->from_libxml2; i++)
		if (c->errs[i].node == node)
			return;
	if (c->nr >= 100)
		return;
	if (attr) {
		const struct attr_rule *r = find_attr_rule((const char *)node->name, attr);
		struct attr_rule guess = { NULL, attr, 0, kind_of_type(define), NULL };

		bad_value(&msg, node, r && r->kind != VALUE_ENUM ? r : &guess, value);
	} else {
		bad_element_value(&msg, node);
	}
	ALLOC_GROW(c->errs, c->nr + 1, c->alloc);
	e = &c->errs[c->nr];
	e->node = node;
	e->attr = attr ? xstrdup(attr) : NULL;
	e->line = (int)xmlGetLineNo(node);
	e->generic = 0;
	e->message = strbuf_detach(&msg);
	e->seq = c->nr++;
}

/* In the file's order: libxml2's and ours were found in two passes. */
static int error_cmp(const void *a, const void *b)
{
	const struct schema_error *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int schema_validate(enum schema_id id, const struct xmldoc *x, struct diag *d)
{
	const struct compiled *schema = get_schema(id);
	xmlRelaxNGValidCtxtPtr vctxt;
	struct collect c = { NULL, 0, 0, 0, 0 };
	size_t i, specific = 0;
	int ret;

	if (!schema) {
		diag_system_error(d, "the built-in %s schema does not compile; rebuild pr-publish",
				  id == SCHEMA_RELEASE ? "release" : "site");
		return XMLDOC_SYSTEM;
	}
	vctxt = xmlRelaxNGNewValidCtxt(schema->rng);
	xmlRelaxNGSetValidStructuredErrors(vctxt, on_error, &c);
	ret = xmlRelaxNGValidateDoc(vctxt, x->doc);
	xmlRelaxNGFreeValidCtxt(vctxt);
	c.from_libxml2 = c.nr;
	schema_values_check(schema->values, x->doc, on_bad_value, &c);
	if (c.bad_values && !ret)
		ret = 1;
	if (c.nr > c.from_libxml2)
		qsort(c.errs, c.nr, sizeof(*c.errs), error_cmp);
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
		if (c.errs[i].node && c.errs[i].attr)
			xmldoc_loc_attr(x, c.errs[i].node, c.errs[i].attr, &loc);
		else if (c.errs[i].node)
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
	for (i = 0; i < c.nr; i++) {
		free(c.errs[i].message);
		free(c.errs[i].attr);
	}
	free(c.errs);
	return ret == 0 ? 0 : XMLDOC_INVALID;
}
