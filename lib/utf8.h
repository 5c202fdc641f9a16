/* utf8.h - UTF-8 validation (transformations live with utf8proc) */
#ifndef JOBLINE_UTF8_H
#define JOBLINE_UTF8_H

#include <stddef.h>

/*
 * Offset of the first byte of s[0..n) that breaks UTF-8 (overlong forms,
 * surrogates and code points past U+10FFFF break it), or n when none does.
 */
size_t utf8_check(const char *s, size_t n);

#endif
