/* fuzz-embed: hash-v2 and hash-v3 vectors of random text, untrained and with a model
 * read from random bytes: every component finite, the vector of unit
 * length or all zeros, the same vector twice; a model file that parses
 * has the dimension it says. */
#include <math.h>

#include "embmodel.h"
#include "fuzz.h"
#include "hashembed.h"

/* Check the vector of text[0..len) by h (dim components). */
static void
check(struct hashembed *h, const char *text, size_t len, int dim)
{
	float *a = malloc((size_t)dim * sizeof(float));
	float *b = malloc((size_t)dim * sizeof(float));
	double norm = 0;

	if (a == NULL || b == NULL)
		abort();
	hashembed_vector(h, text, len, a);
	hashembed_vector(h, text, len, b);
	FUZZ_CHECK(memcmp(a, b, (size_t)dim * sizeof(float)) == 0,
	    "the same text gives the same vector");
	for (int i = 0; i < dim; i++) {
		FUZZ_CHECK(isfinite(a[i]), "components are finite");
		norm += (double)a[i] * a[i];
	}
	FUZZ_CHECK(norm == 0 || fabs(norm - 1) < 1e-3,
	    "unit length or zeros");
	free(a);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char text[] = "Japanese shares rose as the bank's "
	    "profits beat forecasts; caf\xc3\xa9 owners were rising too.";
	struct embmodel *m;
	struct hashembed *h;
	char why[256];

	/* the input as text */
	h = hashembed_new_v2(size % 2 ? 64 : 7, NULL);
	check(h, (const char *)data, size, hashembed_dim(h));
	hashembed_free(h);
	h = hashembed_new_v3(size % 2 ? 64 : 7);
	check(h, (const char *)data, size, hashembed_dim(h));
	hashembed_free(h);

	/* the input as a model file */
	m = embmodel_parse(data, size, why, sizeof(why));
	if (m == NULL) {
		FUZZ_CHECK(why[0] != '\0', "a refused model says why");
		return 0;
	}
	FUZZ_CHECK(embmodel_dim(m) >= 1 && embmodel_dim(m) <= HASHEMBED_MAXDIM,
	    "a model's dimension is in range");
	h = hashembed_new_v2(0, m);
	FUZZ_CHECK(hashembed_dim(h) == embmodel_dim(m), "the model's dimension");
	check(h, text, sizeof(text) - 1, hashembed_dim(h));
	check(h, (const char *)data, size, hashembed_dim(h));
	hashembed_free(h);
	embmodel_free(m);
	return 0;
}
