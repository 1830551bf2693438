/* schema_values.c - a RELAX NG schema's value patterns, compiled once; see
 * schema_values.h. */
#include "schema_values.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlregexp.h>

#include "util.h"

#define RNG_NS "http://relaxng.org/ns/structure/1.0"
#define XSD_DATATYPES "http://www.w3.org/2001/XMLSchema-datatypes"

/* Deeper than this, a chain of refs is not followed (and nothing taken). */
#define MAX_DEPTH 32

/* A <data> of the schema, and what its params ask. */
struct value_type {
	xmlNode *data;          /* in the schema's document: only while it is read */
	char *define;           /* the <define> it is the content of, or NULL */
	int collapse;           /* xsd:token: white space collapsed first */
	xmlRegexpPtr *patterns; /* all must match */
	size_t nr_patterns;
	long max_length;        /* in characters; -1: none */
	int whole;              /* every use of it is a whole value: may be taken */
	uint64_t id;            /* unique in the process, for recent[] */
};

/* A value in documents: an element's attribute, or its text. */
struct value_slot {
	char *element;          /* an element of this name, in no namespace */
	char *attr;             /* its attribute of this local name; NULL: its text */
	int xml_ns;             /* attr is in the XML namespace (xml:lang) */
	char *shown;            /* the attribute's name as written: "xml:lang" */
	struct value_type *type;   /* NULL: not a value checked here */
	int clash;              /* declared with more than one type */
};

struct schema_values {
	struct value_type **types;
	size_t nr_types, alloc_types;
	struct value_slot *slots;  /* when checking: only those with a type, by element */
	size_t nr_slots, alloc_slots;
};

struct named_define {
	const char *name;
	xmlNode *node;
};

/* While the schema is read. */
struct reading {
	struct schema_values *v;
	xmlNode *grammar;
	struct named_define *defines;   /* the grammar's, by name */
	size_t nr_defines;
	int failed;             /* a shape not followed: take nothing */
	const char *element;    /* whose content is read */
	xmlNode **seen;         /* the defines read for this element */
	size_t nr_seen, alloc_seen;
};

static int is_rng(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       !strcmp((const char *)n->ns->href, RNG_NS) &&
	       (!name || !strcmp((const char *)n->name, name));
}

static const char *attr_of(const xmlNode *n, const char *name)
{
	xmlAttr *a = xmlHasNsProp((xmlNode *)n, BAD_CAST name, NULL);

	if (!a || !a->children || a->children->type != XML_TEXT_NODE || a->children->next)
		return NULL;
	return (const char *)a->children->content;
}

/* A name as this reader takes it: not empty, no white space (which RELAX
 * NG would strip) and no prefix. */
static int plain_name(const char *name)
{
	return name && *name && !strpbrk(name, " \t\n\r:");
}

/* The namespace of n's element patterns: ns="" is inherited (RELAX NG). */
static int in_no_namespace(const xmlNode *n)
{
	for (; n && n->type == XML_ELEMENT_NODE; n = n->parent)
		if (xmlHasNsProp((xmlNode *)n, BAD_CAST "ns", NULL))
			return attr_of(n, "ns") && !*attr_of(n, "ns");
	return 1;
}

/* The one pattern inside n (annotations and white space aside), or NULL
 * when there are none or several. */
static xmlNode *sole_child(const xmlNode *n)
{
	xmlNode *c, *found = NULL;

	for (c = n->children; c; c = c->next) {
		if (!is_rng(c, NULL))
			continue;
		if (found)
			return NULL;
		found = c;
	}
	return found;
}

static int define_cmp(const void *a, const void *b)
{
	return strcmp(((const struct named_define *)a)->name, ((const struct named_define *)b)->name);
}

static xmlNode *find_define(struct reading *r, const char *name)
{
	struct named_define key, *found;

	if (!name || !r->nr_defines)
		return NULL;
	key.name = name;
	found = bsearch(&key, r->defines, r->nr_defines, sizeof(*r->defines), define_cmp);
	return found ? found->node : NULL;
}

/* The grammar's defines, sorted for find_define(). */
static void index_defines(struct reading *r)
{
	xmlNode *c;
	size_t alloc = 0;

	for (c = r->grammar->children; c; c = c->next) {
		if (!is_rng(c, "define") || !attr_of(c, "name"))
			continue;
		ALLOC_GROW(r->defines, r->nr_defines + 1, alloc);
		r->defines[r->nr_defines].name = attr_of(c, "name");
		r->defines[r->nr_defines++].node = c;
	}
	if (r->nr_defines)
		qsort(r->defines, r->nr_defines, sizeof(*r->defines), define_cmp);
}

