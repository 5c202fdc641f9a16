/*
 * vec.h - the one vector kernel of the retrieval programs (search,
 * summarize): dot product, norm, normalisation, and the k best of a
 * stream of scored ids.
 *
 * vec_dot sums in eight lanes (lane k takes the components k mod 8, the
 * tail past the last multiple of 8 goes to lanes 0..), then adds the
 * lanes pairwise in double: a fixed order, so the same vectors give the
 * same result on every machine, and fast without -O3.  Vectors need no
 * alignment.
 *
 * Ownership: a struct vec_top's heap is allocated by vec_top_init and
 * released by vec_top_free; vectors are the caller's.
 */
#ifndef JOBLINE_VEC_H
#define JOBLINE_VEC_H

#include <stdint.h>

double vec_dot(const float *a, const float *b, int n);

/* acc[0..n) += v[0..n). */
void vec_add(float *acc, const float *v, int n);

/* The Euclidean length of a[0..n). */
double vec_norm(const float *a, int n);

/* Scale a[0..n) to length 1; a zero vector stays zero. */
void vec_normalise(float *a, int n);

/* A scored id. */
struct vec_hit {
	int64_t id;		/* what is scored (a chunk's rowid) */
	double score;		/* higher is better */
};

/* The k best hits so far: a min-heap on score until vec_top_sort. */
struct vec_top {
	struct vec_hit *h;	/* the heap; owned */
	int n, k;		/* entries, capacity */
};

void vec_top_init(struct vec_top *t, int k);
void vec_top_free(struct vec_top *t);	/* zeroed: may be freed again */

/* Offer a hit: kept when fewer than k are held or it beats the worst
 * (a tie with the worst is not kept). */
void vec_top_add(struct vec_top *t, int64_t id, double score);

/* Sort the hits best first (ties: lower id first); the heap is gone, so
 * add nothing after this. */
void vec_top_sort(struct vec_top *t);

#endif
