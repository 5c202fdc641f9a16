/* queue.c - the job queue's rules: claims, leases, fencing, intervals */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbstmt.h"
#include "queue.h"
#include "store.h"
#include "timefmt.h"
#include "util.h"

int
queue_intervals_parse(const char *spec, struct queue_intervals *iv,
    const char **why)
{
	char *copy = xstrdup(spec), *save = NULL, *item;
	int rc = -1;

	iv->n = 0;
	*why = "empty";
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		struct queue_range *r;
		char *colon = strchr(item, ':'), *dash, *end;

		if (iv->n == QUEUE_MAX_RANGES) {
			*why = "too many ranges";
			goto out;
		}
		r = &iv->r[iv->n];
		if (colon == NULL) {
			*why = "a range has no ':interval'";
			goto out;
		}
		*colon = '\0';
		dash = strchr(item + 1, '-');	/* item may start with '-' */
		if (dash != NULL)
			*dash = '\0';
		errno = 0;
		r->lo = strtoll(item, &end, 10);
		if (end == item || *end != '\0' || errno != 0) {
			*why = "a rank is not a number";
			goto out;
		}
		r->hi = r->lo;
		if (dash != NULL) {
			r->hi = strtoll(dash + 1, &end, 10);
			if (end == dash + 1 || *end != '\0' || errno != 0) {
				*why = "a rank is not a number";
				goto out;
			}
		}
		if (r->hi < r->lo) {
			long long t = r->lo;

			r->lo = r->hi;
			r->hi = t;
		}
		if (duration_parse(colon + 1, &r->every_ms) != 0 ||
		    r->every_ms <= 0) {
			*why = "an interval is not a duration";
			goto out;
		}
		iv->n++;
	}
	if (iv->n > 0)
		rc = 0;
out:
	free(copy);
	return rc;
}

int64_t
queue_intervals_find(const struct queue_intervals *iv, long long rank)
{
	for (int i = 0; i < iv->n; i++)
		if (rank >= iv->r[i].lo && rank <= iv->r[i].hi)
			return iv->r[i].every_ms;
	return -1;
}

