/*
 * store - put records into the SQLite store, deduplicated; pass on what is
 * new or unfinished.  See man/store.1 and man/jobline.5.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "articles.h"
#include "chunks.h"
#include "copy.h"
#include "db.h"
#include "fields.h"
#include "jsonl.h"
#include "jsonscan.h"
#include "predictions.h"
#include "prices.h"
#include "readahead.h"
#include "records.h"
#include "storerec.h"
#include "sig.h"
#include "stats.h"
#include "timefmt.h"
#include "util.h"
#include "walckpt.h"

/* Rows per transaction; chunks of one item never straddle two. */
#define BATCH_ROWS 20000
/* A batch is committed after this long even if it is small, so records
 * reach the next program of a slow pipeline. */
#define BATCH_MS 500

enum emit { EMIT_NONE, EMIT_NEW, EMIT_ALL };

/* Long options without a short form. */
enum { OPT_KEY = OPT_FIRST_PRIVATE, OPT_EMIT, OPT_COPY_FROM };

/* What one input record did. */
enum outcome {
	REC_BAD,		/* reported and skipped */
	REC_NEW,		/* stored for the first time */
	REC_UNFINISHED,		/* stored before, not yet complete */
	REC_SEEN		/* stored before (updated if it changed) */
};

struct store_ctx;

/* One kind of table: how a record is stored. */
struct table {
	const char *name;	/* TABLE argument, or NULL for generic ones */
	/* store the reader's current line; may set *out to a changed
	 * record to emit instead of the line; calls batch_boundary where a
	 * transaction may end */
	enum outcome (*put)(struct store_ctx *, struct jsonl_reader *,
	    json_object **out);
	/* called before a commit and at the end; may emit more */
	void (*flush)(struct store_ctx *, int at_end);
};

struct store_ctx {
	struct db *store;	/* the store */
	struct articles *articles; /* its articles, for store articles */
	struct chunks *chunks;	/* its chunks, for store chunks */
	struct records *records; /* a generic table */
	struct prices *prices;	/* its quotes, for store prices */
	struct predictions *pred; /* its predictions, for store predictions
				   and store votes */
	struct walckpt *ckpt;	/* its checkpoints, on a second thread */
	const char *table;	/* table name from the command line */
	const char *key;	/* --key field, or NULL for the table default */
	enum emit emit;		/* --emit */
	int verbose;		/* -v */
	char now[TIME_BUFSZ];	/* time stamp written to rows */
	FILE *pending;		/* emitted lines waiting for the commit */
	char *pending_buf;	/* its buffer (open_memstream) */
	size_t pending_len;	/* its length */
	char *group;		/* chunks: item id of the open group */
	long long group_count;	/* chunks: its announced count */
	unsigned long rows;	/* rows in the open transaction */
	int64_t batch_start;	/* when it began, time_mono() */
	int in_txn;		/* a write transaction is open */
	const struct table *t;	/* the table's handlers */
	unsigned long nread, nnew, nunfinished, nseen; /* totals */
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: store TABLE [--db PATH] [--key FIELD] [--emit new|all|none] "
	    "[-q | -v]\n"
	    "       store --copy-from PATH [--db PATH]\n"
	    "  TABLE is articles, chunks, prices, predictions, votes, or a name "
	    "for a generic table\n");
	exit(status);
}

/* Queue a record for stdout; it is written when its batch commits. */
static void
emit_line(struct store_ctx *c, const char *s, size_t n)
{
	fwrite(s, 1, n, c->pending);
	putc('\n', c->pending);
}

static void
emit_obj(struct store_ctx *c, json_object *o)
{
	size_t n;
	const char *s = jsonl_text(o, &n);

	emit_line(c, s, n);
}

/* Commit the open transaction, then write what it made final. */
static void
commit(struct store_ctx *c)
{
	if (c->articles != NULL)
		articles_before_commit(c->articles);
	db_commit(c->store);
	fflush(c->pending);
	if (c->pending_len > 0) {
		fwrite(c->pending_buf, 1, c->pending_len, stdout);
		fflush(stdout);
	}
	rewind(c->pending);
	fflush(c->pending);
	c->pending_len = 0;
	c->rows = 0;
}

/* Input would wait: commit the open transaction, if any (see main). */
static void
commit_idle(void *arg)
{
	struct store_ctx *c = arg;

	if (c->in_txn) {
		commit(c);
		c->in_txn = 0;
	}
}

/* Begin a batch's transaction, with the news tables' lock for theirs. */
static void
begin(struct store_ctx *c)
{
	walckpt_before_begin(c->ckpt);
	db_begin(c->store);
	if (c->articles != NULL || c->chunks != NULL)
		articles_write_lock(c->store);
}

