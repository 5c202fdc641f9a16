/*
 * feed_elem.c - the feed parser's SAX2 callbacks (see feedimpl.h): where
 * we are (channel, entry, author, source, media:group), which element
 * maps to which field of the entry with what rank, and how its text is
 * read.  The capture itself is feed_text.c's.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "feedimpl.h"
#include "url.h"
#include "utf8.h"
#include "util.h"

static enum ns ns_of(const xmlChar *uri);

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
	/* as feedparser: compared without case; the pre-1.0 names of Atom
	 * (Echo, Pie, Necho) are Atom 0.3's */
	static const struct {
		const char *uri;	/* namespace name */
		enum ns ns;		/* what it is */
	} known[] = {
		{"http://www.w3.org/2005/Atom", NS_ATOM},
		{"http://purl.org/atom/ns#", NS_ATOM03},
		{"http://purl.org/echo/", NS_ATOM03},
		{"http://purl.org/pie/", NS_ATOM03},
		{"http://example.com/necho", NS_ATOM03},
		{"http://example.com/newformat#", NS_ATOM03},
		{"uri/of/echo/namespace#", NS_ATOM03},
		{"http://purl.org/rss/1.0/", NS_RSS},
		{"http://my.netscape.com/rdf/simple/0.9/", NS_RSS},
		{"http://blogs.law.harvard.edu/tech/rss", NS_RSS},
		{"http://purl.org/net/rss1.1#", NS_RSS},
		{"http://purl.org/rss/1.0/modules/rss091#", NS_RSS},
		{"http://www.w3.org/1999/02/22-rdf-syntax-ns#", NS_RDF},
		{"http://purl.org/dc/elements/1.1/", NS_DC},
		{"http://purl.org/dc/elements/1.0/", NS_DC},
		{"http://purl.org/dc/terms/", NS_DCTERMS},
		{"http://purl.org/rss/1.0/modules/content/", NS_CONTENT},
		{"http://www.w3.org/1999/xhtml", NS_XHTML},
		{"http://www.itunes.com/dtds/podcast-1.0.dtd", NS_ITUNES},
		{"http://example.com/DTDs/PodCast-1.0.dtd", NS_ITUNES},
	};
	const char *u = (const char *)uri;
	size_t i;

	if (u == NULL || *u == '\0')
		return NS_NONE;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcasecmp(u, known[i].uri) == 0)
			return known[i].ns;
	if (strcasestr(u, "backend.userland.com/rss") != NULL)
		return NS_RSS;	/* any of them, as feedparser */
	if (strncasecmp(u, "http://search.yahoo.com/mrss", 28) == 0 ||
	    strncasecmp(u, "http://video.search.yahoo.com/mrss", 34) == 0)
		return NS_MEDIA;
	return NS_OTHER;
}

/*
 * The namespace of an element whose namespace name is unknown (or that
 * has a prefix no xmlns declares), by its prefix, as feedparser reads
 * them: none is RSS's or Atom's own, a usual prefix (dc, content, media,
 * itunes ...) is that module's, any other is another's.
 */
static enum ns
ns_of_prefix(const xmlChar *prefix)
{
	static const struct {
		const char *prefix;	/* the usual prefix */
		enum ns ns;		/* its module */
	} usual[] = {
		{"dc", NS_DC}, {"dcterms", NS_DCTERMS}, {"content", NS_CONTENT},
		{"media", NS_MEDIA}, {"itunes", NS_ITUNES}, {"atom", NS_ATOM},
		{"xhtml", NS_XHTML}, {"rdf", NS_RDF}, {"rss", NS_RSS},
	};
	size_t i;

	if (prefix == NULL)
		return NS_NONE;
	for (i = 0; i < sizeof(usual) / sizeof(usual[0]); i++)
		if (strcmp((const char *)prefix, usual[i].prefix) == 0)
			return usual[i].ns;
	return NS_OTHER;
}

/* libxml2, not replacing entities, gives an attribute's '&' as "&#38;"
 * (so that a tree could be written back): the '&' again, in place. */
static void
amp_unescape(char *s)
{
	char *o;

	if ((s = strstr(s, "&#38;")) == NULL)
		return;
	for (o = s; *s; )
		if (strncmp(s, "&#38;", 5) == 0) {
			*o++ = '&';
			s += 5;
		} else
			*o++ = *s++;
	*o = '\0';
}