int64_t
queue_backoff(int64_t base_ms, long long attempt)
{
	const int64_t cap = 86400000LL;
	int64_t d = base_ms > 0 ? base_ms : 1;

	for (long long i = 1; i < attempt && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	/* equal jitter: half fixed, half random */
	return d - (int64_t)((double)random() / ((double)RAND_MAX + 1) *
	    (double)(d / 2));
}

void
queue_job_free(struct queue_job *j)
{
	free(j->key);
	free(j->payload);
	j->key = j->payload = NULL;
}

void
queue_db_open(struct queue_db *q, sqlite3 *db, const char *queue)
{
	char host[256];

	memset(q, 0, sizeof(*q));
	q->db = db;
	q->queue = xstrdup(queue);
	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	if (asprintf(&q->worker, "%s:%ld", host, (long)getpid()) < 0)
		die_nomem();
	srandom((unsigned)getpid() ^ (unsigned)time_mono());
	q->claim = store_prepare(db,
	    "UPDATE queue SET state = 'running', attempts = attempts + 1,"
	    " lease_until = ?3, worker = ?4, started_at = ?2, updated_at = ?2"
	    " WHERE id = (SELECT id FROM queue WHERE queue = ?1"
	    "  AND state IN ('queued', 'failed') AND run_after <= ?2"
	    "  ORDER BY priority, run_after, id LIMIT 1)"
	    " RETURNING id, attempts, max_attempts, key, payload");
	/* the same for several free slots at once, still one statement */
	q->claim_n = store_prepare(db,
	    "UPDATE queue SET state = 'running', attempts = attempts + 1,"
	    " lease_until = ?3, worker = ?4, started_at = ?2, updated_at = ?2"
	    " WHERE id IN (SELECT id FROM queue WHERE queue = ?1"
	    "  AND state IN ('queued', 'failed') AND run_after <= ?2"
	    "  ORDER BY priority, run_after, id LIMIT ?5)"
	    " RETURNING id, attempts, max_attempts, key, payload,"
	    "  priority, run_after");
	q->renew = store_prepare(db,
	    "UPDATE queue SET lease_until = ?3"
	    " WHERE id = ?1 AND attempts = ?2 AND state = 'running'");
	q->done = store_prepare(db,
	    "UPDATE queue SET state = 'done', lease_until = NULL,"
	    " completed_at = ?3, updated_at = ?3"
	    " WHERE id = ?1 AND attempts = ?2 AND state = 'running'");
	q->fail = store_prepare(db,
	    "UPDATE queue SET state = CASE WHEN attempts >= max_attempts"
	    "  THEN 'dead' ELSE 'failed' END,"
	    " completed_at = CASE WHEN attempts >= max_attempts THEN ?3 END,"
	    " run_after = ?4, last_error = ?5, lease_until = NULL,"
	    " updated_at = ?3"
	    " WHERE id = ?1 AND attempts = ?2 AND state = 'running'"
	    " RETURNING state");
	q->release = store_prepare(db,
	    "UPDATE queue SET state = 'queued', max_attempts = max_attempts + 1,"
	    " lease_until = NULL, updated_at = ?3"
	    " WHERE id = ?1 AND attempts = ?2 AND state = 'running'");
	q->reap = store_prepare(db,
	    "UPDATE queue SET state = CASE WHEN attempts >= max_attempts"
	    "  THEN 'dead' ELSE 'queued' END,"
	    " completed_at = CASE WHEN attempts >= max_attempts THEN ?2 END,"
	    " last_error = 'lease expired: worker ' || coalesce(worker, '?')"
	    "  || ' lost attempt ' || attempts,"
	    " lease_until = NULL, updated_at = ?2"
	    " WHERE queue = ?1 AND state = 'running' AND lease_until < ?2");
	q->expired = store_prepare(db,
	    "SELECT EXISTS (SELECT 1 FROM queue WHERE queue = ?1"
	    " AND state = 'running' AND lease_until < ?2)");
}

void
queue_db_close(struct queue_db *q)
{
	sqlite3_finalize(q->claim);
	sqlite3_finalize(q->claim_n);
	sqlite3_finalize(q->renew);
	sqlite3_finalize(q->done);
	sqlite3_finalize(q->fail);
	sqlite3_finalize(q->release);
	sqlite3_finalize(q->reap);
	sqlite3_finalize(q->expired);
	free(q->queue);
	free(q->worker);
	memset(q, 0, sizeof(*q));
}

static void
bind_time(sqlite3_stmt *st, int i, int64_t ms)
{
	char buf[TIME_BUFSZ];

	sqlite3_bind_text(st, i, time_format_ms(ms, buf), -1,
	    SQLITE_TRANSIENT);
}

static char *
column_dup(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? xstrdup(s) : NULL;
}

/* A claimed job with what orders it, for sorting a batch. */
struct claimed {
	struct queue_job job;
	long long priority;
	char run_after[TIME_BUFSZ];
};

static int
claimed_cmp(const void *a, const void *b)
{
	const struct claimed *x = a, *y = b;
	int c;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	if ((c = strcmp(x->run_after, y->run_after)) != 0)
		return c;
	return x->job.id < y->job.id ? -1 : x->job.id > y->job.id;
}

int
queue_claim(struct queue_db *q, int64_t now, int64_t lease_ms,
    struct queue_job *jobs, int n)
{
	sqlite3_stmt *st = n == 1 ? q->claim : q->claim_n;
	struct claimed *got = xcalloc((size_t)n, sizeof(*got));
	int k = 0;

	sqlite3_bind_text(st, 1, q->queue, -1, SQLITE_STATIC);
	bind_time(st, 2, now);
	bind_time(st, 3, now + lease_ms);
	sqlite3_bind_text(st, 4, q->worker, -1, SQLITE_STATIC);
	if (n > 1)
		sqlite3_bind_int(st, 5, n);
	/* all RETURNING rows come before the statement commits */
	for (int rc = store_step_ok(st); rc == SQLITE_ROW;
	    rc = store_step_ok(st)) {
		if (k == n)
			continue;
		got[k].job.id = sqlite3_column_int64(st, 0);
		got[k].job.attempt = sqlite3_column_int64(st, 1);
		got[k].job.max_attempts = sqlite3_column_int64(st, 2);
		got[k].job.key = column_dup(st, 3);
		got[k].job.payload = column_dup(st, 4);
		if (n > 1) {
			got[k].priority = sqlite3_column_int64(st, 5);
			snprintf(got[k].run_after, TIME_BUFSZ, "%s",
			    (const char *)sqlite3_column_text(st, 6));
		}
		k++;
	}
	sqlite3_reset(st);
	qsort(got, (size_t)k, sizeof(*got), claimed_cmp);
	for (int i = 0; i < k; i++)
		jobs[i] = got[i].job;
	free(got);
	return k;
}

/* Run an UPDATE keyed by (id, attempt); the number of rows changed. */
static int
fenced(sqlite3_stmt *st, long long id, long long attempt, int64_t t)
{
	int n;

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, attempt);
	bind_time(st, 3, t);
	store_step_ok(st);
	n = sqlite3_changes(sqlite3_db_handle(st));
	sqlite3_reset(st);
	return n;
}

