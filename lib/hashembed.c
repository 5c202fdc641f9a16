/* hashembed.c - the offline hash-v1 and hash-v2 embedders (see hashembed.h) */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "embmodel.h"
#include "hashembed.h"
#include "hmap.h"
#include "segment.h"
#include "utf8.h"
#include "util.h"

#define UNIGRAM_WEIGHT 1.0f
#define BIGRAM_WEIGHT 0.5f
#define TF_TABLE 64		/* 1 + ln(tf) for tf below this, from a table */
#define PIECE 65536		/* bytes normalised at a time, about */
#define TAB_BYTES (4 << 20)	/* the feature table may grow to this, or
				   to the size of the text (see parts) */
#define V2_SEED 2		/* hash-v2's term hashes: seed of XXH3 */
#define V2_STEM_MAX 48		/* longer words are not stemmed */
#define PREFIX_LEN 5		/* hash-v2: a word's prefix of this many bytes */
#define PREFIX_WEIGHT 0.5f	/* is a feature of this weight */
#define V3_PREFIX_LEN 4		/* hash-v3: the prefix, */
#define V3_PREFIX_WEIGHT 1.0f	/* its weight, */
#define V3_PREFIX2_LEN 6	/* and a longer one, of the same weight */
#define V3_TF_POWER 0.85	/* the term weight tf^this, */
#define V3_LEAD 4.0		/* the k-th word kept counting 1 + */
#define V3_LEAD_SCALE 20.0	/* V3_LEAD exp(-k / this) times */
#define LEAD_TABLE 256		/* (1 from here on: exp(-12.8) is nothing) */

static float tf_weight[TF_TABLE];	/* (float)(1 + ln(tf)) */
static float lead_weight[LEAD_TABLE];	/* hash-v3: of the k-th word */

struct feature {
	uint64_t h;		/* feature hash */
	uint32_t gen;		/* text it was counted for; stale otherwise */
	uint32_t tf;		/* occurrences in that text */
	float ptf;		/* hash-v3: the same, each of its lead weight */
	float w;		/* its weight (unigram or pair, times its idf) */
	int pair;		/* a pair of words, not a word */
	const int8_t *ctx;	/* hash-v2: the word's context vector, or NULL */
	float cscale;		/* its scale */
};

struct hashembed {
	int version;		/* the scheme: 1, 2 or 3 */
	float pair_w;		/* hash-v2/v3: a pair's weight, */
	float prefix_w;		/* a prefix's, */
	size_t prefix_len;	/* the prefix's bytes, */
	size_t prefix2_len;	/* hash-v3: the longer prefix's (else 0), */
	int dim;		/* components */
	const struct embmodel *m;	/* hash-v2's trained weights, or NULL;
					 * borrowed */
	char model[64];		/* "hash-v1-DIM", "hash-v2-DIM[@DIGEST]" */
	struct feature *tab;	/* open-addressing table of features */
	size_t tabcap;		/* its size, a power of two */
	uint32_t gen;		/* current text's generation */
	size_t *used;		/* slots used by the current text */
	size_t nused;		/* how many */
	char *lower;		/* ASCII text lower-cased */
	size_t lowercap;	/* its capacity */
	float *sem;		/* hash-v2: the context part of the vector */
	uint64_t prev;		/* the word before, for pairs */
	float prev_idf;		/* and its idf (hash-v2) */
	int have_prev;		/* there is one */
	size_t tabmax;		/* the most slots for the current text */
	int parts;		/* the components are counted in this many
				   passes over the text, */
	size_t lo, hi;		/* this pass the features of [lo, hi) */
	int full;		/* the table reached tabmax this pass */
	float lead;		/* hash-v3: the current word's lead weight */
	unsigned nword;		/* the words kept so far in this text */
};

/* hash-v2's stop words: dropped before stemming. */
static const char *const stopwords[] = {
	"a", "about", "after", "again", "against", "all", "also", "am", "an",
	"and", "any", "are", "as", "at", "be", "because", "been", "before",
	"being", "between", "both", "but", "by", "can", "could", "did", "do",
	"does", "doing", "down", "during", "each", "few", "for", "from",
	"further", "had", "has", "have", "having", "he", "her", "here",
	"hers", "herself", "him", "himself", "his", "how", "i", "if", "in",
	"into", "is", "it", "its", "itself", "just", "may", "me", "might",
	"more", "most", "mr", "mrs", "ms", "must", "my", "myself", "no", "nor",
	"not", "now", "of", "off", "on", "once", "only", "or", "other", "our",
	"ours", "ourselves", "out", "over", "own", "said", "same", "says",
	"shall", "she", "should", "so", "some", "such", "than", "that", "the",
	"their", "theirs", "them", "themselves", "then", "there", "these",
	"they", "this", "those", "through", "to", "too", "under", "until",
	"up", "us", "very", "was", "we", "were", "what", "when", "where",
	"which", "while", "who", "whom", "why", "will", "with", "would",
	"you", "your", "yours", "yourself", "yourselves"
};
static struct hmap stop;	/* their hashes; filled once */

