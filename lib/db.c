/*
 * db.c - the store handle and its statements, over SQLite.
 *
 * Every operation that meets a busy store (another connection holds the
 * write lock longer than SQLite's own wait) is retried with backoff until
 * the budget of $JOBLINE_BUSY_TIMEOUT is spent.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "db.h"
#include "dbstmt.h"
#include "schema.h"
#include "store.h"
#include "timefmt.h"
#include "util.h"

/* SQLite's own wait for a lock, per attempt. */
#define DB_BUSY_MS 1000
/* How long one operation keeps retrying a locked store, in all, unless
 * $JOBLINE_BUSY_TIMEOUT says otherwise. */
#define DB_BUSY_BUDGET_MS 60000

struct db {
	sqlite3 *sq;		/* the connection */
	char *name;		/* the path, for messages */
	struct db *next;	/* the other open handles (store.h) */
};

/* A statement: SQLite's, and the handle it was prepared on. */
struct db_stmt {
	sqlite3_stmt *st;	/* the statement */
	struct db *db;		/* its handle; not owned */
};

static struct db *open_dbs;	/* every open handle, newest first */
static const char *last_name;	/* db_name of the last db_open */

/* The handle of a connection (for store.h's calls), or NULL. */
static struct db *
handle_of(sqlite3 *sq)
{
	for (struct db *d = open_dbs; d != NULL; d = d->next)
		if (d->sq == sq)
			return d;
	return NULL;
}

static const char *
name_of(sqlite3 *sq)
{
	struct db *d = sq != NULL ? handle_of(sq) : NULL;

	return d != NULL ? d->name : last_name != NULL ? last_name : "store";
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

/* The store's path when none is given; *given says whether the
 * operator named it ($JOBLINE_DB) rather than the XDG default. */
static char *
default_path(int *given)
{
	const char *env = getenv("JOBLINE_DB");
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char *p;

	*given = 0;
	if (env != NULL && *env != '\0') {
		*given = 1;
		return xstrdup(env);
	}
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

struct db *
db_open(const char *addr, int flags)
{
	struct db *d = xcalloc(1, sizeof(*d));
	struct stat sb;
	int oflags, fd, given = 1;

	d->name = addr && *addr ? xstrdup(addr) : default_path(&given);
	last_name = d->name;
	if (strncmp(d->name, "postgresql://", 13) == 0 ||
	    strncmp(d->name, "postgres://", 11) == 0)
		errx(EXIT_FATAL, "%s: this jobline has no PostgreSQL store",
		    d->name);
	if (flags & DB_READONLY) {
		if (stat(d->name, &sb) != 0)
			errx(EXIT_FATAL, "no store at %s", d->name);
		oflags = SQLITE_OPEN_READONLY;
	} else {
		oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
		if (given)
			check_directory(d->name);
		else
			make_parents(d->name);
		/* create it 0600 ourselves: SQLite would use the umask */
		fd = open(d->name, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			err(EXIT_FATAL, "%s", d->name);
		close(fd);
	}
	if (flags & DB_BULK)
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(d->name, &d->sq, oflags | SQLITE_OPEN_NOMUTEX,
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
		exec_ok(d->sq, "PRAGMA synchronous = NORMAL");
		/* a bounded page cache (KiB): big batches touch many index
		 * pages */
		exec_ok(d->sq, "PRAGMA cache_size = -16384");
	}
	exec_ok(d->sq, "PRAGMA foreign_keys = ON");
	if (!(flags & DB_READONLY))
		migrate(d->sq, d->name);
	else if (user_version(d->sq) == 0)
		errx(EXIT_FATAL, "%s: not a jobline store (no schema)",
		    d->name);
	if (flags & DB_BULK)
		exec_ok(d->sq, "PRAGMA secure_delete = OFF");
	return d;
}

void
db_close(struct db *db)
{
	struct db **p;

	if (db == NULL)
		return;
	for (p = &open_dbs; *p != NULL; p = &(*p)->next)
		if (*p == db) {
			*p = db->next;
			break;
		}
	sqlite3_close_v2(db->sq);
	if (last_name == db->name)
		last_name = open_dbs != NULL ? open_dbs->name : NULL;
	free(db->name);
	free(db);
}

const char *
db_name(const struct db *db)
{
	return db->name;
}

void
db_begin(struct db *db)
{
	begin(db->sq);
}

void
db_commit(struct db *db)
{
	commit(db->sq);
}

void
db_rollback(struct db *db)
{
	rollback(db->sq);
}

_Noreturn void
db_die(struct db *db, const char *what)
{
	die_sqlite(db != NULL ? db->sq : NULL, what);
}

struct sqlite3 *
db_sqlite(struct db *db)
{
	return db->sq;
}

/* -- statements -- */

struct db_stmt *
db_prepare(struct db *db, const char *sql)
{
	struct db_stmt *st = xmalloc(sizeof(*st));

	st->st = prepare_retry(db->sq, sql);
	st->db = db;
	return st;
}

void
db_finalize(struct db_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_finalize(st->st);
	free(st);
}

struct db *
db_stmt_db(struct db_stmt *st)
{
	return st->db;
}

void
db_exec(struct db *db, const char *sql)
{
	exec_ok(db->sq, sql);
}

void
db_bind_null(struct db_stmt *st, int i)
{
	sqlite3_bind_null(st->st, i);
}

void
db_bind_int(struct db_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(st->st, i, v);
}

void
db_bind_double(struct db_stmt *st, int i, double v)
{
	sqlite3_bind_double(st->st, i, v);
}

void
db_bind_text(struct db_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st->st, i);
	else
		sqlite3_bind_text(st->st, i, s, -1, SQLITE_STATIC);
}

void
db_bind_textn(struct db_stmt *st, int i, const char *s, size_t n)
{
	if (s == NULL)
		sqlite3_bind_null(st->st, i);
	else
		sqlite3_bind_text64(st->st, i, s, n, SQLITE_STATIC,
		    SQLITE_UTF8);
}

void
db_bind_copy(struct db_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st->st, i);
	else
		sqlite3_bind_text(st->st, i, s, -1, SQLITE_TRANSIENT);
}

void
db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
	sqlite3_bind_blob64(st->st, i, p, n, SQLITE_STATIC);
}

