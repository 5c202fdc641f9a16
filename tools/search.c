/*
 * search - find the stored chunks nearest to a query: cosine similarity
 * over the stored vectors, FTS5 keyword ranking, or a fusion of both.
 * See man/search.1.
 */
#define _GNU_SOURCE
#include <err.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embmodel.h"
#include "ftsexpr.h"
#include "hashembed.h"
#include "jsonl.h"
#include "openai.h"
#include "segment.h"
#include "sig.h"
#include "stats.h"
#include "db.h"
#include "searchq.h"
#include "timefmt.h"
#include "util.h"
#include "vec.h"

enum { OPT_MODE = OPT_FIRST_PRIVATE, OPT_MODEL, OPT_URL, OPT_TIMEOUT,
    OPT_PER_ARTICLE, OPT_MODEL_FILE };
/* MODE_DEFAULT: hybrid when the store holds vectors, else keyword. */
enum mode { MODE_DEFAULT, MODE_VECTOR, MODE_KEYWORD, MODE_HYBRID };

/* Candidates each mode hands to the fusion and the one-per-article cut. */
#define CANDIDATES 100
/* The vector scores' weight in hybrid, chosen on the BBC set
 * (bench/RESULTS.md): for a trained hash-v2 model's vectors (on half of
 * it), and for the others (hash-v3's: the weight where hybrid is at
 * least keyword's on the whole set and on each half). */
#define W_VECTOR_TRAINED 0.2
#define W_VECTOR 0.15
/* The weight of the query's word pairs in the keyword ranking, and the
 * most phrase hits looked at (bench/RESULTS.md). */
#define W_PAIRS 0.15
#define PAIR_CANDIDATES 1000

struct search;

/* A scan's state, for its callbacks. */
struct scan {
	struct search *s;	/* the search */
	struct vec_top *t;	/* the hits kept */
};

struct search {
	struct db *db;		/* the store */
	struct searchq *sq;	/* its queries */
	enum mode mode;		/* --mode */
	int k;			/* -k */
	int per_article;	/* --per-article, 0 for no limit */
	double wvec;		/* hybrid's weight of vector scores */
	double wpairs;		/* the keyword ranking's weight of pairs */
	const char *model;	/* model of the vectors compared */
	const char *api_model;	/* the same as the server knows it */
	int api_dim;		/* dimensions asked of the server, or 0 */
	const char *url;	/* --url for non-hash models */
	long timeout_ms;	/* --timeout */
	int verbose;		/* -v */
	struct hashembed *hash;	/* for hash models */
	const char *model_file;	/* --model-file, else $JOBLINE_EMBED_MODEL */
	struct embmodel *hmodel;	/* hash-v2's trained model, or NULL */
	char *api_model_buf;	/* api_model when split from "@DIM" */
	float *q;		/* the query vector */
	double qnorm;		/* the query vector's length */
	int qdim;		/* its dimension */
	float *tmp;		/* an aligned copy of a stored vector */
	int tmpcap;		/* its capacity in floats */
	unsigned long skipped;	/* vectors of another dimension */
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: search [--db PATH] [-k N] [--mode vector|keyword|"
	    "hybrid] [--model NAME]\n"
	    "              [--model-file FILE] [--per-article N] [--url URL]\n"
	    "              [--timeout DURATION] [-v] [QUERY ...]\n");
	exit(status);
}

/* ---- the query vector ---- */

struct answer {
	json_object *resp;	/* the server's answer, or NULL */
	char *error;		/* what went wrong, or NULL */
	int done;		/* callback ran */
};

static void
answer_done(void *arg, json_object *resp, const char *error)
{
	struct answer *a = arg;

	a->done = 1;
	a->resp = resp ? json_object_get(resp) : NULL;
	a->error = error ? xstrdup(error) : NULL;
}

