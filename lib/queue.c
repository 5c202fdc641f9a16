/* queue.c - the job queue's rules: claims, leases, fencing, intervals */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbstmt.h"
#include "queue.h"
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

void
queue_job_free(struct queue_job *j)
{
	free(j->key);
	free(j->payload);
	j->key = j->payload = NULL;
}

/* A worker's statements. */
struct queue_db {
	struct db *db;		/* the store; not owned */
	char *queue;		/* the queue's name; owned */
	char *worker;		/* "host:pid", written with each claim; owned */
	struct db_stmt *claim, *renew, *done, *fail, *release, *reap;
	struct db_stmt *expired; /* is any lease of the queue expired? */
};

struct queue_db *
queue_db_open(struct db *db, const char *queue)
{
	struct queue_db *q = xcalloc(1, sizeof(*q));
	char host[256];

	q->db = db;
	q->queue = xstrdup(queue);
	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	if (asprintf(&q->worker, "%s:%ld", host, (long)getpid()) < 0)
		die_nomem();
	srandom((unsigned)getpid() ^ (unsigned)time_mono());
	/* the first n due jobs in one statement; PostgreSQL's default
	 * isolation needs the rows locked, and skips those another worker
	 * is claiming */
	q->claim = db_prepare(db, db_kind(db) == DB_POSTGRES ?
	    "UPDATE queue SET state = 'running', attempts = attempts + 1,"
	    " lease_until = ?3, worker = ?4, started_at = ?2, updated_at = ?2"
	    " WHERE id IN (SELECT id FROM queue WHERE queue = ?1"
	    "  AND state IN ('queued', 'failed') AND run_after <= ?2"
	    "  ORDER BY priority, run_after, id LIMIT ?5"
	    "  FOR UPDATE SKIP LOCKED)"
	    " RETURNING id, attempts, max_attempts, key, payload,"
	    "  priority, run_after" :
	    "UPDATE queue SET state = 'running', attempts = attempts + 1,"
	    " lease_until = ?3, worker = ?4, started_at = ?2, updated_at = ?2"
	    " WHERE id IN (SELECT id FROM queue WHERE queue = ?1"
	    "  AND state IN ('queued', 'failed') AND run_after <= ?2"
	    "  ORDER BY priority, run_after, id LIMIT ?5)"
	    " RETURNING id, attempts, max_attempts, key, payload,"
	    "  priority, run_after");
	q->renew = db_prepare(db,
	    "UPDATE queue SET lease_until = ?3"
	    " WHERE id = ?1 AND attempts = ?2 AND state = 'running'");
	q->done = db_prepare(db,
	    "UPDATE queue SET state = 'done', lease_until = NULL,"
	    " completed_at = ?3, updated_at = ?3"
	    " WHERE id = ?1 AND attempts = ?2 AND state = 'running'");
	q->fail = db_prepare(db,
	    "UPDATE queue SET state = CASE WHEN attempts >= max_attempts"
	    "  THEN 'dead' ELSE 'failed' END,"
	    " completed_at = CASE WHEN attempts >= max_attempts THEN ?3 END,"
	    " run_after = ?4, last_error = ?5, lease_until = NULL,"
	    " updated_at = ?3"
	    " WHERE id = ?1 AND attempts = ?2 AND state = 'running'"
	    " RETURNING state");
	q->release = db_prepare(db,
	    "UPDATE queue SET state = 'queued', max_attempts = max_attempts + 1,"
	    " lease_until = NULL, updated_at = ?3"
	    " WHERE id = ?1 AND attempts = ?2 AND state = 'running'");
	/* on PostgreSQL, rows another transaction holds (a renewal, or
	 * another reaper) are skipped: no reap waits, none deadlocks */
	q->reap = db_prepare(db, db_kind(db) == DB_POSTGRES ?
	    "UPDATE queue SET state = CASE WHEN attempts >= max_attempts"
	    "  THEN 'dead' ELSE 'queued' END,"
	    " completed_at = CASE WHEN attempts >= max_attempts THEN ?2 END,"
	    " last_error = 'lease expired: worker ' || coalesce(worker, '?')"
	    "  || ' lost attempt ' || attempts,"
	    " lease_until = NULL, updated_at = ?2"
	    " WHERE id IN (SELECT id FROM queue WHERE queue = ?1"
	    "  AND state = 'running' AND lease_until < ?2"
	    "  FOR UPDATE SKIP LOCKED)" :
	    "UPDATE queue SET state = CASE WHEN attempts >= max_attempts"
	    "  THEN 'dead' ELSE 'queued' END,"
	    " completed_at = CASE WHEN attempts >= max_attempts THEN ?2 END,"
	    " last_error = 'lease expired: worker ' || coalesce(worker, '?')"
	    "  || ' lost attempt ' || attempts,"
	    " lease_until = NULL, updated_at = ?2"
	    " WHERE queue = ?1 AND state = 'running' AND lease_until < ?2");
	q->expired = db_prepare(db,
	    "SELECT EXISTS (SELECT 1 FROM queue WHERE queue = ?1"
	    " AND state = 'running' AND lease_until < ?2)");
	return q;
}

