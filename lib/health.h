/*
 * health.h - the judgement of jobs-status(1): every run-job job, queue
 * and failing feed read from the store and found healthy, degraded or
 * unhealthy by the rules of its man page; and the reports made of it
 * (health_fmt.c: text, JSON, Prometheus; health_html.c: the HTML page).
 *
 * Ownership: health_load fills a struct health_report whose arrays and
 * strings it owns, freed by health_free.  The health_* text helpers
 * return new strings (free(3)) or write into the caller's buffer of
 * TIME_BUFSZ bytes, as each says.
 */
#ifndef JOBLINE_HEALTH_H
#define JOBLINE_HEALTH_H

#include <stdint.h>
#include <stdio.h>

#include "db.h"
#include "runs.h"

/* Counted runs (success, partial, failed, timeout) the success rate
 * looks at. */
#define HEALTH_WINDOW 20

/* Monitoring-plugin exit statuses; also the health levels. */
enum health { H_HEALTHY = 0, H_DEGRADED = 1, H_UNHEALTHY = 2, H_UNKNOWN = 3 };

/* Their names, by enum health. */
extern const char *const health_names[4];

/* One job: its state row, its runs and its verdict. */
struct health_job {
	char *name;		/* job_state.job */
	int paused;		/* paused by hand or by the circuit breaker */
	char *reason;		/* why paused, or NULL */
	int64_t expect_ms;	/* expected interval, 0 for none */
	int64_t created;	/* first seen, ms */
	int64_t n[RUN_NCOUNTED]; /* runs ever, by enum run_counted */
	int64_t total_ms;	/* duration of all closed runs */
	int64_t fails;		/* consecutive failures */
	int64_t partials;	/* consecutive partial runs */
	int64_t last_success;	/* completed_at of the last success, or -1 */
	char *alert_since;	/* when failures reached --alert-after */
	char *last_success_text; /* the same as stored, or NULL */
	struct run last;	/* last run that was not skipped (id 0: none) */
	int last_stale;		/* last is "running" but its lock is free */
	int64_t last_done_ms;	/* duration of the last closed run, or -1 */
	struct run *recent;	/* newest first */
	int nrecent;		/* entries in recent */
	int counted;		/* counted runs in the window */
	int succeeded;		/* of which successes (and partial) */
	char window[HEALTH_WINDOW]; /* their statuses, newest first:
				 * 's'uccess, 'p'artial, 'f'ailed, 't'imeout */
	enum health health;	/* the verdict */
	char reasons[512];	/* why, "; "-separated */
};

/* One queue's counts. */
struct health_queue {
	char *name;		/* queue.queue */
	int64_t queued, running, failed, dead; /* jobs by state */
	char *oldest;		/* oldest run_after of a waiting job, or NULL */
	int64_t oldest_age;	/* now - oldest, ms, >= 0; -1 if none */
	int64_t problem_keys;	/* keys whose jobs keep going dead */
	enum health health;	/* degraded with dead jobs */
};

/* A key of a queue whose jobs keep going dead. */
struct health_problem {
	char *queue;		/* the queue */
	char *key;		/* the key */
	int64_t dead;		/* dead jobs since its last success */
};

/* A queue job that went dead. */
struct health_dead {
	char *queue;		/* its queue */
	char *key;		/* its key, or NULL */
	char *when;		/* when it went dead, or NULL */
	char *error;		/* its last error, or NULL */
};

/* One failing feed. */
struct health_feed {
	char *url, *title;	/* feeds.url, feeds.title */
	int64_t failures;	/* consecutive */
	char *last_success;	/* or NULL */
	char *last_attempt;	/* or NULL */
	char *error;		/* or NULL */
	char *next_try;		/* backed off until then, or NULL */
};

/* Everything a report shows. */
struct health_report {
	int64_t now;		/* the clock, ms */
	const char *only;	/* the one job asked for, or NULL: all */
	struct health_job *jobs; /* by name */
	int njobs;
	struct health_queue *queues; /* by name */
	int nqueues;
	struct health_problem *problems; /* worst first */
	int nproblems;
	struct health_dead *dead; /* the latest dead queue jobs, newest first */
	int ndead;
	struct health_feed *feeds; /* failing feeds, worst first */
	int nfeeds;
	enum health health;	/* worst of all */
	int counts[3];		/* jobs by health */
};

/*
 * Read and judge, in one snapshot of the store, the jobs (only the job
 * only when not NULL, with its queues and feeds left out), each with
 * its nruns latest runs, the queues, and the feeds with feed_fail or
 * more consecutive failures (0: none), at now.
 */
void health_load(struct db *db, struct health_report *rep, const char *only,
    int nruns, int feed_fail, int64_t now);
void health_free(struct health_report *rep);

/* The reports (health_fmt.c, health_html.c). */
void health_text(FILE *fp, const struct health_report *rep, int tty);
void health_json(FILE *fp, const struct health_report *rep);
void health_prometheus(FILE *fp, const struct health_report *rep);
void health_html(FILE *fp, const struct health_report *rep);

/* Prometheus text saying that the store could not be read at now
 * (jobline_up 0), for a textfile that must not keep stale figures. */
void health_prometheus_down(FILE *fp, int64_t now);

/* -- for the reports -- */

/* s as text safe to print: valid UTF-8, control characters as spaces;
 * a new string. */
char *health_clean(const char *s);

/* now - t as a duration into buf, "-" when t < 0. */
const char *health_age(int64_t now, int64_t t, char *buf);

/* ms as a duration into buf, "-" when ms < 0. */
const char *health_dur(int64_t ms, char *buf);

/* The job's success rate as "95%" into buf, "-" with no counted run. */
const char *health_rate(const struct health_job *j, char *buf);

#endif
