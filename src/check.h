/*
 * check.h - everything publishing would check, in one place.
 *
 * A struct checker runs, on each release it is given: the semantic rules
 * (validate.h, the schema having been checked on loading), the spelling in
 * every language (spell.h; findings are errors or warnings by the site's
 * setting), and the rules across files with the other language versions
 * given as context.  `pr-publish check`, `publish` and the git hooks all use
 * it, so that what passes one passes the others.
 */
#ifndef PR_CHECK_H
#define PR_CHECK_H

#include <time.h>

#include "diag.h"
#include "release.h"
#include "site.h"

enum check_flags {
	CHECK_SPELLING = 1 << 0,
};

struct checker;

/* site and d are lent.  dict_root: the folder whose dictionaries/ holds the
 * organisation's word lists (the archive's root), or NULL to use only the
 * installed ones (hooks: never a pushed tree's). */
struct checker *checker_new(const struct site *site, const char *dict_root, struct diag *d,
			    time_t now, unsigned flags);
void checker_free(struct checker *c);
/* speller_leave_to_exit() for its speller: for commands about to exit. */
void checker_leave_to_exit(struct checker *c);

/* speller_preload(): starts loading a language's dictionary in the
 * background as soon as the caller knows it will check text in it (from a
 * path, before reading and parsing).  Only a hint; nothing without
 * CHECK_SPELLING. */
void checker_preload(struct checker *c, const char *lang);
/* speller_preload_file(): the language guessed from the file. */
void checker_preload_file(struct checker *c, const char *path);
/* speller_set_verdicts() and speller_known() of its speller. */
void checker_set_verdicts(struct checker *c, const char *dir);
int checker_known(struct checker *c, const struct release *rel);

/* Checks rel.  0, or XMLDOC_SYSTEM (a dictionary is missing...). */
int checker_check(struct checker *c, const struct release *rel);
/* The two halves of checker_check(), for a caller with work to do while
 * the dictionaries load: the rules (never waits), then the spelling (may
 * wait for a dictionary; 0 or XMLDOC_SYSTEM).  Each release is to be given
 * to both before checker_finish(). */
void checker_validate(struct checker *c, const struct release *rel);
int checker_spell(struct checker *c, const struct release *rel);
/* Another language version the checked ones must agree with. */
void checker_context(struct checker *c, const struct release *rel);
/* The rules across files over the releases checked since the last call;
 * then a new set begins (a hook checks commit by commit with one checker,
 * loading each dictionary once). */
void checker_finish(struct checker *c);

#endif
