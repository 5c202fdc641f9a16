/*
 * segment.h - words, sentences and paragraphs of UTF-8 text (owned by the
 * retrieval programs: chunk; summarize reuses it).
 *
 * A word is a maximal run of non-whitespace characters (whitespace: the
 * ASCII spaces and controls \t \n \v \f \r, U+0085, and the Unicode space,
 * line and paragraph separators Zs, Zl, Zp).  Two exceptions, both
 * written down in chunk(1): a CJK sentence terminator (U+3002 。, U+FF01
 * ！, U+FF1F ？, U+FF61 ｡), with any closing brackets or quotes after it,
 * ends a word even when no space follows, since those scripts put no
 * spaces between sentences; and a word reaching max_chars characters is
 * cut there (max_chars 0: never).
 *
 * A paragraph break is whitespace holding two or more line breaks (a blank
 * line) or U+2029.  A sentence ends after a word whose last character,
 * past closing quotes and brackets, is a terminator: . ! ? … and the CJK,
 * Devanagari (।) and Arabic (؟ ۔) ones, when the next word does not go on
 * the sentence.  A full stop ends no sentence when the word is a title
 * abbreviation (Mr. Dr. Prof. St. vs. No. ...) or a single-letter initial
 * ("J."), or when the next word begins with a lower-case letter (e.g. i.e.
 * etc. mid-sentence); decimals ("3.5") keep the stop inside the word.  A
 * paragraph break or the end of the text always ends a sentence.
 *
 * Offsets are kept both in bytes and in code points from the start of the
 * text.  The text must be valid UTF-8 (json-c validated it); invalid bytes
 * count as one character each and are never split.
 *
 * Words come one at a time from a struct seg_iter, which reads one word
 * ahead (whether a word ends a sentence depends on the next) and keeps
 * nothing else: memory does not grow with the text.  seg_words collects
 * them all, for texts known to be short.
 *
 * Ownership: the iterator is the caller's struct and borrows the text,
 * which must outlive it; it allocates nothing.  The words array is the
 * caller's struct, its w buffer grown with xrealloc and released with
 * seg_free; nothing points into the text.
 */
#ifndef JOBLINE_SEGMENT_H
#define JOBLINE_SEGMENT_H

#include <stddef.h>

enum {
	SEG_LINE = 1,		/* a line break comes before this word */
	SEG_PARA = 2,		/* a paragraph break comes before this word */
	SEG_SENT_END = 4	/* this word ends a sentence */
};

struct seg_word {
	size_t start, end;	/* byte offsets: [start, end) */
	size_t cstart, cend;	/* the same in code points */
	unsigned flags;		/* SEG_* */
};

struct seg_words {
	struct seg_word *w;	/* the words, in order; owned */
	size_t n;		/* words found */
	size_t cap;		/* capacity of w */
};

/* A cursor over the words of one text. */
struct seg_iter {
	const char *s;		/* the text; borrowed */
	size_t len;		/* its length in bytes */
	size_t max_chars;	/* a longer word is cut; 0: never */
	size_t pos, cpos;	/* where scanning goes on, bytes and code points */
	size_t nl;		/* line breaks in the whitespace scanned */
	struct seg_word next;	/* the word read ahead, without SEG_SENT_END */
	int ahead;		/* next holds a word */
};

/* Start on the words of s[0..len), cut at max_chars (0: never). */
void seg_iter_init(struct seg_iter *it, const char *s, size_t len,
    size_t max_chars);

/* The next word into *w, with all its flags; 0 after the last. */
int seg_iter_next(struct seg_iter *it, struct seg_word *w);

/* Split s[0..len) into words, replacing what out held. */
void seg_words(const char *s, size_t len, size_t max_chars,
    struct seg_words *out);

void seg_free(struct seg_words *out);

/* Non-zero when word i starts a sentence (first word, after a paragraph
 * break, or after a word that ends one). */
int seg_sentence_start(const struct seg_words *ws, size_t i);

/*
 * Decode the code point at s[0..len) (len > 0) into *cp; returns its length
 * in bytes (1 for an invalid byte, decoded as U+FFFD).
 */
size_t seg_decode(const char *s, size_t len, int *cp);

/* Non-zero when cp is whitespace as defined above. */
int seg_is_space(int cp);

/* The length in bytes of at most max characters of s[0..len): cut after
 * the last whitespace that fits, or at a character when there is none;
 * *cut is 1 when something was left out, else 0. */
size_t seg_clip(const char *s, size_t len, size_t max, int *cut);

#endif
