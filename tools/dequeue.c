/*
 * dequeue - claim jobs from a queue with a lease and run a command for
 * each, with retries, backoff and a dead state; and the queue's upkeep
 * (list, requeue dead jobs, prune old done ones).  See man/dequeue.1 and
 * lib/queue.h.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "jsonl.h"
#include "proc.h"
#include "queue.h"
#include "sig.h"
#include "stats.h"
#include "timefmt.h"
#include "util.h"

/* Output of a job kept in memory (its tail), shown when it fails. */
#define OUT_MAX (64 * 1024)
/* Tail of that output kept as the job's last_error. */
#define ERROR_MAX 2000
/* Payloads up to this size go through a pipe, larger ones a file. */
#define PIPE_PAYLOAD_MAX 60000
/* With --keep: how often done jobs are pruned while working. */
#define PRUNE_EVERY_MS 60000
/* After the grace period: SIGTERM, then SIGKILL this much later. */
#define KILL_AFTER_MS 5000

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
	OPT_KEEP
};

/* What became of a job's run, beyond its exit status. */
enum fate {
	FATE_RUN,		/* ran to its end: exit status decides */
	FATE_LOST,		/* lease lost to another worker: discarded */
	FATE_RELEASED		/* stopped at shutdown: given back */
};

/* A running command: one claimed job. */
struct child {
	struct proc *p;		/* NULL: the slot is free */
	struct queue_job job;	/* the claim */
	int64_t renew_at;	/* time_mono of the next lease renewal */
	enum fate fate;		/* see above */
};

/* The worker. */
struct worker {
	struct db *db;		/* the store */
	struct queue_db *q;	/* statements on the queue */
	char **argv;		/* COMMAND [ARG...] */
	int jobs;		/* -j */
	int64_t lease_ms;	/* --lease */
	int64_t backoff_ms;	/* --backoff */
	int64_t grace_ms;	/* --grace */
	int64_t poll_ms;	/* --poll */
	int64_t keep_ms;	/* --keep: done jobs kept this long, or 0 */
	int quiet;		/* -q: no result lines */
	int verbose;		/* -v */
	char **env;		/* our environment without the job's variables */
	size_t nenv;		/* its length */
	struct child *kids;	/* jobs slots */
	int running;		/* slots in use */
	unsigned long ndone, nfailed, ndead, nlost, nreleased; /* counters */
};

static _Noreturn void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: dequeue QUEUE [--db PATH] [-j N] [--lease D] "
	    "[--max-jobs N] [--drain] [--for D]\n"
	    "               [--backoff D] [--grace D] [--poll D] [--keep D] "
	    "[-q] [-v]\n"
	    "               -- COMMAND [ARG...]\n"
	    "       dequeue QUEUE [--db PATH] --list STATE\n"
	    "       dequeue QUEUE [--db PATH] --requeue-dead\n"
	    "       dequeue QUEUE [--db PATH] --prune D\n");
	exit(status);
}

/* Delete the done jobs completed more than age_ms ago; how many. */
static long
prune(struct db *db, const char *queue, int64_t age_ms)
{
	int64_t t = time_now() - age_ms, n;
	long total = 0;

	/* in batches, so workers are never locked out for long */
	do {
		n = queue_prune_done(db, queue, t, 10000);
		total += (long)n;
	} while (n > 0 && !sig_caught);
	return total;
}

/* ---- running one job ---- */

