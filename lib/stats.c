/* stats.c - counters for $JOBLINE_STATS */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "stats.h"
#include "utf8.h"
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

json_object *
stats_sum(const char *path, int max)
{
	json_object *obj = json_object_new_object();
	FILE *fp = fopen(path, "r");
	char *line = NULL, *end;
	size_t cap = 0;
	ssize_t n;
	int count = 0;

	if (fp == NULL)
		return obj;
	while ((n = getline(&line, &cap, fp)) > 0) {
		char *name = line, *val, *sp;
		json_object *old;
		long long iv;
		double dv;

		line[strcspn(line, "\r\n")] = '\0';
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp = '\0';
		val = sp + 1;
		if (*name == '\0' || *val == '\0' ||
		    utf8_check(name, strlen(name)) != strlen(name))
			continue;
		errno = 0;
		iv = strtoll(val, &end, 10);
		if (errno == 0 && *end == '\0') {
			if (json_object_object_get_ex(obj, name, &old)) {
				if (json_object_is_type(old, json_type_int))
					json_object_set_int64(old,
					    json_object_get_int64(old) + iv);
				else
					json_object_set_double(old,
					    json_object_get_double(old) +
					    (double)iv);
			} else if (count < max) {
				json_object_object_add(obj, name,
				    json_object_new_int64(iv));
				count++;
			}
			continue;
		}
		dv = strtod(val, &end);
		if (*end != '\0' || end == val)
			continue;
		if (json_object_object_get_ex(obj, name, &old)) {
			double sum = json_object_get_double(old) + dv;

			json_object_object_add(obj, name,
			    json_object_new_double(sum));
		} else if (count < max) {
			json_object_object_add(obj, name,
			    json_object_new_double(dv));
			count++;
		}
	}
	free(line);
	fclose(fp);
	return obj;
}
