/* hmap.c - a hash map from 64-bit keys to ints: see hmap.h */
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "util.h"

static void
hmap_resize(struct hmap *m, size_t cap)
{
	struct hmap old = *m;

	m->keys = xcalloc(cap, sizeof(*m->keys));
	m->vals = xcalloc(cap, sizeof(*m->vals));
	m->cap = cap;
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.keys[i])
			hmap_put(m, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

void
hmap_put(struct hmap *m, uint64_t key, int val)
{
	size_t i;

	key = hmap_key(key);
	if ((m->n + 1) * 2 > m->cap)
		hmap_resize(m, m->cap ? m->cap * 2 : 64);
	for (i = key & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return;
		}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	m->filt[HMAP_FBIT(key) / 64] |= 1ULL << (HMAP_FBIT(key) % 64);
}

void
hmap_free(struct hmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
