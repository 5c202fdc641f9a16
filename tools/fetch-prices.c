/*
 * fetch-prices - fetch price quotes from an HTTP JSON endpoint, store them
 * in the prices table, prune old ones.  See man/fetch-prices.1.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "http.h"
#include "jsonl.h"
#include "prices.h"
#include "sig.h"
#include "stats.h"
#include "timefmt.h"
#include "util.h"

#define DEFAULT_SYMBOLS "XAUUSD,XAGUSD,EURUSD,GBPUSD,USDJPY,BTCUSD"
#define DEFAULT_KEEP_MS (2LL * 24 * 3600 * 1000)
#define DEFAULT_TIMEOUT_MS 4000
#define MAX_BODY (4 * 1024 * 1024)
#define MAX_SYMBOLS 256
/* Transient failures retried, and the longest Retry-After waited for. */
#define RETRIES 2
#define RETRY_MAX_MS 10000

enum {
	OPT_URL = OPT_FIRST_PRIVATE, OPT_SYMBOLS, OPT_KEEP, OPT_TIMEOUT,
	OPT_EMIT, OPT_NO_STORE
};

/* One configured symbol and what the answer said of it. */
struct quote {
	char *symbol;		/* as configured; owned */
	int found;		/* a quote was in the answer */
	double price;		/* its price */
	int64_t ms;		/* its time */
};

/* The run. */
struct fp {
	struct quote q[MAX_SYMBOLS];	/* configured symbols */
	int n;				/* how many */
	int64_t now;			/* fetch time, ms */
	int verbose;			/* -v */
	unsigned long bad;		/* quotes in the answer that were bad */
};

/* The body being received. */
struct body {
	char *buf;		/* owned */
	size_t len;		/* bytes in buf */
	int ok;			/* the fetch succeeded with a 200 */
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: fetch-prices [--db PATH] [--url URL] [--symbols LIST] "
	    "[--keep D]\n"
	    "                    [--timeout D] [--emit] [--no-store] [-v]\n");
	exit(status);
}

