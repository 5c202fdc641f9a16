/*
 * worker.h - dequeue's engine: work a queue by running a command for its
 * jobs, one job per command or a batch of them, up to -j commands at
 * once, each under lib/proc.c (a process group that dies with the
 * worker), with leases kept, outcomes recorded (lib/queue.h) and one
 * result line per job on standard output.  man/dequeue.1 tells the
 * behaviour; this file only its shape.
 *
 * One job per command (batch 0): the payload alone on the command's
 * stdin, the job in JOBLINE_JOB_ID, JOBLINE_ATTEMPT, JOBLINE_QUEUE and
 * JOBLINE_JOB_KEY, stdout and stderr kept together; its exit status
 * decides.
 *
 * A batch (batch N): up to N jobs claimed together, each a line
 * {"id","queue","key","attempt","payload"} on the command's stdin; the
 * command writes one line per job on stdout, {"id": ID, "ok": true} or
 * {"id": ID, "ok": false, "error": "..."}, each recorded as it comes;
 * a job with no result line when the command ends is a failed attempt.
 *
 * Ownership: the options and the queue handle stay the caller's; nothing
 * is returned that the caller frees.
 */
#ifndef JOBLINE_WORKER_H
#define JOBLINE_WORKER_H

#include <stdint.h>

#include "db.h"
#include "queue.h"

/* How to work. */
struct worker_opts {
	char **argv;		/* COMMAND [ARG...] */
	int jobs;		/* commands at once */
	int batch;		/* jobs per command, or 0: one, payload alone */
	int64_t lease_ms;	/* a claim's lease */
	int64_t backoff_ms;	/* the base of the retry delay */
	int64_t grace_ms;	/* running commands' time after a stop */
	int64_t poll_ms;	/* an idle worker's look again */
	int64_t keep_ms;	/* done jobs kept this long, or 0: all */
	int64_t for_ms;		/* stop claiming after this, or 0 */
	long max_jobs;		/* stop after claiming this many, or 0 */
	int drain;		/* end when nothing is due and all is done */
	int quiet;		/* no result lines */
	int verbose;		/* tell each job on stderr */
};

/* What became of the jobs. */
struct worker_counts {
	unsigned long done, failed, dead, lost, released;
};

/*
 * Work queue q on db until drained, for_ms, max_jobs or a signal
 * (sig_caught: the first stops claiming and gives the running commands
 * grace_ms, a second ends the grace).  Returns that signal, or 0.
 */
int worker_run(struct db *db, struct queue_db *q,
    const struct worker_opts *o, struct worker_counts *n);

/* Delete the queue's done jobs completed more than age_ms ago, in
 * batches (stopping at a signal); returns how many. */
long worker_prune(struct db *db, const char *queue, int64_t age_ms);

#endif
