/* companies.c - the companies an item is about: see companies.h */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "companies.h"
#include "util.h"

/* Candidate spans longer than this are sentence fragments, not names. */
#define SPAN_MAX 6
/* Evidence for a name an acronym is defined for. */
#define ACRONYM_SCORE 35
/* Evidence for a company from a mention of its product or brand. */
#define PRODUCT_SCORE 25
/* Evidence for a name quoted at the end of a sentence: a candidate, but
 * not the summary's subject. */
#define QUOTED_SCORE 10
/* Evidence added to the first company of the summary (its subject). */
#define LEAD_BONUS 40
/* Evidence added to the first company of the headline (its subject). */
#define HEAD_BONUS 30
/* Evidence added to the company a headline opens with, when the summary
 * names it after another. */
#define HEAD_FIRST_BONUS 15
/* Evidence added to the summary's subject when it is named as the owner
 * of what the summary names first ("at parent DaimlerChrysler"). */
#define OWNER_BONUS 10

uint64_t
company_key(const char *s, size_t n, char *tmp, size_t tmpsz)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k < tmpsz; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			tmp[k++] = (char)(c + 32);
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c >= 0x80)
			tmp[k++] = (char)c;
	}
	return text_hash(tmp, k);
}

/* Add evidence for a candidate (gid: its gazetteer entry, or -1); the
 * candidate, or NULL for an empty name. */
static struct cand *
cand_add(struct companies *cs, const char *name, size_t len, double score,
    int pos, const char *why, int is_tracked, int gid)
{
	char tmp[256] = "";	/* (gcc 12 warns of it unset) */
	uint64_t key = company_key(name, len, tmp, sizeof(tmp));
	struct cand *c;

	if (len == 0)
		return NULL;
	for (int k = 0; k < cs->naliases; k++)
		if (cs->alias[k].from == key)
			key = cs->alias[k].to;
	for (size_t i = 0; i < cs->nc; i++)
		if (cs->c[i].key == key) {
			c = &cs->c[i];
			/* more evidence: the best kind and a little more */
			if (score > c->score) {
				c->why = why;
				c->score = score + c->score * 0.25;
			} else
				c->score += score * 0.25;
			if (is_tracked)
				c->tracked = 1;
			if (pos < c->pos)
				c->pos = pos;
			if (c->gid < 0)
				c->gid = gid;
			if (pos >> 16 == 1 && !(c->fields & 2))
				c->lpos = pos;
			c->fields |= 1u << (pos >> 16);
			return c;
		}
	if (cs->nc == cs->capc) {
		cs->capc = cs->capc ? cs->capc * 2 : 16;
		cs->c = xrealloc(cs->c, cs->capc * sizeof(*cs->c));
	}
	c = &cs->c[cs->nc++];
	c->off = cs->arena.len;
	c->len = len;
	fbuf_add(&cs->arena, name, len);
	c->key = key;
	c->score = score;
	c->pos = pos;
	c->why = why;
	c->tracked = is_tracked;
	c->gid = gid;
	c->fields = 1u << (pos >> 16);
	c->lpos = pos;
	c->owned = 0;
	c->owner = 0;
	return c;
}

static int
tok_in(const struct hmap *set, const struct tok *t)
{
	return hmap_get(set, t->h) >= 0;
}

/* Token i may be part of a name. */
static int
name_tok(const struct rules *r, const struct text *x, size_t i)
{
	const struct tok *t = &x->t[i];

	return (t->flags & TF_CAP) && !(t->flags & TF_POSS) &&
	    !tok_in(&r->stop, t) && !tok_in(&r->legal, t) &&
	    (!tok_in(&r->breaks, t) || tok_in(&r->keep, t));
}

/* Token i may continue a name in prose, where a capital marks a name: a
 * capitalised cue word ("China Three Gorges Project Corp"). */
static int
name_tok_prose(const struct rules *r, const struct text *x, size_t i)
{
	const struct tok *t = &x->t[i];

	return (t->flags & TF_CAP) && !(t->flags & TF_POSS) &&
	    !tok_in(&r->stop, t) && !tok_in(&r->legal, t);
}

