/* fuzz-segment: words and sentences of random text (chunk's and
 * summarize's boundaries): words in order, inside the text, never empty,
 * never splitting a UTF-8 sequence, and code point offsets that agree. */
#include "fuzz.h"
#include "segment.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct seg_words ws = { 0 };
	size_t prev_end = 0, prev_cend = 0;

	if (utf8_check(s, size) != size)
		return 0;
	seg_words(s, size, size % 7 == 0 ? 5 : 0, &ws);
	for (size_t i = 0; i < ws.n; i++) {
		const struct seg_word *w = &ws.w[i];

		FUZZ_CHECK(w->start < w->end && w->end <= size,
		    "words are inside the text and not empty");
		FUZZ_CHECK(w->start >= prev_end && w->cstart >= prev_cend,
		    "words are in order");
		FUZZ_CHECK(((unsigned char)s[w->start] & 0xc0) != 0x80 &&
		    (w->end == size || ((unsigned char)s[w->end] & 0xc0) !=
		    0x80), "words start and end on character boundaries");
		FUZZ_CHECK(w->cend - w->cstart <= w->end - w->start,
		    "code points no more than bytes");
		prev_end = w->end;
		prev_cend = w->cend;
	}
	seg_free(&ws);
	return 0;
}
