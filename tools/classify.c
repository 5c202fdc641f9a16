/*
 * classify - label news items by business event, find the companies they
 * are about, their industries, a stated amount, and a priority.
 * See man/classify.1 and man/classify.5 (the rules file).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <utf8proc.h>
#define XXH_INLINE_ALL	/* the token hash is on the hot path */
#include <xxhash.h>

#include "fbuf.h"
#include "jsonl.h"
#include "jsonscan.h"
#include "sig.h"
#include "stats.h"
#include "timefmt.h"
#include "utf8.h"
#include "util.h"

/* Bytes of `content' read: past this an article adds little to its label. */
#define CONTENT_MAX 8192
/* Bytes of `content' searched for companies when there is no summary. */
#define CONTENT_NAMES_MAX 1500
/* Candidate spans longer than this are sentence fragments, not names. */
#define SPAN_MAX 6
/* Nesting of include lines. */
#define INCLUDE_MAX 8

/* ---- event labels ---- */

enum {
	EV_FUNDING, EV_ACQUISITION, EV_PARTNERSHIP, EV_HIRING, EV_LAYOFFS,
	EV_EXPANSION, EV_LAUNCH, EV_LEADERSHIP, EV_LEGAL, EV_EARNINGS,
	EV_OTHER, EV_N
};

static const char *const ev_names[EV_N] = {
	"funding", "acquisition", "partnership", "hiring", "layoffs",
	"expansion", "launch", "leadership", "legal", "earnings", "other"
};

/* The labels the development targets are measured over (macro-F1). */
static const int ev_core[] = {
	EV_FUNDING, EV_ACQUISITION, EV_PARTNERSHIP, EV_HIRING, EV_EXPANSION,
	EV_LAUNCH
};

static int
ev_lookup(const char *s, size_t n)
{
	for (int i = 0; i < EV_N; i++)
		if (strlen(ev_names[i]) == n && memcmp(ev_names[i], s, n) == 0)
			return i;
	return -1;
}

/* ---- output buffer helpers (lib/fbuf.h) ---- */

/* v >= 0 in decimal, without printf (the hot path). */
static void
buf_uint(struct fbuf *b, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	fbuf_grow(b, (size_t)n);
	while (n > 0)
		b->s[b->len++] = tmp[--n];
	b->s[b->len] = '\0';
}

/* v in [0, 1] with two decimals ("0.85", "1", "0"). */
static void
buf_fixed2(struct fbuf *b, double v)
{
	long c = lround(v * 100);

	if (c <= 0)
		fbuf_adds(b, "0");
	else if (c >= 100)
		fbuf_adds(b, "1");
	else {
		char t[5] = { '0', '.', (char)('0' + c / 10),
		    (char)('0' + c % 10), 0 };

		if (t[3] == '0')
			t[3] = 0;
		fbuf_adds(b, t);
	}
}

/* ---- hash map from 64-bit keys to ints (open addressing) ---- */

#define HMAP_FILT_BITS 16	/* a 64 Kbit filter: 8 KiB, stays in cache */

struct hmap {
	uint64_t *keys;		/* 0 marks an empty slot */
	int *vals;		/* value of each slot */
	size_t cap;		/* slots, a power of two */
	size_t n;		/* slots used */
	/* one bit per value of the key's top bits: a key whose bit is clear
	 * is not in the map (most tokens looked up are not), without a
	 * probe of the table */
	uint64_t filt[(1u << HMAP_FILT_BITS) / 64];
};

#define HMAP_FBIT(k) ((k) >> (64 - HMAP_FILT_BITS))

static uint64_t
hkey(uint64_t h)
{
	return h ? h : 1;
}

static void hmap_put(struct hmap *m, uint64_t key, int val);

static void
hmap_resize(struct hmap *m, size_t cap)
{
	struct hmap old = *m;

	m->keys = xcalloc(cap, sizeof(*m->keys));
	m->vals = xcalloc(cap, sizeof(*m->vals));
	m->cap = cap;
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.keys[i])
			hmap_put(m, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

static void
hmap_put(struct hmap *m, uint64_t key, int val)
{
	size_t i;

	key = hkey(key);
	if ((m->n + 1) * 2 > m->cap)
		hmap_resize(m, m->cap ? m->cap * 2 : 64);
	for (i = key & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return;
		}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	m->filt[HMAP_FBIT(key) / 64] |= 1ULL << (HMAP_FBIT(key) % 64);
}

/* The value for key, or -1. */
static int
hmap_get(const struct hmap *m, uint64_t key)
{
	key = hkey(key);
	if (!(m->filt[HMAP_FBIT(key) / 64] >> (HMAP_FBIT(key) % 64) & 1))
		return -1;	/* also when the map is empty */
	for (size_t i = key & (m->cap - 1); m->keys[i];
	    i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return m->vals[i];
	return -1;
}

static void
hmap_free(struct hmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* ---- tokens ---- */

enum {
	TF_CAP = 1,		/* starts with a capital (or digit + capital) */
	TF_BREAK = 2,		/* the gap before it ends a name: , ; . etc. */
	TF_SPACE = 4,		/* the gap before it holds white space */
	TF_POSS = 8,		/* an "s" after an apostrophe: possessive */
	TF_DIGIT = 16		/* all digits */
};

struct tok {
	uint32_t off;		/* offset in the field's text */
	uint32_t len;		/* length in bytes */
	uint64_t h;		/* hash of its lowercase form */
	uint32_t noff;		/* offset of its lowercase form in norm */
	uint8_t flags;		/* TF_* */
};

/* A field's text cut into tokens, with its lowercase normal form. */
struct text {
	const char *s;		/* the field's text; not owned */
	size_t len;		/* its length */
	struct tok *t;		/* tokens; owned, reused */
	size_t n, cap;		/* tokens used, allocated */
	struct fbuf norm;	/* lowercase tokens joined by one space */
	int digits;		/* some token has a digit */
};

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
static unsigned char char_kind[256];
static unsigned char char_lower[256];

/* What an ASCII byte between two tokens says about the gap. */
enum {
	G_BREAK,	/* , ; : ( ) " ! ? and the rest: ends a name */
	G_SPACE,	/* blank */
	G_APOS,		/* ' : a possessive may follow */
	G_DOTDASH,	/* . - : join a name, unless blanks are around */
	G_JOIN		/* & + @ : join a name */
};
static const unsigned char gap_kind[128] = {
	[' '] = G_SPACE, ['\t'] = G_SPACE, ['\n'] = G_SPACE,
	['\r'] = G_SPACE, ['\''] = G_APOS, ['.'] = G_DOTDASH,
	['-'] = G_DOTDASH, ['&'] = G_JOIN, ['+'] = G_JOIN, ['@'] = G_JOIN
};

static void
char_tables(void)
{
	for (int c = 0; c < 256; c++) {
		char_lower[c] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 :
		    c);
		if ((c >= 'a' && c <= 'z'))
			char_kind[c] = CK_WORD;
		else if (c >= 'A' && c <= 'Z')
			char_kind[c] = CK_WORD | CK_UPPER;
		else if (c >= '0' && c <= '9')
			char_kind[c] = CK_WORD | CK_DIGIT;
	}
}

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

static uint64_t
hash_bytes(const char *s, size_t n)
{
	return XXH3_64bits(s, n);
}

/* Cut s[0..len) into tokens. */
static void
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
		t->h = hash_bytes(x->norm.s + t->noff, t->len);
	}
	x->norm.s[x->norm.len] = '\0';
}

static void
text_free(struct text *x)
{
	free(x->t);
	free(x->norm.s);
}

/* ---- phrase index: token sequences looked up by their first token ---- */

/* Wildcards in phrases (not first): "#" a number, "*" any one word. */
#define H_NUM 0x23236e756d232323ULL
#define H_ANY 0x2a2a616e792a2a2aULL

struct phrase {
	uint64_t *tok;		/* token hashes; owned */
	unsigned ntok;		/* their number */
	uint64_t tok1;		/* tok[1] when ntok > 1: tried first */
	int id;			/* what it stands for (term, name) */
	int next;		/* next phrase with the same first token, -1 */
};

struct pindex {
	struct phrase *v;	/* phrases */
	size_t n, cap;		/* used, allocated */
	struct hmap first;	/* first token hash -> newest phrase */
};

static void
pindex_add(struct pindex *px, const uint64_t *tok, unsigned ntok, int id)
{
	struct phrase *p;

	if (px->n == px->cap) {
		px->cap = px->cap ? px->cap * 2 : 64;
		px->v = xrealloc(px->v, px->cap * sizeof(*px->v));
	}
	p = &px->v[px->n];
	p->tok = xmalloc(ntok * sizeof(*p->tok));
	memcpy(p->tok, tok, ntok * sizeof(*tok));
	p->ntok = ntok;
	p->tok1 = ntok > 1 ? tok[1] : 0;
	p->id = id;
	p->next = hmap_get(&px->first, tok[0]);
	hmap_put(&px->first, tok[0], (int)px->n);
	px->n++;
}

/* Index of the first phrase that may start at token i, or -1. */
static int
pindex_first(const struct pindex *px, const struct text *x, size_t i)
{
	return hmap_get(&px->first, x->t[i].h);
}

/* Non-zero when token t matches the phrase token h. */
static inline int
tok_matches(uint64_t h, const struct text *x, const struct tok *t)
{
	return t->h == h || h == H_ANY || (h == H_NUM &&
	    x->norm.s[t->noff] >= '0' && x->norm.s[t->noff] <= '9');
}

/* Non-zero when phrase p matches the tokens from i on.  Most lookups
 * fail on the second token: that one is tried inline first. */
static inline int
phrase_at(const struct phrase *p, const struct text *x, size_t i)
{
	if (p->ntok == 1)
		return 1;
	if (i + p->ntok > x->n || !tok_matches(p->tok1, x, &x->t[i + 1]))
		return 0;
	for (unsigned k = 2; k < p->ntok; k++)
		if (!tok_matches(p->tok[k], x, &x->t[i + k]))
			return 0;
	return 1;
}

/* Longest phrase matching at i (its index), or -1. */
static int
pindex_longest(const struct pindex *px, const struct text *x, size_t i)
{
	int best = -1;

	for (int j = pindex_first(px, x, i); j >= 0; j = px->v[j].next)
		if (phrase_at(&px->v[j], x, i) &&
		    (best < 0 || px->v[j].ntok > px->v[best].ntok))
			best = j;
	return best;
}

/* Longest phrase ending just before token i (its index), or -1. */
static int
pindex_ending(const struct pindex *px, const struct text *x, size_t i,
    unsigned maxlen)
{
	for (unsigned len = maxlen; len >= 1; len--) {
		if (len > i)
			continue;
		for (int j = pindex_first(px, x, i - len); j >= 0;
		    j = px->v[j].next)
			if (px->v[j].ntok == len && phrase_at(&px->v[j], x,
			    i - len))
				return j;
	}
	return -1;
}

static void
pindex_free(struct pindex *px)
{
	for (size_t i = 0; i < px->n; i++)
		free(px->v[i].tok);
	free(px->v);
	hmap_free(&px->first);
}

/* ---- the rules ---- */

enum { T_EVENT, T_INDUSTRY };

struct term {
	int kind;		/* T_EVENT or T_INDUSTRY */
	int target;		/* event label or industry index */
	double weight;		/* added to the target's score; may be < 0 */
	char *text;		/* the phrase or pattern as written; owned */
	int src;		/* index of the rules file in rules.files */
	int line;		/* line in it */
	pcre2_code *re;		/* compiled pattern, or NULL for a phrase */
	unsigned long stamp;	/* last field it counted in */
};

/* A company name list: the gazetteer and the tracked companies. */
struct names {
	char **canon;		/* canonical name of each entry; owned */
	size_t n, cap;		/* used, allocated */
	struct pindex px;	/* each name and alias -> entry */
	unsigned maxtok;	/* longest name in tokens */
};

struct currency {
	char code[8];		/* ISO code, "USD" */
};

struct rules {
	char **files;		/* names of the files read, for messages */
	size_t nfiles;
	struct term *terms;	/* every event and industry term */
	size_t nterms, capterms;
	struct hmap termkey;	/* (kind, target, text) -> term */
	struct pindex px;	/* phrase terms */
	int *regex;		/* terms with a pattern */
	size_t nregex;
	char **industries;	/* industry names */
	size_t nindustries;
	int strength[EV_N];	/* event strength 0..100 for the priority */
	/* companies */
	struct hmap legal;	/* legal-form words, stripped: Inc, Ltd */
	struct hmap keep;	/* name words kept in the name: Labs */
	struct hmap stop;	/* words that never are or start a name */
	struct hmap common;	/* common words: never a name alone */
	struct hmap breaks;	/* single-word terms and cues: end a name */
	struct pindex before;	/* cues after a name: "raises" */
	struct pindex after;	/* cues before a name: "acquisition of" */
	unsigned after_max;	/* longest after cue in tokens */
	struct names gaz;	/* gazetteer */
	/* amounts */
	struct currency *cur;	/* currencies; index = group number order */
	size_t ncur;
	char **cur_forms;	/* every form, lowercase */
	int *cur_form_of;	/* currency of each form */
	size_t *cur_form_len;	/* length of each form */
	size_t nforms;
	pcre2_code *amount_re;	/* compiled from the currency forms */
	/* settings */
	double w_title, w_summary, w_content;	/* field weights */
	double min_score;	/* least score of an event; else other */
	double conf_k;		/* confidence = best / (best + second + k) */
	double rules_win;	/* rules' confidence from which they win over
				 * the model; < 0: the model file's value */
	double model_min;	/* no longer used (model format 1) */
	double industry_min;	/* least score of an industry */
	double support;		/* share of a term that is not the strongest */
	int max_companies, max_industries;
	double half_life_h;	/* recency half-life in hours */
};

