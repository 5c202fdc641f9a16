/* jsonscan.c - validate one JSON text without building it; pick fields */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "jsonscan.h"
#include "util.h"

/* Nesting deeper than this is refused, as jsonl.c's tokener does. */
#define JSCAN_MAX_DEPTH 64

/* A key of an object being scanned. */
struct key {
	const char *s;		/* its text inside the quotes */
	size_t len;		/* length of s */
	int escaped;		/* s has escapes: compared unescaped */
	uint32_t hash;		/* of the unescaped key */
};

struct scan {
	const char *s;		/* the text */
	size_t n;		/* its length */
	size_t i;		/* read position */
	const char *err;	/* first error, or NULL */
	size_t erri;		/* where it is, when not at i (duplicates) */
	int bigint;		/* an integer beyond 64 bits was seen */
	struct key *keys;	/* keys of the open objects, innermost last */
	size_t nkeys;		/* keys in use */
	size_t capkeys;		/* keys allocated */
	struct key inl[32];	/* the first keys: most records need no more,
				 * and no allocation */
};

static int
fail(struct scan *sc, const char *msg)
{
	if (sc->err == NULL)
		sc->err = msg;
	return -1;
}

static void
skip_ws(struct scan *sc)
{
	while (sc->i < sc->n) {
		char c = sc->s[sc->i];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return;
		sc->i++;
	}
}

