/* test-utf8.c - strict decoding, and the escaping of hostile text. */
#include <string.h>

#include "diag.h"
#include "tap.h"
#include "utf8.h"
#include "util.h"

static int valid(const char *s, size_t len)
{
	return utf8_validate(s, len) == len;
}

static int escapes_to(const char *in, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	int same;

	diag_escape(&sb, in, strlen(in));
	same = sb.buf && !strcmp(sb.buf, want);
	if (!same)
		printf("# got '%s', want '%s'\n", sb.buf ? sb.buf : "", want);
	strbuf_release(&sb);
	return same;
}

int main(void)
{
	uint32_t cp;

	ok(valid("plain ASCII", 11), "ASCII");
	ok(valid("Österreich – ОБСЕ", strlen("Österreich – ОБСЕ")), "Latin, dash, Cyrillic");
	ok(!valid("\xC0\xAF", 2), "overlong '/' is refused");
	ok(!valid("\xED\xA0\x80", 3), "a UTF-16 surrogate is refused");
	ok(!valid("\xF4\x90\x80\x80", 4), "past U+10FFFF is refused");
	ok(!valid("ab\xE2\x80", 4), "a truncated sequence is refused");
	ok(utf8_validate("ab\xFF" "cd", 5) == 2, "the offset of the bad byte is given");
	{
		/* Wherever it is among the eight bytes read at a time. */
		char buf[64];
		size_t off, wrong = 0;

		for (off = 0; off < 40; off++) {
			memset(buf, 'a', sizeof(buf));
			buf[off] = '\xFF';
			wrong += utf8_validate(buf, sizeof(buf)) != off;
			memcpy(buf + off, "\xC3\xA9", 2);
			wrong += utf8_validate(buf, sizeof(buf)) != sizeof(buf);
			buf[off + 1] = 'a';
			wrong += utf8_validate(buf, sizeof(buf)) != off;
		}
		ok(!wrong, "a bad byte after ASCII is found at every offset");
	}
	ok(utf8_decode("\xE2\x80\x93", 3, &cp) == 3 && cp == 0x2013, "en dash decodes");
	ok(utf8_is_bidi_control(0x202E) && utf8_is_bidi_control(0x2066) &&
	   !utf8_is_bidi_control(0x2013), "bidi controls are recognised, dashes are not");
	ok(utf8_width("ОБСЕ", strlen("ОБСЕ")) == 4, "width counts characters");

	ok(escapes_to("a\033[2Jb", "a\\x1B[2Jb"), "a terminal escape is made visible");
	ok(escapes_to("x\xE2\x80\xAEy", "x\\u{202E}y"), "a bidi override is made visible");
	ok(escapes_to("bad\xFFz", "bad\\xFFz"), "an invalid byte is made visible");
	ok(escapes_to("l’OSCE", "l’OSCE"), "ordinary text passes unchanged");
	ok(edit_distance("polcing", "policing") == 1, "edit distance of a dropped letter");
	ok(edit_distance("", "abc") == 3, "edit distance from nothing");
	return tap_done();
}
