/* feeds.c - the feeds table's SQL (see feeds.h) */
#include <stdlib.h>

#include "backoff.h"
#include "dbstmt.h"
#include "feeds.h"
#include "timefmt.h"
#include "util.h"

struct feeds {
	struct db *db;			/* the store; not owned */
	struct db_stmt *ok;		/* record a good fetch */
	struct db_stmt *bad;		/* record a failure */
	struct db_stmt *validators;	/* read a feed's validators */
	struct db_stmt *set;		/* write a feed's validators */
	struct db_stmt *next;		/* write a feed's next try */
	struct db_stmt *reset;		/* bring a feed back */
};

struct feeds *
feeds_open(struct db *db)
{
	struct feeds *f = xcalloc(1, sizeof(*f));

	f->db = db;
	return f;
}

void
feeds_close(struct feeds *f)
{
	if (f == NULL)
		return;
	db_finalize(f->ok);
	db_finalize(f->bad);
	db_finalize(f->validators);
	db_finalize(f->set);
	db_finalize(f->next);
	db_finalize(f->reset);
	free(f);
}

int
feeds_validators(struct feeds *f, const char *url, char **etag,
    char **last_modified, int64_t *failures, int64_t *next_try)
{
	struct db_stmt *st;
	int known = 0;

	if (f->validators == NULL)
		f->validators = db_prepare(f->db, "SELECT etag, last_modified,"
		    " failures, next_try FROM feeds WHERE url = ?1");
	st = f->validators;
	*etag = *last_modified = NULL;
	*failures = *next_try = 0;
	db_bind_text(st, 1, url);
	if (db_step_ok(st) == DB_ROW) {
		const char *t = db_column_text(st, 3);

		*etag = db_column_dup(st, 0);
		*last_modified = db_column_dup(st, 1);
		*failures = db_column_int(st, 2);
		if (t != NULL && time_parse(t, next_try) != 0)
			*next_try = 0;
		known = 1;
	}
	db_reset(st);
	return known;
}

void
feeds_record_ok(struct feeds *f, const char *url, const char *title,
    long http_status, int64_t items, int64_t now)
{
	struct db_stmt *st;
	char t[TIME_BUFSZ];

	if (f->ok == NULL)
		f->ok = db_prepare(f->db,
		    "INSERT INTO feeds (url, title, http_status, error, items,"
		    " failures, last_attempt, last_success) VALUES (?1, ?2, ?3,"
		    " NULL, ?4, 0, ?5, ?5) ON CONFLICT (url) DO UPDATE SET"
		    " title = coalesce(excluded.title, feeds.title),"
		    " http_status = excluded.http_status, error = NULL,"
		    " items = CASE WHEN ?3 = 304 THEN feeds.items ELSE"
		    "   excluded.items END,"
		    " failures = 0, next_try = NULL,"
		    " last_attempt = excluded.last_attempt,"
		    " last_success = excluded.last_success");
	/* the table's own columns named with it: PostgreSQL finds a bare
	 * name ambiguous beside excluded's */
	st = f->ok;
	db_bind_text(st, 1, url);
	db_bind_text(st, 2, title);
	db_bind_int(st, 3, http_status);
	db_bind_int(st, 4, items);
	db_bind_text(st, 5, time_format(now, t));
	db_step_ok(st);
	db_clear(st);
}

void
feeds_set_validators(struct feeds *f, const char *url, const char *etag,
    const char *last_modified)
{
	struct db_stmt *st;

	if (f->set == NULL)
		f->set = db_prepare(f->db,
		    "INSERT INTO feeds (url, etag, last_modified)"
		    " VALUES (?1, ?2, ?3) ON CONFLICT (url) DO UPDATE SET"
		    " etag = excluded.etag,"
		    " last_modified = excluded.last_modified");
	st = f->set;
	db_bind_text(st, 1, url);
	db_bind_text(st, 2, etag);
	db_bind_text(st, 3, last_modified);
	db_step_ok(st);
	db_clear(st);
}

int64_t
feeds_record_failure(struct feeds *f, const char *url, long http_status,
    const char *error, int64_t now, long retry_after_ms, int64_t *next_try)
{
	struct db_stmt *st;
	char t[TIME_BUFSZ];
	int64_t failures = 1, wait = 0;

	if (f->bad == NULL)
		f->bad = db_prepare(f->db,
		    "INSERT INTO feeds (url, http_status, error, failures,"
		    " last_attempt) VALUES (?1, ?2, ?3, 1, ?4)"
		    " ON CONFLICT (url) DO UPDATE SET"
		    " http_status = excluded.http_status,"
		    " error = excluded.error, failures = feeds.failures + 1,"
		    " last_attempt = excluded.last_attempt"
		    " RETURNING failures");
	st = f->bad;
	db_bind_text(st, 1, url);
	if (http_status)
		db_bind_int(st, 2, http_status);
	else
		db_bind_null(st, 2);
	db_bind_text(st, 3, error);
	db_bind_text(st, 4, time_format(now, t));
	if (db_step_ok(st) == DB_ROW)
		failures = db_column_int(st, 0);
	db_clear(st);

	if (failures >= 2)
		wait = backoff_ms(FEEDS_BACKOFF_BASE_MS, FEEDS_BACKOFF_CAP_MS,
		    failures - 1);
	if (retry_after_ms > wait)
		wait = retry_after_ms < FEEDS_BACKOFF_CAP_MS ? retry_after_ms :
		    FEEDS_BACKOFF_CAP_MS;
	*next_try = wait > 0 ? now + wait : 0;
	if (f->next == NULL)
		f->next = db_prepare(f->db,
		    "UPDATE feeds SET next_try = ?2 WHERE url = ?1");
	st = f->next;
	db_bind_text(st, 1, url);
	if (wait > 0)
		db_bind_text(st, 2, time_format(*next_try, t));
	else
		db_bind_null(st, 2);
	db_step_ok(st);
	db_clear(st);
	return failures;
}

int
feeds_reset_failures(struct feeds *f, const char *url)
{
	struct db_stmt *st;

	if (f->reset == NULL)
		f->reset = db_prepare(f->db, "UPDATE feeds SET failures = 0,"
		    " next_try = NULL WHERE url = ?1");
	st = f->reset;
	db_bind_text(st, 1, url);
	db_step_ok(st);
	db_clear(st);
	return db_changes(f->db) > 0;
}

void
feeds_each_failing(struct db *db, int64_t min_failures,
    void (*fn)(const struct feed_row *row, void *arg), void *arg)
{
	struct db_stmt *st = db_prepare(db,
	    "SELECT url, title, failures, last_success, last_attempt, error,"
	    " next_try FROM feeds WHERE failures >= ?1 ORDER BY failures DESC, url");
	struct feed_row r;

	db_bind_int(st, 1, min_failures);
	while (db_step_ok(st) == DB_ROW) {
		r.url = db_column_text(st, 0);
		r.title = db_column_text(st, 1);
		r.failures = db_column_int(st, 2);
		r.last_success = db_column_text(st, 3);
		r.last_attempt = db_column_text(st, 4);
		r.error = db_column_text(st, 5);
		r.next_try = db_column_text(st, 6);
		fn(&r, arg);
	}
	db_finalize(st);
}
