/*
 * run-job - run one cron job: recorded in the store, never overlapping,
 * quiet on success, timed out, retried, paused after repeated failures,
 * exit 1 recorded as partial, pinging a dead-man's switch.  See
 * man/run-job.1, and the runs and job_state tables (lib/runs.c) in
 * man/jobline.5.
 */
#define _GNU_SOURCE
#include <err.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "db.h"
#include "joblock.h"
#include "ping.h"
#include "proc.h"
#include "sig.h"
#include "runs.h"
#include "stats.h"
#include "timefmt.h"
#include "util.h"

/* Bytes of each of the command's stdout and stderr kept for printing. */
#define CAPTURE_MAX (256 * 1024)
/* Bytes of the end of stderr recorded as the run's error. */
#define ERROR_TAIL 2000
/* Bytes of the end of stderr a ping carries. */
#define PING_TAIL (10 * 1024)
/* Distinct counter names recorded from $JOBLINE_STATS. */
#define COUNTERS_MAX 256
/* Runs deleted per transaction when pruning. */
#define PRUNE_BATCH 5000

enum {
	OPT_WAIT = OPT_FIRST_PRIVATE, OPT_TIMEOUT, OPT_GRACE, OPT_RETRIES,
	OPT_BACKOFF, OPT_ALERT_AFTER, OPT_PAUSE_AFTER, OPT_PAUSE, OPT_RESUME,
	OPT_REASON, OPT_EVERY, OPT_FOR, OPT_EXPECT, OPT_KEEP, OPT_PRUNE,
	OPT_CHECK, OPT_STRICT, OPT_PING
};

/* The command line. */
struct opts {
	const char *db;		/* --db, or NULL for the default store */
	int verbose;		/* -v: the command's output passes through */
	int quiet;		/* -q: no output printed on failure */
	int wait;		/* --wait: wait for the lock, do not skip */
	int check;		/* --check: validate the options only */
	int strict;		/* --strict: exit 1 is a failure, not partial */
	int64_t timeout_ms;	/* --timeout, 0 for none */
	int64_t grace_ms;	/* --grace: SIGTERM to SIGKILL */
	long retries;		/* --retries: extra attempts */
	int64_t backoff_ms;	/* --backoff: first wait between attempts */
	long alert_after;	/* --alert-after, 0 for never */
	long pause_after;	/* --pause-after, 0 for never */
	int64_t every_ms;	/* --every: loop mode period, 0 for one run */
	int64_t for_ms;		/* --for: loop mode length, 0 for ever */
	int64_t expect_ms;	/* --expect, -1 when not given, 0 clears */
	int64_t keep_ms;	/* --keep, 0 for keep all */
	int64_t prune_ms;	/* --prune: prune every job, no command */
	const char *pause;	/* --pause NAME */
	const char *resume;	/* --resume NAME */
	const char *reason;	/* --reason TEXT for --pause */
	const char *ping;	/* --ping URL or $JOBLINE_PING_URL, or NULL */
	const char *name;	/* the job */
	char **cmd;		/* the command and its arguments */
};

/* How one attempt of the command ended. */
struct outcome {
	const char *status;	/* success, partial, failed, timeout,
				 * interrupted */
	int exit_code;		/* exit status, or 128 + signal */
	int signo;		/* signal that ended it, or 0 */
};

/* The job being run and its store. */
struct job {
	struct opts *o;		/* the options */
	struct db *db;		/* the store */
	struct runs *runs;	/* its runs and job_state tables */
	char host[256];		/* this machine's name */
	int lockfd;		/* the held lock file */
	char **env;		/* the command's environment */
	struct proc *proc;	/* the last attempt, or NULL */
	int interrupted;	/* signal run-job got and forwarded, or 0 */
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: run-job [--db PATH] [-v | -q] [--wait] [--timeout D] "
	    "[--grace D]\n"
	    "               [--retries N] [--backoff D] [--alert-after N] "
	    "[--pause-after N]\n"
	    "               [--every D [--for D]] [--expect D] [--keep D] "
	    "[--strict]\n"
	    "               [--ping URL] [--check]\n"
	    "               NAME -- COMMAND [ARG...]\n"
	    "       run-job [--db PATH] --pause NAME [--reason TEXT]\n"
	    "       run-job [--db PATH] --resume NAME\n"
	    "       run-job [--db PATH] --prune D\n");
	exit(status);
}

