/*
 * validate.h - the semantic rules a release must meet beyond the schema.
 *
 * A struct validator checks any number of releases against one site file
 * and remembers a small summary of each (not its tree), so that rules
 * across files can run at the end: ids unique across the archive, and
 * language versions of one release agreeing on date, embargo, sources,
 * fields of work and countries.
 *
 * Rule ids: date, date-future, embargo, source-unknown, field-unknown,
 * country-unknown, person-unknown, lang, id, id-date, id-duplicate, link,
 * empty, bidi, translation.
 */
#ifndef PR_VALIDATE_H
#define PR_VALIDATE_H

#include <time.h>

#include "diag.h"
#include "release.h"
#include "site.h"
#include "summary.h"

struct validator;

/* site and d are lent and must outlive the validator. */
struct validator *validator_new(const struct site *site, struct diag *d, time_t now);
void validator_free(struct validator *v);

/* Loads and checks one file.  0 when it loaded (findings may still have
 * been reported), XMLDOC_INVALID, or XMLDOC_SYSTEM on I/O errors. */
int validator_check_file(struct validator *v, const char *path);
/* Checks an already loaded release (a blob from git, say). */
void validator_check_release(struct validator *v, const struct release *rel);
/* Only the rules on the release itself: it takes no part in the rules
 * across files (validator_add_summary() of its summary_from_release() does
 * that, as validator_check_release() would).  Validators of their own on
 * several threads may check releases at once: site is only read. */
void validator_check_rules(struct validator *v, const struct release *rel);
/* Takes part in the rules across files without being checked itself: a
 * published language version that a draft must agree with. */
void validator_add_context(struct validator *v, const struct release *rel);
/* Takes part in the rules across files as an already checked release
 * (from the summary cache, summary.h).  s is lent, not copied: it must
 * outlive the validator. */
void validator_add_summary(struct validator *v, const struct release_summary *s);
/* Room for n more releases or summaries, when their number is known:
 * the table then grows once, not by copies (page faults are what a build
 * of a large archive spends most on, after stat). */
void validator_reserve(struct validator *v, size_t n);
/* The rules across files; call once after the last file. */
void validator_finish(struct validator *v);

#endif
