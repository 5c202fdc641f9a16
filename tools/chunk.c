/*
 * chunk - cut article text into overlapping chunks for retrieval.
 * See man/chunk.1.
 */
#define _GNU_SOURCE
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "segment.h"
#include "sig.h"
#include "stats.h"
#include "timefmt.h"
#include "util.h"

enum { OPT_WORDS = OPT_FIRST_PRIVATE, OPT_OVERLAP, OPT_CHARS, OPT_FIELD,
	OPT_KEEP };

/* Cut classes: where a chunk may end, best last. */
enum { CUT_WORD, CUT_SENTENCE, CUT_PARAGRAPH };

struct chunker {
	size_t words;		/* --words: most words in a chunk */
	size_t overlap;		/* --overlap: words shared by neighbours */
	size_t chars;		/* --chars: most characters, 0 for no limit */
	const char *field;	/* --field, or NULL for title + content */
	char **keep;		/* --keep field names, NULL-terminated */
	struct seg_words ws;	/* the words of the current text */
	size_t *cuts;		/* chunk i is words [cuts[2i], cuts[2i+1]) */
	size_t ncuts, capcuts;	/* chunks found, capacity in pairs */
	char *buf;		/* composed source text */
	size_t bufcap;		/* capacity of buf */
	unsigned long items, chunks, empty;	/* totals */
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: chunk [--words N] [--overlap N] [--chars N] "
	    "[--field F] [--keep LIST] [-v]\n");
	exit(status);
}

static int
cut_class(const struct seg_words *ws, size_t e)
{
	if (e >= ws->n || (ws->w[e].flags & SEG_PARA))
		return CUT_PARAGRAPH;
	if (ws->w[e - 1].flags & SEG_SENT_END)
		return CUT_SENTENCE;
	return CUT_WORD;
}

static void
add_cut(struct chunker *c, size_t s, size_t e)
{
	if (c->ncuts == c->capcuts) {
		c->capcuts = c->capcuts ? c->capcuts * 2 : 16;
		c->cuts = xrealloc(c->cuts, c->capcuts * 2 * sizeof(size_t));
	}
	c->cuts[2 * c->ncuts] = s;
	c->cuts[2 * c->ncuts + 1] = e;
	c->ncuts++;
}

/*
 * Plan the chunks of the words in c->ws.  A chunk ends at the best cut in
 * the last half of its window (at most --words words and --chars
 * characters): a paragraph break, else a sentence end, else a word
 * boundary; among cuts of one class, one whose overlap (the last --overlap
 * words, which open the next chunk) starts a sentence wins, then the
 * latest.
 */
static void
plan(struct chunker *c)
{
	const struct seg_words *ws = &c->ws;
	size_t s = 0, n = ws->n;

	c->ncuts = 0;
	while (s < n) {
		size_t emax = s + c->words < n ? s + c->words : n;
		size_t lo, best, e;
		int score, bestscore = -1;

		while (c->chars > 0 && emax > s + 1 &&
		    ws->w[emax - 1].cend - ws->w[s].cstart > c->chars)
			emax--;
		if (emax == n) {
			add_cut(c, s, n);
			break;
		}
		lo = s + (emax - s) / 2;
		if (lo < s + c->overlap + 1)
			lo = s + c->overlap + 1;
		if (lo > emax)
			lo = emax;
		if (lo < s + 1)
			lo = s + 1;
		best = emax;
		for (e = lo; e <= emax; e++) {
			score = cut_class(ws, e) * 2;
			if (e - s > c->overlap &&
			    seg_sentence_start(ws, e - c->overlap))
				score++;
			if (score >= bestscore) {
				bestscore = score;
				best = e;
			}
		}
		add_cut(c, s, best);
		/* a chunk no longer than the overlap (--chars) has none */
		s = best - s > c->overlap ? best - c->overlap : best;
	}
}

