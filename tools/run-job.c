/*
 * run-job - run one cron job: recorded in the store, never overlapping,
 * quiet on success, timed out, retried, paused after repeated failures.
 * See man/run-job.1 and the runs and job_state tables in man/jobline.5.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "joblock.h"
#include "proc.h"
#include "sig.h"
#include "stats.h"
#include "store.h"
#include "timefmt.h"
#include "utf8.h"
#include "util.h"

/* Bytes of each of the command's stdout and stderr kept for printing. */
#define CAPTURE_MAX (256 * 1024)
/* Bytes of the end of stderr recorded as the run's error. */
#define ERROR_TAIL 2000
/* Distinct counter names recorded from $JOBLINE_STATS. */
#define COUNTERS_MAX 256
/* Runs deleted per transaction when pruning. */
#define PRUNE_BATCH 5000

enum {
	OPT_WAIT = OPT_FIRST_PRIVATE, OPT_TIMEOUT, OPT_GRACE, OPT_RETRIES,
	OPT_BACKOFF, OPT_ALERT_AFTER, OPT_PAUSE_AFTER, OPT_PAUSE, OPT_RESUME,
	OPT_REASON, OPT_EVERY, OPT_FOR, OPT_EXPECT, OPT_KEEP, OPT_PRUNE,
	OPT_CHECK
};

/* The command line. */
struct opts {
	const char *db;		/* --db, or NULL for the default store */
	int verbose;		/* -v: the command's output passes through */
	int quiet;		/* -q: no output printed on failure */
	int wait;		/* --wait: wait for the lock, do not skip */
	int check;		/* --check: validate the options only */
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
	const char *name;	/* the job */
	char **cmd;		/* the command and its arguments */
};

/* How one attempt of the command ended. */
struct outcome {
	const char *status;	/* success, failed, timeout, interrupted */
	int exit_code;		/* exit status, or 128 + signal */
	int signo;		/* signal that ended it, or 0 */
};

