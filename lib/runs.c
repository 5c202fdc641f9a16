/*
 * runs.c - the runs and job_state tables' SQL (see runs.h), in SQL that
 * SQLite and PostgreSQL both read: RETURNING rather than the last rowid,
 * CASE rather than arithmetic on comparisons, IS DISTINCT FROM.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbstmt.h"
#include "runs.h"
#include "timefmt.h"
#include "util.h"

const char *const run_counted_names[RUN_NCOUNTED] = {
	"success", "partial", "failed", "timeout", "interrupted", "skipped"
};

/* The statements, each prepared at its first use. */
enum {
	S_ENSURE,		/* make a job's row */
	S_EXPECT,		/* set its expected interval */
	S_SKIP,			/* insert a skipped run */
	S_SKIPPED,		/* count it */
	S_STALE,		/* the runs left running */
	S_CLOSE,		/* close one of them */
	S_HOLDER,		/* the latest of them, who runs it */
	S_INTERRUPTED,		/* count them */
	S_START,		/* insert a running run */
	S_LAST_ID,		/* the job's last run started */
	S_END,			/* close a run */
	S_TALLY,		/* its job's counters */
	S_TRIP,			/* the circuit breaker */
	S_PAUSED,		/* read the pause */
	S_ANY,			/* has the job any runs? */
	S_SET_PAUSED,		/* pause or resume */
	S_PRUNE_JOB,		/* delete a job's old runs */
	S_PRUNE_ALL,		/* every job's */
	S_JOBS,			/* every job's row */
	S_JOB,			/* one job's row */
	S_RECENT,		/* a job's latest runs */
	S_WINDOW,		/* their counted statuses */
	S_BY_ID,		/* one run */
	S_LATEST,		/* the latest run not skipped */
	S_LAST_DONE,		/* the latest closed run's duration */
	S_COUNT
};

struct runs {
	struct db *db;			/* the store; not owned */
	struct db_stmt *st[S_COUNT];	/* by S_*, NULL until used */
};

/* The columns run_read reads, in its order. */
#define RUN_COLS "id, status, started_at, completed_at, duration_ms," \
	" exit_code, attempts, counters, error, host, pid"

static struct db_stmt *
stmt(struct runs *r, int i, const char *sql)
{
	if (r->st[i] == NULL)
		r->st[i] = db_prepare(r->db, sql);
	return r->st[i];
}

static void
bind_time(struct db_stmt *st, int i, int64_t ms)
{
	char buf[TIME_BUFSZ];

	db_bind_copy(st, i, time_format_ms(ms, buf));
}

static int64_t
column_int_or(struct db_stmt *st, int i, int64_t null)
{
	return db_column_null(st, i) ? null : db_column_int(st, i);
}

struct runs *
runs_open(struct db *db)
{
	struct runs *r = xcalloc(1, sizeof(*r));

	r->db = db;
	return r;
}

void
runs_close(struct runs *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < S_COUNT; i++)
		db_finalize(r->st[i]);
	free(r);
}

void
run_free(struct run *r)
{
	free(r->started_text);
	free(r->completed_text);
	free(r->counters);
	free(r->error);
	free(r->host);
}

/* -- writing -- */

void
runs_state_ensure(struct runs *r, const char *job, int64_t expect_ms,
    int64_t now)
{
	struct db_stmt *st = stmt(r, S_ENSURE,
	    "INSERT INTO job_state (job, created_at, updated_at)"
	    " VALUES (?1, ?2, ?2) ON CONFLICT (job) DO NOTHING");

	db_bind_text(st, 1, job);
	bind_time(st, 2, now);
	db_step_ok(st);
	db_reset(st);
	if (expect_ms < 0)
		return;
	st = stmt(r, S_EXPECT,
	    "UPDATE job_state SET expect_ms = ?2 WHERE job = ?1"
	    " AND expect_ms IS DISTINCT FROM ?2");
	db_bind_text(st, 1, job);
	if (expect_ms > 0)
		db_bind_int(st, 2, expect_ms);
	else
		db_bind_null(st, 2);
	db_step_ok(st);
	db_reset(st);
}

