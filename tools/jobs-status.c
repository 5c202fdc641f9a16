/*
 * jobs-status - the health of every run-job job, queue and feed: a table,
 * plain text, JSON, Prometheus text or an HTML page; the exit status of a
 * monitoring plugin.  See man/jobs-status.1.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "db.h"
#include "joblock.h"
#include "jsonl.h"
#include "feeds.h"
#include "queue.h"
#include "runs.h"
#include "timefmt.h"
#include "utf8.h"
#include "util.h"

/* Counted runs (success, failed, timeout) the success rate looks at. */
#define WINDOW 20
/* A failure among this many latest counted runs makes a job degraded. */
#define RECENT_FAILS 5
/* Success rates below these make a job degraded, unhealthy. */
#define RATE_DEGRADED 0.90
#define RATE_UNHEALTHY 0.70
/* Problem keys listed per queue: those with at least this many dead. */
#define PROBLEM_DEAD 2
#define PROBLEM_MAX 20

/* Monitoring-plugin exit statuses; also the health levels. */
enum health { H_HEALTHY = 0, H_DEGRADED = 1, H_UNHEALTHY = 2, H_UNKNOWN = 3 };

static const char *const health_names[] = {
	"healthy", "degraded", "unhealthy", "unknown"
};

enum format { F_AUTO, F_JSON, F_PROMETHEUS, F_HTML };

enum {
	OPT_JSON = OPT_FIRST_PRIVATE, OPT_PROMETHEUS, OPT_HTML, OPT_FEEDS
};

/* One job: its state row, its runs and its verdict. */
struct job {
	char *name;		/* job_state.job */
	int paused;		/* paused by hand or by the circuit breaker */
	char *reason;		/* why paused, or NULL */
	int64_t expect_ms;	/* expected interval, 0 for none */
	int64_t created;	/* first seen, ms */
	int64_t n[RUN_NCOUNTED]; /* runs ever, by enum run_counted */
	int64_t total_ms;	/* duration of all closed runs */
	int64_t fails;		/* consecutive failures */
	int64_t last_success;	/* completed_at of the last success, or -1 */
	char *alert_since;	/* when failures reached --alert-after */
	char *last_success_text; /* the same as stored, or NULL */
	struct run last;	/* last run that was not skipped (id 0: none) */
	int last_stale;		/* last is "running" but its lock is free */
	int64_t last_done_ms;	/* duration of the last closed run, or -1 */
	struct run *recent;	/* newest first */
	int nrecent;		/* entries in recent */
	int counted;		/* counted runs in the window */
	int succeeded;		/* of which successes */
	char window[WINDOW];	/* their statuses, newest first: 's'uccess,
				 * 'f'ailed, 't'imeout */
	enum health health;	/* the verdict */
	char reasons[512];	/* why, "; "-separated */
};

/* One queue's counts. */
struct queue {
	char *name;		/* queue.queue */
	int64_t queued, running, failed, dead; /* jobs by state */
	char *oldest;		/* oldest run_after of a waiting job, or NULL */
	int64_t oldest_age;	/* now - oldest, ms, >= 0; -1 if none */
	int64_t problem_keys;	/* keys with PROBLEM_DEAD or more dead */
	enum health health;	/* degraded with dead jobs */
};

/* One failing feed. */
struct feed {
	char *url, *title;	/* feeds.url, feeds.title */
	int64_t failures;	/* consecutive */
	char *last_success;	/* or NULL */
	char *last_attempt;	/* or NULL */
	char *error;		/* or NULL */
};

/* Everything a report shows. */
struct report {
	int64_t now;		/* the clock, ms */
	struct job *jobs;	/* by name */
	int njobs;
	struct queue *queues;	/* by name */
	int nqueues;
	json_object *problems;	/* [{queue, key, dead}] */
	struct feed *feeds;	/* failing feeds, worst first */
	int nfeeds;
	enum health health;	/* worst of all */
	int counts[3];		/* jobs by health */
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: jobs-status [--db PATH] [--json | --prometheus | "
	    "--html FILE] [-o FILE]\n"
	    "                   [-n RUNS] [--feed-failures N] [-q] [NAME]\n");
	exit(status);
}

