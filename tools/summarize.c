/*
 * summarize - add a short summary (synopsis) to every article: the most
 * central sentences offline, or an OpenAI-compatible chat model.
 * See man/summarize.1.
 */
#define _GNU_SOURCE
#include <err.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "hashembed.h"
#include "jsonl.h"
#include "jsonscan.h"
#include "openai.h"
#include "segment.h"
#include "sig.h"
#include "stats.h"
#include "timefmt.h"
#include "util.h"
#include "vec.h"

enum { OPT_SENTENCES = OPT_FIRST_PRIVATE, OPT_CHARS, OPT_FIELD,
	OPT_BACKEND, OPT_URL, OPT_MODEL, OPT_BATCH, OPT_MAXCHARS,
	OPT_RETRIES, OPT_TIMEOUT };

#define DEFAULT_OPENAI_MODEL "gpt-4o-mini"
#define OUT_FIELD "synopsis"		/* the field summarize adds */
#define SOURCE_FIELD "synopsis_source"	/* and where it came from */
#define EXTRACT_DIM 256		/* dimension of the sentence vectors */
#define MAX_CANDIDATES 400	/* sentences considered per article */
#define TITLE_BUDGET 300	/* characters of a title sent to the model */
#define ANSWER_RETRIES 2	/* asks again after a malformed answer */

/* Weights of the extractive score (see summarize(1)). */
#define W_TITLE 0.8f		/* similarity to the title */
#define W_LEAD 0.2f		/* the first sentence */
#define W_POSITION 0.1f		/* falls linearly from first to last */
#define SHORT_WORDS 5		/* sentences shorter than this ... */
#define W_SHORT 0.25f		/* ... lose this much */
#define REDUNDANT 0.85f		/* similarity of a near-duplicate */

/* A sentence of the current text: words [w0, w1). */
struct sent {
	size_t w0, w1;		/* its words in the segmenter's array */
	size_t chars;		/* characters once whitespace is collapsed */
	float score;		/* how well it represents the article */
	int chosen;		/* part of the synopsis */
};

/* A record waiting for its synopsis (openai), in input order. */
struct rec {
	struct rec *next;	/* next in output order */
	json_object *o;		/* the record; owned */
	const char *title;	/* its title, owned by o, or NULL */
	const char *text;	/* its text, owned by o */
	size_t tlen, len;	/* their lengths */
	char *syn;		/* the model's summary once known; owned */
	int state;		/* REC_* */
};

enum { REC_WAIT, REC_READY, REC_FALLBACK, REC_PASS };

/* A request to the model: records recs[0..n), ids 1..n in the prompt. */
struct batch {
	struct summ *sm;	/* the program */
	struct rec **recs;	/* its records; the array is owned */
	int n;			/* how many */
	char *body;		/* the request, kept to ask again; owned */
	size_t len;		/* its length */
	int attempts;		/* answers received so far */
};

struct summ {
	int sentences;		/* --sentences */
	size_t chars;		/* --chars */
	const char *field;	/* --field, or NULL: content, else summary */
	int openai;		/* --backend openai */
	int batch;		/* --batch */
	size_t max_chars;	/* --max-chars: text sent per article */
	int verbose;		/* -v */
	const char *model;	/* model name sent to the server */
	char *source;		/* "openai:MODEL"; owned */
	struct oai *api;	/* the openai backend */
	struct hashembed *hash;	/* sentence vectors */
	struct seg_words ws;	/* words of the current text */
	struct sent *s;		/* its sentences */
	size_t ns, scap;	/* how many, capacity */
	size_t *order;		/* sentence indices by score */
	float *vec;		/* ns vectors of EXTRACT_DIM floats */
	size_t veccap;		/* capacity of vec in vectors */
	float centroid[EXTRACT_DIM];	/* sum of the sentence vectors */
	float tvec[EXTRACT_DIM];	/* the title's vector */
	char *fold;		/* a sentence folded to ASCII */
	size_t foldcap;		/* its capacity */
	unsigned long nfolded;	/* sentences folded */
	char *out;		/* synopsis being built, NUL-terminated */
	size_t outlen, outcap;	/* its length and capacity */
	struct rec *head, *tail;	/* records not yet written */
	struct rec **open;	/* the batch being filled */
	int nopen;		/* records in it */
	unsigned long nread, nextract, nmodel, nfallback, npassed;
	unsigned long ntruncated, nbytes;	/* counters */
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: summarize [--sentences N] [--chars N] [--field F] "
	    "[--backend extractive|openai]\n"
	    "                 [--url URL] [--model NAME] [--batch N] [-j N] "
	    "[--max-chars N]\n"
	    "                 [--retries N] [--timeout DURATION] [-v]\n");
	exit(status);
}

