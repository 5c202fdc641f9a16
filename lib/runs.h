/*
 * runs.h - the runs and job_state tables: one row per run of a run-job
 * job, and one row per job with its counters, its pause and its circuit
 * breaker.  Written by run-job, read by jobs-status; man/jobline.5
 * documents the tables.  The job's lock (no two runs of a job at once)
 * is lib/joblock.h.
 *
 * Times at this API are ms since the epoch; the tables keep RFC 3339 UTC
 * text with milliseconds.  The functions that change the store each run
 * in a transaction of their own, except runs_state_ensure, which joins
 * the caller's (or runs alone).
 *
 * Ownership: struct runs holds prepared statements on a handle that stays
 * the caller's; runs_close finalizes them.  A struct run filled by
 * runs_recent or runs_get owns its strings (run_free frees them); a
 * struct job_state's strings are good only during the callback that
 * receives it.  Strings a function returns are the caller's (free(3)).
 */
#ifndef JOBLINE_RUNS_H
#define JOBLINE_RUNS_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* Statuses with a counter in job_state, in the order of its n[]. */
enum run_counted {
	RUN_SUCCESS, RUN_PARTIAL, RUN_FAILED, RUN_TIMEOUT, RUN_INTERRUPTED,
	RUN_SKIPPED, RUN_NCOUNTED
};

/* Their names, by enum run_counted. */
extern const char *const run_counted_names[RUN_NCOUNTED];

/* One run, as the runs table holds it. */
struct run {
	int64_t id;		/* runs.id; 0 when there is none */
	char status[16];	/* running, success, failed, ... */
	int64_t started;	/* ms since the epoch, or -1 */
	int64_t completed;	/* ms, or -1 while running */
	int64_t duration;	/* ms, or -1 */
	int exit_code;		/* or -1 when NULL */
	int attempts;		/* attempts made */
	char *started_text;	/* as stored; owned */
	char *completed_text;	/* as stored, or NULL; owned */
	char *counters;		/* JSON object text, or NULL; owned */
	char *error;		/* or NULL; owned */
	char *host;		/* or NULL; owned */
	int64_t pid;		/* run-job's pid, or -1 */
};

/* Free a run's strings (not the struct); a zeroed run is allowed. */
void run_free(struct run *r);

/* A job's job_state row. */
struct job_state {
	const char *name;	/* the job */
	int paused;		/* paused by hand or by the circuit breaker */
	const char *reason;	/* why paused, or NULL */
	int64_t expect_ms;	/* --expect interval, 0 for none */
	int64_t created;	/* first seen, ms */
	int64_t n[RUN_NCOUNTED]; /* runs ever, by enum run_counted */
	int64_t total_ms;	/* duration of all closed runs */
	int64_t fails;		/* consecutive failures */
	int64_t partials;	/* consecutive partial runs */
	int64_t last_success;	/* completed_at of the last success, or -1 */
	const char *last_success_text; /* the same as stored, or NULL */
	int64_t last_run_id;	/* last run started (not skipped), or -1 */
	const char *alert_since; /* when failures reached --alert-after */
};

struct runs;

struct runs *runs_open(struct db *db);
void runs_close(struct runs *r);	/* NULL is allowed */

/* -- run-job: the life of a run -- */

/*
 * The job's row, made at now when missing; expect_ms >= 0 sets its
 * expected interval (0 clears it), -1 leaves it.
 */
void runs_state_ensure(struct runs *r, const char *job, int64_t expect_ms,
    int64_t now);

/* A start that did not run (locked, paused): one closed "skipped" run
 * with why as its error, by run-job pid on host. */
void runs_skip(struct runs *r, const char *job, const char *why,
    int64_t expect_ms, const char *host, int64_t pid, int64_t now);

/*
 * The run-job that runs job, from its latest run left "running": its pid
 * in *pid (-1 when unknown) and its host in host (hostsz bytes, "" when
 * unknown); 0 when no run is running.  For a lock that cannot name its
 * holder (PostgreSQL's advisory lock, held from another machine maybe).
 */
int runs_holder(struct runs *r, const char *job, int64_t *pid, char *host,
    size_t hostsz);

/*
 * Close as interrupted the job's runs a dead run-job left "running" (the
 * caller holds the job's lock, so none of them is going); fn, when not
 * NULL, is called for each (pid -1 and host NULL when unknown).  Returns
 * how many.
 */
int runs_close_stale(struct runs *r, const char *job, int64_t now,
    void (*fn)(int64_t id, int64_t pid, const char *host, void *arg),
    void *arg);

/* A new run of job, "running", by run-job pid on host; its id. */
int64_t runs_start(struct runs *r, const char *job, const char *host,
    int64_t pid, int64_t now);

/* How a run ended, for runs_end. */
struct run_end {
	int64_t id;		/* the run, from runs_start */
	const char *job;	/* its job */
	const char *status;	/* success, partial, failed, timeout,
				 * interrupted */
	int exit_code;		/* the command's, or 128 + signal */
	int64_t duration_ms;	/* all attempts, with the waits between */
	int attempts;		/* attempts made */
	const char *counters;	/* JSON object text, or NULL */
	const char *error;	/* why, or NULL */
	long alert_after;	/* failures in a row that raise an alert, 0 never */
	long pause_after;	/* failures in a row that pause the job, 0 never */
	int64_t now;		/* the end */
};

/*
 * Close the run and update its job's counters, alert and circuit
 * breaker: failed and timeout are failures, success and partial reset
 * them (and count as the job's last success).  Returns the consecutive
 * failures after this run; *tripped is set when this run paused the job.
 */
long runs_end(struct runs *r, const struct run_end *e, int *tripped);

/* Whether job is paused; its stored reason in *reason (NULL: none). */
int runs_paused(struct runs *r, const char *job, char **reason);

/*
 * Pause (with reason, NULL for none) or resume job, making its row when
 * missing.  Returns 1 when the job has runs recorded, else 0.
 */
int runs_set_paused(struct runs *r, const char *job, int paused,
    const char *reason, int64_t now);

/*
 * Delete at most limit closed runs of job (NULL: of every job) started
 * before before, in one transaction.  Returns how many.
 */
int64_t runs_prune(struct runs *r, const char *job, int64_t before,
    int limit);

/* -- jobs-status: reading; no transaction of its own -- */

/* Call fn for every job (or only the job named only), by name. */
void runs_each_job(struct runs *r, const char *only,
    void (*fn)(const struct job_state *js, void *arg), void *arg);

/* The latest n runs of job into out[0..n), newest first; how many. */
int runs_recent(struct runs *r, const char *job, int n, struct run *out);

/*
 * The first letters of the statuses of the latest n counted runs of job
 * (success, partial, failed, timeout), newest first, into out[0..n); how
 * many.
 */
int runs_window(struct runs *r, const char *job, int n, char *out);

/*
 * The run id into *out, or when id < 0 the latest run of job that was not
 * skipped.  Returns 1, or 0 when there is none (*out zeroed).
 */
int runs_get(struct runs *r, const char *job, int64_t id, struct run *out);

/* The duration of the job's last closed run (not skipped), or -1. */
int64_t runs_last_duration(struct runs *r, const char *job);

#endif
