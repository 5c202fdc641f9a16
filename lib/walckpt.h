/*
 * walckpt.h - checkpoint a store's WAL on a second thread.
 *
 * A writer that commits big batches back to back (store) spends about a
 * fifth of its time in SQLite's automatic checkpoint, copying the WAL into
 * the database file after each commit.  walckpt_start turns that off for
 * the connection and has a thread with its own connection do a passive
 * checkpoint after each commit instead, while the writer goes on with its
 * next batch on the other core.  Passive checkpoints never wait for a lock
 * and never block a writer or a reader.
 *
 * A WAL is rewound from its start only when it has been copied in full as
 * a write transaction begins; with the copy one batch behind, that never
 * happens by itself.  So walckpt_before_begin, called before each BEGIN,
 * waits for the copy once the WAL has grown past a bound (64 MB): the WAL
 * then stays under that bound plus one batch.
 *
 * SQLite only: this is the one module of the tree that reaches the
 * connection under a store handle (db_sqlite).
 *
 * Ownership: the handle is the caller's, released by walckpt_stop, which
 * finishes the copy in hand, closes the thread's connection and gives the
 * writer's connection its automatic checkpoints back.  Crash safety is
 * SQLite's: a checkpoint may stop anywhere.
 */
#ifndef JOBLINE_WALCKPT_H
#define JOBLINE_WALCKPT_H

#include "db.h"

struct walckpt;

/* Start checkpointing db on a thread; NULL when that cannot be done (or
 * db is not SQLite's), and db keeps checkpointing itself. */
struct walckpt *walckpt_start(struct db *db);

/* Before BEGIN on db: wait for the copy if the WAL is long.  NULL: no-op. */
void walckpt_before_begin(struct walckpt *w);

/* Finish and release; NULL: no-op. */
void walckpt_stop(struct walckpt *w);

#endif
