/*
 * fuzz-spell-tokenize.c - bytes as text to cut into words (spell_tokenize.h):
 * no input may make the tokenizer read outside the buffer, stand still,
 * go backwards or return a token that breaks the header's promises.
 */
#include <string.h>

#include "fuzz.h"
#include "spell_tokenize.h"
#include "utf8.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void fail(const char *what, size_t at)
{
	fprintf(stderr, "fuzz-spell-tokenize: %s at byte %zu\n", what, at);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so that ASan sees any read past the end. */
	char *s = xmalloc(size ? size : 1);
	struct strbuf word = STRBUF_INIT;
	struct spell_token tok;
	size_t pos = 0, prev_end = 0;

	if (size)
		memcpy(s, data, size);
	while (spell_tokenize_next(s, size, &pos, &tok)) {
		if (tok.off < prev_end || tok.len == 0 || tok.off + tok.len > size ||
		    pos != tok.off + tok.len)
			fail("token out of order or out of bounds", tok.off);
		if (utf8_validate(s + tok.off, tok.len) != tok.len)
			fail("token holds invalid UTF-8", tok.off);
		if (tok.chars != utf8_width(s + tok.off, tok.len) || tok.chars > tok.len)
			fail("token's character count is wrong", tok.off);
		if (!(tok.flags & SPELL_TOKEN_LONG) &&
		    (tok.chars > SPELL_WORD_MAX_CHARS || tok.len > SPELL_WORD_MAX_BYTES))
			fail("long token not flagged", tok.off);
		strbuf_reset(&word);
		spell_token_normalize(&word, s + tok.off, tok.len);
		if (word.len > tok.len)
			fail("normalised word is longer than its token", tok.off);
		if (word.len) {
			if (spell_elision_len("fr", word.buf, word.len) > word.len ||
			    spell_elision_len("it", word.buf, word.len) > word.len)
				fail("elision longer than the word", tok.off);
			spell_elision_len("en", word.buf, word.len);
		}
		prev_end = pos;
	}
	if (pos != size)
		fail("tokenizer stopped before the end", pos);
	strbuf_release(&word);
	free(s);
	return 0;
}