/* Embed text through the server; 0, or -1 after a message. */
static int
embed_remote(struct search *s, const char *text)
{
	struct oai *api = oai_new(s->url, 1);
	struct answer a = { NULL, NULL, 0 };
	json_object *req = json_object_new_object(), *data, *item, *emb;
	const char *body;
	size_t len;
	int n, ret = -1;

	oai_set_timeout(api, s->timeout_ms);
	oai_set_retries(api, 2);	/* someone is waiting */
	json_object_object_add(req, "model",
	    json_object_new_string(s->api_model));
	json_object_object_add(req, "input", json_object_new_string(text));
	json_object_object_add(req, "encoding_format",
	    json_object_new_string("float"));
	if (s->api_dim > 0)
		json_object_object_add(req, "dimensions",
		    json_object_new_int(s->api_dim));
	body = jsonl_text(req, &len);
	oai_post(api, "/embeddings", body, len, answer_done, &a);
	json_object_put(req);
	while (!a.done)
		oai_run(api);
	oai_free(api);
	if (a.resp == NULL) {
		warnx("cannot embed the query: %s", a.error);
		goto out;
	}
	if (!json_object_object_get_ex(a.resp, "data", &data) ||
	    (item = json_object_array_get_idx(data, 0)) == NULL ||
	    !json_object_object_get_ex(item, "embedding", &emb) ||
	    !json_object_is_type(emb, json_type_array) ||
	    (n = (int)json_object_array_length(emb)) == 0) {
		warnx("cannot embed the query: malformed answer");
		goto out;
	}
	free(s->q);
	s->q = xmalloc((size_t)n * sizeof(float));
	s->qdim = n;
	for (int i = 0; i < n; i++)
		s->q[i] = (float)json_object_get_double(
		    json_object_array_get_idx(emb, (size_t)i));
	ret = 0;
out:
	json_object_put(a.resp);
	free(a.error);
	return ret;
}

static int
embed_query(struct search *s, const char *text)
{
	if (s->hash != NULL) {
		s->qdim = hashembed_dim(s->hash);
		free(s->q);
		s->q = xmalloc((size_t)s->qdim * sizeof(float));
		hashembed_vector(s->hash, text, strlen(text), s->q);
		return 0;
	}
	return embed_remote(s, text);
}

/* ---- ranking ---- */

/* Score one stored vector against the query; a searchq_vectors callback. */
static void
scan_one(void *arg, int64_t id, const void *blob, size_t bytes)
{
	struct search *s = ((struct scan *)arg)->s;
	struct vec_top *t = ((struct scan *)arg)->t;
	double vv;
	int n = s->qdim;

	if (blob == NULL || bytes != (size_t)n * sizeof(float)) {
		s->skipped++;
		return;
	}
	if (n > s->tmpcap) {
		s->tmpcap = n;
		free(s->tmp);
		s->tmp = xmalloc((size_t)n * sizeof(float));
	}
	memcpy(s->tmp, blob, (size_t)n * sizeof(float));
	vv = vec_dot(s->tmp, s->tmp, n);
	if (vv <= 0 || s->qnorm <= 0)
		vec_top_add(t, id, 0);
	else
		vec_top_add(t, id, vec_dot(s->q, s->tmp, n) /
		    (sqrt(vv) * s->qnorm));
}

static void
rank_vector(struct search *s, struct vec_top *t)
{
	struct scan sc = { s, t };

	s->qnorm = vec_norm(s->q, s->qdim);
	searchq_vectors(s->sq, s->model, scan_one, &sc);
}

/* A keyword hit; a searchq_keyword callback. */
static void
keyword_one(void *arg, int64_t id, double bm25)
{
	vec_top_add(arg, id, -bm25);
}