void
queue_db_close(struct queue_db *q)
{
	if (q == NULL)
		return;
	db_finalize(q->claim);
	db_finalize(q->renew);
	db_finalize(q->done);
	db_finalize(q->fail);
	db_finalize(q->release);
	db_finalize(q->reap);
	db_finalize(q->expired);
	free(q->queue);
	free(q->worker);
	free(q);
}

const char *
queue_db_name(const struct queue_db *q)
{
	return q->queue;
}

static void
bind_time(struct db_stmt *st, int i, int64_t ms)
{
	char buf[TIME_BUFSZ];

	db_bind_copy(st, i, time_format_ms(ms, buf));
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
	struct db_stmt *st = q->claim;
	struct claimed *got = xcalloc((size_t)n, sizeof(*got));
	int k = 0;

	db_bind_text(st, 1, q->queue);
	bind_time(st, 2, now);
	bind_time(st, 3, now + lease_ms);
	db_bind_text(st, 4, q->worker);
	db_bind_int(st, 5, n);
	/* all RETURNING rows come before the statement commits */
	for (int rc = db_step_ok(st); rc == DB_ROW; rc = db_step_ok(st)) {
		const char *ra;

		if (k == n)
			continue;
		got[k].job.id = db_column_int(st, 0);
		got[k].job.attempt = db_column_int(st, 1);
		got[k].job.max_attempts = db_column_int(st, 2);
		got[k].job.key = db_column_dup(st, 3);
		got[k].job.payload = db_column_dup(st, 4);
		got[k].priority = db_column_int(st, 5);
		ra = db_column_text(st, 6);
		snprintf(got[k].run_after, TIME_BUFSZ, "%s", ra ? ra : "");
		k++;
	}
	db_reset(st);
	qsort(got, (size_t)k, sizeof(*got), claimed_cmp);
	for (int i = 0; i < k; i++)
		jobs[i] = got[i].job;
	free(got);
	return k;
}

/* Run an UPDATE keyed by (id, attempt); the number of rows changed. */
static int
fenced(struct db_stmt *st, long long id, long long attempt, int64_t t)
{
	int n;

	db_bind_int(st, 1, id);
	db_bind_int(st, 2, attempt);
	bind_time(st, 3, t);
	db_step_ok(st);
	n = (int)db_changes(db_stmt_db(st));
	db_reset(st);
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
	struct db_stmt *st = q->fail;
	int got = 0;

	*dead = 0;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, attempt);
	bind_time(st, 3, now);
	bind_time(st, 4, retry_at);
	db_bind_copy(st, 5, error);
	if (db_step_ok(st) == DB_ROW) {
		const char *s = db_column_text(st, 0);

		*dead = s != NULL && strcmp(s, "dead") == 0;
		got = 1;
		while (db_step_ok(st) == DB_ROW)
			;
	}
	db_clear(st);
	return got;
}

int
queue_reap(struct queue_db *q, int64_t now)
{
	struct db_stmt *st = q->expired;
	int n;

	/* look first: a read takes no lock, the UPDATE would */
	db_bind_text(st, 1, q->queue);
	bind_time(st, 2, now);
	n = db_step_ok(st) == DB_ROW && db_column_int(st, 0);
	db_reset(st);
	if (!n)
		return 0;
	st = q->reap;
	db_bind_text(st, 1, q->queue);
	bind_time(st, 2, now);
	db_step_ok(st);
	n = (int)db_changes(q->db);
	db_reset(st);
	return n;
}

