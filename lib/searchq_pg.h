/*
 * searchq_pg.h - search's queries on a PostgreSQL store, for lib/searchq.c
 * alone: the SQL of its statements where PostgreSQL's differs from
 * SQLite's, and the scan of the vectors, which streams them over libpq
 * rather than reading them whole.
 *
 * Keywords: the chunks' tsv column (lib/schema_pg.c, step 4: the text
 * search configuration jobline, English stems, diacritics ignored) and
 * its GIN index.  The query's lexemes under that configuration, OR'd,
 * are matched, and ts_rank_cd (cover density, normalised by the log of
 * the chunk's length) ranks the matches: higher is better, and no IDF.
 *
 * Ownership: the strings are static; the scan's callback gets a row's
 * bytes, good until it returns.
 */
#ifndef JOBLINE_SEARCHQ_PG_H
#define JOBLINE_SEARCHQ_PG_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* The statements searchq.c prepares on either store. */
struct searchq_sql {
	const char *models;	/* the distinct models, in byte order */
	const char *scan;	/* ?1 a model: rowid, vector; or NULL */
	const char *fts;	/* ?1 the query, ?2 the limit: id, "bm25" */
	const char *get;	/* ?1 a chunk's id: SQ_ID.. then n */
	const char *item;	/* ?1 a chunk's id: its article's id */
	const char *tsquery;	/* ?1 the words: their tsquery, or NULL */
};

extern const struct searchq_sql searchq_pg_sql;

/* Call fn with every stored vector of model, as searchq_vectors does;
 * fn must not use the store, whose connection is busy meanwhile. */
void searchq_pg_vectors(struct db *db, const char *model,
    void (*fn)(void *arg, int64_t id, const void *vec, size_t bytes),
    void *arg);

#endif
