/* fuzz-chunk: chunk's boundaries (lib/chunker) on random UTF-8 text with
 * random --words, --overlap and --chars.  The first three bytes are the
 * options; the rest is the text, each byte that does not start a valid
 * UTF-8 sequence replaced by a piece that matters to the cutter (spaces,
 * line and paragraph breaks, stops, closers, abbreviations).  Properties,
 * as chunk(1) promises them: start and end are exact code point offsets
 * of the chunk's text; no chunk splits a UTF-8 sequence; every character
 * that is not white space is in a chunk; each chunk opens with the last
 * --overlap words of the one before (none after a chunk no longer than
 * the overlap); at most --words words and --chars characters a chunk. */
#include "fuzz.h"
#include "chunker.h"
#include "segment.h"

static const char *const pieces[] = {
	" ", "\n", "\n\n", "\t", "\r\n", ".", "!", "?", "\xe2\x80\xa6",
	"\xe3\x80\x82", "\xef\xbc\x81", "\xef\xbc\x9f", "\xef\xbd\xa1",
	"\xe3\x80\x8d", ")", "\"", "'", " Mr. ", " J. ", "3.5", " etc. ",
	"\xe2\x80\xa9", "\xe2\x80\xa8", "\xc2\x85", "\xc2\xa0", "\xe3\x80\x80",
	"\xe0\xa5\xa4", "\xd8\x9f", "\xdb\x94", "a", "B", "\xc3\xa9",
	"\xe6\x9d\xb1", "\xf0\x9f\x98\x80", "\xe2\x80\x99", "\xc2\xbb",
	"\xef\xbc\x89", " the ", " And ", "\x0b", "\x0c"
};

/* Bytes of the UTF-8 sequence led by c (the text is valid). */
static size_t
seq_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct chunk_plan p;	/* reused, as chunk reuses it */
	static struct seg_words ws;	/* the words, all at once */
	struct chunk_cut cut, prev = { 0 };
	const size_t npieces = sizeof(pieces) / sizeof(*pieces);
	char *text;
	size_t len = 0, ncp = 0, *cpoff, *cpidx, *covered;
	const char *in;
	size_t inlen;

	if (size < 3)
		return 0;
	p.words = 1 + (size_t)data[0];
	p.overlap = (size_t)data[1] % p.words;
	p.chars = data[2] < 64 ? 0 : (size_t)data[2] - 63;
	in = (const char *)data + 3;
	inlen = size - 3;

	/* the text: valid runs as they are, other bytes as pieces */
	text = malloc(inlen * 8 + 1);
	if (text == NULL)
		abort();
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
	}
	text[len] = '\0';
	FUZZ_UTF8(text, len, "the text is valid UTF-8");

	/* code point i starts at byte cpoff[i]; byte b is in code point
	 * cpidx[b] (cpoff[ncp] == len, cpidx[len] == ncp) */
	cpoff = malloc((len + 1) * sizeof(*cpoff));
	cpidx = malloc((len + 1) * sizeof(*cpidx));
	covered = calloc(len + 1, sizeof(*covered));
	if (cpoff == NULL || cpidx == NULL || covered == NULL)
		abort();
	for (size_t b = 0; b < len; ncp++) {
		size_t k = seq_len((unsigned char)text[b]);

		cpoff[ncp] = b;
		for (size_t j = 0; j < k; j++)
			cpidx[b + j] = ncp;
		b += k;
	}
	cpoff[ncp] = len;
	cpidx[len] = ncp;

	chunk_plan(&p, text, len);
	seg_words(text, len, p.chars, &ws);

	/* the words: in order, exact, and only white space between them */
	for (size_t i = 0; i < ws.n; i++) {
		const struct seg_word *w = &ws.w[i];

		FUZZ_CHECK(w->start < w->end && w->end <= len,
		    "words are inside the text and not empty");
		FUZZ_CHECK(cpoff[w->cstart] == w->start &&
		    cpoff[w->cend] == w->end && cpidx[w->start] == w->cstart,
		    "word offsets in code points are exact");
		FUZZ_CHECK(i == 0 || w->start >= ws.w[i - 1].end,
		    "words are in order");
		if (p.chars > 0)
			FUZZ_CHECK(w->cend - w->cstart <= p.chars,
			    "a word longer than --chars is cut");
	}
	FUZZ_CHECK((p.ncuts == 0) == (ws.n == 0),
	    "a text with words has chunks");

	/* the chunks */
	for (size_t i = 0; i < p.ncuts; i++) {
		size_t a, e;
		const struct seg_word *first, *last;

		chunk_get(&p, &cut);
		a = cut.w0;
		e = cut.w1;
		FUZZ_CHECK(a < e && e <= ws.n, "a chunk holds words");
		first = &ws.w[a];
		last = &ws.w[e - 1];
		FUZZ_CHECK(cut.start == first->start && cut.end == last->end &&
		    cut.cstart == first->cstart && cut.cend == last->cend,
		    "a chunk's offsets are its words'");
		FUZZ_CHECK(e - a <= p.words, "at most --words words");
		FUZZ_CHECK(p.chars == 0 || last->cend - first->cstart <=
		    p.chars, "at most --chars characters");
		FUZZ_CHECK(cpoff[first->cstart] == first->start &&
		    cpoff[last->cend] == last->end,
		    "start and end are the chunk's code point offsets");
		FUZZ_UTF8(text + first->start, last->end - first->start,
		    "a chunk splits no UTF-8 sequence");
		if (i == 0)
			FUZZ_CHECK(a == 0, "the first chunk opens the text");
		else {
			size_t pa = prev.w0, pe = prev.w1;

			FUZZ_CHECK(a == (pe - pa > p.overlap ?
			    pe - p.overlap : pe),
			    "the overlap is exact");
			FUZZ_CHECK(a > pa, "chunks move on");
		}
		if (i == p.ncuts - 1)
			FUZZ_CHECK(e == ws.n,
			    "the last chunk ends with the last word");
		for (size_t b = first->start; b < last->end; b++)
			covered[b] = 1;
		prev = cut;
	}

	/* every character that is not white space is in a chunk */
	for (size_t c = 0; c < ncp; c++) {
		int cp;

		seg_decode(text + cpoff[c], len - cpoff[c], &cp);
		if (!seg_is_space(cp))
			FUZZ_CHECK(covered[cpoff[c]],
			    "every character but white space is in a chunk");
	}
	free(covered);
	free(cpidx);
	free(cpoff);
	free(text);
	return 0;
}
