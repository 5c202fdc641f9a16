/* fuzz-spec: durations and enqueue's --intervals specs. */
#include "fuzz.h"
#include "queue.h"
#include "timefmt.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	struct queue_intervals iv;
	const char *why;
	int64_t ms;

	if (duration_parse(s, &ms) == 0)
		FUZZ_CHECK(ms >= 0, "durations are not negative");
	if (queue_intervals_parse(s, &iv, &why) == 0) {
		for (long long rank = -1; rank < 5; rank++)
			(void)queue_intervals_find(&iv, rank);
	} else {
		FUZZ_CHECK(why != NULL, "a refused spec says why");
	}
	free(s);
	return 0;
}
