/*
 * utf8.h - strict UTF-8 decoding and the character classes the checks need.
 *
 * Strict means: no overlong forms, no surrogates, nothing past U+10FFFF.
 */
#ifndef PR_UTF8_H
#define PR_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes one character at s; returns its length in bytes (1-4), or 0 when
 * the bytes there are not valid UTF-8 (or len is 0). */
size_t utf8_decode(const char *s, size_t len, uint32_t *out);

/* Offset of the first invalid byte, or len when all of s is valid. */
size_t utf8_validate(const char *s, size_t len);

/* Number of characters in s (invalid bytes count one each). */
size_t utf8_width(const char *s, size_t len);

/* U+061C, U+200E-200F, U+202A-202E, U+2066-2069: characters that reorder
 * text for display and can make a headline read differently than it is. */
int utf8_is_bidi_control(uint32_t cp);

#endif
