/* rules.c - classify's rules files (man/classify.5): see rules.h */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <xxhash.h>

#include "cfgfile.h"
#include "fbuf.h"
#include "rules.h"
#include "util.h"

/* Nesting of include lines. */
#define INCLUDE_MAX 8

const char *const ev_names[EV_N] = {
	"funding", "acquisition", "partnership", "hiring", "layoffs",
	"expansion", "launch", "leadership", "legal", "earnings", "other"
};

int
ev_lookup(const char *s, size_t n)
{
	for (int i = 0; i < EV_N; i++)
		if (strlen(ev_names[i]) == n && memcmp(ev_names[i], s, n) == 0)
			return i;
	return -1;
}

/* Where a rules file error is reported. */
struct rctx {
	struct rules *r;	/* the rules read into */
	const char *file;	/* the file */
	int line;		/* current line */
	int section;		/* S_* */
	int target;		/* event or industry of the section */
	int depth;		/* include depth */
};

enum { S_NONE, S_EVENT, S_INDUSTRY, S_COMPANIES };

static int
rules_fail(const struct rctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Note an error in r->err; returns -1, which the parser passes up. */
static int
rules_fail(const struct rctx *c, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->line > 0)
		snprintf(c->r->err, sizeof(c->r->err), "%s:%d: %s", c->file,
		    c->line, msg);
	else
		snprintf(c->r->err, sizeof(c->r->err), "%s: %s", c->file,
		    msg);
	return -1;
}

static int
rules_add_term(struct rctx *c, double weight, char *item, int kind,
    int bare)
{
	struct rules *r = c->r;
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
		ntok = phrase_tokens(item, len, tok, 16, &r->scratch);
		if (ntok == 0)
			return rules_fail(c, "empty phrase");
		if (ntok > 16)
			return rules_fail(c, "phrase longer than 16 words: %s",
			    item);
	}
	key = XXH3_64bits_withSeed(item, len,
	    (uint64_t)(kind * 1000 + c->target));
	if ((id = hmap_get(&r->termkey, key)) >= 0) {
		/* the same term again: the later weight counts; marked
		 * bare, it keeps its weight */
		if (bare)
			r->terms[id].bare = 1;
		else
			r->terms[id].weight = weight;
		r->terms[id].src = (int)r->nfiles - 1;
		r->terms[id].line = c->line;
		if (re)
			pcre2_code_free(re);
		return 0;
	}
	if (r->nterms == r->capterms) {
		r->capterms = r->capterms ? r->capterms * 2 : 256;
		r->terms = xrealloc(r->terms, r->capterms *
		    sizeof(*r->terms));
	}
	id = (int)r->nterms++;
	t = &r->terms[id];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->target = c->target;
	t->weight = weight;
	t->bare = bare;
	t->text = xstrdup(item);
	t->src = (int)r->nfiles - 1;
	t->line = c->line;
	t->re = re;
	hmap_put(&r->termkey, key, id);
	if (re) {
		r->regex = xrealloc(r->regex, (r->nregex + 1) *
		    sizeof(*r->regex));
		r->regex[r->nregex++] = id;
	} else {
		pindex_add(&r->px, tok, ntok, id);
		/* a strong one-word event term ends a name: "X Launches" */
		if (ntok == 1 && kind == T_EVENT && weight >= 3)
			hmap_put(&r->breaks, tok[0], 1);
	}
	return 0;
}

/* Add each comma-separated word of list to set (hashed lowercase). */
static int
rules_add_words(struct rctx *c, struct hmap *set, char *list)
{
	struct rules *r = c->r;
	char *save = NULL;

	for (char *w = strtok_r(list, ",", &save); w;
	    w = strtok_r(NULL, ",", &save)) {
		uint64_t tok[4];
		unsigned n;

		w = cfg_trim(w);
		if (*w == '\0')
			continue;
		n = phrase_tokens(w, strlen(w), tok, 4, &r->scratch);
		if (n != 1)
			return rules_fail(c, "not one word: %s", w);
		hmap_put(set, tok[0], 1);
	}
	return 0;
}

