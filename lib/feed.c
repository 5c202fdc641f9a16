/*
 * feed.c - streaming feed parser (see feed.h).
 *
 * Bytes -> charset.c (clean UTF-8) -> libxml2 SAX2 push parser, or a JSON
 * buffer when the document starts with '{'.  The SAX callbacks keep a
 * little state: where we are (channel, entry, author, source), and one
 * capture: the element whose text is being gathered, with how to read it
 * (plain text, HTML, or inline XHTML that is serialised back to markup).
 * When the capture ends its text is cleaned and stored in the entry's
 * slot if no better-ranked element has filled it.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <xxhash.h>

#include "charset.h"
#include "fbuf.h"
#include "feed.h"
#include "feeddate.h"
#include "html.h"
#include "timefmt.h"
#include "url.h"
#include "utf8.h"
#include "util.h"

#define MAX_DEPTH 64		/* elements deeper than this are ignored */
#define MAX_NEST 10000		/* deeper than this, the document fails:
				   libxml2's name stack grows with it */
#define MAX_BASES 16		/* nested xml:base kept */
#define MAX_CATEGORIES 64	/* per entry */
#define MAX_ENCLOSURES 32	/* per entry */

enum ns {
	NS_NONE, NS_RSS, NS_ATOM, NS_ATOM03, NS_RDF, NS_DC, NS_DCTERMS,
	NS_CONTENT, NS_MEDIA, NS_XHTML, NS_ITUNES, NS_OTHER
};

/* How a captured text is read. */
enum textmode { T_TEXT, T_HTML, T_XHTML, T_SKIP };

/* The entry's single-valued fields. */
enum field {
	F_ID, F_TITLE, F_LINK, F_PUBLISHED, F_UPDATED, F_AUTHOR, F_SUMMARY,
	F_CONTENT, F_NFIELDS,
	/* captures that are not slots */
	F_CATEGORY, F_FEEDTITLE, F_FEEDLINK, F_ANAME, F_AEMAIL, F_TAGLIST, F_DCDATE, F_NONE
};

struct slot {
	struct fbuf v;		/* the value, cleaned */
	int rank;		/* rank of the element that set it; 0: unset */
};

struct feed_parser {
	feed_item_fn *fn;	/* the item callback */
	void *arg;		/* its argument */
	char *url;		/* document URL, NULL when not absolute */
	char *docname;		/* url as given, for hashing ids */
	struct charset_dec *cs;	/* bytes to UTF-8 */
	int mode;		/* 0 undecided, 'x' XML, 'j' JSON, 'e' ignored */
	xmlParserCtxtPtr ctxt;	/* XML push parser */
	struct fbuf json;	/* the JSON document */
	const char *kind;	/* "rss", "rdf", "atom", "json" */
	int stopped;		/* not a feed: the rest is ignored */
	int halted;		/* libxml2 gave up: the rest is not read */
	char *error;		/* why not a feed, or first error */
	char lasterr[240];	/* the latest XML error, "line N: message" */
	unsigned long cut;	/* fields cut at FEED_FIELD_MAX */
	struct fbuf title;	/* feed title */
	char *sitelink;		/* the feed's own link, absolute */
	unsigned long count;	/* items handed on */

	/* XML state */
	int depth;		/* current element depth, root = 1 */
	int atom_default;	/* no-namespace elements are Atom's */
	int item_depth;		/* depth of the open entry, 0 if none */
	int channel_depth;	/* depth of channel/feed, 0 if none */
	int author_depth;	/* open atom author (in an entry) */
	int skip_depth;		/* inside atom:source or another ignored part */
	int group_depth;	/* open media:group in an entry */
	struct fbuf aname;	/* atom author's name */
	struct fbuf aemail;	/* and email */
	struct {
		int depth;	/* element carrying xml:base */
		char *url;	/* the resolved base */
	} bases[MAX_BASES];
	int nbases;

	/* the capture */
	int cap_depth;		/* element captured, 0 if none */
	enum field cap_field;	/* where it goes */
	int cap_rank;		/* its rank */
	enum textmode cap_mode;	/* how to read it */
	int cap_oneline;	/* collapse to one line */
	int cap_resolve;	/* an id to resolve when relative (Atom) */
	struct fbuf cap;	/* raw text / markup */
	int cap_over;		/* it reached FEED_FIELD_MAX: the rest is cut */

	/* the open entry */
	struct slot slot[F_NFIELDS];
	struct fbuf cats[MAX_CATEGORIES];
	const char *catp[MAX_CATEGORIES];
	size_t ncats;
	struct {
		struct fbuf url, type;
		long long length;
	} enc[MAX_ENCLOSURES];
	struct feed_enclosure encp[MAX_ENCLOSURES];
	size_t nenc;
	int guid_permalink;	/* the guid may serve as the link */
	struct fbuf tmp;	/* scratch */
	struct fbuf xout;	/* references rewritten, for libxml2 */
	char xcarry[2048];	/* an unfinished reference or declaration */
	size_t nxcarry;
	int xstate;		/* 0 text, 1 in CDATA, 2 in a comment */
	struct {
		char name[48];	/* a simple internal entity of the DTD */
		char *value;	/* its text (no markup, no reference); owned */
	} ents[32];
	int nents;
	int cdf;		/* Channel Definition Format (upper-case names) */
	const xmlChar *ns_ptr[4]; /* namespace names seen last (interned by */
	enum ns ns_val[4];	/* this parser's dictionary) and their kind */
	unsigned ns_next;
};

static enum ns ns_of(const xmlChar *uri);
static void xml_halted(struct feed_parser *p);

/* ns_of, remembering the last few: libxml2 interns namespace names in the
 * parser's dictionary, so the same pointer comes back for the same URI. */
static enum ns
ns_cached(struct feed_parser *p, const xmlChar *uri)
{
	unsigned i;

	if (uri == NULL)
		return NS_NONE;
	for (i = 0; i < 4; i++)
		if (p->ns_ptr[i] == uri)
			return p->ns_val[i];
	i = p->ns_next++ & 3;
	p->ns_val[i] = ns_of(uri);
	p->ns_ptr[i] = uri;
	return p->ns_val[i];
}

