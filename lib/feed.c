/*
 * feed.c - streaming feed parser (see feed.h): the pipeline.
 *
 * Bytes -> charset.c (clean UTF-8) -> references settled here (xml_refs)
 * -> libxml2's SAX2 push parser, whose callbacks (feed_elem.c) map
 * elements to an entry's fields and capture their text (feed_text.c);
 * or a JSON buffer when the document starts with '{' (feed_json.c).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "feedimpl.h"
#include "html.h"
#include "url.h"
#include "util.h"

#define GARBAGE_MAX 65536	/* text read past before a feed begins */

static void xml_halted(struct feed_parser *p);

void
feed_set_error(struct feed_parser *p, const char *fmt, const char *arg)
{
	char *s;

	if (p->error != NULL)
		return;
	if (asprintf(&s, fmt, arg) < 0)
		die_nomem();
	p->error = s;
}

/* ---- the pipeline ---- */

static void
xml_start(struct feed_parser *p, const char *s, size_t n)
{
	p->ctxt = xmlCreatePushParserCtxt(feed_sax(), p, s, (int)n,
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
 * A '<' that starts no tag is escaped too, and tags are balanced as an
 * HTML reader would (tag_fix).  CDATA sections and comments pass
 * unchanged.  Returns bytes consumed.
 */
static void entity_decl(struct feed_parser *p, const char *s,
    const char *end);

/* &#N; or &#xH; at s[0] (its name scan ended at s[k], n available) into
 * o as a valid character reference; returns the bytes used. */
static size_t
ref_numeric(struct fbuf *o, const char *s, size_t k, size_t n)
{
	unsigned long c;
	char num[16];

	if (s[2] == 'x' || s[2] == 'X')
		c = strtoul(s + 3, NULL, 16);	/* the scan took the digits */
	else
		c = strtoul(s + 2, NULL, 10);
	if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) ||
	    (c < 0x20 && c != 9 && c != 10 && c != 13) || c == 0xFFFE ||
	    c == 0xFFFF)
		c = 0xFFFD;
	snprintf(num, sizeof(num), "&#%lu;", c);
	fbuf_adds(o, num);
	return k < n && s[k] == ';' ? k + 1 : k;
}

/* The value of an internal entity, quotes as references; a value that is
 * one character reference is that reference, made valid. */
static void
ref_internal(struct fbuf *o, const char *v)
{
	if (v[0] == '&') {
		size_t n = strlen(v);

		ref_numeric(o, v, n - 1, n);
		return;
	}
	for (; *v; v++)
		if (*v == '"')
			fbuf_adds(o, "&#34;");
		else if (*v == '\'')
			fbuf_adds(o, "&#39;");
		else
			fbuf_addc(o, *v);
}

/* &name; at s[0], the ';' at s[k], into o: XML's five as character
 * references, the DTD's simple entities and HTML's names as their text
 * (markup characters as references), any other name as text.  Returns
 * the bytes used: k + 1, or 1 when the '&' alone was escaped. */
static size_t
ref_named(struct feed_parser *p, struct fbuf *o, const char *s, size_t k)
{
	static const char *const xml5[][2] = {
		{"amp", "&#38;"}, {"lt", "&#60;"}, {"gt", "&#62;"},
		{"quot", "&#34;"}, {"apos", "&#39;"}
	};
	static const char *const markup[][2] = {
		{"&", "&#38;"}, {"<", "&#60;"}, {">", "&#62;"},
		{"\"", "&#34;"}, {"'", "&#39;"}
	};
	char name[48];
	const char *v;
	size_t x;

	for (x = 0; x < 5; x++)
		if (k - 1 == strlen(xml5[x][0]) &&
		    memcmp(s + 1, xml5[x][0], k - 1) == 0) {
			fbuf_adds(o, xml5[x][1]);
			return k + 1;
		}
	memcpy(name, s + 1, k - 1);
	name[k - 1] = '\0';
	for (x = 0; x < (size_t)p->nents; x++)
		if (strcmp(p->ents[x].name, name) == 0) {
			ref_internal(o, p->ents[x].value);
			return k + 1;
		}
	/* the two names HTML 4, whose table feedparser reads a document's
	 * references with, maps otherwise than HTML5 */
	if (strcmp(name, "lang") == 0 || strcmp(name, "rang") == 0)
		v = name[0] == 'l' ? "\xe2\x8c\xa9" : "\xe2\x8c\xaa";
	else if ((v = html_entity_lookup(name)) == NULL) {
		fbuf_adds(o, "&#38;");	/* kept as text */
		return 1;
	}
	for (x = 0; x < 5; x++)
		if (strcmp(v, markup[x][0]) == 0) {
			fbuf_adds(o, markup[x][1]);
			return k + 1;
		}
	fbuf_adds(o, v);
	return k + 1;
}

