/*
 * db_pg.c - the PostgreSQL store, over libpq.
 *
 * The address is a libpq URI (postgresql://... or postgres://...); its
 * parameters (sslmode, host for a socket directory, ...) pass through to
 * libpq, and credentials come from libpq's environment and files
 * (PGPASSWORD, PGPASSFILE, the service file).  Every session runs in UTC.
 * The schema (lib/schema_pg.c) is created and migrated by the first
 * writer, under an advisory lock, in one transaction.
 *
 * Statements: the SQL's ?N parameters become $N; each statement is
 * prepared on the server once, at its first run (when the types of blob
 * parameters are known); a run fetches its rows whole, so that other
 * statements may run while a result is read, as SQLite allows.  Results
 * are in text form: integers and doubles are parsed, bytea decoded.
 *
 * Errors: a lost connection, or any error outside db_step's answers,
 * ends the program with exit 3 ("ADDRESS: what: message"); the server
 * rolls back the open transaction, so nothing is half-applied.  A
 * constraint violation is DB_CONSTRAINT; inside a transaction it aborts
 * the transaction (PostgreSQL's rule), so modules write ON CONFLICT
 * rather than expect one.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbimpl.h"
#include "schema.h"
#include "timefmt.h"
#include "util.h"

/* bytea's type oid (catalog/pg_type.h is a server header) */
#define PG_BYTEA_OID 17
/* The advisory lock key migrations take: "jobline" in ASCII. */
#define PG_MIGRATE_LOCK 0x6a6f626c696e65LL

/* A PostgreSQL handle. */
struct pgdb {
	struct db base;		/* first: the generic part */
	PGconn *conn;		/* the connection */
	unsigned long nstmt;	/* statements prepared, for their names */
	int64_t changes;	/* rows the last command changed */
	int in_txn;		/* between db_begin and commit/rollback */
	int64_t clock_ms;	/* the server's clock at clock_mono, or 0 */
	int64_t clock_mono;	/* time_mono when clock_ms was read */
};

/* One parameter's value, as libpq takes it. */
struct pgparam {
	char *buf;		/* a copy or a formatted number; owned */
	const char *val;	/* the value (buf or the caller's), or NULL */
	int len;		/* its length in bytes */
	int binary;		/* a blob, sent in binary */
};

/* A PostgreSQL statement. */
struct pgstmt {
	struct db_stmt base;	/* first: the generic part */
	char *sql;		/* the SQL with $N parameters; owned */
	char name[24];		/* the server's name for it, once prepared */
	int prepared;		/* prepared on the server */
	int nparams;		/* the highest parameter number in sql */
	struct pgparam *p;	/* p[0..nparams) */
	PGresult *res;		/* the last run's result, or NULL */
	int row;		/* the row being read, -1 before the first */
	int nrows;		/* rows in res */
	unsigned char *blob;	/* a decoded bytea column; owned */
	size_t blob_len;	/* its length */
	int blob_col;		/* the column blob holds, or -1 */
};

#define PG(db) ((struct pgdb *)(db))
#define PS(st) ((struct pgstmt *)(st))

static void pg_die(struct db *db, const char *what)
    __attribute__((noreturn));

/* The first line of libpq's message, without its newline. */
static const char *
first_line(const char *msg, char *buf, size_t size)
{
	size_t n = strcspn(msg, "\n");

	if (n >= size)
		n = size - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
	return buf;
}

static void
pg_die(struct db *db, const char *what)
{
	char m[512];

	errx(EXIT_FATAL, "%s: %s: %s", db->name, what,
	    first_line(PQerrorMessage(PG(db)->conn), m, sizeof(m)));
}

/* Die with a result's message. */
static _Noreturn void
die_result(struct db *db, PGresult *res, const char *what)
{
	char m[512];
	const char *msg = res != NULL ? PQresultErrorMessage(res) : "";

	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(PG(db)->conn);
	if (PQstatus(PG(db)->conn) != CONNECTION_OK)
		what = "connection lost";
	errx(EXIT_FATAL, "%s: %s: %s", db->name, what,
	    first_line(msg, m, sizeof(m)));
}

/*
 * The address as messages (and db_name) show it: a password in the URI
 * (user:PASSWORD@ or password=...) replaced by ***.
 */