static enum ns
ns_of(const xmlChar *uri)
{
	const char *u = (const char *)uri;

	if (u == NULL || *u == '\0')
		return NS_NONE;
	if (strcmp(u, "http://www.w3.org/2005/Atom") == 0)
		return NS_ATOM;
	if (strcmp(u, "http://purl.org/atom/ns#") == 0)
		return NS_ATOM03;
	if (strcmp(u, "http://purl.org/rss/1.0/") == 0 ||
	    strcmp(u, "http://my.netscape.com/rdf/simple/0.9/") == 0 ||
	    strcmp(u, "http://backend.userland.com/rss2") == 0 ||
	    strcmp(u, "http://blogs.law.harvard.edu/tech/rss") == 0 ||
	    strcmp(u, "http://purl.org/net/rss1.1#") == 0 ||
	    strcmp(u, "http://backend.userland.com/rss") == 0)
		return NS_RSS;
	if (strcmp(u, "http://www.w3.org/1999/02/22-rdf-syntax-ns#") == 0)
		return NS_RDF;
	if (strcmp(u, "http://purl.org/dc/elements/1.1/") == 0 ||
	    strcmp(u, "http://purl.org/dc/elements/1.0/") == 0)
		return NS_DC;
	if (strcmp(u, "http://purl.org/dc/terms/") == 0)
		return NS_DCTERMS;
	if (strcmp(u, "http://purl.org/rss/1.0/modules/content/") == 0)
		return NS_CONTENT;
	if (strncmp(u, "http://search.yahoo.com/mrss", 28) == 0 ||
	    strncmp(u, "http://video.search.yahoo.com/mrss", 34) == 0)
		return NS_MEDIA;
	if (strcmp(u, "http://www.w3.org/1999/xhtml") == 0)
		return NS_XHTML;
	if (strcasecmp(u, "http://www.itunes.com/dtds/podcast-1.0.dtd") == 0)
		return NS_ITUNES;
	return NS_OTHER;
}

/* ---- small helpers ---- */

static void
set_error(struct feed_parser *p, const char *fmt, const char *arg)
{
	char *s;

	if (p->error != NULL)
		return;
	if (asprintf(&s, fmt, arg) < 0)
		die_nomem();
	p->error = s;
}

static const char *
base_now(struct feed_parser *p)
{
	if (p->nbases > 0)
		return p->bases[p->nbases - 1].url;
	return p->sitelink ? p->sitelink : p->url;
}

