/*
 * health_fmt.c - jobs-status(1)'s reports as text (a table, with a
 * monitoring-plugin status line first when not on a terminal), JSON and
 * Prometheus text (see health.h).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "health.h"
#include "timefmt.h"
#include "util.h"

static json_object *
json_str(const char *s)
{
	char *c;
	json_object *o;

	if (s == NULL)
		return NULL;
	c = health_clean(s);
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
job_json(const struct health_report *rep, const struct health_job *j,
    int full)
{
	json_object *o = json_object_new_object(), *s, *a;
	int64_t closed = j->n[RUN_SUCCESS] + j->n[RUN_PARTIAL] +
	    j->n[RUN_FAILED] + j->n[RUN_TIMEOUT] + j->n[RUN_INTERRUPTED];
	int64_t total = closed + j->n[RUN_SKIPPED];

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
	    json_object_new_int64(j->n[RUN_SUCCESS]));
	json_object_object_add(s, "partialRuns",
	    json_object_new_int64(j->n[RUN_PARTIAL]));
	json_object_object_add(s, "failedRuns",
	    json_object_new_int64(j->n[RUN_FAILED] + j->n[RUN_TIMEOUT]));
	json_object_object_add(s, "timedOutRuns",
	    json_object_new_int64(j->n[RUN_TIMEOUT]));
	json_object_object_add(s, "interruptedRuns",
	    json_object_new_int64(j->n[RUN_INTERRUPTED]));
	json_object_object_add(s, "skippedRuns",
	    json_object_new_int64(j->n[RUN_SKIPPED]));
	json_object_object_add(s, "consecutiveFailures",
	    json_object_new_int64(j->fails));
	json_object_object_add(s, "consecutivePartial",
	    json_object_new_int64(j->partials));
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

void
health_json(FILE *fp, const struct health_report *rep)
{
	const char *only = rep->only;
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
			const struct health_queue *q = &rep->queues[i];
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
		a = json_object_new_array();
		for (int i = 0; i < rep->nproblems; i++) {
			json_object *po = json_object_new_object();

			json_object_object_add(po, "queue",
			    json_object_new_string(rep->problems[i].queue));
			json_object_object_add(po, "key",
			    json_object_new_string(rep->problems[i].key));
			json_object_object_add(po, "deadCount",
			    json_object_new_int64(rep->problems[i].dead));
			json_object_array_add(a, po);
		}
		json_object_object_add(o, "problemKeys", a);
		a = json_object_new_array();
		for (int i = 0; i < rep->nfeeds; i++) {
			const struct health_feed *f = &rep->feeds[i];
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
			json_object_object_add(fo, "nextTry",
			    json_str(f->next_try));
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
	char *c = health_clean(s);	/* also turns other control bytes to spaces */

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

/* Whether the store could be read, and when the report was made. */
static void
prom_up(FILE *fp, int up, int64_t now)
{
	const char *m = "jobline_up";

	prom_head(fp, m, "gauge", "1 when jobs-status could read the store, "
	    "0 when the figures are missing.");
	fprintf(fp, "%s %d\n", m, up);
	m = "jobline_status_generated_timestamp_seconds";
	prom_head(fp, m, "gauge", "When jobs-status made this report.");
	fprintf(fp, "%s %.3f\n", m, now / 1000.0);
}

void
health_prometheus(FILE *fp, const struct health_report *rep)
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
			const struct health_queue *q = &rep->queues[i];
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
	prom_up(fp, 1, rep->now);
}

void
health_prometheus_down(FILE *fp, int64_t now)
{
	prom_up(fp, 0, now);
}

/* ---- text ---- */

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

/* A stored time as the table shows it, "2026-11-22 08:30:00" (to the
 * second), or none when it is NULL; a new string. */
static char *
when_text(const char *stored, const char *none)
{
	char *s = xstrdup(stored ? stored : none), *t;

	if (strlen(s) > 19)
		s[19] = '\0';
	if ((t = strchr(s, 'T')) != NULL)
		*t = ' ';
	return s;
}

/* The last line of an error that has text, cleaned; a new string. */
static char *
error_line(const char *error)
{
	const char *end, *start;
	char *line, *c;

	if (error == NULL)
		return xstrdup("-");
	end = error + strlen(error);
	while (end > error && (end[-1] == '\n' || end[-1] == '\r' ||
	    end[-1] == ' '))
		end--;
	for (start = end; start > error && start[-1] != '\n'; start--)
		;
	if (start == end)
		return xstrdup("-");
	line = xstrndup(start, (size_t)(end - start));
	c = health_clean(line);
	free(line);
	return c;
}