int
queue_renew(struct queue_db *q, long long id, long long attempt,
    int64_t until)
{
	return fenced(q->renew, id, attempt, until) > 0;
}

int
queue_done(struct queue_db *q, long long id, long long attempt, int64_t now)
{
	return fenced(q->done, id, attempt, now) > 0;
}

int
queue_release(struct queue_db *q, long long id, long long attempt,
    int64_t now)
{
	return fenced(q->release, id, attempt, now) > 0;
}

int
queue_fail(struct queue_db *q, long long id, long long attempt, int64_t now,
    int64_t retry_at, const char *error, int *dead)
{
	sqlite3_stmt *st = q->fail;
	int got = 0;

	*dead = 0;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, attempt);
	bind_time(st, 3, now);
	bind_time(st, 4, retry_at);
	store_bind_text(st, 5, error);
	if (store_step_ok(st) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);

		*dead = s != NULL && strcmp(s, "dead") == 0;
		got = 1;
		while (store_step_ok(st) == SQLITE_ROW)
			;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return got;
}

int
queue_reap(struct queue_db *q, int64_t now)
{
	sqlite3_stmt *st = q->expired;
	int n;

	/* look first: a read takes no lock, the UPDATE would */
	sqlite3_bind_text(st, 1, q->queue, -1, SQLITE_STATIC);
	bind_time(st, 2, now);
	n = store_step_ok(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (!n)
		return 0;
	st = q->reap;
	sqlite3_bind_text(st, 1, q->queue, -1, SQLITE_STATIC);
	bind_time(st, 2, now);
	store_step_ok(st);
	n = sqlite3_changes(q->db);
	sqlite3_reset(st);
	return n;
}

void
queue_each_count(struct db *db, void (*fn)(const char *queue,
    const char *state, int64_t n, const char *oldest, void *arg),
    void *arg)
{
	/* each state on its own, so the partial indexes serve */
	struct db_stmt *st = db_prepare(db,
	    "SELECT queue, 'queued', count(*), min(run_after) FROM queue"
	    " WHERE state IN ('queued', 'failed') AND state = 'queued'"
	    " GROUP BY queue"
	    " UNION ALL SELECT queue, 'failed', count(*), min(run_after)"
	    " FROM queue WHERE state IN ('queued', 'failed')"
	    " AND state = 'failed' GROUP BY queue"
	    " UNION ALL SELECT queue, 'running', count(*), NULL FROM queue"
	    " WHERE state = 'running' GROUP BY queue"
	    " UNION ALL SELECT queue, 'dead', count(*), NULL FROM queue"
	    " WHERE state = 'dead' GROUP BY queue");

	while (db_step_ok(st) == DB_ROW)
		fn(db_column_text(st, 0), db_column_text(st, 1),
		    db_column_int(st, 2), db_column_text(st, 3), arg);
	db_finalize(st);
}

void
queue_each_problem_key(struct db *db, int64_t min_dead,
    void (*fn)(const char *queue, const char *key, int64_t dead_count,
    void *arg), void *arg)
{
	struct db_stmt *st = db_prepare(db,
	    "SELECT queue, key, dead_count FROM queue_keys"
	    " WHERE dead_count >= ?1 ORDER BY dead_count DESC, queue, key");

	db_bind_int(st, 1, min_dead);
	while (db_step_ok(st) == DB_ROW)
		fn(db_column_text(st, 0), db_column_text(st, 1),
		    db_column_int(st, 2), arg);
	db_finalize(st);
}

void
queue_each_dead(struct db *db, int64_t max,
    void (*fn)(const char *queue, const char *key, const char *when,
    const char *error, void *arg), void *arg)
{
	struct db_stmt *st = db_prepare(db,
	    "SELECT queue, key, completed_at, last_error FROM queue"
	    " WHERE state = 'dead' ORDER BY completed_at DESC, id DESC"
	    " LIMIT ?1");

	db_bind_int(st, 1, max);
	while (db_step_ok(st) == DB_ROW)
		fn(db_column_text(st, 0), db_column_text(st, 1),
		    db_column_text(st, 2), db_column_text(st, 3), arg);
	db_finalize(st);
}
