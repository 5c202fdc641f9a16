/* names.c - company name lists: see names.h */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "cfgfile.h"
#include "jsonl.h"
#include "names.h"
#include "util.h"

/* Form i of forms is a word in capitals ("BAT", "AT&T") and no other
 * form is the same word otherwise written ("Opec | OPEC"). */
static int
form_caps(const char *const *forms, size_t nforms, size_t i)
{
	int upper = 0;

	for (const char *s = forms[i]; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			return 0;
		else if (*s >= 'A' && *s <= 'Z')
			upper++;
	for (size_t k = 0; k < nforms; k++)
		if (k != i && strcasecmp(forms[k], forms[i]) == 0)
			return 0;
	return upper >= 2;
}

int
names_add(struct names *nm, const char *canon, const char *const *forms,
    size_t nforms)
{
	uint64_t key = text_hash(canon, strlen(canon));
	int id = hmap_get(&nm->byname, key);

	if (id >= 0 && strcmp(nm->canon[id], canon) != 0)
		id = -1;	/* another name with the same hash: added again */
	if (id < 0) {
		if (nm->n == nm->cap) {
			nm->cap = nm->cap ? nm->cap * 2 : 64;
			nm->canon = xrealloc(nm->canon, nm->cap *
			    sizeof(*nm->canon));
			nm->ind = xrealloc(nm->ind, nm->cap *
			    sizeof(*nm->ind));
			nm->maker = xrealloc(nm->maker, nm->cap *
			    sizeof(*nm->maker));
		}
		id = (int)nm->n++;
		nm->canon[id] = xstrdup(canon);
		nm->ind[id] = 0;
		nm->maker[id] = -1;
		hmap_put(&nm->byname, key, id);
	}
	for (size_t i = 0; i < nforms; i++) {
		uint64_t tok[12];
		unsigned n = phrase_tokens(forms[i], strlen(forms[i]), tok, 12,
		    &nm->scratch);

		if (n == 0 || n > 12)
			continue;
		pindex_add(&nm->px, tok, n, id);
		if (nm->px.n > nm->acrocap) {
			nm->acrocap = nm->px.cap;
			nm->acro = xrealloc(nm->acro, nm->acrocap);
		}
		nm->acro[nm->px.n - 1] = n == 1 && form_caps(forms, nforms,
		    i);
		if (n > nm->maxtok)
			nm->maxtok = n;
	}
	return id;
}

int
names_add_line(struct names *nm, char *line)
{
	const char *forms[32];
	size_t n = 0;
	char *save = NULL;

	for (char *w = strtok_r(line, "|\t", &save); w && n < 32;
	    w = strtok_r(NULL, "|\t", &save)) {
		w = cfg_trim(w);
		if (*w)
			forms[n++] = w;
	}
	if (n == 0)
		return -1;
	return names_add(nm, forms[0], forms, n);
}

/* A tracked company given as a JSON object: 0, or -1 with the reason. */
static int
tracked_object(struct names *nm, const char *s, const char **why)
{
	json_object *o = json_tokener_parse(s), *a;
	const char *name, *forms[32];
	size_t n = 0;

	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		*why = "not a JSON object";
		return -1;
	}
	name = json_get_string(o, "name");
	if (name == NULL)
		name = json_get_string(o, "company");
	if (name == NULL || *name == '\0') {
		json_object_put(o);
		*why = "no name";
		return -1;
	}
	forms[n++] = name;
	if (json_object_object_get_ex(o, "aliases", &a) &&
	    json_object_is_type(a, json_type_array))
		for (size_t i = 0; i < json_object_array_length(a) && n < 32;
		    i++) {
			json_object *v = json_object_array_get_idx(a, i);

			if (json_object_is_type(v, json_type_string))
				forms[n++] = json_object_get_string(v);
		}
	names_add(nm, name, forms, n);
	json_object_put(o);
	return 0;
}

int
tracked_read(struct names *nm, const char *path, char *err, size_t errsz)
{
	struct cfgfile f;
	const char *why = NULL;
	char *s;

	if (cfgfile_open(&f, path) < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return CFG_UNREADABLE;
	}
	while ((s = cfgfile_next(&f)) != NULL) {
		if (f.bad_utf8)
			why = "invalid UTF-8";
		else if (*s == '{')
			tracked_object(nm, s, &why);
		else
			names_add_line(nm, s);
		if (why)
			break;
	}
	return cfgfile_end(&f, path, why, err, errsz);
}

void
names_free(struct names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->canon[i]);
	free(nm->canon);
	free(nm->ind);
	free(nm->maker);
	free(nm->acro);
	hmap_free(&nm->byname);
	pindex_free(&nm->px);
	text_free(&nm->scratch);
}
