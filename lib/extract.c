/*
 * extract.c - the extractive summariser; see extract.h and summarize(1).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "extract.h"
#include "hashembed.h"
#include "segment.h"
#include "util.h"
#include "vec.h"

#define MAX_CANDIDATES 400	/* sentences considered per article */

/* Weights of the extractive score (see summarize(1)). */
#define W_TITLE 0.8f		/* similarity to the title */
#define W_LEAD 0.2f		/* the first sentence */
#define W_POSITION 0.1f		/* falls linearly from first to last */
#define SHORT_WORDS 5		/* sentences shorter than this ... */
#define W_SHORT 0.25f		/* ... lose this much */
#define REDUNDANT 0.85f		/* similarity of a near-duplicate */

/* ---- building the synopsis ---- */

static void
out_reserve(struct extract *x, size_t more)
{
	if (x->outlen + more + 1 > x->outcap) {
		x->outcap = (x->outlen + more + 1) * 2;
		x->out = xrealloc(x->out, x->outcap);
	}
}

static void
out_add(struct extract *x, const char *s, size_t n)
{
	out_reserve(x, n);
	memcpy(x->out + x->outlen, s, n);
	x->outlen += n;
	x->out[x->outlen] = '\0';
}

/*
 * Append at most max characters of the word s[0..n) and return how many
 * went in: the whole word, else as many characters as fit, cut at a
 * grapheme cluster boundary (never inside a UTF-8 sequence, nor between a
 * letter and its combining marks).
 */
static size_t
out_add_cut(struct extract *x, const char *s, size_t n, size_t max)
{
	size_t i = 0, chars = 0, cut = 0, cutchars = 0;
	utf8proc_int32_t state = 0;
	int cp, prev = -1;

	while (i < n && chars <= max) {
		size_t k = seg_decode(s + i, n - i, &cp);

		if (prev < 0 || utf8proc_grapheme_break_stateful(prev, cp,
		    &state)) {
			cut = i;
			cutchars = chars;
		}
		prev = cp;
		i += k;
		chars++;
	}
	if (chars <= max) {
		cut = n;
		cutchars = chars;
	}
	out_add(x, s, cut);
	return cutchars;
}

