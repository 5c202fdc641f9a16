/*
 * hashembed.h - the offline "hash" text embedder (owned by the retrieval
 * programs: embed and search; summarize may reuse it).
 *
 * Scheme hash-v1 (the model name "hash-v1-DIM" pins it and the dimension):
 *   1. normalise: Unicode NFKC with case folding (utf8proc); ASCII text is
 *      lower-cased directly, which is the same thing;
 *   2. tokens: runs of letters, marks and digits; every Han, Hiragana,
 *      Katakana or Hangul character is a token of its own;
 *   3. features: each token (weight 1) and each pair of neighbouring tokens
 *      (weight 0.5), hashed with XXH3-64 (a token: its bytes, seed 0; a
 *      pair: the second token's hash as 8 little-endian bytes, with the
 *      first token's hash as seed);
 *   4. term weight 1 + ln(tf) per distinct feature (sublinear);
 *   5. the feature adds its weight to component (low 32 bits of h) * DIM
 *      / 2^32, negated when the top bit of h is set (signed feature
 *      hashing);
 *   6. the vector is L2-normalised (a text with no tokens gives zeros).
 * Everything is integer hashing and IEEE float arithmetic in a fixed
 * order, so the same text gives the same vector on every machine.
 *
 * Ownership: hashembed_new returns a context the caller frees with
 * hashembed_free; vectors are written into the caller's buffer.
 */
#ifndef JOBLINE_HASHEMBED_H
#define JOBLINE_HASHEMBED_H

#include <stddef.h>

#define HASHEMBED_DIM 384	/* default dimension */
#define HASHEMBED_MAXDIM 65536

struct hashembed;

struct hashembed *hashembed_new(int dim);
void hashembed_free(struct hashembed *h);

int hashembed_dim(const struct hashembed *h);

/* "hash-v1-DIM"; owned by h. */
const char *hashembed_model(const struct hashembed *h);

/* Non-zero when name is a hash model; its dimension in *dim. */
int hashembed_parse_model(const char *name, int *dim);

/* The embedding of text[0..len) into out[0..dim). */
void hashembed_vector(struct hashembed *h, const char *text, size_t len,
    float *out);

#endif
