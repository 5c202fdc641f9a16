/*
 * charsettab.h - single-byte encodings that lib/charset.c reads from its
 * own tables (private to lib/charset.c).
 */
#ifndef JOBLINE_CHARSETTAB_H
#define JOBLINE_CHARSETTAB_H

#include <stdint.h>

/*
 * The table of the encoding named norm (in the form of Python's codec
 * lookup: lower case, '_' between words): the code points of bytes
 * 0x80..0xFF, 0 for a byte without a character; NULL when iconv(3) is
 * to read it.  Static storage, never freed.
 */
const uint16_t *charset_table(const char *norm);

#endif
