/*
 * verify-predictions - resolve price predictions that are due, score the
 * votes and the voters, exactly once.  See man/verify-predictions.1 and
 * the predictions, votes and user_stats tables in man/jobline.5.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "jsonl.h"
#include "prices.h"
#include "sig.h"
#include "stats.h"
#include "store.h"
#include "timefmt.h"
#include "util.h"

/* Due predictions read per query (keyset pages keep memory flat). */
#define PAGE 256
/* Default --max-age: the newest quote may be this much older. */
#define DEFAULT_MAX_AGE_MS (5 * 60 * 1000)
/* A write transaction is committed after BATCH_PRED predictions or
 * BATCH_MS milliseconds, whichever comes first: commits are what costs
 * (WAL frames, their checksums and the checkpoints were a fifth of the
 * work at a commit every 200 ms). */
#define BATCH_PRED 2048
#define BATCH_MS 2000
/* Reasons list at most this many option labels. */
#define REASON_MAX 512

enum {
	OPT_NOW = OPT_FIRST_PRIVATE, OPT_PRICES, OPT_MAX_AGE, OPT_RESOLVE,
	OPT_CANCEL, OPT_CHECK, OPT_EVAL, OPT_START_PRICE, OPT_END_PRICE,
	OPT_SHOW
};

/* Statements, by use. */
enum {
	S_DUE,		/* a page of due active auto predictions */
	S_NEEDSTART,	/* a page of opened predictions without start price */
	S_SETSTART,	/* record a start price */
	S_GET,		/* one prediction */
	S_COUNT,	/* votes of a prediction, and the correct ones */
	S_SEQ,		/* next resolved_seq */
	S_RESOLVE,	/* mark verified (guarded by status) */
	S_ERROR,	/* mark error (guarded by status) */
	S_MARK,		/* mark the votes */
	S_STATS_VOTES,	/* the marked votes of a prediction */
	S_STATS,	/* update a voter's statistics */
	S_STATS_NEW,	/* or start them */
	S_VOTERS,	/* stream the voters for output */
	S_CANCEL,	/* cancel by hand */
	S_COUNT_ST
};

/* The run. */
struct vp {
	sqlite3 *db;			/* the store */
	sqlite3_stmt *st[S_COUNT_ST];	/* prepared statements */
	struct prices *prices;		/* the quotes */
	int64_t now;			/* --now, ms */
	char nowbuf[TIME_BUFSZ];	/* its text */
	int64_t max_age;		/* --max-age, ms; 0: any age */
	int verbose;			/* -v */
	json_object *scratch;		/* a string reused to escape text */
	unsigned long resolved;		/* predictions verified */
	unsigned long errored;		/* predictions set to error */
	unsigned long waiting;		/* due, but no usable price */
	unsigned long failed;		/* --resolve / --cancel refused */
	unsigned long long votes;	/* votes scored */
};

/* A prediction as read by S_GET. */
struct pred {
	char *id;			/* owned copies of the row */
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

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: verify-predictions [--db PATH] [--now TIME] "
	    "[--prices FILE|-] [--max-age D]\n"
	    "                          [--resolve ID=OPTION] [--cancel ID] "
	    "[--check] [-v]\n"
	    "       verify-predictions --show ID\n"
	    "       verify-predictions --eval CONDITION --start-price P "
	    "--end-price P\n");
	exit(status);
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

static void
pred_free(struct pred *p)
{
	free(p->id);
	free(p->symbol);
	free(p->question);
	free(p->opens_at);
	free(p->verify_at);
	free(p->options);
	free(p->mode);
	free(p->status);
	free(p->correct_option);
	memset(p, 0, sizeof(*p));
}

/* Read prediction id into p; 0 when there is none. */
static int
pred_get(struct vp *v, const char *id, struct pred *p)
{
	sqlite3_stmt *st = v->st[S_GET];
	int found;

	memset(p, 0, sizeof(*p));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	found = store_step_ok(st) == SQLITE_ROW;
	if (found) {
		p->id = col_dup(st, 0);
		p->symbol = col_dup(st, 1);
		p->question = col_dup(st, 2);
		p->opens_at = col_dup(st, 3);
		p->verify_at = col_dup(st, 4);
		p->has_start = sqlite3_column_type(st, 5) != SQLITE_NULL;
		p->start_price = sqlite3_column_double(st, 5);
		p->options = col_dup(st, 6);
		p->mode = col_dup(st, 7);
		p->status = col_dup(st, 8);
		p->correct_option = col_dup(st, 9);
	}
	sqlite3_reset(st);
	return found;
}

/* The latest quote of symbol at or before at (see prices_quote_at). */
static int
quote_at(struct vp *v, const char *symbol, const char *at, double *price,
    char *from)
{
	return prices_quote_at(v->prices, symbol, at, v->max_age, price, from);
}

/* ---- output ---- */

