/* stats.c - counters for $JOBLINE_STATS */
#define _GNU_SOURCE
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats.h"
#include "util.h"

#define STATS_MAX 32		/* counters one program keeps */
#define STATS_NAME 48		/* longest name, with its NUL */

static struct {
	char name[STATS_NAME];	/* counter name, e.g. "items_fetched" */
	int64_t value;		/* its sum */
} counters[STATS_MAX];
static int ncounters;		/* counters in use */

void
stats_add(const char *name, int64_t v)
{
	int i;

	for (i = 0; i < ncounters; i++)
		if (strcmp(counters[i].name, name) == 0)
			break;
	if (i == ncounters) {
		if (ncounters == STATS_MAX)
			return;
		snprintf(counters[i].name, STATS_NAME, "%s", name);
		ncounters++;
	}
	counters[i].value += v;
}

int64_t
stats_get(const char *name)
{
	for (int i = 0; i < ncounters; i++)
		if (strcmp(counters[i].name, name) == 0)
			return counters[i].value;
	return 0;
}

void
stats_flush(void)
{
	const char *path = getenv("JOBLINE_STATS");
	char buf[STATS_MAX * (STATS_NAME + 24)];
	size_t n = 0;
	int fd;

	if (path == NULL || *path == '\0' || ncounters == 0)
		return;
	for (int i = 0; i < ncounters; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s %lld\n",
		    counters[i].name, (long long)counters[i].value);
	ncounters = 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, buf, n) != (ssize_t)n)
		warn("%s", path);
	if (fd >= 0)
		close(fd);
}
