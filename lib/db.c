/*
 * db.c - the store handle: the address chosen, the backend opened, and
 * db.h's and dbstmt.h's calls handed to it (lib/db_sqlite.c,
 * lib/db_pg.c).
 */
#define _GNU_SOURCE
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbimpl.h"
#include "timefmt.h"
#include "util.h"

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

/* Non-zero when addr is a libpq URI. */
static int
is_postgres(const char *addr)
{
	return strncmp(addr, "postgresql://", 13) == 0 ||
	    strncmp(addr, "postgres://", 11) == 0;
}

/* Non-zero when a libpq URI carries a password (user:pw@ or
 * password=). */
static int
has_password(const char *uri)
{
	const char *p = strstr(uri, "://"), *at, *colon, *end;

	if (p != NULL) {
		p += 3;
		end = p + strcspn(p, "/?");
		at = memchr(p, '@', (size_t)(end - p));
		colon = memchr(p, ':', (size_t)(end - p));
		if (at != NULL && colon != NULL && colon < at)
			return 1;
	}
	p = strstr(uri, "password=");
	return p != NULL && (p[-1] == '?' || p[-1] == '&');
}

struct db *
db_open(const char *addr, int flags)
{
	int given = 1;
	char *name = addr && *addr ? xstrdup(addr) : default_path(&given);

	if (is_postgres(name)) {
		/* argv is readable by every user of the machine (ps) */
		if (addr != NULL && *addr != '\0' && has_password(name))
			warnx("a password in --db can be read by every user of "
			    "this machine: give it in PGPASSWORD, PGPASSFILE "
			    "or a service file");
		return db_pg_open(name, flags);
	}
	return db_sqlite_open(name, given, flags);
}

void
db_close(struct db *db)
{
	if (db != NULL)
		db->ops->close(db);
}

const char *
db_name(const struct db *db)
{
	return db->name;
}

enum db_kind
db_kind(struct db *db)
{
	return db->kind;
}

void
db_begin(struct db *db)
{
	db->ops->begin(db);
}

void
db_begin_read(struct db *db)
{
	/* PostgreSQL's default isolation takes a snapshot per statement */
	db->ops->exec(db, db->kind == DB_POSTGRES ?
	    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
}

void
db_commit(struct db *db)
{
	db->ops->commit(db);
}

void
db_rollback(struct db *db)
{
	db->ops->rollback(db);
}

int64_t
db_now(struct db *db)
{
	const char *env = getenv("JOBLINE_NOW");

	if (db->kind == DB_POSTGRES && (env == NULL || *env == '\0'))
		return db_pg_now(db);
	return time_now();
}

void
db_listen(struct db *db, const char *channel)
{
	if (db->kind == DB_POSTGRES)
		db_pg_listen(db, channel);
}

int
db_listen_fd(struct db *db)
{
	return db->kind == DB_POSTGRES ? db_pg_listen_fd(db) : -1;
}

int
db_notified(struct db *db, const char *channel, const char *payload)
{
	return db->kind == DB_POSTGRES ? db_pg_notified(db, channel, payload) :
	    0;
}

_Noreturn void
db_die(struct db *db, const char *what)
{
	if (db == NULL)
		errx(EXIT_FATAL, "store: %s: cannot open", what);
	db->ops->die(db, what);
	abort();	/* not reached */
}

int
db_in_transaction(struct db *db)
{
	return db->ops->in_transaction(db);
}

void
db_exec(struct db *db, const char *sql)
{
	db->ops->exec(db, sql);
}

int64_t
db_changes(struct db *db)
{
	return db->ops->changes(db);
}

int64_t
db_last_id(struct db *db)
{
	return db->ops->last_id(db);
}

/* -- statements -- */

struct db_stmt *
db_prepare(struct db *db, const char *sql)
{
	return db->ops->prepare(db, sql);
}

void
db_finalize(struct db_stmt *st)
{
	if (st != NULL)
		st->db->ops->finalize(st);
}

struct db *
db_stmt_db(struct db_stmt *st)
{
	return st->db;
}

void
db_bind_null(struct db_stmt *st, int i)
{
	st->db->ops->bind_null(st, i);
}

void
db_bind_int(struct db_stmt *st, int i, int64_t v)
{
	st->db->ops->bind_int(st, i, v);
}

void
db_bind_double(struct db_stmt *st, int i, double v)
{
	st->db->ops->bind_double(st, i, v);
}

void
db_bind_text(struct db_stmt *st, int i, const char *s)
{
	if (s == NULL)
		st->db->ops->bind_null(st, i);
	else
		st->db->ops->bind_text(st, i, s, strlen(s), 0);
}

void
db_bind_textn(struct db_stmt *st, int i, const char *s, size_t n)
{
	if (s == NULL)
		st->db->ops->bind_null(st, i);
	else
		st->db->ops->bind_text(st, i, s, n, 0);
}

void
db_bind_copy(struct db_stmt *st, int i, const char *s)
{
	if (s == NULL)
		st->db->ops->bind_null(st, i);
	else
		st->db->ops->bind_text(st, i, s, strlen(s), 1);
}

void
db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
	st->db->ops->bind_blob(st, i, p, n);
}

int
db_step(struct db_stmt *st)
{
	return st->db->ops->step(st);
}

int
db_step_ok(struct db_stmt *st)
{
	int rc = st->db->ops->step(st);

	if (rc != DB_ROW && rc != DB_DONE)
		db_die(st->db, "write");
	return rc;
}

void
db_reset(struct db_stmt *st)
{
	st->db->ops->reset(st);
}

void
db_clear(struct db_stmt *st)
{
	st->db->ops->clear(st);
}

int
db_column_null(struct db_stmt *st, int i)
{
	return st->db->ops->column_null(st, i);
}

int64_t
db_column_int(struct db_stmt *st, int i)
{
	return st->db->ops->column_int(st, i);
}

double
db_column_double(struct db_stmt *st, int i)
{
	return st->db->ops->column_double(st, i);
}

const char *
db_column_text(struct db_stmt *st, int i)
{
	return st->db->ops->column_text(st, i);
}

char *
db_column_dup(struct db_stmt *st, int i)
{
	return xstrdup_null(db_column_text(st, i));
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
	return st->db->ops->column_bytes(st, i);
}

const void *
db_column_blob(struct db_stmt *st, int i)
{
	return st->db->ops->column_blob(st, i);
}
