/*
 * model_queue.h: the model's queue of events not yet applied, put in time
 * order (inside the model only: model.c and model_queue.c).
 *
 * Events come in batches, one per drain, each the concatenation of a few
 * runs already in time order (one per recorder ring, or a save file's
 * records), after what an earlier apply kept back (in order). So the queue
 * is ordered by merging: the runs of the new batch, then the batch with
 * the tail of what was there, never a sort of the whole queue. Merges are
 * stable, so events at one instant keep the order they came in.
 *
 * Applied events leave from the front (a head index); the array is
 * compacted when the front is more than half of it.
 */
#ifndef SIMUL_MODEL_QUEUE_H
#define SIMUL_MODEL_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct pending {
	uint64_t t;
	int32_t task;
	uint8_t type, state;
	int16_t line;
	uint32_t a, b;
	uint32_t text;
};

struct mqueue {
	struct pending *a;
	size_t head, n, cap; /* the queue is a[head..n) */
	size_t sorted;       /* a[head..sorted) is in order */
	struct pending *tmp; /* room for merges */
	size_t captmp;
	size_t *runs; /* run starts of a batch being ordered */
	size_t capruns;
};

void mqueue_push(struct mqueue *q, const struct pending *p);
/* Put the whole queue in time order. */
void mqueue_order(struct mqueue *q);
static inline size_t mqueue_len(const struct mqueue *q)
{
	return q->n - q->head;
}
/* The i-th event from the front (after mqueue_order: in time order). */
static inline const struct pending *mqueue_at(const struct mqueue *q, size_t i)
{
	return &q->a[q->head + i];
}
/* Drop the first k events. */
void mqueue_drop(struct mqueue *q, size_t k);
size_t mqueue_bytes(const struct mqueue *q);
void mqueue_free(struct mqueue *q);

#endif