static void
add_reason(struct job *j, enum health h, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
add_reason(struct job *j, enum health h, const char *fmt, ...)
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
judge(struct report *rep, struct job *j)
{
	char b1[TIME_BUFSZ], b2[TIME_BUFSZ];
	double rate = j->counted ? (double)j->succeeded / j->counted : 1;
	int recent_fail = 0;

	for (int i = 0; i < j->counted && i < RECENT_FAILS; i++)
		if (j->window[i] != 's')
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
	if (j->paused)
		add_reason(j, H_DEGRADED, "paused: %s",
		    j->reason ? j->reason : "by hand");
	if (j->last_stale)
		add_reason(j, H_DEGRADED, "run %lld left running by a run-job "
		    "that died", (long long)j->last.id);
}

/* What load_job needs besides the row. */
struct loading {
	struct report *rep;	/* the report filled */
	struct runs *runs;	/* the tables */
	const char *store;	/* the store's path, for the job locks */
	char host[256];		/* this machine */
	int nruns;		/* recent runs wanted */
	int cap;		/* jobs allocated in rep->jobs */
};

/* runs_each_job: one job, its runs and its verdict. */
static void
load_job(const struct job_state *js, void *arg)
{
	struct loading *ld = arg;
	struct report *rep = ld->rep;
	int want = ld->nruns > WINDOW ? ld->nruns : WINDOW;
	struct job *j;

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
	j->last_success = js->last_success;
	j->last_success_text = xstrdup_null(js->last_success_text);
	j->alert_since = xstrdup_null(js->alert_since);

	j->recent = xcalloc((size_t)want, sizeof(struct run));
	j->nrecent = runs_recent(ld->runs, j->name, want, j->recent);
	j->counted = runs_window(ld->runs, j->name, WINDOW, j->window);
	for (int i = 0; i < j->counted; i++)
		j->succeeded += j->window[i] == 's';
	runs_get(ld->runs, j->name, js->last_run_id, &j->last);
	/* the lock tells only for runs of this machine */
	if (j->last.id != 0 && strcmp(j->last.status, "running") == 0 &&
	    (j->last.host == NULL || strcmp(j->last.host, ld->host) == 0))
		j->last_stale = job_lock_held(ld->store, j->name) == 0;
	j->last_done_ms = runs_last_duration(ld->runs, j->name);

	judge(rep, j);
	/* recent beyond what was asked for served the window only */
	while (j->nrecent > ld->nruns)
		run_free(&j->recent[--j->nrecent]);
	rep->counts[j->health]++;
	if (j->health > rep->health)
		rep->health = j->health;
}

static void
load_jobs(struct db *db, struct report *rep, const char *only, int nruns)
{
	struct loading ld;

	memset(&ld, 0, sizeof(ld));
	ld.rep = rep;
	ld.runs = runs_open(db);
	ld.store = db_name(db);
	ld.nruns = nruns;
	gethostname(ld.host, sizeof(ld.host) - 1);
	runs_each_job(ld.runs, only, load_job, &ld);
	runs_close(ld.runs);
}

static struct queue *
queue_get(struct report *rep, const char *name)
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
	struct report *rep = arg;
	struct queue *q = queue_get(rep, name);
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
	struct report *rep = arg;
	struct queue *q = queue_get(rep, name);
	json_object *o;

	if (q->problem_keys++ >= PROBLEM_MAX)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "queue", json_object_new_string(q->name));
	json_object_object_add(o, "key", json_object_new_string(key));
	json_object_object_add(o, "deadCount",
	    json_object_new_int64(dead_count));
	json_object_array_add(rep->problems, o);
}

/* The queues of enqueue/dequeue. */
static void
load_queues(struct db *db, struct report *rep)
{
	rep->problems = json_object_new_array();
	queue_each_count(db, queue_count, rep);
	queue_each_problem_key(db, PROBLEM_DEAD, queue_problem, rep);
	for (int i = 0; i < rep->nqueues; i++) {
		struct queue *q = &rep->queues[i];

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
	struct report *rep = arg;
	struct feed *f;

	rep->feeds = xrealloc(rep->feeds, (size_t)(rep->nfeeds + 1) *
	    sizeof(*rep->feeds));
	f = &rep->feeds[rep->nfeeds++];
	f->url = xstrdup(row->url);
	f->title = xstrdup_null(row->title);
	f->failures = row->failures;
	f->last_success = xstrdup_null(row->last_success);
	f->last_attempt = xstrdup_null(row->last_attempt);
	f->error = xstrdup_null(row->error);
}

/* Feeds with min_fail or more consecutive failures. */
static void
load_feeds(struct db *db, struct report *rep, int min_fail)
{
	if (min_fail <= 0)
		return;
	feeds_each_failing(db, min_fail, feed_add, rep);
	if (rep->nfeeds > 0 && rep->health < H_DEGRADED)
		rep->health = H_DEGRADED;
}

/* ---- output helpers ---- */

/* Text safe to print: valid UTF-8, control characters as spaces. */
static char *
clean(const char *s)
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

static const char *
age_text(int64_t now, int64_t t, char *buf)
{
	if (t < 0)
		return "-";
	return duration_format(now > t ? now - t : 0, buf);
}

static json_object *
json_str(const char *s)
{
	char *c;
	json_object *o;

	if (s == NULL)
		return NULL;
	c = clean(s);
	o = json_object_new_string(c);
	free(c);
	return o;
}

/* ---- JSON ---- */

static json_object *
run_json(const struct run *r, int full, int64_t now)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(r->id));
	json_object_object_add(o, "status", json_object_new_string(r->status));
	json_object_object_add(o, "startedAt", json_str(r->started_text));
	json_object_object_add(o, "completedAt", json_str(r->completed_text));
	json_object_object_add(o, "durationMs", r->duration >= 0 ?
	    json_object_new_int64(r->duration) : NULL);
	json_object_object_add(o, "exitCode", r->exit_code >= 0 ?
	    json_object_new_int(r->exit_code) : NULL);
	if (now >= 0)
		json_object_object_add(o, "timeSinceLastRunMs",
		    r->started >= 0 ? json_object_new_int64(now > r->started ?
		    now - r->started : 0) : NULL);
	if (!full && strcmp(r->status, "success") == 0)
		return o;
	json_object_object_add(o, "error", json_str(r->error));
	if (!full)
		return o;
	json_object_object_add(o, "attempts",
	    json_object_new_int(r->attempts));
	json_object_object_add(o, "counters", r->counters ?
	    json_tokener_parse(r->counters) : NULL);
	json_object_object_add(o, "host", json_str(r->host));
	json_object_object_add(o, "pid", r->pid >= 0 ?
	    json_object_new_int64(r->pid) : NULL);
	return o;
}