static int
rules_add_cues(struct rctx *c, struct pindex *px, char *list, unsigned *max)
{
	struct rules *r = c->r;
	char *save = NULL;

	for (char *w = strtok_r(list, ",", &save); w;
	    w = strtok_r(NULL, ",", &save)) {
		uint64_t tok[8];
		unsigned n;

		w = cfg_trim(w);
		if (*w == '\0')
			continue;
		n = phrase_tokens(w, strlen(w), tok, 8, &r->scratch);
		if (n == 0 || n > 8)
			return rules_fail(c, "bad cue: %s", w);
		pindex_add(px, tok, n, 0);
		if (n == 1)
			hmap_put(&r->breaks, tok[0], 1);
		if (max && n > *max)
			*max = n;
	}
	return 0;
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

static int rules_file(struct rules *r, const char *path, int depth);

/* The index of the industry named s, added when new; -1 past 64. */
static int
rules_industry_id(struct rules *r, const char *s)
{
	size_t i;

	for (i = 0; i < r->nindustries; i++)
		if (strcmp(r->industries[i], s) == 0)
			return (int)i;
	if (i >= 64)
		return -1;
	r->industries = xrealloc(r->industries, (r->nindustries + 1) *
	    sizeof(*r->industries));
	r->industries[r->nindustries++] = xstrdup(s);
	return (int)i;
}

/* Where a gazetteer line is: the section its last heading opened. */
struct gazsec {
	int ind;		/* the industry filed under, or -1 */
	int maker;		/* the company of products listed, -1, or
				 * NAMES_PUBLIC under "public bodies",
				 * NAMES_INSTITUTION under "institutions" */
};

/*
 * A gazetteer line: a heading ("industry NAME", "products of NAME" of a
 * company listed before, "public bodies", "institutions") for the names
 * after it, or a name.
 */
static int
gazetteer_line(struct rctx *c, char *s, struct gazsec *sec)
{
	struct names *gaz = &c->r->gaz;
	int id;

	if (strncmp(s, "industry ", 9) == 0) {
		sec->maker = -1;
		if ((sec->ind = rules_industry_id(c->r, cfg_trim(s + 9))) < 0)
			return rules_fail(c, "more than 64 industries");
		return 0;
	}
	if (strcmp(s, "public bodies") == 0 ||
	    strcmp(s, "institutions") == 0) {
		sec->ind = -1;
		sec->maker = s[0] == 'p' ? NAMES_PUBLIC : NAMES_INSTITUTION;
		return 0;
	}
	if (strncmp(s, "products of ", 12) == 0) {
		const char *maker = cfg_trim(s + 12);

		sec->ind = -1;
		id = hmap_get(&gaz->byname, text_hash(maker, strlen(maker)));
		if (id < 0 || strcmp(gaz->canon[id], maker) != 0)
			return rules_fail(c, "products of %s: no company of "
			    "that name listed before", maker);
		sec->maker = id;
		return 0;
	}
	if ((id = names_add_line(gaz, s)) >= 0) {
		if (sec->ind >= 0)
			gaz->ind[id] |= 1ULL << sec->ind;
		if (sec->maker != -1 && id != sec->maker)
			gaz->maker[id] = sec->maker;
	}
	return 0;
}

/* A list file into r: a gazetteer, or one word a line into set. */
static int
rules_read_list(struct rctx *c, const char *path, struct hmap *set)
{
	struct cfgfile f;
	struct rctx sub = { c->r, path, 0, S_NONE, 0, c->depth + 1 };
	char *s;
	struct gazsec sec = { -1, -1 };
	int rc = 0;

	if (cfgfile_open(&f, path) < 0)
		return rules_fail(c, "%s: %s", path, strerror(errno));
	while (rc == 0 && (s = cfgfile_next(&f)) != NULL) {
		sub.line = (int)f.lineno;
		if (f.bad_utf8)
			rc = rules_fail(&sub, "invalid UTF-8");
		else if (set) {
			uint64_t tok[4];

			if (phrase_tokens(s, strlen(s), tok, 4,
			    &c->r->scratch) != 1)
				rc = rules_fail(&sub, "not one word: %s", s);
			else
				hmap_put(set, tok[0], 1);
		} else
			rc = gazetteer_line(&sub, s, &sec);
	}
	cfgfile_close(&f);
	return rc;
}

static int
rules_number(struct rctx *c, const char *s, const char *what, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *cfg_trim(end) != '\0' || !isfinite(*v))
		return rules_fail(c, "bad %s: %s", what, s);
	return 0;
}

