/*
 * prices.h - the prices table: price quotes stored by fetch-prices and
 * store prices, read by verify-predictions to resolve predictions (or,
 * with verify-predictions --prices, quotes given on input, kept for the
 * run in a temporary table of the same shape).  man/jobline.5 documents
 * the table.
 *
 * A quote is a symbol, a time (RFC 3339 UTC, to the second, stored as
 * text so that the store's order is time's order) and a price.
 *
 * Ownership: struct prices holds prepared statements on a handle that
 * stays the caller's; prices_close finalizes them.  Strings given are
 * only read, during the call.
 */
#ifndef JOBLINE_PRICES_H
#define JOBLINE_PRICES_H

#include <stdint.h>

#include "db.h"

/* Where the quotes are. */
enum prices_source {
	PRICES_STORE,		/* the prices table */
	PRICES_INPUT		/* quotes given to this run only, made empty
				   by prices_open (a temporary table) */
};

struct prices *prices_open(struct db *db, enum prices_source src);
void prices_close(struct prices *p);	/* NULL is allowed */

/*
 * Store the quote of symbol at ms (ms since the epoch; the second is
 * kept), replacing the price of one at the same time.  Returns 1 when a
 * row was added or its price changed, 0 when the same quote was stored.
 * Into PRICES_STORE in the caller's transaction; into PRICES_INPUT in any.
 */
int prices_put(struct prices *p, const char *symbol, int64_t ms,
    double price);

/* Delete every symbol's quotes older than before (ms); returns how many
 * went.  In the caller's transaction. */
int64_t prices_prune(struct prices *p, int64_t before);

/*
 * The latest quote of symbol at or before at (RFC 3339 text, as the
 * predictions table holds it), and no older than max_age ms before it
 * (0: any age).  Returns 1 and sets *price (finite), or 0.  The start of
 * the window searched is written into from (TIME_BUFSZ), for messages.
 */
int prices_quote_at(struct prices *p, const char *symbol, const char *at,
    int64_t max_age, double *price, char *from);

#endif
