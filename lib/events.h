/*
 * events.h - labelling one item: its fields cut into tokens, the rules'
 * terms scored into event and industry scores, the event decided (by the
 * rules, or by the model stacked on them), the companies and the amount
 * found, the priority computed; and the fields classify adds to the
 * record, as JSON text (man/classify.1).
 *
 * Ownership: evitem_init ties an item to rules, a tracked list and a
 * model that stay the caller's and must outlive it (the model's rows are
 * marked while scoring); the item owns its buffers, reused from one
 * item to the next, and evitem_free releases them.  The input's strings
 * stay the caller's and must outlive the classification.
 */
#ifndef JOBLINE_EVENTS_H
#define JOBLINE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "companies.h"
#include "evmodel.h"
#include "fbuf.h"
#include "names.h"
#include "rules.h"
#include "tokens.h"

/* The fields of an item that classify reads. */
struct evinput {
	const char *text[3];	/* title, summary, content, or NULL */
	size_t len[3];		/* their lengths */
	const char *published;	/* published (else updated), NUL-terminated,
				 * or NULL */
};

struct evitem {
	/* what it is labelled with; not owned */
	const struct rules *r;	/* the rules */
	const struct names *tracked;	/* tracked companies (may be empty) */
	struct evmodel *m;	/* the model (loaded or not) */
	int64_t now;		/* the time recency is measured from (ms) */
	int explain;		/* collect --explain entries */
	int want_terms;		/* record the event terms that fire */
	/* the item */
	struct text x[3];	/* title, summary, content */
	int has[3];		/* field present with tokens */
	double score[EV_N];	/* event scores */
	double top[EV_N];	/* strongest term of each event */
	double *ind;		/* industry scores */
	unsigned long *tstamp;	/* per term: the last field it counted in */
	unsigned long stamp;	/* field counter for tstamp */
	struct companies cs;	/* company candidates */
	unsigned bare_ok;	/* events whose bare terms fired in the
				 * headline or summary (bit e: event e) */
	int named;		/* fields whose companies make the item a
				 * company's (bit f: field f) */
	struct fbuf out;	/* fields added to the record */
	struct fbuf why;	/* --explain entries, JSON strings */
	int event;		/* decided event */
	double conf;		/* its confidence */
	const char *decided;	/* "rules", "model", "none" */
	double mprob;		/* model's probability of its best label */
	int mlabel;		/* model's best label, or -1 */
	int *fired;		/* event terms that counted (want_terms) */
	size_t nfired, capfired;	/* used, allocated */
	pcre2_match_data *md;	/* for the patterns and the amount */
};

void evitem_init(struct evitem *it, const struct rules *r,
    const struct names *tracked, struct evmodel *m, int64_t now,
    int explain, int want_terms);

/* Classify in: it->event, it->conf and it->cs are set, and
 * it->out holds the fields to add, each after a comma. */
void evitem_classify(struct evitem *it, const struct evinput *in);

/* The model's features of the item classified (evmodel.h): the word
 * features of its fields, and the rules' evidence, the rules having
 * decided `decided'. */
void evitem_words(const struct evitem *it, feat_fn fn, void *arg);
void evitem_rule_features(const struct evitem *it, int decided, feat_fn fn,
    void *arg);

void evitem_free(struct evitem *it);

#endif
