/* fts5rank.c - jl_bm25, BM25 with k1 and b for FTS5 (see fts5rank.h) */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "fts5rank.h"

/* The defaults, FTS5's own. */
#define K1_DEFAULT 1.2
#define B_DEFAULT 0.75

/* What a query's phrases weigh: computed at its first row, kept as the
 * statement's auxiliary data. */
struct bm25q {
	int nphrase;		/* the query's phrases */
	double avgdl;		/* mean row length in tokens */
	double *idf;		/* per phrase; points into this allocation */
	double *tf;		/* per phrase, the current row's; the same */
};

/* Count a row that holds the phrase; an xQueryPhrase callback. */
static int
count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *arg)
{
	(*(sqlite3_int64 *)arg)++;
	return SQLITE_OK;
}

/* The query's phrase weights, or NULL after setting rc. */
static struct bm25q *
bm25q_get(const Fts5ExtensionApi *api, Fts5Context *fts, int *rc)
{
	struct bm25q *q = api->xGetAuxdata(fts, 0);
	sqlite3_int64 nrow = 0, ntok = 0;
	int np;

	if (q != NULL)
		return q;
	np = api->xPhraseCount(fts);
	q = sqlite3_malloc64(sizeof(*q) + 2 * (size_t)np * sizeof(double));
	if (q == NULL) {
		*rc = SQLITE_NOMEM;
		return NULL;
	}
	q->nphrase = np;
	q->idf = (double *)(q + 1);
	q->tf = q->idf + np;
	if ((*rc = api->xRowCount(fts, &nrow)) == SQLITE_OK)
		*rc = api->xColumnTotalSize(fts, -1, &ntok);
	q->avgdl = nrow > 0 && ntok > 0 ? (double)ntok / (double)nrow : 1;
	for (int i = 0; *rc == SQLITE_OK && i < np; i++) {
		sqlite3_int64 n = 0;
		double idf;

		*rc = api->xQueryPhrase(fts, i, &n, count_row);
		idf = log(((double)nrow - (double)n + 0.5) /
		    ((double)n + 0.5));
		q->idf[i] = idf > 1e-6 ? idf : 1e-6;
	}
	if (*rc != SQLITE_OK) {
		sqlite3_free(q);
		return NULL;
	}
	/* on failure xSetAuxdata has freed q already */
	if ((*rc = api->xSetAuxdata(fts, q, sqlite3_free)) != SQLITE_OK)
		return NULL;
	return q;
}

static void
jl_bm25(const Fts5ExtensionApi *api, Fts5Context *fts,
    sqlite3_context *ctx, int nval, sqlite3_value **val)
{
	double k1 = nval > 0 ? sqlite3_value_double(val[0]) : K1_DEFAULT;
	double b = nval > 1 ? sqlite3_value_double(val[1]) : B_DEFAULT;
	double lead = nval > 2 ? sqlite3_value_double(val[2]) : 0;
	double scale = nval > 3 ? sqlite3_value_double(val[3]) : 0;
	struct bm25q *q;
	int rc = SQLITE_OK, ninst = 0, dl = 0;
	double norm, score = 0;

	if ((q = bm25q_get(api, fts, &rc)) == NULL ||
	    (rc = api->xInstCount(fts, &ninst)) != SQLITE_OK ||
	    (rc = api->xColumnSize(fts, -1, &dl)) != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	for (int i = 0; i < q->nphrase; i++)
		q->tf[i] = 0;
	if (scale <= 0)
		lead = 0;
	for (int i = 0; i < ninst; i++) {
		int ph, col, off;

		if ((rc = api->xInst(fts, i, &ph, &col, &off)) != SQLITE_OK) {
			sqlite3_result_error_code(ctx, rc);
			return;
		}
		if (ph >= 0 && ph < q->nphrase)
			q->tf[ph] += lead > 0 ?
			    1 + lead * exp(-(double)off / scale) : 1;
	}
	norm = k1 * (1 - b + b * (double)dl / q->avgdl);
	for (int i = 0; i < q->nphrase; i++)
		if (q->tf[i] > 0)
			score += q->idf[i] * q->tf[i] * (k1 + 1) /
			    (q->tf[i] + norm);
	sqlite3_result_double(ctx, -score);
}

int
fts5rank_register(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	(void)sqlite3_step(st);
	rc = sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return rc;
	if (api == NULL || api->iVersion < 2)
		return SQLITE_ERROR;
	return api->xCreateFunction(api, "jl_bm25", NULL, jl_bm25, NULL);
}
