/*
 * dequeue - claim jobs from a queue with a lease and run a command for
 * each, with retries, backoff and a dead state; and the queue's upkeep
 * (list, requeue dead jobs, prune old done ones).  Options and upkeep
 * here; the worker is lib/worker.c, the queue's SQL lib/queue.c.  See
 * man/dequeue.1.
 */
#define _GNU_SOURCE
#include <err.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "jsonl.h"
#include "queue.h"
#include "sig.h"
#include "stats.h"
#include "timefmt.h"
#include "util.h"
#include "worker.h"

/* Most jobs --batch gives one command. */
#define BATCH_MAX 10000

enum {
	OPT_LEASE = OPT_FIRST_PRIVATE,
	OPT_MAX_JOBS,
	OPT_DRAIN,
	OPT_FOR,
	OPT_BACKOFF,
	OPT_GRACE,
	OPT_POLL,
	OPT_LIST,
	OPT_REQUEUE_DEAD,
	OPT_PRUNE,
	OPT_KEEP,
	OPT_BATCH
};

static _Noreturn void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: dequeue QUEUE [--db PATH] [-j N] [--lease D] "
	    "[--max-jobs N] [--drain] [--for D]\n"
	    "               [--backoff D] [--grace D] [--poll D] [--keep D] "
	    "[--batch N] [-q] [-v]\n"
	    "               -- COMMAND [ARG...]\n"
	    "       dequeue QUEUE [--db PATH] --list STATE\n"
	    "       dequeue QUEUE [--db PATH] --requeue-dead\n"
	    "       dequeue QUEUE [--db PATH] --prune D\n");
	exit(status);
}

/* ---- upkeep ---- */


/* queue_list: one job. */
static void
list_one(const char *json, void *arg)
{
	(void)arg;
	puts(json);
}

static int
list_jobs(struct db *db, const char *queue, const char *state)
{
	if (!queue_list_state(state)) {
		warnx("--list: not a state: %s (all, pending, queued, "
		    "running, done, failed, dead)", state);
		usage(stderr, EXIT_USAGE);
	}
	queue_list(db, queue, state, list_one, NULL);
	return EXIT_OK;
}

/* What requeue_dead tells its callback. */
struct requeued {
	const char *queue;	/* the queue */
	const char *now;	/* the new run_after */
	long n;			/* jobs requeued so far */
};

/* queue_requeue_dead: one job requeued. */
static void
requeued_one(long long id, const char *key, void *arg)
{
	struct requeued *rq = arg;

	printf("{\"id\":%lld,\"queue\":", id);
	jsonl_put_string(stdout, rq->queue, strlen(rq->queue));
	if (key != NULL) {
		fputs(",\"key\":", stdout);
		jsonl_put_string(stdout, key, strlen(key));
	}
	printf(",\"run_after\":\"%s\"}\n", rq->now);
	rq->n++;
}

static int
requeue_dead(struct db *db, const char *queue, int verbose)
{
	char now[TIME_BUFSZ];
	int64_t t = db_now(db), left;
	struct requeued rq = { queue, now, 0 };

	time_format_ms(t, now);
	left = queue_requeue_dead(db, queue, t, requeued_one, &rq);
	if (left > 0)
		warnx("%s: %lld dead job%s left: a job with the same key is "
		    "pending", queue, (long long)left, left == 1 ? "" : "s");
	if (verbose)
		warnx("%s: %ld dead job%s requeued", queue, rq.n,
		    rq.n == 1 ? "" : "s");
	return EXIT_OK;
}

