/*
 * fetch-feed - fetch RSS, Atom, RDF and JSON Feed documents and write
 * their entries as item records.  See man/fetch-feed.1.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "fbuf.h"
#include "db.h"
#include "feed.h"
#include "feedlist.h"
#include "feeds.h"
#include "http.h"
#include "itemrec.h"
#include "jsonl.h"
#include "sig.h"
#include "stats.h"
#include "timefmt.h"
#include "url.h"
#include "util.h"

#define USER_AGENT "jobline-fetch-feed/" JOBLINE_VERSION

enum {
	OPT_OPML = OPT_FIRST_PRIVATE, OPT_PER_HOST, OPT_TIMEOUT,
	OPT_CONNECT_TIMEOUT, OPT_MAX_SIZE, OPT_RETRIES, OPT_NO_CACHE,
	OPT_ALLOW_FILE, OPT_PENDING, OPT_COMMIT, OPT_RESET
};

/* One feed to read. */
struct src {
	const char *url;	/* as given: URL or path; the list's */
	char *path;		/* file to read, or NULL for HTTP; owned */
	const char *name;	/* the list file's ~name, or NULL; the list's */
	json_object *extra;	/* input fields copied to items, or NULL;
				   the list's */
	char *etag, *lastmod;	/* validators from the store; owned */
	int64_t failures;	/* consecutive failures, from the store */
	int64_t next_try;	/* backed off until then (ms), or 0 */
	struct feed_parser *fp;	/* while parsing */
	char fetched_at[TIME_BUFSZ];
	const char *error;	/* input-stage error, static */
};

static struct {
	struct src *v;
	size_t n, cap;
} srcs;
static struct feedlist list;	/* what srcs point into */

static int verbose, quiet, no_cache, allow_file;
static int nfailed;
static int nbacked;		/* feeds not tried: backing off */
static int ncut;		/* feeds with fields cut */
static unsigned long nitems;
static struct db *db;
static struct feeds *feeds;	/* the feeds table, while fetching */
static const char *db_path;
static FILE *pending;		/* --pending FILE: validators to commit */
static struct fbuf line;	/* the item being written */
static int64_t last_progress;

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: fetch-feed [-qv] [-f FILE] [--opml FILE] [-j N] "
	    "[--per-host N]\n"
	    "                  [--timeout DURATION] [--connect-timeout "
	    "DURATION]\n"
	    "                  [--max-size BYTES] [--retries N] [--no-cache] "
	    "[--allow-file]\n"
	    "                  [--pending FILE] [--db PATH] "
	    "[URL | PATH | - ...]\n"
	    "       fetch-feed --commit FILE [--db PATH]\n"
	    "       fetch-feed --reset-failures URL ... [--db PATH]\n");
	exit(status);
}

/* The feeds of the list, to read. */
static void
srcs_make(const struct feedlist *l)
{
	srcs.n = srcs.cap = l->n;
	srcs.v = xcalloc(l->n ? l->n : 1, sizeof(*srcs.v));
	for (size_t i = 0; i < l->n; i++) {
		srcs.v[i].url = l->v[i].url;
		srcs.v[i].name = l->v[i].name;
		srcs.v[i].extra = l->v[i].extra;
	}
}

static int
is_scheme(const char *url, const char *scheme)
{
	size_t n = strlen(scheme);

	return strncasecmp(url, scheme, n) == 0 && url[n] == ':';
}

/* Decide how src is read: HTTP, a path, or an error. */
static void
src_classify(struct src *s)
{
	if (is_scheme(s->url, "http") || is_scheme(s->url, "https"))
		return;
	if (is_scheme(s->url, "file")) {
		CURLU *u;
		char *path = NULL;

		if (!allow_file) {
			s->error = "file URLs need --allow-file";
			return;
		}
		u = curl_url();
		if (u && curl_url_set(u, CURLUPART_URL, s->url, 0) == CURLUE_OK &&
		    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) ==
		    CURLUE_OK)
			s->path = xstrdup(path);
		else
			s->error = "bad file URL";
		curl_free(path);
		curl_url_cleanup(u);
		return;
	}
	if (url_has_scheme(s->url)) {
		s->error = "unsupported URL scheme (http and https only)";
		return;
	}
	s->path = xstrdup(s->url);
}

/* ---- output ---- */

static void
on_item(void *arg, const struct feed_item *it)
{
	struct src *s = arg;
	struct itemrec_src from = { s->url, s->name, s->fetched_at, s->extra };

	itemrec_format(&line, it, &from);
	fwrite(line.s, 1, line.len, stdout);
	nitems++;
}

