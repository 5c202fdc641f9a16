/* feedlist.c - the feeds fetch-feed is asked for (see feedlist.h) */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <xxhash.h>

#include "feedlist.h"
#include "hmap.h"
#include "jsonl.h"
#include "url.h"
#include "utf8.h"
#include "util.h"

void
feedlist_init(struct feedlist *l)
{
	memset(l, 0, sizeof(*l));
	l->seen = xcalloc(1, sizeof(*l->seen));
}

void
feedlist_free(struct feedlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].url);
		free(l->v[i].name);
		json_object_put(l->v[i].extra);
	}
	free(l->v);
	if (l->seen)
		hmap_free(l->seen);
	free(l->seen);
	memset(l, 0, sizeof(*l));
}

struct feedlist_entry *
feedlist_add(struct feedlist *l, const char *url, int dedup)
{
	struct feedlist_entry *e;
	uint64_t h = XXH3_64bits(url, strlen(url));
	int i = dedup ? hmap_get(l->seen, h) : -1;

	if (i >= 0 && strcmp(l->v[i].url, url) == 0)
		return NULL;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	e = &l->v[l->n];
	memset(e, 0, sizeof(*e));
	e->url = xstrdup(url);
	/* a rare clash of hashes: the first URL keeps the key */
	if (dedup && i < 0)
		hmap_put(l->seen, h, (int)l->n);
	l->n++;
	return e;
}

/*
 * The next word of a urls line at *pp: "a quoted string" or up to a
 * blank; NUL-terminated in place.  NULL at the end of the line (or a
 * comment when comments is set); *why says why when it is malformed.
 */
static char *
word(char **pp, int comments, const char **why)
{
	char *p = *pp, *w;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '\n' || *p == '\r' || (comments && *p == '#'))
		return NULL;
	if (*p == '"') {
		w = ++p;
		while (*p && *p != '"' && *p != '\n' && *p != '\r')
			p++;
		if (*p != '"') {
			*why = "unterminated quote";
			return NULL;
		}
	} else {
		w = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' &&
		    *p != '\r')
			p++;
	}
	if (*p)
		*p++ = '\0';
	*pp = p;
	return w;
}

/* One line of a urls file; NULL, or why it is malformed. */
static const char *
urls_line(struct feedlist *l, char *p, size_t n, const char *dir)
{
	const char *why = NULL;
	char *url, *tok, *full = NULL, *name = NULL;
	struct feedlist_entry *e;
	json_object *tags = NULL;

	if (memchr(p, '\0', n) != NULL)
		return "a NUL byte";
	if (utf8_check(p, n) != n)
		return "not UTF-8";
	if ((url = word(&p, 1, &why)) == NULL)
		return why;
	if (*url == '\0')
		return "an empty URL";
	if (strncmp(url, "query:", 6) == 0 || strncmp(url, "exec:", 5) == 0 ||
	    strncmp(url, "filter:", 7) == 0)
		return "newsboat's query:, exec: and filter: feeds are not "
		    "supported";
	/* tags: words or "quoted strings"; "~Name" names the feed */
	while ((tok = word(&p, 1, &why)) != NULL) {
		if (tok[0] == '~' && tok[1]) {
			free(name);
			name = xstrdup(tok + 1);
		} else if (tok[0] && strcmp(tok, "!") != 0) {
			if (tags == NULL)
				tags = json_object_new_array();
			json_object_array_add(tags,
			    json_object_new_string(tok));
		}
	}
	if (why != NULL) {
		free(name);
		json_object_put(tags);
		return "unterminated quote in a tag";
	}
	if (!url_has_scheme(url) && url[0] != '/' && strcmp(dir, ".") &&
	    asprintf(&full, "%s/%s", dir, url) < 0)
		die_nomem();
	if ((e = feedlist_add(l, full ? full : url, 1)) != NULL) {
		e->name = name;
		if (tags != NULL) {
			e->extra = json_object_new_object();
			json_object_object_add(e->extra, "tags", tags);
		}
	} else {
		free(name);
		json_object_put(tags);
	}
	free(full);
	return NULL;
}

long
feedlist_read_urls(struct feedlist *l, const char *file)
{
	FILE *fp = strcmp(file, "-") ? fopen(file, "re") : stdin;
	char *buf = NULL, *dir, *tmp;
	size_t cap = 0;
	ssize_t n;
	long bad = 0, lineno = 0;

	if (fp == NULL) {
		warn("%s", file);
		return -1;
	}
	tmp = xstrdup(file);
	dir = xstrdup(strcmp(file, "-") ? dirname(tmp) : ".");
	free(tmp);
	for (;;) {
		const char *why;

		errno = 0;
		if ((n = getline(&buf, &cap, fp)) < 0) {
			if (errno == ENOMEM)
				die_nomem();
			if (ferror(fp)) {
				warnx("%s:%ld: cannot read: %s", file,
				    lineno + 1, strerror(errno ? errno : EIO));
				bad++;
			}
			break;
		}
		lineno++;
		if ((why = urls_line(l, buf, (size_t)n, dir)) != NULL) {
			warnx("%s:%ld: %s", file, lineno, why);
			bad++;
		}
	}
	free(buf);
	free(dir);
	if (fp != stdin)
		fclose(fp);
	return bad;
}

static void
opml_walk(struct feedlist *l, xmlNode *n)
{
	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcasecmp(n->name, BAD_CAST "outline") == 0) {
			xmlAttr *a;

			for (a = n->properties; a; a = a->next)
				if (xmlStrcasecmp(a->name, BAD_CAST "xmlUrl") == 0) {
					xmlChar *v = xmlNodeGetContent(
					    (xmlNode *)a);

					if (v && *v)
						feedlist_add(l, (const char *)v,
						    1);
					xmlFree(v);
				}
		}
		opml_walk(l, n->children);
	}
}

long
feedlist_read_opml(struct feedlist *l, const char *file)
{
	xmlDoc *doc = xmlReadFile(file, NULL, XML_PARSE_NONET |
	    XML_PARSE_RECOVER | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

	if (doc == NULL) {
		warnx("%s: cannot read OPML", file);
		return -1;
	}
	opml_walk(l, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	return 0;
}

unsigned long
feedlist_read_jsonl(struct feedlist *l, FILE *fp, const char *name)
{
	struct jsonl_reader r;
	json_object *o;
	unsigned long bad;

	jsonl_init(&r, fp, name);
	while ((o = jsonl_next(&r)) != NULL) {
		const char *url = json_get_string(o, "url");
		struct feedlist_entry *e;

		if (url == NULL || *url == '\0') {
			jsonl_bad(&r, "no url");
			json_object_put(o);
			continue;
		}
		e = feedlist_add(l, url, 0);
		json_object_object_del(o, "url");
		if (json_object_object_length(o) > 0)
			e->extra = o;
		else
			json_object_put(o);
	}
	bad = r.bad;
	jsonl_free(&r);
	return bad;
}
