/*
 * feedimpl.h - what the feed parser's files share (lib/feed.c, the
 * pipeline; lib/feed_elem.c, the SAX callbacks that map elements;
 * lib/feed_text.c, captures and the entry's slots; lib/feed_json.c,
 * JSON Feed).  Nothing outside those files includes this header.
 *
 * Ownership: everything hangs off struct feed_parser and is freed by
 * feed_free; strings passed to the functions below are the caller's.
 */
#ifndef JOBLINE_FEEDIMPL_H
#define JOBLINE_FEEDIMPL_H

#include <stddef.h>

#include <libxml/parser.h>

#include "charset.h"
#include "fbuf.h"
#include "feed.h"

#define MAX_DEPTH 64		/* elements deeper than this are ignored */
#define MAX_NEST 10000		/* deeper than this, the document fails:
				   libxml2's name stack grows with it */
#define MAX_BASES 16		/* nested xml:base kept */
#define MAX_CATEGORIES 64	/* per entry */
#define MAX_ENCLOSURES 32	/* per entry */
#define XTAGS_MAX 128		/* open elements the reference filter follows */

enum ns {
	NS_NONE, NS_RSS, NS_ATOM, NS_ATOM03, NS_RDF, NS_DC, NS_DCTERMS,
	NS_CONTENT, NS_MEDIA, NS_XHTML, NS_ITUNES, NS_OTHER
};

/* How a captured text is read: plain text; HTML; inline XHTML (its
 * elements serialised back to markup); plain text unless it looks like
 * HTML, as feedparser reads RSS's nominally plain elements. */
enum textmode { T_TEXT, T_HTML, T_XHTML, T_GUESS };

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
	size_t skipped;		/* text before the feed, read past */
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
	int cap_elems;		/* elements were serialised into it */
	int cap_b64;		/* base64 to decode first: 1 of a text type
				   (kept as it is when not base64), 2 of
				   another type (left out unless text) */

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
	struct fbuf guidlink;	/* that guid resolved, as a link */
	struct fbuf tmp;	/* scratch */
	struct fbuf xout;	/* references rewritten, for libxml2 */
	char xcarry[2048];	/* an unfinished reference or declaration */
	size_t nxcarry;
	int xstate;		/* 0 text, 1 in CDATA, 2 in a comment */
	char xtag[XTAGS_MAX][48];	/* the open elements, as read there */
	unsigned char xtaglen[XTAGS_MAX];	/* their names' lengths */
	int nxtags;
	int xtags_off;		/* 1: no longer followed (too deep, a tag
				 * too long): tags pass as they are */
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

/* ---- feed.c ---- */

/* Record why the document is not a feed (fmt with one %s), unless a
 * reason is already recorded. */
void feed_set_error(struct feed_parser *p, const char *fmt, const char *arg);

/* ---- feed_elem.c ---- */

/* The SAX2 handler that maps a document's elements into p's entries. */
xmlSAXHandler *feed_sax(void);

/* ---- feed_text.c ---- */

/* s resolved against the base in effect (xml:base, the feed's link, its
 * URL), into out (replacing). */
void feed_resolve(struct feed_parser *p, struct fbuf *out, const char *s);

/* A new entry: every slot, category and enclosure emptied. */
void feed_item_reset(struct feed_parser *p);

/* A category s[0..n), trimmed; duplicates and empty ones ignored. */
void feed_add_category(struct feed_parser *p, const char *s, size_t n);

/* An enclosure (url resolved; type and length may be NULL). */
void feed_add_enclosure(struct feed_parser *p, const char *url,
    const char *type, const char *length);

/* Set slot f to s[0..n) when rank beats the rank of what is there. */
void feed_slot_set(struct feed_parser *p, enum field f, int rank,
    const char *s, size_t n);

/* Date s, when readable, into slot f as RFC 3339. */
void feed_store_date(struct feed_parser *p, enum field f, int rank,
    const char *s);

/* Hand the open entry to the callback. */
void feed_item_emit(struct feed_parser *p);

/* Begin capturing the current element's text for f, read as m. */
void feed_cap_start(struct feed_parser *p, enum field f, int rank,
    enum textmode m, int oneline);

/* Text inside the capture (escaped when the capture is markup). */
void feed_cap_text(struct feed_parser *p, const char *s, size_t n);

/* The captured element ended: clean its text and store it. */
void feed_cap_end(struct feed_parser *p);

/* ---- feed_json.c ---- */

/* Parse the buffered JSON Feed document: 0, or -1 (feed_error says why). */
int feed_json_finish(struct feed_parser *p);

#endif
