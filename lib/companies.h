/*
 * companies.h - the companies an item is about: candidates found in its
 * fields by the tracked list, the gazetteer (its products for their
 * company) and the rules' cues (legal forms, name words, event verbs
 * after a name, event phrases before one, what a company is before it,
 * an acronym defined after it, possessives), each with a score; people's
 * surnames dropped; then ranked, main one first.
 *
 * Ownership: a zeroed struct companies is empty; companies_reset empties
 * it for the next item and keeps its memory; companies_free releases it.
 * The rules and name lists are the caller's and are only read.
 */
#ifndef JOBLINE_COMPANIES_H
#define JOBLINE_COMPANIES_H

#include <stddef.h>
#include <stdint.h>

#include "fbuf.h"
#include "names.h"
#include "rules.h"
#include "tokens.h"

/* A company candidate. */
struct cand {
	size_t off, len;	/* name in the arena */
	uint64_t key;		/* hash of its normal form (company_key) */
	double score;		/* evidence; <= 0: not a company */
	int pos;		/* first position: field * 65536 + token */
	const char *why;	/* the strongest kind of evidence; static */
	int tracked;		/* a tracked company */
	int gid;		/* its gazetteer entry, or -1 */
	unsigned fields;	/* bit f: found in field f */
	int lpos;		/* first position in the summary */
	int owned;		/* the summary names it as another's: "its
				 * Saab factory" */
	int owner;		/* the summary names it as owner: "at
				 * parent DaimlerChrysler" */
};

/* At most so many people's surnames and acronyms are kept per item. */
#define PERSONS_MAX 16
#define ALIASES_MAX 16

struct companies {
	struct cand *c;		/* the candidates */
	size_t nc, capc;	/* used, allocated */
	struct fbuf arena;	/* their names */
	int tracked;		/* a tracked company was found */
	uint64_t persons[PERSONS_MAX];	/* people's surnames seen: a lone
					 * "Gates" is the man, not a firm */
	int npersons;		/* used */
	struct {
		uint64_t from, to;	/* an acronym's key, its name's */
	} alias[ALIASES_MAX];	/* acronyms defined: "Open Society
				 * Institute (OSI)" */
	int naliases;		/* used */
	int head_kind;		/* 1 + the token of the headline's first
				 * word saying what a company is ("US
				 * bank in ..."); 0: none */
};

void companies_reset(struct companies *cs);

/*
 * Find the candidates in field f's text x (0 the title, which counts
 * double), up to byte limit of it, by the tracked list (may be empty),
 * the gazetteer and cues of r.
 */
void companies_find(struct companies *cs, const struct rules *r,
    const struct names *tracked, const struct text *x, int f, size_t limit);

/* Note the people named in x ("Vladimir Putin said"), finding no
 * candidates: a headline's "Putin" is then the man.  Call it after the
 * candidates are found; with no lone word among them it reads nothing. */
void companies_find_people(struct companies *cs, const struct rules *r,
    const struct text *x);

/* Drop names that are surnames of people named ("Bill Gates ... Gates
 * opens"), add to the score of the first company of the summary, merge
 * "Ford" into "Ford Motor" when both were found, add to the score of
 * the headline's first company (its subject: "Disney backs Sony ...")
 * when the headline names the summary's first too and does not describe
 * its subject before ("US bank in SEC settlement"), then sort: tracked
 * first, then by score, then by position. */
void companies_rank(struct companies *cs);

/* Drop one-word names the item also writes in lowercase, in any of
 * its nx texts x: a common word capitalised at a sentence's start
 * ("Tourism has suffered"), not a name.  Tracked and gazetteer names
 * stay ("Next", "Shell"). */
void companies_drop_words(struct companies *cs, const struct text *x,
    int nx);

/* Drop the public bodies of r's gazetteer that the headline does not
 * name, unless it says what one is (headline_kind: "Nuclear body seeks
 * new tech"): a regulator quoted in a story about the economy is not
 * what the story is about.  With other set (the item is filed other),
 * drop its institutions too, named where they may be: "Fed warns of
 * more US rate rises" is about the economy, not a company. */
void companies_drop_public(struct companies *cs, const struct rules *r,
    int headline_kind, int other);

/* Some candidate found in a field of mask (bit f: field f) has a score
 * and is no public body of r's gazetteer. */
int companies_in(const struct companies *cs, const struct rules *r,
    unsigned mask);

/* Text x says what a company is ("a US defence company", "the firm"):
 * it holds a word of r's kinds. */
int companies_described(const struct rules *r, const struct text *x);

/* Keep only the first candidate named (by position) of those scored. */
void companies_keep_first(struct companies *cs);

/* Drop the untracked candidates found only in field f whose score is
 * below min. */
void companies_drop_weak(struct companies *cs, int f, double min);

/* Drop the candidates found only in field f, but those x names
 * keep_min times or more, as whole words. */
void companies_drop_only(struct companies *cs, const struct rules *r,
    int f, const struct text *x, int keep_min);

/* The name of candidate c. */
static inline const char *
cand_name(const struct companies *cs, const struct cand *c)
{
	return cs->arena.s + c->off;
}

/* The normal form of a name for comparing (lowercase letters and digits,
 * hashed), with tmp[0..tmpsz) as room. */
uint64_t company_key(const char *s, size_t n, char *tmp, size_t tmpsz);

void companies_free(struct companies *cs);

#endif