/* Characters of s[0..n), counted as code points. */
static size_t
count_chars(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* ---- extractive ---- */

/*
 * Folding to ASCII, for speed: the hash embedder normalises non-ASCII
 * text with utf8proc (NFKC, case folding), several times slower than its
 * ASCII path.  A sentence whose every non-ASCII character is a Latin
 * letter (accents dropped: "Zürich" is hashed as "zurich") or punctuation,
 * a space or a symbol (hashed as a space, which separates tokens as it
 * did) is hashed as its ASCII folding; other sentences (Greek, Cyrillic,
 * CJK ...) as they are.  The vectors only rank the sentences of one
 * article against each other, so nothing outside depends on them.
 */
#define FOLD_LATIN_END 0x250		/* U+0000..U+024F: Latin */
#define FOLD_PUNCT_START 0x2000		/* U+2000..U+20CF: punctuation, */
#define FOLD_PUNCT_END 0x20d0		/* currency */
static char *fold_latin[FOLD_LATIN_END];	/* ASCII or NULL; owned */
static char *fold_punct[FOLD_PUNCT_END - FOLD_PUNCT_START];

/* Letters that Unicode does not decompose to an ASCII base. */
static const struct { int cp; const char *s; } fold_extra[] = {
	{ 0xc6, "ae" }, { 0xe6, "ae" }, { 0xd8, "o" }, { 0xf8, "o" },
	{ 0xd0, "d" }, { 0xf0, "d" }, { 0xde, "th" }, { 0xfe, "th" },
	{ 0xdf, "ss" }, { 0x110, "d" }, { 0x111, "d" }, { 0x131, "i" },
	{ 0x141, "l" }, { 0x142, "l" }, { 0x152, "oe" }, { 0x153, "oe" },
	{ 0x14a, "ng" }, { 0x14b, "ng" }, { 0x126, "h" }, { 0x127, "h" },
	{ 0x166, "t" }, { 0x167, "t" }, { 0x138, "q" },
};

static char *
fold_one(int cp)
{
	utf8proc_category_t cat = utf8proc_category(cp);
	utf8proc_uint8_t *m = NULL;
	utf8proc_int32_t c32 = cp;
	utf8proc_ssize_t n;
	char *s;
	int ascii = 1;

	for (size_t i = 0; i < sizeof(fold_extra) / sizeof(*fold_extra); i++)
		if (fold_extra[i].cp == cp)
			return xstrdup(fold_extra[i].s);
	if (cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_CN ||
	    cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CO)
		return NULL;	/* ignorable or unknown: keep utf8proc's way */
	if (cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_ZP &&
	    cat != UTF8PROC_CATEGORY_SO && cat != UTF8PROC_CATEGORY_SM) {
		/* punctuation, currency, modifiers, spaces: only when their
		 * compatibility form holds no letter, mark or digit */
		utf8proc_int32_t d[8];
		int last = 0;

		n = utf8proc_decompose_char(c32, d, 8, UTF8PROC_COMPAT, &last);
		if (n >= 1 && n <= 8) {
			for (utf8proc_ssize_t i = 0; i < n; i++)
				if (utf8proc_category(d[i]) <
				    UTF8PROC_CATEGORY_PC)
					return NULL;
			return xstrdup(" ");
		}
		return NULL;
	}
	if (cat > UTF8PROC_CATEGORY_LO)
		return NULL;
	/* a letter: its compatibility decomposition, case folded, marks
	 * stripped, when that is ASCII */
	{
		char buf[8];
		int k = (int)utf8proc_encode_char(c32, (utf8proc_uint8_t *)buf);

		n = utf8proc_map((utf8proc_uint8_t *)buf, k, &m,
		    UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT |
		    UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK);
	}
	if (n <= 0) {
		free(m);
		return NULL;
	}
	for (utf8proc_ssize_t i = 0; i < n; i++)
		ascii &= m[i] < 0x80;
	s = ascii ? xstrndup((char *)m, (size_t)n) : NULL;
	free(m);
	return s;
}

static void
fold_init(void)
{
	for (int cp = 0x80; cp < FOLD_LATIN_END; cp++)
		fold_latin[cp] = fold_one(cp);
	for (int cp = FOLD_PUNCT_START; cp < FOLD_PUNCT_END; cp++)
		fold_punct[cp - FOLD_PUNCT_START] = fold_one(cp);
}

static void
fold_free(void)
{
	for (int cp = 0; cp < FOLD_LATIN_END; cp++)
		free(fold_latin[cp]);
	for (int i = 0; i < FOLD_PUNCT_END - FOLD_PUNCT_START; i++)
		free(fold_punct[i]);
}

/* The text to hash for s[0..n): s itself, or its ASCII folding in
 * x->fold; *len its length. */
static const char *
fold_text(struct extract *x, const char *s, size_t n, size_t *len)
{
	size_t i = 0, o = 0;
	uint64_t w;

	while (i + 8 <= n) {
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ULL)
			break;
		i += 8;
	}
	while (i < n && (unsigned char)s[i] < 0x80)
		i++;
	*len = n;
	if (i == n)
		return s;
	/* a folding is seldom longer than its character: room for the
	 * text, grown should one be */
	if (x->foldcap < n + 1) {
		x->foldcap = n + 1;
		x->fold = xrealloc(x->fold, x->foldcap);
	}
	memcpy(x->fold, s, i);
	o = i;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		const char *f;
		int cp;

		if (o + 1 >= x->foldcap) {
			x->foldcap *= 2;
			x->fold = xrealloc(x->fold, x->foldcap);
		}
		if (c < 0x80) {
			x->fold[o++] = (char)c;
			i++;
			continue;
		}
		i += seg_decode(s + i, n - i, &cp);
		if (cp < FOLD_LATIN_END)
			f = fold_latin[cp];
		else if (cp >= FOLD_PUNCT_START && cp < FOLD_PUNCT_END)
			f = fold_punct[cp - FOLD_PUNCT_START];
		else
			f = NULL;
		if (f == NULL)
			return s;
		while (*f != '\0') {
			if (o + 1 >= x->foldcap) {
				x->foldcap *= 2;
				x->fold = xrealloc(x->fold, x->foldcap);
			}
			x->fold[o++] = *f++;
		}
	}
	x->nfolded++;
	*len = o;
	return x->fold;
}

/* Does s[0..n) have a letter or digit? */
static int
has_alnum(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		int cp;
		utf8proc_category_t cat;

		i += seg_decode(s + i, n - i, &cp);
		if (cp < 0x80) {
			if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
				return 1;
			if (cp >= '0' && cp <= '9')
				return 1;
			continue;
		}
		cat = utf8proc_category(cp);
		if ((cat >= UTF8PROC_CATEGORY_LU &&
		    cat <= UTF8PROC_CATEGORY_LO) ||
		    (cat >= UTF8PROC_CATEGORY_ND &&
		    cat <= UTF8PROC_CATEGORY_NO))
			return 1;
	}
	return 0;
}

/*
 * Cut the text into sentences, at most MAX_CANDIDATES: a word at a time,
 * keeping of each sentence its bytes, words and characters.
 */
