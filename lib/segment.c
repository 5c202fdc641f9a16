/* segment.c - words, sentences and paragraphs of UTF-8 text */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "segment.h"
#include "util.h"

size_t
seg_decode(const char *str, size_t len, int *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned c = s[0], v;
	size_t k, i;

	if (c < 0x80) {
		*cp = (int)c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		k = 1, v = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		k = 2, v = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 3, v = c & 0x07;
	else
		goto bad;
	if (k >= len)
		goto bad;
	for (i = 1; i <= k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		v = (v << 6) | (s[i] & 0x3f);
	}
	*cp = (int)v;
	return k + 1;
bad:
	*cp = 0xfffd;
	return 1;
}

int
seg_is_space(int cp)
{
	utf8proc_category_t cat;

	if (cp < 0x80)
		return cp == ' ' || (cp >= '\t' && cp <= '\r');
	if (cp == 0x85)
		return 1;
	cat = utf8proc_category(cp);
	return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
	    cat == UTF8PROC_CATEGORY_ZP;
}

static int
is_cjk_stop(int cp)
{
	return cp == 0x3002 || cp == 0xff01 || cp == 0xff1f || cp == 0xff61;
}

/* Closing quotes and brackets that may follow a terminator. */
static int
is_closer(int cp)
{
	switch (cp) {
	case '"': case '\'': case ')': case ']': case '}':
	case 0x2019: case 0x201d: case 0xbb: case 0x203a:
	case 0x300d: case 0x300f: case 0xff09: case 0x3011: case 0x3015:
	case 0xff63: case 0x300b: case 0x3009:
		return 1;
	}
	return 0;
}

/* Opening quotes and brackets that may come before a sentence's word. */
static int
is_opener(int cp)
{
	switch (cp) {
	case '"': case '\'': case '(': case '[': case '{':
	case 0x2018: case 0x201c: case 0xab: case 0x2039: case 0xbf: case 0xa1:
	case 0x300c: case 0x300e: case 0xff08: case 0x3010: case 0x3014:
		return 1;
	}
	return 0;
}

/* Title abbreviations and the like: a full stop after them ends nothing. */
static int
is_title_abbrev(const char *s, size_t n)
{
	static const char *const abbrev[] = { "mr", "mrs", "ms", "dr", "prof",
	    "sr", "jr", "st", "mt", "gen", "col", "lt", "sgt", "capt", "rev",
	    "hon", "fig", "vs", "no", "nos", "vol", "pp", "approx", "cf",
	    "ca", "messrs", "mme", "mlle", "gov", "sen", "rep", "pres", NULL };
	char low[8];

	if (n == 0 || n >= sizeof(low))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80)
			return 0;
		low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	low[n] = '\0';
	for (int i = 0; abbrev[i] != NULL; i++)
		if (abbrev[i][0] == low[0] && strcmp(low, abbrev[i]) == 0)
			return 1;
	/* a single-letter initial: "J." */
	return n == 1 && ((low[0] >= 'a' && low[0] <= 'z'));
}

/* The last code point of s[a..b) and where it starts. */
static int
last_cp(const char *s, size_t a, size_t b, size_t *at)
{
	size_t i = b;
	int cp;

	if (i <= a)
		return -1;
	i--;
	while (i > a && ((unsigned char)s[i] & 0xc0) == 0x80 && b - i < 4)
		i--;
	seg_decode(s + i, b - i, &cp);
	*at = i;
	return cp;
}

/* How the next word begins: 1 lower-case letter, 0 anything else. */
static int
starts_lower(const char *s, size_t a, size_t b)
{
	int cp;

	while (a < b) {
		a += seg_decode(s + a, b - a, &cp);
		if (is_opener(cp))
			continue;
		return utf8proc_category(cp) == UTF8PROC_CATEGORY_LL;
	}
	return 0;
}

/* Does word w end a sentence?  next is the word after it, or NULL. */
static int
ends_sentence(const char *s, const struct seg_word *w,
    const struct seg_word *next)
{
	size_t a = w->start, b = w->end, at;
	int cp;

	/* past closing quotes and brackets */
	while ((cp = last_cp(s, a, b, &at)) >= 0 && is_closer(cp))
		b = at;
	if (cp < 0)
		return 0;
	if (is_cjk_stop(cp) || cp == 0x964 || cp == 0x965 || cp == 0x61f ||
	    cp == 0x6d4 || cp == 0x203c || cp == 0x2047 || cp == 0x2049)
		return 1;
	if (next == NULL || (next->flags & SEG_PARA))
		return cp == '.' || cp == '!' || cp == '?' || cp == 0x2026;
	if (cp == '!' || cp == '?' || cp == 0x2026)
		return !starts_lower(s, next->start, next->end);
	if (cp != '.')
		return 0;
	if (starts_lower(s, next->start, next->end))
		return 0;
	/* the word before its stop(s), past opening quotes */
	while (b > a && s[b - 1] == '.')
		b--;
	while (a < b && (s[a] == '(' || s[a] == '"' || s[a] == '\''))
		a++;
	return !is_title_abbrev(s + a, b - a);
}

/* ASCII characters a sentence may end with (terminators and closers). */
static const unsigned char maybe_end[128] = {
	['.'] = 1, ['!'] = 1, ['?'] = 1, ['"'] = 1, ['\''] = 1, [')'] = 1,
	[']'] = 1, ['}'] = 1
};

