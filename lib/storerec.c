/* storerec.c - store's input records (see storerec.h) */
#define _GNU_SOURCE
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "cond.h"
#include "fields.h"
#include "jsonscan.h"
#include "storerec.h"
#include "url.h"
#include "util.h"

/* The fields an article's line is scanned for. */
enum { F_ID, F_URL, F_FEED, F_TITLE, F_PUBLISHED, F_KEY, F_COUNT };

/* Point *s and *n at the scanned string field f, without its escapes
 * (decoded into *decoded), or at nothing. */
static void
text_of(const struct jscan_field *f, char **decoded, const char **s,
    size_t *n)
{
	*s = NULL;
	*n = 0;
	if (!f->found || !f->is_string)
		return;
	if (!f->escaped) {
		*s = f->val;
		*n = f->len;
		return;
	}
	*decoded = jscan_string(f);
	*s = *decoded;
	*n = strlen(*decoded);
}

int
article_in_read(struct jsonl_reader *r, const char *key,
    struct article_in *a)
{
	struct jscan_field f[F_COUNT] = {
		[F_ID] = { .key = "id" }, [F_URL] = { .key = "url" },
		[F_FEED] = { .key = "feed" }, [F_TITLE] = { .key = "title" },
		[F_PUBLISHED] = { .key = "published" },
		[F_KEY] = { .key = key ? key : "" }
	};
	struct article *art = &a->art;
	int kf = F_KEY;
	int64_t ms;

	memset(a, 0, sizeof(*a));
	/* a key that is one of the fields read is read there (the scanner
	 * gives a field to one of them only) */
	for (int i = 0; key != NULL && i < F_KEY; i++)
		if (strcmp(key, f[i].key) == 0)
			kf = i;
	if (kf != F_KEY)
		f[F_KEY].key = "";
	if (!jsonl_scan(r, f, F_COUNT))
		return 0;
	if (field_scanned_string(r, &f[F_ID], 0) == FIELD_BAD ||
	    field_scanned_string(r, &f[F_URL], 0) == FIELD_BAD ||
	    field_scanned_string(r, &f[F_FEED], 0) == FIELD_BAD ||
	    field_scanned_string(r, &f[F_TITLE], 0) == FIELD_BAD ||
	    field_scanned_time(r, &f[F_PUBLISHED], 0, &ms) == FIELD_BAD)
		return 0;
	if (f[F_ID].is_string && f[F_ID].len == 0) {
		jsonl_bad(r, "id: empty");
		return 0;
	}
	a->id = f[F_ID].is_string ? jscan_string(&f[F_ID]) : NULL;
	a->url = f[F_URL].is_string ? jscan_string(&f[F_URL]) : NULL;
	if (key != NULL) {
		if (field_scanned_key(r, &f[kf], FIELD_REQUIRED,
		    &a->url_key) != FIELD_OK)
			goto bad;
	} else if (a->url != NULL &&
	    (a->url_key = url_canonical(a->url)) != NULL) {
		;
	} else if (a->id != NULL) {
		if (asprintf(&a->url_key, "id:%s", a->id) < 0)
			die_nomem();
	} else {
		jsonl_bad(r, "no url or id");
		goto bad;
	}
	if (a->id == NULL) {
		/* chunks refer to articles by id: give it one */
		article_in_reid(a);
		a->set_id = 1;
	}
	art->url_key = a->url_key;
	art->id = a->id;
	art->url = a->url;
	text_of(&f[F_FEED], &a->decoded[0], &art->feed, &art->feed_len);
	text_of(&f[F_TITLE], &a->decoded[1], &art->title, &art->title_len);
	text_of(&f[F_PUBLISHED], &a->decoded[2], &art->published,
	    &art->published_len);
	return 1;
bad:
	article_in_free(a);
	return 0;
}

void
article_in_reid(struct article_in *a)
{
	free(a->id);
	a->id = xstrdup(a->url != NULL && *a->url != '\0' ? a->url :
	    a->url_key);
	a->art.id = a->id;
}

void
article_in_free(struct article_in *a)
{
	free(a->url_key);
	free(a->id);
	free(a->url);
	for (int i = 0; i < 3; i++)
		free(a->decoded[i]);
	memset(a, 0, sizeof(*a));
}

/* Decode base64 s into a new buffer; its length in *n; NULL if invalid. */
static unsigned char *
b64_decode(const char *s, size_t *n)
{
	size_t len = strlen(s);
	unsigned char *out = xmalloc(BASE64_DECODED_MAX(len));
	long k = base64_decode(out, s, len, 0);

	if (k < 0) {
		free(out);
		return NULL;
	}
	*n = (size_t)k;
	return out;
}