/* The <data> that n is, through refs; NULL when it is something else. */
static xmlNode *resolve_data(struct reading *r, xmlNode *n)
{
	int depth;

	for (depth = 0; n && depth < MAX_DEPTH; depth++) {
		if (is_rng(n, "data"))
			return n;
		if (!is_rng(n, "ref"))
			return NULL;
		n = find_define(r, attr_of(n, "name"));
		if (!n) {
			r->failed = 1;
			return NULL;
		}
		n = sole_child(n);
	}
	return NULL;
}

static uint64_t last_type_id;

static struct value_type *type_of(struct reading *r, xmlNode *data)
{
	struct schema_values *v = r->v;
	struct value_type *t;
	size_t i;

	for (i = 0; i < v->nr_types; i++)
		if (v->types[i]->data == data)
			return v->types[i];
	t = xcalloc(1, sizeof(*t));
	t->data = data;
	t->max_length = -1;
	t->whole = 1;
	t->id = __atomic_add_fetch(&last_type_id, 1, __ATOMIC_RELAXED);
	ALLOC_GROW(v->types, v->nr_types + 1, v->alloc_types);
	v->types[v->nr_types++] = t;
	return t;
}

/* Every <data> under n (through refs, not into elements) is used in a way
 * not followed here: none of them is taken. */
static void mark_loose(struct reading *r, xmlNode *n, int depth)
{
	xmlNode *c;

	if (depth > MAX_DEPTH) {
		r->failed = 1;
		return;
	}
	if (is_rng(n, "data")) {
		type_of(r, n)->whole = 0;
		return;
	}
	if (is_rng(n, "element"))
		return;
	if (is_rng(n, "ref")) {
		xmlNode *def = find_define(r, attr_of(n, "name"));
		if (def)
			mark_loose(r, def, depth + 1);
		else
			r->failed = 1;
		return;
	}
	for (c = n->children; c; c = c->next)
		if (is_rng(c, NULL))
			mark_loose(r, c, depth + 1);
}

/* The element r->element has, in documents, the value attr (NULL: its
 * text) of type t (NULL: not a <data> taken whole). */
static void use(struct reading *r, const char *attr, int xml_ns, struct value_type *t)
{
	struct schema_values *v = r->v;
	struct value_slot *s;
	size_t i;

	for (i = 0; i < v->nr_slots; i++) {
		s = &v->slots[i];
		if (strcmp(s->element, r->element) || s->xml_ns != xml_ns ||
		    (!s->attr) != (!attr) || (attr && strcmp(s->attr, attr)))
			continue;
		if (s->clash || s->type != t) {
			/* Patterned here and not there: libxml2 checks both. */
			if (s->type)
				s->type->whole = 0;
			if (t)
				t->whole = 0;
			s->type = NULL;
			s->clash = 1;
		}
		return;
	}
	ALLOC_GROW(v->slots, v->nr_slots + 1, v->alloc_slots);
	s = &v->slots[v->nr_slots++];
	s->element = xstrdup(r->element);
	s->attr = attr ? xstrdup(attr) : NULL;
	s->xml_ns = xml_ns;
	s->shown = attr ? xasprintf("%s%s", xml_ns ? "xml:" : "", attr) : NULL;
	s->type = t;
	s->clash = 0;
}

static void read_attribute(struct reading *r, xmlNode *a)
{
	const char *name = attr_of(a, "name"), *colon;
	xmlNode *content = sole_child(a), *data;
	int xml_ns = 0;

	if (!name || xmlHasNsProp(a, BAD_CAST "ns", NULL)) {
		r->failed = 1;   /* a name class, or a namespace */
		return;
	}
	colon = strchr(name, ':');
	if (colon && !strncmp(name, "xml:", 4)) {
		xml_ns = 1;
		name = colon + 1;
	}
	if (!plain_name(name)) {
		r->failed = 1;
		return;
	}
	data = content ? resolve_data(r, content) : NULL;
	if (data) {
		use(r, name, xml_ns, type_of(r, data));
	} else {
		use(r, name, xml_ns, NULL);
		mark_loose(r, a, 0);
	}
}

static int seen_define(struct reading *r, xmlNode *def)
{
	size_t i;

	for (i = 0; i < r->nr_seen; i++)
		if (r->seen[i] == def)
			return 1;
	ALLOC_GROW(r->seen, r->nr_seen + 1, r->alloc_seen);
	r->seen[r->nr_seen++] = def;
	return 0;
}