/* The settings a "set" line may change, and where they are. */
static const struct {
	const char *name;	/* as written */
	int isint;		/* an int, else a double */
	size_t off;		/* its offset in struct rules */
} rules_vars[] = {
	{ "title-weight", 0, offsetof(struct rules, w_title) },
	{ "summary-weight", 0, offsetof(struct rules, w_summary) },
	{ "content-weight", 0, offsetof(struct rules, w_content) },
	{ "min-score", 0, offsetof(struct rules, min_score) },
	{ "bare-min-score", 0, offsetof(struct rules, bare_min_score) },
	{ "confidence-k", 0, offsetof(struct rules, conf_k) },
	{ "rules-win", 0, offsetof(struct rules, rules_win) },
	{ "model-min", 0, offsetof(struct rules, model_min) },
	{ "industry-min", 0, offsetof(struct rules, industry_min) },
	{ "industry-second", 0, offsetof(struct rules, industry_second) },
	{ "support", 0, offsetof(struct rules, support) },
	{ "half-life", 0, offsetof(struct rules, half_life_h) },
	{ "max-companies", 1, offsetof(struct rules, max_companies) },
	{ "max-industries", 1, offsetof(struct rules, max_industries) },
};

static int
rules_set(struct rctx *c, char *rest)
{
	char *val = rest + strcspn(rest, " \t");

	if (*val)
		*val++ = '\0';
	val = cfg_trim(val);
	for (size_t i = 0; i < sizeof(rules_vars) / sizeof(*rules_vars); i++) {
		char *p = (char *)c->r + rules_vars[i].off;
		double v;

		if (strcmp(rules_vars[i].name, rest) != 0)
			continue;
		if (rules_number(c, val, rest, &v) < 0)
			return -1;
		if (v < 0)
			return rules_fail(c, "%s: negative", rest);
		if (rules_vars[i].isint)
			*(int *)(void *)p = (int)v;
		else
			*(double *)(void *)p = v;
		return 0;
	}
	return rules_fail(c, "unknown setting: %s", rest);
}

