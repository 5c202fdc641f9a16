/* hashembed.c - the offline hash-v1 embedder (see hashembed.h) */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "hashembed.h"
#include "segment.h"
#include "utf8.h"
#include "util.h"

#define UNIGRAM_WEIGHT 1.0f
#define BIGRAM_WEIGHT 0.5f
#define TF_TABLE 64		/* 1 + ln(tf) for tf below this, from a table */
#define PIECE 65536		/* bytes normalised at a time, about */
#define TAB_BYTES (4 << 20)	/* the feature table may grow to this, or
				   to the size of the text */

static float tf_weight[TF_TABLE];	/* (float)(1 + ln(tf)) */

struct feature {
	uint64_t h;		/* feature hash */
	uint32_t gen;		/* text it was counted for; stale otherwise */
	uint32_t tf;		/* occurrences in that text */
	float w;		/* its weight (unigram or pair) */
};

struct hashembed {
	int dim;		/* components */
	char model[32];		/* "hash-v1-DIM" */
	struct feature *tab;	/* open-addressing table of features */
	size_t tabcap;		/* its size, a power of two */
	uint32_t gen;		/* current text's generation */
	size_t *used;		/* slots used by the current text */
	size_t nused;		/* how many */
	char *lower;		/* ASCII text lower-cased */
	size_t lowercap;	/* its capacity */
	size_t tabmax;		/* the most slots for the current text */
	int parts;		/* the components are counted in this many
				   passes over the text, */
	size_t lo, hi;		/* this pass the features of [lo, hi) */
	int full;		/* the table reached tabmax this pass */
};

/* Where features() is in the text: the token before, for pairs. */
struct feat_state {
	uint64_t prev;		/* hash of the token before */
	int have_prev;		/* there was one */
};

struct hashembed *
hashembed_new(int dim)
{
	struct hashembed *h = xcalloc(1, sizeof(*h));

	for (int i = 1; i < TF_TABLE; i++)
		tf_weight[i] = (float)(1.0 + log((double)i));

	h->dim = dim;
	snprintf(h->model, sizeof(h->model), "hash-v1-%d", dim);
	h->tabcap = 4096;
	h->tab = xcalloc(h->tabcap, sizeof(*h->tab));
	h->used = xmalloc(h->tabcap * sizeof(*h->used));
	return h;
}

void
hashembed_free(struct hashembed *h)
{
	if (h == NULL)
		return;
	free(h->tab);
	free(h->used);
	free(h->lower);
	free(h);
}

int
hashembed_dim(const struct hashembed *h)
{
	return h->dim;
}

const char *
hashembed_model(const struct hashembed *h)
{
	return h->model;
}

int
hashembed_parse_model(const char *name, int *dim)
{
	char *end;
	long v;

	if (name == NULL || strncmp(name, "hash-v1-", 8) != 0)
		return 0;
	v = strtol(name + 8, &end, 10);
	if (*end != '\0' || v < 1 || v > HASHEMBED_MAXDIM)
		return 0;
	*dim = (int)v;
	return 1;
}

static void grow(struct hashembed *h);

/* The component feature f adds to: the low 32 bits scaled to [0, dim),
 * no division. */
static inline size_t
component(const struct hashembed *h, uint64_t f)
{
	return (size_t)(((f & 0xffffffffu) * (uint64_t)h->dim) >> 32);
}

static void
count(struct hashembed *h, uint64_t f, float w)
{
	size_t mask = h->tabcap - 1, i = (size_t)(f ^ (f >> 29)) & mask;

	if (h->full)
		return;		/* the pass will be made again, finer */
	if (h->parts > 1) {
		size_t c = component(h, f);

		if (c < h->lo || c >= h->hi)
			return;
	}

	for (;;) {
		struct feature *e = &h->tab[i];

		if (e->gen != h->gen) {
			e->h = f;
			e->gen = h->gen;
			e->tf = 1;
			e->w = w;
			h->used[h->nused++] = i;
			if (h->nused * 2 > h->tabcap) {
				if (h->tabcap * 2 > h->tabmax &&
				    h->parts < h->dim)
					h->full = 1;
				else
					grow(h);
			}
			return;
		}
		if (e->h == f) {
			e->tf++;
			return;
		}
		i = (i + 1) & mask;
	}
}

