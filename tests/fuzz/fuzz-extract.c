/* fuzz-extract: summarize's extractive summariser (lib/extract) on random
 * UTF-8 text with random --sentences and --chars.  The first three bytes
 * are the options and the title's length; then the title and the text,
 * each byte that does not start a valid UTF-8 sequence replaced by a piece
 * that matters to the summariser (spaces, stops, marks, CJK, letters that
 * fold to ASCII and ones that do not).  Properties, as summarize(1)
 * promises them: a text has a synopsis exactly when it has a word; the
 * synopsis is valid UTF-8 of at most --chars characters with no white
 * space at either end; a model's answer cleaned (extract_clean) is the
 * same, and seg_clip never splits a character. */
#include "fuzz.h"
#include "extract.h"
#include "segment.h"

static const char *const pieces[] = {
	" ", "\n", "\n\n", "\t", ".", "!", "?", "\xe2\x80\xa6",
	"\xe3\x80\x82", "\xef\xbc\x81", " Mr. ", "3.5", "\xe2\x80\x99",
	"\xc2\xa0", "\xe3\x80\x80", "a", "B", "\xc3\xa9", "\xc3\x9f",
	"\xc5\x93", "\xce\xb1", "\xd0\x96", "\xe6\x9d\xb1",
	"\xf0\x9f\x98\x80", "e\xcc\x81\xcc\x81\xcc\x81", "\xe2\x80\x94",
	"\xe2\x82\xac", " the ", " And ", "\x01"
};

/* Characters (code points) of the valid UTF-8 s[0..n). */
static size_t
chars_of(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

static int
is_space_end(const char *s, size_t n)
{
	return n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t npieces = sizeof(pieces) / sizeof(*pieces);
	struct extract *x;
	int sentences, ok, cut;
	size_t chars, tlen, len = 0, slen, inlen;
	const char *in, *syn;
	char *text, *clean;

	if (size < 3)
		return 0;
	sentences = 1 + data[0] % 8;
	chars = 10 + (size_t)data[1];
	in = (const char *)data + 3;
	inlen = size - 3;

	/* the title and text: valid runs as they are, other bytes as
	 * pieces */
	text = malloc(inlen * 12 + 1);
	if (text == NULL)
		abort();
	tlen = 0;
	for (size_t i = 0; i < inlen;) {
		size_t k = utf8_check(in + i, inlen - i);

		memcpy(text + len, in + i, k);
		len += k;
		i += k;
		if (i < inlen) {
			const char *piece = pieces[(unsigned char)in[i] %
			    npieces];

			memcpy(text + len, piece, strlen(piece));
			len += strlen(piece);
			i++;
		}
		if (tlen == 0 && i >= (size_t)data[2] % (inlen + 1))
			tlen = len;	/* the title ends at a whole piece */
	}
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\0')
			text[i] = '.';	/* C strings, as the answers are */
	text[len] = '\0';
	FUZZ_UTF8(text, len, "the text is valid UTF-8");

	x = extract_new(sentences, chars);
	ok = extract_text(x, text, tlen, text + tlen, len - tlen, &syn, &slen);
	FUZZ_CHECK(ok == 0 || ok == 1, "extract_text answers 0 or 1");
	FUZZ_CHECK(ok || slen == 0, "no synopsis is empty");
	FUZZ_CHECK(!ok || slen > 0, "a synopsis is not empty");
	FUZZ_CHECK(syn[slen] == '\0', "the synopsis is NUL-terminated");
	FUZZ_UTF8(syn, slen, "the synopsis is valid UTF-8");
	FUZZ_CHECK(chars_of(syn, slen) <= chars,
	    "the synopsis has at most --chars characters");
	FUZZ_CHECK(!is_space_end(syn, slen),
	    "no space at either end of the synopsis");

	clean = extract_clean(x, text, len, &cut);
	FUZZ_CHECK(tlen > 0 || (clean == NULL) == (ok == 0),
	    "extract_clean is NULL exactly for a text without words");
	if (clean != NULL) {
		size_t cl = strlen(clean);

		FUZZ_UTF8(clean, cl, "a cleaned answer is valid UTF-8");
		FUZZ_CHECK(chars_of(clean, cl) <= chars,
		    "a cleaned answer has at most --chars characters");
		FUZZ_CHECK(!is_space_end(clean, cl),
		    "no space at either end of a cleaned answer");
	}
	{
		size_t keep = seg_clip(text, len, chars, &cut);

		FUZZ_CHECK(keep <= len, "a clip is inside the text");
		FUZZ_UTF8(text, keep, "a clip splits no character");
		FUZZ_CHECK(chars_of(text, keep) <= chars,
		    "a clip has at most its characters");
		FUZZ_CHECK(cut == (keep < len), "a clip says when it cut");
	}
	free(clean);
	extract_free(x);
	free(text);
	return 0;
}
