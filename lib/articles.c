/* articles.c - the articles table's SQL (see articles.h) */
#include <stdlib.h>
#include <string.h>

#include "articles.h"
#include "dbstmt.h"
#include "timefmt.h"
#include "util.h"

struct articles {
	struct db *db;			/* the store; not owned */
	int64_t run;			/* this run's token (seen_run) */
	char now[TIME_BUFSZ];		/* time stamp written to rows */
	struct db_stmt *insert;		/* a new article */
	struct db_stmt *insert_first;	/* the same, giving its rowid */
	struct db_stmt *find;		/* by url_key */
	struct db_stmt *update;		/* a changed article */
	struct db_stmt *mark;		/* passed on by this run */
	struct db_stmt *todo_add;	/* new articles onto the to-do list */
	struct db_stmt *todo_take;	/* the unfinished, marked passed on */
	int64_t todo_from;		/* first rowid the transaction
					   inserted, or 0 */
	char *found_id;			/* articles_find's id */
};

/*
 * OR IGNORE on SQLite rather than ON CONFLICT DO NOTHING (PostgreSQL's
 * form): SQLite keeps a statement journal, a copy of each 16 KiB page
 * changed, for a statement that may abort on a NOT NULL, which cost a
 * quarter of storing an article.
 */
#define INSERT_COLUMNS " INTO articles (url_key, id, url, feed," \
	" title, published, record, first_seen, updated_at, seen_run)" \
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)"
#define INSERT_SQLITE "INSERT OR IGNORE" INSERT_COLUMNS
#define INSERT_PG "INSERT" INSERT_COLUMNS " ON CONFLICT DO NOTHING"

/* the news tables' advisory lock: its class ("news") and key */
#define NEWS_LOCK_CLASS 0x6e657773
#define NEWS_LOCK_WRITE 1

void
articles_write_lock(struct db *db)
{
	struct db_stmt *st;

	if (db_kind(db) != DB_POSTGRES)
		return;
	st = db_prepare(db, "SELECT pg_advisory_xact_lock(?1::int4, ?2::int4)");
	db_bind_int(st, 1, NEWS_LOCK_CLASS);
	db_bind_int(st, 2, NEWS_LOCK_WRITE);
	db_step_ok(st);
	db_finalize(st);
}

struct articles *
articles_open(struct db *db, int64_t run, const char *now)
{
	struct articles *a = xcalloc(1, sizeof(*a));
	int pg;

	a->db = db;
	a->run = run;
	snprintf(a->now, sizeof(a->now), "%s", now);
	a->find = db_prepare(db,
	    "SELECT id, complete, seen_run, record = ?2 FROM articles"
	    " WHERE url_key = ?1");
	pg = db_kind(db) == DB_POSTGRES;
	a->insert = db_prepare(db, pg ? INSERT_PG : INSERT_SQLITE);
	a->insert_first = db_prepare(db, pg ? INSERT_PG " RETURNING rowid" :
	    INSERT_SQLITE " RETURNING rowid");
	a->update = db_prepare(db,
	    "UPDATE articles SET url = ?2, feed = ?3, title = ?4,"
	    " published = ?5, record = ?6, updated_at = ?7 WHERE url_key = ?1");
	a->mark = db_prepare(db,
	    "UPDATE articles SET seen_run = ?2 WHERE url_key = ?1");
	a->todo_take = db_prepare(db,
	    "UPDATE articles SET seen_run = ?1"
	    " WHERE rowid IN (SELECT article FROM articles_todo)"
	    " AND complete = 0 AND seen_run IS DISTINCT FROM ?1 RETURNING record");
	/* the transaction's new articles are unfinished: rowids from its
	 * first on are its own, as it holds the write lock (on PostgreSQL,
	 * other stores' committed unfinished articles may be among them:
	 * they are unfinished too, and marking one twice is nothing) */
	a->todo_add = db_prepare(db,
	    "INSERT INTO articles_todo (article)"
	    " SELECT rowid FROM articles WHERE rowid >= ?1 AND complete = 0"
	    " ORDER BY rowid ON CONFLICT DO NOTHING");
	return a;
}

void
articles_close(struct articles *a)
{
	if (a == NULL)
		return;
	db_finalize(a->find);
	db_finalize(a->insert);
	db_finalize(a->insert_first);
	db_finalize(a->update);
	db_finalize(a->mark);
	db_finalize(a->todo_take);
	db_finalize(a->todo_add);
	free(a->found_id);
	free(a);
}

/* Bind the article's url, feed, title, published and record to
 * parameters i to i+4. */
static void
bind_columns(struct db_stmt *st, int i, const struct article *art)
{
	db_bind_text(st, i, art->url);
	db_bind_textn(st, i + 1, art->feed, art->feed_len);
	db_bind_textn(st, i + 2, art->title, art->title_len);
	db_bind_textn(st, i + 3, art->published, art->published_len);
	db_bind_textn(st, i + 4, art->record, art->record_len);
}

int
articles_insert(struct articles *a, const struct article *art)
{
	/* the first insert of a transaction says where its rows begin */
	struct db_stmt *st = a->todo_from == 0 ? a->insert_first : a->insert;
	int rc, inserted;

	db_bind_text(st, 1, art->url_key);
	db_bind_text(st, 2, art->id);
	bind_columns(st, 3, art);
	db_bind_text(st, 8, a->now);
	db_bind_int(st, 9, a->run);
	rc = db_step(st);
	if (rc == DB_ROW) {
		a->todo_from = db_column_int(st, 0);
		inserted = 1;
	} else if (rc == DB_DONE) {
		inserted = st == a->insert && db_changes(a->db) > 0;
	} else {
		db_die(a->db, "insert");
	}
	db_reset(st);
	return inserted;
}

int
articles_find(struct articles *a, const char *url_key, const char *record,
    size_t len, struct article_found *f)
{
	struct db_stmt *st = a->find;
	int found = 0;

	db_bind_text(st, 1, url_key);
	db_bind_textn(st, 2, record, len);
	if (db_step_ok(st) == DB_ROW) {
		free(a->found_id);
		a->found_id = db_column_dup(st, 0);
		f->id = a->found_id;
		f->complete = db_column_int(st, 1) != 0;
		f->seen = !db_column_null(st, 2) &&
		    db_column_int(st, 2) == a->run;
		f->same = db_column_int(st, 3) != 0;
		found = 1;
	}
	db_reset(st);
	return found;
}

void
articles_update(struct articles *a, const struct article *art)
{
	struct db_stmt *st = a->update;

	db_bind_text(st, 1, art->url_key);
	bind_columns(st, 2, art);
	db_bind_text(st, 7, a->now);
	db_step_ok(st);
	db_reset(st);
}

void
articles_mark(struct articles *a, const char *url_key)
{
	struct db_stmt *st = a->mark;

	db_bind_text(st, 1, url_key);
	db_bind_int(st, 2, a->run);
	db_step_ok(st);
	db_reset(st);
}

void
articles_before_commit(struct articles *a)
{
	struct db_stmt *st = a->todo_add;

	if (a->todo_from == 0)
		return;
	db_bind_int(st, 1, a->todo_from);
	db_step_ok(st);
	db_reset(st);
	a->todo_from = 0;
}

void
articles_take_unfinished(struct articles *a,
    void (*fn)(const char *record, size_t len, void *arg), void *arg)
{
	struct db_stmt *st = a->todo_take;

	db_bind_int(st, 1, a->run);
	while (db_step_ok(st) == DB_ROW)
		fn(db_column_text(st, 0), db_column_bytes(st, 0), arg);
	db_reset(st);
}
