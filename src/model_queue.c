/*
 * model_queue.c: the model's queue of events, ordered by merging runs (see
 * model_queue.h).
 */
#include "model_queue.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static void room(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap : 256;
	while (c < need)
		c *= 2;
	*p = xreallocarray(*p, c, size);
	*cap = c;
}

void mqueue_push(struct mqueue *q, const struct pending *p)
{
	if (q->n == q->cap && q->head > 0 && q->head >= q->n / 2) {
		/* Compact rather than grow: most of the array has been applied. */
		memmove(q->a, q->a + q->head, (q->n - q->head) * sizeof(*q->a));
		q->n -= q->head;
		q->sorted -= q->head;
		q->head = 0;
	}
	room((void **)&q->a, &q->cap, q->n + 1, sizeof(*q->a));
	q->a[q->n++] = *p;
}

/* Merge the ordered a[lo..mid) and a[mid..hi) into out[0..hi-lo), stably
 * (on a tie, the left one first). */
static void merge(const struct pending *a, size_t lo, size_t mid, size_t hi, struct pending *out)
{
	size_t i = lo, j = mid, k = 0;
	while (i < mid && j < hi)
		out[k++] = a[j].t < a[i].t ? a[j++] : a[i++];
	while (i < mid)
		out[k++] = a[i++];
	while (j < hi)
		out[k++] = a[j++];
}

/* Find the ascending runs of a[from..to) into q->runs (starts, then `to`);
 * returns how many. */
static size_t find_runs(struct mqueue *q, size_t from, size_t to)
{
	size_t nr = 0;
	for (size_t i = from; i < to; i++) {
		if (i == from || q->a[i].t < q->a[i - 1].t) {
			room((void **)&q->runs, &q->capruns, nr + 2, sizeof(*q->runs));
			q->runs[nr++] = i;
		}
	}
	room((void **)&q->runs, &q->capruns, nr + 1, sizeof(*q->runs));
	q->runs[nr] = to;
	return nr;
}

/* Order a[from..to) by merging its runs pairwise, in place. */
static void merge_pairwise(struct mqueue *q, size_t from, size_t to)
{
	size_t nr = find_runs(q, from, to);
	if (nr <= 1)
		return;
	room((void **)&q->tmp, &q->captmp, to - from, sizeof(*q->tmp));
	while (nr > 1) {
		size_t w = 0;
		for (size_t r = 0; r < nr; r += 2) {
			size_t lo = q->runs[r], mid = q->runs[r + 1 < nr ? r + 1 : nr],
			       hi = q->runs[r + 2 < nr ? r + 2 : nr];
			if (mid < hi) {
				merge(q->a, lo, mid, hi, q->tmp);
				memcpy(q->a + lo, q->tmp, (hi - lo) * sizeof(*q->a));
			}
			q->runs[w++] = lo;
		}
		q->runs[w] = to;
		nr = w;
	}
}

/* Merge the ordered a[lo..mid) and a[mid..hi) in place, stably, copying
 * only the smaller of the two aside: forward when it is the left one (the
 * write never passes the right one's next read), backward when it is the
 * right one. A batch's small runs meet its big one, and a batch meets the
 * little of the queue that is later than its start, at the cost of the
 * small side's room. */
static void merge_in_place(struct mqueue *q, size_t lo, size_t mid, size_t hi)
{
	if (lo == mid || mid == hi || q->a[mid - 1].t <= q->a[mid].t)
		return;
	struct pending *a = q->a;
	if (mid - lo <= hi - mid) {
		size_t n = mid - lo;
		room((void **)&q->tmp, &q->captmp, n, sizeof(*q->tmp));
		memcpy(q->tmp, a + lo, n * sizeof(*a));
		size_t i = 0, j = mid, w = lo;
		while (i < n && j < hi)
			a[w++] = a[j].t < q->tmp[i].t ? a[j++] : q->tmp[i++];
		while (i < n)
			a[w++] = q->tmp[i++];
	} else {
		size_t n = hi - mid;
		room((void **)&q->tmp, &q->captmp, n, sizeof(*q->tmp));
		memcpy(q->tmp, a + mid, n * sizeof(*a));
		size_t i = mid, j = n, w = hi; /* i, j: one past the next to read */
		while (i > lo && j > 0)
			a[--w] = q->tmp[j - 1].t < a[i - 1].t ? a[--i] : q->tmp[--j];
		while (j > 0)
			a[--w] = q->tmp[--j];
	}
}

/* Order a[from..to). One run is most of a batch (the busiest thread's
 * ring): the runs before it and those after it are ordered on their own,
 * then merged with it, the ones before first on a tie: the big run moves
 * once or twice, not once per round of pairwise merging, and no room the
 * size of the batch is needed. */
static void order_batch(struct mqueue *q, size_t from, size_t to)
{
	size_t nr = find_runs(q, from, to);
	if (nr <= 1)
		return;
	size_t big = 0;
	for (size_t r = 1; r < nr; r++)
		if (q->runs[r + 1] - q->runs[r] > q->runs[big + 1] - q->runs[big])
			big = r;
	size_t ls = q->runs[big], le = q->runs[big + 1];
	merge_pairwise(q, from, ls);
	merge_pairwise(q, le, to);
	merge_in_place(q, from, ls, le);
	merge_in_place(q, from, le, to);
}

void mqueue_order(struct mqueue *q)
{
	if (q->sorted < q->head)
		q->sorted = q->head;
	if (q->sorted == q->n)
		return;
	order_batch(q, q->sorted, q->n);
	/* The batch goes after the ordered part, but for the events of it
	 * that are later than the batch's first: merge just those. */
	size_t s = q->sorted;
	if (s > q->head && q->a[s].t < q->a[s - 1].t) {
		size_t lo = q->head, hi = s; /* first of a[head..s) later than a[s] */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (q->a[mid].t <= q->a[s].t)
				lo = mid + 1;
			else
				hi = mid;
		}
		merge_in_place(q, lo, s, q->n);
	}
	q->sorted = q->n;
}

void mqueue_drop(struct mqueue *q, size_t k)
{
	q->head += k;
	if (q->head == q->n)
		q->head = q->n = q->sorted = 0;
}

size_t mqueue_bytes(const struct mqueue *q)
{
	return q->cap * sizeof(*q->a) + q->captmp * sizeof(*q->tmp) + q->capruns * sizeof(*q->runs);
}

void mqueue_free(struct mqueue *q)
{
	free(q->a);
	free(q->tmp);
	free(q->runs);
	memset(q, 0, sizeof(*q));
}
