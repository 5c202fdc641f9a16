/*
 * db_sqlite.c - the SQLite store: a file in WAL mode, migrated forward by
 * the first writer that opens it; every operation that meets a busy store
 * (another connection holds the write lock longer than SQLite's own wait)
 * is retried with backoff until the budget of $JOBLINE_BUSY_TIMEOUT is
 * spent.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "dbimpl.h"
#include "fts5rank.h"
#include "schema.h"
#include "timefmt.h"
#include "util.h"

/* SQLite's own wait for a lock, per attempt. */
#define DB_BUSY_MS 1000
/* How long one operation keeps retrying a locked store, in all, unless
 * $JOBLINE_BUSY_TIMEOUT says otherwise. */
#define DB_BUSY_BUDGET_MS 60000

/* A SQLite handle. */
struct sqdb {
	struct db base;		/* first: the generic part */
	sqlite3 *sq;		/* the connection */
	struct sqdb *next;	/* the other open handles */
};

/* A SQLite statement. */
struct sqstmt {
	struct db_stmt base;	/* first: the generic part */
	sqlite3_stmt *st;	/* the statement */
};

static struct sqdb *open_dbs;	/* every open handle, newest first */
static const char *last_name;	/* the name of the last one opened */

#define SQ(db) (((struct sqdb *)(db))->sq)
#define ST(st) (((struct sqstmt *)(st))->st)

/* The handle of a connection (for its name in errors), or NULL. */
static struct sqdb *
handle_of(sqlite3 *sq)
{
	for (struct sqdb *d = open_dbs; d != NULL; d = d->next)
		if (d->sq == sq)
			return d;
	return NULL;
}

static const char *
name_of(sqlite3 *sq)
{
	struct sqdb *d = sq != NULL ? handle_of(sq) : NULL;

	return d != NULL ? d->base.name : last_name != NULL ? last_name :
	    "store";
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

/* The directory a named store is to be made in must exist. */
static void
check_directory(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	struct stat sb;

	if (slash == NULL)
		return;
	dir = slash == path ? xstrdup("/") : xstrndup(path,
	    (size_t)(slash - path));
	if (stat(dir, &sb) != 0)
		err(EXIT_FATAL, "%s: no store there, and cannot make one", dir);
	if (!S_ISDIR(sb.st_mode))
		errx(EXIT_FATAL, "%s: not a directory", dir);
	free(dir);
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
			budget = DB_BUSY_BUDGET_MS;
	}
	return budget;
}

/*
 * After a busy answer to attempt i of an operation begun at start: sleep
 * (10 ms doubling to 2 s, with jitter) and say to try again, or 0 when
 * the budget is spent.
 */
static int
again(int i, int64_t start)
{
	int64_t ms;
	struct timespec ts;

	if (time_mono() - start >= busy_budget())
		return 0;
	ms = backoff_ms(10, 2000, i + 1);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	return 1;
}

/* Report the connection's last error as "NAME: what: message", exit 3. */
static _Noreturn void
die_sqlite(sqlite3 *sq, const char *what)
{
	const char *name = name_of(sq);
	int code;

	if (sq == NULL)
		errx(EXIT_FATAL, "%s: %s: cannot open", name, what);
	code = sqlite3_errcode(sq);
	if (busy(code))
		errx(EXIT_FATAL, "%s: %s: %s (held by another program for "
		    "longer than %llds; see JOBLINE_BUSY_TIMEOUT)", name,
		    what, sqlite3_errmsg(sq),
		    (long long)busy_budget() / 1000);
	code &= 0xff;
	/* "disk I/O error" alone does not tell a full disk (the -shm or
	 * WAL could not grow) from a failing one: add the system's word */
	if (sqlite3_system_errno(sq) != 0 && (code == SQLITE_IOERR ||
	    code == SQLITE_FULL || code == SQLITE_CANTOPEN))
		errx(EXIT_FATAL, "%s: %s: %s (%s)", name, what,
		    sqlite3_errmsg(sq), strerror(sqlite3_system_errno(sq)));
	errx(EXIT_FATAL, "%s: %s: %s", name, what, sqlite3_errmsg(sq));
}

/* sqlite3_exec with retries; returns the final result code. */
static int
exec_retry(sqlite3 *sq, const char *sql)
{
	int64_t start = time_mono();
	int rc;

	for (int i = 0;; i++) {
		rc = sqlite3_exec(sq, sql, NULL, NULL, NULL);
		if (!busy(rc) || !again(i, start))
			return rc;
	}
}