/* ---- building the synopsis ---- */

static void
out_reserve(struct summ *sm, size_t more)
{
	if (sm->outlen + more + 1 > sm->outcap) {
		sm->outcap = (sm->outlen + more + 1) * 2;
		sm->out = xrealloc(sm->out, sm->outcap);
	}
}

static void
out_add(struct summ *sm, const char *s, size_t n)
{
	out_reserve(sm, n);
	memcpy(sm->out + sm->outlen, s, n);
	sm->outlen += n;
	sm->out[sm->outlen] = '\0';
}

/*
 * Append at most max characters of the word s[0..n) and return how many
 * went in: the whole word, else as many characters as fit, cut at a
 * grapheme cluster boundary (never inside a UTF-8 sequence, nor between a
 * letter and its combining marks).
 */
static size_t
out_add_cut(struct summ *sm, const char *s, size_t n, size_t max)
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
	out_add(sm, s, cut);
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
 * sm->fold; *len its length. */
static const char *
fold_text(struct summ *sm, const char *s, size_t n, size_t *len)
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
	if (sm->foldcap < 3 * n + 1) {
		sm->foldcap = 3 * n + 1;
		sm->fold = xrealloc(sm->fold, sm->foldcap);
	}
	memcpy(sm->fold, s, i);
	o = i;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		const char *f;
		int cp;

		if (c < 0x80) {
			sm->fold[o++] = (char)c;
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
			if (o + 1 >= sm->foldcap) {
				sm->foldcap *= 2;
				sm->fold = xrealloc(sm->fold, sm->foldcap);
			}
			sm->fold[o++] = *f++;
		}
	}
	sm->nfolded++;
	*len = o;
	return sm->fold;
}

