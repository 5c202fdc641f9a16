/* phrases.c - phrases looked up by their first token: see phrases.h */
#include <stdlib.h>
#include <string.h>

#include "phrases.h"
#include "util.h"

void
pindex_add(struct pindex *px, const uint64_t *tok, unsigned ntok, int id)
{
	struct phrase *p;

	if (px->n == px->cap) {
		px->cap = px->cap ? px->cap * 2 : 64;
		px->v = xrealloc(px->v, px->cap * sizeof(*px->v));
	}
	p = &px->v[px->n];
	p->tok = xmalloc(ntok * sizeof(*p->tok));
	memcpy(p->tok, tok, ntok * sizeof(*tok));
	p->ntok = ntok;
	p->tok1 = ntok > 1 ? tok[1] : 0;
	p->id = id;
	p->next = hmap_get(&px->first, tok[0]);
	hmap_put(&px->first, tok[0], (int)px->n);
	px->n++;
}

int
pindex_longest(const struct pindex *px, const struct text *x, size_t i)
{
	int best = -1;

	for (int j = pindex_first(px, x, i); j >= 0; j = px->v[j].next)
		if (phrase_at(&px->v[j], x, i) &&
		    (best < 0 || px->v[j].ntok > px->v[best].ntok))
			best = j;
	return best;
}

int
pindex_ending(const struct pindex *px, const struct text *x, size_t i,
    unsigned maxlen)
{
	for (unsigned len = maxlen; len >= 1; len--) {
		if (len > i)
			continue;
		for (int j = pindex_first(px, x, i - len); j >= 0;
		    j = px->v[j].next)
			if (px->v[j].ntok == len && phrase_at(&px->v[j], x,
			    i - len))
				return j;
	}
	return -1;
}

void
pindex_free(struct pindex *px)
{
	for (size_t i = 0; i < px->n; i++)
		free(px->v[i].tok);
	free(px->v);
	hmap_free(&px->first);
}

unsigned
phrase_tokens(const char *s, size_t n, uint64_t *out, unsigned max,
    struct text *scratch)
{
	unsigned count = 0;
	size_t i = 0;

	/* word by word, so that "#" and "*" can stand alone */
	while (i < n) {
		size_t j;

		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		for (j = i; j < n && s[j] != ' ' && s[j] != '\t'; j++)
			;
		if (j == i)
			break;
		if (count > 0 && j - i == 1 && (s[i] == '#' || s[i] == '*')) {
			if (count >= max)
				return max + 1;
			out[count++] = s[i] == '#' ? H_NUM : H_ANY;
		} else {
			text_cut(scratch, s + i, j - i);
			for (size_t k = 0; k < scratch->n; k++) {
				if (count >= max)
					return max + 1;
				out[count++] = scratch->t[k].h;
			}
		}
		i = j;
	}
	return count;
}
