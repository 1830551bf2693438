/*
 * release.h - the release model: one language version of one press release.
 *
 * release_load() reads a file safely (xmldoc), validates it against the
 * release schema and fills struct release with lent pointers into the tree:
 * the facts the other stages need without walking XML themselves.  The
 * tree stays available (rel->xml->doc) for stages that render or check
 * text.  Nothing here knows the site's taxonomy; validate.c does.
 */
#ifndef PR_RELEASE_H
#define PR_RELEASE_H

#include <stddef.h>
#include <libxml/tree.h>

#include "diag.h"
#include "xmldoc.h"

struct release_ref {
	const char *key;       /* a taxonomy key, a place's name, a person's id */
	const xmlNode *node;   /* where it is, for findings */
};

struct release {
	struct xmldoc *xml;    /* owned: the tree and every string below */
	const xmlNode *root;
	const char *id;
	const char *lang;
	const char *type;      /* press-release (default), news, statement... */
	const char *original_lang;  /* NULL unless a translation says so */

	const xmlNode *headline, *subtitle, *summary;
	const char *date;      /* dateline date, YYYY-MM-DD */
	const xmlNode *date_node;
	const char *embargo;   /* NULL or YYYY-MM-DDThh:mm[:ss](Z|+hh:mm) */
	const xmlNode *embargo_node;

	struct release_ref *places, *sources, *fields, *countries, *people;
	size_t nr_places, nr_sources, nr_fields, nr_countries, nr_people;

	const xmlNode *event, *body, *contacts, *notes, *corrections;
	const xmlNode *withdrawn;   /* NULL unless taken off the site */
	const char *updated;        /* date of the newest correction, or NULL */
};

/* 0 and *out (the caller's, release_free) on success; XMLDOC_INVALID with
 * findings reported, or XMLDOC_SYSTEM. */
int release_load(struct release **out, const char *path, struct diag *d);
/* The same from bytes (a blob in a git hook, a fuzzer's input). */
int release_parse_memory(struct release **out, const char *name,
			 const char *buf, size_t len, struct diag *d);
/* release_load() without the schema: only for bytes the caller knows were
 * validated (their SHA-256 is that of a validated file, summary.h). */
int release_load_unchecked(struct release **out, const char *path, struct diag *d);
/* The same from bytes (a blob whose SHA-256 is that of validated bytes). */
int release_parse_memory_unchecked(struct release **out, const char *name, const char *buf,
				   size_t len, struct diag *d);
void release_free(struct release *rel);

/* "releases/2020/2020-10-15-x.en.xml" -> is the base name "<id>.<lang>.xml"? */
int release_file_name_matches(const char *path, const char *id, const char *lang);

#endif