/* A '<' before byte c starts no markup: no name, '/', '!' nor '?' follows
 * ("1 < 2", "<= 5"), so it is text, as feedparser's loose parser reads
 * it, where libxml2 would give the rest of the document up. */
static int
lt_text(unsigned char c)
{
	return !(isalpha(c) || c == '_' || c == ':' || c >= 0x80 ||
	    c == '/' || c == '!' || c == '?');
}

static size_t xml_refs(struct feed_parser *p, const char *s, size_t n,
    int final);

/* Elements that hold nothing, and are left open: HTML's void elements
 * in a description of unescaped HTML ("<br>", "<img src=...>"; not link,
 * meta, source, base or track, which are feed elements too), and RSS's
 * enclosure. */
static const char *const html_void[] = {
	"area", "br", "col", "embed", "hr", "img", "input", "param", "wbr",
	"enclosure"
};

static int
html_void_name(const char *s, size_t len)
{
	if (len < 2 || len > 9)
		return 0;
	for (size_t k = 0; k < sizeof(html_void) / sizeof(*html_void); k++)
		if (html_void[k][0] == (s[0] | 0x20) &&
		    strlen(html_void[k]) == len &&
		    strncasecmp(s, html_void[k], len) == 0)
			return 1;
	return 0;
}

/* Where the next '&' or '<' is at or after s[i]: its index, or n; *amp
 * keeps where the next '&' is (SIZE_MAX: not looked for yet), so that a
 * text without one is not searched again at every tag. */
static size_t
next_special(const char *s, size_t i, size_t n, size_t *amp)
{
	const char *lt;

	if (*amp == SIZE_MAX || *amp < i) {
		const char *a = memchr(s + i, '&', n - i);

		*amp = a ? (size_t)(a - s) : n;
	}
	lt = memchr(s + i, '<', *amp - i);
	return lt ? (size_t)(lt - s) : *amp;
}

/* Bytes in tags: 1 white space, 2 the end of a name, 4 the end of an
 * attribute's name too, 8 a byte of an XML name. */
static const unsigned char tag_class[256] = {
	[' '] = 3, ['\t'] = 3, ['\n'] = 3, ['\r'] = 3, ['\v'] = 3, ['\f'] = 3,
	['/'] = 2, ['<'] = 2, ['>'] = 2, ['&'] = 2,
	['='] = 4, ['"'] = 4, ['\''] = 4,
	['0' ... '9'] = 8, ['A' ... 'Z'] = 8, ['a' ... 'z'] = 8, ['.'] = 8,
	['-'] = 8, ['_'] = 8, [':'] = 8, [0x80 ... 0xff] = 8
};

/* Byte c ends the name of a tag or, with attr, of an attribute. */
static int
name_end(unsigned char c, int attr)
{
	return (tag_class[c] & (attr ? 6 : 2)) != 0;
}

static int
tag_space(unsigned char c)
{
	return tag_class[c] & 1;
}

/* How tag_scan found a tag. */
enum { TAG_BAD, TAG_OK, TAG_MORE };

/*
 * The tag at s[i] whose name ends at s[j]: TAG_OK when the rest is
 * well-formed (attributes name="value" or name='value' when attrs, then
 * perhaps '/'), with *gt the index of its '>', so that libxml2 reads it
 * as it is followed here; TAG_MORE when the input ends first; TAG_BAD
 * otherwise, or past TAG_MAX bytes.
 */
