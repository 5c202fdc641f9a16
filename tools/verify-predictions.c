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
#include "db.h"
#include "jsonl.h"
#include "predictions.h"
#include "prices.h"
#include "sig.h"
#include "stats.h"
#include "storerec.h"
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

enum {
	OPT_NOW = OPT_FIRST_PRIVATE, OPT_PRICES, OPT_MAX_AGE, OPT_RESOLVE,
	OPT_CANCEL, OPT_CHECK, OPT_EVAL, OPT_START_PRICE, OPT_END_PRICE,
	OPT_SHOW
};

/* The run. */
struct vp {
	struct db *db;			/* the store */
	struct predictions *pred;	/* its predictions, votes and users */
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
	unsigned long checked;		/* --check: predictions checked */
	unsigned long bad;		/* --check: those found bad */
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
put_price(const double *x)
{
	if (x == NULL)
		fputs("null", stdout);
	else
		put_num(*x);
}

static void
print_row(const struct pred_result *r, void *arg)
{
	struct vp *v = arg;

	fputs("{\"id\":", stdout);
	put_str(v, r->id);
	fputs(",\"symbol\":", stdout);
	put_str(v, r->symbol);
	if (r->question != NULL) {
		fputs(",\"question\":", stdout);
		put_str(v, r->question);
	}
	fputs(",\"opens_at\":", stdout);
	put_str(v, r->opens_at);
	fputs(",\"verify_at\":", stdout);
	put_str(v, r->verify_at);
	fputs(",\"start_price\":", stdout);
	put_price(r->start_price);
	fputs(",\"end_price\":", stdout);
	put_price(r->end_price);
	fputs(",\"price_change\":", stdout);
	put_price(r->price_change);
	fputs(",\"change_percent\":", stdout);
	put_price(r->change_percent);
	fputs(",\"correct_option\":", stdout);
	put_str(v, r->correct_option);
	fputs(",\"resolved_by\":", stdout);
	put_str(v, r->resolved_by);
	fputs(",\"verified_at\":", stdout);
	put_str(v, r->verified_at);
	printf(",\"votes_correct\":%lld,\"votes_incorrect\":%lld"
	    ",\"voters\":[", (long long)r->votes_correct,
	    (long long)r->votes_incorrect);
}

/* The voters follow the row: the first needs no comma. */
static int first_voter;

static void
print_voter(const struct pred_voter *p, void *arg)
{
	struct vp *v = arg;

	fputs(first_voter ? "{\"user_id\":" : ",{\"user_id\":", stdout);
	put_str(v, p->user_id);
	fputs(",\"option\":", stdout);
	put_str(v, p->option);
	fputs(p->correct ? ",\"correct\":true}" : ",\"correct\":false}",
	    stdout);
	first_voter = 0;
}

/*
 * Write the result line of a verified prediction: its row, then its
 * voters, streamed from the store in user_id order (no array is built, so
 * a prediction with a million voters costs no more memory than one).
 */
static int
print_result(struct vp *v, const char *id)
{
	first_voter = 1;
	if (predictions_result(v->pred, id, print_row, print_voter, v) != 0)
		return -1;
	fputs("]}\n", stdout);
	fflush(stdout);
	return 0;
}

/* ---- resolving ---- */

/*
 * In the open transaction: record option as the correct one, mark the
 * votes, update the voters' statistics (cv: the prices, or NULL).
 * allow_error lets a prediction in status error be resolved (by hand).
 * Returns 0, or -1 when the prediction is no longer open (another run
 * resolved it): nothing done.
 */
static int
finish(struct vp *v, const struct prediction *p, const char *option,
    const struct cond_vars *cv, const char *by, int allow_error)
{
	int64_t n = predictions_resolve(v->pred, p, option, cv, by,
	    allow_error, v->nowbuf);

	if (n < 0)
		return -1;
	v->votes += (unsigned long long)n;
	return 0;
}

/* In the open transaction: set status error with reason (cv: the prices,
 * or NULL), and say so. */
static void
set_error(struct vp *v, const struct prediction *p,
    const struct cond_vars *cv, const char *reason)
{
	if (predictions_set_error(v->pred, p->id, cv, reason, v->nowbuf) ==
	    0) {
		warnx("%s: %s", p->id, reason);
		v->errored++;
	}
}

/* Start price of p: stored, or the quote at opens_at. 1 if known. */
static int
start_price(struct vp *v, const struct prediction *p, double *price,
    char *from)
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
	struct prediction p;
	struct cond_vars cv;
	char from[TIME_BUFSZ], reason[COND_REASONSZ];
	const char *label;
	json_object *opts = NULL;
	double start, end;
	int verified = 0;

