/*
 * embmodel.h - hash-v2's trained model (embed --train): the document
 * frequencies of the words of a body of text, and a context vector for
 * each of its more frequent words, read from a model file that embed and
 * search share.
 *
 * Training (one reflection of random indexing): every text is a
 * document; a document's vector is the sum of its words' hashed features
 * (hash-v2's sparse part, weighted (1 + ln tf) * idf), normalised; a
 * word's context vector is the sum of the vectors of the documents it
 * occurs in, with the same weight, less its own component; the context
 * vectors are centred (their mean subtracted), normalised and kept as
 * bytes (int8 times a scale per vector, from 0 to 1).  idf = ln((N + 1) / (df + 1)) +
 * 1 for N documents; a word the training never saw counts as df 1.
 *
 * The file (all little-endian):
 *   "jlembed" 0x01, u32 dim, u32 documents, u32 words, u32 words with a
 *   context vector (the first ones), f32 context weight (0 to 100), u32 0;
 *   then per word: u64 its hash-v2 hash, u32 df;
 *   then per context vector: f32 scale (0 to 1), dim int8.
 * Its digest, the XXH3-64 of the whole file in 16 hex digits, names the
 * vector space: "hash-v2-DIM@DIGEST".
 *
 * Ownership: embmodel_load returns a model the caller frees with
 * embmodel_free; context vectors returned by embmodel_lookup belong to
 * the model.  embtrain_new returns a trainer freed by embtrain_free.
 */
#ifndef JOBLINE_EMBMODEL_H
#define JOBLINE_EMBMODEL_H

#include <stddef.h>
#include <stdint.h>

#define EMBMODEL_DIGEST 16	/* hex digits of a digest */

struct embmodel;

/* The model in file path, or NULL with why (of whylen bytes) saying what
 * is wrong: "cannot open: ...", "not a model file of embed --train", ... */
struct embmodel *embmodel_load(const char *path, char *why, size_t whylen);
/* The same from the file's bytes b[0..len), which stay the caller's. */
struct embmodel *embmodel_parse(const unsigned char *b, size_t len,
    char *why, size_t whylen);
void embmodel_free(struct embmodel *m);	/* NULL is allowed */

int embmodel_dim(const struct embmodel *m);

/* The 16 hex digits naming the model; owned by m. */
const char *embmodel_digest(const struct embmodel *m);

/* Non-zero when s is 16 lower-case hex digits and nothing more. */
int embmodel_is_digest(const char *s);

/* The weight of the context part of a vector. */
float embmodel_context_weight(const struct embmodel *m);

/* The idf of word term; its context vector (dim int8s) in *ctx and their
 * scale in *scale, or *ctx NULL when it has none. */
float embmodel_lookup(const struct embmodel *m, uint64_t term,
    const int8_t **ctx, float *scale);

/* ---- training ---- */

struct embtrain;

struct embtrain *embtrain_new(int dim);
void embtrain_free(struct embtrain *t);	/* NULL is allowed */

/* Add one document. */
void embtrain_add(struct embtrain *t, const char *text, size_t len);

/* Documents added so far (those with words). */
size_t embtrain_docs(const struct embtrain *t);

/* Write the model to path (through a temporary file and a rename), with
 * context weight cw.  Returns 0, or -1 with errno set. */
int embtrain_write(struct embtrain *t, const char *path, float cw);

#endif