#define TAG_MAX 1024
static int
tag_scan(const char *s, size_t i, size_t j, size_t n, int attrs, size_t *gt)
{
	n = n - i > TAG_MAX ? i + TAG_MAX : n;
	for (;;) {
		size_t a;
		char q;

		while (j < n && tag_space((unsigned char)s[j]))
			j++;
		if (j < n && (s[j] == '>' || (attrs && s[j] == '/' &&
		    j + 1 < n && s[j + 1] == '>'))) {
			*gt = j + (s[j] == '/');
			return TAG_OK;
		}
		if (j < n && !attrs)
			return TAG_BAD;
		for (a = j; j < n && !name_end((unsigned char)s[j], 1); j++)
			;
		while (j < n && tag_space((unsigned char)s[j]))
			j++;
		if (j < n && (j == a || s[j] != '='))
			return TAG_BAD;
		for (j++; j < n && tag_space((unsigned char)s[j]); j++)
			;
		if (j < n && s[j] != '"' && s[j] != '\'')
			return TAG_BAD;
		if (j >= n)
			return TAG_MORE;
		for (q = s[j++]; j < n && s[j] != q && s[j] != '<'; j++)
			;
		if (j < n && s[j] == '<')
			return TAG_BAD;
		if (j++ >= n)
			return TAG_MORE;
	}
}

/* s[0..len) may be an XML name: letters, digits, ".-_:" and non-ASCII. */
static int
xml_name_ok(const char *s, size_t len)
{
	for (size_t j = 0; j < len; j++)
		if (!(tag_class[(unsigned char)s[j]] & 8))
			return 0;
	return len > 0;
}

/* An attribute's value s[0..n) into o between double quotes: references
 * settled, '"' and '<' as references. */
static void
attr_value(struct feed_parser *p, struct fbuf *o, const char *s, size_t n)
{
	size_t a = 0;

	fbuf_addc(o, '"');
	for (size_t j = 0; j <= n; j++)
		if (j == n || s[j] == '"' || s[j] == '<') {
			xml_refs(p, s + a, j - a, 1);
			if (j < n)
				fbuf_adds(o, s[j] == '"' ? "&#34;" : "&#60;");
			a = j + 1;
		}
	fbuf_addc(o, '"');
}

/*
 * The attributes of a start tag that is not well-formed, from s[j], read
 * as HTML reads them (values unquoted or missing: href=/a, disabled) and
 * written well-formed into o (href="/a" disabled="disabled"): TAG_OK with
 * *gt the index of the '>' and *closed 1 for a closing "/>"; TAG_MORE
 * when the input ends first; TAG_BAD when it is no tag (a '<' before the
 * '>', an attribute name that is no XML name: "<b then</p>", "i<n && x").
 */
static int
tag_lenient(struct feed_parser *p, struct fbuf *o, const char *s, size_t i,
    size_t j, size_t n, size_t *gt, int *closed)
{
	n = n - i > TAG_MAX ? i + TAG_MAX : n;
	for (;;) {
		size_t a, an, v, vn;

		while (j < n && tag_space((unsigned char)s[j]))
			j++;
		if (j < n && (s[j] == '>' || (s[j] == '/' && j + 1 < n &&
		    s[j + 1] == '>'))) {
			*closed = s[j] == '/';
			*gt = j + (size_t)*closed;
			return TAG_OK;
		}
		for (a = j; j < n && !name_end((unsigned char)s[j], 1); j++)
			;
		an = j - a;
		while (j < n && tag_space((unsigned char)s[j]))
			j++;
		if (j == n)
			return TAG_MORE;
		if (!xml_name_ok(s + a, an))
			return TAG_BAD;
		if (s[j] != '=') {	/* a name alone: "disabled" */
			fbuf_addc(o, ' ');
			fbuf_add(o, s + a, an);
			fbuf_addc(o, '=');
			attr_value(p, o, s + a, an);
			continue;
		}
		for (j++; j < n && tag_space((unsigned char)s[j]); j++)
			;
		if (j == n)
			return TAG_MORE;
		if (s[j] == '"' || s[j] == '\'') {
			const char *q = memchr(s + j + 1, s[j], n - j - 1);

			if (q == NULL)
				return TAG_MORE;
			v = j + 1;
			vn = (size_t)(q - s) - v;
			j = (size_t)(q - s) + 1;
		} else {
			for (v = j; j < n && !tag_space((unsigned char)s[j]) &&
			    s[j] != '>' && s[j] != '<'; j++)
				;
			vn = j - v;
		}
		fbuf_addc(o, ' ');
		fbuf_add(o, s + a, an);
		fbuf_addc(o, '=');
		attr_value(p, o, s + v, vn);
	}
}

