/*
 * feed_text.c - the feed parser's captures and the open entry's slots
 * (see feedimpl.h): a captured element's text is cleaned as its mode says
 * (plain text, HTML, serialised XHTML; dates normalised, links resolved)
 * and kept in the entry's slot when no better-ranked element filled it.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <xxhash.h>

#include "base64.h"
#include "charset.h"
#include "feeddate.h"
#include "feedimpl.h"
#include "html.h"
#include "timefmt.h"
#include "url.h"
#include "utf8.h"
#include "util.h"

static const char *
base_now(struct feed_parser *p)
{
	/* as RFC 3986 and feedparser: the document's address is the base;
	 * the feed's site link only stands in for a local file's */
	if (p->nbases > 0)
		return p->bases[p->nbases - 1].url;
	return p->url ? p->url : p->sitelink;
}

/* s resolved against base (none: kept as it is), into out (replacing). */
static void
resolve_on(const char *base, struct fbuf *out, const char *s)
{
	char *r;

	while (isspace((unsigned char)*s))
		s++;
	fbuf_reset(out);
	if (*s == '\0')
		return;
	if (url_has_scheme(s) || base == NULL ||
	    (r = url_resolve(base, s)) == NULL) {
		size_t n = strlen(s);

		while (n > 0 && isspace((unsigned char)s[n - 1]))
			n--;
		fbuf_add(out, s, n);
		return;
	}
	fbuf_adds(out, r);
	free(r);
}

/* s resolved against the base in effect, into out (replacing). */
void
feed_resolve(struct feed_parser *p, struct fbuf *out, const char *s)
{
	resolve_on(base_now(p), out, s);
}

/* ---- entries ---- */

void
feed_item_reset(struct feed_parser *p)
{
	int i;

	for (i = 0; i < F_NFIELDS; i++) {
		fbuf_reset(&p->slot[i].v);
		p->slot[i].rank = 0;
	}
	p->ncats = 0;
	p->nenc = 0;
	p->guid_permalink = 0;
	fbuf_reset(&p->guidlink);
}

void
feed_add_category(struct feed_parser *p, const char *s, size_t n)
{
	size_t i;

	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || p->ncats >= MAX_CATEGORIES)
		return;
	for (i = 0; i < p->ncats; i++)
		if (p->cats[i].len == n && memcmp(p->cats[i].s, s, n) == 0)
			return;
	fbuf_reset(&p->cats[p->ncats]);
	fbuf_add(&p->cats[p->ncats], s, n);
	p->ncats++;
}

void
feed_add_enclosure(struct feed_parser *p, const char *url, const char *type,
    const char *length)
{
	size_t i;
	struct fbuf u = { 0 };

	if (url == NULL || *url == '\0' || p->nenc >= MAX_ENCLOSURES)
		return;
	feed_resolve(p, &u, url);
	for (i = 0; i < p->nenc; i++)
		if (strcmp(fbuf_str(&p->enc[i].url), fbuf_str(&u)) == 0) {
			fbuf_free(&u);
			return;
		}
	fbuf_reset(&p->enc[p->nenc].url);
	fbuf_adds(&p->enc[p->nenc].url, fbuf_str(&u));
	fbuf_free(&u);
	fbuf_reset(&p->enc[p->nenc].type);
	if (type != NULL)
		fbuf_adds(&p->enc[p->nenc].type, type);
	p->enc[p->nenc].length = -1;
	if (length != NULL) {
		char *end;
		long long v;

		while (isspace((unsigned char)*length))
			length++;
		v = strtoll(length, &end, 10);
		if (end != length && v >= 0)
			p->enc[p->nenc].length = v;
	}
	p->nenc++;
}

/* Set a slot from a clean value if rank beats what is there; of the id,
 * the link and the author, as in feedparser, the later of two elements
 * of the same rank wins (the title, the summary and the content keep the
 * first). */
void
feed_slot_set(struct feed_parser *p, enum field f, int rank, const char *s,
    size_t n)
{
	struct slot *sl = &p->slot[f];
	int later = f == F_ID || f == F_LINK || f == F_AUTHOR;

	if (n == 0 || rank < sl->rank || (rank == sl->rank && !later))
		return;
	fbuf_reset(&sl->v);
	fbuf_add(&sl->v, s, n);
	sl->rank = rank;
}

