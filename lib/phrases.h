/*
 * phrases.h - an index of phrases (token sequences, as tokens.h hashes
 * them) looked up by their first token: classify's terms, cues and
 * names.  In a phrase after its first token, H_NUM stands for any number
 * and H_ANY for any one word (written "#" and "*").
 *
 * Ownership: a zeroed struct pindex is empty; pindex_add copies the
 * tokens given; pindex_free releases everything.
 */
#ifndef JOBLINE_PHRASES_H
#define JOBLINE_PHRASES_H

#include <stddef.h>
#include <stdint.h>

#include "hmap.h"
#include "tokens.h"

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

void pindex_add(struct pindex *px, const uint64_t *tok, unsigned ntok,
    int id);

/* Index of the first phrase that may start at token i, or -1; the
 * others follow by phrase.next. */
static inline int
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

/* Non-zero when phrase p (one pindex_first gave for i) matches the
 * tokens from i on.  Most lookups fail on the second token: that one is
 * tried inline first. */
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

/* The longest phrase matching at token i (its index), or -1. */
int pindex_longest(const struct pindex *px, const struct text *x, size_t i);

/* The longest phrase of at most maxlen tokens ending just before token i
 * (its index), or -1. */
int pindex_ending(const struct pindex *px, const struct text *x, size_t i,
    unsigned maxlen);

void pindex_free(struct pindex *px);

/*
 * Hash each token of the phrase s[0..n) as text_cut would, into out
 * (room for max); a word "#" or "*" after the first is H_NUM or H_ANY.
 * Returns the number of tokens, or max + 1 when there are more.  scratch
 * is a text to cut with (reused).
 */
unsigned phrase_tokens(const char *s, size_t n, uint64_t *out, unsigned max,
    struct text *scratch);

#endif
