/* fuzz-storerec: store's input records (lib/storerec, lib/fields): a line
 * read as an article (by URL and by --key) and as a chunk; what is taken
 * is whole and consistent, what is refused is reported. */
#include "fuzz.h"
#include "jsonl.h"
#include "storerec.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *fp = fmemopen((void *)data, size, "r");
	FILE *saved = stderr;
	struct jsonl_reader r;

	if (fp == NULL || size == 0) {
		if (fp)
			fclose(fp);
		return 0;
	}
	stderr = fopen("/dev/null", "w");
	jsonl_init(&r, fp, "fuzz");
	while (jsonl_next_line(&r) != NULL) {
		struct article_in a;
		struct chunk_in c;
		unsigned long bad = r.bad;
		json_object *o;

		for (int k = 0; k < 2; k++) {
			bad = r.bad;
			if (article_in_read(&r, k ? "id" : NULL, &a)) {
				FUZZ_CHECK(r.bad == bad, "taken, not reported");
				FUZZ_CHECK(a.art.url_key != NULL &&
				    *a.art.url_key != '\0' && a.art.id != NULL &&
				    *a.art.id != '\0', "an article has its keys");
				FUZZ_UTF8(a.art.url_key, strlen(a.art.url_key),
				    "its url_key is UTF-8");
			} else {
				FUZZ_CHECK(r.bad == bad + 1, "refused, reported");
			}
			article_in_free(&a);
		}
		if ((o = jsonl_parse(&r)) == NULL)
			continue;
		bad = r.bad;
		if (chunk_in_read(&r, o, &c)) {
			FUZZ_CHECK(r.bad == bad, "taken, not reported");
			FUZZ_CHECK(c.ch.count >= 0 && c.ch.id != NULL &&
			    c.ch.item_id != NULL && c.ch.record != NULL,
			    "a chunk has its fields");
			FUZZ_CHECK(c.ch.count == 0 || (c.ch.n >= 0 &&
			    c.ch.n < c.ch.count && c.ch.text != NULL),
			    "n is within count, the text is there");
			FUZZ_CHECK(c.ch.vector == NULL ||
			    (c.ch.vector_bytes > 0 && c.ch.vector_bytes % 4 == 0),
			    "a vector is whole float32s");
			FUZZ_UTF8(c.ch.record, strlen(c.ch.record),
			    "the record is UTF-8");
		} else {
			FUZZ_CHECK(r.bad == bad + 1, "refused, reported");
		}
		chunk_in_free(&c);
		json_object_put(o);
	}
	jsonl_free(&r);
	fclose(fp);
	fclose(stderr);
	stderr = saved;
	return 0;
}