/* Double the table, keeping the current text's features. */
static void
grow(struct hashembed *h)
{
	struct feature *old = h->tab;
	size_t *oldused = h->used, n = h->nused;

	h->tabcap *= 2;
	h->tab = xcalloc(h->tabcap, sizeof(*h->tab));
	h->used = xmalloc(h->tabcap * sizeof(*h->used));
	h->nused = 0;
	for (size_t k = 0; k < n; k++) {
		struct feature *e = &old[oldused[k]];
		size_t mask = h->tabcap - 1;
		size_t i = (size_t)(e->h ^ (e->h >> 29)) & mask;

		while (h->tab[i].gen == h->gen)
			i = (i + 1) & mask;
		h->tab[i] = *e;
		h->used[h->nused++] = i;
	}
	free(old);
	free(oldused);
}

static uint64_t
pair_hash(uint64_t a, uint64_t b)
{
	unsigned char buf[8];

	for (int i = 0; i < 8; i++)
		buf[i] = (unsigned char)(b >> (8 * i));
	return XXH3_64bits_withSeed(buf, sizeof(buf), a);
}

static int
is_word_cp(int cp)
{
	utf8proc_category_t cat = utf8proc_category(cp);

	return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
	    (cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME) ||
	    (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
}

/* A character that is a token by itself: scripts written without spaces. */
static int
is_solo_cp(int cp)
{
	return (cp >= 0x3040 && cp <= 0x30ff) ||	/* kana */
	    (cp >= 0x3400 && cp <= 0x4dbf) ||
	    (cp >= 0x4e00 && cp <= 0x9fff) ||
	    (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xac00 && cp <= 0xd7af) ||		/* Hangul */
	    (cp >= 0x20000 && cp <= 0x3134f);
}

static inline int
ascii_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Count the features of normalised text s[0..n), which goes on from
 * where st was left. */
static void
features(struct hashembed *h, const char *s, size_t n, int ascii,
    struct feat_state *st)
{
	size_t i = 0;
	uint64_t prev = st->prev;
	int have_prev = st->have_prev;

	while (i < n) {
		size_t a, b;
		int cp;

		if (ascii) {
			while (i < n && !ascii_word((unsigned char)s[i]))
				i++;
			if (i >= n)
				break;
			a = i;
			while (i < n && ascii_word((unsigned char)s[i]))
				i++;
			b = i;
		} else {
			size_t k = seg_decode(s + i, n - i, &cp);

			if (!is_word_cp(cp)) {
				i += k;
				continue;
			}
			a = i;
			i += k;
			if (!is_solo_cp(cp)) {
				while (i < n) {
					k = seg_decode(s + i, n - i, &cp);
					if (!is_word_cp(cp) || is_solo_cp(cp))
						break;
					i += k;
				}
			}
			b = i;
		}
		{
			uint64_t t = XXH3_64bits_withSeed(s + a, b - a, 0);

			count(h, t, UNIGRAM_WEIGHT);
			if (have_prev)
				count(h, pair_hash(prev, t), BIGRAM_WEIGHT);
			prev = t;
			have_prev = 1;
		}
	}
	st->prev = prev;
	st->have_prev = have_prev;
}

/*
 * Where the piece of text[a..len) normalised next ends: about PIECE bytes
 * on, before ASCII white space, kana (U+3040..U+30FF but the combining
 * U+3099 and U+309A), a CJK ideograph
 * (U+4E00..U+9FFF) or a Hangul syllable (U+AC00..U+D77F), where neither
 * NFKC nor a token reaches across: they are starters that are never the
 * second of a composition (a syllable composes with a trailing jamo
 * after it, never with what comes before) and tokens of their own, so
 * the pieces' features are the whole text's.
 */
static size_t
piece_end(const char *text, size_t a, size_t len)
{
	const unsigned char *u = (const unsigned char *)text;
	unsigned char d;
	size_t p;

	if (len - a <= PIECE)
		return len;
	for (p = a + PIECE; p < len; p++) {
		unsigned char c = u[p];

		if (c == ' ' || (c >= '\t' && c <= '\r'))
			return p;
		if (c < 0xe3 || c > 0xed || p + 1 >= len)
			continue;
		d = u[p + 1];
		if ((c == 0xe3 && d >= 0x81 && d <= 0x83 &&
		    /* but the combining voiced marks U+3099, U+309A */
		    !(d == 0x82 && p + 2 < len && (u[p + 2] == 0x99 ||
		    u[p + 2] == 0x9a))) ||
		    (c == 0xe4 && d >= 0xb8) || (c >= 0xe5 && c <= 0xe9) ||
		    (c == 0xea && d >= 0xb0) || c == 0xeb || c == 0xec ||
		    (c == 0xed && d < 0x9e))
			return p;
	}
	return len;
}

/* Count the features of the piece s[0..n) of a valid UTF-8 text. */
static void
features_piece(struct hashembed *h, const char *s, size_t n,
    struct feat_state *st)
{
	unsigned char *mapped = NULL;
	utf8proc_ssize_t m;
	unsigned char high = 0;

	for (size_t i = 0; i < n; i++)
		high |= (unsigned char)s[i];
	if (high < 0x80) {
		/* lower-cased directly: what NFKC and case folding make of
		 * ASCII */
		if (n + 1 > h->lowercap) {
			h->lowercap = n + 1;
			h->lower = xrealloc(h->lower, h->lowercap);
		}
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];

			h->lower[i] = (char)(c + ((unsigned char)(c - 'A') <
			    26 ? 32 : 0));
		}
		features(h, h->lower, n, 1, st);
		return;
	}
	m = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n,
	    &mapped, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
	    UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
	if (m < 0)
		die_nomem();	/* the text is valid UTF-8 */
	features(h, (const char *)mapped, (size_t)m, 0, st);
	free(mapped);
}

