/* searchq_pg.c - search's queries on a PostgreSQL store (searchq_pg.h) */
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "dbstmt.h"
#include "searchq_pg.h"
#include "util.h"

const struct searchq_sql searchq_pg_sql = {
	"SELECT DISTINCT model COLLATE \"C\" FROM chunks"
	" WHERE model IS NOT NULL ORDER BY 1",
	NULL,			/* searchq_pg_vectors streams them */
	/* negated, so that lower is better, as FTS5's bm25() has it */
	"SELECT rowid, -ts_rank_cd(tsv, CAST(?1 AS tsquery), 1)"
	" FROM chunks WHERE tsv @@ CAST(?1 AS tsquery)"
	" ORDER BY 2, rowid LIMIT ?2",
	"SELECT c.id, c.item_id, c.text,"
	" coalesce(a.url, CAST(c.record AS jsonb) ->> 'url'),"
	" coalesce(a.title, CAST(c.record AS jsonb) ->> 'title'),"
	" coalesce(a.published, CAST(c.record AS jsonb) ->> 'published'),"
	" coalesce(CAST(c.record AS jsonb) ->> 'synopsis',"
	"   CAST(a.record AS jsonb) ->> 'synopsis'),"
	" coalesce(CAST(c.record AS jsonb) ->> 'event_type',"
	"   CAST(a.record AS jsonb) ->> 'event_type'),"
	" coalesce(CAST(c.record AS jsonb) -> 'companies',"
	"   CAST(a.record AS jsonb) -> 'companies'),"
	" c.n"
	" FROM chunks c LEFT JOIN articles a ON a.id = c.item_id"
	" WHERE c.rowid = ?1 LIMIT 1",
	"SELECT item_id FROM chunks WHERE rowid = ?1",
	/* each lexeme quoted as tsquery's input reads it (a quote doubled,
	 * a backslash escaped): a query's text is never tsquery syntax */
	"SELECT string_agg('''' || replace(replace(l, '\\', '\\\\'),"
	" '''', '''''') || '''', ' | ')"
	" FROM unnest(tsvector_to_array(to_tsvector('jobline', ?1))) AS l"
};

/* A big-endian int8, as a binary result has it. */
static int64_t
be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

void
searchq_pg_vectors(struct db *db, const char *model,
    void (*fn)(void *, int64_t, const void *, size_t), void *arg)
{
	PGconn *conn = (PGconn *)db_pg(db);
	const char *vals[1] = { model };
	PGresult *res;
	int failed = 0;

	/* one row at a time in binary: 100,000 vectors never in memory at
	 * once, nor hex-encoded */
	if (!PQsendQueryParams(conn, "SELECT chunk, vector FROM chunks_vectors"
	    " WHERE model = $1", 1, NULL, vals, NULL, NULL, 1) ||
	    !PQsetSingleRowMode(conn))
		db_die(db, "vectors");
	while ((res = PQgetResult(conn)) != NULL) {
		switch (PQresultStatus(res)) {
		case PGRES_SINGLE_TUPLE:
			if (PQgetlength(res, 0, 0) == 8 && !PQgetisnull(res, 0, 1))
				fn(arg, be64((const unsigned char *)
				    PQgetvalue(res, 0, 0)), PQgetvalue(res, 0, 1),
				    (size_t)PQgetlength(res, 0, 1));
			break;
		case PGRES_TUPLES_OK:
			break;
		default:
			failed = 1;	/* the rest is drained first */
		}
		PQclear(res);
	}
	if (failed)
		db_die(db, "vectors");
}
