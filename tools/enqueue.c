/*
 * enqueue - put jobs on a named queue: unique keys, priorities, delays,
 * rank-based recurrence.  See man/enqueue.1 and lib/queue.h.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "jsonl.h"
#include "jsonscan.h"
#include "queue.h"
#include "sig.h"
#include "stats.h"
#include "timefmt.h"
#include "util.h"

/* Jobs per transaction, and the longest a batch stays open. */
#define BATCH_ROWS 10000
#define BATCH_MS 500

enum {
	OPT_KEY = OPT_FIRST_PRIVATE,
	OPT_PRIORITY,
	OPT_PRIORITY_FIELD,
	OPT_DELAY,
	OPT_AT,
	OPT_MAX_ATTEMPTS,
	OPT_DRY_RUN,
	OPT_RECURRING,
	OPT_RANK_FIELD,
	OPT_EVERY_FIELD,
	OPT_INTERVALS,
	OPT_EVERY
};

/* Everything one invocation needs. */
struct enq {
	struct db *db;		/* the store */
	struct queue_enq *q;	/* its statements on the queue */
	const char *queue;	/* QUEUE */
	const char *key_field;	/* --key, or NULL */
	const char *prio_field;	/* --priority-field, or NULL */
	long long priority;	/* --priority: default priority */
	long long max_attempts;	/* --max-attempts */
	int64_t delay_ms;	/* --delay */
	int64_t at_ms;		/* --at, or -1 */
	int dry_run;		/* --dry-run */
	int recurring;		/* --recurring */
	const char *rank_field;	/* --rank-field */
	const char *every_field; /* --every-field */
	struct queue_intervals iv; /* --intervals */
	int64_t every_ms;	/* --every: interval of entities without one */
	int verbose;		/* -v */
	int64_t now;		/* the clock, read once */
	char now_s[TIME_BUFSZ];	/* now, formatted */
	char run_after[TIME_BUFSZ]; /* when the jobs may run, formatted */
	char *queue_json;	/* ',"queue":"NAME"' for the output */
	FILE *out;		/* output waiting for the commit */
	char *out_buf;		/* its buffer */
	size_t out_len;		/* its length */
	unsigned long nread, nenq, ndup, nnotdue;	/* counters */
};

static _Noreturn void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: enqueue QUEUE [--db PATH] [--key FIELD] "
	    "[--priority N | --priority-field F]\n"
	    "               [--delay D | --at TIME] [--max-attempts N] "
	    "[--dry-run] [-qv]\n"
	    "       enqueue QUEUE --recurring --key FIELD [--rank-field F] "
	    "[--every-field F]\n"
	    "               [--intervals SPEC] [--every D] [--priority N] "
	    "[--dry-run] [-qv]\n");
	exit(status);
}

/* The fields enqueue reads from each line. */
enum { F_KEY, F_PRIO, F_RANK, F_EVERY, F_COUNT };

/* Non-zero when a scanned non-string value is a number. */
static int
is_number(const struct jscan_field *f)
{
	return f->found && !f->is_string && f->len > 0 &&
	    (f->val[0] == '-' || (f->val[0] >= '0' && f->val[0] <= '9'));
}

/* A scanned integer (no fraction, no exponent); 1 and *v, or 0. */
static int
scanned_int(const struct jscan_field *f, long long *v)
{
	char buf[32], *end;

	if (!is_number(f) || f->len >= sizeof(buf))
		return 0;
	memcpy(buf, f->val, f->len);
	buf[f->len] = '\0';
	errno = 0;
	*v = strtoll(buf, &end, 10);
	return *end == '\0' && errno == 0;
}

/* The text of a string or number field as a new string, or NULL. */
static char *
scanned_text(const struct jscan_field *f)
{
	if (f->found && f->is_string)
		return f->escaped ? jscan_string(f) : xstrndup(f->val, f->len);
	if (is_number(f))
		return xstrndup(f->val, f->len);
	return NULL;
}

static void
commit(struct enq *e)
{
	queue_enq_commit(e->q);
	fflush(e->out);
	if (e->out_len > 0)
		fwrite(e->out_buf, 1, e->out_len, stdout);
	rewind(e->out);
	e->out_len = 0;
	fflush(stdout);
}

/* Why a recurring entity is or is not due; 1 when it is. */
struct due {
	int64_t every_ms;	/* its interval */
	int64_t last_ms;	/* last success, or -1 */
	int64_t due_ms;		/* when it falls due (-1: never ran) */
	int pending;		/* a job of the key is pending */
};

