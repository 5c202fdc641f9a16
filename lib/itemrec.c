/* itemrec.c - a feed entry as an item record (see itemrec.h) */
#include <stdio.h>
#include <string.h>

#include "itemrec.h"

void
itemrec_field(struct fbuf *b, const char *key, const char *v)
{
	if (v == NULL)
		return;
	fbuf_addc(b, ',');
	fbuf_json(b, key, strlen(key));
	fbuf_addc(b, ':');
	fbuf_json(b, v, strlen(v));
}

/* Whether the record has field k already. */
static int
item_has(const struct feed_item *it, const char *src_name, const char *k)
{
	if (!strcmp(k, "id") || !strcmp(k, "feed") || !strcmp(k, "fetched_at"))
		return 1;
	if (!strcmp(k, "source"))
		return src_name || it->source;
	if (!strcmp(k, "title")) return it->title != NULL;
	if (!strcmp(k, "url")) return it->url != NULL;
	if (!strcmp(k, "published")) return it->published != NULL;
	if (!strcmp(k, "updated")) return it->updated != NULL;
	if (!strcmp(k, "author")) return it->author != NULL;
	if (!strcmp(k, "summary")) return it->summary != NULL;
	if (!strcmp(k, "content")) return it->content != NULL;
	if (!strcmp(k, "categories")) return it->ncategories > 0;
	if (!strcmp(k, "enclosures")) return it->nenclosures > 0;
	return 0;
}

void
itemrec_format(struct fbuf *b, const struct feed_item *it,
    const struct itemrec_src *s)
{
	size_t i;

	fbuf_reset(b);
	fbuf_add(b, "{\"id\":", 6);
	fbuf_json(b, it->id, strlen(it->id));
	itemrec_field(b, "feed", s->feed);
	itemrec_field(b, "source", s->name ? s->name : it->source);
	itemrec_field(b, "title", it->title);
	itemrec_field(b, "url", it->url);
	itemrec_field(b, "published", it->published);
	itemrec_field(b, "updated", it->updated);
	itemrec_field(b, "author", it->author);
	itemrec_field(b, "summary", it->summary);
	itemrec_field(b, "content", it->content);
	if (it->ncategories) {
		fbuf_adds(b, ",\"categories\":[");
		for (i = 0; i < it->ncategories; i++) {
			if (i)
				fbuf_addc(b, ',');
			fbuf_json(b, it->categories[i],
			    strlen(it->categories[i]));
		}
		fbuf_addc(b, ']');
	}
	if (it->nenclosures) {
		fbuf_adds(b, ",\"enclosures\":[");
		for (i = 0; i < it->nenclosures; i++) {
			const struct feed_enclosure *e = &it->enclosures[i];

			fbuf_adds(b, i ? ",{\"url\":" : "{\"url\":");
			fbuf_json(b, e->url, strlen(e->url));
			if (e->type) {
				fbuf_adds(b, ",\"type\":");
				fbuf_json(b, e->type, strlen(e->type));
			}
			if (e->length >= 0) {
				char n[32];

				snprintf(n, sizeof(n), ",\"length\":%lld",
				    e->length);
				fbuf_adds(b, n);
			}
			fbuf_addc(b, '}');
		}
		fbuf_addc(b, ']');
	}
	itemrec_field(b, "fetched_at", s->fetched_at);
	if (s->extra) {
		json_object_object_foreach(s->extra, k, v) {
			if (item_has(it, s->name, k))
				continue;
			fbuf_addc(b, ',');
			fbuf_json(b, k, strlen(k));
			fbuf_addc(b, ':');
			fbuf_adds(b, json_object_to_json_string_ext(v,
			    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		}
	}
	fbuf_add(b, "}\n", 2);
}
