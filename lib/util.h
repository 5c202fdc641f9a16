/*
 * util.h - allocation that cannot fail, and the few helpers every program
 * uses.  Diagnostics use err(3)/warnx(3) directly: glibc prefixes them with
 * the program's name, which is the "program: message" convention.
 *
 * Ownership: every x* function returns memory the caller frees with free(3).
 * On allocation failure they print "program: out of memory" and exit 3.
 */
#ifndef JOBLINE_UTIL_H
#define JOBLINE_UTIL_H

#include <stddef.h>
#include <stdio.h>

#define JOBLINE_VERSION "0.1.0"

/* Exit statuses shared by every program but jobs-status (DESIGN.md). */
enum {
	EXIT_OK = 0,		/* all good */
	EXIT_PARTIAL = 1,	/* some input, feed or job failed; the rest done */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_FATAL = 3		/* cannot run at all: store, memory */
};

/* Long option values above any character, for options with no short form. */
enum {
	OPT_VERSION = 0x100,	/* --version */
	OPT_DB,			/* --db PATH */
	OPT_FIRST_PRIVATE	/* first value a program may use for its own */
};

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* xstrdup, or NULL for NULL. */
char *xstrdup_null(const char *s);
_Noreturn void die_nomem(void);

/* Print "NAME (jobline) VERSION" to stdout and exit 0. */
_Noreturn void version_exit(void);

/* Close stdout and exit: status, or 3 with a message if output was lost. */
_Noreturn void exit_flush(int status);

/* Non-zero when a progress line may be drawn: stderr is a terminal. */
int progress_wanted(void);

/* Non-zero when s is the whole of a base-10 integer in [min, max]. */
int parse_long(const char *s, long min, long max, long *out);

/*
 * An option's value, or "program: --OPT: not a ...: ARG" and
 * usage(stderr, 2): a whole number in [min, max], or a duration (see
 * duration_parse) of at least min_ms, in milliseconds.  usage is the
 * program's usage printer.
 */
long opt_number(const char *opt, const char *arg, long min, long max,
    void (*usage)(FILE *, int));
long long opt_duration(const char *opt, const char *arg, long long min_ms,
    void (*usage)(FILE *, int));

/* Most things at once that -j/--jobs allows, in every program. */
#define OPT_JOBS_MAX 256

/* -j/--jobs: opt_number("jobs", arg, 1, OPT_JOBS_MAX, usage). */
int opt_jobs(const char *arg, void (*usage)(FILE *, int));

#endif