static json_object *
job_json(struct report *rep, struct job *j, int full)
{
	json_object *o = json_object_new_object(), *s, *a;
	int64_t closed = j->n[0] + j->n[1] + j->n[2] + j->n[3];
	int64_t total = closed + j->n[4];

	json_object_object_add(o, "name", json_str(j->name));
	json_object_object_add(o, "healthy",
	    json_object_new_boolean(j->health == H_HEALTHY));
	json_object_object_add(o, "health",
	    json_object_new_string(health_names[j->health]));
	json_object_object_add(o, "reasons", json_object_new_string(
	    j->reasons));
	json_object_object_add(o, "paused", json_object_new_boolean(j->paused));
	if (j->paused)
		json_object_object_add(o, "pausedReason", json_str(j->reason));
	json_object_object_add(o, "expectedIntervalMs", j->expect_ms > 0 ?
	    json_object_new_int64(j->expect_ms) : NULL);
	json_object_object_add(o, "successRate", j->counted ?
	    json_object_new_double(round(1000.0 * j->succeeded /
	    j->counted) / 1000) : NULL);
	json_object_object_add(o, "lastSuccessAt",
	    json_str(j->last_success_text));
	json_object_object_add(o, "alertSince", json_str(j->alert_since));

	s = json_object_new_object();
	json_object_object_add(s, "totalRuns", json_object_new_int64(total));
	json_object_object_add(s, "successfulRuns",
	    json_object_new_int64(j->n[0]));
	json_object_object_add(s, "failedRuns",
	    json_object_new_int64(j->n[1] + j->n[2]));
	json_object_object_add(s, "timedOutRuns",
	    json_object_new_int64(j->n[2]));
	json_object_object_add(s, "interruptedRuns",
	    json_object_new_int64(j->n[3]));
	json_object_object_add(s, "skippedRuns",
	    json_object_new_int64(j->n[4]));
	json_object_object_add(s, "consecutiveFailures",
	    json_object_new_int64(j->fails));
	json_object_object_add(s, "averageDurationMs", closed ?
	    json_object_new_int64(j->total_ms / closed) : NULL);
	json_object_object_add(o, "stats", s);

	if (j->last.id != 0) {
		json_object *l = run_json(&j->last, 1, rep->now);

		if (j->last_stale)
			json_object_object_add(l, "stale",
			    json_object_new_boolean(1));
		json_object_object_add(o, "lastRun", l);
	} else {
		json_object_object_add(o, "lastRun", NULL);
	}
	a = json_object_new_array();
	for (int i = 0; i < j->nrecent; i++)
		json_object_array_add(a, run_json(&j->recent[i], full, -1));
	json_object_object_add(o, "recentRuns", a);
	return o;
}

static void
report_json(FILE *fp, struct report *rep, const char *only)
{
	json_object *o = json_object_new_object(), *a;
	char buf[TIME_BUFSZ];

	json_object_object_add(o, "generatedAt",
	    json_object_new_string(time_format_ms(rep->now, buf)));
	json_object_object_add(o, "health",
	    json_object_new_string(health_names[rep->health]));
	json_object_object_add(o, "healthy",
	    json_object_new_boolean(rep->health == H_HEALTHY));
	a = json_object_new_array();
	for (int i = 0; i < rep->njobs; i++)
		json_object_array_add(a, job_json(rep, &rep->jobs[i],
		    only != NULL));
	json_object_object_add(o, "jobs", a);
	if (only == NULL) {
		a = json_object_new_array();
		for (int i = 0; i < rep->nqueues; i++) {
			struct queue *q = &rep->queues[i];
			json_object *qo = json_object_new_object();

			json_object_object_add(qo, "name", json_str(q->name));
			json_object_object_add(qo, "health",
			    json_object_new_string(health_names[q->health]));
			json_object_object_add(qo, "queued",
			    json_object_new_int64(q->queued));
			json_object_object_add(qo, "running",
			    json_object_new_int64(q->running));
			json_object_object_add(qo, "failed",
			    json_object_new_int64(q->failed));
			json_object_object_add(qo, "dead",
			    json_object_new_int64(q->dead));
			json_object_object_add(qo, "oldestWaiting",
			    json_str(q->oldest));
			json_object_object_add(qo, "oldestWaitingMs",
			    q->oldest_age >= 0 ?
			    json_object_new_int64(q->oldest_age) : NULL);
			json_object_object_add(qo, "problemKeys",
			    json_object_new_int64(q->problem_keys));
			json_object_array_add(a, qo);
		}
		json_object_object_add(o, "queues", a);
		json_object_object_add(o, "problemKeys",
		    json_object_get(rep->problems));
		a = json_object_new_array();
		for (int i = 0; i < rep->nfeeds; i++) {
			struct feed *f = &rep->feeds[i];
			json_object *fo = json_object_new_object();

			json_object_object_add(fo, "url", json_str(f->url));
			json_object_object_add(fo, "title", json_str(f->title));
			json_object_object_add(fo, "failures",
			    json_object_new_int64(f->failures));
			json_object_object_add(fo, "lastSuccess",
			    json_str(f->last_success));
			json_object_object_add(fo, "lastAttempt",
			    json_str(f->last_attempt));
			json_object_object_add(fo, "error", json_str(f->error));
			json_object_array_add(a, fo);
		}
		json_object_object_add(o, "failingFeeds", a);
	}
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE), fp);
	putc('\n', fp);
	json_object_put(o);
}

/* ---- Prometheus ---- */