static const char *
attr(const xmlChar **attrs, int nattrs, const char *name, enum ns want)
{
	int i;

	for (i = 0; i < nattrs; i++) {
		const xmlChar **a = attrs + i * 5;

		if (strcasecmp((const char *)a[0], name) != 0)
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
			amp_unescape(buf);
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
	/* as feedparser: a plain base attribute too (CDF's BASE) */
	for (i = 0; i < nattrs; i++) {
		const xmlChar **a = attrs + i * 5;

		if (strcasecmp((const char *)a[0], "base") == 0 && a[2] == NULL)
			return attr(a, 1, (const char *)a[0], NS_NONE);
	}
	return NULL;
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
	return T_TEXT;	/* another type: base64 (atom_base64) */
}

/*
 * Whether an Atom text construct's text is base64 (cap_b64): Atom 0.3's
 * mode="base64" (1), or a type that is neither text nor XML (2, as Atom
 * 1.0 has it for content).
 */
static int
atom_base64(const xmlChar **attrs, int nattrs)
{
	const char *mode = attr(attrs, nattrs, "mode", NS_NONE);
	const char *type = attr(attrs, nattrs, "type", NS_NONE);
	size_t n;

	if (mode != NULL && strcasecmp(mode, "base64") == 0)
		return 1;
	if (type == NULL || strcasecmp(type, "text") == 0 ||
	    strcasecmp(type, "html") == 0 || strcasecmp(type, "xhtml") == 0 ||
	    strncasecmp(type, "text/", 5) == 0 || strchr(type, '/') == NULL)
		return 0;
	n = strlen(type);
	if ((n > 4 && strcasecmp(type + n - 4, "+xml") == 0) ||
	    (n > 4 && strcasecmp(type + n - 4, "/xml") == 0))
		return 0;
	return 2;
}

/* An Atom text construct (title, summary, content) captured for f. */
static void
atom_text(struct feed_parser *p, enum field f, int rank, int oneline,
    const xmlChar **attrs, int nattrs)
{
	feed_cap_start(p, f, rank, atom_mode(attrs, nattrs, f == F_CONTENT),
	    oneline);
	p->cap_b64 = atom_base64(attrs, nattrs);
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
	/* names without case, as feedparser reads them; CDF's are
	 * upper-case */
	if (strcmp(name, "CHANNEL") == 0) {
		p->kind = "cdf";
		p->cdf = 1;
	} else if (strcasecmp(name, "rss") == 0 ||
	    (strcasecmp(name, "channel") == 0 && ns != NS_ATOM)) {
		p->kind = "rss";
	} else if (strcasecmp(name, "RDF") == 0) {
		p->kind = "rdf";
	} else if (strcasecmp(name, "feed") == 0 && (ns == NS_ATOM ||
	    ns == NS_ATOM03 || ns == NS_NONE)) {
		p->kind = "atom";
		p->atom_default = ns == NS_NONE;
		p->channel_depth = 1;
	} else {
		char what[80];

		snprintf(what, sizeof(what), "<%s>", name);
		feed_set_error(p, "not a feed (the document is %s)", what);
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
			feed_item_reset(p);
			if ((v = attr(attrs, nattrs, "HREF", NS_NONE)) != NULL) {
				fbuf_reset(&p->tmp);
				feed_resolve(p, &p->tmp, v);
				feed_slot_set(p, F_LINK, 3, p->tmp.s, p->tmp.len);
			}
			if ((v = attr(attrs, nattrs, "LASTMOD", NS_NONE)) != NULL)
				feed_store_date(p, F_UPDATED, 3, v);
		} else if (strcasecmp(name, "title") == 0 && p->depth == 2)
			feed_cap_start(p, F_FEEDTITLE, 1, T_GUESS, 1);
		return;
	}
	if (p->depth != p->item_depth + 1)
		return;
	if (strcasecmp(name, "title") == 0)
		feed_cap_start(p, F_TITLE, 3, T_GUESS, 1);
	else if (strcasecmp(name, "abstract") == 0)
		feed_cap_start(p, F_SUMMARY, 3, T_GUESS, 0);
}

