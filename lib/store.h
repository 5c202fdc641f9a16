/*
 * store.h - the SQLite calls of the programs whose SQL has not yet moved
 * into lib/ (issue 16).  New code uses db.h and the table modules; this
 * header goes when the last program stops including it.
 *
 * store_open is db_open (db.h) returning the SQLite connection under the
 * handle; store_close closes the handle.  The rest are lib/db.c's retrying
 * SQLite calls on that connection: functions returning void exit 3 with
 * "program: PATH: what: reason" when the store cannot be used; store_step
 * returns SQLite's result for the caller to judge.
 *
 * Ownership: statements from store_prepare are the caller's, released by
 * sqlite3_finalize; store_path's string is owned by the handle.
 */
#ifndef JOBLINE_STORE_H
#define JOBLINE_STORE_H

#include <sqlite3.h>

#include "db.h"

enum {
	STORE_READONLY = 1	/* open read-only; no create, no migration */
};

/* flags: STORE_READONLY, and db.h's DB_BULK */
sqlite3 *store_open(const char *path, int flags);
const char *store_path(void);	/* the path store_open used last */
void store_close(sqlite3 *db);
/* The handle under a connection store_open returned, for the modules. */
struct db *store_db(sqlite3 *db);
void store_exec(sqlite3 *db, const char *sql);
sqlite3_stmt *store_prepare(sqlite3 *db, const char *sql);
int store_step(sqlite3_stmt *st);
int store_step_ok(sqlite3_stmt *st);
void store_begin(sqlite3 *db);
void store_commit(sqlite3 *db);
void store_rollback(sqlite3 *db);
_Noreturn void store_die(sqlite3 *db, const char *what);
/* Bind a NUL-terminated string or NULL (as SQL NULL), copied. */
void store_bind_text(sqlite3_stmt *st, int i, const char *s);

#endif
