/*
 * schema_values.h - a RELAX NG schema's value patterns, compiled once.
 *
 * libxml2's RELAX NG makes a <data> element's facets anew for every value
 * it checks: each <param name="pattern"> is compiled into an automaton
 * again for every key, date and language code of every file.  That was
 * three quarters of the cost of validating a release, more than parsing
 * it.  So schema.c hands the schema's document to schema_values_take()
 * before compiling it: where a <data> is the whole value of an attribute
 * or of an element's text wherever it is used, its params are taken out
 * of the document and kept here, the patterns compiled once by the same
 * engine (xmlRegexpCompile(): XSD regular expressions).  After libxml2
 * has validated a document, schema_values_check() checks those values
 * against them, collapsed as xsd:token collapses them.
 *
 * The schema files stay whole and stay the authority: a shape this does
 * not follow (a <data> in a choice or a list, a name class, an element
 * or attribute whose value is patterned in one place and not in another,
 * a facet other than pattern and maxLength) keeps its params, and
 * libxml2 checks it as it did.  t1201 compares verdicts with xmllint's
 * on the schema files.
 */
#ifndef PR_SCHEMA_VALUES_H
#define PR_SCHEMA_VALUES_H

#include <libxml/tree.h>

struct schema_values;

/* Takes the params it will check out of rng, a RELAX NG schema's document
 * (see above).  NULL when it took none: rng is then as it was.  Freed
 * with schema_values_free(). */
struct schema_values *schema_values_take(xmlDoc *rng);

void schema_values_free(struct schema_values *v);

/* A value that is not valid: node's attribute attr ("xml:lang" for one in
 * the XML namespace), or its text when attr is NULL; value as written;
 * define, the schema's name for the type (such as "key.type"), or NULL. */
typedef void schema_value_error_fn(void *data, const xmlNode *node, const char *attr,
				   const char *value, const char *define);

/* Checks the values of doc that v holds, calling bad for each one that is
 * not valid, in document order.  Safe on several threads at once. */
void schema_values_check(const struct schema_values *v, const xmlDoc *doc,
			 schema_value_error_fn *bad, void *data);

#endif
