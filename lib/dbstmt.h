/*
 * dbstmt.h - prepared statements, for the lib/ modules that own the
 * tables' SQL.  Programs never include this header (make lint checks):
 * they call the table modules.
 *
 * The calls mirror SQLite's: parameters are numbered from 1 (?1, ?2 in
 * the SQL), columns from 0, a statement is stepped to DB_ROW until
 * DB_DONE, then reset to be run again.  Every step retries while the
 * store is busy (within $JOBLINE_BUSY_TIMEOUT) before it answers.
 *
 * Ownership: a statement from db_prepare is the caller's, released by
 * db_finalize, before the handle is closed.  db_bind_text and
 * db_bind_blob do not copy: the value must stay as it is until the
 * statement is stepped to its end, reset or bound again; db_bind_copy
 * copies.  A column's text or blob belongs to the statement and is good
 * until the next step, reset or finalize.
 */
#ifndef JOBLINE_DBSTMT_H
#define JOBLINE_DBSTMT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct db_stmt;

/* The backends, for the SQL that differs between them. */
enum db_kind {
	DB_SQLITE,		/* a SQLite file */
	DB_POSTGRES		/* a PostgreSQL database */
};

enum db_kind db_kind(struct db *db);

/* What db_step answers. */
enum {
	DB_ROW = 1,		/* a row is ready to read */
	DB_DONE,		/* the statement has run to its end */
	DB_CONSTRAINT,		/* refused: a unique, check or foreign key */
	DB_ERROR		/* anything else; db_die tells it */
};

/* Prepare a statement; exit 3 on failure (a bug or an unusable store). */
struct db_stmt *db_prepare(struct db *db, const char *sql);
void db_finalize(struct db_stmt *st);	/* NULL is allowed */

/* The handle a statement belongs to. */
struct db *db_stmt_db(struct db_stmt *st);

/* Run one or more statements with no parameters; exit 3 on failure. */
void db_exec(struct db *db, const char *sql);

void db_bind_null(struct db_stmt *st, int i);
void db_bind_int(struct db_stmt *st, int i, int64_t v);
void db_bind_double(struct db_stmt *st, int i, double v);
/* Text (NUL-terminated, or n bytes), not copied; NULL binds SQL NULL. */
void db_bind_text(struct db_stmt *st, int i, const char *s);
void db_bind_textn(struct db_stmt *st, int i, const char *s, size_t n);
/* Text copied, for values that will not outlive the call; NULL is NULL. */
void db_bind_copy(struct db_stmt *st, int i, const char *s);
void db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n);

/*
 * Step: DB_ROW, DB_DONE, or DB_CONSTRAINT / DB_ERROR (not reported:
 * a constraint may be expected).  db_step_ok exits 3 on anything but
 * DB_ROW and DB_DONE.
 */
int db_step(struct db_stmt *st);
int db_step_ok(struct db_stmt *st);

/* Ready the statement to run again; db_clear also unbinds (to NULL). */
void db_reset(struct db_stmt *st);
void db_clear(struct db_stmt *st);

int db_column_null(struct db_stmt *st, int i);
int64_t db_column_int(struct db_stmt *st, int i);
double db_column_double(struct db_stmt *st, int i);
/* NULL for SQL NULL. */
const char *db_column_text(struct db_stmt *st, int i);
/* A copy of a text column (the caller frees it), NULL for SQL NULL. */
char *db_column_dup(struct db_stmt *st, int i);
/* An RFC 3339 text column in ms since the epoch, -1 for NULL or junk. */
int64_t db_column_time(struct db_stmt *st, int i);
/* The size in bytes of a text or blob column. */
size_t db_column_bytes(struct db_stmt *st, int i);
const void *db_column_blob(struct db_stmt *st, int i);

/* Rows changed by the last INSERT, UPDATE or DELETE. */
int64_t db_changes(struct db *db);

/*
 * The id (INTEGER PRIMARY KEY, or the serial column's sequence) given to
 * the row the last INSERT of this connection added; meaningful only when
 * db_changes says it added one.  Cheaper than RETURNING on SQLite, which
 * buffers the rows of a statement that returns any.
 */
int64_t db_last_id(struct db *db);

/* Non-zero while a transaction is open. */
int db_in_transaction(struct db *db);

/*
 * SQLite only: the connection under the handle, for the modules that use
 * SQLite itself (the WAL checkpointer).  NULL for other backends.
 */
struct sqlite3;
struct sqlite3 *db_sqlite(struct db *db);

/*
 * PostgreSQL only: the connection under the handle, for what only libpq
 * does (LISTEN/NOTIFY).  NULL for other backends.
 */
struct pg_conn;
struct pg_conn *db_pg(struct db *db);

#endif
