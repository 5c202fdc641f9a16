/*
 * storerec.h - store's input records: a line of articles or of chunks
 * read into the struct its table module takes (lib/articles.h,
 * lib/chunks.h), or reported as "NAME:LINE: reason" (jsonl_bad) and
 * refused.  Nothing here touches the store, so it runs anywhere: the
 * articles' on store's reading thread (lib/readahead.h).
 *
 * Ownership: a struct article_in or chunk_in owns what its own fields
 * point to, freed by article_in_free or chunk_in_free (also after a
 * refusal, and twice is harmless); the texts its struct article or chunk
 * points to are those, or the reader's line or the json-c object read,
 * which must outlive it.
 */
#ifndef JOBLINE_STOREREC_H
#define JOBLINE_STOREREC_H

#include <stdint.h>
#include <json-c/json.h>

#include "articles.h"
#include "chunks.h"
#include "jsonl.h"

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
 * it.  Its url_key is key's value when key is not NULL (store --key),
 * else its canonical URL, else "id:" and its id.  A record without an id
 * is given its URL (or its key) as id.
 */
int article_in_read(struct jsonl_reader *r, const char *key,
    struct article_in *a);

/* Give the article its URL (else its key) as id, for one whose id is
 * another article's. */
void article_in_reid(struct article_in *a);

void article_in_free(struct article_in *a);

/* A chunk's record, read. */
struct chunk_in {
	struct chunk ch;	/* all set */
	int64_t start, end, words; /* what ch's pointers point to */
	char key[32];		/* an integer item_id, as text */
	char *id;		/* ch.id: its own, or "<item id>#<n>" */
	char *record;		/* ch.record: the record without its vector */
	void *vector;		/* ch.vector */
};

/* Read the chunk record o, the reader's current line: 1, or 0 after
 * reporting it.  o keeps its fields (its embedding may move to its
 * end). */
int chunk_in_read(struct jsonl_reader *r, json_object *o,
    struct chunk_in *c);

void chunk_in_free(struct chunk_in *c);

#endif