/* The channel an enqueue announces its queue on (lib/schema_pg.c's
 * trigger). */
#define QUEUE_CHANNEL "jobline_queue"

int
queue_listen(struct queue_db *q)
{
	db_listen(q->db, QUEUE_CHANNEL);
	return db_listen_fd(q->db);
}

int
queue_woken(struct queue_db *q)
{
	return db_notified(q->db, QUEUE_CHANNEL, q->queue) > 0;
}

/* -- enqueue -- */

static int queue_add(struct queue_enq *e, const struct queue_new *job,
    long long *id);

static int
ll_cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* An enqueuer's statements. */
struct queue_enq {
	struct db *db;		/* the store; not owned */
	char *queue;		/* the queue's name; owned */
	struct db_stmt *ins;	/* insert unless a job with the key is pending */
	struct db_stmt *last;	/* a key's last success */
	struct db_stmt *pending; /* a key's pending job */
	struct db_stmt *lock;	/* PostgreSQL: the queue's enqueue lock */
	struct db_stmt *many;	/* PostgreSQL: insert a group in one trip */
	queue_added_fn *added;	/* told what became of each job */
	void *arg;		/* its argument */
	struct held *held;	/* PostgreSQL: jobs not yet inserted */
	int nheld;		/* how many */
};

/* A job held for a group insert, and what became of it. */
struct held {
	char *key;		/* or NULL; owned */
	char *payload;		/* NUL-terminated; owned */
	long long priority, max_attempts;
	char *run_after, *now;	/* owned */
	unsigned long tag;	/* the caller's */
	long long id;		/* once inserted; 0 for a duplicate */
};

/* Jobs a group insert takes (one round trip). */
#define QUEUE_GROUP 1000

/* The advisory lock class of enqueue batches: "enq". */
#define QUEUE_ENQ_LOCK_CLASS 0x656e71

struct queue_enq *
queue_enq_open(struct db *db, const char *queue)
{
	struct queue_enq *e = xcalloc(1, sizeof(*e));

	e->db = db;
	e->queue = xstrdup(queue);
	/* nothing is added when the pending key's unique index refuses */
	e->ins = db_prepare(db,
	    "INSERT INTO queue (queue, key, payload, priority, max_attempts,"
	    " run_after, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT DO NOTHING");
	/* one statement, one snapshot: a job seen running here has not
	 * yet written its success, and one seen done has */
	e->last = db_prepare(db,
	    "SELECT (SELECT last_success FROM queue_keys"
	    "  WHERE queue = ?1 AND key = ?2),"
	    " EXISTS (SELECT 1 FROM queue WHERE queue = ?1 AND key = ?2"
	    "  AND state IN ('queued', 'running', 'failed'))");
	if (db_kind(db) == DB_POSTGRES) {
		e->lock = db_prepare(db, "SELECT pg_advisory_xact_lock(?1::int4,"
		    " hashtext(?2))");
		/* a group in input order: of two with one key, the first goes
		 * in, as one at a time would have it */
		e->many = db_prepare(db,
		    "INSERT INTO queue (queue, key, payload, priority,"
		    " max_attempts, run_after, created_at, updated_at)"
		    " SELECT ?1, k, p, pr, ma, ra, c, c FROM unnest(?2::text[],"
		    "  ?3::text[], ?4::bigint[], ?5::bigint[], ?6::text[],"
		    "  ?7::text[]) WITH ORDINALITY AS x(k, p, pr, ma, ra, c, n)"
		    " ORDER BY n ON CONFLICT DO NOTHING RETURNING id, key");
		e->held = xcalloc(QUEUE_GROUP, sizeof(*e->held));
	}
	e->pending = db_prepare(db,
	    "SELECT id, state FROM queue WHERE queue = ?1 AND key = ?2"
	    " AND state IN ('queued', 'running', 'failed')");
	return e;
}

