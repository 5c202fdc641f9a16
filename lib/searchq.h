/*
 * searchq.h - search's queries on the chunks table: the models of the
 * stored vectors, a scan of one model's vectors (chunks_vectors), the
 * keyword ranking, and a hit's fields.  On SQLite the keywords are
 * FTS5's (chunks_fts, BM25); on PostgreSQL the chunks' tsvector and
 * ts_rank_cd, and the vectors are streamed (lib/searchq_pg.h).
 *
 * Ownership: struct searchq holds prepared statements on a handle that
 * stays the caller's; searchq_close finalizes them.  Strings and blobs
 * handed to a callback, and those searchq_get fills in, belong to the
 * statement: good until the callback returns, or the next searchq_get.
 */
#ifndef JOBLINE_SEARCHQ_H
#define JOBLINE_SEARCHQ_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct searchq *searchq_open(struct db *db);
void searchq_close(struct searchq *q);	/* NULL is allowed */

/* Call fn with each model of the stored vectors, in byte order. */
void searchq_models(struct searchq *q,
    void (*fn)(void *arg, const char *model), void *arg);

/* Call fn with every stored vector of model: the chunk's rowid and the
 * vector's bytes (little-endian float32s, not aligned).  fn must not use
 * the store meanwhile. */
void searchq_vectors(struct searchq *q, const char *model,
    void (*fn)(void *arg, int64_t id, const void *vec, size_t bytes),
    void *arg);

/* Call fn with the best limit chunks matching the FTS5 expression, best
 * first, and their BM25 score (lower is better, as FTS5 has it).  On
 * PostgreSQL the expression's words count, OR'd (FTS5's OR, AND, NOT are
 * English stopwords there), and the score is ts_rank_cd's, negated. */
void searchq_keyword(struct searchq *q, const char *expr, int limit,
    void (*fn)(void *arg, int64_t id, double bm25), void *arg);

/* Non-zero when the expression may hold FTS5's NEAR groups (SQLite);
 * PostgreSQL's ranking already counts nearness (ts_rank_cd). */
int searchq_near(const struct searchq *q);

/* A hit's fields; text fields NULL when unknown. */
enum {
	SQ_ID,			/* the chunk's id */
	SQ_ITEM_ID,		/* its article's id */
	SQ_TEXT,		/* the chunk's text */
	SQ_URL,			/* the article's, else the chunk record's */
	SQ_TITLE,		/* likewise */
	SQ_PUBLISHED,		/* likewise */
	SQ_SYNOPSIS,		/* the chunk record's, else the article's */
	SQ_EVENT_TYPE,		/* likewise */
	SQ_COMPANIES,		/* likewise, as JSON text */
	SQ_NFIELDS
};

struct searchq_hit {
	const char *f[SQ_NFIELDS];	/* the fields above, or NULL */
	size_t len[SQ_NFIELDS];		/* their lengths in bytes */
	int64_t n;			/* the chunk's index */
	int has_n;			/* n is known */
};

/* Fill h with chunk id's fields; 0, or -1 when there is no such chunk. */
int searchq_get(struct searchq *q, int64_t id, struct searchq_hit *h);

/* The article id of chunk id, or NULL; good until the next call. */
const char *searchq_item(struct searchq *q, int64_t id);

/* Done with the last hit: its strings go, and with them the read. */
void searchq_release(struct searchq *q);

#endif
