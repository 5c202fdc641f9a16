/*
 * schema.c - the store's schema, as migrations.
 *
 * migrations[v - 1] takes a store from user_version v-1 to v.  A released
 * step is never edited: change the schema by appending a step.  Each
 * program's tables have a section; man/jobline.5 documents them all.
 * Times are RFC 3339 UTC text ("2026-11-22T08:30:00Z", or with .mmm where a
 * program needs milliseconds), so they sort as text and read in sqlite3.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "schema.h"

static const char *const migrations[] = {
	/* 1: the first schema */

	/* -- store articles / store chunks: the news pipeline -- */
	"CREATE TABLE articles ("
	"  url_key    TEXT PRIMARY KEY,"	/* canonical URL, else 'id:'||id */
	"  id         TEXT NOT NULL,"		/* the id chunks refer to */
	"  url        TEXT,"
	"  feed       TEXT,"
	"  title      TEXT,"
	"  published  TEXT,"
	"  record     TEXT NOT NULL,"		/* the whole item, JSON */
	"  chunks     INTEGER,"			/* chunk count, once chunked */
	"  complete   INTEGER NOT NULL DEFAULT 0," /* all chunks stored */
	"  first_seen TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL,"
	"  seen_run   INTEGER"			/* store run that passed it on */
	");"
	"CREATE UNIQUE INDEX articles_id ON articles(id);"
	/* the unfinished articles, by rowid: store adds a transaction's new
	 * articles in one sequential insert as it commits, which costs a
	 * sixth of what a partial index on articles did row by row */
	"CREATE TABLE articles_todo (article INTEGER PRIMARY KEY);"
	"CREATE TRIGGER articles_todo_done AFTER UPDATE OF complete ON articles"
	"  WHEN new.complete <> 0 BEGIN"
	"  DELETE FROM articles_todo WHERE article = new.rowid;"
	"END;"
	"CREATE TRIGGER articles_todo_gone AFTER DELETE ON articles BEGIN"
	"  DELETE FROM articles_todo WHERE article = old.rowid;"
	"END;"
	"CREATE TABLE chunks ("
	"  id         TEXT PRIMARY KEY,"	/* '<item id>#<n>' */
	"  item_id    TEXT NOT NULL,"
	"  n          INTEGER NOT NULL,"
	"  count      INTEGER NOT NULL,"
	"  text       TEXT NOT NULL,"
	"  start      INTEGER,"
	"  \"end\"      INTEGER,"
	"  words      INTEGER,"
	"  model      TEXT,"			/* embedding_model, e.g. hash-v1-384 */
	"  dim        INTEGER,"			/* floats in vector */
	"  vector     BLOB,"			/* little-endian float32 */
	"  record     TEXT NOT NULL,"		/* the chunk without its vector */
	"  stored_at  TEXT NOT NULL"
	");"
	"CREATE INDEX chunks_item ON chunks(item_id, n);"
	"CREATE INDEX chunks_model ON chunks(model);"
	"CREATE VIRTUAL TABLE chunks_fts USING fts5(text, content='chunks',"
	"  content_rowid='rowid');"
	"CREATE TRIGGER chunks_fts_ai AFTER INSERT ON chunks BEGIN"
	"  INSERT INTO chunks_fts(rowid, text) VALUES (new.rowid, new.text);"
	"END;"
	"CREATE TRIGGER chunks_fts_ad AFTER DELETE ON chunks BEGIN"
	"  INSERT INTO chunks_fts(chunks_fts, rowid, text)"
	"    VALUES ('delete', old.rowid, old.text);"
	"END;"
	"CREATE TRIGGER chunks_fts_au AFTER UPDATE OF text ON chunks BEGIN"
	"  INSERT INTO chunks_fts(chunks_fts, rowid, text)"
	"    VALUES ('delete', old.rowid, old.text);"
	"  INSERT INTO chunks_fts(rowid, text) VALUES (new.rowid, new.text);"
	"END;"
	/* search: a compact copy of the vectors, kept by triggers like
	 * chunks_fts, so that a brute-force scan reads 1.5 KB a chunk rather
	 * than its whole row (text and record come first, in overflow pages) */
	"CREATE TABLE chunks_vectors ("
	"  chunk  INTEGER PRIMARY KEY,"		/* chunks.rowid */
	"  model  TEXT NOT NULL,"
	"  vector BLOB NOT NULL"
	");"
	"CREATE TRIGGER chunks_vectors_ai AFTER INSERT ON chunks"
	"  WHEN new.vector IS NOT NULL BEGIN"
	"  INSERT OR REPLACE INTO chunks_vectors (chunk, model, vector)"
	"    VALUES (new.rowid, coalesce(new.model, ''), new.vector);"
	"END;"
	"CREATE TRIGGER chunks_vectors_au AFTER UPDATE OF vector, model ON chunks"
	"  BEGIN"
	"  DELETE FROM chunks_vectors WHERE chunk = old.rowid;"
	"  INSERT INTO chunks_vectors (chunk, model, vector)"
	"    SELECT new.rowid, coalesce(new.model, ''), new.vector"
	"    WHERE new.vector IS NOT NULL;"
	"END;"
	"CREATE TRIGGER chunks_vectors_ad AFTER DELETE ON chunks BEGIN"
	"  DELETE FROM chunks_vectors WHERE chunk = old.rowid;"
	"END;"

	/* -- store prices: quotes for verify-predictions -- */
	"CREATE TABLE prices ("
	"  symbol TEXT NOT NULL,"
	"  time   TEXT NOT NULL,"
	"  price  REAL NOT NULL,"
	"  PRIMARY KEY (symbol, time)"
	") WITHOUT ROWID;"

	/* -- fetch-feed: per-feed cache validators and outcome -- */
	"CREATE TABLE feeds ("
	"  url           TEXT PRIMARY KEY,"
	"  title         TEXT,"
	"  etag          TEXT,"
	"  last_modified TEXT,"
	"  http_status   INTEGER,"		/* of the last attempt */
	"  error         TEXT,"			/* of the last attempt, or NULL */
	"  items         INTEGER,"		/* items in the last good fetch */
	"  failures      INTEGER NOT NULL DEFAULT 0," /* consecutive */
	"  last_attempt  TEXT,"
	"  last_success  TEXT"
	");"

	/* -- run-job / jobs-status: cron jobs and their runs -- */
	"CREATE TABLE runs ("
	"  id           INTEGER PRIMARY KEY,"
	"  job          TEXT NOT NULL,"
	"  started_at   TEXT NOT NULL,"		/* RFC 3339 UTC with .mmm */
	"  completed_at TEXT,"			/* NULL while running */
	"  status       TEXT NOT NULL CHECK (status IN ('running', 'success',"
	"    'failed', 'skipped', 'timeout', 'interrupted')),"
	"  exit_code    INTEGER,"			/* the command's, or 128+signal */
	"  duration_ms  INTEGER,"
	"  attempts     INTEGER NOT NULL DEFAULT 1," /* with --retries */
	"  counters     TEXT,"			/* JSON object from JOBLINE_STATS */
	"  error        TEXT,"			/* why, and the tail of stderr */
	"  host         TEXT,"
	"  pid          INTEGER"			/* run-job's own pid */
	");"
	"CREATE INDEX runs_job ON runs(job, started_at);"
	"CREATE INDEX runs_running ON runs(job) WHERE status = 'running';"
	"CREATE TABLE job_state ("
	"  job          TEXT PRIMARY KEY,"
	"  paused       INTEGER NOT NULL DEFAULT 0,"
	"  reason       TEXT,"			/* why paused */
	"  paused_at    TEXT,"
	"  expect_ms    INTEGER,"			/* --expect interval */
	"  created_at   TEXT NOT NULL,"		/* first run-job of the job */
	"  updated_at   TEXT NOT NULL,"
	"  n_success    INTEGER NOT NULL DEFAULT 0," /* runs ever, by status: */
	"  n_failed     INTEGER NOT NULL DEFAULT 0," /* never lowered by --keep, */
	"  n_timeout    INTEGER NOT NULL DEFAULT 0," /* so they are counters */
	"  n_interrupted INTEGER NOT NULL DEFAULT 0,"
	"  n_skipped    INTEGER NOT NULL DEFAULT 0,"
	"  total_ms     INTEGER NOT NULL DEFAULT 0," /* duration of closed runs */
	"  consecutive_failures INTEGER NOT NULL DEFAULT 0," /* since a success */
	"  last_run_id  INTEGER,"			/* last run started (not skipped) */
	"  last_success_at TEXT,"			/* completed_at of the last success */
	"  alert_since  TEXT"			/* when failures reached --alert-after */
	") WITHOUT ROWID;"

	/* -- enqueue / dequeue: the job queue -- */
	/* Times here carry milliseconds ("2026-11-22T08:30:00.123Z"). */
	"CREATE TABLE queue ("
	"  id           INTEGER PRIMARY KEY,"
	"  queue        TEXT NOT NULL,"
	"  key          TEXT,"			/* unique while pending */
	"  payload      TEXT NOT NULL,"		/* the input object, JSON */
	"  priority     INTEGER NOT NULL DEFAULT 0," /* lower runs first */
	"  state        TEXT NOT NULL DEFAULT 'queued' CHECK (state IN"
	"    ('queued', 'running', 'done', 'failed', 'dead')),"
	"  attempts     INTEGER NOT NULL DEFAULT 0," /* claims; fencing token */
	"  max_attempts INTEGER NOT NULL DEFAULT 5,"
	"  run_after    TEXT NOT NULL,"		/* not claimed before */
	"  lease_until  TEXT,"			/* while running */
	"  worker       TEXT,"			/* host:pid holding the lease */
	"  last_error   TEXT,"			/* tail of the last failure */
	"  created_at   TEXT NOT NULL,"
	"  updated_at   TEXT NOT NULL,"
	"  started_at   TEXT,"			/* of the last claim */
	"  completed_at TEXT"			/* done or dead */
	");"
	"CREATE UNIQUE INDEX queue_pending_key ON queue(queue, key)"
	"  WHERE key IS NOT NULL AND state IN ('queued', 'running', 'failed');"
	"CREATE INDEX queue_ready ON queue(queue, priority, run_after)"
	"  WHERE state IN ('queued', 'failed');"
	"CREATE INDEX queue_leases ON queue(queue, lease_until)"
	"  WHERE state = 'running';"
	"CREATE INDEX queue_finished ON queue(queue, state, completed_at)"
	"  WHERE state IN ('done', 'dead');"
	"CREATE TABLE queue_keys ("
	"  queue        TEXT NOT NULL,"
	"  key          TEXT NOT NULL,"
	"  last_success TEXT,"			/* for recurring due-ness */
	"  dead_count   INTEGER NOT NULL DEFAULT 0," /* dead since last success */
	"  last_dead    TEXT,"			/* when a job last went dead */
	"  last_error   TEXT,"			/* that job's last error */
	"  PRIMARY KEY (queue, key)"
	") WITHOUT ROWID;"
	/* a key's record follows its jobs' fate, in the same statement */
	"CREATE TRIGGER queue_key_done AFTER UPDATE OF state ON queue"
	"  WHEN new.state = 'done' AND new.key IS NOT NULL BEGIN"
	"  INSERT INTO queue_keys (queue, key, last_success)"
	"    VALUES (new.queue, new.key, new.completed_at)"
	"    ON CONFLICT (queue, key) DO UPDATE SET"
	"    last_success = max(coalesce(last_success, ''),"
	"      excluded.last_success), dead_count = 0;"
	"END;"
	"CREATE TRIGGER queue_key_dead AFTER UPDATE OF state ON queue"
	"  WHEN new.state = 'dead' AND old.state <> 'dead'"
	"  AND new.key IS NOT NULL BEGIN"
	"  INSERT INTO queue_keys (queue, key, dead_count, last_dead, last_error)"
	"    VALUES (new.queue, new.key, 1, new.completed_at, new.last_error)"
	"    ON CONFLICT (queue, key) DO UPDATE SET"
	"    dead_count = dead_count + 1, last_dead = excluded.last_dead,"
	"    last_error = excluded.last_error;"
	"END;"

	/* -- verify-predictions: predictions, votes, user statistics -- */
	"CREATE TABLE predictions ("
	"  id             TEXT PRIMARY KEY,"
	"  symbol         TEXT NOT NULL,"
	"  question       TEXT,"
	"  opens_at       TEXT NOT NULL,"	/* RFC 3339 UTC, seconds */
	"  verify_at      TEXT NOT NULL,"	/* the deadline, likewise */
	"  start_price    REAL,"		/* given, or the quote at opens_at */
	"  options        TEXT NOT NULL,"	/* JSON {label: condition} */
	"  mode           TEXT NOT NULL DEFAULT 'auto' CHECK (mode IN"
	"    ('auto', 'manual')),"
	"  status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN"
	"    ('active', 'verified', 'cancelled', 'error')),"
	"  end_price      REAL,"
	"  price_change   REAL,"
	"  change_percent REAL,"
	"  correct_option TEXT,"
	"  votes_correct  INTEGER,"		/* once verified */
	"  votes_incorrect INTEGER,"
	"  verified_at    TEXT,"
	"  resolved_seq   INTEGER,"		/* order of resolution: streaks */
	"  resolved_by    TEXT,"		/* 'auto' or 'manual' */
	"  error          TEXT,"		/* why status is error */
	"  record         TEXT,"		/* the prediction as loaded, JSON */
	"  created_at     TEXT NOT NULL,"
	"  updated_at     TEXT NOT NULL"
	");"
	"CREATE INDEX predictions_due ON predictions(verify_at, id)"
	"  WHERE status = 'active';"
	"CREATE INDEX predictions_start ON predictions(opens_at)"
	"  WHERE status = 'active' AND start_price IS NULL;"
	"CREATE UNIQUE INDEX predictions_seq ON predictions(resolved_seq)"
	"  WHERE resolved_seq IS NOT NULL;"
	"CREATE TABLE votes ("
	"  prediction_id TEXT NOT NULL REFERENCES predictions(id),"
	"  user_id       TEXT NOT NULL,"
	"  option        TEXT NOT NULL,"
	"  voted_at      TEXT,"
	"  correct       INTEGER,"		/* NULL until resolved */
	"  PRIMARY KEY (prediction_id, user_id)"
	") WITHOUT ROWID;"
	"CREATE TABLE user_stats ("
	"  user_id        TEXT PRIMARY KEY,"
	"  predictions    INTEGER NOT NULL DEFAULT 0," /* resolved, voted on */
	"  correct        INTEGER NOT NULL DEFAULT 0,"
	"  accuracy       REAL NOT NULL DEFAULT 0,"	/* correct/predictions */
	"  current_streak INTEGER NOT NULL DEFAULT 0," /* correct in a row */
	"  best_streak    INTEGER NOT NULL DEFAULT 0,"
	"  last_seq       INTEGER,"		/* resolved_seq last counted */
	"  updated_at     TEXT"
	") WITHOUT ROWID;"
	,

	/* 2: run status partial (the command exited 1: some input failed,
	 * the rest was done); SQLite cannot change a CHECK in place, so
	 * runs is made again with its rows and indexes */
	"ALTER TABLE runs RENAME TO runs_2;"
	"CREATE TABLE runs ("
	"  id           INTEGER PRIMARY KEY,"
	"  job          TEXT NOT NULL,"
	"  started_at   TEXT NOT NULL,"
	"  completed_at TEXT,"
	"  status       TEXT NOT NULL CHECK (status IN ('running', 'success',"
	"    'partial', 'failed', 'skipped', 'timeout', 'interrupted')),"
	"  exit_code    INTEGER,"
	"  duration_ms  INTEGER,"
	"  attempts     INTEGER NOT NULL DEFAULT 1,"
	"  counters     TEXT,"
	"  error        TEXT,"
	"  host         TEXT,"
	"  pid          INTEGER"
	");"
	"INSERT INTO runs SELECT * FROM runs_2;"
	"DROP TABLE runs_2;"
	"CREATE INDEX runs_job ON runs(job, started_at);"
	"CREATE INDEX runs_running ON runs(job) WHERE status = 'running';"
	"ALTER TABLE job_state ADD COLUMN n_partial INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE job_state ADD COLUMN consecutive_partial INTEGER NOT NULL"
	"  DEFAULT 0;"
	,

	/* 3: a failing feed backs off: not tried before next_try (RFC 3339,
	 * NULL: at the next run) */
	"ALTER TABLE feeds ADD COLUMN next_try TEXT;"
	,

	/* 4: search's keyword index stems English words (Porter) and
	 * ignores diacritics, so that "rates" finds "rate" and "cafe"
	 * finds "café"; the index is made again from the chunks (the
	 * triggers of step 1 keep it by name) */
	"DROP TABLE chunks_fts;"
	"CREATE VIRTUAL TABLE chunks_fts USING fts5(text, content='chunks',"
	"  content_rowid='rowid',"
	"  tokenize='porter unicode61 remove_diacritics 2');"
	"INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild');"
	,
};

