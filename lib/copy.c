/* copy.c - store --copy-from (see copy.h) */
#define _GNU_SOURCE
#include <err.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copy.h"
#include "dbstmt.h"
#include "jsonl.h"
#include "records.h"
#include "sig.h"
#include "util.h"

/* A table to copy. */
struct copy_table {
	const char *name;	/* the table */
	const char *cols;	/* its columns, in both stores */
	const char *types;	/* a letter a column: i, r (real), t, b */
	int same;		/* ids kept: the leading columns that say a
				   row the target holds is this one, or 0 */
	const char *pg_after;	/* PostgreSQL: run after the copy, or NULL */
};

/* In the order that keeps references whole (votes after predictions). */
static const struct copy_table tables[] = {
	{ "articles", "url_key, id, url, feed, title, published, record,"
	    " chunks, complete, first_seen, updated_at, seen_run",
	    "ttttttti" "itti", 0, NULL },
	{ "chunks", "id, item_id, n, count, text, start, \"end\", words,"
	    " model, dim, vector, record, stored_at",
	    "ttiitiiit" "ibtt", 0, NULL },
	{ "feeds", "url, title, etag, last_modified, http_status, error,"
	    " items, failures, last_attempt, last_success, next_try",
	    "ttttitiittt", 0, NULL },
	{ "runs", "id, job, started_at, completed_at, status, exit_code,"
	    " duration_ms, attempts, counters, error, host, pid",
	    "itttt" "iii" "ttt" "i", 3,
	    "SELECT setval(pg_get_serial_sequence('runs', 'id'), max(id))"
	    " FROM runs HAVING max(id) IS NOT NULL" },
	{ "job_state", "job, paused, reason, paused_at, expect_ms,"
	    " created_at, updated_at, n_success, n_failed, n_timeout,"
	    " n_interrupted, n_skipped, total_ms, consecutive_failures,"
	    " last_run_id, last_success_at, alert_since, n_partial,"
	    " consecutive_partial",
	    "tittitti" "iiiiiiittii", 0, NULL },
	{ "queue", "id, queue, key, payload, priority, state, attempts,"
	    " max_attempts, run_after, lease_until, worker, last_error,"
	    " created_at, updated_at, started_at, completed_at",
	    "itttit" "iitttttttt", 2,
	    "SELECT setval(pg_get_serial_sequence('queue', 'id'), max(id))"
	    " FROM queue HAVING max(id) IS NOT NULL" },
	{ "queue_keys", "queue, key, last_success, dead_count, last_dead,"
	    " last_error", "tttitt", 0, NULL },
	{ "prices", "symbol, time, price", "ttr", 0, NULL },
	{ "predictions", "id, symbol, question, opens_at, verify_at,"
	    " start_price, options, mode, status, end_price, price_change,"
	    " change_percent, correct_option, votes_correct, votes_incorrect,"
	    " verified_at, resolved_seq, resolved_by, error, record,"
	    " created_at, updated_at",
	    "tttttrttt" "rrrtiit" "ittttt", 0,
	    "SELECT setval('predictions_resolved_seq', max(resolved_seq))"
	    " FROM predictions HAVING max(resolved_seq) IS NOT NULL" },
	{ "votes", "prediction_id, user_id, option, voted_at, correct",
	    "tttti", 0, NULL },
	{ "user_stats", "user_id, predictions, correct, accuracy,"
	    " current_streak, best_streak, last_seq, updated_at",
	    "tiiriiit", 0, NULL },
};

/* A generic table's columns (lib/records.c). */
static const struct copy_table generic = {
	NULL, "key, record, first_seen, updated_at", "tttt", 0, NULL
};

/* What copying one table did. */
struct copied {
	long long copied;	/* rows inserted */
	long long present;	/* rows the target held */
	long long clashed;	/* rows whose id the target gives another */
};

/* Prepare SQL from fmt, its %s given. */
static struct db_stmt *
prepare_fmt(struct db *db, const char *fmt, ...)
{
	struct db_stmt *st;
	char *sql;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&sql, fmt, ap) < 0)
		die_nomem();
	va_end(ap);
	st = db_prepare(db, sql);
	free(sql);
	return st;
}

/* "?1, ?2, ... ?n" */
static char *
params(int n)
{
	char *s = xmalloc((size_t)n * 8 + 1), *o = s;

	for (int i = 1; i <= n; i++)
		o += sprintf(o, "%s?%d", i > 1 ? ", " : "", i);
	*o = '\0';
	return s;
}

/* "c1 = ?1 AND c2 = ?2 ..." over the first n of cols. */
static char *
same_where(const char *cols, int n)
{
	char *s = xmalloc(strlen(cols) + (size_t)n * 16 + 1), *o = s;
	const char *p = cols;

	for (int i = 1; i <= n; i++) {
		size_t len;

		while (*p == ' ' || *p == ',')
			p++;
		len = strcspn(p, ",");
		o += sprintf(o, "%s%.*s = ?%d", i > 1 ? " AND " : "",
		    (int)len, p, i);
		p += len;
	}
	*o = '\0';
	return s;
}

/* Bind column i of the source's row to parameter i + 1 of st. */
static void
bind_column(struct db_stmt *st, struct db_stmt *src, int i, char type)
{
	if (db_column_null(src, i)) {
		db_bind_null(st, i + 1);
		return;
	}
	switch (type) {
	case 'i':
		db_bind_int(st, i + 1, db_column_int(src, i));
		break;
	case 'r':
		db_bind_double(st, i + 1, db_column_double(src, i));
		break;
	case 'b':
		db_bind_blob(st, i + 1, db_column_blob(src, i),
		    db_column_bytes(src, i));
		break;
	default:
		db_bind_textn(st, i + 1, db_column_text(src, i),
		    db_column_bytes(src, i));
	}
}