/* ---- outcomes ---- */

static void
progress(int final)
{
	int64_t now;

	if (!progress_wanted() || quiet)
		return;
	now = time_mono();
	if (!final && now - last_progress < 200)
		return;
	last_progress = now;
	if (final) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	fprintf(stderr, "\rfetch-feed: %lu items, %d failed\033[K", nitems,
	    nfailed);
}

static void
http_progress(void *arg)
{
	struct http *h = arg;
	size_t done, total;
	int64_t now = time_mono();

	if (!progress_wanted() || quiet || now - last_progress < 200)
		return;
	last_progress = now;
	http_counts(h, &done, &total);
	fprintf(stderr, "\rfetch-feed: %zu/%zu feeds, %lu items, %d failed"
	    "\033[K", done, total, nitems, nfailed);
}

static void
feed_failed(struct src *s, const char *why)
{
	nfailed++;
	stats_add("feeds_failed", 1);
	if (!quiet) {
		if (progress_wanted())
			fprintf(stderr, "\r\033[K");
		warnx("%s: %s", s->url, why);
	}
}

/*
 * Fields longer than FEED_FIELD_MAX were cut: the items came out, but not
 * whole, so it is said (once per feed) and the exit status is 1.  The
 * feed itself did not fail: its row in the store says it was read.
 */
static void
fields_cut(struct src *s)
{
	unsigned long n = s->fp ? feed_cut(s->fp) : 0;

	if (n == 0)
		return;
	ncut++;
	stats_add("fields_cut", (int64_t)n);
	if (!quiet) {
		if (progress_wanted())
			fprintf(stderr, "\r\033[K");
		warnx("%s: %lu field%s cut at %d bytes", s->url, n,
		    n == 1 ? "" : "s", FEED_FIELD_MAX);
	}
}

/* --pending: the validators of a feed whose items are out, for --commit
 * once they are stored. */
static void
pend(const struct src *s, const struct http_result *r)
{
	struct fbuf b = { 0 };

	fbuf_add(&b, "{\"url\":", 7);
	fbuf_json(&b, s->url, strlen(s->url));
	itemrec_field(&b, "etag", r->etag);
	itemrec_field(&b, "last_modified", r->last_modified);
	fbuf_add(&b, "}\n", 2);
	fwrite(b.s, 1, b.len, pending);
	fflush(pending);
	fbuf_free(&b);
}

/* --commit FILE: store the validators --pending wrote; an exit status. */
static int
commit(const char *file)
{
	FILE *fp = strcmp(file, "-") ? fopen(file, "r") : stdin;
	struct jsonl_reader r;
	json_object *o;
	unsigned long bad;

	if (fp == NULL)
		err(EXIT_FATAL, "%s", file);
	db = db_open(db_path, 0);
	feeds = feeds_open(db);
	jsonl_init(&r, fp, file);
	db_begin(db);
	while ((o = jsonl_next(&r)) != NULL) {
		const char *url = json_get_string(o, "url");

		if (url == NULL || *url == '\0')
			jsonl_bad(&r, "no url");
		else
			feeds_set_validators(feeds, url,
			    json_get_string(o, "etag"),
			    json_get_string(o, "last_modified"));
		json_object_put(o);
	}
	db_commit(db);
	bad = r.bad;
	jsonl_free(&r);
	if (fp != stdin)
		fclose(fp);
	feeds_close(feeds);
	db_close(db);
	return bad ? EXIT_PARTIAL : EXIT_OK;
}

/* --reset-failures URL...: an exit status. */
static int
reset(const char **urls, size_t n)
{
	int status = EXIT_OK;
	size_t i;

	db = db_open(db_path, 0);
	feeds = feeds_open(db);
	for (i = 0; i < n; i++)
		if (!feeds_reset_failures(feeds, urls[i])) {
			warnx("%s: no such feed in %s", urls[i], db_name(db));
			status = EXIT_PARTIAL;
		}
	feeds_close(feeds);
	db_close(db);
	return status;
}

/* The outcome into the store; a failure is reported with its backoff. */
static void
record(struct src *s, const struct http_result *r, const char *error,
    unsigned long items)
{
	char why[512], t[TIME_BUFSZ];
	int64_t n, next;

	if (error == NULL) {
		feeds_record_ok(feeds, s->url, s->fp ? feed_title(s->fp) : NULL,
		    r->status, (int64_t)items, time_now());
		return;
	}
	n = feeds_record_failure(feeds, s->url, r->status, error, time_now(),
	    r->retry_after_ms, &next);
	if (next == 0)
		feed_failed(s, error);
	else {
		snprintf(why, sizeof(why), "%s (%lld failure%s in a row; "
		    "next try at %s)", error, (long long)n, n == 1 ? "" : "s",
		    time_format(next, t));
		feed_failed(s, why);
	}
}

