#include "html_out.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/parserInternals.h>

/*
 * What libxml2 knows of an element or attribute name (htmlTagLookup(),
 * htmlIsBooleanAttr(): scans of its tables with strcasecmp()) and what the
 * serialiser asks of it, worked out once per name and thread: a table of
 * the names seen, by a hash of their bytes (a page has some fifty).
 */
#define NAME_SLOTS 256
#define NAME_MAX_LEN 23

struct name_info {
	char name[NAME_MAX_LEN + 1];   /* "" for a free slot */
	const htmlElemDesc *elem;      /* libxml2's description, or NULL */
	unsigned boolean : 1;          /* an attribute written without its value */
	unsigned uri : 1;              /* href, src, action: %-escaped */
	unsigned a_name : 1;           /* name: %-escaped on an a */
	unsigned raw : 1;              /* script, style: its text as it is */
};

static _Thread_local struct name_info names[NAME_SLOTS];

static void describe(struct name_info *n, const char *name)
{
	n->elem = htmlTagLookup((const xmlChar *)name);
	n->boolean = !!htmlIsBooleanAttr((const xmlChar *)name);
	n->uri = !strcasecmp(name, "href") || !strcasecmp(name, "src") ||
		 !strcasecmp(name, "action");
	n->a_name = !strcasecmp(name, "name");
	n->raw = !strcasecmp(name, "script") || !strcasecmp(name, "style");
}

static const struct name_info *name_info(const xmlChar *xname, struct name_info *spare)
{
	const char *name = (const char *)xname;
	size_t len = 0, k;
	uint32_t h = 2166136261u;

	for (; name[len]; len++)
		h = (h ^ (unsigned char)name[len]) * 16777619u;
	if (len <= NAME_MAX_LEN) {
		for (k = h & (NAME_SLOTS - 1);; k = (k + 1) & (NAME_SLOTS - 1)) {
			struct name_info *n = &names[k];

			if (!n->name[0]) {
				memcpy(n->name, name, len + 1);
				describe(n, name);
				return n;
			}
			if (!strcmp(n->name, name))
				return n;
		}
	}
	/* Too long for the table (or full: it never is), or empty. */
	describe(spare, name);
	return spare;
}

/* Appends the bytes of s from start up to p, then the entity for *p. */
static const char *flush(struct strbuf *out, const char *start, const char *p, const char *ent)
{
	strbuf_add(out, start, (size_t)(p - start));
	strbuf_addstr(out, ent);
	return p + 1;
}

/* Text as xmlEncodeEntitiesReentrant() writes it in an HTML document in
 * UTF-8: < > & as entities, tab, newline and carriage return as they are,
 * other control characters left out, the rest as it is. */
/* The bytes put_text() stops at: the end, < > &, and the control
 * characters libxml2 leaves out of text (all but tab, newline, return). */
