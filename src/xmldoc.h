/*
 * xmldoc.h - reading untrusted XML safely, and knowing where things are in it.
 *
 * Every XML file pr-publish reads (releases, the site file, blobs in a git
 * hook) comes through xmldoc_load_file() or xmldoc_parse_memory():
 *
 *  - the bytes are read by us, under a size cap, and parsed from memory
 *    (libxml2 would otherwise inflate gzip/xz files behind our back);
 *  - UTF-8 only: a BOM other than UTF-8's, another declared encoding or an
 *    invalid byte is an error at its line and column;
 *  - C0/C1 control characters (other than tab and line ends) are errors;
 *  - any DOCTYPE is refused as soon as the parser meets it, before its
 *    internal subset is read, so no entity is ever declared or expanded;
 *  - the parser runs without NOENT, DTDLOAD, DTDATTR, XINCLUDE or HUGE, with
 *    NONET, and with an external entity loader that refuses everything not
 *    explicitly allowed (xmldoc_allow_dir());
 *  - line numbers stay right past 65,535 (BIG_LINES), and the byte offset of
 *    every element's start tag is recorded, so findings carry columns.
 *
 * Problems in the input are reported to the diag with a rule id:
 *   file-size, encoding, control-char, xml-doctype, xml-syntax.
 */
#ifndef PR_XMLDOC_H
#define PR_XMLDOC_H

#include <stddef.h>
#include <libxml/tree.h>

#include "diag.h"

/* Largest file accepted: a long press release is some 50 KB. */
#define XMLDOC_MAX_SIZE (4u * 1024 * 1024)

enum xmldoc_result {
	XMLDOC_OK = 0,
	XMLDOC_INVALID = -1,  /* the input is bad; findings were reported */
	XMLDOC_SYSTEM = -2,   /* could not read it (I/O); reported as system error */
};

struct xmldoc {
	char *path;           /* name used in findings */
	char *buf;            /* the file's bytes, NUL-terminated */
	size_t len;
	xmlDocPtr doc;
	struct xmldoc_pos *pos;   /* element start offsets, sorted by node */
	size_t nr_pos;
	/* Where lines start, made when a position is first asked for
	 * (xmldoc_loc_offset()): most documents never have a finding. */
	int indexed;          /* atomic */
	unsigned direct_lookups;   /* atomic: positions found without it */
	size_t *line_starts;  /* byte offset of each line */
	size_t nr_lines;
	struct xmldoc_mark *marks;  /* columns every few KiB, for long lines */
	size_t nr_marks;
	char **strings;       /* copies handed out by xmlutil, freed with us */
	size_t nr_strings, alloc_strings;
};

/* Once per process, before any parsing: the refusing entity loader and
 * libxml2's global defaults. */
void xmldoc_init(void);

/* Lets the entity loader open files under dir (the stylesheets). */
void xmldoc_allow_dir(const char *dir);

/* *out is the caller's (xmldoc_free) when XMLDOC_OK is returned. */
int xmldoc_load_file(struct xmldoc **out, const char *path, struct diag *d);
/* Parses a copy of buf; name is used in findings. */
int xmldoc_parse_memory(struct xmldoc **out, const char *name,
			const char *buf, size_t len, struct diag *d);
/* The same for bytes the caller will prove were checked before (their
 * SHA-256 is that of a validated file): parsed as safely as ever (no DTD,
 * no entity, no network), but without the raw checks (encoding, control
 * characters) and without the line index and element positions, which
 * only findings need.  A finding in such a document has no line or
 * column.  Several times cheaper than a first reading. */
int xmldoc_load_file_trusted(struct xmldoc **out, const char *path, struct diag *d);
int xmldoc_parse_memory_trusted(struct xmldoc **out, const char *name,
				const char *buf, size_t len, struct diag *d);
void xmldoc_free(struct xmldoc *x);

/* Takes ownership of s (malloc'd) until x is freed; returns s. */
const char *xmldoc_keep(struct xmldoc *x, char *s);

/* Where a node starts (its start tag for elements; its parent's for text
 * and attributes, with the attribute found in the tag when possible). */
void xmldoc_loc_node(const struct xmldoc *x, const xmlNode *node, struct diag_loc *out);
void xmldoc_loc_attr(const struct xmldoc *x, const xmlNode *elem, const char *attr,
		     struct diag_loc *out);
void xmldoc_loc_offset(const struct xmldoc *x, size_t offset, struct diag_loc *out);
/* Byte offset of an element's '<', or -1 when unknown. */
long xmldoc_node_offset(const struct xmldoc *x, const xmlNode *elem);

#endif
