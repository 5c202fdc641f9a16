/*
 * html.c - HTML to plain text (see html.h).  One pass over the input with
 * a small whitespace state: words are copied, whitespace and block
 * boundaries only raise the kind of separator owed before the next word.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "entities.h"
#include "html.h"

/* The separator owed before the next visible character. */
enum sep { SEP_NONE, SEP_SPACE, SEP_LINE, SEP_PARA };

struct out {
	struct fbuf *b;		/* where text goes */
	size_t start;		/* b->len when we began: nothing before counts */
	enum sep sep;		/* owed separator */
	int oneline;		/* HTML_ONELINE */
};

static void
owe(struct out *o, enum sep s)
{
	if (s > o->sep)
		o->sep = s;
}

/* Pay the owed separator (none at the very start), then append s. */
static void
emit(struct out *o, const char *s, size_t n)
{
	if (o->sep != SEP_NONE && o->b->len > o->start) {
		if (o->oneline || o->sep == SEP_SPACE)
			fbuf_addc(o->b, ' ');
		else if (o->sep == SEP_LINE)
			fbuf_addc(o->b, '\n');
		else
			fbuf_add(o->b, "\n\n", 2);
	}
	o->sep = SEP_NONE;
	fbuf_add(o->b, s, n);
}

void
utf8_put(struct fbuf *out, unsigned long c)
{
	char u[4];

	if (c == 0 || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
		c = 0xFFFD;
	if (c < 0x80) {
		u[0] = (char)c;
		fbuf_add(out, u, 1);
	} else if (c < 0x800) {
		u[0] = (char)(0xC0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3F));
		fbuf_add(out, u, 2);
	} else if (c < 0x10000) {
		u[0] = (char)(0xE0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[2] = (char)(0x80 | (c & 0x3F));
		fbuf_add(out, u, 3);
	} else {
		u[0] = (char)(0xF0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[3] = (char)(0x80 | (c & 0x3F));
		fbuf_add(out, u, 4);
	}
}

/* HTML5: &#128;..&#159; name Windows-1252's characters. */
static const unsigned short cp1252_high[32] = {
	0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
	0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178
};

unsigned long
cp1252_char(unsigned char c)
{
	return c >= 0x80 && c < 0xA0 ? cp1252_high[c - 0x80] : c;
}

/* Entry for name[0..n), or NULL. */
static const struct html_entity *
entity_find(const char *name, size_t n)
{
	size_t lo = 0, hi = sizeof(html_entities) / sizeof(html_entities[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *e = html_entities[mid].name;
		int c = strncmp(name, e, n);

		if (c == 0 && e[n] != '\0')
			c = -1;
		if (c == 0)
			return &html_entities[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *
html_entity_lookup(const char *name)
{
	const struct html_entity *e = entity_find(name, strlen(name));

	return e ? e->utf8 : NULL;
}

/*
 * Decode the reference at s[0] == '&' (n bytes available) into tmp.
 * Returns the bytes consumed, or 0 when s is not a reference.
 */
static size_t
entity_decode(const char *s, size_t n, struct fbuf *tmp)
{
	size_t i = 1, k;

	if (n > 2 && s[1] == '#') {
		unsigned long c = 0;
		int hex = 0, digits = 0;

		i = 2;
		if (i < n && (s[i] == 'x' || s[i] == 'X')) {
			hex = 1;
			i++;
		}
		for (; i < n; i++, digits++) {
			int d;

			if (isdigit((unsigned char)s[i]))
				d = s[i] - '0';
			else if (hex && isxdigit((unsigned char)s[i]))
				d = (tolower((unsigned char)s[i]) - 'a') + 10;
			else
				break;
			if (c < 0x110000)
				c = c * (hex ? 16 : 10) + (unsigned long)d;
		}
		if (digits == 0)
			return 0;
		if (i < n && s[i] == ';')
			i++;
		if (c >= 0x80 && c < 0xA0)
			c = cp1252_char((unsigned char)c);
		utf8_put(tmp, c);
		return i;
	}
	for (; i < n && i < 40 && isalnum((unsigned char)s[i]); i++)
		;
	if (i == 1)
		return 0;
	if (i < n && s[i] == ';') {
		const struct html_entity *e;

		if (i == 4 && memcmp(s + 1, "amp", 3) == 0) {
			fbuf_addc(tmp, '&');
			return 5;
		}
		if (i == 3 && (s[1] == 'l' || s[1] == 'g') && s[2] == 't') {
			fbuf_addc(tmp, s[1] == 'l' ? '<' : '>');
			return 4;
		}
		e = entity_find(s + 1, i - 1);

		if (e != NULL) {
			fbuf_adds(tmp, e->utf8);
			return i + 1;
		}
	}
	/* legacy names are also read without the semicolon, longest first */
	for (k = i - 1 < 6 ? i - 1 : 6; k >= 2; k--) {
		const struct html_entity *e = entity_find(s + 1, k);

		if (e != NULL && e->legacy) {
			fbuf_adds(tmp, e->utf8);
			return k + 1;
		}
	}
	return 0;
}

static int hidden_kind(const char *name);

/* A character of a word in feedparser's sense (\w): letters, digits,
 * '_', and anything past ASCII. */
static int
is_word(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* Whether name[0..n) (any case) is an element feedparser's sanitizer
 * keeps. */
static int
html_known(const char *name, size_t n)
{
	static const char *const known[] = {
		"a", "abbr", "acronym", "address", "area", "article", "aside",
		"audio", "b", "big", "blockquote", "br", "button", "canvas",
		"caption", "center", "cite", "code", "col", "colgroup",
		"command", "datagrid", "datalist", "dd", "del", "details",
		"dfn", "dialog", "dir", "div", "dl", "dt", "em",
		"event-source", "fieldset", "figcaption", "figure", "font",
		"footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
		"header", "hr", "i", "img", "input", "ins", "kbd", "keygen",
		"label", "legend", "li", "m", "map", "menu", "meter",
		"multicol", "nav", "nextid", "noscript", "ol", "optgroup",
		"option", "output", "p", "pre", "progress", "q", "rp", "rt",
		"ruby", "s", "samp", "section", "select", "small", "sound",
		"source", "spacer", "span", "strike", "strong", "sub", "sup",
		"table", "tbody", "td", "textarea", "tfoot", "th", "thead",
		"time", "tr", "tt", "u", "ul", "var", "video", NULL
	};
	const char *const *k;

	for (k = known; *k; k++)
		if (strlen(*k) == n && strncasecmp(*k, name, n) == 0)
			return 1;
	return 0;
}

int
html_looks_like(const char *s, size_t n)
{
	const char *end = s + n, *p, *w, *q;
	int marked = 0;

	for (p = s; p < end; p++) {
		if (*p != '<' && *p != '&')
			continue;
		q = p + 1;
		if (q < end && (*q == '/' || *q == '#'))
			q++;
		for (w = q; q < end && is_word((unsigned char)*q); q++)
			;
		if (q == w)
			continue;
		if (*p == '<') {
			char name[16];
			size_t k = (size_t)(q - w) < sizeof(name) ?
			    (size_t)(q - w) : sizeof(name) - 1;

			for (size_t i = 0; i < k; i++)
				name[i] = (char)tolower((unsigned char)w[i]);
			name[k] = '\0';
			/* what is never text is taken out even here */
			if (hidden_kind(name) != 0 && (size_t)(q - w) == k) {
				marked = 1;
				continue;
			}
			if (!html_known(w, (size_t)(q - w)))
				return 0;
			if (w[-1] == '/' && q < end && *q == '>')
				marked = 1;	/* an end tag */
		} else if (q < end && *q == ';') {
			if (w[-1] != '#' && entity_find(w, (size_t)(q - w)) == NULL)
				return 0;
			marked = 1;	/* a reference */
		}
	}
	return marked;
}

/* Tags whose end or start breaks a line; para: a blank line. */
static enum sep
block_sep(const char *name)
{
	static const char *const para[] = {
		"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul",
		"ol", "dl", "table", "pre", "hr", "figure", "section",
		"article", "header", "footer", "aside", "nav", "main",
		"address", "fieldset", "form", "details", NULL
	};
	static const char *const line[] = {
		"br", "li", "div", "tr", "dt", "dd", "figcaption", "caption",
		"summary", "option", "center", "body", "html", "title",
		"legend", "tbody", "thead", "tfoot", NULL
	};
	static const char *const space[] = { "td", "th", "img", NULL };
	const char *const *p;

	for (p = para; *p; p++)
		if (strcmp(name, *p) == 0)
			return SEP_PARA;
	for (p = line; *p; p++)
		if (strcmp(name, *p) == 0)
			return SEP_LINE;
	for (p = space; *p; p++)
		if (strcmp(name, *p) == 0)
			return SEP_SPACE;
	return SEP_NONE;
}

/* Like memmem for a needle compared case-insensitively. */
static const char *
find_ci(const char *s, const char *end, const char *needle)
{
	size_t m = strlen(needle);

	for (; s + m <= end; s++)
		if (strncasecmp(s, needle, m) == 0)
			return s;
	return NULL;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/*
 * Elements whose content is never the document's text: 1, raw text that
 * ends at the first end tag (script, style); 2, markup that ends at the
 * matching end tag, nested ones counted (applet, as feedparser's
 * sanitizer drops it; template, which is never shown).  The text inside
 * other elements the sanitizer drops (object, embed, iframe, frame,
 * blink ...) is kept, as feedparser keeps it: it is what a reader without
 * the plugin or the frame sees.
 */
static int
hidden_kind(const char *name)
{
	if (name[0] == '\0' || name[1] == '\0' || name[2] == '\0' ||
	    strchr("ast", name[0]) == NULL)
		return 0;	/* p, b, br, li, div, span ...: quickly */
	if (strcmp(name, "script") == 0 || strcmp(name, "style") == 0)
		return 1;
	if (strcmp(name, "applet") == 0 || strcmp(name, "template") == 0)
		return 2;
	return 0;
}

/* A tag named name at t (t[0] == '<', or "</"), to end, with its name
 * ended by a character that cannot go on a name. */
static int
tag_is(const char *t, const char *end, const char *name, int closing)
{
	size_t m = strlen(name);

	t += closing ? 2 : 1;
	if ((size_t)(end - t) < m || strncasecmp(t, name, m) != 0)
		return 0;
	return t + m == end || !(isalnum((unsigned char)t[m]) ||
	    t[m] == '-' || t[m] == ':');
}

/* After the start tag of a hidden element name at s, the position after
 * its end tag; NULL when it has none. */
static const char *
hidden_end(const char *s, const char *end, const char *name, int kind)
{
	int depth = 1;

	for (; s < end && (s = memchr(s, '<', (size_t)(end - s))) != NULL;
	    s++) {
		int closing = s + 1 < end && s[1] == '/';

		if (!tag_is(s, end, name, closing))
			continue;
		if (kind == 2 && !closing) {
			depth++;
			continue;
		}
		if (closing && --depth == 0) {
			const char *gt = memchr(s, '>', (size_t)(end - s));

			return gt ? gt + 1 : end;
		}
	}
	return NULL;
}

/*
 * A tag at s ('<' then a letter, or "</" then a letter).  Returns the
 * position after it; for the elements hidden_kind names, after their end
 * tag.
 */
static const char *
tag_skip(struct out *o, const char *s, const char *end)
{
	char name[16];
	size_t k = 0;
	int closing = 0, selfclosed = 0, kind;
	char quote = 0;
	enum sep sep;
	const char *e, *qstart = NULL;

	s++;
	if (*s == '/') {
		closing = 1;
		s++;
	}
	for (; s < end && (isalnum((unsigned char)*s) || *s == ':' ||
	    *s == '-'); s++)
		if (k < sizeof(name) - 1)
			name[k++] = (char)tolower((unsigned char)*s);
	name[k] = '\0';
	for (; s < end; s++) {
		if (quote) {
			if (*s == quote)
				quote = 0;
		} else if (*s == '"' || *s == '\'') {
			quote = *s;
			qstart = s;
		} else if (*s == '>') {
			selfclosed = s[-1] == '/';
			s++;
			break;
		}
	}
	if (quote && qstart != NULL) {
		/* a quote never closed: the tag ends at the first '>' after
		 * it, as feedparser's SGML parser reads it, not at the end */
		e = memchr(qstart, '>', (size_t)(end - qstart));
		s = e != NULL ? e + 1 : end;
	}
	if ((sep = block_sep(name)) != SEP_NONE)
		owe(o, sep);
	if (closing || selfclosed || (kind = hidden_kind(name)) == 0)
		return s;
	e = hidden_end(s, end, name, kind);
	if (e != NULL)
		return e;
	return kind == 1 ? end : s;	/* an unended script hides the rest */
}

/* Bytes that end a run of ordinary text. */
static unsigned char stop_plain[256], stop_html[256];
static int stop_ready;

static void
stop_init(void)
{
	static const char ws[] = " \t\n\r\f\v";
	const char *c;

	for (c = ws; *c; c++)
		stop_plain[(unsigned char)*c] = stop_html[(unsigned char)*c] = 1;
	stop_html['<'] = stop_html['&'] = 1;
	stop_ready = 1;
}

void
html_to_text(struct fbuf *b, const char *s, size_t n, int flags)
{
	struct out o = { b, b->len, SEP_NONE, flags & HTML_ONELINE };
	const char *end = s + n, *run;
	struct fbuf tmp = { 0 };
	const unsigned char *stop = (flags & HTML_PLAIN) ? stop_plain :
	    stop_html;

	if (!stop_ready)
		stop_init();

	while (s < end) {
		unsigned char c = (unsigned char)*s;

		if (is_space(c)) {
			if ((flags & HTML_PLAIN) && c == '\n')
				owe(&o, o.sep >= SEP_LINE ? SEP_PARA : SEP_LINE);
			else
				owe(&o, SEP_SPACE);
			s++;
			continue;
		}
		if (!(flags & HTML_PLAIN) && c == '<' && s + 1 < end) {
			const char *e;

			if (isalpha((unsigned char)s[1]) || (s[1] == '/' &&
			    s + 2 < end && isalpha((unsigned char)s[2]))) {
				s = tag_skip(&o, s, end);
				continue;
			}
			if (s + 3 < end && memcmp(s, "<!--", 4) == 0) {
				e = find_ci(s + 4, end, "-->");
				s = e ? e + 3 : end;
				continue;
			}
			if (s + 8 < end && memcmp(s, "<![CDATA[", 9) == 0) {
				e = find_ci(s + 9, end, "]]>");
				emit(&o, "", 0);
				html_to_text(b, s + 9, (size_t)((e ? e : end) -
				    (s + 9)), flags | HTML_PLAIN);
				o.sep = SEP_SPACE;
				s = e ? e + 3 : end;
				continue;
			}
			if (s[1] == '!' || s[1] == '?' || s[1] == '/') {
				e = memchr(s, '>', (size_t)(end - s));
				s = e ? e + 1 : end;
				continue;
			}
		}
		if (!(flags & HTML_PLAIN) && c == '&') {
			size_t used;

			fbuf_reset(&tmp);
			if ((used = entity_decode(s, (size_t)(end - s), &tmp))) {
				emit(&o, tmp.s, tmp.len);
				s += used;
				continue;
			}
		}
		/* a run of ordinary characters, single spaces included */
		run = s++;
		for (;;) {
			while (s < end && !stop[(unsigned char)*s])
				s++;
			if (s + 1 < end && *s == ' ' &&
			    !stop[(unsigned char)s[1]]) {
				s += 2;
				continue;
			}
			break;
		}
		emit(&o, run, (size_t)(s - run));
	}
	fbuf_free(&tmp);
}