void
feed_item_emit(struct feed_parser *p)
{
	struct feed_item it = { 0 };
	size_t i;
	char idbuf[40];

#define S(f) (p->slot[f].v.len ? p->slot[f].v.s : NULL)
	it.title = S(F_TITLE);
	it.url = S(F_LINK);
	it.published = S(F_PUBLISHED);
	it.updated = S(F_UPDATED);
	it.author = S(F_AUTHOR);
	it.summary = S(F_SUMMARY);
	it.content = S(F_CONTENT);
	it.id = S(F_ID);
#undef S
	if (it.url == NULL && p->guid_permalink && p->guidlink.len &&
	    (strncasecmp(p->guidlink.s, "http://", 7) == 0 ||
	    strncasecmp(p->guidlink.s, "https://", 8) == 0))
		it.url = p->guidlink.s;
	if (it.id == NULL)
		it.id = it.url;
	if (it.id == NULL) {
		XXH64_state_t *st;
		const char *parts[5] = { p->docname, it.title,
		    it.published ? it.published : it.updated, it.summary,
		    it.content };

		st = XXH64_createState();
		XXH64_reset(st, 0);
		for (i = 0; i < 5; i++) {
			if (i == 3 && (it.title || it.published || it.updated))
				break;	/* title and date suffice */
			if (parts[i])
				XXH64_update(st, parts[i], strlen(parts[i]));
			XXH64_update(st, "\n", 1);
		}
		snprintf(idbuf, sizeof(idbuf), "%016llx",
		    (unsigned long long)XXH64_digest(st));
		XXH64_freeState(st);
		it.id = idbuf;
	}
	for (i = 0; i < p->ncats; i++)
		p->catp[i] = p->cats[i].s;
	it.categories = p->catp;
	it.ncategories = p->ncats;
	for (i = 0; i < p->nenc; i++) {
		p->encp[i].url = p->enc[i].url.s;
		p->encp[i].type = p->enc[i].type.len ? p->enc[i].type.s : NULL;
		p->encp[i].length = p->enc[i].length;
	}
	it.enclosures = p->encp;
	it.nenclosures = p->nenc;
	it.source = p->title.len ? p->title.s : NULL;
	p->count++;
	p->fn(p->arg, &it);
}

/* ---- the capture ---- */

void
feed_cap_start(struct feed_parser *p, enum field f, int rank, enum textmode m,
    int oneline)
{
	p->cap_depth = p->depth;
	p->cap_field = f;
	p->cap_rank = rank;
	p->cap_mode = m;
	p->cap_oneline = oneline;
	p->cap_resolve = 0;
	p->cap_over = 0;
	p->cap_b64 = 0;
	p->cap_elems = 0;
	fbuf_reset(&p->cap);
}

/* Add text to the capture, escaped when the capture is markup. */
void
feed_cap_text(struct feed_parser *p, const char *s, size_t n)
{
	if (p->cap_over)
		return;
	if (p->cap.len + n > FEED_FIELD_MAX) {
		/* keep what fits, cut before a character that would not */
		n = utf8_prefix(s, n, FEED_FIELD_MAX - p->cap.len);
		p->cap_over = 1;
	}
	if (p->cap_mode != T_XHTML) {
		fbuf_add(&p->cap, s, n);
		return;
	}
	while (n > 0) {
		size_t k = 0;

		while (k < n && s[k] != '<' && s[k] != '&')
			k++;
		fbuf_add(&p->cap, s, k);
		if (k == n)
			break;
		fbuf_adds(&p->cap, s[k] == '<' ? "&lt;" : "&amp;");
		s += k + 1;
		n -= k + 1;
	}
}

/* A date capture: normalised, or dropped when unreadable. */
void
feed_store_date(struct feed_parser *p, enum field f, int rank, const char *s)
{
	int64_t ms;
	char buf[TIME_BUFSZ];

	if (feeddate_parse(s, &ms) == 0) {
		time_format(ms, buf);
		/* of two dates of the same rank, the later element wins */
		if (rank >= p->slot[f].rank)
			p->slot[f].rank = rank - 1;
		feed_slot_set(p, f, rank, buf, strlen(buf));
	}
}

/*
 * A base64 capture (cap_b64) decoded in place.  Returns 0, or -1 when it
 * is to be left out: of another type than text, not base64 or not text.
 * Text of a text type that is not base64 is kept as it is.
 */