/*
 * The embedding of o into c as float32s (little-endian hosts only, as
 * jobline's target machines are): FIELD_OK, FIELD_NONE without one, or
 * FIELD_BAD after reporting it.
 */
static int
vector_read(struct jsonl_reader *r, json_object *o, struct chunk_in *c)
{
	json_object *v;
	float *f;
	size_t n;
	double x;

	if (!json_object_object_get_ex(o, "embedding", &v) || v == NULL)
		return FIELD_NONE;
	if (json_object_is_type(v, json_type_string)) {
		c->vector = b64_decode(json_object_get_string(v),
		    &c->ch.vector_bytes);
		if (c->vector == NULL || c->ch.vector_bytes % 4 != 0 ||
		    c->ch.vector_bytes == 0) {
			jsonl_bad(r, "embedding: not base64 of float32s");
			return FIELD_BAD;
		}
		return FIELD_OK;
	}
	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) == 0) {
		jsonl_bad(r, "embedding: not an array of numbers or base64");
		return FIELD_BAD;
	}
	c->vector = f = xmalloc(n * sizeof(float));
	c->ch.vector_bytes = n * sizeof(float);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_double) &&
		    !json_object_is_type(e, json_type_int)) {
			jsonl_bad(r, "embedding: not an array of numbers or "
			    "base64");
			return FIELD_BAD;
		}
		x = json_object_get_double(e);
		if (!(fabs(x) <= FLT_MAX)) {
			jsonl_bad(r, "embedding: a number beyond a float's "
			    "range");
			return FIELD_BAD;
		}
		f[i] = (float)x;
	}
	return FIELD_OK;
}

/* An optional count or offset of the chunk: none, or an integer >= 0
 * kept in *v and pointed to from *p; 0 after reporting a bad one. */
static int
offset_read(struct jsonl_reader *r, json_object *o, const char *key,
    int64_t *v, const int64_t **p)
{
	int rc = field_int(r, o, key, 0, 0, INT64_MAX, v);

	if (rc == FIELD_OK)
		*p = v;
	return rc != FIELD_BAD;
}

/* The record o without its (large) vector, as text. */
static char *
record_without_vector(json_object *o)
{
	json_object *vec = NULL;
	char *record;

	if (json_object_object_get_ex(o, "embedding", &vec)) {
		json_object_get(vec);
		json_object_object_del(o, "embedding");
	}
	record = xstrdup(jsonl_text(o, NULL));
	if (vec != NULL)
		json_object_object_add(o, "embedding", vec);
	return record;
}

int
chunk_in_read(struct jsonl_reader *r, json_object *o, struct chunk_in *c)
{
	struct chunk *ch = &c->ch;
	const char *id = NULL;
	int rc;

	memset(c, 0, sizeof(*c));
	if (field_key(r, o, "item_id", FIELD_REQUIRED, c->key,
	    &ch->item_id) != FIELD_OK ||
	    field_int(r, o, "count", FIELD_REQUIRED, 0, INT64_MAX,
	    &ch->count) != FIELD_OK)
		goto bad;
	/* an item without text is one record of count 0, n 0 if given */
	if (field_int(r, o, "n", ch->count > 0 ? FIELD_REQUIRED : 0, 0,
	    ch->count > 0 ? ch->count - 1 : 0, &ch->n) == FIELD_BAD ||
	    field_string(r, o, "text", ch->count > 0 ? FIELD_REQUIRED : 0,
	    &ch->text) == FIELD_BAD ||
	    field_key(r, o, "id", 0, c->idkey, &id) == FIELD_BAD ||
	    !offset_read(r, o, "start", &c->start, &ch->start) ||
	    !offset_read(r, o, "end", &c->end, &ch->end) ||
	    !offset_read(r, o, "words", &c->words, &ch->words) ||
	    field_string(r, o, "embedding_model", 0, &ch->model) ==
	    FIELD_BAD)
		goto bad;
	if (ch->start != NULL && ch->end != NULL && c->end < c->start) {
		jsonl_bad(r, "end: before start");
		goto bad;
	}
	if ((rc = vector_read(r, o, c)) == FIELD_BAD)
		goto bad;
	ch->vector = c->vector;
	if (id != NULL)
		c->id = xstrdup(id);
	else if (asprintf(&c->id, "%s#%" PRId64, ch->item_id, ch->n) < 0)
		die_nomem();
	ch->id = c->id;
	c->record = record_without_vector(o);
	ch->record = c->record;
	return 1;
bad:
	chunk_in_free(c);
	return 0;
}

void
chunk_in_free(struct chunk_in *c)
{
	free(c->id);
	free(c->record);
	free(c->vector);
	memset(c, 0, sizeof(*c));
}

