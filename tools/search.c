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

#include "hashembed.h"
#include "jsonl.h"
#include "openai.h"
#include "segment.h"
#include "sig.h"
#include "stats.h"
#include "store.h"
#include "timefmt.h"
#include "util.h"

enum { OPT_MODE = OPT_FIRST_PRIVATE, OPT_MODEL, OPT_URL, OPT_TIMEOUT };
enum mode { MODE_VECTOR, MODE_KEYWORD, MODE_HYBRID };

/* Reciprocal rank fusion constant (Cormack et al.): 1 / (RRF_K + rank). */
#define RRF_K 60

struct hit {
	sqlite3_int64 rowid;	/* chunks.rowid */
	double score;		/* higher is nearer */
};

/* The k best hits so far: a min-heap on score. */
struct top {
	struct hit *h;		/* the heap; owned */
	int n, k;		/* entries, capacity */
};

struct search {
	sqlite3 *db;		/* the store, read-only */
	enum mode mode;		/* --mode */
	int k;			/* -k */
	const char *model;	/* model of the vectors compared */
	const char *api_model;	/* the same as the server knows it */
	int api_dim;		/* dimensions asked of the server, or 0 */
	const char *url;	/* --url for non-hash models */
	long timeout_ms;	/* --timeout */
	int verbose;		/* -v */
	struct hashembed *hash;	/* for hash-v1 models */
	char *api_model_buf;	/* api_model when split from "@DIM" */
	sqlite3_stmt *scan;	/* rowid, vector of every chunk of model */
	sqlite3_stmt *fts;	/* keyword ranking */
	sqlite3_stmt *get;	/* a hit's fields */
	float *q;		/* the query vector */
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
	    "              [--url URL] [--timeout DURATION] [-v] [QUERY ...]\n");
	exit(status);
}

static void
top_init(struct top *t, int k)
{
	t->h = xcalloc((size_t)k, sizeof(*t->h));
	t->n = 0;
	t->k = k;
}

static void
top_add(struct top *t, sqlite3_int64 rowid, double score)
{
	int i;

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
		t->h[i].rowid = rowid;
		t->h[i].score = score;
		return;
	}
	i = t->n++;
	while (i > 0 && t->h[(i - 1) / 2].score > score) {
		t->h[i] = t->h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	t->h[i].rowid = rowid;
	t->h[i].score = score;
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->rowid < y->rowid ? -1 : x->rowid > y->rowid;
}