static void
find_sentences(struct extract *x, const char *text, size_t len)
{
	struct seg_iter it;
	struct seg_word w, prev = { 0 };
	struct sent *cur = NULL;

	x->ns = 0;
	seg_iter_init(&it, text, len, 0);
	while (seg_iter_next(&it, &w)) {
		if (cur == NULL || (w.flags & SEG_PARA) ||
		    (prev.flags & SEG_SENT_END)) {
			/* w opens a sentence */
			if (cur != NULL)
				cur->space_after = prev.end < w.start;
			if (x->ns == MAX_CANDIDATES)
				return;
			if (x->ns == x->scap) {
				x->scap = x->scap ? x->scap * 2 : 64;
				x->s = xrealloc(x->s, x->scap * sizeof(*x->s));
				x->order = xrealloc(x->order,
				    x->scap * sizeof(*x->order));
			}
			cur = &x->s[x->ns++];
			memset(cur, 0, sizeof(*cur));
			cur->start = w.start;
		} else if (prev.end < w.start)
			cur->chars++;
		cur->chars += w.cend - w.cstart;
		cur->end = w.end;
		cur->words++;
		prev = w;
	}
	if (cur != NULL)
		cur->space_after = 1;
}

/* Score every sentence: centrality, title overlap, position, length. */
static void
score_sentences(struct extract *x, const char *text, const char *title,
    size_t tlen)
{
	size_t n = x->ns;
	float cc;
	int have_title = 0;

	if (n > x->veccap) {
		x->veccap = n;
		x->vec = xrealloc(x->vec, n * EXTRACT_DIM * sizeof(float));
	}
	memset(x->centroid, 0, sizeof(x->centroid));
	for (size_t i = 0; i < n; i++) {
		const struct sent *s = &x->s[i];
		float *v = x->vec + i * EXTRACT_DIM;
		const char *h;
		size_t hl;

		h = fold_text(x, text + s->start, s->end - s->start, &hl);
		hashembed_vector(x->hash, h, hl, v);
		vec_add(x->centroid, v, EXTRACT_DIM);
	}
	if (title != NULL && tlen > 0) {
		const char *h;
		size_t hl;

		h = fold_text(x, title, tlen, &hl);
		hashembed_vector(x->hash, h, hl, x->tvec);
		have_title = 1;
	}
	cc = vec_dot(x->centroid, x->centroid, EXTRACT_DIM);
	for (size_t i = 0; i < n; i++) {
		struct sent *s = &x->s[i];
		const float *v = x->vec + i * EXTRACT_DIM;
		float vs = vec_dot(v, x->centroid, EXTRACT_DIM);
		float vv = 0, score = 0;
		float rest;

		/* a unit vector, or zeros for a text without tokens */
		for (int k = 0; k < EXTRACT_DIM; k++)
			if (v[k] != 0) {
				vv = 1;
				break;
			}

		/* similarity to the centroid of the other sentences */
		rest = cc - 2 * vs + vv;
		if (n > 1 && rest > 1e-6f)
			score = (vs - vv) / sqrtf(rest);
		if (have_title)
			score += W_TITLE * vec_dot(v, x->tvec, EXTRACT_DIM);
		if (i == 0)
			score += W_LEAD;
		score += W_POSITION * (1.0f - (float)i / (float)n);
		if (s->words < SHORT_WORDS)
			score -= W_SHORT;
		/* no letters or digits at all: last resort */
		if (vv == 0 && !has_alnum(text + s->start, s->end - s->start))
			score -= 10;
		s->score = score;
		x->order[i] = i;
	}
}

static struct extract *sort_x;	/* the summariser, for by_score */

