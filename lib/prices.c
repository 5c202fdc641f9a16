/* prices.c - the prices table's SQL (see prices.h) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dbstmt.h"
#include "prices.h"
#include "timefmt.h"
#include "util.h"

struct prices {
	struct db *db;			/* the store; not owned */
	enum prices_source src;		/* which table */
	struct db_stmt *put;		/* store a quote */
	struct db_stmt *symbols;	/* the symbols stored */
	struct db_stmt *prune;		/* delete a symbol's old quotes */
	struct db_stmt *quote;		/* the latest quote in a window */
};

struct prices *
prices_open(struct db *db, enum prices_source src)
{
	struct prices *p = xcalloc(1, sizeof(*p));

	p->db = db;
	p->src = src;
	if (src == PRICES_INPUT)
		db_exec(db, db_kind(db) == DB_SQLITE ?
		    "CREATE TEMP TABLE quotes (symbol TEXT NOT NULL,"
		    " time TEXT NOT NULL, price REAL NOT NULL,"
		    " PRIMARY KEY (symbol, time)) WITHOUT ROWID" :
		    "CREATE TEMP TABLE quotes (symbol TEXT NOT NULL,"
		    " time TEXT NOT NULL, price DOUBLE PRECISION NOT NULL,"
		    " PRIMARY KEY (symbol, time))");
	return p;
}

void
prices_close(struct prices *p)
{
	if (p == NULL)
		return;
	db_finalize(p->put);
	db_finalize(p->symbols);
	db_finalize(p->prune);
	db_finalize(p->quote);
	free(p);
}

int
prices_put(struct prices *p, const char *symbol, int64_t ms, double price)
{
	char t[TIME_BUFSZ];
	int64_t n;

	if (p->put == NULL)
		p->put = db_prepare(p->db, p->src == PRICES_STORE ?
		    "INSERT INTO prices (symbol, time, price)"
		    " VALUES (?1, ?2, ?3) ON CONFLICT (symbol, time)"
		    " DO UPDATE SET price = excluded.price"
		    " WHERE prices.price IS DISTINCT FROM excluded.price" :
		    "INSERT INTO quotes (symbol, time, price)"
		    " VALUES (?1, ?2, ?3) ON CONFLICT (symbol, time)"
		    " DO UPDATE SET price = excluded.price");
	db_bind_text(p->put, 1, symbol);
	db_bind_text(p->put, 2, time_format(ms, t));
	db_bind_double(p->put, 3, price);
	db_step_ok(p->put);
	n = db_changes(p->db);
	db_reset(p->put);
	return n > 0;
}

int64_t
prices_prune(struct prices *p, int64_t before)
{
	char cut[TIME_BUFSZ];
	char **names = NULL;
	size_t nn = 0;
	int64_t pruned = 0;

	if (p->symbols == NULL) {
		p->symbols = db_prepare(p->db,
		    "SELECT DISTINCT symbol FROM prices");
		p->prune = db_prepare(p->db,
		    "DELETE FROM prices WHERE symbol = ?1 AND time < ?2");
	}
	/* symbols first, then one delete per symbol (each on the primary
	 * key's range): no read open meanwhile */
	time_format(before, cut);
	while (db_step_ok(p->symbols) == DB_ROW) {
		names = xrealloc(names, (nn + 1) * sizeof(*names));
		names[nn++] = db_column_dup(p->symbols, 0);
	}
	db_reset(p->symbols);
	for (size_t i = 0; i < nn; i++) {
		db_bind_text(p->prune, 1, names[i]);
		db_bind_text(p->prune, 2, cut);
		db_step_ok(p->prune);
		pruned += db_changes(p->db);
		db_reset(p->prune);
		free(names[i]);
	}
	free(names);
	return pruned;
}

int
prices_quote_at(struct prices *p, const char *symbol, const char *at,
    int64_t max_age, double *price, char *from)
{
	struct db_stmt *st;
	int64_t ms;
	int found;

	if (p->quote == NULL)
		p->quote = db_prepare(p->db, p->src == PRICES_STORE ?
		    "SELECT price FROM prices WHERE symbol = ?1 AND time <= ?2"
		    " AND time >= ?3 ORDER BY time DESC LIMIT 1" :
		    "SELECT price FROM quotes WHERE symbol = ?1 AND time <= ?2"
		    " AND time >= ?3 ORDER BY time DESC LIMIT 1");
	st = p->quote;
	strcpy(from, "0000-00-00T00:00:00Z");
	if (max_age > 0 && time_parse(at, &ms) == 0)
		time_format(ms - max_age, from);
	db_bind_text(st, 1, symbol);
	db_bind_text(st, 2, at);
	db_bind_text(st, 3, from);
	found = db_step_ok(st) == DB_ROW;
	if (found)
		*price = db_column_double(st, 0);
	db_reset(st);
	return found && isfinite(*price);
}
