/*
 * schema.h - the RELAX NG schemas for releases and the site file.
 *
 * The schemas (schema/release.rng, schema/site.rng) are built into the binary, compiled by
 * libxml2 once per process on first use, and never read from disk at run
 * time.  Several threads may validate at once: each with a validation
 * context of its own against the one compiled schema, which they only
 * read.  The values of patterned types (keys, language codes, dates) are
 * checked here with the patterns compiled once, not by libxml2, which
 * compiles them again for every value (schema_values.h).  Validation
 * errors are reported with rule id "schema", in the file's order,
 * rephrased for an officer where libxml2's wording is cryptic, and with
 * needless follow-on errors ("failed to validate content") dropped.
 */
#ifndef PR_SCHEMA_H
#define PR_SCHEMA_H

#include "diag.h"
#include "xmldoc.h"

enum schema_id {
	SCHEMA_RELEASE,
	SCHEMA_SITE,
};

/* 0 when valid, XMLDOC_INVALID with findings reported, XMLDOC_SYSTEM when
 * the schema itself cannot be compiled (a build problem). */
int schema_validate(enum schema_id id, const struct xmldoc *x, struct diag *d);

/* Compiles the schema now, before threads share it, so that none of them
 * waits for another to compile it; 0, or -1 when it does not compile
 * (schema_validate() then says so). */
int schema_prepare(enum schema_id id);

/* Frees the compiled schemas (at exit, for leak checkers). */
void schema_release_all(void);

#endif