void
queue_enq_close(struct queue_enq *e)
{
	if (e == NULL)
		return;
	db_finalize(e->ins);
	db_finalize(e->last);
	db_finalize(e->pending);
	db_finalize(e->lock);
	db_finalize(e->many);
	free(e->held);
	free(e->queue);
	free(e);
}

void
queue_enq_begin(struct queue_enq *e)
{
	db_begin(e->db);
	if (e->lock == NULL)
		return;
	db_bind_int(e->lock, 1, QUEUE_ENQ_LOCK_CLASS);
	db_bind_text(e->lock, 2, e->queue);
	while (db_step_ok(e->lock) == DB_ROW)
		;
	db_reset(e->lock);
}

void
queue_enq_notify(struct queue_enq *e, queue_added_fn *fn, void *arg)
{
	e->added = fn;
	e->arg = arg;
}

/* Append s to a text[] literal: quoted, or NULL. */
static void
array_item(FILE *fp, const char *s, int first)
{
	if (!first)
		putc_unlocked(',', fp);
	if (s == NULL) {
		fputs_unlocked("NULL", fp);
		return;
	}
	putc_unlocked('"', fp);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putc_unlocked('\\', fp);
		putc_unlocked(*s, fp);
	}
	putc_unlocked('"', fp);
}

/* The held jobs' column as a text[] literal (owned by the caller). */
static char *
array_of(struct queue_enq *e, int col)
{
	char *buf = NULL, num[24];
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (fp == NULL)
		die_nomem();
	putc_unlocked('{', fp);
	for (int i = 0; i < e->nheld; i++) {
		const struct held *h = &e->held[i];
		const char *v = NULL;

		switch (col) {
		case 0: v = h->key; break;
		case 1: v = h->payload; break;
		case 2: snprintf(num, sizeof(num), "%lld", h->priority);
			v = num; break;
		case 3: snprintf(num, sizeof(num), "%lld", h->max_attempts);
			v = num; break;
		case 4: v = h->run_after; break;
		default: v = h->now; break;
		}
		array_item(fp, v, i == 0);
	}
	putc_unlocked('}', fp);
	if (fclose(fp) != 0)
		die_nomem();
	return buf;
}

/* Order of held jobs by key, then by input order. */
static int
held_cmp(const void *a, const void *b)
{
	const struct held *x = *(struct held *const *)a;
	const struct held *y = *(struct held *const *)b;
	int c = strcmp(x->key, y->key);

	return c != 0 ? c : (x->tag > y->tag) - (x->tag < y->tag);
}