/* The open element, from the top, named s[0..len) (any case when
 * nocase): its index, or -1. */
static int
xtag_find(const struct feed_parser *p, const char *s, size_t len,
    int nocase)
{
	for (int k = p->nxtags - 1; k >= 0; k--)
		if (p->xtaglen[k] == len && (nocase ?
		    strncasecmp(p->xtag[k], s, len) :
		    memcmp(p->xtag[k], s, len)) == 0)
			return k;
	return -1;
}

/* The '<' at s[i] into o as text (the text before it, from *run,
 * first); returns where to go on. */
static size_t
lt_as_text(struct fbuf *o, const char *s, size_t i, size_t *run)
{
	fbuf_add(o, s + *run, i - *run);
	fbuf_adds(o, "&#60;");
	*run = i + 1;
	return i + 1;
}

/*
 * The start or end tag at s[i], as an HTML reader would balance it, into
 * o (the text before it, from *run, first): a void element left open
 * ("<br>") closes itself; an end tag closes the elements left open inside
 * its element ("<p>one</description>"), and one that closes no open
 * element is dropped; so unescaped HTML in a description does not
 * swallow the rest of the item.  From a tag libxml2 may read otherwise
 * (not well-formed, or its name or the tag too long) or past XTAGS_MAX
 * open elements, tags pass as they are.  Returns the index to go on
 * from, or (size_t)-1 when more input is needed to tell.
 */
static size_t
tag_fix(struct feed_parser *p, struct fbuf *o, const char *s, size_t i,
    size_t n, int final, size_t *run)
{
	int end = s[i + 1] == '/', k, how, closed = 0, rewritten = 0;
	size_t name = i + 1 + (size_t)end, len = 0, gt = 0;

	while (name + len < n && len < TAG_MAX &&
	    !name_end((unsigned char)s[name + len], 0))
		len++;
	if (name + len == n && !final && len < TAG_MAX)
		return (size_t)-1;
	/* no XML name ("<n;i++)" in a script): the '<' is text */
	if (!xml_name_ok(s + name, len))
		return lt_as_text(o, s, i, run);
	if (p->xtags_off)
		return i + 1;
	how = tag_scan(s, i, name + len, n, !end, &gt);
	if (how == TAG_BAD) {
		size_t lim = n - i > TAG_MAX ? i + TAG_MAX : n;
		const char *gtp = memchr(s + i + 1, '>', lim - i - 1);
		const char *ltp = memchr(s + i + 1, '<', lim - i - 1);

		/* another '<' before any '>': no tag ("i<n && x") */
		if (ltp != NULL && (gtp == NULL || ltp < gtp))
			return lt_as_text(o, s, i, run);
		if (end) {	/* "</b junk>" is "</b>" */
			how = gtp == NULL ? TAG_MORE : TAG_OK;
			gt = gtp ? (size_t)(gtp - s) : 0;
		} else {
			/* written again well-formed: <a href=/x> as
			 * <a href="/x">, a void element closed */
			size_t olen = o->len;

			fbuf_add(o, s + *run, name + len - *run);
			how = tag_lenient(p, o, s, i, name + len, n, &gt,
			    &closed);
			if (how != TAG_OK) {
				o->len = olen;	/* left to libxml2 */
			} else {
				closed |= html_void_name(s + name, len);
				fbuf_adds(o, closed ? "/>" : ">");
				*run = gt + 1;
				rewritten = 1;
			}
		}
	}
	if (how == TAG_MORE && !final && n - i < TAG_MAX)
		return (size_t)-1;
	if (how != TAG_OK || len >= sizeof(p->xtag[0])) {
		p->xtags_off = 1;	/* libxml2 may read it otherwise */
		return rewritten ? gt + 1 : i + 1;
	}
	if (!end) {
		if (rewritten && closed)
			return gt + 1;
		if (rewritten)
			goto push;
		if (s[gt - 1] == '/')
			return i + 1;
		if (html_void_name(s + name, len)) {
			if (n - gt - 1 < len + 2 && !final)
				return (size_t)-1;
			/* "<br>" as "<br/>", unless "<br></br>"; its
			 * attributes' references settled as the rest */
			if (!(n - gt - 1 >= len + 2 && s[gt + 1] == '<' &&
			    s[gt + 2] == '/' && strncasecmp(s + gt + 3,
			    s + name, len) == 0)) {
				fbuf_add(o, s + *run, i + 1 - *run);
				xml_refs(p, s + i + 1, gt - i - 1, 1);
				fbuf_adds(o, "/>");
				*run = gt + 1;
				return gt + 1;
			}
		}
push:
		if (p->nxtags == XTAGS_MAX) {
			p->xtags_off = 1;
			return rewritten ? gt + 1 : i + 1;
		}
		memcpy(p->xtag[p->nxtags], s + name, len);
		p->xtaglen[p->nxtags++] = (unsigned char)len;
		/* on through its attributes, unless written here */
		return rewritten ? gt + 1 : i + 1;
	}
	/* the end tag is written from the elements open, in their case */
	if ((k = xtag_find(p, s + name, len, 0)) < 0)
		k = xtag_find(p, s + name, len, 1);
	fbuf_add(o, s + *run, i - *run);
	*run = gt + 1;
	if (k < 0)	/* it closes nothing open: dropped */
		return gt + 1;
	while (p->nxtags > k) {
		fbuf_adds(o, "</");
		p->nxtags--;
		fbuf_add(o, p->xtag[p->nxtags], p->xtaglen[p->nxtags]);
		fbuf_adds(o, ">");
	}
	return gt + 1;
}

