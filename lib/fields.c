/* fields.c - typed fields of input records (see fields.h) */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "timefmt.h"
#include "util.h"

/* 10000-01-01T00:00:00Z, the first time after 9999. */
#define YEAR_10000_MS INT64_C(253402300800000)

/* Report the field: fmt is "%s: reason", a literal for each reason, so
 * that jsonl_bad counts each reason as a kind of its own. */
static int
bad(struct jsonl_reader *r, const char *fmt, const char *key)
{
	jsonl_bad(r, fmt, key);
	return FIELD_BAD;
}

static int
none(struct jsonl_reader *r, const char *key, int flags)
{
	if (!(flags & FIELD_REQUIRED))
		return FIELD_NONE;
	jsonl_bad(r, "no %s", key);
	return FIELD_BAD;
}

/* The value of key in o, or NULL when it is missing or null. */
static json_object *
value(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;	/* json-c's null is a NULL object */
}

/* Non-zero when the n bytes at s are an integer literal: -?[0-9]+. */
static int
integer_text(const char *s, size_t n)
{
	size_t i = n > 0 && s[0] == '-';

	if (i == n)
		return 0;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* An integer of 64 bits (signed, or unsigned past INT64_MAX) in v: 1,
 * with the signed ones in *x and *big set for the others; 0 when v is no
 * such integer. */
static int
int_of(json_object *v, int64_t *x, int *big)
{
	if (!json_object_is_type(v, json_type_int))
		return 0;
	*x = json_object_get_int64(v);
	/* between 2^63 and 2^64-1 json-c keeps it as unsigned */
	*big = *x == INT64_MAX && json_object_get_uint64(v) != INT64_MAX;
	return 1;
}

/* An integer beyond 64 bits, which lib/jsonl.c keeps as a double that
 * prints as written. */
static int
bigint(json_object *v)
{
	const char *s;

	if (!json_object_is_type(v, json_type_double))
		return 0;
	s = json_object_get_string(v);
	return integer_text(s, strlen(s));
}

static int
range_bad(struct jsonl_reader *r, const char *key, int64_t min, int64_t max)
{
	if (max == INT64_MAX)
		jsonl_bad(r, "%s: below %" PRId64, key, min);
	else if (min == INT64_MIN)
		jsonl_bad(r, "%s: above %" PRId64, key, max);
	else
		jsonl_bad(r, "%s: not between %" PRId64 " and %" PRId64, key,
		    min, max);
	return FIELD_BAD;
}

int
field_int(struct jsonl_reader *r, json_object *o, const char *key,
    int flags, int64_t min, int64_t max, int64_t *out)
{
	json_object *v = value(o, key);
	int64_t x;
	int big;

	if (v == NULL)
		return none(r, key, flags);
	if (!int_of(v, &x, &big))
		return bad(r, bigint(v) ? "%s: out of range" :
		    "%s: not an integer", key);
	if (big)
		return max == INT64_MAX ? bad(r, "%s: out of range", key) :
		    range_bad(r, key, min, max);
	if (x < min || x > max)
		return range_bad(r, key, min, max);
	*out = x;
	return FIELD_OK;
}

int
field_double(struct jsonl_reader *r, json_object *o, const char *key,
    int flags, double min, double max, double *out)
{
	json_object *v = value(o, key);
	double x;

	if (v == NULL)
		return none(r, key, flags);
	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))
		return bad(r, "%s: not a number", key);
	x = json_object_get_double(v);
	if (!isfinite(x))
		return bad(r, "%s: out of range", key);
	if (x < min || x > max) {
		jsonl_bad(r, "%s: not between %g and %g", key, min, max);
		return FIELD_BAD;
	}
	*out = x;
	return FIELD_OK;
}

int
field_string(struct jsonl_reader *r, json_object *o, const char *key,
    int flags, const char **out)
{
	json_object *v = value(o, key);

	if (v == NULL)
		return none(r, key, flags);
	if (!json_object_is_type(v, json_type_string))
		return bad(r, "%s: not a string", key);
	*out = json_object_get_string(v);
	return FIELD_OK;
}

/* The time in s, or why not (bad's format). */
static const char *
time_of(const char *s, int64_t *ms)
{
	if (time_parse(s, ms) != 0)
		return "%s: not an RFC 3339 time";
	if (*ms < 0)
		return "%s: before 1970";
	if (*ms >= YEAR_10000_MS)
		return "%s: after 9999";
	return NULL;
}

