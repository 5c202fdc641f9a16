/*
 * evmodel.h - classify's event model: multinomial logistic regression
 * (softmax over the labels) over binary lowercase word unigrams, bigrams
 * and long words' prefixes, each item's word features scaled to unit
 * length, plus the rules' evidence as features of weight 1 (stacking);
 * read from a model file, and trained into one (man/classify.1, MODEL).
 *
 * Features reach the model and the trainer through a feat_fn: the
 * caller cuts an item's fields and calls fn for each feature (word
 * features with evmodel_words, the rules' with rule 1).
 *
 * Ownership: a zeroed struct evmodel or struct evtrainer is empty;
 * evmodel_free and evtrainer_free release them.  Scoring an item marks
 * the model's rows (seen): one model scores one item at a time.
 */
#ifndef JOBLINE_EVMODEL_H
#define JOBLINE_EVMODEL_H

#include <stddef.h>
#include <stdint.h>

#include "fbuf.h"
#include "hmap.h"
#include "rules.h"
#include "tokens.h"

/* A feature: its text s[0..n), its hash, and whether it is the rules'
 * (weight 1) rather than a word's (unit length with the others). */
typedef void (*feat_fn)(void *arg, const char *s, size_t n, uint64_t h,
    int rule);

/* Call fn for each word feature (unigram, prefix, bigram) of a field. */
void evmodel_words(const struct text *x, feat_fn fn, void *arg);

struct evmodel {
	int loaded;		/* a model is in use */
	double bias[EV_N];	/* per-label intercept */
	double offset[EV_N];	/* added to each label's score to decide */
	double rules_win[EV_N];	/* rules' confidence from which each of
				 * their labels wins */
	struct hmap feat;	/* feature hash -> row */
	float *w;		/* rows * EV_N weights */
	size_t rows;		/* rows of w */
	unsigned long *seen;	/* per row: last item it counted for */
	unsigned long stamp;	/* item counter for seen */
};

/* Read the model file at path into m: CFG_OK, or CFG_BAD or
 * CFG_UNREADABLE (cfgfile.h) with the reason in err. */
int evmodel_load(struct evmodel *m, const char *path, char *err,
    size_t errsz);

void evmodel_free(struct evmodel *m);

/* Scoring one item: evmodel_start, then its features to evmodel_feature
 * with the struct mscore as arg, then evmodel_scores. */
struct mscore {
	struct evmodel *m;	/* the model; not owned */
	double zw[EV_N];	/* sum of the word features' weights */
	double zr[EV_N];	/* sum of the rule features' weights */
	size_t n;		/* distinct known word features */
};

void evmodel_start(struct evmodel *m, struct mscore *ms);
void evmodel_feature(void *ms, const char *s, size_t n, uint64_t h,
    int rule);
/* The label scores z of the item the features were given for. */
void evmodel_scores(const struct mscore *ms, double *z);

/* For --explain: the three features that weigh most for one label;
 * evmodel_top_start, then the features to evmodel_top_feature. */
struct mtop {
	struct evmodel *m;	/* the model; not owned */
	int label;		/* the label explained */
	double w[3];		/* the three largest weights so far */
	char f[3][48];		/* their features, "" when fewer */
};

void evmodel_top_start(struct evmodel *m, struct mtop *mt, int label);
void evmodel_top_feature(void *mt, const char *s, size_t n, uint64_t h,
    int rule);

/* The model's label: the highest score plus offset; ties go to other. */
int evmodel_label(const double *z, const double *off);

/* Softmax of z into p. */
void evmodel_softmax(const double *z, double *p);

/* ---- training ---- */

struct evtrainer {
	struct hmap feat;	/* feature hash -> row */
	struct fbuf strs;	/* feature texts, NUL-separated */
	size_t *stroff;		/* offset of each row's text */
	unsigned *count;	/* items each row was seen in */
	size_t rows, cap;	/* rows used, allocated */
	unsigned long stamp;	/* item counter */
	unsigned long *seen;	/* per row: last item */
	int *feats;		/* every item's rows, one after the other */
	size_t nfeats, capfeats;	/* used, allocated */
	size_t *item_off;	/* per item: start in feats */
	size_t *item_rule;	/* per item: start of its rule features */
	unsigned *item_labels;	/* per item: bit set of labels */
	int *item_rdec;		/* per item: the rules' label */
	double *item_rconf;	/* per item: the rules' confidence */
	size_t nitems, capitems;	/* used, allocated */
	int verbose;		/* say what tuning found (warnx) */
};

/* Training one item: evtrainer_item with its label bits, its word
 * features to evtrainer_feature (arg: the trainer), evtrainer_rules,
 * its rule features likewise, then evtrainer_said. */
void evtrainer_item(struct evtrainer *t, unsigned labels);
void evtrainer_feature(void *t, const char *s, size_t n, uint64_t h,
    int rule);
void evtrainer_rules(struct evtrainer *t);
void evtrainer_said(struct evtrainer *t, int event, double conf);

/* Fit the model to the items and write it to path, through a temporary
 * file renamed into place: 0, or -1 with errno and the file in err. */
int evtrainer_write(struct evtrainer *t, const char *path, char *err,
    size_t errsz);

void evtrainer_free(struct evtrainer *t);

#endif
