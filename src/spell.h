/*
 * spell.h - spelling: every text of a release in its own language.
 *
 * A struct speller holds one hunspell dictionary per site language, each
 * loaded once and only when that language first occurs.  Release text is
 * walked element by element; the language of a text is that of its nearest
 * xml:lang (a span switches dictionary; a span in a language that is not a
 * site language is skipped).  Words are cut by spell_tokenize.h; each
 * finding carries the line and column of the word itself in the file.
 *
 * Dictionaries are found by language code only: the site's
 * <language dictionary="en_GB"> (or the default for the code) names the
 * hunspell pair <name>.aff/.dic, looked for in the archive's dictionaries/
 * folder, then $PR_PUBLISH_DICTDIR (else pr-publish's own dictionaries/,
 * datadir.h), then /usr/share/hunspell.  The
 * organisation's word lists (names.dic for every language, <lang>.dic for
 * one) come from the first two folders, and every taxonomy label and
 * abbreviation of the site is accepted in its language.  The list format
 * is in dictionaries/README.
 *
 * Loading a dictionary (hunspell's parse of the .aff/.dic pair, then the
 * word lists) takes tens of milliseconds: speller_preload() starts it on a
 * loader thread of the speller's own as soon as a caller knows a language
 * will be needed, and the checks wait only for what is not loaded yet.
 * The loader loads one dictionary at a time, in the order asked, and hands
 * each over whole: a hunspell handle is used by one thread at a time, and
 * everything else in a speller stays on the thread that calls it (the
 * checking thread).  What a load has to say (a missing dictionary, a bad
 * line in a word list) is said on the checking thread when the language is
 * first used, exactly as a load in place would; a preload never used says
 * nothing.  speller_free() stops and joins the loader.
 *
 * Rule ids: spell (a misspelling: an error or a warning by the site's
 * <spelling severity>), spell-long (a word too long to check),
 * spell-list (a bad line in a word list), encoding (plain text only).
 */
#ifndef PR_SPELL_H
#define PR_SPELL_H

#include <stddef.h>

#include "diag.h"
#include "release.h"
#include "site.h"

/* Suggestions cost up to a quarter of a second each: at most this many
 * misspelled words per run get them. */
#define SPELL_MAX_SUGGEST_WORDS 20
/* Misspellings reported per file; the rest are counted, not printed. */
#define SPELL_MAX_FINDINGS_PER_FILE 200

enum spell_result {
	SPELL_OK = 0,
	SPELL_INVALID = -1,  /* the file did not load (findings reported) */
	SPELL_SYSTEM = -2,   /* a dictionary or file could not be read */
};

/* Words looked at, per language, for --stats and the benchmark. */
struct spell_stats {
	const char *lang;
	size_t words;         /* tokens given to the dictionary */
	size_t misspelled;    /* findings, capitalised or not */
	size_t misspelled_capitalised;
	double load_seconds;  /* the one-time dictionary load */
	int loaded;           /* 0: the kept verdicts answered every word */
	double check_seconds; /* time spent in lookups */
};

struct speller;

/* site (may be NULL: the six default languages) and d are lent and must
 * outlive the speller; archive_root is the folder holding dictionaries/
 * (NULL: none).  Nothing is loaded yet. */
struct speller *speller_new(const struct site *site, const char *archive_root,
			    struct diag *d);
/* Joins the loader thread (a load under way is finished, one not begun is
 * dropped), then frees. */
void speller_free(struct speller *sp);

/* For a command about to exit: speller_free() then leaves the hunspell
 * dictionaries (tens of MB in hundreds of thousands of blocks, ~15 ms to
 * free) to the process's end, kept reachable so that LeakSanitizer and
 * valgrind do not call them leaks.  Long-lived users (a hook replacing its
 * checker, tests, fuzzers) must not set it. */
void speller_leave_to_exit(struct speller *sp);

/* Starts loading the dictionary of language tag lang on the loader thread
 * (nothing for a language that is not the site's, or one already asked
 * for).  Only a hint: without it, a dictionary is loaded on first use. */
