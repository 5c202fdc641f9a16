/*
 * backoff.h - how long to wait before trying again: the one exponential
 * backoff with jitter every retry loop uses (the store's busy retries, the
 * queue's failed attempts, HTTP and API retries, run-job --retries).
 *
 * Nothing here allocates.  The random part comes from random(3); seed it
 * (srandom) where repeatability across processes matters.
 */
#ifndef JOBLINE_BACKOFF_H
#define JOBLINE_BACKOFF_H

#include <stdint.h>

/*
 * The wait before retry number attempt (1 = the first retry): base_ms
 * doubled attempt - 1 times, at most cap_ms, then "equal jitter": between
 * half of it and all of it, at random.  base_ms <= 0 counts as 1.
 */
int64_t backoff_ms(int64_t base_ms, int64_t cap_ms, long long attempt);

/* The same without the random part: base_ms * 2^(attempt - 1), capped. */
int64_t backoff_fixed_ms(int64_t base_ms, int64_t cap_ms, long long attempt);

#endif
