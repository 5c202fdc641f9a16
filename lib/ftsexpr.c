/* ftsexpr.c - a user's query as FTS5 query expressions (see ftsexpr.h) */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ftsexpr.h"
#include "segment.h"
#include "util.h"

/* Non-zero when cp belongs to a word: not whitespace, not ASCII
 * punctuation (FTS5's unicode61 splits there too). */
static int
word_char(int cp)
{
	if (seg_is_space(cp))
		return 0;
	return cp >= 0x80 || cp == '_' || (cp >= '0' && cp <= '9') ||
	    ((cp | 32) >= 'a' && (cp | 32) <= 'z');
}

/* The next word of q[*i..len): its start and length; 0 when none is
 * left. */
static int
next_word(const char *q, size_t len, size_t *i, size_t *start, size_t *n)
{
	int cp;

	while (*i < len) {
		size_t k = seg_decode(q + *i, len - *i, &cp);

		if (word_char(cp))
			break;
		*i += k;
	}
	if (*i >= len)
		return 0;
	*start = *i;
	while (*i < len) {
		size_t k = seg_decode(q + *i, len - *i, &cp);

		if (!word_char(cp))
			break;
		*i += k;
	}
	*n = *i - *start;
	return 1;
}

/* English words too common to make a pair (the words query keeps
 * them: BM25 gives them next to no weight there). */
static const char *const stopwords[] = {
	"a", "an", "and", "are", "as", "at", "be", "but", "by", "for",
	"from", "has", "he", "i", "in", "is", "it", "its", "not", "of", "on",
	"or", "s", "t", "that", "the", "this", "they", "to", "was", "we",
	"were", "will", "with", "you"
};

static int
is_stopword(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof(stopwords) / sizeof(stopwords[0]);
	    i++)
		if (strlen(stopwords[i]) == n &&
		    strncasecmp(stopwords[i], w, n) == 0)
			return 1;
	return 0;
}

/* Append word w[0..n) as an FTS5 string; it holds no '"' (that is
 * punctuation), so quoting is only the marks around it. */
static size_t
put_word(char *out, size_t o, const char *w, size_t n)
{
	out[o++] = '"';
	memcpy(out + o, w, n);
	o += n;
	out[o++] = '"';
	return o;
}

char *
ftsexpr_words(const char *q)
{
	size_t len = strlen(q), i = 0, o = 0, a, n;
	char *out = xmalloc(3 * len + 8);	/* "w" OR per word of 1+ */

	while (next_word(q, len, &i, &a, &n)) {
		if (o > 0) {
			memcpy(out + o, " OR ", 4);
			o += 4;
		}
		o = put_word(out, o, q + a, n);
	}
	out[o] = '\0';
	if (o == 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* A word's place in the query. */
struct span {
	size_t start;		/* its first byte */
	size_t n;		/* its length in bytes */
};

char *
ftsexpr_pairs(const char *q)
{
	size_t len = strlen(q), i = 0, o = 0, nw = 0, nk = 0;
	struct span *w = xcalloc(len / 2 + 2, sizeof(*w)), *k = w;
	char *out = NULL;

	while (next_word(q, len, &i, &w[nw].start, &w[nw].n))
		nw++;
	/* the words that are not stopwords, when two are left; w[] is
	 * overwritten in place, never ahead of the word read */
	for (size_t j = 0; j < nw; j++)
		if (!is_stopword(q + w[j].start, w[j].n))
			nk++;
	if (nk >= 2) {
		nk = 0;
		for (size_t j = 0; j < nw; j++)
			if (!is_stopword(q + w[j].start, w[j].n))
				k[nk++] = w[j];
	} else
		nk = nw;
	if (nk < 2)
		goto out;
	out = xmalloc(11 * len + 32);	/* NEAR("a" "b", 2) OR per pair */
	for (size_t j = 1; j < nk; j++) {
		if (o > 0) {
			memcpy(out + o, " OR ", 4);
			o += 4;
		}
		memcpy(out + o, "NEAR(", 5);
		o = put_word(out, o + 5, q + k[j - 1].start, k[j - 1].n);
		out[o++] = ' ';
		o = put_word(out, o, q + k[j].start, k[j].n);
		memcpy(out + o, ", 2)", 4);
		o += 4;
	}
	out[o] = '\0';
out:
	free(w);
	return out;
}
