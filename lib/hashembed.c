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
#include "util.h"

#define UNIGRAM_WEIGHT 1.0f
#define BIGRAM_WEIGHT 0.5f
#define TF_TABLE 64		/* 1 + ln(tf) for tf below this, from a table */

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

static void
count(struct hashembed *h, uint64_t f, float w)
{
	size_t mask = h->tabcap - 1, i = (size_t)(f ^ (f >> 29)) & mask;

	for (;;) {
		struct feature *e = &h->tab[i];

		if (e->gen != h->gen) {
			e->h = f;
			e->gen = h->gen;
			e->tf = 1;
			e->w = w;
			h->used[h->nused++] = i;
			if (h->nused * 2 > h->tabcap)
				grow(h);
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

/* Count the features of normalised text s[0..n). */
static void
features(struct hashembed *h, const char *s, size_t n, int ascii)
{
	size_t i = 0;
	uint64_t prev = 0;
	int have_prev = 0;

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
}

void
hashembed_vector(struct hashembed *h, const char *text, size_t len,
    float *out)
{
	int ascii = 1;
	double norm = 0;
	unsigned char *mapped = NULL;

	memset(out, 0, (size_t)h->dim * sizeof(float));
	if (++h->gen == 0) {
		/* wrapped: forget every stale stamp */
		memset(h->tab, 0, h->tabcap * sizeof(*h->tab));
		h->gen = 1;
	}
	h->nused = 0;
	/* lower-case ASCII text while looking for other bytes */
	if (len + 1 > h->lowercap) {
		h->lowercap = len + 1;
		h->lower = xrealloc(h->lower, h->lowercap);
	}
	{
		unsigned char high = 0;

		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)text[i];

			high |= c;
			h->lower[i] = (char)(c + ((unsigned char)(c - 'A') <
			    26 ? 32 : 0));
		}
		ascii = high < 0x80;
	}
	if (ascii) {
		features(h, h->lower, len, 1);
	} else {
		utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)
		    text, (utf8proc_ssize_t)len, &mapped, UTF8PROC_STABLE |
		    UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
		    UTF8PROC_IGNORE);

		if (n < 0) {
			if (n == UTF8PROC_ERROR_NOMEM)
				die_nomem();
			/* invalid UTF-8: hash it as it is */
			features(h, text, len, 0);
		} else
			features(h, (const char *)mapped, (size_t)n, 0);
		free(mapped);
	}
	for (size_t k = 0; k < h->nused; k++) {
		const struct feature *e = &h->tab[h->used[k]];
		float v = e->w * (e->tf < TF_TABLE ? tf_weight[e->tf] :
		    (float)(1.0 + log((double)e->tf)));
		/* the low 32 bits scaled to [0, dim): no division */
		size_t idx = (size_t)(((e->h & 0xffffffffu) *
		    (uint64_t)h->dim) >> 32);

		out[idx] += (e->h >> 63) ? -v : v;
	}
	for (int i = 0; i < h->dim; i++)
		norm += (double)out[i] * out[i];
	if (norm > 0) {
		float inv = (float)(1.0 / sqrt(norm));

		for (int i = 0; i < h->dim; i++)
			out[i] *= inv;
	}
}
