/* tokens.c - classify's tokenizer: see tokens.h */
#include <stdint.h>
#include <stdlib.h>

#include <utf8proc.h>
#define XXH_INLINE_ALL	/* the token hash is on the hot path */
#include <xxhash.h>

#include "tokens.h"
#include "util.h"

/* Length of the UTF-8 separator at s (punctuation, symbols), or 0. */
static const unsigned char ascii_sep[128] = {
	['\0' ... '/'] = 1, [':' ... '@'] = 1, ['[' ... '`'] = 1,
	['{' ... 0x7f] = 1
};

static inline size_t
sep_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return ascii_sep[s[0]];
	if (s[0] == 0xc2 && n >= 2 && s[1] >= 0xa0 && s[1] <= 0xbf)
		return 2;	/* nbsp, Latin-1 punctuation, £ ¥ § « » */
	if (s[0] == 0xc3 && n >= 2 && (s[1] == 0x97 || s[1] == 0xb7))
		return 2;	/* × ÷ */
	if (s[0] == 0xe2 && n >= 3 && s[1] >= 0x80 && s[1] <= 0x82)
		return 3;	/* general punctuation, currency symbols */
	if (s[0] == 0xe3 && n >= 3 && s[1] == 0x80)
		return 3;	/* CJK punctuation */
	return 0;
}

/* Byte kinds for the tokenizer: ASCII letters and digits are word bytes;
 * bytes >= 0x80 are word bytes unless sep_len says they start a
 * separator. */
enum { CK_WORD = 1, CK_DIGIT = 2, CK_UPPER = 4 };
static const unsigned char char_kind[256] = {
	['a' ... 'z'] = CK_WORD, ['A' ... 'Z'] = CK_WORD | CK_UPPER,
	['0' ... '9'] = CK_WORD | CK_DIGIT
};

/* Each byte lowercased (ASCII capitals only). */
static const unsigned char char_lower[256] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23,
	0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b,
	0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73,
	0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b,
	0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0x82, 0x83,
	0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
	0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b,
	0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3,
	0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb,
	0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
	0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xe1, 0xe2, 0xe3,
	0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb,
	0xfc, 0xfd, 0xfe, 0xff
};

/* What an ASCII byte between two tokens says about the gap. */
enum {
	G_BREAK,	/* , ; : ( ) " ! ? and the rest: ends a name */
	G_SPACE,	/* blank */
	G_LINE,		/* a line break: blank, and ends a name */
	G_APOS,		/* ' : a possessive may follow */
	G_DOTDASH,	/* . - : join a name, unless blanks are around */
	G_JOIN		/* & + @ : join a name */
};
static const unsigned char gap_kind[128] = {
	[' '] = G_SPACE, ['\t'] = G_SPACE, ['\n'] = G_LINE,
	['\r'] = G_LINE, ['\''] = G_APOS, ['.'] = G_DOTDASH,
	['-'] = G_DOTDASH, ['&'] = G_JOIN, ['+'] = G_JOIN, ['@'] = G_JOIN
};

static int
is_upper_at(const unsigned char *s, size_t n)
{
	utf8proc_int32_t c;
	utf8proc_category_t cat;

	if (s[0] < 0x80)
		return s[0] >= 'A' && s[0] <= 'Z';
	if (utf8proc_iterate(s, (utf8proc_ssize_t)n, &c) <= 0)
		return 0;
	cat = utf8proc_category(c);
	return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT;
}

uint64_t
text_hash(const char *s, size_t n)
{
	return XXH3_64bits(s, n);
}

void
text_cut(struct text *x, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	x->s = str;
	x->len = len;
	x->n = 0;
	x->digits = 0;
	x->norm.len = 0;
	fbuf_grow(&x->norm, len + 1);
	while (i < len) {
		size_t k, start;
		struct tok *t;
		uint8_t flags = 0;
		int has_apos = 0, dotdash = 0, digits;
		unsigned char kinds, upper, *o;

		/* the gap before the next token, and what it holds */
		while (i < len) {
			unsigned char c = s[i];

			if (char_kind[c] & CK_WORD)
				break;
			if (c < 0x80) {
				switch (gap_kind[c]) {
				case G_SPACE:
					flags |= TF_SPACE;
					break;
				case G_LINE:
					flags |= TF_SPACE | TF_BREAK;
					break;
				case G_APOS:
					has_apos = 1;
					break;
				case G_DOTDASH:
					dotdash = 1;
					break;
				case G_JOIN:
					break;
				default:
					flags |= TF_BREAK;
				}
				i++;
				continue;
			}
			if ((k = sep_len(s + i, len - i)) == 0)
				break;	/* a letter beyond ASCII */
			if (k == 3 && s[i + 1] == 0x80 && s[i + 2] == 0x99)
				has_apos = 1;		/* ’ */
			else if (k == 2 && s[i + 1] == 0xa0)
				flags |= TF_SPACE;	/* no-break space */
			else
				flags |= TF_BREAK;
			i += k;
		}
		if (i >= len)
			break;
		/* ". " ends a sentence; " - " is a dash */
		if (dotdash && (flags & TF_SPACE))
			flags |= TF_BREAK;
		if (x->n == 0)
			flags |= TF_BREAK;
		start = i;
		if (x->norm.len > 0)
			x->norm.s[x->norm.len++] = ' ';
		o = (unsigned char *)x->norm.s + x->norm.len;
		kinds = CK_DIGIT;
		upper = 0;
		while (i < len) {
			unsigned char c = s[i], k = char_kind[c];

			if (!(k & CK_WORD) && sep_len(s + i, len - i) != 0)
				break;
			kinds &= k;
			upper |= k;
			*o++ = char_lower[c];
			i++;
		}
		digits = (kinds & CK_DIGIT) != 0;	/* all digits */
		if (upper & CK_DIGIT)			/* some digit */
			x->digits = 1;
		if (x->n == x->cap) {
			x->cap = x->cap ? x->cap * 2 : 256;
			x->t = xrealloc(x->t, x->cap * sizeof(*x->t));
		}
		t = &x->t[x->n++];
		t->off = (uint32_t)start;
		t->len = (uint32_t)(i - start);
		if (is_upper_at(s + start, len - start) ||
		    ((upper & CK_UPPER) && !digits && ((s[start] >= '0' &&
		    s[start] <= '9') || (s[start] >= 'a' && s[start] <= 'z' &&
		    i - start > 2))))
			flags |= TF_CAP;	/* also 3M, iRobot, eBay */
		if (digits)
			flags |= TF_DIGIT;
		if (has_apos && !(flags & (TF_BREAK | TF_SPACE)) &&
		    t->len == 1 && (s[start] == 's' || s[start] == 'S'))
			flags |= TF_POSS;
		else if (has_apos && t->len == 1 && s[start] == 's' &&
		    !(flags & TF_BREAK))
			flags |= TF_POSS;	/* "Goldman ' s" */
		t->flags = flags;
		t->noff = (uint32_t)x->norm.len;
		x->norm.len += t->len;
		t->h = text_hash(x->norm.s + t->noff, t->len);
	}
	x->norm.s[x->norm.len] = '\0';
}

void
text_free(struct text *x)
{
	free(x->t);
	free(x->norm.s);
}

int
text_caps(const struct text *x, size_t i)
{
	const struct tok *t = &x->t[i];

	for (uint32_t k = 0; k < t->len; k++)
		if (x->s[t->off + k] >= 'a' && x->s[t->off + k] <= 'z')
			return 0;
	return 1;
}
