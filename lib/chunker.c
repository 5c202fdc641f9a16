/* chunker.c - where the chunks of a text begin and end (see chunker.h) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chunker.h"
#include "segment.h"
#include "util.h"

/* Cut classes: where a chunk may end, best last. */
enum { CUT_WORD, CUT_SENTENCE, CUT_PARAGRAPH };

/* Word i of the text; it is in the window. */
static const struct seg_word *
word(const struct chunk_plan *c, size_t i)
{
	return &c->win[i - c->base];
}

/* The number of words of the text once all are read, else SIZE_MAX. */
static size_t
known_words(const struct chunk_plan *c)
{
	return c->eof ? c->base + c->nwin : SIZE_MAX;
}

static int
cut_class(const struct chunk_plan *c, size_t e)
{
	if (e >= known_words(c) || (word(c, e)->flags & SEG_PARA))
		return CUT_PARAGRAPH;
	if (word(c, e - 1)->flags & SEG_SENT_END)
		return CUT_SENTENCE;
	return CUT_WORD;
}

static int
sentence_start(const struct chunk_plan *c, size_t i)
{
	return i == 0 || (word(c, i)->flags & SEG_PARA) ||
	    (word(c, i - 1)->flags & SEG_SENT_END);
}

/*
 * The window for the chunk opening at word c->s: the words it may hold
 * and the one after them (s + words + 1 in all), fewer when --chars
 * ends it sooner: up to the first word past --chars characters.  Words
 * before s are forgotten once they are half the window.
 */
static void
fill(struct chunk_plan *c)
{
	size_t want = c->s + c->words + 1;

	if (c->s - c->base > 0 && c->s - c->base >= c->nwin / 2) {
		size_t drop = c->s - c->base;

		memmove(c->win, c->win + drop,
		    (c->nwin - drop) * sizeof(*c->win));
		c->nwin -= drop;
		c->base = c->s;
	}
	while (!c->eof && c->base + c->nwin < want) {
		if (c->chars > 0 && c->base + c->nwin > c->s &&
		    c->win[c->nwin - 1].cend - word(c, c->s)->cstart >
		    c->chars)
			break;
		if (c->nwin == c->capwin) {
			c->capwin = c->capwin ? c->capwin * 2 : 256;
			c->win = xrealloc(c->win,
			    c->capwin * sizeof(*c->win));
		}
		if (seg_iter_next(&c->it, &c->win[c->nwin]))
			c->nwin++;
		else
			c->eof = 1;
	}
}

/*
 * Plan the next chunk into *cut; 0 when there is none.  A chunk ends at
 * the best cut in the last half of its window (at most --words words and
 * --chars characters): a paragraph break, else a sentence end, else a
 * word boundary; among cuts of one class, one whose overlap (the last
 * --overlap words, which open the next chunk) starts a sentence wins,
 * then the latest.
 */
static int
plan_next(struct chunk_plan *c, struct chunk_cut *cut)
{
	size_t s = c->s, n, emax, lo, best, e;
	int score, bestscore = -1;

	if (c->done)
		return 0;
	fill(c);
	n = known_words(c);
	if (s >= n) {
		c->done = 1;
		return 0;
	}
	emax = s + c->words < n ? s + c->words : n;
	/* fill stopped at a word past --chars: none after it fits */
	if (emax > c->base + c->nwin)
		emax = c->base + c->nwin;
	while (c->chars > 0 && emax > s + 1 &&
	    word(c, emax - 1)->cend - word(c, s)->cstart > c->chars)
		emax--;
	if (emax == n) {
		best = n;
		c->done = 1;
	} else {
		lo = s + (emax - s) / 2;
		if (lo < s + c->overlap + 1)
			lo = s + c->overlap + 1;
		if (lo > emax)
			lo = emax;
		if (lo < s + 1)
			lo = s + 1;
		best = emax;
		for (e = lo; e <= emax; e++) {
			score = cut_class(c, e) * 2;
			if (e - s > c->overlap &&
			    sentence_start(c, e - c->overlap))
				score++;
			if (score >= bestscore) {
				bestscore = score;
				best = e;
			}
		}
	}
	cut->w0 = s;
	cut->w1 = best;
	cut->start = word(c, s)->start;
	cut->end = word(c, best - 1)->end;
	cut->cstart = word(c, s)->cstart;
	cut->cend = word(c, best - 1)->cend;
	/* a chunk no longer than the overlap (--chars) has none */
	c->s = best - s > c->overlap ? best - c->overlap : best;
	return 1;
}

/* Start planning the chunks of the text from its first word. */
static void
plan_start(struct chunk_plan *c)
{
	seg_iter_init(&c->it, c->text, c->len, c->chars);
	c->eof = c->done = 0;
	c->base = c->nwin = c->s = 0;
}

void
chunk_plan(struct chunk_plan *p, const char *text, size_t len)
{
	struct chunk_cut cut;

	p->text = text;
	p->len = len;
	p->ncuts = p->got = 0;
	plan_start(p);
	while (plan_next(p, &cut)) {
		if (p->ncuts < CHUNK_KEEP) {
			if (p->ncuts == p->capkept) {
				p->capkept = p->capkept ? p->capkept * 2 : 16;
				p->kept = xrealloc(p->kept,
				    p->capkept * sizeof(*p->kept));
			}
			p->kept[p->ncuts] = cut;
		}
		p->ncuts++;
	}
}

void
chunk_get(struct chunk_plan *p, struct chunk_cut *c)
{
	if (p->ncuts <= CHUNK_KEEP) {
		*c = p->kept[p->got++];
		return;
	}
	if (p->got++ == 0)
		plan_start(p);
	plan_next(p, c);
}

void
chunk_plan_free(struct chunk_plan *p)
{
	free(p->win);
	free(p->kept);
	p->win = NULL;
	p->kept = NULL;
	p->capwin = p->capkept = p->nwin = p->ncuts = 0;
}
