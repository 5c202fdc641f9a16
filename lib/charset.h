/*
 * charset.h - any feed's bytes to valid UTF-8, streaming.
 *
 * The encoding is chosen once, from the first bytes: a byte order mark
 * (UTF-8, UTF-16 and UTF-32 in either order), else the first bytes of
 * "<?xml" in UTF-16/32 without a mark or in EBCDIC, else the HTTP
 * charset, else the XML declaration's encoding, else UTF-8.  UTF-8 and
 * the Western single-byte names (US-ASCII, ISO-8859-1, Windows-1252,
 * ISO-8859-15) are read as UTF-8 in which any byte that breaks UTF-8 is
 * taken as Windows-1252 (ISO-8859-15's where it differs from Latin-1):
 * so a UTF-8 feed mislabelled Latin-1 and a Latin-1 feed mislabelled
 * UTF-8 both come out right.  Other encodings go through iconv(3), but
 * for the single-byte ones whose table Python has and iconv lacks or
 * gives otherwise (the Mac OS charsets, CP720: charsettab.h); bytes
 * neither can convert become U+FFFD; an encoding neither knows falls
 * back to the UTF-8 reading.
 * The output never holds a BOM, and the characters XML 1.0 forbids (C0
 * controls but tab, LF, CR; U+FFFE, U+FFFF) become spaces or U+FFFD, so
 * a strict XML parser accepts it.
 *
 * Ownership: charset_new's result is freed with charset_free; the output
 * callback's bytes are valid only during the call.
 */
#ifndef JOBLINE_CHARSET_H
#define JOBLINE_CHARSET_H

#include <stddef.h>

#include "fbuf.h"

struct charset_dec;

/* Receives converted UTF-8 text. */
typedef void charset_out_fn(void *arg, const char *s, size_t n);

/* A decoder; http_charset from Content-Type may be NULL. */
struct charset_dec *charset_new(const char *http_charset, charset_out_fn *out,
    void *arg);

/* Convert the next n bytes of input. */
void charset_push(struct charset_dec *d, const char *buf, size_t n);

/* End of input: flush what is held back. */
void charset_finish(struct charset_dec *d);

/* The encoding chosen ("UTF-8" until known); owned by d. */
const char *charset_name(const struct charset_dec *d);

/* Whether the document is read as UTF-8 (with Windows-1252 for the bytes
 * that break it), not converted by iconv. */
int charset_is_utf8(const struct charset_dec *d);

/*
 * Repair the UTF-8 text b->s[from..b->len) as feedparser does a field's
 * text: when utf8_doc and all of it is UTF-8 that was read as Latin-1 and
 * encoded again ("cafÃ©"), undo that ("café"); then U+0080..U+009F, C1
 * controls that are Windows-1252's characters read as Latin-1, become
 * those characters (U+0093 to U+201C).
 */
void charset_fix_text(struct fbuf *b, size_t from, int utf8_doc);

void charset_free(struct charset_dec *d);

#endif