/* Reads the patterns under n that belong to r->element (its attributes,
 * its text): text_data is the <data> that is its whole text, if any. */
static void read_content(struct reading *r, xmlNode *n, xmlNode *text_data, int depth)
{
	xmlNode *c;

	if (depth > MAX_DEPTH) {
		r->failed = 1;
		return;
	}
	for (c = n->children; c && !r->failed; c = c->next) {
		const char *what = (const char *)c->name;

		if (!is_rng(c, NULL) || !strcmp(what, "element") || !strcmp(what, "value") ||
		    !strcmp(what, "text") || !strcmp(what, "empty") || !strcmp(what, "notAllowed"))
			continue;
		if (!strcmp(what, "attribute")) {
			read_attribute(r, c);
		} else if (!strcmp(what, "data")) {
			if (c != text_data)
				type_of(r, c)->whole = 0;
		} else if (!strcmp(what, "ref")) {
			xmlNode *def = find_define(r, attr_of(c, "name"));
			if (!def)
				r->failed = 1;
			else if (!seen_define(r, def))
				read_content(r, def, text_data, depth + 1);
		} else if (!strcmp(what, "list")) {
			mark_loose(r, c, 0);
		} else if (!strcmp(what, "optional") || !strcmp(what, "zeroOrMore") ||
			   !strcmp(what, "oneOrMore") || !strcmp(what, "group") ||
			   !strcmp(what, "interleave") || !strcmp(what, "choice") ||
			   !strcmp(what, "mixed")) {
			read_content(r, c, text_data, depth + 1);
		} else {
			r->failed = 1;   /* parentRef, externalRef, grammar, include... */
		}
	}
}

/* Whether n declares attributes only (through refs and wrappers). */
static int attributes_only(struct reading *r, xmlNode *n, int depth)
{
	xmlNode *c;

	if (depth > MAX_DEPTH)
		return 0;
	if (is_rng(n, "attribute"))
		return 1;
	if (is_rng(n, "ref")) {
		xmlNode *def = find_define(r, attr_of(n, "name"));
		return def && attributes_only(r, def, depth + 1);
	}
	if (!is_rng(n, "optional") && !is_rng(n, "group") && !is_rng(n, "interleave") &&
	    !is_rng(n, "define"))
		return 0;
	for (c = n->children; c; c = c->next)
		if (is_rng(c, NULL) && !attributes_only(r, c, depth + 1))
			return 0;
	return 1;
}

/* The <data> that is the whole text of element el (beside its attributes),
 * reached as it will be by read_content(); NULL when its text is anything
 * else. */
static xmlNode *text_data_of(struct reading *r, xmlNode *el)
{
	xmlNode *c, *content = NULL;

	for (c = el->children; c; c = c->next) {
		if (!is_rng(c, NULL) || attributes_only(r, c, 0))
			continue;
		if (content)
			return NULL;
		content = c;
	}
	/* read_content() reaches it through the same refs. */
	return content ? resolve_data(r, content) : NULL;
}

static void read_element(struct reading *r, xmlNode *el)
{
	const char *name = attr_of(el, "name");
	xmlNode *text_data;

	if (!plain_name(name) || !in_no_namespace(el)) {
		r->failed = 1;   /* a name class, a prefix, a namespace */
		return;
	}
	r->element = name;
	r->nr_seen = 0;
	text_data = text_data_of(r, el);
	use(r, NULL, 0, text_data ? type_of(r, text_data) : NULL);
	read_content(r, el, text_data, 0);
}

static void read_elements(struct reading *r, xmlNode *n)
{
	xmlNode *c;

	for (c = n->children; c && !r->failed; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_rng(c, "element"))
			read_element(r, c);
		read_elements(r, c);
	}
}

/* The datatype library in force at n (RELAX NG: the nearest one said). */
static const char *datatype_library(const xmlNode *n)
{
	for (; n && n->type == XML_ELEMENT_NODE; n = n->parent)
		if (xmlHasNsProp((xmlNode *)n, BAD_CAST "datatypeLibrary", NULL))
			return attr_of(n, "datatypeLibrary") ? attr_of(n, "datatypeLibrary") : "";
	return "";
}

/* Reads t's params into it; 0 when it can be taken, -1 when not, -2 when
 * a pattern does not compile (nothing is taken then). */
