/*
 * predictions.h - the predictions, votes and user_stats tables: price
 * predictions loaded by store predictions, the users' votes loaded by
 * store votes, and their resolution by verify-predictions (the correct
 * option recorded, the votes marked, each voter's statistics counted
 * once, in the order of resolution).  man/jobline.5 documents the
 * tables; lib/cond.h is the language of the options.
 *
 * Times are RFC 3339 UTC text to the second (YYYY-MM-DDThh:mm:ssZ), as
 * the tables hold them and compare them.  A prediction is active until
 * it is verified, cancelled or set to error; only an active one takes
 * votes, changes, or is resolved (an errored one may be resolved by
 * hand).  Functions that write do so in the caller's transaction
 * (db_begin), except where said.
 *
 * Ownership: struct predictions holds prepared statements on a handle
 * that stays the caller's; predictions_close finalizes them.  Strings
 * given are only read, during the call.  What a struct prediction or
 * struct pred_due holds is the caller's, freed by prediction_free or
 * pred_due_free; what a callback receives is good only during the call.
 */
#ifndef JOBLINE_PREDICTIONS_H
#define JOBLINE_PREDICTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "cond.h"
#include "db.h"

/* predictions_open's flags */
enum {
	/* for a run that resolves: SQLite's page cache is set to 32 MB
	 * (its default is 2 MB), enough for the user_stats pages of some
	 * 500,000 users, which every batch of resolutions touches again */
	PREDICTIONS_RESOLVING = 1
};

struct predictions *predictions_open(struct db *db, int flags);
void predictions_close(struct predictions *p);	/* NULL is allowed */

/* ---- loading (store predictions, store votes) ---- */

/* A prediction as loaded. */
struct prediction_in {
	const char *id;			/* its id */
	const char *symbol;		/* the quoted symbol */
	const char *question;		/* or NULL */
	const char *opens_at;		/* RFC 3339 UTC, normalised */
	const char *verify_at;		/* likewise, after opens_at */
	int has_start;			/* start_price is given */
	double start_price;		/* > 0 */
	const char *options;		/* JSON {label: condition}, checked */
	const char *mode;		/* "auto" or "manual" */
	const char *status;		/* "active" or "cancelled" */
	const char *record;		/* the input record, JSON */
	size_t record_len;		/* its length */
};

/* What predictions_put did. */
enum pred_put {
	PRED_PUT_NEW,			/* inserted */
	PRED_PUT_SAME,			/* stored with this record already */
	PRED_PUT_CHANGED,		/* an active one, updated */
	PRED_PUT_CLOSED			/* no longer active: not changed */
};

/* Room for any status (PRED_PUT_CLOSED's). */
#define PRED_STATUSSZ 16

/*
 * Store the prediction, stamped now, unless it is stored with the same
 * record or is no longer active (then its status goes into status,
 * PRED_STATUSSZ bytes).
 */
enum pred_put predictions_put(struct predictions *p,
    const struct prediction_in *in, const char *now, char *status);

/*
 * The status and the options (JSON text) of prediction id, new strings
 * for the caller to free; 1, or 0 (both NULL) when there is none.
 */
int predictions_status(struct predictions *p, const char *id,
    char **status, char **options);

/*
 * User user_id's vote for option of prediction pid, voted at voted_at
 * (RFC 3339, or NULL), replacing the user's earlier vote; nothing unless
 * the prediction is active.  1 when a row was added or changed, else 0.
 */
int predictions_vote(struct predictions *p, const char *pid,
    const char *user_id, const char *option, const char *voted_at);

/* ---- resolving (verify-predictions) ---- */

/* A prediction as resolving reads it: owned copies of its row. */
struct prediction {
	char *id;
	char *symbol;
	char *question;			/* or NULL */
	char *opens_at;
	char *verify_at;
	char *options;			/* JSON text */
	char *mode;
	char *status;
	char *correct_option;		/* or NULL */
	int has_start;			/* start_price is set */
	double start_price;
};

/* Read prediction id into *out: 1, or 0 when there is none. */
int predictions_get(struct predictions *p, const char *id,
    struct prediction *out);
void prediction_free(struct prediction *pr);	/* and zero it */

/* A key of a page of predictions, with what the page needs of it. */
struct pred_due {
	char *id;			/* owned */
	char *at;			/* its verify_at or opens_at; owned */
	char *symbol;			/* owned; NULL in due pages */
};

/*
 * Pages, in keyset order after (after_at, after_id) (two empty strings
 * for the first page), of at most max predictions, into out; returns how
 * many.  predictions_due: the active auto ones whose verify_at is at or
 * before now, by (verify_at, id); predictions_need_start: the active
 * ones opened at or before now without a start price, by (opens_at, id).
 */
int predictions_due(struct predictions *p, const char *now,
    const char *after_at, const char *after_id, struct pred_due *out,
    int max);
int predictions_need_start(struct predictions *p, const char *now,
    const char *after_at, const char *after_id, struct pred_due *out,
    int max);
void pred_due_free(struct pred_due *d, int n);

/* Record the start price of an active prediction that has none. */
void predictions_set_start(struct predictions *p, const char *id,
    double price, const char *now);

/*
 * Resolve pr with option as the correct one, at now, by by ("auto" or
 * "manual"): record it (with cv's prices when cv is not NULL, else only
 * its stored start price), mark its votes, and count each voter's
 * statistics (predictions, correct, accuracy, streaks) in the order of
 * resolution.  allow_error lets a prediction in status error be
 * resolved.  Returns the number of votes scored, or -1 when the
 * prediction is no longer open (another run resolved it): nothing done.
 */
int64_t predictions_resolve(struct predictions *p,
    const struct prediction *pr, const char *option,
    const struct cond_vars *cv, const char *by, int allow_error,
    const char *now);

/* Set active prediction id to error with reason, and cv's prices when
 * cv is not NULL; 0, or -1 when it is not active. */
int predictions_set_error(struct predictions *p, const char *id,
    const struct cond_vars *cv, const char *reason, const char *now);

/* Cancel an active or errored prediction: 1, or 0 when there is none. */
int predictions_cancel(struct predictions *p, const char *id,
    const char *now);

/* ---- reading results ---- */

/* A verified prediction's result. */
struct pred_result {
	const char *id;
	const char *symbol;
	const char *question;		/* or NULL */
	const char *opens_at;
	const char *verify_at;
	const double *start_price;	/* each NULL for SQL NULL */
	const double *end_price;
	const double *price_change;
	const double *change_percent;
	const char *correct_option;
	const char *resolved_by;
	const char *verified_at;
	int64_t votes_correct;
	int64_t votes_incorrect;
};

/* One vote of a verified prediction. */
struct pred_voter {
	const char *user_id;
	const char *option;
	int correct;			/* the option was the correct one */
};

/*
 * The result of verified prediction id: row(result) once, then voter()
 * for each vote in user_id order, streamed (a million voters cost no
 * more memory than one).  Returns 0, or -1 when id is not verified.
 */
int predictions_result(struct predictions *p, const char *id,
    void (*row)(const struct pred_result *res, void *arg),
    void (*voter)(const struct pred_voter *v, void *arg), void *arg);

/* An active prediction, for checking. */
struct pred_active {
	const char *id;
	const char *opens_at;
	const char *verify_at;
	const double *start_price;	/* NULL when not set */
	const char *options;		/* JSON text */
	const char *mode;
};

/* Call fn for every active prediction by id, until it returns non-zero. */
void predictions_each_active(struct predictions *p,
    int (*fn)(const struct pred_active *a, void *arg), void *arg);

#endif