/* A transaction may end here: end it if the batch is full or old. */
static void
batch_boundary(struct store_ctx *c)
{
	int64_t now = time_mono();

	if (c->rows < BATCH_ROWS && now - c->batch_start < BATCH_MS)
		return;
	c->t->flush(c, 0);
	commit(c);
	begin(c);
	c->batch_start = now;
}

/* ---- articles ---- */

/* The record with its id set to id, to store and emit instead. */
static json_object *
with_id(struct jsonl_reader *r, const char *id)
{
	json_object *o = jsonl_parse(r);

	if (o != NULL)
		json_object_object_add(o, "id", json_object_new_string(id));
	return o;
}

/* The half of storing an article that needs no store, into item (a
 * struct article_in); it runs on the reading thread (lib/readahead.h). */
static int
article_scan(struct jsonl_reader *r, void *item, void *arg)
{
	const struct store_ctx *c = arg;

	return article_in_read(r, c->key, item);
}

static void
article_drop(void *item)
{
	article_in_free(item);
}

/* The other half: store the article read from r's line. */
static enum outcome
article_store(struct store_ctx *c, struct jsonl_reader *r,
    struct article_in *a, json_object **out)
{
	struct article *art = &a->art;
	struct article_found found;

	art->record = r->line;
	art->record_len = r->len;
	if (a->set_id) {
		if ((*out = with_id(r, a->id)) == NULL)
			return REC_BAD;
		art->record = jsonl_text(*out, &art->record_len);
	}

	/* most records are new: try the insert first */
	if (articles_insert(c->articles, art))
		return REC_NEW;
	if (!articles_find(c->articles, art->url_key, art->record,
	    art->record_len, &found)) {
		/* another article has this id (two feeds, one guid): its
		 * chunks would be taken for this one's; use the URL */
		article_in_reid(a);
		json_object_put(*out);
		if ((*out = with_id(r, a->id)) == NULL)
			return REC_BAD;
		art->record = jsonl_text(*out, &art->record_len);
		if (articles_insert(c->articles, art))
			return REC_NEW;
		jsonl_bad(r, "id %s is another article's", a->id);
		return REC_BAD;
	}
	if (strcmp(found.id, a->id) != 0) {
		/* keep the id its chunks already use */
		json_object_put(*out);
		if ((*out = with_id(r, found.id)) == NULL)
			return REC_BAD;
		art->record = jsonl_text(*out, &art->record_len);
		found.same = 0;
	}
	if (!found.same)
		articles_update(c->articles, art);
	if (found.complete || found.seen)
		return REC_SEEN;
	articles_mark(c->articles, art->url_key);
	return REC_UNFINISHED;
}

static enum outcome
article_put(struct store_ctx *c, struct jsonl_reader *r, json_object **out)
{
	struct article_in a;
	enum outcome res;

	batch_boundary(c);
	if (!article_in_read(r, c->key, &a))
		return REC_BAD;
	res = article_store(c, r, &a, out);
	article_in_free(&a);
	return res;
}

static void
emit_unfinished(const char *record, size_t len, void *arg)
{
	struct store_ctx *c = arg;

	emit_line(c, record, len);
	c->nunfinished++;
}

/* At the end: pass on the unfinished articles this input did not name. */
static void
article_flush(struct store_ctx *c, int at_end)
{
	if (at_end && c->emit == EMIT_NEW)
		articles_take_unfinished(c->articles, emit_unfinished, c);
}

/* ---- chunks ---- */

/* The open group is over: mark its item complete if all chunks are in. */
static void
chunk_close_group(struct store_ctx *c)
{
	if (c->group == NULL)
		return;
	chunks_finish(c->chunks, c->group, c->group_count);
	free(c->group);
	c->group = NULL;
}

static enum outcome
chunk_put_obj(struct store_ctx *c, struct jsonl_reader *r, json_object *o)
{
	struct chunk_in in;
	int exists;

	if (!chunk_in_read(r, o, &in))
		return REC_BAD;
	/* chunks of one item arrive together and are stored in one
	 * transaction: only a new item may end one */
	if (c->group != NULL && strcmp(c->group, in.ch.item_id) != 0) {
		batch_boundary(c);
		chunk_close_group(c);
	}
	if (c->group == NULL) {
		c->group = xstrdup(in.ch.item_id);
		c->group_count = in.ch.count;
	}
	if (in.ch.count == 0) {
		chunk_in_free(&in);
		return REC_NEW;		/* nothing to store: item has no text */
	}
	exists = chunks_exists(c->chunks, in.ch.id);
	chunks_put(c->chunks, &in.ch);
	chunk_in_free(&in);
	return exists ? REC_SEEN : REC_NEW;
}

