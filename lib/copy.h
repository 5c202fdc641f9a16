/*
 * copy.h - store --copy-from: copy a SQLite store's rows into another
 * store (PostgreSQL's, to move up, or SQLite's), table by table: articles
 * (with their completion state and to-do list), chunks (with their
 * vectors), feeds (validators and failures), runs and job_state, the
 * queue and queue_keys, prices, predictions, votes, user_stats, and every
 * generic table (company_updates among them).
 *
 * A row whose key the target holds already is left as it is there, so
 * that copying again copies nothing twice.  Runs and queue jobs keep
 * their ids (job_state and workers refer to them); one whose id the
 * target gives another run or job is not copied, and said.  Rows go in
 * transactions of COPY_BATCH rows: an interrupted copy leaves whole
 * batches, and the next one goes on from there.
 *
 * Ownership: the handles stay the caller's.
 */
#ifndef JOBLINE_COPY_H
#define JOBLINE_COPY_H

#include <stdio.h>

#include "db.h"

/* Rows per transaction. */
#define COPY_BATCH 5000

/*
 * Copy every table of src into dst, writing a JSON line a table to out:
 * {"table": NAME, "copied": N, "present": N[, "clashed": N]}, present the
 * rows the target held already, clashed the rows not copied because
 * their id is another row's there.  0, or 1 when a row clashed; now is
 * the time stamp of generic tables made in dst (copied).  Stops, with
 * what it has committed kept, when a signal is caught (lib/sig.h).
 */
int copy_store(struct db *dst, struct db *src, const char *now, FILE *out);

#endif
