/*
 * records.h - generic tables: records of any shape stored whole under a
 * key, in a table of the operator's naming, created on first use.
 * man/jobline.5 documents their columns.
 *
 * A table name is lowercase letters, digits and _, starting with a
 * letter, at most 63 bytes, and not a table of the schema (nor SQLite's);
 * it is the only text put into SQL that is not a parameter.
 *
 * Under SQLite, BEGIN IMMEDIATE serialises writers, so that looking a key
 * up and then inserting or updating it cannot race another store; a
 * server store will need one statement that says which it did.
 *
 * Ownership: struct records holds prepared statements on a handle that
 * stays the caller's; records_close finalizes them.
 */
#ifndef JOBLINE_RECORDS_H
#define JOBLINE_RECORDS_H

#include <stddef.h>

#include "db.h"

/* What records_put did. */
enum records_put {
	RECORDS_NEW,		/* the key was not stored: inserted */
	RECORDS_CHANGED,	/* stored with another record: replaced */
	RECORDS_SAME		/* stored with this record: nothing done */
};

/* Non-zero when name may be a generic table's. */
int records_name_ok(const char *name);

/*
 * The table named name (records_name_ok), created if missing, in the
 * caller's transaction or on its own; now is the time stamp written to
 * its rows (copied).
 */
struct records *records_open(struct db *db, const char *name,
    const char *now);
void records_close(struct records *r);	/* NULL is allowed */

/* Store record[0..len) under key. */
enum records_put records_put(struct records *r, const char *key,
    const char *record, size_t len);

#endif