/* Append the value of o's field key, a string, to the text; 1 if any. */
static size_t
compose(struct chunker *c, json_object *o, const char **text)
{
	const char *title = NULL, *body = NULL;
	size_t tl = 0, bl = 0, n;
	json_object *v;

	if (c->field != NULL) {
		if (!json_object_object_get_ex(o, c->field, &v) ||
		    !json_object_is_type(v, json_type_string))
			return 0;
		*text = json_object_get_string(v);
		return (size_t)json_object_get_string_len(v);
	}
	if (json_object_object_get_ex(o, "title", &v) &&
	    json_object_is_type(v, json_type_string)) {
		title = json_object_get_string(v);
		tl = (size_t)json_object_get_string_len(v);
	}
	if (json_object_object_get_ex(o, "content", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) > 0) {
		body = json_object_get_string(v);
		bl = (size_t)json_object_get_string_len(v);
	} else if (json_object_object_get_ex(o, "summary", &v) &&
	    json_object_is_type(v, json_type_string)) {
		body = json_object_get_string(v);
		bl = (size_t)json_object_get_string_len(v);
	}
	if (tl == 0 || bl == 0) {
		*text = tl ? title : body;
		return tl ? tl : bl;
	}
	n = tl + 2 + bl;
	if (n + 1 > c->bufcap) {
		c->bufcap = n + 1;
		c->buf = xrealloc(c->buf, c->bufcap);
	}
	memcpy(c->buf, title, tl);
	memcpy(c->buf + tl, "\n\n", 2);
	memcpy(c->buf + tl + 2, body, bl);
	c->buf[n] = '\0';
	*text = c->buf;
	return n;
}

/* The item's id as text: a string, or an integer printed; NULL if none. */
static const char *
item_id(json_object *o, char *buf, size_t n)
{
	json_object *v;

	if (json_object_object_get_ex(o, "id", &v)) {
		if (json_object_is_type(v, json_type_string) &&
		    json_object_get_string_len(v) > 0)
			return json_object_get_string(v);
		if (json_object_is_type(v, json_type_int)) {
			snprintf(buf, n, "%lld",
			    (long long)json_object_get_int64(v));
			return buf;
		}
	}
	return NULL;
}

static void
keep_fields(struct chunker *c, json_object *from, json_object *to)
{
	json_object *v;

	for (char **k = c->keep; *k != NULL; k++)
		if (json_object_object_get_ex(from, *k, &v) &&
		    !json_object_object_get_ex(to, *k, NULL))
			json_object_object_add(to, *k, json_object_get(v));
}

static void
chunk_item(struct chunker *c, struct jsonl_reader *r, json_object *o)
{
	char idbuf[32], *cid = NULL;
	const char *id, *text = NULL;
	size_t len;
	json_object *out;

	if ((id = item_id(o, idbuf, sizeof(idbuf))) == NULL) {
		jsonl_bad(r, "no id");
		return;
	}
	c->items++;
	len = compose(c, o, &text);
	seg_words(text ? text : "", len, c->chars, &c->ws);
	plan(c);
	if (c->ncuts == 0) {
		/* no text: one marker closes the item in the store */
		out = json_object_new_object();
		json_object_object_add(out, "item_id",
		    json_object_new_string(id));
		json_object_object_add(out, "n", json_object_new_int(0));
		json_object_object_add(out, "count", json_object_new_int(0));
		keep_fields(c, o, out);
		jsonl_write(stdout, out);
		json_object_put(out);
		c->empty++;
		return;
	}
	for (size_t i = 0; i < c->ncuts; i++) {
		const struct seg_word *a = &c->ws.w[c->cuts[2 * i]];
		const struct seg_word *b = &c->ws.w[c->cuts[2 * i + 1] - 1];

		if (asprintf(&cid, "%s#%zu", id, i) < 0)
			die_nomem();
		out = json_object_new_object();
		json_object_object_add(out, "id", json_object_new_string(cid));
		json_object_object_add(out, "item_id",
		    json_object_new_string(id));
		json_object_object_add(out, "n",
		    json_object_new_int64((int64_t)i));
		json_object_object_add(out, "count",
		    json_object_new_int64((int64_t)c->ncuts));
		json_object_object_add(out, "text", json_object_new_string_len(
		    text + a->start, (int)(b->end - a->start)));
		json_object_object_add(out, "start",
		    json_object_new_int64((int64_t)a->cstart));
		json_object_object_add(out, "end",
		    json_object_new_int64((int64_t)b->cend));
		json_object_object_add(out, "words", json_object_new_int64(
		    (int64_t)(c->cuts[2 * i + 1] - c->cuts[2 * i])));
		keep_fields(c, o, out);
		jsonl_write(stdout, out);
		json_object_put(out);
		free(cid);
		c->chunks++;
	}
}

