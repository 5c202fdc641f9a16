/* chunks.c - the chunks table's SQL (see chunks.h) */
#include <stdlib.h>
#include <string.h>

#include "chunks.h"
#include "dbstmt.h"
#include "timefmt.h"
#include "util.h"

struct chunks {
	struct db *db;			/* the store; not owned */
	char now[TIME_BUFSZ];		/* time stamp written to rows */
	struct db_stmt *find;		/* a chunk by id */
	struct db_stmt *upsert;		/* store a chunk */
	struct db_stmt *finish;		/* complete an article */
};

struct chunks *
chunks_open(struct db *db, const char *now)
{
	struct chunks *c = xcalloc(1, sizeof(*c));

	c->db = db;
	snprintf(c->now, sizeof(c->now), "%s", now);
	c->find = db_prepare(db, "SELECT 1 FROM chunks WHERE id = ?1");
	c->upsert = db_prepare(db,
	    "INSERT INTO chunks (id, item_id, n, count, text, start, \"end\","
	    " words, model, dim, vector, record, stored_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
	    " ON CONFLICT (id) DO UPDATE SET item_id = excluded.item_id,"
	    " n = excluded.n, count = excluded.count, text = excluded.text,"
	    " start = excluded.start, \"end\" = excluded.\"end\","
	    " words = excluded.words, model = excluded.model,"
	    " dim = excluded.dim, vector = excluded.vector,"
	    " record = excluded.record, stored_at = excluded.stored_at");
	/* counted and marked in one statement, so that no other writer
	 * comes between */
	c->finish = db_prepare(db,
	    "UPDATE articles SET complete = 1, chunks = ?2"
	    " WHERE id = ?1 AND complete = 0 AND (SELECT count(*) FROM chunks"
	    "  WHERE item_id = ?1 AND n < ?2) = ?2");
	return c;
}

void
chunks_close(struct chunks *c)
{
	if (c == NULL)
		return;
	db_finalize(c->find);
	db_finalize(c->upsert);
	db_finalize(c->finish);
	free(c);
}

int
chunks_exists(struct chunks *c, const char *id)
{
	int found;

	db_bind_text(c->find, 1, id);
	found = db_step_ok(c->find) == DB_ROW;
	db_reset(c->find);
	return found;
}

/* Bind v, or NULL. */
static void
bind_int_or_null(struct db_stmt *st, int i, const int64_t *v)
{
	if (v != NULL)
		db_bind_int(st, i, *v);
	else
		db_bind_null(st, i);
}

void
chunks_put(struct chunks *c, const struct chunk *ch)
{
	struct db_stmt *st = c->upsert;

	db_bind_text(st, 1, ch->id);
	db_bind_text(st, 2, ch->item_id);
	db_bind_int(st, 3, ch->n);
	db_bind_int(st, 4, ch->count);
	db_bind_text(st, 5, ch->text);
	bind_int_or_null(st, 6, ch->start);
	bind_int_or_null(st, 7, ch->end);
	bind_int_or_null(st, 8, ch->words);
	if (ch->vector != NULL) {
		db_bind_text(st, 9, ch->model);
		db_bind_int(st, 10, (int64_t)(ch->vector_bytes / 4));
		db_bind_blob(st, 11, ch->vector, ch->vector_bytes);
	} else {
		db_bind_null(st, 9);
		db_bind_null(st, 10);
		db_bind_null(st, 11);
	}
	db_bind_text(st, 12, ch->record);
	db_bind_text(st, 13, c->now);
	db_step_ok(st);
	db_reset(st);
}

void
chunks_finish(struct chunks *c, const char *item_id, int64_t count)
{
	struct db_stmt *st = c->finish;

	db_bind_text(st, 1, item_id);
	db_bind_int(st, 2, count);
	db_step_ok(st);
	db_reset(st);
}