/* A label value: backslash, double quote and newline escaped. */
static void
prom_label(FILE *fp, const char *s)
{
	char *c = clean(s);	/* also turns other control bytes to spaces */

	for (const char *p = s; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", fp);
		else if (*p == '"')
			fputs("\\\"", fp);
		else if (*p == '\n')
			fputs("\\n", fp);
		else
			putc(c[p - s], fp);
	}
	free(c);
}

static void
prom_head(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
prom_job(FILE *fp, const char *metric, const char *job)
{
	fprintf(fp, "%s{job=\"", metric);
	prom_label(fp, job);
	fputs("\"}", fp);
}

static void
report_prometheus(FILE *fp, struct report *rep)
{
	static const char *const qstates[] = {
		"queued", "running", "failed", "dead"
	};
	const char *m;

	m = "jobline_job_last_success_timestamp_seconds";
	prom_head(fp, m, "gauge", "Completion time of the job's last "
	    "successful run.");
	for (int i = 0; i < rep->njobs; i++)
		if (rep->jobs[i].last_success >= 0) {
			prom_job(fp, m, rep->jobs[i].name);
			fprintf(fp, " %.3f\n",
			    rep->jobs[i].last_success / 1000.0);
		}
	m = "jobline_job_last_run_timestamp_seconds";
	prom_head(fp, m, "gauge", "Start time of the job's last run.");
	for (int i = 0; i < rep->njobs; i++)
		if (rep->jobs[i].last.id != 0 && rep->jobs[i].last.started >= 0) {
			prom_job(fp, m, rep->jobs[i].name);
			fprintf(fp, " %.3f\n",
			    rep->jobs[i].last.started / 1000.0);
		}
	m = "jobline_job_last_duration_seconds";
	prom_head(fp, m, "gauge", "Duration of the job's last finished run.");
	for (int i = 0; i < rep->njobs; i++)
		if (rep->jobs[i].last_done_ms >= 0) {
			prom_job(fp, m, rep->jobs[i].name);
			fprintf(fp, " %.3f\n",
			    rep->jobs[i].last_done_ms / 1000.0);
		}
	m = "jobline_job_consecutive_failures";
	prom_head(fp, m, "gauge", "Failed or timed-out runs since the job's "
	    "last success.");
	for (int i = 0; i < rep->njobs; i++) {
		prom_job(fp, m, rep->jobs[i].name);
		fprintf(fp, " %lld\n", (long long)rep->jobs[i].fails);
	}
	m = "jobline_job_runs_total";
	prom_head(fp, m, "counter", "Runs of the job recorded, by status.");
	for (int i = 0; i < rep->njobs; i++)
		for (int s = 0; s < RUN_NCOUNTED; s++) {
			fprintf(fp, "%s{job=\"", m);
			prom_label(fp, rep->jobs[i].name);
			fprintf(fp, "\",status=\"%s\"} %lld\n", run_counted_names[s],
			    (long long)rep->jobs[i].n[s]);
		}
	m = "jobline_job_health";
	prom_head(fp, m, "gauge", "Health of the job: 0 healthy, 1 degraded, "
	    "2 unhealthy.");
	for (int i = 0; i < rep->njobs; i++) {
		prom_job(fp, m, rep->jobs[i].name);
		fprintf(fp, " %d\n", rep->jobs[i].health);
	}
	m = "jobline_job_paused";
	prom_head(fp, m, "gauge", "1 when the job is paused.");
	for (int i = 0; i < rep->njobs; i++) {
		prom_job(fp, m, rep->jobs[i].name);
		fprintf(fp, " %d\n", rep->jobs[i].paused ? 1 : 0);
	}
	m = "jobline_job_running";
	prom_head(fp, m, "gauge", "1 while a run of the job is going.");
	for (int i = 0; i < rep->njobs; i++) {
		prom_job(fp, m, rep->jobs[i].name);
		fprintf(fp, " %d\n", rep->jobs[i].last.id != 0 &&
		    !rep->jobs[i].last_stale &&
		    strcmp(rep->jobs[i].last.status, "running") == 0);
	}
	m = "jobline_job_expected_interval_seconds";
	prom_head(fp, m, "gauge", "How often the job is expected to succeed.");
	for (int i = 0; i < rep->njobs; i++)
		if (rep->jobs[i].expect_ms > 0) {
			prom_job(fp, m, rep->jobs[i].name);
			fprintf(fp, " %.3f\n", rep->jobs[i].expect_ms / 1000.0);
		}
	if (rep->nqueues > 0) {
		m = "jobline_queue_jobs";
		prom_head(fp, m, "gauge", "Jobs in the queue, by state.");
		for (int i = 0; i < rep->nqueues; i++) {
			struct queue *q = &rep->queues[i];
			int64_t v[4] = { q->queued, q->running, q->failed,
			    q->dead };

			for (int s = 0; s < 4; s++) {
				fprintf(fp, "%s{queue=\"", m);
				prom_label(fp, q->name);
				fprintf(fp, "\",state=\"%s\"} %lld\n",
				    qstates[s], (long long)v[s]);
			}
		}
		m = "jobline_queue_oldest_waiting_seconds";
		prom_head(fp, m, "gauge", "How long the oldest due job of the "
		    "queue has waited.");
		for (int i = 0; i < rep->nqueues; i++) {
			fprintf(fp, "%s{queue=\"", m);
			prom_label(fp, rep->queues[i].name);
			fprintf(fp, "\"} %.3f\n", rep->queues[i].oldest_age > 0 ?
			    rep->queues[i].oldest_age / 1000.0 : 0.0);
		}
		m = "jobline_queue_problem_keys";
		prom_head(fp, m, "gauge", "Keys of the queue whose jobs went "
		    "dead repeatedly.");
		for (int i = 0; i < rep->nqueues; i++) {
			fprintf(fp, "%s{queue=\"", m);
			prom_label(fp, rep->queues[i].name);
			fprintf(fp, "\"} %lld\n",
			    (long long)rep->queues[i].problem_keys);
		}
	}
	m = "jobline_feeds_failing";
	prom_head(fp, m, "gauge", "Feeds that keep failing.");
	fprintf(fp, "%s %d\n", m, rep->nfeeds);
	m = "jobline_health";
	prom_head(fp, m, "gauge", "Worst health of all jobs, queues and "
	    "feeds: 0 healthy, 1 degraded, 2 unhealthy.");
	fprintf(fp, "%s %d\n", m, rep->health);
}

/* ---- text ---- */

static const char *
fmt_dur(int64_t ms, char *buf)
{
	return ms < 0 ? "-" : duration_format(ms, buf);
}

static const char *
fmt_rate(const struct job *j, char *buf)
{
	if (j->counted == 0)
		return "-";
	snprintf(buf, TIME_BUFSZ, "%.0f%%", floor(100.0 * j->succeeded /
	    j->counted));
	return buf;
}

/* Column widths, in characters of printed UTF-8. */
static int
text_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void
pad(FILE *fp, const char *s, int width)
{
	fputs(s, fp);
	for (int n = text_width(s); n < width; n++)
		putc(' ', fp);
}

static void
report_text(FILE *fp, struct report *rep, int tty)
{
	static const char *const head[] = { "JOB", "HEALTH", "LAST RUN",
	    "AGO", "STATUS", "DURATION", "RATE", "FAILS", "EXPECT", "WHY" };
	enum { NCOL = 10 };
	char *cell[NCOL];
	int width[NCOL];
	const char *colour[] = { "\033[32m", "\033[33m", "\033[31m" };
	const char *nc = getenv("NO_COLOR");
	int paint = tty && (nc == NULL || *nc == '\0');

	if (!tty) {
		/* the monitoring-plugin status line first */
		static const char *const word[] = { "OK", "WARNING",
		    "CRITICAL", "UNKNOWN" };

		fprintf(fp, "JOBS %s - %d unhealthy, %d degraded, %d healthy",
		    word[rep->health], rep->counts[H_UNHEALTHY],
		    rep->counts[H_DEGRADED], rep->counts[H_HEALTHY]);
		if (rep->nqueues > 0 || rep->nfeeds > 0)
			fprintf(fp, "; %d queues, %d failing feeds",
			    rep->nqueues, rep->nfeeds);
		/* performance data, for graphs in the monitor */
		fprintf(fp, " | unhealthy=%d degraded=%d healthy=%d "
		    "failing_feeds=%d\n", rep->counts[H_UNHEALTHY],
		    rep->counts[H_DEGRADED], rep->counts[H_HEALTHY],
		    rep->nfeeds);
	}
	for (int c = 0; c < NCOL; c++)
		width[c] = text_width(head[c]);
	/* two passes: widths, then rows */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && rep->njobs > 0) {
			for (int c = 0; c < NCOL; c++) {
				if (c == NCOL - 1)
					fputs(head[c], fp);
				else
					pad(fp, head[c], width[c] + 2);
			}
			putc('\n', fp);
		}
		for (int i = 0; i < rep->njobs; i++) {
			struct job *j = &rep->jobs[i];
			char b[6][TIME_BUFSZ];
			const struct run *l = &j->last;

			cell[0] = clean(j->name);
			cell[1] = xstrdup(health_names[j->health]);
			cell[2] = xstrdup(l->id && l->started_text ?
			    l->started_text : "never");
			if (strlen(cell[2]) > 19)
				cell[2][19] = '\0';	/* to the second */
			if (strchr(cell[2], 'T'))
				*strchr(cell[2], 'T') = ' ';
			cell[3] = xstrdup(l->id ? age_text(rep->now, l->started,
			    b[0]) : "-");
			cell[4] = xstrdup(l->id ? (j->last_stale ? "stale" :
			    l->status) : "-");
			cell[5] = xstrdup(fmt_dur(l->id ? l->duration : -1,
			    b[1]));
			cell[6] = xstrdup(fmt_rate(j, b[2]));
			snprintf(b[3], TIME_BUFSZ, "%lld", (long long)j->fails);
			cell[7] = xstrdup(b[3]);
			cell[8] = xstrdup(j->expect_ms ? duration_format(
			    j->expect_ms, b[4]) : "-");
			cell[9] = clean(*j->reasons ? j->reasons : "-");
			for (int c = 0; c < NCOL; c++) {
				if (pass == 0 && text_width(cell[c]) > width[c])
					width[c] = text_width(cell[c]);
				if (pass == 1) {
					if (c == 1 && paint)
						fputs(colour[j->health], fp);
					if (c == NCOL - 1)
						fputs(cell[c], fp);
					else
						pad(fp, cell[c], width[c] + 2);
					if (c == 1 && paint)
						fputs("\033[0m", fp);
				}
				free(cell[c]);
			}
			if (pass == 1)
				putc('\n', fp);
		}
	}
	if (rep->nqueues > 0) {
		int w = 5;

		for (int i = 0; i < rep->nqueues; i++)
			if (text_width(rep->queues[i].name) > w)
				w = text_width(rep->queues[i].name);
		fputs(rep->njobs ? "\n" : "", fp);
		pad(fp, "QUEUE", w + 2);
		fputs("QUEUED  RUNNING  FAILED  DEAD    OLDEST WAITING  "
		    "PROBLEM KEYS\n", fp);
		for (int i = 0; i < rep->nqueues; i++) {
			struct queue *q = &rep->queues[i];
			char b[TIME_BUFSZ], *n = clean(q->name);

			pad(fp, n, w + 2);
			fprintf(fp, "%-6lld  %-7lld  %-6lld  %-6lld  %-14s  "
			    "%lld\n", (long long)q->queued,
			    (long long)q->running, (long long)q->failed,
			    (long long)q->dead, q->oldest_age >= 0 ?
			    duration_format(q->oldest_age, b) : "-",
			    (long long)q->problem_keys);
			free(n);
		}
		for (size_t i = 0; i < json_object_array_length(rep->problems);
		    i++) {
			json_object *p = json_object_array_get_idx(
			    rep->problems, i);
			char *q = clean(json_get_string(p, "queue")), *k =
			    clean(json_get_string(p, "key"));
			long long d = 0;

			json_get_int64(p, "deadCount", &d);
			fprintf(fp, "problem key %s in %s: %lld dead jobs\n",
			    k, q, d);
			free(q);
			free(k);
		}
	}
	if (rep->nfeeds > 0) {
		fputs(rep->njobs || rep->nqueues ? "\nFAILING FEEDS\n" :
		    "FAILING FEEDS\n", fp);
		for (int i = 0; i < rep->nfeeds; i++) {
			struct feed *f = &rep->feeds[i];
			char *u = clean(f->url), *e = clean(f->error ?
			    f->error : "-");

			fprintf(fp, "%s  %lld failures, last success %s: %s\n",
			    u, (long long)f->failures, f->last_success ?
			    f->last_success : "never", e);
			free(u);
			free(e);
		}
	}
	if (rep->njobs == 0 && rep->nqueues == 0 && rep->nfeeds == 0 && tty)
		fputs("no jobs recorded yet\n", fp);
}