/* An fd to read the payload line from: a pipe holding it, or a file. */
static int
payload_fd(const char *payload)
{
	size_t len = strlen(payload);
	char path[4096];
	const char *tmp = getenv("TMPDIR");
	int p[2], fd;

	if (len < PIPE_PAYLOAD_MAX) {
		if (pipe2(p, O_CLOEXEC) != 0)
			err(EXIT_FATAL, "pipe");
		/* an empty pipe holds 64 KiB: these writes cannot block */
		if (write(p[1], payload, len) != (ssize_t)len ||
		    write(p[1], "\n", 1) != 1)
			err(EXIT_FATAL, "pipe");
		close(p[1]);
		return p[0];
	}
	snprintf(path, sizeof(path), "%s/dequeue.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkostemp(path, O_CLOEXEC)) < 0)
		err(EXIT_FATAL, "%s", path);
	unlink(path);
	if (write(fd, payload, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    lseek(fd, 0, SEEK_SET) != 0)
		err(EXIT_FATAL, "%s", path);
	return fd;
}

/* The environment without the variables dequeue sets for a job. */
static void
env_init(struct worker *w)
{
	static const char *const ours[] = { "JOBLINE_JOB_ID=",
	    "JOBLINE_ATTEMPT=", "JOBLINE_QUEUE=", "JOBLINE_JOB_KEY=", NULL };

	w->env = proc_env(ours, NULL);
	for (w->nenv = 0; w->env[w->nenv] != NULL; w->nenv++)
		;
}

static void
start(struct worker *w, struct child *c, const char *queue)
{
	int in = payload_fd(c->job.payload);
	char **envp = xcalloc(w->nenv + 5, sizeof(*envp));
	char *vars[4] = { NULL, NULL, NULL, NULL };
	struct proc_spec spec;
	size_t k = w->nenv;

	memcpy(envp, w->env, w->nenv * sizeof(*envp));
	if (asprintf(&vars[0], "JOBLINE_JOB_ID=%lld", c->job.id) < 0 ||
	    asprintf(&vars[1], "JOBLINE_ATTEMPT=%lld", c->job.attempt) < 0 ||
	    asprintf(&vars[2], "JOBLINE_QUEUE=%s", queue) < 0 ||
	    (c->job.key != NULL &&
	    asprintf(&vars[3], "JOBLINE_JOB_KEY=%s", c->job.key) < 0))
		die_nomem();
	for (int i = 0; i < 4; i++)
		if (vars[i] != NULL)
			envp[k++] = vars[i];
	/* a group of its own, led by a guardian that kills all of it
	 * when this worker dies: a killed worker's job is not still
	 * running, pipeline stages and all, when its lease is taken over */
	memset(&spec, 0, sizeof(spec));
	spec.argv = w->argv;
	spec.envp = envp;
	spec.in_fd = in;
	spec.merge = 1;
	spec.keep = OUT_MAX;
	fflush(stdout);
	fflush(stderr);
	c->p = proc_start(&spec);
	for (int i = 0; i < 4; i++)
		free(vars[i]);
	free(envp);
	close(in);
	c->renew_at = time_mono() + w->lease_ms / 3;
	c->fate = FATE_RUN;
	w->running++;
	if (w->verbose)
		warnx("job %lld: attempt %lld/%lld: started (pid %ld)",
		    c->job.id, c->job.attempt, c->job.max_attempts,
		    (long)proc_pid(c->p));
}

/* The job's output on stderr, each line prefixed with the job id. */
static void
show_output(struct child *c, const char *text)
{
	const char *p = text, *nl;

	if (proc_total(c->p, PROC_OUT) > proc_kept(c->p, PROC_OUT))
		fprintf(stderr, "dequeue: job %lld: ...\n", c->job.id);
	while (*p) {
		nl = strchr(p, '\n');
		fprintf(stderr, "dequeue: job %lld: %.*s\n", c->job.id,
		    (int)(nl ? nl - p : (ptrdiff_t)strlen(p)), p);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

static void
result_line(struct worker *w, struct child *c, const char *state,
    int64_t ms, const char *retry_at)
{
	const struct proc_exit *x = proc_exit(c->p);

	if (w->quiet)
		return;
	printf("{\"id\":%lld,\"queue\":", c->job.id);
	jsonl_put_string(stdout, queue_db_name(w->q),
	    strlen(queue_db_name(w->q)));
	if (c->job.key != NULL) {
		fputs(",\"key\":", stdout);
		jsonl_put_string(stdout, c->job.key, strlen(c->job.key));
	}
	printf(",\"attempt\":%lld,\"state\":\"%s\"", c->job.attempt, state);
	if (c->fate == FATE_RUN && x->signo == 0)
		printf(",\"exit_code\":%d", x->code);
	else if (c->fate == FATE_RUN)
		printf(",\"signal\":%d", x->signo);
	printf(",\"duration_ms\":%lld", (long long)ms);
	if (retry_at != NULL)
		printf(",\"run_after\":\"%s\"", retry_at);
	fputs("}\n", stdout);
	fflush(stdout);
}

/* The child has ended and its output is read: record the outcome. */
static void
finish(struct worker *w, struct child *c)
{
	const struct proc_exit *x = proc_exit(c->p);
	int64_t now = time_now(), ms = x->ms;
	char how[PROC_TEXTSZ], when[TIME_BUFSZ];
	int dead;

	proc_exit_text(x->code, x->signo, how);
	if (c->fate == FATE_LOST) {
		w->nlost++;
		warnx("job %lld: attempt %lld lost its lease; result (%s) "
		    "discarded", c->job.id, c->job.attempt, how);
		result_line(w, c, "lost", ms, NULL);
	} else if (c->fate == FATE_RELEASED) {
		if (queue_release(w->q, c->job.id, c->job.attempt, now)) {
			w->nreleased++;
			warnx("job %lld: stopped at shutdown (%s); released to "
			    "the queue", c->job.id, how);
			result_line(w, c, "queued", ms, NULL);
		}
	} else if (x->signo == 0 && x->code == 0) {
		if (queue_done(w->q, c->job.id, c->job.attempt, now)) {
			w->ndone++;
			if (w->verbose)
				warnx("job %lld: done in %lld ms", c->job.id,
				    (long long)ms);
			result_line(w, c, "done", ms, NULL);
		} else {
			w->nlost++;
			warnx("job %lld: attempt %lld no longer holds the job; "
			    "done not recorded", c->job.id, c->job.attempt);
			result_line(w, c, "lost", ms, NULL);
		}
	} else {
		char *all = proc_tail(c->p, PROC_OUT, 0);
		char *tail = proc_tail(c->p, PROC_OUT, ERROR_MAX), *error;
		int64_t retry = now + queue_backoff(w->backoff_ms,
		    c->job.attempt);

		/* the error: how it ended, then the output's tail */
		if (asprintf(&error, "%s%s%s", how, *tail ? ": " : "", tail) < 0)
			die_nomem();
		show_output(c, all);
		if (queue_fail(w->q, c->job.id, c->job.attempt, now, retry,
		    error, &dead)) {
			if (dead) {
				w->ndead++;
				warnx("job %lld: attempt %lld/%lld failed (%s): "
				    "dead", c->job.id, c->job.attempt,
				    c->job.max_attempts, how);
				result_line(w, c, "dead", ms, NULL);
			} else {
				w->nfailed++;
				time_format_ms(retry, when);
				warnx("job %lld: attempt %lld/%lld failed (%s): "
				    "retry at %s", c->job.id, c->job.attempt,
				    c->job.max_attempts, how, when);
				result_line(w, c, "failed", ms, when);
			}
		} else {
			w->nlost++;
			warnx("job %lld: attempt %lld no longer holds the job; "
			    "failure not recorded", c->job.id, c->job.attempt);
			result_line(w, c, "lost", ms, NULL);
		}
		free(all);
		free(tail);
		free(error);
	}
	queue_job_free(&c->job);
	proc_free(c->p);
	c->p = NULL;
	w->running--;
}

/* Collect ended commands and record their outcomes. */
static void
reap_children(struct worker *w)
{
	int n = 0;

	proc_wake_clear();
	for (int i = 0; i < w->jobs; i++)
		n += w->kids[i].p != NULL && proc_reap(w->kids[i].p);
	/* the outcomes of jobs that ended together: one transaction */
	if (n > 1)
		db_begin(w->db);
	for (int i = 0; i < w->jobs; i++)
		if (w->kids[i].p != NULL && proc_exit(w->kids[i].p) != NULL)
			finish(w, &w->kids[i]);
	if (n > 1)
		db_commit(w->db);
}

/* Extend the leases that are due for it; kill jobs whose lease is lost. */
static void
renew_leases(struct worker *w)
{
	int64_t mono = time_mono();
	int due = 0;

	for (int i = 0; i < w->jobs; i++)
		due += w->kids[i].p != NULL && w->kids[i].fate != FATE_LOST &&
		    mono >= w->kids[i].renew_at;
	if (due == 0)
		return;
	if (due > 1)
		db_begin(w->db);	/* one write for them all */
	for (int i = 0; i < w->jobs; i++) {
		struct child *c = &w->kids[i];

		if (c->p == NULL || c->fate == FATE_LOST || mono < c->renew_at)
			continue;
		if (queue_renew(w->q, c->job.id, c->job.attempt,
		    time_now() + w->lease_ms)) {
			c->renew_at = mono + w->lease_ms / 3;
			continue;
		}
		/* taken over: nothing of this attempt may run on */
		c->fate = FATE_LOST;
		proc_stop(c->p, SIGKILL, 0);
	}
	if (due > 1)
		db_commit(w->db);
}

/* Shutdown after the grace period: stop the jobs still running. */
static void
stop_children(struct worker *w)
{
	for (int i = 0; i < w->jobs; i++) {
		struct child *c = &w->kids[i];

		if (c->p == NULL || proc_stopping(c->p))
			continue;
		if (c->fate == FATE_RUN)
			c->fate = FATE_RELEASED;
		proc_stop(c->p, SIGTERM, KILL_AFTER_MS);
	}
}

/* Wait for output, an end, or timeout_ms; then take the timed steps. */
static void
wait_events(struct worker *w, int64_t timeout_ms)
{
	struct pollfd *pfd = xcalloc((size_t)w->jobs * 2 + 1, sizeof(*pfd));
	struct child **who = xcalloc((size_t)w->jobs * 2 + 1, sizeof(*who));
	int n = 0;

	pfd[n].fd = proc_wake_fd();
	pfd[n++].events = POLLIN;
	for (int i = 0; i < w->jobs; i++) {
		struct child *c = &w->kids[i];
		int k;

		if (c->p == NULL)
			continue;
		k = proc_pollfd(c->p, pfd + n);
		for (int j = 0; j < k; j++)
			who[n + j] = c;
		n += k;
	}
	if (timeout_ms < 0)
		timeout_ms = 0;
	if (timeout_ms > 1000)
		timeout_ms = 1000;
	if (poll(pfd, (nfds_t)n, (int)timeout_ms) > 0)
		for (int i = 1; i < n; i++)
			if (pfd[i].revents)
				proc_read(who[i]->p);
	free(pfd);
	free(who);
	for (int i = 0; i < w->jobs; i++)
		if (w->kids[i].p != NULL)
			proc_tick(w->kids[i].p);
	reap_children(w);
}

static int
work(struct worker *w, int drain, int64_t for_ms, long max_jobs)
{
	int64_t begun = time_mono(), grace_end = 0, last_reap = 0;
	int64_t last_prune = 0;
	int64_t reap_every = w->lease_ms / 4;
	long claimed = 0;
	int stopping = 0, signo = 0, idle;
	char gbuf[TIME_BUFSZ];

	(void)proc_wake_fd();	/* SIGCHLD wakes the poll from here on */
	signal(SIGPIPE, SIG_IGN);
	if (reap_every > 1000)
		reap_every = 1000;
	if (reap_every < 50)
		reap_every = 50;

	w->kids = xcalloc((size_t)w->jobs, sizeof(*w->kids));

	for (;;) {
		int64_t mono = time_mono(), timeout;

		if (sig_caught) {
			/* first signal: stop claiming, running jobs get the
			 * grace period; a second one ends it */
			if (signo == 0) {
				if (!stopping || grace_end == INT64_MAX)
					grace_end = mono + w->grace_ms;
				stopping = 1;
				if (w->running > 0)
					warnx("stopping: %d job%s running, "
					    "%s grace", w->running,
					    w->running == 1 ? "" : "s",
					    duration_format(w->grace_ms, gbuf));
			} else {
				grace_end = 0;
			}
			signo = sig_caught;
			sig_caught = 0;
		}
		if (!stopping && for_ms > 0 && mono - begun >= for_ms) {
			stopping = 1;
			grace_end = mono + w->grace_ms;
		}
		if (!stopping && max_jobs > 0 && claimed >= max_jobs) {
			stopping = 1;
			grace_end = INT64_MAX;
		}

		if (w->keep_ms > 0 && !stopping &&
		    (last_prune == 0 || mono - last_prune >= PRUNE_EVERY_MS)) {
			long n = prune(w->db, queue_db_name(w->q), w->keep_ms);

			if (n > 0 && w->verbose)
				warnx("%ld done job%s older than %s pruned", n,
				    n == 1 ? "" : "s",
				    duration_format(w->keep_ms, gbuf));
			last_prune = mono;
		}
		idle = 0;
		while (!stopping && w->running < w->jobs) {
			struct queue_job *jobs;
			int want = w->jobs - w->running, got, k = 0;

			if (max_jobs > 0 && want > max_jobs - claimed)
				want = (int)(max_jobs - claimed);
			if (mono - last_reap >= reap_every) {
				int n = queue_reap(w->q, time_now());

				if (n > 0 && w->verbose)
					warnx("%d expired lease%s reaped", n,
					    n == 1 ? "" : "s");
				last_reap = mono;
			}
			jobs = xcalloc((size_t)want, sizeof(*jobs));
			got = queue_claim(w->q, time_now(), w->lease_ms, jobs,
			    want);
			for (int i = 0; i < w->jobs && k < got; i++)
				if (w->kids[i].p == NULL) {
					w->kids[i].job = jobs[k++];
					start(w, &w->kids[i],
					    queue_db_name(w->q));
				}
			free(jobs);
			claimed += got;
			if (got < want)
				idle = 1;
			if (got < want || (max_jobs > 0 && claimed >= max_jobs))
				break;
		}
		if (w->running == 0 && (stopping || (idle && drain)))
			break;

		if (stopping && time_mono() >= grace_end)
			stop_children(w);
		timeout = 1000;
		for (int i = 0; i < w->jobs; i++)
			if (w->kids[i].p != NULL &&
			    w->kids[i].renew_at - time_mono() < timeout)
				timeout = w->kids[i].renew_at - time_mono();
		if (idle && !stopping && w->poll_ms < timeout)
			timeout = w->poll_ms;
		if (stopping && grace_end > time_mono() &&
		    grace_end - time_mono() < timeout)
			timeout = grace_end - time_mono();
		for (int i = 0; i < w->jobs; i++)	/* SIGKILL due */
			if (w->kids[i].p != NULL &&
			    proc_due(w->kids[i].p) - time_mono() < timeout)
				timeout = proc_due(w->kids[i].p) - time_mono();
		if (!idle && !stopping && w->running < w->jobs)
			timeout = 0;
		wait_events(w, timeout);
		renew_leases(w);
	}
	return signo;
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
	int64_t t = time_now(), left;
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

	time_format_ms(time_now() - age_ms, before);
	total = prune(db, queue, age_ms);
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
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct worker w;
	const char *db = NULL, *list = NULL;
	int ch, drain = 0, requeue = 0, status, stopped;
	int64_t for_ms = 0, prune_ms = -1;
	long max_jobs = 0;
	struct db *handle;

	memset(&w, 0, sizeof(w));
	w.jobs = 1;
	w.lease_ms = 5 * 60000;
	w.backoff_ms = 30000;
	w.grace_ms = 30000;
	w.poll_ms = 1000;
	/* options may follow QUEUE; COMMAND follows "--" */
	while ((ch = getopt_long(argc, argv, "j:vqh", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case OPT_DB:
			db = optarg;
			break;
		case 'j':
			w.jobs = opt_jobs(optarg, usage);
			break;
		case OPT_LEASE:
			w.lease_ms = opt_duration("lease", optarg, 1, usage);
			break;
		case OPT_MAX_JOBS:
			max_jobs = opt_number("max-jobs", optarg, 1,
			    1000000000L, usage);
			break;
		case OPT_DRAIN:
			drain = 1;
			break;
		case OPT_FOR:
			for_ms = opt_duration("for", optarg, 1, usage);
			break;
		case OPT_BACKOFF:
			w.backoff_ms = opt_duration("backoff", optarg, 0, usage);
			break;
		case OPT_GRACE:
			w.grace_ms = opt_duration("grace", optarg, 0, usage);
			break;
		case OPT_POLL:
			w.poll_ms = opt_duration("poll", optarg, 1, usage);
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
			w.keep_ms = opt_duration("keep", optarg, 1, usage);
			break;
		case 'v':
			w.verbose = 1;
			break;
		case 'q':
			w.quiet = 1;
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
		if (w.keep_ms > 0)
			warnx("--keep goes with a COMMAND; --prune deletes now");
		if (argc != 1 || w.keep_ms > 0)
			usage(stderr, EXIT_USAGE);
		handle = db_open(db, 0);
		sig_catch();
		if (list != NULL)
			status = list_jobs(handle, argv[0], list);
		else if (requeue)
			status = requeue_dead(handle, argv[0], w.verbose);
		else
			status = prune_done(handle, argv[0], prune_ms,
			    w.verbose);
		db_close(handle);
		exit_flush(status);
	}
	if (argc < 2) {
		warnx("no COMMAND to run");
		usage(stderr, EXIT_USAGE);
	}
	w.argv = argv + 1;

	w.db = db_open(db, 0);
	w.q = queue_db_open(w.db, argv[0]);
	env_init(&w);
	sig_catch();
	stopped = work(&w, drain, for_ms, max_jobs);

	stats_add("jobs_done", (int64_t)w.ndone);
	stats_add("jobs_failed", (int64_t)w.nfailed);
	stats_add("jobs_dead", (int64_t)w.ndead);
	stats_add("jobs_lost", (int64_t)w.nlost);
	stats_add("jobs_released", (int64_t)w.nreleased);
	stats_flush();
	if (w.verbose)
		warnx("%s: %lu done, %lu failed, %lu dead, %lu lost, "
		    "%lu released", queue_db_name(w.q), w.ndone, w.nfailed, w.ndead,
		    w.nlost, w.nreleased);
	free(w.kids);
	free(w.env);
	queue_db_close(w.q);
	db_close(w.db);
	status = EXIT_OK;
	if (w.nfailed + w.ndead + w.nlost > 0)
		status = EXIT_PARTIAL;
	if (stopped)
		status = 128 + stopped;
	exit_flush(status);
}