/* Text x is prose: fewer than half its words capitalised (a headline in
 * title case capitalises its verbs too: "Acme Raises $5M"). */
static int
text_prose(const struct text *x)
{
	size_t caps = 0;

	for (size_t i = 0; i < x->n; i++)
		caps += (x->t[i].flags & TF_CAP) != 0;
	return x->n > 4 && caps * 2 < x->n;
}

/* Token i is an acronym in brackets right after a name of several words
 * with the same initial: "Open Society Institute (OSI)". */
static int
acronym_at(const struct text *x, size_t start, size_t i)
{
	const struct tok *t, *p;
	const char *s = x->s;

	if (i >= x->n || i - start < 2)
		return 0;
	t = &x->t[i];
	p = &x->t[i - 1];
	if (t->len < 2 || t->len > 6 ||
	    s[t->off] != s[x->t[start].off] ||
	    memchr(s + p->off + p->len, '(', t->off - p->off - p->len) == NULL ||
	    t->off + t->len >= x->len || s[t->off + t->len] != ')')
		return 0;
	for (uint32_t k = 0; k < t->len; k++)
		if (!(s[t->off + k] >= 'A' && s[t->off + k] <= 'Z'))
			return 0;
	return 1;
}

/* Token i is word w (lowercase). */
static int
word_tok(const struct text *x, size_t i, const char *w)
{
	const struct tok *t = &x->t[i];

	return t->len == strlen(w) && memcmp(x->norm.s + t->noff, w,
	    t->len) == 0;
}

/* Token i is a connector inside a name: "of", "&" gaps are in the gap. */
static int
connector_tok(const struct text *x, size_t i)
{
	return word_tok(x, i, "of") || word_tok(x, i, "de") ||
	    word_tok(x, i, "von") || word_tok(x, i, "van");
}

/* The gap before token i (after the last token, when i is x->n) holds
 * one of the bytes of set. */
static int
gap_holds(const struct text *x, size_t i, const char *set)
{
	size_t from = i > 0 ? x->t[i - 1].off + x->t[i - 1].len : 0;
	size_t to = i < x->n ? x->t[i].off : x->len;

	for (size_t k = from; k < to; k++)
		if (x->s[k] != '\0' && strchr(set, x->s[k]) != NULL)
			return 1;
	return 0;
}

/* The name [start, end) is quoted at the end of a sentence, after a
 * comma: "..., the London Stock Exchange (LSE) has said."  It says what
 * happened; it is not, there, what happened to. */
static int
quoted_at_end(const struct rules *r, const struct text *x, size_t start,
    size_t end)
{
	size_t b = start;
	int j;

	if (b > 0 && word_tok(x, b - 1, "the"))
		b--;
	if (b == 0 || !gap_holds(x, b, ",") || end >= x->n ||
	    gap_holds(x, end, ".,;:") ||
	    (j = pindex_longest(&r->quoted, x, end)) < 0)
		return 0;
	end += r->quoted.v[j].ntok;
	return end == x->n || gap_holds(x, end, ".!?");
}

/* The name at token i follows "its" and at most two lowercase words in
 * its sentence: "its loss-making Saab factory" is the subject's own. */
static int
after_its(const struct text *x, size_t i)
{
	for (size_t k = i, n = 0; k > 0 && n <= 2 &&
	    !(x->t[k].flags & TF_BREAK); k--, n++) {
		if (word_tok(x, k - 1, "its"))
			return 1;
		if (x->t[k - 1].flags & TF_CAP)
			return 0;
	}
	return 0;
}

/* The name at token i follows "parent" or "owner", as in "profits at
 * parent DaimlerChrysler", but not "former parent AT&T". */
static int
after_parent(const struct text *x, size_t i)
{
	size_t k = i;

	if (k > 0 && !(x->t[k].flags & TF_BREAK) && (word_tok(x, k - 1,
	    "company") || word_tok(x, k - 1, "group") ||
	    word_tok(x, k - 1, "firm")))
		k--;
	if (k == 0 || (x->t[k].flags & TF_BREAK) || !(word_tok(x, k - 1,
	    "parent") || word_tok(x, k - 1, "owner")))
		return 0;
	return k < 2 || !(word_tok(x, k - 2, "former") ||
	    word_tok(x, k - 2, "ex"));
}