static char *
hide_password(const char *uri)
{
	char *s = xstrdup(uri), *p, *at, *colon, *end, *out;
	const char *rest = strstr(s, "://");

	if (rest != NULL) {
		p = (char *)rest + 3;
		at = strchr(p, '@');
		colon = strchr(p, ':');
		end = p + strcspn(p, "/?");
		if (at != NULL && at < end && colon != NULL && colon < at) {
			*colon = '\0';
			if (asprintf(&out, "%s:***%s", s, at) < 0)
				die_nomem();
			free(s);
			s = out;
		}
	}
	if ((p = strstr(s, "password=")) != NULL &&
	    (p == s || p[-1] == '?' || p[-1] == '&')) {
		end = p + 9 + strcspn(p + 9, "&");
		*p = '\0';
		if (asprintf(&out, "%spassword=***%s", s, end) < 0)
			die_nomem();
		free(s);
		s = out;
	}
	return s;
}

/* Notices (NOTICE, WARNING from the server) would go to stderr. */
static void
no_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Run sql with no parameters and no rows wanted; die on failure. */
static void
pg_exec(struct db *db, const char *sql)
{
	PGresult *res = PQexec(PG(db)->conn, sql);
	ExecStatusType s = PQresultStatus(res);

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		die_result(db, res, "exec");
	PQclear(res);
}

/* The single value of a query of one row and column, or NULL. */
static char *
pg_value(struct db *db, const char *sql)
{
	PGresult *res = PQexec(PG(db)->conn, sql);
	char *v = NULL;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		die_result(db, res, "read");
	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		v = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

/* The schema version of the store: 0 for none yet. */
static int
pg_version(struct db *db)
{
	char *v = pg_value(db, "SELECT CASE WHEN to_regclass("
	    "'jobline_schema') IS NULL THEN NULL ELSE 1 END");
	int n = 0;

	if (v == NULL)
		return 0;
	free(v);
	v = pg_value(db, "SELECT max(version) FROM jobline_schema");
	if (v != NULL)
		n = atoi(v);
	free(v);
	return n;
}

/* Create or migrate the schema: one writer at a time, by a session
 * advisory lock taken before the transaction, so that the transaction,
 * begun after the wait, sees the catalog another writer committed. */
static void
pg_migrate(struct db *db)
{
	int v, latest = schema_pg_version();
	char sql[96];

	if (pg_version(db) == latest)
		return;
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_lock(%lld)",
	    (long long)PG_MIGRATE_LOCK);
	pg_exec(db, sql);
	pg_exec(db, "BEGIN");
	v = pg_version(db);	/* another program may have done it */
	if (v > latest)
		errx(EXIT_FATAL, "%s: schema version %d is newer than this "
		    "program's (%d): upgrade jobline", db->name, v, latest);
	if (v == 0)
		pg_exec(db, "CREATE TABLE jobline_schema (version INTEGER"
		    " PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT"
		    " now())");
	for (; v < latest; v++) {
		pg_exec(db, schema_pg_sql(v + 1));
		snprintf(sql, sizeof(sql), "INSERT INTO jobline_schema"
		    " (version) VALUES (%d)", v + 1);
		pg_exec(db, sql);
	}
	pg_exec(db, "COMMIT");
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%lld)",
	    (long long)PG_MIGRATE_LOCK);
	pg_exec(db, sql);
}

static void
pg_close(struct db *db)
{
	PQfinish(PG(db)->conn);
	free(db->name);
	free(db);
}

/* sql with SQLite's ?N (and bare ?) parameters as $N, outside quotes;
 * *n gets the highest number. */
static char *
translate(const char *sql, int *n)
{
	size_t len = strlen(sql);
	char *out = xmalloc(len * 2 + 16), *o = out;
	char quote = 0;
	int next = 1, k;

	*n = 0;
	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
			*o++ = *p;
			continue;
		}
		if (*p == '\'' || *p == '"') {
			quote = *p;
			*o++ = *p;
			continue;
		}
		if (*p != '?') {
			*o++ = *p;
			continue;
		}
		if (p[1] >= '0' && p[1] <= '9') {
			k = (int)strtol(p + 1, (char **)&p, 10);
			p--;
		} else {
			k = next;
		}
		next = k + 1;
		if (k > *n)
			*n = k;
		o += sprintf(o, "$%d", k);
	}
	*o = '\0';
	return out;
}

static struct db_stmt *
pg_prepare(struct db *db, const char *sql)
{
	struct pgstmt *st = xcalloc(1, sizeof(*st));

	st->base.db = db;
	st->sql = translate(sql, &st->nparams);
	st->p = xcalloc((size_t)st->nparams + 1, sizeof(*st->p));
	st->row = -1;
	st->blob_col = -1;
	return &st->base;
}