/* s resolved against the base in effect, into out (replacing). */
static void
resolve_into(struct feed_parser *p, struct fbuf *out, const char *s)
{
	const char *base = base_now(p);
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

static const char *
attr(const xmlChar **attrs, int nattrs, const char *name, enum ns want)
{
	int i;

	for (i = 0; i < nattrs; i++) {
		const xmlChar **a = attrs + i * 5;

		if (strcmp((const char *)a[0], name) != 0)
			continue;
		if (want == NS_NONE ? a[2] == NULL : ns_of(a[2]) == want) {
			/* a few calls' results may be alive at once */
			static char bufs[4][4096];
			static int next;
			char *buf = bufs[next++ & 3];
			size_t n = (size_t)(a[4] - a[3]);

			/* attribute values are not NUL-terminated; a long
			 * one is cut before the character that would not
			 * fit (libxml2 gives them in UTF-8) */
			n = utf8_prefix((const char *)a[3], n,
			    sizeof(bufs[0]) - 1);
			memcpy(buf, a[3], n);
			buf[n] = '\0';
			return buf;
		}
	}
	return NULL;
}

static const char *
xml_base_attr(const xmlChar **attrs, int nattrs)
{
	int i;

	for (i = 0; i < nattrs; i++) {
		const xmlChar **a = attrs + i * 5;

		if (strcmp((const char *)a[0], "base") == 0 && a[2] != NULL &&
		    strcmp((const char *)a[2],
		    "http://www.w3.org/XML/1998/namespace") == 0)
			return attr(attrs + i * 5, 1, "base", NS_OTHER);
	}
	return NULL;
}

/* ---- entries ---- */

static void
item_reset(struct feed_parser *p)
{
	int i;

	for (i = 0; i < F_NFIELDS; i++) {
		fbuf_reset(&p->slot[i].v);
		p->slot[i].rank = 0;
	}
	p->ncats = 0;
	p->nenc = 0;
	p->guid_permalink = 0;
}

static void
add_category(struct feed_parser *p, const char *s, size_t n)
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

static void
add_enclosure(struct feed_parser *p, const char *url, const char *type,
    const char *length)
{
	size_t i;
	struct fbuf u = { 0 };

	if (url == NULL || *url == '\0' || p->nenc >= MAX_ENCLOSURES)
		return;
	resolve_into(p, &u, url);
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

/* Set a slot from a clean value if rank beats what is there. */
static void
slot_set(struct feed_parser *p, enum field f, int rank, const char *s,
    size_t n)
{
	struct slot *sl = &p->slot[f];

	if (n == 0 || rank <= sl->rank)
		return;
	fbuf_reset(&sl->v);
	fbuf_add(&sl->v, s, n);
	sl->rank = rank;
}

static void
item_emit(struct feed_parser *p)
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
	if (it.url == NULL && it.id != NULL && p->guid_permalink &&
	    (strncmp(it.id, "http://", 7) == 0 ||
	    strncmp(it.id, "https://", 8) == 0))
		it.url = it.id;
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

static void
cap_start(struct feed_parser *p, enum field f, int rank, enum textmode m,
    int oneline)
{
	p->cap_depth = p->depth;
	p->cap_field = f;
	p->cap_rank = rank;
	p->cap_mode = m;
	p->cap_oneline = oneline;
	p->cap_resolve = 0;
	p->cap_over = 0;
	fbuf_reset(&p->cap);
}

/* Add text to the capture, escaped when the capture is markup. */
static void
cap_text(struct feed_parser *p, const char *s, size_t n)
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
static void
store_date(struct feed_parser *p, enum field f, int rank, const char *s)
{
	int64_t ms;
	char buf[TIME_BUFSZ];

	if (feeddate_parse(s, &ms) == 0) {
		time_format(ms, buf);
		/* of two dates of the same rank, the later element wins */
		if (rank >= p->slot[f].rank)
			p->slot[f].rank = rank - 1;
		slot_set(p, f, rank, buf, strlen(buf));
	}
}

static int
is_date_field(enum field f)
{
	return f == F_PUBLISHED || f == F_UPDATED;
}

static void
cap_end(struct feed_parser *p)
{
	struct fbuf *t = &p->tmp;
	enum field f = p->cap_field;

	p->cap_depth = 0;
	if (p->cap_mode == T_SKIP)
		return;
	if (p->cap_over)
		p->cut++;
	fbuf_reset(t);
	if (f == F_LINK || f == F_FEEDLINK) {
		resolve_into(p, t, fbuf_str(&p->cap));
		if (f == F_FEEDLINK) {
			if (p->sitelink == NULL && t->len && url_has_scheme(t->s))
				p->sitelink = xstrdup(t->s);
			return;
		}
		slot_set(p, f, p->cap_rank, t->s, t->len);
		return;
	}
	if (is_date_field(f)) {
		store_date(p, f, p->cap_rank, fbuf_str(&p->cap));
		return;
	}
	if (f == F_DCDATE) {
		/* dc:date: the entry's updated, and its published if none */
		store_date(p, F_UPDATED, p->cap_rank, fbuf_str(&p->cap));
		store_date(p, F_PUBLISHED, 1, fbuf_str(&p->cap));
		return;
	}
	html_to_text(t, fbuf_str(&p->cap), p->cap.len,
	    (p->cap_mode == T_TEXT ? HTML_PLAIN : 0) |
	    (p->cap_oneline ? HTML_ONELINE : 0));
	if (f == F_CATEGORY)
		add_category(p, fbuf_str(t), t->len);
	else if (f == F_TAGLIST) {
		const char *c = fbuf_str(t), *e;

		for (; *c; c = *e ? e + 1 : e) {
			e = strchr(c, ',');
			if (e == NULL)
				e = c + strlen(c);
			add_category(p, c, (size_t)(e - c));
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
			resolve_into(p, t, s);
			s = t->s;
			n = t->len;
		}
		slot_set(p, f, p->cap_rank, s, n);
	} else if (f == F_ANAME || f == F_AEMAIL) {
		struct fbuf *d = f == F_ANAME ? &p->aname : &p->aemail;

		fbuf_reset(d);
		fbuf_add(d, fbuf_str(t), t->len);
	} else if (f < F_NFIELDS)
		slot_set(p, f, p->cap_rank, fbuf_str(t), t->len);
}

/* Mode of an Atom text construct from its type (and 0.3 mode). */
static enum textmode
atom_mode(const xmlChar **attrs, int nattrs, int is_content)
{
	const char *type = attr(attrs, nattrs, "type", NS_NONE);
	const char *mode;

	if (type == NULL)
		return T_TEXT;
	if (strcasecmp(type, "text") == 0 || strcasecmp(type, "text/plain") == 0)
		return T_TEXT;
	if (strcasecmp(type, "html") == 0 || strcasecmp(type, "text/html") == 0)
		return T_HTML;
	if (strcasecmp(type, "xhtml") == 0 ||
	    strcasecmp(type, "application/xhtml+xml") == 0) {
		mode = attr(attrs, nattrs, "mode", NS_NONE);
		if (mode && strcasecmp(mode, "escaped") == 0)
			return T_HTML;
		return T_XHTML;
	}
	if (strncasecmp(type, "text/", 5) == 0)
		return T_TEXT;
	if (strstr(type, "xml") != NULL)
		return T_XHTML;
	return is_content ? T_SKIP : T_TEXT;
}

/* ---- SAX callbacks ---- */

static void
serialize_start(struct feed_parser *p, const xmlChar *local, int nattrs,
    const xmlChar **attrs)
{
	int i;

	if (p->cap.len > FEED_FIELD_MAX)
		p->cap_over = 1;
	if (p->cap_over)
		return;
	fbuf_addc(&p->cap, '<');
	fbuf_adds(&p->cap, (const char *)local);
	for (i = 0; i < nattrs && i < 8; i++) {
		const xmlChar **a = attrs + i * 5;

		fbuf_addc(&p->cap, ' ');
		fbuf_adds(&p->cap, (const char *)a[0]);
		fbuf_add(&p->cap, "=\"", 2);
		for (const xmlChar *c = a[3]; c < a[4]; c++)
			if (*c == '"')
				fbuf_adds(&p->cap, "&quot;");
			else
				fbuf_addc(&p->cap, (char)*c);
		fbuf_addc(&p->cap, '"');
	}
	fbuf_addc(&p->cap, '>');
}

static void
root_start(struct feed_parser *p, const char *name, enum ns ns)
{
	if (strcmp(name, "rss") == 0 || (strcmp(name, "channel") == 0 &&
	    ns != NS_ATOM)) {
		p->kind = "rss";
	} else if (strcmp(name, "RDF") == 0) {
		p->kind = "rdf";
	} else if (strcmp(name, "CHANNEL") == 0) {
		p->kind = "cdf";
		p->cdf = 1;
	} else if (strcmp(name, "feed") == 0 && (ns == NS_ATOM ||
	    ns == NS_ATOM03 || ns == NS_NONE)) {
		p->kind = "atom";
		p->atom_default = ns == NS_NONE;
		p->channel_depth = 1;
	} else {
		char what[80];

		snprintf(what, sizeof(what), "<%s>", name);
		set_error(p, "not a feed (the document is %s)", what);
		p->stopped = 1;
		xmlStopParser(p->ctxt);
	}
}

/* CDF: <ITEM HREF LASTMOD> with <TITLE> and <ABSTRACT>, any case. */
static void
cdf_start(struct feed_parser *p, const char *name, const xmlChar **attrs,
    int nattrs)
{
	const char *v;

	if (p->item_depth == 0) {
		if (strcasecmp(name, "item") == 0) {
			p->item_depth = p->depth;
			item_reset(p);
			if ((v = attr(attrs, nattrs, "HREF", NS_NONE)) != NULL) {
				fbuf_reset(&p->tmp);
				resolve_into(p, &p->tmp, v);
				slot_set(p, F_LINK, 3, p->tmp.s, p->tmp.len);
			}
			if ((v = attr(attrs, nattrs, "LASTMOD", NS_NONE)) != NULL)
				store_date(p, F_UPDATED, 3, v);
		} else if (strcasecmp(name, "title") == 0 && p->depth == 2)
			cap_start(p, F_FEEDTITLE, 1, T_HTML, 1);
		return;
	}
	if (p->depth != p->item_depth + 1)
		return;
	if (strcasecmp(name, "title") == 0)
		cap_start(p, F_TITLE, 3, T_HTML, 1);
	else if (strcasecmp(name, "abstract") == 0)
		cap_start(p, F_SUMMARY, 3, T_HTML, 0);
}

static void
on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nnamespaces, const xmlChar **namespaces,
    int nattrs, int ndefaulted, const xmlChar **attrs)
{
	struct feed_parser *p = ctx;
	const char *name = (const char *)localname;
	enum ns ns = ns_cached(p, uri);
	const char *v, *base;
	int atom, rss, in_item;

	p->depth++;
	if (p->depth > MAX_NEST && !p->stopped) {
		snprintf(p->lasterr, sizeof(p->lasterr),
		    "line %d: elements nested deeper than %d",
		    xmlSAX2GetLineNumber(p->ctxt), MAX_NEST);
		xmlStopParser(p->ctxt);
		return;
	}
	if (p->stopped || p->depth > MAX_DEPTH)
		return;
	if (p->cap_depth) {
		if (p->cap_mode == T_XHTML || p->cap_mode == T_HTML)
			serialize_start(p, localname, nattrs, attrs);
		return;
	}
	if ((base = xml_base_attr(attrs, nattrs)) != NULL &&
	    p->nbases < MAX_BASES) {
		const char *cur = p->nbases ? p->bases[p->nbases - 1].url :
		    p->url;
		char *r = NULL;

		if (url_has_scheme(base))
			r = xstrdup(base);
		else if (cur != NULL)
			r = url_resolve(cur, base);
		if (r != NULL) {
			p->bases[p->nbases].depth = p->depth;
			p->bases[p->nbases].url = r;
			p->nbases++;
		}
	}
	if (p->depth == 1) {
		root_start(p, name, ns);
		return;
	}
	if (p->skip_depth)
		return;
	if (p->cdf) {
		cdf_start(p, name, attrs, nattrs);
		return;
	}
	if (ns == NS_NONE)
		ns = p->atom_default ? NS_ATOM : NS_RSS;
	atom = ns == NS_ATOM || ns == NS_ATOM03;
	rss = ns == NS_RSS;
	in_item = p->item_depth > 0;

	if (!in_item) {
		if ((rss && (strcmp(name, "item") == 0)) ||
		    (atom && strcmp(name, "entry") == 0)) {
			p->item_depth = p->depth;
			item_reset(p);
			if ((v = attr(attrs, nattrs, "about", NS_RDF)) != NULL)
				slot_set(p, F_ID, 1, v, strlen(v));
			return;
		}
		if (rss && strcmp(name, "channel") == 0) {
			p->channel_depth = p->depth;
			return;
		}
		if (p->channel_depth == 0 || p->depth != p->channel_depth + 1)
			return;
		if (strcmp(name, "title") == 0 && (rss || atom))
			cap_start(p, F_FEEDTITLE, 1, rss ? T_HTML :
			    atom_mode(attrs, nattrs, 0), 1);
		else if (rss && strcmp(name, "link") == 0)
			cap_start(p, F_FEEDLINK, 1, T_TEXT, 1);
		else if (atom && strcmp(name, "link") == 0) {
			const char *rel = attr(attrs, nattrs, "rel", NS_NONE);

			if ((rel == NULL || strcmp(rel, "alternate") == 0) &&
			    (v = attr(attrs, nattrs, "href", NS_NONE)) &&
			    p->sitelink == NULL) {
				fbuf_reset(&p->tmp);
				resolve_into(p, &p->tmp, v);
				if (p->tmp.len && url_has_scheme(p->tmp.s))
					p->sitelink = xstrdup(p->tmp.s);
			}
		} else if (atom && (strcmp(name, "entry") != 0))
			p->skip_depth = p->depth;	/* author, etc. */
		return;
	}

	/* inside an entry */
	if ((rss && strcmp(name, "item") == 0) ||
	    (atom && strcmp(name, "entry") == 0)) {
		/* entries never nest: libxml2 recovered broken markup (a bad
		 * attribute) by putting the next entry inside the open one;
		 * hand the open one on and begin the new one */
		p->author_depth = 0;
		p->group_depth = 0;
		item_emit(p);
		p->item_depth = p->depth;
		item_reset(p);
		if ((v = attr(attrs, nattrs, "about", NS_RDF)) != NULL)
			slot_set(p, F_ID, 1, v, strlen(v));
		return;
	}
	if (atom && strcmp(name, "source") == 0) {
		p->skip_depth = p->depth;
		return;
	}
	if (p->author_depth) {
		if (p->depth != p->author_depth + 1)
			return;
		if (atom && strcmp(name, "name") == 0)
			cap_start(p, F_ANAME, 3, T_TEXT, 1);
		else if (atom && strcmp(name, "email") == 0)
			cap_start(p, F_AEMAIL, 1, T_TEXT, 1);
		return;
	}
	if (ns == NS_ITUNES && strcmp(name, "category") == 0) {
		if ((v = attr(attrs, nattrs, "text", NS_NONE)) != NULL)
			add_category(p, v, strlen(v));
		return;
	}
	/* only the entry's own children (and media:group's) count */
	if (p->depth != p->item_depth + 1 && !(p->group_depth &&
	    p->depth == p->group_depth + 1))
		return;
	if (atom && (strcmp(name, "author") == 0)) {
		p->author_depth = p->depth;
		fbuf_reset(&p->aname);
		fbuf_reset(&p->aemail);
		return;
	}
	if (ns == NS_MEDIA && strcmp(name, "group") == 0) {
		p->group_depth = p->depth;
		return;
	}
	if (rss || atom) {
		if (strcmp(name, "title") == 0)
			cap_start(p, F_TITLE, 3, rss ? T_HTML :
			    atom_mode(attrs, nattrs, 0), 1);
		else if (rss && strcmp(name, "link") == 0)
			cap_start(p, F_LINK, 3, T_TEXT, 1);
		else if (atom && strcmp(name, "link") == 0) {
			const char *rel = attr(attrs, nattrs, "rel", NS_NONE);
			const char *href = attr(attrs, nattrs, "href", NS_NONE);
			const char *type;
			int rank = 2;

			if (href == NULL) {
				/* <link>URL</link>, as some write it */
				if (rel == NULL || strcmp(rel, "alternate") == 0)
					cap_start(p, F_LINK, 3, T_TEXT, 1);
				return;
			}
			href = xstrdup(href);
			type = attr(attrs, nattrs, "type", NS_NONE);
			if (rel != NULL && strcmp(rel, "enclosure") == 0) {
				char *t = type ? xstrdup(type) : NULL;

				add_enclosure(p, href, t, attr(attrs, nattrs,
				    "length", NS_NONE));
				free(t);
			} else if (rel == NULL || strcmp(rel, "alternate") == 0) {
				if (type == NULL || strcmp(type, "text/html") == 0 ||
				    strcmp(type, "application/xhtml+xml") == 0)
					rank = 3;
				fbuf_reset(&p->tmp);
				resolve_into(p, &p->tmp, href);
				slot_set(p, F_LINK, rank, p->tmp.s, p->tmp.len);
			}
			free((char *)href);
		} else if ((rss && strcmp(name, "guid") == 0) ||
		    (atom && strcmp(name, "id") == 0)) {
			v = attr(attrs, nattrs, "isPermaLink", NS_NONE);
			p->guid_permalink = rss && (v == NULL ||
			    strcasecmp(v, "false") != 0);
			cap_start(p, F_ID, 3, T_TEXT, 1);
			p->cap_resolve = atom;	/* Atom ids are IRIs */
		} else if (rss && (strcmp(name, "description") == 0 ||
		    strcmp(name, "summary") == 0)) {
			/* both: the second is the content */
			if (p->slot[F_SUMMARY].rank < 3)
				cap_start(p, F_SUMMARY, 3, T_HTML, 0);
			else
				cap_start(p, F_CONTENT, 1, T_HTML, 0);
		}
		else if (atom && strcmp(name, "summary") == 0)
			cap_start(p, F_SUMMARY, 3, atom_mode(attrs, nattrs, 0), 0);
		else if (atom && strcmp(name, "content") == 0) {
			if (attr(attrs, nattrs, "src", NS_NONE) == NULL)
				cap_start(p, F_CONTENT, 3,
				    atom_mode(attrs, nattrs, 1), 0);
		} else if (rss && strcmp(name, "pubDate") == 0)
			cap_start(p, F_PUBLISHED, 3, T_TEXT, 1);
		else if (atom && strcmp(name, "published") == 0)
			cap_start(p, F_PUBLISHED, 4, T_TEXT, 1);
		else if (atom && strcmp(name, "issued") == 0)
			cap_start(p, F_PUBLISHED, 3, T_TEXT, 1);
		else if (atom && (strcmp(name, "updated") == 0 ||
		    strcmp(name, "modified") == 0))
			cap_start(p, F_UPDATED, 3, T_TEXT, 1);
		else if (atom && strcmp(name, "created") == 0)
			cap_start(p, F_PUBLISHED, 1, T_TEXT, 1);
		else if (rss && strcmp(name, "author") == 0)
			cap_start(p, F_AUTHOR, 2, T_HTML, 1);
		else if (rss && strcmp(name, "category") == 0)
			cap_start(p, F_CATEGORY, 1, T_TEXT, 1);
		else if (rss && strcmp(name, "tags") == 0)
			cap_start(p, F_TAGLIST, 1, T_TEXT, 1);
		else if (atom && strcmp(name, "category") == 0) {
			if ((v = attr(attrs, nattrs, "term", NS_NONE)) != NULL)
				add_category(p, v, strlen(v));
		} else if (rss && strcmp(name, "enclosure") == 0) {
			char *u = NULL, *t = NULL;

			if ((v = attr(attrs, nattrs, "url", NS_NONE)) != NULL)
				u = xstrdup(v);
			if ((v = attr(attrs, nattrs, "type", NS_NONE)) != NULL)
				t = xstrdup(v);
			add_enclosure(p, u, t, attr(attrs, nattrs, "length",
			    NS_NONE));
			free(u);
			free(t);
		}
		return;
	}
	switch (ns) {
	case NS_DC:
		if (strcmp(name, "creator") == 0 ||
		    strcmp(name, "author") == 0)
			cap_start(p, F_AUTHOR, 2, T_HTML, 1);
		else if (strcmp(name, "date") == 0)
			cap_start(p, F_DCDATE, 2, T_TEXT, 1);
		else if (strcmp(name, "subject") == 0)
			cap_start(p, F_CATEGORY, 1, T_TEXT, 1);
		else if (strcmp(name, "title") == 0)
			cap_start(p, F_TITLE, 2, T_HTML, 1);
		else if (strcmp(name, "description") == 0)
			cap_start(p, F_SUMMARY, 2, T_HTML, 0);
		else if (strcmp(name, "identifier") == 0)
			cap_start(p, F_ID, 1, T_TEXT, 1);
		break;
	case NS_DCTERMS:
		if (strcmp(name, "issued") == 0 || strcmp(name, "created") == 0)
			cap_start(p, F_PUBLISHED, 2, T_TEXT, 1);
		else if (strcmp(name, "modified") == 0)
			cap_start(p, F_UPDATED, 2, T_TEXT, 1);
		break;
	case NS_CONTENT:
		if (strcmp(name, "encoded") == 0)
			cap_start(p, F_CONTENT, 3, T_HTML, 0);
		break;
	case NS_XHTML:
		if (strcmp(name, "body") == 0 || strcmp(name, "div") == 0)
			cap_start(p, F_CONTENT, 2, T_XHTML, 0);
		break;
	case NS_ITUNES:
		if (strcmp(name, "summary") == 0)
			cap_start(p, F_SUMMARY, 1, T_TEXT, 0);
		else if (strcmp(name, "author") == 0)
			cap_start(p, F_AUTHOR, 1, T_TEXT, 1);
		break;
	case NS_MEDIA:
		if (strcmp(name, "content") == 0) {
			char *u = NULL, *t = NULL;

			if ((v = attr(attrs, nattrs, "url", NS_NONE)) != NULL)
				u = xstrdup(v);
			if ((v = attr(attrs, nattrs, "type", NS_NONE)) != NULL)
				t = xstrdup(v);
			add_enclosure(p, u, t, attr(attrs, nattrs, "fileSize",
			    NS_NONE));
			free(u);
			free(t);
		} else if (strcmp(name, "title") == 0)
			cap_start(p, F_TITLE, 1, atom_mode(attrs, nattrs, 0) ==
			    T_HTML ? T_HTML : T_TEXT, 1);
		else if (strcmp(name, "description") == 0)
			cap_start(p, F_SUMMARY, 1, atom_mode(attrs, nattrs, 0) ==
			    T_HTML ? T_HTML : T_TEXT, 0);
		else if (strcmp(name, "category") == 0 ||
		    strcmp(name, "keywords") == 0)
			cap_start(p, F_CATEGORY, 1, T_TEXT, 1);
		break;
	default:
		break;
	}
	(void)prefix;
	(void)nnamespaces;
	(void)namespaces;
	(void)ndefaulted;
}

static void
on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri)
{
	struct feed_parser *p = ctx;

	if (p->stopped || p->depth > MAX_DEPTH) {
		p->depth--;
		return;
	}
	if (p->cap_depth) {
		if (p->depth == p->cap_depth)
			cap_end(p);
		else if ((p->cap_mode == T_XHTML || p->cap_mode == T_HTML) &&
		    !p->cap_over) {
			fbuf_add(&p->cap, "</", 2);
			fbuf_adds(&p->cap, (const char *)localname);
			fbuf_addc(&p->cap, '>');
		}
	}
	if (p->skip_depth == p->depth)
		p->skip_depth = 0;
	if (p->author_depth == p->depth) {
		p->author_depth = 0;
		if (p->aname.len && p->aemail.len) {
			fbuf_reset(&p->tmp);
			fbuf_add(&p->tmp, p->aname.s, p->aname.len);
			fbuf_add(&p->tmp, " (", 2);
			fbuf_add(&p->tmp, p->aemail.s, p->aemail.len);
			fbuf_addc(&p->tmp, ')');
			slot_set(p, F_AUTHOR, 3, p->tmp.s, p->tmp.len);
		} else if (p->aname.len || p->aemail.len) {
			struct fbuf *a = p->aname.len ? &p->aname : &p->aemail;

			slot_set(p, F_AUTHOR, 3, a->s, a->len);
		}
	}
	if (p->group_depth == p->depth)
		p->group_depth = 0;
	if (p->item_depth == p->depth) {
		p->item_depth = 0;
		item_emit(p);
	}
	if (p->channel_depth == p->depth)
		p->channel_depth = 0;
	if (p->nbases > 0 && p->bases[p->nbases - 1].depth == p->depth) {
		p->nbases--;
		free(p->bases[p->nbases].url);
	}
	p->depth--;
	(void)prefix;
	(void)uri;
}

