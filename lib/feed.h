/*
 * feed.h - a streaming parser for RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 0.3
 * and 1.0, and JSON Feed 1.0/1.1, giving plain-text items.
 *
 * Bytes are pushed in chunks of any size as they arrive; each entry is
 * handed to the callback as soon as its end is read, so memory stays flat
 * whatever the document's size (a field is capped at FEED_FIELD_MAX
 * bytes; JSON Feed, parsed per document, at FEED_JSON_MAX).  The charset
 * is found and repaired by charset.h; XML is read with libxml2's SAX2 push
 * parser in recovery mode with no network, no DTD loading and no entity
 * expansion beyond XML's five and HTML's named references, so XXE and
 * billion-laughs documents are inert; nesting is bounded.
 *
 * Ownership: feed_new's parser is freed with feed_free.  The item and all
 * its strings passed to the callback belong to the parser and are valid
 * only during the call.  Strings from feed_error/feed_title/feed_kind are
 * owned by the parser.
 */
#ifndef JOBLINE_FEED_H
#define JOBLINE_FEED_H

#include <stddef.h>

#define FEED_FIELD_MAX (1 << 20)	/* bytes kept of one field */
#define FEED_JSON_MAX (8 << 20)	/* bytes of a JSON Feed document */

struct feed_enclosure {
	const char *url;	/* absolute when a base was known */
	const char *type;	/* MIME type or NULL */
	long long length;	/* bytes, or -1 when not given */
};

/* One entry; NULL (or 0 entries) for what it does not carry. */
struct feed_item {
	const char *id;		/* guid/id, else link, else a hash; never NULL */
	const char *title;	/* plain text, one line */
	const char *url;	/* the entry's link, resolved */
	const char *published;	/* RFC 3339 UTC */
	const char *updated;	/* RFC 3339 UTC */
	const char *author;	/* plain text */
	const char *summary;	/* plain text, lines kept */
	const char *content;	/* plain text of the fullest content */
	const char *source;	/* the feed's title so far */
	const char *const *categories;	/* ncategories strings */
	size_t ncategories;
	const struct feed_enclosure *enclosures;	/* nenclosures */
	size_t nenclosures;
};

typedef void feed_item_fn(void *arg, const struct feed_item *item);

struct feed_parser;

/*
 * A parser for the document at url (the base for relative links; NULL or
 * a path when none), with the charset of its Content-Type (or NULL).
 */
struct feed_parser *feed_new(const char *url, const char *http_charset,
    feed_item_fn *fn, void *arg);

/*
 * The document's own address when it differs from the url given to
 * feed_new (after redirects; Content-Location): relative links are
 * resolved against it.  Ids are not affected.
 */
void feed_set_base(struct feed_parser *p, const char *base);

/* The next n bytes of the document. */
void feed_push(struct feed_parser *p, const char *buf, size_t n);

/*
 * End of the document: an entry left open is handed on.  Returns 0 when
 * the document was a feed (even if recovered from errors), -1 when it was
 * not (empty, not XML or JSON, another kind of document) or when libxml2
 * gave up on it part way (nesting past 256 ...: the entries before have
 * been handed on, the rest is lost): feed_error says why.
 */
int feed_finish(struct feed_parser *p);

/* Why feed_finish failed; or the first error recovered from, or NULL. */
const char *feed_error(const struct feed_parser *p);

/* How many fields of the document were cut at FEED_FIELD_MAX bytes (at a
 * character boundary) so far. */
unsigned long feed_cut(const struct feed_parser *p);

/* "rss", "rdf", "atom", "cdf", "json", or NULL before the root is read. */
const char *feed_kind(const struct feed_parser *p);

/* The feed's title (plain text), or NULL. */
const char *feed_title(const struct feed_parser *p);

/* Entries handed on so far. */
unsigned long feed_count(const struct feed_parser *p);

void feed_free(struct feed_parser *p);

#endif