/* The job being run and its store. */
struct job {
	struct opts *o;		/* the options */
	sqlite3 *db;		/* the store */
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
	    "[--check]\n"
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
	else if (j->interrupted)
		oc.status = "interrupted";
	else
		oc.status = "failed";
	return oc;
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

/* Sum the "name value" lines of the stats file into a JSON object. */
static json_object *
counters_read(const char *path)
{
	json_object *obj = json_object_new_object();
	FILE *fp = fopen(path, "r");
	char *line = NULL, *end;
	size_t cap = 0;
	ssize_t n;
	int count = 0;

	if (fp == NULL)
		return obj;
	while ((n = getline(&line, &cap, fp)) > 0) {
		char *name = line, *val, *sp;
		json_object *old;
		long long iv;
		double dv;

		line[strcspn(line, "\r\n")] = '\0';
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp = '\0';
		val = sp + 1;
		if (*name == '\0' || *val == '\0' ||
		    utf8_check(name, strlen(name)) != strlen(name))
			continue;
		errno = 0;
		iv = strtoll(val, &end, 10);
		if (errno == 0 && *end == '\0') {
			if (json_object_object_get_ex(obj, name, &old)) {
				if (json_object_is_type(old, json_type_int))
					json_object_set_int64(old,
					    json_object_get_int64(old) + iv);
				else
					json_object_set_double(old,
					    json_object_get_double(old) +
					    (double)iv);
			} else if (count < COUNTERS_MAX) {
				json_object_object_add(obj, name,
				    json_object_new_int64(iv));
				count++;
			}
			continue;
		}
		dv = strtod(val, &end);
		if (*end != '\0' || end == val)
			continue;
		if (json_object_object_get_ex(obj, name, &old)) {
			double sum = json_object_get_double(old) + dv;

			json_object_object_add(obj, name,
			    json_object_new_double(sum));
		} else if (count < COUNTERS_MAX) {
			json_object_object_add(obj, name,
			    json_object_new_double(dv));
			count++;
		}
	}
	free(line);
	fclose(fp);
	/* pass them on to a run-job around this one */
	json_object_object_foreach(obj, key, v)
		if (json_object_is_type(v, json_type_int))
			stats_add(key, json_object_get_int64(v));
	return obj;
}

/* ---- the store ---- */

static void
state_ensure(struct job *j, const char *now)
{
	sqlite3_stmt *st = store_prepare(j->db,
	    "INSERT INTO job_state (job, created_at, updated_at)"
	    " VALUES (?1, ?2, ?2) ON CONFLICT (job) DO NOTHING");

	sqlite3_bind_text(st, 1, j->o->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	store_step_ok(st);
	sqlite3_finalize(st);
	if (j->o->expect_ms < 0)
		return;
	st = store_prepare(j->db,
	    "UPDATE job_state SET expect_ms = ?2 WHERE job = ?1"
	    " AND expect_ms IS NOT ?2");
	sqlite3_bind_text(st, 1, j->o->name, -1, SQLITE_STATIC);
	if (j->o->expect_ms > 0)
		sqlite3_bind_int64(st, 2, j->o->expect_ms);
	store_step_ok(st);
	sqlite3_finalize(st);
}

/* A skipped start: one closed run with why. */
static void
record_skipped(struct job *j, const char *why)
{
	char now[TIME_BUFSZ];
	sqlite3_stmt *st;

	time_format_ms(time_now(), now);
	store_begin(j->db);
	state_ensure(j, now);
	st = store_prepare(j->db,
	    "INSERT INTO runs (job, started_at, completed_at, status,"
	    " duration_ms, attempts, error, host, pid)"
	    " VALUES (?1, ?2, ?2, 'skipped', 0, 0, ?3, ?4, ?5)");
	sqlite3_bind_text(st, 1, j->o->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, why, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, j->host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, getpid());
	store_step_ok(st);
	sqlite3_finalize(st);
	st = store_prepare(j->db,
	    "UPDATE job_state SET n_skipped = n_skipped + 1, updated_at = ?2"
	    " WHERE job = ?1");
	sqlite3_bind_text(st, 1, j->o->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	store_step_ok(st);
	sqlite3_finalize(st);
	store_commit(j->db);
	if (j->o->verbose)
		warnx("%s: skipped: %s", j->o->name, why);
}

/* Close the runs of this job a crash left "running" (we hold the lock). */
static void
close_stale(struct job *j)
{
	char now[TIME_BUFSZ];
	sqlite3_stmt *st;
	int n = 0;

	time_format_ms(time_now(), now);
	store_begin(j->db);
	st = store_prepare(j->db,
	    "UPDATE runs SET status = 'interrupted', completed_at = ?2,"
	    " error = 'left running by run-job (pid ' || ifnull(pid, '?') ||"
	    " ' on ' || ifnull(host, '?') || '), which died; closed by the"
	    " next start' WHERE job = ?1 AND status = 'running'"
	    " RETURNING id, pid, host");
	sqlite3_bind_text(st, 1, j->o->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	while (store_step_ok(st) == SQLITE_ROW) {
		warnx("%s: run %lld was left running by pid %lld on %s; "
		    "closed as interrupted", j->o->name,
		    (long long)sqlite3_column_int64(st, 0),
		    (long long)sqlite3_column_int64(st, 1),
		    sqlite3_column_text(st, 2) ?
		    (const char *)sqlite3_column_text(st, 2) : "?");
		n++;
	}
	sqlite3_finalize(st);
	if (n > 0) {
		st = store_prepare(j->db,
		    "UPDATE job_state SET n_interrupted = n_interrupted + ?2,"
		    " updated_at = ?3 WHERE job = ?1");
		sqlite3_bind_text(st, 1, j->o->name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, n);
		sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
		store_step_ok(st);
		sqlite3_finalize(st);
	}
	store_commit(j->db);
}

/* Delete runs of job (or of every job when job is NULL) older than keep. */
static long long
prune(sqlite3 *db, const char *job, int64_t keep_ms)
{
	char cutoff[TIME_BUFSZ];
	sqlite3_stmt *st;
	long long total = 0;
	int n;

	time_format_ms(time_now() - keep_ms, cutoff);
	st = store_prepare(db, job != NULL ?
	    "DELETE FROM runs WHERE id IN (SELECT id FROM runs"
	    " WHERE job = ?1 AND started_at < ?2 AND status != 'running'"
	    " LIMIT ?3)" :
	    "DELETE FROM runs WHERE id IN (SELECT r.id FROM job_state s"
	    " JOIN runs r ON r.job = s.job AND r.started_at < ?2"
	    " AND r.status != 'running' LIMIT ?3)");
	do {
		store_begin(db);
		if (job != NULL)
			sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, cutoff, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, PRUNE_BATCH);
		store_step_ok(st);
		n = sqlite3_changes(db);
		sqlite3_reset(st);
		store_commit(db);
		total += n;
	} while (n == PRUNE_BATCH && !sig_caught);
	sqlite3_finalize(st);
	return total;
}

/* Whether the job is paused; its reason in *why (new string). */
static int
is_paused(struct job *j, char **why)
{
	sqlite3_stmt *st = store_prepare(j->db,
	    "SELECT paused, reason FROM job_state WHERE job = ?1");
	int paused = 0;

	*why = NULL;
	sqlite3_bind_text(st, 1, j->o->name, -1, SQLITE_STATIC);
	if (store_step_ok(st) == SQLITE_ROW && sqlite3_column_int(st, 0)) {
		const char *r = (const char *)sqlite3_column_text(st, 1);

		paused = 1;
		if (asprintf(why, "paused%s%s", r ? ": " : "", r ? r : "") < 0)
			die_nomem();
	}
	sqlite3_finalize(st);
	return paused;
}

static int64_t
record_start(struct job *j)
{
	char now[TIME_BUFSZ];
	sqlite3_stmt *st;
	int64_t id;

	time_format_ms(time_now(), now);
	store_begin(j->db);
	st = store_prepare(j->db,
	    "INSERT INTO runs (job, started_at, status, host, pid)"
	    " VALUES (?1, ?2, 'running', ?3, ?4)");
	sqlite3_bind_text(st, 1, j->o->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, j->host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, getpid());
	store_step_ok(st);
	sqlite3_finalize(st);
	id = sqlite3_last_insert_rowid(j->db);
	st = store_prepare(j->db,
	    "UPDATE job_state SET last_run_id = ?2, updated_at = ?3"
	    " WHERE job = ?1");
	sqlite3_bind_text(st, 1, j->o->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	store_step_ok(st);
	sqlite3_finalize(st);
	store_commit(j->db);
	return id;
}

/*
 * Close run id with its outcome; update the job's counters, alert and
 * circuit breaker.  Returns the consecutive failures after this run.
 */
static long
record_end(struct job *j, int64_t id, const struct outcome *oc,
    int attempts, int64_t took, json_object *counters, const char *error)
{
	char now[TIME_BUFSZ];
	const char *s = oc->status;
	int success = strcmp(s, "success") == 0;
	int failure = strcmp(s, "failed") == 0 || strcmp(s, "timeout") == 0;
	sqlite3_stmt *st;
	long fails = 0;

	time_format_ms(time_now(), now);
	store_begin(j->db);
	st = store_prepare(j->db,
	    "UPDATE runs SET completed_at = ?2, status = ?3, exit_code = ?4,"
	    " duration_ms = ?5, attempts = ?6, counters = ?7, error = ?8"
	    " WHERE id = ?1");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, oc->exit_code);
	sqlite3_bind_int64(st, 5, took);
	sqlite3_bind_int(st, 6, attempts);
	if (json_object_object_length(counters) > 0)
		sqlite3_bind_text(st, 7, json_object_to_json_string_ext(
		    counters, JSON_C_TO_STRING_PLAIN), -1, SQLITE_TRANSIENT);
	store_bind_text(st, 8, error);
	store_step_ok(st);
	sqlite3_finalize(st);

	st = store_prepare(j->db,
	    "UPDATE job_state SET"
	    " n_success = n_success + (?2 = 'success'),"
	    " n_failed = n_failed + (?2 = 'failed'),"
	    " n_timeout = n_timeout + (?2 = 'timeout'),"
	    " n_interrupted = n_interrupted + (?2 = 'interrupted'),"
	    " total_ms = total_ms + ?3,"
	    " consecutive_failures = CASE WHEN ?4 THEN 0"
	    "   WHEN ?5 THEN consecutive_failures + 1"
	    "   ELSE consecutive_failures END,"
	    " last_success_at = CASE WHEN ?4 THEN ?6 ELSE last_success_at END,"
	    " alert_since = CASE WHEN ?4 THEN NULL"
	    "   WHEN ?5 AND ?7 > 0 AND alert_since IS NULL"
	    "     AND consecutive_failures + 1 >= ?7 THEN ?6"
	    "   ELSE alert_since END,"
	    " updated_at = ?6"
	    " WHERE job = ?1 RETURNING consecutive_failures");
	sqlite3_bind_text(st, 1, j->o->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, took);
	sqlite3_bind_int(st, 4, success);
	sqlite3_bind_int(st, 5, failure);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, j->o->alert_after);
	if (store_step_ok(st) == SQLITE_ROW)
		fails = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	sqlite3_finalize(st);

	if (failure && j->o->pause_after > 0 && fails >= j->o->pause_after) {
		char *why;

		if (asprintf(&why, "circuit breaker: %ld consecutive failures",
		    fails) < 0)
			die_nomem();
		st = store_prepare(j->db,
		    "UPDATE job_state SET paused = 1, reason = ?2,"
		    " paused_at = ?3 WHERE job = ?1 AND paused = 0");
		sqlite3_bind_text(st, 1, j->o->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, why, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
		store_step_ok(st);
		if (sqlite3_changes(j->db) > 0)
			warnx("%s: paused after %ld consecutive failures; "
			    "run-job --resume %s to run it again", j->o->name,
			    fails, j->o->name);
		sqlite3_finalize(st);
		free(why);
	}
	store_commit(j->db);
	return fails;
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
	id = record_start(j);
	t0 = time_mono();
	if ((fd = open(stats, O_WRONLY | O_TRUNC | O_CLOEXEC)) >= 0)
		close(fd);
	for (attempt = 1;; attempt++) {
		oc = run_command(j, &took);
		if (strcmp(oc.status, "success") == 0 || j->interrupted ||
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
	if (strcmp(oc.status, "success") != 0 && !j->o->quiet &&
	    !j->o->verbose) {
		proc_print(j->proc, PROC_OUT, STDOUT_FILENO, "stdout");
		proc_print(j->proc, PROC_ERR, STDERR_FILENO, "stderr");
	}
	fails = record_end(j, id, &oc, attempt, total, counters, error);
	json_object_put(counters);

	if (strcmp(oc.status, "success") == 0) {
		if (j->o->verbose)
			warnx("%s: success in %s (run %lld)", j->o->name,
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
	sqlite3 *db = store_open(o->db, 0);
	char now[TIME_BUFSZ];
	sqlite3_stmt *st;

	time_format_ms(time_now(), now);
	store_begin(db);
	st = store_prepare(db,
	    "SELECT 1 FROM runs WHERE job = ?1 LIMIT 1");
	sqlite3_bind_text(st, 1, o->name, -1, SQLITE_STATIC);
	if (store_step_ok(st) != SQLITE_ROW)
		warnx("%s: no runs recorded for this job (yet)", o->name);
	sqlite3_finalize(st);
	st = store_prepare(db,
	    "INSERT INTO job_state (job, paused, reason, paused_at, created_at,"
	    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
	    " ON CONFLICT (job) DO UPDATE SET paused = ?2, reason = ?3,"
	    " paused_at = ?4, updated_at = ?5");
	sqlite3_bind_text(st, 1, o->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, paused);
	store_bind_text(st, 3, paused ? (o->reason ? o->reason :
	    "paused by hand") : NULL);
	store_bind_text(st, 4, paused ? now : NULL);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	store_step_ok(st);
	sqlite3_finalize(st);
	store_commit(db);
	if (o->verbose)
		warnx("%s: %s", o->name, paused ? "paused" : "resumed");
	store_close(db);
}

/* Take the job's lock: 1 held, 0 busy (holder's pid in *holder). */
static int
lock_take(struct job *j, long *holder)
{
	char *dir = job_lock_dir(store_path());
	char *path = job_lock_path(store_path(), j->o->name);
	char buf[32];
	ssize_t n;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		err(EXIT_FATAL, "%s", dir);
	j->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (j->lockfd < 0)
		err(EXIT_FATAL, "%s", path);
	for (;;) {
		if (flock(j->lockfd, LOCK_EX | (j->o->wait ? 0 : LOCK_NB)) == 0)
			break;
		if (errno == EINTR && !sig_caught)
			continue;
		if (errno == EINTR)
			exit(128 + sig_caught);	/* waited; nothing ran */
		if (errno != EWOULDBLOCK)
			err(EXIT_FATAL, "%s", path);
		*holder = 0;
		if ((n = pread(j->lockfd, buf, sizeof(buf) - 1, 0)) > 0) {
			buf[n] = '\0';
			*holder = strtol(buf, NULL, 10);
		}
		free(dir);
		free(path);
		return 0;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(j->lockfd, 0) != 0 ||
	    pwrite(j->lockfd, buf, (size_t)n, 0) != n)
		warn("%s", path);
	free(dir);
	free(path);
	return 1;
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
		sqlite3 *db = store_open(o.db, 0);
		long long n;

		sig_catch();
		n = prune(db, NULL, o.prune_ms);
		if (o.verbose)
			warnx("pruned %lld runs", n);
		store_close(db);
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

	j.db = store_open(o.db, 0);
	if (!lock_take(&j, &holder)) {
		char why[96];

		if (holder > 0)
			snprintf(why, sizeof(why), "already running "
			    "(run-job pid %ld)", holder);
		else
			snprintf(why, sizeof(why), "already running");
		record_skipped(&j, why);
		store_close(j.db);
		exit_flush(EXIT_OK);
	}
	close_stale(&j);
	{
		char now[TIME_BUFSZ];

		time_format_ms(time_now(), now);
		state_ensure(&j, now);
	}
	if (o.keep_ms > 0)
		prune(j.db, o.name, o.keep_ms);

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
	store_close(j.db);
	stats_flush();
	if (sig_caught && !j.interrupted)
		status = 128 + sig_caught;	/* between runs of a loop */
	else if (j.interrupted)
		status = 128 + j.interrupted;
	exit_flush(status);
}
