/*
 * fts5rank.h - jl_bm25, an FTS5 ranking function with BM25's k1 and b
 * as arguments (FTS5's own bm25() fixes them at 1.2 and 0.75), and a
 * weight for the words near the start of a row:
 *
 *	SELECT rowid, jl_bm25(chunks_fts, K1, B, LEAD, SCALE) AS s
 *	    FROM chunks_fts WHERE chunks_fts MATCH ?1 ORDER BY s
 *
 * Like bm25() the score is negative, better the lower, summed over the
 * query's phrases (every column counted, no column weights), each
 * phrase's idf log((N - n + 0.5) / (n + 0.5)), at least 1e-6, where N is
 * the table's rows and n those the phrase occurs in.  A phrase's
 * frequency in the row counts each occurrence at token offset t as
 * 1 + LEAD exp(-t / SCALE) (a row's lead says what its headline says).
 * The arguments after the table may be left out from the right: K1 1.2,
 * B 0.75, LEAD 0 (every occurrence 1).
 *
 * Ownership: fts5rank_register only adds the function to the connection;
 * nothing is allocated past the statement that uses it.
 */
#ifndef JOBLINE_FTS5RANK_H
#define JOBLINE_FTS5RANK_H

#include <sqlite3.h>

/* Register jl_bm25 on db: SQLITE_OK, or an SQLite error code when the
 * library has no FTS5. */
int fts5rank_register(sqlite3 *db);

#endif
