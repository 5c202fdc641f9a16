/* store.c - the SQLite store every program shares */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "timefmt.h"
#include "util.h"

/* SQLite's own wait for a lock, per attempt. */
#define STORE_BUSY_MS 1000
/* How long one operation keeps retrying a locked store, in all, unless
 * $JOBLINE_BUSY_TIMEOUT says otherwise. */
#define STORE_BUSY_BUDGET_MS 60000

static char *opened_path;	/* path of the last store_open */

const char *
store_path(void)
{
	return opened_path ? opened_path : "store";
}

/* mkdir -p of the directory part of path, mode 0700. */
static void
make_parents(const char *path)
{
	char *dir = xstrdup(path);

	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			err(EXIT_FATAL, "%s", dir);
		*p = '/';
	}
	free(dir);
}

static char *
default_path(void)
{
	const char *env = getenv("JOBLINE_DB");
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char *p;

	if (env != NULL && *env != '\0')
		return xstrdup(env);
	if (state != NULL && *state == '/') {
		if (asprintf(&p, "%s/jobline/jobline.db", state) < 0)
			die_nomem();
		return p;
	}
	if (home == NULL || *home == '\0')
		errx(EXIT_FATAL, "no store: give --db or set JOBLINE_DB or HOME");
	if (asprintf(&p, "%s/.local/state/jobline/jobline.db", home) < 0)
		die_nomem();
	return p;
}

/* Sleep before retry number i: 10 ms doubling to 2 s, with jitter. */
static void
backoff(int i)
{
	long ms = 10L << (i < 8 ? i : 8);
	struct timespec ts;

	if (ms > 2000)
		ms = 2000;
	ms = ms / 2 + rand() % (ms / 2 + 1);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

static int
busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

static int64_t
busy_budget(void)
{
	static int64_t budget = -1;
	const char *env;

	if (budget < 0) {
		env = getenv("JOBLINE_BUSY_TIMEOUT");
		if (env == NULL || duration_parse(env, &budget) != 0)
			budget = STORE_BUSY_BUDGET_MS;
	}
	return budget;
}

/*
 * After a busy answer to attempt i of an operation begun at start: sleep
 * and say to try again, or 0 when the budget is spent.
 */
static int
again(int i, int64_t start)
{
	if (time_mono() - start >= busy_budget())
		return 0;
	backoff(i);
	return 1;
}

_Noreturn void
store_die(sqlite3 *db, const char *what)
{
	int code = db != NULL ? sqlite3_errcode(db) & 0xff : SQLITE_OK;

	if (db != NULL && busy(sqlite3_errcode(db)))
		errx(EXIT_FATAL, "%s: %s: %s (held by another program for "
		    "longer than %llds; see JOBLINE_BUSY_TIMEOUT)", store_path(),
		    what, sqlite3_errmsg(db),
		    (long long)busy_budget() / 1000);
	/* "disk I/O error" alone does not tell a full disk (the -shm or
	 * WAL could not grow) from a failing one: add the system's word */
	if (db != NULL && sqlite3_system_errno(db) != 0 &&
	    (code == SQLITE_IOERR || code == SQLITE_FULL ||
	    code == SQLITE_CANTOPEN))
		errx(EXIT_FATAL, "%s: %s: %s (%s)", store_path(), what,
		    sqlite3_errmsg(db), strerror(sqlite3_system_errno(db)));
	errx(EXIT_FATAL, "%s: %s: %s", store_path(), what,
	    db ? sqlite3_errmsg(db) : "cannot open");
}

/* sqlite3_exec with retries; returns the final result code. */
static int
exec_retry(sqlite3 *db, const char *sql)
{
	int64_t start = time_mono();
	int rc;

	for (int i = 0;; i++) {
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		if (!busy(rc) || !again(i, start))
			return rc;
	}
}

void
store_exec(sqlite3 *db, const char *sql)
{
	if (exec_retry(db, sql) != SQLITE_OK)
		store_die(db, "exec");
}

sqlite3_stmt *
store_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t start = time_mono();
	int rc;

	for (int i = 0;; i++) {
		rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT,
		    &st, NULL);
		if (!busy(rc) || !again(i, start))
			break;
	}
	if (rc != SQLITE_OK)
		store_die(db, "prepare");
	return st;
}

