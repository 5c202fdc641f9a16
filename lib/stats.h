/*
 * stats.h - counters for $JOBLINE_STATS.
 *
 * A program adds to named counters as it works; stats_flush appends them
 * as "name value" lines to the file $JOBLINE_STATS names (run-job sets it
 * and records the sums with the run).  Several programs of a pipeline may
 * append to the same file: each flush is one O_APPEND write.  Names are
 * copied; nothing here is the caller's to free.
 */
#ifndef JOBLINE_STATS_H
#define JOBLINE_STATS_H

#include <stdint.h>

/* Add v to counter name (created at 0). */
void stats_add(const char *name, int64_t v);

/* The value of a counter so far (0 if never added). */
int64_t stats_get(const char *name);

/* Append all counters to $JOBLINE_STATS if set; once; safe to call again. */
void stats_flush(void);

/*
 * The sums of the "name value" lines of a stats file (integers, or
 * decimals), as a new JSON object (json_object_put frees it): a name's
 * integers stay an integer, a decimal makes it one; at most max names;
 * lines of any other form, or with a name that is not UTF-8, are skipped.
 * A file that cannot be read is an empty object.
 */
struct json_object;
struct json_object *stats_sum(const char *path, int max);

#endif