/* Token i is "and", in the sentence before it. */
static int
and_tok(const struct text *x, size_t i)
{
	return word_tok(x, i, "and") && !(x->t[i].flags & TF_BREAK);
}

/* Note token i as a person's surname. */
static void
person_add(struct companies *cs, const struct text *x, size_t i)
{
	const struct tok *t = &x->t[i];
	char tmp[64];
	uint64_t key = company_key(x->s + t->off, t->len, tmp, sizeof(tmp));
	int k = 0;

	while (k < cs->npersons && cs->persons[k] != key)
		k++;
	if (k == cs->npersons && k < PERSONS_MAX)
		cs->persons[cs->npersons++] = key;
}

/*
 * The span of name tokens and connectors from token i, [*start, *end):
 * 1 when it may be a name; 0 when not (too long, only a number, a lone
 * name word, only common words), and scanning goes on at *end.
 */
static int
name_span(struct companies *cs, const struct rules *r, const struct text *x,
    int prose, size_t i, size_t *startp, size_t *endp)
{
	size_t start = i, end = i + 1;
	int all_common = 1;

	while (end < x->n && end - start < SPAN_MAX + 2 &&
	    !(x->t[end].flags & TF_BREAK)) {
		if (name_tok(r, x, end) || (prose && name_tok_prose(r, x, end)))
			end++;
		else if (connector_tok(x, end) && end + 1 < x->n &&
		    !(x->t[end + 1].flags & TF_BREAK) &&
		    name_tok(r, x, end + 1))
			end += 2;
		else
			break;
	}
	*endp = end;
	if (end - start > SPAN_MAX)
		return 0;
	/* "$110M led by": a number is no name */
	while (start < end && x->s[x->t[start].off] >= '0' &&
	    x->s[x->t[start].off] <= '9')
		start++;
	if (start == end || (end - start == 1 &&
	    (tok_in(&r->keep, &x->t[start]) || x->t[start].len == 1)))
		return 0;
	/* a trade show, an award, a court: "Consumer Electronics Show" */
	if (end - start > 1 && tok_in(&r->notend, &x->t[end - 1]))
		return 0;
	/* a person: a given name first ("Bernie Ebbers"), or a title or
	 * role right before ("Mr Ebbers", "chief executive Rod Eddington") */
	if ((tok_in(&r->people, &x->t[start]) || (start > 0 &&
	    !(x->t[start].flags & TF_BREAK) &&
	    tok_in(&r->person, &x->t[start - 1]))) &&
	    ((x->t[start].flags & TF_BREAK) ||
	    pindex_ending(&r->after, x, start, r->after_max) < 0)) {
		person_add(cs, x, end - 1);
		return 0;
	}
	for (size_t k = start; k < end; k++)
		if (!tok_in(&r->common, &x->t[k]) && !connector_tok(x, k))
			all_common = 0;
	/* common words with a name word after the first are a name:
	 * "Standard Trust Bank", "United Bank of Africa" */
	for (size_t k = start + 1; k < end; k++)
		if (tok_in(&r->keep, &x->t[k]))
			all_common = 0;
	*startp = start;
	return !all_common;
}

/* Token i is a common word right before a known name, and no part of
 * it: "Five Bank of America subsidiaries". */
static int
common_before_known(const struct rules *r, const struct text *x, size_t i)
{
	unsigned ntok;

	return tok_in(&r->common, &x->t[i]) && i + 1 < x->n &&
	    !(x->t[i + 1].flags & TF_BREAK) &&
	    names_at(&r->gaz, x, i + 1, &ntok) >= 0;
}

/* The score of the span [start, end) raised by the cues around it, and
 * the strongest kind of evidence in *why. */
