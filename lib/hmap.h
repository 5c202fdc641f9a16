/*
 * hmap.h - a hash map from 64-bit keys (already hashed) to ints, open
 * addressing, with a one-bit-per-key filter in front so that looking up
 * a key that is absent (most tokens are neither terms nor names) costs a
 * bit test.  classify's word sets, phrase index and model rows.
 *
 * Ownership: a zeroed struct hmap is an empty map; the map owns its
 * tables, hmap_free releases them and leaves an empty map.  Growth
 * failure ends the program (die_nomem).
 */
#ifndef JOBLINE_HMAP_H
#define JOBLINE_HMAP_H

#include <stddef.h>
#include <stdint.h>

#define HMAP_FILT_BITS 16	/* a 64 Kbit filter: 8 KiB, stays in cache */

struct hmap {
	uint64_t *keys;		/* 0 marks an empty slot */
	int *vals;		/* value of each slot */
	size_t cap;		/* slots, a power of two */
	size_t n;		/* slots used */
	/* one bit per value of the key's top bits: a key whose bit is clear
	 * is not in the map, without a probe of the table */
	uint64_t filt[(1u << HMAP_FILT_BITS) / 64];
};

#define HMAP_FBIT(k) ((k) >> (64 - HMAP_FILT_BITS))

/* The key as stored: 0 marks an empty slot, so 0 is kept as 1. */
static inline uint64_t
hmap_key(uint64_t h)
{
	return h ? h : 1;
}

/* Set key to val (replacing its value if it is there). */
void hmap_put(struct hmap *m, uint64_t key, int val);

/* The value for key, or -1.  Inline: it is classify's hot path. */
static inline int
hmap_get(const struct hmap *m, uint64_t key)
{
	key = hmap_key(key);
	if (!(m->filt[HMAP_FBIT(key) / 64] >> (HMAP_FBIT(key) % 64) & 1))
		return -1;	/* also when the map is empty */
	for (size_t i = key & (m->cap - 1); m->keys[i];
	    i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return m->vals[i];
	return -1;
}

void hmap_free(struct hmap *m);

#endif