	if (!predictions_get(v->pred, id, &p) ||
	    strcmp(p.status, "active") != 0 || strcmp(p.mode, "auto") != 0)
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
		snprintf(reason, sizeof(reason), "start price %.10g or end "
		    "price %.10g cannot give a change", start, end);
		set_error(v, &p, NULL, reason);
		goto out;
	}
	opts = json_tokener_parse(p.options);
	if ((label = cond_options_pick(opts, &cv, reason)) == NULL) {
		set_error(v, &p, &cv, reason);
		goto out;
	}
	if (finish(v, &p, label, &cv, "auto", 0) == 0) {
		v->resolved++;
		verified = 1;
	}
out:
	json_object_put(opts);
	prediction_free(&p);
	return verified;
}

/* Fill in the start prices of opened predictions that have none. */
static void
fill_start_prices(struct vp *v)
{
	struct pred_due page[PAGE];
	char *last_at = xstrdup(""), *last_id = xstrdup("");
	int n;

	do {
		n = predictions_need_start(v->pred, v->nowbuf, last_at, last_id,
		    page, PAGE);
		if (n == 0)
			break;
		db_begin(v->db);
		for (int i = 0; i < n; i++) {
			char from[TIME_BUFSZ];
			double price;

			if (quote_at(v, page[i].symbol, page[i].at, &price,
			    from) && price > 0)
				predictions_set_start(v->pred, page[i].id, price,
				    v->nowbuf);
		}
		db_commit(v->db);
		free(last_at);
		free(last_id);
		last_at = xstrdup(page[n - 1].at);
		last_id = xstrdup(page[n - 1].id);
		pred_due_free(page, n);
	} while (n == PAGE && !sig_caught);
	free(last_at);
	free(last_id);
}