/*
 * The interval of entity o: its every field, else its rank through the
 * intervals, else --every.  -1 after reporting the line as bad.
 */
static int64_t
entity_interval(struct enq *e, struct jsonl_reader *r,
    const struct jscan_field *f)
{
	const struct jscan_field *every = &f[F_EVERY], *rf = &f[F_RANK];
	int64_t ms;
	long long v;

	if (every->found && !(every->len == 4 && !every->is_string &&
	    memcmp(every->val, "null", 4) == 0)) {
		if (every->is_string) {
			char *t = scanned_text(every);
			int ok = duration_parse(t, &ms) == 0 && ms > 0;

			free(t);
			if (ok)
				return ms;
		} else if (scanned_int(every, &v) && v > 0 &&
		    v < INT64_MAX / 1000) {
			return v * 1000;
		}
		jsonl_bad(r, "%s is not a duration", e->every_field);
		return -1;
	}
	if (rf->found && !(rf->len == 4 && !rf->is_string &&
	    memcmp(rf->val, "null", 4) == 0)) {
		int ok = 0;

		if (rf->is_string) {
			char *t = scanned_text(rf), *end;

			errno = 0;
			v = strtoll(t, &end, 10);
			ok = end != t && *end == '\0' && errno == 0;
			free(t);
		} else {
			ok = scanned_int(rf, &v);
		}
		if (!ok) {
			jsonl_bad(r, "%s is not an integer", e->rank_field);
			return -1;
		}
		if ((ms = queue_intervals_find(&e->iv, v)) < 0) {
			jsonl_bad(r, "%s %lld is in no range of --intervals",
			    e->rank_field, v);
			return -1;
		}
		return ms;
	}
	if (e->every_ms > 0)
		return e->every_ms;
	jsonl_bad(r, "no %s or %s", e->every_field, e->rank_field);
	return -1;
}

/* Fill d for key; 1 when due at e->now. */
static int
recurring_due(struct enq *e, const char *key, struct due *d)
{
	d->last_ms = queue_last_success(e->q, key, &d->pending);
	if (d->last_ms < 0) {
		d->due_ms = -1;
		return 1;
	}
	d->due_ms = d->last_ms + d->every_ms;
	return d->due_ms <= e->now;
}

/* A non-negative integer, without printf. */
static void
put_int(FILE *fp, long long v)
{
	char buf[24], *p = buf + sizeof(buf);

	*--p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	fputs_unlocked(p, fp);
}

static void
put_key(FILE *fp, const char *key)
{
	fputs_unlocked(",\"key\":", fp);
	if (key != NULL)
		jsonl_put_string(fp, key, strlen(key));
	else
		fputs("null", fp);
}

/* What became of the job of input line lineno (queue_added_fn): its
 * output line, or a duplicate when id is 0. */
static void
added(void *arg, unsigned long lineno, const char *key, long long id)
{
	struct enq *e = arg;

	if (id == 0) {
		e->ndup++;
		if (e->verbose)
			warnx("stdin:%lu: %s: a job with this key is pending",
			    lineno, key);
		return;
	}
	e->nenq++;
	fputs_unlocked("{\"id\":", e->out);
	put_int(e->out, id);
	fputs_unlocked(e->queue_json, e->out);
	put_key(e->out, key);
	fputs_unlocked(",\"run_after\":\"", e->out);
	fputs_unlocked(e->run_after, e->out);
	fputs_unlocked("\"}\n", e->out);
}

