/*
 * xmlutil.h - small accessors over libxml2 trees loaded by xmldoc.
 *
 * Strings returned are lent: they live as long as the struct xmldoc they
 * came from (either pointers into the tree or copies the xmldoc keeps).
 * Only elements without a namespace are ours; xml_is() says so.
 */
#ifndef PR_XMLUTIL_H
#define PR_XMLUTIL_H

#include <libxml/tree.h>

#include "xmldoc.h"

int xml_is(const xmlNode *node, const char *name);
xmlNode *xml_child(const xmlNode *node, const char *name);
/* The next sibling element named name after node. */
xmlNode *xml_next(const xmlNode *node, const char *name);

const char *xml_attr(struct xmldoc *x, const xmlNode *node, const char *name);
/* xml:lang on this very element, or NULL. */
const char *xml_lang_attr(struct xmldoc *x, const xmlNode *node);
/* The language in force at node: its own or its nearest ancestor's. */
const char *xml_lang_of(struct xmldoc *x, const xmlNode *node);
/* All text below node, concatenated (never NULL). */
const char *xml_text(struct xmldoc *x, const xmlNode *node);

/* Appends s to out as XML text or attribute value (< > & " escaped). */
struct strbuf;
void xml_escape_text(struct strbuf *out, const char *s);

/* 1 if s has only white space (or is empty). */
int xml_is_blank(const char *s);

#endif
