/* evmodel.c - classify's event model and its trainer: see evmodel.h */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgfile.h"
#include "evmodel.h"
#include "outfile.h"
#include "utf8.h"
#include "util.h"

#define LR_EPOCHS 30		/* passes over the training items */
#define LR_RATE 1.0		/* first learning rate */
#define LR_DECAY 0.1		/* rate = LR_RATE / (1 + LR_DECAY * epoch) */
#define LR_L2 1e-5		/* weight decay per step */
#define LR_MIN_COUNT 2		/* features seen fewer times are dropped */
#define LR_CLASS_WEIGHT 0.5	/* item weight: (items / labels / label's
				 * items) ^ this, for its rarest label */
#define LR_PREFIX 5		/* bytes of a longer word's prefix feature */

void
evmodel_words(const struct text *x, feat_fn fn, void *arg)
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
			fn(arg, buf, n + 2, text_hash(buf, n + 2), 0);
		}
		if (i + 1 < x->n) {
			const struct tok *u = &x->t[i + 1];
			size_t len = u->noff + u->len - t->noff;

			fn(arg, x->norm.s + t->noff, len,
			    text_hash(x->norm.s + t->noff, len), 0);
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

/* The first line of a model file: NULL, or why it is refused. */
static const char *
model_magic(const char *s)
{
	if (strcmp(s, "jobline-classify-model 1") == 0)
		return "a model of an older format (1): train it again with "
		    "--train";
	if (strcmp(s, "jobline-classify-model 2") != 0)
		return "not a classify model";
	return NULL;
}

/* A weights row: the label weights, then the feature. */
static const char *
model_row(struct evmodel *m, char *s, size_t *rows_cap)
{
	float w[EV_N];
	char *p = s;

	for (int i = 0; i < EV_N; i++) {
		char *e;

		w[i] = strtof(p, &e);
		if (e == p)
			return "bad weights";
		p = e;
	}
	p = cfg_trim(p);
	if (*p == '\0')
		return "no feature";
	if (m->rows == *rows_cap) {
		*rows_cap = *rows_cap ? *rows_cap * 2 : 4096;
		m->w = xrealloc(m->w, *rows_cap * EV_N * sizeof(*m->w));
	}
	memcpy(m->w + m->rows * EV_N, w, sizeof(w));
	hmap_put(&m->feat, text_hash(p, strlen(p)), (int)m->rows);
	m->rows++;
	return NULL;
}

/* The labels line: the same labels as this program's, in order. */
static const char *
model_labels(char *s)
{
	char *save = NULL;
	int i = 0;

	for (char *w = strtok_r(s, " ", &save); w;
	    w = strtok_r(NULL, " ", &save), i++)
		if (i >= EV_N || strcmp(w, ev_names[i]) != 0)
			return "labels differ from this program's";
	return i != EV_N ? "labels differ from this program's" : NULL;
}

/* A line after the first; *seen gets the bits of the lines that must be
 * there (1 labels, 2 rules-win). */
static const char *
model_line(struct evmodel *m, char *s, size_t *rows_cap, int *seen)
{
	char *p;

	if (strncmp(s, "labels ", 7) == 0) {
		*seen |= 1;
		return model_labels(s + 7);
	} else if (strncmp(s, "bias ", 5) == 0) {
		if (label_values(s + 5, m->bias, 0) == NULL)
			return "bad bias";
	} else if (strncmp(s, "offset ", 7) == 0) {
		if (label_values(s + 7, m->offset, 0) == NULL)
			return "bad offset";
	} else if ((*s >= '0' && *s <= '9') || *s == '-')
		return model_row(m, s, rows_cap);
	else if (strncmp(s, "rules-win ", 10) == 0) {
		if ((p = label_values(s + 10, m->rules_win, 1)) == NULL ||
		    *cfg_trim(p) != '\0')
			return "bad rules-win";
		*seen |= 2;
	} else if (strncmp(s, "kind ", 5) == 0) {
		if (strcmp(s + 5, "softmax-regression") != 0)
			return "unknown model kind";
	} else
		return "unknown line";
	return NULL;
}

int
evmodel_load(struct evmodel *m, const char *path, char *err, size_t errsz)
{
	struct cfgfile f;
	size_t rows_cap = 0;
	int magic = 0, seen = 0, rc;
	const char *why = NULL;
	char *s;

	if (cfgfile_open(&f, path) < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return CFG_UNREADABLE;
	}
	while (why == NULL && (s = cfgfile_next(&f)) != NULL) {
		if (*s == '\0' || *s == '#')
			continue;	/* a comment that is not UTF-8 */
		if (!magic) {
			why = model_magic(s);
			magic = 1;
		} else
			why = model_line(m, s, &rows_cap, &seen);
	}
	if ((rc = cfgfile_end(&f, path, why, err, errsz)) != CFG_OK)
		return rc;
	if (!magic)
		snprintf(err, errsz, "%s: not a classify model", path);
	else if (!(seen & 1))
		snprintf(err, errsz, "%s: no labels line", path);
	else if (!(seen & 2))
		snprintf(err, errsz, "%s: no rules-win line", path);
	if (!magic || seen != 3)
		return CFG_BAD;
	m->seen = xcalloc(m->rows ? m->rows : 1, sizeof(*m->seen));
	m->loaded = 1;
	return CFG_OK;
}

void
evmodel_free(struct evmodel *m)
{
	hmap_free(&m->feat);
	free(m->w);
	free(m->seen);
	memset(m, 0, sizeof(*m));
}

void
evmodel_start(struct evmodel *m, struct mscore *ms)
{
	memset(ms, 0, sizeof(*ms));
	ms->m = m;
	m->stamp++;
}

void
evmodel_feature(void *arg, const char *s, size_t n, uint64_t h, int rule)
{
	struct mscore *ms = arg;
	struct evmodel *m = ms->m;
	int r = hmap_get(&m->feat, h);
	double *z = rule ? ms->zr : ms->zw;

	(void)s;
	(void)n;
	if (r < 0 || m->seen[r] == m->stamp)
		return;
	m->seen[r] = m->stamp;
	if (!rule)
		ms->n++;
	for (int l = 0; l < EV_N; l++)
		z[l] += m->w[(size_t)r * EV_N + l];
}

void
evmodel_scores(const struct mscore *ms, double *z)
{
	for (int l = 0; l < EV_N; l++)
		z[l] = ms->m->bias[l] + ms->zr[l] + (ms->n ? ms->zw[l] /
		    sqrt((double)ms->n) : 0);
}

void
evmodel_top_start(struct evmodel *m, struct mtop *mt, int label)
{
	memset(mt, 0, sizeof(*mt));
	mt->m = m;
	mt->label = label;
	m->stamp++;
}

void
evmodel_top_feature(void *arg, const char *s, size_t n, uint64_t h, int rule)
{
	struct mtop *mt = arg;
	struct evmodel *m = mt->m;
	int r = hmap_get(&m->feat, h), k;
	double w;

	(void)rule;
	if (r < 0 || m->seen[r] == m->stamp)
		return;
	m->seen[r] = m->stamp;
	w = m->w[(size_t)r * EV_N + mt->label];
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

int
evmodel_label(const double *z, const double *off)
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

void
evmodel_softmax(const double *z, double *p)
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

void
evtrainer_feature(void *arg, const char *s, size_t n, uint64_t h, int rule)
{
	struct evtrainer *tr = arg;
	int r = hmap_get(&tr->feat, h);

	(void)rule;
	if (r < 0) {
		if (tr->rows == tr->cap) {
			tr->cap = tr->cap ? tr->cap * 2 : 4096;
			tr->stroff = xrealloc(tr->stroff, tr->cap *
			    sizeof(*tr->stroff));
			tr->count = xrealloc(tr->count, tr->cap * sizeof(*tr->count));
			tr->seen = xrealloc(tr->seen, tr->cap * sizeof(*tr->seen));
		}
		r = (int)tr->rows++;
		tr->stroff[r] = tr->strs.len;
		fbuf_add(&tr->strs, s, n);
		fbuf_add(&tr->strs, "", 1);
		tr->count[r] = 0;
		tr->seen[r] = 0;
		hmap_put(&tr->feat, h, r);
	}
	if (tr->seen[r] == tr->stamp)
		return;
	tr->seen[r] = tr->stamp;
	tr->count[r]++;
	if (tr->nfeats == tr->capfeats) {
		tr->capfeats = tr->capfeats ? tr->capfeats * 2 : 65536;
		tr->feats = xrealloc(tr->feats, tr->capfeats * sizeof(*tr->feats));
	}
	tr->feats[tr->nfeats++] = r;
	tr->item_off[tr->nitems] = tr->nfeats;
}

void
evtrainer_item(struct evtrainer *tr, unsigned labels)
{
	if (tr->nitems + 1 >= tr->capitems) {
		tr->capitems = tr->capitems ? tr->capitems * 2 : 4096;
		tr->item_off = xrealloc(tr->item_off, (tr->capitems + 1) *
		    sizeof(*tr->item_off));
		tr->item_rule = xrealloc(tr->item_rule, tr->capitems *
		    sizeof(*tr->item_rule));
		tr->item_labels = xrealloc(tr->item_labels, tr->capitems *
		    sizeof(*tr->item_labels));
		tr->item_rdec = xrealloc(tr->item_rdec, tr->capitems *
		    sizeof(*tr->item_rdec));
		tr->item_rconf = xrealloc(tr->item_rconf, tr->capitems *
		    sizeof(*tr->item_rconf));
	}
	tr->stamp++;
	tr->item_off[tr->nitems] = tr->nfeats;
	tr->item_rule[tr->nitems] = tr->nfeats;
	tr->item_labels[tr->nitems++] = labels;
	tr->item_off[tr->nitems] = tr->nfeats;
}

void
evtrainer_rules(struct evtrainer *tr)
{
	tr->item_rule[tr->nitems - 1] = tr->nfeats;
}

void
evtrainer_said(struct evtrainer *tr, int event, double conf)
{
	tr->item_rdec[tr->nitems - 1] = event;
	tr->item_rconf[tr->nitems - 1] = conf;
}

/* The trainer whose rows cmp_rows sorts (qsort has no argument). */
static const struct evtrainer *sorting;

static int
cmp_rows(const void *a, const void *b)
{
	return strcmp(sorting->strs.s + sorting->stroff[*(const size_t *)a],
	    sorting->strs.s + sorting->stroff[*(const size_t *)b]);
}

/* The inner folds: contiguous blocks of the input, so mostly whole
 * articles or sources when the input is grouped by them. */
#define LR_FOLDS 4

static int
train_fold(const struct evtrainer *tr, size_t i)
{
	return (int)(i * LR_FOLDS / (tr->nitems ? tr->nitems : 1));
}

/* The model's scores for training item i; returns the scale of its word
 * features (unit length together). */
static double
train_z(const struct evtrainer *tr, const double *w, const double *bias, size_t i, double *z)
{
	size_t a = tr->item_off[i], b = tr->item_off[i + 1];
	size_t m = tr->item_rule[i], n = 0;
	double x;

	for (size_t k = a; k < m; k++)
		if (tr->count[tr->feats[k]] >= LR_MIN_COUNT)
			n++;
	x = n ? 1 / sqrt((double)n) : 0;
	for (int l = 0; l < EV_N; l++)
		z[l] = bias[l];
	for (size_t k = a; k < b; k++) {
		const double *wp;
		double v = k < m ? x : 1;

		if (tr->count[tr->feats[k]] < LR_MIN_COUNT)
			continue;
		wp = &w[(size_t)tr->feats[k] * EV_N];
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
train_fit(const struct evtrainer *tr, double *bias, int hold)
{
	double *w = xcalloc((tr->rows ? tr->rows : 1) * EV_N, sizeof(*w));
	double pos[EV_N] = { 0 }, cw[EV_N];
	int npresent = 0;

	for (size_t i = 0; i < tr->nitems; i++)
		for (int l = 0; l < EV_N; l++)
			if (tr->item_labels[i] & (1u << l))
				pos[l]++;
	for (int l = 0; l < EV_N; l++)
		npresent += pos[l] > 0;
	for (int l = 0; l < EV_N; l++) {
		cw[l] = pos[l] > 0 ? pow((double)tr->nitems / npresent / pos[l],
		    LR_CLASS_WEIGHT) : 1;
		bias[l] = 0;
	}
	size_t *order = xmalloc((tr->nitems ? tr->nitems : 1) * sizeof(*order));
	uint64_t rnd = 0x9e3779b97f4a7c15ull;	/* fixed seed: deterministic */

	for (size_t i = 0; i < tr->nitems; i++)
		order[i] = i;
	for (int e = 0; e < LR_EPOCHS; e++) {
		double rate = LR_RATE / (1 + e * LR_DECAY);

		/* a fresh order each epoch (Fisher-Yates, xorshift64) */
		for (size_t i = tr->nitems; i > 1; i--) {
			size_t j, t;

			rnd ^= rnd << 13;
			rnd ^= rnd >> 7;
			rnd ^= rnd << 17;
			j = (size_t)(rnd % i);
			t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		for (size_t ii = 0; ii < tr->nitems; ii++) {
			size_t i = order[ii];
			size_t a = tr->item_off[i], b = tr->item_off[i + 1];
			size_t m = tr->item_rule[i];
			double x, z[EV_N], p[EV_N], y[EV_N], g[EV_N], iw = 0;
			int ny = 0;

			if (train_fold(tr, i) == hold)
				continue;
			for (int l = 0; l < EV_N; l++) {
				y[l] = (tr->item_labels[i] >> l) & 1;
				ny += (int)y[l];
				if (y[l] && cw[l] > iw)
					iw = cw[l];
			}
			x = train_z(tr, w, bias, i, z);
			evmodel_softmax(z, p);
			for (int l = 0; l < EV_N; l++) {
				g[l] = (p[l] - y[l] / ny) * iw * rate;
				bias[l] -= g[l];
			}
			for (size_t k = a; k < b; k++) {
				double *wp, v = k < m ? x : 1;

				if (tr->count[tr->feats[k]] < LR_MIN_COUNT)
					continue;
				wp = &w[(size_t)tr->feats[k] * EV_N];
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
train_decide(const struct evtrainer *tr, size_t i, const double *z, const double *off, const double *rw)
{
	if (tr->item_rdec[i] != EV_OTHER && tr->item_rconf[i] >= rw[tr->item_rdec[i]])
		return tr->item_rdec[i];
	return evmodel_label(z, off);
}

/* Macro-F1 over the labels other than other present in the items, as
 * --eval counts (right when the prediction is one of the labels). */
static double
train_macro(const struct evtrainer *tr, const double *zs, const double *off, const double *rw)
{
	unsigned long tp[EV_N] = { 0 }, np[EV_N] = { 0 }, ng[EV_N] = { 0 };
	double sum = 0;
	int nl = 0;

	for (size_t i = 0; i < tr->nitems; i++) {
		int p = train_decide(tr, i, zs + i * EV_N, off, rw), g = p;
		unsigned lab = tr->item_labels[i];

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
tune_offsets(const struct evtrainer *tr, const double *zs, double *o, const double *rw, double m)
{
	for (int round = 0; round < 3; round++)
		for (int l = 0; l < EV_N; l++) {
			double keep = o[l];

			if (l == EV_OTHER)
				continue;
			for (int g = -12; g <= 16; g++) {
				double v;

				o[l] = g * 0.25;
				if ((v = train_macro(tr, zs, o, rw)) > m + 1e-9) {
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
train_tune(const struct evtrainer *tr, double *off, double *rw)
{
	static const double rws[] = { 0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 2 };
	double *zs = xcalloc((tr->nitems ? tr->nitems : 1) * EV_N, sizeof(*zs));
	double best = -1;

	for (int k = 0; k < LR_FOLDS; k++) {
		double bias[EV_N], *w = train_fit(tr, bias, k);

		for (size_t i = 0; i < tr->nitems; i++)
			if (train_fold(tr, i) == k)
				train_z(tr, w, bias, i, zs + i * EV_N);
		free(w);
	}
	for (int l = 0; l < EV_N; l++)
		off[l] = 0, rw[l] = 2;
	for (size_t r = 0; r < sizeof(rws) / sizeof(*rws); r++) {
		double o[EV_N] = { 0 }, rv[EV_N], m;

		for (int l = 0; l < EV_N; l++)
			rv[l] = rws[r];
		m = tune_offsets(tr, zs, o, rv, train_macro(tr, zs, o, rv));
		if (m > best + 1e-9) {
			best = m;
			memcpy(rw, rv, sizeof(rv));
			memcpy(off, o, sizeof(o));
		}
		if (tr->verbose)
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
				if ((v = train_macro(tr, zs, off, rw)) > best + 1e-9) {
					best = v;
					keep = rw[l];
				}
			}
			rw[l] = keep;
			best = tune_offsets(tr, zs, off, rw, best);
		}
	if (tr->verbose)
		warnx("tune: per label: macro-F1 %.3f", best);
	free(zs);
}

/* The model file's text: the fitted weights of the rows seen in at least
 * LR_MIN_COUNT items, sorted by feature. */
static void
train_print(const struct evtrainer *tr, FILE *fp, const double *bias,
    const double *offset, const double *rw, const double *w)
{
	size_t *order = xmalloc((tr->rows ? tr->rows : 1) * sizeof(*order));

	for (size_t i = 0; i < tr->rows; i++)
		order[i] = i;
	sorting = tr;
	qsort(order, tr->rows, sizeof(*order), cmp_rows);
	fprintf(fp, "jobline-classify-model 2\n"
	    "# softmax regression over binary lowercase word unigrams and\n"
	    "# bigrams (unit length) and the rules' evidence (rule:, rule+:,\n"
	    "# rules:, t: features, weight 1)\n"
	    "# trained on %zu items; rows: one weight per label, then the "
	    "feature\n"
	    "kind softmax-regression\nlabels", tr->nitems);
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
	for (size_t i = 0; i < tr->rows; i++) {
		size_t r = order[i];
		double mx = 0;

		if (tr->count[r] < LR_MIN_COUNT)
			continue;
		for (int l = 0; l < EV_N; l++)
			if (fabs(w[r * EV_N + l]) > mx)
				mx = fabs(w[r * EV_N + l]);
		if (mx < 1e-4)
			continue;
		for (int l = 0; l < EV_N; l++)
			fprintf(fp, "%.4g ", w[r * EV_N + l]);
		fprintf(fp, "%s\n", tr->strs.s + tr->stroff[r]);
	}
	free(order);
}

int
evtrainer_write(struct evtrainer *tr, const char *path, char *err,
    size_t errsz)
{
	struct outfile out;
	double bias[EV_N], offset[EV_N], rw[EV_N], *w;
	int rc = -1;
	mode_t mask;

	train_tune(tr, offset, rw);
	w = train_fit(tr, bias, -1);
	mask = umask(0);
	umask(mask);
	if (outfile_open(&out, path, 0666 & ~mask) != 0)
		goto fail;
	train_print(tr, out.fp, bias, offset, rw, w);
	if (outfile_commit(&out) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	snprintf(err, errsz, "%s: %s", out.failed, strerror(errno));
	outfile_abort(&out);
out:
	free(w);
	return rc;
}

void
evtrainer_free(struct evtrainer *tr)
{
	hmap_free(&tr->feat);
	fbuf_free(&tr->strs);
	free(tr->stroff);
	free(tr->count);
	free(tr->seen);
	free(tr->feats);
	free(tr->item_off);
	free(tr->item_labels);
	free(tr->item_rule);
	free(tr->item_rdec);
	free(tr->item_rconf);
	memset(tr, 0, sizeof(*tr));
}
