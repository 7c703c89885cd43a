/*
 * co_sync.h: more of asyncio over co.h: cancelling one task, asyncio.Queue,
 * waiting for the first of several tasks, and the hand-over from another
 * thread into the loop (asyncio.run_coroutine_threadsafe).
 *
 * Everything but co_bridge_call runs on the loop's thread, as co.h says.
 * A cancelled task's pending await returns UV_ECANCELED: the task's code
 * then says so (CancelledError) and returns, as a Python coroutine lets
 * the exception end it.
 */
#ifndef SIMUL_CO_SYNC_H
#define SIMUL_CO_SYNC_H

#include <stddef.h>

#include "co.h"

/*
 * task.cancel(): the task's current await returns UV_ECANCELED (at once if
 * it waits on a timer, a socket, a queue; when it next runs if it is ready);
 * a task that has not started yet never runs its function (its lane says
 * so). Returns 1 when the task will see it, 0 when it had already returned,
 * -1 when its await cannot be cut short (to_thread, gather).
 */
int co_cancel(struct co_task *task);
/* The task ends by the CancelledError its await returned (it lets the
 * exception end it, as `except CancelledError: ...; raise` does): its lane
 * ends as cancelled, not finished. Only for the task's own cancellation:
 * a run being stopped is not one. */
void co_task_cancelled(struct co_task *task);

/* asyncio.Queue(maxsize): 0 is no limit. */
struct co_queue {
	int maxsize;
	long *items;
	int cap, head, n;
	long unfinished;
	int max_seen;
	struct co_task *getters, *putters, *joiners; /* waiting tasks, first first */
};

int co_queue_init(struct co_queue *q, int maxsize);
void co_queue_free(struct co_queue *q);
/* await q.put(item): waits (state lock, "waiting on the queue") while the
 * queue is full. 0, or UV_ECANCELED. */
int co_queue_put(struct co_task *task, struct co_queue *q, long item, int line);
/* item = await q.get(): waits while the queue is empty. */
int co_queue_get(struct co_task *task, struct co_queue *q, long *item, int line);
/* q.task_done(), and await q.join(): until every item put is done. */
void co_queue_task_done(struct co_queue *q);
int co_queue_join(struct co_task *task, struct co_queue *q, int line);

/*
 * asyncio.wait(tasks, return_when=FIRST_COMPLETED), and with a timeout:
 * waits until one of tasks[0..n) has returned or timeout_ms (0: none)
 * passes; returns the index of one that has returned, -1 on the timeout,
 * or UV_ECANCELED.
 */
int co_wait_first(struct co_task *task, struct co_task *const *tasks, size_t n, uint64_t timeout_ms, int line,
                  const char *why);

/* ---- from another thread into the loop ---- */

struct co_bridge;
/* Make one on the loop's thread, before co_loop_run; free it after
 * co_loop_free (the loop closes its handle). NULL when out of memory. */
struct co_bridge *co_bridge_new(struct co_loop *loop, const char *group);
/*
 * From any thread but the loop's: run fn(task, arg) in a new task called
 * name on the loop, and wait until it returns, as
 * asyncio.run_coroutine_threadsafe(coro, loop).result() does. The calling
 * thread shows `lane` (may be TRACE_NO_TASK) waiting meanwhile. Returns the
 * task's result (what fn stored with co_bridge_result), or UV_ECANCELED.
 */
int co_bridge_call(struct co_bridge *b, trace_task_t lane, int line, const char *name, co_fn fn, void *arg);
/* Inside fn: the value co_bridge_call returns. */
void co_bridge_result(struct co_task *task, int result);
void co_bridge_free(struct co_bridge *b);

#endif