static int
rules_currency(struct rctx *c, char *rest)
{
	struct rules *r = c->r;
	char *colon = strchr(rest, ':'), *save = NULL, *code;

	if (colon == NULL)
		return rules_fail(c, "currency: CODE: forms, expected");
	*colon = '\0';
	code = cfg_trim(rest);
	if (strlen(code) < 1 || strlen(code) > 7)
		return rules_fail(c, "bad currency code: %s", code);
	r->cur = xrealloc(r->cur, (r->ncur + 1) * sizeof(*r->cur));
	snprintf(r->cur[r->ncur].code, sizeof(r->cur[r->ncur].code), "%s",
	    code);
	for (char *w = strtok_r(colon + 1, ",", &save); w;
	    w = strtok_r(NULL, ",", &save)) {
		w = cfg_trim(w);
		if (*w == '\0')
			continue;
		r->cur_forms = xrealloc(r->cur_forms,
		    (r->nforms + 1) * sizeof(*r->cur_forms));
		r->cur_form_of = xrealloc(r->cur_form_of,
		    (r->nforms + 1) * sizeof(*r->cur_form_of));
		r->cur_forms[r->nforms] = xstrdup(w);
		for (char *p = r->cur_forms[r->nforms]; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p += 32;
		r->cur_form_of[r->nforms++] = (int)r->ncur;
	}
	r->ncur++;
	return 0;
}

/* A "KEY: list" line of a companies section. */
static int
rules_companies_key(struct rctx *c, const char *key, char *rest)
{
	struct rules *r = c->r;

	if (strcmp(key, "legal") == 0)
		return rules_add_words(c, &r->legal, rest);
	else if (strcmp(key, "keep") == 0)
		return rules_add_words(c, &r->keep, rest);
	else if (strcmp(key, "stop") == 0)
		return rules_add_words(c, &r->stop, rest);
	else if (strcmp(key, "person") == 0)
		return rules_add_words(c, &r->person, rest);
	else if (strcmp(key, "kind") == 0)
		return rules_add_words(c, &r->kinds, rest);
	else if (strcmp(key, "not-end") == 0)
		return rules_add_words(c, &r->notend, rest);
	else if (strcmp(key, "before") == 0)
		return rules_add_cues(c, &r->before, rest, NULL);
	else if (strcmp(key, "after") == 0)
		return rules_add_cues(c, &r->after, rest, &r->after_max);
	else if (strcmp(key, "source") == 0)
		return rules_add_cues(c, &r->source, rest, &r->source_max);
	else if (strcmp(key, "quoted") == 0)
		return rules_add_cues(c, &r->quoted, rest, NULL);
	return rules_fail(c, "unknown key in companies: %s (legal, keep, "
	    "stop, person, kind, not-end, before, after, source, quoted)",
	    key);
}

/* A "KEY: list" line: a companies key, "WEIGHT: term, term", or in an
 * event section "bare: term, term" (terms marked enough for an item that
 * names no company, of weight 0 unless given one). */
static int
rules_keyed(struct rctx *c, const char *word, size_t wl, char *rest)
{
	char key[32], *save = NULL;
	double w;
	int kind = c->section == S_EVENT ? T_EVENT : T_INDUSTRY, bare = 0;

	if (wl >= sizeof(key))
		return rules_fail(c, "unknown key");
	memcpy(key, word, wl);
	/* cppcheck-suppress arrayIndexOutOfBoundsCond */
	key[wl] = '\0';
	rest = cfg_trim(rest + 1);
	if (c->section == S_COMPANIES)
		return rules_companies_key(c, key, rest);
	if (c->section == S_EVENT && strcmp(key, "bare") == 0) {
		bare = 1;
		w = 0;
	} else if (rules_number(c, key, "weight", &w) < 0)
		return -1;
	if (*rest == '/')
		return rules_add_term(c, w, rest, kind, bare);
	for (char *it = strtok_r(rest, ",", &save); it;
	    it = strtok_r(NULL, ",", &save)) {
		it = cfg_trim(it);
		if (*it && rules_add_term(c, w, it, kind, bare) < 0)
			return -1;
	}
	return 0;
}

/* "event TYPE [strength N]" */
static int
rules_event(struct rctx *c, char *rest)
{
	char *arg = rest + strcspn(rest, " \t");
	int ev;
	double v;

	if (*arg)
		*arg++ = '\0';
	arg = cfg_trim(arg);
	if ((ev = ev_lookup(rest, strlen(rest))) < 0)
		return rules_fail(c, "unknown event type: %s", rest);
	c->section = S_EVENT;
	c->target = ev;
	if (*arg == '\0')
		return 0;
	if (strncmp(arg, "strength", 8) != 0)
		return rules_fail(c, "event %s: strength N expected", rest);
	if (rules_number(c, cfg_trim(arg + 8), "strength", &v) < 0)
		return -1;
	if (v < 0 || v > 100)
		return rules_fail(c, "strength out of 0..100");
	c->r->strength[ev] = (int)v;
	return 0;
}

/* "industry NAME" (words) */
static int
rules_industry(struct rctx *c, const char *rest)
{
	int i;

	if (*rest == '\0')
		return rules_fail(c, "industry NAME: a name expected");
	if ((i = rules_industry_id(c->r, rest)) < 0)
		return rules_fail(c, "more than 64 industries");
	c->section = S_INDUSTRY;
	c->target = i;
	return 0;
}

/* "include FILE" or "include default" */
static int
rules_include(struct rctx *c, const char *rest)
{
	char *p;
	int rc;

	if (*rest == '\0')
		return rules_fail(c, "include: file name expected");
	if (c->depth >= INCLUDE_MAX)
		return rules_fail(c, "includes nested too deep");
	if (strcmp(rest, "default") == 0) {
		if (c->r->default_path == NULL)
			return rules_fail(c, "no default rules found");
		p = xstrdup(c->r->default_path);
	} else
		p = rules_path(c->file, rest);
	if (access(p, R_OK) != 0)
		rc = rules_fail(c, "include %s: %s", p, strerror(errno));
	else
		rc = rules_file(c->r, p, c->depth + 1) < 0 ? -1 : 0;
	free(p);
	return rc;
}

/* One line of a rules file. */
static int
rules_line(struct rctx *c, char *s)
{
	char *word = s, *rest;
	size_t wl = strcspn(s, " \t:");

	rest = s + wl;
	if (*rest == ':' && (c->section == S_EVENT ||
	    c->section == S_INDUSTRY || c->section == S_COMPANIES))
		return rules_keyed(c, word, wl, rest);
	if (*rest)
		*rest++ = '\0';
	rest = cfg_trim(rest);
	if (strcmp(word, "event") == 0)
		return rules_event(c, rest);
	else if (strcmp(word, "industry") == 0)
		return rules_industry(c, rest);
	else if (strcmp(word, "companies") == 0) {
		if (*rest)
			return rules_fail(c, "companies takes no argument");
		c->section = S_COMPANIES;
		return 0;
	} else if (strcmp(word, "currency") == 0)
		return rules_currency(c, rest);
	else if (strcmp(word, "set") == 0)
		return rules_set(c, rest);
	else if (strcmp(word, "include") == 0)
		return rules_include(c, rest);
	else if (strcmp(word, "gazetteer") == 0 ||
	    strcmp(word, "common") == 0 || strcmp(word, "people") == 0) {
		char *p;
		int rc;

		if (*rest == '\0')
			return rules_fail(c, "%s: file name expected", word);
		p = rules_path(c->file, rest);
		rc = rules_read_list(c, p, word[0] == 'c' ? &c->r->common :
		    word[0] == 'p' ? &c->r->people : NULL);
		free(p);
		return rc;
	} else if (c->section == S_NONE || c->section == S_COMPANIES)
		return rules_fail(c, "unknown directive: %s", word);
	return rules_fail(c, "unknown directive: %s (terms are written "
	    "WEIGHT: term, term)", word);
}

/* Read a rules file (and what it includes) into r: 0, -1 with the reason
 * in r->err, or -2 when it cannot be opened or read. */
static int
rules_file(struct rules *r, const char *path, int depth)
{
	struct rctx c = { r, NULL, 0, S_NONE, 0, depth };
	struct cfgfile f;
	char *s;
	int rc = 0;

	r->files = xrealloc(r->files, (r->nfiles + 1) * sizeof(*r->files));
	r->files[r->nfiles++] = xstrdup(path);
	c.file = r->files[r->nfiles - 1];
	if (cfgfile_open(&f, path) < 0) {
		rules_fail(&c, "%s", strerror(errno));
		return -2;
	}
	while (rc == 0 && (s = cfgfile_next(&f)) != NULL) {
		c.line = (int)f.lineno;
		if (f.bad_utf8)
			rc = rules_fail(&c, "invalid UTF-8");
		else
			rc = rules_line(&c, s);
	}
	if (rc == 0 && ferror(f.fp)) {
		c.line = 0;
		rules_fail(&c, "%s", strerror(errno));
		rc = -2;
	}
	cfgfile_close(&f);
	return rc;
}

int
rules_read(struct rules *r, const char *path)
{
	switch (rules_file(r, path, 0)) {
	case 0:
		return CFG_OK;
	case -2:
		return CFG_UNREADABLE;
	default:
		return CFG_BAD;
	}
}

struct rules *
rules_new(void)
{
	struct rules *r = xcalloc(1, sizeof(*r));

	r->w_title = 3;
	r->w_summary = 1;
	r->w_content = 0.5;
	r->min_score = 3;
	r->conf_k = 3;
	r->rules_win = -1;
	r->model_min = 0.5;
	r->industry_min = 1;
	r->support = 1;
	r->max_companies = 5;
	r->max_industries = 3;
	r->half_life_h = 48;
	for (int i = 0; i < EV_N; i++)
		r->strength[i] = 30;
	r->strength[EV_OTHER] = 5;
	return r;
}

/*
 * Build the amount pattern from the currencies: a number, a multiplier,
 * and a currency form after it.  A form before the number is looked for
 * by hand (rules_form_before), so the pattern starts with a digit and PCRE2
 * skips quickly to the numbers of a text.
 */
int
rules_finish(struct rules *r)
{
	struct fbuf b = { 0 };
	int ecode, first = 1;
	PCRE2_SIZE eoff;

	if (r->nforms == 0)
		return 0;
	fbuf_adds(&b, "(?<![\\w.,])(\\d{1,3}(?:,\\d{3})+(?:\\.\\d+)?|\\d+"
	    "(?:\\.\\d+)?)(?:\\s?(thousand|million|billion|trillion|mln|mn|bn|"
	    "tn|crore|lakh|k|m|b)(?![\\w]))?(?:\\s?(");
	/* forms longest first, so "us$" wins over "$" */
	for (size_t len = 32; len >= 1; len--)
		for (size_t i = 0; i < r->nforms; i++) {
			if (strlen(r->cur_forms[i]) != len)
				continue;
			if (!first)
				fbuf_adds(&b, "|");
			first = 0;
			fbuf_adds(&b, "\\Q");
			fbuf_adds(&b, r->cur_forms[i]);
			fbuf_adds(&b, "\\E");
		}
	fbuf_adds(&b, ")(?![\\w]))?");
	r->amount_re = pcre2_compile((PCRE2_SPTR)b.s, b.len,
	    PCRE2_CASELESS | PCRE2_UTF | PCRE2_NO_UTF_CHECK, &ecode, &eoff,
	    NULL);
	if (r->amount_re == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(ecode, msg, sizeof(msg));
		snprintf(r->err, sizeof(r->err), "currency forms make a bad "
		    "pattern at %zu: %s", (size_t)eoff, (char *)msg);
		free(b.s);
		return -1;
	}
	pcre2_jit_compile(r->amount_re, PCRE2_JIT_COMPLETE);
	/* for the look back: longest forms first */
	for (size_t i = 1; i < r->nforms; i++)
		for (size_t j = i; j > 0 && strlen(r->cur_forms[j - 1]) <
		    strlen(r->cur_forms[j]); j--) {
			char *t = r->cur_forms[j];
			int o = r->cur_form_of[j];

			r->cur_forms[j] = r->cur_forms[j - 1];
			r->cur_form_of[j] = r->cur_form_of[j - 1];
			r->cur_forms[j - 1] = t;
			r->cur_form_of[j - 1] = o;
		}
	r->cur_form_len = xmalloc(r->nforms * sizeof(*r->cur_form_len));
	for (size_t i = 0; i < r->nforms; i++)
		r->cur_form_len[i] = strlen(r->cur_forms[i]);
	free(b.s);
	return 0;
}

int
rules_form_before(const struct rules *r, const char *s, size_t end)
{
	if (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	if (end == 0)
		return -1;
	for (size_t i = 0; i < r->nforms; i++) {
		size_t n = r->cur_form_len[i];
		unsigned char c0 = (unsigned char)r->cur_forms[i][0];
		unsigned char last = (unsigned char)s[end - 1];

		if (last >= 'A' && last <= 'Z')
			last += 32;
		if (n > end || last != (unsigned char)r->cur_forms[i][n - 1] ||
		    strncasecmp(s + end - n, r->cur_forms[i], n) != 0)
			continue;
		/* a form that starts with a letter starts a word */
		if (isalpha(c0) && end > n && (isalnum((unsigned char)s[end -
		    n - 1]) || (unsigned char)s[end - n - 1] >= 0x80))
			continue;
		return r->cur_form_of[i];
	}
	return -1;
}

void
rules_free(struct rules *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nterms; i++) {
		free(r->terms[i].text);
		if (r->terms[i].re)
			pcre2_code_free(r->terms[i].re);
	}
	free(r->terms);
	for (size_t i = 0; i < r->nfiles; i++)
		free(r->files[i]);
	free(r->files);
	for (size_t i = 0; i < r->nindustries; i++)
		free(r->industries[i]);
	free(r->industries);
	free(r->regex);
	hmap_free(&r->termkey);
	pindex_free(&r->px);
	hmap_free(&r->legal);
	hmap_free(&r->keep);
	hmap_free(&r->notend);
	hmap_free(&r->stop);
	hmap_free(&r->common);
	hmap_free(&r->people);
	hmap_free(&r->person);
	hmap_free(&r->kinds);
	hmap_free(&r->breaks);
	pindex_free(&r->before);
	pindex_free(&r->after);
	pindex_free(&r->source);
	pindex_free(&r->quoted);
	names_free(&r->gaz);
	text_free(&r->scratch);
	for (size_t i = 0; i < r->nforms; i++)
		free(r->cur_forms[i]);
	free(r->cur_forms);
	free(r->cur_form_of);
	free(r->cur_form_len);
	free(r->cur);
	if (r->amount_re)
		pcre2_code_free(r->amount_re);
	free(r);
}

char *
rules_config(const char *name)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *p = NULL;

	if (xdg && *xdg) {
		if (asprintf(&p, "%s/jobline/classify/%s", xdg, name) < 0)
			die_nomem();
	} else if (home && *home) {
		if (asprintf(&p, "%s/.config/jobline/classify/%s", home,
		    name) < 0)
			die_nomem();
	}
	if (p && access(p, R_OK) == 0)
		return p;
	free(p);
	if (asprintf(&p, "/etc/jobline/classify/%s", name) < 0)
		die_nomem();
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	return NULL;
}

char *
rules_find_default(void)
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

