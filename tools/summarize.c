/*
 * summarize - add a short summary (synopsis) to every article: the most
 * central sentences offline, or an OpenAI-compatible chat model.
 * See man/summarize.1.
 */
#define _GNU_SOURCE
#include <err.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "jsonl.h"
#include "jsonscan.h"
#include "openai.h"
#include "ordered.h"
#include "segment.h"
#include "sig.h"
#include "stats.h"
#include "timefmt.h"
#include "util.h"

enum { OPT_SENTENCES = OPT_FIRST_PRIVATE, OPT_CHARS, OPT_FIELD,
	OPT_BACKEND, OPT_URL, OPT_MODEL, OPT_BATCH, OPT_MAXCHARS,
	OPT_RETRIES, OPT_TIMEOUT };

#define DEFAULT_OPENAI_MODEL "gpt-4o-mini"
#define OUT_FIELD "synopsis"		/* the field summarize adds */
#define SOURCE_FIELD "synopsis_source"	/* and where it came from */
#define TITLE_BUDGET 300	/* characters of a title sent to the model */
#define ANSWER_RETRIES 2	/* asks again after a malformed answer */


/* A record waiting for its synopsis (openai), in input order. */
struct rec {
	struct ordered_item it;	/* the record, in the queue; first */
	const char *title;	/* its title, owned by o, or NULL */
	const char *text;	/* its text, owned by o */
	size_t tlen, len;	/* their lengths */
	char *syn;		/* the model's summary once known; owned */
};

/* The settled states of a record (it.state). */
enum { REC_READY = ORDERED_WAIT + 1, REC_FALLBACK, REC_PASS };

/* A request to the model: records items[0..n), ids 1..n in the prompt. */
struct batch {
	struct summ *sm;	/* the program */
	struct ordered_item **items;	/* its records; the array is owned */
	int n;			/* how many */
	char *body;		/* the request, kept to ask again; owned */
	size_t len;		/* its length */
	int attempts;		/* answers received so far */
};

struct summ {
	int sentences;		/* --sentences */
	size_t chars;		/* --chars */
	const char *field;	/* --field, or NULL: content, else summary */
	int openai;		/* --backend openai */
	int batch;		/* --batch */
	size_t max_chars;	/* --max-chars: text sent per article */
	int verbose;		/* -v */
	const char *model;	/* model name sent to the server */
	char *source;		/* "openai:MODEL"; owned */
	struct oai *api;	/* the openai backend */
	struct extract *x;	/* the extractive summariser */
	struct ordered queue;	/* records not yet written */
	unsigned long nread, nextract, nmodel, nfallback, npassed;
	unsigned long ntruncated, nbytes;	/* counters */
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: summarize [--sentences N] [--chars N] [--field F] "
	    "[--backend extractive|openai]\n"
	    "                 [--url URL] [--model NAME] [--batch N] [-j N] "
	    "[--max-chars N]\n"
	    "                 [--retries N] [--timeout DURATION] [-v]\n");
	exit(status);
}

/* ---- records ---- */

/* The text to summarize (borrowed from o) and the title; NULL if none. */
static const char *
record_text(struct summ *sm, json_object *o, size_t *len,
    const char **title, size_t *tlen)
{
	json_object *v;
	const char *t = NULL;

	*title = NULL;
	*tlen = 0;
	if (json_object_object_get_ex(o, "title", &v) &&
	    json_object_is_type(v, json_type_string)) {
		*title = json_object_get_string(v);
		*tlen = (size_t)json_object_get_string_len(v);
	}
	if (sm->field != NULL) {
		if (json_object_object_get_ex(o, sm->field, &v) &&
		    json_object_is_type(v, json_type_string))
			t = json_object_get_string(v);
	} else if (json_object_object_get_ex(o, "content", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) > 0)
		t = json_object_get_string(v);
	else if (json_object_object_get_ex(o, "summary", &v) &&
	    json_object_is_type(v, json_type_string))
		t = json_object_get_string(v);
	if (t == NULL)
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	for (size_t i = 0; i < *len;) {
		int cp;
		size_t k = seg_decode(t + i, *len - i, &cp);

		if (!seg_is_space(cp))
			return t;
		i += k;
	}
	return NULL;		/* only whitespace */
}