static int
hit_cmp_id(const void *a, const void *b)
{
	const struct vec_hit *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/*
 * The keyword ranking: BM25 of the query's words (any of them), plus
 * W_PAIRS times the BM25 of its neighbouring words as phrases, for the
 * chunks the words found.  A phrase counted in full weighs as much as
 * a rare word and drowns the rest; at W_PAIRS it breaks near ties.
 */
static void
rank_keyword(struct search *s, const char *q, struct vec_top *t, int want)
{
	char *words = ftsexpr_words(q), *pairs;
	struct vec_top p = { 0 };

	if (words == NULL)
		return;
	searchq_keyword(s->sq, words, want, keyword_one, t);
	free(words);
	if (s->wpairs <= 0 || t->n == 0 || !searchq_near(s->sq) ||
	    (pairs = ftsexpr_pairs(q)) == NULL)
		return;
	vec_top_init(&p, PAIR_CANDIDATES);
	searchq_keyword(s->sq, pairs, PAIR_CANDIDATES, keyword_one, &p);
	free(pairs);
	qsort(p.h, (size_t)p.n, sizeof(*p.h), hit_cmp_id);
	for (int i = 0; i < t->n; i++) {
		const struct vec_hit *h = bsearch(&t->h[i], p.h, (size_t)p.n,
		    sizeof(*p.h), hit_cmp_id);

		if (h != NULL)
			t->h[i].score += s->wpairs * h->score;
	}
	vec_top_free(&p);
}

/*
 * Fuse two rankings (sorted, best first) by their scores, each scaled to
 * [0, 1] over its own list (min-max), weighted W_VECTOR and 1 - W_VECTOR;
 * a chunk missing from a list scores 0 there.  Scores rather than ranks:
 * a clear keyword winner stays ahead of a vector list of near ties.
 */
static void
fuse(const struct vec_top *vec, const struct vec_top *kw, double wv,
    struct vec_top *out)
{
	const struct vec_top *in[2] = { vec, kw };
	double w[2] = { wv, 1 - wv };
	struct vec_hit *all = xcalloc((size_t)(vec->n + kw->n) + 1,
	    sizeof(*all));
	int n = 0;

	for (int l = 0; l < 2; l++) {
		const struct vec_top *t = in[l];
		double hi, lo;

		if (t->n == 0)
			continue;
		hi = t->h[0].score;
		lo = t->h[t->n - 1].score;
		for (int i = 0; i < t->n; i++) {
			double x = hi > lo ? (t->h[i].score - lo) / (hi - lo) :
			    1;
			int j;

			for (j = 0; j < n; j++)
				if (all[j].id == t->h[i].id)
					break;
			if (j == n) {
				all[n].id = t->h[i].id;
				all[n++].score = 0;
			}
			all[j].score += w[l] * x;
		}
	}
	vec_top_init(out, n > 0 ? n : 1);
	for (int j = 0; j < n; j++)
		vec_top_add(out, all[j].id, all[j].score);
	vec_top_sort(out);
	free(all);
}

/* ---- output ---- */

/* The hit's fields into o, in the order of its lines since the start. */
static void
add_fields(json_object *o, const struct searchq_hit *h)
{
	static const struct {
		const char *name;	/* the member */
		int f;			/* SQ_ field, or -1 for n */
	} cols[] = { { "id", SQ_ID }, { "item_id", SQ_ITEM_ID },
	    { "n", -1 }, { "text", SQ_TEXT }, { "url", SQ_URL },
	    { "title", SQ_TITLE }, { "published", SQ_PUBLISHED },
	    { "synopsis", SQ_SYNOPSIS }, { "event_type", SQ_EVENT_TYPE },
	    { "companies", SQ_COMPANIES } };

	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
		int f = cols[c].f;
		json_object *v;

		if (f < 0 && h->has_n)
			json_object_object_add(o, cols[c].name,
			    json_object_new_int64(h->n));
		else if (f == SQ_COMPANIES && h->f[f] != NULL) {
			/* JSON text from the store, as chunk kept it */
			v = json_tokener_parse(h->f[f]);
			if (v != NULL)
				json_object_object_add(o, cols[c].name, v);
		} else if (f >= 0 && h->f[f] != NULL)
			json_object_object_add(o, cols[c].name,
			    json_object_new_string_len(h->f[f],
			    (int)h->len[f]));
	}
}