static sqlite3_stmt *
prepare_retry(sqlite3 *sq, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t start = time_mono();
	int rc;

	for (int i = 0;; i++) {
		rc = sqlite3_prepare_v3(sq, sql, -1, SQLITE_PREPARE_PERSISTENT,
		    &st, NULL);
		if (!busy(rc) || !again(i, start))
			break;
	}
	if (rc != SQLITE_OK)
		die_sqlite(sq, "prepare");
	return st;
}

static int
step_retry(sqlite3_stmt *st)
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

static void
begin(sqlite3 *sq)
{
	if (exec_retry(sq, "BEGIN IMMEDIATE") != SQLITE_OK)
		die_sqlite(sq, "begin");
}

static void
commit(sqlite3 *sq)
{
	if (exec_retry(sq, "COMMIT") != SQLITE_OK)
		die_sqlite(sq, "commit");
}

static void
rollback(sqlite3 *sq)
{
	if (sqlite3_get_autocommit(sq))
		return;
	if (exec_retry(sq, "ROLLBACK") != SQLITE_OK)
		die_sqlite(sq, "rollback");
}

static void
exec_ok(sqlite3 *sq, const char *sql)
{
	if (exec_retry(sq, sql) != SQLITE_OK)
		die_sqlite(sq, "exec");
}

static int
user_version(sqlite3 *sq)
{
	sqlite3_stmt *st = prepare_retry(sq, "PRAGMA user_version");
	int v;

	/* a store that cannot be read (a full disk leaves no room for the
	 * -shm) is not "version 0": say why */
	if (step_retry(st) != SQLITE_ROW)
		die_sqlite(sq, "read");
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
migrate(sqlite3 *sq, const char *name)
{
	int v, latest = schema_version();
	char sql[64];

	if ((v = user_version(sq)) == latest)
		return;
	begin(sq);
	v = user_version(sq);	/* another program may have done it */
	if (v > latest)
		errx(EXIT_FATAL, "%s: schema version %d is newer than this "
		    "program's (%d): upgrade jobline", name, v, latest);
	for (; v < latest; v++)
		exec_ok(sq, schema_sql(v + 1));
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", latest);
	exec_ok(sq, sql);
	commit(sq);
}

static void
sq_close(struct db *db)
{
	struct sqdb *d = (struct sqdb *)db, **p;

	for (p = &open_dbs; *p != NULL; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			break;
		}
	sqlite3_close_v2(d->sq);
	if (last_name == db->name)
		last_name = open_dbs != NULL ? open_dbs->base.name : NULL;
	free(db->name);
	free(d);
}

static void
sq_exec(struct db *db, const char *sql)
{
	exec_ok(SQ(db), sql);
}

static struct db_stmt *
sq_prepare(struct db *db, const char *sql)
{
	struct sqstmt *st = xmalloc(sizeof(*st));

	st->st = prepare_retry(SQ(db), sql);
	st->base.db = db;
	return &st->base;
}

static void
sq_finalize(struct db_stmt *st)
{
	sqlite3_finalize(ST(st));
	free(st);
}

static void
sq_bind_null(struct db_stmt *st, int i)
{
	sqlite3_bind_null(ST(st), i);
}

static void
sq_bind_int(struct db_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(ST(st), i, v);
}

static void
sq_bind_double(struct db_stmt *st, int i, double v)
{
	sqlite3_bind_double(ST(st), i, v);
}

static void
sq_bind_text(struct db_stmt *st, int i, const char *s, size_t n, int copy)
{
	sqlite3_bind_text64(ST(st), i, s, n, copy ? SQLITE_TRANSIENT :
	    SQLITE_STATIC, SQLITE_UTF8);
}

static void
sq_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
	sqlite3_bind_blob64(ST(st), i, p, n, SQLITE_STATIC);
}

static int
sq_step(struct db_stmt *st)
{
	switch (step_retry(ST(st)) & 0xff) {
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		return DB_DONE;
	case SQLITE_CONSTRAINT:
		return DB_CONSTRAINT;
	default:
		return DB_ERROR;
	}
}

static void
sq_reset(struct db_stmt *st)
{
	sqlite3_reset(ST(st));
}

static void
sq_clear(struct db_stmt *st)
{
	sqlite3_reset(ST(st));
	sqlite3_clear_bindings(ST(st));
}

static int
sq_column_null(struct db_stmt *st, int i)
{
	return sqlite3_column_type(ST(st), i) == SQLITE_NULL;
}