static void
chunk_flush(struct store_ctx *c, int at_end)
{
	chunk_close_group(c);
}

static enum outcome
chunk_put(struct store_ctx *c, struct jsonl_reader *r, json_object **out)
{
	json_object *o = jsonl_parse(r);
	enum outcome res;

	if (o == NULL)
		return REC_BAD;
	res = chunk_put_obj(c, r, o);
	json_object_put(o);
	return res;
}

/* ---- prices ---- */

static enum outcome
price_put_obj(struct store_ctx *c, struct jsonl_reader *r, json_object *o)
{
	struct price_in p;

	if (!price_in_read(r, o, &p))
		return REC_BAD;
	return prices_put(c->prices, p.symbol, p.ms, p.price) ? REC_NEW :
	    REC_SEEN;
}

static enum outcome
price_put(struct store_ctx *c, struct jsonl_reader *r, json_object **out)
{
	json_object *o;
	enum outcome res;

	batch_boundary(c);
	if ((o = jsonl_parse(r)) == NULL)
		return REC_BAD;
	res = price_put_obj(c, r, o);
	json_object_put(o);
	return res;
}

/* ---- predictions and votes: for verify-predictions ---- */

static enum outcome
prediction_put_obj(struct store_ctx *c, struct jsonl_reader *r,
    json_object *o)
{
	struct prediction_rec p;
	char closed[PRED_STATUSSZ];
	enum outcome res = REC_SEEN;

	if (!prediction_rec_read(r, o, &p))
		return REC_BAD;
	switch (predictions_put(c->pred, &p.in, c->now, closed)) {
	case PRED_PUT_NEW:
		res = REC_NEW;
		break;
	case PRED_PUT_CLOSED:
		jsonl_bad(r, "prediction %.64s is %s, not changed", p.in.id,
		    closed);
		res = REC_BAD;
		break;
	case PRED_PUT_SAME:
	case PRED_PUT_CHANGED:
		break;
	}
	prediction_rec_free(&p);
	return res;
}

/* votes: the last prediction looked up, so that votes grouped by
 * prediction cost one lookup per group */
static char *vote_pred_id;		/* its id, or NULL */
static char *vote_pred_status;		/* its status, or NULL if unknown */
static json_object *vote_pred_opts;	/* its options */

static void
votes_forget(void)
{
	free(vote_pred_id);
	free(vote_pred_status);
	json_object_put(vote_pred_opts);
	vote_pred_id = vote_pred_status = NULL;
	vote_pred_opts = NULL;
}

static enum outcome
vote_put_obj(struct store_ctx *c, struct jsonl_reader *r, json_object *o)
{
	struct vote_in v;
	const char *pid;
	char *opts;

	if (!vote_in_read(r, o, &v))
		return REC_BAD;
	pid = v.prediction_id;
	if (vote_pred_id == NULL || strcmp(vote_pred_id, pid) != 0) {
		votes_forget();
		vote_pred_id = xstrdup(pid);
		if (predictions_status(c->pred, pid, &vote_pred_status,
		    &opts)) {
			vote_pred_opts = json_tokener_parse(opts);
			free(opts);
		}
	}
	if (vote_pred_status == NULL) {
		jsonl_bad(r, "unknown prediction %.64s", pid);
		return REC_BAD;
	}
	if (strcmp(vote_pred_status, "active") != 0) {
		jsonl_bad(r, "prediction %.64s is %s, votes are closed", pid,
		    vote_pred_status);
		return REC_BAD;
	}
	if (vote_pred_opts == NULL ||
	    !json_object_object_get_ex(vote_pred_opts, v.option, NULL)) {
		jsonl_bad(r, "prediction %.64s has no option %.64s", pid,
		    v.option);
		return REC_BAD;
	}
	return predictions_vote(c->pred, pid, v.user_id, v.option,
	    v.voted_at) ? REC_NEW : REC_SEEN;
}

static void
votes_flush(struct store_ctx *c, int at_end)
{
	/* another program may change a prediction between transactions */
	votes_forget();
}

static enum outcome
prediction_put(struct store_ctx *c, struct jsonl_reader *r,
    json_object **out)
{
	json_object *o;
	enum outcome res;

	batch_boundary(c);
	if ((o = jsonl_parse(r)) == NULL)
		return REC_BAD;
	res = prediction_put_obj(c, r, o);
	json_object_put(o);
	return res;
}