/* Commit the open transaction, then write the result lines it made. */
static void
commit_results(struct vp *v, char **pending, int *npending)
{
	db_commit(v->db);
	for (int k = 0; k < *npending; k++) {
		print_result(v, pending[k]);
		free(pending[k]);
	}
	*npending = 0;
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
	struct pred_due page[PAGE];
	char **pending = xcalloc(BATCH_PRED, sizeof(*pending));
	char *last_at = xstrdup(""), *last_id = xstrdup("");
	int n, npending = 0, in_txn = 0, ntxn = 0;
	int64_t t0 = 0;

	fill_start_prices(v);
	do {
		n = predictions_due(v->pred, v->nowbuf, last_at, last_id, page,
		    PAGE);
		for (int i = 0; i < n && !sig_caught; i++) {
			if (!in_txn) {
				db_begin(v->db);
				in_txn = 1;
				ntxn = 0;
				t0 = time_mono();
			}
			if (resolve_auto(v, page[i].id))
				pending[npending++] = xstrdup(page[i].id);
			if (++ntxn >= BATCH_PRED ||
			    time_mono() - t0 >= BATCH_MS) {
				commit_results(v, pending, &npending);
				in_txn = 0;
			}
		}
		if (n > 0) {
			free(last_at);
			free(last_id);
			last_at = xstrdup(page[n - 1].at);
			last_id = xstrdup(page[n - 1].id);
		}
		pred_due_free(page, n);
	} while (n == PAGE && !sig_caught);
	if (in_txn)
		commit_results(v, pending, &npending);
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
	struct prediction p;
	struct cond_vars cv;
	char from[TIME_BUFSZ], at[TIME_BUFSZ];
	json_object *opts = NULL;
	double start, end;
	int done = 0, has_prices = 0;

	db_begin(v->db);
	if (!predictions_get(v->pred, id, &p)) {
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
	if (finish(v, &p, option, has_prices ? &cv : NULL, "manual", 1) ==
	    0) {
		v->resolved++;
		done = 1;
	} else {
		warnx("%s: not open (status changed meanwhile)", id);
		v->failed++;
	}
out:
	json_object_put(opts);
	if (done)
		db_commit(v->db);
	else
		db_rollback(v->db);
	if (done)
		print_result(v, id);
	prediction_free(&p);
	free(id);
}

/* --cancel ID: an active or errored prediction is called off. */
static void
cancel(struct vp *v, const char *id)
{
	db_begin(v->db);
	if (!predictions_cancel(v->pred, id, v->nowbuf)) {
		warnx("%s: no active or errored prediction of that id", id);
		v->failed++;
	}
	db_commit(v->db);
}

/* --check, one active prediction: is it resolvable? */
static int
check_one(const struct pred_active *a, void *arg)
{
	struct vp *v = arg;
	char err[COND_ERRSZ + 80], tbuf[TIME_BUFSZ];
	json_object *opts;
	int64_t oms, dms, nbad = 0;

	if (sig_caught)
		return 1;
	v->checked++;
	if (time_parse(a->opens_at, &oms) != 0 ||
	    time_parse(a->verify_at, &dms) != 0 || dms <= oms) {
		warnx("%s: opens_at and verify_at are not two times in "
		    "order", a->id);
		nbad++;
	} else if (strcmp(time_format(oms, tbuf), a->opens_at) != 0 ||
	    strcmp(time_format(dms, tbuf), a->verify_at) != 0) {
		/* the due query compares them as text */
		warnx("%s: opens_at and verify_at are not written "
		    "YYYY-MM-DDThh:mm:ssZ", a->id);
		nbad++;
	}
	if (a->start_price != NULL && !(*a->start_price > 0)) {
		warnx("%s: start_price is not positive", a->id);
		nbad++;
	}
	opts = json_tokener_parse(a->options);
	if (cond_options_check(opts, strcmp(a->mode, "manual") == 0, err,
	    sizeof(err)) != 0) {
		warnx("%s: %s", a->id, err);
		nbad++;
	}
	json_object_put(opts);
	if (nbad)
		v->bad++;
	return 0;
}

/* --check: every active prediction must be resolvable. */
static unsigned long
check_all(struct vp *v)
{
	predictions_each_active(v->pred, check_one, v);
	if (v->verbose)
		warnx("checked %lu active predictions, %lu bad", v->checked,
		    v->bad);
	return v->bad;
}

/* --prices: quotes from JSON lines, read as store prices reads them, for
 * this run only. */
static unsigned long
load_quotes(struct db *db, struct prices *pr, const char *path)
{
	struct jsonl_reader r;
	FILE *fp = stdin;
	json_object *o;
	unsigned long bad;

	if (strcmp(path, "-") != 0 && (fp = fopen(path, "r")) == NULL)
		err(EXIT_FATAL, "%s", path);
	jsonl_init(&r, fp, strcmp(path, "-") == 0 ? "stdin" : path);
	db_begin(db);
	while (!sig_caught && (o = jsonl_next(&r)) != NULL) {
		struct price_in q;

		if (price_in_read(&r, o, &q))
			prices_put(pr, q.symbol, q.ms, q.price);
		json_object_put(o);
	}
	db_commit(db);
	bad = r.bad + (r.error != 0);
	jsonl_free(&r);
	if (fp != stdin)
		fclose(fp);
	return bad;
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

	v.db = db_open(db, 0);
	v.pred = predictions_open(v.db, PREDICTIONS_RESOLVING);
	v.scratch = json_object_new_string("");
	sig_catch();
	v.prices = prices_open(v.db, prices != NULL ? PRICES_INPUT :
	    PRICES_STORE);
	if (prices != NULL)
		bad_quotes = load_quotes(v.db, v.prices, prices);

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

	predictions_close(v.pred);
	prices_close(v.prices);
	db_close(v.db);
	json_object_put(v.scratch);
	free(resolves);
	free(cancels);
	if (v.errored || v.waiting || v.failed || bad_quotes || bad_checks)
		status = EXIT_PARTIAL;
	if (sig_caught)
		status = 128 + sig_caught;
	exit_flush(status);
}
