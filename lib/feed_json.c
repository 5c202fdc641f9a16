/*
 * feed_json.c - JSON Feed 1.0 and 1.1 (see feedimpl.h), read from the
 * document buffered whole by feed.c, into the same entry slots as XML.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "feedimpl.h"
#include "html.h"
#include "url.h"
#include "util.h"

static const char *
jstr(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	if (json_object_is_type(v, json_type_string) ||
	    json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double))
		return json_object_get_string(v);
	return NULL;
}

static void
json_text(struct feed_parser *p, enum field f, const char *s, int flags)
{
	if (s == NULL)
		return;
	fbuf_reset(&p->tmp);
	html_to_text(&p->tmp, s, strlen(s), flags);
	feed_slot_set(p, f, 3, fbuf_str(&p->tmp), p->tmp.len);
}

int
feed_json_finish(struct feed_parser *p)
{
	json_tokener *tok = json_tokener_new_ex(64);
	json_object *doc, *items, *v;
	const char *s;
	size_t i, n;

	doc = json_tokener_parse_ex(tok, fbuf_str(&p->json), (int)p->json.len);
	if (doc == NULL || !json_object_is_type(doc, json_type_object) ||
	    !json_object_object_get_ex(doc, "items", &items) ||
	    !json_object_is_type(items, json_type_array)) {
		feed_set_error(p, "%s", doc == NULL ? "not a feed (invalid JSON)" :
		    "not a feed (JSON without items)");
		json_object_put(doc);
		json_tokener_free(tok);
		return -1;
	}
	p->kind = "json";
	if ((s = jstr(doc, "title")) != NULL)
		html_to_text(&p->title, s, strlen(s), HTML_PLAIN | HTML_ONELINE);
	if ((s = jstr(doc, "home_page_url")) != NULL && url_has_scheme(s))
		p->sitelink = xstrdup(s);
	n = json_object_array_length(items);
	for (i = 0; i < n; i++) {
		json_object *it = json_object_array_get_idx(items, i), *a;

		if (!json_object_is_type(it, json_type_object))
			continue;
		feed_item_reset(p);
		if ((s = jstr(it, "id")) != NULL)
			feed_slot_set(p, F_ID, 3, s, strlen(s));
		if ((s = jstr(it, "url")) || (s = jstr(it, "external_url"))) {
			fbuf_reset(&p->tmp);
			feed_resolve(p, &p->tmp, s);
			feed_slot_set(p, F_LINK, 3, p->tmp.s, p->tmp.len);
		}
		json_text(p, F_TITLE, jstr(it, "title"),
		    HTML_PLAIN | HTML_ONELINE);
		json_text(p, F_SUMMARY, jstr(it, "summary"), HTML_PLAIN);
		if ((s = jstr(it, "content_html")) != NULL)
			json_text(p, F_CONTENT, s, 0);
		else
			json_text(p, F_CONTENT, jstr(it, "content_text"),
			    HTML_PLAIN);
		if ((s = jstr(it, "date_published")) != NULL)
			feed_store_date(p, F_PUBLISHED, 3, s);
		if ((s = jstr(it, "date_modified")) != NULL)
			feed_store_date(p, F_UPDATED, 3, s);
		a = NULL;
		if (json_object_object_get_ex(it, "authors", &v) &&
		    json_object_is_type(v, json_type_array) &&
		    json_object_array_length(v) > 0)
			a = json_object_array_get_idx(v, 0);
		else if (!json_object_object_get_ex(it, "author", &a) &&
		    json_object_object_get_ex(doc, "authors", &v) &&
		    json_object_is_type(v, json_type_array) &&
		    json_object_array_length(v) > 0)
			a = json_object_array_get_idx(v, 0);
		else if (a == NULL)
			json_object_object_get_ex(doc, "author", &a);
		json_text(p, F_AUTHOR, jstr(a, "name"), HTML_PLAIN | HTML_ONELINE);
		if (json_object_object_get_ex(it, "tags", &v) &&
		    json_object_is_type(v, json_type_array))
			for (size_t k = 0; k < json_object_array_length(v); k++) {
				json_object *t = json_object_array_get_idx(v, k);

				if (json_object_is_type(t, json_type_string))
					feed_add_category(p, json_object_get_string(t),
					    (size_t)json_object_get_string_len(t));
			}
		if (json_object_object_get_ex(it, "attachments", &v) &&
		    json_object_is_type(v, json_type_array))
			for (size_t k = 0; k < json_object_array_length(v); k++) {
				json_object *t = json_object_array_get_idx(v, k);
				char *u = jstr(t, "url") ? xstrdup(jstr(t, "url")) :
				    NULL;
				char *ty = jstr(t, "mime_type") ?
				    xstrdup(jstr(t, "mime_type")) : NULL;

				feed_add_enclosure(p, u, ty, jstr(t, "size_in_bytes"));
				free(u);
				free(ty);
			}
		feed_item_emit(p);
	}
	json_object_put(doc);
	json_tokener_free(tok);
	return 0;
}

