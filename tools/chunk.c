/*
 * chunk - cut article text into overlapping chunks for retrieval.
 * See man/chunk.1.
 */
#define _GNU_SOURCE
#include <err.h>
#include <stdint.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunker.h"
#include "jsonl.h"
#include "jsonscan.h"
#include "sig.h"
#include "stats.h"
#include "timefmt.h"
#include "util.h"

enum { OPT_WORDS = OPT_FIRST_PRIVATE, OPT_OVERLAP, OPT_CHARS, OPT_FIELD,
	OPT_KEEP };

struct chunker {
	struct chunk_plan plan;	/* --words, --overlap, --chars; the cuts */
	const char *field;	/* --field, or NULL for title + content */
	char **keep;		/* --keep field names, NULL-terminated */
	struct jscan_field *fields;	/* fields scanned from an item */
	int nfields;		/* how many */
	int *keepidx;		/* keep[k] is fields[keepidx[k]]; -2: ours */
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

/* The fields read from an item; keep fields follow F_KEEP. */
enum { F_ID, F_TITLE, F_CONTENT, F_SUMMARY, F_FIELD, F_KEEP };

/* A string field's text: borrowed when it has no escapes, else decoded
 * into *tmp (freed by the caller). */
static const char *
field_text(const struct jscan_field *f, char **tmp, size_t *len)
{
	if (!f->found || !f->is_string) {
		*len = 0;
		return NULL;
	}
	if (!f->escaped) {
		*len = f->len;
		return f->val;
	}
	*tmp = jscan_string(f);
	*len = strlen(*tmp);
	return *tmp;
}

/* The source text of the item: see chunk(1).  *len is its length. */
static const char *
compose(struct chunker *c, const struct jscan_field *f, char **tmp,
    size_t *len)
{
	const char *title, *body;
	size_t tl, bl, n;

	if (c->field != NULL)
		return field_text(&f[F_FIELD], &tmp[0], len);
	title = field_text(&f[F_TITLE], &tmp[0], &tl);
	body = field_text(&f[F_CONTENT], &tmp[1], &bl);
	if (bl == 0)
		body = field_text(&f[F_SUMMARY], &tmp[2], &bl);
	if (tl == 0 || bl == 0) {
		*len = tl ? tl : bl;
		return tl ? title : body;
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
	*len = n;
	return c->buf;
}

/* The kept fields, as ',"key":value' (values as they came). */
static void
put_kept(struct chunker *c, const struct jscan_field *f, FILE *fp)
{
	for (int k = 0; c->keep[k] != NULL; k++) {
		const struct jscan_field *v;

		if (c->keepidx[k] < 0 || !(v = &f[c->keepidx[k]])->found)
			continue;
		putc(',', fp);
		putc('"', fp);
		jsonl_put_escaped(fp, c->keep[k], strlen(c->keep[k]));
		fputs("\":", fp);
		if (v->is_string)
			putc('"', fp);
		fwrite(v->val, 1, v->len, fp);
		if (v->is_string)
			putc('"', fp);
	}
}

static void
chunk_item(struct chunker *c, struct jsonl_reader *r)
{
	struct jscan_field *f = c->fields;
	const struct jscan_field *idf = &f[F_ID];
	char *tmp[3] = { NULL, NULL, NULL };
	const char *text;
	size_t len;
	FILE *fp = stdout;

	if (!jsonl_scan(r, f, c->nfields))
		return;
	if (!idf->found || (idf->is_string ? idf->len == 0 :
	    strspn(idf->val, "-0123456789") != idf->len)) {
		jsonl_bad(r, "no id");
		return;
	}
	c->items++;
	text = compose(c, f, tmp, &len);
	chunk_plan(&c->plan, text ? text : "", len);
	if (c->plan.ncuts == 0) {
		/* no text: one marker closes the item in the store */
		fputs("{\"item_id\":\"", fp);
		fwrite(idf->val, 1, idf->len, fp);
		fputs("\",\"n\":0,\"count\":0", fp);
		put_kept(c, f, fp);
		fputs("}\n", fp);
		c->empty++;
	}
	for (size_t i = 0; i < c->plan.ncuts; i++) {
		struct chunk_cut cut;

		chunk_get(&c->plan, &cut);
		fputs("{\"id\":\"", fp);
		fwrite(idf->val, 1, idf->len, fp);
		fprintf(fp, "#%zu\",\"item_id\":\"", i);
		fwrite(idf->val, 1, idf->len, fp);
		fprintf(fp, "\",\"n\":%zu,\"count\":%zu,\"text\":\"", i,
		    c->plan.ncuts);
		jsonl_put_escaped(fp, text + cut.start, cut.end - cut.start);
		fprintf(fp, "\",\"start\":%zu,\"end\":%zu,\"words\":%zu",
		    cut.cstart, cut.cend, cut.w1 - cut.w0);
		put_kept(c, f, fp);
		fputs("}\n", fp);
		c->chunks++;
	}
	for (int k = 0; k < 3; k++)
		free(tmp[k]);
}

/* The fields to scan: the fixed ones, then each kept one not among them
 * (our own output fields are never copied). */
static void
scan_setup(struct chunker *c)
{
	static const char *const own[] = { "id", "item_id", "n", "count",
	    "text", "start", "end", "words", NULL };
	int nkeep = 0;

	while (c->keep[nkeep] != NULL)
		nkeep++;
	c->fields = xcalloc((size_t)(F_KEEP + nkeep), sizeof(*c->fields));
	c->keepidx = xcalloc((size_t)nkeep + 1, sizeof(int));
	c->fields[F_ID].key = "id";
	c->fields[F_TITLE].key = "title";
	c->fields[F_CONTENT].key = "content";
	c->fields[F_SUMMARY].key = "summary";
	c->fields[F_FIELD].key = c->field ? c->field : "";
	c->nfields = F_KEEP;
	for (int k = 0; k < nkeep; k++) {
		int at = -1;

		for (int o = 0; own[o] != NULL; o++)
			if (strcmp(c->keep[k], own[o]) == 0)
				at = -2;
		for (int j = 0; at == -1 && j < c->nfields; j++)
			if (strcmp(c->fields[j].key, c->keep[k]) == 0)
				at = j;
		if (at == -1) {
			at = c->nfields++;
			c->fields[at].key = c->keep[k];
		}
		c->keepidx[k] = at;
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
	int ch, verbose = 0, status = EXIT_OK, show_progress;
	int64_t last_progress = 0;

	memset(&c, 0, sizeof(c));
	c.plan.words = 600;
	c.plan.overlap = 100;
	c.keep = split_list("url,title,published");
	while ((ch = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_WORDS:
			c.plan.words = (size_t)opt_number("words", optarg,
			    1, 100000000, usage);
			break;
		case OPT_OVERLAP:
			c.plan.overlap = (size_t)opt_number("overlap", optarg,
			    0, 100000000, usage);
			break;
		case OPT_CHARS:
			c.plan.chars = (size_t)opt_number("chars", optarg,
			    1, 100000000, usage);
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
	if (c.plan.overlap >= c.plan.words) {
		warnx("--overlap must be smaller than --words");
		usage(stderr, EXIT_USAGE);
	}

	sig_catch();
	show_progress = progress_wanted();
	jsonl_init(&r, stdin, "stdin");
	scan_setup(&c);
	while (!sig_caught && jsonl_next_line(&r) != NULL) {
		chunk_item(&c, &r);
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
	chunk_plan_free(&c.plan);
	free(c.buf);
	free(c.fields);
	free(c.keepidx);
	for (char **k = c.keep; *k; k++)
		free(*k);
	free(c.keep);
	if (sig_caught)
		status = 128 + sig_caught;
	exit_flush(status);
}