static void
put_str(struct vp *v, const char *s)
{
	const char *c;

	if (s == NULL) {
		fputs("null", stdout);
		return;
	}
	for (c = s; *c != '\0' && *c != '"' && *c != '\\' &&
	    (unsigned char)*c >= 0x20 && *c != 0x7f; c++)
		;
	if (*c == '\0') {		/* nothing to escape: the usual case */
		putc_unlocked('"', stdout);
		fwrite_unlocked(s, 1, (size_t)(c - s), stdout);
		putc_unlocked('"', stdout);
		return;
	}
	json_object_set_string(v->scratch, s);
	fputs(jsonl_text(v->scratch, NULL), stdout);
}

/* A finite double as the shortest of %.15g / %.17g that reads back. */
static void
put_num(double x)
{
	char buf[40];

	snprintf(buf, sizeof(buf), "%.15g", x);
	if (strtod(buf, NULL) != x)
		snprintf(buf, sizeof(buf), "%.17g", x);
	fputs(buf, stdout);
}

static void
put_col_num(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		fputs("null", stdout);
	else
		put_num(sqlite3_column_double(st, i));
}

/*
 * Write the result line of a verified prediction: its row, then its
 * voters, streamed from the store in user_id order (no array is built, so
 * a prediction with a million voters costs no more memory than one).
 */
static int
print_result(struct vp *v, const char *id)
{
	static sqlite3_stmt *row;
	sqlite3_stmt *st;
	int first = 1;

	if (row == NULL)
		row = store_prepare(v->db,
		    "SELECT id, symbol, question, opens_at, verify_at,"
		    " start_price, end_price, price_change, change_percent,"
		    " correct_option, resolved_by, verified_at, votes_correct,"
		    " votes_incorrect FROM predictions"
		    " WHERE id = ?1 AND status = 'verified'");
	if (id == NULL) {
		sqlite3_finalize(row);
		row = NULL;
		return 0;
	}
	sqlite3_bind_text(row, 1, id, -1, SQLITE_STATIC);
	if (store_step_ok(row) != SQLITE_ROW) {
		sqlite3_reset(row);
		return -1;
	}
	fputs("{\"id\":", stdout);
	put_str(v, (const char *)sqlite3_column_text(row, 0));
	fputs(",\"symbol\":", stdout);
	put_str(v, (const char *)sqlite3_column_text(row, 1));
	if (sqlite3_column_type(row, 2) != SQLITE_NULL) {
		fputs(",\"question\":", stdout);
		put_str(v, (const char *)sqlite3_column_text(row, 2));
	}
	fputs(",\"opens_at\":", stdout);
	put_str(v, (const char *)sqlite3_column_text(row, 3));
	fputs(",\"verify_at\":", stdout);
	put_str(v, (const char *)sqlite3_column_text(row, 4));
	fputs(",\"start_price\":", stdout);
	put_col_num(row, 5);
	fputs(",\"end_price\":", stdout);
	put_col_num(row, 6);
	fputs(",\"price_change\":", stdout);
	put_col_num(row, 7);
	fputs(",\"change_percent\":", stdout);
	put_col_num(row, 8);
	fputs(",\"correct_option\":", stdout);
	put_str(v, (const char *)sqlite3_column_text(row, 9));
	fputs(",\"resolved_by\":", stdout);
	put_str(v, (const char *)sqlite3_column_text(row, 10));
	fputs(",\"verified_at\":", stdout);
	put_str(v, (const char *)sqlite3_column_text(row, 11));
	printf(",\"votes_correct\":%lld,\"votes_incorrect\":%lld"
	    ",\"voters\":[", (long long)sqlite3_column_int64(row, 12),
	    (long long)sqlite3_column_int64(row, 13));
	sqlite3_reset(row);

	st = v->st[S_VOTERS];
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (store_step_ok(st) == SQLITE_ROW) {
		fputs(first ? "{\"user_id\":" : ",{\"user_id\":", stdout);
		put_str(v, (const char *)sqlite3_column_text(st, 0));
		fputs(",\"option\":", stdout);
		put_str(v, (const char *)sqlite3_column_text(st, 1));
		fputs(sqlite3_column_int(st, 2) ? ",\"correct\":true}" :
		    ",\"correct\":false}", stdout);
		first = 0;
	}
	sqlite3_reset(st);
	fputs("]}\n", stdout);
	fflush(stdout);
	return 0;
}

/* ---- resolving ---- */

/*
 * In the open transaction: record option as the correct one, mark the
 * votes, update the voters' statistics.  allow_error lets a prediction in
 * status error be resolved (by hand).  Returns 0, or -1 when the
 * prediction is no longer open (another run resolved it): nothing done.
 */
