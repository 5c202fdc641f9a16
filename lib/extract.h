/*
 * extract.h - the extractive summariser (summarize's offline backend; see
 * summarize(1)): the text cut into sentences, each scored by its
 * similarity to the others and to the title, its position and length, and
 * the best that fit in `chars' characters (at most `sentences', no
 * near-duplicates) joined in text order.  tests/fuzz/fuzz-extract checks
 * its promises.  Only the first MAX_CANDIDATES sentences are read, a word
 * at a time; what is kept of each is a few numbers, so that memory does
 * not grow with the text (a sentence is read again for its words when it
 * is written).
 *
 * Ownership: extract_new allocates, extract_free releases everything;
 * x->out is owned by x and valid until the next call; extract_clean
 * returns a string the caller frees.  One struct extract at a time (the
 * ASCII folding tables are shared).
 */
#ifndef JOBLINE_EXTRACT_H
#define JOBLINE_EXTRACT_H

#include <stddef.h>

#include "segment.h"

#define EXTRACT_DIM 256		/* dimension of the sentence vectors */

/* A sentence of the current text. */
struct sent {
	size_t start, end;	/* its bytes, first word to last: [start, end) */
	size_t words;		/* how many words it has */
	size_t chars;		/* characters once whitespace is collapsed */
	int space_after;	/* white space or the end of the text follows */
	float score;		/* how well it represents the article */
	int chosen;		/* part of the synopsis */
};

struct extract {
	int sentences;		/* most sentences in a synopsis, >= 1 */
	size_t chars;		/* most characters in a synopsis, >= 2 */
	struct hashembed *hash;	/* sentence vectors */
	struct sent *s;		/* its sentences */
	size_t ns, scap;	/* how many, capacity */
	size_t *order;		/* sentence indices by score */
	float *vec;		/* ns vectors of EXTRACT_DIM floats */
	size_t veccap;		/* capacity of vec in vectors */
	float centroid[EXTRACT_DIM];	/* sum of the sentence vectors */
	float tvec[EXTRACT_DIM];	/* the title's vector */
	char *fold;		/* a sentence folded to ASCII */
	size_t foldcap;		/* its capacity */
	unsigned long nfolded;	/* sentences folded */
	char *out;		/* synopsis being built, NUL-terminated */
	size_t outlen, outcap;	/* its length and capacity */
};

struct extract *extract_new(int sentences, size_t chars);

/* The extractive synopsis of text[0..len) (title[0..tlen) may be NULL, 0)
 * into x->out, x->outlen; 0 when the text has no words. */
int extract_text(struct extract *x, const char *title, size_t tlen,
    const char *text, size_t len);

/* s[0..len) with whitespace collapsed, trimmed, within x->chars (cut at a
 * word, with an ellipsis; *cut set to 1 then, else 0); NULL when it has
 * no words.  Uses x->out. */
char *extract_clean(struct extract *x, const char *s, size_t len, int *cut);

void extract_free(struct extract *x);

#endif