/* One input line. */
static void
enqueue_one(struct enq *e, struct jsonl_reader *r)
{
	struct jscan_field f[F_COUNT] = {
		[F_KEY] = { .key = e->key_field ? e->key_field : "" },
		[F_PRIO] = { .key = e->prio_field ? e->prio_field : "" },
		[F_RANK] = { .key = e->rank_field },
		[F_EVERY] = { .key = e->every_field },
	};
	char *key = NULL;
	long long priority = e->priority, id = 0;
	char buf[TIME_BUFSZ], state[16];
	const char *run_after = e->run_after;
	struct due d = { 0, -1, -1, 0 };
	struct queue_new job;
	const char *reason = NULL;
	int due = 1;

	if (!jsonl_scan(r, f, e->recurring ? F_COUNT : F_RANK))
		return;
	if (e->key_field != NULL &&
	    ((key = scanned_text(&f[F_KEY])) == NULL || *key == '\0')) {
		jsonl_bad(r, "no %s", e->key_field);
		goto out;
	}
	if (e->prio_field != NULL && f[F_PRIO].found &&
	    !scanned_int(&f[F_PRIO], &priority)) {
		jsonl_bad(r, "%s is not an integer", e->prio_field);
		goto out;
	}
	if (e->recurring) {
		if ((d.every_ms = entity_interval(e, r, f)) < 0)
			goto out;
		due = recurring_due(e, key, &d);
	}

	if (e->dry_run) {
		FILE *fp = e->out;
		int pend = key != NULL &&
		    queue_pending(e->q, key, &id, state, sizeof(state));

		fputs("{\"queue\":", fp);
		jsonl_put_string(fp, e->queue, strlen(e->queue));
		put_key(fp, key);
		if (!due) {
			reason = "not due";
			e->nnotdue++;
		} else if (pend) {
			reason = "pending";
			e->ndup++;
		} else {
			e->nenq++;
		}
		fprintf(fp, ",\"enqueue\":%s", reason ? "false" : "true");
		if (e->recurring) {
			fprintf(fp, ",\"interval\":\"%s\"",
			    duration_format(d.every_ms, buf));
			if (d.last_ms >= 0) {
				fprintf(fp, ",\"last_success\":\"%s\"",
				    time_format_ms(d.last_ms, buf));
				fprintf(fp, ",\"due_at\":\"%s\"",
				    time_format_ms(d.due_ms, buf));
			}
		}
		fputs(",\"why\":", fp);
		if (!due) {
			fprintf(fp, "\"last success %s + %s is ",
			    time_format_ms(d.last_ms, buf),
			    duration_format(d.every_ms, state));
			fprintf(fp, "%s, still to come\"}\n",
			    time_format_ms(d.due_ms, buf));
		} else if (pend) {
			fprintf(fp, "\"job %lld with this key is %s\"}\n", id,
			    state);
		} else if (e->recurring && d.last_ms < 0) {
			fputs("\"never ran\"}\n", fp);
		} else if (e->recurring) {
			fprintf(fp, "\"last success %s + %s is ",
			    time_format_ms(d.last_ms, buf),
			    duration_format(d.every_ms, state));
			fprintf(fp, "%s, past\"}\n",
			    time_format_ms(d.due_ms, buf));
		} else {
			fputs(key ? "\"no job with this key is pending\"}\n" :
			    "\"no key\"}\n", fp);
		}
		goto out;
	}

	if (!due) {
		e->nnotdue++;
		goto out;
	}
	job.key = key;
	job.payload = r->line;
	job.payload_len = r->len;
	job.priority = priority;
	job.max_attempts = e->max_attempts;
	job.run_after = run_after;
	job.now = e->now_s;
	/* a recurring key's pending job, seen with its last success */
	if (d.pending)
		added(e, r->lineno, key, 0);
	else
		queue_put(e->q, &job, r->lineno);
out:
	free(key);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "priority", required_argument, NULL, OPT_PRIORITY },
		{ "priority-field", required_argument, NULL,
		    OPT_PRIORITY_FIELD },
		{ "delay", required_argument, NULL, OPT_DELAY },
		{ "at", required_argument, NULL, OPT_AT },
		{ "max-attempts", required_argument, NULL, OPT_MAX_ATTEMPTS },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "recurring", no_argument, NULL, OPT_RECURRING },
		{ "rank-field", required_argument, NULL, OPT_RANK_FIELD },
		{ "every-field", required_argument, NULL, OPT_EVERY_FIELD },
		{ "intervals", required_argument, NULL, OPT_INTERVALS },
		{ "every", required_argument, NULL, OPT_EVERY },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct enq e;
	struct jsonl_reader r;
	const char *db = NULL, *intervals = QUEUE_INTERVALS_DEFAULT, *why;
	int ch, status, have_at = 0, have_delay = 0;
	int64_t batch_start;
	unsigned long rows = 0;

	memset(&e, 0, sizeof(e));
	e.max_attempts = 5;
	e.at_ms = -1;
	e.rank_field = "rank";
	e.every_field = "every";
	while ((ch = getopt_long(argc, argv, "vqh", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case OPT_DB:
			db = optarg;
			break;
		case OPT_KEY:
			e.key_field = optarg;
			break;
		case OPT_PRIORITY:
			e.priority = opt_number("priority", optarg,
			    -1000000000L, 1000000000L, usage);
			break;
		case OPT_PRIORITY_FIELD:
			e.prio_field = optarg;
			break;
		case OPT_DELAY:
			e.delay_ms = opt_duration("delay", optarg, 0, usage);
			have_delay = 1;
			break;
		case OPT_AT:
			if (time_parse(optarg, &e.at_ms) != 0) {
				warnx("--at: not an RFC 3339 time: %s", optarg);
				usage(stderr, EXIT_USAGE);
			}
			have_at = 1;
			break;
		case OPT_MAX_ATTEMPTS:
			e.max_attempts = opt_number("max-attempts", optarg,
			    1, 1000000, usage);
			break;
		case OPT_DRY_RUN:
			e.dry_run = 1;
			break;
		case OPT_RECURRING:
			e.recurring = 1;
			break;
		case OPT_RANK_FIELD:
			e.rank_field = optarg;
			break;
		case OPT_EVERY_FIELD:
			e.every_field = optarg;
			break;
		case OPT_INTERVALS:
			intervals = optarg;
			break;
		case OPT_EVERY:
			e.every_ms = opt_duration("every", optarg, 1, usage);
			break;
		case 'v':
			e.verbose = 1;
			break;
		case 'q':
			e.verbose = 0;
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
	if (argc != 1 || *argv[0] == '\0')
		usage(stderr, EXIT_USAGE);
	e.queue = argv[0];
	if (have_at && have_delay) {
		warnx("--delay and --at exclude each other");
		usage(stderr, EXIT_USAGE);
	}
	if (e.recurring && e.key_field == NULL) {
		warnx("--recurring needs --key");
		usage(stderr, EXIT_USAGE);
	}
	if (queue_intervals_parse(intervals, &e.iv, &why) != 0) {
		warnx("--intervals: %s: %s", why, intervals);
		usage(stderr, EXIT_USAGE);
	}

	e.db = db_open(db, 0);
	e.q = queue_enq_open(e.db, e.queue);
	queue_enq_notify(e.q, added, &e);
	e.now = db_now(e.db);
	time_format_ms(e.now, e.now_s);
	time_format_ms(e.at_ms >= 0 ? e.at_ms : e.now + e.delay_ms,
	    e.run_after);
	{
		char *q = json_quote(e.queue, strlen(e.queue));

		if (asprintf(&e.queue_json, ",\"queue\":%s", q) < 0)
			die_nomem();
		free(q);
	}
	if ((e.out = open_memstream(&e.out_buf, &e.out_len)) == NULL)
		die_nomem();
	sig_catch();

	jsonl_init(&r, stdin, "stdin");
	for (;;) {
		/* never hold the store's write lock while waiting for input:
		 * workers would wait too */
		if (rows > 0 && (rows >= BATCH_ROWS ||
		    time_mono() - batch_start >= BATCH_MS ||
		    !jsonl_ready(stdin))) {
			commit(&e);
			rows = 0;
		}
		if (sig_caught || jsonl_next_line(&r) == NULL)
			break;
		if (rows == 0) {
			queue_enq_begin(e.q);
			batch_start = time_mono();
		}
		e.nread++;
		enqueue_one(&e, &r);
		rows++;
	}
	if (rows > 0)
		commit(&e);	/* a dry run has written nothing: commits nothing */

	stats_add("jobs_enqueued", (int64_t)(e.dry_run ? 0 : e.nenq));
	stats_add("jobs_duplicate", (int64_t)e.ndup);
	stats_add("jobs_not_due", (int64_t)e.nnotdue);
	stats_add("records_bad", (int64_t)r.bad);
	stats_flush();
	if (e.verbose)
		warnx("%s: %lu read, %lu %s, %lu duplicate, %lu not due, "
		    "%lu bad", e.queue, e.nread, e.nenq,
		    e.dry_run ? "due" : "enqueued", e.ndup, e.nnotdue, r.bad);

	queue_enq_close(e.q);
	db_close(e.db);
	fclose(e.out);
	free(e.out_buf);
	free(e.queue_json);
	status = EXIT_OK;
	if (r.bad > 0 || r.error != 0)
		status = EXIT_PARTIAL;
	jsonl_free(&r);
	if (sig_caught)
		status = 128 + sig_caught;
	exit_flush(status);
}
