/*
 * storerec.h - store's input records: a line of articles, chunks,
 * prices, predictions or votes read into the struct its table module
 * takes (lib/articles.h, lib/chunks.h, lib/prices.h, lib/predictions.h),
 * or reported as "NAME:LINE: reason" (jsonl_bad) and refused.  Nothing here touches the store, so it runs anywhere: the
 * articles' on store's reading thread (lib/readahead.h).
 *
 * Ownership: a struct article_in, chunk_in or prediction_rec owns what
 * its own fields point to, freed by article_in_free, chunk_in_free or
 * prediction_rec_free (also after a refusal, and twice is harmless); the
 * texts its struct article, chunk or prediction_in points to are those,
 * or the reader's line or the json-c object read, which must outlive it.
 * A struct price_in or vote_in owns nothing: its texts are the object's
 * or its own buffers.
 */
#ifndef JOBLINE_STOREREC_H
#define JOBLINE_STOREREC_H

#include <stdint.h>
#include <json-c/json.h>

#include "articles.h"
#include "chunks.h"
#include "fields.h"
#include "jsonl.h"
#include "predictions.h"
#include "timefmt.h"

/* An article's line, read. */
struct article_in {
	struct article art;	/* all set but record (the caller's) */
	char *url_key;		/* art.url_key */
	char *id;		/* art.id: its own, or the one it is given */
	char *url;		/* art.url */
	char *decoded[3];	/* feed, title, published, when escaped */
	int set_id;		/* it has no id: id is to be written in */
};

/*
 * Read the reader's current line as an article: 1, or 0 after reporting
 * it.  Its url_key is key's value when key is not NULL (store --key: a
 * key, lib/fields.h), else its canonical URL, else "id:" and its id.  A
 * record without an id is given its URL (or its key) as id.  The fields
 * it reads are checked: id (not empty), url, feed and title strings,
 * published an RFC 3339 time from 1970 to 9999 (stored as given).
 */
int article_in_read(struct jsonl_reader *r, const char *key,
    struct article_in *a);

/* Give the article its URL (else, when it has none or an empty one, its
 * key) as id, for one whose id is another article's. */
void article_in_reid(struct article_in *a);

void article_in_free(struct article_in *a);

/* A chunk's record, read. */
struct chunk_in {
	struct chunk ch;	/* all set */
	int64_t start, end, words; /* what ch's pointers point to */
	char key[FIELD_KEYSZ];	/* an integer item_id, as text */
	char idkey[FIELD_KEYSZ]; /* an integer id, as text */
	char *id;		/* ch.id: its own, or "<item id>#<n>" */
	char *record;		/* ch.record: the record without its vector */
	void *vector;		/* ch.vector */
};

/*
 * Read the chunk record o, the reader's current line: 1, or 0 after
 * reporting it.  Every field is checked (lib/fields.h): item_id a key;
 * count an integer >= 0; n, when count > 0, an integer in 0..count-1 (0
 * when count is 0); text a string, required when count > 0; id a key;
 * start, end and words integers >= 0, end not before start;
 * embedding_model a string; embedding an array of numbers within a
 * float's range, or base64 of float32s.  o keeps its fields (its
 * embedding may move to its end).
 */
int chunk_in_read(struct jsonl_reader *r, json_object *o,
    struct chunk_in *c);

void chunk_in_free(struct chunk_in *c);

/* A price quote's record, read. */
struct price_in {
	const char *symbol;	/* a non-empty string */
	int64_t ms;		/* its time */
	double price;		/* positive and finite */
};

/*
 * Read the quote o: 1, or 0 after reporting it.  symbol a non-empty
 * string; price a positive finite number; time an RFC 3339 string or
 * seconds since the epoch, from 1970 to 9999.
 */
int price_in_read(struct jsonl_reader *r, json_object *o, struct price_in *p);

/* A prediction's record, read. */
struct prediction_rec {
	struct prediction_in in; /* all set */
	char key[FIELD_KEYSZ];	/* an integer id, as text */
	char opens[TIME_BUFSZ];	/* in.opens_at, normalised to UTC */
	char verify[TIME_BUFSZ]; /* in.verify_at, likewise */
	char *options;		/* in.options */
	char *record;		/* in.record */
};

/*
 * Read the prediction o, the reader's current line: 1, or 0 after
 * reporting it.  id a key; symbol a non-empty string; question a string;
 * opens_at and verify_at RFC 3339 times from 1970 to 9999, verify_at
 * after opens_at (both stored in UTC to the second); start_price a
 * positive number up to 1e300; mode auto (the default) or manual; status
 * active (the default) or cancelled; options an object of label:
 * condition that lib/cond.h compiles (in manual mode a condition may be
 * empty or null).
 */
int prediction_rec_read(struct jsonl_reader *r, json_object *o,
    struct prediction_rec *p);

void prediction_rec_free(struct prediction_rec *p);

/* A vote's record, read. */
struct vote_in {
	const char *prediction_id;	/* a key */
	const char *user_id;		/* a key */
	const char *option;		/* a non-empty string */
	const char *voted_at;		/* RFC 3339 UTC, or NULL */
	char pkey[FIELD_KEYSZ];		/* an integer prediction_id as text */
	char ukey[FIELD_KEYSZ];		/* an integer user_id as text */
	char voted[TIME_BUFSZ];		/* voted_at, normalised */
};

/*
 * Read the vote o: 1, or 0 after reporting it.  prediction_id (or
 * prediction) and user_id (or user) keys; option a non-empty string;
 * voted_at an RFC 3339 time from 1970 to 9999.
 */
int vote_in_read(struct jsonl_reader *r, json_object *o, struct vote_in *v);

#endif