static void
on_chars(void *ctx, const xmlChar *s, int n)
{
	struct feed_parser *p = ctx;

	if (p->cap_depth && !p->stopped)
		cap_text(p, (const char *)s, (size_t)n);
}

/* Only XML's five entities exist: no DTD entity is ever expanded (and
 * xml_refs has already turned every named reference into characters). */
static xmlEntityPtr
on_get_entity(void *ctx, const xmlChar *name)
{
	(void)ctx;
	return xmlGetPredefinedEntity(name);
}

static void
on_error(void *ctx, xmlErrorPtr e)
{
	struct feed_parser *p = ctx;
	char msg[200];
	size_t n;

	if (e == NULL || e->level < XML_ERR_ERROR)
		return;
	snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "error");
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	for (char *c = msg; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (e->line > 0)
		snprintf(p->lasterr, sizeof(p->lasterr), "line %d: %s",
		    e->line, msg);
	else
		snprintf(p->lasterr, sizeof(p->lasterr), "%s", msg);
	set_error(p, "%s", p->lasterr);
}

static void
on_entity_decl(void *ctx, const xmlChar *name, int type,
    const xmlChar *publicId, const xmlChar *systemId, xmlChar *content)
{
	/* declarations are read and forgotten: nothing is ever expanded */
	(void)ctx, (void)name, (void)type, (void)publicId, (void)systemId;
	(void)content;
}

