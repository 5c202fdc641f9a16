/* fbuf.c - the parts of the growable buffer that are not inline */
#include <stdarg.h>
#include <stdio.h>

#include "fbuf.h"
#include "jsonl.h"

void
fbuf_printf(struct fbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	fbuf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void
put_fbuf(void *ctx, const char *p, size_t len)
{
	fbuf_add(ctx, p, len);
}

void
fbuf_json(struct fbuf *b, const char *s, size_t n)
{
	fbuf_addc(b, '"');
	json_escape(s, n, put_fbuf, b);
	fbuf_addc(b, '"');
}