int
schema_version(void)
{
	return (int)(sizeof(migrations) / sizeof(migrations[0]));
}

const char *
schema_sql(int v)
{
	return migrations[v - 1];
}

/* Non-zero when the n bytes at p are word, ignoring case. */
static int
word_is(const char *p, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(p, word, n) == 0;
}

/* The next word of SQL after p (letters, digits, _), or NULL. */
static const char *
next_word(const char *p, size_t *n)
{
	while (*p != '\0' && !isalnum((unsigned char)*p) && *p != '_')
		p++;
	if (*p == '\0')
		return NULL;
	*n = 0;
	while (isalnum((unsigned char)p[*n]) || p[*n] == '_')
		(*n)++;
	return p;
}

int
schema_reserved(const char *name)
{
	size_t len = strlen(name), n;
	const char *p, *w;
	int virtual;

	if (strncasecmp(name, "sqlite_", 7) == 0)
		return 1;
	/* every "CREATE [VIRTUAL] TABLE [IF NOT EXISTS] name" of every step */
	for (int v = 1; v <= schema_version(); v++) {
		for (p = migrations[v - 1]; (w = next_word(p, &n)) != NULL;
		    p = w + n) {
			if (!word_is(w, n, "CREATE"))
				continue;
			w = next_word(w + n, &n);
			virtual = w != NULL && word_is(w, n, "VIRTUAL");
			if (virtual)
				w = next_word(w + n, &n);
			if (w == NULL || !word_is(w, n, "TABLE"))
				continue;
			w = next_word(w + n, &n);
			if (w != NULL && word_is(w, n, "IF")) {
				w = next_word(w + n, &n);	/* NOT */
				w = w != NULL ? next_word(w + n, &n) : NULL;
				w = w != NULL ? next_word(w + n, &n) : NULL;
			}
			if (w == NULL)
				break;
			if (n == len && strncasecmp(w, name, n) == 0)
				return 1;
			/* a virtual table's shadow tables: chunks_fts_data */
			if (virtual && len > n && name[n] == '_' &&
			    strncasecmp(w, name, n) == 0)
				return 1;
		}
	}
	return 0;
}