static int64_t
sq_column_int(struct db_stmt *st, int i)
{
	return sqlite3_column_int64(ST(st), i);
}

static double
sq_column_double(struct db_stmt *st, int i)
{
	return sqlite3_column_double(ST(st), i);
}

static const char *
sq_column_text(struct db_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(ST(st), i);
}

static size_t
sq_column_bytes(struct db_stmt *st, int i)
{
	return (size_t)sqlite3_column_bytes(ST(st), i);
}

static const void *
sq_column_blob(struct db_stmt *st, int i)
{
	return sqlite3_column_blob(ST(st), i);
}

static int64_t
sq_changes(struct db *db)
{
	return sqlite3_changes64(SQ(db));
}

static int64_t
sq_last_id(struct db *db)
{
	return sqlite3_last_insert_rowid(SQ(db));
}

static void
sq_begin(struct db *db)
{
	begin(SQ(db));
}

static void
sq_commit(struct db *db)
{
	commit(SQ(db));
}

static void
sq_rollback(struct db *db)
{
	rollback(SQ(db));
}

static int
sq_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(SQ(db));
}

static _Noreturn void
sq_die(struct db *db, const char *what)
{
	die_sqlite(SQ(db), what);
}

static const struct db_ops sqlite_ops = {
	sq_close, sq_exec, sq_prepare, sq_finalize, sq_bind_null,
	sq_bind_int, sq_bind_double, sq_bind_text, sq_bind_blob, sq_step,
	sq_reset, sq_clear, sq_column_null, sq_column_int, sq_column_double,
	sq_column_text, sq_column_bytes, sq_column_blob, sq_changes, sq_last_id,
	sq_begin, sq_commit, sq_rollback, sq_in_transaction, sq_die
};

struct db *
db_sqlite_open(char *name, int given, int flags)
{
	struct sqdb *d = xcalloc(1, sizeof(*d));
	struct stat sb;
	int oflags, fd;

	d->base.ops = &sqlite_ops;
	d->base.kind = DB_SQLITE;
	d->base.name = name;
	last_name = name;
	if (flags & DB_READONLY) {
		if (stat(name, &sb) != 0)
			errx(EXIT_FATAL, "no store at %s", name);
		oflags = SQLITE_OPEN_READONLY;
	} else {
		oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
		if (given)
			check_directory(name);
		else
			make_parents(name);
		/* create it 0600 ourselves: SQLite would use the umask */
		fd = open(name, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			err(EXIT_FATAL, "%s", name);
		close(fd);
	}
	if (flags & DB_BULK)
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(name, &d->sq, oflags | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK)
		die_sqlite(d->sq, "open");
	d->next = open_dbs;
	open_dbs = d;
	sqlite3_extended_result_codes(d->sq, 1);
	sqlite3_busy_timeout(d->sq, DB_BUSY_MS);
	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	if (!(flags & DB_READONLY)) {
		/* takes effect only on a new file: articles and chunks are
		 * rows of kilobytes, and 16 KiB pages cut their B-tree work
		 * and system calls by a third against the 4 KiB default */
		exec_ok(d->sq, "PRAGMA page_size = 16384");
		exec_ok(d->sq, "PRAGMA journal_mode = WAL");
		/* the -wal and -shm files stay when the last writer closes,
		 * so that a user who may only read the files (jobs-status
		 * for monitoring: jobline(5), "Permissions") can open it */
		sqlite3_file_control(d->sq, "main", SQLITE_FCNTL_PERSIST_WAL,
		    &(int){1});
		exec_ok(d->sq, "PRAGMA synchronous = NORMAL");
		/* a bounded page cache (KiB): big batches touch many index
		 * pages */
		exec_ok(d->sq, "PRAGMA cache_size = -16384");
	}
	exec_ok(d->sq, "PRAGMA foreign_keys = ON");
	if (fts5rank_register(d->sq) != SQLITE_OK)
		die_sqlite(d->sq, "jl_bm25");
	if (!(flags & DB_READONLY))
		migrate(d->sq, name);
	else if (user_version(d->sq) == 0)
		errx(EXIT_FATAL, "%s: not a jobline store (no schema)", name);
	if (flags & DB_BULK)
		exec_ok(d->sq, "PRAGMA secure_delete = OFF");
	return &d->base;
}

struct sqlite3 *
db_sqlite(struct db *db)
{
	return db->kind == DB_SQLITE ? SQ(db) : NULL;
}

