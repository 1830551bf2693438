/* spell_tokenize.c - words out of press-release text; see spell_tokenize.h. */
#include "spell_tokenize.h"

#include <stdint.h>
#include <string.h>

#include "utf8.h"
#include "util.h"

int spell_is_letter(unsigned long cp)
{
	if (cp < 0x80)
		return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
	if (cp < 0x100)
		return cp == 0xaa || cp == 0xb5 || cp == 0xba ||
		       (cp >= 0xc0 && cp != 0xd7 && cp != 0xf7);
	return (cp <= 0x2af) ||                         /* Latin Extended, IPA */
	       (cp >= 0x370 && cp <= 0x3ff && cp != 0x37e && cp != 0x387) ||
	       (cp >= 0x400 && cp <= 0x52f && !(cp >= 0x482 && cp <= 0x489)) ||
	       (cp >= 0x1e00 && cp <= 0x1eff) || (cp >= 0x2c60 && cp <= 0x2c7f) ||
	       (cp >= 0x2de0 && cp <= 0x2dff) || (cp >= 0xa640 && cp <= 0xa69f) ||
	       (cp >= 0xa720 && cp <= 0xa7ff);
}

static int is_mark(uint32_t cp)
{
	return (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x483 && cp <= 0x489) ||
	       (cp >= 0x1ab0 && cp <= 0x1aff) || (cp >= 0x1dc0 && cp <= 0x1dff) ||
	       (cp >= 0xfe20 && cp <= 0xfe2f);
}

/* Letters of scripts we have no dictionary for: a word with them is skipped,
 * not flagged.  Punctuation and symbol blocks are left out (separators). */
static int is_foreign_letter(uint32_t cp)
{
	if (spell_is_letter(cp) || is_mark(cp))
		return 0;
	return (cp >= 0x530 && cp <= 0x1dff && !(cp >= 0x1ab0 && cp <= 0x1aff)) ||
	       (cp >= 0x3040 && cp <= 0xd7ff) || (cp >= 0xf900 && cp <= 0xfdff) ||
	       (cp >= 0xfe70 && cp <= 0xfefe) || (cp >= 0x10000 && cp <= 0x1efff) ||
	       (cp >= 0x20000 && cp <= 0x3ffff);
}

int spell_is_upper(unsigned long cp)
{
	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z';
	if (cp < 0x100)
		return cp >= 0xc0 && cp <= 0xde && cp != 0xd7;
	if (cp <= 0x137 || (cp >= 0x14a && cp <= 0x177) || (cp >= 0x1e00 && cp <= 0x1eff))
		return !(cp & 1);
	if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e))
		return cp & 1;
	if (cp == 0x178 || cp == 0x386 || (cp >= 0x388 && cp <= 0x38f) ||
	    (cp >= 0x391 && cp <= 0x3ab))
		return 1;
	if (cp >= 0x400 && cp <= 0x42f)
		return 1;
	if ((cp >= 0x460 && cp <= 0x481) || (cp >= 0x48a && cp <= 0x4bf) ||
	    (cp >= 0x4d0 && cp <= 0x52f))
		return !(cp & 1);
	if (cp >= 0x4c1 && cp <= 0x4ce)
		return cp & 1;
	return cp == 0x4c0;
}

static int is_digit(uint32_t cp)
{
	return cp >= '0' && cp <= '9';
}

static int is_word_char(uint32_t cp)
{
	return spell_is_letter(cp) || is_digit(cp) || is_mark(cp) || is_foreign_letter(cp);
}

static int is_apostrophe(uint32_t cp)
{
	return cp == '\'' || cp == 0x2019 || cp == 0x2bc;
}

static int is_hyphen(uint32_t cp)
{
	return cp == '-' || cp == 0x2010 || cp == 0x2011;
}

static int is_ascii_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Spaces a suspended hyphen may stand next to. */
static int is_space(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xa0 ||
	       cp == 0x202f || cp == 0x2009;
}

/* Character at s+i, or 0 (length 0) at the end or on an invalid byte. */
static size_t peek(const char *s, size_t len, size_t i, uint32_t *cp)
{
	size_t n = i < len ? utf8_decode(s + i, len - i, cp) : 0;

	if (!n)
		*cp = 0;
	return n;
}

/* A space-delimited chunk that is a URL or an e-mail address. */
static int chunk_is_address(const char *s, size_t len)
{
	size_t i;

	while (len && (*s == '(' || *s == '<' || *s == '[' || *s == '"' || *s == '\'')) {
		s++;
		len--;
	}
	if (len >= 4 && !memcmp(s, "www.", 4))
		return 1;
	for (i = 0; i < len; i++) {
		if (s[i] == '@' && i > 0 && i + 1 < len)
			return 1;
		if (s[i] == ':' && i + 2 < len && s[i + 1] == '/' && s[i + 2] == '/')
			return 1;
	}
	return 0;
}

