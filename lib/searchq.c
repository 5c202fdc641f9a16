/* searchq.c - search's SQL (see searchq.h) */
#include <stdlib.h>
#include <string.h>

#include "dbstmt.h"
#include "searchq.h"
#include "searchq_pg.h"
#include "util.h"

struct searchq {
	struct db *db;			/* the store; not owned */
	struct db_stmt *models;		/* the distinct models */
	struct db_stmt *scan;		/* rowid, vector of every chunk */
	struct db_stmt *fts;		/* keyword ranking */
	struct db_stmt *get;		/* a hit's fields */
	struct db_stmt *item;		/* a chunk's article */
	struct db_stmt *tsquery;	/* PostgreSQL: words to a tsquery */
	int pg;				/* the store is PostgreSQL's */
};

/* The SQLite store's statements; searchq_pg.c has PostgreSQL's. */
static const struct searchq_sql sqlite_sql = {
	"SELECT DISTINCT model FROM chunks WHERE model IS NOT NULL"
	" ORDER BY model",
	"SELECT chunk, vector FROM chunks_vectors WHERE model = ?1",
	/* BM25 with k1 4, b 0.3, a chunk's words weighing 1 + 4 exp(-offset
	 * / 20) (lib/fts5rank.h): chosen on half the BBC set
	 * (bench/RESULTS.md); FTS5's bm25() has k1 1.2, b 0.75, no lead.
	 * Every chunk's start counts as a lead: telling an article's first
	 * chunk by joining chunks doubled the time over 100,000 chunks for
	 * 0.0007 of MRR */
	"SELECT rowid, jl_bm25(chunks_fts, 4.0, 0.3, 4.0, 20.0) AS s"
	" FROM chunks_fts"
	" WHERE chunks_fts MATCH ?1 ORDER BY s LIMIT ?2",
	/* the columns in the order of SQ_ID.. with n last */
	"SELECT c.id, c.item_id, c.text,"
	" coalesce(a.url, json_extract(c.record, '$.url')),"
	" coalesce(a.title, json_extract(c.record, '$.title')),"
	" coalesce(a.published, json_extract(c.record, '$.published')),"
	" coalesce(c.record ->> '$.synopsis', a.record ->> '$.synopsis'),"
	" coalesce(c.record ->> '$.event_type',"
	"   a.record ->> '$.event_type'),"
	" coalesce(c.record -> '$.companies', a.record -> '$.companies'),"
	" c.n"
	" FROM chunks c LEFT JOIN articles a ON a.id = c.item_id"
	" WHERE c.rowid = ?1 LIMIT 1",
	"SELECT item_id FROM chunks WHERE rowid = ?1",
	NULL
};

struct searchq *
searchq_open(struct db *db)
{
	struct searchq *q = xcalloc(1, sizeof(*q));
	int pg = db_kind(db) == DB_POSTGRES;
	const struct searchq_sql *sql = pg ? &searchq_pg_sql : &sqlite_sql;

	q->db = db;
	q->pg = pg;
	q->models = db_prepare(db, sql->models);
	if (sql->scan != NULL)
		q->scan = db_prepare(db, sql->scan);
	q->fts = db_prepare(db, sql->fts);
	q->get = db_prepare(db, sql->get);
	q->item = db_prepare(db, sql->item);
	if (sql->tsquery != NULL)
		q->tsquery = db_prepare(db, sql->tsquery);
	return q;
}

void
searchq_close(struct searchq *q)
{
	if (q == NULL)
		return;
	db_finalize(q->models);
	db_finalize(q->scan);
	db_finalize(q->fts);
	db_finalize(q->get);
	db_finalize(q->item);
	db_finalize(q->tsquery);
	free(q);
}

void
searchq_models(struct searchq *q, void (*fn)(void *, const char *),
    void *arg)
{
	while (db_step_ok(q->models) == DB_ROW)
		fn(arg, db_column_text(q->models, 0));
	db_reset(q->models);
}

void
searchq_vectors(struct searchq *q, const char *model,
    void (*fn)(void *, int64_t, const void *, size_t), void *arg)
{
	struct db_stmt *st = q->scan;

	if (q->pg) {
		searchq_pg_vectors(q->db, model, fn, arg);
		return;
	}
	db_bind_text(st, 1, model);
	while (db_step_ok(st) == DB_ROW)
		fn(arg, db_column_int(st, 0), db_column_blob(st, 1),
		    db_column_bytes(st, 1));
	db_reset(st);
}

int
searchq_near(const struct searchq *q)
{
	return !q->pg;
}

void
searchq_keyword(struct searchq *q, const char *expr, int limit,
    void (*fn)(void *, int64_t, double), void *arg)
{
	struct db_stmt *st = q->fts;

	if (q->tsquery != NULL) {	/* the expression's words, OR'd */
		db_bind_text(q->tsquery, 1, expr);
		if (db_step_ok(q->tsquery) != DB_ROW ||
		    db_column_null(q->tsquery, 0)) {
			db_reset(q->tsquery);
			return;		/* no word a lexeme */
		}
		db_bind_copy(st, 1, db_column_text(q->tsquery, 0));
		db_reset(q->tsquery);
	} else
		db_bind_text(st, 1, expr);
	db_bind_int(st, 2, limit);
	while (db_step_ok(st) == DB_ROW)
		fn(arg, db_column_int(st, 0), db_column_double(st, 1));
	db_reset(st);
}

int
searchq_get(struct searchq *q, int64_t id, struct searchq_hit *h)
{
	struct db_stmt *st = q->get;

	db_reset(st);		/* the last hit's strings go now */
	memset(h, 0, sizeof(*h));
	db_bind_int(st, 1, id);
	if (db_step_ok(st) != DB_ROW)
		return -1;
	for (int i = 0; i < SQ_NFIELDS; i++) {
		h->f[i] = db_column_text(st, i);
		h->len[i] = h->f[i] != NULL ? db_column_bytes(st, i) : 0;
	}
	h->has_n = !db_column_null(st, SQ_NFIELDS);
	h->n = db_column_int(st, SQ_NFIELDS);
	return 0;
}

const char *
searchq_item(struct searchq *q, int64_t id)
{
	db_reset(q->item);
	db_bind_int(q->item, 1, id);
	if (db_step_ok(q->item) != DB_ROW)
		return NULL;
	return db_column_text(q->item, 0);
}

void
searchq_release(struct searchq *q)
{
	db_reset(q->get);
	db_reset(q->item);
}