/* An xml:base on the element just opened: the base for what it holds. */
static void
base_push(struct feed_parser *p, const xmlChar **attrs, int nattrs)
{
	const char *base = xml_base_attr(attrs, nattrs);
	const char *cur;
	char *r = NULL;

	if (base == NULL || p->nbases >= MAX_BASES)
		return;
	cur = p->nbases ? p->bases[p->nbases - 1].url : p->url;
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

/* An entry opens at the current depth; rdf:about is its first id. */
static void
entry_open(struct feed_parser *p, const xmlChar **attrs, int nattrs)
{
	const char *v;

	p->item_depth = p->depth;
	feed_item_reset(p);
	if ((v = attr(attrs, nattrs, "about", NS_RDF)) != NULL)
		feed_slot_set(p, F_ID, 1, v, strlen(v));
}

/* An element outside any entry: the channel's title and link. */
static void
channel_start(struct feed_parser *p, const char *name, int rss, int atom,
    const xmlChar **attrs, int nattrs)
{
	const char *v;

	if ((rss || atom) && (strcasecmp(name, "item") == 0 ||
	    strcasecmp(name, "entry") == 0)) {
		entry_open(p, attrs, nattrs);
		return;
	}
	if (rss && strcasecmp(name, "channel") == 0) {
		p->channel_depth = p->depth;
		return;
	}
	if (p->channel_depth == 0 || p->depth != p->channel_depth + 1)
		return;
	if (strcasecmp(name, "title") == 0 && (rss || atom))
		feed_cap_start(p, F_FEEDTITLE, 1, rss ? T_GUESS :
		    atom_mode(attrs, nattrs, 0), 1);
	else if (rss && strcasecmp(name, "link") == 0 &&
	    attr(attrs, nattrs, "href", NS_NONE) == NULL)
		feed_cap_start(p, F_FEEDLINK, 1, T_TEXT, 1);
	else if ((rss || atom) && strcasecmp(name, "link") == 0) {
		const char *rel = attr(attrs, nattrs, "rel", NS_NONE);

		if ((rel == NULL || strcasecmp(rel, "alternate") == 0) &&
		    (v = attr(attrs, nattrs, "href", NS_NONE)) &&
		    p->sitelink == NULL) {
			feed_resolve(p, &p->tmp, v);
			if (p->tmp.len && url_has_scheme(p->tmp.s))
				p->sitelink = xstrdup(p->tmp.s);
		}
	} else if (atom && (strcasecmp(name, "entry") != 0))
		p->skip_depth = p->depth;	/* author, etc. */
}

/*
 * A description-like element (description, RSS's summary, dc:description,
 * media:description, itunes:summary), as feedparser reads them: the
 * first is the summary, a later one the content while there is none.
 * (The first of title and dc:title is the title likewise: same rank.)
 */
static void
describe(struct feed_parser *p, enum textmode m)
{
	if (p->slot[F_SUMMARY].rank == 0)
		feed_cap_start(p, F_SUMMARY, 3, m, 0);
	else if (p->slot[F_CONTENT].rank == 0)
		feed_cap_start(p, F_CONTENT, 1, m, 0);
}

/* An enclosure from the url, type and length-like attributes named. */
static void
enclosure_attrs(struct feed_parser *p, const xmlChar **attrs, int nattrs,
    const char *lenattr)
{
	const char *v;
	char *u = NULL, *t = NULL;

	if ((v = attr(attrs, nattrs, "url", NS_NONE)) != NULL)
		u = xstrdup(v);
	if ((v = attr(attrs, nattrs, "type", NS_NONE)) != NULL)
		t = xstrdup(v);
	feed_add_enclosure(p, u, t, attr(attrs, nattrs, lenattr, NS_NONE));
	free(u);
	free(t);
}

/* atom:link in an entry: the entry's link (alternate; HTML ranks first),
 * an enclosure, or <link>URL</link> as some write it. */
static void
atom_link(struct feed_parser *p, const xmlChar **attrs, int nattrs)
{
	const char *rel = attr(attrs, nattrs, "rel", NS_NONE);
	const char *href = attr(attrs, nattrs, "href", NS_NONE);
	const char *type;
	int rank = 2;

	if (href == NULL) {
		if (rel == NULL || strcasecmp(rel, "alternate") == 0)
			feed_cap_start(p, F_LINK, 3, T_TEXT, 1);
		return;
	}
	href = xstrdup(href);
	type = attr(attrs, nattrs, "type", NS_NONE);
	if (rel != NULL && strcasecmp(rel, "enclosure") == 0) {
		char *t = type ? xstrdup(type) : NULL;

		feed_add_enclosure(p, href, t, attr(attrs, nattrs,
		    "length", NS_NONE));
		free(t);
	} else if (rel == NULL || strcasecmp(rel, "alternate") == 0) {
		if (type == NULL || strcasecmp(type, "text/html") == 0 ||
		    strcasecmp(type, "application/xhtml+xml") == 0)
			rank = 3;
		feed_resolve(p, &p->tmp, href);
		feed_slot_set(p, F_LINK, rank, p->tmp.s, p->tmp.len);
	}
	free((char *)href);
}

/*
 * A child of an entry in RSS's or Atom's own namespace (or none).  As in
 * feedparser, the names of either format are read in both: an RSS item
 * with an Atom <link href>, <updated> or <id>, an Atom entry with a
 * <description>; what differs is how text is read (Atom's type
 * attribute, RSS's plain-or-HTML guess).
 */
static void
core_start(struct feed_parser *p, const char *name, int atom,
    const xmlChar **attrs, int nattrs)
{
	const char *v;

	if (strcasecmp(name, "title") == 0) {
		if (atom)
			atom_text(p, F_TITLE, 3, 1, attrs, nattrs);
		else
			feed_cap_start(p, F_TITLE, 3, T_GUESS, 1);
	} else if (strcasecmp(name, "link") == 0)
		atom_link(p, attrs, nattrs);
	else if (strcasecmp(name, "guid") == 0 || strcasecmp(name, "id") == 0) {
		/* as feedparser: an Atom id or a guid not marked
		 * isPermaLink="false" is the link when there is none */
		v = attr(attrs, nattrs, "isPermaLink", NS_NONE);
		p->guid_permalink = v == NULL || strcasecmp(v, "false") != 0;
		feed_cap_start(p, F_ID, 3, T_TEXT, 1);
		p->cap_resolve = atom;	/* Atom ids are IRIs */
	} else if (strcasecmp(name, "description") == 0 ||
	    (!atom && strcasecmp(name, "summary") == 0))
		describe(p, T_HTML);
	else if (strcasecmp(name, "summary") == 0) {
		/* as feedparser: a second summary is the content while
		 * there is none */
		if (p->slot[F_SUMMARY].rank != 0 && p->slot[F_CONTENT].rank == 0)
			atom_text(p, F_CONTENT, 1, 0, attrs, nattrs);
		else
			atom_text(p, F_SUMMARY, 3, 0, attrs, nattrs);
	} else if (strcasecmp(name, "abstract") == 0)
		describe(p, T_GUESS);	/* as a description, of plain text */
	else if (strcasecmp(name, "content") == 0) {
		if (attr(attrs, nattrs, "src", NS_NONE) != NULL)
			return;	/* out of line */
		if (atom || attr(attrs, nattrs, "type", NS_NONE) != NULL)
			atom_text(p, F_CONTENT, 3, 0, attrs, nattrs);
		else
			feed_cap_start(p, F_CONTENT, 3, T_GUESS, 0);
	} else if (strcasecmp(name, "fullitem") == 0)
		feed_cap_start(p, F_CONTENT, 3, T_HTML, 0);
	else if (strcasecmp(name, "body") == 0)
		feed_cap_start(p, F_CONTENT, 2, T_XHTML, 0);
	else if (strcasecmp(name, "pubDate") == 0 || strcasecmp(name, "issued") == 0)
		feed_cap_start(p, F_PUBLISHED, 3, T_TEXT, 1);
	else if (strcasecmp(name, "published") == 0)
		feed_cap_start(p, F_PUBLISHED, 4, T_TEXT, 1);
	else if (strcasecmp(name, "updated") == 0 || strcasecmp(name, "modified") == 0)
		feed_cap_start(p, F_UPDATED, 3, T_TEXT, 1);
	else if (strcasecmp(name, "created") == 0)
		feed_cap_start(p, F_PUBLISHED, 1, T_TEXT, 1);
	else if (strcasecmp(name, "author") == 0 ||
	    strcasecmp(name, "managingEditor") == 0)
		feed_cap_start(p, F_AUTHOR, 2, T_GUESS, 1);	/* RSS's */
	else if (strcasecmp(name, "category") == 0) {
		if ((v = attr(attrs, nattrs, "term", NS_NONE)) != NULL)
			feed_add_category(p, v, strlen(v));
		else
			feed_cap_start(p, F_CATEGORY, 1, T_TEXT, 1);
	} else if (strcasecmp(name, "tags") == 0)
		feed_cap_start(p, F_TAGLIST, 1, T_TEXT, 1);
	else if (strcasecmp(name, "keywords") == 0)
		feed_cap_start(p, F_CATEGORY, 1, T_TEXT, 1);
	else if (strcasecmp(name, "enclosure") == 0)
		enclosure_attrs(p, attrs, nattrs, "length");
}

/* A child of an entry in another namespace: Dublin Core, content,
 * XHTML, iTunes, Media RSS. */
static void
ext_start(struct feed_parser *p, const char *name, enum ns ns,
    const xmlChar **attrs, int nattrs)
{
	switch (ns) {
	case NS_DC:
		if (strcasecmp(name, "creator") == 0 ||
		    strcasecmp(name, "author") == 0)
			feed_cap_start(p, F_AUTHOR, 2, T_GUESS, 1);
		else if (strcasecmp(name, "date") == 0)
			feed_cap_start(p, F_DCDATE, 2, T_TEXT, 1);
		else if (strcasecmp(name, "subject") == 0)
			feed_cap_start(p, F_CATEGORY, 1, T_TEXT, 1);
		else if (strcasecmp(name, "title") == 0)
			feed_cap_start(p, F_TITLE, 3, T_GUESS, 1);
		else if (strcasecmp(name, "description") == 0)
			describe(p, T_HTML);
		else if (strcasecmp(name, "identifier") == 0)
			feed_cap_start(p, F_ID, 1, T_TEXT, 1);
		break;
	case NS_DCTERMS:
		if (strcasecmp(name, "issued") == 0 || strcasecmp(name, "created") == 0)
			feed_cap_start(p, F_PUBLISHED, 2, T_TEXT, 1);
		else if (strcasecmp(name, "modified") == 0)
			feed_cap_start(p, F_UPDATED, 2, T_TEXT, 1);
		break;
	case NS_CONTENT:
		if (strcasecmp(name, "encoded") == 0)
			feed_cap_start(p, F_CONTENT, 3, T_HTML, 0);
		break;
	case NS_XHTML:
		if (strcasecmp(name, "body") == 0 || strcasecmp(name, "div") == 0)
			feed_cap_start(p, F_CONTENT, 2, T_XHTML, 0);
		break;
	case NS_ITUNES:
		if (strcasecmp(name, "summary") == 0)
			describe(p, T_TEXT);
		else if (strcasecmp(name, "author") == 0)
			feed_cap_start(p, F_AUTHOR, 2, T_TEXT, 1);
		else if (strcasecmp(name, "keywords") == 0)
			feed_cap_start(p, F_TAGLIST, 1, T_TEXT, 1);
		break;
	case NS_MEDIA:
		if (strcasecmp(name, "content") == 0)
			enclosure_attrs(p, attrs, nattrs, "fileSize");
		else if (strcasecmp(name, "title") == 0)
			feed_cap_start(p, F_TITLE, 1, atom_mode(attrs, nattrs, 0) ==
			    T_HTML ? T_HTML : T_TEXT, 1);
		else if (strcasecmp(name, "description") == 0)
			describe(p, atom_mode(attrs, nattrs, 0) == T_HTML ?
			    T_HTML : T_TEXT);
		else if (strcasecmp(name, "category") == 0)
			feed_cap_start(p, F_CATEGORY, 1, T_TEXT, 1);
		else if (strcasecmp(name, "keywords") == 0)
			feed_cap_start(p, F_TAGLIST, 1, T_TEXT, 1);
		break;
	default:
		break;
	}
}

/* An element inside an entry. */
static void
entry_start(struct feed_parser *p, const char *name, enum ns ns, int rss,
    int atom, const xmlChar **attrs, int nattrs)
{
	const char *v;

	if ((rss || atom) && (strcasecmp(name, "item") == 0 ||
	    strcasecmp(name, "entry") == 0)) {
		/* entries never nest: libxml2 recovered broken markup (a bad
		 * attribute) by putting the next entry inside the open one;
		 * hand the open one on and begin the new one */
		p->author_depth = 0;
		p->group_depth = 0;
		feed_item_emit(p);
		entry_open(p, attrs, nattrs);
		return;
	}
	if (atom && strcasecmp(name, "source") == 0) {
		p->skip_depth = p->depth;
		return;
	}
	if (p->author_depth) {
		if (p->depth != p->author_depth + 1)
			return;
		if (atom && strcasecmp(name, "name") == 0)
			feed_cap_start(p, F_ANAME, 3, T_TEXT, 1);
		else if (atom && strcasecmp(name, "email") == 0)
			feed_cap_start(p, F_AEMAIL, 1, T_TEXT, 1);
		return;
	}
	if (ns == NS_ITUNES && strcasecmp(name, "category") == 0) {
		if ((v = attr(attrs, nattrs, "text", NS_NONE)) != NULL)
			feed_add_category(p, v, strlen(v));
		return;
	}
	/* only the entry's own children (and media:group's) count */
	if (p->depth != p->item_depth + 1 && !(p->group_depth &&
	    p->depth == p->group_depth + 1))
		return;
	if (atom && (strcasecmp(name, "author") == 0)) {
		p->author_depth = p->depth;
		fbuf_reset(&p->aname);
		fbuf_reset(&p->aemail);
		return;
	}
	if (ns == NS_MEDIA && strcasecmp(name, "group") == 0) {
		p->group_depth = p->depth;
		return;
	}
	if (rss || atom)
		core_start(p, name, atom, attrs, nattrs);
	else
		ext_start(p, name, ns, attrs, nattrs);
}

static void
on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nnamespaces, const xmlChar **namespaces,
    int nattrs, int ndefaulted, const xmlChar **attrs)
{
	struct feed_parser *p = ctx;
	const char *name = (const char *)localname;
	enum ns ns = ns_cached(p, uri);
	int atom, rss;

	if (ns == NS_OTHER || (ns == NS_NONE && prefix != NULL))
		ns = ns_of_prefix(prefix);

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
		if (p->cap_mode != T_TEXT) {
			p->cap_elems = 1;
			serialize_start(p, localname, nattrs, attrs);
		}
		return;
	}
	base_push(p, attrs, nattrs);
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
	if (p->item_depth == 0 && ns == NS_DC && p->channel_depth &&
	    p->depth == p->channel_depth + 1 && strcasecmp(name, "title") == 0)
		feed_cap_start(p, F_FEEDTITLE, 1, T_GUESS, 1);	/* as title */
	else if (p->item_depth == 0)
		channel_start(p, name, rss, atom, attrs, nattrs);
	else
		entry_start(p, name, ns, rss, atom, attrs, nattrs);
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
			feed_cap_end(p);
		else if (p->cap_mode != T_TEXT &&
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
			feed_slot_set(p, F_AUTHOR, 2, p->tmp.s, p->tmp.len);
		} else if (p->aname.len || p->aemail.len) {
			struct fbuf *a = p->aname.len ? &p->aname : &p->aemail;

			feed_slot_set(p, F_AUTHOR, 2, a->s, a->len);
		}
	}
	if (p->group_depth == p->depth)
		p->group_depth = 0;
	if (p->item_depth == p->depth) {
		p->item_depth = 0;
		feed_item_emit(p);
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
		feed_cap_text(p, (const char *)s, (size_t)n);
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
	feed_set_error(p, "%s", p->lasterr);
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

xmlSAXHandler *
feed_sax(void)
{
	if (sax_handler.initialized)
		return &sax_handler;
	sax_handler.initialized = XML_SAX2_MAGIC;
	sax_handler.startElementNs = on_start;
	sax_handler.endElementNs = on_end;
	sax_handler.characters = on_chars;
	sax_handler.cdataBlock = on_chars;	/* CDATA is text */
	sax_handler.getEntity = on_get_entity;
	sax_handler.getParameterEntity = NULL;
	sax_handler.entityDecl = on_entity_decl;
	sax_handler.serror = on_error;
	return &sax_handler;
}