static void
drop_result(struct pgstmt *st)
{
	PQclear(st->res);
	st->res = NULL;
	st->row = -1;
	st->nrows = 0;
	st->blob_col = -1;
}

static void
unbind(struct pgstmt *st)
{
	for (int i = 0; i < st->nparams; i++) {
		free(st->p[i].buf);
		memset(&st->p[i], 0, sizeof(st->p[i]));
	}
}

static void
pg_finalize(struct db_stmt *s)
{
	struct pgstmt *st = PS(s);
	char sql[48];

	drop_result(st);
	unbind(st);
	if (st->prepared && PQstatus(PG(s->db)->conn) == CONNECTION_OK) {
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", st->name);
		PQclear(PQexec(PG(s->db)->conn, sql));
	}
	free(st->blob);
	free(st->p);
	free(st->sql);
	free(st);
}

/* The parameter slot i (1-based), emptied. */
static struct pgparam *
slot(struct db_stmt *s, int i)
{
	struct pgstmt *st = PS(s);

	if (i < 1 || i > st->nparams)
		errx(EXIT_FATAL, "%s: parameter %d of %d: %s",
		    s->db->name, i, st->nparams, st->sql);
	free(st->p[i - 1].buf);
	memset(&st->p[i - 1], 0, sizeof(st->p[i - 1]));
	return &st->p[i - 1];
}

static void
pg_bind_null(struct db_stmt *s, int i)
{
	slot(s, i);
}

static void
pg_bind_int(struct db_stmt *s, int i, int64_t v)
{
	struct pgparam *p = slot(s, i);

	if (asprintf(&p->buf, "%lld", (long long)v) < 0)
		die_nomem();
	p->val = p->buf;
	p->len = (int)strlen(p->buf);
}

static void
pg_bind_double(struct db_stmt *s, int i, double v)
{
	struct pgparam *p = slot(s, i);

	if (asprintf(&p->buf, "%.17g", v) < 0)
		die_nomem();
	p->val = p->buf;
	p->len = (int)strlen(p->buf);
}

static void
pg_bind_text(struct db_stmt *s, int i, const char *v, size_t n, int copy)
{
	struct pgparam *p = slot(s, i);

	/* libpq reads text parameters to their NUL: give it one */
	if (copy || v[n] != '\0') {
		p->buf = xstrndup(v, n);
		p->val = p->buf;
	} else {
		p->val = v;
	}
	p->len = (int)n;
}

static void
pg_bind_blob(struct db_stmt *s, int i, const void *v, size_t n)
{
	struct pgparam *p = slot(s, i);

	p->val = n > 0 ? v : "";
	p->len = (int)n;
	p->binary = 1;
}

/* Prepare st on the server, with bytea for the blob parameters bound
 * now. */
static void
server_prepare(struct pgstmt *st)
{
	struct pgdb *d = PG(st->base.db);
	Oid *types = xcalloc((size_t)st->nparams + 1, sizeof(*types));
	PGresult *res;

	for (int i = 0; i < st->nparams; i++)
		types[i] = st->p[i].binary ? PG_BYTEA_OID : 0;
	snprintf(st->name, sizeof(st->name), "j%lu", ++d->nstmt);
	res = PQprepare(d->conn, st->name, st->sql, st->nparams, types);
	free(types);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		die_result(&d->base, res, "prepare");
	PQclear(res);
	st->prepared = 1;
}