static struct rules R;

/* Where a rules file error is reported. */
struct rctx {
	const char *file;	/* the file */
	int line;		/* current line */
	int section;		/* S_* */
	int target;		/* event or industry of the section */
	int depth;		/* include depth */
};

enum { S_NONE, S_EVENT, S_INDUSTRY, S_COMPANIES };

/* The last rules file error, "file:line: reason" (or "file: reason"). */
static char rules_err[1024];

static int
rules_fail(const struct rctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Note an error in rules_err; returns -1, which the parser passes up. */
static int
rules_fail(const struct rctx *c, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->line > 0)
		snprintf(rules_err, sizeof(rules_err), "%s:%d: %s", c->file,
		    c->line, msg);
	else
		snprintf(rules_err, sizeof(rules_err), "%s: %s", c->file, msg);
	return -1;
}

/* Hash each token of a phrase as text_cut would; the number of tokens. */
static unsigned
phrase_tokens(const char *s, size_t n, uint64_t *out, unsigned max,
    struct text *scratch)
{
	unsigned count = 0;
	size_t i = 0;

	/* word by word, so that "#" and "*" can stand alone */
	while (i < n) {
		size_t j;

		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		for (j = i; j < n && s[j] != ' ' && s[j] != '\t'; j++)
			;
		if (j == i)
			break;
		if (count > 0 && j - i == 1 && (s[i] == '#' || s[i] == '*')) {
			if (count >= max)
				return max + 1;
			out[count++] = s[i] == '#' ? H_NUM : H_ANY;
		} else {
			text_cut(scratch, s + i, j - i);
			for (size_t k = 0; k < scratch->n; k++) {
				if (count >= max)
					return max + 1;
				out[count++] = scratch->t[k].h;
			}
		}
		i = j;
	}
	return count;
}

static struct text rtext;	/* scratch for rules parsing */

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static int
rules_add_term(struct rctx *c, double weight, char *item, int kind)
{
	uint64_t tok[16], key;
	unsigned ntok = 0;
	size_t len = strlen(item);
	int id;
	struct term *t;
	pcre2_code *re = NULL;

	if (len >= 2 && item[0] == '/' && item[len - 1] == '/') {
		int ecode;
		PCRE2_SIZE eoff;

		uint32_t opts = PCRE2_UTF | PCRE2_NO_UTF_CHECK;

		/* the text is lowercase: caseless only if the pattern has
		 * capitals that are not escapes (\S, \D, \W, \B ...) */
		for (size_t k = 1; k + 1 < len; k++)
			if (item[k] == '\\')
				k++;
			else if (item[k] >= 'A' && item[k] <= 'Z')
				opts |= PCRE2_CASELESS;
		re = pcre2_compile((PCRE2_SPTR)item + 1, len - 2, opts,
		    &ecode, &eoff, NULL);
		if (re == NULL) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(ecode, msg, sizeof(msg));
			return rules_fail(c, "bad pattern at offset %zu: %s",
			    (size_t)eoff, (char *)msg);
		}
		pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	} else {
		ntok = phrase_tokens(item, len, tok, 16, &rtext);
		if (ntok == 0)
			return rules_fail(c, "empty phrase");
		if (ntok > 16)
			return rules_fail(c, "phrase longer than 16 words: %s",
			    item);
	}
	key = XXH3_64bits_withSeed(item, len,
	    (uint64_t)(kind * 1000 + c->target));
	if ((id = hmap_get(&R.termkey, key)) >= 0) {
		/* the same term again: the later weight counts */
		R.terms[id].weight = weight;
		R.terms[id].src = (int)R.nfiles - 1;
		R.terms[id].line = c->line;
		if (re)
			pcre2_code_free(re);
		return 0;
	}
	if (R.nterms == R.capterms) {
		R.capterms = R.capterms ? R.capterms * 2 : 256;
		R.terms = xrealloc(R.terms, R.capterms * sizeof(*R.terms));
	}
	id = (int)R.nterms++;
	t = &R.terms[id];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->target = c->target;
	t->weight = weight;
	t->text = xstrdup(item);
	t->src = (int)R.nfiles - 1;
	t->line = c->line;
	t->re = re;
	hmap_put(&R.termkey, key, id);
	if (re) {
		R.regex = xrealloc(R.regex, (R.nregex + 1) * sizeof(*R.regex));
		R.regex[R.nregex++] = id;
	} else {
		pindex_add(&R.px, tok, ntok, id);
		/* a strong one-word event term ends a name: "X Launches" */
		if (ntok == 1 && kind == T_EVENT && weight >= 3)
			hmap_put(&R.breaks, tok[0], 1);
	}
	return 0;
}

/* Add each comma-separated word of list to set (hashed lowercase). */
static int
rules_add_words(struct rctx *c, struct hmap *set, char *list)
{
	char *save = NULL;

	for (char *w = strtok_r(list, ",", &save); w;
	    w = strtok_r(NULL, ",", &save)) {
		uint64_t tok[4];
		unsigned n;

		w = trim(w);
		if (*w == '\0')
			continue;
		n = phrase_tokens(w, strlen(w), tok, 4, &rtext);
		if (n != 1)
			return rules_fail(c, "not one word: %s", w);
		hmap_put(set, tok[0], 1);
	}
	return 0;
}

static int
rules_add_cues(struct rctx *c, struct pindex *px, char *list, unsigned *max)
{
	char *save = NULL;

	for (char *w = strtok_r(list, ",", &save); w;
	    w = strtok_r(NULL, ",", &save)) {
		uint64_t tok[8];
		unsigned n;

		w = trim(w);
		if (*w == '\0')
			continue;
		n = phrase_tokens(w, strlen(w), tok, 8, &rtext);
		if (n == 0 || n > 8)
			return rules_fail(c, "bad cue: %s", w);
		pindex_add(px, tok, n, 0);
		if (n == 1)
			hmap_put(&R.breaks, tok[0], 1);
		if (max && n > *max)
			*max = n;
	}
	return 0;
}

/* Add a name with its aliases ("Name | alias | alias") to a list. */
static void
names_add(struct names *nm, const char *canon, const char *const *forms,
    size_t nforms)
{
	int id = (int)nm->n;

	if (nm->n == nm->cap) {
		nm->cap = nm->cap ? nm->cap * 2 : 64;
		nm->canon = xrealloc(nm->canon, nm->cap * sizeof(*nm->canon));
	}
	nm->canon[nm->n++] = xstrdup(canon);
	for (size_t i = 0; i < nforms; i++) {
		uint64_t tok[12];
		unsigned n = phrase_tokens(forms[i], strlen(forms[i]), tok, 12,
		    &rtext);

		if (n == 0 || n > 12)
			continue;
		pindex_add(&nm->px, tok, n, id);
		if (n > nm->maxtok)
			nm->maxtok = n;
	}
}

/* A "Name | alias" line (also tab-separated) into a list; 0 if empty. */
static int
names_add_line(struct names *nm, char *line)
{
	const char *forms[32];
	size_t n = 0;
	char *save = NULL;

	for (char *w = strtok_r(line, "|\t", &save); w && n < 32;
	    w = strtok_r(NULL, "|\t", &save)) {
		w = trim(w);
		if (*w)
			forms[n++] = w;
	}
	if (n == 0)
		return 0;
	names_add(nm, forms[0], forms, n);
	return 1;
}

static void
names_free(struct names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->canon[i]);
	free(nm->canon);
	pindex_free(&nm->px);
}

/* A path named in a rules file, relative to that file's directory. */
static char *
rules_path(const char *from, const char *path)
{
	const char *slash = strrchr(from, '/');
	char *p;

	if (path[0] == '/' || slash == NULL)
		return xstrdup(path);
	if (asprintf(&p, "%.*s/%s", (int)(slash - from), from, path) < 0)
		die_nomem();
	return p;
}

static const char *default_rules;	/* path of the default rules */

static int rules_read(const char *path, int depth);

static int
rules_read_list(struct rctx *c, const char *path, int common)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct rctx sub = { path, 0, S_NONE, 0, c->depth + 1 };
	int rc = 0;

	if (fp == NULL)
		return rules_fail(c, "%s: %s", path, strerror(errno));
	while (rc == 0 && (n = getline(&line, &cap, fp)) >= 0) {
		char *s;

		sub.line++;
		if (utf8_check(line, (size_t)n) != (size_t)n) {
			rc = rules_fail(&sub, "invalid UTF-8");
			break;
		}
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		if (common) {
			uint64_t tok[4];

			if (phrase_tokens(s, strlen(s), tok, 4, &rtext) != 1)
				rc = rules_fail(&sub, "not one word: %s", s);
			else
				hmap_put(&R.common, tok[0], 1);
		} else
			names_add_line(&R.gaz, s);
	}
	free(line);
	fclose(fp);
	return rc;
}

static int
rules_number(struct rctx *c, const char *s, const char *what, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *trim(end) != '\0' || !isfinite(*v))
		return rules_fail(c, "bad %s: %s", what, s);
	return 0;
}

static int
rules_set(struct rctx *c, char *rest)
{
	static const struct {
		const char *name;
		int isint;
		void *p;
	} vars[] = {
		{ "title-weight", 0, &R.w_title },
		{ "summary-weight", 0, &R.w_summary },
		{ "content-weight", 0, &R.w_content },
		{ "min-score", 0, &R.min_score },
		{ "confidence-k", 0, &R.conf_k },
		{ "rules-win", 0, &R.rules_win },
		{ "model-min", 0, &R.model_min },
		{ "industry-min", 0, &R.industry_min },
		{ "support", 0, &R.support },
		{ "half-life", 0, &R.half_life_h },
		{ "max-companies", 1, &R.max_companies },
		{ "max-industries", 1, &R.max_industries },
	};
	char *val = rest + strcspn(rest, " \t");

	if (*val)
		*val++ = '\0';
	val = trim(val);
	for (size_t i = 0; i < sizeof(vars) / sizeof(*vars); i++) {
		double v;

		if (strcmp(vars[i].name, rest) != 0)
			continue;
		if (rules_number(c, val, rest, &v) < 0)
			return -1;
		if (v < 0)
			return rules_fail(c, "%s: negative", rest);
		if (vars[i].isint)
			*(int *)vars[i].p = (int)v;
		else
			*(double *)vars[i].p = v;
		return 0;
	}
	return rules_fail(c, "unknown setting: %s", rest);
}

