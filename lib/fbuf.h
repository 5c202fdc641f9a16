/*
 * fbuf.h - a growable byte buffer, always NUL-terminated once used.
 *
 * Ownership: the buffer owns s; fbuf_free releases it.  fbuf_reset keeps
 * the memory for reuse.  Growth failure ends the program (die_nomem).
 */
#ifndef JOBLINE_FBUF_H
#define JOBLINE_FBUF_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct fbuf {
	char *s;	/* the bytes, NUL-terminated when cap > 0; owned */
	size_t len;	/* bytes used, without the NUL */
	size_t cap;	/* bytes allocated */
};

static inline void
fbuf_grow(struct fbuf *b, size_t more)
{
	size_t need = b->len + more + 1;

	if (need <= b->cap)
		return;
	if (need < 64)
		need = 64;
	if (need < b->cap * 2)
		need = b->cap * 2;
	b->s = xrealloc(b->s, need);
	b->cap = need;
}

static inline void
fbuf_add(struct fbuf *b, const char *s, size_t n)
{
	if (n == 0)
		return;
	fbuf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static inline void
fbuf_addc(struct fbuf *b, char c)
{
	fbuf_grow(b, 1);
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static inline void
fbuf_adds(struct fbuf *b, const char *s)
{
	fbuf_add(b, s, strlen(s));
}

static inline void
fbuf_reset(struct fbuf *b)
{
	b->len = 0;
	if (b->cap)
		b->s[0] = '\0';
}

/* The contents as a C string ("" when never used); owned by b. */
static inline const char *
fbuf_str(const struct fbuf *b)
{
	return b->cap ? b->s : "";
}

/* Append printf output. */
void fbuf_printf(struct fbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append s[0..n) (valid UTF-8) as a quoted, escaped JSON string. */
void fbuf_json(struct fbuf *b, const char *s, size_t n);

static inline void
fbuf_free(struct fbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

#endif
