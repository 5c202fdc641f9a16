/*
 * joblock.h - the lock file of a run-job job, and job names.
 *
 * run-job holds an flock(2) on <store dir>/locks/<name>.lock while a job
 * runs, so two runs of one job never overlap and the kernel releases the
 * lock when run-job dies.  jobs-status looks at the same file to tell a
 * run that is still going from one left "running" by a crash.
 * Owned by run-job and jobs-status.
 *
 * Ownership: returned strings are the caller's, freed with free(3).
 */
#ifndef JOBLINE_JOBLOCK_H
#define JOBLINE_JOBLOCK_H

/* Longest job name, in bytes. */
#define JOB_NAME_MAX 128

/*
 * NULL when name is a valid job name (1..JOB_NAME_MAX bytes of UTF-8, no
 * control characters, not starting with '-'), else why not.
 */
const char *job_name_invalid(const char *name);

/*
 * The lock file of job name for the store at store_path: the name with
 * every byte but [A-Za-z0-9._-] turned into '_' and, when that changed it
 * (or it starts with '.'), a hash of the real name appended, so two names
 * never share a file by accident.
 */
char *job_lock_path(const char *store_path, const char *name);

/*
 * The directory of job_lock_path's files: locks/ beside a SQLite store;
 * for a PostgreSQL store (a URI) this machine's
 * $XDG_STATE_HOME/jobline/locks (else ~/.local/state/jobline/locks), so
 * that runs of a job on one machine never overlap (across machines,
 * nothing keeps them apart yet).
 */
char *job_lock_dir(const char *store_path);

/*
 * Take the lock of job name (making its directory when missing): 1 when
 * held, the open file in *fd (the lock lasts while it is open, and goes
 * with the process); 0 when another process holds it, its pid in *holder
 * (0 when unknown); -1 when a signal (lib/sig.h) came while waiting.
 * wait: block until the lock is free rather than answer 0.  Exits 3 when
 * the file cannot be made or locked.
 */
int job_lock_take(const char *store_path, const char *name, int wait,
    int *fd, long *holder);

/*
 * 1 when the lock of job name is held by a live process, 0 when it is
 * free (or the file does not exist), -1 when that cannot be told.
 * Opens the file read-only; creates nothing.
 */
int job_lock_held(const char *store_path, const char *name);

struct db;

/*
 * job_lock_take and job_lock_held for the store db: on SQLite the lock
 * file beside it; on PostgreSQL (no file beside a URI) a session advisory
 * lock on db's connection, keyed by a hash of the name, so two machines
 * never run one job at once and the server frees it when the connection
 * goes; *fd stays -1 and *holder 0 there, and held is told by pg_locks.
 */
int job_lock_take_db(struct db *db, const char *name, int wait, int *fd,
    long *holder);
int job_lock_held_db(struct db *db, const char *name);

#endif