void
runs_skip(struct runs *r, const char *job, const char *why,
    int64_t expect_ms, const char *host, int64_t pid, int64_t now)
{
	struct db_stmt *st;

	db_begin(r->db);
	runs_state_ensure(r, job, expect_ms, now);
	st = stmt(r, S_SKIP,
	    "INSERT INTO runs (job, started_at, completed_at, status,"
	    " duration_ms, attempts, error, host, pid)"
	    " VALUES (?1, ?2, ?2, 'skipped', 0, 0, ?3, ?4, ?5)");
	db_bind_text(st, 1, job);
	bind_time(st, 2, now);
	db_bind_text(st, 3, why);
	db_bind_text(st, 4, host);
	db_bind_int(st, 5, pid);
	db_step_ok(st);
	db_reset(st);
	st = stmt(r, S_SKIPPED,
	    "UPDATE job_state SET n_skipped = n_skipped + 1, updated_at = ?2"
	    " WHERE job = ?1");
	db_bind_text(st, 1, job);
	bind_time(st, 2, now);
	db_step_ok(st);
	db_reset(st);
	db_commit(r->db);
}

/* One run left running, read before it is closed. */
struct stale {
	int64_t id, pid;	/* the run, its run-job's pid or -1 */
	char *host;		/* or NULL; owned */
};

int
runs_holder(struct runs *r, const char *job, int64_t *pid, char *host,
    size_t hostsz)
{
	struct db_stmt *st = stmt(r, S_HOLDER, "SELECT pid, host FROM runs"
	    " WHERE job = ?1 AND status = 'running' ORDER BY id DESC LIMIT 1");
	int found = 0;

	db_bind_text(st, 1, job);
	if (db_step_ok(st) == DB_ROW) {
		found = 1;
		*pid = column_int_or(st, 0, -1);
		snprintf(host, hostsz, "%s", db_column_null(st, 1) ? "" :
		    db_column_text(st, 1));
	}
	db_reset(st);
	return found;
}

int
runs_close_stale(struct runs *r, const char *job, int64_t now,
    void (*fn)(int64_t id, int64_t pid, const char *host, void *arg),
    void *arg)
{
	struct stale *s = NULL;
	struct db_stmt *st;
	int n = 0, cap = 0;

	db_begin(r->db);
	st = stmt(r, S_STALE, "SELECT id, pid, host FROM runs"
	    " WHERE job = ?1 AND status = 'running' ORDER BY id");
	db_bind_text(st, 1, job);
	while (db_step_ok(st) == DB_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 4;
			s = xrealloc(s, (size_t)cap * sizeof(*s));
		}
		s[n].id = db_column_int(st, 0);
		s[n].pid = column_int_or(st, 1, -1);
		s[n].host = db_column_dup(st, 2);
		n++;
	}
	db_reset(st);
	st = stmt(r, S_CLOSE,
	    "UPDATE runs SET status = 'interrupted', completed_at = ?2,"
	    " error = ?3 WHERE id = ?1 AND status = 'running'");
	for (int i = 0; i < n; i++) {
		char pid[24], *why;

		if (s[i].pid >= 0)
			snprintf(pid, sizeof(pid), "%lld", (long long)s[i].pid);
		else
			snprintf(pid, sizeof(pid), "?");
		if (asprintf(&why, "left running by run-job (pid %s on %s), "
		    "which died; closed by the next start", pid,
		    s[i].host ? s[i].host : "?") < 0)
			die_nomem();
		db_bind_int(st, 1, s[i].id);
		bind_time(st, 2, now);
		db_bind_text(st, 3, why);
		db_step_ok(st);
		db_reset(st);
		free(why);
	}
	if (n > 0) {
		st = stmt(r, S_INTERRUPTED,
		    "UPDATE job_state SET n_interrupted = n_interrupted + ?2,"
		    " updated_at = ?3 WHERE job = ?1");
		db_bind_text(st, 1, job);
		db_bind_int(st, 2, n);
		bind_time(st, 3, now);
		db_step_ok(st);
		db_reset(st);
	}
	db_commit(r->db);
	for (int i = 0; i < n; i++) {
		if (fn != NULL)
			fn(s[i].id, s[i].pid, s[i].host, arg);
		free(s[i].host);
	}
	free(s);
	return n;
}