static struct hashembed *
embedder_new(int version, int dim)
{
	struct hashembed *h = xcalloc(1, sizeof(*h));

	for (int i = 1; i < TF_TABLE; i++)
		tf_weight[i] = (float)(1.0 + log((double)i));
	for (int i = 0; i < LEAD_TABLE; i++)
		lead_weight[i] = (float)(1.0 + V3_LEAD * exp(-(double)i /
		    V3_LEAD_SCALE));

	h->version = version;
	h->dim = dim;
	h->pair_w = BIGRAM_WEIGHT;
	h->prefix_w = PREFIX_WEIGHT;
	h->prefix_len = PREFIX_LEN;
	h->lead = 1;
	snprintf(h->model, sizeof(h->model), "hash-v%d-%d", version, dim);
	h->tabcap = 4096;
	h->tab = xcalloc(h->tabcap, sizeof(*h->tab));
	h->used = xmalloc(h->tabcap * sizeof(*h->used));
	return h;
}

struct hashembed *
hashembed_new(int dim)
{
	return embedder_new(1, dim);
}

struct hashembed *
hashembed_new_v2(int dim, const struct embmodel *m)
{
	struct hashembed *h;

	if (stop.n == 0)
		for (size_t i = 0; i < sizeof(stopwords) / sizeof(*stopwords);
		    i++)
			hmap_put(&stop, XXH3_64bits_withSeed(stopwords[i],
			    strlen(stopwords[i]), V2_SEED), 1);
	if (m != NULL)
		dim = embmodel_dim(m);
	h = embedder_new(2, dim);
	h->m = m;
	if (m != NULL) {
		snprintf(h->model, sizeof(h->model), "hash-v2-%d@%s", dim,
		    embmodel_digest(m));
		h->sem = xmalloc((size_t)dim * sizeof(float));
	}
	return h;
}

struct hashembed *
hashembed_new_v3(int dim)
{
	struct hashembed *h = hashembed_new_v2(dim, NULL);

	h->version = 3;
	snprintf(h->model, sizeof(h->model), "hash-v3-%d", dim);
	h->pair_w = 0;
	h->prefix_w = V3_PREFIX_WEIGHT;
	h->prefix_len = V3_PREFIX_LEN;
	h->prefix2_len = V3_PREFIX2_LEN;
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
	free(h->sem);
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
	return hashembed_parse_name(name, dim, NULL) == 1;
}

int
hashembed_parse_name(const char *name, int *dim, const char **digest)
{
	char *end;
	long v;
	int version;

	if (name == NULL || strncmp(name, "hash-v", 6) != 0 ||
	    name[6] < '1' || name[6] > '3' || name[7] != '-' ||
	    name[8] < '1' || name[8] > '9')
		return 0;
	version = name[6] - '0';
	v = strtol(name + 8, &end, 10);
	if (v < 1 || v > HASHEMBED_MAXDIM)
		return 0;
	if (digest != NULL)
		*digest = NULL;
	if (*end == '@' && version == 2 && digest != NULL &&
	    embmodel_is_digest(end + 1))
		*digest = end + 1;
	else if (*end != '\0')
		return 0;
	*dim = (int)v;
	return version;
}

static void grow(struct hashembed *h);

/* Count feature f of weight w (the first time it is seen in this text);
 * a word's context vector ctx (or NULL) and its scale. */
/* The component feature f adds to: the low 32 bits scaled to [0, dim),
 * no division. */
static inline size_t
component(const struct hashembed *h, uint64_t f)
{
	return (size_t)(((f & 0xffffffffu) * (uint64_t)h->dim) >> 32);
}

static void
count(struct hashembed *h, uint64_t f, float w, int pair, const int8_t *ctx,
    float cscale)
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
			e->ptf = h->lead;
			e->w = w;
			e->pair = pair;
			e->ctx = ctx;
			e->cscale = cscale;
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
			e->ptf += h->lead;
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

/*
 * hash-v2's light English stemmer: w[0..n) (lower-case ASCII letters) is
 * cut in place; the new length.  Plurals (-ies to -y, -sses to -ss, -s),
 * then -ing and -ed after a vowel (and a doubled consonant undoubled),
 * -ly, a final -e.  It only has to send the forms of one word to one stem,
 * the same for query and text: "rises", "rising", "rise" all give "ris".
 */