/* A feed that failed again and again, not tried before s->next_try. */
static void
backed_off(const struct src *s)
{
	char t[TIME_BUFSZ];

	nbacked++;
	stats_add("feeds_backed_off", 1);
	if (verbose)
		warnx("%s: not tried: %lld failure%s in a row; next try at "
		    "%s", s->url, (long long)s->failures,
		    s->failures == 1 ? "" : "s", time_format(s->next_try, t));
}

/* The charset parameter of a Content-Type, into buf. */
static const char *
ctype_charset(const char *ct, char *buf, size_t size)
{
	const char *p;
	size_t k = 0;

	if (ct == NULL || (p = strcasestr(ct, "charset=")) == NULL)
		return NULL;
	p += 8;
	if (*p == '"' || *p == '\'')
		p++;
	while (*p && *p != ';' && *p != '"' && *p != '\'' && *p != ' ' &&
	    k < size - 1)
		buf[k++] = *p++;
	buf[k] = '\0';
	return k ? buf : NULL;
}

static void
on_body(void *arg, long status, const char *ctype, const char *url,
    const char *location)
{
	struct src *s = arg;
	char cs[64], *base = NULL;

	if (s->fp != NULL)
		return;
	time_format(time_now(), s->fetched_at);
	s->fp = feed_new(s->url, ctype_charset(ctype, cs, sizeof(cs)),
	    on_item, s);
	/* links are relative to where the body came from */
	if (location != NULL && *location)
		base = url_resolve(url, location);
	feed_set_base(s->fp, base ? base : url);
	free(base);
	(void)status;
}

static int
on_data(void *arg, const char *buf, size_t n)
{
	struct src *s = arg;

	feed_push(s->fp, buf, n);
	return sig_caught ? 1 : 0;
}

static void
on_done(void *arg, const struct http_result *r)
{
	struct src *s = arg;
	const char *error = r->error;
	unsigned long items = 0;

	stats_add("feeds", 1);
	if (error == NULL && r->status == 304) {
		stats_add("feeds_not_modified", 1);
		if (verbose)
			warnx("%s: 304 not modified, %.1f s", s->url,
			    r->ms / 1000.0);
		record(s, r, NULL, 0);
		return;
	}
	if (error == NULL) {
		if (s->fp == NULL)
			s->fp = feed_new(s->url, NULL, on_item, s);
		if (feed_finish(s->fp) != 0)
			error = feed_error(s->fp);
		items = feed_count(s->fp);
		fields_cut(s);
	} else if (s->fp != NULL) {
		/* items read before the failure were written: end them */
		items = feed_count(s->fp);
	}
	stats_add("items", (int64_t)items);
	if (error == NULL && verbose)
		warnx("%s: %ld, %lu items, %s, %lld bytes, %.1f s%s", s->url,
		    r->status, items, feed_kind(s->fp), (long long)r->bytes,
		    r->ms / 1000.0, r->attempts > 1 ? ", retried" : "");
	/* the items out first, then their validators to --pending: a
	 * run killed between the two fetches the feed in full next time */
	fflush(stdout);
	record(s, r, error, items);
	if (error == NULL && pending != NULL && r->status != 304)
		pend(s, r);
	feed_free(s->fp);
	s->fp = NULL;
}

/* Parse a local file; returns 0 or -1 (reported). */
static void
read_path(struct src *s)
{
	char buf[65536];
	int fd = open(s->path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	const char *error = NULL;
	char errbuf[128];

	stats_add("feeds", 1);
	if (fd < 0) {
		feed_failed(s, strerror(errno));
		return;
	}
	s->fp = feed_new(s->url, NULL, on_item, s);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR && !sig_caught)
				continue;
			snprintf(errbuf, sizeof(errbuf), "%s", strerror(errno));
			error = errbuf;
			break;
		}
		feed_push(s->fp, buf, (size_t)n);
		if (sig_caught)
			break;
	}
	close(fd);
	if (error == NULL && !sig_caught && feed_finish(s->fp) != 0)
		error = feed_error(s->fp);
	fields_cut(s);
	stats_add("items", (int64_t)feed_count(s->fp));
	if (error != NULL)
		feed_failed(s, error);
	else if (verbose)
		warnx("%s: %lu items, %s", s->url, feed_count(s->fp),
		    feed_kind(s->fp));
	feed_free(s->fp);
	s->fp = NULL;
	fflush(stdout);
}

