/*
 * extract.h - the extractive summariser (owned by summarize; see
 * summarize(1) for the rules): a text is cut into sentences (lib/segment),
 * each sentence hashed to a vector (lib/hashembed) and scored by its
 * similarity to the other sentences and to the title, its position and its
 * length; the best sentences that fit, near-duplicates skipped, make the
 * synopsis, in the order of the text.
 *
 * Ownership: extract_new allocates an extractor, extract_free releases it
 * and everything it holds.  The texts given are borrowed for the call.
 * The synopsis of extract_text is owned by the extractor and valid until
 * its next call; extract_clean returns a string the caller frees.
 */
#ifndef JOBLINE_EXTRACT_H
#define JOBLINE_EXTRACT_H

#include <stddef.h>

struct extract;

/* An extractor of synopses of at most `sentences' sentences and `chars'
 * characters (chars >= 2). */
struct extract *extract_new(int sentences, size_t chars);
void extract_free(struct extract *x);

/*
 * The synopsis of text[0..len), title[0..tlen) (title may be NULL) into
 * *out (NUL-terminated, *outlen bytes).  Returns 0, *out empty, when the
 * text has no words.  A best sentence longer than `chars' alone is cut
 * at a word (or a grapheme) and ends with an ellipsis.
 */
int extract_text(struct extract *x, const char *title, size_t tlen,
    const char *text, size_t len, const char **out, size_t *outlen);

/*
 * s[0..len) with its whitespace collapsed and trimmed, within `chars'
 * characters (cut at a word, with an ellipsis; then *truncated is 1, else
 * 0); NULL when s has no words.
 */
char *extract_clean(struct extract *x, const char *s, size_t len,
    int *truncated);

#endif
