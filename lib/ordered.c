/*
 * ordered.c - records in flight to a batch API, written in input order.
 * See ordered.h.
 */
#include <stdlib.h>

#include "ordered.h"
#include "util.h"

void
ordered_init(struct ordered *q, int batch, size_t itemsize,
    ordered_send_fn send, ordered_write_fn write, void *arg)
{
	q->batch = batch;
	q->itemsize = itemsize;
	q->send = send;
	q->write = write;
	q->arg = arg;
	q->head = q->tail = NULL;
	q->open = NULL;
	q->nopen = 0;
}

struct ordered_item *
ordered_push(struct ordered *q, json_object *o)
{
	struct ordered_item *it = xcalloc(1, q->itemsize);

	it->o = o;
	it->state = ORDERED_WAIT;
	if (q->tail != NULL)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	return it;
}

void
ordered_join(struct ordered *q, struct ordered_item *it)
{
	if (q->open == NULL)
		q->open = xcalloc((size_t)q->batch, sizeof(*q->open));
	q->open[q->nopen++] = it;
	if (q->nopen == q->batch)
		ordered_flush(q);
}

void
ordered_flush(struct ordered *q)
{
	struct ordered_item **items = q->open;
	int n = q->nopen;

	if (n == 0)
		return;
	q->open = NULL;
	q->nopen = 0;
	q->send(q->arg, items, n);
}

void
ordered_drain(struct ordered *q)
{
	struct ordered_item *it;

	while ((it = q->head) != NULL && it->state != ORDERED_WAIT) {
		q->write(q->arg, it);
		q->head = it->next;
		if (q->head == NULL)
			q->tail = NULL;
		json_object_put(it->o);
		free(it);
	}
}

void
ordered_free(struct ordered *q)
{
	while (q->head != NULL) {
		struct ordered_item *next = q->head->next;

		json_object_put(q->head->o);
		free(q->head);
		q->head = next;
	}
	q->tail = NULL;
	free(q->open);
	q->open = NULL;
	q->nopen = 0;
}