static double
span_cues(const struct rules *r, const struct text *x, size_t start,
    size_t end, double sc, const char **why)
{
	if (end < x->n && tok_in(&r->legal, &x->t[end]) &&
	    !(x->t[end].flags & TF_BREAK && !(x->t[end].flags & TF_SPACE))) {
		if (sc < 40) {
			sc = 40;
			*why = "legal form";
		}
	}
	if (end < x->n && !(x->t[end].flags & TF_BREAK) &&
	    pindex_longest(&r->before, x, end) >= 0) {
		if (sc < 50) {
			sc = 50;
			*why = "subject of event";
		}
	}
	if (!(x->t[start].flags & TF_BREAK) &&
	    pindex_ending(&r->after, x, start, r->after_max) >= 0) {
		if (sc < 30) {
			sc = 30;
			*why = "object of event";
		}
	}
	/* in apposition to what it is: "the firm, Zorbatek Systems," */
	if (start > 0 && (x->t[start].flags & TF_BREAK) &&
	    tok_in(&r->kinds, &x->t[start - 1]) &&
	    memchr(x->s + x->t[start - 1].off + x->t[start - 1].len, ',',
	    x->t[start].off - x->t[start - 1].off - x->t[start - 1].len)) {
		if (sc < 30) {
			sc = 30;
			*why = "apposition";
		}
	}
	if (end < x->n && (x->t[end].flags & TF_POSS)) {
		if (sc < 20) {
			sc = 20;
			*why = "possessive";
		}
	}
	return sc;
}