int64_t
runs_start(struct runs *r, const char *job, const char *host, int64_t pid,
    int64_t now)
{
	struct db_stmt *st;
	int64_t id;

	db_begin(r->db);
	st = stmt(r, S_START,
	    "INSERT INTO runs (job, started_at, status, host, pid)"
	    " VALUES (?1, ?2, 'running', ?3, ?4) RETURNING id");
	db_bind_text(st, 1, job);
	bind_time(st, 2, now);
	db_bind_text(st, 3, host);
	db_bind_int(st, 4, pid);
	if (db_step_ok(st) != DB_ROW)
		db_die(r->db, "insert a run");
	id = db_column_int(st, 0);
	db_reset(st);
	st = stmt(r, S_LAST_ID,
	    "UPDATE job_state SET last_run_id = ?2, updated_at = ?3"
	    " WHERE job = ?1");
	db_bind_text(st, 1, job);
	db_bind_int(st, 2, id);
	bind_time(st, 3, now);
	db_step_ok(st);
	db_reset(st);
	db_commit(r->db);
	return id;
}

long
runs_end(struct runs *r, const struct run_end *e, int *tripped)
{
	const char *s = e->status;
	int success = strcmp(s, "success") == 0 || strcmp(s, "partial") == 0;
	int failure = strcmp(s, "failed") == 0 || strcmp(s, "timeout") == 0;
	struct db_stmt *st;
	long fails = 0;

	*tripped = 0;
	db_begin(r->db);
	st = stmt(r, S_END,
	    "UPDATE runs SET completed_at = ?2, status = ?3, exit_code = ?4,"
	    " duration_ms = ?5, attempts = ?6, counters = ?7, error = ?8"
	    " WHERE id = ?1");
	db_bind_int(st, 1, e->id);
	bind_time(st, 2, e->now);
	db_bind_text(st, 3, s);
	db_bind_int(st, 4, e->exit_code);
	db_bind_int(st, 5, e->duration_ms);
	db_bind_int(st, 6, e->attempts);
	db_bind_text(st, 7, e->counters);
	db_bind_text(st, 8, e->error);
	db_step_ok(st);
	db_reset(st);

	st = stmt(r, S_TALLY,
	    "UPDATE job_state SET"
	    " n_success = n_success + CASE WHEN ?2 = 'success' THEN 1 ELSE 0 END,"
	    " n_partial = n_partial + CASE WHEN ?2 = 'partial' THEN 1 ELSE 0 END,"
	    " n_failed = n_failed + CASE WHEN ?2 = 'failed' THEN 1 ELSE 0 END,"
	    " n_timeout = n_timeout + CASE WHEN ?2 = 'timeout' THEN 1 ELSE 0 END,"
	    " n_interrupted = n_interrupted +"
	    "   CASE WHEN ?2 = 'interrupted' THEN 1 ELSE 0 END,"
	    " total_ms = total_ms + ?3,"
	    " consecutive_failures = CASE WHEN ?4 = 1 THEN 0"
	    "   WHEN ?5 = 1 THEN consecutive_failures + 1"
	    "   ELSE consecutive_failures END,"
	    " consecutive_partial = CASE WHEN ?2 = 'partial'"
	    "   THEN consecutive_partial + 1"
	    "   WHEN ?4 = 1 OR ?5 = 1 THEN 0 ELSE consecutive_partial END,"
	    " last_success_at = CASE WHEN ?4 = 1 THEN ?6"
	    "   ELSE last_success_at END,"
	    " alert_since = CASE WHEN ?4 = 1 THEN NULL"
	    "   WHEN ?5 = 1 AND ?7 > 0 AND alert_since IS NULL"
	    "     AND consecutive_failures + 1 >= ?7 THEN ?6"
	    "   ELSE alert_since END,"
	    " updated_at = ?6"
	    " WHERE job = ?1 RETURNING consecutive_failures");
	db_bind_text(st, 1, e->job);
	db_bind_text(st, 2, s);
	db_bind_int(st, 3, e->duration_ms);
	db_bind_int(st, 4, success);
	db_bind_int(st, 5, failure);
	bind_time(st, 6, e->now);
	db_bind_int(st, 7, e->alert_after);
	if (db_step_ok(st) == DB_ROW)
		fails = (long)db_column_int(st, 0);
	db_reset(st);

	if (failure && e->pause_after > 0 && fails >= e->pause_after) {
		char *why;

		if (asprintf(&why, "circuit breaker: %ld consecutive failures",
		    fails) < 0)
			die_nomem();
		st = stmt(r, S_TRIP,
		    "UPDATE job_state SET paused = 1, reason = ?2,"
		    " paused_at = ?3 WHERE job = ?1 AND paused = 0");
		db_bind_text(st, 1, e->job);
		db_bind_text(st, 2, why);
		bind_time(st, 3, e->now);
		db_step_ok(st);
		*tripped = db_changes(r->db) > 0;
		db_reset(st);
		free(why);
	}
	db_commit(r->db);
	return fails;
}

