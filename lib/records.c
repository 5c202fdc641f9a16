/* records.c - generic tables' SQL (see records.h) */
#define _GNU_SOURCE
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbstmt.h"
#include "records.h"
#include "schema.h"
#include "timefmt.h"
#include "util.h"

struct records {
	char now[TIME_BUFSZ];		/* time stamp written to rows */
	struct db_stmt *find;		/* a key's record, compared */
	struct db_stmt *insert;		/* a new key */
	struct db_stmt *update;		/* a changed record */
};

int
records_name_ok(const char *name)
{
	regex_t re;
	int ok;

	regcomp(&re, "^[a-z][a-z0-9_]{0,62}$", REG_EXTENDED | REG_NOSUB);
	ok = regexec(&re, name, 0, NULL, 0) == 0 && !schema_reserved(name);
	regfree(&re);
	return ok;
}

/* Prepare fmt with the table's name put in for %s. */
static struct db_stmt *
prepare_for(struct db *db, const char *fmt, const char *name)
{
	struct db_stmt *st;
	char *sql;

	if (asprintf(&sql, fmt, name) < 0)
		die_nomem();
	st = db_prepare(db, sql);
	free(sql);
	return st;
}

struct records *
records_open(struct db *db, const char *name, const char *now)
{
	struct records *r = xcalloc(1, sizeof(*r));
	char *sql;

	snprintf(r->now, sizeof(r->now), "%s", now);
	if (asprintf(&sql, "CREATE TABLE IF NOT EXISTS \"%s\" ("
	    " key TEXT PRIMARY KEY, record TEXT NOT NULL,"
	    " first_seen TEXT NOT NULL, updated_at TEXT NOT NULL)", name) < 0)
		die_nomem();
	db_exec(db, sql);
	free(sql);
	r->find = prepare_for(db,
	    "SELECT record = ?2 FROM \"%s\" WHERE key = ?1", name);
	r->insert = prepare_for(db, "INSERT INTO \"%s\" (key, record,"
	    " first_seen, updated_at) VALUES (?1, ?2, ?3, ?3)", name);
	r->update = prepare_for(db, "UPDATE \"%s\" SET record = ?2,"
	    " updated_at = ?3 WHERE key = ?1", name);
	return r;
}

void
records_close(struct records *r)
{
	if (r == NULL)
		return;
	db_finalize(r->find);
	db_finalize(r->insert);
	db_finalize(r->update);
	free(r);
}

enum records_put
records_put(struct records *r, const char *key, const char *record,
    size_t len)
{
	struct db_stmt *st = r->find;
	enum records_put res = RECORDS_NEW;

	db_bind_text(st, 1, key);
	db_bind_textn(st, 2, record, len);
	if (db_step_ok(st) == DB_ROW)
		res = db_column_int(st, 0) ? RECORDS_SAME : RECORDS_CHANGED;
	db_reset(st);
	if (res == RECORDS_SAME)
		return res;
	st = res == RECORDS_NEW ? r->insert : r->update;
	db_bind_text(st, 1, key);
	db_bind_textn(st, 2, record, len);
	db_bind_text(st, 3, r->now);
	db_step_ok(st);
	db_reset(st);
	return res;
}