static int
prune_done(struct db *db, const char *queue, int64_t age_ms, int verbose)
{
	char before[TIME_BUFSZ];
	long total;

	time_format_ms(db_now(db) - age_ms, before);
	total = worker_prune(db, queue, age_ms);
	if (verbose)
		warnx("%s: %ld done job%s completed before %s pruned", queue,
		    total, total == 1 ? "" : "s", before);
	return sig_caught ? 128 + sig_caught : EXIT_OK;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "jobs", required_argument, NULL, 'j' },
		{ "lease", required_argument, NULL, OPT_LEASE },
		{ "max-jobs", required_argument, NULL, OPT_MAX_JOBS },
		{ "drain", no_argument, NULL, OPT_DRAIN },
		{ "for", required_argument, NULL, OPT_FOR },
		{ "backoff", required_argument, NULL, OPT_BACKOFF },
		{ "grace", required_argument, NULL, OPT_GRACE },
		{ "poll", required_argument, NULL, OPT_POLL },
		{ "list", required_argument, NULL, OPT_LIST },
		{ "requeue-dead", no_argument, NULL, OPT_REQUEUE_DEAD },
		{ "prune", required_argument, NULL, OPT_PRUNE },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct worker_opts o;
	struct worker_counts n;
	struct queue_db *q;
	const char *db = NULL, *list = NULL;
	int ch, requeue = 0, status, stopped;
	int64_t prune_ms = -1;
	struct db *handle;

	memset(&o, 0, sizeof(o));
	memset(&n, 0, sizeof(n));
	o.jobs = 1;
	o.lease_ms = 5 * 60000;
	o.backoff_ms = 30000;
	o.grace_ms = 30000;
	o.poll_ms = 1000;
	/* options may follow QUEUE; COMMAND follows "--" */
	while ((ch = getopt_long(argc, argv, "j:vqh", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case OPT_DB:
			db = optarg;
			break;
		case 'j':
			o.jobs = opt_jobs(optarg, usage);
			break;
		case OPT_LEASE:
			o.lease_ms = opt_duration("lease", optarg, 1, usage);
			break;
		case OPT_MAX_JOBS:
			o.max_jobs = opt_number("max-jobs", optarg, 1,
			    1000000000L, usage);
			break;
		case OPT_DRAIN:
			o.drain = 1;
			break;
		case OPT_FOR:
			o.for_ms = opt_duration("for", optarg, 1, usage);
			break;
		case OPT_BACKOFF:
			o.backoff_ms = opt_duration("backoff", optarg, 0, usage);
			break;
		case OPT_GRACE:
			o.grace_ms = opt_duration("grace", optarg, 0, usage);
			break;
		case OPT_POLL:
			o.poll_ms = opt_duration("poll", optarg, 1, usage);
			break;
		case OPT_LIST:
			list = optarg;
			break;
		case OPT_REQUEUE_DEAD:
			requeue = 1;
			break;
		case OPT_PRUNE:
			prune_ms = opt_duration("prune", optarg, 1, usage);
			break;
		case OPT_KEEP:
			o.keep_ms = opt_duration("keep", optarg, 1, usage);
			break;
		case OPT_BATCH:
			o.batch = (int)opt_number("batch", optarg, 1,
			    BATCH_MAX, usage);
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'q':
			o.quiet = 1;
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
	if (argc < 1 || *argv[0] == '\0')
		usage(stderr, EXIT_USAGE);
	if ((list != NULL) + requeue + (prune_ms >= 0) > 1) {
		warnx("--list, --requeue-dead and --prune exclude each other");
		usage(stderr, EXIT_USAGE);
	}
	if (list != NULL || requeue || prune_ms >= 0) {
		if (o.keep_ms > 0)
			warnx("--keep goes with a COMMAND; --prune deletes now");
		if (argc != 1 || o.keep_ms > 0)
			usage(stderr, EXIT_USAGE);
		handle = db_open(db, 0);
		sig_catch();
		if (list != NULL)
			status = list_jobs(handle, argv[0], list);
		else if (requeue)
			status = requeue_dead(handle, argv[0], o.verbose);
		else
			status = prune_done(handle, argv[0], prune_ms,
			    o.verbose);
		db_close(handle);
		exit_flush(status);
	}
	if (argc < 2) {
		warnx("no COMMAND to run");
		usage(stderr, EXIT_USAGE);
	}
	o.argv = argv + 1;

	handle = db_open(db, 0);
	q = queue_db_open(handle, argv[0]);
	sig_catch();
	stopped = worker_run(handle, q, &o, &n);

	stats_add("jobs_done", (int64_t)n.done);
	stats_add("jobs_failed", (int64_t)n.failed);
	stats_add("jobs_dead", (int64_t)n.dead);
	stats_add("jobs_lost", (int64_t)n.lost);
	stats_add("jobs_released", (int64_t)n.released);
	stats_flush();
	if (o.verbose)
		warnx("%s: %lu done, %lu failed, %lu dead, %lu lost, "
		    "%lu released", queue_db_name(q), n.done, n.failed, n.dead,
		    n.lost, n.released);
	queue_db_close(q);
	db_close(handle);
	status = EXIT_OK;
	if (n.failed + n.dead + n.lost > 0)
		status = EXIT_PARTIAL;
	if (stopped)
		status = 128 + stopped;
	exit_flush(status);
}
