/*
 * predictions.c - the SQL of the predictions, votes and user_stats
 * tables (see predictions.h).
 *
 * The SQL is written to run on SQLite and PostgreSQL alike: no scalar
 * max(), no boolean read as a number, IS [NOT] DISTINCT FROM for
 * comparisons with NULL, the target table named in an upsert's WHERE.
 */
#include <stdlib.h>
#include <string.h>

#include "dbstmt.h"
#include "predictions.h"
#include "util.h"

/* Statements, by use; each prepared at its first use. */
enum {
	S_FIND,		/* a stored prediction's status and record */
	S_INSERT,	/* a new prediction */
	S_UPDATE,	/* an active prediction changed */
	S_STATUS,	/* a prediction's status and options, for votes */
	S_VOTE,		/* a vote, added or changed */
	S_GET,		/* one prediction */
	S_DUE,		/* a page of due active auto predictions */
	S_NEEDSTART,	/* a page of opened predictions without start price */
	S_SETSTART,	/* record a start price */
	S_COUNT,	/* votes of a prediction, and the correct ones */
	S_SEQ,		/* next resolved_seq */
	S_RESOLVE,	/* mark verified (guarded by status) */
	S_RESOLVE_PG,	/* the same with resolved_seq from a sequence */
	S_LOCK_PG,	/* lock an open prediction's row first */
	S_ERROR,	/* mark error (guarded by status) */
	S_MARK,		/* mark the votes */
	S_STATS_VOTES,	/* the marked votes of a prediction */
	S_STATS,	/* update a voter's statistics */
	S_STATS_NEW,	/* or start them */
	S_RESULT,	/* a verified prediction's row */
	S_VOTERS,	/* its voters for output */
	S_CANCEL,	/* cancel by hand */
	S_ACTIVE,	/* every active prediction, for --check */
	S_COUNT_ST
};

/* Mark a prediction verified, unless it is no longer open; seq is the
 * SQL of its resolved_seq. */
#define RESOLVE_SQL(seq, tail) \
	"UPDATE predictions SET status = 'verified', start_price = ?2," \
	" end_price = ?3, price_change = ?4, change_percent = ?5," \
	" correct_option = ?6, verified_at = ?7, updated_at = ?7," \
	" resolved_seq = " seq ", resolved_by = ?9, votes_correct = ?11," \
	" votes_incorrect = ?12, error = NULL" \
	" WHERE id = ?1 AND (status = 'active'" \
	"  OR (?10 = 1 AND status = 'error'))" tail

