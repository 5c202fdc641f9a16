/*
 * tokens.h - classify's tokenizer: a field's text cut into words, each
 * with its offset, its lowercase form (hashed) and what the gap before it
 * says (a break that ends a name, white space, an apostrophe).
 *
 * A word is a run of ASCII letters and digits and of characters beyond
 * ASCII that are not punctuation or symbols (sep_len); everything else is
 * gap.  The lowercase forms are joined by single spaces in text.norm, so
 * that phrases can be matched token by token and patterns run on it.
 *
 * Ownership: a zeroed struct text is empty; text_cut reuses its memory
 * (the token array and norm), text_free releases it.  The text cut is
 * the caller's and must outlive the tokens (x->s points into it).
 */
#ifndef JOBLINE_TOKENS_H
#define JOBLINE_TOKENS_H

#include <stddef.h>
#include <stdint.h>

#include "fbuf.h"

enum {
	TF_CAP = 1,		/* starts with a capital (or digit + capital) */
	TF_BREAK = 2,		/* the gap before it ends a name: , ; . a line
				 * break etc. */
	TF_SPACE = 4,		/* the gap before it holds white space */
	TF_POSS = 8,		/* an "s" after an apostrophe: possessive */
	TF_DIGIT = 16		/* all digits */
};

struct tok {
	uint32_t off;		/* offset in the field's text */
	uint32_t len;		/* length in bytes */
	uint64_t h;		/* hash of its lowercase form (text_hash) */
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

/* Cut s[0..len) (valid UTF-8) into x's tokens, replacing what x held. */
void text_cut(struct text *x, const char *s, size_t len);

void text_free(struct text *x);

/* Token i of x has no lowercase letter ("BAT", "AT&T"). */
int text_caps(const struct text *x, size_t i);

/* The hash of s[0..n) as tokens, phrases and features are hashed. */
uint64_t text_hash(const char *s, size_t n);

#endif