static void
write_with(json_object *o, const char *syn, size_t len, const char *source)
{
	json_object_object_add(o, OUT_FIELD,
	    json_object_new_string_len(syn, (int)len));
	json_object_object_add(o, SOURCE_FIELD,
	    json_object_new_string(source));
	jsonl_write(stdout, o);
}

/* The extractive path: summarize o and write it. */
static void
do_extractive(struct summ *sm, json_object *o)
{
	const char *title, *text;
	size_t tlen, len;

	text = record_text(sm, o, &len, &title, &tlen);
	if (text == NULL || !extract_text(sm->x, title, tlen, text, len)) {
		sm->npassed++;
		jsonl_write(stdout, o);
		return;
	}
	sm->nbytes += len;
	sm->nextract++;
	write_with(o, sm->x->out, sm->x->outlen, "extractive");
}

/*
 * The fast path of the extractive backend: the line is scanned, not built
 * (lib/jsonscan), and written as it came with the two fields added before
 * its closing brace.  A record that already has one of them goes the
 * json-c way, which replaces it in place.
 */
enum { F_TITLE, F_CONTENT, F_SUMMARY, F_SYN, F_SRC, F_FIELD, F_COUNT };

/* A scanned string field: its text (unescaped into *owned when needed). */
static const char *
scanned(struct jscan_field *f, size_t *len, char **owned)
{
	*owned = NULL;
	if (!f->found || !f->is_string)
		return NULL;
	if (!f->escaped) {
		*len = f->len;
		return f->val;
	}
	*owned = jscan_string(f);
	*len = strlen(*owned);
	return *owned;
}

static int
is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		int cp;
		size_t k = seg_decode(s + i, len - i, &cp);

		if (!seg_is_space(cp))
			return 0;
		i += k;
	}
	return 1;
}

static void
extractive_line(struct summ *sm, struct jsonl_reader *r)
{
	struct jscan_field f[F_COUNT] = {
		[F_TITLE] = { .key = "title" },
		[F_CONTENT] = { .key = "content" },
		[F_SUMMARY] = { .key = "summary" },
		[F_SYN] = { .key = OUT_FIELD },
		[F_SRC] = { .key = SOURCE_FIELD },
		[F_FIELD] = { .key = sm->field },
	};
	const char *title, *text = NULL;
	char *otitle = NULL, *otext = NULL;
	size_t tlen = 0, len = 0, end;
	int nf = sm->field != NULL ? F_COUNT : F_FIELD;

	if (!jsonl_scan(r, f, nf))
		return;
	if (f[F_SYN].found || f[F_SRC].found) {
		json_object *o = jsonl_parse(r);

		if (o != NULL) {
			do_extractive(sm, o);
			json_object_put(o);
		}
		return;
	}
	title = scanned(&f[F_TITLE], &tlen, &otitle);
	if (sm->field != NULL)
		text = scanned(&f[F_FIELD], &len, &otext);
	else if (f[F_CONTENT].found && f[F_CONTENT].is_string &&
	    f[F_CONTENT].len > 0)
		text = scanned(&f[F_CONTENT], &len, &otext);
	else
		text = scanned(&f[F_SUMMARY], &len, &otext);
	end = r->len;
	while (end > 0 && r->line[end - 1] != '}')
		end--;
	if (text == NULL || is_blank(text, len) ||
	    !extract_text(sm->x, title, tlen, text, len)) {
		sm->npassed++;
		fwrite(r->line, 1, end, stdout);
		putc('\n', stdout);
		goto out;
	}
	sm->nbytes += len;
	sm->nextract++;
	/* the record up to its closing brace, a comma unless it is empty */
	{
		size_t k = end - 1;

		fwrite(r->line, 1, k, stdout);
		while (k > 0 && (r->line[k - 1] == ' ' || r->line[k - 1] == '\t'
		    || r->line[k - 1] == '\r' || r->line[k - 1] == '\n'))
			k--;
		if (r->line[k - 1] != '{')
			putc(',', stdout);
	}
	fputs("\"" OUT_FIELD "\":", stdout);
	jsonl_put_string(stdout, sm->x->out, sm->x->outlen);
	fputs(",\"" SOURCE_FIELD "\":\"extractive\"}\n", stdout);
out:
	free(otitle);
	free(otext);
}