/* Does word i have a letter or digit? */
static int
word_has_alnum(const char *text, const struct seg_word *w)
{
	for (size_t i = w->start; i < w->end;) {
		int cp;
		utf8proc_category_t cat;

		i += seg_decode(text + i, w->end - i, &cp);
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

/* Cut the words of the text into sentences (at most MAX_CANDIDATES). */
static void
find_sentences(struct summ *sm)
{
	const struct seg_words *ws = &sm->ws;

	sm->ns = 0;
	for (size_t i = 0; i < ws->n && sm->ns < MAX_CANDIDATES;) {
		size_t j = i + 1, chars;

		while (j < ws->n && !seg_sentence_start(ws, j))
			j++;
		if (sm->ns == sm->scap) {
			sm->scap = sm->scap ? sm->scap * 2 : 64;
			sm->s = xrealloc(sm->s, sm->scap * sizeof(*sm->s));
			sm->order = xrealloc(sm->order,
			    sm->scap * sizeof(*sm->order));
		}
		chars = 0;
		for (size_t k = i; k < j; k++) {
			chars += ws->w[k].cend - ws->w[k].cstart;
			if (k > i && ws->w[k - 1].end < ws->w[k].start)
				chars++;
		}
		sm->s[sm->ns].w0 = i;
		sm->s[sm->ns].w1 = j;
		sm->s[sm->ns].chars = chars;
		sm->s[sm->ns].chosen = 0;
		sm->ns++;
		i = j;
	}
}

/* Score every sentence: centrality, title overlap, position, length. */
static void
score_sentences(struct summ *sm, const char *text, const char *title,
    size_t tlen)
{
	size_t n = sm->ns;
	float cc;
	int have_title = 0;

	if (n > sm->veccap) {
		sm->veccap = n;
		sm->vec = xrealloc(sm->vec, n * EXTRACT_DIM * sizeof(float));
	}
	memset(sm->centroid, 0, sizeof(sm->centroid));
	for (size_t i = 0; i < n; i++) {
		const struct seg_word *a = &sm->ws.w[sm->s[i].w0];
		const struct seg_word *b = &sm->ws.w[sm->s[i].w1 - 1];
		float *v = sm->vec + i * EXTRACT_DIM;
		const char *h;
		size_t hl;

		h = fold_text(sm, text + a->start, b->end - a->start, &hl);
		hashembed_vector(sm->hash, h, hl, v);
		vec_add(sm->centroid, v, EXTRACT_DIM);
	}
	if (title != NULL && tlen > 0) {
		const char *h;
		size_t hl;

		h = fold_text(sm, title, tlen, &hl);
		hashembed_vector(sm->hash, h, hl, sm->tvec);
		have_title = 1;
	}
	cc = vec_dot(sm->centroid, sm->centroid, EXTRACT_DIM);
	for (size_t i = 0; i < n; i++) {
		struct sent *s = &sm->s[i];
		const float *v = sm->vec + i * EXTRACT_DIM;
		float vs = vec_dot(v, sm->centroid, EXTRACT_DIM);
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
			score += W_TITLE * vec_dot(v, sm->tvec, EXTRACT_DIM);
		if (i == 0)
			score += W_LEAD;
		score += W_POSITION * (1.0f - (float)i / (float)n);
		if (s->w1 - s->w0 < SHORT_WORDS)
			score -= W_SHORT;
		if (vv == 0) {
			/* no letters or digits at all: last resort */
			int any = 0;

			for (size_t k = s->w0; k < s->w1 && !any; k++)
				any = word_has_alnum(text, &sm->ws.w[k]);
			if (!any)
				score -= 10;
		}
		s->score = score;
		sm->order[i] = i;
	}
}

static struct summ *sort_sm;	/* the program, for by_score */

static int
by_score(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	float sa = sort_sm->s[a].score, sb = sort_sm->s[b].score;

	if (sa != sb)
		return sa > sb ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Append sentence i's words, whitespace collapsed to one space. */
static void
add_sentence(struct summ *sm, const char *text, size_t i)
{
	const struct sent *s = &sm->s[i];

	for (size_t k = s->w0; k < s->w1; k++) {
		const struct seg_word *w = &sm->ws.w[k];

		if (k > s->w0 && sm->ws.w[k - 1].end < w->start)
			out_add(sm, " ", 1);
		out_add(sm, text + w->start, w->end - w->start);
	}
}

/* Does a space go between sentence i and a later one?  Not after a
 * sentence that runs on without whitespace (CJK). */
static int
space_after(const struct summ *sm, size_t i)
{
	size_t last = sm->s[i].w1 - 1;

	return last + 1 >= sm->ws.n ||
	    sm->ws.w[last].end < sm->ws.w[last + 1].start;
}

/*
 * The best-ranked sentence alone is longer than --chars: as many of its words as fit
 * before an ellipsis; when not even its first word fits, that word cut at
 * a character (grapheme) boundary.
 */
static void
add_cut_sentence(struct summ *sm, const char *text, size_t i)
{
	const struct sent *s = &sm->s[i];
	size_t room = sm->chars - 1, used = 0;

	for (size_t k = s->w0; k < s->w1; k++) {
		const struct seg_word *w = &sm->ws.w[k];
		size_t wc = w->cend - w->cstart;
		int sp = k > s->w0 && sm->ws.w[k - 1].end < w->start;

		if (used + (size_t)sp + wc > room) {
			if (k == s->w0)
				out_add_cut(sm, text + w->start,
				    w->end - w->start, room);
			break;
		}
		if (sp)
			out_add(sm, " ", 1);
		out_add(sm, text + w->start, w->end - w->start);
		used += (size_t)sp + wc;
	}
	/* no dangling space or punctuation-less stub before the ellipsis */
	while (sm->outlen > 0 && sm->out[sm->outlen - 1] == ' ')
		sm->out[--sm->outlen] = '\0';
	out_add(sm, "\xe2\x80\xa6", 3);
}

/*
 * The extractive synopsis of text[0..len) into sm->out; 0 when the text
 * has no words.
 */
static int
extract(struct summ *sm, const char *title, size_t tlen, const char *text,
    size_t len)
{
	size_t total = 0, picked = 0, prev = 0;
	int first = 1;

	sm->outlen = 0;
	out_reserve(sm, 0);
	sm->out[0] = '\0';
	seg_words(text, len, 0, &sm->ws);
	if (sm->ws.n == 0)
		return 0;
	find_sentences(sm);
	score_sentences(sm, text, title, tlen);
	sort_sm = sm;
	qsort(sm->order, sm->ns, sizeof(*sm->order), by_score);
	for (size_t r = 0; r < sm->ns && picked < (size_t)sm->sentences;
	    r++) {
		size_t i = sm->order[r], cost = sm->s[i].chars;
		int dup = 0;

		if (picked > 0)
			cost++;
		if (r == 0 && cost > sm->chars)
			break;	/* the best does not fit: cut it */
		if (total + cost > sm->chars || sm->s[i].score < -5)
			continue;
		for (size_t j = 0; j < sm->ns && !dup; j++)
			dup = sm->s[j].chosen && vec_dot(sm->vec +
			    i * EXTRACT_DIM, sm->vec + j * EXTRACT_DIM,
			    EXTRACT_DIM) > REDUNDANT;
		if (dup)
			continue;
		sm->s[i].chosen = 1;
		total += cost;
		picked++;
	}
	if (picked == 0) {
		add_cut_sentence(sm, text, sm->order[0]);
		return 1;
	}
	for (size_t i = 0; i < sm->ns; i++) {
		if (!sm->s[i].chosen)
			continue;
		if (!first && space_after(sm, prev))
			out_add(sm, " ", 1);
		add_sentence(sm, text, i);
		first = 0;
		prev = i;
	}
	return 1;
}

/* ---- records ---- */

/* The text to summarize (borrowed from o) and the title; NULL if none. */
static const char *
record_text(struct summ *sm, json_object *o, size_t *len,
    const char **title, size_t *tlen)
{
	json_object *v;
	const char *t = NULL;

	*title = NULL;
	*tlen = 0;
	if (json_object_object_get_ex(o, "title", &v) &&
	    json_object_is_type(v, json_type_string)) {
		*title = json_object_get_string(v);
		*tlen = (size_t)json_object_get_string_len(v);
	}
	if (sm->field != NULL) {
		if (json_object_object_get_ex(o, sm->field, &v) &&
		    json_object_is_type(v, json_type_string))
			t = json_object_get_string(v);
	} else if (json_object_object_get_ex(o, "content", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) > 0)
		t = json_object_get_string(v);
	else if (json_object_object_get_ex(o, "summary", &v) &&
	    json_object_is_type(v, json_type_string))
		t = json_object_get_string(v);
	if (t == NULL)
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	for (size_t i = 0; i < *len;) {
		int cp;
		size_t k = seg_decode(t + i, *len - i, &cp);

		if (!seg_is_space(cp))
			return t;
		i += k;
	}
	return NULL;		/* only whitespace */
}

static void
write_with(json_object *o, const char *syn, size_t len, const char *source)
{
	json_object_object_add(o, OUT_FIELD,
	    json_object_new_string_len(syn, (int)len));
	json_object_object_add(o, SOURCE_FIELD,
	    json_object_new_string(source));
	jsonl_write(stdout, o);
}

/* The extractive path: summarize o and write it. */
static void
do_extractive(struct summ *sm, json_object *o)
{
	const char *title, *text;
	size_t tlen, len;

	text = record_text(sm, o, &len, &title, &tlen);
	if (text == NULL || !extract(sm, title, tlen, text, len)) {
		sm->npassed++;
		jsonl_write(stdout, o);
		return;
	}
	sm->nbytes += len;
	sm->nextract++;
	write_with(o, sm->out, sm->outlen, "extractive");
}

/*
 * The fast path of the extractive backend: the line is scanned, not built
 * (lib/jsonscan), and written as it came with the two fields added before
 * its closing brace.  A record that already has one of them goes the
 * json-c way, which replaces it in place.
 */
enum { F_TITLE, F_CONTENT, F_SUMMARY, F_SYN, F_SRC, F_FIELD, F_COUNT };

/* A scanned string field: its text (unescaped into *owned when needed). */
static const char *
scanned(struct jscan_field *f, size_t *len, char **owned)
{
	*owned = NULL;
	if (!f->found || !f->is_string)
		return NULL;
	if (!f->escaped) {
		*len = f->len;
		return f->val;
	}
	*owned = jscan_string(f);
	*len = strlen(*owned);
	return *owned;
}

static int
is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		int cp;
		size_t k = seg_decode(s + i, len - i, &cp);

		if (!seg_is_space(cp))
			return 0;
		i += k;
	}
	return 1;
}

static void
extractive_line(struct summ *sm, struct jsonl_reader *r)
{
	struct jscan_field f[F_COUNT] = {
		[F_TITLE] = { .key = "title" },
		[F_CONTENT] = { .key = "content" },
		[F_SUMMARY] = { .key = "summary" },
		[F_SYN] = { .key = OUT_FIELD },
		[F_SRC] = { .key = SOURCE_FIELD },
		[F_FIELD] = { .key = sm->field },
	};
	const char *title, *text = NULL;
	char *otitle = NULL, *otext = NULL;
	size_t tlen = 0, len = 0, end;
	int nf = sm->field != NULL ? F_COUNT : F_FIELD;

	if (!jsonl_scan(r, f, nf))
		return;
	if (f[F_SYN].found || f[F_SRC].found) {
		json_object *o = jsonl_parse(r);

		if (o != NULL) {
			do_extractive(sm, o);
			json_object_put(o);
		}
		return;
	}
	title = scanned(&f[F_TITLE], &tlen, &otitle);
	if (sm->field != NULL)
		text = scanned(&f[F_FIELD], &len, &otext);
	else if (f[F_CONTENT].found && f[F_CONTENT].is_string &&
	    f[F_CONTENT].len > 0)
		text = scanned(&f[F_CONTENT], &len, &otext);
	else
		text = scanned(&f[F_SUMMARY], &len, &otext);
	end = r->len;
	while (end > 0 && r->line[end - 1] != '}')
		end--;
	if (text == NULL || is_blank(text, len) ||
	    !extract(sm, title, tlen, text, len)) {
		sm->npassed++;
		fwrite(r->line, 1, end, stdout);
		putc('\n', stdout);
		goto out;
	}
	sm->nbytes += len;
	sm->nextract++;
	/* the record up to its closing brace, a comma unless it is empty */
	{
		size_t k = end - 1;

		fwrite(r->line, 1, k, stdout);
		while (k > 0 && (r->line[k - 1] == ' ' || r->line[k - 1] == '\t'
		    || r->line[k - 1] == '\r' || r->line[k - 1] == '\n'))
			k--;
		if (r->line[k - 1] != '{')
			putc(',', stdout);
	}
	fputs("\"" OUT_FIELD "\":", stdout);
	jsonl_put_string(stdout, sm->out, sm->outlen);
	fputs(",\"" SOURCE_FIELD "\":\"extractive\"}\n", stdout);
out:
	free(otitle);
	free(otext);
}

/* ---- openai ---- */

/* At most max characters of s[0..len): cut at the last whitespace that
 * fits, or at a character when there is none. */
static size_t
clip(const char *s, size_t len, size_t max, int *cut)
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

static const char *
rec_id(const struct rec *r)
{
	const char *id = json_get_string(r->o, "id");

	return id ? id : "?";
}

static void
batch_free(struct batch *b)
{
	free(b->recs);
	free(b->body);
	free(b);
}

/* Records of b without a summary fall back to extractive; say so. */
static void
batch_fallback(struct batch *b, const char *why)
{
	int missing = 0;

	for (int i = 0; i < b->n; i++)
		if (b->recs[i]->syn == NULL) {
			b->recs[i]->state = REC_FALLBACK;
			missing++;
		} else
			b->recs[i]->state = REC_READY;
	if (b->n == 1)
		warnx("article %s: %s; extractive fallback", rec_id(b->recs[0]),
		    why);
	else
		warnx("batch of %d articles (%s .. %s): %s; extractive "
		    "fallback for %d", b->n, rec_id(b->recs[0]),
		    rec_id(b->recs[b->n - 1]), why, missing);
}

/* The summary text of an answer: whitespace collapsed, trimmed, within
 * --chars (cut at a word, with an ellipsis); NULL when empty. */
static char *
clean_summary(struct summ *sm, const char *s, size_t len)
{
	char *c;
	size_t keep, n;
	int cut;

	seg_words(s, len, 0, &sm->ws);
	if (sm->ws.n == 0)
		return NULL;
	sm->outlen = 0;
	for (size_t k = 0; k < sm->ws.n; k++) {
		const struct seg_word *w = &sm->ws.w[k];

		if (k > 0 && sm->ws.w[k - 1].end < w->start)
			out_add(sm, " ", 1);
		out_add(sm, s + w->start, w->end - w->start);
	}
	n = count_chars(sm->out, sm->outlen);
	if (n <= sm->chars)
		return xstrndup(sm->out, sm->outlen);
	sm->ntruncated++;
	keep = clip(sm->out, sm->outlen, sm->chars - 1, &cut);
	while (keep > 0 && sm->out[keep - 1] == ' ')
		keep--;
	c = xmalloc(keep + 4);
	memcpy(c, sm->out, keep);
	memcpy(c + keep, "\xe2\x80\xa6", 4);
	return c;
}

/*
 * Read an answer's summaries into the batch's records: entries with a
 * known id (a number or a string of digits) and a non-empty summary.
 * Returns NULL when every record has one, else why not.
 */
static const char *
take_answer(struct batch *b, json_object *resp, char *why, size_t whylen)
{
	json_object *choices, *msg, *content, *ans, *list;
	const char *s, *open, *close;
	enum json_tokener_error jerr;
	json_tokener *tok;
	int missing = 0;

	if (!json_object_object_get_ex(resp, "choices", &choices) ||
	    !json_object_is_type(choices, json_type_array) ||
	    json_object_array_length(choices) < 1 ||
	    !json_object_object_get_ex(json_object_array_get_idx(choices, 0),
	    "message", &msg) ||
	    !json_object_object_get_ex(msg, "content", &content) ||
	    !json_object_is_type(content, json_type_string))
		return "malformed answer: no choices[0].message.content";
	/* the JSON object inside, past any code fence or preamble */
	s = json_object_get_string(content);
	open = strchr(s, '{');
	close = strrchr(s, '}');
	if (open == NULL || close == NULL || close < open)
		return "malformed answer: no JSON object in the content";
	if ((tok = json_tokener_new()) == NULL)
		die_nomem();
	ans = json_tokener_parse_ex(tok, open, (int)(close - open + 1));
	jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (ans == NULL || jerr != json_tokener_success ||
	    !json_object_is_type(ans, json_type_object) ||
	    !json_object_object_get_ex(ans, "summaries", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		json_object_put(ans);
		return "malformed answer: content is not "
		    "{\"summaries\": [...]}";
	}
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i), *id, *sv;
		long k = -1;

		if (!json_object_is_type(e, json_type_object) ||
		    !json_object_object_get_ex(e, "id", &id) ||
		    !json_object_object_get_ex(e, "summary", &sv) ||
		    !json_object_is_type(sv, json_type_string))
			continue;
		if (json_object_is_type(id, json_type_int))
			k = (long)json_object_get_int64(id);
		else if (json_object_is_type(id, json_type_string) &&
		    !parse_long(json_object_get_string(id), 1, b->n, &k))
			k = -1;
		if (k < 1 || k > b->n || b->recs[k - 1]->syn != NULL)
			continue;
		b->recs[k - 1]->syn = clean_summary(b->sm,
		    json_object_get_string(sv),
		    (size_t)json_object_get_string_len(sv));
	}
	json_object_put(ans);
	for (int i = 0; i < b->n; i++)
		missing += b->recs[i]->syn == NULL;
	if (missing == 0)
		return NULL;
	snprintf(why, whylen, "partial answer: no summary for %d of %d "
	    "article%s", missing, b->n, b->n == 1 ? "" : "s");
	return why;
}

