/*
 * embed - add a vector to every record with text: offline feature hashing
 * (hash-v2, with a model trained by embed --train, or hash-v1) or an
 * OpenAI-compatible /embeddings endpoint.  See man/embed.1.
 */
#define _GNU_SOURCE
#include <err.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "embmodel.h"
#include "hashembed.h"
#include "jsonl.h"
#include "jsonscan.h"
#include "openai.h"
#include "ordered.h"
#include "segment.h"
#include "sig.h"
#include "stats.h"
#include "timefmt.h"
#include "util.h"

enum { OPT_BACKEND = OPT_FIRST_PRIVATE, OPT_DIM, OPT_FIELD, OPT_BASE64,
	OPT_URL, OPT_MODEL, OPT_BATCH, OPT_MAXCHARS, OPT_RETRIES,
	OPT_TIMEOUT, OPT_TRAIN, OPT_MODEL_FILE };

/* The weight of the context part of a hash-v2 vector that --train writes
 * into the model (chosen on half the BBC set, bench/RESULTS.md). */
#define CONTEXT_WEIGHT 0.5f

#define DEFAULT_OPENAI_MODEL "text-embedding-3-small"

/* A record waiting for its vector, in input order. */
struct rec {
	struct ordered_item it;	/* the record, in the queue; first */
	float *vec;		/* its vector once known; owned */
	int dim;		/* floats in vec */
};

/* The settled states of a record (it.state). */
enum { REC_READY = ORDERED_WAIT + 1, REC_FAILED, REC_PASS };

/* A request to the server: records items[0..n), in input order. */
struct batch {
	struct embed *e;	/* the program */
	struct ordered_item **items;	/* its records; the array is owned */
	int n;			/* how many */
};

struct embed {
	int openai;		/* --backend openai */
	int dim;		/* --dim, 0 for the backend's default */
	const char *field;	/* --field */
	int base64;		/* --base64 */
	const char *model;	/* embedding_model written */
	const char *api_model;	/* model name sent to the server */
	int batch;		/* --batch */
	size_t max_chars;	/* --max-chars */
	int verbose;		/* -v */
	struct hashembed *hash;	/* the hash backend */
	struct embmodel *hmodel;	/* its trained model, or NULL */
	struct oai *api;	/* the openai backend */
	struct ordered queue;	/* records not yet written */
	float *vec;		/* the hash backend's vector */
	int veccap;		/* its dimension */
	char *line;		/* output line being built */
	size_t linecap;		/* its capacity */
	unsigned long nread, nembedded, npassed, nfailed, ntruncated;
	unsigned long nbytes;	/* text bytes embedded */
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: embed [--backend hash|openai] [--dim N] "
	    "[--field F] [--base64] [--url URL]\n"
	    "             [--model NAME] [--model-file FILE] [--batch N] [-j N] "
	    "[--max-chars N]\n"
	    "             [--retries N] [--timeout DURATION] [-v]\n"
	    "       embed --train FILE [--dim N] [--field F] [-v]\n");
	exit(status);
}

/* ---- output ---- */

static void
line_reserve(struct embed *e, size_t len, size_t more)
{
	if (len + more > e->linecap) {
		e->linecap = (len + more) * 2;
		e->line = xrealloc(e->line, e->linecap);
	}
}

/* A float as JSON: at most 9 decimals, exact enough for float32 in [-1,1]
 * and the same text on every machine. */
