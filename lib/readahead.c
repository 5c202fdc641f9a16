/* readahead.c - read and scan JSON lines on a second thread */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "readahead.h"
#include "sig.h"
#include "util.h"

/* Lines read ahead at most. */
#define RA_SLOTS 256

struct readahead {
	struct jsonl_reader r;	/* the reading thread's reader */
	int (*scan)(struct jsonl_reader *, void *, void *); /* see start */
	void (*drop)(void *);	/* frees what a scanned item holds */
	void *arg;		/* scan's argument */
	char *items;		/* the slots' items, item_size bytes each */
	pthread_t thread;	/* the reading thread */
	pthread_mutex_t mu;	/* guards what follows */
	pthread_cond_t filled;	/* a slot filled, input waits, or the end */
	pthread_cond_t freed;	/* a slot freed, or stop */
	struct readahead_line slot[RA_SLOTS]; /* a ring of lines */
	unsigned long head;	/* slots filled so far */
	unsigned long tail;	/* slots taken back so far */
	int waiting;		/* the reader waits for input */
	int reader_sleeps;	/* the reader waits for free slots */
	int taker_sleeps;	/* the other thread waits for a line */
	int eof;		/* no more lines (end, error or signal) */
	int stop;		/* the other thread is done */
};

static void *
run(void *arg)
{
	struct readahead *ra = arg;
	struct readahead_line *sl;
	char *buf;
	size_t cap;

	for (;;) {
		pthread_mutex_lock(&ra->mu);
		while (ra->head - ra->tail == RA_SLOTS && !ra->stop) {
			ra->reader_sleeps = 1;
			pthread_cond_wait(&ra->freed, &ra->mu);
		}
		ra->reader_sleeps = 0;
		if (ra->stop) {
			pthread_mutex_unlock(&ra->mu);
			break;
		}
		pthread_mutex_unlock(&ra->mu);
		if (!jsonl_ready(ra->r.fp)) {
			pthread_mutex_lock(&ra->mu);
			ra->waiting = 1;
			pthread_cond_signal(&ra->filled);
			pthread_mutex_unlock(&ra->mu);
		}
		if (sig_caught || jsonl_next_line(&ra->r) == NULL)
			break;
		sl = &ra->slot[ra->head % RA_SLOTS];
		sl->ok = ra->scan(&ra->r, sl->item, ra->arg);
		sl->len = ra->r.len;
		sl->lineno = ra->r.lineno;
		/* the slot takes the line; the reader, the slot's old buffer */
		buf = sl->line;
		cap = sl->cap;
		sl->line = ra->r.line;
		sl->cap = ra->r.cap;
		ra->r.line = buf;
		ra->r.cap = cap;
		pthread_mutex_lock(&ra->mu);
		ra->head++;
		ra->waiting = 0;
		if (ra->taker_sleeps)
			pthread_cond_signal(&ra->filled);
		pthread_mutex_unlock(&ra->mu);
	}
	pthread_mutex_lock(&ra->mu);
	ra->eof = 1;
	pthread_cond_signal(&ra->filled);
	pthread_mutex_unlock(&ra->mu);
	return NULL;
}

struct readahead_line *
readahead_take(struct readahead *ra, void (*idle)(void *arg), void *arg)
{
	struct readahead_line *sl = NULL;
	int idled = 0;

	pthread_mutex_lock(&ra->mu);
	while (ra->head == ra->tail && !ra->eof) {
		if (ra->waiting && !idled) {
			pthread_mutex_unlock(&ra->mu);
			idle(arg);
			idled = 1;
			pthread_mutex_lock(&ra->mu);
			continue;
		}
		ra->taker_sleeps = 1;
		pthread_cond_wait(&ra->filled, &ra->mu);
		ra->taker_sleeps = 0;
	}
	if (ra->head != ra->tail)
		sl = &ra->slot[ra->tail % RA_SLOTS];
	pthread_mutex_unlock(&ra->mu);
	return sl;
}

void
readahead_release(struct readahead *ra, struct readahead_line *sl)
{
	if (sl->ok)
		ra->drop(sl->item);
	pthread_mutex_lock(&ra->mu);
	ra->tail++;
	/* a full ring wakes the reader once half of it is free, not for
	 * each line: two context switches a line cost more than the line */
	if (ra->reader_sleeps && ra->head - ra->tail <= RA_SLOTS / 2)
		pthread_cond_signal(&ra->freed);
	pthread_mutex_unlock(&ra->mu);
}

struct readahead *
readahead_start(struct jsonl_reader *r, size_t item_size,
    int (*scan)(struct jsonl_reader *r, void *item, void *arg),
    void (*drop)(void *item), void *arg)
{
	struct readahead *ra = xcalloc(1, sizeof(*ra));

	ra->r = *r;
	ra->scan = scan;
	ra->drop = drop;
	ra->arg = arg;
	ra->items = xcalloc(RA_SLOTS, item_size);
	for (size_t i = 0; i < RA_SLOTS; i++)
		ra->slot[i].item = ra->items + i * item_size;
	pthread_mutex_init(&ra->mu, NULL);
	pthread_cond_init(&ra->filled, NULL);
	pthread_cond_init(&ra->freed, NULL);
	if (pthread_create(&ra->thread, NULL, run, ra) != 0) {
		free(ra->items);
		free(ra);
		return NULL;
	}
	sig_mask(SIG_BLOCK);
	/* the reader is the thread's now */
	memset(r, 0, sizeof(*r));
	return ra;
}

void
readahead_stop(struct readahead *ra, struct jsonl_reader *r)
{
	int ended;

	pthread_mutex_lock(&ra->mu);
	ra->stop = 1;
	pthread_cond_signal(&ra->freed);
	while (!ra->eof && !ra->waiting)
		pthread_cond_wait(&ra->filled, &ra->mu);
	ended = ra->eof;
	pthread_mutex_unlock(&ra->mu);
	if (ended) {
		pthread_join(ra->thread, NULL);
		r->bad += ra->r.bad;
		r->error = ra->r.error;
		jsonl_free(&ra->r);
		for (size_t i = 0; i < RA_SLOTS; i++) {
			struct readahead_line *sl = &ra->slot[(ra->tail + i) %
			    RA_SLOTS];

			if (ra->tail + i < ra->head && sl->ok)
				ra->drop(sl->item);
			free(ra->slot[i].line);
		}
		pthread_mutex_destroy(&ra->mu);
		pthread_cond_destroy(&ra->filled);
		pthread_cond_destroy(&ra->freed);
		free(ra->items);
		free(ra);
	} else {
		/* reading, or waiting for input that may never come */
		r->bad += ra->r.bad;
		pthread_detach(ra->thread);
	}
	sig_mask(SIG_UNBLOCK);
}