int
db_step(struct db_stmt *st)
{
	int rc = step_retry(st->st);

	switch (rc & 0xff) {
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

int
db_step_ok(struct db_stmt *st)
{
	int rc = db_step(st);

	if (rc != DB_ROW && rc != DB_DONE)
		die_sqlite(st->db->sq, "write");
	return rc;
}

void
db_reset(struct db_stmt *st)
{
	sqlite3_reset(st->st);
}

void
db_clear(struct db_stmt *st)
{
	sqlite3_reset(st->st);
	sqlite3_clear_bindings(st->st);
}

int
db_column_null(struct db_stmt *st, int i)
{
	return sqlite3_column_type(st->st, i) == SQLITE_NULL;
}

int64_t
db_column_int(struct db_stmt *st, int i)
{
	return sqlite3_column_int64(st->st, i);
}

double
db_column_double(struct db_stmt *st, int i)
{
	return sqlite3_column_double(st->st, i);
}

const char *
db_column_text(struct db_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st->st, i);
}

char *
db_column_dup(struct db_stmt *st, int i)
{
	const char *s = db_column_text(st, i);

	return s != NULL ? xstrdup(s) : NULL;
}

int64_t
db_column_time(struct db_stmt *st, int i)
{
	const char *s = db_column_text(st, i);
	int64_t ms;

	if (s == NULL || time_parse(s, &ms) != 0)
		return -1;
	return ms;
}

size_t
db_column_bytes(struct db_stmt *st, int i)
{
	return (size_t)sqlite3_column_bytes(st->st, i);
}

const void *
db_column_blob(struct db_stmt *st, int i)
{
	return sqlite3_column_blob(st->st, i);
}

int64_t
db_changes(struct db *db)
{
	return sqlite3_changes64(db->sq);
}

int
db_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(db->sq);
}

/*
 * -- store.h: the calls of the programs whose SQL has not yet moved into
 * lib/; they go with the last of them --
 */

sqlite3 *
store_open(const char *path, int flags)
{
	return db_open(path, (flags & STORE_READONLY ? DB_READONLY : 0) |
	    (flags & DB_BULK))->sq;
}

const char *
store_path(void)
{
	return name_of(NULL);
}

void
store_close(sqlite3 *sq)
{
	struct db *d = sq != NULL ? handle_of(sq) : NULL;

	if (d != NULL)
		db_close(d);
	else if (sq != NULL)
		sqlite3_close_v2(sq);
}

struct db *
store_db(sqlite3 *sq)
{
	return handle_of(sq);
}

void
store_exec(sqlite3 *sq, const char *sql)
{
	exec_ok(sq, sql);
}

sqlite3_stmt *
store_prepare(sqlite3 *sq, const char *sql)
{
	return prepare_retry(sq, sql);
}

int
store_step(sqlite3_stmt *st)
{
	return step_retry(st);
}

int
store_step_ok(sqlite3_stmt *st)
{
	int rc = step_retry(st);

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		die_sqlite(sqlite3_db_handle(st), "write");
	return rc;
}

void
store_begin(sqlite3 *sq)
{
	begin(sq);
}

void
store_commit(sqlite3 *sq)
{
	commit(sq);
}

void
store_rollback(sqlite3 *sq)
{
	rollback(sq);
}

_Noreturn void
store_die(sqlite3 *sq, const char *what)
{
	die_sqlite(sq, what);
}

void
store_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}
