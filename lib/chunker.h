/*
 * chunker.h - where the chunks of a text begin and end (owned by chunk;
 * tests/fuzz/fuzz-chunk checks its promises).  The rules are chunk(1)'s:
 * at most `words' words and, with `chars', at most that many characters a
 * chunk (a longer word is cut); each chunk ends at the best boundary in
 * the last half of its window and the next one opens with its last
 * `overlap' words (none after a chunk no longer than the overlap).
 *
 * Memory does not grow with the text: the words come from a segmenter
 * one at a time and only the window of the chunk being planned (words + 1
 * of them) is kept.  chunk_plan counts the chunks (a record says how many
 * its item has) and keeps the first CHUNK_KEEP of them; chunk_get hands
 * them out, planning a text with more once again as it goes.
 *
 * Ownership: the caller's struct; its buffers are grown with xrealloc,
 * reused from text to text, and released with chunk_plan_free.  The text
 * is borrowed from chunk_plan until the last chunk_get.
 */
#ifndef JOBLINE_CHUNKER_H
#define JOBLINE_CHUNKER_H

#include <stddef.h>

#include "segment.h"

/* Chunks of a text kept by chunk_plan; a text with more is planned twice. */
#define CHUNK_KEEP 4096

/* One chunk: words [w0, w1) of the text. */
struct chunk_cut {
	size_t w0, w1;		/* its words, counted from the text's first */
	size_t start, end;	/* its bytes: [start, end) */
	size_t cstart, cend;	/* the same in code points */
};

struct chunk_plan {
	size_t words;		/* most words in a chunk, >= 1 */
	size_t overlap;		/* words shared by neighbours, < words */
	size_t chars;		/* most characters, 0 for no limit */
	size_t ncuts;		/* chunks of the text (after chunk_plan) */
	/* the planner's state */
	struct seg_iter it;	/* the words not yet in the window */
	int eof;		/* it has given its last word */
	struct seg_word *win;	/* words [base, base + nwin) of the text */
	size_t base, nwin, capwin;	/* first word, how many, capacity */
	size_t s;		/* the next chunk's first word */
	int done;		/* the last chunk was planned */
	/* the chunks */
	struct chunk_cut *kept;	/* the first min(ncuts, CHUNK_KEEP) */
	size_t capkept;		/* capacity of kept */
	size_t got;		/* chunks handed out by chunk_get */
	const char *text;	/* the text; borrowed */
	size_t len;		/* its length */
};

/* Plan the chunks of text[0..len): p->ncuts (0 when it has no words). */
void chunk_plan(struct chunk_plan *p, const char *text, size_t len);

/* The next chunk of the text into *c, in order: call it p->ncuts times
 * after chunk_plan. */
void chunk_get(struct chunk_plan *p, struct chunk_cut *c);

void chunk_plan_free(struct chunk_plan *p);

#endif
