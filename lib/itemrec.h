/*
 * itemrec.h - a feed entry as the item record of jobline(5): one JSON
 * line, the fields in a fixed order (id, feed, source, title, url,
 * published, updated, author, summary, content, categories, enclosures,
 * fetched_at), then the fields of the feed's input that the entry does
 * not have.  What fetch-feed writes.
 *
 * Ownership: nothing is kept; the line goes into the caller's buffer.
 */
#ifndef JOBLINE_ITEMREC_H
#define JOBLINE_ITEMREC_H

#include <json-c/json.h>

#include "fbuf.h"
#include "feed.h"

/* Where an entry came from. */
struct itemrec_src {
	const char *feed;	/* the feed's URL or path, as listed */
	const char *name;	/* the list's ~name (wins over the feed's
				   title as source), or NULL */
	const char *fetched_at;	/* RFC 3339 */
	json_object *extra;	/* input fields for every item, or NULL */
};

/* The record of it from src, with its newline, into b (reset first). */
void itemrec_format(struct fbuf *b, const struct feed_item *it,
    const struct itemrec_src *src);

/* ,"key":"v" (JSON strings) onto b, when v is not NULL. */
void itemrec_field(struct fbuf *b, const char *key, const char *v);

#endif
