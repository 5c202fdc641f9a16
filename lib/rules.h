/*
 * rules.h - classify's rules (man/classify.5): the event labels, the
 * weighted terms of each event type and industry, the company cues and
 * name lists, the currencies, and the settings; read from rules files.
 *
 * Ownership: rules_new returns rules with the default settings and no
 * terms; rules_read adds a file (and what it includes) to them;
 * rules_free releases everything.  Nothing in the rules changes while
 * items are classified: one struct rules may serve several at once.
 */
#ifndef JOBLINE_RULES_H
#define JOBLINE_RULES_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "hmap.h"
#include "names.h"
#include "phrases.h"
#include "tokens.h"

/* ---- event labels ---- */

enum {
	EV_FUNDING, EV_ACQUISITION, EV_PARTNERSHIP, EV_HIRING, EV_LAYOFFS,
	EV_EXPANSION, EV_LAUNCH, EV_LEADERSHIP, EV_LEGAL, EV_EARNINGS,
	EV_OTHER, EV_N
};

/* The labels' names, in EV_* order. */
extern const char *const ev_names[EV_N];

/* The label named s[0..n), or -1. */
int ev_lookup(const char *s, size_t n);

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
	int bare;		/* an event term enough for an item that
				 * names no company ("been launched", the
				 * maker named later; "found guilty", of
				 * people): bare-min-score does not apply */
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
	struct hmap people;	/* given names: a name starting with one is
				 * a person's */
	struct hmap person;	/* words before a person's name: Mr, chief */
	struct hmap breaks;	/* single-word terms and cues: end a name */
	struct hmap kinds;	/* words saying what a company is: firm */
	struct hmap notend;	/* last words of no company's name: Show,
				 * Court */
	struct pindex before;	/* cues after a name: "raises" */
	struct pindex after;	/* cues before a name: "acquisition of" */
	unsigned after_max;	/* longest after cue in tokens */
	struct pindex source;	/* cues before a name quoted as a source:
				 * "told", "according to" */
	unsigned source_max;	/* longest source cue in tokens */
	struct pindex quoted;	/* cues after a name that end a sentence
				 * quoting it: "..., the LSE has said." */
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
	double bare_min_score;	/* least score of an event when an item
				 * with a summary names no company (when
				 * above min_score) */
	double conf_k;		/* confidence = best / (best + second + k) */
	double rules_win;	/* rules' confidence from which they win over
				 * the model; < 0: the model file's value */
	double model_min;	/* no longer used (model format 1) */
	double industry_min;	/* least score of an industry */
	double industry_second;	/* share of the first industry's score the
				 * next ones need */
	double support;		/* share of a term that is not the strongest */
	int max_companies, max_industries;
	double half_life_h;	/* recency half-life in hours */
	/* reading */
	const char *default_path;	/* what "include default" reads, or
					 * NULL; not owned */
	char err[1024];		/* the last error: "file:line: reason" */
	struct text scratch;	/* for cutting phrases into tokens */
};

/* New rules: the default settings, nothing else. */
struct rules *rules_new(void);

/*
 * Add the rules file at path (and what it includes) to r: CFG_OK, or
 * CFG_UNREADABLE when path cannot be opened or read, CFG_BAD when it (or
 * a file it names) is refused, with the reason in r->err.  What was read before
 * an error stays in r, for rules_free.
 */
int rules_read(struct rules *r, const char *path);

/* After the last rules_read: build the amount pattern from the
 * currencies.  0, or -1 with the reason in r->err. */
int rules_finish(struct rules *r);

/* The currency whose form ends at s[end] (one blank allowed), or -1. */
int rules_form_before(const struct rules *r, const char *s, size_t end);

void rules_free(struct rules *r);

/* The path of the shipped rules ($JOBLINE_SHARE, beside the program, the
 * compiled-in share directory), or NULL; the caller frees it. */
char *rules_find_default(void);

/* The path of the operator's own file NAME ("rules", "model"), kept out
 * of the share directory so that upgrades leave it alone: the first of
 * $XDG_CONFIG_HOME/jobline/classify/NAME (~/.config without it) and
 * /etc/jobline/classify/NAME that can be read, or NULL; the caller frees
 * it. */
char *rules_config(const char *name);

#endif