static int
pg_step(struct db_stmt *s)
{
	struct pgstmt *st = PS(s);
	struct pgdb *d = PG(s->db);
	const char **vals;
	int *lens, *fmts;
	const char *state;
	ExecStatusType rs;

	if (st->res != NULL) {
		st->blob_col = -1;
		return ++st->row < st->nrows ? DB_ROW : DB_DONE;
	}
	if (!st->prepared)
		server_prepare(st);
	vals = xcalloc((size_t)st->nparams + 1, sizeof(*vals));
	lens = xcalloc((size_t)st->nparams + 1, sizeof(*lens));
	fmts = xcalloc((size_t)st->nparams + 1, sizeof(*fmts));
	for (int i = 0; i < st->nparams; i++) {
		vals[i] = st->p[i].val;
		lens[i] = st->p[i].len;
		fmts[i] = st->p[i].binary;
	}
	st->res = PQexecPrepared(d->conn, st->name, st->nparams, vals, lens,
	    fmts, 0);
	free(vals);
	free(lens);
	free(fmts);
	rs = PQresultStatus(st->res);
	/* an answer whose ReadyForQuery never came: outside a transaction
	 * the statement's commit comes between the two, so what it answered
	 * may not have happened (a claim's rows for a claim rolled back) */
	if ((rs == PGRES_COMMAND_OK || rs == PGRES_TUPLES_OK) &&
	    PQstatus(d->conn) != CONNECTION_OK)
		die_result(s->db, st->res, "connection lost");
	if (rs == PGRES_COMMAND_OK || rs == PGRES_TUPLES_OK) {
		d->changes = atoll(PQcmdTuples(st->res));
		st->nrows = PQntuples(st->res);
		st->row = 0;
		return st->nrows > 0 ? DB_ROW : DB_DONE;
	}
	if (PQstatus(d->conn) != CONNECTION_OK)
		die_result(s->db, st->res, "connection lost");
	state = PQresultErrorField(st->res, PG_DIAG_SQLSTATE);
	/* keep the result for pg_die's message; the next step reruns */
	if (state != NULL && strncmp(state, "23", 2) == 0) {
		drop_result(st);
		return DB_CONSTRAINT;
	}
	fprintf(stderr, "%s: %s: %s", program_invocation_short_name, d->base.name,
	    PQresultErrorMessage(st->res));
	drop_result(st);
	return DB_ERROR;
}

static void
pg_reset(struct db_stmt *s)
{
	drop_result(PS(s));
}

static void
pg_clear(struct db_stmt *s)
{
	drop_result(PS(s));
	unbind(PS(s));
}

/* The current row's column i, checked. */
static const char *
value(struct db_stmt *s, int i)
{
	struct pgstmt *st = PS(s);

	if (st->res == NULL || st->row < 0 || st->row >= st->nrows ||
	    i < 0 || i >= PQnfields(st->res) ||
	    PQgetisnull(st->res, st->row, i))
		return NULL;
	return PQgetvalue(st->res, st->row, i);
}

static int
pg_column_null(struct db_stmt *s, int i)
{
	return value(s, i) == NULL;
}

static int64_t
pg_column_int(struct db_stmt *s, int i)
{
	const char *v = value(s, i);

	if (v == NULL)
		return 0;
	if (*v == 't')		/* a boolean */
		return 1;
	if (*v == 'f')
		return 0;
	/* a numeric or double column read as an integer truncates, as
	 * SQLite's does */
	return strchr(v, '.') || strchr(v, 'e') ? (int64_t)strtod(v, NULL) :
	    (int64_t)strtoll(v, NULL, 10);
}

static double
pg_column_double(struct db_stmt *s, int i)
{
	const char *v = value(s, i);

	return v != NULL ? strtod(v, NULL) : 0.0;
}

static const char *
pg_column_text(struct db_stmt *s, int i)
{
	return value(s, i);
}

/* Decode a bytea column ("\x..." hex) into st->blob. */
static void
decode_blob(struct pgstmt *st, int i)
{
	const char *v = value(&st->base, i);
	size_t n;

	if (st->blob_col == i)
		return;
	free(st->blob);
	st->blob = NULL;
	st->blob_len = 0;
	st->blob_col = i;
	if (v == NULL)
		return;
	if (PQftype(st->res, i) != PG_BYTEA_OID) {
		/* text read as a blob: its bytes */
		st->blob_len = strlen(v);
		st->blob = (unsigned char *)xstrndup(v, st->blob_len);
		return;
	}
	st->blob = PQunescapeBytea((const unsigned char *)v, &n);
	if (st->blob == NULL)
		die_nomem();
	st->blob_len = n;
}

static size_t
pg_column_bytes(struct db_stmt *s, int i)
{
	struct pgstmt *st = PS(s);
	const char *v = value(s, i);

	if (v == NULL)
		return 0;
	if (PQftype(st->res, i) != PG_BYTEA_OID)
		return (size_t)PQgetlength(st->res, st->row, i);
	decode_blob(st, i);
	return st->blob_len;
}

static const void *
pg_column_blob(struct db_stmt *s, int i)
{
	struct pgstmt *st = PS(s);

	decode_blob(st, i);
	return st->blob;
}

static int64_t
pg_changes(struct db *db)
{
	return PG(db)->changes;
}

/* The session's last sequence value: a serial id's, when the last INSERT
 * added a row (one that a conflict turned away took a value too). */
static int64_t
pg_last_id(struct db *db)
{
	char *v = pg_value(db, "SELECT lastval()");
	int64_t id = v != NULL ? strtoll(v, NULL, 10) : 0;

	free(v);
	return id;
}

