/* fuzz-date: feed dates and RFC 3339 times; a time read back from its
 * own formatting is the same time. */
#include "fuzz.h"
#include "feeddate.h"
#include "timefmt.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), buf[TIME_BUFSZ];
	int64_t ms, again;

	if (feeddate_parse(s, &ms) == 0 && ms > -62135596800000LL &&
	    ms < 253402300799000LL) {
		time_format_ms(ms, buf);
		FUZZ_CHECK(time_parse(buf, &again) == 0 && again == ms,
		    "feeddate round trip");
	}
	if (time_parse(s, &ms) == 0 && ms > -62135596800000LL &&
	    ms < 253402300799000LL) {
		time_format_ms(ms, buf);
		FUZZ_CHECK(time_parse(buf, &again) == 0 && again == ms,
		    "time_parse round trip");
	}
	free(s);
	return 0;
}
