/* utf8.h - UTF-8 validation and cutting (transformations live with utf8proc) */
#ifndef JOBLINE_UTF8_H
#define JOBLINE_UTF8_H

#include <stddef.h>

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