/* A score as search(1) has it: 6 decimals at most, no trailing zeros. */
static json_object *
score_json(double x)
{
	char buf[64];
	size_t n;

	x = round(x * 1e6) / 1e6;
	if (x == 0)
		x = 0;		/* no "-0" */
	n = (size_t)snprintf(buf, sizeof(buf), "%.6f", x);
	if (n >= sizeof(buf))	/* no such score, but never cut */
		return json_object_new_double(x);
	while (n > 1 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 1 && buf[n - 1] == '.')
		buf[--n] = '\0';
	return json_object_new_double_s(x, buf);
}

/* Non-zero when chunk id's article has had per_article hits already;
 * else it is counted in items (at most k entries: one per hit shown). */
static int
article_full(struct search *s, int64_t id, char **items, int *nitems)
{
	const char *item = searchq_item(s->sq, id);
	int seen = 0;

	if (item == NULL)
		return 0;	/* gone meanwhile: shown as it is */
	for (int j = 0; j < *nitems; j++)
		if (strcmp(items[j], item) == 0 && ++seen >= s->per_article)
			return 1;
	items[(*nitems)++] = xstrdup(item);
	return 0;
}

/* The best s->k hits of t (sorted, best first), at most s->per_article
 * of an article. */
static void
emit_hits(struct search *s, json_object *in, const char *q,
    const struct vec_top *t)
{
	char **items = xcalloc((size_t)s->k, sizeof(*items));
	int nitems = 0, rank = 0;

	for (int i = 0; i < t->n && rank < s->k; i++) {
		json_object *o;
		struct searchq_hit h;

		if (s->per_article > 0 &&
		    article_full(s, t->h[i].id, items, &nitems))
			continue;
		o = json_object_new_object();

		if (in != NULL) {
			struct json_object_iterator it, end;

			it = json_object_iter_begin(in);
			end = json_object_iter_end(in);
			for (; !json_object_iter_equal(&it, &end);
			    json_object_iter_next(&it))
				json_object_object_add(o,
				    json_object_iter_peek_name(&it),
				    json_object_get(
				    json_object_iter_peek_value(&it)));
		}
		json_object_object_add(o, "query", json_object_new_string(q));
		json_object_object_add(o, "rank", json_object_new_int(++rank));
		json_object_object_add(o, "score",
		    score_json(t->h[i].score));
		if (searchq_get(s->sq, t->h[i].id, &h) == 0)
			add_fields(o, &h);
		if (s->mode != MODE_KEYWORD && s->model != NULL)
			json_object_object_add(o, "model",
			    json_object_new_string(s->model));
		jsonl_write(stdout, o);
		json_object_put(o);
	}
	searchq_release(s->sq);
	fflush(stdout);
	for (int j = 0; j < nitems; j++)
		free(items[j]);
	free(items);
}

/* Answer one query; 0, or -1 when it could not be embedded. */
static int
answer(struct search *s, json_object *in, const char *q)
{
	struct vec_top vec = { 0 }, kw = { 0 }, out = { 0 };
	int want = s->k * (s->per_article > 0 ? 4 : 1);
	int ret = 0;

	/* enough candidates for k articles, and for the fusion */
	if (want < CANDIDATES && (s->per_article > 0 || s->mode == MODE_HYBRID))
		want = CANDIDATES;
	if (s->mode != MODE_KEYWORD && s->model != NULL) {
		if (embed_query(s, q) != 0) {
			ret = -1;
			goto done;
		}
		vec_top_init(&vec, want);
		rank_vector(s, &vec);
		vec_top_sort(&vec);
	}
	if (s->mode != MODE_VECTOR) {
		vec_top_init(&kw, want);
		rank_keyword(s, q, &kw, want);
		vec_top_sort(&kw);
	}
	if (s->mode == MODE_HYBRID) {
		fuse(&vec, &kw, s->wvec, &out);
		emit_hits(s, in, q, &out);
	} else
		emit_hits(s, in, q, s->mode == MODE_VECTOR ? &vec : &kw);
done:
	vec_top_free(&vec);
	vec_top_free(&kw);
	vec_top_free(&out);
	return ret;
}