/*
 * The embedding, a pass over the text for each part of the components:
 * one pass unless the text has more distinct features than half a table
 * of TAB_BYTES or the text's size holds, when the parts are made as many
 * as the pass that filled it says will fit.  A component adds the same
 * features in the same order whatever the parts (the order they first
 * occur in), so the vector is the same to the bit.
 */
void
hashembed_vector(struct hashembed *h, const char *text, size_t len,
    float *out)
{
	double norm = 0;
	int valid;

	valid = utf8_check(text, len) == len;
	h->tabmax = (len > TAB_BYTES ? len : TAB_BYTES) /
	    (sizeof(*h->tab) + sizeof(*h->used));
	h->parts = 1;
	memset(out, 0, (size_t)h->dim * sizeof(float));
	for (int part = 0; part < h->parts;) {
		struct feat_state st = { 0, 0 };
		size_t done, b;

		if (++h->gen == 0) {
			/* wrapped: forget every stale stamp */
			memset(h->tab, 0, h->tabcap * sizeof(*h->tab));
			h->gen = 1;
		}
		h->nused = 0;
		h->full = 0;
		h->lo = (size_t)part * (size_t)h->dim / (size_t)h->parts;
		h->hi = (size_t)(part + 1) * (size_t)h->dim /
		    (size_t)h->parts;
		if (!valid) {
			/* not UTF-8: hashed as it is */
			features(h, text, len, 0, &st);
			done = len;
		} else
			for (done = 0; done < len && !h->full; done = b) {
				b = piece_end(text, done, len);
				features_piece(h, text + done, b - done, &st);
			}
		if (h->full) {
			/* the table filled at done of len bytes: parts for
			 * all of it, and some room */
			size_t want = (size_t)h->parts * 2 *
			    (len / (done > 0 ? done : 1) + 1);

			h->parts = want < (size_t)h->dim ? (int)want : h->dim;
			part = 0;
			memset(out, 0, (size_t)h->dim * sizeof(float));
			continue;
		}
		for (size_t k = 0; k < h->nused; k++) {
			const struct feature *e = &h->tab[h->used[k]];
			float v = e->w * (e->tf < TF_TABLE ? tf_weight[e->tf] :
			    (float)(1.0 + log((double)e->tf)));

			out[component(h, e->h)] += (e->h >> 63) ? -v : v;
		}
		part++;
	}
	for (int i = 0; i < h->dim; i++)
		norm += (double)out[i] * out[i];
	if (norm > 0) {
		float inv = (float)(1.0 / sqrt(norm));

		for (int i = 0; i < h->dim; i++)
			out[i] *= inv;
	}
}