static const char *const sql[S_COUNT_ST] = {
	[S_FIND] =
	    "SELECT status, CASE WHEN record IS NOT DISTINCT FROM ?2"
	    " THEN 1 ELSE 0 END FROM predictions WHERE id = ?1",
	[S_INSERT] =
	    "INSERT INTO predictions (id, symbol, question, opens_at,"
	    " verify_at, start_price, options, mode, status, record,"
	    " created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
	[S_UPDATE] =
	    "UPDATE predictions SET symbol = ?2, question = ?3, opens_at = ?4,"
	    " verify_at = ?5, start_price = ?6, options = ?7, mode = ?8,"
	    " status = ?9, record = ?10, updated_at = ?11"
	    " WHERE id = ?1 AND status = 'active'",
	[S_STATUS] =
	    "SELECT status, options FROM predictions WHERE id = ?1",
	[S_VOTE] =
	    "INSERT INTO votes (prediction_id, user_id, option, voted_at)"
	    " SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM predictions"
	    "  WHERE id = ?1 AND status = 'active')"
	    " ON CONFLICT (prediction_id, user_id) DO UPDATE"
	    " SET option = excluded.option, voted_at = excluded.voted_at"
	    " WHERE votes.option IS DISTINCT FROM excluded.option"
	    "  OR votes.voted_at IS DISTINCT FROM excluded.voted_at",
	[S_GET] =
	    "SELECT id, symbol, question, opens_at, verify_at, start_price,"
	    " options, mode, status, correct_option FROM predictions"
	    " WHERE id = ?1",
	[S_DUE] =
	    "SELECT id, verify_at FROM predictions"
	    " WHERE status = 'active' AND verify_at <= ?1"
	    " AND (verify_at, id) > (?2, ?3) AND mode = 'auto'"
	    " ORDER BY verify_at, id LIMIT ?4",
	[S_NEEDSTART] =
	    "SELECT id, opens_at, symbol FROM predictions"
	    " WHERE status = 'active' AND start_price IS NULL"
	    " AND opens_at <= ?1 AND (opens_at, id) > (?2, ?3)"
	    " ORDER BY opens_at, id LIMIT ?4",
	[S_SETSTART] =
	    "UPDATE predictions SET start_price = ?2, updated_at = ?3"
	    " WHERE id = ?1 AND status = 'active' AND start_price IS NULL",
	[S_COUNT] =
	    "SELECT count(*), count(*) FILTER (WHERE option = ?2)"
	    " FROM votes WHERE prediction_id = ?1",
	/*
	 * Read, then written by S_RESOLVE: two runs resolving at once are
	 * kept apart by SQLite's one writer (the transaction is IMMEDIATE).
	 * PostgreSQL's writers are not one at a time: there the number is
	 * taken from a sequence (S_RESOLVE_PG, issue 17), once the row is
	 * locked and seen open (S_LOCK_PG), so that a run that finds the
	 * prediction taken by another leaves no gap.
	 */
	[S_SEQ] =
	    "SELECT coalesce(max(resolved_seq), 0) + 1 FROM predictions"
	    " WHERE resolved_seq IS NOT NULL",
	[S_RESOLVE] = RESOLVE_SQL("?8", ""),
	[S_RESOLVE_PG] = RESOLVE_SQL(
	    "coalesce(?8, nextval('predictions_resolved_seq'))",
	    " RETURNING resolved_seq"),
	[S_LOCK_PG] =
	    "SELECT 1 FROM predictions WHERE id = ?1 AND (status = 'active'"
	    "  OR (?2 = 1 AND status = 'error')) FOR UPDATE",
	[S_ERROR] =
	    "UPDATE predictions SET status = 'error', start_price = ?2,"
	    " end_price = ?3, price_change = ?4, change_percent = ?5,"
	    " error = ?6, updated_at = ?7"
	    " WHERE id = ?1 AND status = 'active'",
	[S_MARK] =
	    "UPDATE votes SET correct = CASE WHEN option = ?2 THEN 1 ELSE 0"
	    " END WHERE prediction_id = ?1",
	/*
	 * The voters' statistics, one voter at a time: an UPDATE of the row,
	 * else an INSERT.  Not one INSERT ... SELECT ... ON CONFLICT DO
	 * UPDATE for all voters: that statement may abort half way, so SQLite
	 * keeps a statement journal of every page the batch touched before,
	 * in a temporary file: two million write(2)s per million votes.
	 */
	[S_STATS_VOTES] =
	    "SELECT user_id, correct FROM votes WHERE prediction_id = ?1",
	[S_STATS] =
	    "UPDATE user_stats SET predictions = predictions + 1,"
	    " correct = correct + ?2,"
	    " accuracy = CAST(correct + ?2 AS DOUBLE PRECISION)"
	    "  / (predictions + 1),"
	    " current_streak = CASE WHEN ?2 = 1 THEN current_streak + 1"
	    "  ELSE 0 END,"
	    " best_streak = CASE WHEN ?2 = 1 AND current_streak + 1 >"
	    "  best_streak THEN current_streak + 1 ELSE best_streak END,"
	    " last_seq = ?3, updated_at = ?4 WHERE user_id = ?1",
	[S_STATS_NEW] =
	    "INSERT INTO user_stats (user_id, predictions, correct, accuracy,"
	    " current_streak, best_streak, last_seq, updated_at)"
	    " VALUES (?1, 1, ?2, ?5, ?2, ?2, ?3, ?4)"	/* ?5: ?2 as a double */
	    " ON CONFLICT (user_id) DO NOTHING",
	[S_RESULT] =
	    "SELECT id, symbol, question, opens_at, verify_at,"
	    " start_price, end_price, price_change, change_percent,"
	    " correct_option, resolved_by, verified_at, votes_correct,"
	    " votes_incorrect FROM predictions"
	    " WHERE id = ?1 AND status = 'verified'",
	[S_VOTERS] =
	    "SELECT user_id, option, correct FROM votes"
	    " WHERE prediction_id = ?1 ORDER BY user_id",
	[S_CANCEL] =
	    "UPDATE predictions SET status = 'cancelled', updated_at = ?2"
	    " WHERE id = ?1 AND status IN ('active', 'error')",
	[S_ACTIVE] =
	    "SELECT id, opens_at, verify_at, start_price, options, mode"
	    " FROM predictions WHERE status = 'active' ORDER BY id",
};

struct predictions {
	struct db *db;			/* the store; not owned */
	struct db_stmt *st[S_COUNT_ST];	/* statements, NULL until used */
};