/* Copy table name (t's columns) from src to dst. */
static void
copy_rows(struct db *dst, struct db *src, const char *name,
    const struct copy_table *t, struct copied *n)
{
	int ncols = (int)strlen(t->types);
	char *ps = params(ncols), *where = NULL;
	struct db_stmt *rd, *ins, *same = NULL;
	long long batch = 0;
	const char *p;
	int commas = 0;

	for (p = t->cols; *p; p++)
		commas += *p == ',';
	if (commas + 1 != ncols)	/* a bug in the tables above */
		errx(EXIT_FATAL, "copy: %s: %d columns, %d types", name,
		    commas + 1, ncols);

	rd = prepare_fmt(src, "SELECT %s FROM \"%s\"", t->cols, name);
	ins = prepare_fmt(dst, "INSERT INTO \"%s\" (%s) VALUES (%s)"
	    " ON CONFLICT DO NOTHING", name, t->cols, ps);
	if (t->same > 0) {
		where = same_where(t->cols, t->same);
		same = prepare_fmt(dst, "SELECT 1 FROM \"%s\" WHERE %s", name,
		    where);
	}
	db_begin(dst);
	while (!sig_caught && db_step_ok(rd) == DB_ROW) {
		for (int i = 0; i < ncols; i++)
			bind_column(ins, rd, i, t->types[i]);
		db_step_ok(ins);
		db_reset(ins);
		if (db_changes(dst) > 0) {
			n->copied++;
		} else if (same == NULL) {
			n->present++;
		} else {
			for (int i = 0; i < t->same; i++)
				bind_column(same, rd, i, t->types[i]);
			if (db_step_ok(same) == DB_ROW)
				n->present++;
			else
				n->clashed++;
			db_reset(same);
		}
		if (++batch == COPY_BATCH) {
			db_commit(dst);
			db_begin(dst);
			batch = 0;
		}
	}
	if (t->pg_after != NULL && db_kind(dst) == DB_POSTGRES)
		db_exec(dst, t->pg_after);
	db_commit(dst);
	db_finalize(same);
	db_finalize(ins);
	db_finalize(rd);
	free(where);
	free(ps);
}

/* The to-do list: the target's rowids of the source's unfinished
 * articles (rowids are each store's own). */
static void
copy_todo(struct db *dst, struct db *src, struct copied *n)
{
	struct db_stmt *rd = db_prepare(src, "SELECT a.url_key FROM"
	    " articles_todo t JOIN articles a ON a.rowid = t.article");
	struct db_stmt *ins = db_prepare(dst, "INSERT INTO articles_todo"
	    " (article) SELECT rowid FROM articles WHERE url_key = ?1"
	    " AND complete = 0 ON CONFLICT DO NOTHING");

	db_begin(dst);
	while (!sig_caught && db_step_ok(rd) == DB_ROW) {
		db_bind_text(ins, 1, db_column_text(rd, 0));
		db_step_ok(ins);
		db_reset(ins);
		if (db_changes(dst) > 0)
			n->copied++;
		else
			n->present++;
	}
	db_commit(dst);
	db_finalize(ins);
	db_finalize(rd);
}

static void
report(FILE *out, const char *name, const struct copied *n)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "table", json_object_new_string(name));
	json_object_object_add(o, "copied", json_object_new_int64(n->copied));
	json_object_object_add(o, "present",
	    json_object_new_int64(n->present));
	if (n->clashed > 0)
		json_object_object_add(o, "clashed",
		    json_object_new_int64(n->clashed));
	jsonl_write(out, o);
	json_object_put(o);
	fflush(out);
}

/* The source's generic tables, one name a string; NULL-terminated. */
static char **
generic_tables(struct db *src)
{
	struct db_stmt *st = db_prepare(src, "SELECT name FROM sqlite_master"
	    " WHERE type = 'table' ORDER BY name");
	char **names = xcalloc(1, sizeof(*names));
	size_t n = 0;

	while (db_step_ok(st) == DB_ROW) {
		const char *name = db_column_text(st, 0);

		if (name == NULL || !records_name_ok(name))
			continue;
		names = xrealloc(names, (n + 2) * sizeof(*names));
		names[n++] = xstrdup(name);
		names[n] = NULL;
	}
	db_finalize(st);
	return names;
}

int
copy_store(struct db *dst, struct db *src, const char *now, FILE *out)
{
	char **names;
	int status = 0;

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		struct copied n = { 0, 0, 0 };

		if (sig_caught)
			return status;
		copy_rows(dst, src, tables[i].name, &tables[i], &n);
		report(out, tables[i].name, &n);
		if (n.clashed > 0)
			status = 1;
		if (strcmp(tables[i].name, "articles") == 0) {
			struct copied todo = { 0, 0, 0 };

			copy_todo(dst, src, &todo);
			report(out, "articles_todo", &todo);
		}
	}
	names = generic_tables(src);
	for (char **p = names; *p != NULL; p++) {
		struct copied n = { 0, 0, 0 };

		if (!sig_caught) {
			/* made in the target as store TABLE makes it */
			records_close(records_open(dst, *p, now));
			copy_rows(dst, src, *p, &generic, &n);
			report(out, *p, &n);
		}
		free(*p);
	}
	free(names);
	return status;
}