static int read_params(struct value_type *t)
{
	const char *type = attr_of(t->data, "type");
	xmlNode *c;

	if (!type || (strcmp(type, "token") && strcmp(type, "string")) ||
	    strcmp(datatype_library(t->data), XSD_DATATYPES))
		return -1;
	t->collapse = !strcmp(type, "token");
	for (c = t->data->children; c; c = c->next) {
		const char *name = attr_of(c, "name");
		xmlChar *value;

		if (!is_rng(c, NULL))
			continue;
		if (!is_rng(c, "param") || !name ||
		    (strcmp(name, "pattern") && strcmp(name, "maxLength")))
			return -1;
		value = xmlNodeGetContent(c);
		if (!strcmp(name, "pattern")) {
			xmlRegexpPtr re = value ? xmlRegexpCompile(value) : NULL;
			xmlFree(value);
			if (!re)
				return -2;
			t->patterns = xrealloc(t->patterns, (t->nr_patterns + 1) * sizeof(*t->patterns));
			t->patterns[t->nr_patterns++] = re;
		} else {
			char *end;
			long n;

			errno = 0;
			n = value ? strtol((const char *)value, &end, 10) : -1;
			if (!value || errno || end == (char *)value || *end || n < 0 ||
			    t->max_length >= 0) {
				xmlFree(value);
				return -1;
			}
			xmlFree(value);
			t->max_length = n;
		}
	}
	return t->nr_patterns || t->max_length >= 0 ? 0 : -1;
}

static void type_free(struct value_type *t)
{
	size_t i;

	for (i = 0; i < t->nr_patterns; i++)
		xmlRegFreeRegexp(t->patterns[i]);
	free(t->patterns);
	free(t->define);
	free(t);
}

static void slot_free(struct value_slot *s)
{
	free(s->element);
	free(s->attr);
	free(s->shown);
}

void schema_values_free(struct schema_values *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->nr_types; i++)
		type_free(v->types[i]);
	free(v->types);
	for (i = 0; i < v->nr_slots; i++)
		slot_free(&v->slots[i]);
	free(v->slots);
	free(v);
}

/* A grammar of a start and defines, one of each name (no combine="", no
 * include, no div): what find_define() assumes. */
static int plain_grammar(const xmlNode *grammar)
{
	const xmlNode *c, *d;

	for (c = grammar->children; c; c = c->next) {
		const char *name;

		if (!is_rng(c, NULL) || is_rng(c, "start"))
			continue;
		name = attr_of(c, "name");
		if (!is_rng(c, "define") || !name || xmlHasNsProp((xmlNode *)c, BAD_CAST "combine", NULL))
			return 0;
		for (d = c->next; d; d = d->next)
			if (is_rng(d, "define") && attr_of(d, "name") && !strcmp(attr_of(d, "name"), name))
				return 0;
	}
	return 1;
}

static int slot_cmp(const void *a, const void *b)
{
	const struct value_slot *x = a, *y = b;

	return strcmp(x->element, y->element);
}

struct schema_values *schema_values_take(xmlDoc *rng)
{
	struct reading r;
	struct schema_values *v = xcalloc(1, sizeof(*v));
	xmlNode *root = xmlDocGetRootElement(rng);
	size_t i, kept;
	int taken = 0;