int
runs_paused(struct runs *r, const char *job, char **reason)
{
	struct db_stmt *st = stmt(r, S_PAUSED,
	    "SELECT paused, reason FROM job_state WHERE job = ?1");
	int paused = 0;

	*reason = NULL;
	db_bind_text(st, 1, job);
	if (db_step_ok(st) == DB_ROW && db_column_int(st, 0)) {
		paused = 1;
		*reason = db_column_dup(st, 1);
	}
	db_reset(st);
	return paused;
}

int
runs_set_paused(struct runs *r, const char *job, int paused,
    const char *reason, int64_t now)
{
	struct db_stmt *st;
	int any;

	db_begin(r->db);
	st = stmt(r, S_ANY, "SELECT 1 FROM runs WHERE job = ?1 LIMIT 1");
	db_bind_text(st, 1, job);
	any = db_step_ok(st) == DB_ROW;
	db_reset(st);
	st = stmt(r, S_SET_PAUSED,
	    "INSERT INTO job_state (job, paused, reason, paused_at, created_at,"
	    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
	    " ON CONFLICT (job) DO UPDATE SET paused = ?2, reason = ?3,"
	    " paused_at = ?4, updated_at = ?5");
	db_bind_text(st, 1, job);
	db_bind_int(st, 2, paused);
	db_bind_text(st, 3, paused ? reason : NULL);
	if (paused)
		bind_time(st, 4, now);
	else
		db_bind_null(st, 4);
	bind_time(st, 5, now);
	db_step_ok(st);
	db_reset(st);
	db_commit(r->db);
	return any;
}

int64_t
runs_prune(struct runs *r, const char *job, int64_t before, int limit)
{
	struct db_stmt *st;
	int64_t n;

	if (job != NULL) {
		st = stmt(r, S_PRUNE_JOB,
		    "DELETE FROM runs WHERE id IN (SELECT id FROM runs"
		    " WHERE job = ?1 AND started_at < ?2"
		    " AND status != 'running' LIMIT ?3)");
		db_bind_text(st, 1, job);
	} else {
		/* job by job, along the runs_job index */
		st = stmt(r, S_PRUNE_ALL,
		    "DELETE FROM runs WHERE id IN (SELECT r.id FROM job_state s"
		    " JOIN runs r ON r.job = s.job AND r.started_at < ?1"
		    " AND r.status != 'running' LIMIT ?2)");
	}
	db_begin(r->db);
	bind_time(st, job != NULL ? 2 : 1, before);
	db_bind_int(st, job != NULL ? 3 : 2, limit);
	db_step_ok(st);
	n = db_changes(r->db);
	db_reset(st);
	db_commit(r->db);
	return n;
}

/* -- reading -- */

static void
run_read(struct db_stmt *st, struct run *r)
{
	const char *s = db_column_text(st, 1);

	memset(r, 0, sizeof(*r));
	r->id = db_column_int(st, 0);
	snprintf(r->status, sizeof(r->status), "%s", s ? s : "?");
	r->started = db_column_time(st, 2);
	r->completed = db_column_time(st, 3);
	r->duration = column_int_or(st, 4, -1);
	r->exit_code = (int)column_int_or(st, 5, -1);
	r->attempts = (int)column_int_or(st, 6, 1);
	r->started_text = db_column_dup(st, 2);
	r->completed_text = db_column_dup(st, 3);
	r->counters = db_column_dup(st, 7);
	r->error = db_column_dup(st, 8);
	r->host = db_column_dup(st, 9);
	r->pid = column_int_or(st, 10, -1);
}

