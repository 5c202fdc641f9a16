/*
 * html.h - HTML to plain text, and HTML's named character references.
 *
 * html_to_text removes tags, comments and the contents of script and style,
 * decodes every HTML5 character reference (named, decimal, hex; the
 * Windows-1252 remapping of &#128;..&#159;), turns block elements into line
 * breaks (paragraph-like ones into a blank line), collapses the other
 * whitespace to one space and trims both ends.  It is a tolerant scanner,
 * not a tree builder: malformed markup degrades to text, never to an error.
 *
 * Ownership: out is the caller's; the functions only append to it.
 * html_entity_lookup returns a pointer into a static table.
 */
#ifndef JOBLINE_HTML_H
#define JOBLINE_HTML_H

#include <stddef.h>

#include "fbuf.h"

enum {
	HTML_ONELINE = 1,	/* line breaks too become one space */
	HTML_PLAIN = 2		/* input is plain text: no tags, no references */
};

/* Append the plain text of html[0..n) to out (flags: HTML_*). */
void html_to_text(struct fbuf *out, const char *html, size_t n, int flags);

/*
 * Whether text that is nominally plain looks like HTML, by feedparser's
 * test: it has an end tag or a character reference, every tag is one of
 * the elements its sanitizer keeps, and every named reference is HTML's.
 */
int html_looks_like(const char *s, size_t n);

/* The UTF-8 text of the named reference &name; (name without & and ;),
 * or NULL when HTML has no such name. */
const char *html_entity_lookup(const char *name);

/* The character Windows-1252 gives byte c (0x80..0x9F differ from
 * Latin-1; the five bytes it leaves undefined stay as C1 controls). */
unsigned long cp1252_char(unsigned char c);

/* Append the UTF-8 encoding of code point c (U+FFFD when invalid). */
void utf8_put(struct fbuf *out, unsigned long c);

#endif