	memset(&r, 0, sizeof(r));
	r.v = v;
	r.grammar = root;
	if (!is_rng(root, "grammar"))
		r.failed = 1;
	else
		r.failed = !plain_grammar(root);
	if (!r.failed) {
		index_defines(&r);
		read_elements(&r, root);
	}
	for (i = 0; !r.failed && i < v->nr_types; i++) {
		struct value_type *t = v->types[i];
		int ret;

		if (!t->whole)
			continue;
		ret = read_params(t);
		if (ret == -2)
			r.failed = 1;
		else if (ret < 0)
			t->whole = 0;
	}
	free(r.seen);
	free(r.defines);
	if (r.failed) {
		schema_values_free(v);
		return NULL;
	}
	/* Take the params out; keep the slots whose values are checked here. */
	for (i = 0; i < v->nr_types; i++) {
		struct value_type *t = v->types[i];
		xmlNode *c, *next;

		if (!t->whole)
			continue;
		if (is_rng(t->data->parent, "define"))
			t->define = xstrdup(attr_of(t->data->parent, "name"));
		for (c = t->data->children; c; c = next) {
			next = c->next;
			if (is_rng(c, "param")) {
				xmlUnlinkNode(c);
				xmlFreeNode(c);
			}
		}
		taken = 1;
	}
	for (i = kept = 0; i < v->nr_slots; i++) {
		struct value_slot *s = &v->slots[i];

		if (s->type && s->type->whole)
			v->slots[kept++] = *s;
		else
			slot_free(s);
	}
	v->nr_slots = kept;
	for (i = 0; i < v->nr_types; i++)
		v->types[i]->data = NULL;
	if (!taken) {
		schema_values_free(v);
		return NULL;
	}
	qsort(v->slots, v->nr_slots, sizeof(*v->slots), slot_cmp);
	return v;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Values found valid lately, on this thread: most repeat from file to file
 * (language codes, keys), and libxml2's regular expressions cost ~3,000
 * instructions a value, as much as the rest of a release's values check.
 * Only valid ones are kept: a value that is not is matched every time.
 */
#define RECENT_SLOTS 64
#define RECENT_MAX 48

struct recent_value {
	uint64_t type;          /* its id; 0: none */
	unsigned char len;
	char value[RECENT_MAX];
};

static _Thread_local struct recent_value recent[RECENT_SLOTS];

static struct recent_value *recent_slot(const struct value_type *t, const char *v, size_t len)
{
	return &recent[(hash_bytes(v, len) ^ t->id) % RECENT_SLOTS];
}

/* Whether raw is a value of t: xsd:token collapses its white space first
 * (as libxml2 does before a pattern or a length is checked). */
static int value_ok(const struct value_type *t, const char *raw)
{
	char small[256], *v = small;
	size_t len = strlen(raw), n = 0, chars = 0, i;
	int ok = 1, space = 0;
	struct recent_value *r = NULL;

	if (len >= sizeof(small))
		v = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (t->collapse && is_space(raw[i])) {
			space = n > 0;
			continue;
		}
		if (space) {
			v[n++] = ' ';
			chars++;
			space = 0;
		}
		v[n++] = raw[i];
		chars += ((unsigned char)raw[i] & 0xc0) != 0x80;
	}
	v[n] = '\0';
	if (n < RECENT_MAX) {
		r = recent_slot(t, v, n);
		if (r->type == t->id && r->len == n && !memcmp(r->value, v, n)) {
			if (v != small)
				free(v);
			return 1;
		}
	}
	if (t->max_length >= 0 && chars > (size_t)t->max_length)
		ok = 0;
	for (i = 0; ok && i < t->nr_patterns; i++)
		if (xmlRegexpExec(t->patterns[i], (const xmlChar *)v) != 1)
			ok = 0;
	if (ok && r) {
		r->type = t->id;
		r->len = (unsigned char)n;
		memcpy(r->value, v, n);
	}
	if (v != small)
		free(v);
	return ok;
}

static void check_value(const struct value_slot *s, const xmlNode *node, const char *value,
			schema_value_error_fn *bad, void *data)
{
	if (!value_ok(s->type, value))
		bad(data, node, s->shown, value, s->type->define);
}

static void check_slot(const struct value_slot *s, const xmlNode *node,
		       schema_value_error_fn *bad, void *data)
{
	const xmlNode *list;
	xmlChar *joined;

	if (s->attr) {
		xmlAttr *a = xmlHasNsProp((xmlNode *)node, BAD_CAST s->attr,
					  s->xml_ns ? XML_XML_NAMESPACE : NULL);
		if (!a)
			return;
		list = a->children;
	} else {
		/* Child elements are libxml2's to report. */
		for (list = node->children; list; list = list->next)
			if (list->type == XML_ELEMENT_NODE)
				return;
		list = node->children;
	}
	if (!list) {
		check_value(s, node, "", bad, data);
	} else if (!list->next && list->type == XML_TEXT_NODE) {
		check_value(s, node, list->content ? (const char *)list->content : "", bad, data);
	} else {
		joined = xmlNodeListGetString(node->doc, (xmlNode *)list, 1);
		check_value(s, node, joined ? (const char *)joined : "", bad, data);
		xmlFree(joined);
	}
}

void schema_values_check(const struct schema_values *v, const xmlDoc *doc,
			 schema_value_error_fn *bad, void *data)
{
	const xmlNode *n = xmlDocGetRootElement(doc);

	if (!v)
		return;
	while (n) {
		if (n->type == XML_ELEMENT_NODE && !n->ns) {
			/* The first slot of the element's name, then those after it. */
			size_t lo = 0, hi = v->nr_slots;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (strcmp(v->slots[mid].element, (const char *)n->name) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (; lo < v->nr_slots && !strcmp(v->slots[lo].element, (const char *)n->name);
			     lo++)
				check_slot(&v->slots[lo], n, bad, data);
		}
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		while (n && !n->next)
			n = n->parent && n->parent->type == XML_ELEMENT_NODE ? n->parent : NULL;
		if (n)
			n = n->next;
	}
}