static int
rules_currency(struct rctx *c, char *rest)
{
	char *colon = strchr(rest, ':'), *save = NULL, *code;

	if (colon == NULL)
		return rules_fail(c, "currency: CODE: forms, expected");
	*colon = '\0';
	code = trim(rest);
	if (strlen(code) < 1 || strlen(code) > 7)
		return rules_fail(c, "bad currency code: %s", code);
	R.cur = xrealloc(R.cur, (R.ncur + 1) * sizeof(*R.cur));
	snprintf(R.cur[R.ncur].code, sizeof(R.cur[R.ncur].code), "%s", code);
	for (char *w = strtok_r(colon + 1, ",", &save); w;
	    w = strtok_r(NULL, ",", &save)) {
		w = trim(w);
		if (*w == '\0')
			continue;
		R.cur_forms = xrealloc(R.cur_forms,
		    (R.nforms + 1) * sizeof(*R.cur_forms));
		R.cur_form_of = xrealloc(R.cur_form_of,
		    (R.nforms + 1) * sizeof(*R.cur_form_of));
		R.cur_forms[R.nforms] = xstrdup(w);
		for (char *p = R.cur_forms[R.nforms]; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p += 32;
		R.cur_form_of[R.nforms++] = (int)R.ncur;
	}
	R.ncur++;
	return 0;
}

/* One line of a rules file. */
static int
rules_line(struct rctx *c, char *s)
{
	char *word = s, *rest;
	size_t wl = strcspn(s, " \t:");

	rest = s + wl;
	if (*rest == ':' && (c->section == S_EVENT ||
	    c->section == S_INDUSTRY || c->section == S_COMPANIES)) {
		/* KEY: list */
		char key[32];

		if (wl >= sizeof(key))
			return rules_fail(c, "unknown key");
		memcpy(key, word, wl);
		/* cppcheck-suppress arrayIndexOutOfBoundsCond */
		key[wl] = '\0';
		rest = trim(rest + 1);
		if (c->section == S_COMPANIES) {
			if (strcmp(key, "legal") == 0)
				return rules_add_words(c, &R.legal, rest);
			else if (strcmp(key, "keep") == 0)
				return rules_add_words(c, &R.keep, rest);
			else if (strcmp(key, "stop") == 0)
				return rules_add_words(c, &R.stop, rest);
			else if (strcmp(key, "before") == 0)
				return rules_add_cues(c, &R.before, rest,
				    NULL);
			else if (strcmp(key, "after") == 0)
				return rules_add_cues(c, &R.after, rest,
				    &R.after_max);
			else
				return rules_fail(c, "unknown key in "
				    "companies: %s (legal, keep, stop, "
				    "before, after)", key);
		} else {
			double w;
			int kind = c->section == S_EVENT ? T_EVENT :
			    T_INDUSTRY;
			char *save = NULL;

			if (rules_number(c, key, "weight", &w) < 0)
				return -1;
			if (*rest == '/')
				return rules_add_term(c, w, rest, kind);
			for (char *it = strtok_r(rest, ",", &save); it;
			    it = strtok_r(NULL, ",", &save)) {
				it = trim(it);
				if (*it && rules_add_term(c, w, it, kind) < 0)
					return -1;
			}
			return 0;
		}
	}
	if (*rest)
		*rest++ = '\0';
	rest = trim(rest);
	if (strcmp(word, "event") == 0) {
		char *arg = rest + strcspn(rest, " \t");
		int ev;

		if (*arg)
			*arg++ = '\0';
		arg = trim(arg);
		if ((ev = ev_lookup(rest, strlen(rest))) < 0)
			return rules_fail(c, "unknown event type: %s", rest);
		c->section = S_EVENT;
		c->target = ev;
		if (*arg) {
			double v;

			if (strncmp(arg, "strength", 8) != 0)
				return rules_fail(c, "event %s: strength N "
				    "expected", rest);
			if (rules_number(c, trim(arg + 8), "strength", &v) < 0)
				return -1;
			if (v < 0 || v > 100)
				return rules_fail(c, "strength out of 0..100");
			R.strength[ev] = (int)v;
		}
	} else if (strcmp(word, "industry") == 0) {
		size_t i;

		if (*rest == '\0' || strpbrk(rest, " \t"))
			return rules_fail(c, "industry NAME: one word "
			    "expected");
		for (i = 0; i < R.nindustries; i++)
			if (strcmp(R.industries[i], rest) == 0)
				break;
		if (i == R.nindustries) {
			R.industries = xrealloc(R.industries,
			    (R.nindustries + 1) * sizeof(*R.industries));
			R.industries[R.nindustries++] = xstrdup(rest);
		}
		c->section = S_INDUSTRY;
		c->target = (int)i;
	} else if (strcmp(word, "companies") == 0) {
		if (*rest)
			return rules_fail(c, "companies takes no argument");
		c->section = S_COMPANIES;
	} else if (strcmp(word, "currency") == 0) {
		return rules_currency(c, rest);
	} else if (strcmp(word, "set") == 0) {
		return rules_set(c, rest);
	} else if (strcmp(word, "include") == 0) {
		char *p;
		int rc;

		if (*rest == '\0')
			return rules_fail(c, "include: file name expected");
		if (c->depth >= INCLUDE_MAX)
			return rules_fail(c, "includes nested too deep");
		if (strcmp(rest, "default") == 0) {
			if (default_rules == NULL)
				return rules_fail(c, "no default rules found");
			p = xstrdup(default_rules);
		} else
			p = rules_path(c->file, rest);
		if (access(p, R_OK) != 0)
			rc = rules_fail(c, "include %s: %s", p,
			    strerror(errno));
		else
			rc = rules_read(p, c->depth + 1);
		free(p);
		return rc;
	} else if (strcmp(word, "gazetteer") == 0 ||
	    strcmp(word, "common") == 0) {
		char *p;
		int rc;

		if (*rest == '\0')
			return rules_fail(c, "%s: file name expected", word);
		p = rules_path(c->file, rest);
		rc = rules_read_list(c, p, word[0] == 'c');
		free(p);
		return rc;
	} else if (c->section == S_NONE || c->section == S_COMPANIES)
		return rules_fail(c, "unknown directive: %s", word);
	else
		return rules_fail(c, "unknown directive: %s (terms are "
		    "written WEIGHT: term, term)", word);
	return 0;
}

/* Read a rules file (and what it includes) into R: 0, or -1 with the
 * reason in rules_err.  What was read before an error stays in R, for
 * rules_free. */
static int
rules_read(const char *path, int depth)
{
	struct rctx c = { NULL, 0, S_NONE, 0, depth };
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	R.files = xrealloc(R.files, (R.nfiles + 1) * sizeof(*R.files));
	R.files[R.nfiles++] = xstrdup(path);
	c.file = R.files[R.nfiles - 1];
	if ((fp = fopen(path, "r")) == NULL)
		return rules_fail(&c, "%s", strerror(errno));
	while (rc == 0 && (n = getline(&line, &cap, fp)) >= 0) {
		char *s;

		c.line++;
		if (utf8_check(line, (size_t)n) != (size_t)n) {
			rc = rules_fail(&c, "invalid UTF-8");
			break;
		}
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		rc = rules_line(&c, s);
	}
	if (rc == 0 && ferror(fp))
		rc = rules_fail(&c, "%s", strerror(errno));
	free(line);
	fclose(fp);
	return rc;
}

static void
rules_defaults(void)
{
	R.w_title = 3;
	R.w_summary = 1;
	R.w_content = 0.5;
	R.min_score = 3;
	R.conf_k = 3;
	R.rules_win = -1;
	R.model_min = 0.5;
	R.industry_min = 1;
	R.support = 1;
	R.max_companies = 5;
	R.max_industries = 3;
	R.half_life_h = 48;
	for (int i = 0; i < EV_N; i++)
		R.strength[i] = 30;
	R.strength[EV_OTHER] = 5;
}

/*
 * Build the amount pattern from the currencies: a number, a multiplier,
 * and a currency form after it.  A form before the number is looked for
 * by hand (find_amount), so the pattern starts with a digit and PCRE2
 * skips quickly to the numbers of a text.
 */
static int
rules_amount(void)
{
	struct fbuf b = { 0 };
	int ecode, first = 1;
	PCRE2_SIZE eoff;

	if (R.nforms == 0)
		return 0;
	fbuf_adds(&b, "(?<![\\w.,])(\\d{1,3}(?:,\\d{3})+(?:\\.\\d+)?|\\d+"
	    "(?:\\.\\d+)?)(?:\\s?(thousand|million|billion|trillion|mln|mn|bn|"
	    "tn|crore|lakh|k|m|b)(?![\\w]))?(?:\\s?(");
	/* forms longest first, so "us$" wins over "$" */
	for (size_t len = 32; len >= 1; len--)
		for (size_t i = 0; i < R.nforms; i++) {
			if (strlen(R.cur_forms[i]) != len)
				continue;
			if (!first)
				fbuf_adds(&b, "|");
			first = 0;
			fbuf_adds(&b, "\\Q");
			fbuf_adds(&b, R.cur_forms[i]);
			fbuf_adds(&b, "\\E");
		}
	fbuf_adds(&b, ")(?![\\w]))?");
	R.amount_re = pcre2_compile((PCRE2_SPTR)b.s, b.len,
	    PCRE2_CASELESS | PCRE2_UTF | PCRE2_NO_UTF_CHECK, &ecode, &eoff,
	    NULL);
	if (R.amount_re == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(ecode, msg, sizeof(msg));
		snprintf(rules_err, sizeof(rules_err), "currency forms make a "
		    "bad pattern at %zu: %s", (size_t)eoff, (char *)msg);
		free(b.s);
		return -1;
	}
	pcre2_jit_compile(R.amount_re, PCRE2_JIT_COMPLETE);
	/* for the look back: longest forms first */
	for (size_t i = 1; i < R.nforms; i++)
		for (size_t j = i; j > 0 && strlen(R.cur_forms[j - 1]) <
		    strlen(R.cur_forms[j]); j--) {
			char *t = R.cur_forms[j];
			int o = R.cur_form_of[j];

			R.cur_forms[j] = R.cur_forms[j - 1];
			R.cur_form_of[j] = R.cur_form_of[j - 1];
			R.cur_forms[j - 1] = t;
			R.cur_form_of[j - 1] = o;
		}
	R.cur_form_len = xmalloc(R.nforms * sizeof(*R.cur_form_len));
	for (size_t i = 0; i < R.nforms; i++)
		R.cur_form_len[i] = strlen(R.cur_forms[i]);
	free(b.s);
	return 0;
}

/* The currency form ending at s[end] (one blank allowed), or -1. */
static int
form_before(const char *s, size_t end)
{
	if (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	if (end == 0)
		return -1;
	for (size_t i = 0; i < R.nforms; i++) {
		size_t n = R.cur_form_len[i];
		unsigned char c0 = (unsigned char)R.cur_forms[i][0];
		unsigned char last = (unsigned char)s[end - 1];

		if (last >= 'A' && last <= 'Z')
			last += 32;
		if (n > end || last != (unsigned char)R.cur_forms[i][n - 1] ||
		    strncasecmp(s + end - n, R.cur_forms[i], n) != 0)
			continue;
		/* a form that starts with a letter starts a word */
		if (isalpha(c0) && end > n && (isalnum((unsigned char)s[end -
		    n - 1]) || (unsigned char)s[end - n - 1] >= 0x80))
			continue;
		return R.cur_form_of[i];
	}
	return -1;
}

static void
rules_free(void)
{
	for (size_t i = 0; i < R.nterms; i++) {
		free(R.terms[i].text);
		if (R.terms[i].re)
			pcre2_code_free(R.terms[i].re);
	}
	free(R.terms);
	for (size_t i = 0; i < R.nfiles; i++)
		free(R.files[i]);
	free(R.files);
	for (size_t i = 0; i < R.nindustries; i++)
		free(R.industries[i]);
	free(R.industries);
	free(R.regex);
	hmap_free(&R.termkey);
	pindex_free(&R.px);
	hmap_free(&R.legal);
	hmap_free(&R.keep);
	hmap_free(&R.stop);
	hmap_free(&R.common);
	hmap_free(&R.breaks);
	pindex_free(&R.before);
	pindex_free(&R.after);
	names_free(&R.gaz);
	for (size_t i = 0; i < R.nforms; i++)
		free(R.cur_forms[i]);
	free(R.cur_forms);
	free(R.cur_form_of);
	free(R.cur_form_len);
	free(R.cur);
	if (R.amount_re)
		pcre2_code_free(R.amount_re);
}

/* The default rules: $JOBLINE_SHARE, beside the program, compiled in. */
static char *
find_default_rules(void)
{
	char exe[PATH_MAX], *p;
	const char *env = getenv("JOBLINE_SHARE");
	ssize_t n;

	if (env && *env) {
		if (asprintf(&p, "%s/classify/rules", env) < 0)
			die_nomem();
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		char *slash;

		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		if (asprintf(&p, "%s/../share/classify/rules", exe) < 0)
			die_nomem();
		if (access(p, R_OK) == 0)
			return p;
		free(p);
		if (asprintf(&p, "%s/../share/jobline/classify/rules", exe) < 0)
			die_nomem();
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	p = xstrdup(JOBLINE_SHAREDIR "/classify/rules");
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	return NULL;
}

/* ---- tracked companies ---- */

static struct names tracked;

static void
tracked_read(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;

	if (fp == NULL)
		err(EXIT_USAGE, "%s", path);
	while ((n = getline(&line, &cap, fp)) >= 0) {
		char *s;

		lineno++;
		if (utf8_check(line, (size_t)n) != (size_t)n)
			errx(EXIT_USAGE, "%s:%lu: invalid UTF-8", path, lineno);
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		if (*s == '{') {
			json_object *o = json_tokener_parse(s), *a;
			const char *name;
			const char *forms[32];
			size_t n = 0;

			if (o == NULL || !json_object_is_type(o,
			    json_type_object))
				errx(EXIT_USAGE, "%s:%lu: not a JSON object",
				    path, lineno);
			name = json_get_string(o, "name");
			if (name == NULL)
				name = json_get_string(o, "company");
			if (name == NULL || *name == '\0')
				errx(EXIT_USAGE, "%s:%lu: no name", path,
				    lineno);
			forms[n++] = name;
			if (json_object_object_get_ex(o, "aliases", &a) &&
			    json_object_is_type(a, json_type_array))
				for (size_t i = 0; i < json_object_array_length(
				    a) && n < 32; i++) {
					json_object *v =
					    json_object_array_get_idx(a, i);

					if (json_object_is_type(v,
					    json_type_string))
						forms[n++] =
						    json_object_get_string(v);
				}
			names_add(&tracked, name, forms, n);
			json_object_put(o);
		} else
			names_add_line(&tracked, s);
	}
	free(line);
	fclose(fp);
}

/*
 * ---- the model: multinomial logistic regression (softmax over the
 * labels) over binary lowercase word unigrams and bigrams, each item's
 * word features scaled to unit length, plus the rules' evidence as
 * features of weight 1 (stacking): which event types the rules scored,
 * which they decided, and which of their terms fired ----
 */

#define LR_EPOCHS 30		/* passes over the training items */
#define LR_RATE 1.0		/* first learning rate */
#define LR_DECAY 0.1		/* rate = LR_RATE / (1 + LR_DECAY * epoch) */
#define LR_L2 1e-5		/* weight decay per step */
#define LR_MIN_COUNT 2		/* features seen fewer times are dropped */
#define LR_CLASS_WEIGHT 0.5	/* item weight: (items / labels / label's
				 * items) ^ this, for its rarest label */
#define LR_PREFIX 5		/* bytes of a longer word's prefix feature */

/* A feature: its text, hash, and whether it is the rules' (weight 1). */
typedef void (*feat_fn)(void *arg, const char *s, size_t n, uint64_t h,
    int rule);

struct model {
	int loaded;		/* a model is in use */
	double bias[EV_N];	/* per-label intercept */
	double offset[EV_N];	/* added to each label's score to decide */
	double rules_win[EV_N];	/* rules' confidence from which each of
				 * their labels wins */
	struct hmap feat;	/* feature hash -> row */
	float *w;		/* rows * EV_N weights */
	size_t rows;
	unsigned long *seen;	/* per row: last item it counted for */
	unsigned long stamp;	/* item counter for seen */
};

static struct model M;
static int want_terms;		/* record the event terms that fire */
static int verbose_tune;	/* -v with --train: say what tuning found */

/* Call fn for each word feature (unigram, bigram) of a field's tokens. */
static void
features(const struct text *x, feat_fn fn, void *arg)
{
	char buf[64];

	for (size_t i = 0; i < x->n; i++) {
		const struct tok *t = &x->t[i];

		fn(arg, x->norm.s + t->noff, t->len, t->h, 0);
		if (t->len > LR_PREFIX) {
			const char *s = x->norm.s + t->noff;
			size_t n = utf8_prefix(s, t->len, LR_PREFIX);

			buf[0] = 'p';
			buf[1] = ':';
			memcpy(buf + 2, s, n);
			fn(arg, buf, n + 2, hash_bytes(buf, n + 2), 0);
		}
		if (i + 1 < x->n) {
			const struct tok *u = &x->t[i + 1];
			size_t len = u->noff + u->len - t->noff;

			fn(arg, x->norm.s + t->noff, len,
			    hash_bytes(x->norm.s + t->noff, len), 0);
		}
	}
}

/* A model line's number for each label, from p into v: the end of the
 * last, or NULL when one is missing (or not finite, with finite). */
static char *
label_values(char *p, double *v, int finite)
{
	for (int i = 0; i < EV_N; i++) {
		char *e;

		v[i] = strtod(p, &e);
		if (e == p || (finite && !isfinite(v[i])))
			return NULL;
		p = e;
	}
	return p;
}

static void
model_load(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, rows_cap = 0;
	unsigned long lineno = 0;
	int labels_ok = 0, magic = 0, rw_ok = 0;

	if (fp == NULL)
		err(EXIT_USAGE, "%s", path);
	while (getline(&line, &cap, fp) >= 0) {
		char *s = trim(line), *p;

		lineno++;
		if (*s == '\0' || *s == '#')
			continue;
		if (!magic) {
			if (strcmp(s, "jobline-classify-model 1") == 0)
				errx(EXIT_USAGE, "%s:%lu: a model of an older "
				    "format (1): train it again with --train",
				    path, lineno);
			if (strcmp(s, "jobline-classify-model 2") != 0)
				errx(EXIT_USAGE, "%s:%lu: not a classify model",
				    path, lineno);
			magic = 1;
		} else if (strncmp(s, "labels ", 7) == 0) {
			char *save = NULL;
			int i = 0;

			for (char *w = strtok_r(s + 7, " ", &save); w;
			    w = strtok_r(NULL, " ", &save), i++)
				if (i >= EV_N || strcmp(w, ev_names[i]) != 0)
					errx(EXIT_USAGE, "%s:%lu: labels differ "
					    "from this program's", path, lineno);
			if (i != EV_N)
				errx(EXIT_USAGE, "%s:%lu: labels differ from "
				    "this program's", path, lineno);
			labels_ok = 1;
		} else if (strncmp(s, "bias ", 5) == 0) {
			if (label_values(s + 5, M.bias, 0) == NULL)
				errx(EXIT_USAGE, "%s:%lu: bad bias", path,
				    lineno);
		} else if (strncmp(s, "offset ", 7) == 0) {
			if (label_values(s + 7, M.offset, 0) == NULL)
				errx(EXIT_USAGE, "%s:%lu: bad offset", path,
				    lineno);
		} else if ((*s >= '0' && *s <= '9') || *s == '-') {
			float w[EV_N];

			p = s;
			for (int i = 0; i < EV_N; i++) {
				char *e;

				w[i] = strtof(p, &e);
				if (e == p)
					errx(EXIT_USAGE, "%s:%lu: bad weights",
					    path, lineno);
				p = e;
			}
			p = trim(p);
			if (*p == '\0')
				errx(EXIT_USAGE, "%s:%lu: no feature", path,
				    lineno);
			if (M.rows == rows_cap) {
				rows_cap = rows_cap ? rows_cap * 2 : 4096;
				M.w = xrealloc(M.w, rows_cap * EV_N *
				    sizeof(*M.w));
			}
			memcpy(M.w + M.rows * EV_N, w, sizeof(w));
			hmap_put(&M.feat, hash_bytes(p, strlen(p)),
			    (int)M.rows);
			M.rows++;
		} else if (strncmp(s, "rules-win ", 10) == 0) {
			if ((p = label_values(s + 10, M.rules_win, 1)) ==
			    NULL || *trim(p) != '\0')
				errx(EXIT_USAGE, "%s:%lu: bad rules-win", path,
				    lineno);
			rw_ok = 1;
		} else if (strncmp(s, "kind ", 5) == 0) {
			if (strcmp(s + 5, "softmax-regression") != 0)
				errx(EXIT_USAGE, "%s:%lu: unknown model kind",
				    path, lineno);
		} else
			errx(EXIT_USAGE, "%s:%lu: unknown line", path, lineno);
	}
	free(line);
	fclose(fp);
	if (!magic)
		errx(EXIT_USAGE, "%s: not a classify model", path);
	if (!labels_ok)
		errx(EXIT_USAGE, "%s: no labels line", path);
	if (!rw_ok)
		errx(EXIT_USAGE, "%s: no rules-win line", path);
	M.seen = xcalloc(M.rows ? M.rows : 1, sizeof(*M.seen));
	M.loaded = 1;
}

/* Scoring state for one item's features. */
struct mscore {
	double zw[EV_N];	/* sum of the word features' weights */
	double zr[EV_N];	/* sum of the rule features' weights */
	size_t n;		/* distinct known word features */
};

static void
model_feature(void *arg, const char *s, size_t n, uint64_t h, int rule)
{
	struct mscore *ms = arg;
	int r = hmap_get(&M.feat, h);
	double *z = rule ? ms->zr : ms->zw;

	(void)s;
	(void)n;
	if (r < 0 || M.seen[r] == M.stamp)
		return;
	M.seen[r] = M.stamp;
	if (!rule)
		ms->n++;
	for (int l = 0; l < EV_N; l++)
		z[l] += M.w[(size_t)r * EV_N + l];
}

/* For --explain: the features that weigh most for one label. */
struct mtop {
	int label;		/* the label explained */
	double w[3];		/* the three largest weights so far */
	char f[3][48];		/* their features */
};

static void
model_top_feature(void *arg, const char *s, size_t n, uint64_t h, int rule)
{
	struct mtop *mt = arg;
	int r = hmap_get(&M.feat, h), k;
	double w;

	(void)rule;
	if (r < 0 || M.seen[r] == M.stamp)
		return;
	M.seen[r] = M.stamp;
	w = M.w[(size_t)r * EV_N + mt->label];
	for (k = 3; k > 0 && w > mt->w[k - 1]; k--)
		;
	if (k == 3)
		return;
	memmove(&mt->w[k + 1], &mt->w[k], (2 - k) * sizeof(*mt->w));
	memmove(mt->f[k + 1], mt->f[k], (2 - k) * sizeof(*mt->f));
	mt->w[k] = w;
	n = utf8_prefix(s, n, sizeof(mt->f[k]) - 1);	/* cut at a character */
	memcpy(mt->f[k], s, n);
	mt->f[k][n] = '\0';
}

/* The model's label: the highest score plus offset; ties go to other. */
static int
model_label(const double *z, const double *off)
{
	int best = EV_OTHER;
	double bz = z[EV_OTHER] + off[EV_OTHER];

	for (int l = 0; l < EV_N; l++)
		if (z[l] + off[l] > bz) {
			bz = z[l] + off[l];
			best = l;
		}
	return best;
}

/* Softmax of z into p. */
static void
softmax(const double *z, double *p)
{
	double mx = z[0], sum = 0;

	for (int l = 1; l < EV_N; l++)
		if (z[l] > mx)
			mx = z[l];
	for (int l = 0; l < EV_N; l++)
		sum += (p[l] = exp(z[l] - mx));
	for (int l = 0; l < EV_N; l++)
		p[l] /= sum;
}

/* ---- training ---- */

struct trainer {
	struct hmap feat;	/* feature hash -> row */
	struct fbuf strs;	/* feature texts, NUL-separated */
	size_t *stroff;		/* offset of each row's text */
	unsigned *count;	/* items each row was seen in */
	size_t rows, cap;
	unsigned long stamp;	/* item counter */
	unsigned long *seen;	/* per row: last item */
	int *feats;		/* every item's rows, one after the other */
	size_t nfeats, capfeats;
	size_t *item_off;	/* per item: start in feats */
	size_t *item_rule;	/* per item: start of its rule features */
	unsigned *item_labels;	/* per item: bit set of labels */
	int *item_rdec;		/* per item: the rules' label */
	double *item_rconf;	/* per item: the rules' confidence */
	size_t nitems, capitems;
};

static struct trainer T;

static void
train_feature(void *arg, const char *s, size_t n, uint64_t h, int rule)
{
	int r = hmap_get(&T.feat, h);

	(void)arg;
	(void)rule;
	if (r < 0) {
		if (T.rows == T.cap) {
			T.cap = T.cap ? T.cap * 2 : 4096;
			T.stroff = xrealloc(T.stroff, T.cap *
			    sizeof(*T.stroff));
			T.count = xrealloc(T.count, T.cap * sizeof(*T.count));
			T.seen = xrealloc(T.seen, T.cap * sizeof(*T.seen));
		}
		r = (int)T.rows++;
		T.stroff[r] = T.strs.len;
		fbuf_add(&T.strs, s, n);
		fbuf_add(&T.strs, "", 1);
		T.count[r] = 0;
		T.seen[r] = 0;
		hmap_put(&T.feat, h, r);
	}
	if (T.seen[r] == T.stamp)
		return;
	T.seen[r] = T.stamp;
	T.count[r]++;
	if (T.nfeats == T.capfeats) {
		T.capfeats = T.capfeats ? T.capfeats * 2 : 65536;
		T.feats = xrealloc(T.feats, T.capfeats * sizeof(*T.feats));
	}
	T.feats[T.nfeats++] = r;
	T.item_off[T.nitems] = T.nfeats;
}

/* Start a training item with the label bits. */
static void
train_item(unsigned labels)
{
	if (T.nitems + 1 >= T.capitems) {
		T.capitems = T.capitems ? T.capitems * 2 : 4096;
		T.item_off = xrealloc(T.item_off, (T.capitems + 1) *
		    sizeof(*T.item_off));
		T.item_rule = xrealloc(T.item_rule, T.capitems *
		    sizeof(*T.item_rule));
		T.item_labels = xrealloc(T.item_labels, T.capitems *
		    sizeof(*T.item_labels));
		T.item_rdec = xrealloc(T.item_rdec, T.capitems *
		    sizeof(*T.item_rdec));
		T.item_rconf = xrealloc(T.item_rconf, T.capitems *
		    sizeof(*T.item_rconf));
	}
	T.stamp++;
	T.item_off[T.nitems] = T.nfeats;
	T.item_rule[T.nitems] = T.nfeats;
	T.item_labels[T.nitems++] = labels;
	T.item_off[T.nitems] = T.nfeats;
}

/* The word features of the current item end here; the rules' follow. */
static void
train_rules_start(void)
{
	T.item_rule[T.nitems - 1] = T.nfeats;
}

/* The rules' decision on the current item. */
static void
train_rules_said(int event, double conf)
{
	T.item_rdec[T.nitems - 1] = event;
	T.item_rconf[T.nitems - 1] = conf;
}

static int
cmp_rows(const void *a, const void *b)
{
	return strcmp(T.strs.s + T.stroff[*(const size_t *)a],
	    T.strs.s + T.stroff[*(const size_t *)b]);
}

/* The inner folds: contiguous blocks of the input, so mostly whole
 * articles or sources when the input is grouped by them. */
#define LR_FOLDS 4

static int
train_fold(size_t i)
{
	return (int)(i * LR_FOLDS / (T.nitems ? T.nitems : 1));
}

/* The model's scores for training item i; returns the scale of its word
 * features (unit length together). */
static double
train_z(const double *w, const double *bias, size_t i, double *z)
{
	size_t a = T.item_off[i], b = T.item_off[i + 1];
	size_t m = T.item_rule[i], n = 0;
	double x;

	for (size_t k = a; k < m; k++)
		if (T.count[T.feats[k]] >= LR_MIN_COUNT)
			n++;
	x = n ? 1 / sqrt((double)n) : 0;
	for (int l = 0; l < EV_N; l++)
		z[l] = bias[l];
	for (size_t k = a; k < b; k++) {
		const double *wp;
		double v = k < m ? x : 1;

		if (T.count[T.feats[k]] < LR_MIN_COUNT)
			continue;
		wp = &w[(size_t)T.feats[k] * EV_N];
		for (int l = 0; l < EV_N; l++)
			z[l] += wp[l] * v;
	}
	return x;
}

/*
 * Fit the weights: stochastic gradient descent on the cross-entropy of the
 * softmax, a fixed number of epochs, the items in an order shuffled afresh
 * each epoch from a fixed seed: the same input gives the same model.  An
 * item with several labels has them as equally likely targets; items of
 * rare labels weigh more.  The items of inner fold `hold' are left out
 * (-1: none).
 */
static double *
train_fit(double *bias, int hold)
{
	double *w = xcalloc((T.rows ? T.rows : 1) * EV_N, sizeof(*w));
	double pos[EV_N] = { 0 }, cw[EV_N];
	int npresent = 0;

	for (size_t i = 0; i < T.nitems; i++)
		for (int l = 0; l < EV_N; l++)
			if (T.item_labels[i] & (1u << l))
				pos[l]++;
	for (int l = 0; l < EV_N; l++)
		npresent += pos[l] > 0;
	for (int l = 0; l < EV_N; l++) {
		cw[l] = pos[l] > 0 ? pow((double)T.nitems / npresent / pos[l],
		    LR_CLASS_WEIGHT) : 1;
		bias[l] = 0;
	}
	size_t *order = xmalloc((T.nitems ? T.nitems : 1) * sizeof(*order));
	uint64_t rnd = 0x9e3779b97f4a7c15ull;	/* fixed seed: deterministic */

	for (size_t i = 0; i < T.nitems; i++)
		order[i] = i;
	for (int e = 0; e < LR_EPOCHS; e++) {
		double rate = LR_RATE / (1 + e * LR_DECAY);

		/* a fresh order each epoch (Fisher-Yates, xorshift64) */
		for (size_t i = T.nitems; i > 1; i--) {
			size_t j, t;

			rnd ^= rnd << 13;
			rnd ^= rnd >> 7;
			rnd ^= rnd << 17;
			j = (size_t)(rnd % i);
			t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		for (size_t ii = 0; ii < T.nitems; ii++) {
			size_t i = order[ii];
			size_t a = T.item_off[i], b = T.item_off[i + 1];
			size_t m = T.item_rule[i];
			double x, z[EV_N], p[EV_N], y[EV_N], g[EV_N], iw = 0;
			int ny = 0;

			if (train_fold(i) == hold)
				continue;
			for (int l = 0; l < EV_N; l++) {
				y[l] = (T.item_labels[i] >> l) & 1;
				ny += (int)y[l];
				if (y[l] && cw[l] > iw)
					iw = cw[l];
			}
			x = train_z(w, bias, i, z);
			softmax(z, p);
			for (int l = 0; l < EV_N; l++) {
				g[l] = (p[l] - y[l] / ny) * iw * rate;
				bias[l] -= g[l];
			}
			for (size_t k = a; k < b; k++) {
				double *wp, v = k < m ? x : 1;

				if (T.count[T.feats[k]] < LR_MIN_COUNT)
					continue;
				wp = &w[(size_t)T.feats[k] * EV_N];
				for (int l = 0; l < EV_N; l++)
					wp[l] -= g[l] * v + rate * LR_L2 *
					    wp[l];
			}
		}
	}
	free(order);
	return w;
}

/*
 * The combined decision for training item i from its model scores z: the
 * rules' label when it is not other and its confidence reaches rw, else
 * the label whose score plus offset is highest.
 */
static int
train_decide(size_t i, const double *z, const double *off, const double *rw)
{
	if (T.item_rdec[i] != EV_OTHER && T.item_rconf[i] >= rw[T.item_rdec[i]])
		return T.item_rdec[i];
	return model_label(z, off);
}

/* Macro-F1 over the labels other than other present in the items, as
 * --eval counts (right when the prediction is one of the labels). */
static double
train_macro(const double *zs, const double *off, const double *rw)
{
	unsigned long tp[EV_N] = { 0 }, np[EV_N] = { 0 }, ng[EV_N] = { 0 };
	double sum = 0;
	int nl = 0;

	for (size_t i = 0; i < T.nitems; i++) {
		int p = train_decide(i, zs + i * EV_N, off, rw), g = p;
		unsigned lab = T.item_labels[i];

		if (!(lab & (1u << p)))
			for (g = 0; g < EV_N - 1 && !(lab & (1u << g)); g++)
				;
		np[p]++;
		ng[g]++;
		tp[p] += g == p;
	}
	for (int l = 0; l < EV_N; l++) {
		double pr, rc;

		if (l == EV_OTHER || ng[l] == 0)
			continue;
		pr = np[l] ? (double)tp[l] / np[l] : 0;
		rc = (double)tp[l] / ng[l];
		sum += pr + rc > 0 ? 2 * pr * rc / (pr + rc) : 0;
		nl++;
	}
	return nl ? sum / nl : 0;
}

/* Coordinate ascent on the offsets for rules-win values rw; returns the
 * macro-F1 reached. */
static double
tune_offsets(const double *zs, double *o, const double *rw, double m)
{
	for (int round = 0; round < 3; round++)
		for (int l = 0; l < EV_N; l++) {
			double keep = o[l];

			if (l == EV_OTHER)
				continue;
			for (int g = -12; g <= 16; g++) {
				double v;

				o[l] = g * 0.25;
				if ((v = train_macro(zs, o, rw)) > m + 1e-9) {
					m = v;
					keep = o[l];
				}
			}
			o[l] = keep;
		}
	return m;
}

/*
 * Choose how the model and the rules combine, by cross-validation on the
 * training items alone (LR_FOLDS contiguous folds): each fold's items are
 * scored by a model trained on the others; then for each rules-win value
 * in turn the per-label offsets are chosen by coordinate ascent on a grid
 * to maximise the macro-F1, and the best pair is kept; then
 * each label's own rules-win, the offsets chosen again after each.
 */
static void
train_tune(double *off, double *rw)
{
	static const double rws[] = { 0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 2 };
	double *zs = xcalloc((T.nitems ? T.nitems : 1) * EV_N, sizeof(*zs));
	double best = -1;

	for (int k = 0; k < LR_FOLDS; k++) {
		double bias[EV_N], *w = train_fit(bias, k);

		for (size_t i = 0; i < T.nitems; i++)
			if (train_fold(i) == k)
				train_z(w, bias, i, zs + i * EV_N);
		free(w);
	}
	for (int l = 0; l < EV_N; l++)
		off[l] = 0, rw[l] = 2;
	for (size_t r = 0; r < sizeof(rws) / sizeof(*rws); r++) {
		double o[EV_N] = { 0 }, rv[EV_N], m;

		for (int l = 0; l < EV_N; l++)
			rv[l] = rws[r];
		m = tune_offsets(zs, o, rv, train_macro(zs, o, rv));
		if (m > best + 1e-9) {
			best = m;
			memcpy(rw, rv, sizeof(rv));
			memcpy(off, o, sizeof(o));
		}
		if (verbose_tune)
			warnx("tune: rules-win %g: macro-F1 %.3f", rws[r], m);
	}
	/* then each label's own rules-win, the offsets again after each */
	for (int round = 0; round < 2; round++)
		for (int l = 0; l < EV_N; l++) {
			double keep = rw[l];

			if (l == EV_OTHER)
				continue;
			for (size_t r = 0; r < sizeof(rws) / sizeof(*rws); r++) {
				double v;

				rw[l] = rws[r];
				if ((v = train_macro(zs, off, rw)) > best + 1e-9) {
					best = v;
					keep = rw[l];
				}
			}
			rw[l] = keep;
			best = tune_offsets(zs, off, rw, best);
		}
	if (verbose_tune)
		warnx("tune: per label: macro-F1 %.3f", best);
	free(zs);
}

/* Write the model to path (through a temporary file renamed into place). */
static void
train_write(const char *path)
{
	char *tmp;
	FILE *fp;
	size_t *order;
	double bias[EV_N], offset[EV_N], rw[EV_N], *w;
	int fd;
	mode_t mask;

	train_tune(offset, rw);
	w = train_fit(bias, -1);
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		die_nomem();
	if ((fd = mkstemp(tmp)) < 0 || (fp = fdopen(fd, "w")) == NULL)
		err(EXIT_FATAL, "%s", tmp);
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	order = xmalloc((T.rows ? T.rows : 1) * sizeof(*order));
	for (size_t i = 0; i < T.rows; i++)
		order[i] = i;
	qsort(order, T.rows, sizeof(*order), cmp_rows);
	fprintf(fp, "jobline-classify-model 2\n"
	    "# softmax regression over binary lowercase word unigrams and\n"
	    "# bigrams (unit length) and the rules' evidence (rule:, rule+:,\n"
	    "# rules:, t: features, weight 1)\n"
	    "# trained on %zu items; rows: one weight per label, then the "
	    "feature\n"
	    "kind softmax-regression\nlabels", T.nitems);
	for (int l = 0; l < EV_N; l++)
		fprintf(fp, " %s", ev_names[l]);
	fprintf(fp, "\nbias");
	for (int l = 0; l < EV_N; l++)
		fprintf(fp, " %.6g", bias[l]);
	fprintf(fp, "\noffset");
	for (int l = 0; l < EV_N; l++)
		fprintf(fp, " %.6g", offset[l]);
	fprintf(fp, "\nrules-win");
	for (int l = 0; l < EV_N; l++)
		fprintf(fp, " %.6g", rw[l]);
	fputc('\n', fp);
	for (size_t i = 0; i < T.rows; i++) {
		size_t r = order[i];
		double mx = 0;

		if (T.count[r] < LR_MIN_COUNT)
			continue;
		for (int l = 0; l < EV_N; l++)
			if (fabs(w[r * EV_N + l]) > mx)
				mx = fabs(w[r * EV_N + l]);
		if (mx < 1e-4)
			continue;
		for (int l = 0; l < EV_N; l++)
			fprintf(fp, "%.4g ", w[r * EV_N + l]);
		fprintf(fp, "%s\n", T.strs.s + T.stroff[r]);
	}
	free(order);
	free(w);
	if (fflush(fp) != 0 || fsync(fd) != 0 || ferror(fp)) {
		unlink(tmp);
		err(EXIT_FATAL, "%s", tmp);
	}
	fclose(fp);
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		err(EXIT_FATAL, "%s", path);
	}
	free(tmp);
}

/* ---- classifying one item ---- */

/* The fields of an item that classify reads. */
struct input {
	const char *text[3];	/* title, summary, content, or NULL */
	size_t len[3];		/* their lengths */
	const char *published;	/* published (else updated), NUL-terminated */
};

/* A company candidate. */
struct cand {
	size_t off, len;	/* name in the item's arena */
	uint64_t key;		/* hash of its normal form */
	double score;		/* evidence */
	int pos;		/* first position: field * 65536 + token */
	const char *why;	/* the strongest kind of evidence */
	int tracked;		/* a tracked company */
};

/* Everything one item needs, reused from item to item. */
struct item {
	struct text x[3];	/* title, summary, content */
	int has[3];		/* field present with tokens */
	double score[EV_N];	/* event scores */
	double top[EV_N];	/* strongest term of each event */
	double *ind;		/* industry scores */
	struct cand *c;		/* company candidates */
	size_t nc, capc;
	struct fbuf arena;	/* candidate names */
	struct fbuf out;		/* fields added to the record */
	struct fbuf why;		/* --explain entries, JSON strings */
	unsigned long stamp;	/* counter for term.stamp */
	int event;		/* decided event */
	double conf;		/* its confidence */
	const char *decided;	/* "rules", "model", "none" */
	double mprob;		/* model's probability of its best label */
	int mlabel;		/* model's best label, or -1 */
	int tracked;		/* a tracked company was found */
	int explain;		/* --explain */
	int *fired;		/* event terms that counted (want_terms) */
	size_t nfired, capfired;
};

static const char *const field_names[3] = { "title", "summary", "content" };

static void
why_add(struct item *it, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
why_add(struct item *it, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	/* keep valid UTF-8 when cut */
	while (n > 0 && ((unsigned char)tmp[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0 && (unsigned char)tmp[n - 1] >= 0xc0)
		n--;
	if (it->why.len > 0)
		fbuf_adds(&it->why, ",");
	fbuf_json(&it->why, tmp, (size_t)n);
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void
score_term(struct item *it, int id, double fw, int field)
{
	struct term *t = &R.terms[id];

	if (t->stamp == it->stamp)
		return;
	t->stamp = it->stamp;
	if (t->kind == T_EVENT) {
		double v = t->weight * fw;

		if (want_terms) {
			if (it->nfired == it->capfired) {
				it->capfired = it->capfired ? 2 *
				    it->capfired : 32;
				it->fired = xrealloc(it->fired, it->capfired *
				    sizeof(*it->fired));
			}
			it->fired[it->nfired++] = id;
		}

		/* the strongest term counts whole, the others in part */
		if (v > it->top[t->target]) {
			it->score[t->target] += v - it->top[t->target] +
			    it->top[t->target] * R.support;
			it->top[t->target] = v;
		} else
			it->score[t->target] += v * R.support;
	}
	else
		it->ind[t->target] += t->weight * fw;
	if (it->explain)
		why_add(it, "%s %+g %s \"%s\" (%s:%d)",
		    t->kind == T_EVENT ? ev_names[t->target] :
		    R.industries[t->target], t->weight * fw, field_names[field],
		    t->text, base_name(R.files[t->src]), t->line);
}

static void
score_field(struct item *it, int f, double fw)
{
	struct text *x = &it->x[f];
	static pcre2_match_data *md;

	it->stamp++;
	for (size_t i = 0; i < x->n; i++)
		for (int j = pindex_first(&R.px, x, i); j >= 0;
		    j = R.px.v[j].next)
			if (phrase_at(&R.px.v[j], x, i))
				score_term(it, R.px.v[j].id, fw, f);
	if (R.nregex == 0)
		return;
	if (md == NULL && (md = pcre2_match_data_create(4, NULL)) == NULL)
		die_nomem();
	for (size_t k = 0; k < R.nregex; k++) {
		struct term *t = &R.terms[R.regex[k]];

		if (t->stamp == it->stamp)
			continue;
		if (pcre2_match(t->re, (PCRE2_SPTR)x->norm.s, x->norm.len, 0,
		    PCRE2_NO_UTF_CHECK, md, NULL) >= 0)
			score_term(it, R.regex[k], fw, f);
	}
}

/* Normal form of a name for comparing: lowercase letters and digits. */
static uint64_t
name_key(const char *s, size_t n, char *tmp, size_t tmpsz)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k < tmpsz; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			tmp[k++] = (char)(c + 32);
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c >= 0x80)
			tmp[k++] = (char)c;
	}
	return hash_bytes(tmp, k);
}

static void
cand_add(struct item *it, const char *name, size_t len, double score,
    int pos, const char *why, int is_tracked)
{
	char tmp[256];
	uint64_t key = name_key(name, len, tmp, sizeof(tmp));
	struct cand *c;

	if (len == 0)
		return;
	for (size_t i = 0; i < it->nc; i++)
		if (it->c[i].key == key) {
			c = &it->c[i];
			/* more evidence: the best kind and a little more */
			if (score > c->score) {
				c->why = why;
				c->score = score + c->score * 0.25;
			} else
				c->score += score * 0.25;
			if (is_tracked)
				c->tracked = 1;
			if (pos < c->pos)
				c->pos = pos;
			return;
		}
	if (it->nc == it->capc) {
		it->capc = it->capc ? it->capc * 2 : 16;
		it->c = xrealloc(it->c, it->capc * sizeof(*it->c));
	}
	c = &it->c[it->nc++];
	c->off = it->arena.len;
	c->len = len;
	fbuf_add(&it->arena, name, len);
	c->key = key;
	c->score = score;
	c->pos = pos;
	c->why = why;
	c->tracked = is_tracked;
}

static int
tok_in(const struct hmap *set, const struct tok *t)
{
	return hmap_get(set, t->h) >= 0;
}

/* Token i may be part of a name. */
static int
name_tok(const struct text *x, size_t i)
{
	const struct tok *t = &x->t[i];

	return (t->flags & TF_CAP) && !(t->flags & TF_POSS) &&
	    !tok_in(&R.stop, t) && !tok_in(&R.legal, t) &&
	    (!tok_in(&R.breaks, t) || tok_in(&R.keep, t));
}

/* Token i is a connector inside a name: "of", "&" gaps are in the gap. */
static int
connector_tok(const struct text *x, size_t i)
{
	const struct tok *t = &x->t[i];
	const char *s = x->norm.s + t->noff;

	return (t->len == 2 && memcmp(s, "of", 2) == 0) ||
	    (t->len == 2 && memcmp(s, "de", 2) == 0) ||
	    (t->len == 3 && memcmp(s, "von", 3) == 0) ||
	    (t->len == 3 && memcmp(s, "van", 3) == 0);
}

/* A name found by a name list (tracked, gazetteer) at token i, or -1. */
static int
names_at(const struct names *nm, const struct text *x, size_t i,
    unsigned *ntok)
{
	int j;

	if (nm->n == 0 || !(x->t[i].flags & TF_CAP))
		return -1;
	if ((j = pindex_longest(&nm->px, x, i)) < 0)
		return -1;
	*ntok = nm->px.v[j].ntok;
	return nm->px.v[j].id;
}

static void
find_companies(struct item *it, int f, size_t limit)
{
	struct text *x = &it->x[f];
	double tw = f == 0 ? 2.0 : 1.0;	/* the headline counts double */
	size_t i = 0;

	while (i < x->n) {
		size_t start, end, k;
		unsigned ntok;
		int id, pos, all_common;
		const char *why = NULL;
		double sc = 0;

		if (x->t[i].off >= limit)
			break;
		pos = f * 65536 + (int)(i < 65535 ? i : 65535);
		if ((id = names_at(&tracked, x, i, &ntok)) >= 0) {
			cand_add(it, tracked.canon[id], strlen(
			    tracked.canon[id]), 100 * tw, pos, "tracked", 1);
			it->tracked = 1;
			i += ntok;
			continue;
		}
		if ((id = names_at(&R.gaz, x, i, &ntok)) >= 0) {
			start = i;
			end = i + ntok;
			/* a gazetteer name acts like a span for the cues; name
			 * words after it belong to it: "Jumia Technologies" */
			while (end < x->n && !(x->t[end].flags & TF_BREAK) &&
			    tok_in(&R.keep, &x->t[end]) &&
			    !tok_in(&R.breaks, &x->t[end]) &&
			    end - start < SPAN_MAX) {
				end++;
				id = -1;
			}
			sc = 30;
			why = "gazetteer";
			goto cues;
		}
		if (!name_tok(x, i)) {
			i++;
			continue;
		}
		/* the longest span of name tokens and connectors */
		start = i;
		end = i + 1;
		while (end < x->n && end - start < SPAN_MAX + 2 &&
		    !(x->t[end].flags & TF_BREAK)) {
			if (name_tok(x, end))
				end++;
			else if (connector_tok(x, end) && end + 1 < x->n &&
			    !(x->t[end + 1].flags & TF_BREAK) &&
			    name_tok(x, end + 1))
				end += 2;
			else
				break;
		}
		id = -1;
		if (end - start > SPAN_MAX) {
			i = end;
			continue;
		}
		/* "$110M led by": a number is no name */
		while (start < end && x->s[x->t[start].off] >= '0' &&
		    x->s[x->t[start].off] <= '9')
			start++;
		if (start == end || (end - start == 1 &&
		    tok_in(&R.keep, &x->t[start]))) {
			i = end;
			continue;
		}
		all_common = 1;
		for (k = start; k < end; k++)
			if (!tok_in(&R.common, &x->t[k]) &&
			    !connector_tok(x, k))
				all_common = 0;
		if (all_common) {
			i = end;
			continue;
		}
		if (tok_in(&R.keep, &x->t[end - 1]) && end - start > 1) {
			sc = 35;
			why = "name word";
		}
	cues:
		if (end < x->n && tok_in(&R.legal, &x->t[end]) &&
		    !(x->t[end].flags & TF_BREAK && !(x->t[end].flags &
		    TF_SPACE))) {
			if (sc < 40) {
				sc = 40;
				why = "legal form";
			}
		}
		if (end < x->n && !(x->t[end].flags & TF_BREAK) &&
		    pindex_longest(&R.before, x, end) >= 0) {
			if (sc < 50) {
				sc = 50;
				why = "subject of event";
			}
		}
		if (!(x->t[start].flags & TF_BREAK) &&
		    pindex_ending(&R.after, x, start, R.after_max) >= 0) {
			if (sc < 30) {
				sc = 30;
				why = "object of event";
			}
		}
		if (end < x->n && (x->t[end].flags & TF_POSS)) {
			if (sc < 20) {
				sc = 20;
				why = "possessive";
			}
		}
		if (sc > 0) {
			if (id >= 0)	/* a gazetteer name: its own form */
				cand_add(it, R.gaz.canon[id],
				    strlen(R.gaz.canon[id]), sc * tw, pos, why,
				    0);
			else
				cand_add(it, x->s + x->t[start].off,
				    x->t[end - 1].off + x->t[end - 1].len -
				    x->t[start].off, sc * tw, pos, why, 0);
		}
		i = end;
	}
}

static int
cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->tracked != y->tracked)
		return y->tracked - x->tracked;
	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->pos - y->pos;
}

/* Merge "Ford" into "Ford Motor" when both were found. */
static void
merge_prefixes(struct item *it)
{
	for (size_t i = 0; i < it->nc; i++) {
		struct cand *a = &it->c[i];

		if (a->score <= 0)
			continue;
		for (size_t j = 0; j < it->nc; j++) {
			struct cand *b = &it->c[j];

			if (i == j || b->score <= 0 || b->len <= a->len + 1)
				continue;
			if (strncasecmp(it->arena.s + b->off, it->arena.s +
			    a->off, a->len) == 0 &&
			    it->arena.s[b->off + a->len] == ' ' && !a->tracked) {
				b->score += a->score * 0.5;
				if (a->pos < b->pos)
					b->pos = a->pos;
				a->score = 0;
				break;
			}
		}
	}
}

/* Find the first money amount in the item; 1 when found. */
static int
find_amount(struct item *it, double *value, const char **code)
{
	static pcre2_match_data *md;
	static const struct {
		const char *w;
		double m;
	} mults[] = {
		{ "thousand", 1e3 }, { "k", 1e3 }, { "million", 1e6 },
		{ "mln", 1e6 }, { "mn", 1e6 }, { "m", 1e6 },
		{ "billion", 1e9 }, { "bn", 1e9 }, { "b", 1e9 },
		{ "trillion", 1e12 }, { "tn", 1e12 }, { "crore", 1e7 },
		{ "lakh", 1e5 },
	};

	if (R.amount_re == NULL)
		return 0;
	if (md == NULL && (md = pcre2_match_data_create(8, NULL)) == NULL)
		die_nomem();
	for (int f = 0; f < 3; f++) {
		struct text *x = &it->x[f];
		PCRE2_SIZE start = 0, *ov;
		int rc;

		if (!it->has[f] || !x->digits)
			continue;
		while ((rc = pcre2_match(R.amount_re, (PCRE2_SPTR)x->s, x->len,
		    start, PCRE2_NO_UTF_CHECK, md, NULL)) >= 0) {
			char num[64], form[40];
			size_t k = 0, b, e;
			double m = 1;
			int cur = -1;

			ov = pcre2_get_ovector_pointer(md);
			b = ov[0];
			e = ov[1];
			start = e > b ? e : b + 1;
			if (rc > 3 && ov[6] != PCRE2_UNSET) {
				size_t fl = ov[7] - ov[6];

				if (fl >= sizeof(form))
					fl = sizeof(form) - 1;
				for (size_t q = 0; q < fl; q++) {
					char ch = x->s[ov[6] + q];

					form[q] = (char)(ch >= 'A' && ch <= 'Z' ?
					    ch + 32 : ch);
				}
				form[fl] = '\0';
				for (size_t q = 0; q < R.nforms; q++)
					if (strcmp(R.cur_forms[q], form) == 0) {
						cur = R.cur_form_of[q];
						break;
					}
			}
			if (cur < 0 && (cur = form_before(x->s, b)) >= 0) {
				b -= 1;	/* for the explanation only */
				while (b > 0 && x->s[b - 1] != ' ' &&
				    !isdigit((unsigned char)x->s[b]))
					b--;
			}
			if (cur < 0) {
				if (start >= x->len)
					break;
				continue;
			}
			for (size_t p = ov[2]; p < ov[3] && k < sizeof(num) - 1;
			    p++)
				if (x->s[p] != ',')
					num[k++] = x->s[p];
			num[k] = '\0';
			if (rc > 2 && ov[4] != PCRE2_UNSET) {
				size_t ml = ov[5] - ov[4];

				for (size_t q = 0; q < sizeof(mults) /
				    sizeof(*mults); q++)
					if (strlen(mults[q].w) == ml &&
					    strncasecmp(mults[q].w, x->s + ov[4],
					    ml) == 0)
						m = mults[q].m;
			}
			*value = strtod(num, NULL) * m;
			*code = R.cur[cur].code;
			if (it->explain)
				why_add(it, "amount: \"%.*s\" in %s",
				    (int)(e - b), x->s + b, field_names[f]);
			return 1;
		}
	}
	return 0;
}

/*
 * The rules' evidence as features ("rule:funding" when the rules scored
 * funding at all, "rule+:funding" when over min-score, "rules:funding"
 * when they decided it, "t:funding:raises #" for each event term that
 * fired), so the model learns how far to trust each rule.
 */
static void
rule_features(const struct item *it, int decided, feat_fn fn, void *arg)
{
	char f[256];
	int n;

	for (int e = 0; e < EV_N; e++) {
		if (it->score[e] <= 0)
			continue;
		n = snprintf(f, sizeof(f), "rule:%s", ev_names[e]);
		fn(arg, f, (size_t)n, hash_bytes(f, (size_t)n), 1);
		if (it->score[e] >= R.min_score) {
			n = snprintf(f, sizeof(f), "rule+:%s", ev_names[e]);
			fn(arg, f, (size_t)n, hash_bytes(f, (size_t)n), 1);
		}
	}
	n = snprintf(f, sizeof(f), "rules:%s", ev_names[decided]);
	fn(arg, f, (size_t)n, hash_bytes(f, (size_t)n), 1);
	for (size_t i = 0; i < it->nfired; i++) {
		const struct term *t = &R.terms[it->fired[i]];

		n = snprintf(f, sizeof(f), "t:%s:%s", ev_names[t->target],
		    t->text);
		if (n < 0 || (size_t)n >= sizeof(f))
			continue;
		fn(arg, f, (size_t)n, hash_bytes(f, (size_t)n), 1);
	}
}

/* Call fn for every model feature of an item; rules decided `decided'. */
static void
item_features(const struct item *it, int decided, feat_fn fn, void *arg)
{
	for (int f = 0; f < 3; f++)
		if (it->has[f])
			features(&it->x[f], fn, arg);
	if (fn == train_feature)
		train_rules_start();
	rule_features(it, decided, fn, arg);
}

/* Decide the event from the rules scores and the model. */
static void
decide(struct item *it)
{
	int best = EV_OTHER;
	double bs = 0, ss = 0, rconf;	/* best and second score */

	/* ties go to the type listed first (ev_names order) */
	for (int e = 0; e < EV_N; e++) {
		if (e == EV_OTHER)
			continue;
		if (it->score[e] > bs) {
			ss = bs;
			best = e;
			bs = it->score[e];
		} else if (it->score[e] > ss)
			ss = it->score[e];
	}
	if (bs >= R.min_score) {
		rconf = bs / (bs + ss + R.conf_k);
	} else {
		best = EV_OTHER;
		rconf = 1 - bs / R.min_score;
		if (rconf > 0.9)
			rconf = 0.9;
	}
	it->event = best;
	it->conf = rconf;
	it->decided = best == EV_OTHER ? "none" : "rules";
	it->mlabel = -1;
	if (!M.loaded)
		return;
	{
		struct mscore ms;
		double z[EV_N], p[EV_N];
		int ml;

		memset(&ms, 0, sizeof(ms));
		M.stamp++;
		item_features(it, best, model_feature, &ms);
		for (int l = 0; l < EV_N; l++) {
			z[l] = M.bias[l] + ms.zr[l] + (ms.n ? ms.zw[l] /
			    sqrt((double)ms.n) : 0);
		}
		softmax(z, p);
		ml = model_label(z, M.offset);
		it->mlabel = ml;
		it->mprob = p[ml];
		if (it->explain) {
			struct mtop mt = { ml, { 0, 0, 0 }, { "", "", "" } };
			char tops[200] = "";

			M.stamp++;
			item_features(it, best, model_top_feature, &mt);
			for (int k = 0, n = 0; k < 3; k++)
				if (mt.f[k][0])
					n += snprintf(tops + n, sizeof(tops) -
					    (size_t)n, "%s\"%s\" %+.2f",
					    n ? ", " : "; for it: ", mt.f[k],
					    mt.w[k]);
			why_add(it, "model: %s p=%.2f%s", ev_names[ml],
			    it->mprob, tops);
		}
		if (best != EV_OTHER && rconf >= (R.rules_win >= 0 ?
		    R.rules_win : M.rules_win[best]))
			return;
		it->event = ml;
		it->conf = it->mprob;
		it->decided = "model";
	}
}

/* stdin and stdout buffers (glibc ignores the size without a buffer) */
static char inbuf[1 << 16], outbuf[1 << 16];

static int64_t run_now;	/* time_now() when the run began */

/* Priority 0..100: see man/classify.1, PRIORITY. */
static int
priority(struct item *it, const struct input *in, double *recency)
{
	const char *pub = in->published;
	int64_t t, now = run_now;
	double s, rec = 0.5;

	if (pub && time_parse(pub, &t) == 0) {
		double age_h = (double)(now - t) / 3.6e6;

		if (age_h < 0)
			age_h = 0;
		rec = pow(0.5, age_h / (R.half_life_h > 0 ? R.half_life_h :
		    48));
	}
	*recency = rec;
	s = R.strength[it->event] * it->conf / 100.0;
	if (it->tracked)
		return 70 + (int)lround(30 * (0.5 * s + 0.5 * rec));
	return (int)lround(60 * s * (0.5 + 0.5 * rec));
}

static void
fmt_value(struct fbuf *b, double v)
{
	if (v == floor(v) && v >= 0 && v < 9e15)
		buf_uint(b, (uint64_t)v);
	else if (v == floor(v) && fabs(v) < 9e15)
		fbuf_printf(b, "%.0f", v);
	else
		fbuf_printf(b, "%.6g", v);
}

/* Length of field f's text that is read: content is cut (UTF-8 safe). */
static size_t
field_len(const char *s, size_t len, int f)
{
	return f == 2 ? utf8_prefix(s, len, CONTENT_MAX) : len;
}

/* Classify o; the fields to add go to it->out, starting with a comma. */
static void
classify_item(struct item *it, const struct input *in)
{
	double fw[3] = { R.w_title, R.w_summary, R.w_content };
	double value = 0, rec;
	const char *code = NULL;
	int any = 0, nind = 0, pri;

	it->out.len = 0;
	it->why.len = 0;
	it->arena.len = 0;
	it->nc = 0;
	it->tracked = 0;
	it->nfired = 0;
	memset(it->score, 0, sizeof(it->score));
	memset(it->top, 0, sizeof(it->top));
	memset(it->ind, 0, (R.nindustries ? R.nindustries : 1) *
	    sizeof(*it->ind));
	for (int f = 0; f < 3; f++) {
		const char *s = in->text[f];

		it->has[f] = 0;
		it->x[f].n = 0;
		if (s == NULL)
			continue;
		text_cut(&it->x[f], s, field_len(s, in->len[f], f));
		if (it->x[f].n == 0)
			continue;
		it->has[f] = 1;
		any = 1;
		score_field(it, f, fw[f]);
	}
	if (!any) {
		it->event = EV_OTHER;
		it->conf = 0;
		it->decided = "none";
		if (it->explain)
			why_add(it, "no text: other");
		goto out;
	}
	decide(it);
	if (it->has[0])
		find_companies(it, 0, SIZE_MAX);
	if (it->has[1])
		find_companies(it, 1, SIZE_MAX);
	else if (it->has[2])
		find_companies(it, 2, CONTENT_NAMES_MAX);
	if (!find_amount(it, &value, &code))
		code = NULL;
out:
	fbuf_adds(&it->out, ",\"event_type\":\"");
	fbuf_adds(&it->out, ev_names[it->event]);
	fbuf_adds(&it->out, "\",\"event_confidence\":");
	buf_fixed2(&it->out, it->conf);
	fbuf_adds(&it->out, ",\"companies\":[");
	merge_prefixes(it);
	if (it->nc > 1)
		qsort(it->c, it->nc, sizeof(*it->c), cmp_cand);
	for (size_t i = 0, n = 0; i < it->nc && (int)n < R.max_companies;
	    i++) {
		struct cand *c = &it->c[i];

		if (c->score <= 0)
			continue;
		if (n++ > 0)
			fbuf_adds(&it->out, ",");
		fbuf_json(&it->out, it->arena.s + c->off, c->len);
		if (it->explain)
			why_add(it, "company \"%.*s\": %s, score %.0f",
			    (int)c->len, it->arena.s + c->off, c->why,
			    c->score);
	}
	fbuf_adds(&it->out, "],\"industries\":[");
	for (; nind < R.max_industries; nind++) {
		size_t bi = 0;
		double bs = 0;

		for (size_t k = 0; k < R.nindustries; k++)
			if (it->ind[k] > bs) {
				bs = it->ind[k];
				bi = k;
			}
		if (bs < R.industry_min || bs <= 0)
			break;
		if (nind > 0)
			fbuf_adds(&it->out, ",");
		fbuf_json(&it->out, R.industries[bi],
		    strlen(R.industries[bi]));
		it->ind[bi] = 0;
	}
	fbuf_adds(&it->out, "]");
	if (code) {
		fbuf_adds(&it->out, ",\"amount\":{\"value\":");
		fmt_value(&it->out, value);
		fbuf_adds(&it->out, ",\"currency\":\"");
		fbuf_adds(&it->out, code);
		fbuf_adds(&it->out, "\"}");
	}
	pri = priority(it, in, &rec);
	fbuf_adds(&it->out, it->tracked ? ",\"tracked\":true,\"priority\":" :
	    ",\"tracked\":false,\"priority\":");
	buf_uint(&it->out, (unsigned)pri);
	if (it->explain) {
		why_add(it, "priority %d: %s, strength %d x confidence %.2f, "
		    "recency %.2f", pri, it->tracked ? "tracked" : "untracked",
		    R.strength[it->event], it->conf, rec);
		fbuf_printf(&it->out, ",\"explain\":{\"decided_by\":\"%s\","
		    "\"scores\":{", it->decided);
		for (int e = 0, n = 0; e < EV_N; e++)
			if (it->score[e] != 0) {
				fbuf_printf(&it->out, "%s\"%s\":", n++ ? "," :
				    "", ev_names[e]);
				fmt_value(&it->out, round(it->score[e] * 100) /
				    100);
			}
		fbuf_adds(&it->out, "},\"why\":[");
		fbuf_add(&it->out, it->why.s ? it->why.s : "", it->why.len);
		fbuf_adds(&it->out, "]}");
	}
}

/* The input fields of a parsed record (strings owned by o). */
static void
input_from_object(struct input *in, json_object *o)
{
	static const char *const keys[3] = { "title", "summary", "content" };

	for (int f = 0; f < 3; f++) {
		in->text[f] = json_get_string(o, keys[f]);
		in->len[f] = in->text[f] ? strlen(in->text[f]) : 0;
	}
	in->published = json_get_string(o, "published");
	if (in->published == NULL)
		in->published = json_get_string(o, "updated");
}

static void
item_init(struct item *it, int explain)
{
	memset(it, 0, sizeof(*it));
	it->ind = xcalloc(R.nindustries ? R.nindustries : 1,
	    sizeof(*it->ind));
	it->explain = explain;
}

static void
item_free(struct item *it)
{
	for (int f = 0; f < 3; f++)
		text_free(&it->x[f]);
	free(it->ind);
	free(it->c);
	free(it->arena.s);
	free(it->out.s);
	free(it->why.s);
	free(it->fired);
}

/* ---- output ---- */

static const char *const own_keys[] = {
	"event_type", "event_confidence", "companies", "industries", "amount",
	"tracked", "priority", "explain"
};

/* Write the input record with the new fields appended. */
static void
write_item(struct jsonl_reader *r, json_object *o, struct item *it)
{
	const char *s = r->line;
	size_t n = r->len;
	int had = 0;

	for (size_t i = 0; i < sizeof(own_keys) / sizeof(*own_keys); i++)
		if (json_object_object_get_ex(o, own_keys[i], NULL)) {
			json_object_object_del(o, own_keys[i]);
			had = 1;
		}
	if (had)
		s = jsonl_text(o, &n);
	while (n > 0 && s[n - 1] != '}')
		n--;
	if (n == 0)
		return;
	fwrite(s, 1, n - 1, stdout);
	if (json_object_object_length(o) == 0)
		fwrite(it->out.s + 1, 1, it->out.len - 1, stdout);
	else
		fwrite(it->out.s, 1, it->out.len, stdout);
	fputs("}\n", stdout);
}

/* Write a record line unchanged but for the new fields at its end. */
static void
write_raw(const char *s, size_t n, struct item *it)
{
	size_t i = 1;

	while (n > 0 && s[n - 1] != '}')
		n--;
	if (n == 0)
		return;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	fwrite(s, 1, n - 1, stdout);
	if (i == n - 1)		/* {} */
		fwrite(it->out.s + 1, 1, it->out.len - 1, stdout);
	else
		fwrite(it->out.s, 1, it->out.len, stdout);
	fputs("}\n", stdout);
}

/*
 * Classify the current line and write it out.  The line is checked and
 * its fields picked out without building it (jsonscan); only a record
 * that already has classify's fields is parsed, to replace them.
 * Returns 0 when the line was reported bad.
 */
static int
classify_line(struct jsonl_reader *r, struct item *it)
{
	enum { F_TITLE, F_SUMMARY, F_CONTENT, F_PUBLISHED, F_UPDATED, F_OWN,
	    F_N = F_OWN + sizeof(own_keys) / sizeof(*own_keys) };
	static const char *const keys[F_OWN] = { "title", "summary",
	    "content", "published", "updated" };
	struct jscan_field f[F_N];
	struct input in;
	char *own[3] = { NULL, NULL, NULL }, pub[64];

	memset(f, 0, sizeof(f));
	for (int i = 0; i < F_N; i++)
		f[i].key = i < F_OWN ? keys[i] : own_keys[i - F_OWN];
	if (!jsonl_scan(r, f, F_N))
		return 0;
	for (int i = F_OWN; i < F_N; i++)
		if (f[i].found) {
			json_object *o = jsonl_parse(r);

			if (o == NULL)
				return 0;
			input_from_object(&in, o);
			classify_item(it, &in);
			write_item(r, o, it);
			json_object_put(o);
			return 1;
		}
	for (int k = 0; k < 3; k++) {
		in.text[k] = NULL;
		in.len[k] = 0;
		if (!f[k].found || !f[k].is_string)
			continue;
		if (f[k].escaped) {
			own[k] = jscan_string(&f[k]);
			in.text[k] = own[k];
			in.len[k] = strlen(own[k]);
		} else {
			in.text[k] = f[k].val;
			in.len[k] = f[k].len;
		}
	}
	in.published = NULL;
	for (int k = F_PUBLISHED; k <= F_UPDATED; k++)
		if (f[k].found && f[k].is_string && f[k].len < sizeof(pub)) {
			if (f[k].escaped) {
				char *v = jscan_string(&f[k]);

				snprintf(pub, sizeof(pub), "%s", v);
				free(v);
			} else {
				memcpy(pub, f[k].val, f[k].len);
				pub[f[k].len] = '\0';
			}
			in.published = pub;
			break;
		}
	classify_item(it, &in);
	write_raw(r->line, r->len, it);
	for (int k = 0; k < 3; k++)
		free(own[k]);
	return 1;
}

/* ---- evaluation ---- */

struct eval {
	unsigned long conf[EV_N][EV_N];	/* [gold][predicted] */
	unsigned long n;
	unsigned long c_tp, c_pred, c_gold;	/* companies */
	unsigned long c_items;
};

/* Labels of an item into out (event indexes); -1 on a bad label. */
static int
item_labels(struct jsonl_reader *r, json_object *o, int *out, int max)
{
	json_object *v;
	int n = 0;

	if (!json_object_object_get_ex(o, "labels", &v)) {
		jsonl_bad(r, "no labels");
		return -1;
	}
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);

		if ((out[0] = ev_lookup(s, strlen(s))) < 0) {
			jsonl_bad(r, "unknown label: %s", s);
			return -1;
		}
		return 1;
	}
	if (!json_object_is_type(v, json_type_array)) {
		jsonl_bad(r, "labels: not a list");
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(v) && n < max; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		const char *s = json_object_get_string(e);

		if (!json_object_is_type(e, json_type_string) ||
		    (out[n] = ev_lookup(s, strlen(s))) < 0) {
			jsonl_bad(r, "unknown label: %s", s ? s : "?");
			return -1;
		}
		n++;
	}
	if (n == 0) {
		jsonl_bad(r, "labels: empty");
		return -1;
	}
	return n;
}

