/*
 * db.h - the store every program shares, as an opaque handle.
 *
 * A store's address is --db ADDRESS, else $JOBLINE_DB, else
 * $XDG_STATE_HOME/jobline/jobline.db, else ~/.local/state/jobline/jobline.db.
 * A path is a SQLite file (WAL, synchronous=NORMAL, foreign keys, a busy
 * timeout), created 0600 and migrated forward (lib/schema.c) by the first
 * writer that opens it, inside one IMMEDIATE transaction, so that several
 * programs opening a new file at once are safe.  The default path's
 * directory is made (0700) when missing; a path given with --db or
 * $JOBLINE_DB must name an existing directory, so that a typo is caught
 * rather than a new empty store made beside the real one.
 *
 * Programs hold a struct db and call the table modules (articles, chunks,
 * feeds, runs, queue, prices, predictions, records); only lib/ modules see
 * statements (lib/dbstmt.h), and no program sees SQL or SQLite.
 *
 * Errors: functions returning void print "program: ADDRESS: what: reason"
 * and exit 3 when the store cannot be used (cannot open, disk full, I/O
 * error, still locked after the retries of $JOBLINE_BUSY_TIMEOUT, 60 s by
 * default).
 *
 * Ownership: db_open's handle is the caller's, released by db_close (which
 * also finalizes nothing: modules finalize their own statements first).
 * db_name's string is owned by the handle.
 */
#ifndef JOBLINE_DB_H
#define JOBLINE_DB_H

#include <stdint.h>

struct db;

enum {
	/* A reader: the store must exist ("no store at ADDRESS", exit 3)
	 * and have a schema; nothing is created or migrated. */
	DB_READONLY = 1,
	/* A writer of many rows at a time (store): SQLite keeps no memory
	 * statistics (a global mutex on each of its allocations: a tenth
	 * of storing an article) and does not zero freed space (Debian's
	 * SQLite does by default, zeroing every new page: another tenth).
	 * Memory statistics are off for the whole process, and only when
	 * this is its first store. */
	DB_BULK = 2
};

/* Open (and create, and migrate) the store at addr, or the default. */
struct db *db_open(const char *addr, int flags);

/* Close the handle; NULL is allowed. */
void db_close(struct db *db);

/* The store's address as messages should show it (a path for SQLite). */
const char *db_name(const struct db *db);

/*
 * A write transaction (BEGIN IMMEDIATE: the write lock is taken at once,
 * so a transaction never fails half-way for a lock), its commit, and its
 * rollback (nothing when no transaction is open); retried while the store
 * is busy, exit 3 on failure.
 */
void db_begin(struct db *db);
void db_commit(struct db *db);
void db_rollback(struct db *db);

/*
 * A read transaction, for a report that must see one state of the store
 * (a snapshot: what others commit meanwhile is not seen); ended by
 * db_commit.  Allowed on a DB_READONLY handle.
 */
void db_begin_read(struct db *db);

/*
 * Now, in ms since the epoch, for the times the store records and
 * compares (leases, run times): $JOBLINE_NOW when it is set (tests,
 * replays); else, on SQLite, this machine's clock; on PostgreSQL, the
 * server's clock, so that workers on machines whose clocks disagree
 * agree on leases and due times.  The server's clock_timestamp() is read
 * when the handle opens and every 10 minutes, and carried forward
 * between reads on this machine's monotonic clock (no query per call;
 * the error is about half a round trip).
 */
int64_t db_now(struct db *db);

/*
 * Waiting for a change another program announces, rather than polling
 * the store: PostgreSQL's LISTEN/NOTIFY.  After db_listen(db, channel),
 * db_listen_fd is a descriptor that turns readable when notifications
 * may have come: poll it beside others, with the poll interval as the
 * timeout.  db_notified takes what came (without waiting) and answers
 * how many notifications on the channel carried payload (NULL: any);
 * call it before sleeping too, as a statement run meanwhile may have
 * received some.  SQLite announces nothing: db_listen does nothing,
 * db_listen_fd is -1 and db_notified 0, and the caller's poll interval
 * is all there is.  A lost connection exits 3 ("connection lost").
 */
void db_listen(struct db *db, const char *channel);
int db_listen_fd(struct db *db);
int db_notified(struct db *db, const char *channel, const char *payload);

/* Report the store's last error as "ADDRESS: what: message" and exit 3. */
_Noreturn void db_die(struct db *db, const char *what);

#endif
