/*
 * store.h - the SQLite store every program shares.
 *
 * store_open finds the file (--db, else $JOBLINE_DB, else
 * $XDG_STATE_HOME/jobline/jobline.db, else ~/.local/state/jobline/jobline.db),
 * makes its directory (0700) and the file (0600) if missing, sets WAL,
 * synchronous=NORMAL, foreign keys and a busy timeout, and migrates the
 * schema forward (lib/schema.c) inside one IMMEDIATE transaction, so that
 * several programs opening a new file at once are safe.
 *
 * Errors: the store_* functions that return void print
 * "program: PATH: reason" and exit 3 when the store cannot be used (cannot
 * open, disk full, I/O error, still locked after the retries).  Those that
 * return an int give the SQLite result for the caller to judge.
 *
 * Ownership: the sqlite3 handle is the caller's, released by store_close;
 * statements from store_prepare are the caller's, released by
 * sqlite3_finalize.  store_path's string is owned by the store module.
 */
#ifndef JOBLINE_STORE_H
#define JOBLINE_STORE_H

#include <sqlite3.h>

enum {
	STORE_READONLY = 1	/* open read-only; no create, no migration */
};

/* Open (and create, and migrate) the store at path, or the default. */
sqlite3 *store_open(const char *path, int flags);

/* The path store_open used last. */
const char *store_path(void);

void store_close(sqlite3 *db);

/* Run one or more statements with no parameters; exit 3 on failure. */
void store_exec(sqlite3 *db, const char *sql);

/* Prepare a statement; exit 3 on failure (a bug or an unusable store). */
sqlite3_stmt *store_prepare(sqlite3 *db, const char *sql);

/*
 * Step st, retrying SQLITE_BUSY/SQLITE_LOCKED with backoff beyond the busy
 * timeout.  Returns SQLITE_ROW, SQLITE_DONE or another error code (not
 * reported: constraint violations may be expected); store_step_ok exits 3
 * on anything but ROW and DONE.
 */
int store_step(sqlite3_stmt *st);
int store_step_ok(sqlite3_stmt *st);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK with retries; exit 3 on failure. */
void store_begin(sqlite3 *db);
void store_commit(sqlite3 *db);
void store_rollback(sqlite3 *db);

/* Report the store's last error as "PATH: what: message" and exit 3. */
_Noreturn void store_die(sqlite3 *db, const char *what);

/* Bind a NUL-terminated string or NULL (as SQL NULL), copied. */
void store_bind_text(sqlite3_stmt *st, int i, const char *s);

/* The schema version this build migrates to. */
int schema_version(void);

/* Apply migration step v (from version v-1 to v); called by store_open. */
void schema_migrate(sqlite3 *db, int v);

#endif