#define STATE_COLS "job, paused, reason, expect_ms, created_at, n_success," \
	" n_partial, n_failed, n_timeout, n_interrupted, n_skipped, total_ms," \
	" consecutive_failures, last_success_at, last_run_id, alert_since," \
	" consecutive_partial"

void
runs_each_job(struct runs *r, const char *only,
    void (*fn)(const struct job_state *js, void *arg), void *arg)
{
	struct db_stmt *st;
	struct job_state js;

	if (only != NULL) {
		st = stmt(r, S_JOB, "SELECT " STATE_COLS " FROM job_state"
		    " WHERE job = ?1");
		db_bind_text(st, 1, only);
	} else {
		st = stmt(r, S_JOBS, "SELECT " STATE_COLS " FROM job_state"
		    " ORDER BY job");
	}
	while (db_step_ok(st) == DB_ROW) {
		memset(&js, 0, sizeof(js));
		js.name = db_column_text(st, 0);
		js.paused = (int)db_column_int(st, 1);
		js.reason = db_column_text(st, 2);
		js.expect_ms = column_int_or(st, 3, 0);
		js.created = db_column_time(st, 4);
		for (int i = 0; i < RUN_NCOUNTED; i++)
			js.n[i] = db_column_int(st, 5 + i);
		js.total_ms = db_column_int(st, 11);
		js.fails = db_column_int(st, 12);
		js.last_success = db_column_time(st, 13);
		js.last_success_text = db_column_text(st, 13);
		js.last_run_id = column_int_or(st, 14, -1);
		js.alert_since = db_column_text(st, 15);
		js.partials = db_column_int(st, 16);
		fn(&js, arg);
	}
	db_reset(st);
}

int
runs_recent(struct runs *r, const char *job, int n, struct run *out)
{
	struct db_stmt *st = stmt(r, S_RECENT, "SELECT " RUN_COLS
	    " FROM runs WHERE job = ?1"
	    " ORDER BY started_at DESC, id DESC LIMIT ?2");
	int k = 0;

	db_bind_text(st, 1, job);
	db_bind_int(st, 2, n);
	while (k < n && db_step_ok(st) == DB_ROW)
		run_read(st, &out[k++]);
	db_reset(st);
	return k;
}

int
runs_window(struct runs *r, const char *job, int n, char *out)
{
	struct db_stmt *st = stmt(r, S_WINDOW,
	    "SELECT substr(status, 1, 1) FROM runs"
	    " WHERE job = ?1"
	    " AND status IN ('success', 'partial', 'failed', 'timeout')"
	    " ORDER BY started_at DESC, id DESC LIMIT ?2");
	int k = 0;

	db_bind_text(st, 1, job);
	db_bind_int(st, 2, n);
	while (k < n && db_step_ok(st) == DB_ROW) {
		const char *c = db_column_text(st, 0);

		out[k++] = c ? c[0] : '?';
	}
	db_reset(st);
	return k;
}

int
runs_get(struct runs *r, const char *job, int64_t id, struct run *out)
{
	struct db_stmt *st;
	int found;

	if (id >= 0) {
		st = stmt(r, S_BY_ID, "SELECT " RUN_COLS " FROM runs"
		    " WHERE id = ?1");
		db_bind_int(st, 1, id);
	} else {
		st = stmt(r, S_LATEST, "SELECT " RUN_COLS " FROM runs"
		    " WHERE job = ?1 AND status != 'skipped'"
		    " ORDER BY started_at DESC, id DESC LIMIT 1");
		db_bind_text(st, 1, job);
	}
	memset(out, 0, sizeof(*out));
	if ((found = db_step_ok(st) == DB_ROW))
		run_read(st, out);
	db_reset(st);
	return found;
}

int64_t
runs_last_duration(struct runs *r, const char *job)
{
	struct db_stmt *st = stmt(r, S_LAST_DONE,
	    "SELECT duration_ms FROM runs WHERE job = ?1"
	    " AND status NOT IN ('skipped', 'running')"
	    " ORDER BY started_at DESC, id DESC LIMIT 1");
	int64_t ms = -1;

	db_bind_text(st, 1, job);
	if (db_step_ok(st) == DB_ROW)
		ms = column_int_or(st, 0, -1);
	db_reset(st);
	return ms;
}