static void batch_done(void *arg, json_object *resp, const char *error);

static void
batch_send(struct batch *b)
{
	oai_post(b->sm->api, "/chat/completions", b->body, b->len, batch_done,
	    b);
}

static void
batch_done(void *arg, json_object *resp, const char *error)
{
	struct batch *b = arg;
	char why[160];
	const char *bad;

	b->attempts++;
	if (resp == NULL) {
		/* the client retried transport errors, 429 and 5xx already */
		if (strstr(error, "malformed answer") == NULL) {
			batch_fallback(b, error);
			batch_free(b);
			return;
		}
		bad = error;
	} else if ((bad = take_answer(b, resp, why, sizeof(why))) == NULL) {
		for (int i = 0; i < b->n; i++)
			b->recs[i]->state = REC_READY;
		batch_free(b);
		return;
	}
	if (b->attempts <= ANSWER_RETRIES) {
		if (b->sm->verbose)
			warnx("%s; asking again", bad);
		stats_add("summarize_answer_retries", 1);
		batch_send(b);
		return;
	}
	{
		char final[400];

		snprintf(final, sizeof(final), "%s (after %d attempts)", bad,
		    b->attempts);
		batch_fallback(b, final);
	}
	batch_free(b);
}

static const char *system_prompt =
    "You write short summaries of news articles. The user sends a JSON "
    "object {\"articles\": [{\"id\": N, \"title\": \"...\", \"text\": "
    "\"...\"}]}. For every article write a factual summary in the "
    "article's own language, of at most %d sentence%s and at most %zu "
    "characters: plain text, no markdown, no preamble, nothing that is not "
    "in the article. Answer with only this JSON object, one entry per "
    "article, with the article's id: {\"summaries\": [{\"id\": N, "
    "\"summary\": \"...\"}]}";

