/* fuzz-feed: the feed parser on raw bytes (XML of every kind, JSON Feed),
 * pushed in two pieces; every item it gives is valid UTF-8. */
#include "fuzz.h"
#include "feed.h"

static void
check(const char *s, const char *what)
{
	if (s != NULL)
		FUZZ_UTF8(s, strlen(s), what);
}

static void
on_item(void *arg, const struct feed_item *it)
{
	check(it->id, "id");
	check(it->title, "title");
	check(it->url, "url");
	check(it->author, "author");
	check(it->summary, "summary");
	check(it->content, "content");
	check(it->source, "source");
	for (size_t i = 0; i < it->ncategories; i++)
		check(it->categories[i], "category");
	(*(unsigned long *)arg)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed_parser *p;
	unsigned long n = 0;
	size_t cut = size ? data[0] % (size + 1) : 0;

	p = feed_new("http://fuzz.example/feed", NULL, on_item, &n);
	feed_push(p, (const char *)data, cut);
	feed_push(p, (const char *)data + cut, size - cut);
	feed_finish(p);
	FUZZ_CHECK(feed_count(p) == n, "feed_count counts the items given");
	feed_free(p);
	return 0;
}