/* ASCII white space: the fast path of seg_is_space. */
static const unsigned char ascii_space[128] = {
	['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1
};

/*
 * The end of the run of printable ASCII (no space, control or non-ASCII
 * byte) at u[pos], 8 bytes at a time while they last.
 */
static inline size_t
ascii_run(const unsigned char *u, size_t pos, size_t len)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;

	while (pos + 8 <= len) {
		uint64_t x, stop;

		memcpy(&x, u + pos, 8);
		/* bytes below 0x21, or with the top bit set */
		stop = ((x - ones * 0x21) & ~x & highs) | (x & highs);
		if (stop != 0) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return pos + (size_t)(__builtin_ctzll(stop) >> 3);
#else
			break;
#endif
		}
		pos += 8;
	}
	while (pos < len && u[pos] > 0x20 && u[pos] < 0x80)
		pos++;
	return pos;
}

/*
 * Scan the next word of it's text into *w (flags SEG_LINE and SEG_PARA
 * only); 0 at the end of the text.
 */
static int
scan_word(struct seg_iter *it, struct seg_word *w)
{
	const char *s = it->s;
	const unsigned char *u = (const unsigned char *)s;
	size_t pos = it->pos, cpos = it->cpos, nl = it->nl;
	size_t len = it->len, max_chars = it->max_chars;
	size_t start, cstart, k;
	int cp, found = 0;

	while (pos < len) {
		if (u[pos] < 0x80) {
			if (ascii_space[u[pos]]) {
				nl += u[pos] == '\n';
				pos++;
				cpos++;
				continue;
			}
			cp = u[pos];
			k = 1;
		} else {
			k = seg_decode(s + pos, len - pos, &cp);
			if (seg_is_space(cp)) {
				if (cp == 0x2028)
					nl++;
				else if (cp == 0x2029)
					nl += 2;
				pos += k;
				cpos++;
				continue;
			}
		}
		w->flags = nl >= 2 ? SEG_PARA | SEG_LINE : nl == 1 ?
		    SEG_LINE : 0;
		nl = 0;
		start = pos;
		cstart = cpos;
		for (;;) {
			pos += k;
			cpos++;
			if (cp >= 0x3002 && is_cjk_stop(cp)) {
				/* the stop, and any stops and closers after it
				 * (a word still ends at max_chars) */
				while (pos < len && (max_chars == 0 ||
				    cpos - cstart < max_chars)) {
					k = seg_decode(s + pos, len - pos, &cp);
					if (!is_cjk_stop(cp) && !is_closer(cp))
						break;
					pos += k;
					cpos++;
				}
				break;
			}
			if (max_chars > 0 && cpos - cstart >= max_chars)
				break;
			/* the ASCII run of the word */
			if (max_chars == 0) {
				size_t from = pos;

				pos = ascii_run(u, pos, len);
				cpos += pos - from;
			}
			if (pos >= len)
				break;
			if (u[pos] < 0x80) {
				if (ascii_space[u[pos]])
					break;
				cp = u[pos];
				k = 1;
				continue;
			}
			k = seg_decode(s + pos, len - pos, &cp);
			if (seg_is_space(cp))
				break;
		}
		w->start = start;
		w->end = pos;
		w->cstart = cstart;
		w->cend = cpos;
		found = 1;
		break;
	}
	it->pos = pos;
	it->cpos = cpos;
	it->nl = nl;
	return found;
}

void
seg_iter_init(struct seg_iter *it, const char *s, size_t len,
    size_t max_chars)
{
	memset(it, 0, sizeof(*it));
	it->s = s;
	it->len = len;
	it->max_chars = max_chars;
	it->ahead = scan_word(it, &it->next);
}

int
seg_iter_next(struct seg_iter *it, struct seg_word *w)
{
	unsigned char last;

	if (!it->ahead)
		return 0;
	*w = it->next;
	it->ahead = scan_word(it, &it->next);
	/* most words end in a letter: no sentence end there */
	last = (unsigned char)it->s[w->end - 1];
	if ((last >= 0x80 || maybe_end[last]) &&
	    ends_sentence(it->s, w, it->ahead ? &it->next : NULL))
		w->flags |= SEG_SENT_END;
	return 1;
}

void
seg_words(const char *s, size_t len, size_t max_chars, struct seg_words *out)
{
	struct seg_iter it;

	out->n = 0;
	seg_iter_init(&it, s, len, max_chars);
	for (;;) {
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 256;
			out->w = xrealloc(out->w, out->cap * sizeof(*out->w));
		}
		if (!seg_iter_next(&it, &out->w[out->n]))
			break;
		out->n++;
	}
}

int
seg_sentence_start(const struct seg_words *ws, size_t i)
{
	return i == 0 || (ws->w[i].flags & SEG_PARA) ||
	    (ws->w[i - 1].flags & SEG_SENT_END);
}

void
seg_free(struct seg_words *out)
{
	free(out->w);
	memset(out, 0, sizeof(*out));
}

size_t
seg_clip(const char *s, size_t len, size_t max, int *cut)
{
	size_t i = 0, chars = 0, lastspace = 0;
	int cp;

	*cut = 0;
	while (i < len) {
		if (chars == max) {
			*cut = 1;
			return lastspace > 0 ? lastspace : i;
		}
		i += seg_decode(s + i, len - i, &cp);
		chars++;
		if (seg_is_space(cp))
			lastspace = i;
	}
	return len;
}