static size_t
stem(char *w, size_t n)
{
#define ENDS(s) (n > sizeof(s) - 1 && memcmp(w + n - (sizeof(s) - 1), s, \
	sizeof(s) - 1) == 0)
	if (n <= 3)
		return n;
	if (ENDS("sses"))
		n -= 2;
	else if (ENDS("ies") && n > 4) {
		n -= 2;
		w[n - 1] = 'y';
	} else if (ENDS("s") && !ENDS("ss") && !ENDS("us") && !ENDS("is"))
		n--;
	if ((ENDS("ing") && n >= 6) || (ENDS("ed") && n >= 5)) {
		size_t k = n - (w[n - 1] == 'g' ? 3 : 2), i;

		for (i = 0; i < k; i++)
			if (strchr("aeiouy", w[i]) != NULL)
				break;
		if (i < k) {
			n = k;
			if (n >= 2 && w[n - 1] == w[n - 2] &&
			    strchr("aeioulsz", w[n - 1]) == NULL)
				n--;
		}
	}
	if (ENDS("ly") && n >= 6)
		n -= 2;
	if (ENDS("e") && n >= 4)
		n--;
	return n;
#undef ENDS
}

/* A word of hash-v2 (normalised, s[0..n)): dropped when it is a stop word
 * or one letter, else stemmed and counted, with the pair it ends. */
static void
word_v2(struct hashembed *h, const char *s, size_t n)
{
	char w[V2_STEM_MAX];
	uint64_t t;
	float idf = 1, cscale = 0;
	const int8_t *ctx = NULL;
	size_t i;

	if (n == 1 && !(*s >= '0' && *s <= '9'))
		return;
	t = XXH3_64bits_withSeed(s, n, V2_SEED);
	if (n <= 10 && hmap_get(&stop, t) >= 0)
		return;
	if (h->version == 3)
		h->lead = h->nword < LEAD_TABLE ? lead_weight[h->nword++] : 1;
	if (n < sizeof(w)) {
		for (i = 0; i < n && s[i] >= 'a' && s[i] <= 'z'; i++)
			w[i] = s[i];
		if (i == n && (i = stem(w, n)) != n)
			t = XXH3_64bits_withSeed(w, i, V2_SEED);
	}
	if (h->m != NULL)
		idf = embmodel_lookup(h->m, t, &ctx, &cscale);
	count(h, t, UNIGRAM_WEIGHT * idf, 0, ctx, cscale);
	if (n >= h->prefix_len) {
		/* its first letters: "japan" and "japanese" share them */
		uint64_t p = XXH3_64bits_withSeed(s, h->prefix_len,
		    V2_SEED + 1);
		float pidf = 1;

		ctx = NULL;
		if (h->m != NULL)
			pidf = embmodel_lookup(h->m, p, &ctx, &cscale);
		count(h, p, h->prefix_w * pidf, 0, ctx, cscale);
	}
	if (h->prefix2_len > 0 && n >= h->prefix2_len)
		count(h, XXH3_64bits_withSeed(s, h->prefix2_len, V2_SEED + 2),
		    h->prefix_w, 0, NULL, 0);
	if (h->have_prev && h->pair_w > 0)
		count(h, pair_hash(h->prev, t), h->pair_w * 0.5f *
		    (idf + h->prev_idf), 1, NULL, 0);
	h->prev = t;
	h->prev_idf = idf;
	h->have_prev = 1;
}

/* Count the features of normalised text s[0..n), which goes on from
 * the word before (h->prev). */
static void
features(struct hashembed *h, const char *s, size_t n, int ascii)
{
	size_t i = 0;

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
		if (h->version >= 2) {
			word_v2(h, s + a, b - a);
		} else {
			uint64_t t = XXH3_64bits_withSeed(s + a, b - a, 0);

			count(h, t, UNIGRAM_WEIGHT, 0, NULL, 0);
			if (h->have_prev)
				count(h, pair_hash(h->prev, t), BIGRAM_WEIGHT,
				    0, NULL, 0);
			h->prev = t;
			h->have_prev = 1;
		}
	}
}

/* Count the features of text[0..len) into h's table. */
/*
 * Where the piece of text[a..len) normalised next ends: about PIECE bytes
 * on, before ASCII white space, kana (U+3040..U+30FF but the combining
 * U+3099 and U+309A), a CJK ideograph (U+4E00..U+9FFF) or a Hangul
 * syllable (U+AC00..U+D77F), where neither NFKC nor a token reaches
 * across: they are starters that are never the second of a composition
 * (a syllable composes with a trailing jamo after it, never with what
 * comes before) and tokens of their own, so the pieces' features are the
 * whole text's.
 */
