/*
 * co_sleep.c: await asyncio.sleep (see co.h), as asyncio does it: the
 * loop keeps its own deadlines and one libuv timer for the earliest.
 *
 * A libuv timer per task would cost its handle (about 150 bytes) and an
 * insertion into libuv's pointer-linked heap per sleep. asyncio keeps its
 * timers in one array heap (heapq); we do too, with a shortcut: a sleep
 * that ends no earlier than the last one queued (ten thousand tasks that
 * each sleep one second, asked one after the other) goes to the end of a
 * FIFO ring instead, which stays sorted at no cost. When the timer fires,
 * every sleep that is due wakes, the earlier of the two fronts first, ties
 * by the order the sleeps were asked in; then the timer is armed for the
 * next.
 *
 * A cancelled sleep is not searched for: its task moves on to its next
 * sleep (its generation), and the entry it left is dropped when it comes
 * to the front.
 *
 * Deadlines are lesson time (pace.h): slower in a slowed-down run, later by
 * any pause. A libuv timer may fire up to a millisecond early, so a sleep
 * less than a real millisecond from its end counts as due.
 */
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "co_impl.h"
#include "pace.h"

/* a before b: earlier wake time, else asked first. */
static int co_sleeper_before(const struct co_sleeper *a, const struct co_sleeper *b)
{
	if (a->wake_ns != b->wake_ns)
		return a->wake_ns < b->wake_ns;
	return (int32_t)(a->seq - b->seq) < 0;
}

/* ---- the heap ---- */

static int co_heap_push(struct co_loop *l, struct co_sleeper e)
{
	if (l->nheap == l->cap_heap) {
		size_t cap = l->cap_heap ? l->cap_heap * 2 : 64;
		struct co_sleeper *n = realloc(l->heap, cap * sizeof(*n));
		if (!n)
			return -1;
		l->heap = n;
		l->cap_heap = cap;
	}
	size_t i = l->nheap++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!co_sleeper_before(&e, &l->heap[parent]))
			break;
		l->heap[i] = l->heap[parent];
		i = parent;
	}
	l->heap[i] = e;
	return 0;
}

static void co_heap_pop(struct co_loop *l)
{
	struct co_sleeper e = l->heap[--l->nheap];
	size_t n = l->nheap, i = 0;
	if (n == 0)
		return;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && co_sleeper_before(&l->heap[c + 1], &l->heap[c]))
			c++;
		if (!co_sleeper_before(&l->heap[c], &e))
			break;
		l->heap[i] = l->heap[c];
		i = c;
	}
	l->heap[i] = e;
}

/* ---- the FIFO ---- */

static struct co_sleeper *co_fifo_at(struct co_loop *l, size_t i)
{
	return &l->fifo[(l->fifo_head + i) & (l->fifo_cap - 1)];
}

static int co_fifo_push(struct co_loop *l, struct co_sleeper e)
{
	if (l->fifo_len == l->fifo_cap) {
		size_t cap = l->fifo_cap ? l->fifo_cap * 2 : 64;
		struct co_sleeper *n = malloc(cap * sizeof(*n));
		if (!n)
			return -1;
		for (size_t i = 0; i < l->fifo_len; i++)
			n[i] = *co_fifo_at(l, i);
		free(l->fifo);
		l->fifo = n;
		l->fifo_cap = cap;
		l->fifo_head = 0;
	}
	*co_fifo_at(l, l->fifo_len++) = e;
	return 0;
}

/* ---- both ---- */

/* The earliest sleep, stale or not; NULL when there is none. */
static struct co_sleeper *co_sleep_front(struct co_loop *l)
{
	struct co_sleeper *f = l->fifo_len ? co_fifo_at(l, 0) : NULL;
	struct co_sleeper *h = l->nheap ? &l->heap[0] : NULL;
	if (f && h)
		return co_sleeper_before(f, h) ? f : h;
	return f ? f : h;
}

static void co_sleep_pop(struct co_loop *l, struct co_sleeper *front)
{
	if (l->fifo_len && front == co_fifo_at(l, 0)) {
		l->fifo_head = (l->fifo_head + 1) & (l->fifo_cap - 1);
		l->fifo_len--;
	} else {
		co_heap_pop(l);
	}
}

static int co_sleep_stale(const struct co_sleeper *e)
{
	return e->gen != e->task->sleep_gen;
}