static xmlSAXHandler sax_handler;

static void
sax_init(void)
{
	if (sax_handler.initialized)
		return;
	sax_handler.initialized = XML_SAX2_MAGIC;
	sax_handler.startElementNs = on_start;
	sax_handler.endElementNs = on_end;
	sax_handler.characters = on_chars;
	sax_handler.cdataBlock = on_chars;	/* CDATA is text */
	sax_handler.getEntity = on_get_entity;
	sax_handler.getParameterEntity = NULL;
	sax_handler.entityDecl = on_entity_decl;
	sax_handler.serror = on_error;
}

/* ---- JSON Feed ---- */

static const char *
jstr(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	if (json_object_is_type(v, json_type_string) ||
	    json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double))
		return json_object_get_string(v);
	return NULL;
}

static void
json_text(struct feed_parser *p, enum field f, const char *s, int flags)
{
	if (s == NULL)
		return;
	fbuf_reset(&p->tmp);
	html_to_text(&p->tmp, s, strlen(s), flags);
	slot_set(p, f, 3, fbuf_str(&p->tmp), p->tmp.len);
}

static int
json_finish(struct feed_parser *p)
{
	json_tokener *tok = json_tokener_new_ex(64);
	json_object *doc, *items, *v;
	const char *s;
	size_t i, n;

	doc = json_tokener_parse_ex(tok, fbuf_str(&p->json), (int)p->json.len);
	if (doc == NULL || !json_object_is_type(doc, json_type_object) ||
	    !json_object_object_get_ex(doc, "items", &items) ||
	    !json_object_is_type(items, json_type_array)) {
		set_error(p, "%s", doc == NULL ? "not a feed (invalid JSON)" :
		    "not a feed (JSON without items)");
		json_object_put(doc);
		json_tokener_free(tok);
		return -1;
	}
	p->kind = "json";
	if ((s = jstr(doc, "title")) != NULL)
		html_to_text(&p->title, s, strlen(s), HTML_PLAIN | HTML_ONELINE);
	if ((s = jstr(doc, "home_page_url")) != NULL && url_has_scheme(s))
		p->sitelink = xstrdup(s);
	n = json_object_array_length(items);
	for (i = 0; i < n; i++) {
		json_object *it = json_object_array_get_idx(items, i), *a;

		if (!json_object_is_type(it, json_type_object))
			continue;
		item_reset(p);
		if ((s = jstr(it, "id")) != NULL)
			slot_set(p, F_ID, 3, s, strlen(s));
		if ((s = jstr(it, "url")) || (s = jstr(it, "external_url"))) {
			fbuf_reset(&p->tmp);
			resolve_into(p, &p->tmp, s);
			slot_set(p, F_LINK, 3, p->tmp.s, p->tmp.len);
		}
		json_text(p, F_TITLE, jstr(it, "title"),
		    HTML_PLAIN | HTML_ONELINE);
		json_text(p, F_SUMMARY, jstr(it, "summary"), HTML_PLAIN);
		if ((s = jstr(it, "content_html")) != NULL)
			json_text(p, F_CONTENT, s, 0);
		else
			json_text(p, F_CONTENT, jstr(it, "content_text"),
			    HTML_PLAIN);
		if ((s = jstr(it, "date_published")) != NULL)
			store_date(p, F_PUBLISHED, 3, s);
		if ((s = jstr(it, "date_modified")) != NULL)
			store_date(p, F_UPDATED, 3, s);
		a = NULL;
		if (json_object_object_get_ex(it, "authors", &v) &&
		    json_object_is_type(v, json_type_array) &&
		    json_object_array_length(v) > 0)
			a = json_object_array_get_idx(v, 0);
		else if (!json_object_object_get_ex(it, "author", &a) &&
		    json_object_object_get_ex(doc, "authors", &v) &&
		    json_object_is_type(v, json_type_array) &&
		    json_object_array_length(v) > 0)
			a = json_object_array_get_idx(v, 0);
		else if (a == NULL)
			json_object_object_get_ex(doc, "author", &a);
		json_text(p, F_AUTHOR, jstr(a, "name"), HTML_PLAIN | HTML_ONELINE);
		if (json_object_object_get_ex(it, "tags", &v) &&
		    json_object_is_type(v, json_type_array))
			for (size_t k = 0; k < json_object_array_length(v); k++) {
				json_object *t = json_object_array_get_idx(v, k);

				if (json_object_is_type(t, json_type_string))
					add_category(p, json_object_get_string(t),
					    (size_t)json_object_get_string_len(t));
			}
		if (json_object_object_get_ex(it, "attachments", &v) &&
		    json_object_is_type(v, json_type_array))
			for (size_t k = 0; k < json_object_array_length(v); k++) {
				json_object *t = json_object_array_get_idx(v, k);
				char *u = jstr(t, "url") ? xstrdup(jstr(t, "url")) :
				    NULL;
				char *ty = jstr(t, "mime_type") ?
				    xstrdup(jstr(t, "mime_type")) : NULL;

				add_enclosure(p, u, ty, jstr(t, "size_in_bytes"));
				free(u);
				free(ty);
			}
		item_emit(p);
	}
	json_object_put(doc);
	json_tokener_free(tok);
	return 0;
}