/* Split a comma-separated list into a NULL-terminated array. */
static char **
split_list(const char *s)
{
	char **v, *copy = xstrdup(s), *p, *save = NULL;
	size_t n = 1;

	for (p = copy; *p; p++)
		n += *p == ',';
	v = xcalloc(n + 1, sizeof(*v));
	n = 0;
	for (p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
		v[n++] = xstrdup(p);
	free(copy);
	return v;
}

static size_t
count_arg(const char *name, const char *s, long min)
{
	long v;

	if (!parse_long(s, min, 100000000, &v)) {
		warnx("--%s takes a number from %ld", name, min);
		usage(stderr, EXIT_USAGE);
	}
	return (size_t)v;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "words", required_argument, NULL, OPT_WORDS },
		{ "overlap", required_argument, NULL, OPT_OVERLAP },
		{ "chars", required_argument, NULL, OPT_CHARS },
		{ "field", required_argument, NULL, OPT_FIELD },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct chunker c;
	struct jsonl_reader r;
	json_object *o;
	int ch, verbose = 0, status = EXIT_OK, show_progress;
	int64_t last_progress = 0;

	memset(&c, 0, sizeof(c));
	c.words = 600;
	c.overlap = 100;
	c.keep = split_list("url,title,published");
	while ((ch = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_WORDS:
			c.words = count_arg("words", optarg, 1);
			break;
		case OPT_OVERLAP:
			c.overlap = count_arg("overlap", optarg, 0);
			break;
		case OPT_CHARS:
			c.chars = count_arg("chars", optarg, 1);
			break;
		case OPT_FIELD:
			c.field = optarg;
			break;
		case OPT_KEEP:
			for (char **k = c.keep; *k; k++)
				free(*k);
			free(c.keep);
			c.keep = split_list(optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		case 'q':
			verbose = 0;
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
	if (c.overlap >= c.words) {
		warnx("--overlap must be smaller than --words");
		usage(stderr, EXIT_USAGE);
	}

	sig_catch();
	show_progress = progress_wanted();
	jsonl_init(&r, stdin, "stdin");
	while (!sig_caught && (o = jsonl_next(&r)) != NULL) {
		chunk_item(&c, &r, o);
		json_object_put(o);
		/* whole items downstream at once: store chunks may be waiting */
		fflush(stdout);
		if (show_progress) {
			int64_t now = time_mono();

			if (now - last_progress >= 200) {
				fprintf(stderr, "\rchunk: %lu items, %lu chunks",
				    c.items, c.chunks);
				last_progress = now;
			}
		}
	}
	if (show_progress)
		fprintf(stderr, "\rchunk: %lu items, %lu chunks\n", c.items,
		    c.chunks);
	if (verbose)
		warnx("%lu items, %lu chunks, %lu without text, %lu bad",
		    c.items, c.chunks, c.empty, r.bad);
	stats_add("chunk_items", (int64_t)c.items);
	stats_add("chunks_made", (int64_t)c.chunks);
	stats_add("chunk_items_empty", (int64_t)c.empty);
	stats_add("chunk_bad", (int64_t)r.bad);
	stats_flush();
	if (r.bad > 0 || r.error != 0)
		status = EXIT_PARTIAL;
	jsonl_free(&r);
	seg_free(&c.ws);
	free(c.cuts);
	free(c.buf);
	for (char **k = c.keep; *k; k++)
		free(*k);
	free(c.keep);
	if (sig_caught)
		status = 128 + sig_caught;
	exit_flush(status);
}
