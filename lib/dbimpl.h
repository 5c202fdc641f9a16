/*
 * dbimpl.h - what a store backend implements (lib/db_sqlite.c,
 * lib/db_pg.c) for lib/db.c, which dispatches db.h's and dbstmt.h's calls
 * to it.  Nothing outside those three files includes this header.
 *
 * A backend's handle and statement structs begin with struct db and
 * struct db_stmt, so that the generic pointers can be cast back.
 */
#ifndef JOBLINE_DBIMPL_H
#define JOBLINE_DBIMPL_H

#include <stddef.h>
#include <stdint.h>

#include "dbstmt.h"

/* A backend's functions; each behaves as its dbstmt.h or db.h namesake. */
struct db_ops {
	void (*close)(struct db *db);
	void (*exec)(struct db *db, const char *sql);
	struct db_stmt *(*prepare)(struct db *db, const char *sql);
	void (*finalize)(struct db_stmt *st);
	void (*bind_null)(struct db_stmt *st, int i);
	void (*bind_int)(struct db_stmt *st, int i, int64_t v);
	void (*bind_double)(struct db_stmt *st, int i, double v);
	/* s[0..n), not NULL; copy: whether the value must be copied */
	void (*bind_text)(struct db_stmt *st, int i, const char *s, size_t n,
	    int copy);
	void (*bind_blob)(struct db_stmt *st, int i, const void *p, size_t n);
	int (*step)(struct db_stmt *st);
	void (*reset)(struct db_stmt *st);
	void (*clear)(struct db_stmt *st);
	int (*column_null)(struct db_stmt *st, int i);
	int64_t (*column_int)(struct db_stmt *st, int i);
	double (*column_double)(struct db_stmt *st, int i);
	const char *(*column_text)(struct db_stmt *st, int i);
	size_t (*column_bytes)(struct db_stmt *st, int i);
	const void *(*column_blob)(struct db_stmt *st, int i);
	int64_t (*changes)(struct db *db);
	int64_t (*last_id)(struct db *db);
	void (*begin)(struct db *db);
	void (*commit)(struct db *db);
	void (*rollback)(struct db *db);
	int (*in_transaction)(struct db *db);
	/* never returns (a pointer cannot say _Noreturn) */
	void (*die)(struct db *db, const char *what);
};

/* The part of a handle every backend has. */
struct db {
	const struct db_ops *ops;	/* the backend */
	enum db_kind kind;		/* which one */
	char *name;			/* the address, for messages; owned */
};

/* The part of a statement every backend has. */
struct db_stmt {
	struct db *db;			/* its handle; not owned */
};

/*
 * Open a store of the backend at name (owned by the handle from here
 * on); given: the operator named it, rather than the default path.  Both
 * exit 3 with a message when the store cannot be used.
 */
struct db *db_sqlite_open(char *name, int given, int flags);
struct db *db_pg_open(char *name, int flags);

/* db_now of a PostgreSQL handle without $JOBLINE_NOW: the server's
 * clock (lib/db_pg.c). */
int64_t db_pg_now(struct db *db);

/* db_listen, db_listen_fd and db_notified of a PostgreSQL handle. */
void db_pg_listen(struct db *db, const char *channel);
int db_pg_listen_fd(struct db *db);
int db_pg_notified(struct db *db, const char *channel, const char *payload);

#endif