static int
finish(struct vp *v, const struct pred *p, const char *option,
    const struct cond_vars *cv, int has_prices, const char *by,
    int allow_error)
{
	sqlite3_stmt *st;
	long long nvotes = 0, ncorrect = 0, seq = 1;

	st = v->st[S_COUNT];
	sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, option, -1, SQLITE_STATIC);
	if (store_step_ok(st) == SQLITE_ROW) {
		nvotes = sqlite3_column_int64(st, 0);
		ncorrect = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	st = v->st[S_SEQ];
	if (store_step_ok(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);

	st = v->st[S_RESOLVE];
	sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
	if (has_prices) {
		sqlite3_bind_double(st, 2, cv->start_price);
		sqlite3_bind_double(st, 3, cv->price);
		sqlite3_bind_double(st, 4, cv->price_change);
		sqlite3_bind_double(st, 5, cv->price_change_percent);
	} else if (p->has_start)
		sqlite3_bind_double(st, 2, p->start_price);
	sqlite3_bind_text(st, 6, option, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, v->nowbuf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, seq);
	sqlite3_bind_text(st, 9, by, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, allow_error);
	sqlite3_bind_int64(st, 11, ncorrect);
	sqlite3_bind_int64(st, 12, nvotes - ncorrect);
	store_step_ok(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (sqlite3_changes(v->db) != 1)
		return -1;

	st = v->st[S_MARK];
	sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, option, -1, SQLITE_STATIC);
	store_step_ok(st);
	sqlite3_reset(st);

	st = v->st[S_STATS_VOTES];
	sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
	while (store_step_ok(st) == SQLITE_ROW) {
		const unsigned char *user = sqlite3_column_text(st, 0);
		int n = sqlite3_column_bytes(st, 0);
		int ok = sqlite3_column_int(st, 1);
		sqlite3_stmt *u = v->st[S_STATS];

		for (int pass = 0; pass < 2; pass++) {
			sqlite3_bind_text(u, 1, (const char *)user, n,
			    SQLITE_STATIC);
			sqlite3_bind_int(u, 2, ok);
			sqlite3_bind_int64(u, 3, seq);
			sqlite3_bind_text(u, 4, v->nowbuf, -1, SQLITE_STATIC);
			store_step_ok(u);
			sqlite3_reset(u);
			if (sqlite3_changes(v->db) == 1)
				break;
			u = v->st[S_STATS_NEW];	/* a voter new to the store */
		}
	}
	sqlite3_reset(st);
	v->votes += (unsigned long long)nvotes;
	return 0;
}

/* In the open transaction: set status error with reason. */
static int
set_error(struct vp *v, const struct pred *p, const struct cond_vars *cv,
    int has_prices, const char *reason)
{
	sqlite3_stmt *st = v->st[S_ERROR];

	sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
	if (has_prices) {
		sqlite3_bind_double(st, 2, cv->start_price);
		sqlite3_bind_double(st, 3, cv->price);
		sqlite3_bind_double(st, 4, cv->price_change);
		sqlite3_bind_double(st, 5, cv->price_change_percent);
	}
	sqlite3_bind_text(st, 6, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, v->nowbuf, -1, SQLITE_STATIC);
	store_step_ok(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return sqlite3_changes(v->db) == 1 ? 0 : -1;
}

/* Append label to the reason list in buf (REASON_MAX), shortened. */
static void
reason_add(char *buf, const char *label)
{
	size_t n = strlen(buf);

	if (n + strlen(label) + 8 >= REASON_MAX) {
		if (n + 5 < REASON_MAX && strcmp(buf + n - 3, "...") != 0)
			strcat(buf, ", ...");
		return;
	}
	if (n > 0)
		strcat(buf, ", ");
	strcat(buf, label);
}

/*
 * Evaluate the options of p at cv.  Returns the one label that holds
 * (owned by opts), or NULL with the reason in reason (REASON_MAX).
 */
static const char *
pick_option(json_object *opts, const struct cond_vars *cv, char *reason)
{
	char held[REASON_MAX] = "", err[COND_ERRSZ];
	const char *one = NULL;
	int nheld = 0, nopts = 0;

	if (opts == NULL || !json_object_is_type(opts, json_type_object)) {
		snprintf(reason, REASON_MAX, "options are not an object");
		return NULL;
	}
	json_object_object_foreach(opts, label, val) {
		struct cond *c;
		const char *src = json_object_is_type(val, json_type_string) ?
		    json_object_get_string(val) : NULL;

		nopts++;
		if ((c = cond_parse(src, err, sizeof(err))) == NULL) {
			snprintf(reason, REASON_MAX, "option %.64s: %s", label,
			    err);
			return NULL;
		}
		if (cond_eval(c, cv)) {
			nheld++;
			one = label;
			reason_add(held, label);
		}
		cond_free(c);
	}
	if (nopts == 0) {
		snprintf(reason, REASON_MAX, "no options");
		return NULL;
	}
	if (nheld == 1)
		return one;
	if (nheld == 0)
		snprintf(reason, REASON_MAX, "no option holds at "
		    "price_change_percent %.10g (price %.10g, start %.10g)",
		    cv->price_change_percent, cv->price, cv->start_price);
	else
		snprintf(reason, REASON_MAX, "%d options hold (%s) at "
		    "price_change_percent %.10g", nheld, held,
		    cv->price_change_percent);
	return NULL;
}

/* Start price of p: stored, or the quote at opens_at. 1 if known. */
static int
start_price(struct vp *v, const struct pred *p, double *price, char *from)
{
	if (p->has_start) {
		*price = p->start_price;
		return 1;
	}
	return quote_at(v, p->symbol, p->opens_at, price, from);
}

/*
 * Resolve one due auto prediction inside the open transaction.  Nothing
 * is written unless the prediction is still active (so a prediction left
 * waiting, or one another run resolved meanwhile, costs no rollback).
 * Returns 1 when it was verified (its result line is due after commit).
 */
static int
resolve_auto(struct vp *v, const char *id)
{
	struct pred p;
	struct cond_vars cv;
	char from[TIME_BUFSZ], reason[REASON_MAX];
	const char *label;
	json_object *opts = NULL;
	double start, end;
	int verified = 0;

	if (!pred_get(v, id, &p) || strcmp(p.status, "active") != 0 ||
	    strcmp(p.mode, "auto") != 0)
		goto out;		/* another run got there first */
	if (!start_price(v, &p, &start, from)) {
		warnx("%s: no %s quote between %s and %s for the start price, "
		    "left active", p.id, p.symbol, from, p.opens_at);
		v->waiting++;
		goto out;
	}
	if (!quote_at(v, p.symbol, p.verify_at, &end, from)) {
		warnx("%s: no %s quote between %s and %s, left active",
		    p.id, p.symbol, from, p.verify_at);
		v->waiting++;
		goto out;
	}
	if (cond_vars_set(&cv, start, end) != 0) {
		memset(&cv, 0, sizeof(cv));
		snprintf(reason, sizeof(reason), "start price %.10g or end "
		    "price %.10g cannot give a change", start, end);
		if (set_error(v, &p, &cv, 0, reason) == 0) {
			warnx("%s: %s", p.id, reason);
			v->errored++;
		}
		goto out;
	}
	opts = json_tokener_parse(p.options);
	if ((label = pick_option(opts, &cv, reason)) == NULL) {
		if (set_error(v, &p, &cv, 1, reason) == 0) {
			warnx("%s: %s", p.id, reason);
			v->errored++;
		}
		goto out;
	}
	if (finish(v, &p, label, &cv, 1, "auto", 0) == 0) {
		v->resolved++;
		verified = 1;
	}
out:
	json_object_put(opts);
	pred_free(&p);
	return verified;
}

/* Fill in the start prices of opened predictions that have none. */
static void
fill_start_prices(struct vp *v)
{
	sqlite3_stmt *st = v->st[S_NEEDSTART];
	char *ids[PAGE], *syms[PAGE], *opens[PAGE];
	char *last_at = xstrdup(""), *last_id = xstrdup("");
	int n;

	do {
		n = 0;
		sqlite3_bind_text(st, 1, v->nowbuf, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, last_at, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, last_id, -1, SQLITE_STATIC);
		while (n < PAGE && store_step_ok(st) == SQLITE_ROW) {
			ids[n] = col_dup(st, 0);
			syms[n] = col_dup(st, 1);
			opens[n] = col_dup(st, 2);
			n++;
		}
		sqlite3_reset(st);
		if (n == 0)
			break;
		store_begin(v->db);
		for (int i = 0; i < n; i++) {
			char from[TIME_BUFSZ];
			double price;

			if (quote_at(v, syms[i], opens[i], &price, from) &&
			    price > 0) {
				sqlite3_stmt *u = v->st[S_SETSTART];

				sqlite3_bind_text(u, 1, ids[i], -1,
				    SQLITE_STATIC);
				sqlite3_bind_double(u, 2, price);
				sqlite3_bind_text(u, 3, v->nowbuf, -1,
				    SQLITE_STATIC);
				store_step_ok(u);
				sqlite3_reset(u);
			}
		}
		store_commit(v->db);
		free(last_at);
		free(last_id);
		last_at = xstrdup(opens[n - 1]);
		last_id = xstrdup(ids[n - 1]);
		for (int i = 0; i < n; i++) {
			free(ids[i]);
			free(syms[i]);
			free(opens[i]);
		}
	} while (n == PAGE && !sig_caught);
	free(last_at);
	free(last_id);
}

/*
 * Resolve every due active auto prediction, oldest deadline first.  Each
 * prediction's changes are all or nothing; several predictions share a
 * transaction (at most BATCH_PRED of them, or BATCH_MS), because every
 * commit rewrites the user_stats pages its voters touched: a commit per
 * prediction would write them thousands of times.  The result lines of a
 * transaction are written once it has committed.
 */
static void
resolve_due(struct vp *v)
{
	sqlite3_stmt *st = v->st[S_DUE];
	char *ids[PAGE], *ats[PAGE];
	char **pending = xcalloc(BATCH_PRED, sizeof(*pending));
	char *last_at = xstrdup(""), *last_id = xstrdup("");
	int n, npending = 0, in_txn = 0, ntxn = 0;
	int64_t t0 = 0;

	fill_start_prices(v);
	do {
		n = 0;
		sqlite3_bind_text(st, 1, v->nowbuf, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, last_at, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, last_id, -1, SQLITE_STATIC);
		while (n < PAGE && store_step_ok(st) == SQLITE_ROW) {
			ids[n] = col_dup(st, 0);
			ats[n] = col_dup(st, 1);
			n++;
		}
		sqlite3_reset(st);
		for (int i = 0; i < n && !sig_caught; i++) {
			if (!in_txn) {
				store_begin(v->db);
				in_txn = 1;
				ntxn = 0;
				t0 = time_mono();
			}
			if (resolve_auto(v, ids[i]))
				pending[npending++] = xstrdup(ids[i]);
			if (++ntxn >= BATCH_PRED ||
			    time_mono() - t0 >= BATCH_MS) {
				store_commit(v->db);
				in_txn = 0;
				for (int k = 0; k < npending; k++) {
					print_result(v, pending[k]);
					free(pending[k]);
				}
				npending = 0;
			}
		}
		if (n > 0) {
			free(last_at);
			free(last_id);
			last_at = xstrdup(ats[n - 1]);
			last_id = xstrdup(ids[n - 1]);
		}
		for (int i = 0; i < n; i++) {
			free(ids[i]);
			free(ats[i]);
		}
	} while (n == PAGE && !sig_caught);
	if (in_txn)
		store_commit(v->db);
	for (int k = 0; k < npending; k++) {
		print_result(v, pending[k]);
		free(pending[k]);
	}
	free(pending);
	free(last_at);
	free(last_id);
}

/* --resolve ID=OPTION */
static void
resolve_manual(struct vp *v, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *id = xstrndup(arg, (size_t)(eq - arg));
	const char *option = eq + 1;
	struct pred p;
	struct cond_vars cv;
	char from[TIME_BUFSZ], at[TIME_BUFSZ];
	json_object *opts = NULL;
	double start, end;
	int done = 0, has_prices = 0;

	memset(&cv, 0, sizeof(cv));
	store_begin(v->db);
	if (!pred_get(v, id, &p)) {
		warnx("%s: no such prediction", id);
		v->failed++;
		goto out;
	}
	if (strcmp(p.status, "verified") == 0) {
		if (p.correct_option == NULL ||
		    strcmp(p.correct_option, option) != 0) {
			warnx("%s: already verified with option %s", id,
			    p.correct_option ? p.correct_option : "?");
			v->failed++;
		}
		goto out;
	}
	if (strcmp(p.status, "cancelled") == 0) {
		warnx("%s: cancelled", id);
		v->failed++;
		goto out;
	}
	opts = json_tokener_parse(p.options);
	if (opts == NULL || !json_object_is_type(opts, json_type_object) ||
	    !json_object_object_get_ex(opts, option, NULL)) {
		warnx("%s: no option %s", id, option);
		v->failed++;
		goto out;
	}
	/* prices when they can be had: at the deadline, or now if earlier */
	if (strcmp(p.verify_at, v->nowbuf) <= 0)
		snprintf(at, sizeof(at), "%s", p.verify_at);
	else
		snprintf(at, sizeof(at), "%s", v->nowbuf);
	if (start_price(v, &p, &start, from) &&
	    quote_at(v, p.symbol, at, &end, from) &&
	    cond_vars_set(&cv, start, end) == 0)
		has_prices = 1;
	if (finish(v, &p, option, &cv, has_prices, "manual", 1) == 0) {
		v->resolved++;
		done = 1;
	} else {
		warnx("%s: not open (status changed meanwhile)", id);
		v->failed++;
	}
out:
	json_object_put(opts);
	if (done)
		store_commit(v->db);
	else
		store_rollback(v->db);
	if (done)
		print_result(v, id);
	pred_free(&p);
	free(id);
}

/* --cancel ID: an active or errored prediction is called off. */
static void
cancel(struct vp *v, const char *id)
{
	sqlite3_stmt *st = v->st[S_CANCEL];

	store_begin(v->db);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v->nowbuf, -1, SQLITE_STATIC);
	store_step_ok(st);
	sqlite3_reset(st);
	if (sqlite3_changes(v->db) != 1) {
		warnx("%s: no active or errored prediction of that id", id);
		v->failed++;
	}
	store_commit(v->db);
}

/* --check: every active prediction must be resolvable. */
static unsigned long
check_all(struct vp *v)
{
	sqlite3_stmt *st = store_prepare(v->db,
	    "SELECT id, opens_at, verify_at, start_price, options, mode"
	    " FROM predictions WHERE status = 'active' ORDER BY id");
	unsigned long bad = 0, n = 0;
	char err[COND_ERRSZ + 80], tbuf[TIME_BUFSZ];

	while (!sig_caught && store_step_ok(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *o = (const char *)sqlite3_column_text(st, 1);
		const char *d = (const char *)sqlite3_column_text(st, 2);
		int manual = strcmp((const char *)sqlite3_column_text(st, 5),
		    "manual") == 0;
		json_object *opts = json_tokener_parse(
		    (const char *)sqlite3_column_text(st, 4));
		int64_t oms, dms, nbad = 0;

		n++;
		if (time_parse(o, &oms) != 0 || time_parse(d, &dms) != 0 ||
		    dms <= oms) {
			warnx("%s: opens_at and verify_at are not two times in "
			    "order", id);
			nbad++;
		} else if (strcmp(time_format(oms, tbuf), o) != 0 ||
		    strcmp(time_format(dms, tbuf), d) != 0) {
			/* the due query compares them as text */
			warnx("%s: opens_at and verify_at are not written "
			    "YYYY-MM-DDThh:mm:ssZ", id);
			nbad++;
		}
		if (sqlite3_column_type(st, 3) != SQLITE_NULL &&
		    !(sqlite3_column_double(st, 3) > 0)) {
			warnx("%s: start_price is not positive", id);
			nbad++;
		}
		if (cond_options_check(opts, manual, err, sizeof(err)) != 0) {
			warnx("%s: %s", id, err);
			nbad++;
		}
		json_object_put(opts);
		if (nbad)
			bad++;
	}
	sqlite3_finalize(st);
	if (v->verbose)
		warnx("checked %lu active predictions, %lu bad", n, bad);
	return bad;
}

/* --prices: quotes from JSON lines, for this run only. */
static unsigned long
load_quotes(struct db *db, struct prices *pr, const char *path)
{
	struct jsonl_reader r;
	FILE *fp = stdin;
	json_object *o;
	unsigned long bad;

	if (strcmp(path, "-") != 0 && (fp = fopen(path, "r")) == NULL)
		err(EXIT_USAGE, "%s", path);
	jsonl_init(&r, fp, strcmp(path, "-") == 0 ? "stdin" : path);
	db_begin(db);
	while (!sig_caught && (o = jsonl_next(&r)) != NULL) {
		const char *sym = json_get_string(o, "symbol");
		const char *ts = json_get_string(o, "time");
		double price, secs;
		int64_t ms = 0;

		if (sym == NULL || *sym == '\0')
			jsonl_bad(&r, "no symbol");
		else if (!json_get_double(o, "price", &price) ||
		    !isfinite(price))
			jsonl_bad(&r, "no price");
		else if (ts != NULL ? time_parse(ts, &ms) != 0 :
		    !json_get_double(o, "time", &secs))
			jsonl_bad(&r, "no time, or not RFC 3339");
		else {
			if (ts == NULL)
				ms = (int64_t)(secs * 1000);
			prices_put(pr, sym, ms, price);
		}
		json_object_put(o);
	}
	db_commit(db);
	bad = r.bad + (r.error != 0);
	jsonl_free(&r);
	if (fp != stdin)
		fclose(fp);
	return bad;
}

static void
prepare(struct vp *v)
{
	sqlite3 *db = v->db;

	v->st[S_DUE] = store_prepare(db,
	    "SELECT id, verify_at FROM predictions"
	    " WHERE status = 'active' AND verify_at <= ?1"
	    " AND (verify_at, id) > (?2, ?3) AND mode = 'auto'"
	    " ORDER BY verify_at, id LIMIT 256");
	v->st[S_NEEDSTART] = store_prepare(db,
	    "SELECT id, symbol, opens_at FROM predictions"
	    " WHERE status = 'active' AND start_price IS NULL"
	    " AND opens_at <= ?1 AND (opens_at, id) > (?2, ?3)"
	    " ORDER BY opens_at, id LIMIT 256");
	v->st[S_SETSTART] = store_prepare(db,
	    "UPDATE predictions SET start_price = ?2, updated_at = ?3"
	    " WHERE id = ?1 AND status = 'active' AND start_price IS NULL");
	v->st[S_GET] = store_prepare(db,
	    "SELECT id, symbol, question, opens_at, verify_at, start_price,"
	    " options, mode, status, correct_option FROM predictions"
	    " WHERE id = ?1");
	v->st[S_COUNT] = store_prepare(db,
	    "SELECT count(*), count(*) FILTER (WHERE option = ?2)"
	    " FROM votes WHERE prediction_id = ?1");
	v->st[S_SEQ] = store_prepare(db,
	    "SELECT coalesce(max(resolved_seq), 0) + 1 FROM predictions"
	    " WHERE resolved_seq IS NOT NULL");
	v->st[S_RESOLVE] = store_prepare(db,
	    "UPDATE predictions SET status = 'verified', start_price = ?2,"
	    " end_price = ?3, price_change = ?4, change_percent = ?5,"
	    " correct_option = ?6, verified_at = ?7, updated_at = ?7,"
	    " resolved_seq = ?8, resolved_by = ?9, votes_correct = ?11,"
	    " votes_incorrect = ?12, error = NULL"
	    " WHERE id = ?1 AND (status = 'active'"
	    "  OR (?10 AND status = 'error'))");
	v->st[S_ERROR] = store_prepare(db,
	    "UPDATE predictions SET status = 'error', start_price = ?2,"
	    " end_price = ?3, price_change = ?4, change_percent = ?5,"
	    " error = ?6, updated_at = ?7"
	    " WHERE id = ?1 AND status = 'active'");
	v->st[S_MARK] = store_prepare(db,
	    "UPDATE votes SET correct = (option = ?2) WHERE prediction_id = ?1");
	/*
	 * The voters' statistics, one voter at a time: an UPDATE of the row,
	 * else an INSERT.  Not one INSERT ... SELECT ... ON CONFLICT DO
	 * UPDATE for all voters: that statement may abort half way, so SQLite
	 * keeps a statement journal of every page the batch touched before,
	 * in a temporary file: two million write(2)s per million votes.
	 */
	v->st[S_STATS_VOTES] = store_prepare(db,
	    "SELECT user_id, correct FROM votes WHERE prediction_id = ?1");
	v->st[S_STATS] = store_prepare(db,
	    "UPDATE user_stats SET predictions = predictions + 1,"
	    " correct = correct + ?2,"
	    " accuracy = CAST(correct + ?2 AS REAL) / (predictions + 1),"
	    " current_streak = CASE WHEN ?2 THEN current_streak + 1 ELSE 0 END,"
	    " best_streak = max(best_streak,"
	    "  CASE WHEN ?2 THEN current_streak + 1 ELSE 0 END),"
	    " last_seq = ?3, updated_at = ?4 WHERE user_id = ?1");
	v->st[S_STATS_NEW] = store_prepare(db,
	    "INSERT INTO user_stats (user_id, predictions, correct, accuracy,"
	    " current_streak, best_streak, last_seq, updated_at)"
	    " VALUES (?1, 1, ?2, ?2, ?2, ?2, ?3, ?4)");
	v->st[S_VOTERS] = store_prepare(db,
	    "SELECT user_id, option, correct FROM votes"
	    " WHERE prediction_id = ?1 ORDER BY user_id");
	v->st[S_CANCEL] = store_prepare(db,
	    "UPDATE predictions SET status = 'cancelled', updated_at = ?2"
	    " WHERE id = ?1 AND status IN ('active', 'error')");
}

/* --eval: print true or false for a condition at two prices. */
static int
eval_one(const char *src, const char *sstart, const char *send, int verbose)
{
	struct cond_vars cv;
	struct cond *c;
	char err[COND_ERRSZ], *e1 = NULL, *e2 = NULL;
	double start = 0, end = 0;

	if (sstart == NULL || send == NULL) {
		warnx("--eval needs --start-price and --end-price");
		usage(stderr, EXIT_USAGE);
	}
	start = strtod(sstart, &e1);
	end = strtod(send, &e2);
	if (*sstart == '\0' || *e1 != '\0' || *send == '\0' || *e2 != '\0' ||
	    cond_vars_set(&cv, start, end) != 0) {
		warnx("--start-price must be a positive number and "
		    "--end-price a number");
		return EXIT_USAGE;
	}
	if ((c = cond_parse(src, err, sizeof(err))) == NULL) {
		warnx("%s", err);
		return EXIT_PARTIAL;
	}
	if (verbose)
		warnx("price %.10g, start_price %.10g, price_change %.10g, "
		    "price_change_percent %.10g", cv.price, cv.start_price,
		    cv.price_change, cv.price_change_percent);
	puts(cond_eval(c, &cv) ? "true" : "false");
	cond_free(c);
	return EXIT_OK;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "now", required_argument, NULL, OPT_NOW },
		{ "prices", required_argument, NULL, OPT_PRICES },
		{ "max-age", required_argument, NULL, OPT_MAX_AGE },
		{ "resolve", required_argument, NULL, OPT_RESOLVE },
		{ "cancel", required_argument, NULL, OPT_CANCEL },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "show", required_argument, NULL, OPT_SHOW },
		{ "eval", required_argument, NULL, OPT_EVAL },
		{ "start-price", required_argument, NULL, OPT_START_PRICE },
		{ "end-price", required_argument, NULL, OPT_END_PRICE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct vp v;
	const char *db = NULL, *prices = NULL, *eval = NULL;
	const char *sstart = NULL, *send = NULL, *show = NULL;
	char **resolves, **cancels;
	int nresolve = 0, ncancel = 0, check = 0, ch, status = EXIT_OK;
	unsigned long bad_quotes = 0, bad_checks = 0;

	memset(&v, 0, sizeof(v));
	v.now = time_now();
	v.max_age = DEFAULT_MAX_AGE_MS;
	resolves = xcalloc((size_t)argc, sizeof(*resolves));
	cancels = xcalloc((size_t)argc, sizeof(*cancels));
	while ((ch = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_DB:
			db = optarg;
			break;
		case OPT_NOW:
			if (time_parse(optarg, &v.now) != 0) {
				warnx("--now: not an RFC 3339 time: %s",
				    optarg);
				usage(stderr, EXIT_USAGE);
			}
			break;
		case OPT_PRICES:
			prices = optarg;
			break;
		case OPT_MAX_AGE:
			if (duration_parse(optarg, &v.max_age) != 0) {
				warnx("--max-age: not a duration: %s", optarg);
				usage(stderr, EXIT_USAGE);
			}
			break;
		case OPT_RESOLVE:
			if (strchr(optarg, '=') == NULL ||
			    *optarg == '=' || optarg[strlen(optarg) - 1] ==
			    '=') {
				warnx("--resolve takes ID=OPTION");
				usage(stderr, EXIT_USAGE);
			}
			resolves[nresolve++] = optarg;
			break;
		case OPT_CANCEL:
			cancels[ncancel++] = optarg;
			break;
		case OPT_CHECK:
			check = 1;
			break;
		case OPT_SHOW:
			show = optarg;
			break;
		case OPT_EVAL:
			eval = optarg;
			break;
		case OPT_START_PRICE:
			sstart = optarg;
			break;
		case OPT_END_PRICE:
			send = optarg;
			break;
		case 'v':
			v.verbose = 1;
			break;
		case 'q':
			v.verbose = 0;
			break;
		case 'h':
			usage(stdout, EXIT_OK);
			break;
		case OPT_VERSION:
			version_exit();
			break;
		default:
			usage(stderr, EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, EXIT_USAGE);
	if (eval != NULL) {
		free(resolves);
		free(cancels);
		exit_flush(eval_one(eval, sstart, send, v.verbose));
	}
	if (sstart != NULL || send != NULL) {
		warnx("--start-price and --end-price go with --eval");
		usage(stderr, EXIT_USAGE);
	}
	time_format(v.now, v.nowbuf);

	v.db = store_open(db, 0);
	/* a fixed 32 MB page cache (SQLite's default is 2 MB): it holds the
	 * user_stats pages of some 500,000 users, which every batch touches
	 * again; memory stays bounded by it whatever the input */
	store_exec(v.db, "PRAGMA cache_size = -32768");
	v.scratch = json_object_new_string("");
	sig_catch();
	v.prices = prices_open(store_db(v.db), prices != NULL ? PRICES_INPUT :
	    PRICES_STORE);
	if (prices != NULL)
		bad_quotes = load_quotes(store_db(v.db), v.prices, prices);
	prepare(&v);

	if (show != NULL) {
		if (print_result(&v, show) != 0) {
			warnx("%s: no verified prediction of that id", show);
			v.failed++;
		}
	} else if (check) {
		bad_checks = check_all(&v);
	} else if (nresolve > 0 || ncancel > 0) {
		for (int i = 0; i < nresolve && !sig_caught; i++)
			resolve_manual(&v, resolves[i]);
		for (int i = 0; i < ncancel && !sig_caught; i++)
			cancel(&v, cancels[i]);
	} else {
		resolve_due(&v);
	}

	stats_add("predictions_resolved", (int64_t)v.resolved);
	stats_add("predictions_errored", (int64_t)v.errored);
	stats_add("predictions_waiting", (int64_t)v.waiting);
	stats_add("votes_scored", (int64_t)v.votes);
	stats_flush();
	if (v.verbose)
		warnx("%lu resolved, %lu errored, %lu waiting for a price, "
		    "%llu votes scored", v.resolved, v.errored, v.waiting,
		    v.votes);

	print_result(&v, NULL);
	for (int i = 0; i < S_COUNT_ST; i++)
		sqlite3_finalize(v.st[i]);
	prices_close(v.prices);
	store_close(v.db);
	json_object_put(v.scratch);
	free(resolves);
	free(cancels);
	if (v.errored || v.waiting || v.failed || bad_quotes || bad_checks)
		status = EXIT_PARTIAL;
	if (sig_caught)
		status = 128 + sig_caught;
	exit_flush(status);
}
