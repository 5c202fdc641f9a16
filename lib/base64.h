/*
 * base64.h - RFC 4648 base64, both halves.
 *
 * No allocation: the caller gives the output buffer, sized with the
 * macros below.
 */
#ifndef JOBLINE_BASE64_H
#define JOBLINE_BASE64_H

#include <stddef.h>

/* Bytes base64_encode writes for n input bytes (padding included). */
#define BASE64_ENCODED_LEN(n) (((n) + 2) / 3 * 4)
/* Bytes base64_decode may write for n input characters, at most. */
#define BASE64_DECODED_MAX(n) ((n) / 4 * 3 + 3)

enum {
	BASE64_SPACE = 1	/* whitespace anywhere is skipped (MIME lines) */
};

/* Encode in[0..n) into out (BASE64_ENCODED_LEN(n) bytes, no NUL);
 * returns the bytes written. */
size_t base64_encode(char *out, const unsigned char *in, size_t n);

/*
 * Decode s[0..n) into out (BASE64_DECODED_MAX(n) bytes).  Padding is
 * optional; after it only whitespace (with BASE64_SPACE) may follow.
 * Returns the bytes written, or -1 when s is not base64 (a character
 * outside the alphabet, a lone sixth bit group, text after the padding).
 */
long base64_decode(unsigned char *out, const char *s, size_t n, int flags);

#endif