/* A job's recent runs, newest first, one a line. */
static void
text_runs(FILE *fp, const struct health_job *j)
{
	static const char *const head[] = { "RUN", "STARTED", "STATUS",
	    "DURATION", "ERROR" };
	enum { NCOL = 5 };
	int width[NCOL];
	char *cell[NCOL], b[TIME_BUFSZ];

	for (int c = 0; c < NCOL; c++)
		width[c] = text_width(head[c]);
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			fputs("\n", fp);
			for (int c = 0; c < NCOL - 1; c++)
				pad(fp, head[c], width[c] + 2);
			fprintf(fp, "%s\n", head[NCOL - 1]);
		}
		for (int i = 0; i < j->nrecent; i++) {
			const struct run *r = &j->recent[i];

			snprintf(b, sizeof(b), "%lld", (long long)r->id);
			cell[0] = xstrdup(b);
			cell[1] = when_text(r->started_text, "-");
			cell[2] = health_clean(r->status);
			cell[3] = xstrdup(health_dur(r->duration, b));
			cell[4] = error_line(r->error);
			for (int c = 0; c < NCOL; c++) {
				if (pass == 0 && text_width(cell[c]) > width[c])
					width[c] = text_width(cell[c]);
				if (pass == 1 && c < NCOL - 1)
					pad(fp, cell[c], width[c] + 2);
				else if (pass == 1)
					fprintf(fp, "%s\n", cell[c]);
				free(cell[c]);
			}
		}
	}
}

void
health_text(FILE *fp, const struct health_report *rep, int tty)
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
			const struct health_job *j = &rep->jobs[i];
			char b[6][TIME_BUFSZ];
			const struct run *l = &j->last;

			cell[0] = health_clean(j->name);
			cell[1] = xstrdup(health_names[j->health]);
			cell[2] = when_text(l->id ? l->started_text : NULL,
			    "never");
			cell[3] = xstrdup(l->id ? health_age(rep->now, l->started,
			    b[0]) : "-");
			cell[4] = xstrdup(l->id ? (j->last_stale ? "stale" :
			    l->status) : "-");
			cell[5] = xstrdup(health_dur(l->id ? l->duration : -1,
			    b[1]));
			cell[6] = xstrdup(health_rate(j, b[2]));
			snprintf(b[3], TIME_BUFSZ, "%lld", (long long)j->fails);
			cell[7] = xstrdup(b[3]);
			cell[8] = xstrdup(j->expect_ms ? duration_format(
			    j->expect_ms, b[4]) : "-");
			cell[9] = health_clean(*j->reasons ? j->reasons : "-");
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
			const struct health_queue *q = &rep->queues[i];
			char b[TIME_BUFSZ], *n = health_clean(q->name);

			pad(fp, n, w + 2);
			fprintf(fp, "%-6lld  %-7lld  %-6lld  %-6lld  %-14s  "
			    "%lld\n", (long long)q->queued,
			    (long long)q->running, (long long)q->failed,
			    (long long)q->dead, q->oldest_age >= 0 ?
			    duration_format(q->oldest_age, b) : "-",
			    (long long)q->problem_keys);
			free(n);
		}
		for (int i = 0; i < rep->nproblems; i++) {
			const struct health_problem *p = &rep->problems[i];
			char *q = health_clean(p->queue), *k =
			    health_clean(p->key);

			fprintf(fp, "problem key %s in %s: %lld dead jobs\n",
			    k, q, (long long)p->dead);
			free(q);
			free(k);
		}
	}
	if (rep->nfeeds > 0) {
		fputs(rep->njobs || rep->nqueues ? "\nFAILING FEEDS\n" :
		    "FAILING FEEDS\n", fp);
		for (int i = 0; i < rep->nfeeds; i++) {
			const struct health_feed *f = &rep->feeds[i];
			char *u = health_clean(f->url), *e = health_clean(f->error ?
			    f->error : "-");

			fprintf(fp, "%s  %lld failures, last success %s%s%s: "
			    "%s\n", u, (long long)f->failures, f->last_success ?
			    f->last_success : "never", f->next_try ?
			    ", next try " : "", f->next_try ? f->next_try : "",
			    e);
			free(u);
			free(e);
		}
	}
	if (rep->only != NULL && rep->njobs == 1)
		text_runs(fp, &rep->jobs[0]);
	if (rep->njobs == 0 && rep->nqueues == 0 && rep->nfeeds == 0 && tty)
		fputs("no jobs recorded yet\n", fp);
}