/* ---- the pipeline ---- */

static void
xml_start(struct feed_parser *p, const char *s, size_t n)
{
	sax_init();
	p->ctxt = xmlCreatePushParserCtxt(&sax_handler, p, s, (int)n,
	    p->url);
	if (p->ctxt == NULL)
		die_nomem();
	xmlCtxtUseOptions(p->ctxt, XML_PARSE_RECOVER | XML_PARSE_NONET |
	    XML_PARSE_IGNORE_ENC | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	p->ctxt->replaceEntities = 0;
	p->ctxt->loadsubset = 0;
	p->ctxt->validate = 0;
}

/*
 * libxml2 (2.9) drops every entity reference once a document has been
 * found not well-formed, and an undefined &nbsp; or a bare & is enough for
 * that.  So references are settled here: character references are kept
 * (made valid), the five XML names become character references, HTML's
 * names become their characters, and any other & is escaped as text.
 * CDATA sections and comments pass unchanged.  Returns bytes consumed.
 */
static void entity_decl(struct feed_parser *p, const char *s,
    const char *end);

static size_t
xml_refs(struct feed_parser *p, const char *s, size_t n, int final)
{
	struct fbuf *o = &p->xout;
	size_t i = 0, run = 0;

	while (i < n) {
		const char *q;
		size_t k;

		if (p->xstate != 0) {
			const char *end = p->xstate == 1 ? "]]>" : "-->";

			q = memmem(s + i, n - i, end, 3);
			if (q == NULL) {
				/* keep two bytes: the end may straddle */
				k = n - i > 2 ? n - i - 2 : 0;
				if (final)
					k = n - i;
				i += k;
				break;
			}
			i = (size_t)(q - s) + 3;
			p->xstate = 0;
			continue;
		}
		{
			/* the next & or <! (CDATA, comment), by memchr */
			const char *amp = memchr(s + i, '&', n - i);
			const char *lim = amp ? amp : s + n;
			const char *lt = s + i;

			while ((lt = memchr(lt, '<', (size_t)(lim - lt))) &&
			    lt + 1 < s + n && lt[1] != '!')
				lt++;
			if (lt == NULL || lt >= lim)
				lt = lim;
			i = (size_t)(lt - s);
		}
		if (i == n)
			break;
		if (s[i] == '<') {
			if (n - i < 9 && !final) {
				if (memcmp(s + i, "<![CDATA[", n - i) == 0 ||
				    memcmp(s + i, "<!--", n - i < 4 ? n - i : 4)
				    == 0)
					break;
			}
			if (n - i >= 8 && memcmp(s + i, "<!ENTITY", 8) == 0) {
				const char *gt = memchr(s + i, '>', n - i);

				if (gt == NULL && !final && n - i < 1024)
					break;	/* the rest comes next */
				if (gt != NULL)
					entity_decl(p, s + i + 8, gt);
				i += 8;
				continue;
			}
			if (n - i < 8 && !final &&
			    memcmp(s + i, "<!ENTITY", n - i) == 0)
				break;
			if (n - i >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0) {
				p->xstate = 1;
				i += 9;
			} else if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
				p->xstate = 2;
				i += 4;
			} else
				i++;
			continue;
		}
		/* a reference: find its end */
		for (k = i + 1; k < n && k - i < 40 && (isalnum((unsigned char)
		    s[k]) || (k == i + 1 && s[k] == '#')); k++)
			;
		if (k == n && !final && k - i < 40)
			break;	/* may go on in the next chunk */
		fbuf_add(o, s + run, i - run);
		if (s[i + 1] == '#' && k > i + 2) {
			unsigned long c = 0;
			const char *d = s + i + 2;
			int hex = *d == 'x' || *d == 'X';
			size_t used = k;

			if (hex) {
				/* &#x1F; : the name scan above took the digits */
				c = strtoul(d + 1, NULL, 16);
			} else
				c = strtoul(d, NULL, 10);
			if (k < n && s[k] == ';')
				used = k + 1;
			if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)
			    || (c < 0x20 && c != 9 && c != 10 && c != 13) ||
			    c == 0xFFFE || c == 0xFFFF)
				c = 0xFFFD;
			{
				char num[16];

				snprintf(num, sizeof(num), "&#%lu;", c);
				fbuf_adds(o, num);
			}
			run = i = used;
			continue;
		}
		if (k > i + 1 && k < n && s[k] == ';') {
			char name[48];
			const char *v;
			static const char *const xml5[][2] = {
				{"amp", "&#38;"}, {"lt", "&#60;"}, {"gt", "&#62;"},
				{"quot", "&#34;"}, {"apos", "&#39;"}
			};
			size_t x;

			for (x = 0; x < 5; x++)
				if (k - i - 1 == strlen(xml5[x][0]) &&
				    memcmp(s + i + 1, xml5[x][0], k - i - 1) == 0)
					break;
			if (x < 5) {
				fbuf_adds(o, xml5[x][1]);
				run = i = k + 1;
				continue;
			}

			memcpy(name, s + i + 1, k - i - 1);
			name[k - i - 1] = '\0';
			for (x = 0; x < (size_t)p->nents; x++)
				if (strcmp(p->ents[x].name, name) == 0)
					break;
			if (x < (size_t)p->nents) {
				for (v = p->ents[x].value; *v; v++)
					if (*v == '"')
						fbuf_adds(o, "&#34;");
					else if (*v == '\'')
						fbuf_adds(o, "&#39;");
					else
						fbuf_addc(o, *v);
				run = i = k + 1;
				continue;
			}
			v = html_entity_lookup(name);
			if (v == NULL)
				fbuf_adds(o, "&#38;");	/* kept as text */
			else if (strcmp(v, "&") == 0)
				fbuf_adds(o, "&#38;");
			else if (strcmp(v, "<") == 0)
				fbuf_adds(o, "&#60;");
			else if (strcmp(v, ">") == 0)
				fbuf_adds(o, "&#62;");
			else if (strcmp(v, "\"") == 0)
				fbuf_adds(o, "&#34;");
			else if (strcmp(v, "'") == 0)
				fbuf_adds(o, "&#39;");
			else {
				fbuf_adds(o, v);
				run = i = k + 1;
				continue;
			}
			run = i = v == NULL ? i + 1 : k + 1;
			continue;
		}
		fbuf_adds(o, "&#38;");
		run = ++i;
	}
	fbuf_add(o, s + run, i - run);
	return i;
}