static long
opt_count(const char *opt, const char *arg)
{
	long n;

	if (!parse_long(arg, 0, 1000000, &n)) {
		warnx("%s: not a count: %s", opt, arg);
		usage(stderr, EXIT_USAGE);
	}
	return n;
}

static void
parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "wait", no_argument, NULL, OPT_WAIT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "grace", required_argument, NULL, OPT_GRACE },
		{ "retries", required_argument, NULL, OPT_RETRIES },
		{ "backoff", required_argument, NULL, OPT_BACKOFF },
		{ "alert-after", required_argument, NULL, OPT_ALERT_AFTER },
		{ "pause-after", required_argument, NULL, OPT_PAUSE_AFTER },
		{ "pause", required_argument, NULL, OPT_PAUSE },
		{ "resume", required_argument, NULL, OPT_RESUME },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "every", required_argument, NULL, OPT_EVERY },
		{ "for", required_argument, NULL, OPT_FOR },
		{ "expect", required_argument, NULL, OPT_EXPECT },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "prune", required_argument, NULL, OPT_PRUNE },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "ping", required_argument, NULL, OPT_PING },
		{ NULL, 0, NULL, 0 }
	};
	const char *bad, *name = NULL;
	char **cmd = NULL;
	int c, modes, dd, nargs, ncmd = 0;

	memset(o, 0, sizeof(*o));
	o->grace_ms = 30000;
	o->backoff_ms = 10000;
	o->alert_after = 3;
	o->expect_ms = -1;
	o->ping = getenv("JOBLINE_PING_URL");
	/*
	 * With "--", options may come before or after NAME, and the
	 * command's own are never ours; without it, options end at NAME.
	 */
	for (dd = 1; dd < argc && strcmp(argv[dd], "--") != 0; dd++)
		;
	nargs = dd < argc ? dd : argc;
	while ((c = getopt_long(nargs, argv, dd < argc ? "vqh" : "+vqh",
	    longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: o->db = optarg; break;
		case 'v': o->verbose = 1; break;
		case 'q': o->quiet = 1; break;
		case 'h': usage(stdout, EXIT_OK); break;
		case OPT_VERSION: version_exit();
		case OPT_WAIT: o->wait = 1; break;
		case OPT_TIMEOUT:
			o->timeout_ms = opt_duration("timeout", optarg, 0, usage);
			break;
		case OPT_GRACE:
			o->grace_ms = opt_duration("grace", optarg, 0, usage);
			break;
		case OPT_RETRIES:
			o->retries = opt_count("--retries", optarg);
			break;
		case OPT_BACKOFF:
			o->backoff_ms = opt_duration("backoff", optarg, 0, usage);
			break;
		case OPT_ALERT_AFTER:
			o->alert_after = opt_count("--alert-after", optarg);
			break;
		case OPT_PAUSE_AFTER:
			o->pause_after = opt_count("--pause-after", optarg);
			break;
		case OPT_PAUSE: o->pause = optarg; break;
		case OPT_RESUME: o->resume = optarg; break;
		case OPT_REASON: o->reason = optarg; break;
		case OPT_EVERY:
			o->every_ms = opt_duration("every", optarg, 1, usage);
			break;
		case OPT_FOR:
			o->for_ms = opt_duration("for", optarg, 1, usage);
			break;
		case OPT_EXPECT:
			o->expect_ms = opt_duration("expect", optarg, 0, usage);
			break;
		case OPT_KEEP:
			o->keep_ms = opt_duration("keep", optarg, 1, usage);
			break;
		case OPT_PRUNE:
			o->prune_ms = opt_duration("prune", optarg, 1, usage);
			break;
		case OPT_CHECK: o->check = 1; break;
		case OPT_STRICT: o->strict = 1; break;
		case OPT_PING: o->ping = optarg; break;
		default: usage(stderr, EXIT_USAGE);
		}
	}
	if (dd < argc) {
		if (nargs - optind > 1) {
			warnx("%s: unexpected argument before --",
			    argv[optind + 1]);
			usage(stderr, EXIT_USAGE);
		}
		name = nargs - optind == 1 ? argv[optind] : NULL;
		cmd = argv + dd + 1;
		ncmd = argc - dd - 1;
	} else if (optind < argc) {
		name = argv[optind];
		cmd = argv + optind + 1;
		ncmd = argc - optind - 1;
	}

	modes = (o->pause != NULL) + (o->resume != NULL) + (o->prune_ms > 0);
	if (modes > 1) {
		warnx("--pause, --resume and --prune go alone");
		usage(stderr, EXIT_USAGE);
	}
	if (modes == 1) {
		const char *n = o->pause ? o->pause : o->resume;

		if (name != NULL || ncmd > 0) {
			warnx("%s: unexpected argument", name ? name : cmd[0]);
			usage(stderr, EXIT_USAGE);
		}
		if (n != NULL && (bad = job_name_invalid(n)) != NULL) {
			warnx("%s", bad);
			usage(stderr, EXIT_USAGE);
		}
		o->name = n;
		return;
	}
	if (o->reason != NULL) {
		warnx("--reason goes with --pause");
		usage(stderr, EXIT_USAGE);
	}
	if (name == NULL) {
		warnx("no job name");
		usage(stderr, EXIT_USAGE);
	}
	o->name = name;
	if ((bad = job_name_invalid(o->name)) != NULL) {
		warnx("%s", bad);
		usage(stderr, EXIT_USAGE);
	}
	if (ncmd < 1) {
		warnx("%s: no command (run-job NAME -- COMMAND [ARG...])",
		    o->name);
		usage(stderr, EXIT_USAGE);
	}
	o->cmd = cmd;
	if (o->for_ms > 0 && o->every_ms == 0) {
		warnx("--for goes with --every");
		usage(stderr, EXIT_USAGE);
	}
	if (o->verbose && o->quiet) {
		warnx("-v and -q contradict each other");
		usage(stderr, EXIT_USAGE);
	}
}

