/* fuzz-jsonl: JSON lines reading; the record scanner (lib/jsonscan) and
 * json-c agree on which lines are JSON objects. */
#include "fuzz.h"
#include "jsonl.h"
#include "jsonscan.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *fp = fmemopen((void *)data, size, "r");
	FILE *devnull = fopen("/dev/null", "w");
	struct jsonl_reader r;

	if (fp == NULL || size == 0) {
		if (fp)
			fclose(fp);
		if (devnull)
			fclose(devnull);
		return 0;
	}
	jsonl_init(&r, fp, "fuzz");
	while (jsonl_next_line(&r) != NULL) {
		struct jscan_field f = { .key = "id" };
		size_t off;
		const char *msg;
		enum jscan_result scanned = jscan_object(r.line, r.len, &f, 1,
		    &off, &msg);
		json_object *o = jsonl_parse(&r);

		FUZZ_CHECK((scanned == JSCAN_OBJECT) == (o != NULL),
		    "jsonscan and json-c agree");
		if (o != NULL)
			jsonl_write(devnull, o);
		json_object_put(o);
	}
	jsonl_free(&r);
	fclose(fp);
	fclose(devnull);
	return 0;
}