/* ---- openai ---- */

static const char *
rec_id(const struct rec *r)
{
	const char *id = json_get_string(r->it.o, "id");

	return id ? id : "?";
}

/* Record i of batch b. */
static struct rec *
brec(const struct batch *b, int i)
{
	return (struct rec *)b->items[i];
}

static void
batch_free(struct batch *b)
{
	free(b->items);
	free(b->body);
	free(b);
}

/* Records of b without a summary fall back to extractive; say so. */
static void
batch_fallback(struct batch *b, const char *why)
{
	int missing = 0;

	for (int i = 0; i < b->n; i++)
		if (brec(b, i)->syn == NULL) {
			brec(b, i)->it.state = REC_FALLBACK;
			missing++;
		} else
			brec(b, i)->it.state = REC_READY;
	if (b->n == 1)
		warnx("article %s: %s; extractive fallback", rec_id(brec(b, 0)),
		    why);
	else
		warnx("batch of %d articles (%s .. %s): %s; extractive "
		    "fallback for %d", b->n, rec_id(brec(b, 0)),
		    rec_id(brec(b, b->n - 1)), why, missing);
}

/*
 * Read an answer's summaries into the batch's records: entries with a
 * known id (a number or a string of digits) and a non-empty summary.
 * Returns NULL when every record has one, else why not.
 */
static const char *
take_answer(struct batch *b, json_object *resp, char *why, size_t whylen)
{
	json_object *choices, *msg, *content, *ans, *list;
	const char *s, *open, *close;
	enum json_tokener_error jerr;
	json_tokener *tok;
	int missing = 0, cut;

	if (!json_object_object_get_ex(resp, "choices", &choices) ||
	    !json_object_is_type(choices, json_type_array) ||
	    json_object_array_length(choices) < 1 ||
	    !json_object_object_get_ex(json_object_array_get_idx(choices, 0),
	    "message", &msg) ||
	    !json_object_object_get_ex(msg, "content", &content) ||
	    !json_object_is_type(content, json_type_string))
		return "malformed answer: no choices[0].message.content";
	/* the JSON object inside, past any code fence or preamble */
	s = json_object_get_string(content);
	open = strchr(s, '{');
	close = strrchr(s, '}');
	if (open == NULL || close == NULL || close < open)
		return "malformed answer: no JSON object in the content";
	if ((tok = json_tokener_new()) == NULL)
		die_nomem();
	ans = json_tokener_parse_ex(tok, open, (int)(close - open + 1));
	jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (ans == NULL || jerr != json_tokener_success ||
	    !json_object_is_type(ans, json_type_object) ||
	    !json_object_object_get_ex(ans, "summaries", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		json_object_put(ans);
		return "malformed answer: content is not "
		    "{\"summaries\": [...]}";
	}
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i), *id, *sv;
		long k = -1;

		if (!json_object_is_type(e, json_type_object) ||
		    !json_object_object_get_ex(e, "id", &id) ||
		    !json_object_object_get_ex(e, "summary", &sv) ||
		    !json_object_is_type(sv, json_type_string))
			continue;
		if (json_object_is_type(id, json_type_int))
			k = (long)json_object_get_int64(id);
		else if (json_object_is_type(id, json_type_string) &&
		    !parse_long(json_object_get_string(id), 1, b->n, &k))
			k = -1;
		if (k < 1 || k > b->n || brec(b, k - 1)->syn != NULL)
			continue;
		brec(b, k - 1)->syn = extract_clean(b->sm->x,
		    json_object_get_string(sv),
		    (size_t)json_object_get_string_len(sv), &cut);
		b->sm->ntruncated += (unsigned long)cut;
	}
	json_object_put(ans);
	for (int i = 0; i < b->n; i++)
		missing += brec(b, i)->syn == NULL;
	if (missing == 0)
		return NULL;
	snprintf(why, whylen, "partial answer: no summary for %d of %d "
	    "article%s", missing, b->n, b->n == 1 ? "" : "s");
	return why;
}