int spell_tokenize_next(const char *s, size_t len, size_t *pos, struct spell_token *out)
{
	size_t i = *pos;

	while (i < len) {
		uint32_t cp, next;
		size_t n, nn, j, letters = 0, uppers = 0;
		unsigned flags = 0;

		/* Each chunk is looked at once, at its start: linear time. */
		if (!is_ascii_space(s[i]) && (i == 0 || is_ascii_space(s[i - 1]))) {
			size_t end = i;
			while (end < len && !is_ascii_space(s[end]))
				end++;
			if (chunk_is_address(s + i, end - i)) {
				i = end;
				continue;
			}
		}
		n = peek(s, len, i, &cp);
		if (!n) {
			i++;
			continue;
		}
		j = i;
		if (is_hyphen(cp)) {
			uint32_t prev = ' ';
			nn = peek(s, len, i + n, &next);
			if (i > 0) {
				size_t k = i - 1;
				while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
					k--;
				if (!peek(s, len, k, &prev))
					prev = 0;
			}
			if (!nn || !spell_is_letter(next) || !is_space(prev)) {
				i += n;
				continue;
			}
			flags |= SPELL_TOKEN_SUSPENDED;
			j += n;
		} else if (!is_word_char(cp)) {
			i += n;
			continue;
		}

		/* j is at a word character. */
		for (;;) {
			n = peek(s, len, j, &cp);
			if (n && is_word_char(cp)) {
				if (is_digit(cp))
					flags |= SPELL_TOKEN_DIGIT;
				else if (is_foreign_letter(cp))
					flags |= SPELL_TOKEN_FOREIGN;
				else if (spell_is_letter(cp)) {
					if (!letters && spell_is_upper(cp))
						flags |= SPELL_TOKEN_CAPITAL;
					letters++;
					uppers += spell_is_upper(cp) != 0;
				}
				j += n;
				continue;
			}
			if (!n)
				break;
			nn = peek(s, len, j + n, &next);
			if ((is_apostrophe(cp) || is_hyphen(cp) || cp == '.' || cp == 0xad) &&
			    nn && is_word_char(next)) {
				if (is_apostrophe(cp))
					flags |= SPELL_TOKEN_APOSTROPHE;
				else if (is_hyphen(cp))
					flags |= SPELL_TOKEN_HYPHEN;
				else if (cp == '.')
					flags |= SPELL_TOKEN_DOTTED;
				j += n;
				continue;
			}
			if (is_hyphen(cp) && (!nn || is_space(next) || next == ',')) {
				flags |= SPELL_TOKEN_SUSPENDED;
				j += n;
			}
			break;
		}
		if (letters >= 2 && uppers == letters)
			flags |= SPELL_TOKEN_ALLCAPS;
		out->off = i;
		out->len = j - i;
		out->chars = utf8_width(s + i, j - i);
		if (out->chars > SPELL_WORD_MAX_CHARS || out->len > SPELL_WORD_MAX_BYTES)
			flags |= SPELL_TOKEN_LONG;
		out->flags = flags;
		*pos = j;
		return 1;
	}
	*pos = len;
	return 0;
}

void spell_token_normalize(struct strbuf *out, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);

		if (!n) {
			i++;   /* tokens never hold invalid bytes; be safe anyway */
			continue;
		}
		if (is_apostrophe(cp))
			strbuf_addch(out, '\'');
		else if (is_hyphen(cp))
			strbuf_addch(out, '-');
		else if (cp != 0xad)
			strbuf_add(out, s + i, n);
		i += n;
	}
}

static const char *const elisions_fr[] = {
	"c", "d", "j", "jusqu", "l", "lorsqu", "m", "n", "presqu", "puisqu",
	"qu", "quelqu", "quoiqu", "s", "t", NULL,
};

static const char *const elisions_it[] = {
	"all", "anch", "c", "coll", "d", "dall", "dell", "dev", "l", "nell",
	"nessun", "quell", "quest", "sant", "sull", "tutt", "un", NULL,
};

size_t spell_elision_len(const char *lang, const char *word, size_t len)
{
	const char *const *list;
	const char *apos = memchr(word, '\'', len);
	size_t n, k;

	if (!strcmp(lang, "fr"))
		list = elisions_fr;
	else if (!strcmp(lang, "it"))
		list = elisions_it;
	else
		return 0;
	if (!apos || apos + 1 == word + len)
		return 0;
	n = (size_t)(apos - word);
	for (; *list; list++) {
		if (strlen(*list) != n)
			continue;
		for (k = 0; k < n; k++)
			if ((word[k] | 0x20) != (*list)[k])
				break;
		if (k == n)
			return n + 1;
	}
	return 0;
}