/*
 * <!ENTITY name "text"> from the internal subset: kept when the text holds
 * no markup and no reference, so nothing ever expands into more.
 */
static void
entity_decl(struct feed_parser *p, const char *s, const char *end)
{
	const char *name, *v;
	size_t nl;
	char q;

	while (s < end && isspace((unsigned char)*s))
		s++;
	if (s >= end || *s == '%' || p->nents >= 32)
		return;
	name = s;
	while (s < end && !isspace((unsigned char)*s))
		s++;
	nl = (size_t)(s - name);
	while (s < end && isspace((unsigned char)*s))
		s++;
	if (s >= end || (*s != '"' && *s != '\'') || nl == 0 ||
	    nl >= sizeof(p->ents[0].name))
		return;
	q = *s++;
	v = s;
	while (s < end && *s != q)
		s++;
	if (s >= end || s - v > 512 || memchr(v, '&', (size_t)(s - v)) ||
	    memchr(v, '<', (size_t)(s - v)) || memchr(v, '%', (size_t)(s - v)))
		return;
	memcpy(p->ents[p->nents].name, name, nl);
	p->ents[p->nents].name[nl] = '\0';
	p->ents[p->nents].value = xstrndup(v, (size_t)(s - v));
	p->nents++;
}

/* Hand clean text to libxml2, references settled. */
static void
xml_push(struct feed_parser *p, const char *s, size_t n, int final)
{
	size_t used;

	fbuf_reset(&p->xout);
	if (p->nxcarry) {
		struct fbuf all = { 0 };

		fbuf_add(&all, p->xcarry, p->nxcarry);
		fbuf_add(&all, s, n);
		p->nxcarry = 0;
		used = xml_refs(p, all.s, all.len, final);
		if (all.len - used > sizeof(p->xcarry))	/* cannot happen */
			used += xml_refs(p, all.s + used, all.len - used, 1);
		if (used < all.len) {
			memcpy(p->xcarry, all.s + used, all.len - used);
			p->nxcarry = all.len - used;
		}
		fbuf_free(&all);
	} else {
		used = xml_refs(p, s, n, final);
		if (n - used > sizeof(p->xcarry))	/* cannot happen */
			used += xml_refs(p, s + used, n - used, 1);
		if (used < n) {
			memcpy(p->xcarry, s + used, n - used);
			p->nxcarry = n - used;
		}
	}
	if (p->xout.len)
		xmlParseChunk(p->ctxt, p->xout.s, (int)p->xout.len, 0);
	xml_halted(p);
}