/* Bytes that end a plain run inside a string: '"', '\\', controls. */
static const unsigned char string_stop[256] = {
	[0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

static int
hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static unsigned hex4(const char *p);

/*
 * At a \u escape p (of n bytes, its four digits checked): 0 when it is
 * not a surrogate, 1 when it is a high surrogate followed by an escaped
 * low one (a pair: 12 bytes), -1 when it is a surrogate alone.
 */
static int
surrogate(const char *p, size_t n)
{
	unsigned cp = hex4(p + 2), lo;

	if (cp < 0xd800 || cp > 0xdfff)
		return 0;
	if (cp > 0xdbff || n < 12 || p[6] != '\\' || p[7] != 'u' ||
	    !hex(p[8]) || !hex(p[9]) || !hex(p[10]) || !hex(p[11]))
		return -1;
	lo = hex4(p + 8);
	return lo >= 0xdc00 && lo <= 0xdfff ? 1 : -1;
}

/* A string starting at its quote; body and len get what is inside. */
static int
scan_string(struct scan *sc, const char **body, size_t *len, int *escaped)
{
	size_t start = ++sc->i;

	*escaped = 0;
	for (;;) {
		const char *p = sc->s + sc->i;
		size_t left = sc->n - sc->i;
		size_t k = 0;

		/* the common run of plain bytes */
#ifdef __SSE2__
		/* sixteen at a time: most of a record is string text */
		while (k + 16 <= left) {
			__m128i v = _mm_loadu_si128((const __m128i *)(p + k));
			__m128i stop = _mm_or_si128(_mm_or_si128(
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
			    _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)),
			    _mm_set1_epi8(0x1f)));
			unsigned m = (unsigned)_mm_movemask_epi8(stop);

			if (m != 0) {
				k += (size_t)__builtin_ctz(m);
				break;
			}
			k += 16;
		}
#endif
		while (k + 4 <= left && !string_stop[(unsigned char)p[k]] &&
		    !string_stop[(unsigned char)p[k + 1]] &&
		    !string_stop[(unsigned char)p[k + 2]] &&
		    !string_stop[(unsigned char)p[k + 3]])
			k += 4;
		while (k < left && !string_stop[(unsigned char)p[k]])
			k++;
		sc->i += k;
		if (sc->i >= sc->n)
			return fail(sc, "unterminated string");
		if (sc->s[sc->i] == '"')
			break;
		if ((unsigned char)sc->s[sc->i] < 0x20)
			return fail(sc, "control character in string");
		/* a backslash */
		*escaped = 1;
		if (sc->i + 1 >= sc->n)
			return fail(sc, "unterminated string");
		switch (sc->s[sc->i + 1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			sc->i += 2;
			break;
		case 'u':
			if (sc->i + 6 > sc->n || !hex(sc->s[sc->i + 2]) ||
			    !hex(sc->s[sc->i + 3]) || !hex(sc->s[sc->i + 4]) ||
			    !hex(sc->s[sc->i + 5]))
				return fail(sc, "bad \\u escape");
			switch (surrogate(sc->s + sc->i, sc->n - sc->i)) {
			case 0:
				sc->i += 6;
				break;
			case 1:
				sc->i += 12;	/* a pair */
				break;
			default:
				return fail(sc, "lone surrogate in \\u escape");
			}
			break;
		default:
			return fail(sc, "bad escape in string");
		}
	}
	*body = sc->s + start;
	*len = sc->i - start;
	sc->i++;
	return 0;
}

static int
scan_number(struct scan *sc)
{
	const char *s = sc->s;
	size_t i = sc->i, n = sc->n;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return fail(sc, "bad number");
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return fail(sc, "bad number");
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return fail(sc, "bad number");
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	/* an integer json-c would clamp: beyond -2^63 .. 2^64-1 */
	if (!sc->bigint && i - sc->i >= 19)
		sc->bigint = jscan_bigint(s + sc->i, i - sc->i);
	sc->i = i;
	return 0;
}

int
jscan_bigint(const char *s, size_t n)
{
	static const char maxneg[] = "9223372036854775808";
	static const char maxpos[] = "18446744073709551615";
	const char *lim = maxpos;
	size_t limlen = sizeof(maxpos) - 1;

	if (n > 0 && s[0] == '-') {
		s++;
		n--;
		lim = maxneg;
		limlen = sizeof(maxneg) - 1;
	}
	for (size_t k = 0; k < n; k++)
		if (s[k] < '0' || s[k] > '9')
			return 0;	/* not an integer */
	if (n != limlen)
		return n > limlen;
	return memcmp(s, lim, n) > 0;
}

static int
scan_word(struct scan *sc, const char *w, size_t len)
{
	if (sc->n - sc->i < len || memcmp(sc->s + sc->i, w, len) != 0)
		return fail(sc, "unexpected character");
	sc->i += len;
	return 0;
}

static int scan_value(struct scan *, int depth, struct jscan_field *, int);

/* The unescaped text of a key (a new string). */
static char *
key_text(const struct key *k)
{
	struct jscan_field f = { .found = 1, .is_string = 1,
	    .escaped = k->escaped, .val = k->s, .len = k->len };

	return jscan_string(&f);
}

static uint32_t
key_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static int
key_equal(const struct key *a, const struct key *b)
{
	char *x, *y;
	int eq;

	if (a->hash != b->hash)
		return 0;
	if (!a->escaped && !b->escaped)
		return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
	x = key_text(a);
	y = key_text(b);
	eq = strcmp(x, y) == 0;
	free(x);
	free(y);
	return eq;
}

/* Objects with more keys than this look duplicates up in a hash table. */
#define KEYS_LINEAR 16

/*
 * Add key k to the object whose keys start at keys[first]; 0, or -1 when
 * the object has it already.  *tab (of *tabsize slots, indexes into keys
 * plus one) is built once the object has more than KEYS_LINEAR keys.
 */
static int
key_add(struct scan *sc, size_t first, const struct key *k, size_t **tab,
    size_t *tabsize)
{
	size_t nobj = sc->nkeys - first;

	if (nobj < KEYS_LINEAR) {
		for (size_t j = first; j < sc->nkeys; j++)
			if (key_equal(&sc->keys[j], k))
				return -1;
	} else {
		if ((nobj + 1) * 2 > *tabsize) {
			size_t sz = *tabsize ? *tabsize * 2 : 64;

			while ((nobj + 1) * 2 > sz)
				sz *= 2;
			free(*tab);
			*tab = xcalloc(sz, sizeof(**tab));
			*tabsize = sz;
			for (size_t j = first; j < sc->nkeys; j++) {
				size_t h = sc->keys[j].hash & (sz - 1);

				while ((*tab)[h])
					h = (h + 1) & (sz - 1);
				(*tab)[h] = j + 1;
			}
		}
		size_t h = k->hash & (*tabsize - 1);

		while ((*tab)[h]) {
			if (key_equal(&sc->keys[(*tab)[h] - 1], k))
				return -1;
			h = (h + 1) & (*tabsize - 1);
		}
		(*tab)[h] = sc->nkeys + 1;
	}
	if (sc->nkeys == sc->capkeys) {
		sc->capkeys *= 2;
		if (sc->keys == sc->inl) {
			sc->keys = xmalloc(sc->capkeys * sizeof(*sc->keys));
			memcpy(sc->keys, sc->inl, sizeof(sc->inl));
		} else
			sc->keys = xrealloc(sc->keys, sc->capkeys *
			    sizeof(*sc->keys));
	}
	sc->keys[sc->nkeys++] = *k;
	return 0;
}

static int scan_members(struct scan *, int, struct jscan_field *, int,
    size_t, size_t **, size_t *);

/*
 * An object at '{'; at depth 1, fields named in f are recorded.  A key
 * that comes twice in one object is an error: programs that read the
 * record (json-c: the last wins) and the store's SQL (the first wins)
 * would not agree on it.
 */
static int
scan_object(struct scan *sc, int depth, struct jscan_field *f, int nf)
{
	size_t first = sc->nkeys, *tab = NULL, tabsize = 0;
	int ret;

	sc->i++;
	skip_ws(sc);
	if (sc->i < sc->n && sc->s[sc->i] == '}') {
		sc->i++;
		return 0;
	}
	ret = scan_members(sc, depth, f, nf, first, &tab, &tabsize);
	free(tab);
	sc->nkeys = first;
	return ret;
}

static int
scan_members(struct scan *sc, int depth, struct jscan_field *f, int nf,
    size_t first, size_t **tab, size_t *tabsize)
{
	for (;;) {
		const char *key;
		size_t klen, kstart = sc->i;
		int esc, which = -1;
		struct key k;

		if (sc->i >= sc->n || sc->s[sc->i] != '"')
			return fail(sc, "expected a key");
		if (scan_string(sc, &key, &klen, &esc) < 0)
			return -1;
		k.s = key;
		k.len = klen;
		k.escaped = esc;
		if (esc) {
			char *t = key_text(&k);

			k.hash = key_hash(t, strlen(t));
			free(t);
		} else
			k.hash = key_hash(key, klen);
		if (key_add(sc, first, &k, tab, tabsize) < 0) {
			sc->erri = kstart;
			return fail(sc, "duplicate key");
		}
		/* the last field of that name, as the caller listed them */
		for (int k = nf - 1; depth == 1 && !esc && k >= 0; k--)
			if ((klen == 0 || f[k].key[0] == key[0]) &&
			    strncmp(f[k].key, key, klen) == 0 &&
			    f[k].key[klen] == '\0') {
				which = k;
				break;
			}
		skip_ws(sc);
		if (sc->i >= sc->n || sc->s[sc->i] != ':')
			return fail(sc, "expected ':'");
		sc->i++;
		skip_ws(sc);
		if (which >= 0) {
			struct jscan_field *fd = &f[which];

			fd->found = 1;
			fd->is_string = sc->i < sc->n && sc->s[sc->i] == '"';
			if (fd->is_string) {
				if (scan_string(sc, &fd->val, &fd->len,
				    &fd->escaped) < 0)
					return -1;
			} else {
				size_t start = sc->i;

				if (scan_value(sc, depth + 1, NULL, 0) < 0)
					return -1;
				fd->val = sc->s + start;
				fd->len = sc->i - start;
				fd->escaped = 0;
			}
		} else if (scan_value(sc, depth + 1, NULL, 0) < 0) {
			return -1;
		}
		skip_ws(sc);
		if (sc->i < sc->n && sc->s[sc->i] == ',') {
			sc->i++;
			skip_ws(sc);
			continue;
		}
		if (sc->i < sc->n && sc->s[sc->i] == '}') {
			sc->i++;
			return 0;
		}
		return fail(sc, "expected ',' or '}'");
	}
}

static int
scan_array(struct scan *sc, int depth)
{
	sc->i++;
	skip_ws(sc);
	if (sc->i < sc->n && sc->s[sc->i] == ']') {
		sc->i++;
		return 0;
	}
	for (;;) {
		if (scan_value(sc, depth + 1, NULL, 0) < 0)
			return -1;
		skip_ws(sc);
		if (sc->i < sc->n && sc->s[sc->i] == ',') {
			sc->i++;
			skip_ws(sc);
			continue;
		}
		if (sc->i < sc->n && sc->s[sc->i] == ']') {
			sc->i++;
			return 0;
		}
		return fail(sc, "expected ',' or ']'");
	}
}

static int
scan_value(struct scan *sc, int depth, struct jscan_field *f, int nf)
{
	const char *body;
	size_t len;
	int esc;

	if (depth > JSCAN_MAX_DEPTH)
		return fail(sc, "nested too deep");
	if (sc->i >= sc->n)
		return fail(sc, "unexpected end");
	switch (sc->s[sc->i]) {
	case '{':
		return scan_object(sc, depth, f, nf);
	case '[':
		return scan_array(sc, depth);
	case '"':
		return scan_string(sc, &body, &len, &esc);
	case 't':
		return scan_word(sc, "true", 4);
	case 'f':
		return scan_word(sc, "false", 5);
	case 'n':
		return scan_word(sc, "null", 4);
	default:
		return scan_number(sc);
	}
}

enum jscan_result
jscan_object(const char *s, size_t n, struct jscan_field *f, int nf,
    size_t *erroff, const char **errmsg)
{
	return jscan_object_ex(s, n, f, nf, erroff, errmsg, NULL);
}

enum jscan_result
jscan_object_ex(const char *s, size_t n, struct jscan_field *f, int nf,
    size_t *erroff, const char **errmsg, int *bigint)
{
	struct scan sc = { .s = s, .n = n };
	int is_object;

	sc.keys = sc.inl;
	sc.capkeys = sizeof(sc.inl) / sizeof(*sc.inl);

	for (int k = 0; k < nf; k++) {
		f[k].found = 0;
		f[k].val = NULL;
		f[k].len = 0;
	}
	skip_ws(&sc);
	is_object = sc.i < n && s[sc.i] == '{';
	if (scan_value(&sc, 1, f, nf) == 0) {
		skip_ws(&sc);
		if (sc.i < n)
			fail(&sc, "trailing data after JSON");
	}
	if (sc.keys != sc.inl)
		free(sc.keys);
	if (bigint != NULL)
		*bigint = sc.bigint;
	if (sc.err != NULL) {
		*erroff = sc.erri ? sc.erri : sc.i;
		*errmsg = sc.err;
		return JSCAN_INVALID;
	}
	return is_object ? JSCAN_OBJECT : JSCAN_NOT_OBJECT;
}

/* Append code point cp to out as UTF-8; returns bytes written. */
static size_t
put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static unsigned
hex4(const char *p)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v = v << 4 | (unsigned)(c <= '9' ? c - '0' :
		    (c | 0x20) - 'a' + 10);
	}
	return v;
}

char *
jscan_string(const struct jscan_field *f)
{
	const char *p = f->val, *end = f->val + f->len;
	char *out, *o;

	if (!f->found || !f->is_string)
		return NULL;
	if (!f->escaped)
		return xstrndup(f->val, f->len);
	out = o = xmalloc(f->len + 1);
	while (p < end) {
		unsigned cp;

		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		switch (p[1]) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			cp = hex4(p + 2);
			p += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && p + 8 <= end &&
			    p[2] == '\\' && p[3] == 'u') {
				unsigned lo = hex4(p + 4);

				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
					p += 6;
				}
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;	/* a lone surrogate */
			if (cp == 0)
				cp = 0xfffd;	/* NUL would cut the string */
			o += put_utf8(o, cp);
			break;
		default:
			*o++ = p[1];	/* " \ / */
			break;
		}
		p += 2;
	}
	*o = '\0';
	return out;
}
