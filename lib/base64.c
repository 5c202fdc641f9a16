/* base64.c - RFC 4648 base64 (see base64.h) */
#include <ctype.h>

#include "base64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
base64_encode(char *out, const unsigned char *in, size_t n)
{
	char *p = out;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 |
		    in[i + 2];

		*p++ = alphabet[v >> 18];
		*p++ = alphabet[(v >> 12) & 63];
		*p++ = alphabet[(v >> 6) & 63];
		*p++ = alphabet[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)in[i] << 16 |
		    (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0);

		*p++ = alphabet[v >> 18];
		*p++ = alphabet[(v >> 12) & 63];
		*p++ = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
		*p++ = '=';
	}
	return (size_t)(p - out);
}

/* The 6-bit value of base64 character c, or -1. */
static int
sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long
base64_decode(unsigned char *out, const char *s, size_t n, int flags)
{
	unsigned long v = 0;
	long o = 0;
	size_t i;
	int bits = 0, groups = 0, pad = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int x;

		if ((flags & BASE64_SPACE) && isspace(c))
			continue;
		if (c == '=') {
			pad = 1;
			continue;
		}
		if (pad || (x = sextet(c)) < 0)
			return -1;
		v = (v << 6 | (unsigned)x) & 0xFFFFFF;
		bits += 6;
		groups++;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits);
		}
	}
	if (groups % 4 == 1)
		return -1;	/* six bits cannot end a byte */
	return o;
}
