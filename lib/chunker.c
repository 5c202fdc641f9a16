/* chunker.c - where the chunks of a text begin and end (see chunker.h) */
#include <stdlib.h>

#include "chunker.h"
#include "segment.h"
#include "util.h"

/* Cut classes: where a chunk may end, best last. */
enum { CUT_WORD, CUT_SENTENCE, CUT_PARAGRAPH };

static int
cut_class(const struct seg_words *ws, size_t e)
{
	if (e >= ws->n || (ws->w[e].flags & SEG_PARA))
		return CUT_PARAGRAPH;
	if (ws->w[e - 1].flags & SEG_SENT_END)
		return CUT_SENTENCE;
	return CUT_WORD;
}

static void
add_cut(struct chunk_plan *c, size_t s, size_t e)
{
	if (c->ncuts == c->capcuts) {
		c->capcuts = c->capcuts ? c->capcuts * 2 : 16;
		c->cuts = xrealloc(c->cuts, c->capcuts * 2 * sizeof(size_t));
	}
	c->cuts[2 * c->ncuts] = s;
	c->cuts[2 * c->ncuts + 1] = e;
	c->ncuts++;
}

/*
 * Plan the chunks of the words in c->ws.  A chunk ends at the best cut in
 * the last half of its window (at most --words words and --chars
 * characters): a paragraph break, else a sentence end, else a word
 * boundary; among cuts of one class, one whose overlap (the last --overlap
 * words, which open the next chunk) starts a sentence wins, then the
 * latest.
 */
static void
plan(struct chunk_plan *c)
{
	const struct seg_words *ws = &c->ws;
	size_t s = 0, n = ws->n;

	c->ncuts = 0;
	while (s < n) {
		size_t emax = s + c->words < n ? s + c->words : n;
		size_t lo, best, e;
		int score, bestscore = -1;

		while (c->chars > 0 && emax > s + 1 &&
		    ws->w[emax - 1].cend - ws->w[s].cstart > c->chars)
			emax--;
		if (emax == n) {
			add_cut(c, s, n);
			break;
		}
		lo = s + (emax - s) / 2;
		if (lo < s + c->overlap + 1)
			lo = s + c->overlap + 1;
		if (lo > emax)
			lo = emax;
		if (lo < s + 1)
			lo = s + 1;
		best = emax;
		for (e = lo; e <= emax; e++) {
			score = cut_class(ws, e) * 2;
			if (e - s > c->overlap &&
			    seg_sentence_start(ws, e - c->overlap))
				score++;
			if (score >= bestscore) {
				bestscore = score;
				best = e;
			}
		}
		add_cut(c, s, best);
		/* a chunk no longer than the overlap (--chars) has none */
		s = best - s > c->overlap ? best - c->overlap : best;
	}
}

void
chunk_plan(struct chunk_plan *p, const char *text, size_t len)
{
	seg_words(text, len, p->chars, &p->ws);
	plan(p);
}

void
chunk_plan_free(struct chunk_plan *p)
{
	seg_free(&p->ws);
	free(p->cuts);
	p->cuts = NULL;
	p->ncuts = p->capcuts = 0;
}
