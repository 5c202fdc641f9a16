/* backoff.c - exponential backoff with equal jitter */
#include <stdlib.h>

#include "backoff.h"

int64_t
backoff_fixed_ms(int64_t base_ms, int64_t cap_ms, long long attempt)
{
	int64_t d = base_ms > 0 ? base_ms : 1;

	for (long long i = 1; i < attempt && d < cap_ms; i++)
		d *= 2;
	return d > cap_ms ? cap_ms : d;
}

int64_t
backoff_ms(int64_t base_ms, int64_t cap_ms, long long attempt)
{
	int64_t d = backoff_fixed_ms(base_ms, cap_ms, attempt);

	/* equal jitter: half fixed, half random */
	return d - (int64_t)((double)random() / ((double)RAND_MAX + 1) *
	    (double)(d / 2));
}