static size_t
format_float(char *out, float f)
{
	double x = f, ax = fabs(x);
	char *p = out;
	long long v;

	if (!isfinite(x))
		return (size_t)sprintf(out, "0");
	if (ax >= 1.0)
		return (size_t)sprintf(out, "%.9g", x);
	v = (long long)(ax * 1e9 + 0.5);
	if (v == 0)
		return (size_t)sprintf(out, "0");
	if (v >= 1000000000LL)
		return (size_t)sprintf(out, x < 0 ? "-1" : "1");
	if (x < 0)
		*p++ = '-';
	*p++ = '0';
	*p++ = '.';
	for (int i = 8; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	p += 9;
	while (p[-1] == '0')
		p--;
	return (size_t)(p - out);
}

/*
 * Write the record s[0..len), which ends with its closing brace and has no
 * embedding fields, with "embedding" and "embedding_model" added.
 */
static void
write_vector(struct embed *e, const char *s, size_t len, const float *vec,
    int dim)
{
	size_t n;

	/* the record without its closing brace, then the two fields */
	line_reserve(e, 0, len + (size_t)dim * 16 + strlen(e->model) + 64);
	n = len - 1;
	memcpy(e->line, s, n);
	while (n > 0 && (e->line[n - 1] == ' ' || e->line[n - 1] == '\t'))
		n--;
	if (n > 1)
		e->line[n++] = ',';
	memcpy(e->line + n, "\"embedding\":", 12);
	n += 12;
	if (e->base64) {
		unsigned char buf[12];
		size_t k = 0;

		/* little-endian float32, 3 floats (16 characters) at a time */
		e->line[n++] = '"';
		for (int i = 0; i < dim; i++) {
			uint32_t u;

			memcpy(&u, &vec[i], 4);
			for (int j = 0; j < 4; j++)
				buf[k++] = (unsigned char)(u >> (8 * j));
			if (k == sizeof(buf)) {
				n += base64_encode(e->line + n, buf, k);
				k = 0;
			}
		}
		n += base64_encode(e->line + n, buf, k);
		e->line[n++] = '"';
	} else {
		e->line[n++] = '[';
		for (int i = 0; i < dim; i++) {
			if (i > 0)
				e->line[n++] = ',';
			n += format_float(e->line + n, vec[i]);
		}
		e->line[n++] = ']';
	}
	n += (size_t)sprintf(e->line + n, ",\"embedding_model\":");
	{
		json_object *m = json_object_new_string(e->model);
		const char *ms = jsonl_text(m, &len);

		memcpy(e->line + n, ms, len);
		n += len;
		json_object_put(m);
	}
	e->line[n++] = '}';
	e->line[n++] = '\n';
	fwrite(e->line, 1, n, stdout);
}

/* Write o with "embedding" and "embedding_model" set to vec. */
static void
write_embedded(struct embed *e, json_object *o, const float *vec, int dim)
{
	const char *s;
	size_t len;

	json_object_object_del(o, "embedding");
	json_object_object_del(o, "embedding_model");
	s = jsonl_text(o, &len);
	write_vector(e, s, len, vec, dim);
}

/*
 * The hash backend's fast path: the current line is scanned, not built;
 * a record with no embedding fields yet is written as it came with the
 * two fields added.
 */
static void
hash_line(struct embed *e, struct jsonl_reader *r)
{
	struct jscan_field f[3] = { { .key = e->field },
	    { .key = "embedding" }, { .key = "embedding_model" } };
	char *tmp = NULL;
	const char *text;
	size_t len;

	if (!jsonl_scan(r, f, 3))
		return;
	if (!f[0].found || !f[0].is_string) {
		fwrite(r->line, 1, r->len, stdout);
		putc('\n', stdout);
		e->npassed++;
		return;
	}
	if (f[0].escaped) {
		text = tmp = jscan_string(&f[0]);
		len = strlen(tmp);
	} else {
		text = f[0].val;
		len = f[0].len;
	}
	if (e->veccap < hashembed_dim(e->hash)) {
		e->veccap = hashembed_dim(e->hash);
		free(e->vec);
		e->vec = xmalloc((size_t)e->veccap * sizeof(float));
	}
	hashembed_vector(e->hash, text, len, e->vec);
	e->nbytes += len;
	e->nembedded++;
	free(tmp);
	if (f[1].found || f[2].found) {
		json_object *o = jsonl_parse(r);

		if (o != NULL) {
			write_embedded(e, o, e->vec, e->veccap);
			json_object_put(o);
		}
		return;
	}
	len = r->len;
	while (len > 0 && r->line[len - 1] != '}')
		len--;
	write_vector(e, r->line, len, e->vec, e->veccap);
}

/* Write a settled record (ordered_write_fn); a failed one is left out. */
static void
write_rec(void *arg, struct ordered_item *it)
{
	struct embed *e = arg;
	struct rec *r = (struct rec *)it;

	if (it->state == REC_READY) {
		write_embedded(e, it->o, r->vec, r->dim);
		e->nembedded++;
	} else if (it->state == REC_PASS) {
		jsonl_write(stdout, it->o);
		e->npassed++;
	}
	free(r->vec);
}

/* Write the records at the head of the queue that are settled. */
static void
drain(struct embed *e)
{
	ordered_drain(&e->queue);
	fflush(stdout);
}

/* ---- openai ---- */

/* The text to send: at most max_chars characters, cut at a space. */
static size_t
clip(struct embed *e, const char *s, size_t len)
{
	int cut;
	size_t keep = seg_clip(s, len, e->max_chars, &cut);

	e->ntruncated += (unsigned long)cut;
	return keep;
}

/* Record i of batch b. */
static struct rec *
brec(const struct batch *b, int i)
{
	return (struct rec *)b->items[i];
}

static const char *
batch_first_id(struct batch *b)
{
	const char *id = json_get_string(b->items[0]->o, "id");

	return id ? id : "?";
}

static void
batch_fail(struct batch *b, const char *why)
{
	const char *last = json_get_string(b->items[b->n - 1]->o, "id");

	warnx("batch of %d record%s (%s .. %s) failed: %s", b->n,
	    b->n == 1 ? "" : "s", batch_first_id(b), last ? last : "?", why);
	for (int i = 0; i < b->n; i++)
		b->items[i]->state = REC_FAILED;
	b->e->nfailed += (unsigned long)b->n;
}

static void
batch_done(void *arg, json_object *resp, const char *error)
{
	struct batch *b = arg;
	json_object *data, *item, *emb, *idx;
	char why[128];
	int dim = -1;

	if (resp == NULL) {
		batch_fail(b, error);
		goto out;
	}
	if (!json_object_object_get_ex(resp, "data", &data) ||
	    !json_object_is_type(data, json_type_array) ||
	    (int)json_object_array_length(data) != b->n) {
		batch_fail(b, "malformed answer: no data array of one "
		    "embedding per input");
		goto out;
	}
	for (int i = 0; i < b->n; i++) {
		int at = i, n;

		item = json_object_array_get_idx(data, (size_t)i);
		if (json_object_object_get_ex(item, "index", &idx) &&
		    json_object_is_type(idx, json_type_int))
			at = json_object_get_int(idx);
		if (at < 0 || at >= b->n || brec(b, at)->vec != NULL) {
			batch_fail(b, "malformed answer: bad index");
			goto out;
		}
		if (!json_object_object_get_ex(item, "embedding", &emb) ||
		    !json_object_is_type(emb, json_type_array) ||
		    (n = (int)json_object_array_length(emb)) == 0 ||
		    (dim >= 0 && n != dim)) {
			snprintf(why, sizeof(why), "malformed answer: "
			    "embedding %d is not an array of %s numbers", i,
			    dim >= 0 ? "as many" : "");
			batch_fail(b, why);
			goto out;
		}
		dim = n;
		brec(b, at)->vec = xmalloc((size_t)n * sizeof(float));
		brec(b, at)->dim = n;
		for (int k = 0; k < n; k++) {
			json_object *v = json_object_array_get_idx(emb,
			    (size_t)k);

			if (!json_object_is_type(v, json_type_double) &&
			    !json_object_is_type(v, json_type_int)) {
				batch_fail(b, "malformed answer: embedding "
				    "holds a non-number");
				goto out;
			}
			brec(b, at)->vec[k] = (float)json_object_get_double(v);
		}
	}
	for (int i = 0; i < b->n; i++)
		b->items[i]->state = REC_READY;
out:
	for (int i = 0; i < b->n; i++)
		if (b->items[i]->state == REC_FAILED) {
			free(brec(b, i)->vec);
			brec(b, i)->vec = NULL;
		}
	free(b->items);
	free(b);
}

/* Send a batch of records (ordered_send_fn). */
static void
submit(void *arg, struct ordered_item **items, int n)
{
	struct embed *e = arg;
	struct batch *b;
	json_object *req, *input;
	const char *body;
	size_t len;

	b = xcalloc(1, sizeof(*b));
	b->e = e;
	b->items = items;
	b->n = n;
	req = json_object_new_object();
	json_object_object_add(req, "model",
	    json_object_new_string(e->api_model));
	input = json_object_new_array_ext(b->n);
	for (int i = 0; i < b->n; i++) {
		const char *t = json_get_string(b->items[i]->o, e->field);
		size_t tl = strlen(t);

		e->nbytes += tl;
		json_object_array_add(input,
		    json_object_new_string_len(t, (int)clip(e, t, tl)));
	}
	json_object_object_add(req, "input", input);
	json_object_object_add(req, "encoding_format",
	    json_object_new_string("float"));
	if (e->dim > 0)
		json_object_object_add(req, "dimensions",
		    json_object_new_int(e->dim));
	body = jsonl_text(req, &len);
	oai_post(e->api, "/embeddings", body, len, batch_done, b);
	json_object_put(req);
}

/* ---- the hash backend's model ---- */

/* --train: the model of the texts on stdin, written to path; the exit
 * status. */
static int
train(struct embed *e, const char *path)
{
	struct embtrain *t = embtrain_new(e->dim > 0 ? e->dim : HASHEMBED_DIM);
	struct jsonl_reader r;
	int status = EXIT_OK;

	jsonl_init(&r, stdin, "stdin");
	while (!sig_caught && jsonl_next_line(&r) != NULL) {
		struct jscan_field f = { .key = e->field };
		char *tmp;

		e->nread++;
		if (!jsonl_scan(&r, &f, 1) || !f.found || !f.is_string)
			continue;
		if (f.escaped) {
			tmp = jscan_string(&f);
			embtrain_add(t, tmp, strlen(tmp));
			free(tmp);
		} else
			embtrain_add(t, f.val, f.len);
		e->nbytes += f.len;
	}
	if (sig_caught)
		status = 128 + sig_caught;
	else if (embtrain_docs(t) == 0) {
		warnx("--train: no text in the input: no model written");
		status = EXIT_FATAL;
	} else if (embtrain_write(t, path, CONTEXT_WEIGHT) != 0) {
		warn("%s", path);
		status = EXIT_FATAL;
	} else if (e->verbose)
		warnx("%s: trained on %zu texts (%lu records read, %.1f MB)",
		    path, embtrain_docs(t), e->nread, (double)e->nbytes / 1e6);
	if (status == EXIT_OK && (r.bad > 0 || r.error != 0))
		status = EXIT_PARTIAL;
	jsonl_free(&r);
	embtrain_free(t);
	return status;
}

/*
 * The hash backend for --model name (or NULL) and the model file (or
 * NULL): hash-v1 or hash-v3 when named, else hash-v2 trained when there
 * is a file, hash-v2 when named, hash-v3 (the default) when nothing is.
 * explicit: the file was given with --model-file, not $JOBLINE_EMBED_MODEL.
 */
static void
hash_open(struct embed *e, const char *name, const char *file, int explicit)
{
	const char *digest = NULL;
	int dim = e->dim > 0 ? e->dim : HASHEMBED_DIM;
	int v = name == NULL ? (file != NULL ? 2 : 3) :
	    hashembed_parse_name(name, &dim, &digest);
	char why[256];

	if (v == 0 || (e->dim > 0 && dim != e->dim)) {
		warnx("%s: not a model of the hash backend (hash-v3-DIM, "
		    "hash-v2-DIM, hash-v2-DIM@DIGEST or hash-v1-DIM)", name);
		usage(stderr, EXIT_USAGE);
	}
	if (v == 1 || v == 3) {
		if (explicit)
			errx(EXIT_USAGE, "--model-file is for hash-v2 models, "
			    "not %s", name);
		e->hash = v == 1 ? hashembed_new(dim) : hashembed_new_v3(dim);
		return;
	}
	if (file == NULL) {
		if (digest != NULL)
			errx(EXIT_USAGE, "%s: a trained model: give its file "
			    "with --model-file", name);
		e->hash = hashembed_new_v2(dim, NULL);
		return;
	}
	if ((e->hmodel = embmodel_load(file, why, sizeof(why))) == NULL)
		errx(EXIT_FATAL, "%s: %s", file, why);
	if ((e->dim > 0 || (name != NULL && digest == NULL)) &&
	    embmodel_dim(e->hmodel) != dim)
		errx(EXIT_USAGE, "%s: a model of %d dimensions, not %d", file,
		    embmodel_dim(e->hmodel), dim);
	if (digest != NULL && strcmp(digest, embmodel_digest(e->hmodel)) != 0)
		errx(EXIT_USAGE, "%s: model hash-v2-%d@%s, not %s", file,
		    embmodel_dim(e->hmodel), embmodel_digest(e->hmodel), name);
	e->hash = hashembed_new_v2(0, e->hmodel);
}

/* ---- input ---- */

/* Queue o for the openai backend; one without text passes. */
static void
take(struct embed *e, json_object *o)
{
	struct ordered_item *it = ordered_push(&e->queue, o);
	const char *text = json_get_string(o, e->field);

	if (text == NULL || *text == '\0')
		it->state = REC_PASS;
	else
		ordered_join(&e->queue, it);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "dim", required_argument, NULL, OPT_DIM },
		{ "field", required_argument, NULL, OPT_FIELD },
		{ "base64", no_argument, NULL, OPT_BASE64 },
		{ "url", required_argument, NULL, OPT_URL },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "model-file", required_argument, NULL, OPT_MODEL_FILE },
		{ "train", required_argument, NULL, OPT_TRAIN },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "jobs", required_argument, NULL, 'j' },
		{ "max-chars", required_argument, NULL, OPT_MAXCHARS },
		{ "retries", required_argument, NULL, OPT_RETRIES },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct embed e;
	struct jsonl_reader r;
	json_object *o;
	const char *url = NULL, *model = NULL, *model_file = NULL;
	const char *train_file = NULL;
	char *modelbuf = NULL;
	int ch, jobs = 4, retries = 5, status = EXIT_OK, show_progress;
	int64_t timeout = 120000, last_progress = 0, t0;

	memset(&e, 0, sizeof(e));
	e.field = "text";
	e.batch = 100;
	e.max_chars = 8000;
	while ((ch = getopt_long(argc, argv, "j:vqh", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_BACKEND:
			if (strcmp(optarg, "openai") == 0)
				e.openai = 1;
			else if (strcmp(optarg, "hash") == 0)
				e.openai = 0;
			else {
				warnx("--backend takes hash or openai");
				usage(stderr, EXIT_USAGE);
			}
			break;
		case OPT_DIM:
			e.dim = opt_number("dim", optarg,
			    1, HASHEMBED_MAXDIM, usage);
			break;
		case OPT_FIELD:
			e.field = optarg;
			break;
		case OPT_BASE64:
			e.base64 = 1;
			break;
		case OPT_URL:
			url = optarg;
			break;
		case OPT_MODEL:
			model = optarg;
			break;
		case OPT_MODEL_FILE:
			model_file = optarg;
			break;
		case OPT_TRAIN:
			train_file = optarg;
			break;
		case OPT_BATCH:
			e.batch = opt_number("batch", optarg, 1, 100000, usage);
			break;
		case 'j':
			jobs = opt_jobs(optarg, usage);
			break;
		case OPT_MAXCHARS:
			e.max_chars = (size_t)opt_number("max-chars", optarg, 1,
			    100000000, usage);
			break;
		case OPT_RETRIES:
			retries = opt_number("retries", optarg, 0, 100, usage);
			break;
		case OPT_TIMEOUT:
			timeout = opt_duration("timeout", optarg, 1, usage);
			break;
		case 'v':
			e.verbose = 1;
			break;
		case 'q':
			e.verbose = 0;
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
	if (optind != argc)
		usage(stderr, EXIT_USAGE);
	if (train_file != NULL) {
		if (e.openai || model != NULL || model_file != NULL)
			errx(EXIT_USAGE, "--train makes a model of the hash "
			    "backend: no --backend openai, --model or "
			    "--model-file");
		sig_catch();
		exit_flush(train(&e, train_file));
	}

	if (e.openai) {
		e.api_model = model ? model : DEFAULT_OPENAI_MODEL;
		/* the dimension is part of the vector space's name */
		if (e.dim > 0) {
			if (asprintf(&modelbuf, "%s@%d", e.api_model,
			    e.dim) < 0)
				die_nomem();
			e.model = modelbuf;
		} else
			e.model = e.api_model;
		e.api = oai_new(url, jobs);
		oai_set_retries(e.api, retries);
		oai_set_timeout(e.api, (long)timeout);
		ordered_init(&e.queue, e.batch, sizeof(struct rec), submit,
		    write_rec, &e);
	} else {
		const char *env = getenv("JOBLINE_EMBED_MODEL");

		if (model_file == NULL && env != NULL && *env != '\0')
			hash_open(&e, model, env, 0);
		else
			hash_open(&e, model, model_file, model_file != NULL);
		e.model = hashembed_model(e.hash);
	}

	sig_catch();
	show_progress = progress_wanted();
	t0 = time_mono();
	jsonl_init(&r, stdin, "stdin");
	while (!sig_caught && !e.openai && jsonl_next_line(&r) != NULL) {
		e.nread++;
		hash_line(&e, &r);
		fflush(stdout);
		if (show_progress) {
			int64_t now = time_mono();

			if (now - last_progress >= 200) {
				fprintf(stderr, "\rembed: %lu read, %lu embedded",
				    e.nread, e.nembedded);
				last_progress = now;
			}
		}
	}
	while (!sig_caught && e.openai) {
		/* keep the requests going while the input is slow to come */
		while (oai_pending(e.api) > 0 && !jsonl_ready(stdin)) {
			oai_wait(e.api, fileno(stdin));
			drain(&e);
		}
		if ((o = jsonl_next(&r)) == NULL)
			break;
		e.nread++;
		take(&e, o);
		while (oai_room(e.api) == 0 && oai_pending(e.api) > 0)
			oai_run(e.api);
		drain(&e);
		if (show_progress) {
			int64_t now = time_mono();

			if (now - last_progress >= 200) {
				fprintf(stderr, "\rembed: %lu read, %lu embedded",
				    e.nread, e.nembedded);
				last_progress = now;
			}
		}
	}
	if (e.openai) {
		ordered_flush(&e.queue);
		while (oai_pending(e.api) > 0) {
			oai_run(e.api);
			drain(&e);
		}
	}
	drain(&e);
	if (show_progress)
		fprintf(stderr, "\rembed: %lu read, %lu embedded\n", e.nread,
		    e.nembedded);
	if (e.verbose) {
		double secs = (double)(time_mono() - t0) / 1000.0;

		warnx("%lu read, %lu embedded (%s), %lu passed without text, "
		    "%lu failed, %lu truncated, %lu bad; %.1f MB of text in "
		    "%.2fs", e.nread, e.nembedded, e.model, e.npassed,
		    e.nfailed, e.ntruncated, r.bad, (double)e.nbytes / 1e6,
		    secs);
	}
	stats_add("embed_read", (int64_t)e.nread);
	stats_add("embedded", (int64_t)e.nembedded);
	stats_add("embed_failed", (int64_t)e.nfailed);
	stats_add("embed_truncated", (int64_t)e.ntruncated);
	stats_add("embed_bytes", (int64_t)e.nbytes);
	stats_flush();
	if (r.bad > 0 || r.error != 0 || e.nfailed > 0)
		status = EXIT_PARTIAL;
	jsonl_free(&r);
	oai_free(e.api);
	hashembed_free(e.hash);
	embmodel_free(e.hmodel);
	ordered_free(&e.queue);
	free(e.line);
	free(e.vec);
	free(modelbuf);
	if (sig_caught)
		status = 128 + sig_caught;
	exit_flush(status);
}
