/*
 * ordered.h - records in flight to a batch API, written in input order
 * (owned by embed and summarize, which send batches to lib/openai).
 *
 * The program pushes each record as it reads it.  A record that needs an
 * answer joins the open batch; a full batch (and, at the end, the last
 * one) is handed to the send callback, which issues the request.  When an
 * answer comes the program settles the batch's items (sets their state to
 * anything but ORDERED_WAIT); ordered_drain then hands the settled items at
 * the head of the queue to the write callback, in input order, and frees
 * them.  A record that needs no answer is settled at once and waits only
 * for those before it.
 *
 * An item is the first member of the program's own struct, itemsize bytes
 * (zeroed by ordered_push), so that the program can keep what it needs
 * beside it.
 *
 * Ownership: the queue owns its items and their records (o is put when the
 * item is freed).  The send callback owns the array of the batch it is
 * given (free it) but not the items, which stay in the queue until they
 * are written.  The write callback frees what the program's part of the
 * item owns; ordered_free drops the items still queued (after a signal:
 * items never sent) without calling it, so those must own nothing else.
 */
#ifndef JOBLINE_ORDERED_H
#define JOBLINE_ORDERED_H

#include <stddef.h>
#include <json-c/json.h>

#define ORDERED_WAIT 0		/* state of an item without its answer */

struct ordered_item {
	struct ordered_item *next;	/* next in input order */
	json_object *o;		/* the record; owned by the queue */
	int state;		/* ORDERED_WAIT, or the program's settled state */
};

/* Issue the request for items[0..n) (the array is the callee's). */
typedef void (*ordered_send_fn)(void *arg, struct ordered_item **items,
    int n);

/* Write the settled item it and free what the program put in it. */
typedef void (*ordered_write_fn)(void *arg, struct ordered_item *it);

struct ordered {
	int batch;		/* items per request, >= 1 */
	size_t itemsize;	/* bytes of the program's item struct */
	ordered_send_fn send;	/* issues a batch */
	ordered_write_fn write;	/* writes a settled item */
	void *arg;		/* for the callbacks */
	struct ordered_item *head, *tail;	/* items not yet written */
	struct ordered_item **open;	/* the batch being filled; owned */
	int nopen;		/* items in it */
};

void ordered_init(struct ordered *q, int batch, size_t itemsize,
    ordered_send_fn send, ordered_write_fn write, void *arg);

/* Append an item for o (consumed), in state ORDERED_WAIT; the caller then
 * either settles it or hands it to ordered_join. */
struct ordered_item *ordered_push(struct ordered *q, json_object *o);

/* Put it in the open batch; a batch that becomes full is sent. */
void ordered_join(struct ordered *q, struct ordered_item *it);

/* Send the open batch, if it holds anything. */
void ordered_flush(struct ordered *q);

/* Write and free the settled items at the head of the queue. */
void ordered_drain(struct ordered *q);

/* Drop the items still queued and the open batch (see above). */
void ordered_free(struct ordered *q);

#endif
