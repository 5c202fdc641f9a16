/* walckpt.c - checkpoint a store's WAL on a second thread */
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "dbstmt.h"
#include "walckpt.h"

/* WAL frames (pages) after which a writer waits for the copy to finish
 * before its next transaction, so that the WAL starts over: 64 MB of
 * 16 KiB pages. */
#define WALCKPT_MAX_BYTES (64L << 20)

struct walckpt {
	sqlite3 *writer;	/* the writer's connection */
	sqlite3 *db;		/* the thread's own connection */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;	/* to the thread: work, or stop */
	pthread_cond_t done;	/* from the thread: a copy finished */
	unsigned long asked;	/* commits signalled */
	unsigned long copied;	/* of those, commits copied */
	long max_frames;	/* WALCKPT_MAX_BYTES in frames */
	int frames;		/* frames in the WAL at the last commit */
	int stop;
};

static void *
run(void *arg)
{
	struct walckpt *w = arg;
	unsigned long upto;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->copied == w->asked && !w->stop)
			pthread_cond_wait(&w->wake, &w->mu);
		if (w->copied == w->asked)
			break;
		upto = w->asked;
		pthread_mutex_unlock(&w->mu);
		/* errors are left to the next copy, or to the writer's
		 * own checkpoint when it closes */
		sqlite3_wal_checkpoint_v2(w->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&w->mu);
		w->copied = upto;
		pthread_cond_broadcast(&w->done);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* The writer's WAL hook: it has just committed, nframes in the WAL. */
static int
committed(void *arg, sqlite3 *db, const char *name, int nframes)
{
	struct walckpt *w = arg;

	pthread_mutex_lock(&w->mu);
	w->asked++;
	w->frames = nframes;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
	return SQLITE_OK;
}

struct walckpt *
walckpt_start(struct db *store)
{
	sqlite3 *db = db_sqlite(store);
	const char *path = db_name(store);
	struct walckpt *w;
	sigset_t all, old;
	sqlite3_stmt *st;
	long page = 4096;
	int rc;

	if (db == NULL || (w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sqlite3_close(w->db);
		free(w);
		return NULL;
	}
	/* a connection knows the file is in WAL mode once it has read it */
	if (sqlite3_exec(w->db, "SELECT 1 FROM sqlite_schema LIMIT 1", NULL,
	    NULL, NULL) != SQLITE_OK) {
		sqlite3_close(w->db);
		free(w);
		return NULL;
	}
	if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, NULL) ==
	    SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			page = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	w->writer = db;
	w->max_frames = WALCKPT_MAX_BYTES / (page > 0 ? page : 4096);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->done, NULL);
	/* signals are the main thread's: its reads must be interrupted */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, run, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		sqlite3_close(w->db);
		free(w);
		return NULL;
	}
	/* replaces the automatic checkpoint, which is a WAL hook too */
	sqlite3_wal_hook(db, committed, w);
	return w;
}

void
walckpt_before_begin(struct walckpt *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	if (w->frames >= w->max_frames) {
		while (w->copied != w->asked)
			pthread_cond_wait(&w->done, &w->mu);
		w->frames = 0;
	}
	pthread_mutex_unlock(&w->mu);
}

void
walckpt_stop(struct walckpt *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	sqlite3_close(w->db);
	sqlite3_wal_autocheckpoint(w->writer, 1000);
	pthread_cond_destroy(&w->done);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
