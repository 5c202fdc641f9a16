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
 *
 * Scheme hash-v2 ("hash-v2-DIM" untrained, "hash-v2-DIM@DIGEST" with the
 * model file of that digest, see embmodel.h) differs in:
 *   1. marks (accents) are stripped as well: "café" is "cafe";
 *   3. English stop words and one-letter words are dropped, the rest
 *      stemmed (a light suffix stripper), hashed with seed 2; a word of 5
 *      bytes or more adds its first 5 bytes (before stemming, seed 3,
 *      weight 0.5: "japan" and "japanese" share it); pairs are of
 *      neighbouring words that were kept;
 *   4. with a model, a word's (and a prefix's) weight is times its idf, a
 *      pair's times the mean idf of its two words;
 *   6. with a model, the words' context vectors (what words they occur
 *      with in the training text), weighted as in 4, are summed,
 *      normalised, scaled by the model's context weight and added to the
 *      normalised hashed vector, and the sum normalised again: texts
 *      about the same thing are near even when they share few words.
 *
 * Scheme hash-v3 ("hash-v3-DIM", the default; never trained) is hash-v2
 * untrained but for:
 *   3. no pairs; a word of 4 bytes or more adds its first 4 bytes (seed
 *      3), one of 6 or more its first 6 too (seed 4), each at weight 1;
 *   4. term weight ptf^0.85, ptf the sum over the feature's occurrences
 *      of 1 + 4 exp(-k / 20), k the number of words kept before it in the
 *      text: a word the text repeats, or has near its start, counts for
 *      more (the lead, as search's keyword ranking weighs it; known-item
 *      search by title, bench/RESULTS.md).
 * Everything is integer hashing and IEEE float arithmetic in a fixed
 * order, so the same text gives the same vector on every machine.
 *
 * Ownership: hashembed_new, hashembed_new_v2 and hashembed_new_v3 return a context the
 * caller frees with hashembed_free; a model given to hashembed_new_v2
 * stays the caller's and must outlive the context.  Vectors are written
 * into the caller's buffer.
 */
#ifndef JOBLINE_HASHEMBED_H
#define JOBLINE_HASHEMBED_H

#include <stddef.h>
#include <stdint.h>

#define HASHEMBED_DIM 384	/* default dimension */
#define HASHEMBED_MAXDIM 65536

struct hashembed;
struct embmodel;

/* A hash-v1 embedder of dim components. */
struct hashembed *hashembed_new(int dim);

/* A hash-v2 embedder: of dim components untrained (m NULL), else of m's. */
struct hashembed *hashembed_new_v2(int dim, const struct embmodel *m);

/* A hash-v3 embedder of dim components. */
struct hashembed *hashembed_new_v3(int dim);
void hashembed_free(struct hashembed *h);

int hashembed_dim(const struct hashembed *h);

/* "hash-v1-DIM", "hash-v2-DIM", "hash-v2-DIM@DIGEST" or "hash-v3-DIM";
 * owned by h. */
const char *hashembed_model(const struct hashembed *h);

/* Non-zero when name is a hash-v1 model; its dimension in *dim. */
int hashembed_parse_model(const char *name, int *dim);

/* The version (1, 2 or 3) when name is a hash model, else 0; its dimension
 * in *dim and, when digest is not NULL, a hash-v2 model's digest in
 * *digest (a pointer into name, or NULL when it has none; a name with a
 * digest is not a model when digest is NULL). */
int hashembed_parse_name(const char *name, int *dim, const char **digest);

/* The embedding of text[0..len) into out[0..dim). */
void hashembed_vector(struct hashembed *h, const char *text, size_t len,
    float *out);

/* For training: call fn with each distinct word (not pair) feature of
 * text[0..len) and its count. */
void hashembed_terms(struct hashembed *h, const char *text, size_t len,
    void (*fn)(void *arg, uint64_t term, unsigned tf), void *arg);

/* The component feature f adds to, and in *sign whether it adds or
 * subtracts (1 or -1). */
int hashembed_index(const struct hashembed *h, uint64_t f, float *sign);

#endif