/* The run's error: the tail of stderr, else why; a new string or NULL. */
static char *
error_text(struct job *j, const struct outcome *oc, int64_t took)
{
	char buf[TIME_BUFSZ], how[PROC_TEXTSZ], *s;

	if (strcmp(oc->status, "success") == 0)
		return NULL;
	if (proc_kept(j->proc, PROC_ERR) > 0) {
		s = proc_tail(j->proc, PROC_ERR, ERROR_TAIL);
		if (*s != '\0')
			return s;
		free(s);
	}
	if (strcmp(oc->status, "timeout") == 0) {
		if (asprintf(&s, "timed out after %s",
		    duration_format(took, buf)) < 0)
			die_nomem();
	} else if (strcmp(oc->status, "interrupted") == 0) {
		if (asprintf(&s, "interrupted by SIG%s",
		    sigabbrev_np(j->interrupted) ? sigabbrev_np(j->interrupted)
		    : "?") < 0)
			die_nomem();
	} else {
		s = xstrdup(proc_exit_text(oc->exit_code, oc->signo, how));
	}
	return s;
}

/* ---- the command ---- */

/*
 * Run the command once (lib/proc): its output captured, the timeout
 * enforced, run-job's own SIGTERM/SIGINT/SIGHUP passed on to its group.
 */
static struct outcome
run_command(struct job *j, int64_t *took)
{
	struct outcome oc = { "failed", 1, 0 };
	struct proc_spec spec;
	const struct proc_exit *x;
	int s;

	memset(&spec, 0, sizeof(spec));
	spec.argv = j->o->cmd;
	spec.envp = j->env;
	spec.in_fd = -1;
	spec.keep = CAPTURE_MAX;
	spec.echo = j->o->verbose;
	spec.timeout_ms = j->o->timeout_ms;
	spec.grace_ms = j->o->grace_ms;
	proc_free(j->proc);
	j->proc = proc_start(&spec);
	if ((s = proc_wait(j->proc, &sig_caught, j->o->grace_ms)) != 0)
		j->interrupted = s;
	x = proc_exit(j->proc);
	*took = x->ms;
	oc.exit_code = x->code;
	oc.signo = x->signo;
	if (x->timed_out)
		oc.status = "timeout";
	else if (x->code == 0 && x->signo == 0)
		oc.status = "success";
	else if (x->code == EXIT_PARTIAL && x->signo == 0 && !j->o->strict &&
	    !j->interrupted)
		oc.status = "partial";	/* some input failed, the rest done */
	else if (j->interrupted)
		oc.status = "interrupted";
	else
		oc.status = "failed";
	return oc;
}

/* Success, or partial: the work was done, though some input failed. */
static int
done_well(const struct outcome *oc)
{
	return strcmp(oc->status, "success") == 0 ||
	    strcmp(oc->status, "partial") == 0;
}

