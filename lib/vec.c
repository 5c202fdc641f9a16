/* vec.c - the vector kernel and the top-k heap (see vec.h) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vec.h"

typedef float v4f __attribute__((vector_size(16)));

double
vec_dot(const float *a, const float *b, int n)
{
	v4f s0 = { 0 }, s1 = { 0 }, x0, x1, y0, y1;
	float d[8];
	int i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&x0, a + i, sizeof(x0));
		memcpy(&x1, a + i + 4, sizeof(x1));
		memcpy(&y0, b + i, sizeof(y0));
		memcpy(&y1, b + i + 4, sizeof(y1));
		s0 += x0 * y0;
		s1 += x1 * y1;
	}
	memcpy(d, &s0, sizeof(s0));
	memcpy(d + 4, &s1, sizeof(s1));
	for (int j = 0; i < n; i++, j++)
		d[j] += a[i] * b[i];
	return (((double)d[0] + d[1]) + ((double)d[2] + d[3])) +
	    (((double)d[4] + d[5]) + ((double)d[6] + d[7]));
}

void
vec_add(float *acc, const float *v, int n)
{
	v4f x, y;
	int i;

	for (i = 0; i + 4 <= n; i += 4) {
		memcpy(&x, acc + i, sizeof(x));
		memcpy(&y, v + i, sizeof(y));
		x += y;
		memcpy(acc + i, &x, sizeof(x));
	}
	for (; i < n; i++)
		acc[i] += v[i];
}

double
vec_norm(const float *a, int n)
{
	return sqrt(vec_dot(a, a, n));
}

void
vec_normalise(float *a, int n)
{
	double len = vec_norm(a, n);

	if (len > 0)
		for (int i = 0; i < n; i++)
			a[i] = (float)(a[i] / len);
}

void
vec_top_init(struct vec_top *t, int k)
{
	t->h = xcalloc((size_t)k, sizeof(*t->h));
	t->n = 0;
	t->k = k;
}

void
vec_top_free(struct vec_top *t)
{
	free(t->h);
	t->h = NULL;
	t->n = t->k = 0;
}

void
vec_top_add(struct vec_top *t, int64_t id, double score)
{
	int i;

	if (t->k == 0)
		return;
	if (t->n == t->k) {
		if (score <= t->h[0].score)
			return;
		/* replace the root and sift down */
		i = 0;
		for (;;) {
			int l = 2 * i + 1, r = l + 1, m = i;
			double ms = score;

			if (l < t->n && t->h[l].score < ms)
				m = l, ms = t->h[l].score;
			if (r < t->n && t->h[r].score < ms)
				m = r;
			if (m == i)
				break;
			t->h[i] = t->h[m];
			i = m;
		}
		t->h[i].id = id;
		t->h[i].score = score;
		return;
	}
	i = t->n++;
	while (i > 0 && t->h[(i - 1) / 2].score > score) {
		t->h[i] = t->h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	t->h[i].id = id;
	t->h[i].score = score;
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct vec_hit *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

void
vec_top_sort(struct vec_top *t)
{
	if (t->n > 1)
		qsort(t->h, (size_t)t->n, sizeof(*t->h), hit_cmp);
}
