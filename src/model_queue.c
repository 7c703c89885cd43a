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

/* Order a[from..to). One run is most of a batch (the busiest thread's
 * ring): the runs before it and those after it are ordered on their own,
 * then the three are merged once, earlier ones first on a tie, so the big
 * run is copied twice, not once per round of pairwise merging. */
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
	room((void **)&q->tmp, &q->captmp, to - from, sizeof(*q->tmp));
	const struct pending *a = q->a;
	size_t b = from, l = ls, c = le, k = 0;
	while (b < ls || l < le || c < to) {
		/* The smallest head; on a tie, the earliest range. */
		const struct pending *pick = NULL;
		size_t *from_range = NULL;
		if (b < ls) {
			pick = &a[b];
			from_range = &b;
		}
		if (l < le && (pick == NULL || a[l].t < pick->t)) {
			pick = &a[l];
			from_range = &l;
		}
		if (c < to && (pick == NULL || a[c].t < pick->t)) {
			pick = &a[c];
			from_range = &c;
		}
		q->tmp[k++] = *pick;
		(*from_range)++;
	}
	memcpy(q->a + from, q->tmp, (to - from) * sizeof(*q->a));
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
		room((void **)&q->tmp, &q->captmp, q->n - lo, sizeof(*q->tmp));
		merge(q->a, lo, s, q->n, q->tmp);
		memcpy(q->a + lo, q->tmp, (q->n - lo) * sizeof(*q->a));
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
