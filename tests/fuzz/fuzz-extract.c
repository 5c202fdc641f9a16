/* fuzz-extract: summarize's extractive summariser (lib/extract) on random
 * UTF-8 text with random --sentences and --chars.  The first two bytes
 * are the options, the third says whether the text's first line is a
 * title; each byte of the rest that does not start a valid UTF-8 sequence
 * becomes a space, a stop or a line break, and a NUL a stop.  Properties, as summarize(1)
 * promises them: a synopsis exactly when the text has a word; it is valid
 * UTF-8, within --chars characters, with no space at either end; the
 * cleaned model answer (extract_clean) keeps the same bounds. */
#include "fuzz.h"
#include "extract.h"

static const char *const pieces[] = {
	" ", "\n", "\n\n", ". ", "! ", "? ", "\xe3\x80\x82", "\xe2\x80\xa6",
	"\xc2\xa0", " Mr. ", "\xcc\x81", "\xf0\x9f\x98\x80", "\xe6\x9d\xb1"
};

/* Characters (code points) of valid UTF-8 s[0..n). */
static size_t
chars_of(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

static void
check_out(const char *s, size_t n, size_t max)
{
	FUZZ_UTF8(s, n, "the synopsis is valid UTF-8");
	FUZZ_CHECK(chars_of(s, n) <= max, "the synopsis is within --chars");
	FUZZ_CHECK(n > 0 && s[0] != ' ' && s[n - 1] != ' ',
	    "the synopsis is trimmed");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t npieces = sizeof(pieces) / sizeof(*pieces);
	struct extract *x;
	const char *in, *title = NULL, *text;
	char *buf, *clean;
	size_t inlen, len = 0, tlen = 0;
	struct seg_words ws = { 0 };
	int got, cut;

	if (size < 3)
		return 0;
	x = extract_new(1 + data[0] % 8, 2 + (size_t)data[1] * 2);
	in = (const char *)data + 3;
	inlen = size - 3;
	buf = malloc(inlen * 6 + 1);
	if (buf == NULL)
		abort();
	for (size_t i = 0; i < inlen;) {
		size_t k = utf8_check(in + i, inlen - i);

		memcpy(buf + len, in + i, k);
		len += k;
		i += k;
		if (i < inlen) {
			const char *p = pieces[(unsigned char)in[i] % npieces];

			memcpy(buf + len, p, strlen(p));
			len += strlen(p);
			i++;
		}
	}
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = '.';	/* lib/jsonl gives U+FFFD for one */
	buf[len] = '\0';
	text = buf;
	if (data[2] & 1) {
		const char *nl = memchr(buf, '\n', len);

		if (nl != NULL) {
			title = buf;
			tlen = (size_t)(nl - buf);
			text = nl + 1;
			len -= tlen + 1;
		}
	}
	seg_words(text, len, 0, &ws);
	got = extract_text(x, title, tlen, text, len);
	FUZZ_CHECK(got == (ws.n > 0), "a synopsis exactly when a word");
	if (got) {
		FUZZ_CHECK(x->outlen == strlen(x->out), "no NUL inside");
		check_out(x->out, x->outlen, x->chars);
	}
	clean = extract_clean(x, text, len, &cut);
	FUZZ_CHECK((clean != NULL) == (ws.n > 0), "an answer when a word");
	if (clean != NULL)
		check_out(clean, strlen(clean), x->chars);
	free(clean);
	seg_free(&ws);
	extract_free(x);
	free(buf);
	return 0;
}