/* Send the open batch. */
static void
submit(struct summ *sm)
{
	struct batch *b;
	json_object *req, *msgs, *m, *user, *arts;
	char *sys;
	const char *s;
	size_t len;
	int cut;

	if (sm->nopen == 0)
		return;
	b = xcalloc(1, sizeof(*b));
	b->sm = sm;
	b->recs = sm->open;
	b->n = sm->nopen;
	sm->open = NULL;
	sm->nopen = 0;

	user = json_object_new_object();
	arts = json_object_new_array_ext(b->n);
	for (int i = 0; i < b->n; i++) {
		struct rec *r = b->recs[i];
		json_object *a = json_object_new_object();
		size_t keep;

		json_object_object_add(a, "id", json_object_new_int(i + 1));
		if (r->title != NULL && r->tlen > 0)
			json_object_object_add(a, "title",
			    json_object_new_string_len(r->title, (int)clip(
			    r->title, r->tlen, TITLE_BUDGET, &cut)));
		keep = clip(r->text, r->len, sm->max_chars, &cut);
		if (cut)
			sm->ntruncated++;
		json_object_object_add(a, "text",
		    json_object_new_string_len(r->text, (int)keep));
		json_object_array_add(arts, a);
		sm->nbytes += r->len;
	}
	json_object_object_add(user, "articles", arts);

	if (asprintf(&sys, system_prompt, sm->sentences,
	    sm->sentences == 1 ? "" : "s", sm->chars) < 0)
		die_nomem();
	req = json_object_new_object();
	json_object_object_add(req, "model", json_object_new_string(sm->model));
	msgs = json_object_new_array_ext(2);
	m = json_object_new_object();
	json_object_object_add(m, "role", json_object_new_string("system"));
	json_object_object_add(m, "content", json_object_new_string(sys));
	json_object_array_add(msgs, m);
	m = json_object_new_object();
	json_object_object_add(m, "role", json_object_new_string("user"));
	s = jsonl_text(user, &len);
	json_object_object_add(m, "content",
	    json_object_new_string_len(s, (int)len));
	json_object_array_add(msgs, m);
	json_object_object_add(req, "messages", msgs);
	m = json_object_new_object();
	json_object_object_add(m, "type", json_object_new_string(
	    "json_object"));
	json_object_object_add(req, "response_format", m);
	s = jsonl_text(req, &len);
	b->body = xstrndup(s, len);
	b->len = len;
	json_object_put(req);
	json_object_put(user);
	free(sys);
	batch_send(b);
}