static void batch_done(void *arg, json_object *resp, const char *error);

static void
batch_send(struct batch *b)
{
	oai_post(b->sm->api, "/chat/completions", b->body, b->len, batch_done,
	    b);
}

static void
batch_done(void *arg, json_object *resp, const char *error)
{
	struct batch *b = arg;
	char why[160];
	const char *bad;

	b->attempts++;
	if (resp == NULL) {
		/* the client retried transport errors, 429 and 5xx already */
		if (strstr(error, "malformed answer") == NULL) {
			batch_fallback(b, error);
			batch_free(b);
			return;
		}
		bad = error;
	} else if ((bad = take_answer(b, resp, why, sizeof(why))) == NULL) {
		for (int i = 0; i < b->n; i++)
			brec(b, i)->it.state = REC_READY;
		batch_free(b);
		return;
	}
	if (b->attempts <= ANSWER_RETRIES) {
		if (b->sm->verbose)
			warnx("%s; asking again", bad);
		stats_add("summarize_answer_retries", 1);
		batch_send(b);
		return;
	}
	{
		char final[400];

		snprintf(final, sizeof(final), "%s (after %d attempts)", bad,
		    b->attempts);
		batch_fallback(b, final);
	}
	batch_free(b);
}

static const char *system_prompt =
    "You write short summaries of news articles. The user sends a JSON "
    "object {\"articles\": [{\"id\": N, \"title\": \"...\", \"text\": "
    "\"...\"}]}. For every article write a factual summary in the "
    "article's own language, of at most %d sentence%s and at most %zu "
    "characters: plain text, no markdown, no preamble, nothing that is not "
    "in the article. Answer with only this JSON object, one entry per "
    "article, with the article's id: {\"summaries\": [{\"id\": N, "
    "\"summary\": \"...\"}]}";

/* Send a batch of records (ordered_send_fn). */
static void
submit(void *arg, struct ordered_item **items, int n)
{
	struct summ *sm = arg;
	struct batch *b;
	json_object *req, *msgs, *m, *user, *arts;
	char *sys;
	const char *s;
	size_t len;
	int cut;

	b = xcalloc(1, sizeof(*b));
	b->sm = sm;
	b->items = items;
	b->n = n;

	user = json_object_new_object();
	arts = json_object_new_array_ext(b->n);
	for (int i = 0; i < b->n; i++) {
		struct rec *r = brec(b, i);
		json_object *a = json_object_new_object();
		size_t keep;

		json_object_object_add(a, "id", json_object_new_int(i + 1));
		if (r->title != NULL && r->tlen > 0)
			json_object_object_add(a, "title",
			    json_object_new_string_len(r->title,
			    (int)seg_clip(r->title, r->tlen, TITLE_BUDGET,
			    &cut)));
		keep = seg_clip(r->text, r->len, sm->max_chars, &cut);
		if (cut)
			sm->ntruncated++;
		json_object_object_add(a, "text",
		    json_object_new_string_len(r->text, (int)keep));
		json_object_array_add(arts, a);
		sm->nbytes += r->len;
	}
	json_object_object_add(user, "articles", arts);

	if (asprintf(&sys, system_prompt, sm->sentences,
	    sm->sentences == 1 ? "" : "s", sm->chars) < 0)
		die_nomem();
	req = json_object_new_object();
	json_object_object_add(req, "model", json_object_new_string(sm->model));
	msgs = json_object_new_array_ext(2);
	m = json_object_new_object();
	json_object_object_add(m, "role", json_object_new_string("system"));
	json_object_object_add(m, "content", json_object_new_string(sys));
	json_object_array_add(msgs, m);
	m = json_object_new_object();
	json_object_object_add(m, "role", json_object_new_string("user"));
	s = jsonl_text(user, &len);
	json_object_object_add(m, "content",
	    json_object_new_string_len(s, (int)len));
	json_object_array_add(msgs, m);
	json_object_object_add(req, "messages", msgs);
	m = json_object_new_object();
	json_object_object_add(m, "type", json_object_new_string(
	    "json_object"));
	json_object_object_add(req, "response_format", m);
	s = jsonl_text(req, &len);
	b->body = xstrndup(s, len);
	b->len = len;
	json_object_put(req);
	json_object_put(user);
	free(sys);
	batch_send(b);
}