static void co_sleep_fire(uv_timer_t *h);

/* Arm the timer for the earliest deadline (or stop it when none). */
static void co_sleep_arm(struct co_loop *l)
{
	struct co_sleeper *f;
	while ((f = co_sleep_front(l)) != NULL && co_sleep_stale(f))
		co_sleep_pop(l, f);
	if (f == NULL) {
		uv_timer_stop(&l->sleep_timer);
		return;
	}
	/* libuv's clock is cached per turn: a task that ran long since would
	 * otherwise get a timer that is already partly spent. */
	uv_update_time(&l->uv);
	uv_timer_start(&l->sleep_timer, co_sleep_fire, pace_real_ms_until(f->wake_ns), 0);
}

/* Wake every sleep that is due, earliest first, then arm for the next. */
static void co_sleep_fire(uv_timer_t *h)
{
	struct co_loop *l = h->data;
	uint64_t due = pace_due_until();
	struct co_sleeper *f;
	while ((f = co_sleep_front(l)) != NULL && f->wake_ns <= due) {
		struct co_task *t = f->task;
		int stale = co_sleep_stale(f);
		co_sleep_pop(l, f);
		if (stale)
			continue;
		t->sleep_gen++;
		int marked = 0;
		if (l->watch) {
			pthread_mutex_lock(&l->watch_mu);
			marked = t->sleep_phase == 2;
			t->sleep_phase = 0;
			pthread_mutex_unlock(&l->watch_mu);
		}
		co_enqueue(t, 0, marked, "timer fired");
	}
	co_sleep_arm(l);
}

void co_sleep_init(struct co_loop *l)
{
	uv_timer_init(&l->uv, &l->sleep_timer);
	l->sleep_timer.data = l;
}

void co_sleep_cancel(struct co_task *t)
{
	t->sleep_gen++; /* its entry is stale now */
	if (t->loop->watch) {
		pthread_mutex_lock(&t->loop->watch_mu);
		t->sleep_phase = 0;
		pthread_mutex_unlock(&t->loop->watch_mu);
	}
	co_enqueue(t, UV_ECANCELED, 0, "cancelled");
}

int co_timeout_start(struct co_task *t, uint64_t wake_ns)
{
	struct co_loop *l = t->loop;
	struct co_sleeper e = {.wake_ns = wake_ns, .seq = l->sleep_seq++, .gen = t->sleep_gen, .task = t};
	/* Whether it is the new earliest, asked before the push moves things. */
	struct co_sleeper *front = co_sleep_front(l);
	int earliest = front == NULL || co_sleeper_before(&e, front);
	int in_order = l->fifo_len == 0 || !co_sleeper_before(&e, co_fifo_at(l, l->fifo_len - 1));
	if ((in_order ? co_fifo_push(l, e) : co_heap_push(l, e)) != 0)
		return -1;
	if (earliest)
		co_sleep_arm(l);
	return 0;
}

void co_timeout_stop(struct co_task *t)
{
	t->sleep_gen++; /* its entry is stale now, dropped when it comes to the front */
}

/* The wait with its reason spelled out: a frame of its own, so that a crowd
 * of tasks (which go without) does not keep its buffer on their stacks. */
static __attribute__((noinline)) int co_sleep_wait_named(struct co_task *t, uint64_t ms, int line)
{
	char why[48];
	snprintf(why, sizeof(why), "await asyncio.sleep(%.3g)", (double)ms / 1000.0);
	return co_wait(t, STATE_SLEEP, line, why, co_sleep_cancel);
}

int co_sleep(struct co_task *t, uint64_t ms, int line)
{
	struct co_loop *l = t->loop;
	if (l->cancelling)
		return UV_ECANCELED;
	uint64_t wake = clock_now_ns() + ms * NS_PER_MS;
	if (co_timeout_start(t, wake) != 0)
		return UV_ENOMEM;
	if (l->watch) {
		pthread_mutex_lock(&l->watch_mu);
		t->deadline_ns = wake;
		t->sleep_phase = 1;
		t->line = line;
		pthread_mutex_unlock(&l->watch_mu);
	}
	if (l->many)
		return co_wait(t, STATE_SLEEP, line, NULL, co_sleep_cancel);
	return co_sleep_wait_named(t, ms, line);
}