/* Write the records at the head of the queue that are settled. */
static void
drain(struct summ *sm)
{
	struct rec *r;

	while ((r = sm->head) != NULL && r->state != REC_WAIT) {
		if (r->state == REC_READY) {
			write_with(r->o, r->syn, strlen(r->syn), sm->source);
			sm->nmodel++;
		} else if (r->state == REC_FALLBACK) {
			extract(sm, r->title, r->tlen, r->text, r->len);
			write_with(r->o, sm->out, sm->outlen,
			    "extractive-fallback");
			sm->nfallback++;
		} else {
			jsonl_write(stdout, r->o);
			sm->npassed++;
		}
		sm->head = r->next;
		if (sm->head == NULL)
			sm->tail = NULL;
		json_object_put(r->o);
		free(r->syn);
		free(r);
	}
}

static void
take(struct summ *sm, json_object *o)
{
	struct rec *r = xcalloc(1, sizeof(*r));

	r->o = o;
	if (sm->tail != NULL)
		sm->tail->next = r;
	else
		sm->head = r;
	sm->tail = r;
	r->text = record_text(sm, o, &r->len, &r->title, &r->tlen);
	if (r->text == NULL) {
		r->state = REC_PASS;
		return;
	}
	r->state = REC_WAIT;
	if (sm->open == NULL)
		sm->open = xcalloc((size_t)sm->batch, sizeof(*sm->open));
	sm->open[sm->nopen++] = r;
	if (sm->nopen == sm->batch)
		submit(sm);
}

