/*
 * articles.h - the articles table and its to-do list (articles_todo):
 * store articles' side of them.  man/jobline.5 documents the tables.
 *
 * An article is stored once under its url_key (its canonical URL, else
 * "id:" and its id, else the value of store's --key), with the id its
 * chunks refer to, a few columns picked out of it and the whole record.
 * It is complete once all its chunks are stored (lib/chunks.h marks it);
 * until then it is on articles_todo, and each run of store articles
 * --emit new passes it on once (seen_run holds the token of the run that
 * did).
 *
 * Every function runs inside the caller's write transaction (db_begin);
 * articles_before_commit must be called before each db_commit.  Under
 * SQLite, BEGIN IMMEDIATE serialises writers, so that looking an article
 * up and then inserting or updating it cannot race another store; a
 * server store will need the row locked (or one statement) instead.
 *
 * Ownership: struct articles holds prepared statements on a handle that
 * stays the caller's; articles_close finalizes them.  Strings given in a
 * struct article are only read, during the call.  The id articles_find
 * returns and the records articles_take_unfinished passes to its callback
 * are owned by the handle, good until its next call.
 */
#ifndef JOBLINE_ARTICLES_H
#define JOBLINE_ARTICLES_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* An article as it is stored.  A text of length 0 with a NULL pointer is
 * SQL NULL; the lengths say where text does not end with a NUL. */
struct article {
	const char *url_key;	/* the key it is deduplicated on */
	const char *id;		/* the id its chunks use */
	const char *url;	/* its url field, or NULL */
	const char *feed;	/* the feed field, or NULL */
	size_t feed_len;	/* its length */
	const char *title;	/* the title field, or NULL */
	size_t title_len;	/* its length */
	const char *published;	/* the published field as given, or NULL */
	size_t published_len;	/* its length */
	const char *record;	/* the whole record, JSON */
	size_t record_len;	/* its length */
};

/* What is stored under a url_key. */
struct article_found {
	const char *id;		/* its id (owned by the handle) */
	int complete;		/* all its chunks are stored */
	int seen;		/* this run passed it on already */
	int same;		/* its stored record is the one looked up with */
};

/*
 * The handle of one run of store: run is its token (any number another
 * run is unlikely to draw), now the time stamp written to the rows
 * (copied).
 */
struct articles *articles_open(struct db *db, int64_t run, const char *now);
void articles_close(struct articles *a);	/* NULL is allowed */

/*
 * Take the news tables' write lock for the open transaction, before its
 * first row: store articles and store chunks call it after each
 * db_begin.  On PostgreSQL a transaction advisory lock, released by the
 * commit or rollback: two stores (two machines over the same feeds) take
 * rows of articles and chunks in different orders, and without it would
 * deadlock, one of them failing half-way.  Nothing on SQLite, whose
 * write transactions are one at a time already (BEGIN IMMEDIATE).
 */
void articles_write_lock(struct db *db);

/* Insert a new article, seen by this run: 1 if inserted, 0 if its
 * url_key or its id is stored already. */
int articles_insert(struct articles *a, const struct article *art);

/* The article stored under url_key into *f, its record compared with
 * record[0..len): 1, or 0 when there is none. */
int articles_find(struct articles *a, const char *url_key,
    const char *record, size_t len, struct article_found *f);

/* Replace the stored article's url, feed, title, published and record
 * (its id, state and first_seen stay). */
void articles_update(struct articles *a, const struct article *art);

/* Note that this run passes on the article stored under url_key. */
void articles_mark(struct articles *a, const char *url_key);

/* Before each commit: the transaction's new articles go on the to-do
 * list. */
void articles_before_commit(struct articles *a);

/*
 * Call fn with the record of every unfinished article this run has not
 * passed on yet, in the order they were stored, marking each passed on.
 */
void articles_take_unfinished(struct articles *a,
    void (*fn)(const char *record, size_t len, void *arg), void *arg);

#endif
