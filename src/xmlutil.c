/* xmlutil.c - accessors over loaded trees; see xmlutil.h. */
#include "xmlutil.h"

#include <string.h>

#include "util.h"

int xml_is(const xmlNode *node, const char *name)
{
	return node && node->type == XML_ELEMENT_NODE && !node->ns &&
	       !strcmp((const char *)node->name, name);
}

xmlNode *xml_child(const xmlNode *node, const char *name)
{
	xmlNode *c;

	for (c = node ? node->children : NULL; c; c = c->next)
		if (xml_is(c, name))
			return c;
	return NULL;
}

xmlNode *xml_next(const xmlNode *node, const char *name)
{
	xmlNode *c;

	for (c = node ? node->next : NULL; c; c = c->next)
		if (xml_is(c, name))
			return c;
	return NULL;
}

static const char *attr_value(struct xmldoc *x, xmlAttr *a)
{
	if (!a)
		return NULL;
	if (a->children && !a->children->next && a->children->type == XML_TEXT_NODE)
		return (const char *)a->children->content;
	{
		xmlChar *v = xmlNodeListGetString(x->doc, a->children, 1);
		char *copy = xstrdup(v ? (const char *)v : "");
		xmlFree(v);
		return xmldoc_keep(x, copy);
	}
}

const char *xml_attr(struct xmldoc *x, const xmlNode *node, const char *name)
{
	xmlAttr *a;

	for (a = node ? node->properties : NULL; a; a = a->next)
		if (!a->ns && !strcmp((const char *)a->name, name))
			return attr_value(x, a);
	return NULL;
}

const char *xml_lang_attr(struct xmldoc *x, const xmlNode *node)
{
	xmlAttr *a;

	for (a = node ? node->properties : NULL; a; a = a->next)
		if (a->ns && a->ns->href && !strcmp((const char *)a->ns->href,
						    (const char *)XML_XML_NAMESPACE) &&
		    !strcmp((const char *)a->name, "lang"))
			return attr_value(x, a);
	return NULL;
}

const char *xml_lang_of(struct xmldoc *x, const xmlNode *node)
{
	for (; node && node->type != XML_DOCUMENT_NODE; node = node->parent) {
		const char *l = node->type == XML_ELEMENT_NODE ? xml_lang_attr(x, node) : NULL;
		if (l)
			return l;
	}
	return NULL;
}

const char *xml_text(struct xmldoc *x, const xmlNode *node)
{
	xmlChar *v;
	char *copy;

	if (!node)
		return "";
	if (node->children && !node->children->next && node->children->type == XML_TEXT_NODE)
		return (const char *)node->children->content;
	if (!node->children)
		return "";
	v = xmlNodeGetContent(node);
	copy = xstrdup(v ? (const char *)v : "");
	xmlFree(v);
	return xmldoc_keep(x, copy);
}

int xml_is_blank(const char *s)
{
	/* ASCII white space and the no-break and other Unicode spaces. */
	while (*s) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			s++;
		} else if (!strncmp(s, "\xC2\xA0", 2)) {
			s += 2;
		} else if (!strncmp(s, "\xE2\x80", 2) && ((unsigned char)s[2] <= 0x8b ||
							  (unsigned char)s[2] == 0xaf)) {
			s += 3;
		} else {
			return 0;
		}
	}
	return 1;
}

void xml_escape_text(struct strbuf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			strbuf_addstr(out, "&lt;");
		else if (*s == '>')
			strbuf_addstr(out, "&gt;");
		else if (*s == '&')
			strbuf_addstr(out, "&amp;");
		else if (*s == '"')
			strbuf_addstr(out, "&quot;");
		else
			strbuf_addch(out, *s);
	}
}
