/*
 * jsonl.h - JSON lines in and out, on json-c.
 *
 * Reading: lines of any length; blank lines are skipped; a line that is not
 * one JSON object (bad syntax, invalid UTF-8, a NUL byte, trailing garbage,
 * too deep, a key twice in one object) is reported as
 * "program: NAME:LINE: reason" on stderr, counted in bad, and skipped.
 * After the first JSONL_SHOW_BAD messages of a kind (a jsonl_bad format),
 * the rest of that kind are counted, not shown, and jsonl_free ends with
 * one line "program: N more bad lines not shown", so that a flood of bad
 * input does not flood cron's mail.  A \u escape of a lone UTF-16
 * surrogate ("\ud800") is refused like invalid UTF-8: it has no
 * character that could be stored and passed on alike.
 * Objects keep their keys in input order and their numbers as written
 * (also integers beyond 64 bits and numbers beyond a double's range,
 * which json-c would otherwise clamp), so fields a program does not know
 * pass through as they came.
 *
 * Ownership: jsonl_next returns a new reference; the caller releases it
 * with json_object_put.  The reader owns its buffer and tokener; the stream
 * stays the caller's.  jsonl_line points into the reader's buffer and is
 * valid until the next jsonl_next.
 */
#ifndef JOBLINE_JSONL_H
#define JOBLINE_JSONL_H

#include <stdio.h>
#include <json-c/json.h>

/* Messages of one kind shown before the rest are only counted. */
#define JSONL_SHOW_BAD 10
/* Kinds of message counted apart; further kinds share the last. */
#define JSONL_KINDS 8

struct jsonl_reader {
	FILE *fp;		/* stream read; not owned */
	const char *name;	/* name in messages ("stdin"); not owned */
	char *line;		/* current line, NUL-terminated; owned */
	size_t cap;		/* capacity of line */
	size_t len;		/* length of line without its newline */
	unsigned long lineno;	/* number of the current line, from 1 */
	unsigned long bad;	/* lines reported and skipped so far */
	json_tokener *tok;	/* tokener reused across lines; owned */
	int error;		/* errno of a read error that ended input */
	int bigint;		/* the current line has an integer beyond
				   64 bits (set by jsonl_scan) */
	const char *kind[JSONL_KINDS];	/* formats of bad-line messages */
	unsigned long shown[JSONL_KINDS]; /* messages shown, by kind */
	unsigned long hidden;	/* messages counted, not shown */
};

void jsonl_init(struct jsonl_reader *r, FILE *fp, const char *name);

/*
 * Non-zero when a line can be read from fp without waiting: a whole line
 * in its buffer, or bytes (or end of input) on its descriptor.  Programs
 * that batch writes to the store commit before a read that would wait, so
 * that they never hold the write lock while their input may be waiting on
 * another program's commit.
 */
int jsonl_ready(FILE *fp);

/*
 * The next JSON object of the input, or NULL at end of input (or on a read
 * error, which is reported and left in r->error; or when a signal
 * interrupted the read, errno EINTR).
 */
json_object *jsonl_next(struct jsonl_reader *r);

/*
 * The next line that is not blank, checked for NUL bytes and UTF-8 (bad
 * lines are reported and skipped), or NULL as jsonl_next.  For programs
 * that parse the line themselves: jsonl_parse or jsonl_scan.
 */
const char *jsonl_next_line(struct jsonl_reader *r);

/* The current line as a JSON object (a new reference), or NULL after
 * reporting it. */
json_object *jsonl_parse(struct jsonl_reader *r);

struct jscan_field;
/* Check the current line is one JSON object and pick out fields (see
 * jsonscan.h); 0 after reporting it when it is not. */
int jsonl_scan(struct jsonl_reader *r, struct jscan_field *f, int nf);

/* Report "NAME:LINE: fmt..." for the current line and count it bad
 * (shown while fewer than JSONL_SHOW_BAD of its kind were). */
void jsonl_bad(struct jsonl_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Say how many messages were not shown, if any, and free the reader. */
void jsonl_free(struct jsonl_reader *r);

/*
 * Write o as one compact line to fp (buffered).  Returns 0, or -1 with
 * errno set when the stream failed; exit_flush reports it at the end.
 */
int jsonl_write(FILE *fp, json_object *o);

/*
 * Writing JSON strings by hand, for programs that print records faster
 * than json-c builds them.  The text must be valid UTF-8 (it is passed
 * through); '"', '\\' and control characters are escaped.
 *
 * json_escape hands the escaped inside of s[0..n) to put in pieces;
 * jsonl_put_escaped writes it to fp; jsonl_put_string writes it quoted;
 * json_quote returns it quoted as a new string the caller frees.
 */
void json_escape(const char *s, size_t n,
    void (*put)(void *ctx, const char *p, size_t len), void *ctx);
void jsonl_put_escaped(FILE *fp, const char *s, size_t n);
void jsonl_put_string(FILE *fp, const char *s, size_t n);
char *json_quote(const char *s, size_t n);

/* The compact text of o; owned by o, valid until o changes or is freed. */
const char *jsonl_text(json_object *o, size_t *len);

/*
 * Field accessors that return NULL (or 0) when the field is missing or of
 * another type, and the number ones also when the number is out of their
 * range (an integer beyond 64 bits for json_get_int64; one that is not
 * finite as a double, such as 1e400, for json_get_double).  Returned
 * strings are owned by o.
 */
const char *json_get_string(json_object *o, const char *key);
int json_get_int64(json_object *o, const char *key, long long *out);
int json_get_double(json_object *o, const char *key, double *out);

#endif