void
companies_find(struct companies *cs, const struct rules *r,
    const struct names *tracked, const struct text *x, int f, size_t limit)
{
	double tw = f == 0 ? 2.0 : 1.0;	/* the headline counts double */
	int prose = text_prose(x);
	size_t i = 0;
	size_t pstart = 0, pend = 0;	/* the last name span without
					 * evidence; pend 0: none */
	int ppos = 0;			/* its position */

	for (size_t k = 0; f == 0 && k < x->n && cs->head_kind == 0; k++)
		if (tok_in(&r->kinds, &x->t[k]))
			cs->head_kind = (int)k + 1;
	while (i < x->n) {
		size_t start, end, nend;
		unsigned ntok;
		int id, pos, gid = -1;
		const char *why = NULL;
		double sc = 0;

		if (x->t[i].off >= limit)
			break;
		pos = f * 65536 + (int)(i < 65535 ? i : 65535);
		if ((id = names_at(tracked, x, i, &ntok)) >= 0) {
			cand_add(cs, tracked->canon[id],
			    strlen(tracked->canon[id]), 100 * tw, pos,
			    "tracked", 1, -1);
			cs->tracked = 1;
			i += ntok;
			continue;
		}
		if ((id = names_at(&r->gaz, x, i, &ntok)) >= 0 &&
		    r->gaz.maker[id] >= 0) {
			/* a product or brand: evidence for its company */
			int m = r->gaz.maker[id];

			cand_add(cs, r->gaz.canon[m], strlen(r->gaz.canon[m]),
			    PRODUCT_SCORE * tw, pos, "product", 0, m);
			i += ntok;
			continue;
		}
		if (id >= 0) {
			unsigned more;	/* (length of a name found there) */

			gid = id;
			start = i;
			end = i + ntok;
			/* a gazetteer name acts like a span for the cues; name
			 * words after it belong to it ("Jumia Technologies"),
			 * and so, in prose, do capitalised words that are no
			 * known name nor a given name ("LG Card") */
			while (end < x->n && !(x->t[end].flags & TF_BREAK) &&
			    (tok_in(&r->keep, &x->t[end]) ||
			    (prose && name_tok(r, x, end) &&
			    !tok_in(&r->people, &x->t[end]) &&
			    names_at(&r->gaz, x, end, &more) < 0)) &&
			    !tok_in(&r->breaks, &x->t[end]) &&
			    (x->t[end].flags & TF_CAP) &&
			    end - start < SPAN_MAX) {
				end++;
				id = -1;
			}
			sc = 30;
			why = "gazetteer";
		} else if (!name_tok(r, x, i) ||
		    common_before_known(r, x, i)) {
			i++;
			continue;
		} else if (!name_span(cs, r, x, prose, i, &start, &end)) {
			i = end;
			continue;
		} else if (tok_in(&r->keep, &x->t[end - 1]) &&
		    end - start > 1) {
			sc = 35;
			why = "name word";
		}
		/* a news source quoted ("told the BBC", "according to
		 * Reuters") is not what the item is about */
		if (start > 0 && !(x->t[start].flags & TF_BREAK) &&
		    pindex_ending(&r->source, x, start, r->source_max) >= 0) {
			i = end;
			continue;
		}
		sc = span_cues(r, x, start, end, sc, &why);
		nend = end;	/* the name's end; end: where scanning goes on */
		if (end < x->n && acronym_at(x, start, end)) {
			const struct tok *a = &x->t[end];
			const char *nm = x->s + x->t[start].off;
			char tmp[256];

			if (sc < ACRONYM_SCORE) {
				sc = ACRONYM_SCORE;
				why = "acronym defined";
			}
			if (cs->naliases < ALIASES_MAX) {
				cs->alias[cs->naliases].from = company_key(
				    x->s + a->off, a->len, tmp, sizeof(tmp));
				cs->alias[cs->naliases++].to = id >= 0 ?
				    company_key(r->gaz.canon[id],
				    strlen(r->gaz.canon[id]), tmp,
				    sizeof(tmp)) : company_key(nm,
				    x->t[end - 1].off + x->t[end - 1].len -
				    x->t[start].off, tmp, sizeof(tmp));
			}
			end++;
		}
		if (quoted_at_end(r, x, start, end)) {
			sc = QUOTED_SCORE;
			why = "quoted";
		}
		/* "ScanSoft and Gracenote are developing": the subject of
		 * an event is both names joined by "and" */
		if (pend > 0 && start == pend + 1 && and_tok(x, pend) &&
		    nend < x->n && !(x->t[nend].flags & TF_BREAK) &&
		    (pindex_longest(&r->before, x, nend) >= 0 ||
		    word_tok(x, nend, "are"))) {
			if (sc < 50) {
				sc = 50;
				why = "subject of event";
			}
			cand_add(cs, x->s + x->t[pstart].off,
			    x->t[pend - 1].off + x->t[pend - 1].len -
			    x->t[pstart].off, sc * tw, ppos, why, 0, -1);
		}
		pend = 0;
		if (sc == 0 && id < 0) {
			pstart = start;
			pend = nend;
			ppos = pos;
		}
		if (sc > 0) {
			struct cand *c;

			if (id >= 0)	/* a gazetteer name: its own form */
				c = cand_add(cs, r->gaz.canon[id],
				    strlen(r->gaz.canon[id]), sc * tw, pos, why,
				    0, gid);
			else
				c = cand_add(cs, x->s + x->t[start].off,
				    x->t[nend - 1].off + x->t[nend - 1].len -
				    x->t[start].off, sc * tw, pos, why, 0, gid);
			if (c != NULL && f == 1 && after_its(x, start))
				c->owned = 1;
			if (c != NULL && f == 1 && after_parent(x, start))
				c->owner = 1;
		}
		i = end;
	}
}

/* Candidate c may be a surname alone: one word, neither tracked nor in
 * the gazetteer. */
static int
cand_lone_word(const struct companies *cs, const struct cand *c)
{
	return !c->tracked && c->gid < 0 && memchr(cs->arena.s + c->off, ' ',
	    c->len) == NULL;
}

/* Candidate c is one of the people named. */
static int
cand_person(const struct companies *cs, const struct cand *c)
{
	if (!cand_lone_word(cs, c))
		return 0;
	for (int k = 0; k < cs->npersons; k++)
		if (cs->persons[k] == c->key)
			return 1;
	return 0;
}

