/*
 * names.h - lists of company names with their aliases, found in a text
 * token by token: classify's gazetteer and its tracked companies.
 *
 * Ownership: a zeroed struct names is empty; the list copies what is
 * added and names_free releases it.
 */
#ifndef JOBLINE_NAMES_H
#define JOBLINE_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "hmap.h"

#include "phrases.h"
#include "tokens.h"

/* maker of a public body: a regulator or government agency, named as
 * a company only where it leads a story. */
#define NAMES_PUBLIC (-2)
/* maker of an institution of the economy: a central bank, international
 * or trade body, union, think tank or statistics office; as a public
 * body, and never a company of an item about the economy (other). */
#define NAMES_INSTITUTION (-3)

struct names {
	char **canon;		/* canonical name of each entry; owned */
	uint64_t *ind;		/* industries of each entry: bit i for
				 * rules.industries[i] (the gazetteer's) */
	int *maker;		/* a product's or brand's company entry, -1
				 * for a company, NAMES_PUBLIC or
				 * NAMES_INSTITUTION for a public body */
	struct hmap byname;	/* hash of a canonical name -> entry */
	size_t n, cap;		/* used, allocated */
	struct pindex px;	/* each name and alias -> entry */
	unsigned char *acro;	/* by phrase of px: 1 for a one-word form
				 * in capitals ("BAT"), found only written
				 * so ("Bat spit drug" is no BAT) */
	size_t acrocap;		/* allocated */
	unsigned maxtok;	/* longest name in tokens */
	struct text scratch;	/* for cutting names into tokens */
};

/* Add canon with its forms (canon itself among them, as a rule); a name
 * already listed gets the new forms.  Returns the entry. */
int names_add(struct names *nm, const char *canon,
    const char *const *forms, size_t nforms);

/* Add a "Name | alias | alias" line (also tab-separated; changed in
 * place): the entry, or -1 when it holds no name. */
int names_add_line(struct names *nm, char *line);

/* The entry whose name or alias starts at token i (the longest, when
 * the token is capitalised), with its length in *ntok; or -1.  Inline:
 * it is asked at every token. */
static inline int
names_at(const struct names *nm, const struct text *x, size_t i,
    unsigned *ntok)
{
	int j;

	if (nm->n == 0 || !(x->t[i].flags & TF_CAP))
		return -1;
	if ((j = pindex_longest(&nm->px, x, i)) < 0 ||
	    (nm->acro[j] && !text_caps(x, i)))
		return -1;
	*ntok = nm->px.v[j].ntok;
	return nm->px.v[j].id;
}

/*
 * Read a tracked companies file (JSON lines {"name", "aliases"} or
 * "company", or "Name | alias" lines) into nm: CFG_OK, or CFG_BAD or
 * CFG_UNREADABLE (cfgfile.h) with "path:line: reason" or "path: reason"
 * in err.
 */
int tracked_read(struct names *nm, const char *path, char *err,
    size_t errsz);

void names_free(struct names *nm);

#endif
