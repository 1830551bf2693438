/* test-spell.c - the tokenizer's policy, and words through the dictionaries. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "spell.h"
#include "spell_tokenize.h"
#include "tap.h"
#include "util.h"

/* The tokens of s as "word|word|...", flags in brackets where asked. */
static char *tokens(const char *s, unsigned show_flags)
{
	struct strbuf sb = STRBUF_INIT;
	struct spell_token t;
	size_t pos = 0;

	while (spell_tokenize_next(s, strlen(s), &pos, &t)) {
		if (sb.len)
			strbuf_addch(&sb, '|');
		strbuf_add(&sb, s + t.off, t.len);
		if (t.flags & show_flags)
			strbuf_addstr(&sb, "[x]");
	}
	return sb.buf ? strbuf_detach(&sb) : xstrdup("");
}

static int tokens_are(const char *s, unsigned flags, const char *want)
{
	char *got = tokens(s, flags);
	int same = !strcmp(got, want);

	if (!same)
		printf("# '%s': got '%s', want '%s'\n", s, got, want);
	free(got);
	return same;
}

static int norm_is(const char *s, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	int same;

	spell_token_normalize(&sb, s, strlen(s));
	same = sb.buf && !strcmp(sb.buf, want);
	strbuf_release(&sb);
	return same;
}

static void test_tokenizer(void)
{
	struct spell_token t;
	size_t pos, n;
	char *big;
	clock_t start;

	ok(tokens_are("The OSCE’s approach", 0, "The|OSCE’s|approach"), "curly apostrophe inside a word");
	ok(tokens_are("l’OSCE et dell'OSCE", SPELL_TOKEN_APOSTROPHE, "l’OSCE[x]|et|dell'OSCE[x]"),
	   "elisions stay one token, flagged");
	ok(tokens_are("‘quoted’ States’ rights", 0, "quoted|States|rights"),
	   "quotes and a final apostrophe are not part of words");
	ok(tokens_are("co-operation IKT-Sicherheit", SPELL_TOKEN_HYPHEN, "co-operation[x]|IKT-Sicherheit[x]"),
	   "hyphenated compounds");
	ok(tokens_are("Kontroll- und -beilegung", SPELL_TOKEN_SUSPENDED, "Kontroll-[x]|und|-beilegung[x]"),
	   "German suspended hyphens");
	ok(tokens_are("2020 – security—peace", 0, "2020|security|peace"), "en and em dashes separate");
	ok(tokens_are("suivants\xc2\xa0: eau\xe2\x80\xaf; fin", 0, "suivants|eau|fin"),
	   "no-break spaces U+00A0 and U+202F separate");
	ok(tokens_are("14th 4. COVID-19 3D", SPELL_TOKEN_DIGIT, "14th[x]|4[x]|COVID-19[x]|3D[x]"),
	   "numbers and ordinals flagged as digits");
	ok(tokens_are("see https://www.osce.org/odihr/x-y or press@osce.example today", 0,
		      "see|or|today"), "URLs and e-mail addresses are skipped whole");
	ok(tokens_are("(www.osce.org) e.g. z.B. done", SPELL_TOKEN_DOTTED, "e.g[x]|z.B[x]|done"),
	   "www addresses skipped, dotted abbreviations flagged");
	ok(tokens_are("Организация по безопасности", 0, "Организация|по|безопасности"), "Cyrillic");
	ok(tokens_are("cyber/ICT security", SPELL_TOKEN_ALLCAPS, "cyber|ICT[x]|security"),
	   "slash separates; acronyms flagged all-caps");
	ok(tokens_are("Ambas\xc2\xad" "sador", 0, "Ambas\xc2\xad" "sador"), "soft hyphen inside a word");
	ok(tokens_are("a\xff" "b \xc3", 0, "a|b"), "invalid UTF-8 separates and is never in a token");
	ok(tokens_are("", 0, "") && tokens_are("  ,;  ", 0, ""), "empty and punctuation-only text");
	ok(tokens_are("日本 word", SPELL_TOKEN_FOREIGN, "日本[x]|word"), "other scripts flagged foreign");

	ok(norm_is("OSCE’s", "OSCE's") && norm_is("co‐operation", "co-operation") &&
	   norm_is("Ambas\xc2\xad" "sador", "Ambassador"), "normalisation for hunspell");
	ok(spell_elision_len("fr", "l'OSCE", 6) == 2 && spell_elision_len("fr", "jusqu'au", 8) == 6 &&
	   spell_elision_len("it", "dell'acqua", 10) == 5 && spell_elision_len("en", "l'OSCE", 6) == 0 &&
	   spell_elision_len("fr", "aujourd'hui", 11) == 0, "elisions by language");

	/* A 100 KB word: one token, flagged long, found in linear time. */
	n = 100000;
	big = xmalloc(n + 1);
	memset(big, 'a', n);
	big[n] = '\0';
	pos = 0;
	ok(spell_tokenize_next(big, n, &pos, &t) && t.len == n && (t.flags & SPELL_TOKEN_LONG),
	   "a 100 KB word is one token, flagged long");
	/* 1 MB of "a," without a space: a single chunk, must stay linear. */
	free(big);
	n = 1000000;
	big = xmalloc(n + 1);
	for (pos = 0; pos < n; pos++)
		big[pos] = pos & 1 ? ',' : 'a';
	big[n] = '\0';
	start = clock();
	pos = 0;
	{
		size_t count = 0;
		while (spell_tokenize_next(big, n, &pos, &t))
			count++;
		ok(count == n / 2, "1 MB without spaces: %zu tokens", count);
	}
	ok((double)(clock() - start) / CLOCKS_PER_SEC < 1.0, "... in linear time");
	free(big);
}

static void test_words(void)
{
	struct diag d;
	struct speller *sp;

	diag_init(&d, DIAG_FORMAT_TEXT);
	d.quiet = 1;
	sp = speller_new(NULL, NULL, &d);
	ok(spell_check_word(sp, "en", "programme") == 1 && spell_check_word(sp, "en", "organized") == 1 &&
	   spell_check_word(sp, "en", "co-operation") == 1 && spell_check_word(sp, "en", "centre") == 1,
	   "en_GB: house style programme, organized, co-operation, centre");
	ok(spell_check_word(sp, "en", "Amassador") == 0, "en: Amassador is misspelled");
	ok(spell_check_word(sp, "en", "world’s") == 1, "en: curly possessive");
	ok(spell_check_word(sp, "fr", "l’Assemblée") == 1 && spell_check_word(sp, "fr", "aujourd’hui") == 1,
	   "fr: elisions with a curly apostrophe");
	ok(spell_check_word(sp, "it", "dell’acqua") == 1 && spell_check_word(sp, "it", "un’altra") == 1,
	   "it: elisions with a curly apostrophe (it_IT knows only ')");
	ok(spell_check_word(sp, "de", "Kontroll-") == 1 && spell_check_word(sp, "de", "-beilegung") == 1,
	   "de: suspended hyphens");
	ok(spell_check_word(sp, "ru", "безопасности") == 1 && spell_check_word(sp, "ru", "безопастности") == 0,
	   "ru: Cyrillic");
	ok(spell_check_word(sp, "es", "Organización") == 1, "es");
	ok(spell_check_word(sp, "mt", "Il-Kamra") == SPELL_INVALID, "a language that is not the site's");
	speller_free(sp);
}

int main(void)
{
	test_tokenizer();
	test_words();
	return tap_done();
}