static int
cap_decode(struct feed_parser *p)
{
	struct fbuf *c = &p->cap;
	unsigned char *out = xmalloc(BASE64_DECODED_MAX(c->len) + 1);
	long n = base64_decode(out, fbuf_str(c), c->len, BASE64_SPACE);
	int text = n >= 0 && utf8_check((const char *)out, (size_t)n) ==
	    (size_t)n;

	for (long i = 0; text && i < n; i++)
		if (out[i] < 0x20 && !isspace(out[i]))
			text = 0;	/* binary */
	if (text) {
		fbuf_reset(c);
		fbuf_add(c, (const char *)out, (size_t)n);
	}
	free(out);
	return text || p->cap_b64 == 1 ? 0 : -1;
}

static int
is_date_field(enum field f)
{
	return f == F_PUBLISHED || f == F_UPDATED;
}

void
feed_cap_end(struct feed_parser *p)
{
	struct fbuf *t = &p->tmp;
	enum field f = p->cap_field;
	int plain;

	p->cap_depth = 0;
	if (p->cap_b64 && cap_decode(p) < 0)
		return;
	if (p->cap_over)
		p->cut++;
	fbuf_reset(t);
	if (f == F_LINK || f == F_FEEDLINK) {
		feed_resolve(p, t, fbuf_str(&p->cap));
		if (f == F_FEEDLINK) {
			if (p->sitelink == NULL && t->len && url_has_scheme(t->s))
				p->sitelink = xstrdup(t->s);
			return;
		}
		feed_slot_set(p, f, p->cap_rank, t->s, t->len);
		return;
	}
	if (is_date_field(f)) {
		feed_store_date(p, f, p->cap_rank, fbuf_str(&p->cap));
		return;
	}
	if (f == F_DCDATE) {
		/* dc:date: the entry's updated, and its published if none */
		feed_store_date(p, F_UPDATED, p->cap_rank, fbuf_str(&p->cap));
		feed_store_date(p, F_PUBLISHED, 1, fbuf_str(&p->cap));
		return;
	}
	plain = p->cap_mode == T_TEXT || (p->cap_mode == T_GUESS &&
	    !p->cap_elems && !html_looks_like(fbuf_str(&p->cap), p->cap.len));
	html_to_text(t, fbuf_str(&p->cap), p->cap.len,
	    (plain ? HTML_PLAIN : 0) | (p->cap_oneline ? HTML_ONELINE : 0));
	if (f != F_ID)
		charset_fix_text(t, 0, charset_is_utf8(p->cs));
	if (f == F_CATEGORY)
		feed_add_category(p, fbuf_str(t), t->len);
	else if (f == F_TAGLIST) {
		const char *c = fbuf_str(t), *e;

		for (; *c; c = *e ? e + 1 : e) {
			e = strchr(c, ',');
			if (e == NULL)
				e = c + strlen(c);
			feed_add_category(p, c, (size_t)(e - c));
		}
	}
	else if (f == F_FEEDTITLE) {
		if (p->title.len == 0)
			fbuf_add(&p->title, fbuf_str(t), t->len);
	} else if (f == F_ID) {
		/* ids are compared as given: no whitespace changes inside */
		const char *s = fbuf_str(&p->cap);
		size_t n = p->cap.len;

		while (n && isspace((unsigned char)*s))
			s++, n--;
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		if (p->cap_resolve && n > 0 && !url_has_scheme(s)) {
			feed_resolve(p, t, s);
			s = t->s;
			n = t->len;
		}
		if (n > 0 && p->cap_rank >= p->slot[F_ID].rank &&
		    p->guid_permalink) {
			/* as feedparser: a permalink guid is a URI and the
			 * link when there is none, resolved against xml:base
			 * or the document's address (never the site link);
			 * the id stays as written (s ends where n does, but
			 * for spaces resolve_on trims) */
			resolve_on(p->nbases > 0 ? p->bases[p->nbases - 1].url :
			    p->url, &p->guidlink, s);
		}
		feed_slot_set(p, f, p->cap_rank, s, n);
	} else if (f == F_ANAME || f == F_AEMAIL) {
		struct fbuf *d = f == F_ANAME ? &p->aname : &p->aemail;

		fbuf_reset(d);
		fbuf_add(d, fbuf_str(t), t->len);
	} else if (f < F_NFIELDS)
		feed_slot_set(p, f, p->cap_rank, fbuf_str(t), t->len);
}