/* ---- HTML ---- */

static void
html_text(FILE *fp, const char *s)
{
	char *c = clean(s ? s : "");

	for (const char *p = c; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default: putc(*p, fp);
		}
	}
	free(c);
}

static const char *
status_colour(const char *s)
{
	static const struct { const char *status, *colour; } c[] = {
		{ "success", "#2e7d32" }, { "failed", "#c62828" },
		{ "timeout", "#ef6c00" }, { "interrupted", "#6a1b9a" },
		{ "skipped", "#9e9e9e" }, { "running", "#1565c0" }
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (strcmp(c[i].status, s) == 0)
			return c[i].colour;
	return "#000000";
}

/* Bars of the recent runs, oldest left; height by duration. */
static void
html_bars(FILE *fp, struct job *j)
{
	enum { BAR = 8, GAP = 2, HEIGHT = 32, MIN = 4 };
	int64_t max = 1;
	int w = j->nrecent * (BAR + GAP);
	char b[TIME_BUFSZ];

	for (int i = 0; i < j->nrecent; i++)
		if (j->recent[i].duration > max)
			max = j->recent[i].duration;
	fprintf(fp, "<svg class=\"runs\""
	    " width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\""
	    " aria-label=\"recent runs of ", w > 0 ? w : 1, HEIGHT,
	    w > 0 ? w : 1, HEIGHT);
	html_text(fp, j->name);
	fputs("\">", fp);
	for (int k = 0; k < j->nrecent; k++) {
		const struct run *r = &j->recent[j->nrecent - 1 - k];
		double frac = r->duration > 0 ? sqrt((double)r->duration /
		    (double)max) : 0;
		int h = MIN + (int)(frac * (HEIGHT - MIN));

		fprintf(fp, "<rect class=\"run %s\" data-status=\"%s\""
		    " data-duration-ms=\"%lld\" x=\"%d\" y=\"%d\" width=\"%d\""
		    " height=\"%d\" fill=\"%s\"><title>run %lld: %s, ",
		    r->status, r->status, (long long)r->duration,
		    k * (BAR + GAP), HEIGHT - h, BAR, h,
		    status_colour(r->status), (long long)r->id, r->status);
		fputs(fmt_dur(r->duration, b), fp);
		fputs(", ", fp);
		html_text(fp, r->started_text);
		fputs("</title></rect>", fp);
	}
	fputs("</svg>", fp);
}

static void
report_html(FILE *fp, struct report *rep)
{
	char b[4][TIME_BUFSZ];

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    "default-src 'none'; style-src 'unsafe-inline'\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width\">\n"
	    "<meta http-equiv=\"refresh\" content=\"60\">\n"
	    "<title>jobline status</title>\n<style>\n"
	    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;"
	    "color:#212121}\n"
	    "table{border-collapse:collapse;margin-bottom:1.5em}\n"
	    "th,td{text-align:left;padding:.3em .8em;"
	    "border-bottom:1px solid #e0e0e0;vertical-align:middle;"
	    "white-space:nowrap}\n"
	    "th{font-weight:600;background:#fafafa}\n"
	    ".health{font-weight:600;padding:.1em .5em;border-radius:.3em;"
	    "color:#fff}\n"
	    ".healthy{background:#2e7d32}.degraded{background:#ef6c00}"
	    ".unhealthy{background:#c62828}\n"
	    ".why{color:#616161;font-size:90%;white-space:normal}\nsvg.runs{display:block}\n"
	    ".legend span{display:inline-block;width:.8em;height:.8em;"
	    "margin:0 .3em 0 1em}\n"
	    "</style>\n</head>\n<body>\n", fp);
	fprintf(fp, "<h1>jobline <span class=\"health %s\" id=\"overall\">"
	    "%s</span></h1>\n<p>Generated %s: %d jobs, %d unhealthy, "
	    "%d degraded.</p>\n", health_names[rep->health],
	    health_names[rep->health], time_format(rep->now, b[0]),
	    rep->njobs, rep->counts[H_UNHEALTHY], rep->counts[H_DEGRADED]);
	fputs("<p class=\"legend\">", fp);
	for (int s = 0; s < RUN_NCOUNTED; s++)
		fprintf(fp, "<span style=\"background:%s\"></span>%s",
		    status_colour(run_counted_names[s]), run_counted_names[s]);
	fprintf(fp, "<span style=\"background:%s\"></span>running</p>\n",
	    status_colour("running"));

	fputs("<h2>Jobs</h2>\n<table id=\"jobs\">\n<thead><tr><th>Job"
	    "<th>Health<th>Last run<th>Status<th>Duration<th>Success rate"
	    "<th>Failures<th>Expected<th>Recent runs</tr></thead>\n<tbody>\n",
	    fp);
	for (int i = 0; i < rep->njobs; i++) {
		struct job *j = &rep->jobs[i];
		const struct run *l = &j->last;

		fputs("<tr class=\"job\" data-job=\"", fp);
		html_text(fp, j->name);
		fprintf(fp, "\" data-health=\"%s\"><td class=\"name\">",
		    health_names[j->health]);
		html_text(fp, j->name);
		fprintf(fp, "<td><span class=\"health %s\">%s</span>",
		    health_names[j->health], health_names[j->health]);
		if (*j->reasons) {
			fputs("<div class=\"why\">", fp);
			html_text(fp, j->reasons);
			fputs("</div>", fp);
		}
		fputs("<td>", fp);
		if (l->id) {
			char when[TIME_BUFSZ];

			html_text(fp, time_format(l->started, when));
			fprintf(fp, "<br><span class=\"why\">%s ago</span>",
			    age_text(rep->now, l->started, b[0]));
		} else {
			fputs("never", fp);
		}
		fprintf(fp, "<td class=\"status\">%s<td>%s<td>%s<td>%lld<td>%s"
		    "<td>", l->id ? (j->last_stale ? "stale" : l->status) :
		    "-", fmt_dur(l->id ? l->duration : -1, b[1]),
		    fmt_rate(j, b[2]), (long long)j->fails, j->expect_ms ?
		    duration_format(j->expect_ms, b[3]) : "-");
		html_bars(fp, j);
		fputs("</tr>\n", fp);
	}
	fputs("</tbody>\n</table>\n", fp);

	if (rep->nqueues > 0) {
		fputs("<h2>Queues</h2>\n<table id=\"queues\">\n<thead><tr>"
		    "<th>Queue<th>Queued<th>Running<th>Failed<th>Dead"
		    "<th>Oldest waiting<th>Problem keys<th>Health</tr></thead>\n"
		    "<tbody>\n",
		    fp);
		for (int i = 0; i < rep->nqueues; i++) {
			struct queue *q = &rep->queues[i];

			fprintf(fp, "<tr class=\"queue\" data-health=\"%s\">"
			    "<td>", health_names[q->health]);
			html_text(fp, q->name);
			fprintf(fp, "<td>%lld<td>%lld<td>%lld<td>%lld<td>%s"
			    "<td>%lld<td><span class=\"health %s\">%s</span>"
			    "</tr>\n", (long long)q->queued,
			    (long long)q->running, (long long)q->failed,
			    (long long)q->dead, q->oldest_age >= 0 ?
			    duration_format(q->oldest_age, b[0]) : "-",
			    (long long)q->problem_keys,
			    health_names[q->health], health_names[q->health]);
		}
		fputs("</tbody>\n</table>\n", fp);
	}
	if (rep->nfeeds > 0) {
		fputs("<h2>Failing feeds</h2>\n<table id=\"feeds\">\n<thead>"
		    "<tr><th>Feed<th>Failures<th>Last success<th>Error</tr>"
		    "</thead>\n<tbody>\n", fp);
		for (int i = 0; i < rep->nfeeds; i++) {
			struct feed *f = &rep->feeds[i];

			fputs("<tr class=\"feed\"><td>", fp);
			html_text(fp, f->url);
			fprintf(fp, "<td>%lld<td>", (long long)f->failures);
			html_text(fp, f->last_success ? f->last_success :
			    "never");
			fputs("<td>", fp);
			html_text(fp, f->error);
			fputs("</tr>\n", fp);
		}
		fputs("</tbody>\n</table>\n", fp);
	}
	fputs("</body>\n</html>\n", fp);
}