void
companies_find_people(struct companies *cs, const struct rules *r,
    const struct text *x)
{
	size_t i = 0, end, k;

	/* only a lone word can turn out to be a surname: else no pass */
	for (k = 0; k < cs->nc && !cand_lone_word(cs, &cs->c[k]); k++)
		;
	if (k == cs->nc)
		return;
	while (i < x->n && cs->npersons < PERSONS_MAX) {
		end = i + 1;
		if (name_tok(r, x, i) && tok_in(&r->people, &x->t[i]))
			while (end < x->n && !(x->t[end].flags & TF_BREAK) &&
			    name_tok(r, x, end))
				end++;
		if (end - i > 1)
			person_add(cs, x, end - 1);
		i = end;
	}
}

static int
cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->tracked != y->tracked)
		return y->tracked - x->tracked;
	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->pos - y->pos;
}

void
companies_rank(struct companies *cs)
{
	struct cand *lead = NULL, *head = NULL;

	for (size_t i = 0; i < cs->nc; i++)
		if (cand_person(cs, &cs->c[i]))
			cs->c[i].score = 0;

	/* the first named in the summary (the lead) is, as a rule, the
	 * subject of the story */
	for (size_t i = 0; i < cs->nc; i++)
		if ((cs->c[i].fields & 2) && cs->c[i].score > 0 &&
		    strcmp(cs->c[i].why, "quoted") != 0 &&
		    (lead == NULL || cs->c[i].lpos < lead->lpos))
			lead = &cs->c[i];
	/* ... unless it names the owner of what it names first: "a slump
	 * at Mercedes has hit profits at parent DaimlerChrysler" */
	for (size_t i = 0; i < cs->nc; i++)
		if (cs->c[i].owner && cs->c[i].score > 0 &&
		    (cs->c[i].fields & 2))
			lead = &cs->c[i];
	if (lead)
		lead->score += LEAD_BONUS + (lead->owner ? OWNER_BONUS : 0);
	for (size_t i = 0; i < cs->nc; i++) {
		struct cand *a = &cs->c[i];

		if (a->score <= 0)
			continue;
		for (size_t j = 0; j < cs->nc; j++) {
			struct cand *b = &cs->c[j];

			if (i == j || b->score <= 0 || b->len <= a->len + 1)
				continue;
			if (strncasecmp(cs->arena.s + b->off, cs->arena.s +
			    a->off, a->len) == 0 &&
			    cs->arena.s[b->off + a->len] == ' ' && !a->tracked) {
				b->score += a->score * 0.5;
				if (a->pos < b->pos)
					b->pos = a->pos;
				b->fields |= a->fields;
				if (lead == a)
					lead = b;
				a->score = 0;
				break;
			}
		}
	}
	/* a headline names its subject first: "Disney backs Sony DVD
	 * technology", though the summary may name Sony first */
	for (size_t i = 0; i < cs->nc; i++)
		if ((cs->c[i].fields & 1) && cs->c[i].score > 0 &&
		    strcmp(cs->c[i].why, "product") != 0 &&
		    (head == NULL || cs->c[i].pos < head->pos))
			head = &cs->c[i];
	if (head && lead && head != lead && (lead->fields & 1) &&
	    (cs->head_kind == 0 || head->pos < cs->head_kind - 1))
		head->score += HEAD_BONUS;
	/* and the company it opens with is its subject when the summary
	 * names it too, though not first, nor as another's: "Apple attacked
	 * over ..." when the summary opens with the group attacking it */
	else if (head && lead && head != lead && head->pos == 0 &&
	    (head->fields & 2) && !head->owned)
		head->score += HEAD_FIRST_BONUS;
	if (cs->nc > 1)
		qsort(cs->c, cs->nc, sizeof(*cs->c), cmp_cand);
	/* a name only quoted is the item's only when there is no other */
	if (cs->nc > 1 && cs->c[0].score > 0 &&
	    strcmp(cs->c[0].why, "quoted") != 0)
		for (size_t i = 1; i < cs->nc; i++)
			if (strcmp(cs->c[i].why, "quoted") == 0)
				cs->c[i].score = 0;
}

