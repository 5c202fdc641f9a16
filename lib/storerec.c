/* storerec.c - store's input records (see storerec.h) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

	memset(a, 0, sizeof(*a));
	if (!jsonl_scan(r, f, F_COUNT))
		return 0;
	a->id = f[F_ID].is_string ? jscan_string(&f[F_ID]) : NULL;
	a->url = f[F_URL].is_string ? jscan_string(&f[F_URL]) : NULL;
	if (key != NULL) {
		if ((a->url_key = field_scanned_key_text(&f[F_KEY])) == NULL) {
			jsonl_bad(r, "no %s", key);
			goto bad;
		}
	} else if (a->url != NULL &&
	    (a->url_key = url_canonical(a->url)) != NULL) {
		;
	} else if (a->id != NULL && *a->id != '\0') {
		if (asprintf(&a->url_key, "id:%s", a->id) < 0)
			die_nomem();
	} else {
		jsonl_bad(r, "no url or id");
		goto bad;
	}
	if (a->id == NULL || *a->id == '\0') {
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
	a->id = xstrdup(a->url ? a->url : a->url_key);
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

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Decode base64 s into a new buffer; its length in *n; NULL if invalid. */
static unsigned char *
b64_decode(const char *s, size_t *n)
{
	size_t len = strlen(s), o = 0;
	unsigned char *out;
	unsigned v = 0;
	int bits = 0;

	while (len > 0 && s[len - 1] == '=')
		len--;
	out = xmalloc(len * 3 / 4 + 3);
	for (size_t i = 0; i < len; i++) {
		const char *p = memchr(b64, s[i], 64);

		if (p == NULL || s[i] == '\0') {
			free(out);
			return NULL;
		}
		v = (v << 6) | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits);
		}
	}
	*n = o;
	return out;
}

/* The embedding of o as a float32 blob (little-endian hosts only, as
 * jobline's target machines are); NULL without one; 1 in *bad if wrong. */
static void *
vector_blob(json_object *o, size_t *bytes, int *bad)
{
	json_object *v;
	float *f;
	size_t n;

	*bad = 0;
	if (!json_object_object_get_ex(o, "embedding", &v))
		return NULL;
	if (json_object_is_type(v, json_type_string)) {
		void *blob = b64_decode(json_object_get_string(v), bytes);

		if (blob == NULL || *bytes % 4 != 0 || *bytes == 0) {
			free(blob);
			*bad = 1;
			return NULL;
		}
		return blob;
	}
	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) == 0) {
		*bad = 1;
		return NULL;
	}
	f = xmalloc(n * sizeof(float));
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_double) &&
		    !json_object_is_type(e, json_type_int)) {
			free(f);
			*bad = 1;
			return NULL;
		}
		f[i] = (float)json_object_get_double(e);
	}
	*bytes = n * sizeof(float);
	return f;
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
	long long n, count, v;
	const char *id;
	int bad;

	memset(c, 0, sizeof(*c));
	ch->item_id = field_key_text(o, "item_id", c->key, sizeof(c->key));
	if (ch->item_id == NULL) {
		jsonl_bad(r, "no item_id");
		return 0;
	}
	if (!json_get_int64(o, "count", &count) || count < 0) {
		jsonl_bad(r, "no count");
		return 0;
	}
	if (!json_get_int64(o, "n", &n))
		n = 0;
	ch->text = json_get_string(o, "text");
	if (count > 0 && (ch->text == NULL || n < 0 || n >= count)) {
		jsonl_bad(r, ch->text == NULL ? "no text" :
		    "n outside 0..count-1");
		return 0;
	}
	c->vector = vector_blob(o, &ch->vector_bytes, &bad);
	if (bad) {
		jsonl_bad(r, "embedding is not an array of numbers or base64");
		return 0;
	}
	ch->vector = c->vector;
	ch->n = n;
	ch->count = count;
	if ((id = json_get_string(o, "id")) != NULL)
		c->id = xstrdup(id);
	else if (asprintf(&c->id, "%s#%lld", ch->item_id, n) < 0)
		die_nomem();
	ch->id = c->id;
	ch->model = json_get_string(o, "embedding_model");
	c->record = record_without_vector(o);
	ch->record = c->record;
	if (json_get_int64(o, "start", &v)) {
		c->start = v;
		ch->start = &c->start;
	}
	if (json_get_int64(o, "end", &v)) {
		c->end = v;
		ch->end = &c->end;
	}
	if (json_get_int64(o, "words", &v)) {
		c->words = v;
		ch->words = &c->words;
	}
	return 1;
}

void
chunk_in_free(struct chunk_in *c)
{
	free(c->id);
	free(c->record);
	free(c->vector);
	memset(c, 0, sizeof(*c));
}