/* The first held job (in input order) of key, still without an id. */
static struct held *
held_find(struct held **by_key, int n, const char *key)
{
	int lo = 0, hi = n;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (strcmp(by_key[mid]->key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && strcmp(by_key[lo]->key, key) == 0; lo++)
		if (by_key[lo]->id == 0)
			return by_key[lo];
	return NULL;
}

/* Insert the held jobs in one statement and tell what became of each. */
static void
flush_held(struct queue_enq *e)
{
	struct db_stmt *st = e->many;
	struct held **by_key = NULL;
	char *arr[6];
	int keyed, k = 0;

	if (e->nheld == 0)
		return;
	keyed = e->held[0].key != NULL;
	db_bind_text(st, 1, e->queue);
	for (int c = 0; c < 6; c++) {
		arr[c] = array_of(e, c);
		db_bind_text(st, c + 2, arr[c]);
	}
	if (keyed) {
		by_key = xcalloc((size_t)e->nheld, sizeof(*by_key));
		for (int i = 0; i < e->nheld; i++)
			by_key[i] = &e->held[i];
		qsort(by_key, (size_t)e->nheld, sizeof(*by_key), held_cmp);
	}
	/* without keys nothing is refused, and the ids, given in insert
	 * order, rise with it */
	for (int rc = db_step_ok(st); rc == DB_ROW; rc = db_step_ok(st)) {
		long long id = db_column_int(st, 0);
		struct held *h;

		if (keyed)
			h = held_find(by_key, e->nheld, db_column_text(st, 1));
		else
			h = k < e->nheld ? &e->held[k++] : NULL;
		if (h != NULL)
			h->id = id;
		else
			errx(EXIT_FATAL, "%s: a group insert answered a job it "
			    "was not given", db_name(e->db));
	}
	db_clear(st);
	if (!keyed && k != e->nheld)
		errx(EXIT_FATAL, "%s: a group insert of %d jobs added %d",
		    db_name(e->db), e->nheld, k);
	if (!keyed) {
		long long *ids = xcalloc((size_t)e->nheld, sizeof(*ids));

		for (int i = 0; i < e->nheld; i++)
			ids[i] = e->held[i].id;
		qsort(ids, (size_t)e->nheld, sizeof(*ids), ll_cmp);
		for (int i = 0; i < e->nheld; i++)
			e->held[i].id = ids[i];
		free(ids);
	}
	for (int i = 0; i < e->nheld; i++) {
		struct held *h = &e->held[i];

		if (e->added != NULL)
			e->added(e->arg, h->tag, h->key, h->id);
		free(h->key);
		free(h->payload);
		free(h->run_after);
		free(h->now);
	}
	for (int c = 0; c < 6; c++)
		free(arr[c]);
	free(by_key);
	e->nheld = 0;
}

void
queue_put(struct queue_enq *e, const struct queue_new *job,
    unsigned long tag)
{
	struct held *h;
	long long id = 0;

	if (e->many == NULL) {
		if (!queue_add(e, job, &id))
			id = 0;
		if (e->added != NULL)
			e->added(e->arg, tag, job->key, id);
		return;
	}
	h = &e->held[e->nheld++];
	h->key = job->key ? xstrdup(job->key) : NULL;
	h->payload = xstrndup(job->payload, job->payload_len);
	h->priority = job->priority;
	h->max_attempts = job->max_attempts;
	h->run_after = xstrdup(job->run_after);
	h->now = xstrdup(job->now);
	h->tag = tag;
	h->id = 0;
	if (e->nheld == QUEUE_GROUP)
		flush_held(e);
}

void
queue_enq_commit(struct queue_enq *e)
{
	if (e->many != NULL)
		flush_held(e);
	db_commit(e->db);
}

/* SQLite: add one job; 1 and its id, or 0 when its key is pending. */
static int
queue_add(struct queue_enq *e, const struct queue_new *job, long long *id)
{
	struct db_stmt *st = e->ins;
	int added = 0;

	db_bind_text(st, 1, e->queue);
	db_bind_text(st, 2, job->key);
	db_bind_textn(st, 3, job->payload, job->payload_len);
	db_bind_int(st, 4, job->priority);
	db_bind_int(st, 5, job->max_attempts);
	db_bind_text(st, 6, job->run_after);
	db_bind_text(st, 7, job->now);
	db_step_ok(st);
	/* the id without RETURNING: on SQLite, RETURNING doubles the cost
	 * of an enqueue */
	if ((added = db_changes(e->db) > 0))
		*id = db_last_id(e->db);
	db_reset(st);
	return added;
}

int64_t
queue_last_success(struct queue_enq *e, const char *key, int *pending)
{
	struct db_stmt *st = e->last;
	int64_t ms = -1;

	*pending = 0;
	db_bind_text(st, 1, e->queue);
	db_bind_text(st, 2, key);
	if (db_step_ok(st) == DB_ROW) {
		if (!db_column_null(st, 0))
			ms = db_column_time(st, 0);
		*pending = (int)db_column_int(st, 1);
	}
	db_reset(st);
	return ms;
}

int
queue_pending(struct queue_enq *e, const char *key, long long *id,
    char *state, size_t n)
{
	struct db_stmt *st = e->pending;
	int found = 0;

	db_bind_text(st, 1, e->queue);
	db_bind_text(st, 2, key);
	if (db_step_ok(st) == DB_ROW) {
		const char *s = db_column_text(st, 1);

		*id = db_column_int(st, 0);
		snprintf(state, n, "%s", s ? s : "");
		found = 1;
	}
	db_reset(st);
	return found;
}

/* -- upkeep -- */

int
queue_list_state(const char *state)
{
	static const char *const states[] = { "all", "pending", "queued",
	    "running", "done", "failed", "dead" };

	for (size_t i = 0; i < sizeof(states) / sizeof(*states); i++)
		if (strcmp(state, states[i]) == 0)
			return 1;
	return 0;
}

void
queue_list(struct db *db, const char *queue, const char *state,
    void (*fn)(const char *json, void *arg), void *arg)
{
	/* the object is built by the store (json_object and json_build_object
	 * keep the order given), the payload as the object it is */
	struct db_stmt *st = db_prepare(db, db_kind(db) == DB_POSTGRES ?
	    "SELECT json_build_object('id', id, 'queue', queue, 'key', key,"
	    " 'state', state, 'priority', priority, 'attempts', attempts,"
	    " 'max_attempts', max_attempts, 'run_after', run_after,"
	    " 'created_at', created_at, 'started_at', started_at,"
	    " 'completed_at', completed_at, 'lease_until', lease_until,"
	    " 'worker', worker, 'last_error', last_error,"
	    " 'payload', payload::jsonb)::text"
	    " FROM queue WHERE queue = ?1 AND (?2 = 'all' OR state = ?2"
	    "  OR (?2 = 'pending' AND state IN ('queued', 'running', 'failed')))"
	    " ORDER BY id" :
	    "SELECT json_object('id', id, 'queue', queue, 'key', key,"
	    " 'state', state, 'priority', priority, 'attempts', attempts,"
	    " 'max_attempts', max_attempts, 'run_after', run_after,"
	    " 'created_at', created_at, 'started_at', started_at,"
	    " 'completed_at', completed_at, 'lease_until', lease_until,"
	    " 'worker', worker, 'last_error', last_error,"
	    " 'payload', json(payload))"
	    " FROM queue WHERE queue = ?1 AND (?2 = 'all' OR state = ?2"
	    "  OR (?2 = 'pending' AND state IN ('queued', 'running', 'failed')))"
	    " ORDER BY id");

	db_bind_text(st, 1, queue);
	db_bind_text(st, 2, state);
	while (db_step_ok(st) == DB_ROW)
		fn(db_column_text(st, 0), arg);
	db_finalize(st);
}

int64_t
queue_requeue_dead(struct db *db, const char *queue, int64_t now,
    void (*fn)(long long id, const char *key, void *arg), void *arg)
{
	struct db_stmt *st;
	int64_t left;

	db_begin(db);
	/* of a key's dead jobs, the first, and only when the key has no
	 * pending job: the pending key's unique index allows no more */
	st = db_prepare(db,
	    "UPDATE queue SET state = 'queued',"
	    " max_attempts = attempts + max_attempts, run_after = ?2,"
	    " completed_at = NULL, updated_at = ?2"
	    " WHERE queue = ?1 AND state = 'dead' AND (key IS NULL OR"
	    "  (NOT EXISTS (SELECT 1 FROM queue p WHERE p.queue = ?1"
	    "   AND p.key = queue.key"
	    "   AND p.state IN ('queued', 'running', 'failed'))"
	    "  AND id = (SELECT min(d.id) FROM queue d WHERE d.queue = ?1"
	    "   AND d.key = queue.key AND d.state = 'dead')))"
	    " RETURNING id, key");
	db_bind_text(st, 1, queue);
	bind_time(st, 2, now);
	while (db_step_ok(st) == DB_ROW)
		fn(db_column_int(st, 0), db_column_text(st, 1), arg);
	db_finalize(st);
	st = db_prepare(db,
	    "SELECT count(*) FROM queue WHERE queue = ?1 AND state = 'dead'");
	db_bind_text(st, 1, queue);
	db_step_ok(st);
	left = db_column_int(st, 0);
	db_finalize(st);
	db_commit(db);
	return left;
}

int64_t
queue_prune_done(struct db *db, const char *queue, int64_t before_ms,
    int64_t limit)
{
	struct db_stmt *st = db_prepare(db,
	    "DELETE FROM queue WHERE id IN (SELECT id FROM queue"
	    " WHERE queue = ?1 AND state = 'done' AND completed_at < ?2"
	    " LIMIT ?3)");
	int64_t n;

	db_bind_text(st, 1, queue);
	bind_time(st, 2, before_ms);
	db_bind_int(st, 3, limit);
	db_step_ok(st);
	n = db_changes(db);
	db_finalize(st);
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
