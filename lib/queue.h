/*
 * queue.h - the job queue's rules, shared by enqueue, dequeue and anything
 * that reads the queue tables (jobs-status).  Owned by the enqueue/dequeue
 * helper; man/jobline.5 documents the tables.
 *
 * A job is claimed with one UPDATE ... RETURNING that takes the first due
 * job of a queue (priority, then run_after, then id) and gives it a lease
 * and a new attempt number.  The attempt number is the fencing token:
 * renewing, completing, failing or releasing a job succeeds only when the
 * job is still running under that attempt, so a worker whose lease ran out
 * and was taken over can never change the job again.  Expired leases are
 * reaped by any worker: back to queued, or dead when no attempt is left.
 *
 * Times in the queue tables are RFC 3339 UTC with milliseconds, so they
 * compare as text.
 *
 * Ownership: struct queue_db holds prepared statements on a handle that
 * stays the caller's; queue_db_close finalizes them.  Strings returned in a
 * struct queue_job are owned by it and freed by queue_job_free.  Nothing
 * else here allocates for the caller.
 */
#ifndef JOBLINE_QUEUE_H
#define JOBLINE_QUEUE_H

#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

#include "db.h"

/* The default rank intervals of recurring work (the replaced system's). */
#define QUEUE_INTERVALS_DEFAULT "81-100:1d,61-80:2d,31-60:3d,11-30:4d,1-10:5d"

/* Most ranges an --intervals spec may have. */
#define QUEUE_MAX_RANGES 64

/* One range of ranks and its interval. */
struct queue_range {
	long long lo, hi;	/* ranks lo..hi inclusive */
	int64_t every_ms;	/* interval between successful runs */
};

/* A parsed --intervals spec. */
struct queue_intervals {
	struct queue_range r[QUEUE_MAX_RANGES];	/* in spec order */
	int n;					/* ranges used */
};

/*
 * Parse "81-100:1d,61-80:2d,5:1w" (a single rank is a range of one).
 * Returns 0, or -1 with a reason in why (static text).
 */
int queue_intervals_parse(const char *spec, struct queue_intervals *iv,
    const char **why);

/* The interval for rank, or -1 when no range holds it (first match wins). */
int64_t queue_intervals_find(const struct queue_intervals *iv,
    long long rank);

/*
 * Delay before retry after failed attempt n (1 = first): base * 2^(n-1),
 * at most 1 day, then a random part of it taken off ("equal jitter": the
 * result is between half and all of it).
 */
int64_t queue_backoff(int64_t base_ms, long long attempt);

/* A claimed job. */
struct queue_job {
	long long id;		/* queue.id */
	long long attempt;	/* attempt number: the fencing token */
	long long max_attempts;	/* attempts allowed */
	char *key;		/* unique key or NULL; owned */
	char *payload;		/* the job's JSON object text; owned */
};

void queue_job_free(struct queue_job *j);

/* The prepared statements of a worker on one queue. */
struct queue_db {
	sqlite3 *db;		/* the store; not owned */
	char *queue;		/* the queue's name; owned */
	char *worker;		/* "host:pid", written with each claim; owned */
	sqlite3_stmt *claim, *claim_n, *renew, *done, *fail, *release, *reap;
	sqlite3_stmt *expired;	/* is any lease of the queue expired? */
};

void queue_db_open(struct queue_db *q, sqlite3 *db, const char *queue);
void queue_db_close(struct queue_db *q);

/*
 * Claim the first n jobs due at now (in one statement) with a lease until
 * now + lease_ms.  Fills jobs[0..k) in claim order and returns k (0 when
 * nothing is due).
 */
int queue_claim(struct queue_db *q, int64_t now, int64_t lease_ms,
    struct queue_job *jobs, int n);

/*
 * Extend the lease of job id at attempt to until.  Returns 1, or 0 when the
 * attempt no longer holds the job (it expired and was taken over).
 */
int queue_renew(struct queue_db *q, long long id, long long attempt,
    int64_t until);

/* Mark done; 1, or 0 when the attempt no longer holds the job. */
int queue_done(struct queue_db *q, long long id, long long attempt,
    int64_t now);

/*
 * Record a failure with its error text: failed with run_after = retry_at,
 * or dead when no attempt is left.  Returns 1 (and *dead) or 0 as above.
 */
int queue_fail(struct queue_db *q, long long id, long long attempt,
    int64_t now, int64_t retry_at, const char *error, int *dead);

/*
 * Give an unfinished job back (shutdown): queued again at once; the
 * attempt it was given is not counted against max_attempts.
 */
int queue_release(struct queue_db *q, long long id, long long attempt,
    int64_t now);

/*
 * Expired leases of the queue: back to queued, or dead when no attempt is
 * left.  Returns the number of jobs reaped.
 */
int queue_reap(struct queue_db *q, int64_t now);

/*
 * -- reading the queues (jobs-status): strings passed to a callback are
 * good only during the call --
 */

/*
 * Call fn for each queue and state (queued, failed, running, dead) that
 * has jobs: how many, and for queued and failed the earliest run_after.
 */
void queue_each_count(struct db *db, void (*fn)(const char *queue,
    const char *state, int64_t n, const char *oldest, void *arg),
    void *arg);

/*
 * Call fn for each key of any queue whose jobs went dead min_dead or
 * more times since its last success, most first.
 */
void queue_each_problem_key(struct db *db, int64_t min_dead,
    void (*fn)(const char *queue, const char *key, int64_t dead_count,
    void *arg), void *arg);

/*
 * Call fn for the latest max dead jobs of every queue, newest first: the
 * queue, the key (or NULL), when it went dead and its last error (or
 * NULL).
 */
void queue_each_dead(struct db *db, int64_t max,
    void (*fn)(const char *queue, const char *key, const char *when,
    const char *error, void *arg), void *arg);

#endif