/*
 * "<!" at s[i]: a CDATA section or comment begins (p->xstate), an
 * <!ENTITY is read, anything else is passed.  Returns the index to go on
 * from, or (size_t)-1 when more input is needed to tell.
 */
static size_t
markup_decl(struct feed_parser *p, const char *s, size_t i, size_t n,
    int final)
{
	if (n - i < 9 && !final) {
		if (memcmp(s + i, "<![CDATA[", n - i) == 0 ||
		    memcmp(s + i, "<!--", n - i < 4 ? n - i : 4) == 0)
			return (size_t)-1;
	}
	if (n - i >= 8 && memcmp(s + i, "<!ENTITY", 8) == 0) {
		const char *gt = memchr(s + i, '>', n - i);

		if (gt == NULL && !final && n - i < 1024)
			return (size_t)-1;	/* the rest comes next */
		if (gt != NULL)
			entity_decl(p, s + i + 8, gt);
		return i + 8;
	}
	if (n - i < 8 && !final && memcmp(s + i, "<!ENTITY", n - i) == 0)
		return (size_t)-1;
	if (n - i >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0) {
		p->xstate = 1;
		return i + 9;
	}
	if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
		p->xstate = 2;
		return i + 4;
	}
	return i + 1;
}

static size_t
xml_refs(struct feed_parser *p, const char *s, size_t n, int final)
{
	struct fbuf *o = &p->xout;
	size_t i = 0, run = 0, amp = SIZE_MAX;

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
		if ((i = next_special(s, i, n, &amp)) == n)
			break;
		if (s[i] == '<' && i + 1 < n &&
		    lt_text((unsigned char)s[i + 1])) {
			i = lt_as_text(o, s, i, &run);
			continue;
		}
		if (s[i] == '<' && i + 1 < n && s[i + 1] == '?') {
			i++;
			continue;
		}
		if (s[i] == '<' && i + 1 < n && s[i + 1] != '!') {
			if ((k = tag_fix(p, o, s, i, n, final, &run)) ==
			    (size_t)-1)
				break;
			i = k;
			continue;
		}
		if (s[i] == '<') {
			if ((k = markup_decl(p, s, i, n, final)) == (size_t)-1)
				break;
			i = k;
			continue;
		}
		/* a reference: find its end */
		for (k = i + 1; k < n && k - i < 40 && (isalnum((unsigned char)
		    s[k]) || (k == i + 1 && s[k] == '#')); k++)
			;
		if (k == n && !final && k - i < 40)
			break;	/* may go on in the next chunk */
		fbuf_add(o, s + run, i - run);
		if (s[i + 1] == '#' && k > i + 2)
			i += ref_numeric(o, s + i, k - i, n - i);
		else if (k > i + 1 && k < n && s[k] == ';')
			i += ref_named(p, o, s + i, k - i);
		else {
			fbuf_adds(o, "&#38;");
			i++;
		}
		run = i;
	}
	fbuf_add(o, s + run, i - run);
	return i;
}

