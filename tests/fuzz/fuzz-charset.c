/* fuzz-charset: charset detection and conversion; the output is always
 * valid UTF-8, whatever the bytes and the declared charset. */
#include "fuzz.h"
#include "charset.h"

struct out {
	char *s;	/* all output so far */
	size_t n;	/* its length */
};

static void
on_text(void *arg, const char *s, size_t n)
{
	struct out *o = arg;

	o->s = realloc(o->s, o->n + n + 1);
	if (o->s == NULL)
		abort();
	memcpy(o->s + o->n, s, n);
	o->n += n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const http[] = { NULL, "utf-8", "iso-8859-1",
	    "windows-1252", "utf-16", "utf-16le", "utf-32", "koi8-r",
	    "shift_jis", "no-such-charset", "x-mac-greek" };
	struct out o = { NULL, 0 };
	struct charset_dec *d;
	size_t cut;

	if (size < 1)
		return 0;
	d = charset_new(http[data[0] % 11], on_text, &o);
	data++, size--;
	cut = size ? data[0] % (size + 1) : 0;
	charset_push(d, (const char *)data, cut);
	charset_push(d, (const char *)data + cut, size - cut);
	charset_finish(d);
	if (o.n > 0)
		FUZZ_UTF8(o.s, o.n, "charset output");
	charset_free(d);
	free(o.s);
	return 0;
}