/* Sleep ms, or less when a signal comes; returns 0, or -1 if one came. */
static int
sleep_ms(int64_t ms)
{
	int64_t until = time_mono() + ms;

	while (!sig_caught) {
		int64_t left = until - time_mono();
		struct timespec ts;

		if (left <= 0)
			return 0;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* ---- counters ---- */

/* The counters of the run's stats file, passed on to a run-job around
 * this one too. */
static json_object *
counters_read(const char *path)
{
	json_object *obj = stats_sum(path, COUNTERS_MAX);

	json_object_object_foreach(obj, key, v)
		if (json_object_is_type(v, json_type_int))
			stats_add(key, json_object_get_int64(v));
	return obj;
}

/* ---- the store ---- */

/* A skipped start: one closed run with why. */
static void
record_skipped(struct job *j, const char *why)
{
	runs_skip(j->runs, j->o->name, why, j->o->expect_ms, j->host,
	    getpid(), time_now());
	if (j->o->verbose)
		warnx("%s: skipped: %s", j->o->name, why);
}

/* runs_close_stale: tell of a run a crash left "running". */
static void
stale_closed(int64_t id, int64_t pid, const char *host, void *arg)
{
	const struct job *j = arg;

	warnx("%s: run %lld was left running by pid %lld on %s; "
	    "closed as interrupted", j->o->name, (long long)id,
	    (long long)(pid >= 0 ? pid : 0), host ? host : "?");
}

/* Delete runs of job (or of every job when job is NULL) older than keep. */
static long long
prune(struct runs *runs, const char *job, int64_t keep_ms)
{
	int64_t before = time_now() - keep_ms, n;
	long long total = 0;

	do {
		n = runs_prune(runs, job, before, PRUNE_BATCH);
		total += n;
	} while (n == PRUNE_BATCH && !sig_caught);
	return total;
}

/* Whether the job is paused; why in *why (new string). */
static int
is_paused(struct job *j, char **why)
{
	char *r;

	*why = NULL;
	if (!runs_paused(j->runs, j->o->name, &r))
		return 0;
	if (asprintf(why, "paused%s%s", r ? ": " : "", r ? r : "") < 0)
		die_nomem();
	free(r);
	return 1;
}

/*
 * Close run id with its outcome; update the job's counters, alert and
 * circuit breaker.  Returns the consecutive failures after this run.
 */
static long
record_end(struct job *j, int64_t id, const struct outcome *oc,
    int attempts, int64_t took, json_object *counters, const char *error)
{
	struct run_end e;
	long fails;
	int tripped;

	memset(&e, 0, sizeof(e));
	e.id = id;
	e.job = j->o->name;
	e.status = oc->status;
	e.exit_code = oc->exit_code;
	e.duration_ms = took;
	e.attempts = attempts;
	if (json_object_object_length(counters) > 0)
		e.counters = json_object_to_json_string_ext(counters,
		    JSON_C_TO_STRING_PLAIN);
	e.error = error;
	e.alert_after = j->o->alert_after;
	e.pause_after = j->o->pause_after;
	e.now = time_now();
	fails = runs_end(j->runs, &e, &tripped);
	if (tripped)
		warnx("%s: paused after %ld consecutive failures; "
		    "run-job --resume %s to run it again", j->o->name,
		    fails, j->o->name);
	return fails;
}

/* ---- the dead-man's switch ---- */

/*
 * Ping the monitor (lib/ping.h) of how the run went, kind; the body is
 * the tail of the command's stderr, else error.  A signal that already
 * came (an interrupted run) does not stop the ping; one that comes
 * during it does.
 */
static void
ping(struct job *j, enum ping_kind kind, const char *error)
{
	char why[512], *body = NULL;
	int sig = sig_caught;

	if (j->o->ping == NULL || *j->o->ping == '\0')
		return;
	if (kind != PING_START && j->proc != NULL &&
	    proc_kept(j->proc, PROC_ERR) > 0)
		body = proc_tail(j->proc, PROC_ERR, PING_TAIL);
	if ((body == NULL || *body == '\0') && error != NULL) {
		free(body);
		body = xstrdup(error);
	}
	sig_caught = 0;
	if (ping_send(j->o->ping, kind, body, body ? strlen(body) : 0, why,
	    sizeof(why)) != 0 && j->o->verbose)
		warnx("%s: ping: %s", j->o->name, why);
	if (sig_caught == 0)
		sig_caught = sig;
	free(body);
}

/* ---- one run ---- */

/* Run the job once (with its retries); returns run-job's exit status. */
static int
run_once(struct job *j, const char *stats)
{
	struct outcome oc;
	char buf[TIME_BUFSZ], how[PROC_TEXTSZ], *error, *why;
	int64_t id, took = 0, total, t0;
	json_object *counters;
	int attempt, fd;
	long fails;

	if (is_paused(j, &why)) {
		record_skipped(j, why);
		free(why);
		return -1;	/* ends a loop */
	}
	id = runs_start(j->runs, j->o->name, j->host, getpid(), time_now());
	ping(j, PING_START, NULL);
	t0 = time_mono();
	if ((fd = open(stats, O_WRONLY | O_TRUNC | O_CLOEXEC)) >= 0)
		close(fd);
	for (attempt = 1;; attempt++) {
		oc = run_command(j, &took);
		if (done_well(&oc) || j->interrupted ||
		    attempt > j->o->retries)
			break;
		if (j->o->verbose)
			warnx("%s: attempt %d of %ld %s (%s); retrying",
			    j->o->name, attempt, j->o->retries + 1, oc.status,
			    proc_exit_text(oc.exit_code, 0, how));
		if (sleep_ms(j->o->backoff_ms << (attempt - 1 < 20 ?
		    attempt - 1 : 20)) != 0) {
			j->interrupted = sig_caught;
			sig_caught = 0;
			oc.status = "interrupted";
			break;
		}
	}
	total = time_mono() - t0;
	counters = counters_read(stats);
	error = error_text(j, &oc, took);
	/* the command's output first: a store that cannot take the end of
	 * the run (a full disk) ends run-job in record_end, and cron must
	 * still see what the command said */
	if (!done_well(&oc) && !j->o->quiet &&
	    !j->o->verbose) {
		proc_print(j->proc, PROC_OUT, STDOUT_FILENO, "stdout");
		proc_print(j->proc, PROC_ERR, STDERR_FILENO, "stderr");
	}
	fails = record_end(j, id, &oc, attempt, total, counters, error);
	json_object_put(counters);
	ping(j, done_well(&oc) ? PING_SUCCESS : PING_FAIL, error);

	if (done_well(&oc)) {
		if (j->o->verbose)
			warnx("%s: %s in %s (run %lld)", j->o->name, oc.status,
			    duration_format(total, buf), (long long)id);
		free(error);
		return EXIT_OK;
	}
	if (oc.signo && strcmp(oc.status, "failed") == 0)
		warnx("%s: %s after %s (run %lld)", j->o->name,
		    proc_exit_text(oc.exit_code, oc.signo, how),
		    duration_format(total, buf), (long long)id);
	else
		warnx("%s: %s (%s) after %s%s (run %lld)", j->o->name,
		    oc.status, proc_exit_text(oc.exit_code, 0, how),
		    duration_format(total, buf),
		    attempt > 1 ? " and retries" : "", (long long)id);
	if (strcmp(oc.status, "interrupted") != 0 && j->o->alert_after > 0 &&
	    fails >= j->o->alert_after)
		warnx("CRITICAL: job %s failed %ld times in a row; last: %s",
		    j->o->name, fails, error ? error : oc.status);
	free(error);
	if (j->interrupted)
		return 128 + j->interrupted;
	if (strcmp(oc.status, "timeout") == 0)
		return 124;
	return oc.exit_code ? oc.exit_code : EXIT_PARTIAL;
}

/* ---- modes ---- */

static void
set_paused(struct opts *o, int paused)
{
	struct db *db = db_open(o->db, 0);
	struct runs *runs = runs_open(db);
	int any = runs_set_paused(runs, o->name, paused, paused ? (o->reason ?
	    o->reason : "paused by hand") : NULL, time_now());

	/* a job may be paused before its first run: not worth a mail */
	if (o->verbose)
		warnx("%s: %s%s", o->name, paused ? "paused" : "resumed",
		    any ? "" : " (no runs recorded yet)");
	runs_close(runs);
	db_close(db);
}

static char *stats_tmp;	/* the counters file while it exists */

static void
stats_tmp_remove(void)
{
	if (stats_tmp != NULL)
		unlink(stats_tmp);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct job j;
	char stats[] = "/tmp/run-job-stats.XXXXXX";
	const char *tmpdir = getenv("TMPDIR");
	char *statspath = NULL, *statsvar = NULL;
	int64_t t0, next;
	long holder;
	int fd, rc, status = EXIT_OK;

	parse_args(&o, argc, argv);
	if (o.check) {
		if (o.verbose)
			printf("run-job: %s: options valid\n",
			    o.name ? o.name : "");
		exit_flush(EXIT_OK);
	}
	if (o.pause != NULL || o.resume != NULL) {
		set_paused(&o, o.pause != NULL);
		exit_flush(EXIT_OK);
	}
	if (o.prune_ms > 0) {
		struct db *db = db_open(o.db, 0);
		struct runs *runs = runs_open(db);
		long long n;

		sig_catch();
		n = prune(runs, NULL, o.prune_ms);
		if (o.verbose)
			warnx("pruned %lld runs", n);
		runs_close(runs);
		db_close(db);
		stats_add("runs_pruned", n);
		stats_flush();
		exit_flush(sig_caught ? 128 + sig_caught : EXIT_OK);
	}

	memset(&j, 0, sizeof(j));
	j.o = &o;
	j.lockfd = -1;
	if (gethostname(j.host, sizeof(j.host) - 1) != 0)
		snprintf(j.host, sizeof(j.host), "unknown");
	sig_catch();
	signal(SIGPIPE, SIG_IGN);

	j.db = db_open(o.db, 0);
	j.runs = runs_open(j.db);
	if ((rc = job_lock_take_db(j.db, o.name, o.wait, &j.lockfd,
	    &holder)) < 0)
		exit(128 + sig_caught);	/* waited; nothing ran */
	if (rc == 0) {
		char why[96 + sizeof(j.host)], host[sizeof(j.host)] = "";
		int64_t pid = holder;

		/* an advisory lock names no holder: the run it runs does */
		if (holder <= 0 && !runs_holder(j.runs, o.name, &pid, host,
		    sizeof(host)))
			pid = -1;
		if (pid > 0 && *host != '\0' && strcmp(host, j.host) != 0)
			snprintf(why, sizeof(why), "already running "
			    "(run-job pid %lld on %s)", (long long)pid, host);
		else if (pid > 0)
			snprintf(why, sizeof(why), "already running "
			    "(run-job pid %lld)", (long long)pid);
		else
			snprintf(why, sizeof(why), "already running");
		record_skipped(&j, why);
		runs_close(j.runs);
		db_close(j.db);
		exit_flush(EXIT_OK);
	}
	runs_close_stale(j.runs, o.name, time_now(), stale_closed, &j);
	runs_state_ensure(j.runs, o.name, o.expect_ms, time_now());
	if (o.keep_ms > 0)
		prune(j.runs, o.name, o.keep_ms);

	if (tmpdir != NULL && *tmpdir == '/') {
		if (asprintf(&statspath, "%s/run-job-stats.XXXXXX",
		    tmpdir) < 0)
			die_nomem();
	} else {
		statspath = xstrdup(stats);
	}
	if ((fd = mkstemp(statspath)) < 0)
		err(EXIT_FATAL, "%s", statspath);
	stats_tmp = statspath;
	atexit(stats_tmp_remove);	/* also when the store fails (exit 3) */
	close(fd);
	if (asprintf(&statsvar, "JOBLINE_STATS=%s", statspath) < 0)
		die_nomem();
	{
		static const char *const drop[] = { "JOBLINE_STATS=", NULL };
		char *set[] = { statsvar, NULL };

		j.env = proc_env(drop, set);
	}

	t0 = time_mono();
	while (!sig_caught) {
		rc = run_once(&j, statspath);
		if (rc < 0)		/* paused */
			break;
		if (rc != EXIT_OK)
			status = rc;
		if (o.every_ms == 0 || j.interrupted || sig_caught)
			break;
		/* the next tick after now: a slow run skips ticks, never
		 * overlaps the next */
		next = t0 + ((time_mono() - t0) / o.every_ms + 1) * o.every_ms;
		if (o.for_ms > 0 && next - t0 >= o.for_ms)
			break;
		if (sleep_ms(next - time_mono()) != 0)
			break;
	}
	unlink(statspath);
	stats_tmp = NULL;
	free(statspath);
	proc_free(j.proc);
	free(j.env);
	free(statsvar);
	runs_close(j.runs);
	db_close(j.db);
	stats_flush();
	if (sig_caught && !j.interrupted)
		status = 128 + sig_caught;	/* between runs of a loop */
	else if (j.interrupted)
		status = 128 + j.interrupted;
	exit_flush(status);
}