/* The hits best first; t->h is sorted in place. */
static void
top_sort(struct top *t)
{
	if (t->n > 1)
		qsort(t->h, (size_t)t->n, sizeof(*t->h), hit_cmp);
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

/* Cosine similarity of the query and n floats at blob (any alignment). */
static double
cosine(struct search *s, const void *blob)
{
	const float *v;
	float d[8] = { 0 }, nv[8] = { 0 }, nq[8] = { 0 };
	double dot = 0, vv = 0, qq = 0;
	int n = s->qdim, i;

	if (n > s->tmpcap) {
		s->tmpcap = n;
		free(s->tmp);
		s->tmp = xmalloc((size_t)n * sizeof(float));
	}
	memcpy(s->tmp, blob, (size_t)n * sizeof(float));
	v = s->tmp;
	for (i = 0; i + 8 <= n; i += 8)
		for (int j = 0; j < 8; j++) {
			d[j] += s->q[i + j] * v[i + j];
			nv[j] += v[i + j] * v[i + j];
			nq[j] += s->q[i + j] * s->q[i + j];
		}
	for (; i < n; i++) {
		d[0] += s->q[i] * v[i];
		nv[0] += v[i] * v[i];
		nq[0] += s->q[i] * s->q[i];
	}
	for (int j = 0; j < 8; j++) {
		dot += d[j];
		vv += nv[j];
		qq += nq[j];
	}
	if (vv <= 0 || qq <= 0)
		return 0;
	return dot / (sqrt(vv) * sqrt(qq));
}

static void
rank_vector(struct search *s, struct top *t)
{
	sqlite3_stmt *st = s->scan;

	sqlite3_bind_text(st, 1, s->model, -1, SQLITE_STATIC);
	while (store_step_ok(st) == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(st, 1);
		int bytes = sqlite3_column_bytes(st, 1);

		if (blob == NULL || bytes != s->qdim * (int)sizeof(float)) {
			s->skipped++;
			continue;
		}
		top_add(t, sqlite3_column_int64(st, 0), cosine(s, blob));
	}
	sqlite3_reset(st);
}

/* The query as an FTS5 expression: its words, quoted, joined by OR. */
static char *
fts_query(const char *q)
{
	size_t len = strlen(q), i = 0, o = 0;
	char *out = xmalloc(len * 3 + 8);
	int cp, words = 0;

	while (i < len) {
		size_t k = seg_decode(q + i, len - i, &cp), a;

		if (seg_is_space(cp) || (cp < 0x80 && !(cp == '_' ||
		    (cp >= '0' && cp <= '9') || ((cp | 32) >= 'a' &&
		    (cp | 32) <= 'z')))) {
			i += k;
			continue;
		}
		a = i;
		while (i < len) {
			k = seg_decode(q + i, len - i, &cp);
			if (seg_is_space(cp) || (cp < 0x80 && !(cp == '_' ||
			    (cp >= '0' && cp <= '9') || ((cp | 32) >= 'a' &&
			    (cp | 32) <= 'z'))))
				break;
			i += k;
		}
		if (words++ > 0) {
			memcpy(out + o, " OR ", 4);
			o += 4;
		}
		out[o++] = '"';
		for (size_t j = a; j < i; j++) {
			if (q[j] == '"')
				out[o++] = '"';
			out[o++] = q[j];
		}
		out[o++] = '"';
	}
	out[o] = '\0';
	if (words == 0) {
		free(out);
		return NULL;
	}
	return out;
}

static void
rank_keyword(struct search *s, const char *q, struct top *t, int want)
{
	char *expr = fts_query(q);
	sqlite3_stmt *st = s->fts;
	int rc;

	if (expr == NULL)
		return;
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, want);
	while ((rc = store_step(st)) == SQLITE_ROW)
		top_add(t, sqlite3_column_int64(st, 0),
		    -sqlite3_column_double(st, 1));
	if (rc != SQLITE_DONE)
		store_die(s->db, "keyword search");
	sqlite3_reset(st);
	free(expr);
}

/* Fuse two sorted rankings by reciprocal rank into out. */
static void
fuse(struct top *a, struct top *b, struct top *out)
{
	struct top *in[2] = { a, b };
	struct hit *all = xcalloc((size_t)(a->n + b->n) + 1, sizeof(*all));
	int n = 0;

	for (int w = 0; w < 2; w++)
		for (int i = 0; i < in[w]->n; i++) {
			int j;

			for (j = 0; j < n; j++)
				if (all[j].rowid == in[w]->h[i].rowid)
					break;
			if (j == n) {
				all[n].rowid = in[w]->h[i].rowid;
				all[n++].score = 0;
			}
			all[j].score += 1.0 / (RRF_K + i + 1);
		}
	for (int j = 0; j < n; j++)
		top_add(out, all[j].rowid, all[j].score);
	free(all);
}

/* ---- output ---- */

static void
emit_hits(struct search *s, json_object *in, const char *q, struct top *t)
{
	sqlite3_stmt *st = s->get;

	top_sort(t);
	for (int i = 0; i < t->n; i++) {
		json_object *o = json_object_new_object(), *v;
		static const char *const cols[] = { "id", "item_id", "n",
		    "text", "url", "title", "published" };

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
		json_object_object_add(o, "rank", json_object_new_int(i + 1));
		json_object_object_add(o, "score",
		    json_object_new_double(round(t->h[i].score * 1e6) / 1e6));
		sqlite3_bind_int64(st, 1, t->h[i].rowid);
		if (store_step_ok(st) == SQLITE_ROW)
			for (int c = 0; c < 7; c++) {
				if (sqlite3_column_type(st, c) == SQLITE_NULL)
					continue;
				if (c == 2)
					v = json_object_new_int64(
					    sqlite3_column_int64(st, c));
				else
					v = json_object_new_string_len(
					    (const char *)sqlite3_column_text(st,
					    c), sqlite3_column_bytes(st, c));
				json_object_object_add(o, cols[c], v);
			}
		sqlite3_reset(st);
		if (s->mode != MODE_KEYWORD)
			json_object_object_add(o, "model",
			    json_object_new_string(s->model));
		jsonl_write(stdout, o);
		json_object_put(o);
	}
	fflush(stdout);
}