/* Whether v[0..n) is one character reference, "&#179;" or "&#xB3;". */
static int
char_ref_only(const char *v, size_t n)
{
	size_t i = 2;
	int hex;

	if (n < 4 || v[0] != '&' || v[1] != '#' || v[n - 1] != ';')
		return 0;
	hex = v[2] == 'x' || v[2] == 'X';
	i += (size_t)hex;
	if (i >= n - 1 || n - i > 9)
		return 0;
	for (; i < n - 1; i++)
		if (!(hex ? isxdigit((unsigned char)v[i]) :
		    isdigit((unsigned char)v[i])))
			return 0;
	return 1;
}

/*
 * <!ENTITY name "text"> from the internal subset: kept when the text holds
 * no markup and no reference (or is one character reference, as
 * feedparser allows), so nothing ever expands into more.
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
	if (s >= end || s - v > 512 || (memchr(v, '&', (size_t)(s - v)) &&
	    !char_ref_only(v, (size_t)(s - v))) ||
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
	feed_set_error(p, "XML parsing gave up (%s); the rest is not read",
	    p->lasterr[0] ? p->lasterr : "unknown error");
	free(old);
}

/*
 * Where a feed's markup begins in s[0..n) that does not begin with it: an
 * XML declaration, a DOCTYPE, or the root of RSS, Atom, RDF or CDF; n when
 * none does.
 */
static size_t
feed_start(const char *s, size_t n)
{
	static const char *const roots[] = {
		"<?xml", "<!DOCTYPE", "<rss", "<feed", "<rdf:RDF", "<RDF",
		"<channel", "<CHANNEL", NULL
	};
	const char *lt;

	for (lt = s; (lt = memchr(lt, '<', n - (size_t)(lt - s))) != NULL;
	    lt++)
		for (const char *const *r = roots; *r; r++)
			if ((size_t)(s + n - lt) >= strlen(*r) &&
			    memcmp(lt, *r, strlen(*r)) == 0)
				return (size_t)(lt - s);
	return n;
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
		} else if ((i = feed_start(s, n)) < n &&
		    p->skipped + i <= GARBAGE_MAX) {
			/* text before the feed (a server's warning), as
			 * feedparser's loose parser reads past it */
			s += i;
			n -= i;
			p->mode = 'x';
			xml_start(p, NULL, 0);
		} else if ((p->skipped += n) <= GARBAGE_MAX) {
			return;	/* the feed may begin in the next chunk */
		} else {
			p->mode = 'e';
			feed_set_error(p, "%s", "not a feed (neither XML nor JSON)");
			p->stopped = 1;
			return;
		}
	}
	if (p->mode == 'j') {
		if (p->json.len + n > FEED_JSON_MAX) {
			feed_set_error(p, "%s", "JSON Feed too large");
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
			feed_cap_end(p);
		p->item_depth = 0;
		feed_item_emit(p);
	}
	if (p->halted)
		return -1;
	if (p->mode == 'j')
		return feed_json_finish(p);
	if (p->mode == 0) {
		feed_set_error(p, "%s", p->skipped ?
		    "not a feed (neither XML nor JSON)" : "empty document");
		return -1;
	}
	if (p->kind == NULL) {
		char *old = p->error;

		if (old != NULL && strncmp(old, "not a feed", 10) == 0) {
			p->error = old;
			return -1;
		}
		p->error = NULL;
		feed_set_error(p, "not a feed (%s)", old ? old : "no root element");
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
	fbuf_free(&p->guidlink);
	fbuf_free(&p->aname);
	fbuf_free(&p->aemail);
	fbuf_free(&p->title);
	free(p->sitelink);
	free(p->error);
	free(p->url);
	free(p->docname);
	free(p);
}
