/*
 * jsonscan.h - check that a text is one JSON value, without building it,
 * and pick out some top-level fields of an object.
 *
 * For the hot path of programs that store records as they came (store):
 * json-c builds every value, which costs more than storing the record.
 * The grammar is RFC 8259's, as strict as jsonl.c's tokener; the caller
 * checks UTF-8 first (utf8_check).  Nesting deeper than 64 is refused, and
 * so is an object with a key twice (at any depth; "a" and "\u0061" are
 * the same key): the error is "duplicate key", at the second one.
 * Numbers of any size pass (RFC 8259 sets no limit); jscan_object_ex says
 * when an integer is beyond what json-c keeps exact.
 *
 * Ownership: fields point into the scanned text; jscan_string returns a
 * new string the caller frees.
 */
#ifndef JOBLINE_JSONSCAN_H
#define JOBLINE_JSONSCAN_H

#include <stddef.h>

/* One top-level field to pick out. */
struct jscan_field {
	const char *key;	/* its name; set by the caller */
	int found;		/* set when the object has it */
	int is_string;		/* its value is a string */
	int escaped;		/* the string has escapes */
	const char *val;	/* a string's inside, else the value's text */
	size_t len;		/* length of val */
};

enum jscan_result {
	JSCAN_OBJECT,		/* one valid JSON object */
	JSCAN_NOT_OBJECT,	/* valid JSON, but not an object */
	JSCAN_INVALID		/* not JSON: *erroff and *errmsg say why */
};

enum jscan_result jscan_object(const char *s, size_t n,
    struct jscan_field *f, int nf, size_t *erroff, const char **errmsg);

/* As jscan_object; *bigint (when not NULL) is set non-zero when the text
 * has an integer outside -2^63 .. 2^64-1. */
enum jscan_result jscan_object_ex(const char *s, size_t n,
    struct jscan_field *f, int nf, size_t *erroff, const char **errmsg,
    int *bigint);

/* Non-zero when s[0..n) is an integer outside -2^63 .. 2^64-1. */
int jscan_bigint(const char *s, size_t n);

/* A found string field's value, unescaped (NUL and lone surrogates become
 * U+FFFD); NULL when not found or not a string. */
char *jscan_string(const struct jscan_field *f);

#endif
