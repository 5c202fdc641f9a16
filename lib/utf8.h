/* utf8.h - UTF-8 validation and cutting (transformations live with utf8proc) */
#ifndef JOBLINE_UTF8_H
#define JOBLINE_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * The number of ASCII bytes s[0..n) begins with: 32, then 8 bytes at a
 * time, then one (inline: the scanners' hot loop).
 */
static inline size_t
utf8_ascii_span(const unsigned char *s, size_t n)
{
	size_t i = 0;
	uint64_t w, w2, w3, w4;

	while (i + 32 <= n) {
		memcpy(&w, s + i, 8);
		memcpy(&w2, s + i + 8, 8);
		memcpy(&w3, s + i + 16, 8);
		memcpy(&w4, s + i + 24, 8);
		if ((w | w2 | w3 | w4) & 0x8080808080808080ULL)
			break;
		i += 32;
	}
	while (i + 8 <= n) {
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ULL)
			break;
		i += 8;
	}
	while (i < n && s[i] < 0x80)
		i++;
	return i;
}

/*
 * Offset of the first byte of s[0..n) that breaks UTF-8 (overlong forms,
 * surrogates and code points past U+10FFFF break it), or n when none does.
 */
size_t utf8_check(const char *s, size_t n);

/*
 * The length of s[0..len) cut to at most max bytes without splitting a
 * character: len when it fits, else max moved back to the start of the
 * character that byte max belongs to.  Reads no byte at or past len.
 */
size_t utf8_prefix(const char *s, size_t len, size_t max);

#endif
