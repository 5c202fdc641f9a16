/* jsonl.c - JSON lines in and out */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "jsonscan.h"
#include "utf8.h"
#include "util.h"

/* Nesting deeper than this is refused: records are shallow. */
#define JSONL_MAX_DEPTH 64
/* A buffer grown past this by one long line is given back afterwards. */
#define JSONL_KEEP_CAP (1 << 20)

void
jsonl_init(struct jsonl_reader *r, FILE *fp, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->fp = fp;
	r->name = name;
	r->tok = json_tokener_new_ex(JSONL_MAX_DEPTH);
	if (r->tok == NULL)
		die_nomem();
	/* UTF-8 is checked on the whole line first: faster than json-c's */
	json_tokener_set_flags(r->tok, JSON_TOKENER_STRICT);
}

/* n with a comma between each three digits: "7,779". */
static char *
thousands(unsigned long n, char *buf, size_t size)
{
	char digits[32];
	int len = snprintf(digits, sizeof(digits), "%lu", n), o = 0;

	for (int i = 0; i < len && (size_t)o + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

void
jsonl_free(struct jsonl_reader *r)
{
	char n[48];

	if (r->hidden > 0)
		warnx("%s more bad line%s not shown", thousands(r->hidden, n,
		    sizeof(n)), r->hidden == 1 ? "" : "s");
	free(r->line);
	if (r->tok)
		json_tokener_free(r->tok);
	memset(r, 0, sizeof(*r));
}

void
jsonl_bad(struct jsonl_reader *r, const char *fmt, ...)
{
	va_list ap;
	char msg[512];
	int k;

	r->bad++;
	for (k = 0; k < JSONL_KINDS - 1; k++)
		if (r->kind[k] == NULL || r->kind[k] == fmt)
			break;
	r->kind[k] = fmt;
	if (r->shown[k] >= JSONL_SHOW_BAD) {
		r->hidden++;
		return;
	}
	r->shown[k]++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warnx("%s:%lu: %s", r->name, r->lineno, msg);
}

static int
is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/* The number literals of a JSON text, in order. */
struct numbers {
	const char *s;		/* the text */
	size_t n;		/* its length */
	size_t i;		/* where the search goes on */
};

/* The next number literal: its start in *p and its length, or 0. */
static size_t
numbers_next(struct numbers *nu, const char **p)
{
	const char *s = nu->s;

	while (nu->i < nu->n) {
		char c = s[nu->i];

		if (c == '"') {
			for (nu->i++; nu->i < nu->n && s[nu->i] != '"';
			    nu->i++)
				if (s[nu->i] == '\\')
					nu->i++;
			nu->i++;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			size_t start = nu->i;

			while (nu->i < nu->n && strchr("0123456789+-.eE",
			    s[nu->i]) != NULL && s[nu->i] != '\0')
				nu->i++;
			*p = s + start;
			return nu->i - start;
		} else
			nu->i++;
	}
	return 0;
}

/*
 * json-c clamps an integer beyond 64 bits to the nearest it can hold, and
 * would print that: walk the values in document order beside the text's
 * number literals and turn each such integer into a double that prints
 * as written.  Keys are unique (jscan) so the orders agree.
 */
static json_object *
fix_bigints(json_object *o, struct numbers *nu)
{
	const char *p;
	size_t len;

	switch (json_object_get_type(o)) {
	case json_type_object: {
		struct json_object_iterator it = json_object_iter_begin(o);
		struct json_object_iterator end = json_object_iter_end(o);

		while (!json_object_iter_equal(&it, &end)) {
			json_object *v = json_object_iter_peek_value(&it);
			json_object *nv = fix_bigints(v, nu);

			if (nv != v)
				json_object_object_add(o,
				    json_object_iter_peek_name(&it), nv);
			json_object_iter_next(&it);
		}
		return o;
	}
	case json_type_array:
		for (size_t k = 0; k < json_object_array_length(o); k++) {
			json_object *v = json_object_array_get_idx(o, k);
			json_object *nv = fix_bigints(v, nu);

			if (nv != v)
				json_object_array_put_idx(o, k, nv);
		}
		return o;
	case json_type_int:
	case json_type_double:
		if ((len = numbers_next(nu, &p)) == 0)
			return o;	/* cannot happen */
		if (json_object_is_type(o, json_type_int) &&
		    jscan_bigint(p, len)) {
			char *text = xstrndup(p, len);
			json_object *d = json_object_new_double_s(
			    strtod(text, NULL), text);

			free(text);
			if (d == NULL)
				die_nomem();
			return d;
		}
		return o;
	default:
		return o;
	}
}

json_object *
jsonl_parse(struct jsonl_reader *r)
{
	json_object *o;
	enum json_tokener_error jerr;
	size_t end;

	/* one grammar for every program: json-c lets raw control
	 * characters through in strings, which JSON does not */
	if (!jsonl_scan(r, NULL, 0))
		return NULL;
	json_tokener_reset(r->tok);
	o = json_tokener_parse_ex(r->tok, r->line, (int)r->len);
	jerr = json_tokener_get_error(r->tok);
	if (o == NULL || jerr != json_tokener_success) {
		if (jerr == json_tokener_continue)
			jsonl_bad(r, "truncated JSON");
		else if (jerr == json_tokener_error_depth)
			jsonl_bad(r, "JSON nested deeper than %d",
			    JSONL_MAX_DEPTH);
		else
			jsonl_bad(r, "invalid JSON at byte %zu: %s",
			    json_tokener_get_parse_end(r->tok) + 1,
			    json_tokener_error_desc(jerr));
		json_object_put(o);
		return NULL;
	}
	end = json_tokener_get_parse_end(r->tok);
	if (!is_blank(r->line + end, r->len - end)) {
		jsonl_bad(r, "trailing data after JSON at byte %zu", end + 1);
		json_object_put(o);
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		jsonl_bad(r, "not a JSON object");
		json_object_put(o);
		return NULL;
	}
	if (r->bigint) {
		struct numbers nu = { r->line, r->len, 0 };

		fix_bigints(o, &nu);
	}
	return o;
}

const char *
jsonl_next_line(struct jsonl_reader *r)
{
	ssize_t n;
	size_t bad;

	for (;;) {
		if (r->cap > JSONL_KEEP_CAP && r->len < JSONL_KEEP_CAP / 4) {
			free(r->line);
			r->line = NULL;
			r->cap = 0;
		}
		errno = 0;
		n = getline(&r->line, &r->cap, r->fp);
		if (n < 0) {
			if (errno == ENOMEM)
				die_nomem();
			if (ferror(r->fp) && errno != EINTR) {
				r->error = errno;
				warn("%s", r->name);
			}
			r->len = 0;
			return NULL;
		}
		r->lineno++;
		r->len = (size_t)n;
		if (r->len > 0 && r->line[r->len - 1] == '\n')
			r->line[--r->len] = '\0';
		if (is_blank(r->line, r->len))
			continue;
		if (memchr(r->line, '\0', r->len) != NULL) {
			jsonl_bad(r, "NUL byte in line");
			continue;
		}
		if ((bad = utf8_check(r->line, r->len)) < r->len) {
			jsonl_bad(r, "invalid UTF-8 at byte %zu", bad + 1);
			continue;
		}
		return r->line;
	}
}

int
jsonl_ready(FILE *fp)
{
	struct pollfd p = { .fd = fileno(fp), .events = POLLIN };

#ifdef __GLIBC__
	/* glibc's FILE keeps what it has read ahead in these */
	if (fp->_IO_read_ptr < fp->_IO_read_end &&
	    memchr(fp->_IO_read_ptr, '\n',
	    (size_t)(fp->_IO_read_end - fp->_IO_read_ptr)) != NULL)
		return 1;
#endif
	return poll(&p, 1, 0) != 0;
}

json_object *
jsonl_next(struct jsonl_reader *r)
{
	json_object *o;

	while (jsonl_next_line(r) != NULL)
		if ((o = jsonl_parse(r)) != NULL)
			return o;
	return NULL;
}

int
jsonl_scan(struct jsonl_reader *r, struct jscan_field *f, int nf)
{
	size_t off;
	const char *msg;

	switch (jscan_object_ex(r->line, r->len, f, nf, &off, &msg,
	    &r->bigint)) {
	case JSCAN_OBJECT:
		return 1;
	case JSCAN_NOT_OBJECT:
		jsonl_bad(r, "not a JSON object");
		return 0;
	default:
		if (strcmp(msg, "duplicate key") == 0)
			jsonl_bad(r, "duplicate key at byte %zu", off + 1);
		else
			jsonl_bad(r, "invalid JSON at byte %zu: %s", off + 1,
			    msg);
		return 0;
	}
}

/* Bytes that a JSON string must escape. */
static const unsigned char json_esc[256] = {
	[0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

void
json_escape(const char *s, size_t n,
    void (*put)(void *ctx, const char *p, size_t len), void *ctx)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run;

	while (i < n) {
		run = i;
		/* eight bytes at a time: any below 0x20, '"' or '\\'? */
		while (run + 8 <= n) {
			const uint64_t ones = 0x0101010101010101ULL;
			const uint64_t highs = 0x8080808080808080ULL;
			uint64_t x, q, b;

			memcpy(&x, s + run, 8);
			q = x ^ (ones * '"');
			b = x ^ (ones * '\\');
			if ((((x - ones * 0x20) & ~x) | ((q - ones) & ~q) |
			    ((b - ones) & ~b)) & highs)
				break;
			run += 8;
		}
		while (run < n && !json_esc[(unsigned char)s[run]])
			run++;
		if (run > i)
			put(ctx, s + i, run - i);
		if (run == n)
			break;
		switch (s[run]) {
		case '"':
			put(ctx, "\\\"", 2);
			break;
		case '\\':
			put(ctx, "\\\\", 2);
			break;
		case '\n':
			put(ctx, "\\n", 2);
			break;
		case '\t':
			put(ctx, "\\t", 2);
			break;
		case '\r':
			put(ctx, "\\r", 2);
			break;
		default: {
			unsigned char c = (unsigned char)s[run];
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4],
			    hex[c & 15] };

			put(ctx, u, 6);
		}
		}
		i = run + 1;
	}
}

static void
put_file(void *ctx, const char *p, size_t len)
{
	fwrite(p, 1, len, ctx);
}

void
jsonl_put_escaped(FILE *fp, const char *s, size_t n)
{
	json_escape(s, n, put_file, fp);
}

void
jsonl_put_string(FILE *fp, const char *s, size_t n)
{
	putc('"', fp);
	json_escape(s, n, put_file, fp);
	putc('"', fp);
}

/* Appends to a string with room for the worst case. */
struct quote_buf {
	char *p;		/* where the next piece goes */
};

static void
put_buf(void *ctx, const char *p, size_t len)
{
	struct quote_buf *b = ctx;

	memcpy(b->p, p, len);
	b->p += len;
}

char *
json_quote(const char *s, size_t n)
{
	char *out = xmalloc(n * 6 + 3);
	struct quote_buf b = { out };

	*b.p++ = '"';
	json_escape(s, n, put_buf, &b);
	*b.p++ = '"';
	*b.p = '\0';
	return out;
}

const char *
jsonl_text(json_object *o, size_t *len)
{
	return json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
}

int
jsonl_write(FILE *fp, json_object *o)
{
	size_t len;
	const char *s = jsonl_text(o, &len);

	if (fwrite(s, 1, len, fp) != len || putc('\n', fp) == EOF)
		return -1;
	return 0;
}

const char *
json_get_string(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int
json_get_int64(json_object *o, const char *key, long long *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	*out = json_object_get_int64(v);
	/* between 2^63 and 2^64-1 json-c keeps it as unsigned */
	if (*out == INT64_MAX && json_object_get_uint64(v) != INT64_MAX)
		return 0;
	return 1;
}

int
json_get_double(json_object *o, const char *key, double *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)))
		return 0;
	*out = json_object_get_double(v);
	return isfinite(*out);
}
