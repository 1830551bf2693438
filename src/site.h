/*
 * site.h - the site file: title, address, languages and the taxonomy.
 *
 * site.xml is loaded safely (xmldoc), validated against the site schema,
 * checked (unique keys, known parents, an English label on every term) and
 * turned into the lookup tables the other stages use.  Terms are kept
 * sorted by key; lookups are binary searches.
 */
#ifndef PR_SITE_H
#define PR_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "xmldoc.h"

enum taxonomy {
	TAXONOMY_FIELDS,
	TAXONOMY_SOURCES,
	TAXONOMY_COUNTRIES,
	TAXONOMY_NR
};

struct site_label {
	const char *lang;
	const char *text;
	const char *abbr;    /* NULL when none */
};

struct site_term {
	const char *key;
	const char *parent;  /* NULL for a top-level term */
	const char *kind;    /* sources and countries: the kind attribute */
	int closed;          /* status="closed" */
	struct site_label *labels;
	size_t nr_labels;
	const xmlNode *node;
};

struct site_language {
	const char *code;
	const char *dictionary;  /* hunspell dictionary, e.g. en_GB; NULL = default */
	const char *name;        /* its own name: English, Deutsch... */
};

struct site {
	struct xmldoc *xml;      /* owns every string above and below */
	const char *path;
	const char *base_url;
	struct site_language *languages;  /* the first is the default */
	size_t nr_languages;
	struct site_term *terms[TAXONOMY_NR];
	size_t nr_terms[TAXONOMY_NR];
	/* terms[t] by key, open addressing, index + 1 (site_term()) */
	uint32_t *term_slots[TAXONOMY_NR];
	size_t term_mask[TAXONOMY_NR];
	long page_size;
	long feed_items;
	int spelling_is_error;
};

/* *out is the caller's (site_free) when 0 is returned; otherwise an
 * XMLDOC_* code and the findings have been reported. */
int site_load(struct site **out, const char *path, struct diag *d);
/* The same from bytes (a fuzzer's input); name is used in findings. */
int site_parse_memory(struct site **out, const char *name, const char *buf, size_t len,
		      struct diag *d);
void site_free(struct site *site);
/* The code and dictionary (NULL if none is named) of the first language
 * of the site file at path, read safely but not validated: for a guess
 * made before the real site is known.  The strings are the caller's to
 * free.  0, or -1 (nothing said) if the file has none to give. */
int site_peek_first_language(const char *path, char **code, char **dictionary);

const char *taxonomy_name(enum taxonomy t);  /* "field of work", "source"... */

const struct site_term *site_term(const struct site *site, enum taxonomy t, const char *key);
const struct site_language *site_language(const struct site *site, const char *code);
/* The term's label in lang, else in the site's default language. */
const struct site_label *site_term_label(const struct site *site,
					 const struct site_term *term, const char *lang);
/* The known key nearest to an unknown one, for "did you mean", or NULL. */
const struct site_term *site_term_suggest(const struct site *site, enum taxonomy t,
					  const char *key);

#endif