static int
by_score(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	float sa = sort_x->s[a].score, sb = sort_x->s[b].score;

	if (sa != sb)
		return sa > sb ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Append sentence i's words, whitespace collapsed to one space. */
static void
add_sentence(struct extract *x, const char *text, size_t i)
{
	const struct sent *s = &x->s[i];
	struct seg_iter it;
	struct seg_word w;
	size_t prev_end = 0;

	seg_iter_init(&it, text + s->start, s->end - s->start, 0);
	for (int first = 1; seg_iter_next(&it, &w); first = 0) {
		if (!first && prev_end < w.start)
			out_add(x, " ", 1);
		out_add(x, text + s->start + w.start, w.end - w.start);
		prev_end = w.end;
	}
}

/*
 * The best-ranked sentence alone is longer than --chars: as many of its words as fit
 * before an ellipsis; when not even its first word fits, that word cut at
 * a character (grapheme) boundary.
 */
static void
add_cut_sentence(struct extract *x, const char *text, size_t i)
{
	const struct sent *s = &x->s[i];
	const char *t = text + s->start;
	size_t room = x->chars - 1, used = 0, prev_end = 0;
	struct seg_iter it;
	struct seg_word w;

	seg_iter_init(&it, t, s->end - s->start, 0);
	for (int first = 1; seg_iter_next(&it, &w); first = 0) {
		size_t wc = w.cend - w.cstart;
		int sp = !first && prev_end < w.start;

		if (used + (size_t)sp + wc > room) {
			if (first)
				out_add_cut(x, t + w.start, w.end - w.start,
				    room);
			break;
		}
		if (sp)
			out_add(x, " ", 1);
		out_add(x, t + w.start, w.end - w.start);
		used += (size_t)sp + wc;
		prev_end = w.end;
	}
	/* no dangling space or punctuation-less stub before the ellipsis */
	while (x->outlen > 0 && x->out[x->outlen - 1] == ' ')
		x->out[--x->outlen] = '\0';
	out_add(x, "\xe2\x80\xa6", 3);
}

/*
 * The extractive synopsis of text[0..len) into x->out; 0 when the text
 * has no words.
 */
int
extract_text(struct extract *x, const char *title, size_t tlen,
    const char *text, size_t len)
{
	size_t total = 0, picked = 0, prev = 0;
	int first = 1;

	x->outlen = 0;
	out_reserve(x, 0);
	x->out[0] = '\0';
	find_sentences(x, text, len);
	if (x->ns == 0)
		return 0;
	score_sentences(x, text, title, tlen);
	sort_x = x;
	qsort(x->order, x->ns, sizeof(*x->order), by_score);
	for (size_t r = 0; r < x->ns && picked < (size_t)x->sentences;
	    r++) {
		size_t i = x->order[r], cost = x->s[i].chars;
		int dup = 0;

		if (picked > 0)
			cost++;
		if (r == 0 && cost > x->chars)
			break;	/* the best does not fit: cut it */
		if (total + cost > x->chars || x->s[i].score < -5)
			continue;
		for (size_t j = 0; j < x->ns && !dup; j++)
			dup = x->s[j].chosen && vec_dot(x->vec +
			    i * EXTRACT_DIM, x->vec + j * EXTRACT_DIM,
			    EXTRACT_DIM) > REDUNDANT;
		if (dup)
			continue;
		x->s[i].chosen = 1;
		total += cost;
		picked++;
	}
	if (picked == 0) {
		add_cut_sentence(x, text, x->order[0]);
		return 1;
	}
	for (size_t i = 0; i < x->ns; i++) {
		if (!x->s[i].chosen)
			continue;
		if (!first && x->s[prev].space_after)
			out_add(x, " ", 1);
		add_sentence(x, text, i);
		first = 0;
		prev = i;
	}
	return 1;
}

/* The summary text of an answer: whitespace collapsed, trimmed, within
 * x->chars (cut at a word, with an ellipsis); NULL when empty. */
char *
extract_clean(struct extract *x, const char *s, size_t len, int *cut)
{
	char *c;
	size_t keep, n;
	int dummy;

	struct seg_iter it;
	struct seg_word w;
	size_t prev_end = 0;

	*cut = 0;
	x->outlen = 0;
	seg_iter_init(&it, s, len, 0);
	for (int first = 1; seg_iter_next(&it, &w); first = 0) {
		if (!first && prev_end < w.start)
			out_add(x, " ", 1);
		out_add(x, s + w.start, w.end - w.start);
		prev_end = w.end;
	}
	if (x->outlen == 0)
		return NULL;
	n = count_chars(x->out, x->outlen);
	if (n <= x->chars)
		return xstrndup(x->out, x->outlen);
	*cut = 1;
	keep = seg_clip(x->out, x->outlen, x->chars - 1, &dummy);
	while (keep > 0 && x->out[keep - 1] == ' ')
		keep--;
	c = xmalloc(keep + 4);
	memcpy(c, x->out, keep);
	memcpy(c + keep, "\xe2\x80\xa6", 4);
	return c;
}

struct extract *
extract_new(int sentences, size_t chars)
{
	struct extract *x = xcalloc(1, sizeof(*x));

	x->sentences = sentences;
	x->chars = chars;
	x->hash = hashembed_new(EXTRACT_DIM);
	fold_init();
	return x;
}

void
extract_free(struct extract *x)
{
	if (x == NULL)
		return;
	hashembed_free(x->hash);
	free(x->s);
	free(x->order);
	free(x->vec);
	free(x->out);
	free(x->fold);
	free(x);
	fold_free();
}
