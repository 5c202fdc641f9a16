/* util.c - allocation that cannot fail, version, exit helpers */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "timefmt.h"
#include "util.h"

_Noreturn void
die_nomem(void)
{
	/* errx allocates nothing; keep the message fixed */
	errx(EXIT_FATAL, "out of memory");
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die_nomem();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		die_nomem();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		die_nomem();
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		die_nomem();
	return p;
}

char *
xstrdup_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		die_nomem();
	return p;
}

_Noreturn void
version_exit(void)
{
	printf("%s (jobline) %s\n", program_invocation_short_name,
	    JOBLINE_VERSION);
	exit_flush(EXIT_OK);
}

_Noreturn void
exit_flush(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		if (errno == EPIPE)
			_exit(status);
		err(EXIT_FATAL, "stdout");
	}
	exit(status);
}

int
progress_wanted(void)
{
	return isatty(STDERR_FILENO);
}

int
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return 0;
	*out = v;
	return 1;
}

long
opt_number(const char *opt, const char *arg, long min, long max,
    void (*usage)(FILE *, int))
{
	long v = 0;

	if (!parse_long(arg, min, max, &v)) {
		warnx("--%s: not a number from %ld to %ld: %s", opt, min, max,
		    arg);
		usage(stderr, EXIT_USAGE);
	}
	return v;
}

long long
opt_duration(const char *opt, const char *arg, long long min_ms,
    void (*usage)(FILE *, int))
{
	int64_t ms = 0;

	if (duration_parse(arg, &ms) != 0 || ms < min_ms) {
		warnx("--%s: not a duration%s (30s, 5m, 2h, 1d): %s", opt,
		    min_ms > 0 ? " above 0" : "", arg);
		usage(stderr, EXIT_USAGE);
	}
	return (long long)ms;
}

int
opt_jobs(const char *arg, void (*usage)(FILE *, int))
{
	return (int)opt_number("jobs", arg, 1, OPT_JOBS_MAX, usage);
}