/* Statement i, prepared at its first use. */
static struct db_stmt *
stmt(struct predictions *p, int i)
{
	if (p->st[i] == NULL)
		p->st[i] = db_prepare(p->db, sql[i]);
	return p->st[i];
}

struct predictions *
predictions_open(struct db *db, int flags)
{
	struct predictions *p = xcalloc(1, sizeof(*p));

	p->db = db;
	if ((flags & PREDICTIONS_RESOLVING) && db_kind(db) == DB_SQLITE)
		db_exec(db, "PRAGMA cache_size = -32768");
	return p;
}

void
predictions_close(struct predictions *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < S_COUNT_ST; i++)
		db_finalize(p->st[i]);
	free(p);
}

/* Bind a double, or NULL when x is. */
static void
bind_price(struct db_stmt *st, int i, const double *x)
{
	if (x != NULL)
		db_bind_double(st, i, *x);
	else
		db_bind_null(st, i);
}

/* A double column, pointed to in *buf, or NULL for SQL NULL. */
static const double *
col_price(struct db_stmt *st, int i, double *buf)
{
	if (db_column_null(st, i))
		return NULL;
	*buf = db_column_double(st, i);
	return buf;
}

/* ---- loading ---- */

enum pred_put
predictions_put(struct predictions *p, const struct prediction_in *in,
    const char *now, char *status)
{
	struct db_stmt *st = stmt(p, S_FIND);
	int found, same = 0;

	db_bind_text(st, 1, in->id);
	db_bind_textn(st, 2, in->record, in->record_len);
	found = db_step_ok(st) == DB_ROW;
	if (found) {
		const char *s = db_column_text(st, 0);

		same = db_column_int(st, 1) != 0;
		if (!same && strcmp(s, "active") != 0) {
			snprintf(status, PRED_STATUSSZ, "%s", s);
			db_reset(st);
			return PRED_PUT_CLOSED;
		}
	}
	db_reset(st);
	if (found && same)
		return PRED_PUT_SAME;
	st = stmt(p, found ? S_UPDATE : S_INSERT);
	db_bind_text(st, 1, in->id);
	db_bind_text(st, 2, in->symbol);
	db_bind_text(st, 3, in->question);
	db_bind_text(st, 4, in->opens_at);
	db_bind_text(st, 5, in->verify_at);
	bind_price(st, 6, in->has_start ? &in->start_price : NULL);
	db_bind_text(st, 7, in->options);
	db_bind_text(st, 8, in->mode);
	db_bind_text(st, 9, in->status);
	db_bind_textn(st, 10, in->record, in->record_len);
	db_bind_text(st, 11, now);
	db_step_ok(st);
	db_clear(st);
	return found ? PRED_PUT_CHANGED : PRED_PUT_NEW;
}

int
predictions_status(struct predictions *p, const char *id, char **status,
    char **options)
{
	struct db_stmt *st = stmt(p, S_STATUS);
	int found;

	*status = *options = NULL;
	db_bind_text(st, 1, id);
	found = db_step_ok(st) == DB_ROW;
	if (found) {
		*status = db_column_dup(st, 0);
		*options = db_column_dup(st, 1);
	}
	db_reset(st);
	return found;
}

int
predictions_vote(struct predictions *p, const char *pid,
    const char *user_id, const char *option, const char *voted_at)
{
	struct db_stmt *st = stmt(p, S_VOTE);
	int64_t n;

	db_bind_text(st, 1, pid);
	db_bind_text(st, 2, user_id);
	db_bind_text(st, 3, option);
	db_bind_text(st, 4, voted_at);
	db_step_ok(st);
	n = db_changes(p->db);
	db_reset(st);			/* every parameter is bound each time */
	return n > 0;
}

/* ---- resolving ---- */

int
predictions_get(struct predictions *p, const char *id,
    struct prediction *out)
{
	struct db_stmt *st = stmt(p, S_GET);
	int found;

	memset(out, 0, sizeof(*out));
	db_bind_text(st, 1, id);
	found = db_step_ok(st) == DB_ROW;
	if (found) {
		out->id = db_column_dup(st, 0);
		out->symbol = db_column_dup(st, 1);
		out->question = db_column_dup(st, 2);
		out->opens_at = db_column_dup(st, 3);
		out->verify_at = db_column_dup(st, 4);
		out->has_start = !db_column_null(st, 5);
		out->start_price = db_column_double(st, 5);
		out->options = db_column_dup(st, 6);
		out->mode = db_column_dup(st, 7);
		out->status = db_column_dup(st, 8);
		out->correct_option = db_column_dup(st, 9);
	}
	db_reset(st);
	return found;
}