static const unsigned char text_stop[256] = {
	[0] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
	[0x07] = 1, [0x08] = 1, [0x0b] = 1, [0x0c] = 1, [0x0e] = 1, [0x0f] = 1,
	[0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1,
	[0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
	[0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1,
	['<'] = 1, ['>'] = 1, ['&'] = 1,
};

static void put_text(struct strbuf *out, const char *s)
{
	const char *start = s, *p = s;

	for (;;) {
		while (!text_stop[(unsigned char)*p])
			p++;
		if (!*p)
			break;
		if (*p == '<')
			start = flush(out, start, p, "&lt;");
		else if (*p == '>')
			start = flush(out, start, p, "&gt;");
		else if (*p == '&')
			start = flush(out, start, p, "&amp;");
		else
			start = flush(out, start, p, "");
		p = start;
	}
	strbuf_add(out, start, (size_t)(p - start));
}

/* s quoted as xmlBufWriteQuotedString() quotes it: in double quotes, or
 * in single quotes when it holds a double one, or in double quotes with
 * &quot; when it holds both. */
static void put_quoted(struct strbuf *out, const char *s, size_t len)
{
	const char *start = s, *p, *end = s + len;

	if (!memchr(s, '"', len)) {
		strbuf_addch(out, '"');
		strbuf_add(out, s, len);
		strbuf_addch(out, '"');
		return;
	}
	if (!memchr(s, '\'', len)) {
		strbuf_addch(out, '\'');
		strbuf_add(out, s, len);
		strbuf_addch(out, '\'');
		return;
	}
	strbuf_addch(out, '"');
	for (p = s; p < end; p++)
		if (*p == '"')
			start = flush(out, start, p, "&quot;");
	strbuf_add(out, start, (size_t)(end - start));
	strbuf_addch(out, '"');
}

/* What xmlURIEscapeStr(s, "@/:=?;#%&,+<>") keeps: the URI's unreserved
 * characters and those (uri_keep[c] for c, made once per thread). */
static _Thread_local unsigned char uri_keep[256], uri_keep_made;

static int uri_keeps(unsigned char c)
{
	if (!uri_keep_made) {
		const char *k = "-_.!~*'()@/:=?;#%&,+<>";
		int i;

		for (i = 0; i < 256; i++)
			uri_keep[i] = (i >= 'a' && i <= 'z') || (i >= 'A' && i <= 'Z') ||
				      (i >= '0' && i <= '9') || (i && strchr(k, i));
		uri_keep_made = 1;
	}
	return uri_keep[c];
}

/*
 * An attribute's value as htmlAttrDumpOutput() writes it: its text with
 * < > & as entities (xmlNodeListGetString()), then, for a URI attribute,
 * without its leading blanks and %-escaped (xmlURIEscapeStr()), quoted.
 */
static void put_value(struct strbuf *out, const char *value, int uri, struct strbuf *tmp)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *s, *p;
	size_t from, start;

	strbuf_reset(tmp);
	put_text(tmp, value);
	if (!uri) {
		put_quoted(out, tmp->buf, tmp->len);
		return;
	}
	for (s = tmp->buf; *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'; s++)
		;
	for (p = s; *p && uri_keeps((unsigned char)*p); p++)
		;
	if (!*p) {
		put_quoted(out, s, strlen(s));
		return;
	}
	/* Escaped after the text, in the same buffer (by offset: it moves). */
	from = tmp->len;
	for (start = (size_t)(s - tmp->buf); start < from; start++) {
		unsigned char c = (unsigned char)tmp->buf[start];

		if (uri_keeps(c)) {
			strbuf_addch(tmp, (char)c);
		} else {
			strbuf_addch(tmp, '%');
			strbuf_addch(tmp, hex[c >> 4]);
			strbuf_addch(tmp, hex[c & 15]);
		}
	}
	put_quoted(out, tmp->buf + from, tmp->len - from);
}

/* The value of an attribute made of text nodes, in sb; -1 for anything
 * else. */
static int attr_value(const xmlAttr *a, struct strbuf *sb)
{
	const xmlNode *t;

	strbuf_reset(sb);
	for (t = a->children; t; t = t->next) {
		if (t->type != XML_TEXT_NODE || t->name == xmlStringTextNoenc)
			return -1;
		if (t->content)
			strbuf_addstr(sb, (const char *)t->content);
	}
	return 0;
}

/* Buffers reused from one attribute to the next. */
struct scratch {
	struct strbuf value, tmp;
};

static int put_attrs(struct strbuf *out, const xmlNode *el, struct scratch *sc)
{
	const xmlAttr *a;

	for (a = el->properties; a; a = a->next) {
		struct name_info spare;
		const struct name_info *n;

		if (a->ns || a->type != XML_ATTRIBUTE_NODE || !a->name[0])
			return -1;
		n = name_info(a->name, &spare);
		strbuf_addch(out, ' ');
		strbuf_addstr(out, (const char *)a->name);
		/* No children: the name alone; a boolean one: its name. */
		if (!a->children || n->boolean)
			continue;
		if (attr_value(a, &sc->value) < 0)
			return -1;
		strbuf_addch(out, '=');
		put_value(out, sc->value.buf,
			  n->uri || (n->a_name && !strcasecmp((const char *)el->name, "a")), &sc->tmp);
	}
	return 0;
}

/* f's bytes, with fill in each of its holes. */
static void put_fragment(struct strbuf *out, const struct html_fragment *f, const char *fill)
{
	size_t fill_len = fill ? strlen(fill) : 0, at = 0, i;

	for (i = 0; i < f->nr_holes; i++) {
		strbuf_add(out, f->bytes + at, f->holes[i] - at);
		if (fill_len)
			strbuf_add(out, fill, fill_len);
		at = f->holes[i];
	}
	strbuf_add(out, f->bytes + at, f->len - at);
}

/* The nodes from first on and their descendants, walked without
 * recursion (a deep tree cannot exhaust the stack). */
static int put_nodes(struct strbuf *out, const xmlNode *first, struct scratch *sc)
{
	const xmlNode *cur = first, *top = first ? first->parent : NULL;
	int raw = 0;   /* cur's parent is a script or a style */

	while (cur) {
		struct name_info spare;
		int descend = 0;

		switch (cur->type) {
		case XML_ELEMENT_NODE: {
			const struct name_info *n;
			const htmlElemDesc *info;

			if (cur->ns || cur->nsDef || !cur->name[0])
				return -1;
			n = name_info(cur->name, &spare);
			info = n->elem;
			strbuf_addch(out, '<');
			strbuf_addstr(out, (const char *)cur->name);
			if (put_attrs(out, cur, sc) < 0)
				return -1;
			if (info && info->empty) {
				strbuf_addch(out, '>');
			} else if (!cur->children) {
				if (info && info->saveEndTag && strcmp(info->name, "html") &&
				    strcmp(info->name, "body")) {
					strbuf_addch(out, '>');
				} else {
					strbuf_add(out, "></", 3);
					strbuf_addstr(out, (const char *)cur->name);
					strbuf_addch(out, '>');
				}
			} else {
				strbuf_addch(out, '>');
				descend = 1;
				raw = n->raw;
			}
			break;
		}
		case XML_TEXT_NODE:
			if (cur->name == xmlStringTextNoenc)
				return -1;
			if (!cur->content)
				break;
			if (raw)
				strbuf_addstr(out, (const char *)cur->content);
			else
				put_text(out, (const char *)cur->content);
			break;
		case XML_COMMENT_NODE:
			if (cur->content) {
				strbuf_add(out, "<!--", 4);
				strbuf_addstr(out, (const char *)cur->content);
				strbuf_add(out, "-->", 3);
			}
			break;
		case XML_DTD_NODE:
			break;
		case XML_PI_NODE: {
			const struct html_fragment *f = cur->_private;

			if (!f || f->magic != HTML_FRAGMENT_MAGIC || raw)
				return -1;
			put_fragment(out, f, (const char *)cur->content);
			break;
		}
		default:
			return -1;
		}
		if (descend) {
			cur = cur->children;
			continue;
		}
		/* Next: the sibling, else up, closing each element left. */
		if (cur->next) {
			cur = cur->next;
			continue;
		}
		while (!cur->next) {
			cur = cur->parent;
			if (cur == top)
				return 0;
			strbuf_add(out, "</", 2);
			strbuf_addstr(out, (const char *)cur->name);
			strbuf_addch(out, '>');
		}
		cur = cur->next;
		raw = cur->parent && cur->parent->type == XML_ELEMENT_NODE &&
		      name_info(cur->parent->name, &spare)->raw;
	}
	return 0;
}

/* put_nodes() with its scratch buffers, out as it was on failure. */
static int put_nodes_or_nothing(struct strbuf *out, const xmlNode *first)
{
	struct scratch sc = { STRBUF_INIT, STRBUF_INIT };
	size_t was = out->len;
	int ret = put_nodes(out, first, &sc);

	strbuf_release(&sc.value);
	strbuf_release(&sc.tmp);
	if (ret < 0) {
		out->len = was;
		if (out->buf)
			out->buf[was] = '\0';
	}
	return ret;
}

int html_out_nodes(const xmlNode *first, struct strbuf *out)
{
	return put_nodes_or_nothing(out, first);
}

/* A processing instruction no stylesheet can make: libxslt leaves a
 * node's _private alone, and our stylesheets make none.  Its content is
 * the fill of f's holes. */
xmlNodePtr html_out_paste(xmlDocPtr doc, const struct html_fragment *f, const char *fill)
{
	xmlNodePtr node = xmlNewDocPI(doc, (const xmlChar *)"pr-fragment",
				      f->nr_holes ? (const xmlChar *)fill : NULL);

	if (node)
		node->_private = (void *)f;
	return node;
}

int html_out_page(xmlDocPtr doc, struct strbuf *out)
{
	const xmlDtd *dtd = doc->intSubset;
	size_t was = out->len;

	if (!doc->encoding || strcasecmp((const char *)doc->encoding, "UTF-8"))
		return -1;
	/* Nothing, or a doctype alone: nothing written (xsltSaveResultTo()). */
	if (!doc->children || (doc->children->type == XML_DTD_NODE && !doc->children->next))
		return 0;
	/* The doctype as htmlDtdDumpOutput() writes ours. */
	if (dtd) {
		if (dtd->ExternalID || !dtd->name ||
		    (dtd->SystemID && strcmp((const char *)dtd->SystemID, "about:legacy-compat")))
			return -1;
		strbuf_add(out, "<!DOCTYPE ", 10);
		strbuf_addstr(out, (const char *)dtd->name);
		strbuf_add(out, ">\n", 2);
	}
	/* As xsltSaveResultTo() does first. */
	htmlSetMetaEncoding(doc, (const xmlChar *)"UTF-8");
	if (put_nodes_or_nothing(out, doc->children) < 0) {
		out->len = was;
		if (out->buf)
			out->buf[was] = '\0';
		return -1;
	}
	strbuf_addch(out, '\n');
	return 0;
}