static size_t
piece_end(const char *text, size_t a, size_t len)
{
	const unsigned char *u = (const unsigned char *)text;
	unsigned char c, d;
	size_t p;

	if (len - a <= PIECE)
		return len;
	for (p = a + PIECE; p < len; p++) {
		c = u[p];
		if (c == ' ' || (c >= '\t' && c <= '\r'))
			return p;
		if (c < 0xe3 || c > 0xed || p + 1 >= len)
			continue;
		d = u[p + 1];
		if ((c == 0xe3 && d >= 0x81 && d <= 0x83 &&
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
features_piece(struct hashembed *h, const char *s, size_t n)
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
		features(h, h->lower, n, 1);
		return;
	}
	m = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n,
	    &mapped, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
	    UTF8PROC_CASEFOLD | UTF8PROC_IGNORE | (h->version >= 2 ?
	    UTF8PROC_STRIPMARK : 0));
	if (m < 0)
		die_nomem();	/* the text is valid UTF-8 */
	features(h, (const char *)mapped, (size_t)m, 0);
	free(mapped);
}

/* Count the features of text[0..len) with components [lo, hi) of parts;
 * the bytes read before the table filled (len when it did not). */
static size_t
count_text_part(struct hashembed *h, const char *text, size_t len,
    int valid)
{
	size_t done, b;

	if (++h->gen == 0) {
		/* wrapped: forget every stale stamp */
		memset(h->tab, 0, h->tabcap * sizeof(*h->tab));
		h->gen = 1;
	}
	h->nused = 0;
	h->have_prev = 0;
	h->full = 0;
	h->nword = 0;
	if (!valid) {
		/* not UTF-8: hashed as it is */
		features(h, text, len, 0);
		return len;
	}
	for (done = 0; done < len && !h->full; done = b) {
		b = piece_end(text, done, len);
		features_piece(h, text + done, b - done);
	}
	return done;
}

/* Count the features of all of text[0..len) at once. */
static void
count_text(struct hashembed *h, const char *text, size_t len)
{
	h->parts = 1;
	h->tabmax = SIZE_MAX;
	count_text_part(h, text, len, utf8_check(text, len) == len);
}

static void
normalise(float *v, int dim)
{
	double norm = 0;

	for (int i = 0; i < dim; i++)
		norm += (double)v[i] * v[i];
	if (norm > 0) {
		double d = 1.0 / sqrt(norm);
		float inv = (float)d;

		if (isfinite(inv))
			for (int i = 0; i < dim; i++)
				v[i] *= inv;
		else	/* tiny components (a damaged model's scale) */
			for (int i = 0; i < dim; i++)
				v[i] = (float)(v[i] * d);
	}
}

void
hashembed_vector(struct hashembed *h, const char *text, size_t len,
    float *out)
{
	int nsem = 0, valid = utf8_check(text, len) == len;

	memset(out, 0, (size_t)h->dim * sizeof(float));
	if (h->sem != NULL)
		memset(h->sem, 0, (size_t)h->dim * sizeof(float));
	/* a trained model's context vectors sum over every feature: one
	 * pass */
	h->tabmax = h->m != NULL ? SIZE_MAX : (len > TAB_BYTES ? len :
	    TAB_BYTES) / (sizeof(*h->tab) + sizeof(*h->used));
	h->parts = 1;
	for (int part = 0; part < h->parts;) {
		size_t done;

		h->lo = (size_t)part * (size_t)h->dim / (size_t)h->parts;
		h->hi = (size_t)(part + 1) * (size_t)h->dim /
		    (size_t)h->parts;
		done = count_text_part(h, text, len, valid);
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
			float v = e->w * (h->version == 3 ?
			    (float)pow((double)e->ptf, V3_TF_POWER) :
			    e->tf < TF_TABLE ? tf_weight[e->tf] :
			    (float)(1.0 + log((double)e->tf)));

			out[component(h, e->h)] += (e->h >> 63) ? -v : v;
			if (e->ctx != NULL) {
				float c = v * e->cscale;

				for (int i = 0; i < h->dim; i++)
					h->sem[i] += c * (float)e->ctx[i];
				nsem++;
			}
		}
		part++;
	}
	normalise(out, h->dim);
	if (nsem > 0) {
		float lambda = embmodel_context_weight(h->m);

		normalise(h->sem, h->dim);
		for (int i = 0; i < h->dim; i++)
			out[i] += lambda * h->sem[i];
		normalise(out, h->dim);
	}
}

void
hashembed_terms(struct hashembed *h, const char *text, size_t len,
    void (*fn)(void *arg, uint64_t term, unsigned tf), void *arg)
{
	count_text(h, text, len);
	for (size_t k = 0; k < h->nused; k++) {
		const struct feature *e = &h->tab[h->used[k]];

		if (!e->pair)
			fn(arg, e->h, e->tf);
	}
}

int
hashembed_index(const struct hashembed *h, uint64_t f, float *sign)
{
	*sign = (f >> 63) ? -1.0f : 1.0f;
	return (int)(((f & 0xffffffffu) * (uint64_t)h->dim) >> 32);
}