void
prediction_free(struct prediction *pr)
{
	free(pr->id);
	free(pr->symbol);
	free(pr->question);
	free(pr->opens_at);
	free(pr->verify_at);
	free(pr->options);
	free(pr->mode);
	free(pr->status);
	free(pr->correct_option);
	memset(pr, 0, sizeof(*pr));
}

/* A keyset page of statement i: id, at and (with_symbol) symbol. */
static int
page(struct predictions *p, int i, const char *now, const char *after_at,
    const char *after_id, struct pred_due *out, int max, int with_symbol)
{
	struct db_stmt *st = stmt(p, i);
	int n = 0;

	db_bind_text(st, 1, now);
	db_bind_text(st, 2, after_at);
	db_bind_text(st, 3, after_id);
	db_bind_int(st, 4, max);
	while (n < max && db_step_ok(st) == DB_ROW) {
		out[n].id = db_column_dup(st, 0);
		out[n].at = db_column_dup(st, 1);
		out[n].symbol = with_symbol ? db_column_dup(st, 2) : NULL;
		n++;
	}
	db_reset(st);
	return n;
}

int
predictions_due(struct predictions *p, const char *now, const char *after_at,
    const char *after_id, struct pred_due *out, int max)
{
	return page(p, S_DUE, now, after_at, after_id, out, max, 0);
}

int
predictions_need_start(struct predictions *p, const char *now,
    const char *after_at, const char *after_id, struct pred_due *out,
    int max)
{
	return page(p, S_NEEDSTART, now, after_at, after_id, out, max, 1);
}

void
pred_due_free(struct pred_due *d, int n)
{
	for (int i = 0; i < n; i++) {
		free(d[i].id);
		free(d[i].at);
		free(d[i].symbol);
		d[i].id = d[i].at = d[i].symbol = NULL;
	}
}

void
predictions_set_start(struct predictions *p, const char *id, double price,
    const char *now)
{
	struct db_stmt *st = stmt(p, S_SETSTART);

	db_bind_text(st, 1, id);
	db_bind_double(st, 2, price);
	db_bind_text(st, 3, now);
	db_step_ok(st);
	db_reset(st);
}

/* Count one resolved vote of user (n bytes) in the user's statistics. */
static void
stats_count(struct predictions *p, const char *user, size_t n, int ok,
    int64_t seq, const char *now)
{
	/*
	 * An UPDATE, else (a voter new to the store) an INSERT, else (on
	 * PostgreSQL, another run inserted the voter meanwhile) the UPDATE
	 * again.
	 */
	for (int pass = 0; pass < 3; pass++) {
		struct db_stmt *u = stmt(p, pass == 1 ? S_STATS_NEW : S_STATS);

		db_bind_textn(u, 1, user, n);
		db_bind_int(u, 2, ok);
		db_bind_int(u, 3, seq);
		db_bind_text(u, 4, now);
		if (pass == 1)
			db_bind_double(u, 5, ok);
		db_step_ok(u);
		db_reset(u);
		if (db_changes(p->db) == 1)
			break;
	}
}

int64_t
predictions_resolve(struct predictions *p, const struct prediction *pr,
    const char *option, const struct cond_vars *cv, const char *by,
    int allow_error, const char *now)
{
	struct db_stmt *st;
	int64_t nvotes = 0, ncorrect = 0, seq = 1;
	int pg = db_kind(p->db) == DB_POSTGRES, rc, done;

	if (pg) {
		st = stmt(p, S_LOCK_PG);
		db_bind_text(st, 1, pr->id);
		db_bind_int(st, 2, allow_error != 0);
		rc = db_step_ok(st);
		db_reset(st);
		if (rc != DB_ROW)
			return -1;	/* resolved by another run */
	}
	st = stmt(p, S_COUNT);
	db_bind_text(st, 1, pr->id);
	db_bind_text(st, 2, option);
	if (db_step_ok(st) == DB_ROW) {
		nvotes = db_column_int(st, 0);
		ncorrect = db_column_int(st, 1);
	}
	db_reset(st);
	if (!pg) {
		st = stmt(p, S_SEQ);
		if (db_step_ok(st) == DB_ROW)
			seq = db_column_int(st, 0);
		db_reset(st);
	}

	st = stmt(p, pg ? S_RESOLVE_PG : S_RESOLVE);
	db_bind_text(st, 1, pr->id);
	if (cv != NULL) {
		db_bind_double(st, 2, cv->start_price);
		db_bind_double(st, 3, cv->price);
		db_bind_double(st, 4, cv->price_change);
		db_bind_double(st, 5, cv->price_change_percent);
	} else
		bind_price(st, 2, pr->has_start ? &pr->start_price : NULL);
	db_bind_text(st, 6, option);
	db_bind_text(st, 7, now);
	if (pg)
		db_bind_null(st, 8);	/* the sequence's */
	else
		db_bind_int(st, 8, seq);
	db_bind_text(st, 9, by);
	db_bind_int(st, 10, allow_error != 0);
	db_bind_int(st, 11, ncorrect);
	db_bind_int(st, 12, nvotes - ncorrect);
	rc = db_step_ok(st);
	if (pg) {
		done = rc == DB_ROW;
		if (done)
			seq = db_column_int(st, 0);
	} else
		done = db_changes(p->db) == 1;
	db_clear(st);
	if (!done)
		return -1;

	st = stmt(p, S_MARK);
	db_bind_text(st, 1, pr->id);
	db_bind_text(st, 2, option);
	db_step_ok(st);
	db_reset(st);

	st = stmt(p, S_STATS_VOTES);
	db_bind_text(st, 1, pr->id);
	while (db_step_ok(st) == DB_ROW)
		stats_count(p, db_column_text(st, 0), db_column_bytes(st, 0),
		    (int)db_column_int(st, 1), seq, now);
	db_reset(st);
	return nvotes;
}

