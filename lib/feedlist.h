/*
 * feedlist.h - the feeds fetch-feed is asked for: URLs and paths given
 * one by one, newsboat-style urls files (-f), OPML (--opml) and JSON lines
 * with a url (standard input).  See man/fetch-feed.1.
 *
 * A URL listed twice (in any of the lists, or as an argument) is kept
 * once, with the name and tags of its first listing; JSON lines are each
 * a feed of their own, as their other fields may differ.
 *
 * Errors: a list file that cannot be opened is "program: FILE: reason"
 * and a return of -1; a line of it that cannot be read or is malformed is
 * "program: FILE:LINE: reason", counted, and skipped (the others are
 * read).
 *
 * Ownership: the list owns its entries and their strings and JSON
 * objects, until feedlist_free.
 */
#ifndef JOBLINE_FEEDLIST_H
#define JOBLINE_FEEDLIST_H

#include <stdio.h>

#include <json-c/json.h>

/* One feed asked for. */
struct feedlist_entry {
	char *url;		/* as given (a list's relative path made
				   relative to the list's directory) */
	char *name;		/* the urls file's "~name", or NULL */
	json_object *extra;	/* fields copied into its items, or NULL */
};

struct feedlist {
	struct feedlist_entry *v;	/* the feeds, in the order listed */
	size_t n, cap;			/* entries used, allocated */
	struct hmap *seen;		/* URLs listed (not JSON lines) */
};

void feedlist_init(struct feedlist *l);
void feedlist_free(struct feedlist *l);

/* Add url (deduplicated when dedup is non-zero); the new entry, or NULL
 * when url was there already. */
struct feedlist_entry *feedlist_add(struct feedlist *l, const char *url,
    int dedup);

/* Read a urls file ("-": standard input); the number of bad lines, or
 * -1 when it cannot be opened. */
long feedlist_read_urls(struct feedlist *l, const char *file);

/* Read an OPML file's outlines with an xmlUrl; 0, or -1 when it cannot be
 * read as XML. */
long feedlist_read_opml(struct feedlist *l, const char *file);

/* Read JSON lines with a url from fp (named name in messages); the number
 * of bad lines. */
unsigned long feedlist_read_jsonl(struct feedlist *l, FILE *fp,
    const char *name);

#endif