/* Answer one query; 0, or -1 when it could not be embedded. */
static int
answer(struct search *s, json_object *in, const char *q)
{
	struct top vec = { 0 }, kw = { 0 }, out = { 0 };
	int want = s->mode == MODE_HYBRID ? (s->k * 4 > 50 ? s->k * 4 : 50) :
	    s->k;
	int ret = 0;

	top_init(&out, s->k);
	if (s->mode != MODE_KEYWORD && s->model != NULL) {
		if (embed_query(s, q) != 0) {
			ret = -1;
			goto done;
		}
		top_init(&vec, want);
		rank_vector(s, &vec);
	}
	if (s->mode != MODE_VECTOR) {
		top_init(&kw, want);
		rank_keyword(s, q, &kw, want);
	}
	if (s->mode == MODE_HYBRID) {
		top_sort(&vec);
		top_sort(&kw);
		fuse(&vec, &kw, &out);
	} else {
		struct top *src = s->mode == MODE_VECTOR ? &vec : &kw;

		for (int i = 0; i < src->n; i++)
			top_add(&out, src->h[i].rowid, src->h[i].score);
	}
	emit_hits(s, in, q, &out);
done:
	free(vec.h);
	free(kw.h);
	free(out.h);
	return ret;
}

/* Pick the model to compare in: --model, else the one the store holds. */
static void
choose_model(struct search *s)
{
	sqlite3_stmt *st = store_prepare(s->db,
	    "SELECT DISTINCT model FROM chunks WHERE model IS NOT NULL"
	    " ORDER BY model");
	char *list = NULL;
	int n = 0;

	if (s->model == NULL) {
		while (store_step_ok(st) == SQLITE_ROW) {
			const char *m = (const char *)sqlite3_column_text(st,
			    0);
			char *l;

			if (n++ == 0)
				s->model = xstrdup(m);
			if (asprintf(&l, "%s%s%s", list ? list : "",
			    list ? ", " : "", m) < 0)
				die_nomem();
			free(list);
			list = l;
		}
		if (n > 1)
			errx(EXIT_USAGE, "the store holds vectors of several "
			    "models (%s): choose one with --model", list);
	}
	sqlite3_finalize(st);
	free(list);
	if (s->model == NULL)
		return;
	{
		int dim;

		if (hashembed_parse_model(s->model, &dim)) {
			s->hash = hashembed_new(dim);
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
		{ "url", required_argument, NULL, OPT_URL },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
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
	long k = 10;
	int64_t timeout = 60000;

	memset(&s, 0, sizeof(s));
	s.mode = MODE_VECTOR;
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
		case OPT_MODEL:
			model_arg = optarg;
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
	s.timeout_ms = (long)timeout;
	if (model_arg != NULL)
		s.model = xstrdup(model_arg);

	s.db = store_open(db, 0);
	if (s.mode != MODE_KEYWORD) {
		choose_model(&s);
		if (s.model == NULL && s.mode == MODE_VECTOR && s.verbose)
			warnx("the store holds no vectors");
	}
	s.scan = store_prepare(s.db, "SELECT chunk, vector FROM chunks_vectors"
	    " WHERE model = ?1");
	s.fts = store_prepare(s.db, "SELECT rowid, bm25(chunks_fts)"
	    " FROM chunks_fts WHERE chunks_fts MATCH ?1 ORDER BY rank"
	    " LIMIT ?2");
	s.get = store_prepare(s.db, "SELECT c.id, c.item_id, c.n, c.text,"
	    " coalesce(a.url, json_extract(c.record, '$.url')),"
	    " coalesce(a.title, json_extract(c.record, '$.title')),"
	    " coalesce(a.published, json_extract(c.record, '$.published'))"
	    " FROM chunks c LEFT JOIN articles a ON a.id = c.item_id"
	    " WHERE c.rowid = ?1 LIMIT 1");
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
	sqlite3_finalize(s.scan);
	sqlite3_finalize(s.fts);
	sqlite3_finalize(s.get);
	store_close(s.db);
	hashembed_free(s.hash);
	free(s.q);
	free(s.tmp);
	free(s.api_model_buf);
	free((char *)s.model);
	if (sig_caught)
		status = 128 + sig_caught;
	exit_flush(status);
}