/*
 * libxml2 halts, even in recovery mode, on what it will not read on
 * (nesting past 256, a name or text node past its limits): what follows
 * would be lost without a word, so the feed fails with the reason and
 * nothing more is pushed (which would only fill libxml2's buffer).
 */
static void
xml_halted(struct feed_parser *p)
{
	char *old;

	if (p->stopped || p->ctxt == NULL || !p->ctxt->disableSAX)
		return;
	p->stopped = 1;
	p->halted = 1;
	old = p->error;
	p->error = NULL;
	set_error(p, "XML parsing gave up (%s); the rest is not read",
	    p->lasterr[0] ? p->lasterr : "unknown error");
	free(old);
}

/* Clean UTF-8 from the charset stage. */
static void
on_utf8(void *arg, const char *s, size_t n)
{
	struct feed_parser *p = arg;

	if (p->stopped)
		return;
	if (p->mode == 0) {
		size_t i = 0;

		while (i < n && isspace((unsigned char)s[i]))
			i++;
		if (i == n)
			return;
		s += i;
		n -= i;
		if (*s == '{' || *s == '[') {
			p->mode = 'j';
		} else if (*s == '<') {
			p->mode = 'x';
			xml_start(p, NULL, 0);
		} else {
			p->mode = 'e';
			set_error(p, "%s", "not a feed (neither XML nor JSON)");
			p->stopped = 1;
			return;
		}
	}
	if (p->mode == 'j') {
		if (p->json.len + n > FEED_JSON_MAX) {
			set_error(p, "%s", "JSON Feed too large");
			p->stopped = 1;
			return;
		}
		fbuf_add(&p->json, s, n);
	} else if (p->mode == 'x' && n > 0) {
		xml_push(p, s, n, 0);
	}
}

struct feed_parser *
feed_new(const char *url, const char *http_charset, feed_item_fn *fn,
    void *arg)
{
	struct feed_parser *p = xcalloc(1, sizeof(*p));

	p->fn = fn;
	p->arg = arg;
	p->docname = xstrdup(url ? url : "");
	if (url != NULL && url_has_scheme(url))
		p->url = xstrdup(url);
	p->cs = charset_new(http_charset, on_utf8, p);
	return p;
}

void
feed_set_base(struct feed_parser *p, const char *base)
{
	if (base == NULL || !url_has_scheme(base))
		return;
	free(p->url);
	p->url = xstrdup(base);
}

void
feed_push(struct feed_parser *p, const char *buf, size_t n)
{
	if (!p->stopped)
		charset_push(p->cs, buf, n);
}

int
feed_finish(struct feed_parser *p)
{
	if (!p->stopped)
		charset_finish(p->cs);
	if (p->mode == 'x' && !p->stopped) {
		xml_push(p, "", 0, 1);
		if (!p->stopped)
			xmlParseChunk(p->ctxt, NULL, 0, 1);
		xml_halted(p);
	}
	/* an entry left open at the end (or where libxml2 gave up) is
	 * still handed on */
	if (p->mode == 'x' && (!p->stopped || p->halted) &&
	    p->item_depth > 0) {
		if (p->cap_depth)
			cap_end(p);
		p->item_depth = 0;
		item_emit(p);
	}
	if (p->halted)
		return -1;
	if (p->mode == 'j')
		return json_finish(p);
	if (p->mode == 0) {
		set_error(p, "%s", "empty document");
		return -1;
	}
	if (p->kind == NULL) {
		char *old = p->error;

		if (old != NULL && strncmp(old, "not a feed", 10) == 0) {
			p->error = old;
			return -1;
		}
		p->error = NULL;
		set_error(p, "not a feed (%s)", old ? old : "no root element");
		free(old);
		return -1;
	}
	return 0;
}

unsigned long
feed_cut(const struct feed_parser *p)
{
	return p->cut;
}

const char *
feed_error(const struct feed_parser *p)
{
	return p->error;
}

const char *
feed_kind(const struct feed_parser *p)
{
	return p->kind;
}

const char *
feed_title(const struct feed_parser *p)
{
	return p->title.len ? p->title.s : NULL;
}

unsigned long
feed_count(const struct feed_parser *p)
{
	return p->count;
}

void
feed_free(struct feed_parser *p)
{
	int i;

	if (p == NULL)
		return;
	if (p->ctxt != NULL) {
		if (p->ctxt->myDoc != NULL)
			xmlFreeDoc(p->ctxt->myDoc);
		xmlFreeParserCtxt(p->ctxt);
	}
	charset_free(p->cs);
	for (i = 0; i < p->nbases; i++)
		free(p->bases[i].url);
	for (i = 0; i < F_NFIELDS; i++)
		fbuf_free(&p->slot[i].v);
	for (i = 0; i < MAX_CATEGORIES; i++)
		fbuf_free(&p->cats[i]);
	for (i = 0; i < MAX_ENCLOSURES; i++) {
		fbuf_free(&p->enc[i].url);
		fbuf_free(&p->enc[i].type);
	}
	fbuf_free(&p->cap);
	fbuf_free(&p->tmp);
	fbuf_free(&p->json);
	fbuf_free(&p->xout);
	for (i = 0; i < p->nents; i++)
		free(p->ents[i].value);
	fbuf_free(&p->aname);
	fbuf_free(&p->aemail);
	fbuf_free(&p->title);
	free(p->sitelink);
	free(p->error);
	free(p->url);
	free(p->docname);
	free(p);
}
