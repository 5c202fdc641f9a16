/* embmodel.c - hash-v2's trained model: load, look up, train (see embmodel.h) */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "embmodel.h"
#include "hashembed.h"
#include "hmap.h"
#include "outfile.h"
#include "util.h"

#define MAGIC "jlembed\001"
#define HEADER 32		/* bytes before the words */
#define WORD_BYTES 12		/* u64 hash, u32 df */
#define CTX_MAX 32768		/* most words with a context vector */
#define CTX_MIN_DF 2		/* fewest documents for one */

struct embmodel {
	int dim;		/* components */
	uint32_t ndocs;		/* documents trained on */
	uint32_t nwords;	/* words known */
	uint32_t nctx;		/* the first nctx have a context vector */
	float cw;		/* context weight */
	float unseen_idf;	/* idf of a word not trained on */
	float *idf;		/* per word */
	float *scale;		/* per context vector */
	int8_t *ctx;		/* nctx * dim */
	struct hmap ids;	/* word hash -> index */
	char digest[EMBMODEL_DIGEST + 1];	/* the file's XXH3-64 */
};

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static float
getf(const unsigned char *p)
{
	uint32_t u = get32(p);
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static float
idf_of(uint32_t ndocs, uint32_t df)
{
	return (float)(log(((double)ndocs + 1) / ((double)df + 1)) + 1);
}

/* The whole of file path in *buf, its size in *len; 0, or -1 with errno. */
static int
slurp(const char *path, unsigned char **buf, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	int ret = -1, e;

	*buf = NULL;
	if (fp == NULL)
		return -1;
	if (fstat(fileno(fp), &st) != 0)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	*len = (size_t)st.st_size;
	*buf = xmalloc(*len + 1);
	if (fread(*buf, 1, *len, fp) != *len) {
		if (!ferror(fp))
			errno = EIO;
		goto out;
	}
	ret = 0;
out:
	e = errno;
	fclose(fp);
	if (ret != 0) {
		free(*buf);
		*buf = NULL;
	}
	errno = e;
	return ret;
}

struct embmodel *
embmodel_load(const char *path, char *why, size_t whylen)
{
	struct embmodel *m = NULL;
	unsigned char *b;
	size_t len, want;
	uint32_t dim, nwords, nctx;

	if (slurp(path, &b, &len) != 0) {
		snprintf(why, whylen, "cannot read: %s", strerror(errno));
		return NULL;
	}
	if (len < HEADER || memcmp(b, MAGIC, 8) != 0) {
		snprintf(why, whylen, "not a model file of embed --train");
		goto out;
	}
	dim = get32(b + 8);
	nwords = get32(b + 16);
	nctx = get32(b + 20);
	want = HEADER + (size_t)nwords * WORD_BYTES +
	    (size_t)nctx * (4 + (size_t)dim);
	if (dim < 1 || dim > HASHEMBED_MAXDIM || nctx > nwords ||
	    nwords > (uint32_t)(len / WORD_BYTES) || want != len ||
	    !isfinite(getf(b + 24))) {
		snprintf(why, whylen, "damaged model file (%s)", want != len ?
		    "wrong size" : "bad header");
		goto out;
	}
	m = xcalloc(1, sizeof(*m));
	m->dim = (int)dim;
	m->ndocs = get32(b + 12);
	m->nwords = nwords;
	m->nctx = nctx;
	m->cw = getf(b + 24);
	m->unseen_idf = idf_of(m->ndocs, 1);
	m->idf = xmalloc(((size_t)nwords + 1) * sizeof(float));
	m->scale = xmalloc(((size_t)nctx + 1) * sizeof(float));
	m->ctx = xmalloc((size_t)nctx * dim + 1);
	for (uint32_t i = 0; i < nwords; i++) {
		const unsigned char *p = b + HEADER + (size_t)i * WORD_BYTES;

		m->idf[i] = idf_of(m->ndocs, get32(p + 8));
		hmap_put(&m->ids, get64(p), (int)i);
	}
	for (uint32_t i = 0; i < nctx; i++) {
		const unsigned char *p = b + HEADER +
		    (size_t)nwords * WORD_BYTES + (size_t)i * (4 + dim);

		m->scale[i] = getf(p);
		if (!isfinite(m->scale[i])) {
			snprintf(why, whylen, "damaged model file (bad scale)");
			embmodel_free(m);
			m = NULL;
			goto out;
		}
		memcpy(m->ctx + (size_t)i * dim, p + 4, dim);
	}
	snprintf(m->digest, sizeof(m->digest), "%016llx",
	    (unsigned long long)XXH3_64bits(b, len));
out:
	free(b);
	return m;
}

void
embmodel_free(struct embmodel *m)
{
	if (m == NULL)
		return;
	free(m->idf);
	free(m->scale);
	free(m->ctx);
	hmap_free(&m->ids);
	free(m);
}

int
embmodel_dim(const struct embmodel *m)
{
	return m->dim;
}

const char *
embmodel_digest(const struct embmodel *m)
{
	return m->digest;
}

int
embmodel_is_digest(const char *s)
{
	int i;

	for (i = 0; i < EMBMODEL_DIGEST; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

float
embmodel_context_weight(const struct embmodel *m)
{
	return m->cw;
}

float
embmodel_lookup(const struct embmodel *m, uint64_t term, const int8_t **ctx,
    float *scale)
{
	int i = hmap_get(&m->ids, term);

	*ctx = NULL;
	if (i < 0)
		return m->unseen_idf;
	if ((uint32_t)i < m->nctx) {
		*ctx = m->ctx + (size_t)i * m->dim;
		*scale = m->scale[i];
	}
	return m->idf[i];
}

/* ---- training ---- */

struct embtrain {
	struct hashembed *h;	/* hash-v2, untrained: the tokenizer */
	int dim;		/* components */
	struct hmap ids;	/* word hash -> index */
	uint64_t *word;		/* index -> word hash */
	uint32_t *df;		/* index -> documents it is in */
	size_t nwords, wordcap;	/* words, allocated */
	uint32_t *occ;		/* the documents' distinct words, in order */
	uint16_t *occtf;	/* their counts (at most 65535) */
	size_t nocc, occcap;	/* used, allocated */
	size_t *docend;		/* per document: the end of its words in occ */
	size_t ndocs, doccap;	/* documents, allocated */
};

struct embtrain *
embtrain_new(int dim)
{
	struct embtrain *t = xcalloc(1, sizeof(*t));

	t->dim = dim;
	t->h = hashembed_new_v2(dim, NULL);
	return t;
}

void
embtrain_free(struct embtrain *t)
{
	if (t == NULL)
		return;
	hashembed_free(t->h);
	hmap_free(&t->ids);
	free(t->word);
	free(t->df);
	free(t->occ);
	free(t->occtf);
	free(t->docend);
	free(t);
}

/* One distinct word of the document being added (hashembed_terms). */
static void
train_word(void *arg, uint64_t term, unsigned tf)
{
	struct embtrain *t = arg;
	int i = hmap_get(&t->ids, term);

	if (i < 0) {
		if (t->nwords == t->wordcap) {
			t->wordcap = t->wordcap ? t->wordcap * 2 : 4096;
			t->word = xrealloc(t->word, t->wordcap *
			    sizeof(*t->word));
			t->df = xrealloc(t->df, t->wordcap * sizeof(*t->df));
		}
		i = (int)t->nwords++;
		t->word[i] = term;
		t->df[i] = 0;
		hmap_put(&t->ids, term, i);
	}
	t->df[i]++;
	if (t->nocc == t->occcap) {
		t->occcap = t->occcap ? t->occcap * 2 : 65536;
		t->occ = xrealloc(t->occ, t->occcap * sizeof(*t->occ));
		t->occtf = xrealloc(t->occtf, t->occcap * sizeof(*t->occtf));
	}
	t->occ[t->nocc] = (uint32_t)i;
	t->occtf[t->nocc++] = (uint16_t)(tf > 65535 ? 65535 : tf);
}

void
embtrain_add(struct embtrain *t, const char *text, size_t len)
{
	size_t before = t->nocc;

	if (t->nwords >= 0x7fffffff || t->ndocs >= 0xffffffffu)
		return;		/* as much as a model can say */
	hashembed_terms(t->h, text, len, train_word, t);
	if (t->nocc == before)
		return;
	if (t->ndocs == t->doccap) {
		t->doccap = t->doccap ? t->doccap * 2 : 4096;
		t->docend = xrealloc(t->docend, t->doccap *
		    sizeof(*t->docend));
	}
	t->docend[t->ndocs++] = t->nocc;
}

size_t
embtrain_docs(const struct embtrain *t)
{
	return t->ndocs;
}

static const struct embtrain *sort_t;	/* for by_df */

/* Words with more documents first, then by hash: a fixed order. */
static int
by_df(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const struct embtrain *t = sort_t;

	if (t->df[x] != t->df[y])
		return t->df[x] > t->df[y] ? -1 : 1;
	return t->word[x] < t->word[y] ? -1 : t->word[x] > t->word[y];
}

static void
put32(FILE *fp, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	fwrite(b, 1, 4, fp);
}

static void
putf(FILE *fp, float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	put32(fp, u);
}

/* The context vectors of the first nctx words of order (rank: a word's
 * place in it), nctx * dim floats, centred and normalised. */
static float *
contexts(struct embtrain *t, const uint32_t *order, const int32_t *rank,
    uint32_t nctx)
{
	int dim = t->dim;
	float *c = xcalloc((size_t)nctx * dim + 1, sizeof(float));
	float *d = xmalloc((size_t)dim * sizeof(float));
	double *mean = xcalloc((size_t)dim, sizeof(double));
	size_t o = 0;

	for (size_t doc = 0; doc < t->ndocs; doc++) {
		size_t end = t->docend[doc], k;
		double norm = 0;

		memset(d, 0, (size_t)dim * sizeof(float));
		for (k = o; k < end; k++) {
			float sign, w = (float)((1 + log(t->occtf[k])) *
			    idf_of((uint32_t)t->ndocs, t->df[t->occ[k]]));
			int i = hashembed_index(t->h, t->word[t->occ[k]],
			    &sign);

			d[i] += sign * w;
		}
		for (int i = 0; i < dim; i++)
			norm += (double)d[i] * d[i];
		if (norm > 0)
			norm = 1 / sqrt(norm);
		for (k = o; k < end; k++) {
			int32_t r = rank[t->occ[k]];
			float w, *cv;

			if ((uint32_t)r >= nctx)
				continue;
			w = (float)((1 + log(t->occtf[k])) * norm *
			    idf_of((uint32_t)t->ndocs, t->df[t->occ[k]]));
			cv = c + (size_t)r * dim;
			for (int i = 0; i < dim; i++)
				cv[i] += w * d[i];
		}
		o = end;
	}
	/* less its own component, normalised, centred, normalised */
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t r = 0; r < nctx; r++) {
			float *cv = c + (size_t)r * dim;

			if (pass == 0) {
				float sign;

				cv[hashembed_index(t->h, t->word[order[r]],
				    &sign)] = 0;
			} else
				for (int i = 0; i < dim; i++)
					cv[i] -= (float)(mean[i] / nctx);
			{
				double norm = 0;

				for (int i = 0; i < dim; i++)
					norm += (double)cv[i] * cv[i];
				if (norm > 0)
					for (int i = 0; i < dim; i++)
						cv[i] = (float)(cv[i] /
						    sqrt(norm));
			}
			if (pass == 0)
				for (int i = 0; i < dim; i++)
					mean[i] += cv[i];
		}
	}
	free(d);
	free(mean);
	return c;
}

int
embtrain_write(struct embtrain *t, const char *path, float cw)
{
	struct outfile o;
	uint32_t *order = xmalloc((t->nwords + 1) * sizeof(*order));
	int32_t *rank = xmalloc((t->nwords + 1) * sizeof(*rank));
	uint32_t nctx = 0;
	float *c;
	int ret = -1;

	for (size_t i = 0; i < t->nwords; i++)
		order[i] = (uint32_t)i;
	sort_t = t;
	qsort(order, t->nwords, sizeof(*order), by_df);
	while (nctx < t->nwords && nctx < CTX_MAX &&
	    t->df[order[nctx]] >= CTX_MIN_DF)
		nctx++;
	for (size_t i = 0; i < t->nwords; i++)
		rank[order[i]] = (int32_t)i;
	c = contexts(t, order, rank, nctx);

	if (outfile_open(&o, path, 0644) != 0)
		goto out;
	fwrite(MAGIC, 1, 8, o.fp);
	put32(o.fp, (uint32_t)t->dim);
	put32(o.fp, (uint32_t)t->ndocs);
	put32(o.fp, (uint32_t)t->nwords);
	put32(o.fp, nctx);
	putf(o.fp, cw);
	put32(o.fp, 0);
	for (size_t i = 0; i < t->nwords; i++) {
		uint64_t w = t->word[order[i]];

		put32(o.fp, (uint32_t)w);
		put32(o.fp, (uint32_t)(w >> 32));
		put32(o.fp, t->df[order[i]]);
	}
	for (uint32_t r = 0; r < nctx; r++) {
		const float *cv = c + (size_t)r * t->dim;
		float max = 0, scale;

		for (int i = 0; i < t->dim; i++)
			if (fabsf(cv[i]) > max)
				max = fabsf(cv[i]);
		scale = max / 127;
		putf(o.fp, scale);
		for (int i = 0; i < t->dim; i++)
			putc((int)(uint8_t)(int8_t)(scale > 0 ?
			    lrintf(cv[i] / scale) : 0), o.fp);
	}
	if (ferror(o.fp)) {
		errno = EIO;
		outfile_abort(&o);
		goto out;
	}
	if (outfile_commit(&o) != 0) {
		outfile_abort(&o);
		goto out;
	}
	ret = 0;
out:
	free(c);
	free(order);
	free(rank);
	return ret;
}