/* Write a settled record (ordered_write_fn). */
static void
write_rec(void *arg, struct ordered_item *it)
{
	struct summ *sm = arg;
	struct rec *r = (struct rec *)it;

	if (it->state == REC_READY) {
		write_with(it->o, r->syn, strlen(r->syn), sm->source);
		sm->nmodel++;
	} else if (it->state == REC_FALLBACK) {
		extract_text(sm->x, r->title, r->tlen, r->text, r->len);
		write_with(it->o, sm->x->out, sm->x->outlen,
		    "extractive-fallback");
		sm->nfallback++;
	} else {
		jsonl_write(stdout, it->o);
		sm->npassed++;
	}
	free(r->syn);
}

static void
take(struct summ *sm, json_object *o)
{
	struct rec *r = (struct rec *)ordered_push(&sm->queue, o);

	r->text = record_text(sm, o, &r->len, &r->title, &r->tlen);
	if (r->text == NULL)
		r->it.state = REC_PASS;
	else
		ordered_join(&sm->queue, &r->it);
}

/* ---- main ---- */

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "sentences", required_argument, NULL, OPT_SENTENCES },
		{ "chars", required_argument, NULL, OPT_CHARS },
		{ "field", required_argument, NULL, OPT_FIELD },
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "url", required_argument, NULL, OPT_URL },
		{ "model", required_argument, NULL, OPT_MODEL },
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
	struct summ sm;
	struct jsonl_reader r;
	json_object *o;
	const char *url = NULL;
	int ch, jobs = 2, retries = 5, status = EXIT_OK, show_progress;
	int64_t timeout = 120000, last_progress = 0, t0;

	memset(&sm, 0, sizeof(sm));
	sm.sentences = 3;
	sm.chars = 400;
	sm.batch = 5;
	sm.max_chars = 4000;
	while ((ch = getopt_long(argc, argv, "j:vqh", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_SENTENCES:
			sm.sentences = (int)opt_number("sentences", optarg, 1,
			    100, usage);
			break;
		case OPT_CHARS:
			sm.chars = (size_t)opt_number("chars", optarg, 10,
			    1000000, usage);
			break;
		case OPT_FIELD:
			sm.field = optarg;
			break;
		case OPT_BACKEND:
			if (strcmp(optarg, "openai") == 0)
				sm.openai = 1;
			else if (strcmp(optarg, "extractive") == 0)
				sm.openai = 0;
			else {
				warnx("--backend takes extractive or openai");
				usage(stderr, EXIT_USAGE);
			}
			break;
		case OPT_URL:
			url = optarg;
			break;
		case OPT_MODEL:
			sm.model = optarg;
			break;
		case OPT_BATCH:
			sm.batch = (int)opt_number("batch", optarg,
			    1, 100, usage);
			break;
		case 'j':
			jobs = opt_jobs(optarg, usage);
			break;
		case OPT_MAXCHARS:
			sm.max_chars = (size_t)opt_number("max-chars", optarg,
			    100, 1000000, usage);
			break;
		case OPT_RETRIES:
			retries = (int)opt_number("retries", optarg,
			    0, 100, usage);
			break;
		case OPT_TIMEOUT:
			timeout = opt_duration("timeout", optarg, 1, usage);
			break;
		case 'v':
			sm.verbose = 1;
			break;
		case 'q':
			sm.verbose = 0;
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

	sm.x = extract_new(sm.sentences, sm.chars);
	if (sm.openai) {
		if (sm.model == NULL)
			sm.model = DEFAULT_OPENAI_MODEL;
		if (asprintf(&sm.source, "openai:%s", sm.model) < 0)
			die_nomem();
		sm.api = oai_new(url, jobs);
		oai_set_retries(sm.api, retries);
		oai_set_timeout(sm.api, (long)timeout);
		ordered_init(&sm.queue, sm.batch, sizeof(struct rec), submit,
		    write_rec, &sm);
	}

	sig_catch();
	show_progress = progress_wanted();
	t0 = time_mono();
	jsonl_init(&r, stdin, "stdin");
	while (!sig_caught) {
		if (!sm.openai) {
			if (jsonl_next_line(&r) == NULL)
				break;
			sm.nread++;
			extractive_line(&sm, &r);
		} else {
			if ((o = jsonl_next(&r)) == NULL)
				break;
			sm.nread++;
			take(&sm, o);
			while (oai_room(sm.api) == 0 &&
			    oai_pending(sm.api) > 0 && !sig_caught)
				oai_run(sm.api);
			ordered_drain(&sm.queue);
		}
		if (show_progress) {
			int64_t now = time_mono();

			if (now - last_progress >= 200) {
				fprintf(stderr, "\rsummarize: %lu read",
				    sm.nread);
				last_progress = now;
			}
		}
	}
	if (sm.openai) {
		if (!sig_caught)
			ordered_flush(&sm.queue);
		/* after a signal too: the answers in flight are written */
		while (oai_pending(sm.api) > 0) {
			oai_run(sm.api);
			ordered_drain(&sm.queue);
		}
		ordered_drain(&sm.queue);
	}
	if (show_progress)
		fprintf(stderr, "\rsummarize: %lu read\n", sm.nread);
	if (sm.verbose) {
		double secs = (double)(time_mono() - t0) / 1000.0;

		warnx("%lu read, %lu extractive, %lu from the model, %lu "
		    "fallback, %lu passed without text, %lu truncated, %lu "
		    "bad; %.1f MB of text in %.2fs", sm.nread, sm.nextract,
		    sm.nmodel, sm.nfallback, sm.npassed, sm.ntruncated, r.bad,
		    (double)sm.nbytes / 1e6, secs);
	}
	stats_add("summarize_read", (int64_t)sm.nread);
	stats_add("summarize_extractive", (int64_t)sm.nextract);
	stats_add("summarize_model", (int64_t)sm.nmodel);
	stats_add("summarize_fallback", (int64_t)sm.nfallback);
	stats_add("summarize_passed", (int64_t)sm.npassed);
	stats_add("summarize_truncated", (int64_t)sm.ntruncated);
	stats_add("summarize_bytes", (int64_t)sm.nbytes);
	stats_add("summarize_bad", (int64_t)r.bad);
	stats_flush();
	if (r.bad > 0 || r.error != 0)
		status = EXIT_PARTIAL;
	jsonl_free(&r);
	ordered_free(&sm.queue);	/* read, not sent: a signal came */
	oai_free(sm.api);
	extract_free(sm.x);
	free(sm.source);
	if (sig_caught)
		status = 128 + sig_caught;
	exit_flush(status);
}