/* The stored models, listed; a searchq_models callback. */
struct models {
	char *first;		/* the first model; owned */
	char *list;		/* all of them, ", " between; owned */
	int n;			/* how many */
};

static void
model_one(void *arg, const char *m)
{
	struct models *ms = arg;
	char *l;

	if (ms->n++ == 0)
		ms->first = xstrdup(m);
	if (asprintf(&l, "%s%s%s", ms->list ? ms->list : "",
	    ms->list ? ", " : "", m) < 0)
		die_nomem();
	free(ms->list);
	ms->list = l;
}

/* The hash-v2 embedder of vectors of dim components made with the model
 * of digest (or NULL: untrained). */
static struct hashembed *
hash_v2(struct search *s, int dim, const char *digest)
{
	char why[256];

	if (digest == NULL)
		return hashembed_new_v2(dim, NULL);
	if (s->model_file == NULL)
		errx(EXIT_USAGE, "the vectors are of %s, a model trained by "
		    "embed --train: give its file with --model-file or "
		    "JOBLINE_EMBED_MODEL", s->model);
	if ((s->hmodel = embmodel_load(s->model_file, why,
	    sizeof(why))) == NULL)
		errx(EXIT_FATAL, "%s: %s", s->model_file, why);
	if (strcmp(embmodel_digest(s->hmodel), digest) != 0 ||
	    embmodel_dim(s->hmodel) != dim)
		errx(EXIT_USAGE, "%s: model hash-v2-%d@%s, but the vectors "
		    "are of %s: give the model file they were made with",
		    s->model_file, embmodel_dim(s->hmodel),
		    embmodel_digest(s->hmodel), s->model);
	s->wvec = W_VECTOR_TRAINED;
	return hashembed_new_v2(0, s->hmodel);
}