static enum outcome
vote_put(struct store_ctx *c, struct jsonl_reader *r, json_object **out)
{
	json_object *o;
	enum outcome res;

	batch_boundary(c);
	if ((o = jsonl_parse(r)) == NULL)
		return REC_BAD;
	res = vote_put_obj(c, r, o);
	json_object_put(o);
	return res;
}

/* ---- generic tables: key and the whole record ---- */

static enum outcome
generic_put(struct store_ctx *c, struct jsonl_reader *r, json_object **out)
{
	struct jscan_field f = { .key = c->key ? c->key : "id" };
	char *key;
	enum records_put res;

	batch_boundary(c);
	if (!jsonl_scan(r, &f, 1))
		return REC_BAD;
	if (field_scanned_key(r, &f, FIELD_REQUIRED, &key) != FIELD_OK)
		return REC_BAD;
	res = records_put(c->records, key, r->line, r->len);
	free(key);
	return res == RECORDS_NEW ? REC_NEW : REC_SEEN;
}

static void
no_flush(struct store_ctx *c, int at_end)
{
}

static const struct table tables[] = {
	{ "articles", article_put, article_flush },
	{ "chunks", chunk_put, chunk_flush },
	{ "prices", price_put, no_flush },
	{ "predictions", prediction_put, no_flush },
	{ "votes", vote_put, votes_flush },
	{ NULL, generic_put, no_flush },
};

/* store --copy-from: the SQLite store at path into the store at db. */
static _Noreturn void
copy_from(const char *db, const char *path)
{
	struct db *src, *dst;
	char now[TIME_BUFSZ];
	int status;

	if (strncmp(path, "postgres", 8) == 0) {
		warnx("--copy-from takes a SQLite store's path");
		usage(stderr, EXIT_USAGE);
	}
	if (access(path, F_OK) != 0)
		errx(EXIT_FATAL, "%s: no store there: %s", path,
		    strerror(errno));
	src = db_open(path, 0);		/* brought to this schema first */
	dst = db_open(db, DB_BULK);
	time_format(time_now(), now);
	sig_catch();
	status = copy_store(dst, src, now, stdout);
	db_close(dst);
	db_close(src);
	exit_flush(sig_caught ? 128 + sig_caught : status);
}

static void
progress(struct store_ctx *c, int done)
{
	fprintf(stderr, "\rstore: %s: %lu read, %lu new%s", c->table,
	    c->nread, c->nnew, done ? "\n" : "");
}