/* ---- output files ---- */

/* Where a report goes: stdout, or a temporary file renamed into place. */
struct out {
	FILE *fp;		/* the stream written */
	char *path;		/* final path, or NULL for stdout */
	char *tmp;		/* the temporary file beside it */
};

static void
out_open(struct out *o, const char *path)
{
	int fd;

	memset(o, 0, sizeof(*o));
	if (path == NULL || strcmp(path, "-") == 0) {
		o->fp = stdout;
		return;
	}
	o->path = xstrdup(path);
	if (asprintf(&o->tmp, "%s.XXXXXX", path) < 0)
		die_nomem();
	if ((fd = mkstemp(o->tmp)) < 0)
		err(H_UNKNOWN, "%s", o->tmp);
	fchmod(fd, 0644);
	if ((o->fp = fdopen(fd, "w")) == NULL)
		err(H_UNKNOWN, "%s", o->tmp);
}

static void
out_close(struct out *o)
{
	if (o->path == NULL)
		return;
	if (fflush(o->fp) != 0 || ferror(o->fp) || fsync(fileno(o->fp)) != 0 ||
	    fclose(o->fp) != 0) {
		warn("%s", o->tmp);
		unlink(o->tmp);
		exit(H_UNKNOWN);
	}
	if (rename(o->tmp, o->path) != 0) {
		warn("%s", o->path);
		unlink(o->tmp);
		exit(H_UNKNOWN);
	}
	/* the rename itself reaches the disk with its directory */
	{
		char *slash = strrchr(o->path, '/');
		char *dir = slash == NULL ? xstrdup(".") : slash == o->path ?
		    xstrdup("/") : xstrndup(o->path, (size_t)(slash - o->path));
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
		free(dir);
	}
	free(o->tmp);
	free(o->path);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "prometheus", no_argument, NULL, OPT_PROMETHEUS },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "output", required_argument, NULL, 'o' },
		{ "runs", required_argument, NULL, 'n' },
		{ "feed-failures", required_argument, NULL, OPT_FEEDS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	enum format fmt = F_AUTO;
	const char *db_path = NULL, *output = NULL, *html = NULL, *only;
	long nruns = -1, feed_fail = 3;
	int c, quiet = 0, nformats = 0;
	struct report rep;
	struct out out;
	struct stat sb;
	struct db *db;

	while ((c = getopt_long(argc, argv, "o:n:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: db_path = optarg; break;
		case OPT_JSON: fmt = F_JSON; nformats++; break;
		case OPT_PROMETHEUS: fmt = F_PROMETHEUS; nformats++; break;
		case OPT_HTML: fmt = F_HTML; html = optarg; nformats++; break;
		case 'o': output = optarg; break;
		case 'n':
			if (!parse_long(optarg, 0, 100000, &nruns)) {
				warnx("-n: not a count: %s", optarg);
				usage(stderr, EXIT_USAGE);
			}
			break;
		case OPT_FEEDS:
			if (!parse_long(optarg, 0, 1000000, &feed_fail)) {
				warnx("--feed-failures: not a count: %s",
				    optarg);
				usage(stderr, EXIT_USAGE);
			}
			break;
		case 'q': quiet = 1; break;
		case 'v': break;
		case 'h': usage(stdout, EXIT_OK); break;
		case OPT_VERSION: version_exit();
		default: usage(stderr, EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || nformats > 1 || (html != NULL && output != NULL)) {
		warnx(argc > 1 ? "one job name at most" :
		    "one of --json, --prometheus, --html FILE");
		usage(stderr, EXIT_USAGE);
	}
	only = argc == 1 ? argv[0] : NULL;
	if (fmt == F_HTML)
		output = html;
	if (nruns < 0)
		nruns = only ? 100 : fmt == F_HTML ? 50 : 10;

	/* a store that is not there is UNKNOWN, not a new empty one */
	if (db_path == NULL) {
		const char *e = getenv("JOBLINE_DB");

		db_path = e && *e ? e : NULL;
	}
	if (db_path != NULL && stat(db_path, &sb) != 0)
		err(H_UNKNOWN, "%s", db_path);
	db = db_open(db_path, DB_READONLY);
	memset(&rep, 0, sizeof(rep));
	rep.now = time_now();
	db_begin_read(db);	/* one snapshot for the whole report */
	load_jobs(db, &rep, only, (int)nruns);
	if (only != NULL && rep.njobs == 0)
		errx(H_UNKNOWN, "%s: no such job", only);
	if (only == NULL) {
		load_queues(db, &rep);
		load_feeds(db, &rep, (int)feed_fail);
	} else {
		rep.health = rep.jobs[0].health;
		rep.problems = json_object_new_array();
	}
	db_commit(db);

	out_open(&out, output);
	if (!quiet || output != NULL) {
		switch (fmt) {
		case F_JSON: report_json(out.fp, &rep, only); break;
		case F_PROMETHEUS: report_prometheus(out.fp, &rep); break;
		case F_HTML: report_html(out.fp, &rep); break;
		default: report_text(out.fp, &rep, output == NULL &&
		    isatty(STDOUT_FILENO));
		}
	}
	out_close(&out);

	for (int i = 0; i < rep.njobs; i++) {
		struct job *j = &rep.jobs[i];

		for (int k = 0; k < j->nrecent; k++)
			run_free(&j->recent[k]);
		run_free(&j->last);
		free(j->recent);
		free(j->name);
		free(j->reason);
		free(j->last_success_text);
		free(j->alert_since);
	}
	free(rep.jobs);
	for (int i = 0; i < rep.nqueues; i++) {
		free(rep.queues[i].name);
		free(rep.queues[i].oldest);
	}
	free(rep.queues);
	for (int i = 0; i < rep.nfeeds; i++) {
		free(rep.feeds[i].url);
		free(rep.feeds[i].title);
		free(rep.feeds[i].last_success);
		free(rep.feeds[i].last_attempt);
		free(rep.feeds[i].error);
	}
	free(rep.feeds);
	json_object_put(rep.problems);
	db_close(db);
	exit_flush(rep.health);
}