void
companies_drop_words(struct companies *cs, const struct text *x, int nx)
{
	for (size_t i = 0; i < cs->nc; i++) {
		struct cand *c = &cs->c[i];
		int lower = 0;

		if (c->score <= 0 || c->tracked || c->gid >= 0 ||
		    memchr(cand_name(cs, c), ' ', c->len) != NULL)
			continue;
		for (int f = 0; f < nx && !lower; f++)
			for (size_t k = 0; k < x[f].n && !lower; k++)
				lower = !(x[f].t[k].flags & TF_CAP) &&
				    x[f].t[k].h == c->key;
		if (lower)
			c->score = 0;
	}
}

/* Gazetteer entry gid is a public body or an institution. */
static int
gaz_public(const struct rules *r, int gid)
{
	return gid >= 0 && (r->gaz.maker[gid] == NAMES_PUBLIC ||
	    r->gaz.maker[gid] == NAMES_INSTITUTION);
}

void
companies_drop_public(struct companies *cs, const struct rules *r,
    int headline_kind, int other)
{
	for (size_t i = 0; i < cs->nc; i++) {
		struct cand *c = &cs->c[i];

		if (c->tracked || !gaz_public(r, c->gid))
			continue;
		if ((!(c->fields & 1) && !headline_kind) || (other &&
		    r->gaz.maker[c->gid] == NAMES_INSTITUTION))
			c->score = 0;
	}
}

int
companies_in(const struct companies *cs, const struct rules *r,
    unsigned mask)
{
	for (size_t i = 0; i < cs->nc; i++)
		if (cs->c[i].score > 0 && (cs->c[i].fields & mask) &&
		    (cs->c[i].tracked || !gaz_public(r, cs->c[i].gid)))
			return 1;
	return 0;
}

int
companies_described(const struct rules *r, const struct text *x)
{
	for (size_t i = 0; i < x->n; i++)
		if (tok_in(&r->kinds, &x->t[i]))
			return 1;
	return 0;
}

void
companies_keep_first(struct companies *cs)
{
	struct cand *first = NULL;

	for (size_t i = 0; i < cs->nc; i++)
		if (cs->c[i].score > 0 && (first == NULL ||
		    cs->c[i].pos < first->pos))
			first = &cs->c[i];
	for (size_t i = 0; i < cs->nc; i++)
		if (&cs->c[i] != first)
			cs->c[i].score = 0;
}

/* How many times s[0..n) holds name[0..len) as whole words. */
static int
mentions(const char *s, size_t n, const char *name, size_t len)
{
	int k = 0;

	for (const char *p = s, *e = s + n; len > 0 &&
	    (p = memmem(p, (size_t)(e - p), name, len)) != NULL; p += len)
		if ((p == s || !isalnum((unsigned char)p[-1])) &&
		    (p + len == e || !isalnum((unsigned char)p[len])))
			k++;
	return k;
}

/* How many times x names candidate c: its name, or the first word of
 * it when that is no common word ("Lycos" for "Lycos Europe"). */
static int
cand_mentions(const struct companies *cs, const struct rules *r,
    const struct text *x, const struct cand *c)
{
	const char *name = cand_name(cs, c), *sp;
	int k = mentions(x->s, x->len, name, c->len), k1;
	char tmp[64];

	sp = memchr(name, ' ', c->len);
	if (sp != NULL &&
	    hmap_get(&r->common, company_key(name, (size_t)(sp - name), tmp,
	    sizeof(tmp))) < 0 &&
	    (k1 = mentions(x->s, x->len, name, (size_t)(sp - name))) > k)
		k = k1;
	return k;
}

void
companies_drop_only(struct companies *cs, const struct rules *r, int f,
    const struct text *x, int keep_min)
{
	for (size_t i = 0; i < cs->nc; i++)
		if (cs->c[i].fields == 1u << f &&
		    cand_mentions(cs, r, x, &cs->c[i]) < keep_min)
			cs->c[i].score = 0;
}

void
companies_reset(struct companies *cs)
{
	cs->nc = 0;
	cs->arena.len = 0;
	cs->tracked = 0;
	cs->npersons = 0;
	cs->naliases = 0;
	cs->head_kind = 0;
}

void
companies_free(struct companies *cs)
{
	free(cs->c);
	fbuf_free(&cs->arena);
	memset(cs, 0, sizeof(*cs));
}