static void
eval_companies(struct eval *ev, json_object *o, struct item *it)
{
	json_object *g;
	uint64_t gold[32];
	size_t ng = 0, np = 0;
	char tmp[256];

	if (!json_object_object_get_ex(o, "companies", &g) ||
	    !json_object_is_type(g, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(g) && ng < 32; i++) {
		const char *s = json_object_get_string(
		    json_object_array_get_idx(g, i));

		if (s)
			gold[ng++] = name_key(s, strlen(s), tmp, sizeof(tmp));
	}
	ev->c_items++;
	ev->c_gold += ng;
	for (size_t i = 0; i < it->nc && (int)np < R.max_companies; i++) {
		struct cand *c = &it->c[i];

		if (c->score <= 0)
			continue;
		np++;
		for (size_t k = 0; k < ng; k++)
			if (gold[k] == c->key) {
				ev->c_tp++;
				gold[k] = 0;
				break;
			}
	}
	ev->c_pred += np;
}

static double
f1(double p, double r)
{
	return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

static void
eval_report(struct eval *ev)
{
	double macro_core = 0, macro_all = 0;
	int nall = 0;
	unsigned long right = 0;

	printf("%-12s %6s %6s %6s %9s %7s %6s\n", "label", "gold", "pred",
	    "right", "precision", "recall", "f1");
	for (int l = 0; l < EV_N; l++) {
		unsigned long tp = ev->conf[l][l], gold = 0, pred = 0;
		double p, r;

		for (int k = 0; k < EV_N; k++) {
			gold += ev->conf[l][k];
			pred += ev->conf[k][l];
		}
		right += tp;
		p = pred ? (double)tp / pred : 0;
		r = gold ? (double)tp / gold : 0;
		printf("%-12s %6lu %6lu %6lu %9.3f %7.3f %6.3f\n", ev_names[l],
		    gold, pred, tp, p, r, f1(p, r));
		if (gold > 0 && l != EV_OTHER) {
			macro_all += f1(p, r);
			nall++;
		}
		for (size_t k = 0; k < sizeof(ev_core) / sizeof(*ev_core); k++)
			if (ev_core[k] == l)
				macro_core += f1(p, r);
	}
	printf("\nitems %lu, accuracy %.3f\n", ev->n,
	    ev->n ? (double)right / ev->n : 0);
	printf("macro-F1 funding acquisition partnership hiring expansion "
	    "launch: %.3f\n", macro_core / (sizeof(ev_core) /
	    sizeof(*ev_core)));
	printf("macro-F1 all event labels present (not other): %.3f\n",
	    nall ? macro_all / nall : 0);
	if (ev->c_items > 0) {
		double p = ev->c_pred ? (double)ev->c_tp / ev->c_pred : 0;
		double r = ev->c_gold ? (double)ev->c_tp / ev->c_gold : 0;

		printf("companies: %lu items, %lu gold, %lu found, %lu right: "
		    "precision %.3f recall %.3f f1 %.3f\n", ev->c_items,
		    ev->c_gold, ev->c_pred, ev->c_tp, p, r, f1(p, r));
	}
	printf("\nconfusion (rows gold, columns predicted):\n%-12s",
	    "");
	for (int k = 0; k < EV_N; k++)
		printf(" %5.5s", ev_names[k]);
	putchar('\n');
	for (int l = 0; l < EV_N; l++) {
		printf("%-12s", ev_names[l]);
		for (int k = 0; k < EV_N; k++)
			printf(" %5lu", ev->conf[l][k]);
		putchar('\n');
	}
}

/* ---- main ---- */

enum {
	OPT_RULES = OPT_FIRST_PRIVATE, OPT_TRACKED, OPT_MODEL, OPT_TRAIN,
	OPT_EVAL, OPT_EXPLAIN
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: classify [--rules FILE]... [--tracked FILE] "
	    "[--model FILE] [--explain] [-v]\n"
	    "       classify --train --model FILE [--rules FILE]... "
	    "< labelled\n"
	    "       classify --eval [--rules FILE]... [--tracked FILE] "
	    "[--model FILE] < labelled\n");
	exit(status);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "tracked", required_argument, NULL, OPT_TRACKED },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "train", no_argument, NULL, OPT_TRAIN },
		{ "eval", no_argument, NULL, OPT_EVAL },
		{ "explain", no_argument, NULL, OPT_EXPLAIN },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	const char *rules_files[16], *tracked_file = NULL, *model_file = NULL;
	int nrules = 0, train = 0, eval = 0, explain = 0, verbose = 0;
	int ch, status = EXIT_OK;
	char *defpath;
	struct jsonl_reader r;
	struct item it;
	struct input in;
	struct eval ev;
	json_object *o;
	unsigned long nread = 0, counts[EV_N] = { 0 }, ntracked = 0;
	int64_t t0 = time_mono(), last_progress = 0;
	int show_progress;

	while ((ch = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_RULES:
			if (nrules == 16)
				errx(EXIT_USAGE, "at most 16 --rules");
			rules_files[nrules++] = optarg;
			break;
		case OPT_TRACKED:
			tracked_file = optarg;
			break;
		case OPT_MODEL:
			model_file = optarg;
			break;
		case OPT_TRAIN:
			train = 1;
			break;
		case OPT_EVAL:
			eval = 1;
			break;
		case OPT_EXPLAIN:
			explain = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'q':
			verbose = 0;
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
	if (train && eval) {
		warnx("--train and --eval exclude each other");
		usage(stderr, EXIT_USAGE);
	}
	if (train && model_file == NULL) {
		warnx("--train needs --model FILE to write");
		usage(stderr, EXIT_USAGE);
	}

	/* everything is read and checked before any input */
	char_tables();
	rules_defaults();
	defpath = find_default_rules();
	default_rules = defpath;
	if (nrules == 0) {
		if (defpath == NULL)
			errx(EXIT_USAGE, "no default rules found; set "
			    "JOBLINE_SHARE or use --rules");
		if (rules_read(defpath, 0) < 0)
			errx(EXIT_USAGE, "%s", rules_err);
	}
	for (int i = 0; i < nrules; i++)
		if (rules_read(rules_files[i], 0) < 0)
			errx(EXIT_USAGE, "%s", rules_err);
	if (rules_amount() < 0)
		errx(EXIT_USAGE, "%s", rules_err);
	if (tracked_file)
		tracked_read(tracked_file);
	verbose_tune = verbose;
	if (model_file && !train)
		model_load(model_file);
	want_terms = model_file != NULL || train;
	if (verbose)
		warnx("%zu terms (%zu patterns), %zu industries, %zu "
		    "gazetteer names, %zu tracked, model %s", R.nterms,
		    R.nregex, R.nindustries, R.gaz.n, tracked.n,
		    M.loaded ? "loaded" : "none");

	run_now = time_now();
	item_init(&it, explain);
	memset(&ev, 0, sizeof(ev));
	sig_catch();
	show_progress = progress_wanted() && (train || eval);
	/* bigger buffers: fewer read and write calls on the hot path; the
	 * output is flushed whenever no further line is waiting, so that a
	 * pipeline sees each item as soon as its input has dried up */
	setvbuf(stdin, inbuf, _IOFBF, sizeof(inbuf));
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	jsonl_init(&r, stdin, "stdin");
	while (!sig_caught && jsonl_next_line(&r) != NULL) {
		if (!train && !eval) {
			if (classify_line(&r, &it)) {
				nread++;
				counts[it.event]++;
				ntracked += it.tracked;
			}
			if (!jsonl_ready(stdin))
				fflush(stdout);
			goto next;
		}
		if ((o = jsonl_parse(&r)) == NULL)
			continue;
		nread++;
		if (train) {
			int labels[EV_N];
			int nl = item_labels(&r, o, labels, EV_N);

			if (nl > 0) {
				unsigned bits = 0;

				for (int i = 0; i < nl; i++)
					bits |= 1u << labels[i];
				train_item(bits);
				input_from_object(&in, o);
				classify_item(&it, &in);
				item_features(&it, it.event, train_feature,
				    NULL);
				train_rules_said(it.event, it.conf);
			}
		} else if (eval) {
			int labels[EV_N];
			int nl = item_labels(&r, o, labels, EV_N);

			if (nl > 0) {
				int gold = labels[0];

				input_from_object(&in, o);
				classify_item(&it, &in);
				for (int i = 0; i < nl; i++)
					if (labels[i] == it.event)
						gold = it.event;
				if (gold != it.event)
					for (int i = 0; i < nl; i++)
						if (labels[i] != EV_OTHER) {
							gold = labels[i];
							break;
						}
				ev.conf[gold][it.event]++;
				ev.n++;
				eval_companies(&ev, o, &it);
			}
		}
		json_object_put(o);
	next:
		if (show_progress && time_mono() - last_progress >= 200) {
			last_progress = time_mono();
			fprintf(stderr, "\rclassify: %lu items", nread);
		}
	}
	if (show_progress)
		fprintf(stderr, "\rclassify: %lu items\n", nread);
	if (train && !sig_caught)
		train_write(model_file);
	if (eval && !sig_caught)
		eval_report(&ev);

	stats_add("items_classified", (int64_t)nread);
	stats_add("items_bad", (int64_t)r.bad);
	stats_add("items_tracked", (int64_t)ntracked);
	stats_add("items_other", (int64_t)counts[EV_OTHER]);
	stats_flush();
	if (verbose) {
		double secs = (double)(time_mono() - t0) / 1000;

		warnx("%lu items, %lu bad, %lu tracked, %.2fs", nread, r.bad,
		    ntracked, secs);
		if (!train && !eval)
			for (int e = 0; e < EV_N; e++)
				if (counts[e])
					warnx("  %-12s %lu", ev_names[e],
					    counts[e]);
	}
	if (r.bad > 0 || r.error != 0)
		status = EXIT_PARTIAL;
	jsonl_free(&r);
	item_free(&it);
	text_free(&rtext);
	rules_free();
	names_free(&tracked);
	hmap_free(&M.feat);
	free(M.w);
	free(M.seen);
	hmap_free(&T.feat);
	free(T.strs.s);
	free(T.stroff);
	free(T.count);
	free(T.seen);
	free(T.feats);
	free(T.item_off);
	free(T.item_labels);
	free(T.item_rule);
	free(T.item_rdec);
	free(T.item_rconf);
	free(defpath);
	if (sig_caught)
		status = 128 + sig_caught;
	exit_flush(status);
}