int
predictions_set_error(struct predictions *p, const char *id,
    const struct cond_vars *cv, const char *reason, const char *now)
{
	struct db_stmt *st = stmt(p, S_ERROR);

	db_bind_text(st, 1, id);
	if (cv != NULL) {
		db_bind_double(st, 2, cv->start_price);
		db_bind_double(st, 3, cv->price);
		db_bind_double(st, 4, cv->price_change);
		db_bind_double(st, 5, cv->price_change_percent);
	}
	db_bind_text(st, 6, reason);
	db_bind_text(st, 7, now);
	db_step_ok(st);
	db_clear(st);
	return db_changes(p->db) == 1 ? 0 : -1;
}

int
predictions_cancel(struct predictions *p, const char *id, const char *now)
{
	struct db_stmt *st = stmt(p, S_CANCEL);

	db_bind_text(st, 1, id);
	db_bind_text(st, 2, now);
	db_step_ok(st);
	db_reset(st);
	return db_changes(p->db) == 1;
}

/* ---- reading results ---- */

int
predictions_result(struct predictions *p, const char *id,
    void (*row)(const struct pred_result *res, void *arg),
    void (*voter)(const struct pred_voter *v, void *arg), void *arg)
{
	struct db_stmt *st = stmt(p, S_RESULT);
	struct pred_result r;
	struct pred_voter v;
	double prices[4];

	db_bind_text(st, 1, id);
	if (db_step_ok(st) != DB_ROW) {
		db_reset(st);
		return -1;
	}
	r.id = db_column_text(st, 0);
	r.symbol = db_column_text(st, 1);
	r.question = db_column_text(st, 2);
	r.opens_at = db_column_text(st, 3);
	r.verify_at = db_column_text(st, 4);
	r.start_price = col_price(st, 5, &prices[0]);
	r.end_price = col_price(st, 6, &prices[1]);
	r.price_change = col_price(st, 7, &prices[2]);
	r.change_percent = col_price(st, 8, &prices[3]);
	r.correct_option = db_column_text(st, 9);
	r.resolved_by = db_column_text(st, 10);
	r.verified_at = db_column_text(st, 11);
	r.votes_correct = db_column_int(st, 12);
	r.votes_incorrect = db_column_int(st, 13);
	row(&r, arg);
	db_reset(st);

	st = stmt(p, S_VOTERS);
	db_bind_text(st, 1, id);
	while (db_step_ok(st) == DB_ROW) {
		v.user_id = db_column_text(st, 0);
		v.option = db_column_text(st, 1);
		v.correct = db_column_int(st, 2) != 0;
		voter(&v, arg);
	}
	db_reset(st);
	return 0;
}

void
predictions_each_active(struct predictions *p,
    int (*fn)(const struct pred_active *a, void *arg), void *arg)
{
	struct db_stmt *st = stmt(p, S_ACTIVE);
	struct pred_active a;
	double start;

	while (db_step_ok(st) == DB_ROW) {
		a.id = db_column_text(st, 0);
		a.opens_at = db_column_text(st, 1);
		a.verify_at = db_column_text(st, 2);
		a.start_price = col_price(st, 3, &start);
		a.options = db_column_text(st, 4);
		a.mode = db_column_text(st, 5);
		if (fn(&a, arg) != 0)
			break;
	}
	db_reset(st);
}