static int
parse_size(const char *s, int64_t *out)
{
	char *end;
	double v = strtod(s, &end);
	int64_t mul = 1;

	if (end == s || v < 0)
		return -1;
	if (*end == 'k' || *end == 'K')
		mul = 1024, end++;
	else if (*end == 'm' || *end == 'M')
		mul = 1024 * 1024, end++;
	else if (*end == 'g' || *end == 'G')
		mul = 1024LL * 1024 * 1024, end++;
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end == 'B')
		end++;
	if (*end != '\0')
		return -1;
	*out = (int64_t)(v * (double)mul);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{"file", required_argument, NULL, 'f'},
		{"opml", required_argument, NULL, OPT_OPML},
		{"jobs", required_argument, NULL, 'j'},
		{"per-host", required_argument, NULL, OPT_PER_HOST},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"connect-timeout", required_argument, NULL,
		    OPT_CONNECT_TIMEOUT},
		{"max-size", required_argument, NULL, OPT_MAX_SIZE},
		{"retries", required_argument, NULL, OPT_RETRIES},
		{"no-cache", no_argument, NULL, OPT_NO_CACHE},
		{"allow-file", no_argument, NULL, OPT_ALLOW_FILE},
		{"pending", required_argument, NULL, OPT_PENDING},
		{"commit", required_argument, NULL, OPT_COMMIT},
		{"reset-failures", required_argument, NULL, OPT_RESET},
		{"db", required_argument, NULL, OPT_DB},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0}
	};
	struct http_opts ho = {
		.jobs = 8, .per_host = 2, .connect_timeout_ms = 15000,
		.timeout_ms = 60000, .max_redirects = 5,
		.max_size = 16 << 20, .retries = 2, .retry_max_ms = 60000,
		.user_agent = USER_AGENT
	};
	const char **lists = NULL, **opmls = NULL;
	const char *pending_path = NULL, *commit_path = NULL, **resets = NULL;
	size_t nresets = 0;
	size_t nlists = 0, nopmls = 0, i;
	int c, status = EXIT_OK, use_stdin = 0, nhttp = 0;
	unsigned long bad = 0;
	long v, n;
	int64_t ms;
	struct http *h = NULL;
	char now[TIME_BUFSZ];

	while ((c = getopt_long(argc, argv, "f:j:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			lists = xrealloc(lists, (nlists + 1) * sizeof(*lists));
			lists[nlists++] = optarg;
			break;
		case OPT_OPML:
			opmls = xrealloc(opmls, (nopmls + 1) * sizeof(*opmls));
			opmls[nopmls++] = optarg;
			break;
		case 'j':
			if (!parse_long(optarg, 1, 1000, &v))
				errx(EXIT_USAGE, "-j: not a number of jobs "
				    "(1..1000): %s", optarg);
			ho.jobs = (int)v;
			break;
		case OPT_PER_HOST:
			if (!parse_long(optarg, 1, 100, &v))
				errx(EXIT_USAGE, "--per-host: not a number "
				    "(1..100): %s", optarg);
			ho.per_host = (int)v;
			break;
		case OPT_TIMEOUT:
		case OPT_CONNECT_TIMEOUT:
			if (duration_parse(optarg, &ms) != 0 || ms <= 0)
				errx(EXIT_USAGE, "%s: not a duration: %s",
				    c == OPT_TIMEOUT ? "--timeout" :
				    "--connect-timeout", optarg);
			if (c == OPT_TIMEOUT)
				ho.timeout_ms = (long)ms;
			else
				ho.connect_timeout_ms = (long)ms;
			break;
		case OPT_MAX_SIZE:
			if (parse_size(optarg, &ho.max_size) != 0 ||
			    ho.max_size <= 0)
				errx(EXIT_USAGE, "--max-size: not a size: %s",
				    optarg);
			break;
		case OPT_RETRIES:
			if (!parse_long(optarg, 0, 10, &v))
				errx(EXIT_USAGE, "--retries: not a number "
				    "(0..10): %s", optarg);
			ho.retries = (int)v;
			break;
		case OPT_NO_CACHE:
			no_cache = 1;
			break;
		case OPT_ALLOW_FILE:
			allow_file = 1;
			break;
		case OPT_PENDING:
			pending_path = optarg;
			break;
		case OPT_COMMIT:
			commit_path = optarg;
			break;
		case OPT_RESET:
			resets = xrealloc(resets, (nresets + 1) *
			    sizeof(*resets));
			resets[nresets++] = optarg;
			break;
		case OPT_DB:
			db_path = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'q':
			quiet = 1;
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
	argc -= optind;
	argv += optind;
	if (ho.connect_timeout_ms > ho.timeout_ms)
		ho.connect_timeout_ms = ho.timeout_ms;
	if (commit_path != NULL || nresets > 0) {
		if (argc > 0 || nlists || nopmls || pending_path ||
		    (commit_path && nresets))
			usage(stderr, EXIT_USAGE);
		status = commit_path ? commit(commit_path) :
		    reset(resets, nresets);
		free(resets);
		exit_flush(status);
	}
	if (pending_path != NULL &&
	    (pending = fopen(pending_path, "we")) == NULL)
		err(EXIT_FATAL, "%s", pending_path);

	xmlInitParser();
	feedlist_init(&list);
	for (i = 0; i < nlists; i++)
		if ((n = feedlist_read_urls(&list, lists[i])) < 0)
			exit(EXIT_FATAL);
		else
			bad += (unsigned long)n;
	for (i = 0; i < nopmls; i++)
		if (feedlist_read_opml(&list, opmls[i]) < 0)
			exit(EXIT_FATAL);
	for (c = 0; c < argc; c++) {
		if (strcmp(argv[c], "-") == 0)
			use_stdin = 1;
		else
			feedlist_add(&list, argv[c], 1);
	}
	if (argc == 0 && nlists == 0 && nopmls == 0) {
		if (isatty(STDIN_FILENO))
			usage(stderr, EXIT_USAGE);
		use_stdin = 1;
	}
	if (use_stdin)
		bad += feedlist_read_jsonl(&list, stdin, "stdin");
	if (bad)
		status = EXIT_PARTIAL;
	srcs_make(&list);

	sig_catch();
	time_format(time_now(), now);
	for (i = 0; i < srcs.n; i++) {
		src_classify(&srcs.v[i]);
		memcpy(srcs.v[i].fetched_at, now, sizeof(now));
		if (!srcs.v[i].error && srcs.v[i].path == NULL)
			nhttp++;
	}
	/* local files first, one after the other */
	for (i = 0; i < srcs.n && !sig_caught; i++) {
		struct src *s = &srcs.v[i];

		if (s->error) {
			feed_failed(s, s->error);
		} else if (s->path) {
			read_path(s);
			progress(0);
		}
	}
	if (nhttp > 0 && !sig_caught) {
		db = db_open(db_path, 0);
		feeds = feeds_open(db);
		h = http_new(&ho);
		for (i = 0; i < srcs.n; i++) {
			struct src *s = &srcs.v[i];
			struct http_req rq = { 0 };

			if (s->error || s->path)
				continue;
			feeds_validators(feeds, s->url, &s->etag, &s->lastmod,
			    &s->failures, &s->next_try);
			if (s->next_try > time_now()) {
				backed_off(s);
				continue;
			}
			if (no_cache) {
				free(s->etag);
				free(s->lastmod);
				s->etag = s->lastmod = NULL;
			}
			rq.url = s->url;
			rq.etag = s->etag;
			rq.last_modified = s->lastmod;
			rq.arg = s;
			rq.on_body = on_body;
			rq.on_data = on_data;
			rq.on_done = on_done;
			http_add(h, &rq);
		}
		http_run(h, http_progress, h);
	}
	progress(1);
	if (nfailed || ncut || nbacked)
		status = EXIT_PARTIAL;
	stats_add("items_written", (int64_t)nitems);
	stats_flush();
	if (sig_caught) {
		fflush(stdout);
		_exit(128 + sig_caught);
	}
	if (pending != NULL && (ferror(pending) || fclose(pending) != 0)) {
		warnx("%s: cannot write the validators", pending_path);
		status = EXIT_FATAL;
	}
	http_free(h);
	feeds_close(feeds);
	db_close(db);
	for (i = 0; i < srcs.n; i++) {
		struct src *s = &srcs.v[i];

		feed_free(s->fp);
		free(s->path);
		free(s->etag);
		free(s->lastmod);
	}
	free(srcs.v);
	feedlist_free(&list);
	free(lists);
	free(opmls);
	fbuf_free(&line);
	xmlCleanupParser();
	curl_global_cleanup();
	exit_flush(status);
}