static int
on_data(void *arg, const char *p, size_t n)
{
	struct body *b = arg;

	b->buf = xrealloc(b->buf, b->len + n + 1);
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

static void
on_done(void *arg, const struct http_result *res)
{
	struct body *b = arg;

	if (res->error != NULL)
		warnx("%s: %s", res->url, res->error);
	else if (res->status != 200)
		warnx("%s: HTTP %ld", res->url, res->status);
	else
		b->ok = 1;
}

/*
 * GET url into b, on lib/http.c: redirects, the size limit, and retries
 * of timeouts, 5xx and 429 after a backoff (or Retry-After); returns 0,
 * or -1 after a message.
 */
static int
fetch(const char *url, int64_t timeout_ms, struct body *b)
{
	struct http_opts o = {
		.jobs = 1, .per_host = 1,
		.connect_timeout_ms = (long)timeout_ms,
		.timeout_ms = (long)timeout_ms,
		.max_redirects = 5, .max_size = MAX_BODY,
		.retries = RETRIES, .retry_max_ms = RETRY_MAX_MS,
		.user_agent = "jobline-fetch-prices/" JOBLINE_VERSION
	};
	struct http_req rq = { 0 };
	const char *token = getenv("JOBLINE_PRICES_TOKEN");
	struct http *h = http_new(&o);

	rq.url = url;
	rq.accept = "application/json";
	rq.bearer = token != NULL && *token != '\0' ? token : NULL;
	rq.arg = b;
	rq.on_data = on_data;
	rq.on_done = on_done;
	http_add(h, &rq);
	http_run(h, NULL, NULL);
	http_free(h);
	return b->ok ? 0 : -1;
}

/* A time given as RFC 3339 text or epoch seconds (or ms); -1 if bad. */
static int
read_time(json_object *t, int64_t *ms)
{
	double d;

	if (json_object_is_type(t, json_type_string))
		return time_parse(json_object_get_string(t), ms);
	if (json_object_is_type(t, json_type_int) ||
	    json_object_is_type(t, json_type_double)) {
		d = json_object_get_double(t);
		if (!isfinite(d) || d < 0 || d > 1e14)
			return -1;
		*ms = d > 1e11 ? (int64_t)d : (int64_t)(d * 1000);
		return 0;
	}
	return -1;
}

/* A number, or a string holding one (some APIs quote prices). */
static int
read_price(json_object *p, double *out)
{
	char *end;

	if (json_object_is_type(p, json_type_int) ||
	    json_object_is_type(p, json_type_double))
		*out = json_object_get_double(p);
	else if (json_object_is_type(p, json_type_string)) {
		const char *s = json_object_get_string(p);

		errno = 0;
		*out = strtod(s, &end);
		if (*s == '\0' || *end != '\0' || errno != 0)
			return -1;
	} else
		return -1;
	return isfinite(*out) && *out > 0 ? 0 : -1;
}

/* Record one quote of symbol if it is configured. */
static void
take(struct fp *f, const char *symbol, json_object *price, json_object *time,
    int64_t default_ms)
{
	for (int i = 0; i < f->n; i++) {
		struct quote *q = &f->q[i];
		double p;
		int64_t ms = default_ms;

		if (strcmp(q->symbol, symbol) != 0)
			continue;
		if (price == NULL || read_price(price, &p) != 0) {
			warnx("%s: price is not a positive number", symbol);
			f->bad++;
			return;
		}
		if (time != NULL && read_time(time, &ms) != 0) {
			warnx("%s: time is not RFC 3339 or epoch seconds",
			    symbol);
			f->bad++;
			return;
		}
		q->found = 1;
		q->price = p;
		q->ms = ms;
		return;
	}
}

static json_object *
get(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

/* One {symbol, price, time} object. */
static void
take_object(struct fp *f, json_object *o, int64_t default_ms)
{
	json_object *s = get(o, "symbol");

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_is_type(s, json_type_string)) {
		f->bad++;
		return;
	}
	take(f, json_object_get_string(s), get(o, "price"), get(o, "time"),
	    default_ms);
}

/*
 * The shapes read (documented in fetch-prices.1):
 *   [{"symbol": S, "price": P, "time": T}, ...]
 *   {"S": P, ...}  or  {"S": {"price": P, "time": T}, ...}
 *   either of them under "quotes" or "data", with an optional "time"
 *   beside it for quotes that have none.
 */
static int
parse_answer(struct fp *f, json_object *root)
{
	json_object *inner, *t;
	int64_t ms = f->now;

	if (json_object_is_type(root, json_type_object) &&
	    ((inner = get(root, "quotes")) != NULL ||
	    (inner = get(root, "data")) != NULL)) {
		if ((t = get(root, "time")) != NULL && read_time(t, &ms) != 0)
			ms = f->now;
		root = inner;
	}
	if (json_object_is_type(root, json_type_array)) {
		size_t n = json_object_array_length(root);

		for (size_t i = 0; i < n; i++)
			take_object(f, json_object_array_get_idx(root, i), ms);
		return 0;
	}
	if (!json_object_is_type(root, json_type_object))
		return -1;
	json_object_object_foreach(root, key, val) {
		if (json_object_is_type(val, json_type_object))
			take(f, key, get(val, "price"), get(val, "time"), ms);
		else
			take(f, key, val, NULL, ms);
	}
	return 0;
}

/* Split LIST (commas or spaces) into f->q; -1 on a bad symbol. */
static int
set_symbols(struct fp *f, const char *list)
{
	char *copy = xstrdup(list), *save = NULL;

	for (char *s = strtok_r(copy, ", \t\n", &save); s != NULL;
	    s = strtok_r(NULL, ", \t\n", &save)) {
		for (char *c = s; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '.' &&
			    *c != '_' && *c != '-' && *c != '/') {
				warnx("%s: a symbol is letters, digits and "
				    "._-/", s);
				free(copy);
				return -1;
			}
		if (f->n == MAX_SYMBOLS) {
			warnx("more than %d symbols", MAX_SYMBOLS);
			free(copy);
			return -1;
		}
		f->q[f->n++].symbol = xstrdup(s);
	}
	free(copy);
	return f->n > 0 ? 0 : -1;
}

/* url with every "{symbols}" replaced by the comma-separated symbols. */
static char *
expand_url(struct fp *f, const char *url)
{
	char *list = NULL, *out = NULL;
	size_t ll = 0, ol = 0;
	FILE *m = open_memstream(&list, &ll);
	FILE *o;
	const char *p;

	if (m == NULL)
		die_nomem();
	for (int i = 0; i < f->n; i++)
		fprintf(m, "%s%s", i ? "," : "", f->q[i].symbol);
	fclose(m);
	if ((o = open_memstream(&out, &ol)) == NULL)
		die_nomem();
	while ((p = strstr(url, "{symbols}")) != NULL) {
		fwrite(url, 1, (size_t)(p - url), o);
		fputs(list, o);
		url = p + strlen("{symbols}");
	}
	fputs(url, o);
	fclose(o);
	free(list);
	return out;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "url", required_argument, NULL, OPT_URL },
		{ "symbols", required_argument, NULL, OPT_SYMBOLS },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "emit", no_argument, NULL, OPT_EMIT },
		{ "no-store", no_argument, NULL, OPT_NO_STORE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	static struct fp f;
	const char *db = NULL, *url = getenv("JOBLINE_PRICES_URL");
	const char *symbols = getenv("JOBLINE_PRICES_SYMBOLS");
	int64_t keep = DEFAULT_KEEP_MS, timeout = DEFAULT_TIMEOUT_MS;
	int ch, emit = 0, no_store = 0, status = EXIT_OK, missing = 0;
	long stored = 0, pruned = 0;
	struct body b = { NULL, 0, 0 };
	json_object *root;
	char *full;

	while ((ch = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_DB:
			db = optarg;
			break;
		case OPT_URL:
			url = optarg;
			break;
		case OPT_SYMBOLS:
			symbols = optarg;
			break;
		case OPT_KEEP:
			if (duration_parse(optarg, &keep) != 0) {
				warnx("--keep: not a duration: %s", optarg);
				usage(stderr, EXIT_USAGE);
			}
			break;
		case OPT_TIMEOUT:
			if (duration_parse(optarg, &timeout) != 0 ||
			    timeout <= 0) {
				warnx("--timeout: not a duration: %s", optarg);
				usage(stderr, EXIT_USAGE);
			}
			break;
		case OPT_EMIT:
			emit = 1;
			break;
		case OPT_NO_STORE:
			no_store = 1;
			break;
		case 'v':
			f.verbose = 1;
			break;
		case 'q':
			f.verbose = 0;
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
	if (url == NULL || *url == '\0') {
		warnx("no endpoint: give --url or set JOBLINE_PRICES_URL");
		usage(stderr, EXIT_USAGE);
	}
	if (set_symbols(&f, symbols && *symbols ? symbols : DEFAULT_SYMBOLS)
	    != 0)
		usage(stderr, EXIT_USAGE);
	f.now = time_now();
	sig_catch();

	full = expand_url(&f, url);
	if (fetch(full, timeout, &b) != 0) {
		status = EXIT_PARTIAL;
		goto out;
	}
	root = json_tokener_parse(b.buf ? b.buf : "");
	if (root == NULL || parse_answer(&f, root) != 0) {
		warnx("%s: the answer is not JSON quotes", full);
		json_object_put(root);
		status = EXIT_PARTIAL;
		goto out;
	}
	json_object_put(root);
	for (int i = 0; i < f.n; i++)
		if (!f.q[i].found) {
			warnx("%s: no quote in the answer", f.q[i].symbol);
			missing++;
		}
	if (emit) {
		for (int i = 0; i < f.n; i++) {
			char tbuf[TIME_BUFSZ], num[40];
			json_object *o;

			if (!f.q[i].found)
				continue;
			o = json_object_new_object();
			json_object_object_add(o, "symbol",
			    json_object_new_string(f.q[i].symbol));
			json_object_object_add(o, "time",
			    json_object_new_string(time_format(f.q[i].ms,
			    tbuf)));
			snprintf(num, sizeof(num), "%.15g", f.q[i].price);
			if (strtod(num, NULL) != f.q[i].price)
				snprintf(num, sizeof(num), "%.17g",
				    f.q[i].price);
			json_object_object_add(o, "price",
			    json_object_new_double_s(f.q[i].price, num));
			jsonl_write(stdout, o);
			json_object_put(o);
		}
	}
	if (!no_store) {
		struct db *dbh = db_open(db, 0);
		struct prices *pr = prices_open(dbh, PRICES_STORE);

		db_begin(dbh);
		for (int i = 0; i < f.n; i++)
			if (f.q[i].found)
				stored += prices_put(pr, f.q[i].symbol,
				    f.q[i].ms, f.q[i].price);
		if (keep > 0)
			pruned = (long)prices_prune(pr, f.now - keep);
		db_commit(dbh);
		prices_close(pr);
		db_close(dbh);
	}
	if (missing || f.bad)
		status = EXIT_PARTIAL;
out:
	stats_add("quotes_stored", stored);
	stats_add("quotes_pruned", pruned);
	stats_flush();
	if (f.verbose)
		warnx("%s: %ld quotes stored, %ld pruned, %d missing, %lu bad",
		    full, stored, pruned, missing, f.bad);
	free(full);
	free(b.buf);
	for (int i = 0; i < f.n; i++)
		free(f.q[i].symbol);
	if (sig_caught)
		status = 128 + sig_caught;
	exit_flush(status);
}