/* A non-empty string. */
static int
text_read(struct jsonl_reader *r, json_object *o, const char *key,
    int flags, const char **out)
{
	int rc = field_string(r, o, key, flags, out);

	if (rc == FIELD_OK && **out == '\0') {
		jsonl_bad(r, "%s: empty", key);
		return FIELD_BAD;
	}
	return rc;
}

/* A required key named a, or else b ("no A" when neither is there). */
static int
key2_read(struct jsonl_reader *r, json_object *o, const char *a,
    const char *b, char *buf, const char **out)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, a, &v) || v == NULL) {
		if (json_object_object_get_ex(o, b, &v) && v != NULL)
			return field_key(r, o, b, FIELD_REQUIRED, buf, out);
	}
	return field_key(r, o, a, FIELD_REQUIRED, buf, out);
}

int
price_in_read(struct jsonl_reader *r, json_object *o, struct price_in *p)
{
	memset(p, 0, sizeof(*p));
	return text_read(r, o, "symbol", FIELD_REQUIRED, &p->symbol) ==
	    FIELD_OK &&
	    field_positive(r, o, "price", FIELD_REQUIRED, DBL_MAX,
	    &p->price) == FIELD_OK &&
	    field_time_or_seconds(r, o, "time", FIELD_REQUIRED, &p->ms) ==
	    FIELD_OK;
}

/* A string field that is one of two words (or missing: def). */
static int
word_read(struct jsonl_reader *r, json_object *o, const char *key,
    const char *def, const char *other, const char **out)
{
	*out = def;
	if (field_string(r, o, key, 0, out) == FIELD_BAD)
		return 0;
	if (strcmp(*out, def) != 0 && strcmp(*out, other) != 0) {
		jsonl_bad(r, "%s: not %s or %s", key, def, other);
		return 0;
	}
	return 1;
}

int
prediction_rec_read(struct jsonl_reader *r, json_object *o,
    struct prediction_rec *p)
{
	struct prediction_in *in = &p->in;
	json_object *opts = NULL;
	char err[COND_ERRSZ + 80];
	const char *text;
	int64_t oms, vms;
	size_t len;
	int rc;

	memset(p, 0, sizeof(*p));
	if (field_key(r, o, "id", FIELD_REQUIRED, p->key, &in->id) !=
	    FIELD_OK ||
	    text_read(r, o, "symbol", FIELD_REQUIRED, &in->symbol) !=
	    FIELD_OK ||
	    field_string(r, o, "question", 0, &in->question) == FIELD_BAD ||
	    field_time(r, o, "opens_at", FIELD_REQUIRED, &oms) != FIELD_OK ||
	    field_time(r, o, "verify_at", FIELD_REQUIRED, &vms) != FIELD_OK)
		return 0;
	in->opens_at = time_format(oms, p->opens);
	in->verify_at = time_format(vms, p->verify);
	/* compared as the tables hold them: to the second */
	if (strcmp(in->verify_at, in->opens_at) <= 0) {
		jsonl_bad(r, "verify_at: not after opens_at");
		return 0;
	}
	if ((rc = field_positive(r, o, "start_price", 0, 1e300,
	    &in->start_price)) == FIELD_BAD)
		return 0;
	in->has_start = rc == FIELD_OK;
	if (!word_read(r, o, "mode", "auto", "manual", &in->mode) ||
	    !word_read(r, o, "status", "active", "cancelled", &in->status))
		return 0;
	json_object_object_get_ex(o, "options", &opts);
	if (cond_options_check(opts, strcmp(in->mode, "manual") == 0, err,
	    sizeof(err)) != 0) {
		jsonl_bad(r, "%s", err);
		return 0;
	}
	/* each jsonl_text rebuilds the text of the last: copies */
	text = jsonl_text(o, &len);
	p->record = xstrndup(text, len);
	in->record = p->record;
	in->record_len = len;
	p->options = xstrdup(jsonl_text(opts, NULL));
	in->options = p->options;
	return 1;
}

void
prediction_rec_free(struct prediction_rec *p)
{
	free(p->options);
	free(p->record);
	memset(p, 0, sizeof(*p));
}

int
vote_in_read(struct jsonl_reader *r, json_object *o, struct vote_in *v)
{
	int64_t ms;
	int rc;

	memset(v, 0, sizeof(*v));
	if (key2_read(r, o, "prediction_id", "prediction", v->pkey,
	    &v->prediction_id) != FIELD_OK ||
	    key2_read(r, o, "user_id", "user", v->ukey, &v->user_id) !=
	    FIELD_OK ||
	    text_read(r, o, "option", FIELD_REQUIRED, &v->option) != FIELD_OK ||
	    (rc = field_time(r, o, "voted_at", 0, &ms)) == FIELD_BAD)
		return 0;
	if (rc == FIELD_OK)
		v->voted_at = time_format(ms, v->voted);
	return 1;
}
