/* events.c - labelling one item: see events.h */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "events.h"
#include "timefmt.h"
#include "utf8.h"
#include "util.h"

/* Bytes of `content' read: past this an article adds little to its label. */
#define CONTENT_MAX 8192
/* Bytes of `content' searched for companies when there is no summary. */
#define CONTENT_NAMES_MAX 1500
/* Bytes of `content' after the lead searched for the company the headline
 * and lead only describe ("a US defence company"). */
#define REST_NAMES_MAX 1500
/* Bytes of `content' that its lead (first paragraph) may take. */
#define LEAD_MAX 1200
/* Times the article names a company of the next paragraph for an item
 * filed other to keep it: a story that keeps naming one is about it. */
#define NAMED_AGAIN_MIN 7

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

static const char *const field_names[3] = { "title", "summary", "content" };

static void
why_add(struct evitem *it, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
why_add(struct evitem *it, const char *fmt, ...)
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
score_term(struct evitem *it, int id, double fw, int field)
{
	const struct rules *r = it->r;
	const struct term *t = &r->terms[id];

	if (it->tstamp[id] == it->stamp)
		return;
	it->tstamp[id] = it->stamp;
	if (t->kind == T_EVENT) {
		double v = t->weight * fw;

		if (t->bare && field < 2)
			it->bare_ok |= 1u << t->target;

		if (it->want_terms) {
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
			    it->top[t->target] * r->support;
			it->top[t->target] = v;
		} else
			it->score[t->target] += v * r->support;
	}
	else
		it->ind[t->target] += t->weight * fw;
	if (it->explain)
		why_add(it, "%s %+g %s \"%s\" (%s:%d)",
		    t->kind == T_EVENT ? ev_names[t->target] :
		    r->industries[t->target], t->weight * fw, field_names[field],
		    t->text, base_name(r->files[t->src]), t->line);
}

static void
score_field(struct evitem *it, int f, double fw)
{
	const struct rules *r = it->r;
	struct text *x = &it->x[f];

	it->stamp++;
	for (size_t i = 0; i < x->n; i++)
		for (int j = pindex_first(&r->px, x, i); j >= 0;
		    j = r->px.v[j].next)
			if (phrase_at(&r->px.v[j], x, i))
				score_term(it, r->px.v[j].id, fw, f);
	for (size_t k = 0; k < r->nregex; k++) {
		const struct term *t = &r->terms[r->regex[k]];

		if (it->tstamp[r->regex[k]] == it->stamp)
			continue;
		if (pcre2_match(t->re, (PCRE2_SPTR)x->norm.s, x->norm.len, 0,
		    PCRE2_NO_UTF_CHECK, it->md, NULL) >= 0)
			score_term(it, r->regex[k], fw, f);
	}
}

/* The multipliers a number may have after it. */
static const struct {
	const char *w;		/* as written, lowercase */
	double m;		/* its value */
} mults[] = {
	{ "thousand", 1e3 }, { "k", 1e3 }, { "million", 1e6 },
	{ "mln", 1e6 }, { "mn", 1e6 }, { "m", 1e6 },
	{ "billion", 1e9 }, { "bn", 1e9 }, { "b", 1e9 },
	{ "trillion", 1e12 }, { "tn", 1e12 }, { "crore", 1e7 },
	{ "lakh", 1e5 },
};

/* The currency of a match of the amount pattern (ov, rc as pcre2_match
 * gave them): its form after the number, else one before it (*b moved
 * back over it, for the explanation); -1 when there is none. */
static int
amount_currency(const struct rules *r, const struct text *x,
    const PCRE2_SIZE *ov, int rc, size_t *b)
{
	int cur = -1;

	if (rc > 3 && ov[6] != PCRE2_UNSET) {
		char form[40];
		size_t fl = ov[7] - ov[6];

		if (fl >= sizeof(form))
			fl = sizeof(form) - 1;
		for (size_t q = 0; q < fl; q++) {
			char ch = x->s[ov[6] + q];

			form[q] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
		}
		form[fl] = '\0';
		for (size_t q = 0; q < r->nforms; q++)
			if (strcmp(r->cur_forms[q], form) == 0) {
				cur = r->cur_form_of[q];
				break;
			}
	}
	if (cur < 0 && (cur = rules_form_before(r, x->s, *b)) >= 0) {
		*b -= 1;
		while (*b > 0 && x->s[*b - 1] != ' ' &&
		    !isdigit((unsigned char)x->s[*b]))
			(*b)--;
	}
	return cur;
}

/* The number of a match of the amount pattern, times its multiplier. */
static double
amount_value(const struct text *x, const PCRE2_SIZE *ov, int rc)
{
	char num[64];
	size_t k = 0;
	double m = 1;

	for (size_t p = ov[2]; p < ov[3] && k < sizeof(num) - 1; p++)
		if (x->s[p] != ',')
			num[k++] = x->s[p];
	num[k] = '\0';
	if (rc > 2 && ov[4] != PCRE2_UNSET) {
		size_t ml = ov[5] - ov[4];

		for (size_t q = 0; q < sizeof(mults) / sizeof(*mults); q++)
			if (strlen(mults[q].w) == ml &&
			    strncasecmp(mults[q].w, x->s + ov[4], ml) == 0)
				m = mults[q].m;
	}
	return strtod(num, NULL) * m;
}

/* Find the first money amount of the summary, else of the headline, else
 * of the content; 1 when found. */
static int
find_amount(struct evitem *it, double *value, const char **code)
{
	const struct rules *r = it->r;

	static const int order[3] = { 1, 0, 2 };

	if (r->amount_re == NULL)
		return 0;
	/* the summary first: a headline rounds the amount, or converts it */
	for (int k = 0; k < 3; k++) {
		int f = order[k];
		struct text *x = &it->x[f];
		PCRE2_SIZE start = 0, *ov;
		int rc, cur;

		if (!it->has[f] || !x->digits)
			continue;
		while ((rc = pcre2_match(r->amount_re, (PCRE2_SPTR)x->s, x->len,
		    start, PCRE2_NO_UTF_CHECK, it->md, NULL)) >= 0) {
			size_t b, e;

			ov = pcre2_get_ovector_pointer(it->md);
			b = ov[0];
			e = ov[1];
			start = e > b ? e : b + 1;
			if ((cur = amount_currency(r, x, ov, rc, &b)) < 0) {
				if (start >= x->len)
					break;
				continue;
			}
			*value = amount_value(x, ov, rc);
			*code = r->cur[cur].code;
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
void
evitem_rule_features(const struct evitem *it, int decided, feat_fn fn,
    void *arg)
{
	const struct rules *r = it->r;
	char f[256];
	int n;

	for (int e = 0; e < EV_N; e++) {
		if (it->score[e] <= 0)
			continue;
		n = snprintf(f, sizeof(f), "rule:%s", ev_names[e]);
		fn(arg, f, (size_t)n, text_hash(f, (size_t)n), 1);
		if (it->score[e] >= r->min_score) {
			n = snprintf(f, sizeof(f), "rule+:%s", ev_names[e]);
			fn(arg, f, (size_t)n, text_hash(f, (size_t)n), 1);
		}
	}
	n = snprintf(f, sizeof(f), "rules:%s", ev_names[decided]);
	fn(arg, f, (size_t)n, text_hash(f, (size_t)n), 1);
	for (size_t i = 0; i < it->nfired; i++) {
		const struct term *t = &r->terms[it->fired[i]];

		n = snprintf(f, sizeof(f), "t:%s:%s", ev_names[t->target],
		    t->text);
		if (n < 0 || (size_t)n >= sizeof(f))
			continue;
		fn(arg, f, (size_t)n, text_hash(f, (size_t)n), 1);
	}
}

void
evitem_words(const struct evitem *it, feat_fn fn, void *arg)
{
	for (int f = 0; f < 3; f++)
		if (it->has[f])
			evmodel_words(&it->x[f], fn, arg);
}

/* The rules' decision: the best scored event when it reaches min-score,
 * else other; ties go to the type listed first (ev_names order). */
static void
decide_rules(struct evitem *it)
{
	const struct rules *r = it->r;
	int best = EV_OTHER;
	double bs = 0, ss = 0, rconf;	/* best and second score */
	double min = r->min_score;

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
	/* an event is a company's: a headline and first paragraph that name
	 * none, nor describe one named next, need more (a sentence alone may
	 * name it elsewhere) - unless they hold one of its bare terms (the
	 * passive voice, the maker named later; a court case of people) */
	if (r->bare_min_score > min && it->has[1] &&
	    !companies_in(&it->cs, it->r, (unsigned)it->named) &&
	    !(it->bare_ok & 1u << best))
		min = r->bare_min_score;
	if (bs >= min) {
		rconf = bs / (bs + ss + r->conf_k);
	} else {
		best = EV_OTHER;
		rconf = 1 - bs / min;
		if (rconf > 0.9)
			rconf = 0.9;
	}
	it->event = best;
	it->conf = rconf;
	it->decided = best == EV_OTHER ? "none" : "rules";
	it->mlabel = -1;
}

/* For --explain: the model's label and the features that weigh most. */
static void
explain_model(struct evitem *it, int best)
{
	struct mtop mt;
	char tops[200] = "";

	evmodel_top_start(it->m, &mt, it->mlabel);
	evitem_words(it, evmodel_top_feature, &mt);
	evitem_rule_features(it, best, evmodel_top_feature, &mt);
	for (int k = 0, n = 0; k < 3; k++)
		if (mt.f[k][0])
			n += snprintf(tops + n, sizeof(tops) - (size_t)n,
			    "%s\"%s\" %+.2f", n ? ", " : "; for it: ",
			    mt.f[k], mt.w[k]);
	why_add(it, "model: %s p=%.2f%s", ev_names[it->mlabel], it->mprob,
	    tops);
}

/* Decide the event from the rules' scores and the model: the rules' label
 * when it is not other and their confidence reaches rules-win, else the
 * model's. */
static void
decide(struct evitem *it)
{
	const struct rules *r = it->r;
	struct mscore ms;
	double z[EV_N], p[EV_N];
	int best, ml;

	decide_rules(it);
	if (!it->m->loaded)
		return;
	best = it->event;
	evmodel_start(it->m, &ms);
	evitem_words(it, evmodel_feature, &ms);
	evitem_rule_features(it, best, evmodel_feature, &ms);
	evmodel_scores(&ms, z);
	evmodel_softmax(z, p);
	ml = evmodel_label(z, it->m->offset);
	it->mlabel = ml;
	it->mprob = p[ml];
	if (it->explain)
		explain_model(it, best);
	if (best != EV_OTHER && it->conf >= (r->rules_win >= 0 ?
	    r->rules_win : it->m->rules_win[best]))
		return;
	it->event = ml;
	it->conf = it->mprob;
	it->decided = "model";
}

/* Priority 0..100: see man/classify.1, PRIORITY. */
static int
priority(const struct evitem *it, const struct evinput *in, double *recency)
{
	const struct rules *r = it->r;
	const char *pub = in->published;
	int64_t t;
	double s, rec = 0.5;

	if (pub && time_parse(pub, &t) == 0) {
		double age_h = (double)(it->now - t) / 3.6e6;

		if (age_h < 0)
			age_h = 0;
		rec = pow(0.5, age_h / (r->half_life_h > 0 ? r->half_life_h :
		    48));
	}
	*recency = rec;
	s = r->strength[it->event] * it->conf / 100.0;
	if (it->cs.tracked)
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

/* "companies": the candidates with a score, best first. */
static void
out_companies(struct evitem *it)
{
	struct companies *cs = &it->cs;

	fbuf_adds(&it->out, ",\"companies\":[");
	companies_rank(cs);
	for (size_t i = 0, n = 0; i < cs->nc && (int)n < it->r->max_companies;
	    i++) {
		struct cand *c = &cs->c[i];

		if (c->score <= 0)
			continue;
		if (n++ > 0)
			fbuf_adds(&it->out, ",");
		fbuf_json(&it->out, cand_name(cs, c), c->len);
		if (it->explain)
			why_add(it, "company \"%.*s\": %s, score %.0f",
			    (int)c->len, cand_name(cs, c), c->why, c->score);
	}
	fbuf_adds(&it->out, "]");
}

/* The main company's industries from the gazetteer, up to max-industries;
 * the number written. */
static int
out_gazetteer_industries(struct evitem *it)
{
	const struct rules *r = it->r;
	const struct cand *c = NULL;
	uint64_t ind;
	int n = 0;

	for (size_t i = 0; i < it->cs.nc && c == NULL; i++)
		if (it->cs.c[i].score > 0)
			c = &it->cs.c[i];
	if (c == NULL || c->gid < 0 || (ind = r->gaz.ind[c->gid]) == 0)
		return 0;
	for (size_t k = 0; k < r->nindustries && k < 64 &&
	    n < r->max_industries; k++)
		if (ind >> k & 1) {
			if (n++ > 0)
				fbuf_adds(&it->out, ",");
			fbuf_json(&it->out, r->industries[k],
			    strlen(r->industries[k]));
			if (it->explain)
				why_add(it, "industry %s: gazetteer, of \"%.*s\"",
				    r->industries[k], (int)c->len,
				    cand_name(&it->cs, c));
		}
	return n;
}

/* "industries": the main company's from the gazetteer; else the best
 * scored by the cues that reach industry-min (scores used up). */
static void
out_industries(struct evitem *it)
{
	const struct rules *r = it->r;
	double first = 0;	/* the first industry's score */

	fbuf_adds(&it->out, ",\"industries\":[");
	if (out_gazetteer_industries(it) > 0) {
		fbuf_adds(&it->out, "]");
		return;
	}

	for (int nind = 0; nind < r->max_industries; nind++) {
		size_t bi = 0;
		double bs = 0;

		for (size_t k = 0; k < r->nindustries; k++)
			if (it->ind[k] > bs) {
				bs = it->ind[k];
				bi = k;
			}
		if (bs < r->industry_min || bs <= 0 ||
		    bs < first * r->industry_second)
			break;
		if (nind == 0)
			first = bs;
		if (nind > 0)
			fbuf_adds(&it->out, ",");
		fbuf_json(&it->out, r->industries[bi],
		    strlen(r->industries[bi]));
		if (it->explain)
			why_add(it, "industry %s: cues, score %g",
			    r->industries[bi], bs);
		it->ind[bi] = 0;
	}
	fbuf_adds(&it->out, "]");
}

/* "explain": who decided, the scores, and the why entries. */
static void
out_explain(struct evitem *it, int pri, double rec)
{
	why_add(it, "priority %d: %s, strength %d x confidence %.2f, "
	    "recency %.2f", pri, it->cs.tracked ? "tracked" : "untracked",
	    it->r->strength[it->event], it->conf, rec);
	fbuf_printf(&it->out, ",\"explain\":{\"decided_by\":\"%s\","
	    "\"scores\":{", it->decided);
	for (int e = 0, n = 0; e < EV_N; e++)
		if (it->score[e] != 0) {
			fbuf_printf(&it->out, "%s\"%s\":", n++ ? "," : "",
			    ev_names[e]);
			fmt_value(&it->out, round(it->score[e] * 100) / 100);
		}
	fbuf_adds(&it->out, "},\"why\":[");
	fbuf_add(&it->out, it->why.s ? it->why.s : "", it->why.len);
	fbuf_adds(&it->out, "]}");
}

/* The fields to add, into it->out. */
static void
out_fields(struct evitem *it, const struct evinput *in, double value,
    const char *code)
{
	double rec;
	int pri;

	fbuf_adds(&it->out, ",\"event_type\":\"");
	fbuf_adds(&it->out, ev_names[it->event]);
	fbuf_adds(&it->out, "\",\"event_confidence\":");
	buf_fixed2(&it->out, it->conf);
	out_companies(it);
	out_industries(it);
	if (code) {
		fbuf_adds(&it->out, ",\"amount\":{\"value\":");
		fmt_value(&it->out, value);
		fbuf_adds(&it->out, ",\"currency\":\"");
		fbuf_adds(&it->out, code);
		fbuf_adds(&it->out, "\"}");
	}
	pri = priority(it, in, &rec);
	fbuf_adds(&it->out, it->cs.tracked ? ",\"tracked\":true,\"priority\":" :
	    ",\"tracked\":false,\"priority\":");
	buf_uint(&it->out, (unsigned)pri);
	if (it->explain)
		out_explain(it, pri, rec);
}

/*
 * Without a summary, the content's first paragraph (up to a blank line,
 * else a line break, within LEAD_MAX bytes) is read as the summary: news
 * puts the event there, and the rest of the article adds mostly noise.
 */
static void
input_lead(const struct evinput *in, struct evinput *out)
{
	const char *s = in->text[2], *e;
	size_t n, max;

	*out = *in;
	if (in->text[1] != NULL || s == NULL)
		return;
	max = utf8_prefix(s, in->len[2], LEAD_MAX);
	n = max;
	if ((e = memmem(s, max, "\n\n", 2)) != NULL ||
	    (e = memchr(s, '\n', max)) != NULL)
		n = (size_t)(e - s);
	else if (max < in->len[2])
		return;		/* one long paragraph: content as it is */
	out->text[1] = s;
	out->len[1] = n;
	out->text[2] = s + n;
	out->len[2] = in->len[2] - n;
}

/*
 * Join the parts of a number written with a thousands separator or a
 * decimal point ("5,000", "10.3bn", cut as "5" "000") into its first
 * token, so that "#" in a term stands for the whole number ("cutting
 * about 5,000 jobs" matches "cutting * # jobs").
 */
static void
join_numbers(struct text *x)
{
	size_t n = 0;

	for (size_t k = 0; k < x->n; k++) {
		struct tok *t = &x->t[k];

		if (n > 0) {
			struct tok *p = &x->t[n - 1];
			size_t end = p->off + p->len;

			if (t->off == end + 1 && (x->s[end] == ',' ||
			    x->s[end] == '.') && x->s[p->off] >= '0' &&
			    x->s[p->off] <= '9' && x->s[t->off] >= '0' &&
			    x->s[t->off] <= '9') {
				p->len = t->off + t->len - p->off;
				continue;
			}
		}
		x->t[n++] = *t;
	}
	x->n = n;
}

void
evitem_classify(struct evitem *it, const struct evinput *given)
{
	struct evinput lead, *in = &lead;
	const struct rules *r = it->r;
	double fw[3] = { r->w_title, r->w_summary, r->w_content };
	double value = 0;
	const char *code = NULL;
	int any = 0;

	input_lead(given, &lead);
	it->out.len = 0;
	it->why.len = 0;
	companies_reset(&it->cs);
	it->nfired = 0;
	it->bare_ok = 0;
	memset(it->score, 0, sizeof(it->score));
	memset(it->top, 0, sizeof(it->top));
	memset(it->ind, 0, (r->nindustries ? r->nindustries : 1) *
	    sizeof(*it->ind));
	for (int f = 0; f < 3; f++) {
		const char *s = in->text[f];

		it->has[f] = 0;
		it->x[f].n = 0;
		if (s == NULL)
			continue;
		text_cut(&it->x[f], s, field_len(s, in->len[f], f));
		join_numbers(&it->x[f]);
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
	} else {
		if (it->has[0])
			companies_find(&it->cs, r, it->tracked, &it->x[0], 0,
			    SIZE_MAX);
		it->named = 7;
		if (it->has[1]) {
			companies_find(&it->cs, r, it->tracked, &it->x[1], 1,
			    SIZE_MAX);
			/* news names its subject in the paragraph after the
			 * lead, when the lead does not; the item is a
			 * company's only when the lead describes one */
			if (it->has[2] && !companies_in(&it->cs, r, 3)) {
				companies_find(&it->cs, r, it->tracked,
				    &it->x[2], 2, REST_NAMES_MAX);
				companies_keep_first(&it->cs);
				if (!companies_described(r, &it->x[0]) &&
				    !companies_described(r, &it->x[1]))
					it->named = 3;
			}
		} else if (it->has[2])
			companies_find(&it->cs, r, it->tracked, &it->x[2], 2,
			    CONTENT_NAMES_MAX);
		if (it->has[2])
			companies_find_people(&it->cs, r, &it->x[2]);
		companies_drop_words(&it->cs, it->x, 3);
		decide(it);
		if (it->event != EV_LEGAL)
			companies_drop_public(&it->cs, r, it->has[0] &&
			    companies_described(r, &it->x[0]),
			    it->event == EV_OTHER);
		/* a name from the next paragraph alone is no company of an
		 * item filed other, unless the article keeps naming it */
		if (it->named == 3 && it->event == EV_OTHER)
			companies_drop_only(&it->cs, r, 2, &it->x[2],
			    NAMED_AGAIN_MIN);
		if (!find_amount(it, &value, &code))
			code = NULL;
	}
	out_fields(it, in, value, code);
}

void
evitem_init(struct evitem *it, const struct rules *r,
    const struct names *tracked, struct evmodel *m, int64_t now,
    int explain, int want_terms)
{
	memset(it, 0, sizeof(*it));
	it->r = r;
	it->tracked = tracked;
	it->m = m;
	it->now = now;
	it->explain = explain;
	it->want_terms = want_terms;
	it->ind = xcalloc(r->nindustries ? r->nindustries : 1,
	    sizeof(*it->ind));
	it->tstamp = xcalloc(r->nterms ? r->nterms : 1, sizeof(*it->tstamp));
	if ((it->md = pcre2_match_data_create(8, NULL)) == NULL)
		die_nomem();
}

void
evitem_free(struct evitem *it)
{
	for (int f = 0; f < 3; f++)
		text_free(&it->x[f]);
	free(it->ind);
	free(it->tstamp);
	companies_free(&it->cs);
	fbuf_free(&it->out);
	fbuf_free(&it->why);
	free(it->fired);
	pcre2_match_data_free(it->md);
}
