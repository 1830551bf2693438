/*
 * spell_tokenize.h - cutting press-release text into words to spell-check.
 *
 * Pure functions over a UTF-8 buffer, no dictionary and no allocation
 * (except spell_token_normalize's strbuf), so that a fuzzer can drive them.
 * The policy, also in dictionaries/README:
 *
 *  - A word is a run of letters (Latin, Greek, Cyrillic, with combining
 *    marks) and digits.  Apostrophes (' U+2019 U+02BC), hyphens (- U+2010
 *    U+2011) and full stops join two word characters into one token:
 *    OSCE’s, l’OSCE, co-operation, IKT-Sicherheit, e.g.  A soft hyphen
 *    inside a word is ignored.  Everything else separates: spaces including
 *    U+00A0 and U+202F, en and em dashes, slashes, quotes, punctuation.
 *  - A hyphen that ends a word before a space or comma, or starts one after a
 *    space (German "Kontroll- und Steuerungsfunktionen", "-beilegung") stays
 *    in the token: SPELL_TOKEN_SUSPENDED.
 *  - Tokens with a digit (2020, 14th, 4., COVID-19's "19", 3D) are numbers
 *    or codes: SPELL_TOKEN_DIGIT, not checked (a hyphenated compound's
 *    parts without digits are).
 *  - Tokens with an inner full stop are abbreviations or addresses (e.g.,
 *    z.B., osce.org): SPELL_TOKEN_DOTTED, not checked.
 *  - Any space-delimited chunk holding "://", "@" or starting "www." is a
 *    URL or e-mail address and yields no token at all.
 *  - Letters of other scripts (Arabic, CJK...) make SPELL_TOKEN_FOREIGN.
 *  - Over SPELL_WORD_MAX_CHARS characters or SPELL_WORD_MAX_BYTES bytes:
 *    SPELL_TOKEN_LONG, never given to hunspell (it gives up on them).
 *  - Invalid UTF-8 bytes separate words; they are never part of a token.
 */
#ifndef PR_SPELL_TOKENIZE_H
#define PR_SPELL_TOKENIZE_H

#include <stddef.h>

/* hunspell 1.7's own limits (MAXWORDLEN 100, MAXWORDUTF8LEN 300). */
#define SPELL_WORD_MAX_CHARS 100
#define SPELL_WORD_MAX_BYTES 300

enum spell_token_flags {
	SPELL_TOKEN_DIGIT = 1 << 0,     /* has a digit */
	SPELL_TOKEN_DOTTED = 1 << 1,    /* has an inner full stop */
	SPELL_TOKEN_HYPHEN = 1 << 2,    /* has an inner hyphen: a compound */
	SPELL_TOKEN_APOSTROPHE = 1 << 3,/* has an inner apostrophe */
	SPELL_TOKEN_SUSPENDED = 1 << 4, /* starts or ends with a hyphen */
	SPELL_TOKEN_FOREIGN = 1 << 5,   /* letters of a script we do not check */
	SPELL_TOKEN_LONG = 1 << 6,      /* too long for hunspell */
	SPELL_TOKEN_CAPITAL = 1 << 7,   /* first letter is a capital */
	SPELL_TOKEN_ALLCAPS = 1 << 8,   /* two or more letters, all capitals */
};

struct spell_token {
	size_t off;        /* byte offset in the buffer */
	size_t len;        /* bytes */
	size_t chars;      /* characters */
	unsigned flags;    /* enum spell_token_flags */
};

/* Finds the next token at or after *pos in s[0..len); returns 1 and fills
 * *out, advancing *pos past it, or returns 0 at the end. */
int spell_tokenize_next(const char *s, size_t len, size_t *pos, struct spell_token *out);

/* The form hunspell is given: typographic apostrophes become ', Unicode
 * hyphens '-', soft hyphens go.  Appends to out. */
struct strbuf;
void spell_token_normalize(struct strbuf *out, const char *s, size_t len);

/* In a normalised word, the length of an elided article or preposition at
 * its start for language lang (French l', qu', jusqu'; Italian dell', un'),
 * apostrophe included; 0 when there is none. */
size_t spell_elision_len(const char *lang, const char *word, size_t len);

/* Letter classes used above, for the checker's own use. */
int spell_is_letter(unsigned long cp);
int spell_is_upper(unsigned long cp);

#endif