int
main(int argc, char *argv[])
{
	static char inbuf[1 << 16];
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "emit", required_argument, NULL, OPT_EMIT },
		{ "copy-from", required_argument, NULL, OPT_COPY_FROM },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct store_ctx c;
	struct jsonl_reader r, v;
	struct readahead *ra = NULL;
	const struct table *t;
	const char *db = NULL, *copy = NULL;
	int ch, show_progress, status;
	int64_t last_progress = 0, run;

	memset(&c, 0, sizeof(c));
	c.emit = EMIT_NONE;
	while ((ch = getopt_long(argc, argv, "vqh", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case OPT_DB:
			db = optarg;
			break;
		case OPT_KEY:
			c.key = optarg;
			break;
		case OPT_COPY_FROM:
			copy = optarg;
			break;
		case OPT_EMIT:
			if (strcmp(optarg, "new") == 0)
				c.emit = EMIT_NEW;
			else if (strcmp(optarg, "all") == 0)
				c.emit = EMIT_ALL;
			else if (strcmp(optarg, "none") == 0)
				c.emit = EMIT_NONE;
			else {
				warnx("--emit takes new, all or none");
				usage(stderr, EXIT_USAGE);
			}
			break;
		case 'v':
			c.verbose = 1;
			break;
		case 'q':
			c.verbose = 0;
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
	if (copy != NULL && argc == 0)
		copy_from(db, copy);
	if (argc != 1 || copy != NULL)
		usage(stderr, EXIT_USAGE);
	c.table = argv[0];
	for (t = tables; t->name != NULL; t++)
		if (strcmp(t->name, c.table) == 0)
			break;
	if (t->name == NULL && !records_name_ok(c.table)) {
		warnx("%s: not a table store can write (names are lowercase "
		    "letters, digits and _, and not another program's table)",
		    c.table);
		usage(stderr, EXIT_USAGE);
	}

	c.store = db_open(db, DB_BULK);
	run = (int64_t)time_mono() * 1000003 ^ (int64_t)getpid() << 40 ^
	    time_now();
	time_format(time_now(), c.now);
	if (t->put == article_put)
		c.articles = articles_open(c.store, run, c.now);
	else if (t->put == chunk_put)
		c.chunks = chunks_open(c.store, c.now);
	else if (t->put == price_put)
		c.prices = prices_open(c.store, PRICES_STORE);
	else if (t->put == prediction_put || t->put == vote_put)
		c.pred = predictions_open(c.store, 0);
	else
		c.records = records_open(c.store, c.table, c.now);
	c.ckpt = walckpt_start(c.store);
	if ((c.pending = open_memstream(&c.pending_buf, &c.pending_len)) ==
	    NULL)
		die_nomem();
	sig_catch();
	show_progress = progress_wanted();

	jsonl_init(&r, stdin, "stdin");
	/* a large buffer: more whole lines per read, fewer idle commits
	 * (given by us: glibc ignores the size when it allocates) */
	setvbuf(stdin, inbuf, _IOFBF, sizeof(inbuf));
	c.t = t;
	/* store articles scans its input on a second thread; the reader
	 * there stands in for r, and v for the line in hand */
	jsonl_init(&v, NULL, "stdin");
	if (t->put == article_put)
		ra = readahead_start(&r, sizeof(struct article_in),
		    article_scan, article_drop, &c);
	for (;;) {
		json_object *out = NULL;
		struct jsonl_reader *rr = &r;
		struct readahead_line *sl = NULL;
		enum outcome res;
		int64_t now;

		if (ra != NULL) {
			if (sig_caught ||
			    (sl = readahead_take(ra, commit_idle, &c)) == NULL)
				break;
			v.line = sl->line;
			v.len = sl->len;
			v.lineno = sl->lineno;
			rr = &v;
		} else {
			/* never hold the write lock while waiting for input: in
			 * "store articles --emit new | chunk | embed | store chunks"
			 * that input may wait for the other store's commit.  (Chunks
			 * of one item may then be committed in more than one
			 * transaction; the item is still marked complete only in the
			 * one that stores its last chunk.)  Writers upstream write
			 * whole records, so a line begun is never left half-written
			 * while its writer waits. */
			if (!jsonl_ready(stdin))
				commit_idle(&c);
			if (sig_caught || jsonl_next_line(&r) == NULL)
				break;
		}
		if (!c.in_txn) {
			begin(&c);
			c.in_txn = 1;
			c.batch_start = time_mono();
		}
		c.nread++;
		now = time_mono();
		if (sl == NULL) {
			res = t->put(&c, &r, &out);
		} else {
			batch_boundary(&c);
			res = sl->ok ? article_store(&c, &v, sl->item, &out) :
			    REC_BAD;
		}
		switch (res) {
		case REC_BAD:
			break;
		case REC_NEW:
			c.nnew++;
			break;
		case REC_UNFINISHED:
			c.nunfinished++;
			break;
		case REC_SEEN:
			c.nseen++;
			break;
		}
		if (res != REC_BAD && (c.emit == EMIT_ALL ||
		    (c.emit == EMIT_NEW && res != REC_SEEN))) {
			if (out != NULL)
				emit_obj(&c, out);
			else
				emit_line(&c, rr->line, rr->len);
		}
		json_object_put(out);
		if (sl != NULL)
			readahead_release(ra, sl);
		if (res != REC_BAD)
			c.rows++;
		if (show_progress && now - last_progress >= 200) {
			progress(&c, 0);
			last_progress = now;
		}
	}
	if (ra != NULL)
		readahead_stop(ra, &r);
	r.bad += v.bad;
	v.line = NULL;
	jsonl_free(&v);
	if (!c.in_txn)
		begin(&c);
	t->flush(&c, sig_caught == 0 && r.error == 0);
	commit(&c);
	if (show_progress)
		progress(&c, 1);

	stats_add("records_read", (int64_t)c.nread);
	stats_add("records_bad", (int64_t)r.bad);
	{
		char name[64];

		snprintf(name, sizeof(name), "%s_new", c.table);
		stats_add(name, (int64_t)c.nnew);
	}
	stats_flush();
	if (c.verbose)
		warnx("%s: %lu read, %lu new, %lu unfinished, %lu seen, "
		    "%lu bad", c.table, c.nread, c.nnew, c.nunfinished,
		    c.nseen, r.bad);

	articles_close(c.articles);
	chunks_close(c.chunks);
	records_close(c.records);
	prices_close(c.prices);
	predictions_close(c.pred);
	walckpt_stop(c.ckpt);
	db_close(c.store);
	fclose(c.pending);
	free(c.pending_buf);
	free(c.group);
	status = EXIT_OK;
	if (r.bad > 0 || r.error != 0)
		status = EXIT_PARTIAL;
	jsonl_free(&r);
	if (sig_caught)
		status = 128 + sig_caught;
	exit_flush(status);
}