int
field_time(struct jsonl_reader *r, json_object *o, const char *key,
    int flags, int64_t *ms)
{
	const char *s, *why;
	int rc = field_string(r, o, key, flags, &s);

	if (rc != FIELD_OK)
		return rc;
	if ((why = time_of(s, ms)) != NULL)
		return bad(r, why, key);
	return FIELD_OK;
}

int
field_positive(struct jsonl_reader *r, json_object *o, const char *key,
    int flags, double max, double *out)
{
	double x;
	int rc = field_double(r, o, key, flags, -DBL_MAX, DBL_MAX, &x);

	if (rc != FIELD_OK)
		return rc;
	if (!(x > 0))
		return bad(r, "%s: not positive", key);
	if (x > max) {
		jsonl_bad(r, "%s: above %g", key, max);
		return FIELD_BAD;
	}
	*out = x;
	return FIELD_OK;
}

int
field_time_or_seconds(struct jsonl_reader *r, json_object *o,
    const char *key, int flags, int64_t *ms)
{
	json_object *v = value(o, key);
	double x;

	if (v == NULL)
		return none(r, key, flags);
	if (json_object_is_type(v, json_type_string))
		return field_time(r, o, key, flags, ms);
	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))
		return bad(r, "%s: not an RFC 3339 time or seconds", key);
	x = json_object_get_double(v);
	if (!isfinite(x))
		return bad(r, "%s: out of range", key);
	if (x < 0)
		return bad(r, "%s: before 1970", key);
	if (x >= (double)(YEAR_10000_MS / 1000))
		return bad(r, "%s: after 9999", key);
	*ms = (int64_t)(x * 1000);
	return FIELD_OK;
}

int
field_key(struct jsonl_reader *r, json_object *o, const char *key,
    int flags, char *buf, const char **out)
{
	json_object *v = value(o, key);
	int64_t x;
	int big;

	if (v == NULL)
		return none(r, key, flags);
	if (json_object_is_type(v, json_type_string)) {
		if (*json_object_get_string(v) == '\0')
			return bad(r, "%s: empty", key);
		*out = json_object_get_string(v);
		return FIELD_OK;
	}
	if (int_of(v, &x, &big)) {
		if (big)
			snprintf(buf, FIELD_KEYSZ, "%" PRIu64,
			    json_object_get_uint64(v));
		else
			snprintf(buf, FIELD_KEYSZ, "%" PRId64, x);
		*out = buf;
		return FIELD_OK;
	}
	return bad(r, bigint(v) ? "%s: out of range" :
	    "%s: not a string or an integer", key);
}

/* Non-zero when a scanned field is missing or null. */
static int
scanned_none(const struct jscan_field *f)
{
	return !f->found || (!f->is_string && f->len == 4 &&
	    memcmp(f->val, "null", 4) == 0);
}

int
field_scanned_string(struct jsonl_reader *r, const struct jscan_field *f,
    int flags)
{
	if (scanned_none(f))
		return none(r, f->key, flags);
	if (!f->is_string)
		return bad(r, "%s: not a string", f->key);
	return FIELD_OK;
}

int
field_scanned_key(struct jsonl_reader *r, const struct jscan_field *f,
    int flags, char **out)
{
	if (scanned_none(f))
		return none(r, f->key, flags);
	if (f->is_string) {
		if (f->len == 0)
			return bad(r, "%s: empty", f->key);
		*out = jscan_string(f);
		return FIELD_OK;
	}
	if (!integer_text(f->val, f->len))
		return bad(r, "%s: not a string or an integer", f->key);
	if (jscan_bigint(f->val, f->len))
		return bad(r, "%s: out of range", f->key);
	*out = xstrndup(f->val, f->len);
	return FIELD_OK;
}

int
field_scanned_time(struct jsonl_reader *r, const struct jscan_field *f,
    int flags, int64_t *ms)
{
	char buf[64], *s;
	const char *why;
	int rc = field_scanned_string(r, f, flags);

	if (rc != FIELD_OK)
		return rc;
	/* the times to read are short: no allocation for them */
	if (!f->escaped && f->len < sizeof(buf)) {
		memcpy(buf, f->val, f->len);
		buf[f->len] = '\0';
		why = time_of(buf, ms);
	} else {
		s = jscan_string(f);
		why = time_of(s, ms);
		free(s);
	}
	return why != NULL ? bad(r, why, f->key) : FIELD_OK;
}
