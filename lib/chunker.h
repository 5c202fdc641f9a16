/*
 * chunker.h - where the chunks of a text begin and end (owned by chunk;
 * tests/fuzz/fuzz-chunk checks its promises).  The rules are chunk(1)'s:
 * at most `words' words and, with `chars', at most that many characters a
 * chunk (a longer word is cut); each chunk ends at the best boundary in
 * the last half of its window and the next one opens with its last
 * `overlap' words (none after a chunk no longer than the overlap).
 *
 * Ownership: the caller's struct; ws and cuts are grown with xrealloc,
 * reused from text to text, and released with chunk_plan_free.
 */
#ifndef JOBLINE_CHUNKER_H
#define JOBLINE_CHUNKER_H

#include <stddef.h>

#include "segment.h"

struct chunk_plan {
	size_t words;		/* most words in a chunk, >= 1 */
	size_t overlap;		/* words shared by neighbours, < words */
	size_t chars;		/* most characters, 0 for no limit */
	struct seg_words ws;	/* the words of the text */
	size_t *cuts;		/* chunk i is words [cuts[2i], cuts[2i+1]) */
	size_t ncuts, capcuts;	/* chunks found, capacity in pairs */
};

/* Cut text[0..len) into words (p->ws) and chunks (p->cuts, p->ncuts: 0
 * when the text has no words). */
void chunk_plan(struct chunk_plan *p, const char *text, size_t len);

void chunk_plan_free(struct chunk_plan *p);

#endif
