/*
 * health.c - jobs-status(1)'s judgement: the jobs, queues and failing
 * feeds read from the store (lib/runs, lib/queue, lib/feeds) and judged
 * (see health.h).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbstmt.h"
#include "feeds.h"
#include "health.h"
#include "joblock.h"
#include "queue.h"
#include "timefmt.h"
#include "utf8.h"
#include "util.h"

/* A failure among this many latest counted runs makes a job degraded. */
#define RECENT_FAILS 5
/* Success rates below these make a job degraded, unhealthy. */
#define RATE_DEGRADED 0.90
#define RATE_UNHEALTHY 0.70
/* Problem keys listed per queue: those with at least this many dead. */
#define PROBLEM_DEAD 2
#define PROBLEM_MAX 20
/* Dead queue jobs shown, the latest. */
#define DEAD_MAX 20

const char *const health_names[4] = {
	"healthy", "degraded", "unhealthy", "unknown"
};

static void
add_reason(struct health_job *j, enum health h, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
add_reason(struct health_job *j, enum health h, const char *fmt, ...)
{
	size_t n = strlen(j->reasons);
	va_list ap;

	if (h > j->health)
		j->health = h;
	if (n > 0 && n + 2 < sizeof(j->reasons))
		n += (size_t)snprintf(j->reasons + n, sizeof(j->reasons) - n,
		    "; ");
	va_start(ap, fmt);
	if (n < sizeof(j->reasons))
		vsnprintf(j->reasons + n, sizeof(j->reasons) - n, fmt, ap);
	va_end(ap);
}

/* The grace after an expected interval before a job counts as late. */
static int64_t
expect_grace(int64_t expect)
{
	int64_t g = expect / 2;

	if (g > 3600000)
		g = 3600000;
	if (g < 30000)
		g = 30000;
	return g;
}

/* The health rules of jobs-status(1). */
static void
judge(struct health_report *rep, struct health_job *j)
{
	char b1[TIME_BUFSZ], b2[TIME_BUFSZ];
	double rate = j->counted ? (double)j->succeeded / j->counted : 1;
	int recent_fail = 0;

	for (int i = 0; i < j->counted && i < RECENT_FAILS; i++)
		if (j->window[i] == 'f' || j->window[i] == 't')
			recent_fail = 1;
	j->health = H_HEALTHY;
	if (j->counted > 0 && j->window[0] == 'f')
		add_reason(j, H_UNHEALTHY, "last run failed");
	else if (j->counted > 0 && j->window[0] == 't')
		add_reason(j, H_UNHEALTHY, "last run timed out");
	if (j->counted > 0 && rate < RATE_UNHEALTHY)
		add_reason(j, H_UNHEALTHY, "success rate %.0f%% < 70%%",
		    floor(rate * 100));
	else if (j->counted > 0 && rate < RATE_DEGRADED)
		add_reason(j, H_DEGRADED, "success rate %.0f%% < 90%%",
		    floor(rate * 100));
	if (j->expect_ms > 0 && !j->paused) {
		int64_t since = j->last_success >= 0 ? j->last_success :
		    j->created;

		if (rep->now - since > j->expect_ms + expect_grace(j->expect_ms))
			add_reason(j, H_UNHEALTHY, j->last_success >= 0 ?
			    "no success for %s (expected every %s)" :
			    "never succeeded in %s (expected every %s)",
			    duration_format(rep->now - since, b1),
			    duration_format(j->expect_ms, b2));
	}
	if (recent_fail && j->health == H_HEALTHY)
		add_reason(j, H_DEGRADED, "recent failures");
	/* a partial run did its work: degraded only while they go on */
	if (j->partials > 1)
		add_reason(j, H_DEGRADED, "last %lld runs partial (some "
		    "inputs failed)", (long long)j->partials);
	else if (j->partials == 1)
		add_reason(j, H_DEGRADED, "last run partial (some inputs "
		    "failed)");
	if (j->paused)
		add_reason(j, H_DEGRADED, "paused: %s",
		    j->reason ? j->reason : "by hand");
	if (j->last_stale)
		add_reason(j, H_DEGRADED, "run %lld left running by a run-job "
		    "that died", (long long)j->last.id);
}

/* What load_job needs besides the row. */
struct loading {
	struct health_report *rep;	/* the report filled */
	struct runs *runs;	/* the tables */
	struct db *db;		/* the store, for the job locks */
	char host[256];		/* this machine */
	int nruns;		/* recent runs wanted */
	int cap;		/* jobs allocated in rep->jobs */
};

/* runs_each_job: one job and its runs. */
static void
load_job(const struct job_state *js, void *arg)
{
	struct loading *ld = arg;
	struct health_report *rep = ld->rep;
	int want = ld->nruns > HEALTH_WINDOW ? ld->nruns : HEALTH_WINDOW;
	struct health_job *j;

	if (rep->njobs == ld->cap) {
		ld->cap = ld->cap ? ld->cap * 2 : 16;
		rep->jobs = xrealloc(rep->jobs, (size_t)ld->cap *
		    sizeof(*rep->jobs));
	}
	j = &rep->jobs[rep->njobs++];
	memset(j, 0, sizeof(*j));
	j->name = xstrdup(js->name);
	j->paused = js->paused;
	j->reason = xstrdup_null(js->reason);
	j->expect_ms = js->expect_ms;
	j->created = js->created;
	memcpy(j->n, js->n, sizeof(j->n));
	j->total_ms = js->total_ms;
	j->fails = js->fails;
	j->partials = js->partials;
	j->last_success = js->last_success;
	j->last_success_text = xstrdup_null(js->last_success_text);
	j->alert_since = xstrdup_null(js->alert_since);

	j->recent = xcalloc((size_t)want, sizeof(struct run));
	j->nrecent = runs_recent(ld->runs, j->name, want, j->recent);
	j->counted = runs_window(ld->runs, j->name, HEALTH_WINDOW, j->window);
	for (int i = 0; i < j->counted; i++)
		j->succeeded += j->window[i] == 's' || j->window[i] == 'p';
	runs_get(ld->runs, j->name, js->last_run_id, &j->last);
	/* a lock file tells only for runs of this machine; PostgreSQL's
	 * advisory lock for those of every machine */
	if (j->last.id != 0 && strcmp(j->last.status, "running") == 0 &&
	    (db_kind(ld->db) == DB_POSTGRES || j->last.host == NULL ||
	    strcmp(j->last.host, ld->host) == 0))
		j->last_stale = job_lock_held_db(ld->db, j->name) == 0;
	j->last_done_ms = runs_last_duration(ld->runs, j->name);
	/* recent beyond what was asked for served the window only */
	while (j->nrecent > ld->nruns)
		run_free(&j->recent[--j->nrecent]);
}

/*
 * A run read as "running" whose lock was then found free may have ended
 * between the read and the look at the lock: read it again, now, outside
 * the snapshot.  A run-job holds the lock until after it has recorded the
 * end, so a run still "running" now, after its lock was free, was left by
 * a run-job that died; one that ended is shown as it ended.
 */
static void
recheck_stale(struct runs *runs, struct health_job *j)
{
	struct run now;

	if (!runs_get(runs, j->name, j->last.id, &now))
		return;
	if (strcmp(now.status, "running") != 0) {
		run_free(&j->last);
		j->last = now;
		j->last_stale = 0;
		return;
	}
	run_free(&now);
}

static void
load_jobs(struct db *db, struct health_report *rep, const char *only,
    int nruns)
{
	struct loading ld;

	memset(&ld, 0, sizeof(ld));
	ld.rep = rep;
	ld.runs = runs_open(db);
	ld.db = db;
	ld.nruns = nruns;
	gethostname(ld.host, sizeof(ld.host) - 1);
	runs_each_job(ld.runs, only, load_job, &ld);
	runs_close(ld.runs);
}

/* After the snapshot: the stale runs looked at again, every job judged. */
static void
judge_jobs(struct db *db, struct health_report *rep)
{
	struct runs *runs = runs_open(db);

	for (int i = 0; i < rep->njobs; i++) {
		struct health_job *j = &rep->jobs[i];

		if (j->last_stale)
			recheck_stale(runs, j);
		judge(rep, j);
		rep->counts[j->health]++;
		if (j->health > rep->health)
			rep->health = j->health;
	}
	runs_close(runs);
}

static struct health_queue *
queue_get(struct health_report *rep, const char *name)
{
	for (int i = 0; i < rep->nqueues; i++)
		if (strcmp(rep->queues[i].name, name) == 0)
			return &rep->queues[i];
	rep->queues = xrealloc(rep->queues, (size_t)(rep->nqueues + 1) *
	    sizeof(*rep->queues));
	memset(&rep->queues[rep->nqueues], 0, sizeof(*rep->queues));
	rep->queues[rep->nqueues].name = xstrdup(name);
	rep->queues[rep->nqueues].oldest_age = -1;
	return &rep->queues[rep->nqueues++];
}

/* queue_each_count: one queue's jobs in one state. */
static void
queue_count(const char *name, const char *state, int64_t n,
    const char *oldest, void *arg)
{
	struct health_report *rep = arg;
	struct health_queue *q = queue_get(rep, name);
	int64_t t;

	if (strcmp(state, "queued") == 0)
		q->queued = n;
	else if (strcmp(state, "failed") == 0)
		q->failed = n;
	else if (strcmp(state, "running") == 0)
		q->running = n;
	else
		q->dead = n;
	if (oldest != NULL && time_parse(oldest, &t) == 0 &&
	    (q->oldest == NULL || strcmp(oldest, q->oldest) < 0)) {
		free(q->oldest);
		q->oldest = xstrdup(oldest);
		q->oldest_age = rep->now > t ? rep->now - t : 0;
	}
}

/* queue_each_problem_key: a key whose jobs keep going dead. */
static void
queue_problem(const char *name, const char *key, int64_t dead_count,
    void *arg)
{
	struct health_report *rep = arg;
	struct health_queue *q = queue_get(rep, name);
	struct health_problem *p;

	if (q->problem_keys++ >= PROBLEM_MAX)
		return;
	rep->problems = xrealloc(rep->problems, (size_t)(rep->nproblems + 1) *
	    sizeof(*rep->problems));
	p = &rep->problems[rep->nproblems++];
	p->queue = xstrdup(q->name);
	p->key = xstrdup(key);
	p->dead = dead_count;
}

/* queue_each_dead: one dead queue job. */
static void
dead_add(const char *queue, const char *key, const char *when,
    const char *error, void *arg)
{
	struct health_report *rep = arg;
	struct health_dead *d;

	rep->dead = xrealloc(rep->dead, (size_t)(rep->ndead + 1) *
	    sizeof(*rep->dead));
	d = &rep->dead[rep->ndead++];
	d->queue = xstrdup(queue);
	d->key = xstrdup_null(key);
	d->when = xstrdup_null(when);
	d->error = xstrdup_null(error);
}

/* The queues of enqueue/dequeue. */
static void
load_queues(struct db *db, struct health_report *rep)
{
	queue_each_count(db, queue_count, rep);
	queue_each_problem_key(db, PROBLEM_DEAD, queue_problem, rep);
	queue_each_dead(db, DEAD_MAX, dead_add, rep);
	for (int i = 0; i < rep->nqueues; i++) {
		struct health_queue *q = &rep->queues[i];

		q->health = q->dead > 0 || q->problem_keys > 0 ? H_DEGRADED :
		    H_HEALTHY;
		if (q->health > rep->health)
			rep->health = q->health;
	}
}

/* feeds_each_failing: one failing feed. */
static void
feed_add(const struct feed_row *row, void *arg)
{
	struct health_report *rep = arg;
	struct health_feed *f;

	rep->feeds = xrealloc(rep->feeds, (size_t)(rep->nfeeds + 1) *
	    sizeof(*rep->feeds));
	f = &rep->feeds[rep->nfeeds++];
	f->url = xstrdup(row->url);
	f->title = xstrdup_null(row->title);
	f->failures = row->failures;
	f->last_success = xstrdup_null(row->last_success);
	f->last_attempt = xstrdup_null(row->last_attempt);
	f->error = xstrdup_null(row->error);
	f->next_try = xstrdup_null(row->next_try);
}

/* Feeds with min_fail or more consecutive failures. */
static void
load_feeds(struct db *db, struct health_report *rep, int min_fail)
{
	if (min_fail <= 0)
		return;
	feeds_each_failing(db, min_fail, feed_add, rep);
	if (rep->nfeeds > 0 && rep->health < H_DEGRADED)
		rep->health = H_DEGRADED;
}

char *
health_clean(const char *s)
{
	size_t n = strlen(s), off = 0;
	char *c = xstrdup(s);

	while (off < n) {
		off += utf8_check(c + off, n - off);
		if (off < n)
			c[off++] = '?';
	}
	for (char *p = c; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return c;
}

const char *
health_age(int64_t now, int64_t t, char *buf)
{
	if (t < 0)
		return "-";
	return duration_format(now > t ? now - t : 0, buf);
}

const char *
health_dur(int64_t ms, char *buf)
{
	return ms < 0 ? "-" : duration_format(ms, buf);
}

const char *
health_rate(const struct health_job *j, char *buf)
{
	if (j->counted == 0)
		return "-";
	snprintf(buf, TIME_BUFSZ, "%.0f%%", floor(100.0 * j->succeeded /
	    j->counted));
	return buf;
}


void
health_load(struct db *db, struct health_report *rep, const char *only,
    int nruns, int feed_fail, int64_t now)
{
	memset(rep, 0, sizeof(*rep));
	rep->now = now;
	rep->only = only;
	db_begin_read(db);
	load_jobs(db, rep, only, nruns);
	if (only == NULL) {
		load_queues(db, rep);
		load_feeds(db, rep, feed_fail);
	}
	db_commit(db);
	judge_jobs(db, rep);
	if (only != NULL && rep->njobs > 0)
		rep->health = rep->jobs[0].health;
}

void
health_free(struct health_report *rep)
{
	for (int i = 0; i < rep->njobs; i++) {
		struct health_job *j = &rep->jobs[i];

		for (int k = 0; k < j->nrecent; k++)
			run_free(&j->recent[k]);
		run_free(&j->last);
		free(j->recent);
		free(j->name);
		free(j->reason);
		free(j->last_success_text);
		free(j->alert_since);
	}
	free(rep->jobs);
	for (int i = 0; i < rep->nqueues; i++) {
		free(rep->queues[i].name);
		free(rep->queues[i].oldest);
	}
	free(rep->queues);
	for (int i = 0; i < rep->nproblems; i++) {
		free(rep->problems[i].queue);
		free(rep->problems[i].key);
	}
	free(rep->problems);
	for (int i = 0; i < rep->ndead; i++) {
		free(rep->dead[i].queue);
		free(rep->dead[i].key);
		free(rep->dead[i].when);
		free(rep->dead[i].error);
	}
	free(rep->dead);
	for (int i = 0; i < rep->nfeeds; i++) {
		free(rep->feeds[i].url);
		free(rep->feeds[i].title);
		free(rep->feeds[i].last_success);
		free(rep->feeds[i].last_attempt);
		free(rep->feeds[i].error);
		free(rep->feeds[i].next_try);
	}
	free(rep->feeds);
	memset(rep, 0, sizeof(*rep));
}