/* How often db_pg_now reads the server's clock again. */
#define PG_CLOCK_EVERY_MS (10 * 60 * 1000)

int64_t
db_pg_now(struct db *db)
{
	struct pgdb *d = PG(db);
	int64_t before = time_mono(), after;
	char *v;

	if (d->clock_ms > 0 && before - d->clock_mono < PG_CLOCK_EVERY_MS)
		return d->clock_ms + (before - d->clock_mono);
	v = pg_value(db, "SELECT (extract(epoch FROM clock_timestamp())"
	    " * 1000)::bigint");
	after = time_mono();
	if (v == NULL)
		errx(EXIT_FATAL, "%s: the server's clock: no value", db->name);
	/* the server read its clock about half-way through the trip */
	d->clock_ms = strtoll(v, NULL, 10);
	d->clock_mono = before + (after - before) / 2;
	free(v);
	return d->clock_ms + (after - d->clock_mono);
}

void
db_pg_listen(struct db *db, const char *channel)
{
	PGconn *conn = PG(db)->conn;
	char *id = PQescapeIdentifier(conn, channel, strlen(channel)), *sql;

	if (id == NULL)
		pg_die(db, "listen");
	if (asprintf(&sql, "LISTEN %s", id) < 0)
		die_nomem();
	PQfreemem(id);
	pg_exec(db, sql);
	free(sql);
}

int
db_pg_listen_fd(struct db *db)
{
	return PQsocket(PG(db)->conn);
}

int
db_pg_notified(struct db *db, const char *channel, const char *payload)
{
	PGconn *conn = PG(db)->conn;
	PGnotify *n;
	int got = 0;

	/* reads what the socket holds, without waiting */
	if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK)
		pg_die(db, "connection lost");
	while ((n = PQnotifies(conn)) != NULL) {
		if (strcmp(n->relname, channel) == 0 &&
		    (payload == NULL || strcmp(n->extra, payload) == 0))
			got++;
		PQfreemem(n);
	}
	return got;
}

static void
pg_begin(struct db *db)
{
	pg_exec(db, "BEGIN");
	PG(db)->in_txn = 1;
}

static void
pg_commit(struct db *db)
{
	pg_exec(db, "COMMIT");
	PG(db)->in_txn = 0;
}

static void
pg_rollback(struct db *db)
{
	if (!PG(db)->in_txn)
		return;
	pg_exec(db, "ROLLBACK");
	PG(db)->in_txn = 0;
}

static int
pg_in_transaction(struct db *db)
{
	return PQtransactionStatus(PG(db)->conn) != PQTRANS_IDLE;
}

static const struct db_ops pg_ops = {
	pg_close, pg_exec, pg_prepare, pg_finalize, pg_bind_null,
	pg_bind_int, pg_bind_double, pg_bind_text, pg_bind_blob, pg_step,
	pg_reset, pg_clear, pg_column_null, pg_column_int, pg_column_double,
	pg_column_text, pg_column_bytes, pg_column_blob, pg_changes, pg_last_id,
	pg_begin, pg_commit, pg_rollback, pg_in_transaction, pg_die
};

struct db *
db_pg_open(char *name, int flags)
{
	struct pgdb *d = xcalloc(1, sizeof(*d));
	const char *keys[] = { "dbname", "fallback_application_name", NULL };
	const char *vals[] = { name, program_invocation_short_name, NULL };
	char m[512];

	d->base.ops = &pg_ops;
	d->base.kind = DB_POSTGRES;
	d->base.name = hide_password(name);
	d->conn = PQconnectdbParams(keys, vals, 1);
	free(name);
	if (d->conn == NULL)
		die_nomem();
	if (PQstatus(d->conn) != CONNECTION_OK)
		errx(EXIT_FATAL, "%s: cannot connect: %s", d->base.name,
		    first_line(PQerrorMessage(d->conn), m, sizeof(m)));
	PQsetNoticeProcessor(d->conn, no_notice, NULL);
	pg_exec(&d->base, "SET TIME ZONE 'UTC'");
	if (flags & DB_READONLY) {
		if (pg_version(&d->base) == 0)
			errx(EXIT_FATAL, "no store at %s (no jobline schema "
			    "in that database)", d->base.name);
		/* a reader writes nothing, even by mistake */
		pg_exec(&d->base, "SET default_transaction_read_only = on");
	} else {
		pg_migrate(&d->base);
	}
	return &d->base;
}

struct pg_conn *
db_pg(struct db *db)
{
	return db->kind == DB_POSTGRES ? (struct pg_conn *)PG(db)->conn :
	    NULL;
}
