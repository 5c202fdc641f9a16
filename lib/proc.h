/*
 * proc.h - the one process supervisor: run a command in a process group
 * of its own, keep the tail of what it writes, time it out, stop it
 * (a signal, a grace, then SIGKILL) and tell how it ended.  run-job waits
 * for one command with proc_wait; dequeue (lib/worker.c) runs many at
 * once in its own poll loop (proc_pollfd, proc_read, proc_reap, proc_due,
 * proc_tick).
 *
 * The processes: proc_start forks a guardian, which leads a new process
 * group and forks the command into it.  The guardian only waits: it
 * ignores the SIGTERM, SIGINT and SIGHUP sent to the group, and ends the
 * way the command ended (its exit status, or death by its signal), so the
 * supervisor sees the command's status.  When the supervisor dies, even by
 * SIGKILL, the kernel tells the guardian (PR_SET_PDEATHSIG) and the
 * guardian SIGKILLs the whole group: no stage of a killed run's pipeline
 * outlives it (a process that leaves the group, setsid(1), is not
 * followed).  The guardian keeps the supervisor's open files, the job's
 * lock among them, until it has done so, so a lock the supervisor held is
 * free only once the group is gone.  The command's SIGTERM, SIGINT,
 * SIGHUP, SIGCHLD, SIGPIPE and SIGUSR1 are back to their defaults and no
 * signal is blocked.  A command that cannot be started writes
 * "PROGRAM: COMMAND: reason" to its stderr and exits 127 (not found) or
 * 126.
 *
 * SIGCHLD: the first proc_start installs a handler that writes a byte to
 * proc_wake_fd(); poll that fd to wake when a command ends.  A program
 * using proc has no other SIGCHLD handler.
 *
 * Ownership: proc_start copies nothing from the spec but the numbers: argv
 * and envp need only last until it returns.  struct proc is freed by
 * proc_free, which kills what is left of a group still running.  Strings
 * returned are the caller's (free(3)); proc_exit's struct is the proc's.
 * Failures to fork or make pipes end the program (exit 3).
 */
#ifndef JOBLINE_PROC_H
#define JOBLINE_PROC_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The streams of a command. */
enum { PROC_OUT = 0, PROC_ERR = 1 };

/* Room for proc_exit_text's words. */
#define PROC_TEXTSZ 40

/* What to run and how. */
struct proc_spec {
	char *const *argv;	/* the command; argv[0] is looked up in PATH */
	char *const *envp;	/* its environment, or NULL for ours */
	int in_fd;		/* its stdin (kept open by the caller), or -1
				 * for ours */
	int out_fd;		/* when > 0, its stdout: a descriptor the caller
				 * reads itself (PROC_OUT captures nothing),
				 * closed by the caller after proc_start (the
				 * guardian holds it until the group ends);
				 * 0 for the capture */
	int merge;		/* its stderr goes into the PROC_OUT capture
				 * (not with out_fd) */
	size_t keep;		/* bytes kept of each stream (the last ones) */
	int echo;		/* also pass its output on to our stdout and
				 * stderr as it comes */
	int64_t timeout_ms;	/* then SIGTERM, and SIGKILL after grace_ms;
				 * 0 for none */
	int64_t grace_ms;	/* from the timeout's SIGTERM to SIGKILL */
};

/* How a command ended. */
struct proc_exit {
	int code;		/* its exit status, or 128 + signal */
	int signo;		/* the signal that ended it, or 0 */
	int timed_out;		/* stopped by the spec's timeout */
	int stopped;		/* proc_stop (or the timeout) was used */
	int64_t ms;		/* from start to end */
};

struct proc;

/* Start the command; returns at once. */
struct proc *proc_start(const struct proc_spec *spec);

/* Free p; a group still running is SIGKILLed first.  NULL is allowed. */
void proc_free(struct proc *p);

/* The process group of the command (the guardian's pid). */
pid_t proc_pid(const struct proc *p);

/* The read end of the SIGCHLD pipe, to poll with the output (POLLIN). */
int proc_wake_fd(void);

/* Empty the SIGCHLD pipe (before reaping). */
void proc_wake_clear(void);

/*
 * The output pipes still open, into pfd (room for 2): returns how many.
 * After poll, proc_read takes what is there (and echoes it).
 */
int proc_pollfd(const struct proc *p, struct pollfd *pfd);
void proc_read(struct proc *p);

/*
 * Whether the command has ended: reaps it without waiting, then takes
 * what its pipes hold and closes them (a background process it left may
 * keep them open: its later output is not waited for).  1 when it has
 * ended, else 0.
 */
int proc_reap(struct proc *p);

/* How it ended, once proc_reap said so (else NULL). */
const struct proc_exit *proc_exit(const struct proc *p);

/*
 * Send sig to the group now and SIGKILL it grace_ms later if it has not
 * ended (at once with SIGKILL or grace 0).  Another stop while one is
 * going only shortens the grace: proc_stop(p, SIGKILL, 0) ends it now.
 */
void proc_stop(struct proc *p, int sig, int64_t grace_ms);

/* Whether a stop, or the timeout, has begun. */
int proc_stopping(const struct proc *p);

/* The time_mono() of the next timed step (timeout, SIGKILL), or INT64_MAX;
 * proc_tick takes the steps that are due. */
int64_t proc_due(const struct proc *p);
void proc_tick(struct proc *p);

/*
 * Wait for the command to end, reading its output, keeping its timeout.
 * When *sig becomes non-zero (a signal handler sets it), the signal is
 * passed on to the group (SIGHUP as SIGTERM) with grace_ms before SIGKILL,
 * and *sig is cleared; a second one SIGKILLs the group at once.  After a
 * timeout or a signal, what is left of the group is killed.  Returns the
 * first signal passed on, or 0.
 */
int proc_wait(struct proc *p, volatile _Atomic int *sig, int64_t grace_ms);

/* Bytes the stream carried in all, and bytes of it kept. */
uint64_t proc_total(const struct proc *p, int stream);
size_t proc_kept(const struct proc *p, int stream);

/*
 * The stream as text, for a record or a message: the last max bytes kept
 * (all with 0), starting at a line (else a character) when cut, without
 * the line breaks at its end, invalid UTF-8 and NUL bytes each as U+FFFD.
 * The one way captured output becomes text.
 */
char *proc_tail(const struct proc *p, int stream, size_t max);

/*
 * Write the kept bytes of a stream to fd as they were, after a note
 * "[PROGRAM: first N bytes of WHAT not kept]" when the start was dropped,
 * with a line break added when they do not end with one.
 */
void proc_print(const struct proc *p, int stream, int fd, const char *what);

/* "exit 3", "killed by SIGKILL": the one wording of how a command ended. */
char *proc_exit_text(int code, int signo, char *buf);

/*
 * A copy of our environment without the variables named in drop (NAME=
 * prefixes, NULL-terminated) and then with set (NAME=VALUE strings,
 * NULL-terminated) appended, for proc_spec.envp.  The array is new
 * (free(3)); its strings are ours or set's, not copied.
 */
char **proc_env(const char *const *drop, char *const *set);

#endif