/* Pick the model to compare in: --model, else the one the store holds. */
static void
choose_model(struct search *s)
{
	if (s->model == NULL) {
		struct models ms = { NULL, NULL, 0 };

		searchq_models(s->sq, model_one, &ms);
		if (ms.n > 1)
			errx(EXIT_USAGE, "the store holds vectors of several "
			    "models (%s): choose one with --model", ms.list);
		s->model = ms.first;
		free(ms.list);
	}
	if (s->model == NULL)
		return;
	{
		const char *digest;
		int dim, v = hashembed_parse_name(s->model, &dim, &digest);

		if (v == 1) {
			s->hash = hashembed_new(dim);
		} else if (v == 3) {
			s->hash = hashembed_new_v3(dim);
		} else if (v == 2) {
			s->hash = hash_v2(s, dim, digest);
		} else {
			const char *at = strrchr(s->model, '@');
			long d;

			s->api_model = s->model;
			if (at != NULL && parse_long(at + 1, 1, 1 << 20, &d)) {
				s->api_model_buf = xstrndup(s->model,
				    (size_t)(at - s->model));
				s->api_model = s->api_model_buf;
				s->api_dim = (int)d;
			}
		}
	}
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "model-file", required_argument, NULL, OPT_MODEL_FILE },
		{ "url", required_argument, NULL, OPT_URL },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "per-article", required_argument, NULL, OPT_PER_ARTICLE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct search s;
	const char *db = NULL;
	char *model_arg = NULL;
	int ch, status = EXIT_OK;
	long k = 10, per = 1;
	int64_t timeout = 60000;

	memset(&s, 0, sizeof(s));
	s.mode = MODE_DEFAULT;
	s.per_article = 1;
	s.wvec = W_VECTOR;
	s.wpairs = W_PAIRS;
	while ((ch = getopt_long(argc, argv, "k:vqh", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_DB:
			db = optarg;
			break;
		case 'k':
			if (!parse_long(optarg, 1, 100000, &k)) {
				warnx("-k takes a number from 1 to 100000");
				usage(stderr, EXIT_USAGE);
			}
			break;
		case OPT_MODE:
			if (strcmp(optarg, "vector") == 0)
				s.mode = MODE_VECTOR;
			else if (strcmp(optarg, "keyword") == 0)
				s.mode = MODE_KEYWORD;
			else if (strcmp(optarg, "hybrid") == 0)
				s.mode = MODE_HYBRID;
			else {
				warnx("--mode takes vector, keyword or hybrid");
				usage(stderr, EXIT_USAGE);
			}
			break;
		case OPT_PER_ARTICLE:
			if (!parse_long(optarg, 0, 100000, &per)) {
				warnx("--per-article takes a number from 0 to "
				    "100000");
				usage(stderr, EXIT_USAGE);
			}
			break;
		case OPT_MODEL:
			model_arg = optarg;
			break;
		case OPT_MODEL_FILE:
			s.model_file = optarg;
			break;
		case OPT_URL:
			s.url = optarg;
			break;
		case OPT_TIMEOUT:
			timeout = opt_duration("timeout", optarg, 1, usage);
			break;
		case 'v':
			s.verbose = 1;
			break;
		case 'q':
			s.verbose = 0;
			break;
		case 'h':
			usage(stdout, EXIT_OK);
			break;
		case OPT_VERSION:
			version_exit();
			break;
		default:
			usage(stderr, EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	s.k = (int)k;
	s.per_article = (int)per;
	s.timeout_ms = (long)timeout;
	if (model_arg != NULL)
		s.model = xstrdup(model_arg);
	if (s.model_file == NULL && (s.model_file =
	    getenv("JOBLINE_EMBED_MODEL")) != NULL && *s.model_file == '\0')
		s.model_file = NULL;

	s.db = db_open(db, 0);
	s.sq = searchq_open(s.db);
	if (s.mode != MODE_KEYWORD) {
		choose_model(&s);
		if (s.model == NULL && s.mode == MODE_VECTOR && s.verbose)
			warnx("the store holds no vectors");
	}
	if (s.mode == MODE_DEFAULT)
		s.mode = s.model != NULL ? MODE_HYBRID : MODE_KEYWORD;
	sig_catch();

	if (argc > 0) {
		size_t len = 0;
		char *q;

		for (int i = 0; i < argc; i++)
			len += strlen(argv[i]) + 1;
		q = xmalloc(len + 1);
		q[0] = '\0';
		for (int i = 0; i < argc; i++) {
			if (i > 0)
				strcat(q, " ");
			strcat(q, argv[i]);
		}
		if (answer(&s, NULL, q) != 0)
			status = EXIT_PARTIAL;
		free(q);
	} else {
		struct jsonl_reader r;
		json_object *o;

		jsonl_init(&r, stdin, "stdin");
		while (!sig_caught && (o = jsonl_next(&r)) != NULL) {
			const char *q = json_get_string(o, "query");

			if (q == NULL)
				jsonl_bad(&r, "no query");
			else if (answer(&s, o, q) != 0)
				status = EXIT_PARTIAL;
			json_object_put(o);
		}
		if (r.bad > 0 || r.error != 0)
			status = EXIT_PARTIAL;
		jsonl_free(&r);
	}
	if (s.skipped > 0)
		warnx("%lu stored vectors of model %s have another dimension "
		    "than the query's: skipped", s.skipped, s.model);
	searchq_close(s.sq);
	db_close(s.db);
	hashembed_free(s.hash);
	embmodel_free(s.hmodel);
	free(s.q);
	free(s.tmp);
	free(s.api_model_buf);
	free((char *)s.model);
	if (sig_caught)
		status = 128 + sig_caught;
	exit_flush(status);
}
