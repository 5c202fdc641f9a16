/*
 * feeds.h - the feeds table: each feed's cache validators (ETag,
 * Last-Modified) and the outcome of its last fetch, kept by fetch-feed
 * and read by jobs-status.  man/jobline.5 documents the table.
 *
 * Ownership: struct feeds holds prepared statements on a handle that stays
 * the caller's; feeds_close finalizes them.  Strings a function returns are
 * the caller's (free(3)); a struct feed_row's strings are good only during
 * the callback that receives it.
 */
#ifndef JOBLINE_FEEDS_H
#define JOBLINE_FEEDS_H

#include <stdint.h>

#include "db.h"

struct feeds;

struct feeds *feeds_open(struct db *db);
void feeds_close(struct feeds *f);	/* NULL is allowed */

/*
 * The stored validators of url into *etag and *last_modified (each NULL
 * when none), its consecutive failures into *failures and the time before
 * which it is not to be tried again into *next_try (ms, 0 when none);
 * returns 1 when the feed is known, else 0.
 */
int feeds_validators(struct feeds *f, const char *url, char **etag,
    char **last_modified, int64_t *failures, int64_t *next_try);

/*
 * A good fetch at now: HTTP status (304 keeps the stored item count), the
 * feed's title (NULL keeps the stored one) and item count; failures back
 * to 0.  The validators stay as they are: they advance only through
 * feeds_set_validators, once the items are stored (jobline(7)).
 */
void feeds_record_ok(struct feeds *f, const char *url, const char *title,
    long http_status, int64_t items, int64_t now);

/* The validators of url (each NULL: none) from now on. */
void feeds_set_validators(struct feeds *f, const char *url, const char *etag,
    const char *last_modified);

/*
 * A failed fetch at now: its HTTP status (0: none) and error; one more
 * consecutive failure.  From the second failure in a row the feed backs
 * off: it is not tried again before FEEDS_BACKOFF_BASE_MS doubled with
 * each further failure, with jitter, at most FEEDS_BACKOFF_CAP_MS; a
 * Retry-After of retry_after_ms (-1: none) waits at least that long, up
 * to the same cap.  Returns the consecutive failures; *next_try gets the
 * time of the next try (ms), 0 when the next run may try it.
 */
#define FEEDS_BACKOFF_BASE_MS (10 * 60 * 1000LL)
#define FEEDS_BACKOFF_CAP_MS (24 * 3600 * 1000LL)
int64_t feeds_record_failure(struct feeds *f, const char *url,
    long http_status, const char *error, int64_t now, long retry_after_ms,
    int64_t *next_try);

/* The feed url tried at the next run, its failures back to 0; returns 1
 * when the feed is known, else 0. */
int feeds_reset_failures(struct feeds *f, const char *url);

/* One feed as the listings show it. */
struct feed_row {
	const char *url;		/* the feed's URL */
	const char *title;		/* its title, or NULL */
	int64_t failures;		/* consecutive failures */
	const char *last_success;	/* RFC 3339, or NULL: never */
	const char *last_attempt;	/* RFC 3339 */
	const char *error;		/* of the last attempt, or NULL */
	const char *next_try;		/* RFC 3339: backed off until then,
					   or NULL: tried at the next run */
};

/* Call fn for every feed with at least min_failures consecutive
 * failures, most failures first, then by URL. */
void feeds_each_failing(struct db *db, int64_t min_failures,
    void (*fn)(const struct feed_row *row, void *arg), void *arg);

#endif