void speller_preload(struct speller *sp, const char *lang);
/* The same for the language of a release file, guessed without parsing it
 * from its name (<id>.<lang>.xml) or else the first xml:lang in its first
 * 4 KB; a wrong guess costs a needless load and nothing else. */
void speller_preload_file(struct speller *sp, const char *path);

/* Begins loading hunspell's dictionary for language lang (its dictionary
 * name, or NULL for the default one) before any speller exists, on a
 * thread of its own: a guess, when what is to be checked is not known
 * yet.  archive_root is as for speller_new().  The first speller that
 * loads the same .aff/.dic files takes the handle instead of loading them
 * again.  One per process; a wrong guess costs a load on another thread. */
void spell_prefetch(const char *lang, const char *dictionary, const char *archive_root);
/* Waits for that load, if any, at the end of the process. */
void spell_prefetch_end(void);

/*
 * Verdicts kept between runs: with a folder set (an archive's
 * .git/pr-publish-spell/), what the dictionary of a language said of each
 * word it was asked is written there, one file per language, when the
 * speller is freed; a later speller reads it back into its word cache and
 * loads the dictionary (tens of milliseconds) only at the first word it
 * does not answer.  The file carries a key made of the dictionary's files,
 * the organisation's word lists and the site file as they are (path, size,
 * mtime, inode; the site file's bytes): when any of them changes, the
 * verdicts are dropped.  Only a load that had nothing to say (no bad line
 * in a word list) writes them, so that its warnings are never skipped.
 * dir NULL: nothing kept (the default).
 */
void speller_set_verdicts(struct speller *sp, const char *dir);
/* The verdicts' folder, in an archive's git folder (its common one). */
#define SPELL_VERDICTS_FOLDER "pr-publish-spell"

/* 1 when checking rel would ask the dictionaries nothing that the kept
 * verdicts do not answer, and find nothing to report: then no dictionary
 * needs loading for it (a caller preloads only when this is 0).  Says
 * nothing; 0 without verdicts, or when a language's dictionary was asked
 * for already. */
int speller_known(struct speller *sp, const struct release *rel);

/* Suggestions for the first max_words misspellings (0: none, the default). */
void speller_set_suggest(struct speller *sp, size_t max_words);
/* Overrides the site's severity for findings. */
void speller_set_severity(struct speller *sp, enum diag_severity severity);

/* Loads and checks one release file: SPELL_OK (findings may have been
 * reported), SPELL_INVALID or SPELL_SYSTEM. */
int spell_check_file(struct speller *sp, const char *path);
/* Checks a loaded release (build, publish and hooks call this). */
int spell_check_release(struct speller *sp, const struct release *rel);
/* Checks plain text in language lang; name is used in findings. */
int spell_check_text(struct speller *sp, const char *name, const char *buf, size_t len,
		     const char *lang);

/* One word: 1 correct, 0 misspelled, SPELL_SYSTEM without a dictionary
 * (reported), SPELL_INVALID when lang is not a site language. */
int spell_check_word(struct speller *sp, const char *lang, const char *word);
/* Loads lang's dictionary now (for the benchmark's load figure). */
int speller_load(struct speller *sp, const char *lang);

/* Statistics of the languages loaded so far; *nr is set. */
const struct spell_stats *speller_stats(const struct speller *sp, size_t *nr);

/* Adds word (optionally "word/model") to dict_dir/<lang>.dic, or to
 * dict_dir/names.dic when lang is NULL, keeping the list sorted in byte
 * order without duplicates and replacing it atomically.  Returns 1 added,
 * 0 already there, -1 bad word (reported), SPELL_SYSTEM on I/O errors
 * (reported). */
int spell_list_add(const char *dict_dir, const char *lang, const char *word, struct diag *d);

/* The Debian package with the hunspell dictionary for a language code. */
const char *spell_dictionary_package(const char *lang);

#endif