/* ---- main ---- */

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "sentences", required_argument, NULL, OPT_SENTENCES },
		{ "chars", required_argument, NULL, OPT_CHARS },
		{ "field", required_argument, NULL, OPT_FIELD },
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "url", required_argument, NULL, OPT_URL },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "jobs", required_argument, NULL, 'j' },
		{ "max-chars", required_argument, NULL, OPT_MAXCHARS },
		{ "retries", required_argument, NULL, OPT_RETRIES },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct summ sm;
	struct jsonl_reader r;
	json_object *o;
	const char *url = NULL;
	int ch, jobs = 2, retries = 5, status = EXIT_OK, show_progress;
	int64_t timeout = 120000, last_progress = 0, t0;

	memset(&sm, 0, sizeof(sm));
	sm.sentences = 3;
	sm.chars = 400;
	sm.batch = 5;
	sm.max_chars = 4000;
	while ((ch = getopt_long(argc, argv, "j:vqh", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_SENTENCES:
			sm.sentences = (int)opt_number("sentences", optarg, 1,
			    100, usage);
			break;
		case OPT_CHARS:
			sm.chars = (size_t)opt_number("chars", optarg, 10,
			    1000000, usage);
			break;
		case OPT_FIELD:
			sm.field = optarg;
			break;
		case OPT_BACKEND:
			if (strcmp(optarg, "openai") == 0)
				sm.openai = 1;
			else if (strcmp(optarg, "extractive") == 0)
				sm.openai = 0;
			else {
				warnx("--backend takes extractive or openai");
				usage(stderr, EXIT_USAGE);
			}
			break;
		case OPT_URL:
			url = optarg;
			break;
		case OPT_MODEL:
			sm.model = optarg;
			break;
		case OPT_BATCH:
			sm.batch = (int)opt_number("batch", optarg,
			    1, 100, usage);
			break;
		case 'j':
			jobs = (int)opt_number("jobs", optarg, 1, 64, usage);
			break;
		case OPT_MAXCHARS:
			sm.max_chars = (size_t)opt_number("max-chars", optarg,
			    100, 1000000, usage);
			break;
		case OPT_RETRIES:
			retries = (int)opt_number("retries", optarg,
			    0, 100, usage);
			break;
		case OPT_TIMEOUT:
			timeout = opt_duration("timeout", optarg, 1, usage);
			break;
		case 'v':
			sm.verbose = 1;
			break;
		case 'q':
			sm.verbose = 0;
			break;
		case 'h':
			usage(stdout, EXIT_OK);
			break;
		case OPT_VERSION:
			version_exit();
			break;
		default:
			usage(stderr, EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, EXIT_USAGE);

	sm.hash = hashembed_new(EXTRACT_DIM);
	fold_init();
	if (sm.openai) {
		if (sm.model == NULL)
			sm.model = DEFAULT_OPENAI_MODEL;
		if (asprintf(&sm.source, "openai:%s", sm.model) < 0)
			die_nomem();
		sm.api = oai_new(url, jobs);
		oai_set_retries(sm.api, retries);
		oai_set_timeout(sm.api, (long)timeout);
	}

	sig_catch();
	show_progress = progress_wanted();
	t0 = time_mono();
	jsonl_init(&r, stdin, "stdin");
	while (!sig_caught) {
		if (!sm.openai) {
			if (jsonl_next_line(&r) == NULL)
				break;
			sm.nread++;
			extractive_line(&sm, &r);
		} else {
			if ((o = jsonl_next(&r)) == NULL)
				break;
			sm.nread++;
			take(&sm, o);
			while (oai_room(sm.api) == 0 &&
			    oai_pending(sm.api) > 0 && !sig_caught)
				oai_run(sm.api);
			drain(&sm);
		}
		if (show_progress) {
			int64_t now = time_mono();

			if (now - last_progress >= 200) {
				fprintf(stderr, "\rsummarize: %lu read",
				    sm.nread);
				last_progress = now;
			}
		}
	}
	if (sm.openai) {
		if (!sig_caught)
			submit(&sm);
		/* after a signal too: the answers in flight are written */
		while (oai_pending(sm.api) > 0) {
			oai_run(sm.api);
			drain(&sm);
		}
		drain(&sm);
	}
	if (show_progress)
		fprintf(stderr, "\rsummarize: %lu read\n", sm.nread);
	if (sm.verbose) {
		double secs = (double)(time_mono() - t0) / 1000.0;

		warnx("%lu read, %lu extractive, %lu from the model, %lu "
		    "fallback, %lu passed without text, %lu truncated, %lu "
		    "bad; %.1f MB of text in %.2fs", sm.nread, sm.nextract,
		    sm.nmodel, sm.nfallback, sm.npassed, sm.ntruncated, r.bad,
		    (double)sm.nbytes / 1e6, secs);
	}
	stats_add("summarize_read", (int64_t)sm.nread);
	stats_add("summarize_extractive", (int64_t)sm.nextract);
	stats_add("summarize_model", (int64_t)sm.nmodel);
	stats_add("summarize_fallback", (int64_t)sm.nfallback);
	stats_add("summarize_passed", (int64_t)sm.npassed);
	stats_add("summarize_truncated", (int64_t)sm.ntruncated);
	stats_add("summarize_bytes", (int64_t)sm.nbytes);
	stats_add("summarize_bad", (int64_t)r.bad);
	stats_flush();
	if (r.bad > 0 || r.error != 0)
		status = EXIT_PARTIAL;
	jsonl_free(&r);
	while (sm.head != NULL) {	/* read, not sent: a signal came */
		struct rec *next = sm.head->next;

		json_object_put(sm.head->o);
		free(sm.head->syn);
		free(sm.head);
		sm.head = next;
	}
	oai_free(sm.api);
	hashembed_free(sm.hash);
	seg_free(&sm.ws);
	free(sm.open);
	free(sm.s);
	free(sm.order);
	free(sm.vec);
	free(sm.out);
	free(sm.source);
	free(sm.fold);
	fold_free();
	if (sig_caught)
		status = 128 + sig_caught;
	exit_flush(status);
}