int
store_step(sqlite3_stmt *st)
{
	int64_t start = time_mono();
	int rc;

	for (int i = 0;; i++) {
		rc = sqlite3_step(st);
		if (!busy(rc) || !again(i, start))
			return rc;
		sqlite3_reset(st);
	}
}

int
store_step_ok(sqlite3_stmt *st)
{
	int rc = store_step(st);

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_die(sqlite3_db_handle(st), "write");
	return rc;
}

void
store_begin(sqlite3 *db)
{
	if (exec_retry(db, "BEGIN IMMEDIATE") != SQLITE_OK)
		store_die(db, "begin");
}

void
store_commit(sqlite3 *db)
{
	if (exec_retry(db, "COMMIT") != SQLITE_OK)
		store_die(db, "commit");
}

void
store_rollback(sqlite3 *db)
{
	if (sqlite3_get_autocommit(db))
		return;
	if (exec_retry(db, "ROLLBACK") != SQLITE_OK)
		store_die(db, "rollback");
}

void
store_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static int
user_version(sqlite3 *db)
{
	sqlite3_stmt *st = store_prepare(db, "PRAGMA user_version");
	int v;

	/* a store that cannot be read (a full disk leaves no room for the
	 * -shm) is not "version 0": say why */
	if (store_step(st) != SQLITE_ROW)
		store_die(db, "read");
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
migrate(sqlite3 *db)
{
	int v, latest = schema_version();
	char sql[64];

	if ((v = user_version(db)) == latest)
		return;
	store_begin(db);
	v = user_version(db);	/* another program may have done it */
	if (v > latest)
		errx(EXIT_FATAL, "%s: schema version %d is newer than this "
		    "program's (%d): upgrade jobline", store_path(), v, latest);
	for (; v < latest; v++)
		schema_migrate(db, v + 1);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", latest);
	store_exec(db, sql);
	store_commit(db);
}

sqlite3 *
store_open(const char *path, int flags)
{
	sqlite3 *db = NULL;
	int oflags, fd;

	free(opened_path);
	opened_path = path && *path ? xstrdup(path) : default_path();
	if (flags & STORE_READONLY) {
		oflags = SQLITE_OPEN_READONLY;
	} else {
		oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
		make_parents(opened_path);
		/* create it 0600 ourselves: SQLite would use the umask */
		fd = open(opened_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			err(EXIT_FATAL, "%s", opened_path);
		close(fd);
	}
	if (sqlite3_open_v2(opened_path, &db, oflags | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK)
		store_die(db, "open");
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, STORE_BUSY_MS);
	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	if (!(flags & STORE_READONLY)) {
		/* takes effect only on a new file: articles and chunks are
		 * rows of kilobytes, and 16 KiB pages cut their B-tree work
		 * and system calls by a third against the 4 KiB default */
		store_exec(db, "PRAGMA page_size = 16384");
		store_exec(db, "PRAGMA journal_mode = WAL");
		store_exec(db, "PRAGMA synchronous = NORMAL");
		/* a bounded page cache (KiB): big batches touch many index
		 * pages */
		store_exec(db, "PRAGMA cache_size = -16384");
	}
	store_exec(db, "PRAGMA foreign_keys = ON");
	if (!(flags & STORE_READONLY))
		migrate(db);
	else if (user_version(db) == 0)
		errx(EXIT_FATAL, "%s: not a jobline store (no schema)",
		    opened_path);
	return db;
}

void
store_close(sqlite3 *db)
{
	if (db == NULL)
		return;
	sqlite3_close_v2(db);
}
