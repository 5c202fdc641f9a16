/*
 * chunks.h - the chunks table: store chunks' side of it (chunks of an
 * item's text, with their vectors), and the articles it completes.
 * man/jobline.5 documents the table.
 *
 * An article is complete once all count chunks of its item (n from 0 to
 * count-1) are stored; chunks_finish marks it so, in the caller's
 * transaction, which is the one that stores its last chunk.
 *
 * Ownership: struct chunks holds prepared statements on a handle that
 * stays the caller's; chunks_close finalizes them.  Strings and the
 * vector given in a struct chunk are only read, during the call.
 */
#ifndef JOBLINE_CHUNKS_H
#define JOBLINE_CHUNKS_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* A chunk as it is stored. */
struct chunk {
	const char *id;		/* its id: "<item id>#<n>" by default */
	const char *item_id;	/* the article's id */
	int64_t n;		/* 0-based index */
	int64_t count;		/* chunks of this item */
	const char *text;	/* the chunk's text */
	const int64_t *start;	/* offset of its text, or NULL */
	const int64_t *end;	/* offset of its end, or NULL */
	const int64_t *words;	/* words in it, or NULL */
	const char *model;	/* the vector's embedding_model, or NULL */
	const void *vector;	/* little-endian float32s, or NULL */
	size_t vector_bytes;	/* bytes in vector */
	const char *record;	/* the chunk's record without its vector */
};

/* The handle of one run of store; now is the time stamp written to the
 * rows (copied). */
struct chunks *chunks_open(struct db *db, const char *now);
void chunks_close(struct chunks *c);	/* NULL is allowed */

/* Non-zero when a chunk with this id is stored. */
int chunks_exists(struct chunks *c, const char *id);

/* Store the chunk, replacing one with its id. */
void chunks_put(struct chunks *c, const struct chunk *ch);

/* Mark the article of item_id complete, with count chunks, if all its
 * count chunks are stored (count 0: it has no text) and it is not
 * complete already. */
void chunks_finish(struct chunks *c, const char *item_id, int64_t count);

#endif
