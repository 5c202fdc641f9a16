/* fuzz-storerec: store's input records (lib/storerec, lib/fields): a line
 * read as an article (by URL and by --key), a chunk, a price, a prediction
 * and a vote; what is taken is whole and consistent, what is refused is
 * reported. */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "jsonl.h"
#include "storerec.h"

/* The price, prediction and vote readers on o. */
static void
quote_vote_prediction(struct jsonl_reader *r, json_object *o)
{
	struct price_in q;
	struct prediction_rec p;
	struct vote_in v;
	unsigned long bad = r->bad;

	if (price_in_read(r, o, &q)) {
		FUZZ_CHECK(r->bad == bad, "taken, not reported");
		FUZZ_CHECK(*q.symbol != '\0' && isfinite(q.price) &&
		    q.price > 0 && q.ms >= 0 &&
		    q.ms < INT64_C(253402300800000), "a quote is whole");
	} else {
		FUZZ_CHECK(r->bad == bad + 1, "refused, reported");
	}
	bad = r->bad;
	if (prediction_rec_read(r, o, &p)) {
		const struct prediction_in *in = &p.in;

		FUZZ_CHECK(r->bad == bad, "taken, not reported");
		FUZZ_CHECK(*in->id != '\0' && *in->symbol != '\0' &&
		    strcmp(in->opens_at, in->verify_at) < 0 &&
		    strlen(in->verify_at) == 20, "a prediction's times are "
		    "normalised and in order");
		FUZZ_CHECK(!in->has_start || (in->start_price > 0 &&
		    in->start_price <= 1e300), "its start price is positive");
		FUZZ_CHECK((strcmp(in->mode, "auto") == 0 ||
		    strcmp(in->mode, "manual") == 0) &&
		    (strcmp(in->status, "active") == 0 ||
		    strcmp(in->status, "cancelled") == 0), "its mode and status "
		    "are words it knows");
		FUZZ_CHECK(in->options != NULL && in->record != NULL &&
		    in->record_len == strlen(in->record), "its texts are there");
		FUZZ_UTF8(in->record, in->record_len, "its record is UTF-8");
	} else {
		FUZZ_CHECK(r->bad == bad + 1, "refused, reported");
	}
	prediction_rec_free(&p);
	bad = r->bad;
	if (vote_in_read(r, o, &v)) {
		FUZZ_CHECK(r->bad == bad, "taken, not reported");
		FUZZ_CHECK(*v.prediction_id != '\0' && *v.user_id != '\0' &&
		    *v.option != '\0' && (v.voted_at == NULL ||
		    strlen(v.voted_at) == 20), "a vote is whole");
	} else {
		FUZZ_CHECK(r->bad == bad + 1, "refused, reported");
	}
}

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
		quote_vote_prediction(&r, o);
		json_object_put(o);
	}
	jsonl_free(&r);
	fclose(fp);
	fclose(stderr);
	stderr = saved;
	return 0;
}
