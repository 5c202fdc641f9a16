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
 * Ownership: struct queue_db and struct queue_enq hold prepared
 * statements on a handle that stays the caller's; their _close functions
 * finalize them (before the handle is closed).  Strings returned in a
 * struct queue_job are owned by it and freed by queue_job_free; a struct
 * queue_new's strings stay the caller's.  Nothing else here allocates for
 * the caller.
 */
#ifndef JOBLINE_QUEUE_H
#define JOBLINE_QUEUE_H

#include <stdint.h>
#include <stddef.h>

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

/* The longest wait before a failed job's retry (lib/backoff.h doubles
 * --backoff up to it). */
#define QUEUE_BACKOFF_CAP_MS 86400000LL

/* A claimed job. */
struct queue_job {
	long long id;		/* queue.id */
	long long attempt;	/* attempt number: the fencing token */
	long long max_attempts;	/* attempts allowed */
	char *key;		/* unique key or NULL; owned */
	char *payload;		/* the job's JSON object text; owned */
};

void queue_job_free(struct queue_job *j);

/* -- working a queue (dequeue) -- */

/* A worker's prepared statements on one queue. */
struct queue_db;

/* The worker's name, "host:pid", is written with each claim. */
struct queue_db *queue_db_open(struct db *db, const char *queue);
void queue_db_close(struct queue_db *q);	/* NULL is allowed */

/* The queue's name, owned by q. */
const char *queue_db_name(const struct queue_db *q);

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
 * Waiting for new jobs (lib/db.h's db_listen): on PostgreSQL an enqueue
 * announces its queue ('jobline_queue', with the queue's name) when it
 * commits.  queue_listen starts listening and returns a descriptor to
 * poll, or -1 when the store announces nothing (SQLite: poll the queue);
 * queue_woken takes what came and says whether any of it was for this
 * queue.
 */
int queue_listen(struct queue_db *q);
int queue_woken(struct queue_db *q);

/* -- putting jobs on a queue (enqueue) -- */

/* The prepared statements of an enqueuer on one queue. */
struct queue_enq;

struct queue_enq *queue_enq_open(struct db *db, const char *queue);
void queue_enq_close(struct queue_enq *e);	/* NULL is allowed */

/* A job to add. */
struct queue_new {
	const char *key;	/* unique key, or NULL */
	const char *payload;	/* the JSON object text, not NUL-terminated */
	size_t payload_len;	/* its length */
	long long priority;	/* lower runs first */
	long long max_attempts;	/* attempts allowed */
	const char *run_after;	/* RFC 3339: when it may run */
	const char *now;	/* RFC 3339: created_at */
};

/*
 * What became of a job given to queue_put: its id, or 0 when a job with
 * its key was pending (queued, running or failed) and nothing was added.
 * key is the job's (or NULL), good only during the call; tag is the one
 * given with the job.
 */
typedef void queue_added_fn(void *arg, unsigned long tag, const char *key,
    long long id);

/* Who is told (NULL: nobody). */
void queue_enq_notify(struct queue_enq *e, queue_added_fn *fn, void *arg);

/*
 * Add a job, inside queue_enq_begin's transaction.  On SQLite it goes in
 * at once; on PostgreSQL it is held and goes in with up to 999 others in
 * one statement (a round trip a group, not a job), at the latest in
 * queue_enq_commit.  Either way the notify function is told of each job,
 * in the order given, before the commit.
 */
void queue_put(struct queue_enq *e, const struct queue_new *job,
    unsigned long tag);

/* Add what is held, then commit. */
void queue_enq_commit(struct queue_enq *e);

/*
 * Begin the transaction of a batch of adds (db_begin).  On PostgreSQL it
 * also takes the queue's enqueue lock (a transaction advisory lock), so
 * that enqueuers of one queue take turns as they do on SQLite: two
 * batches adding the same keys in different orders would deadlock on the
 * pending keys' unique index.
 */
void queue_enq_begin(struct queue_enq *e);

/*
 * The last success of key on the queue in ms, or -1 when none; *pending
 * says whether a job of the key is pending, as of the same moment (so a
 * success being recorded is either seen or still pending, never
 * missed).
 */
int64_t queue_last_success(struct queue_enq *e, const char *key,
    int *pending);

/*
 * The pending job of key: 1 with its id and state (copied into state,
 * n bytes), or 0 when none.
 */
int queue_pending(struct queue_enq *e, const char *key, long long *id,
    char *state, size_t n);

/* -- upkeep (dequeue --list, --requeue-dead, --prune) -- */

/*
 * Non-zero when state names a listing: all, pending (queued, running or
 * failed), queued, running, done, failed, dead.
 */
int queue_list_state(const char *state);

/*
 * Call fn with each job of the queue in that listing, by id, as one JSON
 * object (id, queue, key, state, priority, attempts, max_attempts,
 * run_after, created_at, started_at, completed_at, lease_until, worker,
 * last_error, payload), good only during the call.
 */
void queue_list(struct db *db, const char *queue, const char *state,
    void (*fn)(const char *json, void *arg), void *arg);

/*
 * Requeue the dead jobs of the queue at now with a new allowance of
 * attempts (the attempt count, the fencing token, keeps growing), in one
 * transaction, calling fn with each (key NULL when none).  A key with a
 * pending job keeps its dead jobs, as does every dead job of a key but
 * the first.  Returns the number of dead jobs left.
 */
int64_t queue_requeue_dead(struct db *db, const char *queue, int64_t now,
    void (*fn)(long long id, const char *key, void *arg), void *arg);

/*
 * Delete up to limit done jobs of the queue completed before before_ms
 * (in batches, so that workers are never locked out for long).  Returns
 * how many it deleted: call again until 0.
 */
int64_t queue_prune_done(struct db *db, const char *queue,
    int64_t before_ms, int64_t limit);

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
