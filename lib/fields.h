/*
 * fields.h - typed fields of input records, read strictly: a value of
 * the wrong type or out of range is refused with the field's name and the
 * reason, never read as a default.  For every program that loads records
 * into the store (store's tables: articles, chunks, generic records,
 * prices, predictions, votes).
 *
 * Each reader looks up key in the record (a json-c object, or a field
 * lib/jsonscan.h picked out of the line) and answers
 *
 *   FIELD_OK    the value is good and in *out;
 *   FIELD_NONE  the field is missing or null: nothing is set, nothing is
 *               reported, unless flags has FIELD_REQUIRED, which makes
 *               it "NAME:LINE: no KEY" and FIELD_BAD;
 *   FIELD_BAD   the value is there but wrong: reported through the
 *               reader as "NAME:LINE: KEY: reason" (jsonl_bad, which
 *               counts the line bad), and the caller skips the record.
 *
 * The reasons: "not an integer", "out of range" (beyond 64 bits, or a
 * number beyond a double's range), "below MIN", "above MAX", "not
 * between MIN and MAX", "not a number", "not a string", "empty", "not an
 * RFC 3339 time" (as time_parse reads it), "before 1970", "after 9999",
 * "not an RFC 3339 time or seconds", "not a string or an integer", "not
 * positive", "above MAX".  Each reason is a kind of message of its
 * own for jsonl_bad's counting (a flood of one is cut short, not the
 * others).
 *
 * Ownership: strings given back are owned by the object (field_string),
 * are buf (field_key), or are new and the caller's (field_scanned_key).
 */
#ifndef JOBLINE_FIELDS_H
#define JOBLINE_FIELDS_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "jsonl.h"
#include "jsonscan.h"

enum { FIELD_BAD = -1, FIELD_NONE = 0, FIELD_OK = 1 };

/* flags */
#define FIELD_REQUIRED 1	/* missing or null is bad: "no KEY" */

/* Room for any integer key as text (field_key's buf). */
#define FIELD_KEYSZ 32

/* A JSON integer (as written: 1.0 and "1" are not) in [min, max]. */
int field_int(struct jsonl_reader *r, json_object *o, const char *key,
    int flags, int64_t min, int64_t max, int64_t *out);

/* A finite JSON number in [min, max]. */
int field_double(struct jsonl_reader *r, json_object *o, const char *key,
    int flags, double min, double max, double *out);

/* A string, possibly empty. */
int field_string(struct jsonl_reader *r, json_object *o, const char *key,
    int flags, const char **out);

/* A time: an RFC 3339 string from 1970 to 9999, in ms since the epoch. */
int field_time(struct jsonl_reader *r, json_object *o, const char *key,
    int flags, int64_t *ms);

/* A finite JSON number above 0 and at most max. */
int field_positive(struct jsonl_reader *r, json_object *o, const char *key,
    int flags, double max, double *out);

/* A time as field_time reads it, or a JSON number of seconds since the
 * epoch (its fraction kept to the millisecond) from 1970 to 9999. */
int field_time_or_seconds(struct jsonl_reader *r, json_object *o,
    const char *key, int flags, int64_t *ms);

/* A key: a non-empty string, or an integer of 64 bits (printed into buf,
 * FIELD_KEYSZ bytes). */
int field_key(struct jsonl_reader *r, json_object *o, const char *key,
    int flags, char *buf, const char **out);

/* The same for fields scanned out of the line (f->key is their name):
 * a string, a key (a new string), a time. */
int field_scanned_string(struct jsonl_reader *r, const struct jscan_field *f,
    int flags);
int field_scanned_key(struct jsonl_reader *r, const struct jscan_field *f,
    int flags, char **out);
int field_scanned_time(struct jsonl_reader *r, const struct jscan_field *f,
    int flags, int64_t *ms);

#endif
