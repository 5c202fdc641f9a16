/*
 * readahead.h - read JSON lines and scan them on a second thread, a few
 * hundred lines ahead of the thread that uses them (store articles:
 * scanning is a fifth of its work, and the machines have two cores).
 *
 * Lines stay in order; bad lines are reported by the reading thread, with
 * their numbers, as the reader would.  Signals go to the reading thread
 * (the caller's are blocked from readahead_start to readahead_stop), so
 * that one waiting for input wakes (the read is interrupted) and input
 * ends; the caller sees sig_caught between lines as before.
 *
 * Ownership: readahead_start takes over the reader (the caller's is
 * emptied) and readahead_stop gives back its counts and error.  A line
 * from readahead_take, its text and its item, belong to the read-ahead
 * and are good until readahead_release.
 */
#ifndef JOBLINE_READAHEAD_H
#define JOBLINE_READAHEAD_H

#include <stddef.h>

#include "jsonl.h"

/* A line read ahead, and what the scan made of it. */
struct readahead_line {
	char *line;		/* the line, NUL-terminated */
	size_t cap;		/* the capacity of its buffer */
	size_t len;		/* its length */
	unsigned long lineno;	/* its number */
	int ok;			/* the scan took it: item is set */
	void *item;		/* the scan's item_size bytes */
};

/*
 * Start reading r's stream on a thread; NULL if it cannot be started.
 * For each line, scan(r, item, arg) runs there with the line as r's
 * current one: it fills item and returns non-zero, or reports the line
 * (jsonl_bad) and returns 0.  drop(item) frees what a filled item holds.
 */
struct readahead *readahead_start(struct jsonl_reader *r, size_t item_size,
    int (*scan)(struct jsonl_reader *r, void *item, void *arg),
    void (*drop)(void *item), void *arg);

/*
 * The next line, or NULL at the end of input (or a read error, or a
 * signal).  When no line is ready and the reading thread waits for
 * input, idle(arg) runs first, once a call: store commits there, so that
 * it never holds the write lock while its input waits.
 */
struct readahead_line *readahead_take(struct readahead *ra,
    void (*idle)(void *arg), void *arg);

/* Done with the line readahead_take gave. */
void readahead_release(struct readahead *ra, struct readahead_line *l);

/*
 * Stop, and hand back the reader's counts and error to r; unblock the
 * caller's signals.  A thread still waiting for input is left to end
 * with the process.
 */
void readahead_stop(struct readahead *ra, struct jsonl_reader *r);

#endif
