/*
 * co_sync.c: task.cancel(), asyncio.Queue and asyncio.wait over co's tasks
 * (see co_sync.h). Waiting tasks are kept in first-come lists through
 * their `next` link, which is free while a task waits (it is on no ready
 * queue); a waiter that is woken is taken off its list by whoever wakes it,
 * one that is cancelled takes itself off.
 */
#include "co_sync.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "clock.h"
#include "co_impl.h"
#include "pace.h"

/* ---- task.cancel() ---- */

static void co_never_ran(struct co_task *t, void *arg)
{
	(void)arg;
	trace_mark(t->id, "CancelledError: cancelled before it started");
	co_task_cancelled(t);
}

void co_task_cancelled(struct co_task *t)
{
	t->cancelled = 1;
}

int co_cancel(struct co_task *t)
{
	if (t->done)
		return 0;
	if (!t->started) {
		t->fn = co_never_ran;
		return 1;
	}
	if (t->queued) { /* ready: its await returns the cancellation */
		t->result = UV_ECANCELED;
		return 1;
	}
	if (t->cancel != NULL) {
		t->cancel(t);
		return 1;
	}
	return -1;
}

/* ---- waiting lists ---- */

static void list_append(struct co_task **head, struct co_task *t)
{
	t->next = NULL;
	while (*head != NULL)
		head = &(*head)->next;
	*head = t;
}

static int list_remove(struct co_task **head, struct co_task *t)
{
	for (; *head != NULL; head = &(*head)->next)
		if (*head == t) {
			*head = t->next;
			t->next = NULL;
			return 1;
		}
	return 0;
}

/* Wake the first waiter of a list (asyncio's _wakeup_next). */
static void list_wake_first(struct co_task **head, const char *why)
{
	struct co_task *t = *head;
	if (t == NULL)
		return;
	*head = t->next;
	t->next = NULL;
	co_enqueue(t, 0, 0, why);
}

/* ---- asyncio.Queue ---- */

int co_queue_init(struct co_queue *q, int maxsize)
{
	memset(q, 0, sizeof(*q));
	q->maxsize = maxsize;
	q->cap = maxsize > 0 ? maxsize : 64;
	q->items = malloc((size_t)q->cap * sizeof(long));
	return q->items != NULL ? 0 : UV_ENOMEM;
}

void co_queue_free(struct co_queue *q)
{
	free(q->items);
	q->items = NULL;
}

static void co_queue_cancel(struct co_task *t)
{
	struct co_queue *q = t->op;
	if (!list_remove(&q->getters, t) && !list_remove(&q->putters, t))
		list_remove(&q->joiners, t);
	t->op = NULL;
	co_enqueue(t, UV_ECANCELED, 0, "cancelled");
}

/* Suspend t on one of q's lists until woken or cancelled. */
static int co_queue_wait(struct co_task *t, struct co_queue *q, struct co_task **list, enum state s, int line,
                         const char *why)
{
	if (t->loop->cancelling)
		return UV_ECANCELED;
	list_append(list, t);
	t->op = q;
	int rc = co_wait(t, s, line, why, co_queue_cancel);
	t->op = NULL;
	return rc;
}

static int co_queue_grow(struct co_queue *q)
{
	long *n = malloc((size_t)q->cap * 2 * sizeof(long));
	if (n == NULL)
		return UV_ENOMEM;
	for (int i = 0; i < q->n; i++)
		n[i] = q->items[(q->head + i) % q->cap];
	free(q->items);
	q->items = n;
	q->head = 0;
	q->cap *= 2;
	return 0;
}

int co_queue_put(struct co_task *t, struct co_queue *q, long item, int line)
{
	while (q->maxsize > 0 && q->n >= q->maxsize) {
		int rc = co_queue_wait(t, q, &q->putters, STATE_LOCK, line, "await q.put(): waiting on the queue (full)");
		if (rc != 0) {
			if (q->n < q->maxsize) /* a place we were given goes to the next */
				list_wake_first(&q->putters, "a place on the queue");
			return rc;
		}
	}
	if (q->n == q->cap && co_queue_grow(q) != 0)
		return UV_ENOMEM;
	q->items[(q->head + q->n) % q->cap] = item;
	q->n++;
	q->unfinished++;
	if (q->n > q->max_seen)
		q->max_seen = q->n;
	list_wake_first(&q->getters, "an item on the queue");
	return 0;
}

int co_queue_get(struct co_task *t, struct co_queue *q, long *item, int line)
{
	while (q->n == 0) {
		int rc = co_queue_wait(t, q, &q->getters, STATE_LOCK, line, "await q.get(): waiting on the queue (empty)");
		if (rc != 0) {
			if (q->n > 0) /* an item we were woken for goes to the next */
				list_wake_first(&q->getters, "an item on the queue");
			return rc;
		}
	}
	*item = q->items[q->head];
	q->head = (q->head + 1) % q->cap;
	q->n--;
	list_wake_first(&q->putters, "a place on the queue");
	return 0;
}

void co_queue_task_done(struct co_queue *q)
{
	if (q->unfinished > 0 && --q->unfinished == 0)
		while (q->joiners != NULL)
			list_wake_first(&q->joiners, "every item is done");
}

int co_queue_join(struct co_task *t, struct co_queue *q, int line)
{
	while (q->unfinished > 0) {
		int rc = co_queue_wait(t, q, &q->joiners, STATE_JOIN, line, "await q.join(): until every item is task_done");
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- asyncio.wait(..., return_when=FIRST_COMPLETED, timeout=...) ---- */

struct co_wait_first_op {
	struct co_task *const *tasks;
	size_t n;
};

static void co_wait_first_cancel(struct co_task *t)
{
	co_timeout_stop(t);
	co_enqueue(t, UV_ECANCELED, 0, "cancelled");
}

int co_wait_first(struct co_task *t, struct co_task *const *tasks, size_t n, uint64_t timeout_ms, int line,
                  const char *why)
{
	for (size_t i = 0; i < n; i++)
		if (tasks[i]->done)
			return (int)i;
	if (t->loop->cancelling)
		return UV_ECANCELED;
	for (size_t i = 0; i < n; i++)
		tasks[i]->waiter = t;
	t->pending = 1;
	/* The timeout is one of the loop's timers (co_sleep.c), as
	 * asyncio's is. */
	if (timeout_ms > 0 && co_timeout_start(t, clock_now_ns() + timeout_ms * NS_PER_MS) != 0) {
		for (size_t i = 0; i < n; i++)
			if (tasks[i]->waiter == t)
				tasks[i]->waiter = NULL;
		t->pending = 0;
		return UV_ENOMEM;
	}
	int rc = co_wait(t, STATE_JOIN, line, why, co_wait_first_cancel);
	if (timeout_ms > 0)
		co_timeout_stop(t);
	for (size_t i = 0; i < n; i++)
		if (tasks[i]->waiter == t)
			tasks[i]->waiter = NULL;
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (tasks[i]->done)
			return (int)i;
	return -1;
}
